// SPDX-License-Identifier: GPL-2.0
// Encode/decode round trips, lengths, padding, init, blank detection,
// short buffers and capacity limits of the metadata copies.
#include "test_util.h"

#include "golden_meta.h"

#include <set>

using namespace dmrtest;

namespace {

const uint64_t kCopySector[DMR_NR_COPIES] = { 0, 1024, 2048, 4096, 8192 };

// An exactly-sized heap copy of a prefix, so ASan sees any read past it.
struct Exact {
	explicit Exact(const uint8_t *src, size_t len) : p(new uint8_t[len ? len : 1]), n(len)
	{
		if (len)
			std::memcpy(p.get(), src, len);
	}
	std::unique_ptr<uint8_t[]> p;
	size_t n;
};

// Check every raw byte of an encoded copy against the in-memory metadata,
// independently of the decoder.
void ExpectRawLayout(const uint8_t *b, const dmr_meta &m, unsigned copy)
{
	const uint32_t total = DMR_HEADER_BYTES + m.nr_extents * DMR_EXTENT_BYTES;
	EXPECT_EQ(std::memcmp(b, "DMR4", 4), 0) << "magic bytes";
	EXPECT_EQ(Le32(b + 4), dmr_crc32(b + 8, total - 8));
	EXPECT_EQ(Le32(b + 8), 4u);
	EXPECT_EQ(Le32(b + 12), 512u);
	EXPECT_EQ(Le32(b + 16), total);
	EXPECT_EQ(Le32(b + 20), copy);
	EXPECT_EQ(Le64(b + 24), kCopySector[copy]);
	EXPECT_EQ(Le64(b + 32), m.seq);
	EXPECT_EQ(Le32(b + 40), m.evac.active ? DMR_HDR_EVACUATING : 0u);
	EXPECT_EQ(Le32(b + 44), m.block_size);
	EXPECT_EQ(std::memcmp(b + 48, m.pair_uuid, 16), 0);
	EXPECT_EQ(std::memcmp(b + 64, m.main_id, 64), 0);
	EXPECT_EQ(std::memcmp(b + 128, m.spare_id, 64), 0);
	EXPECT_EQ(Le64(b + 192), m.main_sectors);
	EXPECT_EQ(Le64(b + 200), m.spare_sectors);
	EXPECT_EQ(Le64(b + 208), 9216u);
	EXPECT_EQ(Le64(b + 216), m.spare_blocks);
	EXPECT_EQ(Le64(b + 224), m.spare_used);
	EXPECT_EQ(Le32(b + 232), m.nr_extents);
	EXPECT_EQ(Le32(b + 236), 21824u);
	EXPECT_EQ(Le64(b + 240), m.health.read_errors);
	EXPECT_EQ(Le64(b + 248), m.health.write_errors);
	EXPECT_EQ(Le64(b + 256), m.health.remaps_total);
	EXPECT_EQ(Le64(b + 264), m.scan.cursor);
	EXPECT_EQ(Le64(b + 272), m.scan.passes);
	EXPECT_EQ(Le64(b + 280), m.scan.last_complete);
	EXPECT_EQ(Le64(b + 288), m.scan.warnings);
	EXPECT_EQ(Le64(b + 296), m.scan.errors);
	EXPECT_EQ(std::memcmp(b + 304, m.layers.fs_type, 16), 0);
	EXPECT_EQ(std::memcmp(b + 320, m.layers.fs_uuid, 40), 0);
	EXPECT_EQ(std::memcmp(b + 360, m.layers.fs_label, 40), 0);
	EXPECT_EQ(Le32(b + 400), m.layers.sample_crc);
	EXPECT_EQ(Le32(b + 404), m.layers.flags);
	EXPECT_EQ(Le64(b + 408), m.layers.created);
	EXPECT_EQ(Le64(b + 416), m.layers.last_assembled);
	EXPECT_EQ(Le64(b + 424), m.evac.cursor);
	EXPECT_EQ(Le64(b + 432), m.evac.dest_sectors);
	EXPECT_EQ(std::memcmp(b + 440, m.evac.uuid, 16), 0);
	EXPECT_TRUE(dmr_is_zero(b + 456, 56)) << "reserved";
	for (uint32_t i = 0; i < m.nr_extents; i++) {
		const uint8_t *d = b + 512 + 24 * (size_t)i;
		ASSERT_EQ(Le64(d), m.extents[i].lblock) << "extent " << i;
		ASSERT_EQ(Le64(d + 8), m.extents[i].sblock) << "extent " << i;
		ASSERT_EQ(Le32(d + 16), m.extents[i].len) << "extent " << i;
		ASSERT_EQ(Le32(d + 20), m.extents[i].flags) << "extent " << i;
	}
}

TEST(Format, CopySectorsMatchTheDocumentedLayout)
{
	for (unsigned c = 0; c < DMR_NR_COPIES; c++)
		EXPECT_EQ(dmr_copy_sector(c), kCopySector[c]);
	EXPECT_EQ(dmr_copy_sector(5), ~0ull);
	EXPECT_EQ(DMR_MAX_EXTENTS, 21824u);
	EXPECT_EQ(DMR_COPY_BYTES, 524288u);
	// Copies never overlap each other or the data area.
	for (unsigned c = 0; c + 1 < DMR_NR_COPIES; c++)
		EXPECT_LE(dmr_copy_sector(c) + DMR_COPY_SECTORS, dmr_copy_sector(c + 1));
	EXPECT_EQ(dmr_copy_sector(4) + DMR_COPY_SECTORS, DMR_DATA_START_SECTOR);
}

TEST(Status, EveryCodeHasADistinctMessage)
{
	std::set<std::string> seen;
	for (int s = 0; s < DMR_STATUS_COUNT; s++) {
		const char *msg = dmr_status_str((enum dmr_status)s);
		ASSERT_NE(msg, nullptr) << s;
		EXPECT_STRNE(msg, "") << s;
		EXPECT_STRNE(msg, "unknown status") << s;
		EXPECT_TRUE(seen.insert(msg).second) << "duplicate message for " << s;
	}
	EXPECT_STREQ(dmr_status_str(DMR_STATUS_COUNT), "unknown status");
	EXPECT_STREQ(dmr_status_str((enum dmr_status)-1), "unknown status");
	EXPECT_STREQ(dmr_status_str(DMR_OK), "valid");
}

TEST(IsZero, Basics)
{
	Bytes b(4096, 0);
	EXPECT_TRUE(dmr_is_zero(b.data(), b.size()));
	EXPECT_TRUE(dmr_is_zero(b.data(), 0));
	for (size_t i : { (size_t)0, (size_t)1, (size_t)2047, (size_t)4095 }) {
		b[i] = 0x80;
		EXPECT_FALSE(dmr_is_zero(b.data(), b.size())) << i;
		EXPECT_TRUE(dmr_is_zero(b.data(), i)) << i;
		b[i] = 0;
	}
}

TEST(EncodedLen, RoundsUpToWriteAlignment)
{
	EXPECT_EQ(dmr_meta_encoded_len(0), 4096u);
	EXPECT_EQ(dmr_meta_encoded_len(149), 4096u);	// 512 + 149*24 = 4088
	EXPECT_EQ(dmr_meta_encoded_len(150), 8192u);	// 4112
	EXPECT_EQ(dmr_meta_encoded_len(DMR_MAX_EXTENTS), (size_t)DMR_COPY_BYTES);
	for (uint32_t n = 0; n <= DMR_MAX_EXTENTS; n++) {
		size_t raw = 512 + 24 * (size_t)n, len = dmr_meta_encoded_len(n);
		ASSERT_EQ(len % 4096, 0u) << n;
		ASSERT_GE(len, raw) << n;
		ASSERT_LT(len - raw, 4096u) << n;
		ASSERT_LE(len, (size_t)DMR_COPY_BYTES) << n;
	}
}

class RoundTrip : public ::testing::TestWithParam<unsigned> {};

TEST_P(RoundTrip, RandomMetadata)
{
	const unsigned copy = GetParam();
	std::mt19937_64 rng(1000 + copy);
	for (int iter = 0; iter < 120; iter++) {
		uint32_t nr = iter < 4 ? (uint32_t)iter
				       : (uint32_t)Rnd(rng, 0, iter % 10 == 0 ? 3000 : 300);
		SCOPED_TRACE("iter " + std::to_string(iter) + " nr " + std::to_string(nr));
		MetaBuf in(nr);
		RandomMeta(rng, nr, in);
		// Encode into a bigger, poisoned buffer: padding must be zeroed
		// and nothing past the padded length touched.
		const size_t padded = dmr_meta_encoded_len(nr);
		const size_t total = 512 + 24 * (size_t)nr;
		Bytes buf(padded + 100, 0xA5);
		size_t out_len = 0;
		ASSERT_EQ(dmr_meta_encode(&in.m, copy, buf.data(), buf.size(), &out_len,
					  in.scratch()),
			  DMR_OK);
		ASSERT_EQ(out_len, padded);
		ASSERT_TRUE(dmr_is_zero(buf.data() + total, padded - total)) << "padding";
		for (size_t i = padded; i < buf.size(); i++)
			ASSERT_EQ(buf[i], 0xA5) << "wrote past padded length at " << i;
		ExpectRawLayout(buf.data(), in.m, copy);

		buf.resize(padded);
		MetaBuf out(DMR_MAX_EXTENTS);
		ASSERT_EQ(Decode(buf, copy, &out), DMR_OK);
		EXPECT_TRUE(MetaEq(in.m, out.m));
		MetaBuf out2(nr);	// exactly enough room is enough
		ASSERT_EQ(CheckCopy(buf, copy, &out2), DMR_OK);
		EXPECT_TRUE(MetaEq(in.m, out2.m));

		// Only the copy's own slot accepts it.
		for (unsigned other = 0; other < DMR_NR_COPIES + 2; other++)
			if (other != copy) {
				EXPECT_EQ(Decode(buf, other), DMR_E_LOCATION) << other;
			}

		// Re-encoding the decoded copy is byte-identical.
		EXPECT_EQ(Encode(out, copy), buf);
	}
}

TEST_P(RoundTrip, EmptyTableFromInit)
{
	const unsigned copy = GetParam();
	MetaBuf m(4);
	const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	ASSERT_EQ(dmr_meta_init(&m.m, 1 << 20, 1 << 20, 512, uuid), DMR_OK);
	Bytes b = Encode(m, copy);
	ASSERT_EQ(b.size(), 4096u);
	EXPECT_TRUE(dmr_is_zero(b.data() + 512, 4096 - 512));
	ExpectRawLayout(b.data(), m.m, copy);
	MetaBuf out(0);		// zero extents need zero capacity
	ASSERT_EQ(Decode(b, copy, &out), DMR_OK);
	EXPECT_TRUE(MetaEq(m.m, out.m));
}

INSTANTIATE_TEST_SUITE_P(AllCopies, RoundTrip, ::testing::Range(0u, (unsigned)DMR_NR_COPIES));

TEST(Encode, RefusesBadCopyIndexAndWritesNothing)
{
	MetaBuf m(8);
	dmr_golden_meta(&m.m);
	for (unsigned copy : { 5u, 6u, 1000u, ~0u }) {
		Bytes b(8192, 0x5A);
		size_t len = 12345;
		EXPECT_EQ(dmr_meta_encode(&m.m, copy, b.data(), b.size(), &len, m.scratch()),
			  DMR_E_INVAL);
		EXPECT_EQ(b, Bytes(8192, 0x5A));
		EXPECT_EQ(len, 12345u);
	}
}

TEST(Encode, RefusesShortBufferAndWritesNothing)
{
	MetaBuf m(8);
	dmr_golden_meta(&m.m);
	for (size_t n : { (size_t)0, (size_t)512, (size_t)704, (size_t)4095 }) {
		Bytes b(8192, 0x5A);
		size_t len = 0;
		EXPECT_EQ(dmr_meta_encode(&m.m, 0, b.data(), n, &len, m.scratch()), DMR_E_SHORT) << n;
		EXPECT_EQ(b, Bytes(8192, 0x5A)) << n;
	}
	Bytes b(4096);
	size_t len = 0;
	EXPECT_EQ(dmr_meta_encode(&m.m, 0, b.data(), b.size(), &len, m.scratch()), DMR_OK);
	EXPECT_EQ(len, 4096u);
}

TEST(Encode, RefusesInvalidMetadataAndWritesNothing)
{
	struct Case {
		const char *what;
		void (*mutate)(dmr_meta &);
		enum dmr_status expect;
	};
	const Case cases[] = {
		{ "seq 0", [](dmr_meta &m) { m.seq = 0; }, DMR_E_GEOMETRY },
		{ "block size", [](dmr_meta &m) { m.block_size = 3000; }, DMR_E_GEOMETRY },
		{ "data_start", [](dmr_meta &m) { m.data_start = 0; }, DMR_E_GEOMETRY },
		{ "spare_used", [](dmr_meta &m) { m.spare_used = m.spare_blocks + 1; }, DMR_E_GEOMETRY },
		{ "main_id", [](dmr_meta &m) { m.main_id[3] = '\n'; }, DMR_E_IDENTITY },
		{ "spare_id", [](dmr_meta &m) { std::memset(m.spare_id, 'x', DMR_ID_LEN); }, DMR_E_IDENTITY },
		{ "extent len", [](dmr_meta &m) { m.extents[0].len = 0; }, DMR_E_EXTENT },
		{ "order", [](dmr_meta &m) { std::swap(m.extents[0], m.extents[1]); }, DMR_E_ORDER },
		{ "spare overlap", [](dmr_meta &m) { m.extents[6].sblock = 1; }, DMR_E_SPARE_OVERLAP },
		{ "nr > cap", [](dmr_meta &m) { m.extent_cap = 7; }, DMR_E_CAPACITY },
	};
	for (const Case &c : cases) {
		MetaBuf m(8);
		dmr_golden_meta(&m.m);
		c.mutate(m.m);
		EXPECT_EQ(dmr_meta_validate(&m.m, m.scratch()), c.expect) << c.what;
		Bytes b(8192, 0x5A);
		size_t len = 777;
		EXPECT_EQ(dmr_meta_encode(&m.m, 1, b.data(), b.size(), &len, m.scratch()), c.expect)
			<< c.what;
		EXPECT_EQ(b, Bytes(8192, 0x5A)) << c.what;
		EXPECT_EQ(len, 777u) << c.what;
	}
}

// --- dmr_meta_init -------------------------------------------------------

TEST(Init, FillsAFreshValidEmptySet)
{
	const uint8_t uuid[16] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb };
	for (uint32_t bs = 512; bs <= 65536; bs *= 2) {
		SCOPED_TRACE(bs);
		MetaBuf m(16);
		// Dirty the struct: init must reset everything but the array.
		std::memset(&m.m, 0xFF, offsetof(dmr_meta, extents));
		dmr_extent *arr = m.m.extents;
		const uint64_t spare = DMR_DATA_START_SECTOR + 1000000 + 7;
		ASSERT_EQ(dmr_meta_init(&m.m, 123456789, spare, bs, uuid), DMR_OK);
		EXPECT_EQ(m.m.extents, arr);
		EXPECT_EQ(m.m.extent_cap, 16u);
		EXPECT_EQ(m.m.seq, 1u);
		EXPECT_EQ(std::memcmp(m.m.pair_uuid, uuid, 16), 0);
		EXPECT_TRUE(dmr_is_zero(m.m.main_id, DMR_ID_LEN));
		EXPECT_TRUE(dmr_is_zero(m.m.spare_id, DMR_ID_LEN));
		EXPECT_EQ(m.m.main_sectors, 123456789u);
		EXPECT_EQ(m.m.spare_sectors, spare);
		EXPECT_EQ(m.m.data_start, DMR_DATA_START_SECTOR);
		EXPECT_EQ(m.m.block_size, bs);
		EXPECT_EQ(m.m.spare_blocks, (1000000u + 7) / (bs / 512));
		EXPECT_EQ(m.m.spare_used, 0u);
		EXPECT_EQ(m.m.nr_extents, 0u);
		EXPECT_EQ(m.m.health.read_errors + m.m.health.write_errors +
				  m.m.health.remaps_total,
			  0u);
		EXPECT_EQ(m.m.scan.cursor + m.m.scan.passes + m.m.scan.last_complete +
				  m.m.scan.warnings + m.m.scan.errors,
			  0u);
		EXPECT_EQ(dmr_meta_main_blocks(&m.m), 123456789u / (bs / 512));
		EXPECT_EQ(dmr_meta_validate(&m.m, m.scratch()), DMR_OK);
	}
}

