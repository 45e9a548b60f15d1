// What the main drive itself knows about its health, read with
// `smartctl -j -x` (smartmontools' JSON output, format version 1, ATA and
// NVMe alike), and what remapd does with it (docs/remapd.md, "Drive
// health"):
//
//   figures      reallocated (ATA attribute 5), pending (197),
//                offline_uncorrectable (198), the newest self-test's result
//                and first failing LBA, NVMe critical_warning,
//                media_errors, percentage_used, available_spare (and its
//                threshold), SMART overall health
//   score        100, minus 5/10/20/30 for 1/10/100/1000 reallocated
//                sectors, 5/10/20 for 1/10/100 NVMe media errors, 10 for
//                percentage_used >= 80 and 20 for >= 100; capped at 40
//                while pending or offline-uncorrectable sectors exist or
//                the newest self-test failed, at 30 for an NVMe critical
//                warning or available_spare below its threshold, at 10 when
//                SMART's overall health says FAILED.  It caps the device's
//                health (health_verdict.hpp): health = min(the kernel's
//                score with the states put in, the drive's score)
//   named LBAs   the newest failed self-test's first error, the NVMe error
//                log's LBAs (media errors), the ATA error log's UNC LBAs
//
// Pure: parsing, scoring, comparing, planning and the state file's format
// are unit-tested on recorded outputs (daemon/tests/drive_health_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace remap {

struct DriveReading {
	std::string device;    // device.name as smartctl printed it
	std::string protocol;  // device.protocol: "ATA", "NVMe", "SCSI", ...
	std::string model;
	std::string serial;
	std::uint32_t logical_block_size = 512;  // the unit of the drive's LBAs
	std::optional<bool> smart_passed;        // smart_status.passed
	// ATA attributes (raw values)
	std::optional<std::uint64_t> reallocated;
	std::optional<std::uint64_t> pending;
	std::optional<std::uint64_t> offline_uncorrectable;
	// The newest completed self-test (ATA or NVMe)
	std::optional<bool> selftest_passed;
	std::string selftest_status;
	std::optional<std::uint64_t> selftest_lba;  // its first failing LBA
	// NVMe SMART/health log
	std::optional<std::uint64_t> critical_warning;
	std::optional<std::uint64_t> media_errors;
	std::optional<std::uint64_t> percentage_used;
	std::optional<std::uint64_t> available_spare;
	std::optional<std::uint64_t> available_spare_threshold;
	// LBAs of media errors in the drive's error log (NVMe error log,
	// ATA error log entries with UNC), at most kMaxErrorLogLbas
	std::vector<std::uint64_t> error_log_lbas;

	bool operator==(const DriveReading &) const = default;
};

inline constexpr std::size_t kMaxErrorLogLbas = 16;

enum class ReadingKind {
	ok,              // health figures found
	no_data,         // smartctl answered, but the drive gave no health data
	unknown_format,  // not smartctl's JSON format version 1
};

struct ReadingResult {
	ReadingKind kind = ReadingKind::unknown_format;
	DriveReading reading;
	std::string message;  // why no_data / unknown_format
};

// TEXT: smartctl -j's stdout.  Never throws.
ReadingResult parse_smartctl_json(std::string_view text);

// The figures by name, in a fixed order, for tables, the hook, metrics
// and comparisons; a figure the drive does not report is absent.
// smart_passed and selftest_passed are 1/0.
struct DriveFigure {
	const char *name;
	std::optional<std::uint64_t> value;
};
std::vector<DriveFigure> drive_figures(const DriveReading &r);

struct DriveChange {
	std::string name;
	std::optional<std::uint64_t> before;
	std::optional<std::uint64_t> after;
	bool worse = false;  // the drive's health got worse by this change
};
// Every figure that differs between two readings.
std::vector<DriveChange> compare_readings(const DriveReading &before, const DriveReading &after);
// "pending 0->3, reallocated 1->5" ("-" for a figure not reported).
std::string describe_changes(const std::vector<DriveChange> &changes);

struct DriveScore {
	unsigned int health = 100;
	std::vector<std::string> reasons;  // e.g. "pending=3", "critical_warning=0x04"
};
DriveScore score_drive(const DriveReading &r);

// The LBAs the drive names as failing (self-test first, then the error
// log), without duplicates.
std::vector<std::uint64_t> named_lbas(const DriveReading &r);

// The target sector (512-byte units, relative to the remap device, which
// maps the main from sector 0) of drive LBA LBA, when the main starts
// MAIN_START sectors into the drive (a partition) and is MAIN_SECTORS long;
// nullopt if the LBA is outside the main.
std::optional<std::uint64_t> lba_to_main_sector(std::uint64_t lba, std::uint32_t logical_block_size,
						std::uint64_t main_start, std::uint64_t main_sectors);

// drive_relocation: what remapd does with the named LBAs.
enum class RelocationPolicy {
	on,          // alert, read each through the target: readable ones are moved
		     // to the spare (remap message), unreadable ones become pending
	alert_only,  // alert, touch nothing
	off,         // neither
};
const char *policy_name(RelocationPolicy p);
std::optional<RelocationPolicy> parse_policy(std::string_view s);

// Which of SECTORS (target sectors the drive named) to read now: those not
// HANDLED before, at most LIMIT minus MOVED_24H (the moves of the last 24
// hours); the others that were not handled are OVER_LIMIT (tried at a
// later reading).
struct RelocationPlan {
	std::vector<std::uint64_t> check;
	std::vector<std::uint64_t> over_limit;
};
RelocationPlan plan_relocation(const std::vector<std::uint64_t> &sectors,
			       const std::set<std::uint64_t> &handled, std::uint64_t moved_24h,
			       std::uint64_t limit);

// What remapd keeps per pair in <backup dir>/drive-health/<pair uuid>.json
// (the previous reading, for comparisons across restarts, and for
// `remapctl status/health`).
struct DriveState {
	std::string pair_uuid;
	std::string device;             // the drive's node remapd ran smartctl on
	std::int64_t time = 0;          // unix time of the reading
	ReadingKind kind = ReadingKind::no_data;
	std::string message;            // for no_data / unknown_format
	DriveReading reading;           // kind ok
	std::set<std::uint64_t> handled;  // target sectors already acted on
	std::vector<std::int64_t> moves;  // unix times of the moves (per-day limit)
};
std::string render_drive_state(const DriveState &s);
// Throws ParseError for a file that is not such a state.
DriveState parse_drive_state(std::string_view text);

// <backup dir>/drive-health
std::string drive_state_dir();
std::string drive_state_path(const std::string &dir, const std::string &pair_uuid);
// The state of PAIR_UUID, nullopt if there is none or it cannot be read.
std::optional<DriveState> load_drive_state(const std::string &pair_uuid);

const char *reading_kind_name(ReadingKind k);

// The "drive" object of `remapctl status/health --json`
// (docs/remapctl-json.md); null without a state.
nlohmann::json drive_json(const std::optional<DriveState> &s);

}  // namespace remap
