// SPDX-License-Identifier: GPL-2.0
/*
 * lw-log: the dm-log-writes log reader shared by lw-dump and lw-replay.
 *
 * The format (Linux drivers/md/dm-log-writes.c, the definitive source, and
 * Documentation/admin-guide/device-mapper/log-writes.rst), all integers
 * little-endian:
 *
 *   byte 0, one log block of `sectorsize` bytes, zero-padded:
 *     struct log_write_super { le64 magic;       0x6a736677736872
 *                              le64 version;     1
 *                              le64 nr_entries;
 *                              le32 sectorsize; }
 *   then nr_entries times, back to back from byte `sectorsize`:
 *     one log block:  struct log_write_entry { le64 sector; le64 nr_sectors;
 *                                              le64 flags;  le64 data_len; }
 *                     followed, for a mark, by the mark's name (data_len
 *                     bytes, not NUL-terminated, < sectorsize - 32), then
 *                     zeros to the end of the block;
 *     nr_sectors log blocks of the written data, except for a DISCARD,
 *                     which logs no data (its nr_sectors is the discarded
 *                     length).  A mark has nr_sectors 0.
 *
 * sectorsize is the logical block size of the logged device, and `sector`
 * and `nr_sectors` are in units of it, not of 512 bytes: the kernel stores
 * bi_sector >> (log2(sectorsize) - 9).  lw-dump multiplies them back.
 * flags: FLUSH 1<<0, FUA 1<<1, DISCARD 1<<2, MARK 1<<3, METADATA 1<<4.
 * data_len is only meaningful for marks (the kernel leaves it 0 for writes)
 * and is ignored otherwise: the data of a write is nr_sectors blocks.
 *
 * The kernel rewrites the superblock after every FUA write and every mark,
 * and removing the target logs a last mark "dm-log-writes-end", so a log
 * read after `dmsetup remove` lists everything; entries logged after the
 * last FUA or mark of a live (or crashed) log are beyond nr_entries and not
 * listed.
 *
 * Every length read from the log is checked against the device size before
 * it is used; nothing is allocated from a length the log provides.
 */
#define _GNU_SOURCE
#include "lw-log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LW_MAGIC UINT64_C(0x6a736677736872)
#define LW_VERSION UINT64_C(1)
#define LW_SUPER_BYTES 28u	/* 3 x le64 + le32 */
#define LW_MIN_SECTORSIZE 512u
#define LW_MAX_SECTORSIZE 65536u

__attribute__((format(printf, 3, 4)))
static enum lw_result say(struct lw_log *lw, enum lw_result r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lw->err, sizeof(lw->err), fmt, ap);
	va_end(ap);
	return r;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Reads exactly n bytes at off.  The caller has checked that they lie inside
 * the device, so end of file here means the device shrank under us.
 */
enum lw_result lw_read(struct lw_log *lw, void *buf, size_t n, uint64_t off)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = pread(lw->fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return say(lw, LW_IOERR, "read at byte %" PRIu64 ": %s", off,
				   strerror(errno));
		if (r == 0)
			return say(lw, LW_BAD, "bad log: unexpected end of the device at byte %" PRIu64,
				   off);
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return LW_OK;
}

static enum lw_result device_bytes(struct lw_log *lw)
{
	struct stat st;
	off_t end;

	if (fstat(lw->fd, &st) < 0)
		return say(lw, LW_IOERR, "stat: %s", strerror(errno));
	if (S_ISREG(st.st_mode)) {
		lw->size = (uint64_t)st.st_size;
		return LW_OK;
	}
	if (!S_ISBLK(st.st_mode))
		return say(lw, LW_IOERR, "not a block device or a regular file");
	/* The size of a block device, without <linux/fs.h>'s BLKGETSIZE64. */
	end = lseek(lw->fd, 0, SEEK_END);
	if (end < 0)
		return say(lw, LW_IOERR, "cannot find the size of the device: %s", strerror(errno));
	lw->size = (uint64_t)end;
	return LW_OK;
}

enum lw_result lw_open(struct lw_log *lw, const char *path)
{
	unsigned char super[LW_SUPER_BYTES];
	uint64_t magic, version;
	enum lw_result r;

