// Prometheus textfile rendering: the exact text.
#include <gtest/gtest.h>

#include "remap/atomic_file.hpp"
#include "remap/error.hpp"
#include "remap/metrics.hpp"
#include "temp_file.hpp"

using namespace remap;

TEST(Metrics, ExactTextForOneDevice)
{
	StatusInfo s = parse_status_line(
		"mode=ro remapped=11 pending=1 spare_used=12 spare_free=88 spare_blocks=100 "
		"extents=2 max_extents=21824 read_errors=3 write_errors=4 spare_errors=5 "
		"remap_failures=6 reads=7 writes=8 health=30 block_size=512 seq=9 "
		"uuid=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9 unreadable=13 failed_reads=14 "
		"remaps_24h=15");
	DaemonCounters d;
	d.hook_runs = 2;
	d.hook_failures = 1;
	d.assembled = 1;
	d.assembly_failures = 0;
	d.alerts = 3;
	d.last_poll_unix = 1700000000;
	const char *expected = R"(# HELP remapd_up 1 while remapd is running.
# TYPE remapd_up gauge
remapd_up 1
# HELP remapd_devices Active remap-v4 devices.
# TYPE remapd_devices gauge
remapd_devices 1
# HELP remapd_last_poll_timestamp_seconds Unix time of the last status poll.
# TYPE remapd_last_poll_timestamp_seconds gauge
remapd_last_poll_timestamp_seconds 1700000000
# HELP remapd_device_health Health score 0-100 (include/dm-remap/health.h), 0 while the main or the spare failed or is missing.
# TYPE remapd_device_health gauge
remapd_device_health{device="r\"0"} 30
# HELP remapd_remapped_blocks Blocks currently served from the spare.
# TYPE remapd_remapped_blocks gauge
remapd_remapped_blocks{device="r\"0"} 11
# HELP remapd_pending_blocks Unreadable blocks waiting for a write.
# TYPE remapd_pending_blocks gauge
remapd_pending_blocks{device="r\"0"} 1
# HELP remapd_unreadable_blocks Remapped blocks whose data was lost: reads fail until written.
# TYPE remapd_unreadable_blocks gauge
remapd_unreadable_blocks{device="r\"0"} 13
# HELP remapd_remaps_24h_blocks Blocks remapped in the last 24 hours.
# TYPE remapd_remaps_24h_blocks gauge
remapd_remaps_24h_blocks{device="r\"0"} 15
# HELP remapd_spare_used_blocks Spare blocks handed out.
# TYPE remapd_spare_used_blocks gauge
remapd_spare_used_blocks{device="r\"0"} 12
# HELP remapd_spare_free_blocks Spare blocks still free.
# TYPE remapd_spare_free_blocks gauge
remapd_spare_free_blocks{device="r\"0"} 88
# HELP remapd_spare_blocks Capacity of the spare's data area in blocks.
# TYPE remapd_spare_blocks gauge
remapd_spare_blocks{device="r\"0"} 100
# HELP remapd_extents Extents in the remap table.
# TYPE remapd_extents gauge
remapd_extents{device="r\"0"} 2
# HELP remapd_max_extents Capacity of the remap table in extents.
# TYPE remapd_max_extents gauge
remapd_max_extents{device="r\"0"} 21824
# HELP remapd_metadata_seq Metadata commit sequence number.
# TYPE remapd_metadata_seq gauge
remapd_metadata_seq{device="r\"0"} 9
# HELP remapd_read_errors_total Read errors seen on the main device.
# TYPE remapd_read_errors_total counter
remapd_read_errors_total{device="r\"0"} 3
# HELP remapd_write_errors_total Write errors seen on the main device.
# TYPE remapd_write_errors_total counter
remapd_write_errors_total{device="r\"0"} 4
# HELP remapd_failed_reads_total Reads that ended in an error for the application.
# TYPE remapd_failed_reads_total counter
remapd_failed_reads_total{device="r\"0"} 14
# HELP remapd_spare_errors_total I/O errors on the spare device.
# TYPE remapd_spare_errors_total counter
remapd_spare_errors_total{device="r\"0"} 5
# HELP remapd_remap_failures_total Remaps that could not be made.
# TYPE remapd_remap_failures_total counter
remapd_remap_failures_total{device="r\"0"} 6
# HELP remapd_reads_total Read bios.
# TYPE remapd_reads_total counter
remapd_reads_total{device="r\"0"} 7
# HELP remapd_writes_total Write bios.
# TYPE remapd_writes_total counter
remapd_writes_total{device="r\"0"} 8
# HELP remapd_device_mode 1 for the device's current mode (rw, ro, fail), 0 for the others.
# TYPE remapd_device_mode gauge
remapd_device_mode{device="r\"0",mode="rw"} 0
remapd_device_mode{device="r\"0",mode="ro"} 1
remapd_device_mode{device="r\"0",mode="fail"} 0
# HELP remapd_main_state 1 for the state of the device's main (ok, failed: fails everywhere, missing: not attached), 0 for the others.
# TYPE remapd_main_state gauge
remapd_main_state{device="r\"0",state="ok"} 0
remapd_main_state{device="r\"0",state="failed"} 0
remapd_main_state{device="r\"0",state="missing"} 0
# HELP remapd_spare_state 1 for the state of the device's spare (ok, ro: no new remaps, failed: writes fail, missing: not attached), 0 for the others.
# TYPE remapd_spare_state gauge
remapd_spare_state{device="r\"0",state="ok"} 0
remapd_spare_state{device="r\"0",state="ro"} 1
remapd_spare_state{device="r\"0",state="failed"} 0
remapd_spare_state{device="r\"0",state="missing"} 0
# HELP remapd_hook_runs_total Notification hook runs started.
# TYPE remapd_hook_runs_total counter
remapd_hook_runs_total 2
# HELP remapd_hook_failures_total Hook runs that failed, were killed or timed out.
# TYPE remapd_hook_failures_total counter
remapd_hook_failures_total 1
# HELP remapd_alerts_total Alert state changes notified.
# TYPE remapd_alerts_total counter
remapd_alerts_total 3
# HELP remapd_assembled_total Remap devices assembled by remapd.
# TYPE remapd_assembled_total counter
remapd_assembled_total 1
# HELP remapd_assembly_failures_total Assemblies that failed.
# TYPE remapd_assembly_failures_total counter
remapd_assembly_failures_total 0
)";
	EXPECT_EQ(render_metrics({{"r\"0", s}}, d), expected);
}

