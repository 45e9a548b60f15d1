// remapctl list / status / remap / scan / health: commands on live devices.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/config.hpp"
#include "remap/bindings_file.hpp"
#include "remap/discovery.hpp"
#include "remap/dm_control.hpp"
#include "remap/drive_health.hpp"
#include "remap/health_verdict.hpp"
#include "remap/json_output.hpp"
#include "remap/linear_maps.hpp"
#include "remap/main_claim.hpp"
#include "remap/number_parse.hpp"
#include "remap/remap_device.hpp"
#include "remap/scan_progress.hpp"
#include "remap/sysfs_tree.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

using remap::json_out::json;

std::vector<remap::RemapDevice> selected(const std::string &name)
{
	if (!name.empty())
		return {remap::read_remap_device(name)};
	std::vector<std::string> problems;
	auto all = remap::read_all_remap_devices(&problems);
	for (const auto &p : problems)
		spdlog::warn("{}", p);
	return all;
}

std::string or_dash(const std::string &s)
{
	return s.empty() ? "-" : s;
}

// remapd's last smartctl reading of each device's main drive
// (drive_health.hpp): its score caps the health, as in remapd.
std::optional<remap::DriveState> drive_state_of(remap::RemapDevice &d)
{
	auto st = remap::load_drive_state(d.status.uuid);
	if (st && st->kind == remap::ReadingKind::ok) {
		auto sc = remap::score_drive(st->reading);
		d.status.drive_health = sc.health;
		d.status.drive_reasons = sc.reasons;
	}
	return st;
}

// "94 (ATA WDC ..., pending=3)" or "-", for the tables.
std::string drive_text(const std::optional<remap::DriveState> &st)
{
	if (!st)
		return "-";
	if (st->kind != remap::ReadingKind::ok)
		return std::string(remap::reading_kind_name(st->kind)) + ": " + st->message;
	auto sc = remap::score_drive(st->reading);
	std::string out = std::to_string(sc.health) + " (" + st->device;
	if (!st->reading.model.empty())
		out += ", " + st->reading.model;
	for (const auto &r : sc.reasons)
		out += ", " + r;
	return out + ")";
}

// A linear binding (remapctl evacuate without --spare) as list and status
// show it: its device NAME is the bound map ("active"), does not exist
// ("not_assembled": the disk is missing, or remapd has not run yet), or is
// something else ("other": remapd refuses to create NAME then).
struct LinearView {
	remap::Binding binding;
	std::string state = "not_assembled";
	std::string devt, dm_uuid;     // NAME's, when it exists
	std::string disk_devt, disk;  // the disk, when NAME maps it
};

// The linear bindings (NAME's only if NAME is given), with their state.
// A bindings file that cannot be read shows none; bad lines are warned about.
std::vector<LinearView> linear_views(struct udev *udev, const std::string &name)
{
	remap::BindingsParse b;
	try {
		b = remap::load_bindings(remap::bindings_path());
	} catch (const remap::Error &e) {
		spdlog::debug("{}", e.what());
		return {};
	}
	std::vector<LinearView> out;
	for (const auto &e : b.entries) {
		if (!e.linear() || (!name.empty() && e.name != name))
			continue;
		LinearView v;
		v.binding = e;
		try {
			if (auto info = remap::dm::info(e.name)) {
				v.state = "other";
				v.devt = std::to_string(info->major) + ":" + std::to_string(info->minor);
				v.dm_uuid = info->uuid;
				auto s = remap::dm_name_state(remap::dm::table(e.name));
				auto disk = s.single_linear ? remap::block_device_by_devt(udev, s.devt) : std::nullopt;
				if (disk && s.offset == 0 && s.length == e.sectors &&
				    remap::main_claim_id_at(udev, disk->devnode) == e.main_id) {
					v.state = "active";
					v.disk_devt = s.devt;
					v.disk = disk->devnode;
				}
			}
		} catch (const remap::Error &x) {
			spdlog::debug("{}: {}", e.name, x.what());
		}
		out.push_back(std::move(v));
	}
	if (!out.empty())
		for (const auto &p : b.problems)
			spdlog::warn("{}", p);
	return out;
}

