// remapctl replace-spare NAME --spare NEWSPARE: move a pair's remapped
// blocks and metadata to a new spare online (the old one is failing or
// full), with one table reload.
//
// Steps (DMR_TEST_REPLACE_STOP=<n> kills the process at boundary n, for the
// VM test), the device suspended throughout so nothing writes to the pair:
//   1 suspended (the kernel committed what it staged)
//   2 remapped data copied to NEWSPARE, synced and read back
//   3 NEWSPARE's metadata written, marked "replacing" (seq + 1)
//   4 the old spare's copies erased: from here NEWSPARE alone holds the pair
//   5 the mark cleared (seq + 2)
//   6 the new table loaded; then resumed
// What each crash point leaves, and why discovery assembles the right
// spare: docs/DESIGN.md, "Replacing the spare".
#include <spdlog/spdlog.h>

#include <algorithm>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/aligned_buffer.hpp"
#include "remap/block_device.hpp"
#include "remap/device_file.hpp"
#include "remap/disk_signatures.hpp"
#include "remap/dm_control.hpp"
#include "remap/fingerprint.hpp"
#include "remap/json_output.hpp"
#include "remap/main_claim.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/spare_replace.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

struct ReplaceOptions {
	std::string name;
	std::string spare;
	bool force = false;
	bool json = false;
};

struct Outcome {
	std::string main, old_spare, new_spare;
	std::uint64_t copied = 0, pending = 0, unreadable = 0;
	std::vector<std::uint64_t> lost;  // main blocks the old spare could not read
	bool continued = false;
};

// Tests only: the process dies at step boundary N, as if killed.
void stop_point(int n)
{
	static const int stop = [] {
		const char *v = std::getenv("DMR_TEST_REPLACE_STOP");
		return v ? std::atoi(v) : 0;
	}();
	if (stop == n) {
		std::cerr.flush();
		std::raise(SIGKILL);
	}
}

std::string table_params(const remap::RemapDevice &d, const std::string &spare_devt)
{
	std::string p = remap::make_table_params(d.table.main, spare_devt);
	if (!d.table.features.empty()) {
		p += " " + std::to_string(d.table.features.size());
		for (const auto &f : d.table.features)
			p += " " + f;
	}
	return p;
}

// Refusals that change nothing.  Returns true if NEWSPARE holds this pair
// from an interrupted replace-spare (continue it).
bool preflight(const ReplaceOptions &o, const remap::RemapDevice &d, const remap::BlockDevice &ns,
	       const remap::json_out::DevicePaths &paths, const remap::SpareScan &nscan)
{
	if (ns.devt_text() == d.table.main)
		throw UsageError(o.spare + " is the main of " + d.name);
	if (ns.devt_text() == d.table.spare)
		throw UsageError(o.spare + " is already the spare of " + d.name);
	if (paths.main.empty() || paths.spare.empty())
		throw remap::Error(d.name + ": no device node for its main (" + d.table.main + ") or spare (" +
				   d.table.spare + ")");
	// Main (and the spare) are stale below an evacuation's cursor.
	if (std::find(d.table.features.begin(), d.table.features.end(), "evacuate") != d.table.features.end())
		throw remap::RefusedError(d.name + " is being evacuated to a new disk: finish that first "
					  "(remapctl evacuate " + d.name + " --to NEWDISK --wait)");
	const bool ours = nscan.meta && nscan.meta->pair_uuid() == d.status.uuid;
	auto info = remap::dm::info(d.name);
	if (info && info->suspended && !ours)
		throw remap::RefusedError(d.name + " is suspended (busy with another operation): resume it "
					  "(or let what suspended it finish) first");
	if (ns.logical_block_size != d.status.block_size)
		throw remap::RefusedError(o.spare + " has " + std::to_string(ns.logical_block_size) +
					  "-byte logical blocks, " + d.name + " " +
					  std::to_string(d.status.block_size));
	std::string user = active_user_of(ns.devt_text());
	if (!user.empty() && !(ours && user == d.name))
		throw remap::RefusedError(o.spare + " is already used by remap-v4 device " + user);
	if (ns.has_holders && !ours)
		throw remap::RefusedError(o.spare + " is in use (another device is stacked on it)");
	if (ours)
		return true;
	require_unused(o.spare, "new spare");
	if (!o.force) {
		std::string what;
		if (nscan.meta)
			what = "dm-remap v4 metadata of pair " + nscan.meta->pair_uuid();
		else if (nscan.signed_copy)
			what = "damaged dm-remap v4 metadata";
		else if (auto sigs = remap::find_signatures(o.spare); !sigs.empty())
			what = "a " + sigs.front() + " signature";
		else if (!nscan.region_blank)
			what = "data (its first 9216 sectors are not all zero)";
		if (!what.empty())
			throw remap::RefusedError("refusing: " + o.spare + " holds " + what +
						  "; --force overwrites it");
	}
	return false;
}

