// remapctl release NAME: retire a pair without a new disk.  Every remapped
// block is written back to main and read back; then NAME maps main
// directly (dm-linear), the spare's metadata is erased and the binding
// forgotten.  If main cannot take the blocks back, nothing changes.
//
// Crash safety: NAME stays suspended from before the first block is read
// until the linear table is live, so nothing writes to the pair in
// between: main and the spare agree on every remapped block from the
// moment the copy is verified.  A crash before the erase reassembles the
// old pair (consistent); after it, main alone holds everything.  The spare
// is erased before the switch, so the old pair can never come back after
// writes went to main alone (its remapped blocks would then be stale).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/aligned_buffer.hpp"
#include "remap/bindings.hpp"
#include "remap/bindings_file.hpp"
#include "remap/block_device.hpp"
#include "remap/device_file.hpp"
#include "remap/dm_control.hpp"
#include "remap/json_output.hpp"
#include "remap/main_claim.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

struct ReleaseOptions {
	std::string name;
	bool json = false;
};

struct Outcome {
	std::uint64_t blocks_written = 0;  // remapped blocks written back and verified
	std::uint64_t pending = 0;         // pending marks (main holds whatever it holds)
	std::string main;
	std::string spare;
};

// Refusals that need no change to find: the device, its state, its map.
void preflight(const remap::RemapDevice &d, const remap::json_out::DevicePaths &paths)
{
	// Main (and the spare) are stale below an evacuation's cursor.
	if (std::find(d.table.features.begin(), d.table.features.end(), "evacuate") != d.table.features.end())
		throw remap::RefusedError(d.name + " is being evacuated to a new disk: finish that first "
					  "(remapctl evacuate " + d.name + " --to NEWDISK --wait)");
	auto info = remap::dm::info(d.name);
	if (info && info->suspended)
		throw remap::RefusedError(d.name + " is suspended: resume it (or let what suspended it finish) first");
	if (paths.main.empty() || paths.spare.empty())
		throw remap::Error(d.name + ": no device node for its main (" + d.table.main + ") or spare (" +
				   d.table.spare + ")");
	auto state = remap::main_state(d.status);
	if (state == "ro" || state == "failed")
		throw remap::RefusedError(d.name + ": main " + paths.main + " " +
					  (state == "ro" ? "refuses writes" : "has failed") +
					  ": the remapped blocks cannot be written back (use evacuate to a new disk)");
	if (d.status.unreadable)
		throw remap::RefusedError(
			d.name + ": " + std::to_string(d.status.unreadable) +
			" remapped block(s) are unreadable (their data was lost; reads of them fail): "
			"main would show its old data there. Write those blocks first (remapctl export " +
			d.name + " --format badblocks lists them), or keep the pair");
}

// Copy every remapped extent of META from the spare to main, sync main,
// then read each back from main and compare.  Throws on any error or
// difference (main may then hold some blocks twice over: harmless, the
// pair still maps them to the spare).
std::uint64_t write_back(const remap::DecodedMeta &meta, remap::DeviceFile &main,
			 const remap::DeviceFile &spare)
{
	const auto &m = meta.c();
	const std::uint64_t bs = m.block_size, per_sector = bs / 512;
	constexpr std::uint64_t kChunk = 1 << 20;
	const std::uint64_t chunk_blocks = std::max<std::uint64_t>(1, kChunk / bs);
	remap::AlignedBuffer from(chunk_blocks * bs), back(chunk_blocks * bs);
	std::uint64_t blocks = 0;

	auto each_chunk = [&](auto &&fn) {
		for (std::uint32_t i = 0; i < m.nr_extents; i++) {
			const auto &e = m.extents[i];
			if (e.flags & DMR_EXT_PENDING)
				continue;
			if (e.flags & DMR_EXT_UNREADABLE)
				throw remap::RefusedError("block " + std::to_string(e.lblock) +
							  " became unreadable meanwhile: nothing changed");
			for (std::uint64_t off = 0; off < e.len; off += chunk_blocks) {
				std::uint64_t n = std::min<std::uint64_t>(chunk_blocks, e.len - off);
				fn((e.lblock + off) * per_sector, m.data_start + (e.sblock + off) * per_sector,
				   static_cast<std::size_t>(n * bs), n);
			}
		}
	};
	each_chunk([&](std::uint64_t msec, std::uint64_t ssec, std::size_t len, std::uint64_t n) {
		spare.read_at(ssec, from.data(), len);
		main.write_at(msec, from.data(), len);
		blocks += n;
	});
	main.sync();  // fdatasync: a flush, so the blocks are on stable media
	each_chunk([&](std::uint64_t msec, std::uint64_t ssec, std::size_t len, std::uint64_t) {
		spare.read_at(ssec, from.data(), len);
		main.read_at(msec, back.data(), len);
		if (std::memcmp(from.data(), back.data(), len) != 0)
			throw remap::Error("main sector " + std::to_string(msec) +
					   " reads back different data after the write-back");
	});
	return blocks;
}

