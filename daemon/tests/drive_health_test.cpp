// The drive-health reading (drive_health.hpp): smartctl -j outputs of ATA
// and NVMe drives in smartmontools' JSON format (daemon/tests/data/smartctl/,
// README there), the score, the comparison of two readings, the named LBAs,
// the relocation plan and the state file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "remap/drive_health.hpp"
#include "remap/error.hpp"
#include "remap/health_verdict.hpp"

using namespace remap;

namespace {

std::string fixture(const std::string &name)
{
	std::ifstream in(std::string(REMAP_SOURCE_DIR) + "/tests/data/smartctl/" + name);
	EXPECT_TRUE(in) << name;
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

DriveReading reading(const std::string &name)
{
	auto r = parse_smartctl_json(fixture(name));
	EXPECT_EQ(r.kind, ReadingKind::ok) << name << ": " << r.message;
	return r.reading;
}

}  // namespace

TEST(DriveHealth, AtaHealthy)
{
	auto r = reading("ata-healthy.json");
	EXPECT_EQ(r.protocol, "ATA");
	EXPECT_EQ(r.model, "WDC WD40EFRX-68N32N0");
	EXPECT_EQ(r.smart_passed, true);
	EXPECT_EQ(r.reallocated, 0u);
	EXPECT_EQ(r.pending, 0u);
	EXPECT_EQ(r.offline_uncorrectable, 0u);
	EXPECT_EQ(r.selftest_passed, true);
	EXPECT_FALSE(r.selftest_lba);
	EXPECT_FALSE(r.critical_warning);
	EXPECT_TRUE(r.error_log_lbas.empty());
	auto s = score_drive(r);
	EXPECT_EQ(s.health, 100u);
	EXPECT_TRUE(s.reasons.empty());
	EXPECT_TRUE(named_lbas(r).empty());
}

TEST(DriveHealth, AtaPendingSectors)
{
	auto r = reading("ata-pending.json");
	EXPECT_EQ(r.reallocated, 3u);
	EXPECT_EQ(r.pending, 8u);
	EXPECT_EQ(r.offline_uncorrectable, 8u);
	// Only the UNC entries of the error log name a failing LBA (not ICRC).
	EXPECT_EQ(r.error_log_lbas, (std::vector<std::uint64_t>{1953525164, 1953525160}));
	auto s = score_drive(r);
	EXPECT_EQ(s.health, 40u);  // pending sectors cap it at 40
	EXPECT_EQ(named_lbas(r), (std::vector<std::uint64_t>{1953525164, 1953525160}));
}

TEST(DriveHealth, AtaFailedSelfTestWithLba)
{
	auto r = reading("ata-selftest-failed.json");
	EXPECT_EQ(r.selftest_passed, false);
	EXPECT_EQ(r.selftest_status, "Completed: read failure");
	EXPECT_EQ(r.selftest_lba, 123456789u);
	EXPECT_EQ(r.reallocated, 24u);
	auto s = score_drive(r);
	EXPECT_EQ(s.health, 40u);
	EXPECT_EQ(named_lbas(r), (std::vector<std::uint64_t>{123456789}));
	// The failed self-test alone caps at 40 (24 reallocated alone: 90).
	r.pending = 0;
	r.offline_uncorrectable = 0;
	EXPECT_EQ(score_drive(r).health, 40u);
	r.selftest_passed = true;
	EXPECT_EQ(score_drive(r).health, 90u);
	// A test still running has no result: the newest finished one counts.
	auto p = reading("ata-selftest-in-progress.json");
	EXPECT_EQ(p.selftest_passed, false);
	EXPECT_EQ(p.selftest_lba, 123456789u);
}

TEST(DriveHealth, NvmeHealthy)
{
	auto r = reading("nvme-healthy.json");
	EXPECT_EQ(r.protocol, "NVMe");
	EXPECT_EQ(r.critical_warning, 0u);
	EXPECT_EQ(r.available_spare, 100u);
	EXPECT_EQ(r.available_spare_threshold, 10u);
	EXPECT_EQ(r.percentage_used, 3u);
	EXPECT_EQ(r.media_errors, 0u);
	EXPECT_FALSE(r.reallocated);
	EXPECT_FALSE(r.selftest_passed);  // smartctl 7.3 prints no NVMe self-test log in JSON
	EXPECT_EQ(score_drive(r).health, 100u);
}

// Recorded: smartctl 7.3 on QEMU's emulated NVMe drive, in the VM test
// 69-drive-health (its guest wrote it to build/vm/out/).
TEST(DriveHealth, NvmeRecordedQemu)
{
	auto r = reading("qemu-nvme-recorded.json");
	EXPECT_EQ(r.protocol, "NVMe");
	EXPECT_EQ(r.model, "QEMU NVMe Ctrl");
	EXPECT_EQ(r.critical_warning, 0u);
	EXPECT_EQ(r.percentage_used, 0u);
	EXPECT_EQ(r.media_errors, 0u);
	// It reports an available spare of 0 with a threshold of 0: no cap.
	EXPECT_EQ(r.available_spare, 0u);
	EXPECT_EQ(r.available_spare_threshold, 0u);
	EXPECT_EQ(score_drive(r).health, 100u);
}

TEST(DriveHealth, NvmeCriticalWarning)
{
	auto r = reading("nvme-critical-warning.json");
	EXPECT_EQ(r.critical_warning, 4u);
	EXPECT_EQ(r.smart_passed, false);
	auto s = score_drive(r);
	// SMART FAILED caps at 10; 12 media errors and 104% used are penalties too.
	EXPECT_EQ(s.health, 10u);
	bool warned = false;
	for (const auto &why : s.reasons)
		warned |= why == "critical_warning=0x04";
	EXPECT_TRUE(warned);
	// Without the overall FAILED verdict and with enough spare: the warning
	// alone caps at 30.
	r.smart_passed = true;
	r.available_spare = 50;
	EXPECT_EQ(score_drive(r).health, 30u);
	r.critical_warning = 0;
	EXPECT_EQ(score_drive(r).health, 100u - 10u - 20u);  // media errors 10, used >= 100%
	r.available_spare = 5;  // below its threshold of 10: at most 30
	EXPECT_EQ(score_drive(r).health, 30u);
}

TEST(DriveHealth, NvmeLogsOfSmartctl74)
{
	auto r = reading("nvme-error-log-7.4.json");
	EXPECT_EQ(r.selftest_passed, false);
	EXPECT_EQ(r.selftest_lba, 885043200u);
	// Media errors (status code type 2) only; the invalid-field entry is not.
	EXPECT_EQ(r.error_log_lbas, (std::vector<std::uint64_t>{885043200, 885043208}));
	EXPECT_EQ(named_lbas(r), (std::vector<std::uint64_t>{885043200, 885043208}));
}

TEST(DriveHealth, DrivesThatAnswerNothing)
{
	auto v = parse_smartctl_json(fixture("virtio-no-device.json"));
	EXPECT_EQ(v.kind, ReadingKind::no_data);
	EXPECT_NE(v.message.find("Unable to detect device type"), std::string::npos) << v.message;
	auto u = parse_smartctl_json(fixture("usb-unknown-bridge.json"));
	EXPECT_EQ(u.kind, ReadingKind::no_data);
	EXPECT_NE(u.message.find("Unknown USB bridge"), std::string::npos) << u.message;
}

TEST(DriveHealth, JsonItDoesNotKnow)
{
	EXPECT_EQ(parse_smartctl_json(fixture("format-v2.json")).kind, ReadingKind::unknown_format);
	for (const char *bad : {"", "not json", "[1,2]", "{\"json_format_version\":[1,0]}",
				"{\"json_format_version\":\"1\",\"smartctl\":{}}", "{\"smart_status\":{\"passed\":true}}"})
		EXPECT_EQ(parse_smartctl_json(bad).kind, ReadingKind::unknown_format) << bad;
	// Wrong types inside a known format are ignored, never thrown.
	auto r = parse_smartctl_json(R"({"json_format_version":[1,0],"smartctl":{},
		"smart_status":{"passed":"yes"},"ata_smart_attributes":{"table":[{"id":"5","raw":{"value":-3}},
		{"id":197,"raw":{"value":2}}]},"nvme_smart_health_information_log":{"critical_warning":-1}})");
	EXPECT_EQ(r.kind, ReadingKind::ok);
	EXPECT_FALSE(r.reading.smart_passed);
	EXPECT_FALSE(r.reading.reallocated);
	EXPECT_EQ(r.reading.pending, 2u);
	EXPECT_FALSE(r.reading.critical_warning);
}

