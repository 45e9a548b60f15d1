// The evacuations file (evacuations.hpp): parser (good lines kept, each bad
// line reported with its number), render + parse round trip, the atomic
// update that refuses a file with bad lines, and the table features.
#include <gtest/gtest.h>

#include <fstream>

#include "remap/error.hpp"
#include "remap/evacuations.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

const std::string kP = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
const std::string kE = "11111111-2222-4333-8444-555555555555";

}  // namespace

TEST(EvacuationsFile, GoodLineAndComments)
{
	auto p = parse_evacuations("# c\n\n" + kP + " " + kE + " wwn-0x5000 1024 4096  # trailing\n", "F");
	ASSERT_TRUE(p.problems.empty()) << p.problems.front();
	ASSERT_EQ(p.entries.size(), 1u);
	EXPECT_EQ(p.entries[0], (Evacuation{kP, kE, "wwn-0x5000", 1024, 4096}));
	EXPECT_EQ(find_evacuation(p.entries, kP), &p.entries[0]);
	EXPECT_EQ(find_evacuation(p.entries, kE), nullptr);
}

TEST(EvacuationsFile, BadLinesAreReportedWithTheirNumber)
{
	const std::string text = kP + " " + kE + " id 0 0\n"       // 1: good
				 + kP + " " + kE + " id 0\n"         // 2: 4 fields
				 + "NOT-A-UUID " + kE + " id 0 0\n"  // 3
				 + kE + " " + kE + " id 0 4194305\n" // 4: rate too high
				 + kE + " " + kE + " id x 0\n"       // 5: not a number
				 + kP + " " + kE + " id2 0 0\n";     // 6: second line for kP
	auto p = parse_evacuations(text, "F");
	ASSERT_EQ(p.entries.size(), 1u);
	ASSERT_EQ(p.problems.size(), 5u);
	EXPECT_EQ(p.problems[0].rfind("F:2: ", 0), 0u) << p.problems[0];
	EXPECT_EQ(p.problems[1].rfind("F:3: ", 0), 0u) << p.problems[1];
	EXPECT_EQ(p.problems[2].rfind("F:4: ", 0), 0u) << p.problems[2];
	EXPECT_EQ(p.problems[3].rfind("F:5: ", 0), 0u) << p.problems[3];
	EXPECT_EQ(p.problems[4].rfind("F:6: ", 0), 0u) << p.problems[4];
}

TEST(EvacuationsFile, RenderParsesBack)
{
	std::vector<Evacuation> v{{kP, kE, "loop:/tmp/x", 0, 0}, {kE, kP, "serial-ABC", 10, 20}};
	auto p = parse_evacuations(render_evacuations(v), "F");
	EXPECT_TRUE(p.problems.empty());
	EXPECT_EQ(p.entries, v);
}

TEST(EvacuationsFile, UpdateRefusesAFileWithBadLinesAndChangesNothing)
{
	TempDir dir;
	const std::string path = dir.path() + "/evacuations";
	{
		std::ofstream(path) << "garbage\n";
	}
	EXPECT_THROW(update_evacuations(path, [](std::vector<Evacuation> &e) { e.clear(); }), RefusedError);
	std::ifstream in(path);
	std::string line;
	std::getline(in, line);
	EXPECT_EQ(line, "garbage");
	std::remove(path.c_str());
	update_evacuations(path, [](std::vector<Evacuation> &e) { e.push_back({kP, kE, "id", 1, 2}); });
	EXPECT_EQ(load_evacuations(path).entries, (std::vector<Evacuation>{{kP, kE, "id", 1, 2}}));
}

TEST(EvacuationsFile, TableFeatures)
{
	EXPECT_EQ(evacuation_features({kP, kE, "id", 0, 0}, "8:16"),
		  (std::vector<std::string>{"evacuate", "8:16", kE}));
	EXPECT_EQ(evacuation_features({kP, kE, "id", 5, 10}, "8:16"),
		  (std::vector<std::string>{"evacuate", "8:16", kE, "evac_rate", "5", "10"}));
	EXPECT_EQ(table_features_text({}), "");
	EXPECT_EQ(table_features_text({"evacuate", "8:16", kE}), " 3 evacuate 8:16 " + kE);
}