	memset(lw, 0, sizeof(*lw));
	lw->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lw->fd < 0)
		return say(lw, LW_IOERR, "%s", strerror(errno));
	r = device_bytes(lw);
	if (r)
		return r;
	if (lw->size < LW_SUPER_BYTES)
		return say(lw, LW_BAD, "bad log: %" PRIu64 " bytes, too small for the %u-byte superblock",
			   lw->size, LW_SUPER_BYTES);
	r = lw_read(lw, super, sizeof(super), 0);
	if (r)
		return r;
	magic = le64(super);
	version = le64(super + 8);
	lw->nr_entries = le64(super + 16);
	lw->sectorsize = le32(super + 24);
	if (magic != LW_MAGIC)
		return say(lw, LW_BAD, "bad log: superblock magic 0x%" PRIx64 ", expected 0x%" PRIx64
			   ": not a dm-log-writes log", magic, LW_MAGIC);
	if (version != LW_VERSION)
		return say(lw, LW_BAD, "bad log: superblock version %" PRIu64
			   ", only version %" PRIu64 " is known", version, LW_VERSION);
	if (lw->sectorsize < LW_MIN_SECTORSIZE || lw->sectorsize > LW_MAX_SECTORSIZE ||
	    (lw->sectorsize & (lw->sectorsize - 1)))
		return say(lw, LW_BAD, "bad log: superblock sectorsize %" PRIu32
			   " is not a power of two in [%u, %u]",
			   lw->sectorsize, LW_MIN_SECTORSIZE, LW_MAX_SECTORSIZE);
	if (lw->size < lw->sectorsize)
		return say(lw, LW_BAD, "bad log: %" PRIu64 " bytes, shorter than its %" PRIu32
			   "-byte superblock", lw->size, lw->sectorsize);
	lw->factor = lw->sectorsize / 512;
	lw->block = malloc(lw->sectorsize);
	if (!lw->block)
		return say(lw, LW_IOERR, "out of memory");
	lw->off = lw->sectorsize;
	return LW_OK;
}

void lw_close(struct lw_log *lw)
{
	free(lw->block);
	lw->block = NULL;
	if (lw->fd >= 0)
		close(lw->fd);
	lw->fd = -1;
}

enum lw_result lw_next(struct lw_log *lw, struct lw_entry *e)
{
	uint64_t i = lw->next, off = lw->off, ss = lw->sectorsize, f = lw->factor;
	uint64_t sector, nr, data_len, data_blocks, room;
	enum lw_result r;

	memset(e, 0, sizeof(*e));
	if (i >= lw->nr_entries) {
		e->index = UINT64_MAX;
		return LW_OK;
	}
	/* off <= size holds on entry: checked when it was advanced. */
	if (lw->size - off < ss)
		return say(lw, LW_BAD, "bad log: entry %" PRIu64 " of %" PRIu64 " at byte %" PRIu64
			   ": the log ends inside its header (%" PRIu64 " bytes)",
			   i, lw->nr_entries, off, lw->size);
	r = lw_read(lw, lw->block, ss, off);
	if (r)
		return r;
	sector = le64(lw->block);
	nr = le64(lw->block + 8);
	e->flags = le64(lw->block + 16);
	data_len = le64(lw->block + 24);

	if (sector > UINT64_MAX / f || nr > UINT64_MAX / f || sector * f > UINT64_MAX - nr * f)
		return say(lw, LW_BAD, "bad log: entry %" PRIu64 " at byte %" PRIu64 ": sector %" PRIu64
			   " + %" PRIu64 " (of %" PRIu64 " bytes) overflows", i, off, sector, nr, ss);
	if ((e->flags & LOG_MARK_FLAG) && data_len > ss - LW_ENTRY_BYTES)
		return say(lw, LW_BAD, "bad log: entry %" PRIu64 " at byte %" PRIu64 ": mark name of %"
			   PRIu64 " bytes does not fit in its %" PRIu64 "-byte block",
			   i, off, data_len, ss);
	off += ss;
	data_blocks = (e->flags & LOG_DISCARD_FLAG) ? 0 : nr;
	room = (lw->size - off) / ss;
	if (data_blocks > room)
		return say(lw, LW_BAD, "bad log: entry %" PRIu64 " at byte %" PRIu64 ": %" PRIu64
			   " data blocks run past the end of the log (%" PRIu64
			   " blocks of %" PRIu64 " bytes left)", i, off - ss, data_blocks, room, ss);
	e->index = i;
	e->sector = sector * f;
	e->sectors = nr * f;
	e->data_off = off;
	e->data_bytes = data_blocks * ss;
	if (e->flags & LOG_MARK_FLAG) {
		e->name = lw->block + LW_ENTRY_BYTES;
		e->name_len = (size_t)data_len;
	}
	lw->off = off + e->data_bytes;
	lw->next = i + 1;
	return LW_OK;
}
