// "Did you mean ...?": the edit distance and which candidate is suggested.
#include <gtest/gtest.h>

#include "remap/suggest.hpp"

using namespace remap;

namespace {

const std::vector<std::string> kCommands = {"create", "remove", "list",     "status",  "remap",   "scan",
					    "health", "discover", "metadata", "probe", "version"};

}  // namespace

TEST(Suggest, EditDistance)
{
	EXPECT_EQ(edit_distance("", ""), 0u);
	EXPECT_EQ(edit_distance("abc", ""), 3u);
	EXPECT_EQ(edit_distance("", "abc"), 3u);
	EXPECT_EQ(edit_distance("status", "status"), 0u);
	EXPECT_EQ(edit_distance("statsu", "status"), 1u);   // adjacent swap
	EXPECT_EQ(edit_distance("staus", "status"), 1u);    // deletion
	EXPECT_EQ(edit_distance("statuss", "status"), 1u);  // insertion
	EXPECT_EQ(edit_distance("stbtus", "status"), 1u);   // substitution
	EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
	EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // OSA: no edit of a swapped pair
	EXPECT_EQ(edit_distance("remap", "remove"), 3u);
	EXPECT_EQ(edit_distance("status", "statsu"), edit_distance("statsu", "status"));
}

TEST(Suggest, ClosestCommand)
{
	EXPECT_EQ(closest_word("statsu", kCommands), "status");
	EXPECT_EQ(closest_word("lsit", kCommands), "list");
	EXPECT_EQ(closest_word("crate", kCommands), "create");
	EXPECT_EQ(closest_word("remoev", kCommands), "remove");
	EXPECT_EQ(closest_word("helth", kCommands), "health");
	EXPECT_EQ(closest_word("discvoer", kCommands), "discover");
	EXPECT_EQ(closest_word("metdata", kCommands), "metadata");
	EXPECT_EQ(closest_word("verison", kCommands), "version");
	EXPECT_EQ(closest_word("scna", kCommands), "scan");
	// A unique prefix.
	EXPECT_EQ(closest_word("stat", kCommands), "status");
	EXPECT_EQ(closest_word("disc", kCommands), "discover");
	EXPECT_EQ(closest_word("meta", kCommands), "metadata");
}

TEST(Suggest, NothingCloseMeansNoSuggestion)
{
	EXPECT_FALSE(closest_word("", kCommands));
	EXPECT_FALSE(closest_word("bogus", kCommands));
	EXPECT_FALSE(closest_word("frobnicate", kCommands));
	EXPECT_FALSE(closest_word("x", kCommands));
	EXPECT_FALSE(closest_word("re", kCommands));   // prefix of remove and remap
	EXPECT_FALSE(closest_word("s", kCommands));    // prefix of status and scan
	EXPECT_FALSE(closest_word("ab", {"xy"}));      // distance 2 = the whole word
	EXPECT_FALSE(closest_word("list", {}));
	// Short words allow one edit only: "lst" is list, "lxsx" is nothing.
	EXPECT_EQ(closest_word("lst", kCommands), "list");
	EXPECT_FALSE(closest_word("lxsx", kCommands));
}

TEST(Suggest, ExactWordIsItsOwnSuggestion)
{
	EXPECT_EQ(closest_word("status", kCommands), "status");
}
