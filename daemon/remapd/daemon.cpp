#include "daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <set>

#include "remap/adoption.hpp"
#include "remap/alert_mail.hpp"
#include "remap/bindings_file.hpp"
#include "remap/discovery.hpp"
#include "remap/dm_control.hpp"
#include "remap/main_claim.hpp"
#include "remap/metadata_backup.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/error.hpp"
#include "remap/remap_device.hpp"
#include "remap/sysfs_tree.hpp"
#include "remap/version.hpp"
#include "remap/atomic_file.hpp"
#include "remap/unit_sandbox.hpp"
#include "dm_event_watch.hpp"
#include "signal_fd.hpp"
#include "systemd_notify.hpp"
#include "uevent_monitor.hpp"

namespace remapd {

namespace {

// Block events come in bursts (a disk and its partitions, our own dm
// device): rescan once they settle.
constexpr auto kRescanDebounce = std::chrono::milliseconds(300);
// A dm event polls the statuses at once, but not more often than this: a
// burst of remaps or failing reads raises many events.
constexpr auto kEventPollGap = std::chrono::milliseconds(200);

std::int64_t unix_now()
{
	return static_cast<std::int64_t>(::time(nullptr));
}

std::string host_name()
{
	char buf[256] = {};
	if (::gethostname(buf, sizeof(buf) - 1) != 0)
		return "localhost";
	return buf;
}

// What the hook learns about a device (docs/remapd.md, "Alerts and the hook").
std::map<std::string, std::string> device_env(const remap::StatusInfo &s)
{
	return {{"REMAPD_UUID", s.uuid},
		{"REMAPD_MODE", s.mode},
		{"REMAPD_HEALTH", std::to_string(remap::assess_health(s, 0).health)},
		{"REMAPD_REMAPPED", std::to_string(s.remapped)},
		{"REMAPD_PENDING", std::to_string(s.pending)},
		{"REMAPD_UNREADABLE", std::to_string(s.unreadable)},
		{"REMAPD_READ_ERRORS", std::to_string(s.read_errors)},
		{"REMAPD_FAILED_READS", std::to_string(s.failed_reads)},
		{"REMAPD_WRITE_ERRORS", std::to_string(s.write_errors)},
		{"REMAPD_MAIN_STATE", remap::main_state(s)},
		{"REMAPD_SPARE_STATE", remap::spare_state_of(s)},
		{"REMAPD_SPARE_FREE", std::to_string(s.spare_free)},
		{"REMAPD_SPARE_BLOCKS", std::to_string(s.spare_blocks)},
		{"REMAPD_SPARE_FREE_PERCENT", std::to_string(s.spare_free_percent())}};
}

// The unit whose sandbox --test-hook reproduces.
constexpr const char *kUnitName = "remapd.service";

// The first of /usr/bin/NAME, /bin/NAME that exists, else "".
std::string find_tool(const std::string &name)
{
	for (const char *dir : {"/usr/bin/", "/bin/"}) {
		std::string p = dir + name;
		if (::access(p.c_str(), X_OK) == 0)
			return p;
	}
	return "";
}

// Runs ARGV (argv[0] an absolute path), stdin /dev/null, stderr discarded;
// its stdout into OUT.  Returns the exit status, -1 if it did not exit.
int capture(const std::vector<std::string> &args, std::string &out)
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	std::vector<std::string> copy = args;
	std::vector<char *> argv;
	for (auto &a : copy)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	char *envp[] = {const_cast<char *>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
			const_cast<char *>("SYSTEMD_PAGER=cat"), const_cast<char *>("SYSTEMD_COLORS=0"), nullptr};
	pid_t pid = -1;
	int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp);
	posix_spawn_file_actions_destroy(&fa);
	::close(fds[1]);
	if (rc != 0) {
		::close(fds[0]);
		return -1;
	}
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<std::size_t>(n));
	}
	::close(fds[0]);
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

Daemon::Daemon(Options options) : opts_(std::move(options)), udev_(remap::make_udev()) {}

remap::Config Daemon::read_config() const
{
	return remap::load_config_or_defaults(opts_.config_path, opts_.config_explicit);
}

