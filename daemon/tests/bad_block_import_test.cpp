// remapctl create --import-badblocks: reading a badblocks(8) list or a GNU
// ddrescue mapfile (bad_block_import.hpp).
#include <gtest/gtest.h>

#include "remap/bad_block_import.hpp"
#include "remap/error.hpp"

namespace {

using remap::BlockRun;
using remap::parse_bad_block_file;

constexpr std::uint64_t kSectors = 2048;  // 1 MiB

TEST(BadBlockImport, BadblocksListInKiBBlocks)
{
	auto imp = parse_bad_block_file("3\n\n4\n10\n", 1024, 512, kSectors);
	EXPECT_EQ(imp.format, "badblocks");
	std::vector<BlockRun> want = {{6, 4}, {20, 2}};
	EXPECT_EQ(imp.runs, want);
	EXPECT_EQ(imp.blocks(), 6u);
}

TEST(BadBlockImport, ListBlocksWidenedToDeviceBlocks)
{
	// 1 KiB listed block 5 = bytes 5120-6143: device block 1 of 4 KiB.
	auto imp = parse_bad_block_file("5\n", 1024, 4096, kSectors);
	std::vector<BlockRun> want = {{1, 1}};
	EXPECT_EQ(imp.runs, want);
}

TEST(BadBlockImport, DdrescueMapfileTakesFailedAreasOnly)
{
	const char *map =
		"# Mapfile. Created by GNU ddrescue version 1.27\n"
		"# current_pos  current_status  current_pass\n"
		"0x00000000     +               1\n"
		"#      pos        size  status\n"
		"0x00000000  0x00000400  +\n"
		"0x00000400  0x00000200  -\n"
		"0x00000600  0x00000200  ?\n"
		"0x00000800  0x00000400  *\n"
		"0x00000C00  0x00000200  /\n"
		"0x00000E00  0x000FF200  +\n";
	auto imp = parse_bad_block_file(map, 1024, 512, kSectors);
	EXPECT_EQ(imp.format, "ddrescue");
	std::vector<BlockRun> want = {{2, 1}, {4, 3}};
	EXPECT_EQ(imp.runs, want);
}

TEST(BadBlockImport, TwoFieldStatusLineOfOlderDdrescue)
{
	auto imp = parse_bad_block_file("0x00000000 +\n0x0 0x200 -\n0x200 0xFFE00 +\n", 1024, 512, kSectors);
	std::vector<BlockRun> want = {{0, 1}};
	EXPECT_EQ(imp.runs, want);
}

TEST(BadBlockImport, EmptyListImportsNothing)
{
	EXPECT_TRUE(parse_bad_block_file("", 1024, 512, kSectors).runs.empty());
	EXPECT_TRUE(parse_bad_block_file("\n\n", 1024, 512, kSectors).runs.empty());
}

TEST(BadBlockImport, BadInputNamesTheLine)
{
	auto msg = [](const char *text) {
		try {
			parse_bad_block_file(text, 1024, 512, kSectors);
		} catch (const remap::ParseError &e) {
			return std::string(e.what());
		}
		return std::string("accepted");
	};
	EXPECT_EQ(msg("1\n2\nabc\n").rfind("line 3: ", 0), 0u);
	EXPECT_EQ(msg("1\n-2\n").rfind("line 2: ", 0), 0u);
	EXPECT_EQ(msg("1 2\n").rfind("line 1: ", 0), 0u);
	EXPECT_EQ(msg("1024\n").rfind("line 1: block 1024 ", 0), 0u);  // past 1 MiB
	EXPECT_EQ(msg("# x\n0x0 +\n0x0 0x400 -\n0x200 0x200 +\n").rfind("line 4: ", 0), 0u);  // overlap
	EXPECT_EQ(msg("# x\n0x0 +\n0x0 0x400 X\n").rfind("line 3: unknown status", 0), 0u);
	EXPECT_EQ(msg("# x\n0x0 +\n0x0 0x200000 -\n").rfind("line 3: ", 0), 0u);  // past the end
	EXPECT_EQ(msg("# only comments\n"), "a ddrescue mapfile with no status line");
	EXPECT_EQ(msg("0x0 +\n0xZZ 0x200 -\n").rfind("line 2: ", 0), 0u);
}

TEST(BadBlockImport, BinaryDataRefused)
{
	std::string bin("12\n\0\0\x01", 6);
	EXPECT_THROW(parse_bad_block_file(bin, 1024, 512, kSectors), remap::ParseError);
}

}  // namespace
