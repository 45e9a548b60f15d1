// remapctl create / remove.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/bad_block_import.hpp"
#include "remap/bindings_file.hpp"
#include "remap/content_layers.hpp"
#include "remap/dm_availability.hpp"
#include "remap/dm_control.hpp"
#include "remap/linear_maps.hpp"
#include "remap/main_claim.hpp"
#include "remap/number_parse.hpp"
#include "remap/pairing.hpp"
#include "remap/pending_marks.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_format.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

struct CreateOptions {
	std::string main;
	std::string spare;
	std::string name;
	bool force_format = false;
	bool ignore_content_change = false;
	std::string import_badblocks;  // a badblocks list or ddrescue mapfile
	std::string import_block_size;  // bytes per block of a badblocks list
	bool json = false;
};

// The known bad blocks of --import-badblocks, read and checked against the
// main before anything is written (a bad file is a usage error, exit 2).
std::optional<remap::BadBlockImport> read_import(const CreateOptions &o,
						 const remap::BlockDevice &main)
{
	if (o.import_badblocks.empty()) {
		if (!o.import_block_size.empty())
			throw UsageError("--import-block-size needs --import-badblocks");
		return std::nullopt;
	}
	auto lbs = remap::parse_u64_in(o.import_block_size.empty() ? "1024" : o.import_block_size, 1,
				       1u << 20);
	if (!lbs)
		throw UsageError("--import-block-size '" + o.import_block_size + "': 1-1048576 bytes");
	std::ifstream in(o.import_badblocks, std::ios::binary);
	if (!in)
		throw UsageError("--import-badblocks " + o.import_badblocks + ": " +
				 remap::errno_text(errno));
	std::ostringstream text;
	text << in.rdbuf();
	if (in.bad())
		throw UsageError("--import-badblocks " + o.import_badblocks + ": read error");
	try {
		return remap::parse_bad_block_file(text.str(), static_cast<std::uint32_t>(*lbs),
						   main.logical_block_size, main.sectors);
	} catch (const remap::ParseError &e) {
		throw UsageError("--import-badblocks " + o.import_badblocks + ": " + e.what() +
				 "; nothing was changed");
	}
}

// Marks the imported blocks pending on the spare: one metadata commit
// (seq + 1, the five copies in the kernel's order).
std::uint64_t write_pending_marks(const std::string &spare_path, const remap::BadBlockImport &imp)
{
	remap::DeviceFile spare(spare_path, remap::DeviceFile::Mode::write);
	auto scan = remap::scan_spare(spare);
	if (!scan.meta)
		throw remap::Error(spare_path + ": no valid metadata copy to add the bad blocks to");
	remap::DecodedMeta meta = *scan.meta;
	std::uint64_t added = remap::add_pending_marks(meta, imp.runs);
	if (added == 0)
		return 0;
	meta.c().seq++;
	for (unsigned int copy : remap::kCopyWriteOrder)
		remap::write_copy(spare, meta, copy);
	return added;
}

void check_dm_name(const std::string &name)
{
	if (!remap::valid_device_name(name))
		throw UsageError("invalid device name '" + name +
				 "' (1-127 printable characters, no '/', not . or ..)");
}

