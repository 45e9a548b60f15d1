// SPDX-License-Identifier: GPL-2.0
/*
 * lw-replay: rebuild the disk a dm-log-writes log recorded, as it would be
 * after a crash, for the crash-consistency test (tests/vm/guest/
 * 62-crash-replay.sh, docs/POWERCUT.md).  lw-dump lists a log's entries.
 *
 *   lw-replay replay LOG IMAGE [--upto N]
 *       Writes the data of every entry with index <= N (all by default) to
 *       IMAGE, in log order: what the device held once entry N completed if
 *       nothing was ever lost from its cache.
 *   lw-replay states LOG [--k K] [--seed S] [--max M]
 *       Prints the crash states, one a line (format below).
 *   lw-replay build LOG IMAGE --size BYTES --state "LINE"
 *       Makes IMAGE a zeroed file of BYTES bytes and writes the state LINE
 *       (one line of `states`) into it.
 *
 * The model (dm-log-writes logs a FUA write when it completes, keeps other
 * completed writes aside and logs them just before the next flush that
 * covers them, and logs a mark when it is sent: see lw-log.c):
 *   - a write with FUA is durable once it is logged;
 *   - any other write (a flush with data but no FUA included: the flush
 *     covers what came before it, not its own data) is durable once a
 *     FLUSH entry follows it;
 *   so durable(c), what survives a crash right after entry c completed, is
 *   every write e <= c with FUA, or followed by a flush at or before c.
 *
 * Crash states:
 *   prefix  crash=C base=C      for every FLUSH and every FUA entry C:
 *                                durable(C), in log order.
 *   random  crash=F2 base=F1 keep=I,J,...
 *                                for each interval between two flushes F1 <
 *                                F2 (the first starts before entry 0, the
 *                                last ends at the end of the log), K states:
 *                                durable(F1) in log order, then, in the order
 *                                listed, a random subset of the interval's
 *                                other writes in a random order (those a
 *                                volatile cache may have lost or written in
 *                                any order), then every FUA write of the
 *                                interval in log order.  Intervals without
 *                                such writes give no random state.
 * A line is "<id> <kind> crash=<entry> base=<entry> keep=<list|->"; base=-1
 * means nothing.  A checker holds the writer to every acknowledgement
 * logged (as a mark) before entry `crash`.  --max M keeps M of the states
 * (a seeded sample, in order); --seed (default 1) makes the random states
 * reproducible.  A discard is replayed as zeros.
 *
 * Exit status: 0 done; 2 the log is bad or truncated; 1 usage or I/O error,
 * or a state line that does not fit the log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw-log.h"

#define CHUNK (1u << 20)

struct ent {
	uint64_t sector, sectors, flags, data_off, data_bytes;
};

static struct lw_log lw;
static const char *logpath;
static struct ent *ents;
static uint64_t nents;

static _Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "lw-replay: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: lw-replay replay LOG IMAGE [--upto N]\n"
		"       lw-replay states LOG [--k K] [--seed S] [--max M]\n"
		"       lw-replay build LOG IMAGE --size BYTES --state LINE\n"
		"Replays a dm-log-writes log and lists or builds crash states.\n"
		"Exit: 0 done, 2 bad or truncated log, 1 other errors.\n");
	exit(EXIT_FAILURE);
}

/* Reads the whole index (not the data) of the log. */
static void load(void)
{
	struct lw_entry e;
	enum lw_result r;
	uint64_t cap = 0;

	r = lw_open(&lw, logpath);
	if (r)
		die(r == LW_BAD ? 2 : 1, "%s: %s", logpath, lw.err);
	while ((r = lw_next(&lw, &e)) == LW_OK && e.index != UINT64_MAX) {
		if (nents == cap) {
			/* Grows with what was read, never from a count in the log. */
			cap = cap ? cap * 2 : 1024;
			ents = realloc(ents, cap * sizeof(*ents));
			if (!ents)
				die(1, "out of memory");
		}
		ents[nents++] = (struct ent){ e.sector, e.sectors, e.flags, e.data_off,
					      e.data_bytes };
	}
	if (r)
		die(r == LW_BAD ? 2 : 1, "%s: %s", logpath, lw.err);
}

