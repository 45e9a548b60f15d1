// Formatting, verifying and repairing a spare's metadata on a sparse image
// file, through the same code remapctl uses on block devices.
#include <gtest/gtest.h>

#include <random>

#include "remap/error.hpp"
#include "remap/spare_format.hpp"
#include "remap/spare_metadata.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

constexpr std::uintmax_t k16MiB = 16u << 20;

FormatRequest request(bool force = false)
{
	FormatRequest r;
	r.main_sectors = 65536;
	r.block_size = 512;
	r.main_id = "loop:/tmp/main.img:65536:512";
	r.spare_id = "loop:/tmp/spare.img:32768:512";
	r.uuid = random_pair_uuid();
	r.force = force;
	return r;
}

std::vector<char> random_bytes(std::size_t n, unsigned int seed)
{
	std::mt19937 gen(seed);
	std::vector<char> v(n);
	for (auto &c : v)
		c = static_cast<char>(gen());
	return v;
}

// Garbage over the first 4 KiB of a copy (its header and first extents).
void corrupt_copy(const TempFile &f, unsigned int copy, unsigned int seed = 1)
{
	f.write_at(dmr_copy_sector(copy) * 512, random_bytes(4096, seed + copy));
}

}  // namespace

TEST(SpareMetadata, BlankFileIsBlank)
{
	TempFile f(k16MiB);
	SpareScan s = scan_spare(f.path());
	EXPECT_EQ(s.verdict(), SpareVerdict::blank);
	EXPECT_EQ(s.best, -1);
	EXPECT_EQ(s.device_sectors, 32768u);
	for (const auto &c : s.copies)
		EXPECT_EQ(c.status, DMR_BLANK);
	DeviceFile d(f.path(), DeviceFile::Mode::read);
	EXPECT_FALSE(has_spare_signature(d));
}

TEST(SpareMetadata, FormatWritesFiveValidCopies)
{
	TempFile f(k16MiB);
	FormatRequest req = request();
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		DecodedMeta m = format_spare(d, req);
		EXPECT_EQ(m.pair_uuid(), format_uuid(req.uuid));
	}
	SpareScan s = scan_spare(f.path());
	ASSERT_EQ(s.verdict(), SpareVerdict::healthy);
	for (const auto &c : s.copies) {
		EXPECT_EQ(c.status, DMR_OK) << c.index;
		EXPECT_EQ(c.seq, 1u);
		EXPECT_FALSE(c.needs_repair);
	}
	ASSERT_TRUE(s.meta);
	const auto &m = s.meta->c();
	EXPECT_EQ(s.meta->main_id(), req.main_id);
	EXPECT_EQ(s.meta->spare_id(), req.spare_id);
	EXPECT_EQ(s.meta->pair_uuid(), format_uuid(req.uuid));
	EXPECT_EQ(m.seq, 1u);
	EXPECT_EQ(m.main_sectors, 65536u);
	EXPECT_EQ(m.spare_sectors, 32768u);
	EXPECT_EQ(m.block_size, 512u);
	EXPECT_EQ(m.spare_blocks, 32768u - 9216u);
	EXPECT_EQ(m.nr_extents, 0u);
	// RFC 4122 version 4, variant 10xx.
	EXPECT_EQ(m.pair_uuid[6] >> 4, 4);
	EXPECT_EQ(m.pair_uuid[8] >> 6, 2);
	DeviceFile d(f.path(), DeviceFile::Mode::read);
	EXPECT_TRUE(has_spare_signature(d));
	// The gaps between copies and the data area stay zero.
	auto bytes = f.contents();
	for (std::size_t off : {std::size_t(3072) * 512, std::size_t(5120) * 512, std::size_t(9216) * 512})
		EXPECT_EQ(bytes[off], 0) << off;
}

TEST(SpareMetadata, RandomUuidsDiffer)
{
	EXPECT_NE(random_pair_uuid(), random_pair_uuid());
}

TEST(SpareMetadata, VerifyFindsCorruptAndStaleCopiesAndRepairFixesThem)
{
	TempFile f(k16MiB);
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		format_spare(d, request());
	}
	// A newer commit (seq 2, one extent) that reached copies 0 and 2 only,
	// as after a crash between the two phases of the kernel's protocol.
	SpareScan s = scan_spare(f.path());
	DecodedMeta next = *s.meta;
	next.c().seq = 2;
	next.c().spare_used = 1;
	next.c().extents[0] = {1000, 0, 1, 0};
	next.c().nr_extents = 1;
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		write_copy(d, next, 0);
		write_copy(d, next, 2);
	}
	corrupt_copy(f, 1);
	corrupt_copy(f, 4);

	s = scan_spare(f.path());
	EXPECT_EQ(s.verdict(), SpareVerdict::repairable);
	EXPECT_EQ(s.best, 0);
	EXPECT_EQ(s.repair_mask, (1u << 1) | (1u << 3) | (1u << 4));
	EXPECT_EQ(s.copies[0].seq, 2u);
	EXPECT_EQ(s.copies[2].seq, 2u);
	EXPECT_EQ(s.copies[3].status, DMR_OK);
	EXPECT_EQ(s.copies[3].seq, 1u);
	EXPECT_TRUE(s.copies[3].needs_repair);
	EXPECT_NE(s.copies[1].status, DMR_OK);
	EXPECT_NE(s.copies[4].status, DMR_OK);
	EXPECT_FALSE(s.copies[0].needs_repair);

	std::vector<unsigned int> written;
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		written = repair_spare(d, s);
	}
	EXPECT_EQ(written, (std::vector<unsigned int>{1, 3, 4}));  // kernel order 0,2,1,3,4
	SpareScan after = scan_spare(f.path());
	EXPECT_EQ(after.verdict(), SpareVerdict::healthy);
	for (const auto &c : after.copies)
		EXPECT_EQ(c.seq, 2u) << c.index;
	ASSERT_EQ(after.meta->c().nr_extents, 1u);
	EXPECT_EQ(after.meta->c().extents[0].lblock, 1000u);
}