bool Daemon::load_config()
{
	try {
		cfg_ = read_config();
		return true;
	} catch (const remap::ConfigError &e) {
		for (const auto &p : e.problems())
			spdlog::error("{}", p);
	} catch (const remap::Error &e) {
		spdlog::error("{}", e.what());
	}
	return false;
}

void Daemon::apply_log_level()
{
	if (opts_.verbose >= 2)
		spdlog::set_level(spdlog::level::trace);
	else if (opts_.verbose == 1)
		spdlog::set_level(spdlog::level::debug);
	else
		spdlog::set_level(spdlog::level::from_str(cfg_.log_level));
	hooks_.configure(cfg_.hook, std::chrono::seconds(cfg_.hook_timeout_s));
}

void Daemon::reload()
{
	notify_reloading();
	try {
		cfg_ = read_config();
		apply_log_level();
		spdlog::info("configuration reloaded from {}", opts_.config_path);
		warn_if_no_mta();
	} catch (const remap::ConfigError &e) {
		for (const auto &p : e.problems())
			spdlog::error("{}", p);
		spdlog::error("keeping the previous configuration");
	} catch (const remap::Error &e) {
		spdlog::error("reload: {}; keeping the previous configuration", e.what());
	}
	notify_ready("running");
}

bool Daemon::assembly_allowed() const
{
	if (!cfg_.auto_assemble)
		return false;
	return remap::SysfsTree().auto_discovery().value_or(true);
}

void Daemon::notify(const std::string &event, const std::string &device, const std::string &message,
		    const std::map<std::string, std::string> &extra, bool problem)
{
	HookEvent ev;
	ev.env = extra;
	ev.env["REMAPD_EVENT"] = event;
	ev.env["REMAPD_DEVICE"] = device;
	ev.env["REMAPD_MESSAGE"] = message;
	ev.env["REMAPD_TIME"] = std::to_string(unix_now());
	if (problem && !cfg_.mail_to.empty() && !remap::program_problem(cfg_.sendmail).empty())
		spdlog::debug("{}: not mailed: {} cannot be run (no local MTA)", event, cfg_.sendmail);
	else if (problem && !cfg_.mail_to.empty()) {
		HookEvent mail;
		mail.env = ev.env;
		mail.argv = {cfg_.sendmail, "-t"};
		mail.input = remap::render_alert_mail(cfg_.mail_to, host_name(), ev.env);
		hooks_.enqueue(std::move(ev));
		hooks_.enqueue(std::move(mail));
		return;
	}
	hooks_.enqueue(std::move(ev));
}

