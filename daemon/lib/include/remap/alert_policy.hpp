// When remapd notifies: pure state tracking over status samples.  Each
// condition is a state (bad/good); only changes are reported, so a device
// that stays unhealthy produces one alert, not one per poll.  A device seen
// for the first time in a bad state alerts once.
//
//   health_low / health_ok          health < health_threshold, health being
//                                   the kernel's score with the main's and
//                                   the spare's state put in
//                                   (health_verdict.hpp: 0 while
//                                   main_state=failed)
//   remap_rate_high / remap_rate_ok remapped grew by more than
//                                   remap_rate_threshold blocks within the
//                                   last hour (0 disables)
//   spare_low / spare_ok            spare free < spare_low_percent % (0 disables)
//   mode_changed                    mode differs from the last sample (or is
//                                   not rw when first seen)
//   device_failed / device_ok       main_state=failed / no longer
//   main_readonly / main_writable   main_state=ro (main refuses every write,
//                                   reads work: writes to blocks not on the
//                                   spare fail) / no longer
// Counter growth, one event per sample in which the counter grew (a
// counter that goes back only resets the baseline):
//   pending_new                     pending grew (or > 0 when first seen)
//   unreadable_new                  unreadable grew (or > 0 when first seen)
//   read_errors                     read_errors grew (or > 0 when first seen)
//   read_failed                     failed_reads grew: a read ended in an
//                                   error for its caller (or > 0 when first seen)
//   remapped_new                    remapped grew (not when first seen)
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "remap/config.hpp"
#include "remap/status_info.hpp"

namespace remap {

struct AlertThresholds {
	unsigned int health_threshold = 50;
	std::uint64_t remap_rate_threshold = 100;
	unsigned int spare_low_percent = 10;

	static AlertThresholds from(const Config &c);
};

struct Alert {
	std::string event;   // health_low, health_ok, ...
	std::string device;  // dm name
	std::string message;
	bool problem = true;  // false for the *_ok recoveries
};

class DeviceAlertState {
public:
	std::vector<Alert> observe(const std::string &device, const StatusInfo &s, std::int64_t now,
				   const AlertThresholds &t);

private:
	bool seen_ = false;
	bool health_low_ = false;
	bool rate_high_ = false;
	bool spare_low_ = false;
	bool main_failed_ = false;
	bool main_ro_ = false;
	std::uint64_t pending_ = 0;
	std::uint64_t unreadable_ = 0;
	std::uint64_t read_errors_ = 0;
	std::uint64_t failed_reads_ = 0;
	std::uint64_t remapped_ = 0;
	std::string mode_;
	std::deque<std::pair<std::int64_t, std::uint64_t>> history_;  // (time, remapped)
};

class AlertTracker {
public:
	// Samples of every current device; devices not in the list are forgotten.
	std::vector<Alert> observe(const std::vector<std::pair<std::string, StatusInfo>> &samples,
				   std::int64_t now, const AlertThresholds &t);

private:
	std::map<std::string, DeviceAlertState> devices_;
};

}  // namespace remap
