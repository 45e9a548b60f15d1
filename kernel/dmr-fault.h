/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap v4 fault injection, for tests only.
 *
 * A module built with `make ... DMR_FAULT_INJECT=1` (the VM tests build it
 * as build/kmod/<kver>/fault/dm-remap-v4.ko) has extra module parameters
 * that widen race windows too narrow to hit by chance, the way the kernel's
 * own fault injection does.  Each delay is one-shot: it fires once, then
 * resets its parameter to 0.  In a normal build every hook is an empty
 * inline function and no parameter exists.
 *
 *   fault_map_block        the block the map delay applies to
 *   fault_map_delay_ms     ->map of a write to that block spins this long
 *                          after it loaded the remap table (RCU read side)
 *   fault_move_delay_ms    a block move (`remap` message, scanner) sleeps this
 *                          long after it started holding writes
 *   fault_worker_delay_ms  the error worker sleeps this long before it looks
 *                          at its bios
 *   fault_commit_delay_ms  a metadata commit sleeps this long before it
 *                          writes its copies (meta_lock held)
 *   fault_move_read_error  a block move's read of main fails with EIO, as
 *                          if every retry had failed
 *   fault_group_commit_delay_ms  the error worker sleeps this long after it
 *                          handled its bios, before its group commit
 */
#ifndef DM_REMAP_FAULT_H
#define DM_REMAP_FAULT_H

#include <linux/types.h>

#ifdef DMR_FAULT_INJECT
void dmr_fault_map(u64 lblock);
void dmr_fault_move(void);
void dmr_fault_worker(void);
void dmr_fault_commit(void);
int dmr_fault_move_read(void);
void dmr_fault_group_commit(void);
#else
static inline void dmr_fault_map(u64 lblock) { }
static inline void dmr_fault_move(void) { }
static inline void dmr_fault_worker(void) { }
static inline void dmr_fault_commit(void) { }
static inline int dmr_fault_move_read(void) { return 0; }
static inline void dmr_fault_group_commit(void) { }
#endif

#endif /* DM_REMAP_FAULT_H */