bool Daemon::rescan()
{
	bool clean = true;
	remap::DiscoveryReport report;
	try {
		report = remap::discover(udev_.get());
	} catch (const remap::Error &e) {
		spdlog::error("discovery failed: {}", e.what());
		return false;
	}
	for (const auto &p : report.problems)
		spdlog::warn("{}", p);
	adopt_unbound(report.active);
	bool allowed = assembly_allowed();
	std::set<std::string> present;
	for (const auto &d : report.decisions) {
		present.insert(d.spare.path);
		std::string key = std::string(remap::outcome_name(d.outcome)) + " " + d.message;
		bool changed = reported_[d.spare.path] != key;
		reported_[d.spare.path] = key;
		std::map<std::string, std::string> env = {{"REMAPD_SPARE", d.spare.path},
							  {"REMAPD_UUID", d.spare.pair_uuid},
							  {"REMAPD_MAIN_ID", d.spare.main_id}};
		switch (d.outcome) {
		case remap::PairingOutcome::match:
			if (!allowed) {
				if (changed)
					spdlog::info("pair {}: {} + spare {} ready; not assembling (auto_assemble off or auto_discovery=0)",
						     d.spare.pair_uuid, d.main_path, d.spare.path);
				break;
			}
			{
				auto r = remap::assemble(d);
				env["REMAPD_MAIN"] = r.main;
				for (const auto &w : r.warnings)
					spdlog::warn("{}: {}", r.name, w);
				if (r.ok) {
					counters_.assembled++;
					reported_[d.spare.path] = "assembled";
					spdlog::info("assembled {}: main {}, spare {} (pair {})", r.name, r.main,
						     r.spare, r.pair_uuid);
					notify("assembled", r.name, "assembled " + r.name + " from main " + r.main +
									   " and spare " + r.spare,
					       env);
				} else {
					counters_.assembly_failures++;
					clean = false;
					if (changed) {
						spdlog::error("assembling {} failed: {}", r.name, r.error);
						notify(r.refused ? "pair_refused" : "assembly_failed",
						       r.refused ? "" : r.name, r.error, env);
					}
				}
			}
			break;
		case remap::PairingOutcome::duplicate:
		case remap::PairingOutcome::fingerprint_mismatch:
		case remap::PairingOutcome::ambiguous_main:
			clean = false;
			if (changed) {
				spdlog::error("spare {}: {}", d.spare.path, d.message);
				notify("pair_refused", "", d.spare.path + ": " + d.message, env);
			}
			break;
		case remap::PairingOutcome::already_active:
		case remap::PairingOutcome::main_missing:
		case remap::PairingOutcome::no_identity:
			if (changed)
				spdlog::info("spare {}: {}", d.spare.path, d.message);
			break;
		}
	}
	for (auto it = reported_.begin(); it != reported_.end();)
		it = present.count(it->first) ? std::next(it) : reported_.erase(it);
	clean &= handle_linear(report.linear, allowed);
	std::set<std::string> missing;
	for (const auto &m : report.missing_spares) {
		missing.insert(m.pair_uuid);
		if (!missing_reported_.insert(m.pair_uuid).second)
			continue;
		std::string msg = m.name + ": main " + m.main_path +
				  " is attached but its spare is not: not assembled; the main stays claimed, "
				  "so nothing mounts its stale file system (attach the spare: remapd assembles it then)";
		spdlog::warn("{}", msg);
		notify("spare_missing", m.name, msg,
		       {{"REMAPD_MAIN", m.main_path},
			{"REMAPD_UUID", m.pair_uuid},
			{"REMAPD_MAIN_STATE", "ok"},
			{"REMAPD_SPARE_STATE", "missing"}},
		       true);
	}
	for (auto it = missing_reported_.begin(); it != missing_reported_.end();)
		it = missing.count(*it) ? std::next(it) : missing_reported_.erase(it);
	// A bound pair whose main is gone: a dead main at boot is an alert, not
	// an info line.  Once per absence, like spare_missing.
	std::set<std::string> mains_missing;
	for (const auto &m : report.missing_mains) {
		mains_missing.insert(m.pair_uuid);
		if (!main_missing_reported_.insert(m.pair_uuid).second)
			continue;
		std::string msg =
			m.spare_path.empty()
				? m.name + ": neither the main nor the spare of pair " + m.pair_uuid +
					  " is attached: not assembled (attach them: remapd assembles the pair then; "
					  "to retire the pair, delete its line in " + remap::bindings_path() + ")"
				: m.name + ": spare " + m.spare_path +
					  " is attached but its main is not: not assembled (a dead or detached "
					  "main; attach it: remapd assembles the pair then)";
		spdlog::warn("{}", msg);
		notify("main_missing", m.name, msg,
		       {{"REMAPD_SPARE", m.spare_path},
			{"REMAPD_UUID", m.pair_uuid},
			{"REMAPD_MAIN_STATE", "missing"},
			{"REMAPD_SPARE_STATE", m.spare_path.empty() ? "missing" : "ok"}},
		       true);
	}
	for (auto it = main_missing_reported_.begin(); it != main_missing_reported_.end();)
		it = mains_missing.count(*it) ? std::next(it) : main_missing_reported_.erase(it);
	absent_ = remap::absent_pairs(report);
	return clean;
}

