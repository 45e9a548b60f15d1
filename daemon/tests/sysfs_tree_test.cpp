// /sys/kernel/dm-remap-v4 helpers against a fake tree in a temp directory.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "remap/sysfs_tree.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

void put(const std::string &path, const std::string &content)
{
	std::filesystem::create_directories(std::filesystem::path(path).parent_path());
	std::ofstream(path) << content;
}

std::string get(const std::string &path)
{
	std::ifstream in(path);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Sysfs, MissingTreeIsNotAnError)
{
	SysfsTree t("/nonexistent/dm-remap-v4");
	EXPECT_FALSE(t.present());
	EXPECT_FALSE(t.auto_discovery().has_value());
	EXPECT_FALSE(t.health_threshold().has_value());
	EXPECT_FALSE(t.trigger_discovery());
	EXPECT_FALSE(t.trigger_health_scan());
	EXPECT_TRUE(t.stats().empty());
}

TEST(Sysfs, ReadsAndTriggers)
{
	TempDir dir;
	put(dir.path() + "/discovery/auto_discovery", "0\n");
	put(dir.path() + "/discovery/trigger_discovery", "");
	put(dir.path() + "/health/health_threshold", "65\n");
	put(dir.path() + "/health/trigger_health_scan", "");
	put(dir.path() + "/stats/remaps_total", "12\n");
	put(dir.path() + "/stats/devices", "2\n");
	SysfsTree t(dir.path());
	EXPECT_TRUE(t.present());
	EXPECT_EQ(t.auto_discovery(), false);
	EXPECT_EQ(t.health_threshold(), 65u);
	EXPECT_TRUE(t.trigger_discovery());
	EXPECT_EQ(get(dir.path() + "/discovery/trigger_discovery"), "scan");
	EXPECT_TRUE(t.trigger_health_scan());
	EXPECT_EQ(get(dir.path() + "/health/trigger_health_scan"), "scan");
	auto stats = t.stats();
	EXPECT_EQ(stats.size(), 2u);
	EXPECT_EQ(stats["remaps_total"], "12");
	put(dir.path() + "/discovery/auto_discovery", "1\n");
	EXPECT_EQ(t.auto_discovery(), true);
	put(dir.path() + "/discovery/auto_discovery", "yes\n");
	EXPECT_FALSE(t.auto_discovery().has_value());
	put(dir.path() + "/health/health_threshold", "200\n");
	EXPECT_FALSE(t.health_threshold().has_value());
}
