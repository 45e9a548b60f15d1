// Alerts: one per state change, not one per poll.
#include <gtest/gtest.h>

#include "remap/alert_policy.hpp"

using namespace remap;

namespace {

StatusInfo status(unsigned int health, std::uint64_t remapped, std::uint64_t free = 900,
		  const std::string &mode = "rw")
{
	StatusInfo s;
	s.mode = mode;
	s.health = health;
	s.remapped = remapped;
	s.spare_blocks = 1000;
	s.spare_free = free;
	s.spare_used = 1000 - free;
	return s;
}

std::vector<std::string> events(const std::vector<Alert> &alerts)
{
	std::vector<std::string> out;
	for (const auto &a : alerts)
		out.push_back(a.event);
	return out;
}

// The events other than remapped_new, for the tests of the rate rule
// (each remap also gives a remapped_new, tested on its own below).
std::vector<std::string> rate_events(const std::vector<Alert> &alerts)
{
	std::vector<std::string> out;
	for (const auto &a : alerts)
		if (a.event != "remapped_new")
			out.push_back(a.event);
	return out;
}

const AlertThresholds kT{50, 10, 10};

}  // namespace

TEST(Alerts, HealthyDeviceNeverAlerts)
{
	DeviceAlertState st;
	for (int i = 0; i < 10; i++)
		EXPECT_TRUE(st.observe("r0", status(100, 0), i * 60, kT).empty());
}

TEST(Alerts, HealthDropAlertsOnceAndRecoveryOnce)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", status(100, 0), 0, kT).empty());
	auto a = st.observe("r0", status(40, 0), 60, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"health_low"});
	EXPECT_EQ(a[0].device, "r0");
	EXPECT_TRUE(a[0].problem);
	EXPECT_NE(a[0].message.find("health 40 (threshold 50)"), std::string::npos) << a[0].message;
	EXPECT_TRUE(st.observe("r0", status(30, 0), 120, kT).empty());
	EXPECT_TRUE(st.observe("r0", status(45, 0), 180, kT).empty());
	auto b = st.observe("r0", status(90, 0), 240, kT);
	ASSERT_EQ(events(b), std::vector<std::string>{"health_ok"});
	EXPECT_FALSE(b[0].problem);
}

TEST(Alerts, BadAtFirstSightAlertsOnce)
{
	DeviceAlertState st;
	EXPECT_EQ(events(st.observe("r0", status(10, 0, 900, "ro"), 0, kT)),
		  (std::vector<std::string>{"health_low", "mode_changed"}));
	EXPECT_TRUE(st.observe("r0", status(10, 0, 900, "ro"), 60, kT).empty());
	EXPECT_EQ(events(st.observe("r0", status(0, 0, 900, "fail"), 120, kT)),
		  std::vector<std::string>{"mode_changed"});
}

TEST(Alerts, RemapRateWithinAnHour)
{
	DeviceAlertState st;
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 100), 0, kT)).empty());
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 105), 600, kT)).empty());
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 110), 1200, kT)).empty());  // +10: not above
	EXPECT_EQ(rate_events(st.observe("r0", status(100, 111), 1800, kT)),
		  std::vector<std::string>{"remap_rate_high"});
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 112), 2400, kT)).empty());
	// An hour after the burst, growth within the window falls below the threshold.
	EXPECT_EQ(rate_events(st.observe("r0", status(100, 112), 5000, kT)),
		  std::vector<std::string>{"remap_rate_ok"});
}

TEST(Alerts, RateThresholdZeroDisables)
{
	DeviceAlertState st;
	AlertThresholds t{50, 0, 10};
	st.observe("r0", status(100, 0), 0, t);
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 100000), 60, t)).empty());
}

TEST(Alerts, CounterResetDoesNotUnderflow)
{
	DeviceAlertState st;
	st.observe("r0", status(100, 500), 0, kT);
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 0), 60, kT)).empty());
	EXPECT_TRUE(rate_events(st.observe("r0", status(100, 5), 120, kT)).empty());
}

TEST(Alerts, SpareLow)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", status(100, 0, 100), 0, kT).empty());  // 10%: not below
	EXPECT_EQ(events(st.observe("r0", status(100, 0, 99), 60, kT)),
		  std::vector<std::string>{"spare_low"});
	EXPECT_TRUE(st.observe("r0", status(100, 0, 5), 120, kT).empty());
	AlertThresholds off{50, 10, 0};
	DeviceAlertState st2;
	EXPECT_TRUE(st2.observe("r0", status(100, 0, 0), 0, off).empty());
}

