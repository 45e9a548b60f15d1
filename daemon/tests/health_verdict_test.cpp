// Issue 23 item 3, "a dead main looks healthy": the main's and the spare's
// state in the health score and verdict (remapctl health, remapd's
// health_low and STATUS=), in the metrics, and the pairs discovery finds
// without their main (event main_missing).
#include <gtest/gtest.h>

#include "remap/discovery.hpp"
#include "remap/health_verdict.hpp"
#include "remap/json_output.hpp"
#include "remap/metrics.hpp"
#include "remap/pairing.hpp"

using namespace remap;
using nlohmann::json;

namespace {

const std::string kUuidA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kUuidB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kUuidC = "cccccccc-0000-4000-8000-000000000003";

// A status line as the current module prints it.
StatusInfo live(const std::string &mode, unsigned int health, const std::string &main_state,
		const std::string &meta_state = "ok")
{
	std::string line = "mode=" + mode +
			   " remapped=0 pending=0 spare_used=0 spare_free=100 spare_blocks=100 "
			   "extents=0 max_extents=21824 read_errors=0 write_errors=0 spare_errors=0 "
			   "remap_failures=0 reads=0 writes=0 health=" +
			   std::to_string(health) + " block_size=512 seq=1 uuid=" + kUuidA;
	if (!main_state.empty())
		line += " main_state=" + main_state;
	line += " unreadable=0 failed_reads=0 remaps_24h=0";
	if (!meta_state.empty())
		line += " meta_state=" + meta_state;
	return parse_status_line(line);
}

SpareCandidate spare(const std::string &path, const std::string &uuid, const std::string &main_id)
{
	return {path, uuid, main_id, 65536, 512};
}

bool contains(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

}  // namespace

TEST(HealthVerdict, HealthyDeviceIsOk)
{
	auto a = assess_health(live("rw", 100, "ok"), 50);
	EXPECT_EQ(a.health, 100u);
	EXPECT_EQ(a.kernel_health, 100u);
	EXPECT_EQ(a.main_state, "ok");
	EXPECT_EQ(a.spare_state, "ok");
	EXPECT_EQ(a.verdict, Verdict::ok);
	EXPECT_TRUE(a.reasons.empty());
}

// The bug: the kernel reports health=100 while main_state=failed.
TEST(HealthVerdict, FailedMainIsCriticalWithHealthZero)
{
	auto a = assess_health(live("rw", 100, "failed"), 50);
	EXPECT_EQ(a.health, 0u);
	EXPECT_EQ(a.kernel_health, 100u);
	EXPECT_EQ(a.main_state, "failed");
	EXPECT_EQ(a.verdict, Verdict::critical);
	ASSERT_FALSE(a.reasons.empty());
	EXPECT_EQ(a.reasons.front(), "main_state=failed");
	// Critical whatever the threshold: --threshold 0 does not hide it.
	EXPECT_EQ(assess_health(live("rw", 100, "failed"), 0).verdict, Verdict::critical);
	EXPECT_STREQ(verdict_name(Verdict::critical), "critical");
}

TEST(HealthVerdict, SpareStates)
{
	// meta_state=failed: every write fails until the table is reloaded.
	auto failed = assess_health(live("ro", 30, "ok", "failed"), 0);
	EXPECT_EQ(failed.spare_state, "failed");
	EXPECT_EQ(failed.health, 0u);
	EXPECT_EQ(failed.verdict, Verdict::critical);
	// The old mode fail.
	EXPECT_EQ(assess_health(live("fail", 0, "ok", ""), 0).spare_state, "failed");
	// ro: no new remaps; degraded (the kernel caps it at 30 already, so
	// does userspace for a module that would not).
	auto ro = assess_health(live("ro", 80, "ok"), 0);
	EXPECT_EQ(ro.spare_state, "ro");
	EXPECT_EQ(ro.health, 30u);
	EXPECT_EQ(ro.verdict, Verdict::degraded);
	EXPECT_EQ(assess_health(live("weird", 100, "ok"), 0).spare_state, "unknown");
	EXPECT_EQ(assess_health(live("weird", 100, "ok"), 0).verdict, Verdict::degraded);
}

// main_state=ro: main refuses every write, reads work.  Capped like a
// read-only spare, degraded, the reason named.
TEST(HealthVerdict, MainThatRefusesWrites)
{
	auto a = assess_health(live("rw", 100, "ro"), 0);
	EXPECT_EQ(a.main_state, "ro");
	EXPECT_EQ(a.health, 30u);
	EXPECT_EQ(a.verdict, Verdict::degraded);
	ASSERT_FALSE(a.reasons.empty());
	EXPECT_EQ(a.reasons.front(), "main_state=ro");
}

TEST(HealthVerdict, ThresholdAndOlderOrNewerModules)
{
	EXPECT_EQ(assess_health(live("rw", 49, "ok"), 50).verdict, Verdict::degraded);
	EXPECT_EQ(assess_health(live("rw", 50, "ok"), 50).verdict, Verdict::ok);
	// A module without main_state/meta_state is judged by its score.
	auto old = assess_health(live("rw", 100, "", ""), 50);
	EXPECT_EQ(old.main_state, "unknown");
	EXPECT_EQ(old.verdict, Verdict::ok);
	// A state word this version does not know is not called healthy.
	auto newer = assess_health(live("rw", 100, "degraded"), 50);
	EXPECT_EQ(newer.verdict, Verdict::degraded);
	EXPECT_EQ(newer.health, 100u);
}

TEST(HealthVerdict, AbsentPairsAreCritical)
{
	auto main_gone = assess_absent_pair({"data0", kUuidA, false, true});
	EXPECT_EQ(main_gone.main_state, "missing");
	EXPECT_EQ(main_gone.spare_state, "ok");
	EXPECT_EQ(main_gone.health, 0u);
	EXPECT_EQ(main_gone.verdict, Verdict::critical);
	EXPECT_EQ(main_gone.reasons, std::vector<std::string>{"main_state=missing"});
	auto spare_gone = assess_absent_pair({"data0", kUuidA, true, false});
	EXPECT_EQ(spare_gone.main_state, "ok");
	EXPECT_EQ(spare_gone.spare_state, "missing");
	EXPECT_EQ(spare_gone.verdict, Verdict::critical);
	auto both = assess_absent_pair({"data0", kUuidA, false, false});
	EXPECT_EQ(both.reasons, (std::vector<std::string>{"main_state=missing", "spare_state=missing"}));
}

// remapctl health --json: the states, the verdict and ok.
TEST(HealthVerdict, HealthJson)
{
	RemapDevice d;
	d.name = "r0";
	d.status = live("rw", 100, "failed");
	json j = json::parse(json_out::health_device(d, assess_health(d.status, 50)).dump());
	EXPECT_EQ(j["name"], "r0");
	EXPECT_EQ(j["assembled"], true);
	EXPECT_EQ(j["health"], 0);
	EXPECT_EQ(j["kernel_health"], 100);
	EXPECT_EQ(j["mode"], "rw");
	EXPECT_EQ(j["main_state"], "failed");
	EXPECT_EQ(j["spare_state"], "ok");
	EXPECT_EQ(j["verdict"], "critical");
	EXPECT_EQ(j["ok"], false);
	EXPECT_EQ(j["pending_str"], "0");
	EXPECT_TRUE(j["reasons"].is_array());

	AbsentPair p{"data0", kUuidB, false, true};
	j = json::parse(json_out::health_device(p, assess_absent_pair(p)).dump());
	EXPECT_EQ(j["name"], "data0");
	EXPECT_EQ(j["uuid"], kUuidB);
	EXPECT_EQ(j["assembled"], false);
	EXPECT_EQ(j["health"], 0);
	EXPECT_TRUE(j["kernel_health"].is_null());
	EXPECT_TRUE(j["mode"].is_null());
	EXPECT_TRUE(j["pending"].is_null());
	EXPECT_TRUE(j["spare_free_percent"].is_null());
	EXPECT_EQ(j["main_state"], "missing");
	EXPECT_EQ(j["spare_state"], "ok");
	EXPECT_EQ(j["verdict"], "critical");
	EXPECT_EQ(j["ok"], false);
}

TEST(HealthMetrics, MainAndSpareStateOfLiveDevices)
{
	std::string text = render_metrics({{"r0", live("rw", 100, "failed")}, {"r1", live("ro", 30, "ok")}},
					  {});
	EXPECT_TRUE(contains(text, "# TYPE remapd_main_state gauge\n")) << text;
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"r0\",state=\"ok\"} 0\n"));
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"r0\",state=\"failed\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"r0\",state=\"missing\"} 0\n"));
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"r1\",state=\"ok\"} 1\n"));
	EXPECT_TRUE(contains(text, "# TYPE remapd_spare_state gauge\n")) << text;
	EXPECT_TRUE(contains(text, "remapd_spare_state{device=\"r0\",state=\"ok\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_spare_state{device=\"r1\",state=\"ro\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_spare_state{device=\"r1\",state=\"ok\"} 0\n"));
	// The dead main's health is 0, not the kernel's 100.
	EXPECT_TRUE(contains(text, "remapd_device_health{device=\"r0\"} 0\n")) << text;
	EXPECT_TRUE(contains(text, "remapd_device_health{device=\"r1\"} 30\n")) << text;
}