TEST(Init, RejectsBadBlockSizes)
{
	const uint8_t uuid[16] = {};
	for (uint32_t bs : { 0u, 1u, 256u, 511u, 513u, 1000u, 1536u, 3072u, 4095u, 4097u,
			     6144u, 65535u, 131072u, 1u << 31, ~0u }) {
		MetaBuf m(4);
		EXPECT_EQ(dmr_meta_init(&m.m, 1 << 30, 1 << 30, bs, uuid), DMR_E_GEOMETRY) << bs;
		EXPECT_EQ(m.m.extent_cap, 4u);
	}
}

TEST(Init, RejectsTooSmallDevices)
{
	const uint8_t uuid[16] = {};
	const uint64_t min_spare = DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS;	// 11264
	ASSERT_EQ(min_spare, 11264u);
	MetaBuf m(4);
	EXPECT_EQ(dmr_meta_init(&m.m, 1 << 20, min_spare - 1, 512, uuid), DMR_E_GEOMETRY);
	EXPECT_EQ(dmr_meta_init(&m.m, 1 << 20, DMR_DATA_START_SECTOR, 512, uuid), DMR_E_GEOMETRY);
	EXPECT_EQ(dmr_meta_init(&m.m, 1 << 20, 0, 512, uuid), DMR_E_GEOMETRY);
	ASSERT_EQ(dmr_meta_init(&m.m, 1 << 20, min_spare, 512, uuid), DMR_OK);
	EXPECT_EQ(m.m.spare_blocks, 2048u);
	ASSERT_EQ(dmr_meta_init(&m.m, 1 << 20, min_spare, 65536, uuid), DMR_OK);
	EXPECT_EQ(m.m.spare_blocks, 16u);
	// Main must hold at least one block.
	EXPECT_EQ(dmr_meta_init(&m.m, 0, 1 << 20, 512, uuid), DMR_E_GEOMETRY);
	EXPECT_EQ(dmr_meta_init(&m.m, 7, 1 << 20, 4096, uuid), DMR_E_GEOMETRY);
	ASSERT_EQ(dmr_meta_init(&m.m, 8, 1 << 20, 4096, uuid), DMR_OK);
	EXPECT_EQ(dmr_meta_main_blocks(&m.m), 1u);
	EXPECT_EQ(dmr_meta_validate(&m.m, m.scratch()), DMR_OK);
}