int run_create(const CreateOptions &o)
{
	if (!o.name.empty())
		check_dm_name(o.name);
	auto udev = remap::make_udev();
	auto main = require_block_device(udev.get(), o.main, "main");
	auto spare = require_block_device(udev.get(), o.spare, "spare");
	if (main.devnum == spare.devnum)
		throw UsageError("main and spare are the same device");
	if (main.logical_block_size != spare.logical_block_size)
		throw remap::RefusedError("main (" + std::to_string(main.logical_block_size) +
					  " bytes) and spare (" +
					  std::to_string(spare.logical_block_size) +
					  " bytes) have different logical block sizes");
	if (spare.sectors < remap::kMinSpareSectors)
		throw remap::RefusedError("spare " + o.spare + " is too small (" +
					  std::to_string(spare.sectors) + " sectors, need at least " +
					  std::to_string(remap::kMinSpareSectors) + ")");
	// Before anything is written to the spare: a spare formatted for a
	// device the kernel cannot create is a change for nothing.
	remap::dm::require_target(remap::kTargetName);
	for (const auto *b : {&main, &spare}) {
		std::string user = active_user_of(b->devt_text());
		if (!user.empty())
			throw remap::RefusedError(b->devnode + " is already used by remap-v4 device " + user);
	}
	if (main.has_holders)
		throw remap::RefusedError("main " + o.main + " is in use (another device is stacked on it)");
	require_unused(o.main, "main");
	require_unused(o.spare, "spare");
	if (!o.name.empty() && remap::dm::info(o.name))
		throw remap::RefusedError("a device-mapper device named " + o.name + " already exists");
	auto import = read_import(o, main);

	std::string main_fp = remap::make_fingerprint(main.identity);
	auto main_sysfs = remap::block_device_at(udev.get(), o.main, remap::IdentitySource::sysfs_only);
	std::string claim_id = remap::main_claim_id(*main_sysfs);
	std::string bindings_file = remap::bindings_path();
	auto bindings = remap::load_bindings(bindings_file);
	if (!bindings.problems.empty())
		throw remap::RefusedError(bindings.problems.front() + " (fix or remove the line first)");
	remap::SpareScan scan = remap::scan_spare(o.spare);
	auto verdict = scan.verdict();
	bool need_format = false;
	std::string pair_uuid;
	if (verdict == remap::SpareVerdict::blank) {
		need_format = true;
	} else if (scan.meta) {
		remap::SpareCandidate sc{o.spare, scan.meta->pair_uuid(), scan.meta->main_id(),
					 scan.meta->c().main_sectors, scan.meta->c().block_size};
		remap::MainCandidate mc{o.main, main_fp, main.sectors, main.logical_block_size};
		auto d = remap::check_explicit_pair(sc, mc);
		if (d.outcome == remap::PairingOutcome::fingerprint_mismatch) {
			if (!o.force_format)
				throw remap::RefusedError("refusing: " + d.message +
							  " (fingerprint mismatch; --force-format erases the spare's remaps)");
			spdlog::warn("--force-format: reformatting {} (its old pair {} and remaps are lost)",
				     o.spare, sc.pair_uuid);
			need_format = true;
		} else {
			if (d.outcome == remap::PairingOutcome::no_identity)
				spdlog::warn("{}", d.message);
			if (o.force_format)
				spdlog::info("spare already belongs to this main: --force-format ignored, remaps kept");
			pair_uuid = sc.pair_uuid;
		}
	} else {
		if (!o.force_format)
			throw remap::RefusedError(
				"refusing: spare " + o.spare + " holds " +
				(verdict == remap::SpareVerdict::corrupt
					 ? std::string("dm-remap v4 metadata with no valid copy")
					 : std::string("foreign data (its first 9216 sectors are not all zero)")) +
				"; use --force-format to overwrite it");
		need_format = true;
	}

	if (import) {
		// Tried on the metadata the spare will have, so an import that
		// does not fit (too many extents) is refused before any write.
		remap::DecodedMeta trial;
		if (need_format) {
			remap::PairUuid none{};
			if (dmr_meta_init(&trial.c(), main.sectors, spare.sectors, main.logical_block_size,
					  none.data()) != DMR_OK)
				throw remap::RefusedError("cannot format spare " + o.spare + " for main " + o.main);
		} else {
			trial = *scan.meta;
		}
		remap::add_pending_marks(trial, import->runs);
	}

	remap::FormatRequest req;
	if (need_format) {
		req.main_sectors = main.sectors;
		req.block_size = main.logical_block_size;
		req.main_id = main_fp;
		req.spare_id = remap::make_fingerprint(spare.identity);
		req.uuid = remap::random_pair_uuid();
		pair_uuid = remap::format_uuid(req.uuid);
		req.force = o.force_format;
	}

	// The name: --name, else the one the bindings file gives this pair,
	// else remap-<uuid8>.  Checked before the spare is formatted.
	const remap::Binding *bound = remap::find_by_uuid(bindings.entries, pair_uuid);
	std::string name = !o.name.empty() ? o.name
		: bound ? bound->name : remap::default_device_name(pair_uuid);
	remap::Binding binding{claim_id, pair_uuid, name};
	remap::bind_pair(bindings.entries, binding);  // throws NameClashError: nothing written yet
	if (o.name.empty() && remap::dm::info(name))
		throw remap::RefusedError("a device-mapper device named " + name + " already exists");

	if (need_format) {
		remap::DeviceFile f(o.spare, remap::DeviceFile::Mode::write);
		auto meta = remap::format_spare(f, req);
		if (meta.pair_uuid() != pair_uuid)
			throw remap::Error("formatted spare reports pair " + meta.pair_uuid() + ", expected " + pair_uuid);
		spdlog::info("formatted spare {} for main {} (pair {})", o.spare, o.main, pair_uuid);
	}

	// Bound before the device exists: the spare now belongs to this pair,
	// and the main is claimed (udev drops its by-uuid/by-label links)
	// whether or not the device can be created.
	if (remap::update_bindings(bindings_file, [&](std::vector<remap::Binding> &entries) {
		    return remap::bind_pair(entries, binding);
	    }))
		remap::request_change_uevent(main);
	// What the main holds (file system, content sample, times): recorded
	// on a new spare, compared with the record on an existing one.
	auto layers = remap::check_and_refresh_layers(o.main, o.spare,
						      static_cast<std::int64_t>(::time(nullptr)),
						      o.ignore_content_change);
	if (layers.refuse)
		throw remap::RefusedError("refusing: " + layers.refusal +
					  " (--ignore-content-change to pair them anyway)");
	for (const auto &w : layers.warnings)
		spdlog::warn("{}", w);
	std::uint64_t imported = 0;
	if (import) {
		imported = write_pending_marks(o.spare, *import);
		spdlog::info("--import-badblocks: {} of {} known bad block(s) ({}) marked pending",
			     imported, import->blocks(), import->format);
	}
	remap::dm::create(name, remap::dm_uuid_for_pair(pair_uuid),
			  {{0, main.sectors, remap::kTargetName, o.main + " " + o.spare}});
	if (o.json) {
		auto j = remap::json_out::document("create");
		j["name"] = name;
		j["pair_uuid"] = pair_uuid;
		j["main"] = o.main;
		j["spare"] = o.spare;
		j["formatted"] = need_format;
		if (import) {
			j["import_format"] = import->format;
			j["imported_blocks"] = import->blocks();
			j["pending_marked"] = imported;
		}
		print_json(j);
	} else {
		std::cout << "created " << name << " (pair " << pair_uuid << "): main " << o.main
			  << ", spare " << o.spare << (need_format ? ", spare formatted" : "");
		if (import)
			std::cout << ", " << imported << " known bad block(s) marked pending";
		std::cout << "\n";
	}
	return kExitOk;
}

