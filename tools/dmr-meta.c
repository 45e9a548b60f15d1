// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-meta: offline inspection of the metadata on a dm-remap v4 spare.
 *
 *   dmr-meta verify <spare>   status and sequence number of each of the 5 copies
 *   dmr-meta dump <spare>     the chosen copy: header fields and every extent
 *
 * Reads a device with O_DIRECT so it sees what the kernel wrote with bios,
 * not a stale page cache (an image file through the page cache).  Never
 * writes.  Exit codes: 0 all copies valid and current, 1 usable but some
 * copies invalid or stale, 2 no valid copy, 3 usage or I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm-remap/meta.h"

struct slot {
	enum dmr_status status;
	struct dmr_meta meta;
};

static struct dmr_extent extents[DMR_NR_COPIES][DMR_MAX_EXTENTS];
static __u32 scratch[DMR_MAX_EXTENTS];

static int read_slots(const char *dev, struct slot slots[DMR_NR_COPIES])
{
	struct stat st;
	void *buf;
	int fd, i;

	/* O_DIRECT for a device; an image file holds what its page cache holds. */
	fd = open(dev, O_RDONLY);
	if (fd >= 0 && !fstat(fd, &st) && S_ISBLK(st.st_mode)) {
		close(fd);
		fd = open(dev, O_RDONLY | O_DIRECT);
	}
	if (fd < 0) {
		fprintf(stderr, "dmr-meta: cannot open %s: %s\n", dev, strerror(errno));
		return -1;
	}
	if (posix_memalign(&buf, 4096, DMR_COPY_BYTES)) {
		close(fd);
		return -1;
	}
	for (i = 0; i < DMR_NR_COPIES; i++) {
		ssize_t n = pread(fd, buf, DMR_COPY_BYTES, (off_t)dmr_copy_sector(i) * 512);

		slots[i].meta.extents = extents[i];
		slots[i].meta.extent_cap = DMR_MAX_EXTENTS;
		if (n != (ssize_t)DMR_COPY_BYTES) {
			slots[i].status = DMR_E_SHORT;
			continue;
		}
		slots[i].status = dmr_meta_check_copy(buf, DMR_COPY_BYTES, i,
						      &slots[i].meta, scratch);
	}
	free(buf);
	close(fd);
	return 0;
}

static void print_uuid(const __u8 *u)
{
	int i;

	for (i = 0; i < DMR_UUID_LEN; i++)
		printf("%02x%s", u[i], (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

static const char *ext_flags(__u32 f)
{
	if (f & DMR_EXT_PENDING)
		return "pending";
	if (f & DMR_EXT_UNREADABLE)
		return "unreadable";
	return "remapped";
}

static void dump(const struct dmr_meta *m, int copy)
{
	__u64 remapped, pending;
	__u32 i;

	dmr_ext_count(m->extents, m->nr_extents, &remapped, &pending);
	printf("copy: %d\nseq: %" PRIu64 "\npair_uuid: ", copy, (uint64_t)m->seq);
	print_uuid(m->pair_uuid);
	printf("\nmain_id: %s\nspare_id: %s\n", m->main_id, m->spare_id);
	printf("main_sectors: %" PRIu64 "\nspare_sectors: %" PRIu64 "\n",
	       (uint64_t)m->main_sectors, (uint64_t)m->spare_sectors);
	printf("block_size: %u\ndata_start: %" PRIu64 "\n", m->block_size,
	       (uint64_t)m->data_start);
	printf("spare_blocks: %" PRIu64 "\nspare_used: %" PRIu64 "\n",
	       (uint64_t)m->spare_blocks, (uint64_t)m->spare_used);
	printf("extents: %u\nmax_extents: %u\nremapped: %" PRIu64 "\npending: %" PRIu64 "\n",
	       m->nr_extents, (unsigned int)DMR_MAX_EXTENTS, (uint64_t)remapped,
	       (uint64_t)pending);
	printf("read_errors: %" PRIu64 "\nwrite_errors: %" PRIu64 "\nremaps_total: %" PRIu64 "\n",
	       (uint64_t)m->health.read_errors, (uint64_t)m->health.write_errors,
	       (uint64_t)m->health.remaps_total);
	printf("scan_cursor: %" PRIu64 "\nscan_passes: %" PRIu64 "\n",
	       (uint64_t)m->scan.cursor, (uint64_t)m->scan.passes);
	if (m->evac.active)
		printf("evacuation_cursor: %" PRIu64 "\nevacuation_new_disk_sectors: %" PRIu64 "\n",
		       (uint64_t)m->evac.cursor, (uint64_t)m->evac.dest_sectors);
	for (i = 0; i < m->nr_extents; i++) {
		const struct dmr_extent *e = &m->extents[i];

		if (e->flags & DMR_EXT_PENDING)
			printf("lblock=%" PRIu64 " len=%u sblock=- flags=%s\n",
			       (uint64_t)e->lblock, e->len, ext_flags(e->flags));
		else
			printf("lblock=%" PRIu64 " len=%u sblock=%" PRIu64 " flags=%s\n",
			       (uint64_t)e->lblock, e->len, (uint64_t)e->sblock,
			       ext_flags(e->flags));
	}
}

int main(int argc, char **argv)
{
	static struct slot slots[DMR_NR_COPIES];
	struct dmr_copy_state st[DMR_NR_COPIES];
	unsigned int repair;
	int i, best;

	if (argc != 3 || (strcmp(argv[1], "verify") && strcmp(argv[1], "dump"))) {
		fprintf(stderr, "usage: dmr-meta verify|dump <spare-device-or-file>\n");
		return 3;
	}
	if (read_slots(argv[2], slots))
		return 3;
	for (i = 0; i < DMR_NR_COPIES; i++) {
		st[i].status = slots[i].status;
		st[i].seq = slots[i].status == DMR_OK ? slots[i].meta.seq : 0;
	}
	best = dmr_meta_choose(st);
	repair = dmr_meta_repair_mask(st, best);

	if (!strcmp(argv[1], "verify")) {
		for (i = 0; i < DMR_NR_COPIES; i++) {
			printf("copy %d sector %" PRIu64 ": ", i, (uint64_t)dmr_copy_sector(i));
			if (st[i].status == DMR_OK)
				printf("valid seq=%" PRIu64 "%s\n", (uint64_t)st[i].seq,
				       (repair & (1u << i)) ? " (stale)" : "");
			else
				printf("invalid: %s\n", dmr_status_str(st[i].status));
		}
	} else if (best >= 0) {
		dump(&slots[best].meta, best);
	}
	if (best < 0) {
		fprintf(stderr, "dmr-meta: %s: no valid dm-remap v4 metadata copy\n", argv[2]);
		return 2;
	}
	return repair ? 1 : 0;
}