static int is_write(const struct ent *e)
{
	return !(e->flags & LOG_MARK_FLAG) && (e->data_bytes || (e->flags & LOG_DISCARD_FLAG));
}

static void apply(int fd, uint64_t i, unsigned char *buf)
{
	const struct ent *e = &ents[i];
	uint64_t n = (e->flags & LOG_DISCARD_FLAG) ? e->sectors * 512 : e->data_bytes;

	if (e->sector > UINT64_MAX / 512 || n > UINT64_MAX - e->sector * 512 ||
	    e->sector * 512 + n > (uint64_t)INT64_MAX)
		die(1, "entry %" PRIu64 " writes past what a file can hold", i);
	for (uint64_t done = 0; done < n;) {
		size_t len = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
		ssize_t w;

		if (e->flags & LOG_DISCARD_FLAG) {
			memset(buf, 0, len);
		} else {
			enum lw_result r = lw_read(&lw, buf, len, e->data_off + done);

			if (r)
				die(r == LW_BAD ? 2 : 1, "%s: %s", logpath, lw.err);
		}
		w = pwrite(fd, buf, len, (off_t)(e->sector * 512 + done));
		if (w != (ssize_t)len)
			die(1, "writing entry %" PRIu64 " to the image: %s", i,
			    w < 0 ? strerror(errno) : "short write");
		done += len;
	}
}

/* Index of the last FLUSH entry <= c, or -1. */
static int64_t last_flush(int64_t c)
{
	for (int64_t i = c; i >= 0; i--)
		if (ents[i].flags & LOG_FLUSH_FLAG)
			return i;
	return -1;
}

static int durable(uint64_t e, int64_t c)
{
	return is_write(&ents[e]) && (int64_t)e <= c &&
	       ((ents[e].flags & LOG_FUA_FLAG) || (int64_t)e < last_flush(c));
}

/* Writes durable(c) in log order. */
static void apply_durable(int fd, int64_t c, unsigned char *buf)
{
	int64_t f = last_flush(c);

	for (int64_t i = 0; i <= c; i++)
		if (is_write(&ents[i]) && (i < f || (ents[i].flags & LOG_FUA_FLAG)))
			apply(fd, (uint64_t)i, buf);
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	if (*s == '-' || !*s)
		die(1, "%s: not a number: '%s'", what, s);
	v = strtoull(s, &end, 0);
	if (errno || *end)
		die(1, "%s: not a number: '%s'", what, s);
	return v;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

struct line {
	char *text;
};

static struct line *lines;
static uint64_t nlines, cap_lines;

__attribute__((format(printf, 1, 2)))
static void add_line(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die(1, "out of memory");
	if (nlines == cap_lines) {
		cap_lines = cap_lines ? cap_lines * 2 : 256;
		lines = realloc(lines, cap_lines * sizeof(*lines));
		if (!lines)
			die(1, "out of memory");
	}
	lines[nlines++].text = s;
}

/* Appends ",<v>" (or "<v>" first) to a growing string. */
static void append(char **s, size_t *len, size_t *cap, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%s%" PRIu64, *len ? "," : "", v);

	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*len + (size_t)n + 1) * 2;
		*s = realloc(*s, *cap);
		if (!*s)
			die(1, "out of memory");
	}
	memcpy(*s + *len, tmp, (size_t)n + 1);
	*len += (size_t)n;
}

