// remapd's drive-health readings (docs/remapd.md, "Drive health"): runs
// `smartctl -j -x` on each pair's main drive every drive_check_interval_h
// hours and after remap events, keeps the previous reading per pair in
// <backup dir>/drive-health/<pair uuid>.json, reports what changed, and
// acts on the LBAs the drive names as failing (drive_relocation).  The
// pure parts are in remap/drive_health.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "remap/config.hpp"
#include "remap/drive_health.hpp"
#include "remap/remap_device.hpp"

namespace remapd {

struct DriveNotice {
	std::string event;  // drive_degraded, drive_relocated
	std::string device;
	std::string message;
	std::map<std::string, std::string> env;
	bool problem = true;
};

class DriveMonitor {
public:
	// Puts each device's drive score into its status (StatusInfo::drive_health),
	// so the health verdict, health_low, the hook and the metrics include it.
	void annotate(std::vector<remap::RemapDevice> &devices);
	// A reading of DEVICE's drive at the next run (after a remap event).
	void request(const std::string &device);
	// Reads the drives that are due; KEEPALIVE is called between the slow
	// steps (the systemd watchdog).
	std::vector<DriveNotice> run(const std::vector<remap::RemapDevice> &devices, const remap::Config &cfg,
				     std::int64_t now, const std::function<void()> &keepalive);
	// Prometheus lines for the drive figures (remapd_drive_*).
	std::string metrics(const std::vector<remap::RemapDevice> &devices) const;

private:
	struct Pair {
		bool loaded = false;
		std::optional<remap::DriveState> state;
		std::int64_t last_run = 0;
		bool requested = false;
		std::string said;  // the last no-data line logged, said once
	};
	Pair &pair(const std::string &uuid);
	void read_drive(const remap::RemapDevice &d, Pair &p, const remap::Config &cfg, std::int64_t now,
			std::vector<DriveNotice> &out, const std::function<void()> &keepalive);

	std::map<std::string, Pair> pairs_;  // by pair uuid
	std::map<std::string, std::string> names_;  // device name -> pair uuid
	std::string smartctl_said_;  // the "no smartctl" line, said once per path
};

}  // namespace remapd