TEST(Metrics, NoDevicesStillRendersHeadersAndDaemonCounters)
{
	std::string text = render_metrics({}, {});
	EXPECT_NE(text.find("remapd_devices 0\n"), std::string::npos);
	EXPECT_EQ(text.find("{device="), std::string::npos);
	EXPECT_NE(text.find("remapd_hook_runs_total 0\n"), std::string::npos);
}

TEST(Metrics, EveryCounterEndsInTotalAndEverySampleHasTheRemapdPrefix)
{
	std::string text = render_metrics({{"a", StatusInfo{}}}, {});
	std::size_t pos = 0;
	while (pos < text.size()) {
		auto nl = text.find('\n', pos);
		std::string line = text.substr(pos, nl - pos);
		pos = nl + 1;
		if (line.rfind("# TYPE ", 0) == 0 && line.find(" counter") != std::string::npos) {
			auto name = line.substr(7, line.find(' ', 7) - 7);
			EXPECT_EQ(name.substr(name.size() - 6), "_total") << line;
		}
		if (line[0] != '#') {
			EXPECT_EQ(line.rfind("remapd_", 0), 0u) << line;
		}
	}
}

TEST(Metrics, LabelEscaping)
{
	EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(AtomicFile, ReplacesContentAndLeavesNoTemporary)
{
	TempDir dir;
	std::string path = dir.path() + "/remapd.prom";
	write_file_atomically(path, "one\n");
	write_file_atomically(path, "two\n");
	std::ifstream in(path);
	std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	EXPECT_EQ(content, "two\n");
	int files = 0;
	for (const auto &e : std::filesystem::directory_iterator(dir.path())) {
		(void)e;
		files++;
	}
	EXPECT_EQ(files, 1);
	EXPECT_THROW(write_file_atomically(dir.path() + "/missing/x.prom", "x"), Error);
}