TEST(DriveHealth, ChangesBetweenReadings)
{
	auto before = reading("ata-healthy.json");
	auto after = reading("ata-pending.json");
	auto c = compare_readings(before, after);
	EXPECT_EQ(describe_changes(c), "reallocated 0->3, pending 0->8, offline_uncorrectable 0->8");
	for (const auto &x : c)
		EXPECT_TRUE(x.worse) << x.name;
	// Back to healthy: changes, none worse.
	for (const auto &x : compare_readings(after, before))
		EXPECT_FALSE(x.worse) << x.name;
	EXPECT_TRUE(compare_readings(after, after).empty());
	auto failed = reading("ata-selftest-failed.json");
	auto fc = compare_readings(before, failed);
	EXPECT_EQ(describe_changes(fc),
		  "reallocated 0->24, pending 0->1, offline_uncorrectable 0->1, selftest_passed 1->0, "
		  "selftest_lba -->123456789");
	auto n0 = reading("nvme-healthy.json"), n1 = reading("nvme-critical-warning.json");
	auto nc = compare_readings(n0, n1);
	EXPECT_EQ(describe_changes(nc), "smart_passed 1->0, critical_warning 0->4, media_errors 0->12, "
					"percentage_used 3->104, available_spare 100->5");
	for (const auto &x : nc)
		EXPECT_TRUE(x.worse) << x.name;
}

