/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap v4 on-disk format: the single definition, shared by the kernel
 * module and every userspace tool.  All integers are little-endian.
 *
 * Spare device layout (512-byte sectors):
 *
 *   sectors         what
 *   0    - 1023     metadata copy 0  (max 1024 sectors = 512 KiB)
 *   1024 - 2047     metadata copy 1
 *   2048 - 3071     metadata copy 2  (3072 - 4095 unused, kept zero)
 *   4096 - 5119     metadata copy 3  (5120 - 8191 unused, kept zero)
 *   8192 - 9215     metadata copy 4
 *   9216 - end      data area: spare blocks, block N at 9216 + N * block_sectors
 *
 * A copy is a 512-byte header followed by nr_extents 24-byte extents.
 * The CRC covers bytes [8, total_len) of the copy; the bytes between
 * total_len and the next 4 KiB boundary are written as zeros and are not
 * covered.  A copy never exceeds DMR_COPY_BYTES, so it cannot cross into the
 * next copy or into the data area.
 *
 * Granularity: one block is the main device's logical block size (512 or
 * 4096 bytes typically).  A run of remapped blocks whose spare blocks are
 * also consecutive is stored as one extent, so a bad range costs one entry.
 * Spare blocks are handed out by a bump allocator (spare_used) and never
 * reused once an extent pointed at them, which keeps the format simple and
 * crash-safe.
 */
#ifndef DM_REMAP_FORMAT_H
#define DM_REMAP_FORMAT_H

#include "compat.h"

#define DMR_MAGIC		0x34524d44u	/* "DMR4" as bytes on disk */
#define DMR_FORMAT_VERSION	4u

#define DMR_NR_COPIES		5
#define DMR_COPY_SECTORS	1024u		/* space reserved for one copy */
#define DMR_COPY_BYTES		(DMR_COPY_SECTORS * 512u)
#define DMR_DATA_START_SECTOR	9216ull		/* first sector after copy 4 */
#define DMR_HEADER_BYTES	512u
#define DMR_EXTENT_BYTES	24u
#define DMR_WRITE_ALIGN		4096u		/* copies are written in 4 KiB units */

/* Remap capacity: as many extents as fit in one copy (21824). */
#define DMR_MAX_EXTENTS	((DMR_COPY_BYTES - DMR_HEADER_BYTES) / DMR_EXTENT_BYTES)

/* The spare must offer at least this much data area (1 MiB). */
#define DMR_MIN_DATA_SECTORS	2048ull

#define DMR_ID_LEN		64		/* identity strings, NUL padded */
#define DMR_UUID_LEN		16

/* Extent flags. */
#define DMR_EXT_PENDING		0x1u	/* read error on main, no spare block yet */
#define DMR_EXT_UNREADABLE	0x2u	/* spare block holds no valid data: reads fail until written */
#define DMR_EXT_KNOWN_FLAGS	(DMR_EXT_PENDING | DMR_EXT_UNREADABLE)

/* Sector of each copy on the spare. */
#define DMR_COPY_SECTOR_0	0ull
#define DMR_COPY_SECTOR_1	1024ull
#define DMR_COPY_SECTOR_2	2048ull
#define DMR_COPY_SECTOR_3	4096ull
#define DMR_COPY_SECTOR_4	8192ull

static inline __u64 dmr_copy_sector(unsigned int copy)
{
	static const __u64 sectors[DMR_NR_COPIES] = {
		DMR_COPY_SECTOR_0, DMR_COPY_SECTOR_1, DMR_COPY_SECTOR_2,
		DMR_COPY_SECTOR_3, DMR_COPY_SECTOR_4,
	};
	return copy < DMR_NR_COPIES ? sectors[copy] : ~0ull;
}

/* One remap: main blocks [lblock, lblock + len) live at spare blocks [sblock, ...). */
struct dmr_disk_extent {
	__le64 lblock;
	__le64 sblock;		/* 0 for PENDING extents (no spare block yet) */
	__le32 len;		/* blocks, >= 1 */
	__le32 flags;		/* DMR_EXT_* */
};

/* Lifetime counters, carried along with each commit (advisory). */
struct dmr_disk_health {
	__le64 read_errors;
	__le64 write_errors;
	__le64 remaps_total;	/* blocks ever remapped */
};

