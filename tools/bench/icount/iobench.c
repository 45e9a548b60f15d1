// SPDX-License-Identifier: GPL-2.0
/*
 * iobench: the guest side of the instruction-count benchmark.  Synchronous
 * O_DIRECT I/O on a block device between the icount plugin's markers
 * (markers.h), so the plugin counts what the kernel spends per I/O.
 *
 *   iobench rand DEV NIO SEED REGION_BYTES   NIO 4 KiB reads at random 4 KiB-aligned
 *                                            offsets in [0, REGION_BYTES), then
 *                                            NIO writes at the same offsets
 *   iobench seq DEV NIO BS                   NIO sequential reads of BS bytes from 0
 *
 * Before the markers every offset is written and read once through DEV
 * (warm-up: the RAM disk has allocated its pages, caches and the TLB are
 * warm, and the offsets are computed), so the counted part is the steady
 * state.  One line per counted phase on stdout, in marker order:
 * "phase NAME IOS" - the plugin's reports come in the same order.
 * Built static: the guest runs it from the host's root over 9p.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "markers.h"

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int parse(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void io(int fd, int write, void *buf, size_t len, uint64_t off)
{
	ssize_t r = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

	if (r != (ssize_t)len) {
		fprintf(stderr, "iobench: %s of %zu at %llu: %s\n", write ? "write" : "read",
			len, (unsigned long long)off, r < 0 ? strerror(errno) : "short");
		exit(1);
	}
}

/* Counted: n I/Os of len bytes at off[]. */
static void phase(const char *name, int fd, int write, void *buf, size_t len,
		  const uint64_t *off, unsigned long long n)
{
	unsigned long long i;

	dmr_icount_start();
	for (i = 0; i < n; i++)
		io(fd, write, buf, len, off[i]);
	dmr_icount_stop();
	printf("phase %s %llu\n", name, n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long long n, a, b, i;
	uint64_t *off, seed;
	size_t len;
	void *buf;
	int fd, rand;

	if (argc < 5 || (strcmp(argv[1], "rand") && strcmp(argv[1], "seq")) ||
	    (!strcmp(argv[1], "rand") && argc != 6) || (!strcmp(argv[1], "seq") && argc != 5) ||
	    parse(argv[3], &n) || parse(argv[4], &a) || (argc == 6 && parse(argv[5], &b)) ||
	    !n) {
		fprintf(stderr, "usage: iobench rand DEV NIO SEED REGION_BYTES\n"
				"       iobench seq DEV NIO BS\n");
		return 2;
	}
	rand = !strcmp(argv[1], "rand");
	len = rand ? 4096 : (size_t)a;
	if (len % 4096 || (rand && b < 4096)) {
		fprintf(stderr, "iobench: sizes must be multiples of 4096\n");
		return 2;
	}
	off = calloc(n, sizeof(*off));
	if (!off || posix_memalign(&buf, 4096, len))
		die("memory");
	memset(buf, 0x5a, len);
	seed = a ? a : 1;
	for (i = 0; i < n; i++)
		off[i] = rand ? (xorshift(&seed) % (b / 4096)) * 4096 : i * len;
	fd = open(argv[2], O_RDWR | O_DIRECT);
	if (fd < 0)
		die(argv[2]);
	for (i = 0; i < n; i++) {
		io(fd, 1, buf, len, off[i]);
		io(fd, 0, buf, len, off[i]);
	}
	if (rand) {
		phase("read", fd, 0, buf, len, off, n);
		phase("write", fd, 1, buf, len, off, n);
	} else {
		phase("seqread", fd, 0, buf, len, off, n);
	}
	close(fd);
	return 0;
}
