/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lw-log: a reader of dm-log-writes logs, shared by lw-dump (listing) and
 * lw-replay (replay and crash states).  The format is described at the top
 * of lw-log.c.  Plain C11 and libc.
 *
 * Every length read from the log is checked against the size of the device
 * before it is used; nothing is allocated from a length the log provides.
 */
#ifndef DMR_LW_LOG_H
#define DMR_LW_LOG_H

#include <stddef.h>
#include <stdint.h>

#define LOG_FLUSH_FLAG (UINT64_C(1) << 0)
#define LOG_FUA_FLAG (UINT64_C(1) << 1)
#define LOG_DISCARD_FLAG (UINT64_C(1) << 2)
#define LOG_MARK_FLAG (UINT64_C(1) << 3)
#define LOG_METADATA_FLAG (UINT64_C(1) << 4)
#define LOG_KNOWN_FLAGS (LOG_FLUSH_FLAG | LOG_FUA_FLAG | LOG_DISCARD_FLAG | \
			 LOG_MARK_FLAG | LOG_METADATA_FLAG)

#define LW_ENTRY_BYTES 32u	/* 4 x le64 */
#define LW_NAME_MAX 65536u	/* a mark name is shorter than one log block */

/* What went wrong: a bad or truncated log, or an I/O (open, read) error. */
enum lw_result { LW_OK = 0, LW_IOERR = 1, LW_BAD = 2 };

struct lw_log {
	int fd;
	uint64_t size;		/* bytes of the device or image */
	uint32_t sectorsize;	/* bytes of one log block */
	uint32_t factor;	/* 512-byte sectors per log block */
	uint64_t nr_entries;	/* from the superblock */
	uint64_t next;		/* index of the entry lw_next() reads */
	uint64_t off;		/* its byte offset */
	unsigned char *block;	/* one log block of scratch */
	char err[256];		/* the message of the last failure */
};

struct lw_entry {
	uint64_t index;
	uint64_t sector;	/* in 512-byte sectors of the logged device */
	uint64_t sectors;	/* ditto (the discarded length for a discard) */
	uint64_t flags;
	uint64_t data_off;	/* byte offset of the logged data in the log */
	uint64_t data_bytes;	/* 0 for a discard, a mark or an empty flush */
	const unsigned char *name;	/* a mark's name (not NUL-terminated) */
	size_t name_len;
};

/* Opens and checks the superblock.  On failure lw->err says why. */
enum lw_result lw_open(struct lw_log *lw, const char *path);
void lw_close(struct lw_log *lw);
/*
 * The next entry: LW_OK and *e filled (e->name points into lw, valid until
 * the next call), or LW_OK with e->index == UINT64_MAX at the end, or a
 * failure (lw->err says which entry and why).
 */
enum lw_result lw_next(struct lw_log *lw, struct lw_entry *e);
/* Reads n bytes of the log at off (inside an entry lw_next() returned). */
enum lw_result lw_read(struct lw_log *lw, void *buf, size_t n, uint64_t off);

#endif
