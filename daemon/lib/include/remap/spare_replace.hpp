// Moving a pair to a new spare (remapctl replace-spare): the new spare's
// metadata planned from the old one (pure, unit tested), and the copy of
// the remapped data.  docs/DESIGN.md, "Replacing the spare", has the
// crash ordering.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dm-remap/meta.h"
#include "remap/decoded_meta.hpp"
#include "remap/device_file.hpp"

namespace remap {

// Set in layers.flags (which the kernel carries and never validates) of a
// new spare's metadata until the old spare's copies are erased: discovery
// then prefers the old spare if it still holds the pair (pairing.hpp).
inline constexpr std::uint32_t kLayerReplacing = 0x80000000u;

// Spare blocks META has handed out to extents (not pending ones).
std::uint64_t allocated_blocks(const struct dmr_meta &m);

// The smallest spare that holds META's metadata area and remapped blocks.
std::uint64_t spare_sectors_needed(const struct dmr_meta &m);

// One run of remapped data to copy: main blocks [lblock, lblock + len) at
// old spare block old_sblock, new spare block new_sblock.
struct CopyRun {
	std::uint64_t lblock = 0;
	std::uint64_t old_sblock = 0;
	std::uint64_t new_sblock = 0;
	std::uint64_t len = 0;
};

struct ReplacePlan {
	DecodedMeta meta;            // the new spare's: seq + 1, marked kLayerReplacing
	std::vector<CopyRun> runs;   // data to copy (neither pending nor unreadable)
	std::uint64_t blocks = 0;    // blocks in runs
	std::uint64_t pending = 0;   // pending blocks, carried as they are
	std::uint64_t unreadable = 0;  // unreadable blocks, carried as they are
};

// The new spare's metadata: OLD with the new spare's size and identity,
// every allocated extent renumbered in main block order from spare block 0
// (compacted), sequence number + 1, the replacing mark set; pending and
// unreadable extents, counters, scan progress and layers carried.
// RefusedError if NEW_SPARE_SECTORS is too small.
ReplacePlan plan_replacement(const DecodedMeta &old, std::uint64_t new_spare_sectors,
			     const std::string &new_spare_id);

// Marks main block LBLOCK of META (inside an allocated extent) unreadable,
// splitting its extent.  Error if LBLOCK is not in an allocated extent or
// the split needs more extents than the format holds.
void mark_block_unreadable(DecodedMeta &meta, std::uint64_t lblock);

// Copies every run of PLAN from FROM (the old spare, data_start OLD_DATA_START)
// to TO, fdatasyncs TO and reads every copied block back from TO (compared
// by CRC with what was read).  A block FROM cannot read is marked unreadable
// in plan.meta (never copied as made-up data); returns those main blocks.
std::vector<std::uint64_t> copy_spare_data(ReplacePlan &plan, std::uint64_t old_data_start,
					   const DeviceFile &from, DeviceFile &to);

// Writes META as all five copies in the kernel's order, each fdatasynced.
void write_all_copies(DeviceFile &dev, const DecodedMeta &meta);

}  // namespace remap
