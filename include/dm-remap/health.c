// SPDX-License-Identifier: GPL-2.0
/* Health score: the formula is documented in health.h. */
#include "health.h"

static __u64 dmr_min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

unsigned int dmr_health_score(const struct dmr_health_input *in)
{
	__u64 penalty = 0;
	unsigned int score, cap = 100;

	if (in->mode == DMR_MODE_FAIL)
		return 0;
	if (in->scanned_blocks) {
		/* Integer forms of errors/scanned > 1% and > 0.1%. */
		if (in->scan_errors * 100 > in->scanned_blocks)
			return 0;
		if (in->scan_errors * 1000 > in->scanned_blocks)
			cap = 30;
	}
	penalty += dmr_min_u64(20, in->scan_warnings * 2);
	penalty += dmr_min_u64(20, in->pending * 5);
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
	if (in->mode == DMR_MODE_RO && cap > 30)
		cap = 30;
	score = penalty >= 100 ? 0 : (unsigned int)(100 - penalty);
	return score < cap ? score : cap;
}
