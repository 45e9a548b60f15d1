// Reading, verifying and repairing the five metadata copies of a spare,
// with the shared C code (dmr_meta_check_copy / choose / repair_mask).
// All reads are O_DIRECT so they see what the kernel wrote.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dm-remap/meta.h"
#include "remap/decoded_meta.hpp"
#include "remap/device_file.hpp"

namespace remap {

struct CopyReport {
	unsigned int index = 0;
	std::uint64_t sector = 0;
	enum dmr_status status = DMR_BLANK;
	std::uint64_t seq = 0;  // valid copies only
	bool needs_repair = false;  // invalid or older than the chosen copy
};

enum class SpareVerdict {
	blank,       // whole metadata region zero: never formatted
	foreign,     // data but no dm-remap v4 signature anywhere
	corrupt,     // v4 signatures but no valid copy
	healthy,     // all 5 copies valid and current
	repairable,  // a valid copy exists; some copies invalid or stale
};

const char *verdict_name(SpareVerdict v);

struct SpareScan {
	std::string path;
	std::uint64_t device_sectors = 0;
	std::uint32_t device_block_size = 512;
	std::array<CopyReport, DMR_NR_COPIES> copies{};
	int best = -1;
	unsigned int repair_mask = 0;
	bool region_blank = false;
	bool signed_copy = false;  // some copy carries the DMR4 signature
	std::optional<DecodedMeta> meta;  // the chosen copy

	SpareVerdict verdict() const;
};

// Reads the whole metadata region (sectors 0-9215) and classifies it.
SpareScan scan_spare(const DeviceFile &dev);
SpareScan scan_spare(const std::string &path);

// Cheap test used by discovery and the udev probe: true if the first 4 KiB
// of any copy slot carries the DMR4 magic.  Devices smaller than the
// minimal spare (11264 sectors) are never spares.
bool has_spare_signature(const DeviceFile &dev);

inline constexpr std::uint64_t kMinSpareSectors = DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS;

// Write order of the kernel's commit protocol: copies 0 and 2, then 1, 3, 4.
inline constexpr std::array<unsigned int, DMR_NR_COPIES> kCopyWriteOrder = {0, 2, 1, 3, 4};

// Writes META as copy COPY (O_DIRECT) and fdatasyncs.
void write_copy(DeviceFile &dev, const DecodedMeta &meta, unsigned int copy);

// Zeroes the five copy slots (the data area is left as it is) in the
// kernel's write order, and fdatasyncs: the spare no longer holds a pair.
void erase_copies(DeviceFile &dev);

// Rewrites every copy in scan.repair_mask from the chosen copy, in the
// kernel's order, each followed by fdatasync.  Returns the copies written.
// Throws Error if there is no valid copy.
std::vector<unsigned int> repair_spare(DeviceFile &dev, const SpareScan &scan);

}  // namespace remap