// --- blank detection ------------------------------------------------------

TEST(CheckCopy, AllZeroSlotIsBlank)
{
	Bytes zero(DMR_COPY_BYTES, 0);
	for (unsigned c = 0; c < DMR_NR_COPIES; c++) {
		EXPECT_EQ(CheckCopy(zero, c), DMR_BLANK) << c;
		EXPECT_EQ(Decode(zero, c), DMR_E_MAGIC) << "decode does not classify blank";
	}
	Bytes page(4096, 0);
	EXPECT_EQ(CheckCopy(page, 0), DMR_BLANK);
}

TEST(CheckCopy, AnyNonZeroByteInTheSlotIsNotBlank)
{
	Bytes slot(DMR_COPY_BYTES, 0);
	for (size_t off : { (size_t)0, (size_t)7, (size_t)511, (size_t)4096,
			    (size_t)DMR_COPY_BYTES - 1 }) {
		slot[off] = 1;
		EXPECT_EQ(CheckCopy(slot, 2), DMR_E_MAGIC) << off;
		slot[off] = 0;
	}
}

TEST(CheckCopy, OnlyTheSlotIsExamined)
{
	// Data past the 512 KiB slot (the next copy) does not make it non-blank.
	Bytes b(DMR_COPY_BYTES + 4096, 0);
	b[DMR_COPY_BYTES] = 0xff;
	EXPECT_EQ(CheckCopy(b, 0), DMR_BLANK);
}

