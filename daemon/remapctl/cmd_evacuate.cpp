// remapctl evacuate NAME --to NEWDISK [--spare NEWSPARE]: move the device
// to a new disk while it stays in use.  The kernel copies (table feature
// `evacuate`, kernel/dmr-evac.c): blocks below its cursor live on the new
// disk from the moment they are copied, and the cursor is committed in the
// spare's metadata, so a reboot resumes the copy (remapd names the new disk
// in the table: the evacuations file, evacuations.hpp).  This command starts
// it, follows it (--wait: progress, rate, ETA) and, once everything is
// copied, switches NAME to the new disk in one table reload: plain
// dm-linear, or a new remap pair with --spare.
//
// Crash safety of the switch: NAME is suspended (the kernel commits the
// cursor at postsuspend) and its metadata must say that every block is on
// the new disk; then, in this order, the old main's signatures are wiped
// (its data is stale from the first copied chunk on), the bindings and the
// evacuations file name the new layout, the old spare's metadata is erased,
// and the new table is resumed.  Until the bindings change, a reboot
// assembles the old pair with its evacuation (everything read from the new
// disk); after it, the new layout: the new pair, or the linear binding
// "<new disk's claim id> linear NAME <sectors>" (bindings.hpp), from which
// remapd creates NAME over the new disk at the next boot (linear_maps.hpp).
// Blocks that were not copied (pending or
// unreadable) are never turned into data: without --spare the switch is
// refused while there are any; with --spare they are unreadable blocks of
// the new pair, so reads of them keep failing until they are written.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/bad_block_import.hpp"
#include "remap/bindings.hpp"
#include "remap/bindings_file.hpp"
#include "remap/block_device.hpp"
#include "remap/device_file.hpp"
#include "remap/disk_signatures.hpp"
#include "remap/dm_control.hpp"
#include "remap/evacuations.hpp"
#include "remap/fingerprint.hpp"
#include "remap/json_output.hpp"
#include "remap/main_claim.hpp"
#include "remap/pair_uuid.hpp"
#include "remap/pending_marks.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_format.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

struct EvacuateOptions {
	std::string name;
	std::string to;
	std::string spare;
	unsigned int rate_min = 0;
	unsigned int rate_max = 0;
	bool force = false;
	bool wait = false;
	bool json = false;
};

// The evacuation as `dmsetup status` shows it (kernel/dmr-evac.c tokens).
struct Progress {
	std::string state = "none";  // none | copying | copied | stopped
	std::uint64_t cursor = 0, blocks = 0;  // the cursor is always committed
	unsigned int percent = 0, speed_kib = 0;
	long long eta = -1;
};

Progress progress_of(const remap::StatusInfo &s)
{
	Progress p;
	auto num = [](const std::string &v) { return std::strtoull(v.c_str(), nullptr, 10); };
	for (const auto &[k, v] : s.unknown) {
		if (k == "evac")
			p.state = v;
		else if (k == "evac_cursor")
			p.cursor = num(v);
		else if (k == "evac_blocks")
			p.blocks = num(v);
		else if (k == "evac_percent")
			p.percent = static_cast<unsigned int>(num(v));
		else if (k == "evac_speed_kib")
			p.speed_kib = static_cast<unsigned int>(num(v));
		else if (k == "evac_eta")
			p.eta = std::strtoll(v.c_str(), nullptr, 10);
	}
	return p;
}

// The new disk given in NAME's table (evacuate <devt> <uuid>), or "".
std::string table_dest(const remap::TableParams &t)
{
	auto it = std::find(t.features.begin(), t.features.end(), "evacuate");
	return it != t.features.end() && t.features.end() - it >= 3 ? *(it + 1) : "";
}

// Refuse a disk that is in use or holds data (unless --force), or is too small.
void check_free_disk(struct udev *udev, const remap::BlockDevice &b, const std::string &path,
		     const char *role, bool force)
{
	std::string user = active_user_of(b.devt_text());
	if (!user.empty())
		throw remap::RefusedError(std::string(role) + " " + path + " is already used by remap-v4 device " + user);
	if (b.has_holders)
		throw remap::RefusedError(std::string(role) + " " + path + " is in use (another device is stacked on it)");
	require_unused(path, role);
	auto sigs = remap::find_signatures(path);
	if (!sigs.empty() && !force) {
		std::string list;
		for (const auto &s : sigs)
			list += (list.empty() ? "" : ", ") + s;
		throw remap::RefusedError(std::string(role) + " " + path + " holds data (" + list +
					  "): --force to write over it");
	}
	(void)udev;
}

