// Adopting a pair made without remapctl: a bare `dmsetup create` with a
// remap-v4 table and a blank spare leaves a spare whose metadata records no
// main identity (the kernel formatted it) and no line in the bindings file,
// so after a reboot nothing would claim the main or assemble the pair.
// remapd plans here what an active remap-v4 device still needs (docs/remapd.md,
// "Pairs made with a bare dmsetup"):
//   - the binding line, so the udev rule claims the main from now on;
//   - the main's identity in the spare's metadata, recorded through the
//     kernel's `set_main_id` message (the kernel owns the metadata while
//     the device is active), so remapd assembles the pair at boot.
// The binding is written first: if the message then fails, the main is
// still claimed and nothing mounts its stale file system.
#pragma once

#include <string>
#include <vector>

#include "remap/bindings.hpp"

namespace remap {

struct AdoptionInput {
	std::string name;           // device-mapper name of the active device
	std::string pair_uuid;      // from its status line
	std::string spare_main_id;  // main identity the spare's metadata records, "" none
	std::string main_fingerprint;  // what `remapctl create` records (udev, then sysfs)
	std::string main_claim_id;     // the bindings file's main id (sysfs only)
};

struct AdoptionPlan {
	bool set_main_id = false;    // send set_main_id_message(main_fingerprint)
	bool write_binding = false;  // bind_pair(binding) in the bindings file
	Binding binding;
	std::vector<std::string> notes;  // what the admin should know (e.g. another name was used)

	bool needed() const { return set_main_id || write_binding; }
};

// What the active device IN still needs, given the bindings file's ENTRIES.
// The binding keeps the name the file already gives this pair, else the
// device's own name, else (invalid, or bound to another pair)
// remap-<first 8 hex digits of the pair uuid>.  Throws Error if the pair
// uuid or an identity is unusable (nothing is to be done then).
AdoptionPlan plan_adoption(const AdoptionInput &in, const std::vector<Binding> &entries);

// The `set_main_id <id>` message, ID escaped for the kernel's argument
// splitting (a backslash becomes two).  Throws Error for an ID the kernel
// refuses: empty, over 63 characters, or with a byte outside 0x21-0x7e.
std::string set_main_id_message(const std::string &id);

}  // namespace remap
