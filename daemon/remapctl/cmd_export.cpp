// remapctl export NAME|SPARE --format ddrescue|badblocks|linear-table: the
// pair's map for other tools (map_export.hpp says what each format holds).
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/dm_control.hpp"
#include "remap/fingerprint.hpp"
#include "remap/json_output.hpp"
#include "remap/map_export.hpp"
#include "remap/number_parse.hpp"
#include "remap/pairing.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

struct ExportOptions {
	std::string source;  // a remap-v4 device name, or a spare's path
	std::string format;
	std::string block_size = "1024";  // badblocks(8)'s default -b
	std::string main;    // linear-table of an offline spare: its main
	bool json = false;
};

// Where the map comes from and the devices a linear table reads.
struct Source {
	std::string kind;  // "device" or "spare"
	remap::RemapMap map;
	std::string main_dev;
	std::string spare_dev;
};

Source from_device(const std::string &name, bool need_paths)
{
	auto d = remap::read_remap_device(name);
	Source s;
	s.kind = "device";
	s.map.sectors = d.sectors;
	s.map.block_size = d.status.block_size;
	s.map.data_start = DMR_DATA_START_SECTOR;
	s.map.extents = remap::read_extents(name);
	if (need_paths) {
		auto udev = remap::make_udev();
		auto p = device_paths(udev.get(), d);
		// major:minor works in a table too, if udev has no node for it.
		s.main_dev = p.main.empty() ? d.table.main : p.main;
		s.spare_dev = p.spare.empty() ? d.table.spare : p.spare;
	}
	return s;
}

Source from_spare(const std::string &path, const std::string &main_path, bool need_main)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		throw UsageError(path + ": no such device, file or remap-v4 device name");
	auto scan = remap::scan_spare(path);
	if (!scan.meta)
		throw ExitError(path + ": no valid dm-remap v4 metadata (" +
					remap::verdict_name(scan.verdict()) + ")",
				kExitNoMetadata);
	Source s;
	s.kind = "spare";
	s.map = remap::map_of(*scan.meta);
	s.spare_dev = path;
	if (!need_main)
		return s;
	if (main_path.empty())
		throw UsageError("--format linear-table of a spare needs --main MAIN (the disk it was paired with)");
	auto udev = remap::make_udev();
	auto main = require_block_device(udev.get(), main_path, "main");
	const auto &m = scan.meta->c();
	remap::SpareCandidate sc{path, scan.meta->pair_uuid(), scan.meta->main_id(), m.main_sectors,
				 m.block_size};
	remap::MainCandidate mc{main_path, remap::make_fingerprint(main.identity), main.sectors,
				main.logical_block_size};
	auto d = remap::check_explicit_pair(sc, mc);
	if (d.outcome == remap::PairingOutcome::fingerprint_mismatch)
		throw remap::RefusedError("refusing: " + d.message);
	s.main_dev = main_path;
	return s;
}

// A name with a '/' is a path; a bare name is a device-mapper device's,
// unless no such device exists and a file of that name does.
bool is_device_name(const std::string &source)
{
	if (source.find('/') != std::string::npos)
		return false;
	struct stat st {};
	if (::stat(source.c_str(), &st) != 0)
		return true;
	try {
		return remap::dm::info(source).has_value();
	} catch (const remap::Error &) {
		return false;  // no device-mapper here: the file it is
	}
}

int run_export(const ExportOptions &o)
{
	const bool linear = o.format == "linear-table";
	auto list_bs = remap::parse_u64_in(o.block_size, 512, 1u << 20);
	if (!list_bs || *list_bs % 512)
		throw UsageError("--block-size '" + o.block_size + "': a multiple of 512 up to 1048576");
	if (!o.main.empty() && !linear)
		throw UsageError("--main is only for --format linear-table");
	Source s = is_device_name(o.source) ? from_device(o.source, linear)
					     : from_spare(o.source, o.main, linear);
	if (!o.main.empty() && s.kind == "device")
		throw UsageError("--main is only for a spare: device " + o.source + " knows its main");
	std::string text;
	if (linear)
		text = remap::render_linear_table(s.map, s.main_dev, s.spare_dev);
	else if (o.format == "ddrescue")
		text = remap::render_ddrescue_mapfile(
			s.map, {std::string("of ") + s.kind + " " + o.source + ", block size " +
				std::to_string(s.map.block_size) + " bytes"});
	else
		text = remap::render_badblocks(s.map, static_cast<std::uint32_t>(*list_bs));
	std::uint64_t bad = 0;
	for (const auto &e : s.map.extents)
		if (e.state != remap::ExtentState::remapped)
			bad += e.len;
	if (o.json) {
		auto j = remap::json_out::document("export");
		j["format"] = o.format;
		j["source"] = s.kind;
		j[s.kind == "device" ? "name" : "spare"] = o.source;
		j["sectors"] = s.map.sectors;
		j["block_size"] = s.map.block_size;
		j["unreadable_blocks"] = bad;
		if (o.format == "badblocks")
			j["list_block_size"] = *list_bs;
		j["content"] = text;
		print_json(j);
	} else {
		std::cout << text;
	}
	return kExitOk;
}

}  // namespace

void register_export_command(CLI::App &app, Registry &reg)
{
	auto o = std::make_shared<ExportOptions>();
	auto *ex = app.add_subcommand(
		"export",
		"Print the map of device NAME (or of SPARE's metadata) as a ddrescue mapfile, "
		"a badblocks list or a dmsetup linear table");
	ex->add_option("SOURCE", o->source, "remap-v4 device name, or a spare's path (with a '/')")->required();
	ex->add_option("--format", o->format, "ddrescue, badblocks or linear-table")
		->required()
		->check(CLI::IsMember({"ddrescue", "badblocks", "linear-table"}));
	ex->add_option("--block-size", o->block_size,
		       "badblocks: bytes per listed block (default 1024, as badblocks -b)");
	ex->add_option("--main", o->main, "linear-table of a spare: the main it was paired with");
	ex->add_flag("--json", o->json, "JSON output (the text in \"content\")");
	ex->callback([&reg, o] { reg.action = [o, &reg] { o->json |= reg.globals.json; return run_export(*o); }; });
}

}  // namespace remapctl
