// The bindings file: parser (good lines kept, each bad line reported with
// its number), writer (render + parse round trip, atomic locked update that
// refuses a file with bad lines) and the name rules of bind_pair().
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "remap/bindings.hpp"
#include "remap/bindings_file.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

const std::string kU1 = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
const std::string kU2 = "11111111-2222-4333-8444-555555555555";
const std::string kU3 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

std::string read_all(const std::string &path)
{
	std::ifstream in(path);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

}  // namespace

TEST(Bindings, ParsesLinesCommentsAndBlanks)
{
	auto r = parse_bindings("# header\n\n  wwn:0x5000:100:512 " + kU1 +
					" data0\n\tloop:/img:64:512\t" + kU2 + "   remap-11111111  \n",
				"b");
	ASSERT_TRUE(r.problems.empty()) << r.problems.front();
	ASSERT_EQ(r.entries.size(), 2u);
	EXPECT_EQ(r.entries[0], (Binding{"wwn:0x5000:100:512", kU1, "data0"}));
	EXPECT_EQ(r.entries[1], (Binding{"loop:/img:64:512", kU2, "remap-11111111"}));
}

TEST(Bindings, LastLineWithoutNewline)
{
	auto r = parse_bindings("size:1:512 " + kU1 + " x", "b");
	ASSERT_EQ(r.entries.size(), 1u);
	EXPECT_EQ(r.entries[0].name, "x");
}

TEST(Bindings, BadLinesAreReportedWithLineNumbersAndSkipped)
{
	std::string text = "size:1:512 " + kU1 + " a\n"             // 1 ok
			   "size:2:512 " + kU2 + "\n"                  // 2 two fields
			   "size:3:512 " + kU3 + " b extra\n"          // 3 four fields
			   "size:4:512 NOT-A-UUID c\n"                 // 4
			   "size:5:512 " + "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9" + " d\n"  // 5 upper case
			   "size:6:512 " + kU1 + " e\n"                // 6 uuid again
			   "size:1:512 " + kU2 + " f\n"                // 7 main again
			   "size:8:512 " + kU2 + " a\n"                // 8 name again
			   "size:9:512 " + kU3 + " a/b\n"              // 9 bad name
			   + std::string(64, 'w') + " " + kU3 + " g\n"  // 10 main id too long
			   "size:11:512 " + kU3 + " ok\n";             // 11 ok
	auto r = parse_bindings(text, "/etc/dm-remap/bindings");
	ASSERT_EQ(r.entries.size(), 2u);
	EXPECT_EQ(r.entries[0].name, "a");
	EXPECT_EQ(r.entries[1].name, "ok");
	ASSERT_EQ(r.problems.size(), 9u);
	const char *want[] = {":2: expected", ":3: expected", ":4: invalid pair uuid",
			      ":5: invalid pair uuid", ":6: pair", ":7: main", ":8: name a is already",
			      ":9: invalid device name", ":10: invalid main id"};
	for (std::size_t i = 0; i < 9; i++)
		EXPECT_NE(r.problems[i].find(std::string("/etc/dm-remap/bindings") + want[i]), std::string::npos)
			<< r.problems[i];
}

TEST(Bindings, RenderParsesBack)
{
	std::vector<Binding> e{{"wwn:0x5000:100:512", kU1, "data0"}, {"size:2:512", kU2, "remap-11111111"}};
	auto r = parse_bindings(render_bindings(e), "b");
	EXPECT_TRUE(r.problems.empty());
	EXPECT_EQ(r.entries, e);
}

TEST(Bindings, DeviceNameRules)
{
	EXPECT_TRUE(valid_device_name("data0"));
	EXPECT_TRUE(valid_device_name(std::string(127, 'n')));
	EXPECT_FALSE(valid_device_name(std::string(128, 'n')));
	EXPECT_FALSE(valid_device_name(""));
	EXPECT_FALSE(valid_device_name("."));
	EXPECT_FALSE(valid_device_name(".."));
	EXPECT_FALSE(valid_device_name("a/b"));
	EXPECT_FALSE(valid_device_name("a b"));
	EXPECT_FALSE(valid_device_name("a\tb"));
	EXPECT_FALSE(valid_device_name("caf\xc3\xa9"));
}

