// Linear bindings (linear_maps.hpp): what discovery decides for each (the
// disk found by its claim id, its size checked, never created twice, never
// over a disk in use), the table state of an existing name, and the DM UUID.
#include <gtest/gtest.h>

#include "remap/linear_maps.hpp"

using namespace remap;

namespace {

const std::string kDisk = "loop:/img/new.img:163840:512";
const std::string kU1 = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

LinearDisk disk(const std::string &path, const std::string &devt, const std::string &claim,
		std::uint64_t sectors, std::vector<std::string> holders = {})
{
	return {path, devt, claim, sectors, std::move(holders)};
}

DmNameState linear_over(const std::string &devt, std::uint64_t length, std::uint64_t offset = 0)
{
	DmNameState s;
	s.exists = true;
	s.single_linear = true;
	s.devt = devt;
	s.offset = offset;
	s.length = length;
	return s;
}

LinearDecision decide_one(const std::vector<LinearDisk> &disks, const std::map<std::string, DmNameState> &names = {},
			  const Binding &b = linear_binding(kDisk, "r0", 131072))
{
	auto d = decide_linear({b}, disks, names);
	EXPECT_EQ(d.size(), 1u);
	return d.empty() ? LinearDecision{} : d.front();
}

}  // namespace

TEST(LinearMaps, MatchWhenTheDiskIsAttachedAndFree)
{
	auto d = decide_one({disk("/dev/loop1", "7:1", "loop:/img/other.img:163840:512", 163840),
			     disk("/dev/loop5", "7:5", kDisk, 163840)});
	EXPECT_EQ(d.outcome, LinearOutcome::match);
	EXPECT_EQ(d.disk_path, "/dev/loop5");
	EXPECT_EQ(d.disk_devt, "7:5");
	EXPECT_EQ(d.binding.name, "r0");
	EXPECT_FALSE(linear_refused(d.outcome));
}

TEST(LinearMaps, PairBindingsAreSkipped)
{
	auto d = decide_linear({Binding{"size:1:512", kU1, "data0"}, linear_binding(kDisk, "r0", 131072)},
			       {disk("/dev/loop5", "7:5", kDisk, 163840)}, {});
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].binding.name, "r0");
}

TEST(LinearMaps, DiskMissing)
{
	auto d = decide_one({disk("/dev/loop1", "7:1", "loop:/img/other.img:163840:512", 163840)});
	EXPECT_EQ(d.outcome, LinearOutcome::disk_missing);
	EXPECT_FALSE(linear_refused(d.outcome));
	EXPECT_NE(d.message.find("not attached"), std::string::npos) << d.message;
}

TEST(LinearMaps, SameIdentityAnotherSizeIsRefused)
{
	// The same backing file, grown: its claim id differs only in the size.
	auto d = decide_one({disk("/dev/loop5", "7:5", "loop:/img/new.img:204800:512", 204800)});
	EXPECT_EQ(d.outcome, LinearOutcome::size_mismatch);
	EXPECT_TRUE(linear_refused(d.outcome));
	EXPECT_EQ(d.related, std::vector<std::string>{"/dev/loop5"});
	EXPECT_NE(d.message.find("another size or block size"), std::string::npos) << d.message;
	// Another block size likewise.
	d = decide_one({disk("/dev/loop5", "7:5", "loop:/img/new.img:163840:4096", 163840)});
	EXPECT_EQ(d.outcome, LinearOutcome::size_mismatch);
}

TEST(LinearMaps, SizeOnlyIdentityIsNotCompared)
{
	// "size:" names no disk: another disk of another size is simply not it.
	auto d = decide_one({disk("/dev/vdb", "254:16", "size:204800:512", 204800)}, {},
			    linear_binding("size:163840:512", "r0", 131072));
	EXPECT_EQ(d.outcome, LinearOutcome::disk_missing);
}

TEST(LinearMaps, DiskSmallerThanTheMapIsRefused)
{
	// Only an edited line can say so (the claim id carries the disk's size).
	auto d = decide_one({disk("/dev/loop5", "7:5", kDisk, 163840)}, {}, linear_binding(kDisk, "r0", 200000));
	EXPECT_EQ(d.outcome, LinearOutcome::size_mismatch);
	EXPECT_NE(d.message.find("fewer than the 200000"), std::string::npos) << d.message;
}

TEST(LinearMaps, SeveralDisksWithTheIdentityAreRefused)
{
	auto d = decide_one({disk("/dev/loop5", "7:5", kDisk, 163840), disk("/dev/loop6", "7:6", kDisk, 163840)});
	EXPECT_EQ(d.outcome, LinearOutcome::ambiguous_disk);
	EXPECT_TRUE(linear_refused(d.outcome));
	EXPECT_EQ(d.related, (std::vector<std::string>{"/dev/loop5", "/dev/loop6"}));
}