// NAME is the linear map its linear binding describes (one linear target
// from sector 0 of the bound disk, the recorded length).
bool is_bound_linear_map(const std::string &name)
{
	std::vector<remap::Binding> entries;
	try {
		entries = remap::load_bindings(remap::bindings_path()).entries;
	} catch (const remap::Error &) {
		return false;
	}
	const remap::Binding *b = remap::find_by_name(entries, name);
	if (!b || !b->linear())
		return false;
	auto s = remap::dm_name_state(remap::dm::table(name));
	if (!s.single_linear || s.offset != 0 || s.length != b->sectors)
		return false;
	auto udev = remap::make_udev();
	auto disk = remap::block_device_by_devt(udev.get(), s.devt);
	return disk && remap::main_claim_id_at(udev.get(), disk->devnode) == b->main_id;
}

int run_remove(const std::string &name, bool json)
{
	// A remap-v4 device, or the linear map of a linear binding (remapctl
	// evacuate without --spare): the binding stays, like a pair's.
	bool linear = false;
	try {
		remap::read_remap_device(name);
	} catch (const remap::Error &) {
		if (!remap::dm::info(name) || !is_bound_linear_map(name))
			throw;  // refuses names that are neither
		linear = true;
	}
	remap::dm::remove(name);
	if (json) {
		auto j = remap::json_out::document("remove");
		j["name"] = name;
		j["kind"] = linear ? "linear" : "pair";
		print_json(j);
	} else if (linear) {
		std::cout << "removed " << name << " (a linear map; its binding stays: remapd creates it again "
			  << "at the next boot or rescan, remapctl release " << name << " drops the binding)\n";
	} else {
		std::cout << "removed " << name << "\n";
	}
	return kExitOk;
}

}  // namespace

void register_create_commands(CLI::App &app, Registry &reg)
{
	auto o = std::make_shared<CreateOptions>();
	auto *create = app.add_subcommand(
		"create",
		"Pair MAIN with SPARE and create the remap-v4 device (formats a blank spare)");
	create->add_option("--main", o->main, "Main (failing) block device")->required();
	create->add_option("--spare", o->spare, "Spare block device")->required();
	create->add_option("--name", o->name,
			   "Device-mapper name (default remap-<first 8 hex of the pair uuid>)");
	create->add_flag("--force-format", o->force_format,
			 "Format the spare even if it holds other data or another pair's metadata");
	create->add_flag("--ignore-content-change", o->ignore_content_change,
			 "Pair even if the main's file system changed since its last assembly "
			 "(type or UUID: reformatted, or another disk)");
	create->add_option("--import-badblocks", o->import_badblocks,
			   "Mark the main's known bad blocks pending: a badblocks(8) list or a "
			   "GNU ddrescue mapfile ('-', '*', '/' areas)");
	create->add_option("--import-block-size", o->import_block_size,
			   "Bytes per block of the --import-badblocks list (default 1024, as badblocks -b)");
	create->add_flag("--json", o->json, "JSON output");
	create->callback([&reg, o] { reg.action = [o, &reg] { o->json |= reg.globals.json; return run_create(*o); }; });

	auto name = std::make_shared<std::string>();
	auto json = std::make_shared<bool>(false);
	auto *remove = app.add_subcommand(
		"remove", "Remove the remap-v4 device NAME, or a bound linear map NAME (data stays on the devices)");
	remove->add_option("NAME", *name, "Device-mapper name")->required();
	remove->add_flag("--json", *json, "JSON output");
	remove->callback([&reg, name, json] { reg.action = [name, json, &reg] { return run_remove(*name, *json || reg.globals.json); }; });
}

}  // namespace remapctl