TEST(CheckCopy, Ext4SuperblockIsForeignNotBlank)
{
	Bytes slot(DMR_COPY_BYTES, 0);
	uint8_t *sb = slot.data() + 1024;	// ext4: boot block zero, sb at 1 KiB
	PutLe32(sb + 0x00, 65536);		// s_inodes_count
	PutLe32(sb + 0x04, 262144);		// s_blocks_count_lo
	PutLe32(sb + 0x18, 2);			// s_log_block_size (4 KiB)
	sb[0x38] = 0x53;			// s_magic 0xEF53
	sb[0x39] = 0xEF;
	PutLe32(sb + 0x4c, 1);			// s_rev_level
	for (int i = 0; i < 16; i++)
		sb[0x68 + i] = (uint8_t)(0x11 * i + 3);	// s_uuid
	std::memcpy(sb + 0x78, "rootfs", 6);	// s_volume_name
	for (unsigned c = 0; c < DMR_NR_COPIES; c++)
		EXPECT_EQ(CheckCopy(slot, c), DMR_E_MAGIC) << c;
}

TEST(CheckCopy, RandomGarbageIsForeign)
{
	std::mt19937_64 rng(99);
	Bytes b(8192);
	for (int i = 0; i < 100; i++) {
		for (auto &x : b)
			x = (uint8_t)rng();
		if (Le32(b.data()) == DMR_MAGIC)
			continue;
		ASSERT_EQ(CheckCopy(b, (unsigned)i % 5), DMR_E_MAGIC);
	}
}