Outcome release(const remap::RemapDevice &d, const remap::json_out::DevicePaths &paths)
{
	Outcome out;
	out.main = paths.main;
	out.spare = paths.spare;
	std::optional<remap::Binding> forgotten;
	const std::string bindings_file = remap::bindings_path();

	remap::dm::suspend(d.name);  // the kernel commits what it staged (postsuspend)
	bool loaded = false;
	try {
		auto scan = remap::scan_spare(paths.spare);
		if (!scan.meta)
			throw remap::Error(paths.spare + ": no valid metadata copy (" +
					   remap::verdict_name(scan.verdict()) + "): nothing changed");
		if (scan.meta->pair_uuid() != d.status.uuid)
			throw remap::Error(paths.spare + " holds pair " + scan.meta->pair_uuid() + ", " + d.name +
					   " reports " + d.status.uuid + ": nothing changed");
		for (std::uint32_t i = 0; i < scan.meta->c().nr_extents; i++)
			if (scan.meta->c().extents[i].flags & DMR_EXT_PENDING)
				out.pending += scan.meta->c().extents[i].len;
		{
			remap::DeviceFile main(paths.main, remap::DeviceFile::Mode::write_held);
			remap::DeviceFile spare(paths.spare, remap::DeviceFile::Mode::read);
			out.blocks_written = write_back(*scan.meta, main, spare);
		}
		remap::dm::load(d.name, {{0, d.sectors, "linear", d.table.main + " 0"}});
		loaded = true;
		remap::update_bindings(bindings_file, [&](std::vector<remap::Binding> &entries) {
			auto it = std::find_if(entries.begin(), entries.end(), [&](const remap::Binding &b) {
				return b.pair_uuid == d.status.uuid;
			});
			if (it == entries.end())
				return false;
			forgotten = *it;
			entries.erase(it);
			return true;
		});
		remap::DeviceFile spare(paths.spare, remap::DeviceFile::Mode::write_held);
		remap::erase_copies(spare);
	} catch (...) {
		// Leave everything as it was: the old table stays, its binding too.
		if (forgotten) {
			try {
				remap::update_bindings(bindings_file, [&](std::vector<remap::Binding> &entries) {
					entries.push_back(*forgotten);
					return true;
				});
			} catch (const std::exception &e) {
				spdlog::error("could not restore the binding of {}: {}", d.name, e.what());
			}
		}
		try {
			if (loaded)
				remap::dm::clear(d.name);
			remap::dm::resume(d.name);
		} catch (const std::exception &e) {
			spdlog::error("could not resume {} with its old table: {}", d.name, e.what());
		}
		throw;
	}
	remap::dm::resume(d.name);  // now linear over main; the old target lets go of both
	// The udev rule no longer claims main: let it see that.
	auto udev = remap::make_udev();
	try {
		if (auto m = remap::block_device_by_devt(udev.get(), d.table.main))
			remap::request_change_uevent(*m);
	} catch (const std::exception &e) {
		spdlog::warn("{}: no change uevent ({})", paths.main, e.what());
	}
	return out;
}

