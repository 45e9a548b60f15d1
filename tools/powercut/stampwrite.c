// SPDX-License-Identifier: GPL-2.0
/*
 * stampwrite: the writer and the reader of the power-cut test (the
 * "diskchecker" idea: a writer reports every write the device acknowledged,
 * the power is cut, and after the reboot every block must hold the last
 * acknowledged version or a newer one).
 *
 *   stampwrite write DEV --blocks N --seed S --base B [--count K] [--cycle C]
 *       Writes 4 KiB blocks at pseudo-random block numbers in [0, N) of DEV
 *       with O_DIRECT | O_DSYNC, one at a time, sequence numbers B+1, B+2,
 *       ...  After each write that returned success it prints
 *           ACK <seq> <block> <check>
 *       with one write(2) (check = 8 hex digits, see ack_check()), so a line
 *       seen on the console means the device acknowledged that write.  A
 *       failed write prints "ERR <seq> <block> <errno text>" and exits 3: the
 *       device under test must never fail a write in this test.  Runs until
 *       killed, or K writes (then prints "DONE <seq>").
 *
 *       Options for the crash-replay test (tests/vm/guest/62-crash-replay.sh):
 *       --first F   write blocks [F, F + N) instead of [0, N) (several
 *                   writers on disjoint ranges);
 *       --sync aio  the same O_DSYNC writes through Linux AIO (io_submit, one
 *                   in flight): a block device then completes them on their
 *                   REQ_FUA alone, while a synchronous O_DSYNC pwrite() is
 *                   also followed by a flush (generic_write_sync);
 *       --sync fsync[:M]  plain O_DIRECT writes (no O_DSYNC), fsync() after
 *                   every M (default 8); prints "PLAIN <seq> <block>" after
 *                   each write and "SYNCED <seq>" after each fsync, instead
 *                   of ACK lines (a plain write is durable only once a later
 *                   fsync returned);
 *       --sync plain  the same without any fsync;
 *       --mark LOGDM  after each acknowledgement also logs a mark in the
 *                   dm-log-writes device LOGDM (a DM_TARGET_MSG ioctl, as
 *                   `dmsetup message LOGDM 0 mark NAME`): "A.<seq>.<block>"
 *                   for an O_DSYNC write, "W.<seq>.<block>" for a plain one,
 *                   "S.<seq>" after an fsync.  The mark is logged after
 *                   every write the acknowledged one depended on, so the
 *                   log itself says which writes were acknowledged at any
 *                   point of it.  A failed mark exits 3.
 *
 *   stampwrite check DEV --blocks N
 *       Reads blocks [0, N) with O_DIRECT and prints one line per block:
 *           B <block> <t0> ... <t7>
 *       one token per 512-byte sector: "Z" all zeros, "G" not a valid stamp
 *       (garbage or torn inside the sector), "<seq>" a valid stamp of this
 *       very block and sector, "M<seq>:<block>:<sector>" a valid stamp that
 *       belongs somewhere else (misdirected write), or "E<errno>" for every
 *       sector of a block that could not be read.
 *
 *       A regular file (an image) is read through the page cache.
 *
 * Every 512-byte sector of a written block carries its own stamp (magic,
 * sequence number, block, sector index, cycle, pseudo-random filler, a 64-bit
 * FNV-1a hash of the rest), so a 4 KiB write that landed only partly (torn)
 * is visible sector by sector, and garbage never looks like a stamp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/aio_abi.h>
#include <linux/dm-ioctl.h>

#define BLOCK 4096u
#define SECTOR 512u
#define SPB (BLOCK / SECTOR)
#define STAMP_MAGIC 0x31504d5453435050ull /* "PPCSTMP1" */

struct stamp {
	uint64_t magic;
	uint64_t seq;
	uint64_t block;
	uint32_t sector;
	uint32_t cycle;
	uint8_t filler[SECTOR - 40];
	uint64_t hash;		/* FNV-1a 64 of the bytes before it */
};
_Static_assert(sizeof(struct stamp) == SECTOR, "stamp is one sector");

static uint64_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The check field of an ACK line; pc-check.py computes the same. */
static uint32_t ack_check(uint64_t seq, uint64_t block)
{
	return (uint32_t)((seq * 2654435761ull + block * 40503ull + 0x5a5a5a5aull) & 0xffffffffu);
}

static void fill_block(void *buf, uint64_t seq, uint64_t block, uint32_t cycle)
{
	unsigned int i;

	for (i = 0; i < SPB; i++) {
		struct stamp *s = (struct stamp *)((char *)buf + i * SECTOR);
		uint64_t x = seq * 0x9e3779b97f4a7c15ull ^ block ^ ((uint64_t)i << 56);
		size_t j;

		s->magic = STAMP_MAGIC;
		s->seq = seq;
		s->block = block;
		s->sector = i;
		s->cycle = cycle;
		for (j = 0; j < sizeof(s->filler); j += 8) {
			uint64_t r = splitmix64(&x);

			memcpy(s->filler + j, &r, sizeof(s->filler) - j < 8 ? sizeof(s->filler) - j : 8);
		}
		s->hash = fnv1a(s, offsetof(struct stamp, hash));
	}
}

