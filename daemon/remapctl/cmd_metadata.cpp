// remapctl metadata dump|verify|repair SPARE: offline metadata tools.
#include <sys/stat.h>

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/content_layers.hpp"
#include "remap/json_output.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

using remap::SpareVerdict;

void require_exists(const std::string &path)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		throw UsageError("spare " + path + ": no such device or file");
}

int verdict_exit(SpareVerdict v)
{
	switch (v) {
	case SpareVerdict::healthy:
		return kExitOk;
	case SpareVerdict::repairable:
		return kExitPartial;
	default:
		return kExitNoMetadata;
	}
}

std::string copy_line(const remap::CopyReport &c)
{
	std::string s = "copy " + std::to_string(c.index) + " sector " + std::to_string(c.sector) + ": ";
	if (c.status == DMR_OK)
		return s + "valid seq=" + std::to_string(c.seq) + (c.needs_repair ? " (stale)" : "");
	return s + (c.status == DMR_BLANK ? "blank" : std::string("invalid: ") + dmr_status_str(c.status));
}

int run_verify(const std::string &path, bool as_json)
{
	require_exists(path);
	auto scan = remap::scan_spare(path);
	if (as_json) {
		auto j = remap::json_out::document("metadata verify");
		j["spare"] = remap::json_out::spare_scan(scan, false);
		print_json(j);
	} else {
		for (const auto &c : scan.copies)
			std::cout << copy_line(c) << "\n";
		std::cout << "verdict: " << remap::verdict_name(scan.verdict()) << "\n";
	}
	return verdict_exit(scan.verdict());
}

int run_dump(const std::string &path, bool as_json)
{
	require_exists(path);
	auto scan = remap::scan_spare(path);
	if (as_json) {
		auto j = remap::json_out::document("metadata dump");
		j["spare"] = remap::json_out::spare_scan(scan, true);
		print_json(j);
		return scan.meta ? kExitOk : kExitNoMetadata;
	}
	if (!scan.meta) {
		throw ExitError(path + ": no valid dm-remap v4 metadata (" +
					remap::verdict_name(scan.verdict()) + ")",
				kExitNoMetadata);
	}
	const auto &dm = *scan.meta;
	const auto &m = dm.c();
	__u64 remapped = 0, pending = 0;
	dmr_ext_count(m.extents, m.nr_extents, &remapped, &pending);
	std::cout << render_fields({
		{"copy", std::to_string(scan.best)},
		{"seq", std::to_string(m.seq)},
		{"pair_uuid", dm.pair_uuid()},
		{"main_id", dm.main_id()},
		{"spare_id", dm.spare_id()},
		{"main_sectors", std::to_string(m.main_sectors)},
		{"spare_sectors", std::to_string(m.spare_sectors)},
		{"block_size", std::to_string(m.block_size)},
		{"data_start", std::to_string(m.data_start)},
		{"spare_blocks", std::to_string(m.spare_blocks)},
		{"spare_used", std::to_string(m.spare_used)},
		{"extents", std::to_string(m.nr_extents)},
		{"remapped", std::to_string(remapped)},
		{"pending", std::to_string(pending)},
		{"read_errors", std::to_string(m.health.read_errors)},
		{"write_errors", std::to_string(m.health.write_errors)},
		{"remaps_total", std::to_string(m.health.remaps_total)},
		{"fs_type", (m.layers.flags & DMR_LAYER_FS) ? remap::layer_field_text(m.layers.fs_type, DMR_FS_TYPE_LEN) : "(not recorded)"},
		{"fs_uuid", remap::layer_field_text(m.layers.fs_uuid, DMR_FS_UUID_LEN)},
		{"fs_label", remap::layer_field_text(m.layers.fs_label, DMR_FS_LABEL_LEN)},
		{"sample_crc", (m.layers.flags & DMR_LAYER_SAMPLE) ? fmt::format("{:08x}", m.layers.sample_crc) : "(not recorded)"},
		{"created", std::to_string(m.layers.created)},
		{"last_assembly", std::to_string(m.layers.last_assembled)},
		{"verdict", remap::verdict_name(scan.verdict())},
	});
	for (__u32 i = 0; i < m.nr_extents; i++) {
		const auto &e = m.extents[i];
		const char *state = (e.flags & DMR_EXT_PENDING)      ? "pending"
				    : (e.flags & DMR_EXT_UNREADABLE) ? "unreadable"
								     : "remapped";
		std::cout << "lblock=" << e.lblock << " len=" << e.len << " sblock="
			  << ((e.flags & DMR_EXT_PENDING) ? std::string("-") : std::to_string(e.sblock))
			  << " flags=" << state << "\n";
	}
	return kExitOk;
}