bool Daemon::handle_linear(const std::vector<remap::LinearDecision> &decisions, bool allowed)
{
	bool clean = true;
	std::set<std::string> present;
	for (const auto &d : decisions) {
		const std::string &name = d.binding.name;
		present.insert(name);
		std::string key = std::string(remap::linear_outcome_name(d.outcome)) + " " + d.message;
		bool changed = linear_reported_[name] != key;
		linear_reported_[name] = key;
		std::map<std::string, std::string> env = {{"REMAPD_KIND", "linear"},
							  {"REMAPD_MAIN", d.disk_path},
							  {"REMAPD_MAIN_ID", d.binding.main_id}};
		switch (d.outcome) {
		case remap::LinearOutcome::match: {
			if (!allowed) {
				if (changed)
					spdlog::info("{}: disk {} ready; not creating the linear map (auto_assemble off or "
						     "auto_discovery=0)",
						     name, d.disk_path);
				break;
			}
			auto a = remap::assemble_linear(d);
			if (a.ok) {
				counters_.assembled++;
				linear_reported_[name] = "assembled";
				std::string msg = "created " + name + " as the linear map of disk " + a.disk + " (" +
						  std::to_string(d.binding.sectors) + " sectors; linear binding in " +
						  remap::bindings_path() + ")";
				spdlog::info("{}", msg);
				notify("assembled", name, msg, env, false);
			} else {
				counters_.assembly_failures++;
				clean = false;
				if (changed) {
					spdlog::error("creating {} (linear map of disk {}) failed: {}", name, d.disk_path,
						      a.error);
					notify("assembly_failed", name, a.error, env);
				}
			}
			break;
		}
		case remap::LinearOutcome::size_mismatch:
		case remap::LinearOutcome::ambiguous_disk:
		case remap::LinearOutcome::in_use:
		case remap::LinearOutcome::name_taken:
			clean = false;  // like a pair's refusal: not an assembly failure
			if (changed) {
				spdlog::error("{}", d.message);
				notify("assembly_failed", name, d.message, env);
			}
			break;
		case remap::LinearOutcome::disk_missing:
			// At boot the disk may come later (hotplug creates NAME then);
			// said once per absence, like a pair's main_missing.
			if (changed) {
				spdlog::warn("{}", d.message);
				env["REMAPD_MAIN_STATE"] = "missing";
				notify("main_missing", name, d.message, env);
			}
			break;
		case remap::LinearOutcome::already_active:
			if (changed)
				spdlog::debug("{}", d.message);
			break;
		}
	}
	std::erase_if(linear_reported_, [&](const auto &kv) { return !present.count(kv.first); });
	return clean;
}

void Daemon::adopt_unbound(const std::vector<remap::RemapDevice> &active)
{
	std::set<std::string> present;
	for (const auto &dev : active) {
		if (dev.status.uuid.empty())
			continue;  // a module too old to report the pair uuid
		std::string key = dev.name + " " + dev.status.uuid;
		present.insert(key);
		if (adopted_.count(key))
			continue;
		try {
			if (adopt(dev))
				adopted_.insert(key);
			adopt_problems_.erase(key);
		} catch (const remap::Error &e) {
			// Said once per device and problem; retried at every rescan
			// (a suspended device refuses the message for a while).
			std::string msg = dev.name + ": cannot adopt the pair made without remapctl: " + e.what() +
					  "; after a reboot its main may be mounted with stale blocks (run "
					  "'remapctl create' for it)";
			auto &last = adopt_problems_[key];
			if (last != msg) {
				last = msg;
				spdlog::error("{}", msg);
				notify("adoption_failed", dev.name, msg,
				       {{"REMAPD_UUID", dev.status.uuid}, {"REMAPD_MAIN_DEVT", dev.table.main},
					{"REMAPD_SPARE_DEVT", dev.table.spare}});
			}
		}
	}
	std::erase_if(adopted_, [&](const std::string &k) { return !present.count(k); });
	std::erase_if(adopt_problems_, [&](const auto &kv) { return !present.count(kv.first); });
}

