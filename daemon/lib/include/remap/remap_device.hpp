// A live remap-v4 mapped device as the kernel reports it: dm info, its
// table (main and spare) and its parsed status line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "remap/extent_list.hpp"
#include "remap/status_info.hpp"
#include "remap/table_params.hpp"

namespace remap {

inline constexpr const char *kTargetName = "remap-v4";
// DM UUID prefix of devices created by remapctl/remapd: "DMREMAP4-<pair uuid>".
inline constexpr const char *kDmUuidPrefix = "DMREMAP4-";

struct RemapDevice {
	std::string name;
	std::string dm_uuid;
	std::uint32_t major = 0;
	std::uint32_t minor = 0;
	std::uint64_t sectors = 0;  // length of the target
	TableParams table;
	StatusInfo status;
};

// Throws Error if NAME does not exist or is not a single remap-v4 target.
RemapDevice read_remap_device(const std::string &name);

// Every remap-v4 device, sorted by name.  Devices that vanish or fail to
// parse while being read are reported in *problems (if given) and skipped.
std::vector<RemapDevice> read_all_remap_devices(std::vector<std::string> *problems = nullptr);

// The `list` message of NAME, parsed.
std::vector<ExtentLine> read_extents(const std::string &name);

// "remap-" + the first 8 hex digits of the pair uuid.
std::string default_device_name(const std::string &pair_uuid);

std::string dm_uuid_for_pair(const std::string &pair_uuid);

}  // namespace remap