TEST(LinearMaps, DiskInUseIsNotTaken)
{
	auto d = decide_one({disk("/dev/loop5", "7:5", kDisk, 163840, {"dm-7"})});
	EXPECT_EQ(d.outcome, LinearOutcome::in_use);
	EXPECT_TRUE(linear_refused(d.outcome));
	EXPECT_EQ(d.related, std::vector<std::string>{"dm-7"});
	EXPECT_NE(d.message.find("held by dm-7"), std::string::npos) << d.message;
}

TEST(LinearMaps, ExistingMapIsAlreadyActive)
{
	// NAME is the map (it holds the disk): nothing to do.
	auto d = decide_one({disk("/dev/loop5", "7:5", kDisk, 163840, {"dm-3"})}, {{"r0", linear_over("7:5", 131072)}});
	EXPECT_EQ(d.outcome, LinearOutcome::already_active);
	EXPECT_EQ(d.disk_path, "/dev/loop5");
}

TEST(LinearMaps, NameTakenByAnythingElseIsRefused)
{
	std::vector<LinearDisk> disks = {disk("/dev/loop5", "7:5", kDisk, 163840),
					 disk("/dev/loop1", "7:1", "loop:/img/other.img:163840:512", 163840)};
	DmNameState not_linear;
	not_linear.exists = true;
	for (const auto &s : {not_linear, linear_over("7:1", 131072), linear_over("7:5", 100),
			      linear_over("7:5", 131072, 2048), linear_over("8:0", 131072)}) {
		auto d = decide_one(disks, {{"r0", s}});
		EXPECT_EQ(d.outcome, LinearOutcome::name_taken) << s.devt << " " << s.length;
		EXPECT_TRUE(linear_refused(d.outcome));
		EXPECT_NE(d.message.find("a device-mapper device named r0 already exists"), std::string::npos);
	}
}

TEST(LinearMaps, TableState)
{
	auto s = dm_name_state({{0, 131072, "linear", "7:5 0"}});
	EXPECT_TRUE(s.exists);
	EXPECT_TRUE(s.single_linear);
	EXPECT_EQ(s.devt, "7:5");
	EXPECT_EQ(s.offset, 0u);
	EXPECT_EQ(s.length, 131072u);
	EXPECT_EQ(dm_name_state({{0, 8, "linear", "7:5 2048"}}).offset, 2048u);
	EXPECT_FALSE(dm_name_state({{0, 8, "remap-v4", "7:5 7:6"}}).single_linear);
	EXPECT_FALSE(dm_name_state({{0, 8, "linear", "7:5 0"}, {8, 8, "linear", "7:6 0"}}).single_linear);
	EXPECT_FALSE(dm_name_state({{8, 8, "linear", "7:5 0"}}).single_linear);
	EXPECT_FALSE(dm_name_state({{0, 8, "linear", "7:5"}}).single_linear);
	EXPECT_FALSE(dm_name_state({{0, 8, "linear", "7:5 x"}}).single_linear);
	EXPECT_FALSE(dm_name_state({{0, 8, "linear", "7:5 0 1"}}).single_linear);
	EXPECT_TRUE(dm_name_state({}).exists);
	EXPECT_FALSE(dm_name_state({}).single_linear);
}

TEST(LinearMaps, ClaimIdentity)
{
	EXPECT_EQ(claim_identity("loop:/img/new.img:163840:512"), "loop:/img/new.img");
	EXPECT_EQ(claim_identity("wwn:naa.3333:65536:512"), "wwn:naa.3333");
	EXPECT_EQ(claim_identity("sn:QEMU/abc-p1:2048:512"), "sn:QEMU/abc-p1");
	EXPECT_EQ(claim_identity("size:65536:512"), "");
	EXPECT_EQ(claim_identity("garbage"), "");
	EXPECT_EQ(claim_identity("a:b:512"), "");
	EXPECT_EQ(claim_identity(":1:2"), "");
}

TEST(LinearMaps, DmUuid)
{
	std::string u = linear_dm_uuid(kDisk);
	EXPECT_EQ(u.rfind("DMREMAP4-linear-", 0), 0u) << u;
	EXPECT_EQ(u.size(), 16u + 16u);
	EXPECT_EQ(u, linear_dm_uuid(kDisk));
	EXPECT_NE(u, linear_dm_uuid("loop:/img/other.img:163840:512"));
}