/*
 * The identification layers beyond main_id (docs/remapd.md, "Fingerprints"):
 * what the main held and when, written by userspace when it formats the
 * spare and before each assembly, carried unchanged by the kernel's commits
 * and never validated (a newer userspace may add flags): readers treat the
 * bytes as untrusted.  Userspace writes NUL-terminated printable ASCII
 * (other bytes become '_'), zero-padded; all zero = not recorded.
 */
#define DMR_FS_TYPE_LEN		16
#define DMR_FS_UUID_LEN		40
#define DMR_FS_LABEL_LEN	40
#define DMR_LAYER_FS		0x1u	/* fs_type/fs_uuid/fs_label were probed */
#define DMR_LAYER_SAMPLE	0x2u	/* sample_crc was computed */
#define DMR_LAYER_KNOWN		(DMR_LAYER_FS | DMR_LAYER_SAMPLE)

struct dmr_disk_layers {
	char fs_type[DMR_FS_TYPE_LEN];	/* blkid TYPE on the main, "" = none */
	char fs_uuid[DMR_FS_UUID_LEN];	/* blkid UUID */
	char fs_label[DMR_FS_LABEL_LEN];	/* blkid LABEL (cut to 39 bytes) */
	__le32 sample_crc;		/* dmr_crc32 of the main's sample blocks */
	__le32 flags;			/* DMR_LAYER_* */
	__le64 created;			/* unix time the pair was made, 0 = unknown */
	__le64 last_assembled;		/* unix time of the last assembly, 0 = unknown */
};

/* Background scan progress, so a scan resumes where it stopped. */
struct dmr_disk_scan {
	__le64 cursor;		/* next main block to scan */
	__le64 passes;		/* completed full passes */
	__le64 last_complete;	/* unix time of the last completed pass, 0 = never */
	__le64 warnings;	/* slow blocks seen */
	__le64 errors;		/* unreadable blocks seen */
};

/*
 * Header flag DMR_HDR_EVACUATING: the device is being moved to a new disk
 * (`remapctl evacuate`, docs/DESIGN.md "Evacuation").  Blocks [0, cursor)
 * live on the new disk: the copy of every one of them was flushed there
 * before this cursor was committed, and since then their reads and writes
 * go to the new disk only; main and spare hold them no longer.  So a pair
 * with this flag must never be assembled without its new disk: a module
 * that does not know the flag refuses the metadata (unknown flags), this
 * one refuses a table that does not name the disk.  Without the flag the
 * struct is zero.
 */
#define DMR_HDR_EVACUATING	0x1u
#define DMR_HDR_KNOWN_FLAGS	DMR_HDR_EVACUATING

struct dmr_disk_evac {
	__le64 cursor;			/* blocks [0, cursor) are on the new disk */
	__le64 dest_sectors;		/* size of the new disk when it started */
	__u8 uuid[DMR_UUID_LEN];	/* random: names this evacuation (its table) */
};

struct dmr_disk_header {
	__le32 magic;			/* DMR_MAGIC */
	__le32 crc;			/* dmr_crc32 of bytes [8, total_len) */
	__le32 version;			/* DMR_FORMAT_VERSION */
	__le32 header_size;		/* DMR_HEADER_BYTES */
	__le32 total_len;		/* header + nr_extents * 24 */
	__le32 copy_index;		/* 0..4: which copy this is */
	__le64 copy_sector;		/* where this copy lives: self-location */
	__le64 seq;			/* commit sequence number, highest valid wins */
	__le32 flags;			/* DMR_HDR_*; others must be 0 */
	__le32 block_size;		/* bytes: logical block size of main and spare */
	__u8 pair_uuid[DMR_UUID_LEN];	/* random, identifies this main+spare pair */
	char main_id[DMR_ID_LEN];	/* main identity (e.g. WWN), may be empty */
	char spare_id[DMR_ID_LEN];	/* spare identity, may be empty */
	__le64 main_sectors;		/* size of the main device */
	__le64 spare_sectors;		/* size of the spare when formatted */
	__le64 data_start;		/* DMR_DATA_START_SECTOR */
	__le64 spare_blocks;		/* capacity of the data area, in blocks */
	__le64 spare_used;		/* blocks handed out so far */
	__le32 nr_extents;
	__le32 max_extents;		/* DMR_MAX_EXTENTS */
	struct dmr_disk_health health;
	struct dmr_disk_scan scan;
	struct dmr_disk_layers layers;
	struct dmr_disk_evac evac;	/* zero unless DMR_HDR_EVACUATING */
	__u8 reserved[56];		/* must be zero */
};

