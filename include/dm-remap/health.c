// SPDX-License-Identifier: GPL-2.0
/* Health score: the formula is documented in health.h. */
#include "health.h"

/* each (> 0) points per count, at most max (no overflow for any count). */
static __u64 dmr_per(__u64 count, unsigned int each, unsigned int max)
{
	return count > dmr_div_u64(max, each) ? max : count * each;
}

/* steps[i] is reached at counts >= at[i] (ascending); 0 below at[0]. */
static __u64 dmr_step(__u64 count, const __u64 *at, const __u64 *steps, unsigned int n)
{
	__u64 p = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (count >= at[i])
			p = steps[i];
	return p;
}

unsigned int dmr_health_score(const struct dmr_health_input *in)
{
	static const __u64 remapped_at[] = { 1, 10, 100, 1000 };
	static const __u64 remapped_pen[] = { 5, 10, 20, 30 };
	static const __u64 recent_at[] = { 1, 10, 100 };
	static const __u64 recent_pen[] = { 5, 10, 20 };
	__u64 penalty = 0, lost;
	unsigned int score, cap = 100;

	if (in->mode == DMR_MODE_FAIL)
		return 0;
	if (in->scanned_blocks) {
		/* errors/scanned > 1% and > 0.1%, in integers, overflow-free. */
		if (in->scan_errors > dmr_div_u64(in->scanned_blocks, 100))
			return 0;
		if (in->scan_errors > dmr_div_u64(in->scanned_blocks, 1000))
			cap = 30;
	}
	if (in->mode == DMR_MODE_RO && cap > 30)
		cap = 30;
	lost = in->pending + in->unreadable;
	if (lost && cap > 40)
		cap = 40;
	penalty += dmr_per(lost, 10, 40);
	penalty += dmr_per(in->failed_reads, 5, 20);
	penalty += dmr_per(in->io_errors, 1, 10);
	penalty += dmr_step(in->remapped, remapped_at, remapped_pen,
			    sizeof(remapped_at) / sizeof(remapped_at[0]));
	penalty += dmr_step(in->remaps_24h, recent_at, recent_pen,
			    sizeof(recent_at) / sizeof(recent_at[0]));
	penalty += dmr_per(in->scan_warnings, 2, 20);
	if (in->spare_blocks) {
		__u64 used = in->spare_used, all = in->spare_blocks;

		if (used * 10 >= all * 9)
			penalty += 40;
		else if (used * 4 >= all * 3)
			penalty += 20;
		else if (used * 2 >= all)
			penalty += 10;
	}
	if (in->scan_interval && in->scan_age > 2 * in->scan_interval)
		penalty += 5;
	score = penalty >= 100 ? 0 : (unsigned int)(100 - penalty);
	return score < cap ? score : cap;
}