TEST(CheckCopy, ValidCopyIsDecoded)
{
	MetaBuf m(8);
	dmr_golden_meta(&m.m);
	Bytes slot(DMR_COPY_BYTES, 0);
	Bytes enc = Encode(m, 3);
	std::copy(enc.begin(), enc.end(), slot.begin());
	MetaBuf out(8);
	ASSERT_EQ(CheckCopy(slot, 3, &out), DMR_OK);
	EXPECT_TRUE(MetaEq(m.m, out.m));
	// Garbage after the copy, even past the slot, is ignored.
	Bytes big(DMR_COPY_BYTES + 8192, 0xEE);
	std::copy(enc.begin(), enc.begin() + 704, big.begin());
	ASSERT_EQ(CheckCopy(big, 3, &out), DMR_OK);
	EXPECT_TRUE(MetaEq(m.m, out.m));
}

// --- short buffers --------------------------------------------------------

TEST(ShortBuffer, EveryPrefixOfACopyIsRejected)
{
	std::mt19937_64 rng(4242);
	MetaBuf m(200);
	RandomMeta(rng, 200, m);
	Bytes enc = Encode(m, 4);
	const size_t total = 512 + 200 * 24;
	MetaBuf out(DMR_MAX_EXTENTS);
	for (size_t len = 0; len < total; len++) {
		Exact e(enc.data(), len);
		ASSERT_EQ(dmr_meta_decode(e.p.get(), len, 4, &out.m, out.scratch()), DMR_E_SHORT)
			<< len;
		enum dmr_status st = dmr_meta_check_copy(e.p.get(), len, 4, &out.m, out.scratch());
		ASSERT_NE(st, DMR_OK) << len;
		if (len > 0) {
			ASSERT_EQ(st, DMR_E_SHORT) << len;
		}
	}
	// From total_len on, the padding is not needed.
	for (size_t len = total; len <= enc.size(); len++) {
		Exact e(enc.data(), len);
		ASSERT_EQ(dmr_meta_decode(e.p.get(), len, 4, &out.m, out.scratch()), DMR_OK) << len;
	}
}

