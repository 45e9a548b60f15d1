// SPDX-License-Identifier: GPL-2.0
// The health score (include/dm-remap/health.h): every rule at its edges, the
// caps, and the two cases that prompted the formula (16 unreadable sectors
// scored 80, 1,169 remapped blocks scored 100).
#include "test_util.h"

#include "dm-remap/health.h"

#include <cstdint>

namespace {

dmr_health_input healthy()
{
	dmr_health_input in{};
	in.spare_blocks = 1000;
	in.mode = DMR_MODE_RW;
	return in;
}

unsigned score(const dmr_health_input &in)
{
	return dmr_health_score(&in);
}

TEST(Health, HealthyDeviceIs100)
{
	EXPECT_EQ(score(healthy()), 100u);
	dmr_health_input in = healthy();
	in.spare_blocks = 0;  // unknown capacity: no spare penalty
	EXPECT_EQ(score(in), 100u);
}

TEST(Health, ModeFailIsZeroAndReadOnlyAtMost30)
{
	dmr_health_input in = healthy();
	in.mode = DMR_MODE_FAIL;
	EXPECT_EQ(score(in), 0u);
	in.mode = DMR_MODE_RO;
	EXPECT_EQ(score(in), 30u);
}

TEST(Health, ScanErrorRatioEdges)
{
	dmr_health_input in = healthy();
	in.scanned_blocks = 100000;
	in.scan_errors = 100;  // exactly 0.1%: not above
	EXPECT_EQ(score(in), 100u);
	in.scan_errors = 101;  // above 0.1%
	EXPECT_EQ(score(in), 30u);
	in.scan_errors = 1000;  // exactly 1%
	EXPECT_EQ(score(in), 30u);
	in.scan_errors = 1001;  // above 1%
	EXPECT_EQ(score(in), 0u);
	in.scanned_blocks = 0;  // nothing scanned: the ratio does not apply
	EXPECT_EQ(score(in), 100u);
}

TEST(Health, AnyPendingOrUnreadableBlockCapsAt40)
{
	dmr_health_input in = healthy();
	in.pending = 1;
	EXPECT_EQ(score(in), 40u);  // 90 by penalty, capped
	in.pending = 0;
	in.unreadable = 1;
	EXPECT_EQ(score(in), 40u);
	in.pending = 3;  // 4 lost blocks: penalty 40 -> 60, cap 40
	EXPECT_EQ(score(in), 40u);
	in.pending = 1000000;  // penalty stops at 40
	in.unreadable = 1000000;
	EXPECT_EQ(score(in), 40u);
	in.remapped = 1;  // other penalties still count below the cap: 100-40-5
	in.scan_warnings = 10;  // -20
	EXPECT_EQ(score(in), 35u);
}

TEST(Health, SixteenUnreadableSectorsUnderAFileAlert)
{
	// The walk-through: 16 unreadable 512-byte blocks read by an application
	// (each a failed read).  It scored 80; the default threshold is 50.
	dmr_health_input in = healthy();
	in.pending = 16;
	in.failed_reads = 16;
	in.io_errors = 16;
	EXPECT_LT(score(in), 50u);
	EXPECT_EQ(score(in), 30u);  // 100 - 40 - 20 - 10
}

TEST(Health, FailedReadsAndIoErrorsEdges)
{
	dmr_health_input in = healthy();
	in.failed_reads = 1;
	EXPECT_EQ(score(in), 95u);
	in.failed_reads = 4;
	EXPECT_EQ(score(in), 80u);
	in.failed_reads = 5;  // at most 20
	EXPECT_EQ(score(in), 80u);
	in.failed_reads = 0;
	in.io_errors = 1;
	EXPECT_EQ(score(in), 99u);
	in.io_errors = 10;
	EXPECT_EQ(score(in), 90u);
	in.io_errors = 11;  // at most 10
	EXPECT_EQ(score(in), 90u);
}

TEST(Health, RemappedBlockSteps)
{
	const struct {
		std::uint64_t remapped;
		unsigned want;
	} cases[] = {{0, 100}, {1, 95}, {9, 95}, {10, 90}, {99, 90},
		     {100, 80}, {999, 80}, {1000, 70}, {1169, 70}, {UINT64_MAX, 70}};
	for (const auto &c : cases) {
		dmr_health_input in = healthy();
		in.remapped = c.remapped;
		in.spare_blocks = 0;  // spare use is its own rule
		EXPECT_EQ(score(in), c.want) << c.remapped << " remapped";
	}
}

TEST(Health, RemapGrowthSteps)
{
	const struct {
		std::uint64_t recent;
		unsigned want;
	} cases[] = {{0, 100}, {1, 95}, {9, 95}, {10, 90}, {99, 90}, {100, 80}, {UINT64_MAX, 80}};
	for (const auto &c : cases) {
		dmr_health_input in = healthy();
		in.remaps_24h = c.recent;
		EXPECT_EQ(score(in), c.want) << c.recent << " remaps in 24 h";
	}
}

TEST(Health, ABurstOf1169RemapsAlerts)
{
	// The walk-through: 1,169 blocks remapped (write errors), scored 100.
	dmr_health_input in = healthy();
	in.spare_blocks = 100000;
	in.spare_used = 1169;
	in.remapped = 1169;
	in.remaps_24h = 1169;
	in.io_errors = 1169;
	EXPECT_EQ(score(in), 40u);  // 100 - 30 - 20 - 10
	in.remaps_24h = 0;  // the same disk a day later, errors cleared
	in.io_errors = 0;
	EXPECT_EQ(score(in), 70u);
}

TEST(Health, SlowWarningsAndSpareUse)
{
	dmr_health_input in = healthy();
	in.scan_warnings = 1;
	EXPECT_EQ(score(in), 98u);
	in.scan_warnings = UINT64_MAX;  // at most 20, no overflow
	EXPECT_EQ(score(in), 80u);
	in = healthy();
	in.spare_used = 499;
	EXPECT_EQ(score(in), 100u);
	in.spare_used = 500;
	EXPECT_EQ(score(in), 90u);
	in.spare_used = 750;
	EXPECT_EQ(score(in), 80u);
	in.spare_used = 900;
	EXPECT_EQ(score(in), 60u);
}

TEST(Health, StaleScan)
{
	dmr_health_input in = healthy();
	in.scan_interval = 3600;
	in.scan_age = 7200;  // exactly 2 intervals: not older
	EXPECT_EQ(score(in), 100u);
	in.scan_age = 7201;
	EXPECT_EQ(score(in), 95u);
	in.scan_interval = 0;  // scanning off: age does not count
	EXPECT_EQ(score(in), 100u);
}

TEST(Health, PenaltiesBeyond100GiveZero)
{
	dmr_health_input in = healthy();
	in.pending = 4;           // 40
	in.failed_reads = 4;      // 20
	in.io_errors = 10;        // 10
	in.remapped = 1000;       // 30
	in.remaps_24h = 100;      // 20
	in.scan_warnings = 10;    // 20
	in.spare_used = 900;      // 40
	EXPECT_EQ(score(in), 0u);
}

}  // namespace