void preflight(struct udev *udev, const remap::RemapDevice &d, const remap::json_out::DevicePaths &paths,
	       const remap::BlockDevice &dest, const std::optional<remap::BlockDevice> &nspare,
	       const EvacuateOptions &o)
{
	auto info = remap::dm::info(d.name);
	if (info && info->suspended)
		throw remap::RefusedError(d.name + " is suspended: resume it (or let what suspended it finish) first");
	if (paths.main.empty() || paths.spare.empty())
		throw remap::Error(d.name + ": no device node for its main or spare");
	for (const auto *devt : {&d.table.main, &d.table.spare}) {
		if (dest.devt_text() == *devt)
			throw UsageError("the new disk " + o.to + " is a member of " + d.name);
		if (nspare && nspare->devt_text() == *devt)
			throw UsageError("the new spare " + o.spare + " is a member of " + d.name);
	}
	if (nspare && nspare->devnum == dest.devnum)
		throw UsageError("the new disk and the new spare are the same device");
	if (dest.sectors < d.sectors)
		throw remap::RefusedError("the new disk " + o.to + " is smaller than " + d.name + " (" +
					  std::to_string(dest.sectors) + " < " + std::to_string(d.sectors) +
					  " sectors)");
	if (dest.logical_block_size > d.status.block_size)
		throw remap::RefusedError("the new disk's logical block size (" +
					  std::to_string(dest.logical_block_size) + ") is larger than " + d.name +
					  "'s (" + std::to_string(d.status.block_size) + ")");
	if (o.rate_max && (!o.rate_min || o.rate_min > o.rate_max))
		throw UsageError("--rate-min must be 1 to --rate-max (or both 0: no limit)");
	check_free_disk(udev, dest, o.to, "new disk", o.force);
	if (nspare) {
		if (nspare->logical_block_size != dest.logical_block_size)
			throw remap::RefusedError("the new spare and the new disk have different logical block sizes");
		if (nspare->sectors < remap::kMinSpareSectors)
			throw remap::RefusedError("the new spare " + o.spare + " is too small");
		check_free_disk(udev, *nspare, o.spare, "new spare", o.force);
	}
}

void start(struct udev *udev, const remap::RemapDevice &d, const remap::BlockDevice &dest,
	   const EvacuateOptions &o)
{
	remap::Evacuation e;
	e.pair_uuid = d.status.uuid;
	e.evac_uuid = remap::format_uuid(remap::random_pair_uuid());
	e.dest_id = remap::main_claim_id_at(udev, o.to);
	e.rate_min = o.rate_min;
	e.rate_max = o.rate_max;
	const std::string file = remap::evacuations_path();
	// Recorded first: once the kernel committed the evacuation, the pair
	// cannot be assembled without its new disk.
	remap::update_evacuations(file, [&](std::vector<remap::Evacuation> &entries) {
		std::erase_if(entries, [&](const remap::Evacuation &x) { return x.pair_uuid == e.pair_uuid; });
		entries.push_back(e);
	});
	auto features = d.table.features;
	auto more = remap::evacuation_features(e, dest.devt_text());
	features.insert(features.end(), more.begin(), more.end());
	bool loaded = false;
	try {
		remap::dm::load(d.name, {{0, d.sectors, remap::kTargetName,
					  d.table.main + " " + d.table.spare + remap::table_features_text(features)}});
		loaded = true;
		remap::dm::suspend(d.name);
		remap::dm::resume(d.name);
	} catch (...) {
		try {
			if (loaded)
				remap::dm::clear(d.name);
			if (auto i = remap::dm::info(d.name); i && i->suspended)
				remap::dm::resume(d.name);
			remap::update_evacuations(file, [&](std::vector<remap::Evacuation> &entries) {
				std::erase_if(entries, [&](const remap::Evacuation &x) { return x == e; });
			});
		} catch (const std::exception &x) {
			spdlog::error("{}: could not undo the start: {}", d.name, x.what());
		}
		throw;
	}
	if (auto b = remap::block_device_at(udev, o.to))
		remap::request_change_uevent(*b);  // the udev rule claims it now
}

