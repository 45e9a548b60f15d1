// SPDX-License-Identifier: GPL-2.0
/*
 * mkremaps: format a blank spare with a synthetic remap table, for
 * benchmarks (creating 100,000 remaps one `dmsetup message remap` at a time
 * takes hours under TCG).
 *
 *   mkremaps [--len L] [--spacing S] [--start B0] [--block-size B] SPARE MAIN_SECTORS NBLOCKS
 *
 * Writes metadata for a main device of MAIN_SECTORS sectors in which NBLOCKS
 * blocks (a multiple of L, default 8) are remapped, as NBLOCKS/L extents of
 * L blocks; extent i covers main blocks [B0 + i*L*S, B0 + i*L*S + L) (S
 * default 100, B0 default 0, so the remapped blocks are 1/S of the NBLOCKS*S
 * blocks from B0) and spare blocks [i*L, i*L + L).  With L=8 and 512-byte blocks, 4 KiB-aligned 4 KiB
 * I/O to the first NBLOCKS*S blocks hits a remapped block 1/S of the time.
 *
 * It uses the shared format code (dmr_meta_init, dmr_ext_insert,
 * dmr_meta_encode: the same C the kernel module compiles), writes all 5
 * copies with O_DIRECT and reads them back through dmr_meta_decode.  The
 * module validates and loads them at activation like any other metadata.
 * The spare's metadata region (its first 9216 sectors) must be all zeros:
 * mkremaps refuses to overwrite anything.  The data area is not written, so
 * the remapped blocks read whatever the spare holds (zeros on a fresh one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm-remap/meta.h"

static struct dmr_extent extents[DMR_MAX_EXTENTS];
static struct dmr_extent check_ext[DMR_MAX_EXTENTS];
static __u32 scratch[DMR_MAX_EXTENTS];

static int usage(void)
{
	fprintf(stderr, "usage: mkremaps [--len L] [--spacing S] [--start B0] [--block-size B] "
			"SPARE MAIN_SECTORS NBLOCKS\n");
	return 2;
}

static int parse(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end;
}

int main(int argc, char **argv)
{
	unsigned long long len = 8, spacing = 100, start = 0, bs = 512, main_sectors, nblocks, i, nr_ext;
	unsigned long long spare_bytes = 0;
	__u8 uuid[DMR_UUID_LEN];
	struct dmr_meta m = { .extents = extents, .extent_cap = DMR_MAX_EXTENTS };
	struct dmr_meta back = { .extents = check_ext, .extent_cap = DMR_MAX_EXTENTS };
	enum dmr_status st;
	struct stat sb;
	void *buf;
	int fd, a = 1;
	unsigned int c;

	while (a + 1 < argc && argv[a][0] == '-' && argv[a][1] == '-') {
		unsigned long long *v = !strcmp(argv[a], "--len") ? &len :
					!strcmp(argv[a], "--spacing") ? &spacing :
					!strcmp(argv[a], "--start") ? &start :
					!strcmp(argv[a], "--block-size") ? &bs : NULL;

		if (!v || parse(argv[a + 1], v))
			return usage();
		a += 2;
	}
	if (argc - a != 3 || parse(argv[a + 1], &main_sectors) || parse(argv[a + 2], &nblocks))
		return usage();
	if (!len || !spacing || nblocks % len || (bs != 512 && bs != 4096)) {
		fprintf(stderr, "mkremaps: NBLOCKS must be a multiple of --len; block size 512 or 4096\n");
		return 2;
	}
	nr_ext = nblocks / len;
	if (nr_ext > DMR_MAX_EXTENTS) {
		fprintf(stderr, "mkremaps: %llu extents, the format holds %u\n", nr_ext,
			(unsigned int)DMR_MAX_EXTENTS);
		return 2;
	}
	if (nr_ext && (start + (nr_ext - 1) * len * spacing + len) * (bs / 512) > main_sectors) {
		fprintf(stderr, "mkremaps: the extents do not fit a main device of %llu sectors\n",
			main_sectors);
		return 2;
	}

	fd = open(argv[a], O_RDWR | O_DIRECT);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "mkremaps: %s: %s\n", argv[a], strerror(errno));
		return 1;
	}
	if (S_ISBLK(sb.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &spare_bytes)) {
			perror("mkremaps: BLKGETSIZE64");
			return 1;
		}
	} else {
		spare_bytes = (unsigned long long)sb.st_size;
	}
	if (posix_memalign(&buf, 4096, DMR_COPY_BYTES))
		return 1;
	/* Refuse a spare whose metadata region holds anything. */
	for (i = 0; i < DMR_DATA_START_SECTOR; i += DMR_COPY_SECTORS) {
		if (pread(fd, buf, DMR_COPY_BYTES, (off_t)(i * 512)) != (ssize_t)DMR_COPY_BYTES) {
			fprintf(stderr, "mkremaps: cannot read %s\n", argv[a]);
			return 1;
		}
		if (!dmr_is_zero(buf, DMR_COPY_BYTES)) {
			fprintf(stderr, "mkremaps: %s is not blank (sector %llu); refusing\n",
				argv[a], i);
			return 1;
		}
	}

	{
		int ufd = open("/dev/urandom", O_RDONLY);

		if (ufd < 0 || read(ufd, uuid, sizeof(uuid)) != (ssize_t)sizeof(uuid)) {
			perror("mkremaps: /dev/urandom");
			return 1;
		}
		close(ufd);
		uuid[6] = (uuid[6] & 0x0f) | 0x40;
		uuid[8] = (uuid[8] & 0x3f) | 0x80;
	}
	st = dmr_meta_init(&m, main_sectors, spare_bytes / 512, (__u32)bs, uuid);
	if (st != DMR_OK) {
		fprintf(stderr, "mkremaps: geometry: %s\n", dmr_status_str(st));
		return 1;
	}
	if (nblocks > m.spare_blocks) {
		fprintf(stderr, "mkremaps: %llu blocks do not fit the spare's %llu\n", nblocks,
			(unsigned long long)m.spare_blocks);
		return 1;
	}
	for (i = 0; i < nr_ext; i++) {
		struct dmr_extent add = { .lblock = start + i * len * spacing, .sblock = i * len,
					  .len = (__u32)len };

		st = dmr_ext_insert(m.extents, &m.nr_extents, m.extent_cap, &add);
		if (st != DMR_OK) {
			fprintf(stderr, "mkremaps: extent %llu: %s\n", i, dmr_status_str(st));
			return 1;
		}
	}
	if (m.nr_extents != nr_ext) {
		fprintf(stderr, "mkremaps: extents merged (%u for %llu): use --spacing > 1\n",
			m.nr_extents, nr_ext);
		return 1;
	}
	m.spare_used = nblocks;
	m.health.remaps_total = nblocks;

	for (c = 0; c < DMR_NR_COPIES; c++) {
		size_t n;

		memset(buf, 0, DMR_COPY_BYTES);
		st = dmr_meta_encode(&m, c, buf, DMR_COPY_BYTES, &n, scratch);
		if (st != DMR_OK) {
			fprintf(stderr, "mkremaps: encode: %s\n", dmr_status_str(st));
			return 1;
		}
		if (pwrite(fd, buf, n, (off_t)(dmr_copy_sector(c) * 512)) != (ssize_t)n) {
			fprintf(stderr, "mkremaps: writing copy %u: %s\n", c, strerror(errno));
			return 1;
		}
	}
	if (fsync(fd)) {
		perror("mkremaps: fsync");
		return 1;
	}
	for (c = 0; c < DMR_NR_COPIES; c++) {
		if (pread(fd, buf, DMR_COPY_BYTES, (off_t)(dmr_copy_sector(c) * 512)) !=
		    (ssize_t)DMR_COPY_BYTES ||
		    (st = dmr_meta_decode(buf, DMR_COPY_BYTES, c, &back, scratch)) != DMR_OK ||
		    back.nr_extents != m.nr_extents) {
			fprintf(stderr, "mkremaps: copy %u does not read back: %s\n", c,
				dmr_status_str(st));
			return 1;
		}
	}
	printf("mkremaps: %s: %llu blocks remapped in %u extents of %llu from block %llu, "
	       "spacing %llu, main %llu sectors, block %llu B\n", argv[a], nblocks, m.nr_extents,
	       len, start, spacing, main_sectors, bs);
	free(buf);
	close(fd);
	return 0;
}
