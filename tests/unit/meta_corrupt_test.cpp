// SPDX-License-Identifier: GPL-2.0
// Every way a copy can be damaged must be rejected, with the right status.
#include "test_util.h"

#include "golden_meta.h"

using namespace dmrtest;

namespace {

// The golden metadata set (8 extents of every kind), encoded as `copy`.
Bytes GoldenCopy(unsigned copy)
{
	MetaBuf m(DMR_GOLDEN_NR_EXTENTS);
	dmr_golden_meta(&m.m);
	return Encode(m, copy);
}

// What decode must report after XOR-ing one byte at `off` with `mask`: the
// checks in front of the checksum see their own fields, the CRC the rest.
enum dmr_status ExpectedAfterFlip(const Bytes &orig, size_t off, uint8_t mask)
{
	Bytes b(orig);
	b[off] ^= mask;
	const uint32_t total = Le32(orig.data() + 16);
	if (off >= total)
		return DMR_OK;				// padding: not covered
	if (off < 4)
		return DMR_E_MAGIC;
	if (off >= 8 && off < 12)
		return DMR_E_VERSION;
	if (off >= 12 && off < 16)
		return DMR_E_HEADER_SIZE;
	if (off >= 232 && off < 236)			// nr_extents
		return Le32(b.data() + 232) > DMR_MAX_EXTENTS ? DMR_E_CAPACITY : DMR_E_LENGTH;
	if (off >= 16 && off < 20)			// total_len
		return DMR_E_LENGTH;
	return DMR_E_CRC;
}

void FlipAndCheck(const Bytes &orig, unsigned copy, const std::vector<size_t> &offsets)
{
	MetaBuf out(DMR_MAX_EXTENTS);
	Bytes b(orig);
	for (size_t off : offsets) {
		for (uint8_t mask : { (uint8_t)0x01, (uint8_t)0x80, (uint8_t)0xFF, (uint8_t)0x5A }) {
			b[off] ^= mask;
			enum dmr_status st = dmr_meta_decode(b.data(), b.size(), copy,
							     &out.m, out.scratch());
			enum dmr_status want = ExpectedAfterFlip(orig, off, mask);
			b[off] ^= mask;
			ASSERT_EQ(st, want) << "offset " << off << " mask " << (int)mask;
		}
	}
	ASSERT_EQ(b, orig);
}

TEST(ByteFlip, EveryByteOfASmallCopy)
{
	for (unsigned copy = 0; copy < DMR_NR_COPIES; copy++) {
		Bytes orig = GoldenCopy(copy);
		std::vector<size_t> offs;
		for (size_t i = 0; i < orig.size(); i++)	// header, extents, padding
			offs.push_back(i);
		FlipAndCheck(orig, copy, offs);
	}
}

TEST(ByteFlip, WholeHeaderAndSampledExtentsOfALargeCopy)
{
	std::mt19937_64 rng(31337);
	MetaBuf m(1200);
	RandomMeta(rng, 1200, m);
	Bytes orig = Encode(m, 4);
	const size_t total = 512 + 1200 * 24;
	std::vector<size_t> offs;
	for (size_t i = 0; i < 512 + 48; i++)		// header + first two extents
		offs.push_back(i);
	for (size_t i = 560; i < total - 48; i += 53)	// a sample in the middle
		offs.push_back(i);
	for (size_t i = total - 48; i < total + 16; i++)	// last two extents + padding
		offs.push_back(i);
	FlipAndCheck(orig, 4, offs);
}

// --- semantic corruption behind a recomputed CRC -------------------------

struct Mutation {
	const char *name;
	void (*apply)(Bytes &b);
	enum dmr_status expect;
};

void PrintTo(const Mutation &m, std::ostream *os) { *os << m.name; }

#define HDR(b) Hdr(b)
#define LE32(v) dmr_cpu_to_le32(v)
#define LE64(v) dmr_cpu_to_le64(v)

// Golden extents (index: lblock, sblock, len, flags), main 262144 blocks,
// spare_used 40, spare_blocks 16384:
//  0: 100 0 1 -   1: 2048 1 8 -   2: 5000 0 3 P   3: 7000 20 4 U
//  4: 7004 9 2 -  5: 100000 0 1 P 6: 200000 30 10 - 7: 262143 11 1 U
const Mutation kMutations[] = {
	// Signature and framing.
	{ "MagicNextVersion", [](Bytes &b) { HDR(b)->magic = LE32(0x34524d45); }, DMR_E_MAGIC },
	{ "MagicZero", [](Bytes &b) { HDR(b)->magic = 0; }, DMR_E_MAGIC },
	{ "MagicByteSwapped", [](Bytes &b) { HDR(b)->magic = LE32(0x444d5234); }, DMR_E_MAGIC },
	{ "Version3", [](Bytes &b) { HDR(b)->version = LE32(3); }, DMR_E_VERSION },
	{ "Version5", [](Bytes &b) { HDR(b)->version = LE32(5); }, DMR_E_VERSION },
	{ "VersionBigEndian", [](Bytes &b) { HDR(b)->version = LE32(0x04000000); }, DMR_E_VERSION },
	{ "HeaderSize0", [](Bytes &b) { HDR(b)->header_size = 0; }, DMR_E_HEADER_SIZE },
	{ "HeaderSize511", [](Bytes &b) { HDR(b)->header_size = LE32(511); }, DMR_E_HEADER_SIZE },
	{ "HeaderSize4096", [](Bytes &b) { HDR(b)->header_size = LE32(4096); }, DMR_E_HEADER_SIZE },
	{ "TotalLenPlusExtent", [](Bytes &b) { HDR(b)->total_len = LE32(704 + 24); }, DMR_E_LENGTH },
	{ "TotalLenMinusOne", [](Bytes &b) { HDR(b)->total_len = LE32(703); }, DMR_E_LENGTH },
	{ "TotalLenHeaderOnly", [](Bytes &b) { HDR(b)->total_len = LE32(512); }, DMR_E_LENGTH },
	{ "TotalLenHuge", [](Bytes &b) { HDR(b)->total_len = LE32(0xFFFFFFFF); }, DMR_E_LENGTH },
	{ "NrExtentsMaxPlusOne", [](Bytes &b) { HDR(b)->nr_extents = LE32(DMR_MAX_EXTENTS + 1); },
	  DMR_E_CAPACITY },
	{ "NrExtentsAllOnes", [](Bytes &b) { HDR(b)->nr_extents = LE32(0xFFFFFFFF); }, DMR_E_CAPACITY },
	{ "NrExtentsPlusOneOnly", [](Bytes &b) { HDR(b)->nr_extents = LE32(9); }, DMR_E_LENGTH },
	{ "NrAndLenPlusOne",	// the extra extent is read from zero padding
	  [](Bytes &b) {
		  HDR(b)->nr_extents = LE32(9);
		  HDR(b)->total_len = LE32(728);
	  },
	  DMR_E_EXTENT },
	{ "MaxExtentsMinusOne", [](Bytes &b) { HDR(b)->max_extents = LE32(DMR_MAX_EXTENTS - 1); },
	  DMR_E_CAPACITY },
	{ "MaxExtentsPlusOne", [](Bytes &b) { HDR(b)->max_extents = LE32(DMR_MAX_EXTENTS + 1); },
	  DMR_E_CAPACITY },
	{ "MaxExtentsZero", [](Bytes &b) { HDR(b)->max_extents = 0; }, DMR_E_CAPACITY },

	// Self-location (decoded as copy 2).
	{ "CopyIndexOnly", [](Bytes &b) { HDR(b)->copy_index = LE32(3); }, DMR_E_LOCATION },
	{ "CopyIndexHuge", [](Bytes &b) { HDR(b)->copy_index = LE32(0xFFFFFFFF); }, DMR_E_LOCATION },
	{ "CopySectorOnly", [](Bytes &b) { HDR(b)->copy_sector = LE64(4096); }, DMR_E_LOCATION },
	{ "CopySectorOffByOne", [](Bytes &b) { HDR(b)->copy_sector = LE64(2049); }, DMR_E_LOCATION },
	{ "CopyIndexAndSectorOfCopy3",
	  [](Bytes &b) {
		  HDR(b)->copy_index = LE32(3);
		  HDR(b)->copy_sector = LE64(4096);
	  },
	  DMR_E_LOCATION },

	// Flags and reserved.
	{ "HeaderFlagsBit1", [](Bytes &b) { HDR(b)->flags = LE32(2); }, DMR_E_FLAGS },
	// DMR_HDR_EVACUATING without an evacuation (no uuid), and the reverse.
	{ "EvacFlagNoUuid", [](Bytes &b) { HDR(b)->flags = LE32(DMR_HDR_EVACUATING); }, DMR_E_GEOMETRY },
	{ "EvacCursorNoFlag", [](Bytes &b) { HDR(b)->evac.cursor = LE64(1); }, DMR_E_GEOMETRY },
	{ "EvacUuidNoFlag", [](Bytes &b) { HDR(b)->evac.uuid[15] = 1; }, DMR_E_GEOMETRY },
	{ "EvacCursorPastMain",
	  [](Bytes &b) {
		  HDR(b)->flags = LE32(DMR_HDR_EVACUATING);
		  HDR(b)->evac.uuid[0] = 1;
		  HDR(b)->evac.dest_sectors = HDR(b)->main_sectors;
		  HDR(b)->evac.cursor = LE64(262145);
	  },
	  DMR_E_GEOMETRY },
	{ "EvacNoDestSize",
	  [](Bytes &b) {
		  HDR(b)->flags = LE32(DMR_HDR_EVACUATING);
		  HDR(b)->evac.uuid[0] = 1;
	  },
	  DMR_E_GEOMETRY },
	{ "HeaderFlagsBit31", [](Bytes &b) { HDR(b)->flags = LE32(0x80000000u); }, DMR_E_FLAGS },
	{ "ReservedFirstByte", [](Bytes &b) { HDR(b)->reserved[0] = 1; }, DMR_E_RESERVED },
	{ "ReservedLastByte", [](Bytes &b) { HDR(b)->reserved[55] = 0x80; }, DMR_E_RESERVED },

	// Identity strings.
	{ "MainIdControlChar", [](Bytes &b) { HDR(b)->main_id[2] = '\t'; }, DMR_E_IDENTITY },
	{ "MainIdDel", [](Bytes &b) { HDR(b)->main_id[0] = 0x7f; }, DMR_E_IDENTITY },
	{ "MainIdHighBit", [](Bytes &b) { HDR(b)->main_id[5] = (char)0xe9; }, DMR_E_IDENTITY },
	{ "MainIdUnterminated",
	  [](Bytes &b) { std::memset(HDR(b)->main_id, 'A', DMR_ID_LEN); }, DMR_E_IDENTITY },
	{ "MainIdGarbageAfterNul", [](Bytes &b) { HDR(b)->main_id[40] = 'x'; }, DMR_E_IDENTITY },
	{ "MainIdLastByte", [](Bytes &b) { HDR(b)->main_id[63] = 'z'; }, DMR_E_IDENTITY },
	{ "SpareIdControlChar", [](Bytes &b) { HDR(b)->spare_id[0] = 0x01; }, DMR_E_IDENTITY },
	{ "SpareIdUnterminated",
	  [](Bytes &b) { std::memset(HDR(b)->spare_id, '~', DMR_ID_LEN); }, DMR_E_IDENTITY },
	{ "SpareIdGarbageAfterNul", [](Bytes &b) { HDR(b)->spare_id[63] = ' '; }, DMR_E_IDENTITY },
	{ "MainId63PrintableIsValid",
	  [](Bytes &b) {
		  std::memset(HDR(b)->main_id, ' ', DMR_ID_LEN - 1);
		  HDR(b)->main_id[63] = 0;
	  },
	  DMR_OK },
	{ "EmptyIdsAreValid",
	  [](Bytes &b) {
		  std::memset(HDR(b)->main_id, 0, DMR_ID_LEN);
		  std::memset(HDR(b)->spare_id, 0, DMR_ID_LEN);
	  },
	  DMR_OK },

	// Geometry.
	{ "SeqZero", [](Bytes &b) { HDR(b)->seq = 0; }, DMR_E_GEOMETRY },
	{ "BlockSize0", [](Bytes &b) { HDR(b)->block_size = 0; }, DMR_E_GEOMETRY },
	{ "BlockSize256", [](Bytes &b) { HDR(b)->block_size = LE32(256); }, DMR_E_GEOMETRY },
	{ "BlockSize4095", [](Bytes &b) { HDR(b)->block_size = LE32(4095); }, DMR_E_GEOMETRY },
	{ "BlockSize6144", [](Bytes &b) { HDR(b)->block_size = LE32(6144); }, DMR_E_GEOMETRY },
	{ "BlockSize128K", [](Bytes &b) { HDR(b)->block_size = LE32(131072); }, DMR_E_GEOMETRY },
	{ "BlockSize2G", [](Bytes &b) { HDR(b)->block_size = LE32(0x80000000u); }, DMR_E_GEOMETRY },
	{ "BlockSize8KSpareBlocksStale", [](Bytes &b) { HDR(b)->block_size = LE32(8192); },
	  DMR_E_GEOMETRY },
	{ "BlockSize512Consistent",	// a different but self-consistent geometry
	  [](Bytes &b) {
		  HDR(b)->block_size = LE32(512);
		  HDR(b)->spare_blocks = LE64(16384 * 8);
	  },
	  DMR_OK },
	{ "SpareBlocksMinusOne", [](Bytes &b) { HDR(b)->spare_blocks = LE64(16383); }, DMR_E_GEOMETRY },
	{ "SpareBlocksPlusOne", [](Bytes &b) { HDR(b)->spare_blocks = LE64(16385); }, DMR_E_GEOMETRY },
	{ "SpareBlocksZero", [](Bytes &b) { HDR(b)->spare_blocks = 0; }, DMR_E_GEOMETRY },
	{ "SpareSectorsPlusBlock",
	  [](Bytes &b) { HDR(b)->spare_sectors = LE64(9216 + 16385 * 8); }, DMR_E_GEOMETRY },
	{ "SpareSectorsPartialBlockIsValid",
	  [](Bytes &b) { HDR(b)->spare_sectors = LE64(9216 + 16384 * 8 + 7); }, DMR_OK },
	{ "SpareSectorsTooSmall",
	  [](Bytes &b) {
		  HDR(b)->spare_sectors = LE64(11263);
		  HDR(b)->spare_blocks = LE64((11263 - 9216) / 8);
		  HDR(b)->spare_used = 0;
	  },
	  DMR_E_GEOMETRY },
	{ "SpareSectorsZero", [](Bytes &b) { HDR(b)->spare_sectors = 0; }, DMR_E_GEOMETRY },
	{ "SpareUsedAboveSpareBlocks", [](Bytes &b) { HDR(b)->spare_used = LE64(16385); },
	  DMR_E_GEOMETRY },
	{ "SpareUsedAllIsValid", [](Bytes &b) { HDR(b)->spare_used = LE64(16384); }, DMR_OK },
	{ "DataStart0", [](Bytes &b) { HDR(b)->data_start = 0; }, DMR_E_GEOMETRY },
	{ "DataStart9215", [](Bytes &b) { HDR(b)->data_start = LE64(9215); }, DMR_E_GEOMETRY },
	{ "DataStart9217", [](Bytes &b) { HDR(b)->data_start = LE64(9217); }, DMR_E_GEOMETRY },
	{ "DataStart10240", [](Bytes &b) { HDR(b)->data_start = LE64(10240); }, DMR_E_GEOMETRY },
	{ "MainSectorsZero", [](Bytes &b) { HDR(b)->main_sectors = 0; }, DMR_E_GEOMETRY },
	{ "MainSectorsBelowOneBlock", [](Bytes &b) { HDR(b)->main_sectors = LE64(7); },
	  DMR_E_GEOMETRY },
	{ "MainShrunkUnderLastExtent",
	  [](Bytes &b) { HDR(b)->main_sectors = LE64(2097152 - 8); }, DMR_E_EXTENT },
	{ "ScanCursorBeyondMain", [](Bytes &b) { HDR(b)->scan.cursor = LE64(262145); },
	  DMR_E_GEOMETRY },
	{ "ScanCursorAtEndIsValid", [](Bytes &b) { HDR(b)->scan.cursor = LE64(262144); }, DMR_OK },

	// Extents.
	{ "ExtentLenZero", [](Bytes &b) { DiskExt(b, 0)->len = 0; }, DMR_E_EXTENT },
	{ "ExtentPastMainEnd", [](Bytes &b) { DiskExt(b, 7)->len = LE32(2); }, DMR_E_EXTENT },
	{ "ExtentStartsAtMainEnd", [](Bytes &b) { DiskExt(b, 7)->lblock = LE64(262144); },
	  DMR_E_EXTENT },
	{ "ExtentLblockWraps",
	  [](Bytes &b) { DiskExt(b, 6)->lblock = LE64(0xFFFFFFFFFFFFFFFBull); }, DMR_E_EXTENT },
	{ "ExtentPastSpareUsed", [](Bytes &b) { DiskExt(b, 6)->sblock = LE64(31); }, DMR_E_EXTENT },
	{ "ExtentSpareUsedShrunk", [](Bytes &b) { HDR(b)->spare_used = LE64(39); }, DMR_E_EXTENT },
	{ "ExtentSblockWraps",
	  [](Bytes &b) { DiskExt(b, 6)->sblock = LE64(0xFFFFFFFFFFFFFFF8ull); }, DMR_E_EXTENT },
	{ "ExtentUnsorted", [](Bytes &b) { DiskExt(b, 1)->lblock = LE64(50); }, DMR_E_ORDER },
	{ "ExtentSwapped",
	  [](Bytes &b) { std::swap(*DiskExt(b, 5), *DiskExt(b, 6)); }, DMR_E_ORDER },
	{ "ExtentOverlapsPrevious", [](Bytes &b) { DiskExt(b, 4)->lblock = LE64(7003); },
	  DMR_E_ORDER },
	{ "ExtentOverlapsStartOfNext", [](Bytes &b) { DiskExt(b, 1)->lblock = LE64(96); },
	  DMR_E_ORDER },
	{ "ExtentDuplicateLblock", [](Bytes &b) { DiskExt(b, 1)->lblock = LE64(100); },
	  DMR_E_ORDER },
	{ "SpareSharedExactly", [](Bytes &b) { DiskExt(b, 7)->sblock = 0; }, DMR_E_SPARE_OVERLAP },
	{ "SpareSharedPartly", [](Bytes &b) { DiskExt(b, 4)->sblock = LE64(19); },
	  DMR_E_SPARE_OVERLAP },
	{ "SpareSharedInside", [](Bytes &b) { DiskExt(b, 6)->sblock = LE64(5); },
	  DMR_E_SPARE_OVERLAP },
	{ "SpareAdjacentIsValid", [](Bytes &b) { DiskExt(b, 4)->sblock = LE64(24); }, DMR_OK },
	{ "PendingWithSblock", [](Bytes &b) { DiskExt(b, 2)->sblock = LE64(12); }, DMR_E_EXTENT },
	{ "PendingAndUnreadable",
	  [](Bytes &b) { DiskExt(b, 2)->flags = LE32(DMR_EXT_PENDING | DMR_EXT_UNREADABLE); },
	  DMR_E_EXTENT },
	{ "ExtentFlag4", [](Bytes &b) { DiskExt(b, 0)->flags = LE32(4); }, DMR_E_EXTENT },
	{ "ExtentFlagBit31", [](Bytes &b) { DiskExt(b, 0)->flags = LE32(0x80000000u); },
	  DMR_E_EXTENT },
	{ "ExtentUnreadablePlusUnknown",
	  [](Bytes &b) { DiskExt(b, 3)->flags = LE32(DMR_EXT_UNREADABLE | 8); }, DMR_E_EXTENT },
};

class Semantic : public ::testing::TestWithParam<Mutation> {};

TEST_P(Semantic, RejectedBehindValidCrc)
{
	const Mutation &mu = GetParam();
	Bytes b = GoldenCopy(2);
	mu.apply(b);
	Bytes unsealed(b);
	Reseal(b);
	MetaBuf out(DMR_MAX_EXTENTS);
	EXPECT_EQ(Decode(b, 2, &out), mu.expect);
	EXPECT_EQ(CheckCopy(b, 2), mu.expect);
	// Without the recomputed CRC the same damage is caught as well.
	if (mu.expect != DMR_OK) {
		EXPECT_NE(Decode(unsealed, 2), DMR_OK);
	}
}

INSTANTIATE_TEST_SUITE_P(Field, Semantic, ::testing::ValuesIn(kMutations),
			 [](const ::testing::TestParamInfo<Mutation> &i) {
				 return std::string(i.param.name);
			 });

TEST(Semantic, EveryHeaderFlagBit)
{
	for (int bit = 1; bit < 32; bit++) {	/* bit 0: DMR_HDR_EVACUATING */
		Bytes b = GoldenCopy(1);
		HDR(b)->flags = LE32(1u << bit);
		Reseal(b);
		EXPECT_EQ(Decode(b, 1), DMR_E_FLAGS) << bit;
	}
}

TEST(Semantic, EveryReservedByte)
{
	for (size_t i = 0; i < sizeof(dmr_disk_header::reserved); i++) {
		Bytes b = GoldenCopy(0);
		HDR(b)->reserved[i] = (uint8_t)(1u << (i % 8));
		Reseal(b);
		EXPECT_EQ(Decode(b, 0), DMR_E_RESERVED) << i;
	}
}

TEST(Semantic, EveryNonPrintableIdentityByte)
{
	for (int c = 1; c < 256; c++) {
		const bool printable = c >= 0x20 && c <= 0x7e;
		for (int field = 0; field < 2; field++) {
			Bytes b = GoldenCopy(3);
			char *id = field ? HDR(b)->spare_id : HDR(b)->main_id;
			id[4] = (char)c;
			Reseal(b);
			EXPECT_EQ(Decode(b, 3), printable ? DMR_OK : DMR_E_IDENTITY)
				<< "char " << c << " field " << field;
		}
	}
}

TEST(Semantic, UnknownExtentFlagBits)
{
	for (int bit = 2; bit < 32; bit++)
		for (uint32_t i = 0; i < DMR_GOLDEN_NR_EXTENTS; i++) {
			Bytes b = GoldenCopy(4);
			DiskExt(b, i)->flags |= LE32(1u << bit);
			Reseal(b);
			EXPECT_EQ(Decode(b, 4), DMR_E_EXTENT) << "bit " << bit << " extent " << i;
		}
}

TEST(Semantic, DecodeIntoTooSmallTable)
{
	Bytes b = GoldenCopy(2);
	MetaBuf seven(DMR_GOLDEN_NR_EXTENTS - 1);
	EXPECT_EQ(Decode(b, 2, &seven), DMR_E_CAPACITY);
	MetaBuf eight(DMR_GOLDEN_NR_EXTENTS);
	EXPECT_EQ(Decode(b, 2, &eight), DMR_OK);
}

TEST(Location, CopyBytesPresentedAsAnotherCopy)
{
	for (unsigned from = 0; from < DMR_NR_COPIES; from++) {
		Bytes b = GoldenCopy(from);
		for (unsigned as = 0; as < DMR_NR_COPIES + 3; as++)
			EXPECT_EQ(Decode(b, as), as == from ? DMR_OK : DMR_E_LOCATION)
				<< "copy " << from << " read as " << as;
	}
}

TEST(Location, RewrittenSelfLocationMakesAnotherValidCopy)
{
	// Both fields must agree with the slot, and then nothing else differs:
	// copy 2 relabelled as copy 3 is byte-identical to an encoded copy 3.
	Bytes b = GoldenCopy(2);
	HDR(b)->copy_index = LE32(3);
	HDR(b)->copy_sector = LE64(4096);
	Reseal(b);
	EXPECT_EQ(Decode(b, 3), DMR_OK);
	EXPECT_EQ(Decode(b, 2), DMR_E_LOCATION);
	EXPECT_EQ(b, GoldenCopy(3));
}

TEST(Length, ConsistentlyDroppedLastExtentNeedsTheCrc)
{
	// Dropping the last extent and fixing nr/total is semantically valid;
	// only the checksum tells it apart from a real 7-extent copy.
	Bytes b = GoldenCopy(2);
	HDR(b)->nr_extents = LE32(7);
	HDR(b)->total_len = LE32(512 + 7 * 24);
	EXPECT_EQ(Decode(b, 2), DMR_E_CRC);
	Reseal(b);
	MetaBuf out(8);
	ASSERT_EQ(Decode(b, 2, &out), DMR_OK);
	EXPECT_EQ(out.m.nr_extents, 7u);
}

// --- torn writes ----------------------------------------------------------

// Metadata at seq N and N+1 as the kernel would commit them: N+1 moves every
// spare block (so every non-pending extent differs) and may add extents.
void TornPair(uint32_t nr_old, uint32_t nr_new, Bytes &old_copy, Bytes &new_copy)
{
	std::mt19937_64 rng(nr_old * 1000 + nr_new);
	MetaBuf a(nr_new);
	RandomMeta(rng, nr_old, a);
	a.m.seq = 1000;
	MetaBuf b(a);
	b.m.seq = a.m.seq + 1;
	b.m.health.read_errors++;
	const uint64_t shift = 100;
	for (uint32_t i = 0; i < nr_old; i++)
		if (!(b.ext(i).flags & DMR_EXT_PENDING))
			b.ext(i).sblock += shift;
	b.m.spare_used += shift;
	for (uint32_t i = nr_old; i < nr_new; i++) {
		uint64_t start = (i ? dmr_ext_end(&b.ext(i - 1)) : 0) + 5;
		b.ext(i) = dmr_extent{ start, b.m.spare_used, 1, 0 };
		b.m.spare_used++;
	}
	b.m.nr_extents = nr_new;
	const uint64_t bss = b.m.block_size / 512;
	const uint64_t need = nr_new ? dmr_ext_end(&b.ext(nr_new - 1)) : 1;
	if (dmr_meta_main_blocks(&b.m) < need)
		b.m.main_sectors = need * bss;
	if (b.m.spare_blocks < b.m.spare_used) {
		b.m.spare_blocks = b.m.spare_used;
		b.m.spare_sectors = DMR_DATA_START_SECTOR + b.m.spare_blocks * bss;
	}
	ASSERT_EQ(dmr_meta_validate(&b.m, b.scratch()), DMR_OK);
	old_copy = Encode(a, 1);
	new_copy = Encode(b, 1);
}

void CheckTorn(uint32_t nr_old, uint32_t nr_new)
{
	Bytes o, n;
	TornPair(nr_old, nr_new, o, n);
	ASSERT_FALSE(o.empty());
	ASSERT_FALSE(n.empty());
	ASSERT_EQ(Decode(o, 1), DMR_OK);
	ASSERT_EQ(Decode(n, 1), DMR_OK);
	const size_t size = std::max(o.size(), n.size());
	o.resize(size);
	n.resize(size);
	const size_t new_total = Le32(n.data() + 16), old_total = Le32(o.data() + 16);
	std::vector<size_t> splits;
	for (size_t s = 512; s < size; s += 512)	// every sector boundary
		splits.push_back(s);
	splits.push_back(new_total / 2);		// "the first half"
	splits.push_back(old_total / 2);
	splits.push_back(8);				// even only the CRC torn off
	int tested = 0;
	for (size_t s : splits) {
		for (int dir = 0; dir < 2; dir++) {
			const Bytes &head = dir ? o : n, &tail = dir ? n : o;
			Bytes t(head.begin(), head.begin() + (long)s);
			t.insert(t.end(), tail.begin() + (long)s, tail.end());
			const size_t claimed = std::min<size_t>(Le32(t.data() + 16), size);
			// Torn bytes identical to a real copy (split inside the
			// shared zero padding) are not torn at all.
			if (std::memcmp(t.data(), head.data(), claimed) == 0 &&
			    claimed == Le32(head.data() + 16))
				continue;
			tested++;
			EXPECT_NE(Decode(t, 1), DMR_OK)
				<< "split " << s << (dir ? " old head" : " new head");
			if (s >= 20) {	// header framing intact: the CRC catches it
				EXPECT_EQ(Decode(t, 1), DMR_E_CRC) << "split " << s;
			}
		}
	}
	EXPECT_GT(tested, 2);
}

TEST(Torn, SameExtentCount) { CheckTorn(200, 200); }
TEST(Torn, MoreExtents) { CheckTorn(150, 400); }
TEST(Torn, MoreExtentsCrossingPage) { CheckTorn(140, 160); }
TEST(Torn, FewExtents) { CheckTorn(3, 3); }
TEST(Torn, EmptyToOne) { CheckTorn(0, 1); }

} // namespace