TEST(Bindings, BindAppendsRenamesAndRefusesClashes)
{
	std::vector<Binding> e;
	EXPECT_TRUE(bind_pair(e, {"size:1:512", kU1, "data0"}));
	EXPECT_FALSE(bind_pair(e, {"size:1:512", kU1, "data0"}));  // no change
	EXPECT_TRUE(bind_pair(e, {"size:2:512", kU2, "data1"}));
	ASSERT_EQ(e.size(), 2u);

	// The same pair under a new name: renamed in place.
	EXPECT_TRUE(bind_pair(e, {"size:1:512", kU1, "root"}));
	EXPECT_EQ(e[0], (Binding{"size:1:512", kU1, "root"}));

	// A name bound to another pair: refused, nothing changed.
	auto before = e;
	EXPECT_THROW(bind_pair(e, {"size:3:512", kU3, "data1"}), NameClashError);
	EXPECT_THROW(bind_pair(e, {"size:1:512", kU1, "data1"}), NameClashError);
	EXPECT_EQ(e, before);
	try {
		bind_pair(e, {"size:3:512", kU3, "data1"});
	} catch (const NameClashError &x) {
		EXPECT_NE(std::string(x.what()).find("name data1 is already bound to pair " + kU2),
			  std::string::npos)
			<< x.what();
	}

	// The same main paired anew (new pair uuid): the old pair is replaced.
	EXPECT_TRUE(bind_pair(e, {"size:2:512", kU3, "data1"}));
	ASSERT_EQ(e.size(), 2u);
	EXPECT_EQ(e[1], (Binding{"size:2:512", kU3, "data1"}));

	// Invalid fields are refused.
	EXPECT_THROW(bind_pair(e, {"size:4:512", "x", "n"}), Error);
	EXPECT_THROW(bind_pair(e, {"size:4:512", kU2, "a/b"}), Error);
	EXPECT_THROW(bind_pair(e, {"", kU2, "n"}), Error);
	EXPECT_EQ(e.size(), 2u);
}

// The linear form "<disk id> linear <name> <sectors>" (remapctl evacuate
// without --spare) next to pair lines: parsed, rendered and parsed back.
TEST(Bindings, LinearLinesParseAndRenderBack)
{
	auto r = parse_bindings("wwn:0x5000:100:512 " + kU1 + " data0\n"
				"  loop:/img/new.img:163840:512\tlinear  r0 131072\n"
				"size:2:512 " + kU2 + " data1\n",
				"b");
	ASSERT_TRUE(r.problems.empty()) << r.problems.front();
	ASSERT_EQ(r.entries.size(), 3u);
	EXPECT_FALSE(r.entries[0].linear());
	EXPECT_EQ(r.entries[1], linear_binding("loop:/img/new.img:163840:512", "r0", 131072));
	EXPECT_TRUE(r.entries[1].linear());
	EXPECT_EQ(r.entries[1].pair_uuid, "");
	EXPECT_EQ(r.entries[1].sectors, 131072u);
	EXPECT_EQ(r.entries[2], (Binding{"size:2:512", kU2, "data1"}));

	std::string text = render_bindings(r.entries);
	EXPECT_NE(text.find("\nloop:/img/new.img:163840:512 linear r0 131072\n"), std::string::npos) << text;
	auto again = parse_bindings(text, "again");
	EXPECT_TRUE(again.problems.empty());
	EXPECT_EQ(again.entries, r.entries);

	// Lookups: by name and by claim id find it, by pair uuid never.
	ASSERT_NE(find_by_name(r.entries, "r0"), nullptr);
	EXPECT_TRUE(find_by_name(r.entries, "r0")->linear());
	EXPECT_EQ(find_by_main(r.entries, "loop:/img/new.img:163840:512"), &r.entries[1]);
	EXPECT_EQ(find_by_uuid(r.entries, ""), nullptr);
	EXPECT_EQ(find_by_uuid(r.entries, kU2), &r.entries[2]);
	EXPECT_EQ(describe_binding(r.entries[1]), "the linear map of disk loop:/img/new.img:163840:512");
	EXPECT_EQ(describe_binding(r.entries[0]), "pair " + kU1 + " (main wwn:0x5000:100:512)");

	// The largest length a dm table takes (2^63 - 1 sectors).
	auto big = parse_bindings("size:9:512 linear big 9223372036854775807\n", "b");
	ASSERT_TRUE(big.problems.empty()) << big.problems.front();
	EXPECT_EQ(big.entries[0].sectors, 9223372036854775807ull);
}

