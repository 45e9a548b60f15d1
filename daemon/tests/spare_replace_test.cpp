// replace-spare: the new spare's metadata planned from the old one, the
// split of an extent whose block the old spare cannot read, and the
// pairing rule for an unfinished replacement.
#include <gtest/gtest.h>

#include <cstring>

#include "remap/error.hpp"
#include "remap/pairing.hpp"
#include "remap/spare_replace.hpp"

using namespace remap;

namespace {

// A 64 MiB main, 512-byte blocks, a 16 MiB spare (23552 data blocks), seq 7,
// extents: [100,4) at 50, pending [200,2), [300,1) unreadable at 10,
// [400,3) at 0 (allocated out of main order).
DecodedMeta old_meta()
{
	DecodedMeta m;
	const __u8 uuid[DMR_UUID_LEN] = {1, 2, 3};
	EXPECT_EQ(dmr_meta_init(&m.c(), 131072, 32768, 512, uuid), DMR_OK);
	auto &c = m.c();
	c.seq = 7;
	std::strcpy(c.main_id, "loop:/m:131072:512");
	std::strcpy(c.spare_id, "loop:/old:32768:512");
	c.spare_used = 60;
	c.extents[0] = {100, 50, 4, 0};
	c.extents[1] = {200, 0, 2, DMR_EXT_PENDING};
	c.extents[2] = {300, 10, 1, DMR_EXT_UNREADABLE};
	c.extents[3] = {400, 0, 3, 0};
	c.nr_extents = 4;
	c.health = {5, 6, 8};
	c.scan = {1000, 2, 1700000000, 3, 4};
	c.layers.flags = DMR_LAYER_FS;
	return m;
}

}  // namespace

TEST(ReplacePlan, CompactsTheAllocatedExtentsInMainOrder)
{
	auto p = plan_replacement(old_meta(), 20480, "loop:/new:20480:512");
	const auto &m = p.meta.c();
	ASSERT_EQ(m.nr_extents, 4u);
	EXPECT_EQ(m.extents[0].sblock, 0u);
	EXPECT_EQ(m.extents[1].sblock, 0u);  // pending: no spare block
	EXPECT_EQ(m.extents[1].flags, DMR_EXT_PENDING);
	EXPECT_EQ(m.extents[2].sblock, 4u);
	EXPECT_EQ(m.extents[2].flags, DMR_EXT_UNREADABLE);
	EXPECT_EQ(m.extents[3].sblock, 5u);
	EXPECT_EQ(m.spare_used, 8u);
	ASSERT_EQ(p.runs.size(), 2u);  // the unreadable block is not copied
	EXPECT_EQ(p.runs[0].old_sblock, 50u);
	EXPECT_EQ(p.runs[0].new_sblock, 0u);
	EXPECT_EQ(p.runs[1].lblock, 400u);
	EXPECT_EQ(p.runs[1].old_sblock, 0u);
	EXPECT_EQ(p.runs[1].new_sblock, 5u);
	EXPECT_EQ(p.blocks, 7u);
	EXPECT_EQ(p.pending, 2u);
	EXPECT_EQ(p.unreadable, 1u);
}

TEST(ReplacePlan, NewGeometryHigherSeqSameIdentityCountersCarried)
{
	auto old = old_meta();
	auto p = plan_replacement(old, 20480, "loop:/new:20480:512");
	const auto &m = p.meta.c();
	EXPECT_EQ(m.seq, 8u);
	EXPECT_EQ(m.spare_sectors, 20480u);
	EXPECT_EQ(m.spare_blocks, (20480u - DMR_DATA_START_SECTOR));
	EXPECT_EQ(m.data_start, DMR_DATA_START_SECTOR);
	EXPECT_STREQ(m.spare_id, "loop:/new:20480:512");
	EXPECT_STREQ(m.main_id, "loop:/m:131072:512");
	EXPECT_EQ(std::memcmp(m.pair_uuid, old.c().pair_uuid, DMR_UUID_LEN), 0);
	EXPECT_EQ(m.main_sectors, old.c().main_sectors);
	EXPECT_EQ(m.health.read_errors, 5u);
	EXPECT_EQ(m.health.remaps_total, 8u);
	EXPECT_EQ(m.scan.cursor, 1000u);
	EXPECT_EQ(m.scan.passes, 2u);
	EXPECT_EQ(m.scan.errors, 4u);
	EXPECT_EQ(m.layers.flags, DMR_LAYER_FS | kLayerReplacing);
}

TEST(ReplacePlan, TooSmallNewSpareIsRefused)
{
	auto old = old_meta();
	EXPECT_EQ(spare_sectors_needed(old.c()), DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS);
	EXPECT_THROW(plan_replacement(old, DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS - 1, "x"), RefusedError);
	EXPECT_NO_THROW(plan_replacement(old, DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS, "x"));
	// 3000 remapped blocks need 3000 sectors of data area.
	old.c().extents[3] = {400, 60, 2995, 0};
	old.c().spare_used = 3055;
	EXPECT_EQ(spare_sectors_needed(old.c()), DMR_DATA_START_SECTOR + 3000);
	EXPECT_THROW(plan_replacement(old, DMR_DATA_START_SECTOR + 2999, "x"), RefusedError);
	auto p = plan_replacement(old, DMR_DATA_START_SECTOR + 3000, "x");
	EXPECT_EQ(p.meta.c().spare_used, p.meta.c().spare_blocks);
}

