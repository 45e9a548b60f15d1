// SPDX-License-Identifier: GPL-2.0
/*
 * The remap table's coarse summary (see extsum.h).
 */
#include "extsum.h"

__u32 dmr_sum_shift(__u64 main_blocks)
{
	__u32 shift = 0;

	/* Buckets 0 .. (main_blocks - 1) >> shift must all exist. */
	while (main_blocks && ((main_blocks - 1) >> shift) >= DMR_SUM_BITS)
		shift++;
	return shift;
}

void dmr_sum_build(__u64 *sum, __u32 shift, const struct dmr_extent *e, __u32 n)
{
	__u64 prev = ~(__u64)0;		/* the last bucket set: extents are sorted */
	__u32 i;

	memset(sum, 0, DMR_SUM_WORDS * sizeof(*sum));
	for (i = 0; i < n; i++) {
		__u64 b = e[i].lblock >> shift, last = (dmr_ext_end(&e[i]) - 1) >> shift;

		if (b == prev)
			b++;
		/*
		 * Disjoint, sorted extents: at most n + DMR_SUM_BITS steps in
		 * all.  Buckets past the end are never cleared (dmr_sum_clear).
		 */
		for (; b <= last && b < DMR_SUM_BITS; b++)
			sum[b / 64] |= (__u64)1 << (b % 64);
		prev = last;
	}
}
