// Prometheus textfile (node_exporter textfile collector format) for the
// remap devices and the daemon.  Names start with remapd_, counters end in
// _total, devices are labelled {device="<dm name>"}; nothing is labelled
// per sector or block.  Lines are in a fixed order so output is stable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "remap/health_verdict.hpp"
#include "remap/status_info.hpp"

namespace remap {

struct DeviceSample {
	std::string name;
	StatusInfo status;
};

struct DaemonCounters {
	std::uint64_t hook_runs = 0;
	std::uint64_t hook_failures = 0;  // non-zero exit, signal or timeout
	std::uint64_t assembled = 0;
	std::uint64_t assembly_failures = 0;
	std::uint64_t alerts = 0;
	std::int64_t last_poll_unix = 0;
};

// ABSENT: the bound pairs not assembled because their main or spare is not
// attached.  They appear (under their binding's name) only in
// remapd_device_health (0) and the state metrics (missing), so an alert on
// either fires for a dead main too.
std::string render_metrics(const std::vector<DeviceSample> &devices, const DaemonCounters &daemon,
			   const std::vector<AbsentPair> &absent = {});

// Escapes \, " and newline for a label value.
std::string escape_label_value(const std::string &v);

}  // namespace remap