json linear_json(const LinearView &v)
{
	json j = {{"name", v.binding.name}, {"kind", "linear"}, {"state", v.state}, {"disk_id", v.binding.main_id}};
	remap::json_out::put_counter(j, "sectors", v.binding.sectors);
	j["devt"] = v.devt.empty() ? json(nullptr) : json(v.devt);
	j["dm_uuid"] = v.devt.empty() ? json(nullptr) : json(v.dm_uuid);
	j["disk"] = v.disk.empty() ? json(nullptr) : json({{"devt", v.disk_devt}, {"path", v.disk}});
	return j;
}

// The second table of list and status: one row per linear binding.
std::string linear_table(const std::vector<LinearView> &views)
{
	Table t({"LINEAR", "DISK", "SECTORS", "STATE", "DISK_ID"});
	for (const auto &v : views)
		t.add({v.binding.name, or_dash(v.disk), std::to_string(v.binding.sectors), v.state,
		       v.binding.main_id});
	return t.render();
}

int run_list(bool as_json)
{
	auto udev = remap::make_udev();
	auto devices = selected("");
	if (as_json) {
		auto j = remap::json_out::document("list");
		j["devices"] = json::array();
		for (const auto &d : devices)
			j["devices"].push_back(remap::json_out::device(d, device_paths(udev.get(), d)));
		j["linear"] = json::array();
		for (const auto &v : linear_views(udev.get(), ""))
			j["linear"].push_back(linear_json(v));
		print_json(j);
		return kExitOk;
	}
	Table t({"NAME", "MAIN", "SPARE", "SECTORS", "MODE", "HEALTH", "UUID"});
	for (const auto &d : devices) {
		auto p = device_paths(udev.get(), d);
		t.add({d.name, or_dash(p.main), or_dash(p.spare), std::to_string(d.sectors),
		       d.status.mode, std::to_string(d.status.health), d.status.uuid});
	}
	std::cout << t.render();
	if (auto lin = linear_views(udev.get(), ""); !lin.empty())
		std::cout << "\n" << linear_table(lin);
	return kExitOk;
}

struct StatusOptions {
	std::string name;
	bool extents = false;
	bool json = false;
};

