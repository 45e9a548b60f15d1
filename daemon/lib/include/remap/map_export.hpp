// `remapctl export`: a pair's map in formats other tools read.
//
//   linear-table  a dmsetup table of `linear` segments that reads the
//                 device's data without the module: main where it is
//                 healthy, the spare for remapped blocks, and an `error`
//                 segment for pending and unreadable blocks (their data is
//                 not known good, so they must fail, never read as data).
//   ddrescue      a GNU ddrescue mapfile of the device: '+' (finished) for
//                 readable blocks, '-' (bad sector) for pending and
//                 unreadable ones; ddrescuelog reads it.
//   badblocks     the pending and unreadable blocks as a badblocks(8) list:
//                 one block number per line in blocks of a given size.
//
// Pure functions of a RemapMap, unit tested in map_export_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "remap/remap_map.hpp"

namespace remap {

enum class SegmentSource { main, spare, bad };

// A run of sectors of the device and where a read of it is answered.
struct Segment {
	std::uint64_t start = 0;   // device sector
	std::uint64_t len = 0;     // sectors
	SegmentSource source = SegmentSource::main;
	std::uint64_t offset = 0;  // sector on main or spare (unused for bad)

	bool operator==(const Segment &) const = default;
};

// Segments covering [0, map.sectors), neighbours of the same source that
// continue each other merged.  Calls check_map().
std::vector<Segment> segments_of(const RemapMap &map);

std::string render_linear_table(const RemapMap &map, const std::string &main_dev,
				const std::string &spare_dev);

// HEADER: comment lines (without '#') put at the top, e.g. what it is of.
std::string render_ddrescue_mapfile(const RemapMap &map, const std::vector<std::string> &header);

// LIST_BLOCK_SIZE: bytes per listed block (a multiple of 512); every block
// that overlaps a pending or unreadable block is listed.
std::string render_badblocks(const RemapMap &map, std::uint32_t list_block_size);

}  // namespace remap