static void say(const char *line)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = write(1, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			exit(4);
		off += (size_t)w;
	}
}

static int control_fd = -1;

/* `dmsetup message LOGDM 0 mark NAME` without forking dmsetup. */
static int log_mark(const char *logdm, const char *name)
{
	struct {
		struct dm_ioctl io;
		struct dm_target_msg msg;
		char text[128];
	} m;

	if (control_fd < 0)
		control_fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (control_fd < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.io.version[0] = DM_VERSION_MAJOR;
	m.io.data_size = sizeof(m);
	m.io.data_start = offsetof(typeof(m), msg);
	snprintf(m.io.name, sizeof(m.io.name), "%s", logdm);
	m.msg.sector = 0;
	snprintf(m.msg.message, sizeof(m.text), "mark %s", name);
	return ioctl(control_fd, DM_TARGET_MSG, &m);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: stampwrite write DEV --blocks N --seed S --base B [--count K] [--cycle C]\n"
		"                  [--first F] [--sync dsync|aio|plain|fsync[:M]] [--mark LOGDM]\n"
		"       stampwrite check DEV --blocks N\n");
	return 2;
}

struct write_opts {
	const char *dev, *mark;
	uint64_t nblocks, seed, base, count, first, sync_every;
	uint32_t cycle;
	int aio;
};

static aio_context_t aio_ctx;

/* One write through Linux AIO, waited for: what pwrite() returns. */
static ssize_t aio_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;

	if (!aio_ctx && syscall(SYS_io_setup, 1, &aio_ctx))
		return -1;
	memset(&cb, 0, sizeof(cb));
	cb.aio_fildes = (uint32_t)fd;
	cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	cb.aio_buf = (uint64_t)(uintptr_t)buf;
	cb.aio_nbytes = n;
	cb.aio_offset = off;
	if (syscall(SYS_io_submit, aio_ctx, 1, cbs) != 1)
		return -1;
	while (syscall(SYS_io_getevents, aio_ctx, 1, 1, &ev, NULL) != 1)
		if (errno != EINTR)
			return -1;
	if (ev.res < 0) {
		errno = (int)-ev.res;
		return -1;
	}
	return (ssize_t)ev.res;
}

/* Logs a mark if asked to; a mark that cannot be logged ends the writer. */
static void mark_or_die(const struct write_opts *o, const char *name)
{
	char line[160];

	if (!o->mark || !log_mark(o->mark, name))
		return;
	snprintf(line, sizeof(line), "ERR mark %s: %s\n", name, strerror(errno));
	say(line);
	exit(3);
}

static int do_write(const struct write_opts *o)
{
	char line[128], name[64];
	uint64_t rng = o->seed, seq = o->base, done = 0;
	void *buf;
	int fd;

	fd = open(o->dev, O_WRONLY | O_DIRECT | (o->sync_every ? 0 : O_DSYNC));
	if (fd < 0) {
		fprintf(stderr, "stampwrite: open %s: %s\n", o->dev, strerror(errno));
		return 3;
	}
	if (posix_memalign(&buf, BLOCK, BLOCK))
		return 3;
	snprintf(line, sizeof(line), "START base=%" PRIu64 " blocks=%" PRIu64 " seed=%" PRIu64
		 " cycle=%u\n", o->base, o->nblocks, o->seed, o->cycle);
	say(line);
	while (!o->count || done < o->count) {
		uint64_t block = o->first + splitmix64(&rng) % o->nblocks;
		ssize_t w;

		seq++;
		fill_block(buf, seq, block, o->cycle);
		if (o->aio)
			w = aio_pwrite(fd, buf, BLOCK, (off_t)(block * BLOCK));
		else
			w = pwrite(fd, buf, BLOCK, (off_t)(block * BLOCK));
		if (w != (ssize_t)BLOCK) {
			snprintf(line, sizeof(line), "ERR %" PRIu64 " %" PRIu64 " %s\n", seq, block,
				 w < 0 ? strerror(errno) : "short write");
			say(line);
			return 3;
		}
		if (!o->sync_every) {
			snprintf(line, sizeof(line), "ACK %" PRIu64 " %" PRIu64 " %08x\n", seq, block,
				 ack_check(seq, block));
			snprintf(name, sizeof(name), "A.%" PRIu64 ".%" PRIu64, seq, block);
		} else {
			snprintf(line, sizeof(line), "PLAIN %" PRIu64 " %" PRIu64 "\n", seq, block);
			snprintf(name, sizeof(name), "W.%" PRIu64 ".%" PRIu64, seq, block);
		}
		mark_or_die(o, name);
		say(line);
		done++;
		if (o->sync_every && done % o->sync_every == 0) {
			if (fsync(fd)) {
				snprintf(line, sizeof(line), "ERR fsync %" PRIu64 " %s\n", seq,
					 strerror(errno));
				say(line);
				return 3;
			}
			snprintf(name, sizeof(name), "S.%" PRIu64, seq);
			mark_or_die(o, name);
			snprintf(line, sizeof(line), "SYNCED %" PRIu64 "\n", seq);
			say(line);
		}
	}
	snprintf(line, sizeof(line), "DONE %" PRIu64 "\n", seq);
	say(line);
	free(buf);
	close(fd);
	return 0;
}