static void states(uint64_t k, uint64_t seed, uint64_t max)
{
	uint64_t nflush = 0, nfua = 0, nprefix = 0, nrandom = 0, id = 0;
	uint64_t *pool, *keep;

	pool = malloc((nents + 1) * sizeof(*pool));
	keep = malloc((nents + 1) * sizeof(*keep));
	if (!pool || !keep)
		die(1, "out of memory");
	rng_state = seed;
	for (uint64_t i = 0; i < nents; i++) {
		if (ents[i].flags & LOG_FLUSH_FLAG)
			nflush++;
		if (ents[i].flags & LOG_FUA_FLAG)
			nfua++;
		if (ents[i].flags & (LOG_FLUSH_FLAG | LOG_FUA_FLAG)) {
			add_line("prefix crash=%" PRIu64 " base=%" PRIu64 " keep=-", i, i);
			nprefix++;
		}
	}
	/* Intervals (f1, f2) between flushes; f1 = -1 before the first. */
	for (int64_t f1 = -1; f1 < (int64_t)nents;) {
		int64_t f2 = f1 + 1;
		uint64_t np = 0, nk = 0;

		while (f2 < (int64_t)nents && !(ents[f2].flags & LOG_FLUSH_FLAG))
			f2++;
		/* The pool: writes not yet durable; f1's own data if it has no FUA. */
		for (int64_t i = f1 < 0 ? 0 : f1; i < f2; i++) {
			if (!is_write(&ents[i]))
				continue;
			if ((ents[i].flags & LOG_FUA_FLAG) && i != f1)
				keep[nk++] = (uint64_t)i;
			else if (!durable((uint64_t)i, f1))
				pool[np++] = (uint64_t)i;
		}
		for (uint64_t s = 0; np && s < k; s++) {
			uint64_t n, take = below(np + 1);
			char *str = NULL;
			size_t len = 0, cap = 0;
			uint64_t *all = malloc((nk + np) * sizeof(*all));

			if (!all)
				die(1, "out of memory");
			/* A random subset of `take` of the pool, in a random order
			 * (partial Fisher-Yates)...
			 */
			n = 0;
			for (uint64_t j = 0; j < take; j++) {
				uint64_t r = j + below(np - j), t = pool[j];

				pool[j] = pool[r];
				pool[r] = t;
				all[n++] = pool[j];
			}
			/*
			 * ...then the FUA writes in log order: each was durable when
			 * it completed, and a write the cache still held cannot
			 * overwrite it unless it was sent later, which the log does
			 * not tell (dm-log-writes logs those writes at the flush).
			 */
			memcpy(all + n, keep, nk * sizeof(*all));
			n += nk;
			for (uint64_t j = 0; j < n; j++)
				append(&str, &len, &cap, all[j]);
			add_line("random crash=%" PRId64 " base=%" PRId64 " keep=%s", f2, f1,
				 len ? str : "-");
			nrandom++;
			free(str);
			free(all);
		}
		f1 = f2;
	}
	/* --max: a seeded sample of max lines, kept in order. */
	for (uint64_t i = 0, left = nlines, need = max && max < nlines ? max : nlines;
	     i < nlines; i++, left--) {
		if (below(left) < need) {
			printf("%" PRIu64 " %s\n", id++, lines[i].text);
			need--;
		}
		free(lines[i].text);
	}
	fprintf(stderr, "lw-replay: %" PRIu64 " entries, %" PRIu64 " flushes, %" PRIu64
		" FUA; %" PRIu64 " prefix and %" PRIu64 " random crash states, %" PRIu64
		" printed\n", nents, nflush, nfua, nprefix, nrandom, id);
	free(lines);
	free(pool);
	free(keep);
}

static int64_t parse_entry(const char *s, const char *what)
{
	if (!strcmp(s, "-1"))
		return -1;
	uint64_t v = parse_u64(s, what);

	if (v > nents)
		die(1, "state: %s=%" PRIu64 " is past the log's %" PRIu64 " entries", what, v, nents);
	return (int64_t)v;
}

