/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A coarse summary of the remap table, for the I/O path: bit i is set if
 * some extent overlaps main blocks [i << shift, (i + 1) << shift).  A bio
 * whose buckets are all clear overlaps no extent, so the binary search
 * (dmr_ext_find) is skipped for it; a set bit only means "maybe": the table
 * stays the one source of truth.  The kernel builds it next to each
 * published copy of the table; all functions work on caller-owned memory.
 */
#ifndef DM_REMAP_EXTSUM_H
#define DM_REMAP_EXTSUM_H

#include "compat.h"
#include "extents.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bits in a summary: 128 KiB of bitmap, whatever the device's size (an
 * 8 GiB device of 512-byte blocks gets buckets of 16 blocks).
 */
#define DMR_SUM_BITS (1u << 20)
#define DMR_SUM_WORDS (DMR_SUM_BITS / 64)

/* The smallest shift that fits main_blocks blocks into DMR_SUM_BITS buckets. */
__u32 dmr_sum_shift(__u64 main_blocks);

/* Fill sum (DMR_SUM_WORDS words) from a sorted, valid table of n extents. */
void dmr_sum_build(__u64 *sum, __u32 shift, const struct dmr_extent *e, __u32 n);

/*
 * True if no extent overlaps blocks [first, last] (first <= last).  Blocks
 * beyond the summary (a device larger than the main_blocks its shift was
 * chosen for) are "maybe".  Units finer than blocks work with the shift
 * increased to match: the kernel passes sectors and shift + block_shift.
 */
static inline int dmr_sum_clear(const __u64 *sum, __u32 shift, __u64 first, __u64 last)
{
	__u64 b = first >> shift, end = last >> shift;

	if (end >= DMR_SUM_BITS)
		return 0;
	do {
		if (sum[b / 64] & ((__u64)1 << (b % 64)))
			return 0;
	} while (++b <= end);
	return 1;
}

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_EXTSUM_H */
