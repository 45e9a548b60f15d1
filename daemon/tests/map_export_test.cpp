// remapctl export's formats (map_export.hpp) and pre-marking known bad
// blocks (pending_marks.hpp).
#include <gtest/gtest.h>

#include "remap/error.hpp"
#include "remap/map_export.hpp"
#include "remap/pending_marks.hpp"

namespace {

using remap::ExtentLine;
using remap::ExtentState;
using remap::RemapMap;
using remap::Segment;
using remap::SegmentSource;

// 4 KiB blocks (8 sectors), 100 blocks: 2-3 remapped to spare 0-1, 10
// pending, 11 remapped to spare 2 (continues 2-3 on the spare, not on
// the device), 20-21 unreadable, the last block remapped.
RemapMap sample()
{
	RemapMap m;
	m.sectors = 800;
	m.block_size = 4096;
	m.data_start = 9216;
	m.extents = {
		{2, 2, 0, ExtentState::remapped},
		{10, 1, std::nullopt, ExtentState::pending},
		{11, 1, 2, ExtentState::remapped},
		{20, 2, 5, ExtentState::unreadable},
		{99, 1, 7, ExtentState::remapped},
	};
	return m;
}

TEST(MapExport, SegmentsCoverTheDeviceInOrder)
{
	auto segs = remap::segments_of(sample());
	std::vector<Segment> want = {
		{0, 16, SegmentSource::main, 0},
		{16, 16, SegmentSource::spare, 9216},
		{32, 48, SegmentSource::main, 32},
		{80, 8, SegmentSource::bad, 0},
		{88, 8, SegmentSource::spare, 9216 + 16},
		{96, 64, SegmentSource::main, 96},
		{160, 16, SegmentSource::bad, 0},
		{176, 616, SegmentSource::main, 176},
		{792, 8, SegmentSource::spare, 9216 + 56},
	};
	EXPECT_EQ(segs, want);
}

TEST(MapExport, LinearTableErrorsForPendingAndUnreadable)
{
	auto t = remap::render_linear_table(sample(), "/dev/M", "/dev/S");
	EXPECT_EQ(t,
		  "0 16 linear /dev/M 0\n"
		  "16 16 linear /dev/S 9216\n"
		  "32 48 linear /dev/M 32\n"
		  "80 8 error\n"
		  "88 8 linear /dev/S 9232\n"
		  "96 64 linear /dev/M 96\n"
		  "160 16 error\n"
		  "176 616 linear /dev/M 176\n"
		  "792 8 linear /dev/S 9272\n");
}

TEST(MapExport, NeighbouringSpareRunsMergeWhenContiguousOnBoth)
{
	RemapMap m;
	m.sectors = 64;
	m.block_size = 512;
	m.data_start = 9216;
	m.extents = {{4, 2, 10, ExtentState::remapped}, {6, 3, 12, ExtentState::remapped},
		     {9, 1, 20, ExtentState::remapped}};
	EXPECT_EQ(remap::render_linear_table(m, "M", "S"),
		  "0 4 linear M 0\n4 5 linear S 9226\n9 1 linear S 9236\n10 54 linear M 10\n");
}

TEST(MapExport, DdrescueMapfileMarksOnlyUnreadableAsBad)
{
	auto t = remap::render_ddrescue_mapfile(sample(), {"of test"});
	EXPECT_NE(t.find("# of test\n"), std::string::npos);
	EXPECT_NE(t.find("0x00000000     +               1\n"), std::string::npos);
	auto body = t.substr(t.find("#      pos        size  status\n") + 31);
	EXPECT_EQ(body,
		  "0x00000000  0x0000A000  +\n"
		  "0x0000A000  0x00001000  -\n"
		  "0x0000B000  0x00009000  +\n"
		  "0x00014000  0x00002000  -\n"
		  "0x00016000  0x0004E000  +\n");
}

TEST(MapExport, BadblocksListInTheChosenBlockSize)
{
	EXPECT_EQ(remap::render_badblocks(sample(), 4096), "10\n20\n21\n");
	EXPECT_EQ(remap::render_badblocks(sample(), 1024), "40\n41\n42\n43\n80\n81\n82\n83\n84\n85\n86\n87\n");
	// 8 KiB blocks: 20-21 is one listed block, 10 another.
	EXPECT_EQ(remap::render_badblocks(sample(), 8192), "5\n10\n");
	EXPECT_THROW(remap::render_badblocks(sample(), 1000), remap::Error);
}

TEST(MapExport, EmptyMapIsAllMain)
{
	RemapMap m;
	m.sectors = 1000;
	m.block_size = 512;
	EXPECT_EQ(remap::render_linear_table(m, "M", "S"), "0 1000 linear M 0\n");
	EXPECT_EQ(remap::render_badblocks(m, 1024), "");
}

TEST(MapExport, BrokenMapsAreRefused)
{
	auto m = sample();
	m.extents.push_back({50, 1, 9, ExtentState::remapped});  // unsorted
	EXPECT_THROW(remap::segments_of(m), remap::ParseError);
	m = sample();
	m.extents.back().len = 2;  // past the end
	EXPECT_THROW(remap::segments_of(m), remap::ParseError);
}

remap::DecodedMeta fresh(std::uint64_t sectors, std::uint32_t bs)
{
	remap::DecodedMeta d;
	std::uint8_t uuid[DMR_UUID_LEN] = {1};
	EXPECT_EQ(dmr_meta_init(&d.c(), sectors, 1u << 20, bs, uuid), DMR_OK);
	return d;
}

TEST(PendingMarks, MarksOnlyBlocksNotMappedYet)
{
	auto d = fresh(1000, 512);
	struct dmr_extent r {};
	r.lblock = 12;
	r.len = 2;
	r.sblock = 0;
	ASSERT_EQ(dmr_ext_insert(d.c().extents, &d.c().nr_extents, d.c().extent_cap, &r), DMR_OK);
	d.c().spare_used = 2;
	auto added = remap::add_pending_marks(d, {{10, 6}, {100, 1}});
	EXPECT_EQ(added, 5u);  // 10, 11, 14, 15, 100
	auto map = remap::map_of(d);
	std::vector<ExtentLine> want = {
		{10, 2, std::nullopt, ExtentState::pending},
		{12, 2, 0, ExtentState::remapped},
		{14, 2, std::nullopt, ExtentState::pending},
		{100, 1, std::nullopt, ExtentState::pending},
	};
	EXPECT_EQ(map.extents, want);
	EXPECT_EQ(remap::add_pending_marks(d, {{10, 6}}), 0u);  // twice: nothing new
}

TEST(PendingMarks, OutsideTheMainIsRefusedAndNothingChanges)
{
	auto d = fresh(1000, 512);
	EXPECT_THROW(remap::add_pending_marks(d, {{5, 1}, {999, 2}}), remap::RefusedError);
	EXPECT_EQ(d.c().nr_extents, 0u);
}

TEST(PendingMarks, TooManyRunsIsRefusedAndNothingChanges)
{
	auto d = fresh(200000, 512);
	std::vector<remap::BlockRun> runs;
	for (std::uint64_t b = 0; b < 2 * DMR_MAX_EXTENTS + 10; b += 2)
		runs.push_back({b, 1});
	EXPECT_THROW(remap::add_pending_marks(d, runs), remap::RefusedError);
	EXPECT_EQ(d.c().nr_extents, 0u);
}

}  // namespace
