// Linear bindings ("<disk claim id> linear <name> <sectors>", bindings.hpp):
// NAME is a plain dm-linear map of sectors [0, sectors) of one disk, as
// `remapctl evacuate NAME --to NEWDISK` without --spare leaves it.  Discovery
// finds the disk by its claim id (main_claim.hpp, the identity the udev rule
// claims mains by) and remapd / `remapctl discover --assemble` create NAME
// over it; the decisions are pure, so they are unit tested without devices.
//
//   match           exactly one attached disk has the claim id, nothing is
//                   stacked on it, NAME does not exist: create NAME
//   already_active  NAME exists and is this map (one linear target from
//                   sector 0 of the disk, the recorded length)
//   disk_missing    no attached disk has the claim id (nor its identity)
//   size_mismatch   a disk has the claim id's identity but another size or
//                   block size (resized, or another disk), or is smaller
//                   than the recorded length: refused
//   ambiguous_disk  several disks have the claim id: refused
//   in_use          the disk has something stacked on it (another dm, md,
//                   ...): refused, NAME is not created over it
//   name_taken      a device-mapper device named NAME exists and is not
//                   this map: refused, nothing is created twice
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "remap/bindings.hpp"
#include "remap/dm_control.hpp"

namespace remap {

enum class LinearOutcome {
	match,
	already_active,
	disk_missing,
	size_mismatch,
	ambiguous_disk,
	in_use,
	name_taken,
};

const char *linear_outcome_name(LinearOutcome o);

// True for the outcomes that are refusals (an admin must look).
bool linear_refused(LinearOutcome o);

// An attached block device that may be a linear binding's disk.
struct LinearDisk {
	std::string path;      // "/dev/loop3"
	std::string devt;      // "7:3"
	std::string claim_id;  // main_claim_id() of it
	std::uint64_t sectors = 0;
	std::vector<std::string> holders;  // sysfs holders/ ("dm-4"); empty if none
};

// The device-mapper device named as the binding, if any.
struct DmNameState {
	bool exists = false;
	bool single_linear = false;  // exactly one target, type linear, at sector 0
	std::string devt;            // that target's device ("7:3")
	std::uint64_t offset = 0;    // its offset on the device
	std::uint64_t length = 0;    // the target's length
};

// The state of an existing device from its table (dm::table).
DmNameState dm_name_state(const std::vector<dm::TargetLine> &table);

struct LinearDecision {
	Binding binding;
	LinearOutcome outcome = LinearOutcome::disk_missing;
	std::string disk_path;  // match, already_active, in_use: the disk
	std::string disk_devt;
	std::vector<std::string> related;  // ambiguous/size_mismatch: the disks; in_use: the holders
	std::string message;               // one line, for logs and tables
};

// The identity part of a claim id, without its ":<sectors>:<lbs>" suffix;
// "" when there is no such suffix or the identity is only the size
// ("size:<sectors>:<lbs>": any disk of that size would share it).
std::string claim_identity(const std::string &claim_id);

// One decision per linear binding of BINDINGS, in order (pair bindings are
// skipped).  NAMES: the state of each binding's name (a name not in the
// map does not exist).  DISKS: every attached block device that is neither
// a spare nor a remap-v4 device, held ones included.
std::vector<LinearDecision> decide_linear(const std::vector<Binding> &bindings,
					  const std::vector<LinearDisk> &disks,
					  const std::map<std::string, DmNameState> &names);

// DM UUID of a linear map created by remapd: "DMREMAP4-linear-" + 16 hex
// digits of the FNV-1a hash of the disk's claim id (deterministic, unique
// per disk, within the DM UUID's 128 characters).  The DMREMAP4- prefix
// keeps the udev rules and discovery off it, as for the pairs' devices.
std::string linear_dm_uuid(const std::string &disk_id);

struct LinearAssembly {
	std::string name;
	std::string disk;
	bool ok = false;
	std::string error;
};

// Creates NAME for a `match` decision: table "0 <sectors> linear <disk> 0",
// DM UUID linear_dm_uuid().  Checked again first: NAME must not exist, and
// the disk must not be open exclusively (mounted, held by a file system or
// another program: O_EXCL open fails with EBUSY).
LinearAssembly assemble_linear(const LinearDecision &d);

}  // namespace remap