TEST(Alerts, TrackerForgetsVanishedDevices)
{
	AlertTracker t;
	EXPECT_EQ(t.observe({{"a", status(10, 0)}}, 0, kT).size(), 1u);
	EXPECT_TRUE(t.observe({{"a", status(10, 0)}}, 60, kT).empty());
	EXPECT_TRUE(t.observe({}, 120, kT).empty());
	// Back again: a new device as far as alerts go.
	EXPECT_EQ(t.observe({{"a", status(10, 0)}}, 180, kT).size(), 1u);
}

namespace {

StatusInfo counters(std::uint64_t pending, std::uint64_t read_errors, std::uint64_t remapped = 0,
		    const std::string &main_state = "ok")
{
	StatusInfo s = status(100, remapped);
	s.pending = pending;
	s.read_errors = read_errors;
	if (!main_state.empty())
		s.unknown.emplace_back("main_state", main_state);
	return s;
}

}  // namespace

TEST(Alerts, PendingNewOnEachGrowth)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", counters(0, 0), 0, kT).empty());
	auto a = st.observe("r0", counters(4, 0), 60, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"pending_new"});
	EXPECT_TRUE(a[0].problem);
	EXPECT_NE(a[0].message.find("r0: 4 new pending block(s), 4 in all"), std::string::npos)
		<< a[0].message;
	EXPECT_TRUE(st.observe("r0", counters(4, 0), 120, kT).empty());  // no growth: quiet
	a = st.observe("r0", counters(6, 0), 180, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"pending_new"});
	EXPECT_NE(a[0].message.find("2 new pending block(s), 6 in all"), std::string::npos) << a[0].message;
	EXPECT_TRUE(st.observe("r0", counters(2, 0), 240, kT).empty());  // written: fewer pending
	EXPECT_EQ(events(st.observe("r0", counters(3, 0), 300, kT)),
		  std::vector<std::string>{"pending_new"});
}

TEST(Alerts, PendingAtFirstSightAlertsOnce)
{
	DeviceAlertState st;
	EXPECT_EQ(events(st.observe("r0", counters(3, 0), 0, kT)), std::vector<std::string>{"pending_new"});
	EXPECT_TRUE(st.observe("r0", counters(3, 0), 60, kT).empty());
}

TEST(Alerts, ReadErrorsOnEachGrowth)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", counters(0, 0), 0, kT).empty());
	auto a = st.observe("r0", counters(0, 2), 60, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"read_errors"});
	EXPECT_NE(a[0].message.find("r0: 2 new read error(s) on the main, 2 since"), std::string::npos)
		<< a[0].message;
	EXPECT_TRUE(st.observe("r0", counters(0, 2), 120, kT).empty());
	EXPECT_TRUE(st.observe("r0", counters(0, 0), 180, kT).empty());  // clear_stats
	EXPECT_EQ(events(st.observe("r0", counters(0, 1), 240, kT)),
		  std::vector<std::string>{"read_errors"});
	DeviceAlertState first;
	EXPECT_EQ(events(first.observe("r0", counters(0, 5), 0, kT)),
		  std::vector<std::string>{"read_errors"});
}

TEST(Alerts, RemappedNewOnEachGrowthButNotAtFirstSight)
{
	AlertThresholds no_rate{50, 0, 0};
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 1169), 0, no_rate).empty());
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 1169), 60, no_rate).empty());
	auto a = st.observe("r0", counters(0, 0, 1173), 120, no_rate);
	ASSERT_EQ(events(a), std::vector<std::string>{"remapped_new"});
	EXPECT_NE(a[0].message.find("r0: 4 block(s) newly remapped, 1173 in all"), std::string::npos)
		<< a[0].message;
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 1173), 180, no_rate).empty());
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 0), 240, no_rate).empty());  // recreated
	EXPECT_EQ(events(st.observe("r0", counters(0, 0, 1), 300, no_rate)),
		  std::vector<std::string>{"remapped_new"});
}

TEST(Alerts, DeviceFailedAndOk)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", counters(0, 0), 0, kT).empty());
	// A failed main is health 0 (health_verdict.hpp): health_low comes
	// with device_failed, as it comes with mode_changed to ro.
	auto a = st.observe("r0", counters(0, 0, 0, "failed"), 60, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_low", "device_failed"}));
	EXPECT_TRUE(a[1].problem);
	EXPECT_NE(a[1].message.find("main_state=failed"), std::string::npos) << a[1].message;
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 0, "failed"), 120, kT).empty());
	a = st.observe("r0", counters(0, 0, 0, "ok"), 180, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_ok", "device_ok"}));
	EXPECT_FALSE(a[1].problem);
	// An older kernel without main_state never fails.
	DeviceAlertState old;
	EXPECT_TRUE(old.observe("r0", counters(0, 0, 0, ""), 0, kT).empty());
	DeviceAlertState first;
	EXPECT_EQ(events(first.observe("r0", counters(0, 0, 0, "failed"), 0, kT)),
		  (std::vector<std::string>{"health_low", "device_failed"}));
}