Outcome replace(const ReplaceOptions &o, const remap::RemapDevice &d, const remap::BlockDevice &ns,
		const remap::json_out::DevicePaths &paths, bool continuing)
{
	Outcome out;
	out.main = paths.main;
	out.old_spare = paths.spare;
	out.new_spare = o.spare;
	out.continued = continuing;
	const std::string spare_id = remap::make_fingerprint(ns.identity);

	auto info = remap::dm::info(d.name);
	if (!info || !info->suspended)
		remap::dm::suspend(d.name);  // the kernel commits what it staged (postsuspend)
	else
		remap::dm::clear(d.name);  // an interrupted run may have loaded its table
	stop_point(1);

	std::optional<remap::DecodedMeta> old_meta;  // to roll back after the old copies were erased
	bool new_written = false, old_erasing = false, old_erased = false, loaded = false;
	try {
		auto oscan = remap::scan_spare(paths.spare);
		remap::DecodedMeta final_meta;
		if (oscan.meta && oscan.meta->pair_uuid() == d.status.uuid) {
			old_meta = *oscan.meta;
			auto plan = remap::plan_replacement(*oscan.meta, ns.sectors, spare_id);
			out.pending = plan.pending;
			{
				remap::DeviceFile from(paths.spare, remap::DeviceFile::Mode::read);
				remap::DeviceFile to(o.spare, remap::DeviceFile::Mode::write);
				out.lost = remap::copy_spare_data(plan, oscan.meta->c().data_start, from, to);
				stop_point(2);
				// The whole metadata region zero, then the copies: the gaps
				// between copies stay zero as on any spare.
				remap::AlignedBuffer zero(DMR_COPY_BYTES);
				for (std::uint64_t s = 0; s < DMR_DATA_START_SECTOR; s += DMR_COPY_SECTORS)
					to.write_at(s, zero.data(), zero.size());
				to.sync();
				new_written = true;
				remap::write_all_copies(to, plan.meta);
			}
			stop_point(3);
			out.copied = plan.blocks;
			out.unreadable = plan.unreadable;
			{
				remap::DeviceFile old(paths.spare, remap::DeviceFile::Mode::write_held);
				old_erasing = true;
				remap::erase_copies(old);
				old_erased = true;
			}
			stop_point(4);
			final_meta = plan.meta;
		} else {
			// Continuing after the old copies were erased: NEWSPARE
			// alone holds the pair (preflight checked its pair uuid).
			auto nscan = remap::scan_spare(o.spare);
			if (!continuing || !nscan.meta || nscan.meta->pair_uuid() != d.status.uuid)
				throw remap::Error(paths.spare + " holds no valid metadata of pair " + d.status.uuid +
						   ": nothing changed");
			old_erased = true;
			final_meta = *nscan.meta;
			for (std::uint32_t i = 0; i < final_meta.c().nr_extents; i++) {
				const auto &e = final_meta.c().extents[i];
				if (e.flags & DMR_EXT_PENDING)
					out.pending += e.len;
				else if (e.flags & DMR_EXT_UNREADABLE)
					out.unreadable += e.len;
				else
					out.copied += e.len;
			}
		}
		final_meta.c().seq++;
		final_meta.c().layers.flags &= ~remap::kLayerReplacing;
		{
			remap::DeviceFile to(o.spare, remap::DeviceFile::Mode::write);
			remap::write_all_copies(to, final_meta);
		}
		stop_point(5);
		remap::dm::load(d.name, {{0, d.sectors, "remap-v4", table_params(d, ns.devt_text())}});
		loaded = true;
		stop_point(6);
		remap::dm::resume(d.name);  // the new target reads NEWSPARE's metadata (preresume)
	} catch (...) {
		// Back to the old spare: its metadata (rewritten with a higher
		// sequence number if it was erased), NEWSPARE's erased, the old
		// table resumed.
		try {
			if (loaded)
				remap::dm::clear(d.name);
			if (old_erasing && old_meta) {
				old_meta->c().seq += 3;
				remap::DeviceFile old(paths.spare, remap::DeviceFile::Mode::write_held);
				remap::write_all_copies(old, *old_meta);
				old_erased = false;
			}
			if (new_written && !old_erased) {
				remap::DeviceFile to(o.spare, remap::DeviceFile::Mode::write);
				remap::erase_copies(to);
			}
			if (!old_erased)
				remap::dm::resume(d.name);
			else
				spdlog::error("{} stays suspended: its old spare's metadata is erased; run remapctl "
					      "replace-spare {} --spare {} again",
					      d.name, d.name, o.spare);
		} catch (const std::exception &e) {
			spdlog::error("could not go back to the old spare of {}: {} (run remapctl replace-spare {} "
				      "--spare {} again)",
				      d.name, e.what(), d.name, o.spare);
		}
		throw;
	}
	// udev: the old spare is blank now, the new one a spare.
	auto udev = remap::make_udev();
	for (const auto &devt : {d.table.spare, ns.devt_text()}) {
		try {
			if (auto b = remap::block_device_by_devt(udev.get(), devt))
				remap::request_change_uevent(*b);
		} catch (const std::exception &e) {
			spdlog::warn("{}: no change uevent ({})", devt, e.what());
		}
	}
	return out;
}