bool Daemon::adopt(const remap::RemapDevice &dev)
{
	auto main = remap::block_device_by_devt(udev_.get(), dev.table.main);
	auto spare = remap::block_device_by_devt(udev_.get(), dev.table.spare);
	if (!main || !spare)
		throw remap::Error("its main " + dev.table.main + " or spare " + dev.table.spare +
				   " is not a block device udev knows");
	std::string claim_id = remap::main_claim_id_at(udev_.get(), main->devnode);
	std::string file = remap::bindings_path();
	auto bindings = remap::load_bindings(file);
	const remap::Binding *bound_now = remap::find_by_uuid(bindings.entries, dev.status.uuid);
	bool was_bound = bound_now && bound_now->main_id == claim_id;
	std::optional<remap::SpareScan> scan;
	std::string why;
	try {
		scan = remap::scan_spare(spare->devnode);
		if (!scan->meta)
			why = "no valid metadata copy readable on spare " + spare->devnode;
	} catch (const remap::Error &e) {
		why = e.what();
	}
	if (!why.empty()) {
		// A bound pair whose spare cannot be read now (failing, or being
		// written): not an adoption problem; the health events cover it.
		if (was_bound) {
			spdlog::debug("{}: spare not readable for the adoption check: {}", dev.name, why);
			return false;
		}
		throw remap::Error(why);
	}
	if (scan->meta->pair_uuid() != dev.status.uuid)
		throw remap::Error("spare " + spare->devnode + " records pair " + scan->meta->pair_uuid() +
				   ", the device reports " + dev.status.uuid);
	remap::AdoptionInput in{dev.name, dev.status.uuid, scan->meta->main_id(),
				remap::make_fingerprint(main->identity), claim_id};
	auto plan = remap::plan_adoption(in, bindings.entries);
	if (!plan.needed())
		return true;
	// The binding first: should the message fail, the main is claimed at
	// the next boot all the same, and nothing mounts its stale blocks.
	bool bound = false;
	if (plan.write_binding)
		bound = remap::update_bindings(file, [&](std::vector<remap::Binding> &entries) {
			return remap::bind_pair(entries, plan.binding);
		});
	if (bound && !remap::request_change_uevent(*main))
		spdlog::warn("{}: could not ask udev to re-read {} ({}): it is claimed from the next boot on",
			     dev.name, main->devnode, remap::errno_text(errno));
	if (plan.set_main_id) {
		std::string reply = remap::dm::message(dev.name, 0, remap::set_main_id_message(in.main_fingerprint));
		spdlog::debug("{}: set_main_id: {}", dev.name, reply);
	}
	std::string done;
	if (plan.set_main_id)
		done = "recorded main identity '" + in.main_fingerprint + "' on spare " + spare->devnode;
	if (bound)
		done += (done.empty() ? "" : " and ") + std::string("bound it in ") + file + " as " +
			plan.binding.name + " (main " + main->devnode + " claimed)";
	if (done.empty())
		return true;
	std::string msg = dev.name + " (pair " + dev.status.uuid + ", main " + main->devnode + ", spare " +
			  spare->devnode + ") was made without remapctl: " + done +
			  "; remapd assembles it at boot from now on. Use 'remapctl create' to pair disks";
	for (const auto &n : plan.notes)
		msg += "; " + n;
	spdlog::warn("{}", msg);
	std::map<std::string, std::string> env = device_env(dev.status);
	env["REMAPD_MAIN"] = main->devnode;
	env["REMAPD_SPARE"] = spare->devnode;
	env["REMAPD_MAIN_ID"] = in.main_fingerprint;
	env["REMAPD_NAME"] = plan.binding.name;
	notify("pair_adopted", dev.name, msg, env, true);
	return true;
}