// The linear binding named NAME when NAME is not a live remap-v4 device.
std::optional<remap::Binding> linear_binding_named(const std::string &name)
{
	if (auto info = remap::dm::info(name)) {
		auto st = remap::dm::status(name);
		if (st.size() == 1 && st[0].type == remap::kTargetName)
			return std::nullopt;
	}
	auto b = remap::load_bindings(remap::bindings_path());
	const remap::Binding *e = remap::find_by_name(b.entries, name);
	if (e && e->linear())
		return *e;
	return std::nullopt;
}

// release NAME of a linear binding (remapctl evacuate without --spare):
// drop the binding, so remapd no longer creates NAME and the disk is no
// longer claimed.  NAME itself, if it exists, stays as it is.
int release_linear(const ReleaseOptions &o, const remap::Binding &b)
{
	const std::string file = remap::bindings_path();
	remap::update_bindings(file, [&](std::vector<remap::Binding> &entries) {
		return std::erase_if(entries, [&](const remap::Binding &e) {
			       return e.linear() && e.name == b.name && e.main_id == b.main_id;
		       }) > 0;
	});
	// The udev rule no longer claims the disk: let it see that.
	auto udev = remap::make_udev();
	std::string disk;
	for (const auto &dev : remap::enumerate_block_devices(udev.get())) {
		try {
			if (remap::main_claim_id_at(udev.get(), dev.devnode) == b.main_id) {
				disk = dev.devnode;
				remap::request_change_uevent(dev);
				break;
			}
		} catch (const remap::Error &) {
			// a device that vanished is not it
		}
	}
	const bool active = remap::dm::info(o.name).has_value();
	if (o.json) {
		auto j = remap::json_out::document("release");
		j["name"] = o.name;
		j["kind"] = "linear";
		j["disk_id"] = b.main_id;
		j["disk"] = disk.empty() ? remap::json_out::json(nullptr) : remap::json_out::json(disk);
		j["device_exists"] = active;
		print_json(j);
	} else {
		std::cout << "released " << o.name << ": its binding as the linear map of disk " << b.main_id
			  << (disk.empty() ? std::string(" (not attached)") : " (" + disk + ")")
			  << " is dropped from " << file << "; remapd no longer creates " << o.name
			  << " and the disk is no longer claimed"
			  << (active ? "; " + o.name + " itself stays until removed (dmsetup remove " + o.name + ")"
				     : std::string())
			  << "\n";
	}
	return kExitOk;
}

int run_release(const ReleaseOptions &o)
{
	if (auto lin = linear_binding_named(o.name))
		return release_linear(o, *lin);
	auto d = remap::read_remap_device(o.name);
	auto udev = remap::make_udev();
	auto paths = device_paths(udev.get(), d);
	preflight(d, paths);
	auto out = release(d, paths);
	if (o.json) {
		auto j = remap::json_out::document("release");
		j["name"] = o.name;
		j["main"] = out.main;
		j["spare"] = out.spare;
		j["blocks_written_back"] = out.blocks_written;
		j["pending_blocks"] = out.pending;
		print_json(j);
	} else {
		std::cout << "released " << o.name << ": " << out.blocks_written
			  << " remapped block(s) written back to " << out.main
			  << " and verified; it now maps " << out.main << " directly (dm-linear); "
			  << out.spare << " is free (its metadata erased)\n";
		if (out.pending)
			std::cout << out.pending << " pending block(s) were unreadable on " << out.main
				  << " and still are: a read of them fails until they are written\n";
	}
	return kExitOk;
}

}  // namespace

void register_release_command(CLI::App &app, Registry &reg)
{
	auto o = std::make_shared<ReleaseOptions>();
	auto *cmd = app.add_subcommand(
		"release",
		"Retire the pair NAME: write its remapped blocks back to main, then map main directly "
		"(a linear binding NAME: drop the binding)");
	cmd->add_option("NAME", o->name, "Device-mapper name of the remap-v4 device")->required();
	cmd->add_flag("--json", o->json, "JSON output");
	cmd->callback([&reg, o] {
		reg.action = [o, &reg] {
			o->json = o->json || reg.globals.json;
			return run_release(*o);
		};
	});
}

}  // namespace remapctl
