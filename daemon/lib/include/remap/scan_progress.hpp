// Where a device's health scan is, from its status line: the scan_* keys
// the kernel prints after the documented counters (kept in
// StatusInfo::unknown), plus helpers to show it (`remapctl scan --wait`,
// `remapctl status --json`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "remap/status_info.hpp"

namespace remap {

struct ScanProgress {
	bool active = false;            // a pass is running
	std::uint64_t cursor = 0;       // next block of the pass (or the saved one)
	std::uint64_t blocks = 0;       // blocks of the device
	unsigned int percent = 0;       // 0-100
	std::uint64_t speed_kib = 0;    // pace of the last batch, KiB/s (0: no pass)
	std::optional<std::uint64_t> eta_seconds;  // unknown: no pass or no pace yet
	std::uint64_t passes = 0;       // completed passes (persistent)
	std::uint64_t warnings = 0;     // slow-block warnings (persistent)
	std::uint64_t errors = 0;       // unreadable blocks found (persistent)
};

// nullopt if the status line has no scan keys (a module without a
// scanner); throws ParseError if one is there but malformed.  Older
// modules without scan_percent/scan_speed_kib/scan_eta: the percent is
// computed from the cursor, speed 0 and ETA unknown.
std::optional<ScanProgress> scan_progress(const StatusInfo &s, std::uint64_t sectors);

// "42s", "12m03s", "3h07m", "2d04h".
std::string format_duration(std::uint64_t seconds);

// "[#########...........]" with width cells inside the brackets.
std::string progress_bar(unsigned int percent, unsigned int width);

// "812 KiB/s", "123.4 MiB/s", "1.2 GiB/s".
std::string format_rate_kib(std::uint64_t kib_per_s);

}  // namespace remap
