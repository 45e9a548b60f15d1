// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-mkspare IMAGE NR_EXTENTS: write a dm-remap v4 metadata set (all five
 * copies, seq 1, NR_EXTENTS one-block remaps) into the spare image IMAGE,
 * for a main of twice its size, and print the pair UUID.  The encoding is
 * the shared format code's, the one the kernel and remapctl use, so the
 * libblkid prober check (check.sh) probes what a real spare holds.  Only
 * for image files: it writes without asking.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm-remap/meta.h"

static struct dmr_extent extents[DMR_MAX_EXTENTS];
static __u32 scratch[DMR_MAX_EXTENTS];
static unsigned char buf[DMR_COPY_BYTES];

int main(int argc, char **argv)
{
	struct dmr_meta m;
	__u8 uuid[DMR_UUID_LEN];
	struct stat st;
	unsigned long n;
	unsigned int i;
	size_t len;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: dmr-mkspare IMAGE NR_EXTENTS\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "dmr-mkspare: %s: not a writable image file\n", argv[1]);
		return 1;
	}
	if (getrandom(uuid, sizeof(uuid), 0) != (ssize_t)sizeof(uuid))
		return 1;
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	if (dmr_meta_init(&m, (__u64)st.st_size / 512 * 2, (__u64)st.st_size / 512, 512, uuid) != DMR_OK) {
		fprintf(stderr, "dmr-mkspare: %s is too small for a spare\n", argv[1]);
		return 1;
	}
	snprintf(m.main_id, sizeof(m.main_id), "image:main");
	snprintf(m.spare_id, sizeof(m.spare_id), "image:spare");
	m.extents = extents;
	m.extent_cap = DMR_MAX_EXTENTS;
	if (n > m.spare_blocks || n > DMR_MAX_EXTENTS) {
		fprintf(stderr, "dmr-mkspare: at most %llu extents fit\n",
			(unsigned long long)m.spare_blocks);
		return 1;
	}
	for (i = 0; i < n; i++) {
		/* every other main block: no two extents merge */
		extents[i] = (struct dmr_extent){ .lblock = 2 * i, .sblock = i, .len = 1 };
	}
	m.nr_extents = n;
	m.spare_used = n;
	for (i = 0; i < DMR_NR_COPIES; i++) {
		if (dmr_meta_encode(&m, i, buf, sizeof(buf), &len, scratch) != DMR_OK) {
			fprintf(stderr, "dmr-mkspare: the metadata does not encode\n");
			return 1;
		}
		if (pwrite(fd, buf, len, (off_t)(dmr_copy_sector(i) * 512)) != (ssize_t)len) {
			perror("dmr-mkspare: write");
			return 1;
		}
	}
	for (i = 0; i < DMR_UUID_LEN; i++)
		printf("%02x%s", uuid[i], (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
	printf("\n");
	return close(fd) ? 1 : 0;
}
