// Claiming a main: what the udev rule (58-dm-remap-v4-claim.rules, through
// `remapctl udev-claim`) needs to recognise a main listed in the bindings
// file, and the nudge that makes udev look at a main again once it is bound.
#pragma once

#include <optional>
#include <string>

#include "remap/bindings.hpp"
#include "remap/block_device.hpp"

struct udev;

namespace remap {

// The main's claim id: its fingerprint from sysfs attributes only (no udev
// database), so it is the same in a udev rule that runs before
// 60-persistent-storage.rules as in remapctl and remapd.
std::string main_claim_id(const BlockDevice &sysfs_only);

// The claim id of the block device at PATH.  Throws Error if PATH is not a
// block device.
std::string main_claim_id_at(struct udev *udev, const std::string &path);

// Ask udev to process the device again (writes "change" to its sysfs
// uevent file), so a newly bound main loses its by-uuid/by-label links at
// once.  Best effort: returns false if it could not be written.
bool request_change_uevent(const BlockDevice &dev);

}  // namespace remap
