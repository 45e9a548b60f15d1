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
 *   iobench werr DEV NIO STRIDE FIRST        NIO 4 KiB writes at FIRST + i * STRIDE
 *                                            (bytes; blocks that fail on the
 *                                            main device: phase "werr"), after
 *                                            NIO writes 8 KiB further on each
 *                                            (healthy: phase "wok")
 *   iobench exec CMD [ARG...]                one run of CMD (phase "exec", 1 I/O):
 *                                            e.g. an activation, `dmsetup create`
 *
 * For rand and seq, before the markers every offset is written and read
 * once through DEV (warm-up: the RAM disk has allocated its pages, caches and the TLB are
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
#include <sys/wait.h>
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

/* werr: the healthy pattern first (it warms up the same code), then the failing one. */
static int werr(int argc, char **argv)
{
	unsigned long long n, stride, first, i;
	uint64_t *off;
	void *buf;
	int fd;

	if (argc != 6 || parse(argv[3], &n) || parse(argv[4], &stride) ||
	    parse(argv[5], &first) || !n || stride % 4096 || stride < 16384 || first % 4096) {
		fprintf(stderr, "usage: iobench werr DEV NIO STRIDE FIRST (bytes, 4 KiB-aligned, "
				"STRIDE >= 16384)\n");
		return 2;
	}
	off = calloc(n, sizeof(*off));
	if (!off || posix_memalign(&buf, 4096, 4096))
		die("memory");
	memset(buf, 0x5a, 4096);
	fd = open(argv[2], O_RDWR | O_DIRECT);
	if (fd < 0)
		die(argv[2]);
	for (i = 0; i < n; i++)
		off[i] = first + i * stride + 8192;
	for (i = 0; i < n; i++)		/* warm-up: the RAM disk allocates its pages */
		io(fd, 1, buf, 4096, off[i]);
	phase("wok", fd, 1, buf, 4096, off, n);
	for (i = 0; i < n; i++)
		off[i] -= 8192;
	phase("werr", fd, 1, buf, 4096, off, n);
	close(fd);
	return 0;
}

/* exec: one run of a command between the markers (all it costs, kernel included). */
static int run_exec(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: iobench exec CMD [ARG...]\n");
		return 2;
	}
	dmr_icount_start();
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		die("fork/wait");
	dmr_icount_stop();
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "iobench: %s failed (status %#x)\n", argv[2], status);
		return 1;
	}
	printf("phase exec 1\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long n, a, b, i;
	uint64_t *off, seed;
	size_t len;
	void *buf;
	int fd, rand;

	if (argc > 1 && !strcmp(argv[1], "werr"))
		return werr(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return run_exec(argc, argv);
	if (argc < 5 || (strcmp(argv[1], "rand") && strcmp(argv[1], "seq")) ||
	    (!strcmp(argv[1], "rand") && argc != 6) || (!strcmp(argv[1], "seq") && argc != 5) ||
	    parse(argv[3], &n) || parse(argv[4], &a) || (argc == 6 && parse(argv[5], &b)) ||
	    !n) {
		fprintf(stderr, "usage: iobench rand DEV NIO SEED REGION_BYTES\n"
				"       iobench seq DEV NIO BS\n"
				"       iobench werr DEV NIO STRIDE FIRST\n"
				"       iobench exec CMD [ARG...]\n");
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
