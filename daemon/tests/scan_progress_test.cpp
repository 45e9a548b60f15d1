// The scan keys of the status line, and how remapctl shows them.
#include <gtest/gtest.h>

#include "remap/error.hpp"
#include "remap/scan_progress.hpp"
#include "remap/status_info.hpp"

using namespace remap;

namespace {

const std::string kBase =
	"mode=rw remapped=0 pending=0 spare_used=0 spare_free=10 spare_blocks=10 "
	"extents=0 max_extents=21824 read_errors=0 write_errors=0 spare_errors=0 "
	"remap_failures=0 reads=0 writes=0 health=100 block_size=4096 seq=3 "
	"uuid=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

StatusInfo with(const std::string &extra)
{
	return parse_status_line(kBase + " " + extra);
}

}  // namespace

TEST(ScanProgress, NoScanKeysIsNullopt)
{
	EXPECT_FALSE(scan_progress(parse_status_line(kBase), 8000).has_value());
}

TEST(ScanProgress, FullKeys)
{
	auto p = scan_progress(with("scan_active=1 scan_cursor=250 scan_passes=2 scan_warnings=3 "
				    "scan_errors=4 main_state=ok scan_percent=25 scan_speed_kib=2048 "
				    "scan_eta=7"),
			       8000);
	ASSERT_TRUE(p);
	EXPECT_TRUE(p->active);
	EXPECT_EQ(p->cursor, 250u);
	EXPECT_EQ(p->blocks, 1000u);  // 8000 sectors of 4 KiB blocks
	EXPECT_EQ(p->percent, 25u);
	EXPECT_EQ(p->speed_kib, 2048u);
	ASSERT_TRUE(p->eta_seconds);
	EXPECT_EQ(*p->eta_seconds, 7u);
	EXPECT_EQ(p->passes, 2u);
	EXPECT_EQ(p->warnings, 3u);
	EXPECT_EQ(p->errors, 4u);
}

TEST(ScanProgress, EtaMinusOneIsUnknown)
{
	auto p = scan_progress(with("scan_active=0 scan_cursor=0 scan_passes=0 scan_warnings=0 "
				    "scan_errors=0 scan_percent=0 scan_speed_kib=0 scan_eta=-1"),
			       8000);
	ASSERT_TRUE(p);
	EXPECT_FALSE(p->active);
	EXPECT_FALSE(p->eta_seconds);
}

TEST(ScanProgress, OlderModuleComputesPercentFromCursor)
{
	auto p = scan_progress(with("scan_active=1 scan_cursor=500 scan_passes=0 scan_warnings=0 "
				    "scan_errors=0"),
			       8000);
	ASSERT_TRUE(p);
	EXPECT_EQ(p->percent, 50u);
	EXPECT_EQ(p->speed_kib, 0u);
	EXPECT_FALSE(p->eta_seconds);
}

TEST(ScanProgress, MalformedKeysThrow)
{
	const std::string good = "scan_active=1 scan_cursor=1 scan_passes=0 scan_warnings=0 scan_errors=0";
	EXPECT_THROW(scan_progress(with("scan_active=2 scan_cursor=1 scan_passes=0 scan_warnings=0 scan_errors=0"), 8),
		     ParseError);
	EXPECT_THROW(scan_progress(with("scan_active=1 scan_passes=0 scan_warnings=0 scan_errors=0"), 8),
		     ParseError);
	EXPECT_THROW(scan_progress(with(good + " scan_percent=101 scan_speed_kib=0 scan_eta=-1"), 8), ParseError);
	EXPECT_THROW(scan_progress(with(good + " scan_percent=1 scan_speed_kib=x scan_eta=-1"), 8), ParseError);
	EXPECT_THROW(scan_progress(with(good + " scan_percent=1 scan_speed_kib=0 scan_eta=-2"), 8), ParseError);
	EXPECT_THROW(scan_progress(with(good + " scan_percent=1 scan_speed_kib=0"), 8), ParseError);
}

TEST(ScanProgress, Formatting)
{
	EXPECT_EQ(format_duration(0), "0s");
	EXPECT_EQ(format_duration(59), "59s");
	EXPECT_EQ(format_duration(723), "12m03s");
	EXPECT_EQ(format_duration(3600 * 3 + 7 * 60 + 5), "3h07m");
	EXPECT_EQ(format_duration(86400 * 2 + 3600 * 4), "2d04h");
	EXPECT_EQ(progress_bar(0, 10), "[..........]");
	EXPECT_EQ(progress_bar(45, 10), "[####......]");
	EXPECT_EQ(progress_bar(100, 10), "[##########]");
	EXPECT_EQ(progress_bar(250, 4), "[####]");
	EXPECT_EQ(format_rate_kib(812), "812 KiB/s");
	EXPECT_EQ(format_rate_kib(1024 * 123 + 410), "123.4 MiB/s");
	EXPECT_EQ(format_rate_kib(1024 * 1024 * 3 / 2), "1.5 GiB/s");
}