static void build(const char *image, uint64_t size, const char *line)
{
	char kind[16], crash[32], base[32], *keep;
	unsigned char *buf = malloc(CHUNK);
	uint64_t *order, n = 0;
	int64_t b;
	int fd;

	keep = malloc(strlen(line) + 1);
	order = malloc((strlen(line) / 2 + 1) * sizeof(*order));
	if (!buf || !keep || !order)
		die(1, "out of memory");
	if (sscanf(line, "%*u %15s crash=%31s base=%31s keep=%s", kind, crash, base, keep) != 4 ||
	    (strcmp(kind, "prefix") && strcmp(kind, "random")))
		die(1, "not a state line: '%s'", line);
	parse_entry(crash, "crash");
	b = parse_entry(base, "base");
	if (b == (int64_t)nents)
		die(1, "state: base=%" PRId64 " is not an entry", b);
	/* Everything is checked before the image is touched. */
	if (strcmp(keep, "-")) {
		for (char *tok = strtok(keep, ","); tok; tok = strtok(NULL, ",")) {
			int64_t i = parse_entry(tok, "keep");

			if (i < 0 || i == (int64_t)nents || !is_write(&ents[i]))
				die(1, "state: keep=%s is not a write entry", tok);
			order[n++] = (uint64_t)i;
		}
	}
	fd = open(image, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(1, "%s: %s", image, strerror(errno));
	if (ftruncate(fd, 0) || ftruncate(fd, (off_t)size))
		die(1, "%s: cannot size it: %s", image, strerror(errno));
	if (b >= 0)
		apply_durable(fd, b, buf);
	for (uint64_t j = 0; j < n; j++)
		apply(fd, order[j], buf);
	if (close(fd))
		die(1, "%s: %s", image, strerror(errno));
	free(order);
	free(keep);
	free(buf);
}

int main(int argc, char **argv)
{
	uint64_t upto = UINT64_MAX, k = 4, seed = 1, max = 0, size = 0;
	const char *cmd, *image = NULL, *state = NULL;
	int have_size = 0, i;

	if (argc < 3)
		usage();
	cmd = argv[1];
	logpath = argv[2];
	i = 3;
	if (!strcmp(cmd, "replay") || !strcmp(cmd, "build")) {
		if (argc < 4 || argv[3][0] == '-')
			usage();
		image = argv[3];
		i = 4;
	} else if (strcmp(cmd, "states")) {
		usage();
	}
	for (; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(o, "--upto") && !strcmp(cmd, "replay"))
			upto = parse_u64(v, o);
		else if (!strcmp(o, "--k") && !strcmp(cmd, "states"))
			k = parse_u64(v, o);
		else if (!strcmp(o, "--seed") && !strcmp(cmd, "states"))
			seed = parse_u64(v, o);
		else if (!strcmp(o, "--max") && !strcmp(cmd, "states"))
			max = parse_u64(v, o);
		else if (!strcmp(o, "--size") && !strcmp(cmd, "build"))
			size = parse_u64(v, o), have_size = 1;
		else if (!strcmp(o, "--state") && !strcmp(cmd, "build"))
			state = v;
		else
			usage();
	}
	if (!strcmp(cmd, "build") && (!have_size || !state))
		usage();
	if (size > (uint64_t)INT64_MAX)
		die(1, "--size %" PRIu64 " is too large", size);

	load();
	if (!strcmp(cmd, "states")) {
		states(k, seed, max);
	} else if (!strcmp(cmd, "build")) {
		build(image, size, state);
	} else {
		unsigned char *buf = malloc(CHUNK);
		int fd = open(image, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (!buf)
			die(1, "out of memory");
		if (fd < 0)
			die(1, "%s: %s", image, strerror(errno));
		if (upto != UINT64_MAX && upto >= nents)
			die(1, "--upto %" PRIu64 ": the log has %" PRIu64 " entries", upto, nents);
		for (uint64_t j = 0; j < nents && j <= upto; j++)
			if (is_write(&ents[j]))
				apply(fd, j, buf);
		if (fsync(fd) || close(fd))
			die(1, "%s: %s", image, strerror(errno));
		free(buf);
	}
	lw_close(&lw);
	free(ents);
	if (fflush(stdout) || ferror(stdout))
		die(1, "writing the output: %s", strerror(errno));
	return 0;
}