void Daemon::poll_devices()
{
	std::vector<std::string> problems;
	std::vector<remap::RemapDevice> devices;
	try {
		devices = remap::read_all_remap_devices(&problems);
	} catch (const remap::Error &e) {
		spdlog::error("cannot read remap devices: {}", e.what());
		return;
	}
	for (const auto &p : problems)
		spdlog::warn("{}", p);
	drives_.annotate(devices);  // the drive's own score caps the health
	std::vector<std::pair<std::string, remap::StatusInfo>> samples;
	last_samples_.clear();
	active_devts_.clear();
	for (const auto &d : devices) {
		active_devts_[d.table.main] = d.name;
		active_devts_[d.table.spare] = d.name;
		samples.emplace_back(d.name, d.status);
		last_samples_.push_back({d.name, d.status});
	}
	counters_.last_poll_unix = unix_now();
	auto alerts = alerts_.observe(samples, unix_now(), remap::AlertThresholds::from(cfg_));
	// Pairs that have become active since the last rescan are no longer absent.
	std::set<std::string> active_uuids;
	for (const auto &d : devices)
		active_uuids.insert(d.status.uuid);
	std::erase_if(absent_,
		      [&](const remap::AbsentPair &p) { return active_uuids.count(p.pair_uuid) > 0; });
	unsigned int degraded = static_cast<unsigned int>(absent_.size());
	for (const auto &d : devices)
		if (remap::assess_health(d.status, cfg_.health_threshold).verdict != remap::Verdict::ok)
			degraded++;
	for (const auto &a : alerts) {
		counters_.alerts++;
		if (a.problem)
			spdlog::warn("{}", a.message);
		else
			spdlog::info("{}", a.message);
		std::map<std::string, std::string> env;
		for (const auto &d : devices)
			if (d.name == a.device)
				env = device_env(d.status);
		notify(a.event, a.device, a.message, env, a.problem);
		// The drive is read again after a remap event (drive_monitor.hpp).
		if (a.event == "remapped_new" || a.event == "pending_new" || a.event == "read_failed")
			drives_.request(a.device);
	}
	for (auto &n : drives_.run(devices, cfg_, unix_now(), [] { notify_watchdog(); })) {
		counters_.alerts++;
		auto env = n.env;
		for (const auto &d : devices)
			if (d.name == n.device)
				env.merge(device_env(d.status));
		spdlog::warn("{}", n.message);
		notify(n.event, n.device, n.message, env, n.problem);
	}
	last_devices_ = devices;
	std::string status = std::to_string(devices.size()) + " device(s), " +
			     std::to_string(degraded) + " degraded";
	if (!absent_.empty())
		status += " (" + std::to_string(absent_.size()) +
			  " pair(s) not assembled: main or spare missing)";
	notify_status(status);
	write_metrics();
	back_up_metadata(devices);
}

void Daemon::back_up_metadata(const std::vector<remap::RemapDevice> &devices)
{
	const std::string dir = remap::backup_dir();
	for (const auto &d : devices) {
		const std::string &uuid = d.status.uuid;
		if (uuid.empty())
			continue;
		auto done = backed_up_seq_.find(uuid);
		if (done != backed_up_seq_.end() && done->second == d.status.seq)
			continue;
		try {
			auto spare = remap::block_device_by_devt(udev_.get(), d.table.spare);
			if (!spare)
				throw remap::Error("no /dev node for its spare " + d.table.spare);
			// The committed copies on the spare, as the kernel wrote them
			// (O_DIRECT); a commit in between gives a newer seq, taken at
			// the next poll.
			auto scan = remap::scan_spare(spare->devnode);
			if (!scan.meta)
				throw remap::Error("no valid metadata copy on " + spare->devnode);
			remap::write_backup(dir, *scan.meta, spare->devnode);
			backed_up_seq_[uuid] = scan.meta->c().seq;
			spdlog::debug("{}: metadata seq {} backed up to {}", d.name, scan.meta->c().seq,
				      remap::backup_path(dir, uuid));
		} catch (const remap::Error &e) {
			if (backup_failed_seq_[uuid] != d.status.seq + 1)
				spdlog::error("{}: metadata backup failed: {}", d.name, e.what());
			backup_failed_seq_[uuid] = d.status.seq + 1;  // +1: seq 0 is a real value
		}
	}
}

void Daemon::write_metrics()
{
	if (cfg_.metrics_file.empty())
		return;
	counters_.hook_runs = hooks_.runs();
	counters_.hook_failures = hooks_.failures();
	try {
		remap::write_file_atomically(cfg_.metrics_file,
					     remap::render_metrics(last_samples_, counters_, absent_) +
						     drives_.metrics(last_devices_));
	} catch (const remap::Error &e) {
		spdlog::error("metrics: {}", e.what());
	}
}

void Daemon::warn_if_no_mta() const
{
	if (cfg_.mail_to.empty())
		return;
	if (auto line = remap::no_mta_message(cfg_.sendmail); !line.empty())
		spdlog::warn("{}", line);
}

