// SPDX-License-Identifier: GPL-2.0
/*
 * lw-dump: list the entries of a dm-log-writes log device (or a file image
 * of one), for the VM tests.
 *
 *   lw-dump [--json] [--data] LOGDEV
 *
 * One line per entry:
 *
 *   <index> sector=<n> sectors=<n> flags=<F|F...|-> [crc32=<hex>|-] [mark=<name>]
 *
 * sector and sectors are in 512-byte sectors of the logged device, whatever
 * the log's sectorsize.  flags are FLUSH, FUA, DISCARD, MARK and META, in
 * that order, joined by '|', "-" for none; a bit the kernel does not define
 * is printed as 0x<hex>.  mark= (last, marks only) is the mark's name with
 * every byte outside '!'..'~' and every '\' written as \xHH.  --data adds
 * crc32= (before mark=): the CRC-32 (IEEE 802.3, reflected poly 0xEDB88320,
 * the zlib one) of the data the entry logged, 8 lowercase hex digits, or "-"
 * for an entry without data (discard, flush without data, mark).
 *
 * --json prints one object a line instead:
 *   {"index":0,"sector":64,"sectors":16,"flags":["FUA"],"mark":null}
 * with "mark" a string for marks (bytes below 0x20, from 0x7f, '"' and '\'
 * escaped, bytes from 0x80 as \u00HH) and, with --data, "crc32":"<hex>" or
 * null.
 *
 * Exit status: 0 the whole log was listed; 2 the log is bad or truncated
 * (wrong magic or version, impossible sectorsize, an entry or its data
 * running past the end of the device): the entries before the damage are
 * printed, then the message goes to stderr; 1 usage, open, read or output
 * errors.
 *
 * The format, and what a log read from a live or removed target lists, is
 * described at the top of lw-log.c (the reader shared with lw-replay).
 *
 * Every length read from the log is checked against the device size before
 * it is used; nothing is allocated from a length the log provides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw-log.h"

#define DATA_CHUNK (1u << 20)

static const struct {
	uint64_t bit;
	const char *name;
} flag_names[] = {
	{ LOG_FLUSH_FLAG, "FLUSH" },
	{ LOG_FUA_FLAG, "FUA" },
	{ LOG_DISCARD_FLAG, "DISCARD" },
	{ LOG_MARK_FLAG, "MARK" },
	{ LOG_METADATA_FLAG, "META" },
};
#define KNOWN_FLAGS LOG_KNOWN_FLAGS

static const char *logpath;

/* Say what is wrong on stderr, after what was listed, and exit with code. */
static _Noreturn void die(int code, const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "lw-dump: %s: %s\n", logpath, msg);
	exit(code);
}

static uint32_t crc_table[256];

static void crc32_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
		crc_table[n] = c;
	}
}

/* Running CRC-32: start with crc = 0, feed every piece, the result is final. */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void print_flags_text(uint64_t flags)
{
	const char *sep = "";

	if (!flags) {
		fputc('-', stdout);
		return;
	}
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (flags & flag_names[i].bit) {
			printf("%s%s", sep, flag_names[i].name);
			sep = "|";
		}
	}
	if (flags & ~KNOWN_FLAGS)
		printf("%s0x%" PRIx64, sep, flags & ~KNOWN_FLAGS);
}

static void print_flags_json(uint64_t flags)
{
	const char *sep = "";

	fputc('[', stdout);
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (flags & flag_names[i].bit) {
			printf("%s\"%s\"", sep, flag_names[i].name);
			sep = ",";
		}
	}
	if (flags & ~KNOWN_FLAGS)
		printf("%s\"0x%" PRIx64 "\"", sep, flags & ~KNOWN_FLAGS);
	fputc(']', stdout);
}

static void print_name_text(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '!' || s[i] > '~' || s[i] == '\\')
			printf("\\x%02x", s[i]);
		else
			fputc(s[i], stdout);
	}
}

static void print_name_json(const unsigned char *s, size_t n)
{
	fputc('"', stdout);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			printf("\\u%04x", s[i]);
		else
			fputc(s[i], stdout);
	}
	fputc('"', stdout);
}

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: lw-dump [--json] [--data] LOGDEV\n"
		"Lists the entries of a dm-log-writes log (device or image).\n"
		"  --json  one JSON object per entry instead of key=value text\n"
		"  --data  add the CRC-32 of the data each entry logged\n"
		"Exit: 0 listed, 2 bad or truncated log, 1 other errors.\n");
	exit(EXIT_FAILURE);
}

int main(int argc, char **argv)
{
	int json = 0, data = 0;
	unsigned char *chunk = NULL;
	struct lw_log lw;
	struct lw_entry e;
	enum lw_result r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--data"))
			data = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			usage();
		else if (argv[i][0] == '-' && argv[i][1])
			usage();
		else if (logpath)
			usage();
		else
			logpath = argv[i];
	}
	if (!logpath)
		usage();

	r = lw_open(&lw, logpath);
	if (r)
		die(r == LW_BAD ? 2 : EXIT_FAILURE, lw.err);
	if (data) {
		crc32_init();
		chunk = malloc(DATA_CHUNK);
		if (!chunk)
			die(EXIT_FAILURE, "out of memory");
	}

	while ((r = lw_next(&lw, &e)) == LW_OK && e.index != UINT64_MAX) {
		if (json)
			printf("{\"index\":%" PRIu64 ",\"sector\":%" PRIu64
			       ",\"sectors\":%" PRIu64 ",\"flags\":", e.index, e.sector, e.sectors);
		else
			printf("%" PRIu64 " sector=%" PRIu64 " sectors=%" PRIu64 " flags=",
			       e.index, e.sector, e.sectors);
		if (json)
			print_flags_json(e.flags);
		else
			print_flags_text(e.flags);

		if (json) {
			fputs(",\"mark\":", stdout);
			if (e.flags & LOG_MARK_FLAG)
				print_name_json(e.name, e.name_len);
			else
				fputs("null", stdout);
		}
		if (data) {
			uint32_t crc = 0;

			for (uint64_t done = 0; done < e.data_bytes;) {
				size_t n = e.data_bytes - done < DATA_CHUNK ?
					   (size_t)(e.data_bytes - done) : DATA_CHUNK;

				r = lw_read(&lw, chunk, n, e.data_off + done);
				if (r)
					die(r == LW_BAD ? 2 : EXIT_FAILURE, lw.err);
				crc = crc32_update(crc, chunk, n);
				done += n;
			}
			if (json && e.data_bytes)
				printf(",\"crc32\":\"%08" PRIx32 "\"", crc);
			else if (json)
				fputs(",\"crc32\":null", stdout);
			else if (e.data_bytes)
				printf(" crc32=%08" PRIx32, crc);
			else
				fputs(" crc32=-", stdout);
		}
		if (json) {
			fputs("}\n", stdout);
		} else {
			if (e.flags & LOG_MARK_FLAG) {
				fputs(" mark=", stdout);
				print_name_text(e.name, e.name_len);
			}
			fputc('\n', stdout);
		}
	}
	if (r)
		die(r == LW_BAD ? 2 : EXIT_FAILURE, lw.err);

	free(chunk);
	lw_close(&lw);
	if (fflush(stdout) || ferror(stdout)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "writing the output: %s", strerror(errno));
		die(EXIT_FAILURE, msg);
	}
	return 0;
}
