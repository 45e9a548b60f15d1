// SPDX-License-Identifier: GPL-2.0
#include "golden_meta.h"

#include <cstring>

void dmr_golden_meta(struct dmr_meta *m)
{
	static const __u8 uuid[DMR_UUID_LEN] = {
		0x3d, 0x5a, 0x11, 0xc2, 0x8e, 0x47, 0x4f, 0x0b,
		0x9a, 0x61, 0xd4, 0x2e, 0x70, 0xf3, 0x05, 0xb8,
	};
	/*
	 * Sorted on main; spare ranges deliberately not in main order and
	 * with holes (12..19, 24..29 were handed out and later dropped).
	 */
	static const struct dmr_extent ext[DMR_GOLDEN_NR_EXTENTS] = {
		{ 100, 0, 1, 0 },				/* one block */
		{ 2048, 1, 8, 0 },				/* a run */
		{ 5000, 0, 3, DMR_EXT_PENDING },		/* waiting for spare */
		{ 7000, 20, 4, DMR_EXT_UNREADABLE },		/* lost data */
		{ 7004, 9, 2, 0 },				/* adjacent on main only */
		{ 100000, 0, 1, DMR_EXT_PENDING },
		{ 200000, 30, 10, 0 },
		{ 262143, 11, 1, DMR_EXT_UNREADABLE },		/* last main block */
	};
	struct dmr_extent *extents = m->extents;
	__u32 cap = m->extent_cap;

	std::memset(m, 0, sizeof(*m));
	m->extents = extents;
	m->extent_cap = cap;

	m->seq = 42;
	std::memcpy(m->pair_uuid, uuid, sizeof(uuid));
	std::strcpy(m->main_id, "wwn-0x5000c500a1b2c3d4");
	std::strcpy(m->spare_id, "nvme-eui.0025388b91c2d3e4");
	m->block_size = 4096;
	m->main_sectors = 2097152;			/* 1 GiB: 262144 blocks */
	m->spare_sectors = 9216 + 16384 * 8;		/* 16384 spare blocks */
	m->data_start = DMR_DATA_START_SECTOR;
	m->spare_blocks = 16384;
	m->spare_used = 40;
	m->health.read_errors = 17;
	m->health.write_errors = 3;
	m->health.remaps_total = 29;
	m->scan.cursor = 131072;
	m->scan.passes = 2;
	m->scan.last_complete = 1700000000;
	m->scan.warnings = 5;
	m->scan.errors = 4;
	m->nr_extents = DMR_GOLDEN_NR_EXTENTS;
	std::memcpy(m->extents, ext, sizeof(ext));
}