void Daemon::choose_test_sandbox()
{
	const char *direct = "running the hook and sendmail directly, not in the sandbox of remapd.service: "
			     "a test that passes here may still fail under the service";
	if (opts_.no_sandbox) {
		spdlog::info("--no-sandbox: {}", direct);
		return;
	}
	if (::access("/run/systemd/system", F_OK) != 0) {
		spdlog::info("systemd is not running the system (no /run/systemd/system): {}", direct);
		return;
	}
	if (::geteuid() != 0) {
		spdlog::warn("not root (systemd-run needs root for a system service): {}", direct);
		return;
	}
	std::string systemctl = find_tool("systemctl"), systemd_run = find_tool("systemd-run");
	if (systemctl.empty() || systemd_run.empty()) {
		spdlog::warn("systemctl or systemd-run not found: {}", direct);
		return;
	}
	std::string text;
	if (capture({systemctl, "cat", "--no-pager", kUnitName}, text) != 0 || text.empty()) {
		spdlog::info("{} is not installed: {}", kUnitName, direct);
		return;
	}
	auto settings = remap::unit_sandbox_settings(text);
	spdlog::info("running the hook and sendmail in the sandbox of {} (systemd-run with its {} "
		     "settings, from `systemctl cat {}`)",
		     kUnitName, settings.size(), kUnitName);
	unsigned timeout = cfg_.hook_timeout_s;
	hooks_.set_wrapper([systemd_run, settings, timeout](const std::vector<std::string> &cmd,
							    const std::map<std::string, std::string> &env) {
		return remap::systemd_run_command(systemd_run, settings, env, cmd, timeout,
						  "remapd --test-hook: " + cmd[0] + " in the sandbox of " +
							  kUnitName);
	});
}

int Daemon::test_hook()
{
	if (!load_config())
		return 1;
	if (cfg_.hook.empty() && cfg_.mail_to.empty()) {
		spdlog::error("no hook configured in {}: nothing to test (set hook = /path/to/program "
			      "or mail_to = address)",
			      opts_.config_path);
		return 1;
	}
	hooks_.configure(cfg_.hook, std::chrono::seconds(cfg_.hook_timeout_s));
	bool no_mta = false;
	if (!cfg_.mail_to.empty()) {
		if (auto line = remap::no_mta_message(cfg_.sendmail); !line.empty()) {
			spdlog::error("{}", line);
			no_mta = true;
		}
	}
	choose_test_sandbox();
	std::vector<remap::RemapDevice> devices;
	std::vector<std::string> problems;
	try {
		devices = remap::read_all_remap_devices(&problems);
	} catch (const remap::Error &e) {
		spdlog::warn("cannot read remap devices: {}", e.what());
	}
	for (const auto &p : problems)
		spdlog::warn("{}", p);
	if (devices.empty())
		notify("test", "", "test event from remapd --test-hook (no remap device)");
	for (const auto &d : devices)
		notify("test", d.name,
		       fmt::format("{}: test event from remapd --test-hook (health {}, mode {})", d.name,
				   d.status.health, d.status.mode),
		       device_env(d.status));
	std::size_t events = (devices.empty() ? 1 : devices.size()) *
			     ((cfg_.hook.empty() ? 0 : 1) + (cfg_.mail_to.empty() ? 0 : 1));
	std::string what = cfg_.hook.empty() ? "" : "hook " + cfg_.hook;
	if (!cfg_.mail_to.empty())
		what += (what.empty() ? "" : " and ") + cfg_.sendmail + " for mail_to";
	// One run at a time, each bounded by hook_timeout_s (tick() kills it).
	hooks_.tick(Clock::now());
	while (hooks_.busy()) {
		::poll(nullptr, 0, 20);
		hooks_.tick(Clock::now());
	}
	if (no_mta) {
		events -= devices.empty() ? 1 : devices.size();
		what = cfg_.hook.empty() ? "mail_to" : "hook " + cfg_.hook;
	}
	if (hooks_.failures() || no_mta) {
		spdlog::error("{}: {} of {} test event(s) failed{}", what, hooks_.failures(), events,
			      no_mta ? "; no mail sent: no local MTA" : "");
		return 1;
	}
	spdlog::info("{}: {} test event(s) run, all exited 0", what, events);
	return 0;
}

