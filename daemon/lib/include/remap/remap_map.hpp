// What a pair's device reads where, independent of where it came from (a
// live device's `list` message, or a spare's metadata): the device's
// length, its block size and the extents.  The input of the exporters
// (map_export.hpp) and of pre-marking known bad blocks (pending_marks.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "remap/decoded_meta.hpp"
#include "remap/extent_list.hpp"

namespace remap {

struct RemapMap {
	std::uint64_t sectors = 0;        // length of the device, 512-byte sectors
	std::uint32_t block_size = 512;   // bytes per block (the main's logical block size)
	std::uint64_t data_start = 0;     // spare sector of spare block 0
	std::vector<ExtentLine> extents;  // sorted by lblock, not overlapping

	std::uint64_t block_sectors() const { return block_size / 512; }
};

// The map a spare's chosen metadata copy describes (the whole main).
RemapMap map_of(const DecodedMeta &meta);

// Throws ParseError if the extents are unsorted, overlap, run past the
// device, or the block size is not a multiple of 512.
void check_map(const RemapMap &map);

}  // namespace remap