TEST(SpareMetadata, EverySubsetOfOneToFourCorruptCopiesIsRepaired)
{
	for (unsigned int mask = 1; mask < 31; mask++) {
		TempFile f(k16MiB);
		{
			DeviceFile d(f.path(), DeviceFile::Mode::write);
			format_spare(d, request());
		}
		for (unsigned int c = 0; c < 5; c++)
			if (mask & (1u << c))
				corrupt_copy(f, c, mask);
		SpareScan s = scan_spare(f.path());
		ASSERT_EQ(s.verdict(), SpareVerdict::repairable) << mask;
		EXPECT_EQ(s.repair_mask, mask);
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		repair_spare(d, s);
		EXPECT_EQ(scan_spare(d).verdict(), SpareVerdict::healthy) << mask;
	}
}

TEST(SpareMetadata, AllCopiesCorruptIsCorruptAndNotRepairable)
{
	TempFile f(k16MiB);
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		format_spare(d, request());
	}
	// Keep the signatures, break the checksums (sector 1 holds extent space).
	for (unsigned int c = 0; c < 5; c++)
		f.write_at(dmr_copy_sector(c) * 512 + 100, random_bytes(16, c));
	SpareScan s = scan_spare(f.path());
	EXPECT_EQ(s.verdict(), SpareVerdict::corrupt);
	auto before = f.contents();
	DeviceFile d(f.path(), DeviceFile::Mode::write);
	EXPECT_THROW(repair_spare(d, s), Error);
	EXPECT_EQ(f.contents(), before);
}

TEST(SpareMetadata, ForeignDataIsRefusedAndLeftByteIdentical)
{
	TempFile f(k16MiB);
	f.write_at(1024, random_bytes(8192, 42));  // e.g. a file system superblock
	auto before = f.contents();
	EXPECT_EQ(scan_spare(f.path()).verdict(), SpareVerdict::foreign);
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		try {
			format_spare(d, request(false));
			FAIL() << "foreign data was formatted";
		} catch (const RefusedError &e) {
			EXPECT_NE(std::string(e.what()).find("foreign data"), std::string::npos) << e.what();
			EXPECT_NE(std::string(e.what()).find("--force-format"), std::string::npos);
		}
	}
	EXPECT_EQ(f.contents(), before);

	// Data only in the gaps between copies also counts as foreign.
	TempFile g(k16MiB);
	g.write_at(3500 * 512, random_bytes(512, 7));
	EXPECT_EQ(scan_spare(g.path()).verdict(), SpareVerdict::foreign);
	auto gbefore = g.contents();
	{
		DeviceFile d(g.path(), DeviceFile::Mode::write);
		EXPECT_THROW(format_spare(d, request(false)), RefusedError);
	}
	EXPECT_EQ(g.contents(), gbefore);
}

TEST(SpareMetadata, ForceFormatOverwritesForeignDataAndZeroesTheRegion)
{
	TempFile f(k16MiB);
	f.write_at(0, random_bytes(9216 * 512, 3));
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		format_spare(d, request(true));
	}
	EXPECT_EQ(scan_spare(f.path()).verdict(), SpareVerdict::healthy);
	auto bytes = f.contents();
	for (std::size_t off = 3072 * 512; off < 4096 * 512; off++)
		ASSERT_EQ(bytes[off], 0) << "gap not zeroed at " << off;
}

TEST(SpareMetadata, ExistingMetadataIsNotReformattedWithoutForce)
{
	TempFile f(k16MiB);
	FormatRequest first = request();
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		format_spare(d, first);
	}
	auto before = f.contents();
	{
		DeviceFile d(f.path(), DeviceFile::Mode::write);
		try {
			format_spare(d, request(false));
			FAIL() << "reformatted";
		} catch (const RefusedError &e) {
			EXPECT_NE(std::string(e.what()).find(format_uuid(first.uuid)), std::string::npos)
				<< e.what();
		}
	}
	EXPECT_EQ(f.contents(), before);
}

TEST(SpareMetadata, DataAreaContentDoesNotMakeASpareForeign)
{
	TempFile f(k16MiB);
	f.write_at(9216 * 512, random_bytes(4096, 9));
	EXPECT_EQ(scan_spare(f.path()).verdict(), SpareVerdict::blank);
	DeviceFile d(f.path(), DeviceFile::Mode::write);
	format_spare(d, request());
	EXPECT_EQ(scan_spare(d).verdict(), SpareVerdict::healthy);
}

TEST(SpareMetadata, TooSmallOrBadIdentityIsRefused)
{
	TempFile small(11263 * 512);
	{
		DeviceFile d(small.path(), DeviceFile::Mode::write);
		EXPECT_THROW(format_spare(d, request()), RefusedError);
	}
	TempFile f(k16MiB);
	DeviceFile d(f.path(), DeviceFile::Mode::write);
	FormatRequest r = request();
	r.main_id = std::string(64, 'x');
	EXPECT_THROW(format_spare(d, r), Error);
	r = request();
	r.main_id = "bad\nid";
	EXPECT_THROW(format_spare(d, r), Error);
	EXPECT_EQ(scan_spare(d).verdict(), SpareVerdict::blank);
}

TEST(SpareMetadata, MissingFileIsAnError)
{
	EXPECT_THROW(scan_spare("/nonexistent/spare.img"), Error);
}