int run_status(const StatusOptions &o)
{
	if (o.extents && o.name.empty())
		throw UsageError("--extents needs a device NAME");
	auto udev = remap::make_udev();
	// status NAME of a linear binding (remapctl evacuate without --spare)
	// whose NAME is not a remap-v4 device: the binding and its state.
	std::vector<LinearView> linear;
	if (!o.name.empty()) {
		linear = linear_views(udev.get(), o.name);
		bool remap_v4 = false;
		try {
			auto st = remap::dm::status(o.name);
			remap_v4 = st.size() == 1 && st[0].type == remap::kTargetName;
		} catch (const remap::Error &) {
		}
		if (!linear.empty() && !remap_v4) {
			if (o.extents)
				throw UsageError("--extents: " + o.name + " is a linear map, it has no extents");
			const auto &v = linear.front();
			if (o.json) {
				auto j = remap::json_out::document("status");
				j["devices"] = json::array();
				j["linear"] = json::array({linear_json(v)});
				print_json(j);
			} else {
				std::cout << render_fields({
					{"name", v.binding.name},
					{"kind", "linear"},
					{"state", v.state},
					{"disk", v.disk.empty() ? "-" : v.disk + " (" + v.disk_devt + ")"},
					{"disk_id", v.binding.main_id},
					{"sectors", std::to_string(v.binding.sectors)},
					{"dm_uuid", or_dash(v.dm_uuid)},
				});
			}
			return kExitOk;
		}
		linear.clear();
	} else {
		linear = linear_views(udev.get(), "");
	}
	auto devices = selected(o.name);
	if (o.json) {
		auto j = remap::json_out::document("status");
		j["devices"] = json::array();
		for (auto &d : devices) {
			auto drive = drive_state_of(d);
			auto dj = remap::json_out::device(d, device_paths(udev.get(), d));
			dj["drive"] = remap::drive_json(drive);
			dj["verdict_health"] = remap::assess_health(d.status, 0).health;
			if (o.extents)
				dj["extents"] = remap::json_out::extents(remap::read_extents(d.name));
			j["devices"].push_back(dj);
		}
		j["linear"] = json::array();
		for (const auto &v : linear)
			j["linear"].push_back(linear_json(v));
		print_json(j);
		return kExitOk;
	}
	if (!o.name.empty()) {
		auto &d = devices.front();
		auto drive = drive_state_of(d);
		auto p = device_paths(udev.get(), d);
		std::vector<std::pair<std::string, std::string>> f = {
			{"name", d.name},
			{"uuid", d.status.uuid},
			{"main", or_dash(p.main) + " (" + d.table.main + ")"},
			{"spare", or_dash(p.spare) + " (" + d.table.spare + ")"},
			{"sectors", std::to_string(d.sectors)},
			{"mode", d.status.mode},
			{"health", std::to_string(d.status.health)},
			{"block_size", std::to_string(d.status.block_size)},
			{"spare_free_percent", std::to_string(d.status.spare_free_percent())},
		};
		for (const auto &c : remap::status_counters())
			f.emplace_back(c.key, std::to_string(d.status.*(c.member)));
		for (const auto &[k, v] : d.status.unknown)
			f.emplace_back(k, v);
		f.emplace_back("drive_health", drive_text(drive));
		if (drive && drive->kind == remap::ReadingKind::ok) {
			for (const auto &fig : remap::drive_figures(drive->reading))
				if (fig.value)
					f.emplace_back(std::string("drive_") + fig.name, std::to_string(*fig.value));
			f.emplace_back("drive_read_at", std::to_string(drive->time));
		}
		std::cout << render_fields(f);
		if (o.extents) {
			Table t({"LBLOCK", "LEN", "SBLOCK", "STATE"});
			for (const auto &e : remap::read_extents(d.name))
				t.add({std::to_string(e.lblock), std::to_string(e.len),
				       e.sblock ? std::to_string(*e.sblock) : "-",
				       remap::extent_state_name(e.state)});
			std::cout << "\n" << t.render();
		}
		return kExitOk;
	}
	Table t({"NAME", "MODE", "HEALTH", "REMAPPED", "PENDING", "SPARE_USED", "SPARE_FREE",
		 "EXTENTS", "READ_ERR", "WRITE_ERR"});
	for (const auto &d : devices) {
		const auto &s = d.status;
		t.add({d.name, s.mode, std::to_string(s.health), std::to_string(s.remapped),
		       std::to_string(s.pending), std::to_string(s.spare_used),
		       std::to_string(s.spare_free), std::to_string(s.extents),
		       std::to_string(s.read_errors), std::to_string(s.write_errors)});
	}
	std::cout << t.render();
	if (!linear.empty())
		std::cout << "\n" << linear_table(linear);
	return kExitOk;
}

int run_remap(const std::string &name, const std::string &sector_text, bool as_json)
{
	auto sector = remap::parse_u64(sector_text);
	if (!sector)
		throw UsageError("SECTOR '" + sector_text + "' is not a sector number");
	auto d = remap::read_remap_device(name);
	if (*sector >= d.sectors)
		throw UsageError("sector " + sector_text + " is beyond the end of " + name + " (" +
				 std::to_string(d.sectors) + " sectors)");
	std::string resp = remap::dm::message(name, 0, "remap " + std::to_string(*sector));
	if (as_json) {
		auto j = remap::json_out::document("remap");
		j["name"] = name;
		remap::json_out::put_counter(j, "sector", *sector);
		j["response"] = resp;
		print_json(j);
	} else {
		std::cout << name << ": " << resp << "\n";
	}
	return kExitOk;
}

struct ScanOptions {
	std::string name;
	bool json = false;
	bool wait = false;
	unsigned int timeout = 0;  // seconds, 0: none
};

remap::ScanProgress progress_of(const remap::RemapDevice &d)
{
	auto p = remap::scan_progress(d.status, d.sectors);
	if (!p)
		throw remap::Error(d.name + ": the kernel module reports no health scanner (scan_* status keys)");
	return *p;
}

// The live line of `scan --wait`: "r0: [####....] 45% 12.3 MiB/s ETA 1m20s".
std::string progress_line(const std::string &name, const remap::ScanProgress &p)
{
	std::string line = name + ": " + remap::progress_bar(p.percent, 30) + " " +
			   std::to_string(p.percent) + "%";
	if (p.speed_kib)
		line += " " + remap::format_rate_kib(p.speed_kib);
	if (p.eta_seconds)
		line += " ETA " + remap::format_duration(*p.eta_seconds);
	return line;
}

