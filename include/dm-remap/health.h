/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health score 0-100 of a remap device: one formula for the kernel's
 * `dmsetup status` and for the daemon's policy decisions.  It weighs what
 * predicts a failing disk (reallocated and pending sectors, as in
 * Backblaze's drive statistics), not only what the scanner found.
 *
 *   mode fail                                  -> 0
 *   scan errors > 1%   of scanned blocks       -> 0   (critical)
 *   scan errors > 0.1% of scanned blocks       -> at most 30
 *   mode ro                                    -> at most 30
 *   any pending or unreadable block            -> at most 40
 *   otherwise 100, minus
 *     10 per pending or unreadable block       (at most 40)
 *     5 per read failed back to its caller     (at most 20)
 *     1 per I/O error from the main            (at most 10)
 *     remapped blocks  >= 1 / 10 / 100 / 1000  5 / 10 / 20 / 30
 *     remaps in the last 24 hours
 *                      >= 1 / 10 / 100         5 / 10 / 20
 *     2 per slow-block warning                 (at most 20)
 *     spare use >= 50% / 75% / 90%             10 / 20 / 40
 *     last full scan older than 2 scan intervals: 5
 *
 * Pending blocks (unreadable on the main, waiting for a write to remap them)
 * and unreadable ones (remapped, but their data was lost before: reads fail
 * until they are written) both mean data an application cannot read.
 * Pending, unreadable and remapped blocks and scan results are on-disk
 * state; the error counts and the 24-hour remap count are kept in memory
 * since the table was loaded (a reload starts them again; the error counts
 * also restart at a `clear_stats` message).  failed_reads counts read bios
 * the target completed with an error (a read split at an extent boundary
 * counts twice; a fail-fast read that md or multipath retries elsewhere
 * counts too).  With the
 * default health_threshold (50), any pending or unreadable block is an
 * alert, and so is a day with 1,000 remaps caused by write errors (30 + 20
 * + 10).  Suspicious data patterns never enter the score.
 */
#ifndef DM_REMAP_HEALTH_H
#define DM_REMAP_HEALTH_H

#include "compat.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmr_mode {
	DMR_MODE_RW = 0,
	DMR_MODE_RO = 1,	/* spare or its metadata cannot be written: no new remaps */
	/*
	 * All I/O fails.  Not entered by the kernel module since a failed
	 * metadata commit goes to ro (dmr_meta_commit); kept so that the
	 * score and the tools still say what a "mode=fail" status means.
	 */
	DMR_MODE_FAIL = 2,
};

struct dmr_health_input {
	__u64 scanned_blocks;	/* blocks read by the scanner */
	__u64 scan_errors;	/* unreadable blocks it found */
	__u64 scan_warnings;	/* slow blocks it found */
	__u64 pending;		/* blocks waiting for a remap: unreadable data */
	__u64 unreadable;	/* remapped blocks whose data was lost */
	__u64 remapped;		/* blocks living on the spare */
	__u64 remaps_24h;	/* blocks remapped in the last 24 hours */
	__u64 failed_reads;	/* reads that ended in an error for their caller */
	__u64 io_errors;	/* read and write errors from the main */
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