TEST(HealthMetrics, AbsentPairsHaveHealthZeroAndMissingStates)
{
	std::string text = render_metrics({}, {}, {{"data0", kUuidA, false, true}, {"data1", kUuidB, true, false}});
	EXPECT_TRUE(contains(text, "remapd_devices 0\n"));  // still the active devices
	EXPECT_TRUE(contains(text, "remapd_device_health{device=\"data0\"} 0\n")) << text;
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"data0\",state=\"missing\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_spare_state{device=\"data0\",state=\"ok\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_main_state{device=\"data1\",state=\"ok\"} 1\n"));
	EXPECT_TRUE(contains(text, "remapd_spare_state{device=\"data1\",state=\"missing\"} 1\n"));
	// Nothing else is made up for them.
	EXPECT_FALSE(contains(text, "remapd_remapped_blocks{device=\"data0\"}"));
}

TEST(MissingMain, SpareAttachedWithoutItsMain)
{
	std::vector<Binding> bindings = {{"claim:A", kUuidA, "data0"}, {"claim:B", kUuidB, "data1"}};
	auto decisions = decide_pairings({spare("/dev/sdd", kUuidA, "wwn:X:65536:512")}, {}, {});
	ASSERT_EQ(decisions[0].outcome, PairingOutcome::main_missing);
	// data1: its main is attached, its spare is not: spare_missing, not here.
	auto m = find_missing_mains(bindings, decisions, {{"/dev/sdb", "claim:B"}}, {});
	ASSERT_EQ(m.size(), 1u);
	EXPECT_EQ(m[0].name, "data0");
	EXPECT_EQ(m[0].pair_uuid, kUuidA);
	EXPECT_EQ(m[0].spare_path, "/dev/sdd");
}