// Start a pass on NAME and wait for it to end: a bar on a terminal, a line
// every 10 s otherwise, one JSON document with --json.  What the pass
// found comes from the persistent scan counters and the pending/remapped
// counts before and after.
int run_scan_wait(const ScanOptions &o)
{
	using clock = std::chrono::steady_clock;
	auto before = remap::read_remap_device(o.name);
	auto p0 = progress_of(before);
	if (before.status.mode != "rw")
		throw remap::Error(o.name + ": device is in mode " + before.status.mode +
				   ": the scanner only runs in mode rw");
	std::string resp = remap::dm::message(o.name, 0, "scan");
	if (p0.active && !o.json)
		std::cout << o.name << ": a pass was already running (" << p0.percent
			  << "%): waiting for it to end\n";
	const bool tty = !o.json && ::isatty(STDOUT_FILENO);
	const auto start = clock::now();
	auto last_line = start;
	auto now = before;
	auto p = p0;
	bool timed_out = false;
	if (!o.json && !tty)
		std::cout << o.name << ": " << (resp.empty() ? std::string("scan started") : resp) << "\n";
	for (;;) {
		std::this_thread::sleep_for(std::chrono::milliseconds(500));
		now = remap::read_remap_device(o.name);
		p = progress_of(now);
		if (p.passes > p0.passes && !p.active)
			break;
		if (now.status.mode != "rw")
			throw remap::Error(o.name + ": device went to mode " + now.status.mode +
					   " during the scan: the scanner stopped");
		for (const auto &[k, v] : now.status.unknown)
			if (k == "main_state" && v == "failed")
				throw remap::Error(o.name + ": the main device is failing (main_state=failed): "
						   "the scan is paused until it answers again");
		auto t = clock::now();
		if (o.timeout && t - start >= std::chrono::seconds(o.timeout)) {
			timed_out = true;
			break;
		}
		if (tty) {
			std::cout << "\r" << progress_line(o.name, p) << "\x1b[K" << std::flush;
		} else if (!o.json && t - last_line >= std::chrono::seconds(10)) {
			std::cout << progress_line(o.name, p) << "\n" << std::flush;
			last_line = t;
		}
	}
	auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - start).count();
	auto grew = [](std::uint64_t a, std::uint64_t b) { return b > a ? b - a : 0; };
	std::uint64_t slow = grew(p0.warnings, p.warnings);
	std::uint64_t unreadable = grew(p0.errors, p.errors);
	std::uint64_t remapped = grew(before.status.remapped, now.status.remapped);
	if (o.json) {
		auto j = remap::json_out::document("scan");
		j["name"] = o.name;
		j["ok"] = !timed_out;
		j["completed"] = !timed_out;
		j["seconds"] = secs;
		j["scan"] = remap::json_out::scan(p);
		json f = json::object();
		remap::json_out::put_counter(f, "slow_warnings", slow);
		remap::json_out::put_counter(f, "unreadable_pending", unreadable);
		remap::json_out::put_counter(f, "remapped", remapped);
		j["found"] = f;
		if (timed_out)
			j["error"] = "timed out after " + std::to_string(o.timeout) + " s at " +
				     std::to_string(p.percent) + "%";
		print_json(j);
	} else {
		if (tty)
			std::cout << "\r" << progress_line(o.name, p) << "\x1b[K\n";
		if (timed_out)
			std::cerr << "remapctl: " << o.name << ": scan not finished after " << o.timeout
				  << " s (" << p.percent << "%); it goes on in the kernel\n";
		else
			std::cout << o.name << ": scan pass complete in " << remap::format_duration(static_cast<std::uint64_t>(secs))
				  << ": " << slow << " slow-block warnings, " << unreadable
				  << " unreadable blocks now pending, " << remapped
				  << " blocks remapped meanwhile (moved marginal blocks and any foreground remaps)\n";
	}
	return timed_out ? kExitError : kExitOk;
}

