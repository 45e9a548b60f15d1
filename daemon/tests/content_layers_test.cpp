// Which change of the main's content layers refuses a pairing and which only
// warns (remap/content_layers.hpp), and what an accepted assembly records.
#include <gtest/gtest.h>

#include <cstring>

#include "dm-remap/meta.h"
#include "remap/content_layers.hpp"

using namespace remap;

namespace {

dmr_layers recorded(const char *type, const char *uuid, const char *label, std::uint32_t crc)
{
	dmr_layers l{};
	std::strncpy(l.fs_type, type, DMR_FS_TYPE_LEN - 1);
	std::strncpy(l.fs_uuid, uuid, DMR_FS_UUID_LEN - 1);
	std::strncpy(l.fs_label, label, DMR_FS_LABEL_LEN - 1);
	l.sample_crc = crc;
	l.flags = DMR_LAYER_FS | DMR_LAYER_SAMPLE;
	l.created = 1000;
	l.last_assembled = 2000;
	return l;
}

ContentLayers now(const char *type, const char *uuid, const char *label, std::uint32_t crc)
{
	ContentLayers c;
	c.fs_probed = true;
	c.fs_type = type;
	c.fs_uuid = uuid;
	c.fs_label = label;
	c.sample_taken = true;
	c.sample_crc = crc;
	return c;
}

const char *kUuid = "0b6a2c1e-5d3f-4e2a-9c1b-7f8e9d0a1b2c";
const char *kOther = "7d1c9a2e-1111-4e2a-9c1b-000000000000";

}  // namespace

TEST(ContentLayers, SameContentIsAcceptedSilently)
{
	auto v = compare_layers(recorded("ext4", kUuid, "data", 7), now("ext4", kUuid, "data", 7), 3000);
	EXPECT_FALSE(v.refuse);
	EXPECT_TRUE(v.warnings.empty());
}

TEST(ContentLayers, UuidChangeRefuses)
{
	auto v = compare_layers(recorded("ext4", kUuid, "data", 7), now("ext4", kOther, "data", 7), 3000);
	ASSERT_TRUE(v.refuse);
	EXPECT_NE(v.refusal.find("had UUID " + std::string(kUuid)), std::string::npos) << v.refusal;
	EXPECT_NE(v.refusal.find(kOther), std::string::npos) << v.refusal;
}

TEST(ContentLayers, TypeChangeRefuses)
{
	auto v = compare_layers(recorded("ext4", kUuid, "", 7), now("xfs", kUuid, "", 7), 3000);
	ASSERT_TRUE(v.refuse);
	EXPECT_NE(v.refusal.find("now holds xfs"), std::string::npos) << v.refusal;
}

TEST(ContentLayers, VanishedFileSystemRefuses)
{
	auto v = compare_layers(recorded("ext4", kUuid, "", 7), now("", "", "", 7), 3000);
	ASSERT_TRUE(v.refuse);
	EXPECT_NE(v.refusal.find("now has none"), std::string::npos) << v.refusal;
}

TEST(ContentLayers, LabelChangeOnlyWarns)
{
	auto v = compare_layers(recorded("ext4", kUuid, "data", 7), now("ext4", kUuid, "archive", 7), 3000);
	EXPECT_FALSE(v.refuse);
	ASSERT_EQ(v.warnings.size(), 1u);
	EXPECT_NE(v.warnings[0].find("label changed from 'data' to 'archive'"), std::string::npos);
}

TEST(ContentLayers, SampleChangeOnlyWarns)
{
	auto v = compare_layers(recorded("ext4", kUuid, "data", 7), now("ext4", kUuid, "data", 8), 3000);
	EXPECT_FALSE(v.refuse);
	ASSERT_EQ(v.warnings.size(), 1u);
	EXPECT_NE(v.warnings[0].find("content sample changed"), std::string::npos);
}

TEST(ContentLayers, NothingRecordedIsAccepted)
{
	dmr_layers none{};
	auto v = compare_layers(none, now("ext4", kUuid, "data", 7), 3000);
	EXPECT_FALSE(v.refuse);
	EXPECT_TRUE(v.warnings.empty());
	// A main recorded without a file system that has one now (made through
	// the remap device): accepted.
	auto v2 = compare_layers(recorded("", "", "", 7), now("ext4", kUuid, "", 7), 3000);
	EXPECT_FALSE(v2.refuse);
}

TEST(ContentLayers, UnprobedFileSystemWarnsNotRefuses)
{
	ContentLayers c = now("", "", "", 7);
	c.fs_probed = false;
	c.fs_note = "blocks in the first or last MiB are remapped";
	auto v = compare_layers(recorded("ext4", kUuid, "", 7), c, 3000);
	EXPECT_FALSE(v.refuse);
	ASSERT_EQ(v.warnings.size(), 1u);
	EXPECT_NE(v.warnings[0].find("not compared: blocks in the first"), std::string::npos);
}

TEST(ContentLayers, FutureAssemblyWarns)
{
	dmr_layers r = recorded("ext4", kUuid, "", 7);
	r.last_assembled = 3000 + 86400 + 1;
	auto v = compare_layers(r, now("ext4", kUuid, "", 7), 3000);
	EXPECT_FALSE(v.refuse);
	ASSERT_EQ(v.warnings.size(), 1u);
	EXPECT_NE(v.warnings[0].find("is the clock right?"), std::string::npos);
	r.last_assembled = 3000 + 86400;  // within a day: no warning
	EXPECT_TRUE(compare_layers(r, now("ext4", kUuid, "", 7), 3000).warnings.empty());
}

TEST(ContentLayers, LongOrOddStringsCompareAsRecorded)
{
	// A label longer than the field and with UTF-8: recorded cut and '_'d,
	// so the same label read again compares equal.
	std::string label = "données-" + std::string(60, 'x');
	ContentLayers c = now("ext4", kUuid, label.c_str(), 7);
	dmr_layers r{};
	record_layers(r, c, 5000, true);
	EXPECT_EQ(std::string(r.fs_label), layer_string(label, DMR_FS_LABEL_LEN));
	EXPECT_EQ(std::strlen(r.fs_label), DMR_FS_LABEL_LEN - 1u);
	EXPECT_EQ(r.fs_label[4], '_');
	auto v = compare_layers(r, c, 5000);
	EXPECT_FALSE(v.refuse);
	EXPECT_TRUE(v.warnings.empty());
}

TEST(ContentLayers, RecordKeepsCreatedAndUnprobedValues)
{
	dmr_layers r = recorded("ext4", kUuid, "data", 7);
	ContentLayers c = now("", "", "", 9);
	c.fs_probed = false;
	record_layers(r, c, 7000, false);
	EXPECT_STREQ(r.fs_type, "ext4");  // not probed: the last probed values stay
	EXPECT_STREQ(r.fs_uuid, kUuid);
	EXPECT_EQ(r.sample_crc, 9u);
	EXPECT_EQ(r.created, 1000u);
	EXPECT_EQ(r.last_assembled, 7000u);
	dmr_layers fresh{};
	record_layers(fresh, now("xfs", kOther, "", 1), 8000, true);
	EXPECT_EQ(fresh.created, 8000u);
	EXPECT_EQ(fresh.flags, DMR_LAYER_FS | DMR_LAYER_SAMPLE);
	EXPECT_STREQ(fresh.fs_type, "xfs");
}
