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
	EXPECT_TRUE(st.observe("r0", status(100, 100), 0, kT).empty());
	EXPECT_TRUE(st.observe("r0", status(100, 105), 600, kT).empty());
	EXPECT_TRUE(st.observe("r0", status(100, 110), 1200, kT).empty());  // +10: not above
	EXPECT_EQ(events(st.observe("r0", status(100, 111), 1800, kT)),
		  std::vector<std::string>{"remap_rate_high"});
	EXPECT_TRUE(st.observe("r0", status(100, 112), 2400, kT).empty());
	// An hour after the burst, growth within the window falls below the threshold.
	EXPECT_EQ(events(st.observe("r0", status(100, 112), 5000, kT)),
		  std::vector<std::string>{"remap_rate_ok"});
}

TEST(Alerts, RateThresholdZeroDisables)
{
	DeviceAlertState st;
	AlertThresholds t{50, 0, 10};
	st.observe("r0", status(100, 0), 0, t);
	EXPECT_TRUE(st.observe("r0", status(100, 100000), 60, t).empty());
}

TEST(Alerts, CounterResetDoesNotUnderflow)
{
	DeviceAlertState st;
	st.observe("r0", status(100, 500), 0, kT);
	EXPECT_TRUE(st.observe("r0", status(100, 0), 60, kT).empty());
	EXPECT_TRUE(st.observe("r0", status(100, 5), 120, kT).empty());
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
