// remapctl metadata dump|verify|repair SPARE: offline metadata tools.
#include <sys/stat.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"
#include "device_resolve.hpp"
#include "output.hpp"
#include "remap/content_layers.hpp"
#include "remap/fingerprint.hpp"
#include "remap/json_output.hpp"
#include "remap/metadata_backup.hpp"
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

struct RestoreOptions {
	std::string spare;
	std::string from;
	bool force = false;
	bool json = false;
};

remap::DecodedMeta read_backup_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		throw UsageError("--from " + path + ": " + remap::errno_text(errno));
	std::ostringstream text;
	text << in.rdbuf();
	try {
		return remap::parse_backup(text.str());
	} catch (const remap::ParseError &e) {
		throw UsageError("--from " + path + ": " + e.what() + "; nothing was written");
	}
}

// Rewrites all five copies of SPARE from a host backup (metadata_backup.hpp).
// Refused, before anything is written: a spare in use, a spare with a valid
// copy (unless --force), a backup of another spare (size, block size or
// identity) or of another pair than the spare's valid copy.
int run_restore(const RestoreOptions &o)
{
	require_exists(o.spare);
	auto backup = read_backup_file(o.from);
	const auto &b = backup.c();
	auto udev = remap::make_udev();
	auto blk = remap::block_device_at(udev.get(), o.spare);
	if (blk) {
		std::string user = active_user_of(blk->devt_text());
		if (!user.empty())
			throw remap::RefusedError("refusing to restore " + o.spare + ": it is the spare (or main) of active remap-v4 device " +
						  user + " (remapctl remove it first); nothing was written");
	}
	remap::DeviceFile dev(o.spare, remap::DeviceFile::Mode::write);  // O_EXCL: refuses a held spare
	if (dev.size_sectors() != b.spare_sectors || dev.logical_block_size() != b.block_size)
		throw remap::RefusedError("refusing: the backup is of a spare of " + std::to_string(b.spare_sectors) +
					  " sectors of " + std::to_string(b.block_size) + " bytes, " + o.spare + " has " +
					  std::to_string(dev.size_sectors()) + " of " +
					  std::to_string(dev.logical_block_size()) + "; nothing was written");
	auto before = remap::scan_spare(dev);
	if (before.meta) {
		if (before.meta->pair_uuid() != backup.pair_uuid())
			throw remap::RefusedError("refusing: " + o.spare + " holds valid metadata of pair " +
						  before.meta->pair_uuid() + ", the backup is of pair " +
						  backup.pair_uuid() + "; nothing was written");
		if (!o.force)
			throw remap::RefusedError("refusing: " + o.spare + " has a valid metadata copy (seq " +
						  std::to_string(before.meta->c().seq) +
						  "); `remapctl metadata repair` rewrites the others from it, "
						  "--force replaces it with the backup (seq " +
						  std::to_string(b.seq) + "); nothing was written");
	}
	if (blk && !backup.spare_id().empty()) {
		std::string id = remap::make_fingerprint(blk->identity);
		if (id != backup.spare_id())
			throw remap::RefusedError("refusing: the backup is of spare '" + backup.spare_id() + "', " +
						  o.spare + " is '" + id + "'; nothing was written");
	}
	remap::DecodedMeta meta = backup;
	// Newer than anything a surviving (unreadable) copy could hold.
	meta.c().seq = std::max<std::uint64_t>(b.seq, before.meta ? before.meta->c().seq : 0);
	for (const auto &c : before.copies)
		meta.c().seq = std::max<std::uint64_t>(meta.c().seq, c.seq);
	meta.c().seq++;
	for (unsigned int copy : remap::kCopyWriteOrder)
		remap::write_copy(dev, meta, copy);
	auto after = remap::scan_spare(dev);
	if (o.json) {
		auto j = remap::json_out::document("metadata restore");
		j["from"] = o.from;
		j["backup_seq"] = b.seq;
		j["before"] = remap::json_out::spare_scan(before, false);
		j["after"] = remap::json_out::spare_scan(after, false);
		print_json(j);
	} else {
		std::cout << o.spare << ": wrote copies 0 2 1 3 4 from " << o.from << " (pair "
			  << backup.pair_uuid() << ", backup seq " << b.seq << ", now seq " << meta.c().seq
			  << ", " << b.nr_extents << " extents)\n";
	}
	if (after.verdict() != SpareVerdict::healthy) {
		std::cerr << "remapctl: " << o.spare << ": " << remap::verdict_name(after.verdict())
			  << " after the restore\n";
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
	auto ro = std::make_shared<RestoreOptions>();
	auto *restore = meta->add_subcommand(
		"restore", "Rewrite all 5 copies from a host backup (/var/lib/dm-remap) when none is valid");
	restore->add_option("SPARE", ro->spare, "Spare block device or image file")->required();
	restore->add_option("--from", ro->from, "The backup file (remapd writes /var/lib/dm-remap/<pair uuid>.json)")
		->required();
	restore->add_flag("--force", ro->force, "Restore even over a valid copy of the same pair");
	restore->add_flag("--json", ro->json, "JSON output");
	restore->callback([&reg, ro] { reg.action = [ro, &reg] { ro->json |= reg.globals.json; return run_restore(*ro); }; });
}

}  // namespace remapctl
