// The bindings file: parser (good lines kept, each bad line reported with
// its number), writer (render + parse round trip, atomic locked update that
// refuses a file with bad lines) and the name rules of bind_pair().
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
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

TEST(BindingsFile, PathFromEnvironment)
{
	::unsetenv("DM_REMAP_BINDINGS");
	EXPECT_EQ(bindings_path(), "/etc/dm-remap/bindings");
	::setenv("DM_REMAP_BINDINGS", "/tmp/b", 1);
	EXPECT_EQ(bindings_path(), "/tmp/b");
	::unsetenv("DM_REMAP_BINDINGS");
}