TEST(Bindings, BadLinearLinesAreReportedAndSkipped)
{
	std::string text = "size:1:512 " + kU1 + " a\n"               // 1 ok (pair)
			   "size:2:512 linear b\n"                     // 2 no length
			   "size:3:512 linear c 100 extra\n"           // 3 five fields
			   "size:4:512 linear d 0\n"                   // 4 zero length
			   "size:5:512 linear e -5\n"                  // 5 sign
			   "size:6:512 linear f +5\n"                  // 6 sign
			   "size:7:512 linear g 12x\n"                 // 7 not a number
			   "size:8:512 linear h 9223372036854775808\n" // 8 2^63
			   "size:9:512 linear i 99999999999999999999\n" // 9 overflow
			   "size:10:512 linear a 100\n"                // 10 name of the pair
			   "size:1:512 linear k 100\n"                 // 11 the pair's main
			   "size:12:512 linear l/m 100\n"              // 12 bad name
			   + std::string(64, 'w') + " linear n 100\n"  // 13 disk id too long
			   "size:14:512 LINEAR o 100\n"                // 14 the keyword is lower case
			   "size:15:512 linear ok 100\n"               // 15 ok (linear)
			   "size:15:512 " + kU2 + " p\n"               // 16 its disk as a pair's main
			   "size:17:512 " + kU3 + " ok\n";             // 17 its name for a pair
	auto r = parse_bindings(text, "/etc/dm-remap/bindings");
	ASSERT_EQ(r.entries.size(), 2u);
	EXPECT_EQ(r.entries[0].name, "a");
	EXPECT_EQ(r.entries[1], linear_binding("size:15:512", "ok", 100));
	const char *want[] = {
		":2: expected '<disk id> linear <name> <sectors>', found 3 field(s)",
		":3: expected '<disk id> linear <name> <sectors>', found 5 field(s)",
		":4: invalid length '0' of a linear binding",
		":5: invalid length '-5'",
		":6: invalid length '+5'",
		":7: invalid length '12x'",
		":8: invalid length '9223372036854775808'",
		":9: invalid length '99999999999999999999'",
		":10: name a is already bound on an earlier line",
		":11: disk size:1:512 is already bound on an earlier line",
		":12: invalid device name 'l/m'",
		":13: invalid disk id",
		":14: expected '<main id> <pair uuid> <name>' or '<disk id> linear <name> <sectors>', found 4 field(s)",
		":16: main size:15:512 is already bound on an earlier line",
		":17: name ok is already bound on an earlier line",
	};
	ASSERT_EQ(r.problems.size(), std::size(want)) << r.problems.front();
	for (std::size_t i = 0; i < std::size(want); i++)
		EXPECT_NE(r.problems[i].find(std::string("/etc/dm-remap/bindings") + want[i]), std::string::npos)
			<< r.problems[i];
}

TEST(Bindings, BindLinearReplacesAndClashes)
{
	std::vector<Binding> e;
	EXPECT_TRUE(bind_pair(e, {"size:1:512", kU1, "data0"}));
	EXPECT_TRUE(bind_pair(e, linear_binding("size:2:512", "r0", 100)));
	EXPECT_FALSE(bind_pair(e, linear_binding("size:2:512", "r0", 100)));  // no change
	ASSERT_EQ(e.size(), 2u);

	// Renamed, or given another length: the same disk's line is replaced.
	EXPECT_TRUE(bind_pair(e, linear_binding("size:2:512", "r1", 90)));
	ASSERT_EQ(e.size(), 2u);
	EXPECT_EQ(e[1], linear_binding("size:2:512", "r1", 90));

	// A name bound to a pair, or a pair's name bound to a linear map: refused.
	auto before = e;
	try {
		bind_pair(e, linear_binding("size:3:512", "data0", 100));
		ADD_FAILURE() << "name clash not refused";
	} catch (const NameClashError &x) {
		EXPECT_NE(std::string(x.what()).find("name data0 is already bound to pair " + kU1), std::string::npos)
			<< x.what();
	}
	try {
		bind_pair(e, {"size:3:512", kU2, "r1"});
		ADD_FAILURE() << "name clash not refused";
	} catch (const NameClashError &x) {
		EXPECT_EQ(std::string(x.what()), "name r1 is already bound to the linear map of disk size:2:512");
	}
	EXPECT_EQ(e, before);

	// The pair's main becomes a linear map (and back: paired anew).
	EXPECT_TRUE(bind_pair(e, linear_binding("size:1:512", "data0", 100)));
	ASSERT_EQ(e.size(), 2u);
	EXPECT_EQ(e[0], linear_binding("size:1:512", "data0", 100));
	EXPECT_TRUE(bind_pair(e, {"size:1:512", kU3, "data0"}));
	EXPECT_EQ(e[0], (Binding{"size:1:512", kU3, "data0"}));
	ASSERT_EQ(e.size(), 2u);

	// Two linear bindings never share a pair uuid's key (both are "").
	EXPECT_TRUE(bind_pair(e, linear_binding("size:4:512", "r4", 100)));
	EXPECT_EQ(e.size(), 3u);

	// Invalid linear bindings are refused.
	EXPECT_THROW(bind_pair(e, linear_binding("size:5:512", "r5", 0)), Error);
	Binding with_uuid = linear_binding("size:5:512", "r5", 100);
	with_uuid.pair_uuid = kU2;
	EXPECT_THROW(bind_pair(e, with_uuid), Error);
	Binding pair_with_length{"size:5:512", kU2, "r5"};
	pair_with_length.sectors = 5;
	EXPECT_THROW(bind_pair(e, pair_with_length), Error);
	EXPECT_THROW(bind_pair(e, linear_binding("size:5:512", "a/b", 100)), Error);
	EXPECT_EQ(e.size(), 3u);
}

