// The bindings file (/etc/dm-remap/bindings): one line per known pair, read
// by the udev rule that claims mains and by remapd for device names, kept
// by `remapctl create` and remapd.  Like multipath's wwids and bindings
// files, it is what makes a main recognisable before its remap device
// exists.  See docs/remapd.md#claimed-mains-and-the-bindings-file.
//
//   # comment
//   <main claim id> <pair uuid> <device name>
//   <disk claim id> linear <device name> <sectors>
//
// The second form (written by `remapctl evacuate NAME --to NEWDISK` without
// --spare) says that NAME is a plain dm-linear map of sectors 0 to
// <sectors> - 1 of the disk: remapd creates it when the disk is attached,
// and the udev rule claims the disk as it claims a main.  The claim id is
// the device's fingerprint (fingerprint.hpp) built from sysfs only, so the
// udev rule can compute it before any other rule ran.  Fields are separated
// by blanks; claim ids, pair uuids and names are each unique in the file.
// The parser keeps the good lines and lists each bad one with its line
// number; writers refuse to rewrite a file that has bad lines.  (A parser
// older than the linear form reports a linear line as a bad line with 4
// fields: readers skip it, writers refuse the file.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "remap/error.hpp"

namespace remap {

enum class BindingKind {
	pair,    // NAME is the remap-v4 pair <pair uuid> whose main is main_id
	linear,  // NAME is dm-linear over the first `sectors` sectors of disk main_id
};

struct Binding {
	std::string main_id;    // claim id of the main (pair) or of the disk (linear)
	std::string pair_uuid;  // "" for a linear binding
	std::string name;
	BindingKind kind = BindingKind::pair;
	std::uint64_t sectors = 0;  // linear: the length of the map; 0 for a pair

	bool linear() const { return kind == BindingKind::linear; }
	bool operator==(const Binding &) const = default;
};

// The keyword in the pair uuid's place that marks a linear binding.
inline constexpr const char *kLinearKeyword = "linear";

// A linear binding: NAME maps sectors [0, SECTORS) of the disk DISK_ID.
Binding linear_binding(std::string disk_id, std::string name, std::uint64_t sectors);

// "pair <uuid> (main <id>)" or "the linear map of disk <id>", for messages.
std::string describe_binding(const Binding &b);

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

// The pair binding with this pair uuid (never a linear one), or null.
const Binding *find_by_uuid(const std::vector<Binding> &entries, std::string_view uuid);
// The binding (pair or linear) of this main / disk claim id, or null.
const Binding *find_by_main(const std::vector<Binding> &entries, std::string_view main_id);
// The binding (pair or linear) with this device name, or null.
const Binding *find_by_name(const std::vector<Binding> &entries, std::string_view name);

// Thrown by bind_pair() when the name belongs to another pair (or disk).
class NameClashError : public RefusedError {
public:
	using RefusedError::RefusedError;
};

// Records B (a pair or a linear binding) in ENTRIES:
//  - B.name bound to another pair or disk: NameClashError, ENTRIES unchanged;
//  - an entry for the same pair uuid (both pairs): its name and main id
//    become B's;
//  - an entry for B.main_id (the main was paired anew, a linear disk made a
//    pair main, a pair's main became a linear map): replaced, so a disk is
//    claimed for exactly one binding;
//  - otherwise appended.
// Returns true if ENTRIES changed.  Throws Error for invalid fields.
bool bind_pair(std::vector<Binding> &entries, const Binding &b);

}  // namespace remap
