/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two marker instructions a guest program executes around the code it
 * wants counted by the icount plugin (icount.c): multi-byte NOPs
 * (`nopl disp32(%rax)`, bytes 0f 1f 80 + disp32) that differ only in their
 * displacement.  They do nothing on any x86-64 CPU; the plugin recognises
 * them by their bytes when it translates them.
 */
#ifndef DMR_ICOUNT_MARKERS_H
#define DMR_ICOUNT_MARKERS_H

#define DMR_ICOUNT_START_DISP 0x1cc0de01u	/* zero the counters */
#define DMR_ICOUNT_STOP_DISP  0x1cc0de02u	/* report them */

#define DMR_ICOUNT_STR_(x) #x
#define DMR_ICOUNT_STR(x) DMR_ICOUNT_STR_(x)
#define dmr_icount_start() \
	__asm__ volatile("nopl " DMR_ICOUNT_STR(DMR_ICOUNT_START_DISP) "(%%rax)" ::: "memory")
#define dmr_icount_stop() \
	__asm__ volatile("nopl " DMR_ICOUNT_STR(DMR_ICOUNT_STOP_DISP) "(%%rax)" ::: "memory")

#endif /* DMR_ICOUNT_MARKERS_H */