TEST(DriveHealth, LbaToMainSector)
{
	EXPECT_EQ(lba_to_main_sector(1000, 512, 0, 2048), 1000u);
	EXPECT_EQ(lba_to_main_sector(100, 4096, 0, 2048), 800u);
	EXPECT_EQ(lba_to_main_sector(3000, 512, 2048, 2048), 952u);  // a partition from sector 2048
	EXPECT_FALSE(lba_to_main_sector(1000, 512, 2048, 2048));     // before the partition
	EXPECT_FALSE(lba_to_main_sector(4096, 512, 0, 4096));        // past the end
	EXPECT_FALSE(lba_to_main_sector(UINT64_MAX, 4096, 0, UINT64_MAX));
}

TEST(DriveHealth, RelocationPlanAndLimit)
{
	auto p = plan_relocation({10, 20, 30, 20, 40}, {30}, 0, 2);
	EXPECT_EQ(p.check, (std::vector<std::uint64_t>{10, 20}));
	EXPECT_EQ(p.over_limit, (std::vector<std::uint64_t>{40}));
	auto full = plan_relocation({10, 20}, {}, 5, 5);
	EXPECT_TRUE(full.check.empty());
	EXPECT_EQ(full.over_limit.size(), 2u);
	EXPECT_EQ(parse_policy("alert-only"), RelocationPolicy::alert_only);
	EXPECT_FALSE(parse_policy("yes"));
}

TEST(DriveHealth, StateRoundTrip)
{
	DriveState s;
	s.pair_uuid = "d787550a-7f88-4a57-bf8c-2bb1955bc562";
	s.device = "/dev/sdc";
	s.time = 1700000000;
	s.kind = ReadingKind::ok;
	s.reading = reading("ata-selftest-failed.json");
	s.handled = {241117, 5};
	s.moves = {1699990000};
	auto back = parse_drive_state(render_drive_state(s));
	EXPECT_EQ(back.reading, s.reading);
	EXPECT_EQ(back.handled, s.handled);
	EXPECT_EQ(back.moves, s.moves);
	EXPECT_EQ(back.device, s.device);
	EXPECT_THROW(parse_drive_state("{}"), ParseError);
	EXPECT_THROW(parse_drive_state("{\"format\":\"dm-remap-drive-health\",\"version\":1}"), ParseError);
}

TEST(DriveHealth, CapsTheDeviceHealth)
{
	StatusInfo st;
	st.mode = "rw";
	st.health = 95;
	st.unknown = {{"main_state", "ok"}, {"meta_state", "ok"}};
	EXPECT_EQ(assess_health(st, 50).verdict, Verdict::ok);
	st.drive_health = 40;
	st.drive_reasons = {"pending=8"};
	auto a = assess_health(st, 50);
	EXPECT_EQ(a.health, 40u);
	EXPECT_EQ(a.kernel_health, 95u);
	EXPECT_EQ(a.verdict, Verdict::degraded);
	ASSERT_FALSE(a.reasons.empty());
	EXPECT_EQ(a.reasons.front(), "drive health 40: pending=8");
	st.drive_health = 100;  // a healthy drive changes nothing
	EXPECT_EQ(assess_health(st, 50).health, 95u);
}