TEST(ReplacePlan, AnUnreadableOldBlockSplitsItsExtent)
{
	auto p = plan_replacement(old_meta(), 20480, "x");
	mark_block_unreadable(p.meta, 102);  // inside [100,4) at 0
	const auto &m = p.meta.c();
	ASSERT_EQ(m.nr_extents, 6u);
	EXPECT_EQ(m.extents[0].lblock, 100u);
	EXPECT_EQ(m.extents[0].len, 2u);
	EXPECT_EQ(m.extents[0].flags, 0u);
	EXPECT_EQ(m.extents[1].lblock, 102u);
	EXPECT_EQ(m.extents[1].sblock, 2u);
	EXPECT_EQ(m.extents[1].len, 1u);
	EXPECT_EQ(m.extents[1].flags, DMR_EXT_UNREADABLE);
	EXPECT_EQ(m.extents[2].lblock, 103u);
	EXPECT_EQ(m.extents[2].sblock, 3u);
	EXPECT_EQ(m.extents[2].flags, 0u);
	EXPECT_EQ(m.extents[3].lblock, 200u);  // the rest moved along
	EXPECT_EQ(m.spare_used, 8u);
	// The first and last block of an extent, and a single block.
	mark_block_unreadable(p.meta, 400);
	mark_block_unreadable(p.meta, 402);
	EXPECT_EQ(p.meta.c().nr_extents, 8u);
	EXPECT_EQ(p.meta.c().extents[7].lblock, 402u);
	EXPECT_EQ(p.meta.c().extents[7].flags, DMR_EXT_UNREADABLE);
	mark_block_unreadable(p.meta, 401);  // a one-block extent: its flag only
	EXPECT_EQ(p.meta.c().nr_extents, 8u);
	EXPECT_EQ(p.meta.c().extents[6].flags, DMR_EXT_UNREADABLE);
	EXPECT_THROW(mark_block_unreadable(p.meta, 200), Error);  // pending: no spare block
	EXPECT_THROW(mark_block_unreadable(p.meta, 5000), Error);  // not remapped
}

namespace {
SpareCandidate spare(const std::string &path, const std::string &uuid, bool replacing)
{
	return {path, uuid, "wwn:X:65536:512", 65536, 512, replacing};
}
const std::string kUuid = "aaaaaaaa-0000-4000-8000-000000000001";
}  // namespace

TEST(ReplacePairing, TheOldSpareWinsOverAnUnfinishedReplacement)
{
	auto d = decide_pairings({spare("/dev/new", kUuid, true), spare("/dev/old", kUuid, false)},
				 {{"/dev/sda", "wwn:X:65536:512", 65536, 512}}, {});
	ASSERT_EQ(d.size(), 2u);
	EXPECT_EQ(d[0].outcome, PairingOutcome::duplicate);
	EXPECT_NE(d[0].message.find("unfinished replace-spare"), std::string::npos);
	EXPECT_EQ(d[1].outcome, PairingOutcome::match);
	EXPECT_EQ(d[1].main_path, "/dev/sda");
}

TEST(ReplacePairing, AMarkedSpareAloneIsAssembled)
{
	auto d = decide_pairings({spare("/dev/new", kUuid, true)}, {{"/dev/sda", "wwn:X:65536:512", 65536, 512}}, {});
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].outcome, PairingOutcome::match);
}

TEST(ReplacePairing, ClonesStayDuplicates)
{
	// Two unmarked (a dd clone), two marked, or a marked spare of another pair.
	for (auto pair : {std::pair{false, false}, std::pair{true, true}}) {
		auto d = decide_pairings({spare("/dev/a", kUuid, pair.first), spare("/dev/b", kUuid, pair.second)},
					 {{"/dev/sda", "wwn:X:65536:512", 65536, 512}}, {});
		EXPECT_EQ(d[0].outcome, PairingOutcome::duplicate);
		EXPECT_EQ(d[1].outcome, PairingOutcome::duplicate);
	}
	auto d = decide_pairings({spare("/dev/a", "bbbbbbbb-0000-4000-8000-000000000002", true),
				  spare("/dev/b", kUuid, false)},
				 {{"/dev/sda", "wwn:X:65536:512", 65536, 512}}, {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::duplicate);
	EXPECT_EQ(d[1].outcome, PairingOutcome::duplicate);
}

#include "temp_file.hpp"

TEST(ReplaceCopy, EachRemappedBlockLandsAtItsNewSpareBlock)
{
	auto old = old_meta();
	// Old spare: block b of the data area holds the byte b + 1.
	TempFile from_img(32768ull * 512), to_img(20480ull * 512);
	for (std::uint64_t b = 0; b < 60; b++)
		from_img.write_at((DMR_DATA_START_SECTOR + b) * 512, std::vector<char>(512, static_cast<char>(b + 1)));
	auto p = plan_replacement(old, 20480, "x");
	DeviceFile from(from_img.path(), DeviceFile::Mode::read);
	DeviceFile to(to_img.path(), DeviceFile::Mode::write);
	auto lost = copy_spare_data(p, old.c().data_start, from, to);
	EXPECT_TRUE(lost.empty());
	auto data = to_img.contents();
	auto at = [&](std::uint64_t sblock) { return data[(DMR_DATA_START_SECTOR + sblock) * 512 + 100]; };
	// [100,4) was at old 50..53, now 0..3; [400,3) was at old 0..2, now 5..7;
	// the unreadable block's new home (4) gets nothing.
	for (std::uint64_t i = 0; i < 4; i++)
		EXPECT_EQ(at(i), static_cast<char>(51 + i));
	EXPECT_EQ(at(4), 0);
	for (std::uint64_t i = 0; i < 3; i++)
		EXPECT_EQ(at(5 + i), static_cast<char>(1 + i));
	EXPECT_EQ(at(8), 0);
	EXPECT_EQ(p.meta.c().nr_extents, 4u);
}
