// The evacuations file (/etc/dm-remap/evacuations): one line per pair being
// evacuated to a new disk (`remapctl evacuate`), kept next to the bindings
// file.  While a pair's spare records an evacuation (DMR_HDR_EVACUATING)
// the kernel refuses a table that does not name the new disk, so remapd
// needs to find that disk at boot; the udev claim helper hides it too (it
// holds a partial copy of the main's file system).
//
//   # comment
//   <pair uuid> <evacuation uuid> <new disk claim id> <rate min KiB/s> <rate max KiB/s>
//
// The claim id is the disk's sysfs-only fingerprint (main_claim.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct udev;

namespace remap {

inline constexpr const char *kDefaultEvacuationsPath = "/etc/dm-remap/evacuations";

struct Evacuation {
	std::string pair_uuid;
	std::string evac_uuid;
	std::string dest_id;
	unsigned int rate_min = 0;  // KiB/s while the device is busy, 0 = no limit
	unsigned int rate_max = 0;  // KiB/s while it is idle, 0 = no limit

	bool operator==(const Evacuation &) const = default;
};

struct EvacuationsParse {
	std::vector<Evacuation> entries;
	std::vector<std::string> problems;  // "SOURCE:LINE: ..."
};

// $DM_REMAP_EVACUATIONS, else the default (tests point it elsewhere).
std::string evacuations_path();

EvacuationsParse parse_evacuations(std::string_view text, const std::string &source);
std::string render_evacuations(const std::vector<Evacuation> &entries);
EvacuationsParse load_evacuations(const std::string &path);
// Read, change, write back atomically (refuses a file with bad lines).
void update_evacuations(const std::string &path,
			const std::function<void(std::vector<Evacuation> &)> &change);
const Evacuation *find_evacuation(const std::vector<Evacuation> &entries,
				  std::string_view pair_uuid);

// The table features for an evacuation to the device DEVT ("8:16"):
// "evacuate <devt> <uuid> [evac_rate <min> <max>]".
std::vector<std::string> evacuation_features(const Evacuation &e, const std::string &devt);

// For assembling a pair: the features its table needs if its spare (at
// SPARE_PATH) records an evacuation in progress, found through the
// evacuations file and the attached disks ({} if it records none).
// Throws Error if the new disk is not known or not attached: the kernel
// refuses the pair without it.
std::vector<std::string> evacuation_table_features(struct udev *udev, const std::string &spare_path,
						   const std::string &pair_uuid);

// " <n> <word>..." for a table line, "" for no features.
std::string table_features_text(const std::vector<std::string> &features);

}  // namespace remap