TEST(ShortBuffer, LengthFieldIsNotTrustedBeyondTheBuffer)
{
	// A header claiming a full 512 KiB copy in a 4 KiB buffer: no CRC
	// over memory that is not there.
	MetaBuf m(8);
	dmr_golden_meta(&m.m);
	Bytes enc = Encode(m, 0);
	PutLe32(enc.data() + 232, DMR_MAX_EXTENTS);
	PutLe32(enc.data() + 16, DMR_COPY_BYTES);
	MetaBuf out(DMR_MAX_EXTENTS);
	for (size_t len : { (size_t)512, (size_t)704, (size_t)1000, (size_t)4096 }) {
		Exact e(enc.data(), len);
		ASSERT_EQ(dmr_meta_decode(e.p.get(), e.n, 0, &out.m, out.scratch()), DMR_E_SHORT)
			<< len;
	}
}

// --- capacity -------------------------------------------------------------

// A valid table of n single-block extents of all three kinds.
void FillMany(MetaBuf &m, uint32_t n)
{
	const uint8_t uuid[16] = { 9 };
	ASSERT_EQ(dmr_meta_init(&m.m, 4ull * n * 8 + 64, DMR_DATA_START_SECTOR + 32ull * n + 4096,
				4096, uuid),
		  DMR_OK);
	uint64_t sp = 0;
	for (uint32_t i = 0; i < n; i++) {
		dmr_extent &e = m.ext(i);
		e.lblock = 3ull * i;
		e.len = 1 + (i % 2);
		e.flags = (i % 3 == 0) ? 0 : (i % 3 == 1) ? DMR_EXT_UNREADABLE : DMR_EXT_PENDING;
		e.sblock = e.flags & DMR_EXT_PENDING ? 0 : sp;
		if (!(e.flags & DMR_EXT_PENDING))
			sp += e.len + 1;	// spare gaps: never mergeable
	}
	m.m.nr_extents = n;
	m.m.spare_used = sp;
	m.m.seq = 77;
}

