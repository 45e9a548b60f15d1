// SPDX-License-Identifier: GPL-2.0
#include "test_util.h"

#include <cstdio>

namespace dmrtest {

static void RandomId(std::mt19937_64 &rng, char *dst, size_t len = DMR_ID_LEN)
{
	std::memset(dst, 0, len);
	size_t n = Rnd(rng, 0, 4) == 0 ? 0 : Rnd(rng, 1, len - 1);
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)Rnd(rng, 0x20, 0x7e);
}

void RandomMeta(std::mt19937_64 &rng, uint32_t nr, MetaBuf &mb)
{
	static const uint32_t sizes[] = { 512, 1024, 2048, 4096, 8192, 16384, 65536 };
	const uint32_t bs = sizes[Rnd(rng, 0, 6)];
	const uint64_t bss = bs / 512;
	std::vector<dmr_extent> v(nr);
	uint64_t cur = Rnd(rng, 0, 1000);

	for (uint32_t i = 0; i < nr; i++) {
		if (i > 0 && Rnd(rng, 0, 3) != 0)
			cur += Rnd(rng, 1, 1000);	/* else: adjacent on main */
		uint32_t len = Rnd(rng, 0, 15) == 0 ? (uint32_t)Rnd(rng, 1, 100000)
						   : (uint32_t)Rnd(rng, 1, 64);
		uint64_t r = Rnd(rng, 0, 9);
		uint32_t flags = r < 6 ? 0u : r < 8 ? DMR_EXT_UNREADABLE : DMR_EXT_PENDING;
		v[i] = dmr_extent{ cur, 0, len, flags };
		cur += len;
	}
	const uint64_t main_blocks = cur + 1 + Rnd(rng, 0, 1000000);

	/* Hand out spare ranges in random order, with occasional holes. */
	std::vector<uint32_t> idx;
	for (uint32_t i = 0; i < nr; i++)
		if (!(v[i].flags & DMR_EXT_PENDING))
			idx.push_back(i);
	std::shuffle(idx.begin(), idx.end(), rng);
	uint64_t sp = Rnd(rng, 0, 10);
	for (uint32_t k : idx) {
		v[k].sblock = sp;
		sp += v[k].len + (Rnd(rng, 0, 3) == 0 ? Rnd(rng, 1, 50) : 0);
	}
	const uint64_t spare_used = sp + Rnd(rng, 0, 100);
	const uint64_t min_blocks = (DMR_MIN_DATA_SECTORS + bss - 1) / bss;
	const uint64_t spare_blocks = std::max(spare_used + Rnd(rng, 0, 100000), min_blocks);

	std::memset(&mb.m, 0, offsetof(dmr_meta, extents));
	dmr_meta &m = mb.m;
	m.seq = Rnd(rng, 1, UINT64_MAX);
	for (auto &b : m.pair_uuid)
		b = (uint8_t)rng();
	RandomId(rng, m.main_id);
	RandomId(rng, m.spare_id);
	m.block_size = bs;
	m.main_sectors = main_blocks * bss + Rnd(rng, 0, bss - 1);
	m.spare_sectors = DMR_DATA_START_SECTOR + spare_blocks * bss + Rnd(rng, 0, bss - 1);
	m.data_start = DMR_DATA_START_SECTOR;
	m.spare_blocks = spare_blocks;
	m.spare_used = spare_used;
	m.health.read_errors = rng();
	m.health.write_errors = rng();
	m.health.remaps_total = rng();
	m.scan.cursor = Rnd(rng, 0, main_blocks);
	m.scan.passes = rng();
	m.scan.last_complete = rng();
	m.scan.warnings = rng();
	m.scan.errors = rng();
	mb.set_extents(v);
	RandomId(rng, m.layers.fs_type, DMR_FS_TYPE_LEN);
	RandomId(rng, m.layers.fs_uuid, DMR_FS_UUID_LEN);
	RandomId(rng, m.layers.fs_label, DMR_FS_LABEL_LEN);
	m.layers.sample_crc = (uint32_t)rng();
	m.layers.flags = (uint32_t)Rnd(rng, 0, DMR_LAYER_KNOWN);
	m.layers.created = rng();
	m.layers.last_assembled = rng();
	if (Rnd(rng, 0, 3) == 0) {	/* an evacuation in progress */
		m.evac.active = 1;
		m.evac.cursor = Rnd(rng, 0, main_blocks);
		m.evac.dest_sectors = Rnd(rng, 1, UINT64_MAX);
		for (auto &b : m.evac.uuid)
			b = (uint8_t)rng();
		m.evac.uuid[0] |= 1;
	}

	EXPECT_EQ(dmr_meta_validate(&mb.m, mb.scratch()), DMR_OK)
		<< "RandomMeta produced invalid metadata";
}

std::string HexDump(const uint8_t *p, size_t len)
{
	std::string s;
	char tmp[4];
	for (size_t i = 0; i < len; i++) {
		std::snprintf(tmp, sizeof(tmp), "%02x", p[i]);
		s += tmp;
		if (i + 1 < len)
			s += (i % 16 == 15) ? '\n' : ' ';
	}
	return s;
}

} // namespace dmrtest
