// The known bad blocks of `remapctl create --import-badblocks FILE`: a
// badblocks(8) list (one decimal block number per line, in blocks of a
// given size) or a GNU ddrescue mapfile (its '-', '*' and '/' areas: bad,
// not trimmed, not scraped; '?' areas were never tried and are not bad).
// Pure: unit tested in bad_block_import_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

// Device blocks [first, first + count).
struct BlockRun {
	std::uint64_t first = 0;
	std::uint64_t count = 0;

	bool operator==(const BlockRun &) const = default;
};

struct BadBlockImport {
	std::string format;         // "badblocks" or "ddrescue"
	std::vector<BlockRun> runs; // sorted, merged
	std::uint64_t blocks() const;
};

// TEXT is a ddrescue mapfile if its first line that is not blank starts
// with '#' or "0x", else a badblocks list.  LIST_BLOCK_SIZE: bytes per block
// of a badblocks list (badblocks -b, default 1024).  Every listed area is
// widened to whole device blocks of DEVICE_BLOCK_SIZE bytes.  Throws
// ParseError ("line N: ...") on a malformed line or an area that is not
// inside the device's DEVICE_SECTORS.
BadBlockImport parse_bad_block_file(std::string_view text, std::uint32_t list_block_size,
				    std::uint32_t device_block_size, std::uint64_t device_sectors);

}  // namespace remap
