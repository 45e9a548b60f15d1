#include "remap/spare_replace.hpp"

#include <algorithm>
#include <cstring>

#include "dm-remap/crc32.h"
#include "remap/aligned_buffer.hpp"
#include "remap/error.hpp"
#include "remap/spare_metadata.hpp"

namespace remap {

namespace {

bool allocated(const struct dmr_extent &e) { return !(e.flags & DMR_EXT_PENDING); }

void validate(const DecodedMeta &meta)
{
	std::vector<__u32> scratch(std::max<std::uint32_t>(meta.c().extent_cap, 1));
	enum dmr_status st = dmr_meta_validate(&meta.c(), scratch.data());
	if (st != DMR_OK)
		throw Error(std::string("the new spare's metadata does not validate: ") + dmr_status_str(st));
}

}  // namespace

std::uint64_t allocated_blocks(const struct dmr_meta &m)
{
	std::uint64_t n = 0;
	for (std::uint32_t i = 0; i < m.nr_extents; i++)
		if (allocated(m.extents[i]))
			n += m.extents[i].len;
	return n;
}

std::uint64_t spare_sectors_needed(const struct dmr_meta &m)
{
	std::uint64_t data = allocated_blocks(m) * (m.block_size / 512u);
	return DMR_DATA_START_SECTOR + std::max<std::uint64_t>(data, DMR_MIN_DATA_SECTORS);
}

ReplacePlan plan_replacement(const DecodedMeta &old, std::uint64_t new_spare_sectors,
			     const std::string &new_spare_id)
{
	const auto &o = old.c();
	std::uint64_t need = spare_sectors_needed(o);
	if (new_spare_sectors < need)
		throw RefusedError("the new spare is too small: " + std::to_string(new_spare_sectors) +
				   " sectors, the pair needs " + std::to_string(need) + " (the metadata area, " +
				   std::to_string(DMR_DATA_START_SECTOR) + " sectors, and " +
				   std::to_string(allocated_blocks(o)) + " remapped block(s) of " +
				   std::to_string(o.block_size) + " bytes)");
	if (new_spare_id.size() >= DMR_ID_LEN)
		throw Error("spare identity '" + new_spare_id + "' is longer than 63 characters");

	ReplacePlan p;
	p.meta = old;
	auto &m = p.meta.c();
	m.seq = o.seq + 1;
	std::memset(m.spare_id, 0, DMR_ID_LEN);
	std::memcpy(m.spare_id, new_spare_id.data(), new_spare_id.size());
	m.spare_sectors = new_spare_sectors;
	m.data_start = DMR_DATA_START_SECTOR;
	m.spare_blocks = (new_spare_sectors - DMR_DATA_START_SECTOR) / (o.block_size / 512u);
	m.layers.flags |= kLayerReplacing;
	std::uint64_t next = 0;
	for (std::uint32_t i = 0; i < m.nr_extents; i++) {
		auto &e = m.extents[i];
		if (!allocated(e)) {
			p.pending += e.len;
			continue;
		}
		if (e.flags & DMR_EXT_UNREADABLE)
			p.unreadable += e.len;
		else {
			p.runs.push_back({e.lblock, e.sblock, next, e.len});
			p.blocks += e.len;
		}
		e.sblock = next;
		next += e.len;
	}
	m.spare_used = next;
	validate(p.meta);
	return p;
}

void mark_block_unreadable(DecodedMeta &meta, std::uint64_t lblock)
{
	auto &m = meta.c();
	std::uint32_t i = 0;
	while (i < m.nr_extents && !(lblock >= m.extents[i].lblock && lblock - m.extents[i].lblock < m.extents[i].len))
		i++;
	if (i == m.nr_extents || !allocated(m.extents[i]))
		throw Error("main block " + std::to_string(lblock) + " is not remapped");
	const struct dmr_extent e = m.extents[i];
	if (e.flags & DMR_EXT_UNREADABLE)
		return;
	std::vector<struct dmr_extent> parts;
	std::uint64_t off = lblock - e.lblock;
	if (off)
		parts.push_back({e.lblock, e.sblock, static_cast<__u32>(off), e.flags});
	parts.push_back({lblock, e.sblock + off, 1, e.flags | DMR_EXT_UNREADABLE});
	if (off + 1 < e.len)
		parts.push_back({lblock + 1, e.sblock + off + 1, static_cast<__u32>(e.len - off - 1), e.flags});
	std::uint32_t grow = static_cast<std::uint32_t>(parts.size() - 1);
	if (m.nr_extents + grow > DMR_MAX_EXTENTS || m.nr_extents + grow > m.extent_cap)
		throw Error("marking main block " + std::to_string(lblock) +
			    " unreadable needs more extents than the format holds");
	std::memmove(&m.extents[i + 1 + grow], &m.extents[i + 1], (m.nr_extents - i - 1) * sizeof(m.extents[0]));
	std::copy(parts.begin(), parts.end(), &m.extents[i]);
	m.nr_extents += grow;
	validate(meta);
}

std::vector<std::uint64_t> copy_spare_data(ReplacePlan &plan, std::uint64_t old_data_start,
					   const DeviceFile &from, DeviceFile &to)
{
	const auto &m = plan.meta.c();
	const std::uint64_t bs = m.block_size, per_sector = bs / 512;
	constexpr std::uint64_t kChunk = 1 << 20;
	const std::uint64_t chunk_blocks = std::max<std::uint64_t>(1, kChunk / bs);
	AlignedBuffer buf(chunk_blocks * bs);
	struct Written {
		std::uint64_t sector;
		std::size_t len;
		std::uint32_t crc;
	};
	std::vector<Written> written;
	std::vector<std::uint64_t> lost;

	for (const auto &r : plan.runs) {
		for (std::uint64_t off = 0; off < r.len; off += chunk_blocks) {
			const std::uint64_t n = std::min<std::uint64_t>(chunk_blocks, r.len - off);
			const std::uint64_t src = old_data_start + (r.old_sblock + off) * per_sector;
			const std::uint64_t dst = m.data_start + (r.new_sblock + off) * per_sector;
			const auto len = static_cast<std::size_t>(n * bs);
			bool whole = true;
			try {
				from.read_at(src, buf.data(), len);
			} catch (const Error &) {
				whole = false;
			}
			if (whole) {
				to.write_at(dst, buf.data(), len);
				written.push_back({dst, len, dmr_crc32(buf.data(), len)});
				continue;
			}
			// Block by block: what cannot be read becomes unreadable.
			for (std::uint64_t b = 0; b < n; b++) {
				try {
					from.read_at(src + b * per_sector, buf.data(), static_cast<std::size_t>(bs));
				} catch (const Error &) {
					lost.push_back(r.lblock + off + b);
					continue;
				}
				to.write_at(dst + b * per_sector, buf.data(), static_cast<std::size_t>(bs));
				written.push_back({dst + b * per_sector, static_cast<std::size_t>(bs),
						   dmr_crc32(buf.data(), static_cast<std::size_t>(bs))});
			}
		}
	}
	to.sync();  // fdatasync: a flush, the data is on stable media
	for (const auto &w : written) {
		to.read_at(w.sector, buf.data(), w.len);
		if (dmr_crc32(buf.data(), w.len) != w.crc)
			throw Error(to.path() + ": sector " + std::to_string(w.sector) +
				    " reads back different data after the copy");
	}
	for (std::uint64_t lb : lost)
		mark_block_unreadable(plan.meta, lb);
	plan.blocks -= lost.size();
	plan.unreadable += lost.size();
	return lost;
}

void write_all_copies(DeviceFile &dev, const DecodedMeta &meta)
{
	for (unsigned int copy : kCopyWriteOrder)
		write_copy(dev, meta, copy);
}

}  // namespace remap
