// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the dm-remap v4 metadata decoder and chooser.
 * Built and run by tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 *
 * 1. The whole input is one copy slot: dmr_meta_check_copy() for every copy
 *    index must agree with dmr_meta_decode(), and every accepted copy must
 *    re-encode to the very same bytes, decode again to the same metadata,
 *    and be refused (DMR_E_LOCATION) for any other slot.
 *    The same again with the CRC field recomputed, so that random changes
 *    reach the semantic checks behind the checksum.
 * 2. The input split into five slices (the first 10 bytes give their
 *    lengths): each slice is copy i, and dmr_meta_choose() /
 *    dmr_meta_repair_mask() must match their definitions.
 *
 * Every buffer handed to the library is an exactly sized heap copy, so ASan
 * catches any read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-remap/crc32.h"
#include "dm-remap/extsum.h"
#include "dm-remap/meta.h"

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
			abort();                                                 \
		}                                                                \
	} while (0)

static struct dmr_extent ext_a[DMR_MAX_EXTENTS], ext_b[DMR_MAX_EXTENTS];
static __u32 scratch[DMR_MAX_EXTENTS];
static unsigned char enc[DMR_COPY_BYTES];
static __u64 sum[DMR_SUM_WORDS];

static void meta_reset(struct dmr_meta *m, struct dmr_extent *e)
{
	memset(m, 0, sizeof(*m));
	m->extents = e;
	m->extent_cap = DMR_MAX_EXTENTS;
}

static int meta_equal(const struct dmr_meta *a, const struct dmr_meta *b)
{
	return a->seq == b->seq &&
	       !memcmp(a->pair_uuid, b->pair_uuid, DMR_UUID_LEN) &&
	       !memcmp(a->main_id, b->main_id, DMR_ID_LEN) &&
	       !memcmp(a->spare_id, b->spare_id, DMR_ID_LEN) &&
	       a->main_sectors == b->main_sectors &&
	       a->spare_sectors == b->spare_sectors &&
	       a->data_start == b->data_start &&
	       a->spare_blocks == b->spare_blocks &&
	       a->spare_used == b->spare_used &&
	       a->block_size == b->block_size &&
	       a->nr_extents == b->nr_extents &&
	       !memcmp(&a->health, &b->health, sizeof(a->health)) &&
	       !memcmp(&a->scan, &b->scan, sizeof(a->scan)) &&
	       !memcmp(a->extents, b->extents, (size_t)a->nr_extents * sizeof(*a->extents));
}

static unsigned char *dup_exact(const uint8_t *p, size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	CHECK(b);
	if (len)
		memcpy(b, p, len);
	return b;
}

/* Store a valid CRC for whatever total_len the header claims (if it fits). */
static int reseal(unsigned char *buf, size_t len)
{
	__u32 total, crc;

	if (len < DMR_HEADER_BYTES)
		return 0;
	total = (__u32)buf[16] | (__u32)buf[17] << 8 | (__u32)buf[18] << 16 |
		(__u32)buf[19] << 24;
	if (total < 8 || total > len)
		return 0;
	crc = dmr_crc32(buf + 8, total - 8);
	buf[4] = (unsigned char)crc;
	buf[5] = (unsigned char)(crc >> 8);
	buf[6] = (unsigned char)(crc >> 16);
	buf[7] = (unsigned char)(crc >> 24);
	return 1;
}

