// Fingerprints of main and spare devices (see fingerprint.hpp for the format).
#include <gtest/gtest.h>

#include "remap/fingerprint.hpp"

using namespace remap;

namespace {

DeviceIdentity sized(std::uint64_t sectors = 1953525168, std::uint32_t lbs = 512)
{
	DeviceIdentity id;
	id.sectors = sectors;
	id.logical_block_size = lbs;
	return id;
}

}  // namespace

TEST(Fingerprint, Fnv1a64KnownValues)
{
	EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
	EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
	EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Fingerprint, WwnWinsOverEverythingElse)
{
	auto id = sized();
	id.wwn = "0x5000c500a1b2c3d4";
	id.serial = "S3Z1NB0K123456";
	id.model = "Samsung SSD";
	id.loop_backing_file = "/x";
	EXPECT_EQ(make_fingerprint(id), "wwn:0x5000c500a1b2c3d4:1953525168:512");
	id.partition = 2;
	EXPECT_EQ(make_fingerprint(id), "wwn:0x5000c500a1b2c3d4-p2:1953525168:512");
}

TEST(Fingerprint, SerialAndModelWithoutWwn)
{
	auto id = sized(1000, 4096);
	id.serial = "S3Z1NB0K123456";
	id.model = "Samsung SSD 860";
	EXPECT_EQ(make_fingerprint(id), "sn:Samsung_SSD_860/S3Z1NB0K123456:1000:4096");
	id.model.clear();
	EXPECT_EQ(make_fingerprint(id), "sn:S3Z1NB0K123456:1000:4096");
}

TEST(Fingerprint, FallbacksForDevicesWithoutHardwareIdentity)
{
	auto id = sized(65536);
	id.loop_backing_file = "/tmp/dmr-loop.abc";
	EXPECT_EQ(make_fingerprint(id), "loop:/tmp/dmr-loop.abc:65536:512");
	id.loop_backing_file.clear();
	id.dm_uuid = "LVM-abc";
	id.dm_name = "vg-lv";
	EXPECT_EQ(make_fingerprint(id), "dmu:LVM-abc:65536:512");
	id.dm_uuid.clear();
	EXPECT_EQ(make_fingerprint(id), "dmn:vg-lv:65536:512");
	id.dm_name.clear();
	EXPECT_EQ(make_fingerprint(id), "size:65536:512");
}

TEST(Fingerprint, CapacityAndBlockSizeAreParts)
{
	auto a = sized(1000);
	a.wwn = "naa.1";
	auto b = a;
	b.sectors = 1001;
	auto c = a;
	c.logical_block_size = 4096;
	EXPECT_NE(make_fingerprint(a), make_fingerprint(b));
	EXPECT_NE(make_fingerprint(a), make_fingerprint(c));
}

TEST(Fingerprint, UnprintableCharactersAreReplaced)
{
	auto id = sized(8);
	id.loop_backing_file = "/tmp/a b\tc\xc3\xa9";
	EXPECT_EQ(make_fingerprint(id), "loop:/tmp/a_b_c__:8:512");
}

TEST(Fingerprint, LongIdentitiesAreCutWithAHashAndFit)
{
	auto id = sized(18446744073709551615ull, 65536);
	id.loop_backing_file = "/var/lib/images/a-very-long-directory-name/and-a-long-file-name-too.img";
	std::string fp = make_fingerprint(id);
	EXPECT_LE(fp.size(), kFingerprintMax);
	EXPECT_EQ(fp.rfind("loop:/var/lib/", 0), 0u) << fp;
	EXPECT_NE(fp.find('~'), std::string::npos);
	EXPECT_EQ(fp.substr(fp.size() - 27), ":18446744073709551615:65536");
	// Deterministic, and different files with the same prefix differ.
	EXPECT_EQ(make_fingerprint(id), fp);
	auto other = id;
	other.loop_backing_file.back() = 'x';
	EXPECT_NE(make_fingerprint(other), fp);
	// Exactly 63 characters is kept whole; 64 is cut.
	auto edge = sized(1, 512);
	edge.loop_backing_file = std::string(63 - 5 - 6, 'a');  // "loop:" + ":1:512"
	EXPECT_EQ(make_fingerprint(edge).size(), 63u);
	EXPECT_EQ(make_fingerprint(edge).find('~'), std::string::npos);
	edge.loop_backing_file += "a";
	EXPECT_EQ(make_fingerprint(edge).size(), 63u);
	EXPECT_NE(make_fingerprint(edge).find('~'), std::string::npos);
}

TEST(Fingerprint, AlwaysPrintableAndShortEnough)
{
	for (int len = 0; len < 200; len += 7) {
		auto id = sized(12345);
		id.serial.assign(static_cast<std::size_t>(len), '\x01');
		id.model.assign(1, 'm');  // not = "m": GCC 12 -O3 false -Wrestrict (bug 105329)
		std::string fp = make_fingerprint(id);
		EXPECT_LE(fp.size(), kFingerprintMax);
		for (char c : fp)
			EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << fp;
	}
}
