#include "remap/remap_map.hpp"

#include "remap/error.hpp"

namespace remap {

RemapMap map_of(const DecodedMeta &meta)
{
	const auto &m = meta.c();
	RemapMap map;
	map.sectors = m.main_sectors;
	map.block_size = m.block_size;
	map.data_start = m.data_start;
	for (__u32 i = 0; i < m.nr_extents; i++) {
		const auto &e = m.extents[i];
		ExtentLine x;
		x.lblock = e.lblock;
		x.len = e.len;
		if (e.flags & DMR_EXT_PENDING) {
			x.state = ExtentState::pending;
		} else {
			x.sblock = e.sblock;
			x.state = (e.flags & DMR_EXT_UNREADABLE) ? ExtentState::unreadable
								 : ExtentState::remapped;
		}
		map.extents.push_back(x);
	}
	return map;
}

void check_map(const RemapMap &map)
{
	if (map.block_size < 512 || map.block_size % 512)
		throw ParseError("block size " + std::to_string(map.block_size) + " is not a multiple of 512");
	std::uint64_t blocks = map.sectors / map.block_sectors();
	std::uint64_t next = 0;
	for (const auto &e : map.extents) {
		if (e.len == 0 || e.lblock < next)
			throw ParseError("extent at block " + std::to_string(e.lblock) +
					 " is empty, unsorted or overlaps the one before");
		if (e.lblock + e.len > blocks)
			throw ParseError("extent at block " + std::to_string(e.lblock) +
					 " runs past the device's " + std::to_string(blocks) + " blocks");
		if (e.state != ExtentState::pending && !e.sblock)
			throw ParseError("extent at block " + std::to_string(e.lblock) + " has no spare block");
		next = e.lblock + e.len;
	}
}

}  // namespace remap
