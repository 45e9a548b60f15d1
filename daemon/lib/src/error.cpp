#include "remap/error.hpp"

#include <cstring>

namespace remap {

std::string errno_text(int err)
{
	char buf[256];
	// GNU strerror_r returns the message (maybe not in buf).
	return ::strerror_r(err, buf, sizeof(buf));
}

void throw_errno(const std::string &what, int err)
{
	throw Error(what + ": " + errno_text(err));
}

}  // namespace remap
