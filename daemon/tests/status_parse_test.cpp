// Parsing of the kernel's status line, `list` message output and table.
#include <gtest/gtest.h>

#include <sstream>

#include "remap/error.hpp"
#include "remap/extent_list.hpp"
#include "remap/status_info.hpp"
#include "remap/table_params.hpp"

using namespace remap;

namespace {

const char *kReadme =
	"mode=rw remapped=11 pending=0 spare_used=11 spare_free=23541 spare_blocks=23552 "
	"extents=2 max_extents=21824 read_errors=0 write_errors=2 spare_errors=0 "
	"remap_failures=0 reads=0 writes=16 health=100 block_size=512 seq=3 "
	"uuid=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

std::string without(const std::string &line, const std::string &key)
{
	std::istringstream in(line);
	std::string out;
	for (std::string tok; in >> tok;)
		if (tok.rfind(key + "=", 0) != 0)
			out += (out.empty() ? "" : " ") + tok;
	return out;
}

}  // namespace

TEST(StatusParse, ReadmeExample)
{
	StatusInfo s = parse_status_line(kReadme);
	EXPECT_EQ(s.mode, "rw");
	EXPECT_EQ(s.remapped, 11u);
	EXPECT_EQ(s.pending, 0u);
	EXPECT_EQ(s.spare_used, 11u);
	EXPECT_EQ(s.spare_free, 23541u);
	EXPECT_EQ(s.spare_blocks, 23552u);
	EXPECT_EQ(s.extents, 2u);
	EXPECT_EQ(s.max_extents, 21824u);
	EXPECT_EQ(s.write_errors, 2u);
	EXPECT_EQ(s.writes, 16u);
	EXPECT_EQ(s.health, 100u);
	EXPECT_EQ(s.block_size, 512u);
	EXPECT_EQ(s.seq, 3u);
	EXPECT_EQ(s.uuid, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	EXPECT_TRUE(s.unknown.empty());
	EXPECT_EQ(s.spare_free_percent(), 99u);
}

TEST(StatusParse, UnknownKeysAreKeptInOrder)
{
	StatusInfo s = parse_status_line(std::string(kReadme) + " scan_state=idle zz=1");
	ASSERT_EQ(s.unknown.size(), 2u);
	EXPECT_EQ(s.unknown[0], (std::pair<std::string, std::string>{"scan_state", "idle"}));
	EXPECT_EQ(s.unknown[1], (std::pair<std::string, std::string>{"zz", "1"}));
}

TEST(StatusParse, MaxCounterValue)
{
	std::string line = kReadme;
	line.replace(line.find("writes=16"), 9, "writes=18446744073709551615");
	EXPECT_EQ(parse_status_line(line).writes, 18446744073709551615ull);
}

TEST(StatusParse, EveryRequiredKeyIsRequired)
{
	for (const char *key : {"mode", "remapped", "pending", "spare_used", "spare_free",
				"spare_blocks", "extents", "max_extents", "read_errors",
				"write_errors", "spare_errors", "remap_failures", "reads", "writes",
				"health", "block_size", "seq", "uuid"}) {
		std::string line = without(kReadme, key);
		// Appended, not `" " + std::string(key) + "="`: GCC 12 -O3 warns
		// falsely (-Wrestrict) about operator+(const char *, string &&).
		std::string token = " ";
		token.append(key).append("=");
		ASSERT_EQ(line.find(token), std::string::npos);
		ASSERT_NE(line.rfind(std::string(key) + "=", 0), 0u);
		try {
			parse_status_line(line);
			ADD_FAILURE() << "accepted a status without " << key;
		} catch (const ParseError &e) {
			EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
		}
	}
}

TEST(StatusParse, MalformedLinesAreRejected)
{
	const std::string base = kReadme;
	std::vector<std::string> bad = {
		"",
		base + " noequals",
		base + " =value",
		base + " remapped=1",                         // duplicate
		std::string(base).replace(base.find("remapped=11"), 11, "remapped=-1"),
		std::string(base).replace(base.find("remapped=11"), 11, "remapped=1x"),
		std::string(base).replace(base.find("remapped=11"), 11, "remapped="),
		std::string(base).replace(base.find("writes=16"), 9, "writes=18446744073709551616"),
		std::string(base).replace(base.find("health=100"), 10, "health=101"),
		std::string(base).replace(base.find("block_size=512"), 14, "block_size=12"),
		std::string(base).replace(base.find("uuid="), 5, "uuid=x"),
		std::string(base).replace(base.find("mode=rw"), 7, "mode="),
	};
	for (const auto &line : bad)
		EXPECT_THROW(parse_status_line(line), ParseError) << line;
}

TEST(ExtentList, GoodLines)
{
	auto v = parse_extent_list("lblock=1000 len=2 sblock=0 flags=remapped\n"
				   "lblock=5000 len=1 sblock=- flags=pending\n"
				   "\n"
				   "lblock=7777 len=3 sblock=2 flags=unreadable\n");
	ASSERT_EQ(v.size(), 3u);
	EXPECT_EQ(v[0], (ExtentLine{1000, 2, 0, ExtentState::remapped}));
	EXPECT_EQ(v[1], (ExtentLine{5000, 1, std::nullopt, ExtentState::pending}));
	EXPECT_EQ(v[2], (ExtentLine{7777, 3, 2, ExtentState::unreadable}));
	EXPECT_TRUE(parse_extent_list("").empty());
}

TEST(ExtentList, MalformedLinesNameTheLine)
{
	std::vector<std::string> bad = {
		"lblock=1 len=1 sblock=0",
		"lblock=1 len=1 sblock=0 flags=remapped extra=1",
		"len=1 lblock=1 sblock=0 flags=remapped",
		"lblock=x len=1 sblock=0 flags=remapped",
		"lblock=1 len=0 sblock=0 flags=remapped",
		"lblock=1 len=4294967296 sblock=0 flags=remapped",
		"lblock=1 len=1 sblock=- flags=remapped",
		"lblock=1 len=1 sblock=5 flags=pending",
		"lblock=1 len=1 sblock=0 flags=weird",
	};
	for (const auto &line : bad) {
		try {
			parse_extent_list("lblock=0 len=1 sblock=0 flags=remapped\n" + line + "\n");
			ADD_FAILURE() << "accepted: " << line;
		} catch (const ParseError &e) {
			EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
		}
	}
}

TEST(TableParams, WithAndWithoutFeatures)
{
	auto t = parse_table_params("7:0 7:1");
	EXPECT_EQ(t.main, "7:0");
	EXPECT_EQ(t.spare, "7:1");
	EXPECT_TRUE(t.features.empty());
	t = parse_table_params("7:0 7:1 3 no_auto_remap read_retries 5");
	EXPECT_EQ(t.features, (std::vector<std::string>{"no_auto_remap", "read_retries", "5"}));
	EXPECT_THROW(parse_table_params("7:0"), ParseError);
	EXPECT_THROW(parse_table_params("7:0 7:1 2 no_auto_remap"), ParseError);
}

TEST(StatusParse, NewestCountersAreOptionalAndParsed)
{
	// A module loaded before an upgrade prints no unreadable/failed_reads/remaps_24h.
	StatusInfo old = parse_status_line(kReadme);
	EXPECT_EQ(old.unreadable, 0u);
	EXPECT_EQ(old.failed_reads, 0u);
	EXPECT_EQ(old.remaps_24h, 0u);
	StatusInfo s = parse_status_line(std::string(kReadme) +
					 " unreadable=3 failed_reads=7 remaps_24h=11");
	EXPECT_EQ(s.unreadable, 3u);
	EXPECT_EQ(s.failed_reads, 7u);
	EXPECT_EQ(s.remaps_24h, 11u);
	EXPECT_TRUE(s.unknown.empty());
	EXPECT_THROW(parse_status_line(std::string(kReadme) + " failed_reads=x"), ParseError);
}
