// Exceptions used across remap_core.  Every message is one line, fit to be
// printed after "remapctl: " or logged by remapd as is.
#pragma once

#include <stdexcept>
#include <string>

namespace remap {

// Something failed (I/O, kernel refusal, malformed data).
class Error : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Text from the kernel or a file did not have the expected shape.
class ParseError : public Error {
public:
	using Error::Error;
};

// An operation was refused to protect data (foreign spare, wrong main, busy).
class RefusedError : public Error {
public:
	using Error::Error;
};

// strerror(err) as a std::string.
std::string errno_text(int err);

// Throws Error("<what>: <strerror(err)>").
[[noreturn]] void throw_errno(const std::string &what, int err);

}  // namespace remap