TEST(MissingMain, NeitherDiskAttached)
{
	std::vector<Binding> bindings = {{"claim:A", kUuidA, "data0"}};
	auto m = find_missing_mains(bindings, {}, {{"/dev/sdc", "claim:C"}}, {});
	ASSERT_EQ(m.size(), 1u);
	EXPECT_EQ(m[0].name, "data0");
	EXPECT_EQ(m[0].spare_path, "");
}

TEST(MissingMain, NotReportedWhenActiveMatchedRefusedOrUnbound)
{
	std::vector<Binding> bindings = {{"claim:A", kUuidA, "data0"},
					 {"claim:B", kUuidB, "data1"},
					 {"claim:C", kUuidC, "data2"}};
	// data0 is assembled; data1's main matches; data2's main is another disk
	// of the same size (refused: pair_refused reports it); an unbound
	// spare without its main is only an info line.
	auto decisions = decide_pairings({spare("/dev/sde", kUuidB, "wwn:B:65536:512"),
					  spare("/dev/sdf", kUuidC, "wwn:C:65536:512"),
					  spare("/dev/sdg", "dddddddd-0000-4000-8000-000000000004",
						"wwn:D:65536:512")},
					 {{"/dev/sdb", "wwn:B:65536:512", 65536, 512},
					  {"/dev/sdh", "wwn:Z:65536:512", 65536, 512}},
					 {});
	ASSERT_EQ(decisions[0].outcome, PairingOutcome::match);
	ASSERT_EQ(decisions[1].outcome, PairingOutcome::fingerprint_mismatch);
	EXPECT_TRUE(find_missing_mains(bindings, decisions, {}, {kUuidA}).empty());
	EXPECT_TRUE(find_missing_mains({}, decisions, {}, {}).empty());
}

TEST(MissingMain, AbsentPairsOfADiscoveryReport)
{
	DiscoveryReport r;
	r.missing_spares = {{"data1", kUuidB, "/dev/sdb"}};
	r.missing_mains = {{"data0", kUuidA, "/dev/sdd"}, {"data2", kUuidC, ""}};
	auto a = absent_pairs(r);
	ASSERT_EQ(a.size(), 3u);
	EXPECT_EQ(a[0].name, "data0");
	EXPECT_FALSE(a[0].main_present);
	EXPECT_TRUE(a[0].spare_present);
	EXPECT_EQ(a[1].name, "data1");
	EXPECT_TRUE(a[1].main_present);
	EXPECT_FALSE(a[1].spare_present);
	EXPECT_EQ(a[2].name, "data2");
	EXPECT_FALSE(a[2].main_present);
	EXPECT_FALSE(a[2].spare_present);
}
