// The bindings file (/etc/dm-remap/bindings): one line per known pair, read
// by the udev rule that claims mains and by remapd for device names, kept
// by `remapctl create` and remapd.  Like multipath's wwids and bindings
// files, it is what makes a main recognisable before its remap device
// exists.  See docs/remapd.md#claimed-mains-and-the-bindings-file.
//
//   # comment
//   <main claim id> <pair uuid> <device name>
//
// The claim id is the main's fingerprint (fingerprint.hpp) built from sysfs
// only, so the udev rule can compute it before any other rule ran.  Fields
// are separated by blanks; each of the three values is unique in the file.
// The parser keeps the good lines and lists each bad one with its line
// number; writers refuse to rewrite a file that has bad lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "remap/error.hpp"

namespace remap {

struct Binding {
	std::string main_id;
	std::string pair_uuid;
	std::string name;

	bool operator==(const Binding &) const = default;
};

struct BindingsParse {
	std::vector<Binding> entries;
	std::vector<std::string> problems;  // "SOURCE:LINE: ..."
};

// A valid device-mapper name for a remap device: 1-127 printable ASCII
// characters (0x21-0x7e), no '/', not "." or "..".
bool valid_device_name(std::string_view name);

// Lower-case RFC 4122 text form, 8-4-4-4-12 hex digits.
bool valid_pair_uuid(std::string_view uuid);

BindingsParse parse_bindings(std::string_view text, const std::string &source);

std::string render_bindings(const std::vector<Binding> &entries);

const Binding *find_by_uuid(const std::vector<Binding> &entries, std::string_view uuid);
const Binding *find_by_main(const std::vector<Binding> &entries, std::string_view main_id);

// Thrown by bind_pair() when the name belongs to another pair.
class NameClashError : public RefusedError {
public:
	using RefusedError::RefusedError;
};

// Records B in ENTRIES:
//  - B.name bound to another pair: NameClashError, ENTRIES unchanged;
//  - an entry for B.pair_uuid: its name and main id become B's;
//  - an entry for B.main_id with another pair (the main was paired anew):
//    replaced, so a main is claimed for exactly one pair;
//  - otherwise appended.
// Returns true if ENTRIES changed.  Throws Error for invalid fields.
bool bind_pair(std::vector<Binding> &entries, const Binding &b);

}  // namespace remap