std::string eta_text(long long s)
{
	if (s < 0)
		return "--:--";
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

nlohmann::json progress_json(const std::string &name, const Progress &p)
{
	auto j = remap::json_out::document("evacuate");
	j["name"] = name;
	j["state"] = p.state;
	j["cursor_blocks"] = p.cursor;
	j["total_blocks"] = p.blocks;
	j["percent"] = p.percent;
	j["rate_kib_s"] = p.speed_kib;
	j["eta_seconds"] = p.eta;
	return j;
}

// Follow the copy until it is done: a bar on a terminal, a line per 10 s
// otherwise, a JSON document per second with --json.
Progress follow(const std::string &name, bool json)
{
	const bool tty = ::isatty(STDOUT_FILENO) && !json;
	auto last_line = std::chrono::steady_clock::now() - std::chrono::seconds(10);
	for (;;) {
		auto p = progress_of(remap::read_remap_device(name).status);
		if (json) {
			std::cout << progress_json(name, p).dump() << std::endl;
		} else if (tty) {
			std::string bar(40, ' ');
			std::fill_n(bar.begin(), p.percent * 40 / 100, '#');
			std::printf("\r%s [%s] %3u%% %8.1f MiB/s ETA %s ", name.c_str(), bar.c_str(), p.percent,
				    p.speed_kib / 1024.0, eta_text(p.eta).c_str());
			std::fflush(stdout);
		} else if (std::chrono::steady_clock::now() - last_line >= std::chrono::seconds(10)) {
			std::cout << name << ": " << p.percent << "% copied, " << p.speed_kib << " KiB/s, ETA "
				  << eta_text(p.eta) << std::endl;
			last_line = std::chrono::steady_clock::now();
		}
		if (p.state != "copying") {
			if (tty)
				std::printf("\n");
			return p;
		}
		std::this_thread::sleep_for(std::chrono::seconds(1));
	}
}

struct SwitchResult {
	std::string layout;                   // "linear" or "pair <uuid>"
	std::vector<remap::BlockRun> carried;  // blocks that were not copied
	unsigned int wiped = 0;               // signatures erased on the old main
};

std::vector<remap::BlockRun> uncopied(const std::string &name)
{
	std::vector<remap::BlockRun> runs;
	for (const auto &e : remap::read_extents(name))
		if (e.state != remap::ExtentState::remapped)
			runs.push_back({e.lblock, e.len});
	return runs;
}

std::string runs_text(const std::vector<remap::BlockRun> &runs)
{
	std::string s;
	for (std::size_t i = 0; i < runs.size() && i < 20; i++)
		s += (s.empty() ? "" : ", ") + std::to_string(runs[i].first) +
		     (runs[i].count > 1 ? "+" + std::to_string(runs[i].count) : "");
	if (runs.size() > 20)
		s += ", ...";
	return s;
}

// Format NEWSPARE for the new pair (main = the new disk), with the blocks
// that were not copied marked unreadable.  Returns the new pair's uuid.
std::string format_new_spare(struct udev *udev, const remap::BlockDevice &dest,
			     const remap::BlockDevice &nspare, const EvacuateOptions &o,
			     const std::vector<remap::BlockRun> &carried)
{
	remap::FormatRequest req;
	req.main_sectors = dest.sectors;
	req.block_size = dest.logical_block_size;
	req.main_id = remap::make_fingerprint(dest.identity);
	req.spare_id = remap::make_fingerprint(nspare.identity);
	req.uuid = remap::random_pair_uuid();
	req.force = true;  // checked by preflight: blank, or --force
	remap::DeviceFile f(o.spare, remap::DeviceFile::Mode::write);
	auto meta = remap::format_spare(f, req);
	if (!carried.empty()) {
		remap::add_unreadable_marks(meta, carried);
		meta.c().seq++;
		for (unsigned int copy : remap::kCopyWriteOrder)
			remap::write_copy(f, meta, copy);
	}
	f.sync();
	(void)udev;
	return meta.pair_uuid();
}

SwitchResult switch_over(struct udev *udev, const remap::RemapDevice &d,
			 const remap::json_out::DevicePaths &paths, const remap::BlockDevice &dest,
			 const std::optional<remap::BlockDevice> &nspare, const EvacuateOptions &o)
{
	SwitchResult r;
	r.carried = uncopied(d.name);
	if (!r.carried.empty() && !nspare)
		throw ExitError(d.name + ": every block is on " + o.to + " except " +
					std::to_string(r.carried.size()) + " run(s) that could not be read (" +
					runs_text(r.carried) +
					"); a plain disk would return made-up data there. Give --spare NEWSPARE "
					"(they stay unreadable until written), or write them; " + d.name +
					" keeps running from " + o.to + " meanwhile",
				kExitPartial);
	std::string new_uuid;
	if (nspare)
		new_uuid = format_new_spare(udev, dest, *nspare, o, r.carried);
	const std::string bindings_file = remap::bindings_path();
	remap::dm::suspend(d.name);  // commits the cursor (postsuspend)
	bool loaded = false;
	try {
		auto p = progress_of(remap::read_remap_device(d.name).status);
		if (p.state != "copied" || p.cursor != p.blocks)
			throw remap::Error(d.name + ": the metadata does not say that every block is on " + o.to +
					   " (" + std::to_string(p.cursor) + " of " + std::to_string(p.blocks) +
					   "): nothing changed");
		if (nspare)
			remap::dm::load(d.name, {{0, d.sectors, remap::kTargetName,
						  dest.devt_text() + " " + nspare->devt_text()}});
		else
			remap::dm::load(d.name, {{0, d.sectors, "linear", dest.devt_text() + " 0"}});
		loaded = true;
		try {
			r.wiped = remap::wipe_signatures(paths.main);
		} catch (const std::exception &e) {
			spdlog::warn("{}: signatures not wiped ({}): do not mount it, its data is stale", paths.main,
				     e.what());
		}
		std::string dest_claim = remap::main_claim_id_at(udev, o.to);
		remap::update_bindings(bindings_file, [&](std::vector<remap::Binding> &entries) {
			std::erase_if(entries, [&](const remap::Binding &b) {
				return !b.linear() && b.pair_uuid == d.status.uuid;
			});
			if (nspare)
				remap::bind_pair(entries, {dest_claim, new_uuid, d.name});
			else  // NAME is recreated over the new disk at the next boot
				remap::bind_pair(entries, remap::linear_binding(dest_claim, d.name, d.sectors));
			return true;
		});
		remap::update_evacuations(remap::evacuations_path(), [&](std::vector<remap::Evacuation> &entries) {
			std::erase_if(entries, [&](const remap::Evacuation &x) { return x.pair_uuid == d.status.uuid; });
		});
		remap::DeviceFile old_spare(paths.spare, remap::DeviceFile::Mode::write_held);
		remap::erase_copies(old_spare);
	} catch (...) {
		try {
			if (loaded)
				remap::dm::clear(d.name);
			remap::dm::resume(d.name);
		} catch (const std::exception &e) {
			spdlog::error("could not resume {}: {}", d.name, e.what());
		}
		throw;
	}
	remap::dm::resume(d.name);
	r.layout = nspare ? "pair " + new_uuid : "linear";
	for (const auto &devt : {d.table.main, dest.devt_text()})
		if (auto b = remap::block_device_by_devt(udev, devt))
			remap::request_change_uevent(*b);
	return r;
}

int run_evacuate(const EvacuateOptions &o)
{
	auto d = remap::read_remap_device(o.name);
	auto udev = remap::make_udev();
	auto paths = device_paths(udev.get(), d);
	auto dest = require_block_device(udev.get(), o.to, "new disk");
	std::optional<remap::BlockDevice> nspare;
	if (!o.spare.empty())
		nspare = require_block_device(udev.get(), o.spare, "new spare");
	std::string running = table_dest(d.table);
	if (running.empty()) {
		preflight(udev.get(), d, paths, dest, nspare, o);
		start(udev.get(), d, dest, o);
		spdlog::info("{}: evacuation to {} started", o.name, o.to);
	} else if (running != dest.devt_text()) {
		throw remap::RefusedError(o.name + " is already being evacuated to " + running + ", not " + o.to);
	} else if (nspare) {
		if (nspare->devnum == dest.devnum || nspare->devt_text() == d.table.main ||
		    nspare->devt_text() == d.table.spare)
			throw UsageError("the new spare must be neither the new disk nor a member of " + o.name);
		check_free_disk(udev.get(), *nspare, o.spare, "new spare", o.force);
	}
	if (!o.wait) {
		auto p = progress_of(remap::read_remap_device(o.name).status);
		if (o.json)
			print_json(progress_json(o.name, p));
		else
			std::cout << o.name << ": evacuation to " << o.to << " " << p.state << ", " << p.percent
				  << "% copied; `remapctl evacuate " << o.name << " --to " << o.to
				  << (o.spare.empty() ? "" : " --spare " + o.spare)
				  << " --wait` follows it and switches " << o.name << " over when it is done\n";
		return kExitOk;
	}
	auto p = follow(o.name, o.json);
	if (p.state != "copied")
		throw remap::Error(o.name + ": the evacuation " + p.state +
				   " (see the kernel log; a table reload retries it)");
	d = remap::read_remap_device(o.name);
	auto r = switch_over(udev.get(), d, paths, dest, nspare, o);
	if (o.json) {
		auto j = remap::json_out::document("evacuate");
		j["name"] = o.name;
		j["state"] = "switched";
		j["new_disk"] = o.to;
		j["layout"] = nspare ? "pair" : "linear";
		if (nspare) {
			j["new_spare"] = o.spare;
			j["pair_uuid"] = r.layout.substr(5);
		}
		auto carried = nlohmann::json::array();
		for (const auto &b : r.carried)
			carried.push_back({{"first_block", b.first}, {"blocks", b.count}});
		j["unreadable"] = carried;
		j["old_main"] = paths.main;
		j["old_spare"] = paths.spare;
		j["old_main_signatures_wiped"] = r.wiped;
		print_json(j);
	} else {
		std::cout << o.name << " now maps " << o.to
			  << (nspare ? " with spare " + o.spare + " (" + r.layout + ")" : std::string(" directly (dm-linear)"))
			  << "; " << paths.main << " and " << paths.spare << " are free (" << r.wiped
			  << " stale signature(s) wiped on " << paths.main << ", the spare's metadata erased)\n";
		if (!r.carried.empty())
			std::cout << r.carried.size() << " run(s) could not be copied and stay unreadable until written: "
				  << runs_text(r.carried) << "\n";
	}
	return kExitOk;
}

}  // namespace

