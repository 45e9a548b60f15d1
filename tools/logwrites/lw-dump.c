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
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LW_MAGIC UINT64_C(0x6a736677736872)
#define LW_VERSION UINT64_C(1)
#define LW_SUPER_BYTES 28u	/* 3 x le64 + le32 */
#define LW_ENTRY_BYTES 32u	/* 4 x le64 */
#define LW_MIN_SECTORSIZE 512u
#define LW_MAX_SECTORSIZE 65536u

#define LOG_FLUSH_FLAG (UINT64_C(1) << 0)
#define LOG_FUA_FLAG (UINT64_C(1) << 1)
#define LOG_DISCARD_FLAG (UINT64_C(1) << 2)
#define LOG_MARK_FLAG (UINT64_C(1) << 3)
#define LOG_METADATA_FLAG (UINT64_C(1) << 4)

#define EXIT_BAD_LOG 2
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
#define KNOWN_FLAGS (LOG_FLUSH_FLAG | LOG_FUA_FLAG | LOG_DISCARD_FLAG | \
		     LOG_MARK_FLAG | LOG_METADATA_FLAG)

static const char *logpath;

/* Say what is wrong on stderr, after what was listed, and exit with code. */
static _Noreturn void vdie(int code, const char *what, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "lw-dump: %s: %s", logpath, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	exit(code);
}

/* A bad or truncated log. */
static _Noreturn void bad_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(EXIT_BAD_LOG, "bad log: ", fmt, ap);
}

/* Anything else (open, read, output). */
static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(EXIT_FAILURE, "", fmt, ap);
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

/*
 * Reads exactly n bytes at off.  The caller has checked that they lie inside
 * the device, so end of file here means the device shrank under us.
 */
static void read_exact(int fd, void *buf, size_t n, uint64_t off)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("read at byte %" PRIu64 ": %s", off, strerror(errno));
		if (r == 0)
			bad_log("unexpected end of the device at byte %" PRIu64, off);
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
}

