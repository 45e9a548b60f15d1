#include "remap/pending_marks.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "remap/error.hpp"

namespace remap {

namespace {

// FLAGS is DMR_EXT_PENDING, or DMR_EXT_UNREADABLE (which takes spare blocks).
std::uint64_t add_marks(DecodedMeta &meta, const std::vector<BlockRun> &runs, __u32 flags)
{
	DecodedMeta work = meta;  // all or nothing
	auto &m = work.c();
	const std::uint64_t blocks = dmr_meta_main_blocks(&m);
	std::uint64_t added = 0;
	for (const auto &r : runs) {
		if (r.count == 0 || r.first >= blocks || r.count > blocks - r.first)
			throw RefusedError("blocks " + std::to_string(r.first) + "+" + std::to_string(r.count) +
					   " are not inside the main (" + std::to_string(blocks) + " blocks)");
		std::uint64_t pos = r.first;
		const std::uint64_t end = r.first + r.count;
		while (pos < end) {
			__u32 i = dmr_ext_find(m.extents, m.nr_extents, pos);
			if (i < m.nr_extents && m.extents[i].lblock <= pos) {
				pos = dmr_ext_end(&m.extents[i]);  // already mapped: keep it
				continue;
			}
			std::uint64_t stop = end;
			if (i < m.nr_extents)
				stop = std::min<std::uint64_t>(stop, m.extents[i].lblock);
			stop = std::min<std::uint64_t>(stop, pos + std::numeric_limits<__u32>::max());
			struct dmr_extent add {};
			add.lblock = pos;
			add.len = static_cast<__u32>(stop - pos);
			add.flags = flags;
			if (flags & DMR_EXT_UNREADABLE) {
				if (add.len > m.spare_blocks - m.spare_used)
					throw RefusedError("the spare has no room for " + std::to_string(add.len) +
							   " more block(s); nothing was marked");
				add.sblock = m.spare_used;
				m.spare_used += add.len;
			}
			enum dmr_status st = dmr_ext_insert(m.extents, &m.nr_extents, m.extent_cap, &add);
			if (st == DMR_E_NOSPC)
				throw RefusedError("the known bad blocks need more than the metadata's " +
						   std::to_string(DMR_MAX_EXTENTS) + " extents; nothing was marked");
			if (st != DMR_OK)
				throw Error(std::string("cannot mark blocks pending: ") + dmr_status_str(st));
			added += add.len;
			pos = stop;
		}
	}
	std::vector<__u32> scratch(DMR_MAX_EXTENTS);
	enum dmr_status st = dmr_meta_validate(&m, scratch.data());
	if (st != DMR_OK)
		throw Error(std::string("metadata with the pending marks does not validate: ") + dmr_status_str(st));
	meta = work;
	return added;
}

}  // namespace

std::uint64_t add_pending_marks(DecodedMeta &meta, const std::vector<BlockRun> &runs)
{
	return add_marks(meta, runs, DMR_EXT_PENDING);
}

std::uint64_t add_unreadable_marks(DecodedMeta &meta, const std::vector<BlockRun> &runs)
{
	return add_marks(meta, runs, DMR_EXT_UNREADABLE);
}

}  // namespace remap
