// SPDX-License-Identifier: GPL-2.0
/*
 * The committed golden image pins the on-disk format: it must decode to the
 * expected fields, and today's encoder must reproduce it byte for byte.
 * Regenerate it only on purpose (cmake --build BUILD --target regen_golden).
 */
#include "test_util.h"

#include <fstream>
#include <iterator>

#include "golden_meta.h"

#ifndef DMR_TEST_DATA_DIR
#error "DMR_TEST_DATA_DIR must point at tests/data"
#endif

using namespace dmrtest;

namespace {

Bytes ReadGolden()
{
	const std::string path = std::string(DMR_TEST_DATA_DIR) + "/" + DMR_GOLDEN_FILE;
	std::ifstream f(path, std::ios::binary);
	EXPECT_TRUE(f.good()) << "cannot open " << path;
	return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

TEST(Golden, FileHasTheExpectedSizeAndFraming)
{
	const Bytes g = ReadGolden();
	ASSERT_EQ(g.size(), 4096u);
	// Layout pinned independently of the decoder (all little-endian).
	EXPECT_EQ(HexDump(g.data(), 56),
		  "44 4d 52 34 " + HexDump(g.data() + 4, 4) +	// "DMR4", crc
			  " 04 00 00 00 00 02 00 00\n"		// version 4, header 512
			  "c0 02 00 00 01 00 00 00"			// total 704, copy 1
			  " 00 04 00 00 00 00 00 00\n"		// copy sector 1024
			  "2a 00 00 00 00 00 00 00"			// seq 42
			  " 00 00 00 00 00 10 00 00\n"		// flags 0, block 4096
			  "3d 5a 11 c2 8e 47 4f 0b");			// pair uuid
	EXPECT_EQ(Le32(g.data() + 4), dmr_crc32(g.data() + 8, 704 - 8));
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(g.data() + 64)),
		  "wwn-0x5000c500a1b2c3d4");
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(g.data() + 128)),
		  "nvme-eui.0025388b91c2d3e4");
	EXPECT_EQ(Le32(g.data() + 232), 8u);
	EXPECT_EQ(Le32(g.data() + 236), 21824u);
	// Third extent, at 512 + 2 * 24: lblock 5000, sblock 0, len 3, PENDING.
	EXPECT_EQ(HexDump(g.data() + 560, 24),
		  "88 13 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		  "03 00 00 00 01 00 00 00");
	EXPECT_TRUE(dmr_is_zero(g.data() + 704, 4096 - 704));
}

TEST(Golden, DecodesToTheExpectedFields)
{
	const Bytes g = ReadGolden();
	MetaBuf m(16);
	ASSERT_EQ(Decode(g, DMR_GOLDEN_COPY, &m), DMR_OK);
	const uint8_t uuid[16] = { 0x3d, 0x5a, 0x11, 0xc2, 0x8e, 0x47, 0x4f, 0x0b,
				   0x9a, 0x61, 0xd4, 0x2e, 0x70, 0xf3, 0x05, 0xb8 };
	EXPECT_EQ(m.m.seq, 42u);
	EXPECT_EQ(std::memcmp(m.m.pair_uuid, uuid, 16), 0);
	EXPECT_STREQ(m.m.main_id, "wwn-0x5000c500a1b2c3d4");
	EXPECT_STREQ(m.m.spare_id, "nvme-eui.0025388b91c2d3e4");
	EXPECT_EQ(m.m.block_size, 4096u);
	EXPECT_EQ(m.m.main_sectors, 2097152u);
	EXPECT_EQ(m.m.spare_sectors, 140288u);
	EXPECT_EQ(m.m.data_start, 9216u);
	EXPECT_EQ(m.m.spare_blocks, 16384u);
	EXPECT_EQ(m.m.spare_used, 40u);
	EXPECT_EQ(m.m.health.read_errors, 17u);
	EXPECT_EQ(m.m.health.write_errors, 3u);
	EXPECT_EQ(m.m.health.remaps_total, 29u);
	EXPECT_EQ(m.m.scan.cursor, 131072u);
	EXPECT_EQ(m.m.scan.passes, 2u);
	EXPECT_EQ(m.m.scan.last_complete, 1700000000u);
	EXPECT_EQ(m.m.scan.warnings, 5u);
	EXPECT_EQ(m.m.scan.errors, 4u);
	EXPECT_EQ(dmr_meta_main_blocks(&m.m), 262144u);
	const std::vector<dmr_extent> want = {
		{ 100, 0, 1, 0 },
		{ 2048, 1, 8, 0 },
		{ 5000, 0, 3, DMR_EXT_PENDING },
		{ 7000, 20, 4, DMR_EXT_UNREADABLE },
		{ 7004, 9, 2, 0 },
		{ 100000, 0, 1, DMR_EXT_PENDING },
		{ 200000, 30, 10, 0 },
		{ 262143, 11, 1, DMR_EXT_UNREADABLE },
	};
	EXPECT_EQ(m.extents(), want);
	__u64 remapped = 0, pending = 0;
	dmr_ext_count(m.m.extents, m.m.nr_extents, &remapped, &pending);
	EXPECT_EQ(remapped, 26u);
	EXPECT_EQ(pending, 4u);
}

TEST(Golden, OnlyValidAsCopyOne)
{
	const Bytes g = ReadGolden();
	for (unsigned c = 0; c < DMR_NR_COPIES; c++)
		EXPECT_EQ(Decode(g, c), c == DMR_GOLDEN_COPY ? DMR_OK : DMR_E_LOCATION) << c;
}

TEST(Golden, EncoderReproducesItByteForByte)
{
	const Bytes g = ReadGolden();
	MetaBuf m(DMR_GOLDEN_NR_EXTENTS);
	dmr_golden_meta(&m.m);
	const Bytes enc = Encode(m, DMR_GOLDEN_COPY);
	ASSERT_EQ(enc.size(), g.size());
	for (size_t i = 0; i < g.size(); i++)
		ASSERT_EQ(enc[i], g[i]) << "first difference at byte " << i;
}

TEST(Golden, DecodeEncodeIsIdentity)
{
	const Bytes g = ReadGolden();
	MetaBuf m(DMR_GOLDEN_NR_EXTENTS);
	ASSERT_EQ(Decode(g, DMR_GOLDEN_COPY, &m), DMR_OK);
	EXPECT_EQ(Encode(m, DMR_GOLDEN_COPY), g);
	MetaBuf fixture(DMR_GOLDEN_NR_EXTENTS);
	dmr_golden_meta(&fixture.m);
	EXPECT_TRUE(MetaEq(m.m, fixture.m));
}

} // namespace