static int is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

/*
 * A block device is read with O_DIRECT (what the device holds, not the page
 * cache); an image file through the page cache, which is what it holds.
 */
static int open_for_check(const char *dev)
{
	struct stat st;
	int fd = open(dev, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || !S_ISBLK(st.st_mode))
		return fd;
	close(fd);
	return open(dev, O_RDONLY | O_DIRECT);
}

static int do_check(const char *dev, uint64_t nblocks)
{
	uint64_t b;
	void *buf;
	int fd;

	fd = open_for_check(dev);
	if (fd < 0) {
		fprintf(stderr, "stampwrite: open %s: %s\n", dev, strerror(errno));
		return 3;
	}
	if (posix_memalign(&buf, BLOCK, BLOCK))
		return 3;
	for (b = 0; b < nblocks; b++) {
		ssize_t r = pread(fd, buf, BLOCK, (off_t)(b * BLOCK));
		unsigned int i;

		printf("B %" PRIu64, b);
		if (r != (ssize_t)BLOCK) {
			int e = r < 0 ? errno : EIO;

			for (i = 0; i < SPB; i++)
				printf(" E%d", e);
			printf("\n");
			continue;
		}
		for (i = 0; i < SPB; i++) {
			const struct stamp *s = (const struct stamp *)((char *)buf + i * SECTOR);

			if (is_zero(s, SECTOR))
				printf(" Z");
			else if (s->magic != STAMP_MAGIC ||
				 s->hash != fnv1a(s, offsetof(struct stamp, hash)))
				printf(" G");
			else if (s->block == b && s->sector == i)
				printf(" %" PRIu64, s->seq);
			else
				printf(" M%" PRIu64 ":%" PRIu64 ":%u", s->seq, s->block, s->sector);
		}
		printf("\n");
	}
	free(buf);
	close(fd);
	return fflush(stdout) ? 3 : 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end;
}

int main(int argc, char **argv)
{
	struct write_opts o = { .seed = 1 };
	uint64_t cycle = 0;
	int i;

	if (argc < 3)
		return usage();
	o.dev = argv[2];
	for (i = 3; i < argc; i += 2) {
		uint64_t *v;

		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--mark")) {
			if (!*argv[i + 1] || strlen(argv[i + 1]) >= DM_NAME_LEN)
				return usage();
			o.mark = argv[i + 1];
			continue;
		}
		if (!strcmp(argv[i], "--sync")) {
			if (!strcmp(argv[i + 1], "dsync"))
				o.sync_every = 0;
			else if (!strcmp(argv[i + 1], "aio"))
				o.aio = 1;
			else if (!strcmp(argv[i + 1], "plain"))
				o.sync_every = UINT64_MAX;
			else if (!strcmp(argv[i + 1], "fsync"))
				o.sync_every = 8;
			else if (strncmp(argv[i + 1], "fsync:", 6) ||
				 parse_u64(argv[i + 1] + 6, &o.sync_every) || !o.sync_every)
				return usage();
			continue;
		}
		if (!strcmp(argv[i], "--blocks"))
			v = &o.nblocks;
		else if (!strcmp(argv[i], "--seed"))
			v = &o.seed;
		else if (!strcmp(argv[i], "--base"))
			v = &o.base;
		else if (!strcmp(argv[i], "--count"))
			v = &o.count;
		else if (!strcmp(argv[i], "--cycle"))
			v = &cycle;
		else if (!strcmp(argv[i], "--first"))
			v = &o.first;
		else
			return usage();
		if (parse_u64(argv[i + 1], v))
			return usage();
	}
	if (!o.nblocks || cycle > UINT32_MAX || o.first > UINT64_MAX / BLOCK - o.nblocks)
		return usage();
	o.cycle = (uint32_t)cycle;
	if (!strcmp(argv[1], "write"))
		return do_write(&o);
	if (!strcmp(argv[1], "check"))
		return do_check(o.dev, o.nblocks);
	return usage();
}
