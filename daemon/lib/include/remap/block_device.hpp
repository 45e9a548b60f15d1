// Block devices as libudev and sysfs describe them: node, size, logical
// block size and whatever identity the hardware (or the loop/dm layer)
// offers.  Works without a running udevd: sysfs attributes are read
// directly and udev database properties (ID_WWN, ID_SERIAL, ID_MODEL) are
// used when present.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "remap/fingerprint.hpp"

struct udev;
struct udev_device;

namespace remap {

struct BlockDevice {
	std::string sysname;  // "sda", "loop0", "dm-3"
	std::string devnode;  // "/dev/sda"
	dev_t devnum = 0;
	std::uint64_t sectors = 0;  // 512-byte sectors
	std::uint32_t logical_block_size = 512;
	bool read_only = false;
	bool has_holders = false;  // something (dm, md, ...) is stacked on it
	DeviceIdentity identity;

	std::string devt_text() const;  // "major:minor"
};

// Where the identity (WWN, serial, model) comes from: udev database
// properties first and sysfs attributes as a fallback (the metadata's
// fingerprints), or sysfs alone (claim ids, main_claim.hpp).
enum class IdentitySource { udev_then_sysfs, sysfs_only };

// Describe one udev block device (subsystem "block").
BlockDevice describe_block_device(struct udev_device *dev,
				  IdentitySource source = IdentitySource::udev_then_sysfs);

// Every block device udev/sysfs knows about, sorted by devnode.
std::vector<BlockDevice> enumerate_block_devices(struct udev *udev);

// The block device at PATH (a device node or a symlink to one); nullopt if
// PATH is not a block device.  Throws Error if it cannot be stat'ed.
std::optional<BlockDevice> block_device_at(struct udev *udev, const std::string &path,
					   IdentitySource source = IdentitySource::udev_then_sysfs);

// The block device with this number ("7:0" as the kernel prints it).
std::optional<BlockDevice> block_device_by_devt(struct udev *udev, const std::string &devt);

}  // namespace remap
