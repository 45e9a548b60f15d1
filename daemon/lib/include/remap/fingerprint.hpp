// The identity of a main (or spare) device as recorded in the metadata's
// 63-character main_id / spare_id fields.  See docs/remapd.md#fingerprints.
//
//   wwn:<WWN>[-p<part>]:<sectors>:<lbs>          hardware WWN (ID_WWN, sysfs wwid)
//   sn:<model>/<serial>[-p<part>]:<sectors>:<lbs> serial (+ model) when there is no WWN
//   loop:<backing file>:<sectors>:<lbs>           loop devices
//   dmu:<DM_UUID>:<sectors>:<lbs>                 device-mapper devices with a UUID
//   dmn:<DM_NAME>:<sectors>:<lbs>                 device-mapper devices without one
//   size:<sectors>:<lbs>                          nothing else known
//
// Characters outside printable ASCII 0x21-0x7e become '_'.  A fingerprint
// longer than 63 characters keeps its "<kind>:" prefix and ":<sectors>:<lbs>"
// suffix; the identity in between is cut and ends in "~" + the 16 hex digits
// of the FNV-1a 64-bit hash of the whole untruncated fingerprint, so it
// stays deterministic and distinct.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace remap {

inline constexpr std::size_t kFingerprintMax = 63;  // DMR_ID_LEN - 1

struct DeviceIdentity {
	std::string wwn;
	std::string serial;
	std::string model;
	std::string loop_backing_file;
	std::string dm_uuid;
	std::string dm_name;
	unsigned int partition = 0;  // partition number, 0 for whole disks
	std::uint64_t sectors = 0;
	std::uint32_t logical_block_size = 512;
};

std::uint64_t fnv1a64(std::string_view data);

std::string make_fingerprint(const DeviceIdentity &id);

}  // namespace remap
