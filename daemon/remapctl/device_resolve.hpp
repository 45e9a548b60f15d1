// Helpers that turn command-line device arguments into described devices.
#pragma once

#include <string>

#include "remap/block_device.hpp"
#include "remap/remap_device.hpp"
#include "remap/json_output.hpp"

struct udev;

namespace remapctl {

// The block device at PATH; UsageError if PATH is missing or not a block device.
remap::BlockDevice require_block_device(struct udev *udev, const std::string &path,
					const char *role);

// RefusedError if anything holds DEV open exclusively (a mounted file
// system, swap, md, LVM, a device-mapper table): asked before anything is
// written.  ROLE names it in the message ("spare").
void require_unused(const std::string &dev, const char *role);

// /dev paths of a remap device's main and spare ("" if unknown).
remap::json_out::DevicePaths device_paths(struct udev *udev, const remap::RemapDevice &d);

// The active remap-v4 device using the block device DEVT ("7:1") as main or
// spare, or "" if none.
std::string active_user_of(const std::string &devt);

}  // namespace remapctl