TEST(BindingsFile, MissingFileIsEmpty)
{
	TempDir d;
	auto r = load_bindings(d.path() + "/none");
	EXPECT_TRUE(r.entries.empty());
	EXPECT_TRUE(r.problems.empty());
}

TEST(BindingsFile, UpdateCreatesDirectoryAndRewrites)
{
	TempDir d;
	std::string path = d.path() + "/dm-remap/bindings";
	EXPECT_TRUE(update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:1:512", kU1, "data0"}); }));
	EXPECT_TRUE(update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:2:512", kU2, "data1"}); }));
	auto r = load_bindings(path);
	EXPECT_TRUE(r.problems.empty());
	EXPECT_EQ(r.entries, (std::vector<Binding>{{"size:1:512", kU1, "data0"}, {"size:2:512", kU2, "data1"}}));
	// No change: the file is not rewritten.
	std::string before = read_all(path);
	EXPECT_FALSE(update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:2:512", kU2, "data1"}); }));
	EXPECT_EQ(read_all(path), before);
	// No temporary file is left next to it.
	for (const auto &f : std::filesystem::directory_iterator(d.path() + "/dm-remap"))
		EXPECT_TRUE(f.path().filename() == "bindings" || f.path().filename() == "bindings.lock")
			<< f.path();
}

TEST(BindingsFile, ClashOrBadLineChangesNothing)
{
	TempDir d;
	std::string path = d.path() + "/bindings";
	update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:1:512", kU1, "data0"}); });
	std::string before = read_all(path);
	EXPECT_THROW(update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:2:512", kU2, "data0"}); }),
		     NameClashError);
	EXPECT_EQ(read_all(path), before);

	std::ofstream(path, std::ios::app) << "garbage line\n";
	before = read_all(path);
	try {
		update_bindings(path, [](std::vector<Binding> &e) { return bind_pair(e, {"size:2:512", kU2, "data1"}); });
		ADD_FAILURE() << "a file with a bad line was rewritten";
	} catch (const Error &x) {
		EXPECT_NE(std::string(x.what()).find(path + ":4: expected"), std::string::npos) << x.what();
	}
	EXPECT_EQ(read_all(path), before);
}

// evacuate's switch without --spare: the pair's line replaced by the
// linear one in one locked, atomic rewrite; read back from the file.
TEST(BindingsFile, PairReplacedByLinearBinding)
{
	TempDir d;
	std::string path = d.path() + "/bindings";
	update_bindings(path, [](std::vector<Binding> &e) {
		return bind_pair(e, {"size:1:512", kU1, "r0"}) | bind_pair(e, {"size:2:512", kU2, "data1"});
	});
	EXPECT_TRUE(update_bindings(path, [](std::vector<Binding> &e) {
		std::erase_if(e, [](const Binding &b) { return !b.linear() && b.pair_uuid == kU1; });
		return bind_pair(e, linear_binding("loop:/new.img:163840:512", "r0", 131072));
	}));
	auto r = load_bindings(path);
	EXPECT_TRUE(r.problems.empty());
	EXPECT_EQ(r.entries, (std::vector<Binding>{{"size:2:512", kU2, "data1"},
						   linear_binding("loop:/new.img:163840:512", "r0", 131072)}));
	EXPECT_NE(read_all(path).find("\nloop:/new.img:163840:512 linear r0 131072\n"), std::string::npos);
}

TEST(BindingsFile, PathFromEnvironment)
{
	::unsetenv("DM_REMAP_BINDINGS");
	EXPECT_EQ(bindings_path(), "/etc/dm-remap/bindings");
	::setenv("DM_REMAP_BINDINGS", "/tmp/b", 1);
	EXPECT_EQ(bindings_path(), "/tmp/b");
	::unsetenv("DM_REMAP_BINDINGS");
}