TEST(Capacity, MaxExtentsFitOneCopySlot)
{
	MetaBuf m(DMR_MAX_EXTENTS);
	FillMany(m, DMR_MAX_EXTENTS);
	ASSERT_EQ(dmr_meta_validate(&m.m, m.scratch()), DMR_OK);
	for (unsigned copy : { 0u, 4u }) {
		Bytes enc = Encode(m, copy);
		ASSERT_EQ(enc.size(), (size_t)DMR_COPY_BYTES);
		EXPECT_EQ(Le32(enc.data() + 16), (uint32_t)DMR_COPY_BYTES);	// no padding at all
		Exact e(enc.data(), enc.size());
		MetaBuf out(DMR_MAX_EXTENTS);
		ASSERT_EQ(dmr_meta_check_copy(e.p.get(), e.n, copy, &out.m, out.scratch()), DMR_OK);
		EXPECT_TRUE(MetaEq(m.m, out.m));
		MetaBuf small(DMR_MAX_EXTENTS - 1);
		EXPECT_EQ(dmr_meta_decode(e.p.get(), e.n, copy, &small.m, small.scratch()),
			  DMR_E_CAPACITY);
		EXPECT_EQ(dmr_meta_decode(e.p.get(), e.n - 1, copy, &out.m, out.scratch()),
			  DMR_E_SHORT);
	}
}

