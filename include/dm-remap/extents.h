/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remap table: a sorted array of extents, main block -> spare block.
 *
 * The kernel keeps one such array behind RCU and looks blocks up with
 * dmr_ext_find() (binary search, O(log n)); updates are made on a private
 * copy with the functions below and published whole.  All functions work
 * in place on caller-owned arrays and never allocate.
 */
#ifndef DM_REMAP_EXTENTS_H
#define DM_REMAP_EXTENTS_H

#include "compat.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dmr_extent {
	__u64 lblock;	/* first main block */
	__u64 sblock;	/* first spare block (0 and unused for PENDING) */
	__u32 len;	/* blocks */
	__u32 flags;	/* DMR_EXT_* */
};

static inline __u64 dmr_ext_end(const struct dmr_extent *e)
{
	return e->lblock + e->len;
}

/*
 * Index of the first extent that ends after lblock, or n if none.
 * If the result i < n and e[i].lblock <= lblock, lblock is inside e[i];
 * otherwise lblock is unmapped up to e[i].lblock (or to the end).
 */
__u32 dmr_ext_find(const struct dmr_extent *e, __u32 n, __u64 lblock);

/*
 * Add a mapping for a range that is not mapped at all (DMR_E_MAPPED if any
 * block of it is).  Merges with neighbours when main and spare blocks are both
 * contiguous and the flags are equal.
 */
enum dmr_status dmr_ext_insert(struct dmr_extent *e, __u32 *n, __u32 cap,
			       const struct dmr_extent *add);

/* Drop every mapping of [lblock, lblock + len); unmapped parts are ignored. */
enum dmr_status dmr_ext_remove(struct dmr_extent *e, __u32 *n, __u32 cap,
			       __u64 lblock, __u64 len);

/*
 * Map [add->lblock, add->lblock + add->len) as add, replacing whatever maps
 * any of it now (a pending mark that gets its spare home).  All or nothing:
 * DMR_E_NOSPC or DMR_E_INVAL leave the table as it was.  Room is counted
 * before merges: one free entry (two when add cuts a hole in one extent),
 * less one per extent that add covers whole.
 */
enum dmr_status dmr_ext_replace(struct dmr_extent *e, __u32 *n, __u32 cap,
				const struct dmr_extent *add);

/* Would dmr_ext_replace() find room for add?  DMR_OK, DMR_E_NOSPC, DMR_E_INVAL. */
enum dmr_status dmr_ext_replace_room(const struct dmr_extent *e, __u32 n, __u32 cap,
				     const struct dmr_extent *add);

/* Clear flags on every mapped block of [lblock, lblock + len), splitting as needed. */
enum dmr_status dmr_ext_clear_flags(struct dmr_extent *e, __u32 *n, __u32 cap,
				    __u64 lblock, __u64 len, __u32 flags);

/* Count blocks: remapped (have a spare block) and pending (waiting for one). */
void dmr_ext_count(const struct dmr_extent *e, __u32 n, __u64 *remapped,
		   __u64 *pending);

/* Blocks of the extents that carry all of flags (e.g. DMR_EXT_UNREADABLE). */
__u64 dmr_ext_count_flagged(const struct dmr_extent *e, __u32 n, __u32 flags);

/*
 * Validate a table against the geometry: lengths, flags, bounds, strict
 * order on main, and that no two extents share a spare block (scratch holds
 * n entries).
 */
enum dmr_status dmr_ext_validate(const struct dmr_extent *e, __u32 n,
				 __u64 main_blocks, __u64 spare_used,
				 __u32 *scratch);

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_EXTENTS_H */