static __u64 le64(const unsigned char *p)
{
	__u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * The I/O path's extent summary (extsum.h) of a valid table: it never says
 * "clear" for a range an extent overlaps.  Queries: every extent, its last
 * block, and ranges taken from the input's bytes, checked by brute force.
 */
static void check_summary(const struct dmr_meta *m, const unsigned char *buf, size_t len)
{
	__u64 blocks = dmr_meta_main_blocks(m);
	__u32 shift = dmr_sum_shift(blocks), i;
	size_t q;

	CHECK(blocks == 0 || ((blocks - 1) >> shift) < DMR_SUM_BITS);
	dmr_sum_build(sum, shift, m->extents, m->nr_extents);
	for (i = 0; i < m->nr_extents; i++) {
		const struct dmr_extent *e = &m->extents[i];

		CHECK(!dmr_sum_clear(sum, shift, e->lblock, dmr_ext_end(e) - 1));
		CHECK(!dmr_sum_clear(sum, shift, dmr_ext_end(e) - 1, dmr_ext_end(e) - 1));
	}
	for (q = 0; q + 9 <= len && q < 32 * 9; q += 9) {
		__u64 first = le64(buf + q) % (blocks + 64), last = first + buf[q + 8];
		int overlap = 0;

		for (i = 0; i < m->nr_extents && !overlap; i++)
			overlap = m->extents[i].lblock <= last &&
				  first < dmr_ext_end(&m->extents[i]);
		if (dmr_sum_clear(sum, shift, first, last))
			CHECK(!overlap);
	}
}

/* Classify buf as copy `copy`; if valid, check the encoder round trip. */
static enum dmr_status check_one(const unsigned char *buf, size_t len, unsigned int copy,
				 __u64 *seq)
{
	struct dmr_meta a, b;
	enum dmr_status st, st_dec;
	size_t out_len = 0, look = len < DMR_COPY_BYTES ? len : DMR_COPY_BYTES;
	unsigned int other;
	__u32 total;

	meta_reset(&a, ext_a);
	st = dmr_meta_check_copy(buf, len, copy, &a, scratch);
	CHECK((unsigned int)st < DMR_STATUS_COUNT);
	CHECK(st != DMR_E_NOSPC && st != DMR_E_MAPPED && st != DMR_E_INVAL);
	if (look < DMR_HEADER_BYTES) {
		/* Too short to tell: never reported as blank (never formatted). */
		CHECK(st == DMR_E_SHORT);
		return st;
	}
	if (dmr_is_zero(buf, look)) {
		CHECK(st == DMR_BLANK);
		return st;
	}
	meta_reset(&b, ext_b);
	st_dec = dmr_meta_decode(buf, len, copy, &b, scratch);
	CHECK(st == st_dec);
	if (st != DMR_OK)
		return st;

	*seq = a.seq;
	CHECK(meta_equal(&a, &b));
	CHECK(dmr_meta_validate(&a, scratch) == DMR_OK);
	check_summary(&a, buf, len);
	total = DMR_HEADER_BYTES + a.nr_extents * DMR_EXTENT_BYTES;
	CHECK(total <= len);

	/* Re-encode: the covered bytes are canonical, so they must match. */
	CHECK(dmr_meta_encode(&a, copy, enc, sizeof(enc), &out_len, scratch) == DMR_OK);
	CHECK(out_len == dmr_meta_encoded_len(a.nr_extents));
	CHECK(out_len >= total && out_len % DMR_WRITE_ALIGN == 0);
	CHECK(memcmp(enc, buf, total) == 0);
	CHECK(dmr_is_zero(enc + total, out_len - total));

	meta_reset(&b, ext_b);
	CHECK(dmr_meta_decode(enc, out_len, copy, &b, scratch) == DMR_OK);
	CHECK(meta_equal(&a, &b));

	for (other = 0; other < DMR_NR_COPIES; other++)
		if (other != copy)
			CHECK(dmr_meta_decode(buf, len, other, &b, scratch) == DMR_E_LOCATION);
	return st;
}

static void check_choose(const struct dmr_copy_state st[DMR_NR_COPIES])
{
	int best = dmr_meta_choose(st), i;
	unsigned int mask = dmr_meta_repair_mask(st, best), want = 0;

	CHECK(best >= -1 && best < DMR_NR_COPIES);
	for (i = 0; i < DMR_NR_COPIES; i++) {
		if (st[i].status != DMR_OK)
			continue;
		CHECK(best >= 0);
		CHECK(st[i].seq <= st[best].seq);
		if (st[i].seq == st[best].seq)
			CHECK(best <= i);
	}
	if (best < 0) {
		CHECK(mask == 0);
		return;
	}
	CHECK(st[best].status == DMR_OK);
	for (i = 0; i < DMR_NR_COPIES; i++)
		if (st[i].status != DMR_OK || st[i].seq != st[best].seq)
			want |= 1u << i;
	CHECK(mask == want);
	CHECK(!(mask & (1u << best)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmr_copy_state st[DMR_NR_COPIES];
	unsigned char *buf;
	size_t off;
	unsigned int c, valid = 0;

	/*
	 * 1. The whole input as a slot, for every copy index (and a bad one),
	 *    as it is and with its CRC fixed up.
	 */
	buf = dup_exact(data, size);
	for (int pass = 0; pass < 2; pass++) {
		struct dmr_meta m;

		if (pass == 1 && !reseal(buf, size))
			break;
		valid = 0;
		for (c = 0; c < DMR_NR_COPIES; c++) {
			__u64 seq = 0;

			if (check_one(buf, size, c, &seq) == DMR_OK)
				valid++;
		}
		CHECK(valid <= 1);	/* self-location: at most one slot accepts it */
		meta_reset(&m, ext_a);
		CHECK(dmr_meta_decode(buf, size, DMR_NR_COPIES, &m, scratch) != DMR_OK);
	}
	free(buf);

	/* 2. Five slices, lengths from the first 10 bytes (little-endian). */
	if (size < 2 * DMR_NR_COPIES)
		return 0;
	off = 2 * DMR_NR_COPIES;
	for (c = 0; c < DMR_NR_COPIES; c++) {
		size_t want = (size_t)data[2 * c] | (size_t)data[2 * c + 1] << 8;
		size_t len = want < size - off ? want : size - off;
		__u64 seq = 0;

		buf = dup_exact(data + off, len);
		st[c].status = check_one(buf, len, c, &seq);
		/* The seq of an invalid copy is garbage: it must not matter. */
		st[c].seq = st[c].status == DMR_OK ? seq : (__u64)data[c] << 56;
		free(buf);
		off += len;
	}
	check_choose(st);
	return 0;
}