int Daemon::run()
{
	if (!load_config())
		return 1;
	apply_log_level();
	if (!remap::SysfsTree().present())
		spdlog::info("{} not present (module not loaded or without sysfs support): assuming auto_discovery=1",
			     remap::kSysfsRoot);

	if (opts_.once) {
		bool clean = rescan();
		return clean ? 0 : 3;
	}

	SignalFd signals({SIGHUP, SIGTERM, SIGINT, SIGCHLD});
	// The monitor starts before the first enumeration, so a device that
	// appears in between is not missed.
	UeventMonitor monitor(udev_.get());
	DmEventWatch dm_events;
	spdlog::info("remapd {} starting (uevents from {})", remap::version(), monitor.source());
	warn_if_no_mta();
	if (dm_events.fd() < 0)
		spdlog::warn("no device-mapper event wake-ups ({}): alerts wait for the next poll",
			     dm_events.unavailable_reason());
	rescan();
	poll_devices();
	hooks_.tick(Clock::now());
	notify_ready("running");

	auto watchdog = watchdog_ping_interval();
	auto now = Clock::now();
	auto next_poll = now + std::chrono::seconds(cfg_.poll_interval_s);
	auto next_watchdog = now;
	auto last_poll = now;
	bool rescan_pending = false;
	Clock::time_point rescan_due{};
	bool stop = false;

	while (!stop) {
		now = Clock::now();
		auto wake = next_poll;
		if (rescan_pending && rescan_due < wake)
			wake = rescan_due;
		if (auto d = hooks_.deadline(); d && *d < wake)
			wake = *d;
		if (watchdog && next_watchdog < wake)
			wake = next_watchdog;
		auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
		if (wait_ms < 0)
			wait_ms = 0;

		// poll() skips a negative fd: without dm events, only the timer polls.
		struct pollfd fds[3] = {{signals.fd(), POLLIN, 0},
					{monitor.fd(), POLLIN, 0},
					{dm_events.fd(), POLLIN, 0}};
		int n = ::poll(fds, 3, static_cast<int>(wait_ms > 60000 ? 60000 : wait_ms));
		if (n < 0 && errno != EINTR) {
			spdlog::critical("poll: {}", remap::errno_text(errno));
			return 1;
		}
		now = Clock::now();
		if (n > 0 && (fds[0].revents & POLLIN)) {
			while (auto sig = signals.read()) {
				if (*sig == SIGHUP) {
					reload();
					next_poll = now;  // apply new thresholds right away
				} else if (*sig == SIGTERM || *sig == SIGINT) {
					spdlog::info("stopping on signal {}", *sig);
					stop = true;
				}
				// SIGCHLD: hooks_.tick() below reaps
			}
		}
		if (n > 0 && (fds[1].revents & POLLIN)) {
			while (auto ev = monitor.receive()) {
				if (ev->kind == Uevent::Kind::discovery_trigger) {
					spdlog::info("kernel requested discovery ({} event)", ev->action);
					rescan_pending = true;
					rescan_due = now;
				} else {
					spdlog::debug("uevent {} {} ({})", ev->action, ev->devnode, ev->devt);
					if (ev->action == "remove") {
						auto it = active_devts_.find(ev->devt);
						if (it != active_devts_.end()) {
							spdlog::error("{} ({}) of remap device {} was removed", ev->devnode,
								      ev->devt, it->second);
							notify("device_lost", it->second,
							       ev->devnode + " (" + ev->devt + ") of " + it->second +
								       " was removed");
						}
					}
					// Only appearing or changing devices can complete a
					// pair; a removal (e.g. `remapctl remove`) must not
					// bring the device straight back.
					if (ev->action == "add" || ev->action == "change")
						if (!rescan_pending) {
							rescan_pending = true;
							rescan_due = now + kRescanDebounce;
						}
				}
			}
		}
		if (n > 0 && (fds[2].revents & POLLIN)) {
			dm_events.arm();  // before the statuses are read: no event lost
			auto due = std::max(now, last_poll + kEventPollGap);
			if (due < next_poll) {
				spdlog::debug("device-mapper event: polling the devices");
				next_poll = due;
			}
		}
		if (stop)
			break;
		if (rescan_pending && now >= rescan_due) {
			rescan_pending = false;
			spdlog::debug("rescanning block devices");
			rescan();
		}
		if (now >= next_poll) {
			poll_devices();
			last_poll = now;
			next_poll = now + std::chrono::seconds(cfg_.poll_interval_s);
		}
		hooks_.tick(Clock::now());
		if (watchdog && now >= next_watchdog) {
			notify_watchdog();
			next_watchdog = now + *watchdog;
		}
	}
	notify_stopping();
	hooks_.shutdown();
	spdlog::info("remapd stopped");
	return 0;
}

}  // namespace remapd