void register_evacuate_command(CLI::App &app, Registry &reg)
{
	auto o = std::make_shared<EvacuateOptions>();
	auto *cmd = app.add_subcommand(
		"evacuate", "Copy NAME to a new disk while it is in use, then switch NAME over to it");
	cmd->add_option("NAME", o->name, "Device-mapper name of the remap-v4 device")->required();
	cmd->add_option("--to", o->to, "The new disk (as large as NAME or larger)")->required();
	cmd->add_option("--spare", o->spare,
			"Make NEWDISK + this spare a new remap pair (else NAME maps NEWDISK with dm-linear)");
	cmd->add_option("--rate-min", o->rate_min, "Copy rate while NAME is busy, KiB/s (0: no limit)")
		->check(CLI::Range(0u, 4194304u));
	cmd->add_option("--rate-max", o->rate_max, "Copy rate while NAME is idle, KiB/s (0: no limit)")
		->check(CLI::Range(0u, 4194304u));
	cmd->add_flag("--force", o->force, "Write over a new disk or spare that holds data");
	cmd->add_flag("--wait", o->wait, "Follow the copy (progress, rate, ETA), then switch NAME over");
	cmd->add_flag("--json", o->json, "JSON output (with --wait: a document per second)");
	cmd->callback([&reg, o] {
		reg.action = [o, &reg] {
			o->json = o->json || reg.globals.json;
			return run_evacuate(*o);
		};
	});
}

}  // namespace remapctl