static uint64_t device_bytes(int fd)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st) < 0)
		fail("stat: %s", strerror(errno));
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (!S_ISBLK(st.st_mode))
		fail("not a block device or a regular file");
	/* The size of a block device, without <linux/fs.h>'s BLKGETSIZE64. */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		fail("cannot find the size of the device: %s", strerror(errno));
	return (uint64_t)end;
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
	int json = 0, data = 0, fd;
	unsigned char super[LW_SUPER_BYTES];
	unsigned char *block, *chunk = NULL;
	uint64_t size, magic, version, nr_entries, off;
	uint32_t sectorsize, factor;

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

	fd = open(logpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("%s", strerror(errno));
	size = device_bytes(fd);

	/* The superblock. */
	if (size < LW_SUPER_BYTES)
		bad_log("%" PRIu64 " bytes, too small for the %u-byte superblock",
			size, LW_SUPER_BYTES);
	read_exact(fd, super, sizeof(super), 0);
	magic = le64(super);
	version = le64(super + 8);
	nr_entries = le64(super + 16);
	sectorsize = le32(super + 24);
	if (magic != LW_MAGIC)
		bad_log("superblock magic 0x%" PRIx64 ", expected 0x%" PRIx64 ": not a dm-log-writes log",
			magic, LW_MAGIC);
	if (version != LW_VERSION)
		bad_log("superblock version %" PRIu64 ", only version %" PRIu64 " is known",
			version, LW_VERSION);
	if (sectorsize < LW_MIN_SECTORSIZE || sectorsize > LW_MAX_SECTORSIZE ||
	    (sectorsize & (sectorsize - 1)))
		bad_log("superblock sectorsize %" PRIu32 " is not a power of two in [%u, %u]",
			sectorsize, LW_MIN_SECTORSIZE, LW_MAX_SECTORSIZE);
	if (size < sectorsize)
		bad_log("%" PRIu64 " bytes, shorter than its %" PRIu32 "-byte superblock",
			size, sectorsize);
	factor = sectorsize / 512;

	block = malloc(sectorsize);
	if (data) {
		crc32_init();
		chunk = malloc(DATA_CHUNK);
	}
	if (!block || (data && !chunk))
		fail("out of memory");

	/* The entries, back to back after the superblock's block. */
	off = sectorsize;
	for (uint64_t i = 0; i < nr_entries; i++) {
		uint64_t sector, nr_sectors, flags, data_len, data_blocks, data_bytes;
		uint64_t room;

		/* off <= size holds on entry: checked when it was advanced. */
		if (size - off < sectorsize)
			bad_log("entry %" PRIu64 " of %" PRIu64 " at byte %" PRIu64
				": the log ends inside its header (%" PRIu64 " bytes)",
				i, nr_entries, off, size);
		read_exact(fd, block, sectorsize, off);
		sector = le64(block);
		nr_sectors = le64(block + 8);
		flags = le64(block + 16);
		data_len = le64(block + 24);

		if (sector > UINT64_MAX / factor || nr_sectors > UINT64_MAX / factor ||
		    sector * factor > UINT64_MAX - nr_sectors * factor)
			bad_log("entry %" PRIu64 " at byte %" PRIu64 ": sector %" PRIu64
				" + %" PRIu64 " (of %" PRIu32 " bytes) overflows",
				i, off, sector, nr_sectors, sectorsize);
		if ((flags & LOG_MARK_FLAG) && data_len > sectorsize - LW_ENTRY_BYTES)
			bad_log("entry %" PRIu64 " at byte %" PRIu64 ": mark name of %" PRIu64
				" bytes does not fit in its %" PRIu32 "-byte block",
				i, off, data_len, sectorsize);

		off += sectorsize;
		data_blocks = (flags & LOG_DISCARD_FLAG) ? 0 : nr_sectors;
		room = (size - off) / sectorsize;
		if (data_blocks > room)
			bad_log("entry %" PRIu64 " at byte %" PRIu64 ": %" PRIu64
				" data blocks run past the end of the log (%" PRIu64
				" blocks of %" PRIu32 " bytes left)",
				i, off - sectorsize, data_blocks, room, sectorsize);
		data_bytes = data_blocks * sectorsize;

		if (json)
			printf("{\"index\":%" PRIu64 ",\"sector\":%" PRIu64
			       ",\"sectors\":%" PRIu64 ",\"flags\":",
			       i, sector * factor, nr_sectors * factor);
		else
			printf("%" PRIu64 " sector=%" PRIu64 " sectors=%" PRIu64 " flags=",
			       i, sector * factor, nr_sectors * factor);
		if (json)
			print_flags_json(flags);
		else
			print_flags_text(flags);

		if (json) {
			fputs(",\"mark\":", stdout);
			if (flags & LOG_MARK_FLAG)
				print_name_json(block + LW_ENTRY_BYTES, (size_t)data_len);
			else
				fputs("null", stdout);
		}
		if (data) {
			uint32_t crc = 0;

			for (uint64_t done = 0; done < data_bytes;) {
				size_t n = data_bytes - done < DATA_CHUNK ?
					   (size_t)(data_bytes - done) : DATA_CHUNK;

				read_exact(fd, chunk, n, off + done);
				crc = crc32_update(crc, chunk, n);
				done += n;
			}
			if (json && data_bytes)
				printf(",\"crc32\":\"%08" PRIx32 "\"", crc);
			else if (json)
				fputs(",\"crc32\":null", stdout);
			else if (data_bytes)
				printf(" crc32=%08" PRIx32, crc);
			else
				fputs(" crc32=-", stdout);
		}
		if (json) {
			fputs("}\n", stdout);
		} else {
			if (flags & LOG_MARK_FLAG) {
				fputs(" mark=", stdout);
				print_name_text(block + LW_ENTRY_BYTES, (size_t)data_len);
			}
			fputc('\n', stdout);
		}
		off += data_bytes;
	}

	free(chunk);
	free(block);
	close(fd);
	if (fflush(stdout) || ferror(stdout))
		fail("writing the output: %s", strerror(errno));
	return 0;
}