// main_state=ro (issue 21 item 8): main refuses writes, reads work.  Its
// own event pair, and the score capped like a read-only spare (30 < 50).
TEST(Alerts, MainReadonlyAndWritable)
{
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", counters(0, 0), 0, kT).empty());
	auto a = st.observe("r0", counters(0, 0, 0, "ro"), 60, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_low", "main_readonly"}));
	EXPECT_TRUE(a[1].problem);
	EXPECT_NE(a[1].message.find("main_state=ro"), std::string::npos) << a[1].message;
	EXPECT_TRUE(st.observe("r0", counters(0, 0, 0, "ro"), 120, kT).empty());
	a = st.observe("r0", counters(0, 0, 0, "ok"), 180, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_ok", "main_writable"}));
	EXPECT_FALSE(a[1].problem);
	// ro, then failed: device_failed; main_writable only once it takes writes.
	a = st.observe("r0", counters(0, 0, 0, "ro"), 240, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_low", "main_readonly"}));
	a = st.observe("r0", counters(0, 0, 0, "failed"), 300, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"device_failed"});
	a = st.observe("r0", counters(0, 0, 0, "ok"), 360, kT);
	ASSERT_EQ(events(a), (std::vector<std::string>{"health_ok", "device_ok", "main_writable"}));
}

// The kernel's score does not see main_state (include/dm-remap/health.h):
// a dead main reported health=100 and raised no health_low.  The score
// remapd alerts on puts the main's and the spare's state in.
TEST(Alerts, HealthLowWhenTheMainFailsOrTheSpareCannotBeWritten)
{
	DeviceAlertState st;
	auto a = st.observe("r0", counters(0, 0, 0, "failed"), 0, kT);
	ASSERT_FALSE(a.empty());
	EXPECT_EQ(a[0].event, "health_low");
	EXPECT_EQ(a[0].message,
		  "r0: health 0 (threshold 50, kernel score 100: main_state=failed spare_state=ok)");
	EXPECT_EQ(events(st.observe("r0", counters(0, 0, 0, "ok"), 60, kT)),
		  (std::vector<std::string>{"health_ok", "device_ok"}));

	// meta_state=failed: every write fails until a reload; the kernel
	// only caps mode ro at 30.
	StatusInfo meta = status(30, 0, 900, "ro");
	meta.unknown.emplace_back("main_state", "ok");
	meta.unknown.emplace_back("meta_state", "failed");
	DeviceAlertState ro;
	a = ro.observe("r0", meta, 0, AlertThresholds{20, 0, 0});
	EXPECT_EQ(events(a), (std::vector<std::string>{"health_low", "mode_changed"}));
	EXPECT_NE(a[0].message.find("r0: health 0 (threshold 20"), std::string::npos) << a[0].message;
}

TEST(Alerts, UnreadableNewAndReadFailedOnEachGrowth)
{
	auto with = [](std::uint64_t unreadable, std::uint64_t failed_reads) {
		StatusInfo s = status(100, 0);
		s.unreadable = unreadable;
		s.failed_reads = failed_reads;
		return s;
	};
	DeviceAlertState st;
	EXPECT_TRUE(st.observe("r0", with(0, 0), 0, kT).empty());
	auto a = st.observe("r0", with(2, 0), 60, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"unreadable_new"});
	EXPECT_NE(a[0].message.find("r0: 2 new unreadable block(s), 2 in all"), std::string::npos)
		<< a[0].message;
	a = st.observe("r0", with(2, 3), 120, kT);
	ASSERT_EQ(events(a), std::vector<std::string>{"read_failed"});
	EXPECT_NE(a[0].message.find("r0: 3 read(s) ended in an error for the application"),
		  std::string::npos)
		<< a[0].message;
	EXPECT_TRUE(st.observe("r0", with(2, 3), 180, kT).empty());
	EXPECT_TRUE(st.observe("r0", with(0, 0), 240, kT).empty());  // written; clear_stats
	DeviceAlertState first;
	EXPECT_EQ(events(first.observe("r0", with(1, 1), 0, kT)),
		  (std::vector<std::string>{"unreadable_new", "read_failed"}));
}