int run_scan(const ScanOptions &o)
{
	if (o.wait) {
		if (o.name.empty())
			throw UsageError("--wait needs a device NAME");
		return run_scan_wait(o);
	}
	if (o.timeout)
		throw UsageError("--timeout needs --wait");
	const std::string &name = o.name;
	const bool as_json = o.json;
	auto devices = selected(name);
	auto j = remap::json_out::document("scan");
	j["devices"] = json::array();
	int rc = kExitOk;
	for (const auto &d : devices) {
		json r = {{"name", d.name}};
		try {
			std::string resp = remap::dm::message(d.name, 0, "scan");
			r["ok"] = true;
			r["response"] = resp;
			if (!as_json)
				std::cout << d.name << ": " << (resp.empty() ? std::string("scan started") : resp) << "\n";
		} catch (const remap::Error &e) {
			r["ok"] = false;
			r["error"] = e.what();
			rc = kExitError;
			if (!as_json)
				std::cerr << "remapctl: " << d.name << ": scan refused by the kernel: " << e.what() << "\n";
		}
		j["devices"].push_back(r);
	}
	if (as_json)
		print_json(j);
	return rc;
}

struct HealthOptions {
	std::string name;
	int threshold = -1;
	std::string config = remap::kDefaultConfigPath;
	bool config_explicit = false;
	bool json = false;
};

// The bound pairs (bindings file) that are not assembled because their main
// or spare is not attached: NAME's only if NAME is given.  Discovery (which
// reads every block device) runs only if the bindings file lists a pair
// that is not among ACTIVE.
std::vector<remap::AbsentPair> absent_bound_pairs(const std::vector<remap::RemapDevice> &active,
						  const std::string &name)
{
	auto b = remap::load_bindings(remap::bindings_path());
	std::set<std::string> active_uuids;
	for (const auto &d : active)
		active_uuids.insert(d.status.uuid);
	bool inactive = std::any_of(b.entries.begin(), b.entries.end(), [&](const remap::Binding &e) {
		return !e.linear() && !active_uuids.count(e.pair_uuid) && (name.empty() || e.name == name);
	});
	if (!inactive)
		return {};
	auto udev = remap::make_udev();
	auto all = remap::absent_pairs(remap::discover(udev.get()));
	std::vector<remap::AbsentPair> out;
	for (auto &p : all)
		if (name.empty() || p.name == name)
			out.push_back(std::move(p));
	return out;
}

// The threshold is remapd's: --threshold, else health_threshold of the
// remapd config (default 50), so `health` says degraded exactly when
// remapd alerts health_low.  The verdict puts in the main's and the
// spare's state (health_verdict.hpp): a failed or missing main or spare is
// critical, also for a bound pair that could not be assembled.
int run_health(const HealthOptions &o)
{
	remap::SysfsTree sysfs;
	unsigned int threshold = remap::Config{}.health_threshold;
	std::string source = "default";
	if (o.threshold >= 0) {
		threshold = static_cast<unsigned int>(o.threshold);
		source = "option";
	} else {
		bool found = false;
		remap::Config cfg;
		try {
			cfg = remap::load_config_or_defaults(o.config, o.config_explicit, &found);
		} catch (const remap::ConfigError &e) {
			const auto &p = e.problems();
			throw remap::Error(p.front() + (p.size() > 1 ? " (and " + std::to_string(p.size() - 1) +
									   " more: remapd -t -c " + o.config + ")"
								 : std::string()));
		}
		if (found) {
			threshold = cfg.health_threshold;
			source = "config";
		}
	}
	std::vector<remap::RemapDevice> devices;
	std::vector<remap::AbsentPair> absent;
	if (o.name.empty() || remap::dm::info(o.name)) {
		devices = selected(o.name);
		absent = absent_bound_pairs(devices, o.name);
	} else {
		// Not a live device: a bound pair whose main or spare is missing is
		// reported as such; anything else is the usual error.
		absent = absent_bound_pairs({}, o.name);
		if (absent.empty())
			devices = {remap::read_remap_device(o.name)};
	}
	bool attention = false;
	auto j = remap::json_out::document("health");
	j["threshold"] = threshold;
	j["threshold_source"] = source;
	j["config"] = source == "config" ? json(o.config) : json(nullptr);
	j["kernel_sysfs"] = sysfs.present();
	j["devices"] = json::array();
	Table t({"NAME", "HEALTH", "MODE", "PENDING", "SPARE_FREE%", "MAIN", "SPARE", "DRIVE", "STATE"});
	auto state_word = [](const remap::HealthAssessment &a) {
		return a.verdict == remap::Verdict::ok ? std::string("ok")
		       : a.verdict == remap::Verdict::degraded ? std::string("DEGRADED")
							: std::string("CRITICAL");
	};
	for (auto &d : devices) {
		auto drive = drive_state_of(d);
		const auto &s = d.status;
		auto a = remap::assess_health(s, threshold);
		attention |= a.verdict != remap::Verdict::ok;
		auto dj = remap::json_out::health_device(d, a);
		dj["drive"] = remap::drive_json(drive);
		j["devices"].push_back(dj);
		t.add({d.name, std::to_string(a.health), s.mode, std::to_string(s.pending),
		       std::to_string(s.spare_free_percent()), a.main_state, a.spare_state,
		       s.drive_health ? std::to_string(*s.drive_health) : "-", state_word(a)});
	}
	for (const auto &p : absent) {
		auto a = remap::assess_absent_pair(p);
		attention |= a.verdict != remap::Verdict::ok;
		auto pj = remap::json_out::health_device(p, a);
		pj["drive"] = nullptr;
		j["devices"].push_back(pj);
		t.add({p.name, std::to_string(a.health), "-", "-", "-", a.main_state, a.spare_state, "-",
		       state_word(a)});
	}
	if (o.json)
		print_json(j);
	else
		std::cout << t.render();
	return attention ? kExitPartial : kExitOk;
}

}  // namespace