TEST(Capacity, OneMoreThanMaxIsRefused)
{
	MetaBuf m(DMR_MAX_EXTENTS + 1);
	FillMany(m, DMR_MAX_EXTENTS + 1);
	m.m.extent_cap = DMR_MAX_EXTENTS + 1;
	EXPECT_EQ(dmr_meta_validate(&m.m, m.scratch()), DMR_E_CAPACITY);
	Bytes b(DMR_COPY_BYTES + 4096, 0x33);
	size_t len = 0;
	EXPECT_EQ(dmr_meta_encode(&m.m, 0, b.data(), b.size(), &len, m.scratch()),
		  DMR_E_CAPACITY);
	EXPECT_EQ(b, Bytes(DMR_COPY_BYTES + 4096, 0x33));

	// A header claiming MAX+1 extents is refused before anything else.
	m.m.nr_extents = 1;
	Bytes enc = Encode(m, 0);
	enc.resize(DMR_COPY_BYTES + 4096);
	PutLe32(enc.data() + 232, DMR_MAX_EXTENTS + 1);
	PutLe32(enc.data() + 16, 512 + 24 * (DMR_MAX_EXTENTS + 1));
	EXPECT_EQ(Decode(enc, 0), DMR_E_CAPACITY);
}

TEST(Capacity, InsertIntoFullTable)
{
	MetaBuf m(DMR_MAX_EXTENTS);
	FillMany(m, DMR_MAX_EXTENTS);
	std::vector<dmr_extent> before = m.extents();
	uint32_t n = m.m.nr_extents;
	// Not mergeable with anything: needs a new entry.
	const dmr_extent lone = { 3ull * DMR_MAX_EXTENTS + 10, m.m.spare_used, 1, 0 };
	EXPECT_EQ(dmr_ext_insert(m.m.extents, &n, DMR_MAX_EXTENTS, &lone), DMR_E_NOSPC);
	EXPECT_EQ(n, (uint32_t)DMR_MAX_EXTENTS);
	EXPECT_EQ(m.extents(), before);
	const dmr_extent pend = { 3ull * DMR_MAX_EXTENTS + 20, 0, 1, DMR_EXT_PENDING };
	EXPECT_EQ(dmr_ext_insert(m.m.extents, &n, DMR_MAX_EXTENTS, &pend), DMR_E_NOSPC);
	EXPECT_EQ(m.extents(), before);
	// Extending the last extent needs no new entry, so it still fits.
	const dmr_extent &last = before.back();
	ASSERT_EQ(last.flags, DMR_EXT_UNREADABLE);
	const dmr_extent ext = { dmr_ext_end(&last), last.sblock + last.len, 1, last.flags };
	EXPECT_EQ(dmr_ext_insert(m.m.extents, &n, DMR_MAX_EXTENTS, &ext), DMR_OK);
	EXPECT_EQ(n, (uint32_t)DMR_MAX_EXTENTS);
	EXPECT_EQ(m.ext(n - 1).len, last.len + 1);
}

} // namespace

// The identification layers are carried, never judged: any bytes (a newer
// userspace's flags, unterminated or non-ASCII strings) encode and decode
// unchanged, so the kernel never refuses a device for them.
TEST(Layers, CarriedOpaque)
{
	MetaBuf m(8);
	dmr_golden_meta(&m.m);
	std::memset(m.m.layers.fs_type, 'x', DMR_FS_TYPE_LEN);
	m.m.layers.fs_uuid[0] = '\t';
	m.m.layers.fs_label[0] = (char)0xc3;
	m.m.layers.fs_label[39] = 'z';
	m.m.layers.flags = 0xffffffffu;
	m.m.layers.sample_crc = 0x12345678u;
	m.m.layers.created = 1;
	m.m.layers.last_assembled = UINT64_MAX;
	ASSERT_EQ(dmr_meta_validate(&m.m, m.scratch()), DMR_OK);
	Bytes b = Encode(m, 2);
	MetaBuf out(8);
	ASSERT_EQ(Decode(b, 2, &out), DMR_OK);
	EXPECT_TRUE(MetaEq(m.m, out.m));
	EXPECT_EQ(std::memcmp(&out.m.layers, &m.m.layers, sizeof(m.m.layers)), 0);
}
