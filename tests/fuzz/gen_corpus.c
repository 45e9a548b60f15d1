// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus DIR: write the seed corpus of fuzz_meta (small valid copies and
 * five-copy sets in the fuzzer's slice format).  Deterministic; run through
 * `tests/fuzz/run.sh --regen-corpus`, then commit tests/fuzz/corpus/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-remap/meta.h"

#define MAX_EXT 256

static struct dmr_extent ext[MAX_EXT];
static __u32 scratch[MAX_EXT];
static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s\n", what);
	exit(1);
}

static void write_file(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f))
		die(path);
	printf("%s: %zu bytes\n", path, len);
}

/* A metadata set with nr extents cycling through the three kinds. */
static void make_meta(struct dmr_meta *m, __u32 bs, __u32 nr, __u64 seq)
{
	const __u8 uuid[DMR_UUID_LEN] = { 0xf0, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	__u64 sp = 0;
	__u32 i;

	m->extents = ext;
	m->extent_cap = MAX_EXT;
	if (dmr_meta_init(m, 1ull << 24, 1ull << 20, bs, uuid) != DMR_OK)
		die("init");
	m->seq = seq;
	strcpy(m->main_id, "wwn-0x5000000000000001");
	strcpy(m->spare_id, "nvme-spare");
	for (i = 0; i < nr; i++) {
		struct dmr_extent *e = &ext[i];

		e->lblock = 100ull * i + (i % 7);
		e->len = 1 + i % 5;
		e->flags = i % 3 == 1 ? DMR_EXT_PENDING : i % 3 == 2 ? DMR_EXT_UNREADABLE : 0;
		e->sblock = e->flags & DMR_EXT_PENDING ? 0 : sp;
		if (!(e->flags & DMR_EXT_PENDING))
			sp += e->len;
	}
	m->nr_extents = nr;
	m->spare_used = sp + 3;
	m->health.read_errors = nr;
	m->health.remaps_total = sp;
	m->scan.cursor = 1000;
	m->scan.passes = 1;
}

static size_t encode(const struct dmr_meta *m, unsigned int copy, unsigned char *buf, size_t len)
{
	size_t out = 0;

	if (dmr_meta_encode(m, copy, buf, len, &out, scratch) != DMR_OK)
		die("encode");
	return out;
}

int main(int argc, char **argv)
{
	static unsigned char buf[DMR_COPY_BYTES], set[10 + 5 * 8192];
	struct dmr_meta m;
	size_t len, off;
	unsigned int c;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	make_meta(&m, 512, 0, 1);
	write_file("copy0-empty.bin", buf, encode(&m, 0, buf, sizeof(buf)));
	make_meta(&m, 4096, 12, 9);
	write_file("copy2-mixed.bin", buf, encode(&m, 2, buf, sizeof(buf)));
	make_meta(&m, 512, 5, 3);
	write_file("copy3-bs512.bin", buf, encode(&m, 3, buf, sizeof(buf)));
	make_meta(&m, 4096, 200, 1234);
	write_file("copy4-200ext.bin", buf, encode(&m, 4, buf, sizeof(buf)));

	/* Five copies, 0-1 at seq 8 (13 extents), 2-4 still at seq 7. */
	for (int damaged = 0; damaged < 2; damaged++) {
		memset(set, 0, sizeof(set));
		off = 10;
		for (c = 0; c < DMR_NR_COPIES; c++) {
			make_meta(&m, 4096, c < 2 ? 13 : 12, c < 2 ? 8 : 7);
			len = encode(&m, c, set + off, sizeof(set) - off);
			if (damaged && c == 0)
				set[off + 600] ^= 1;			/* bad CRC */
			if (damaged && c == 3)
				memset(set + off, 0, len);		/* blank */
			if (damaged && c == 4)
				len = 700;				/* short */
			set[2 * c] = (unsigned char)len;
			set[2 * c + 1] = (unsigned char)(len >> 8);
			off += len;
		}
		write_file(damaged ? "five-copies-damaged.bin" : "five-copies.bin", set, off);
	}
	return 0;
}