void register_device_commands(CLI::App &app, Registry &reg)
{
	auto list_json = std::make_shared<bool>(false);
	auto *list = app.add_subcommand("list", "List remap-v4 devices with their main and spare");
	list->add_flag("--json", *list_json, "JSON output");
	list->callback([&reg, list_json] { reg.action = [list_json, &reg] { return run_list(*list_json || reg.globals.json); }; });

	auto so = std::make_shared<StatusOptions>();
	auto *status = app.add_subcommand("status", "Counters of every remap-v4 device, or details of NAME");
	status->add_option("NAME", so->name, "Device-mapper name");
	status->add_flag("--extents", so->extents, "Also list the remapped extents (needs NAME)");
	status->add_flag("--json", so->json, "JSON output");
	status->callback([&reg, so] { reg.action = [so, &reg] { so->json |= reg.globals.json; return run_status(*so); }; });

	auto rn = std::make_shared<std::string>();
	auto rs = std::make_shared<std::string>();
	auto rj = std::make_shared<bool>(false);
	auto *remap_cmd = app.add_subcommand("remap", "Move the block holding SECTOR of NAME to the spare");
	remap_cmd->add_option("NAME", *rn, "Device-mapper name")->required();
	remap_cmd->add_option("SECTOR", *rs, "Sector (512 bytes) relative to the device")->required();
	remap_cmd->add_flag("--json", *rj, "JSON output");
	remap_cmd->callback([&reg, rn, rs, rj] { reg.action = [rn, rs, rj, &reg] { return run_remap(*rn, *rs, *rj || reg.globals.json); }; });

	auto sc = std::make_shared<ScanOptions>();
	auto *scan = app.add_subcommand("scan", "Start a health scan of NAME (or of every device)");
	scan->add_option("NAME", sc->name, "Device-mapper name");
	scan->add_flag("--wait", sc->wait,
		       "Wait for the pass to end, showing its progress, then what it found (needs NAME)");
	scan->add_option("--timeout", sc->timeout, "With --wait: give up waiting after this many seconds")
		->check(CLI::Range(1u, 604800u));
	scan->add_flag("--json", sc->json, "JSON output");
	scan->callback([&reg, sc] { reg.action = [sc, &reg] { sc->json |= reg.globals.json; return run_scan(*sc); }; });

	auto ho = std::make_shared<HealthOptions>();
	auto *health = app.add_subcommand(
		"health",
		"Health of NAME (or every device and bound pair); exit 3 if any is below the threshold, "
		"not rw, or its main or spare failed or is missing");
	health->add_option("NAME", ho->name, "Device-mapper name");
	health->add_option("--threshold", ho->threshold,
			   "Health below this is degraded (default: health_threshold of the remapd config, else 50)")
		->check(CLI::Range(0, 100));
	auto *hc = health->add_option("-c,--config", ho->config,
				      std::string("remapd config to take health_threshold from (default ") +
					      remap::kDefaultConfigPath + ", optional)");
	health->add_flag("--json", ho->json, "JSON output");
	health->callback([&reg, ho, hc] { reg.action = [ho, hc, &reg] {
			ho->json |= reg.globals.json;
			ho->config_explicit = hc->count() > 0;
			return run_health(*ho);
		}; });
}

}  // namespace remapctl
