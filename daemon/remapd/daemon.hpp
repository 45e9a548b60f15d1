// remapd's main loop: discovery and assembly of pairs, hot-plug, status
// polling with alerts, the hook, metrics, config reload and systemd
// notifications.  Behaviour is documented in docs/remapd.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drive_monitor.hpp"
#include "hook_runner.hpp"
#include "remap/alert_policy.hpp"
#include "remap/config.hpp"
#include "remap/health_verdict.hpp"
#include "remap/linear_maps.hpp"
#include "remap/metrics.hpp"
#include "remap/remap_device.hpp"
#include "remap/udev_handles.hpp"

namespace remapd {

struct Options {
	std::string config_path = remap::kDefaultConfigPath;
	bool config_explicit = false;  // -c given: the file must exist
	bool foreground = false;
	int verbose = 0;
	bool once = false;
	bool test_hook = false;  // --test-hook
	bool no_sandbox = false; // --no-sandbox: --test-hook runs the hook directly
};

// Exit codes: 0 ok, 1 fatal error, 3 (--once) some pair refused or not assembled.
class Daemon {
public:
	explicit Daemon(Options options);
	int run();
	// remapd --test-hook: one `test` event per remap device (or one for the
	// daemon if there is none) through the hook, waiting for each run;
	// 0 if every run exited 0, 1 otherwise (also: no hook, bad config).
	int test_hook();

private:
	// Reads the config file (defaults if the default path does not exist).
	remap::Config read_config() const;
	// read_config() into cfg_; on an error logs each problem and returns false.
	bool load_config();
	void apply_log_level();
	void reload();
	bool assembly_allowed() const;
	// Discovery (+ assembly if allowed); returns false if something was refused or failed.
	bool rescan();
	// The linear bindings' decisions: creates NAME over its disk when
	// allowed, logs and notifies refusals once; false if one was refused
	// or failed.
	bool handle_linear(const std::vector<remap::LinearDecision> &decisions, bool allowed);
	// Active remap-v4 devices made without remapctl (a bare dmsetup): record
	// the main's identity on the spare and bind the pair (adoption.hpp).
	void adopt_unbound(const std::vector<remap::RemapDevice> &active);
	// One device; true when nothing is left to do for it, false to look
	// again at the next rescan.  Throws Error for a problem to report.
	bool adopt(const remap::RemapDevice &dev);
	void poll_devices();
	// The host's metadata backup (metadata_backup.hpp) of every device
	// whose metadata changed (its status seq) since its last backup.
	void back_up_metadata(const std::vector<remap::RemapDevice> &devices);
	// Runs the hook and, for a PROBLEM event, mails mail_to.
	void notify(const std::string &event, const std::string &device, const std::string &message,
		    const std::map<std::string, std::string> &extra = {}, bool problem = true);
	void write_metrics();
	// Logs the no-MTA line when mail_to is set and sendmail cannot be run.
	void warn_if_no_mta() const;
	// remapd --test-hook: run the hook and sendmail through systemd-run with
	// remapd.service's sandbox when systemd runs the system and the unit is
	// installed; else directly, saying so.
	void choose_test_sandbox();

	Options opts_;
	remap::Config cfg_;
	remap::UdevContext udev_;
	HookRunner hooks_;
	DriveMonitor drives_;  // smartctl readings of the mains (drive_monitor.hpp)
	std::vector<remap::RemapDevice> last_devices_;  // for the drive metrics
	remap::AlertTracker alerts_;
	remap::DaemonCounters counters_;
	std::vector<remap::DeviceSample> last_samples_;
	// Pair uuid -> the metadata seq last backed up; failures logged once per seq.
	std::map<std::string, std::uint64_t> backed_up_seq_;
	std::map<std::string, std::uint64_t> backup_failed_seq_;
	// What was last reported per spare path, so refusals are logged once.
	std::map<std::string, std::string> reported_;
	// Pair uuids reported as spare_missing, until the spare (or the pair's
	// dm device) is back or the main goes away: said once per absence.
	std::set<std::string> missing_reported_;
	// Pair uuids reported as main_missing, likewise until the main (or the
	// pair's dm device) is back.
	std::set<std::string> main_missing_reported_;
	// Linear binding name -> what was last reported for it (linear_maps.hpp).
	std::map<std::string, std::string> linear_reported_;
	// Bound pairs not assembled because their main or spare is not
	// attached, as the last rescan found them: for STATUS= and the metrics.
	std::vector<remap::AbsentPair> absent_;
	// "<name> <pair uuid>" of the active devices found complete (identity
	// and binding), so their spares are read once, not at every rescan.
	std::set<std::string> adopted_;
	// The same key -> the adoption problem last reported for it.
	std::map<std::string, std::string> adopt_problems_;
	// "major:minor" of every main and spare in use -> remap device name.
	std::map<std::string, std::string> active_devts_;
};

}  // namespace remapd