#define DMR_CHECK_OFFSET(type, field, off) \
	DMR_STATIC_ASSERT(offsetof(type, field) == (off), #type "." #field " moved")

DMR_STATIC_ASSERT(sizeof(struct dmr_disk_extent) == DMR_EXTENT_BYTES, "extent size");
DMR_CHECK_OFFSET(struct dmr_disk_extent, lblock, 0);
DMR_CHECK_OFFSET(struct dmr_disk_extent, sblock, 8);
DMR_CHECK_OFFSET(struct dmr_disk_extent, len, 16);
DMR_CHECK_OFFSET(struct dmr_disk_extent, flags, 20);

DMR_STATIC_ASSERT(sizeof(struct dmr_disk_health) == 24, "health size");
DMR_STATIC_ASSERT(sizeof(struct dmr_disk_scan) == 40, "scan size");
DMR_STATIC_ASSERT(sizeof(struct dmr_disk_layers) == 120, "layers size");
DMR_STATIC_ASSERT(sizeof(struct dmr_disk_evac) == 32, "evac size");

DMR_STATIC_ASSERT(sizeof(struct dmr_disk_header) == DMR_HEADER_BYTES, "header size");
DMR_CHECK_OFFSET(struct dmr_disk_header, magic, 0);
DMR_CHECK_OFFSET(struct dmr_disk_header, crc, 4);
DMR_CHECK_OFFSET(struct dmr_disk_header, version, 8);
DMR_CHECK_OFFSET(struct dmr_disk_header, header_size, 12);
DMR_CHECK_OFFSET(struct dmr_disk_header, total_len, 16);
DMR_CHECK_OFFSET(struct dmr_disk_header, copy_index, 20);
DMR_CHECK_OFFSET(struct dmr_disk_header, copy_sector, 24);
DMR_CHECK_OFFSET(struct dmr_disk_header, seq, 32);
DMR_CHECK_OFFSET(struct dmr_disk_header, flags, 40);
DMR_CHECK_OFFSET(struct dmr_disk_header, block_size, 44);
DMR_CHECK_OFFSET(struct dmr_disk_header, pair_uuid, 48);
DMR_CHECK_OFFSET(struct dmr_disk_header, main_id, 64);
DMR_CHECK_OFFSET(struct dmr_disk_header, spare_id, 128);
DMR_CHECK_OFFSET(struct dmr_disk_header, main_sectors, 192);
DMR_CHECK_OFFSET(struct dmr_disk_header, spare_sectors, 200);
DMR_CHECK_OFFSET(struct dmr_disk_header, data_start, 208);
DMR_CHECK_OFFSET(struct dmr_disk_header, spare_blocks, 216);
DMR_CHECK_OFFSET(struct dmr_disk_header, spare_used, 224);
DMR_CHECK_OFFSET(struct dmr_disk_header, nr_extents, 232);
DMR_CHECK_OFFSET(struct dmr_disk_header, max_extents, 236);
DMR_CHECK_OFFSET(struct dmr_disk_header, health, 240);
DMR_CHECK_OFFSET(struct dmr_disk_header, scan, 264);
DMR_CHECK_OFFSET(struct dmr_disk_header, layers, 304);
DMR_CHECK_OFFSET(struct dmr_disk_header, evac, 424);
DMR_CHECK_OFFSET(struct dmr_disk_header, reserved, 456);

DMR_STATIC_ASSERT(DMR_MAX_EXTENTS >= 16000, "capacity promised in the docs");
DMR_STATIC_ASSERT(DMR_HEADER_BYTES + DMR_MAX_EXTENTS * DMR_EXTENT_BYTES <= DMR_COPY_BYTES,
		  "a full copy fits its slot");
DMR_STATIC_ASSERT(DMR_COPY_SECTOR_4 + DMR_COPY_SECTORS == DMR_DATA_START_SECTOR,
		  "data area starts right after the last copy");
DMR_STATIC_ASSERT(DMR_COPY_BYTES % DMR_WRITE_ALIGN == 0, "copy slot is 4 KiB aligned");

#endif /* DM_REMAP_FORMAT_H */