int run_repair(const std::string &path, bool as_json)
{
	require_exists(path);
	auto udev = remap::make_udev();
	if (auto b = remap::block_device_at(udev.get(), path)) {
		std::string user = active_user_of(b->devt_text());
		if (!user.empty())
			throw remap::RefusedError("refusing to repair " + path +
						  ": it is the spare (or main) of active remap-v4 device " +
						  user + "; the kernel repairs copies itself when it loads");
	}
	remap::DeviceFile dev(path, remap::DeviceFile::Mode::write);
	auto before = remap::scan_spare(dev);
	auto verdict = before.verdict();
	if (!before.meta) {
		throw ExitError(path + ": nothing to repair from: no valid metadata copy (" +
					remap::verdict_name(verdict) + "); nothing written",
				kExitNoMetadata);
	}
	std::vector<unsigned int> written;
	if (verdict == SpareVerdict::repairable)
		written = remap::repair_spare(dev, before);
	auto after = remap::scan_spare(dev);
	if (as_json) {
		auto j = remap::json_out::document("metadata repair");
		j["rewritten"] = written;
		j["before"] = remap::json_out::spare_scan(before, false);
		j["after"] = remap::json_out::spare_scan(after, false);
		print_json(j);
	} else if (written.empty()) {
		std::cout << path << ": all 5 copies valid and current; nothing to repair\n";
	} else {
		std::cout << path << ": rewrote copies";
		for (auto c : written)
			std::cout << " " << c;
		std::cout << " from copy " << before.best << " (seq " << before.meta->c().seq << ")\n";
		for (const auto &c : after.copies)
			std::cout << copy_line(c) << "\n";
	}
	if (after.verdict() != SpareVerdict::healthy) {
		std::cerr << "remapctl: " << path << ": still " << remap::verdict_name(after.verdict())
			  << " after repair\n";
		return kExitError;
	}
	return kExitOk;
}

}  // namespace

void register_metadata_commands(CLI::App &app, Registry &reg)
{
	auto *meta = app.add_subcommand("metadata", "Offline inspection and repair of a spare's metadata");
	meta->require_subcommand(1);
	struct Spec {
		const char *name;
		const char *help;
		int (*run)(const std::string &, bool);
	};
	static const Spec specs[] = {
		{"dump", "Print the chosen metadata copy and its extents (exit 4: no valid copy)", run_dump},
		{"verify",
		 "Check the 5 copies (exit 0 all valid, 3 some invalid or stale, 4 no valid copy)",
		 run_verify},
		{"repair",
		 "Rewrite invalid or stale copies from the best one (refused while the spare is in use)",
		 run_repair},
	};
	for (const auto &s : specs) {
		auto path = std::make_shared<std::string>();
		auto json_flag = std::make_shared<bool>(false);
		auto *sub = meta->add_subcommand(s.name, s.help);
		sub->add_option("SPARE", *path, "Spare block device or image file")->required();
		sub->add_flag("--json", *json_flag, "JSON output");
		auto run = s.run;
		sub->callback([&reg, path, json_flag, run] {
			reg.action = [path, json_flag, run, &reg] { return run(*path, *json_flag || reg.globals.json); };
		});
	}
}

}  // namespace remapctl