int run_replace_spare(const ReplaceOptions &o)
{
	auto d = remap::read_remap_device(o.name);
	auto udev = remap::make_udev();
	auto ns = require_block_device(udev.get(), o.spare, "new spare");
	auto paths = device_paths(udev.get(), d);
	auto nscan = remap::scan_spare(o.spare);
	bool continuing = preflight(o, d, ns, paths, nscan);
	if (continuing)
		spdlog::warn("{} already holds pair {}: continuing an interrupted replace-spare", o.spare,
			     d.status.uuid);
	auto out = replace(o, d, ns, paths, continuing);
	if (o.json) {
		auto j = remap::json_out::document("replace-spare");
		j["name"] = o.name;
		j["main"] = out.main;
		j["old_spare"] = out.old_spare;
		j["new_spare"] = out.new_spare;
		j["blocks_copied"] = out.copied;
		j["pending_blocks"] = out.pending;
		j["unreadable_blocks"] = out.unreadable;
		j["lost_blocks"] = out.lost;
		j["continued"] = out.continued;
		print_json(j);
	} else {
		std::cout << "replaced the spare of " << o.name << ": " << out.copied
			  << " remapped block(s) copied from " << out.old_spare << " to " << out.new_spare
			  << " and verified; " << out.old_spare << " is free (its metadata erased)\n";
		if (!out.lost.empty()) {
			std::cout << out.lost.size() << " block(s) could not be read from " << out.old_spare
				  << " and are unreadable now (reads fail until written; restore them):";
			for (auto b : out.lost)
				std::cout << " " << b;
			std::cout << " (main blocks of " << d.status.block_size << " bytes)\n";
		}
		if (out.unreadable > out.lost.size())
			std::cout << out.unreadable - out.lost.size() << " block(s) were unreadable before and still are\n";
		if (out.pending)
			std::cout << out.pending << " pending block(s) carried as they are\n";
	}
	return out.lost.empty() ? kExitOk : kExitPartial;
}

}  // namespace

void register_replace_spare_command(CLI::App &app, Registry &reg)
{
	auto o = std::make_shared<ReplaceOptions>();
	auto *cmd = app.add_subcommand("replace-spare",
				       "Move the remapped blocks and metadata of NAME to a new spare, online");
	cmd->add_option("NAME", o->name, "Device-mapper name of the remap-v4 device")->required();
	cmd->add_option("--spare", o->spare, "The new spare (at least the metadata area plus the remapped blocks)")
		->required();
	cmd->add_flag("--force", o->force, "Overwrite a new spare that holds a file system or other data");
	cmd->add_flag("--json", o->json, "JSON output");
	cmd->callback([&reg, o] {
		reg.action = [o, &reg] {
			o->json = o->json || reg.globals.json;
			return run_replace_spare(*o);
		};
	});
}

}  // namespace remapctl
