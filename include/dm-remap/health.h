/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health score 0-100 of a remap device: one formula for the kernel's
 * `dmsetup status` and for the daemon's policy decisions.
 *
 *   mode fail                                  -> 0
 *   scan errors > 1%   of scanned blocks       -> 0   (critical)
 *   scan errors > 0.1% of scanned blocks       -> at most 30 (poor)
 *   otherwise 100, minus
 *     2 per slow-block warning       (at most 20)
 *     5 per pending block            (at most 20)
 *     spare use >= 50% / 75% / 90%   10 / 20 / 40
 *     last full scan older than 2 scan intervals: 5
 *   mode ro                                    -> at most 30
 * Suspicious data patterns never enter the score.
 */
#ifndef DM_REMAP_HEALTH_H
#define DM_REMAP_HEALTH_H

#include "compat.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmr_mode {
	DMR_MODE_RW = 0,
	DMR_MODE_RO = 1,	/* spare cannot be written: no new remaps */
	DMR_MODE_FAIL = 2,	/* metadata cannot be committed: all I/O fails */
};

struct dmr_health_input {
	__u64 scanned_blocks;	/* blocks read by the scanner */
	__u64 scan_errors;	/* unreadable blocks it found */
	__u64 scan_warnings;	/* slow blocks it found */
	__u64 pending;		/* blocks waiting for a remap */
	__u64 spare_used;
	__u64 spare_blocks;
	__u64 scan_age;		/* seconds since the last full pass, 0 = unknown */
	__u64 scan_interval;	/* seconds between passes, 0 = scanning off */
	enum dmr_mode mode;
};

unsigned int dmr_health_score(const struct dmr_health_input *in);

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_HEALTH_H */
