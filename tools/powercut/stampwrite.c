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
 *   stampwrite check DEV --blocks N
 *       Reads blocks [0, N) with O_DIRECT and prints one line per block:
 *           B <block> <t0> ... <t7>
 *       one token per 512-byte sector: "Z" all zeros, "G" not a valid stamp
 *       (garbage or torn inside the sector), "<seq>" a valid stamp of this
 *       very block and sector, "M<seq>:<block>:<sector>" a valid stamp that
 *       belongs somewhere else (misdirected write), or "E<errno>" for every
 *       sector of a block that could not be read.
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
#include <unistd.h>

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

static int usage(void)
{
	fprintf(stderr,
		"usage: stampwrite write DEV --blocks N --seed S --base B [--count K] [--cycle C]\n"
		"       stampwrite check DEV --blocks N\n");
	return 2;
}

static int do_write(const char *dev, uint64_t nblocks, uint64_t seed, uint64_t base,
		    uint64_t count, uint32_t cycle)
{
	char line[128];
	uint64_t rng = seed, seq = base, done = 0;
	void *buf;
	int fd;

	fd = open(dev, O_WRONLY | O_DIRECT | O_DSYNC);
	if (fd < 0) {
		fprintf(stderr, "stampwrite: open %s: %s\n", dev, strerror(errno));
		return 3;
	}
	if (posix_memalign(&buf, BLOCK, BLOCK))
		return 3;
	snprintf(line, sizeof(line), "START base=%" PRIu64 " blocks=%" PRIu64 " seed=%" PRIu64
		 " cycle=%u\n", base, nblocks, seed, cycle);
	say(line);
	while (!count || done < count) {
		uint64_t block = splitmix64(&rng) % nblocks;
		ssize_t w;

		seq++;
		fill_block(buf, seq, block, cycle);
		w = pwrite(fd, buf, BLOCK, (off_t)(block * BLOCK));
		if (w != (ssize_t)BLOCK) {
			snprintf(line, sizeof(line), "ERR %" PRIu64 " %" PRIu64 " %s\n", seq, block,
				 w < 0 ? strerror(errno) : "short write");
			say(line);
			return 3;
		}
		snprintf(line, sizeof(line), "ACK %" PRIu64 " %" PRIu64 " %08x\n", seq, block,
			 ack_check(seq, block));
		say(line);
		done++;
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

static int do_check(const char *dev, uint64_t nblocks)
{
	uint64_t b;
	void *buf;
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT);
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
	uint64_t nblocks = 0, seed = 1, base = 0, count = 0, cycle = 0;
	int i;

	if (argc < 3)
		return usage();
	for (i = 3; i < argc; i += 2) {
		uint64_t *v;

		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--blocks"))
			v = &nblocks;
		else if (!strcmp(argv[i], "--seed"))
			v = &seed;
		else if (!strcmp(argv[i], "--base"))
			v = &base;
		else if (!strcmp(argv[i], "--count"))
			v = &count;
		else if (!strcmp(argv[i], "--cycle"))
			v = &cycle;
		else
			return usage();
		if (parse_u64(argv[i + 1], v))
			return usage();
	}
	if (!nblocks || cycle > UINT32_MAX)
		return usage();
	if (!strcmp(argv[1], "write"))
		return do_write(argv[2], nblocks, seed, base, count, (uint32_t)cycle);
	if (!strcmp(argv[1], "check"))
		return do_check(argv[2], nblocks);
	return usage();
}
