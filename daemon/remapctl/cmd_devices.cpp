// remapctl list / status / remap / scan / health: commands on live devices.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/dm_control.hpp"
#include "remap/json_output.hpp"
#include "remap/number_parse.hpp"
#include "remap/remap_device.hpp"
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

int run_list(bool as_json)
{
	auto udev = remap::make_udev();
	auto devices = selected("");
	if (as_json) {
		auto j = remap::json_out::document("list");
		j["devices"] = json::array();
		for (const auto &d : devices)
			j["devices"].push_back(remap::json_out::device(d, device_paths(udev.get(), d)));
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
	auto devices = selected(o.name);
	if (o.json) {
		auto j = remap::json_out::document("status");
		j["devices"] = json::array();
		for (const auto &d : devices) {
			auto dj = remap::json_out::device(d, device_paths(udev.get(), d));
			if (o.extents)
				dj["extents"] = remap::json_out::extents(remap::read_extents(d.name));
			j["devices"].push_back(dj);
		}
		print_json(j);
		return kExitOk;
	}
	if (!o.name.empty()) {
		const auto &d = devices.front();
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

int run_scan(const std::string &name, bool as_json)
{
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
	bool json = false;
};

int run_health(const HealthOptions &o)
{
	remap::SysfsTree sysfs;
	unsigned int threshold = 50;
	std::string source = "default";
	if (o.threshold >= 0) {
		threshold = static_cast<unsigned int>(o.threshold);
		source = "option";
	} else if (auto t = sysfs.health_threshold()) {
		threshold = *t;
		source = "sysfs";
	}
	auto devices = selected(o.name);
	bool degraded = false;
	auto j = remap::json_out::document("health");
	j["threshold"] = threshold;
	j["threshold_source"] = source;
	j["kernel_sysfs"] = sysfs.present();
	j["devices"] = json::array();
	Table t({"NAME", "HEALTH", "MODE", "PENDING", "SPARE_FREE%", "STATE"});
	for (const auto &d : devices) {
		const auto &s = d.status;
		bool ok = s.mode == "rw" && s.health >= threshold;
		degraded |= !ok;
		json dj = {{"name", d.name}, {"health", s.health}, {"mode", s.mode},
			   {"spare_free_percent", s.spare_free_percent()}, {"ok", ok}};
		remap::json_out::put_counter(dj, "pending", s.pending);
		j["devices"].push_back(dj);
		t.add({d.name, std::to_string(s.health), s.mode, std::to_string(s.pending),
		       std::to_string(s.spare_free_percent()), ok ? "ok" : "DEGRADED"});
	}
	if (o.json)
		print_json(j);
	else
		std::cout << t.render();
	return degraded ? kExitPartial : kExitOk;
}

}  // namespace

void register_device_commands(CLI::App &app, Registry &reg)
{
	auto list_json = std::make_shared<bool>(false);
	auto *list = app.add_subcommand("list", "List remap-v4 devices with their main and spare");
	list->add_flag("--json", *list_json, "JSON output");
	list->callback([&reg, list_json] { reg.action = [list_json] { return run_list(*list_json); }; });

	auto so = std::make_shared<StatusOptions>();
	auto *status = app.add_subcommand("status", "Counters of every remap-v4 device, or details of NAME");
	status->add_option("NAME", so->name, "Device-mapper name");
	status->add_flag("--extents", so->extents, "Also list the remapped extents (needs NAME)");
	status->add_flag("--json", so->json, "JSON output");
	status->callback([&reg, so] { reg.action = [so] { return run_status(*so); }; });

	auto rn = std::make_shared<std::string>();
	auto rs = std::make_shared<std::string>();
	auto rj = std::make_shared<bool>(false);
	auto *remap_cmd = app.add_subcommand("remap", "Move the block holding SECTOR of NAME to the spare");
	remap_cmd->add_option("NAME", *rn, "Device-mapper name")->required();
	remap_cmd->add_option("SECTOR", *rs, "Sector (512 bytes) relative to the device")->required();
	remap_cmd->add_flag("--json", *rj, "JSON output");
	remap_cmd->callback([&reg, rn, rs, rj] { reg.action = [rn, rs, rj] { return run_remap(*rn, *rs, *rj); }; });

	auto sn = std::make_shared<std::string>();
	auto sj = std::make_shared<bool>(false);
	auto *scan = app.add_subcommand("scan", "Start a health scan of NAME (or of every device)");
	scan->add_option("NAME", *sn, "Device-mapper name");
	scan->add_flag("--json", *sj, "JSON output");
	scan->callback([&reg, sn, sj] { reg.action = [sn, sj] { return run_scan(*sn, *sj); }; });

	auto ho = std::make_shared<HealthOptions>();
	auto *health = app.add_subcommand(
		"health", "Health of NAME (or every device); exit 3 if any is below the threshold or not rw");
	health->add_option("NAME", ho->name, "Device-mapper name");
	health->add_option("--threshold", ho->threshold,
			   "Health below this is degraded (default: the kernel's health_threshold, else 50)")
		->check(CLI::Range(0, 100));
	health->add_flag("--json", ho->json, "JSON output");
	health->callback([&reg, ho] { reg.action = [ho] { return run_health(*ho); }; });
}

}  // namespace remapctl
