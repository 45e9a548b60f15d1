#include "remap/discovery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>

#include "remap/bindings_file.hpp"
#include "remap/content_layers.hpp"
#include "remap/device_file.hpp"
#include "remap/dm_control.hpp"
#include "remap/error.hpp"
#include "remap/evacuations.hpp"
#include "remap/linear_maps.hpp"
#include "remap/main_claim.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/spare_replace.hpp"
#include "remap/udev_handles.hpp"

namespace remap {

namespace {

BindingsParse load_bindings_quietly()
{
	try {
		return load_bindings(bindings_path());
	} catch (const Error &e) {
		spdlog::debug("discovery: {}", e.what());
		return {};
	}
}

std::map<std::string, std::string> claim_ids_of(struct udev *udev, const std::vector<std::string> &paths)
{
	std::map<std::string, std::string> ids;
	for (const auto &p : paths) {
		try {
			ids[p] = main_claim_id_at(udev, p);
		} catch (const Error &e) {
			spdlog::debug("discovery: no claim id for {}: {}", p, e.what());
		}
	}
	return ids;
}

std::vector<std::string> holders_of(const std::string &devt)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator("/sys/dev/block/" + devt + "/holders", ec))
		out.push_back(e.path().filename().string());
	std::sort(out.begin(), out.end());
	return out;
}

// The linear bindings' decisions (linear_maps.hpp): their disks among the
// attached devices that are not spares (held ones too: "in use" or
// already NAME's), their names among the device-mapper devices.
std::vector<LinearDecision> find_linear(struct udev *udev, const std::vector<Binding> &bindings,
					const std::vector<BlockDevice> &candidates,
					const std::map<std::string, std::string> &claim_ids)
{
	std::vector<LinearDisk> disks;
	for (const auto &b : candidates) {
		auto id = claim_ids.find(b.devnode);
		std::string claim = id != claim_ids.end() ? id->second : "";
		if (claim.empty() && b.has_holders) {
			try {
				claim = main_claim_id_at(udev, b.devnode);
			} catch (const Error &e) {
				spdlog::debug("discovery: no claim id for {}: {}", b.devnode, e.what());
			}
		}
		if (claim.empty())
			continue;
		disks.push_back({b.devnode, b.devt_text(), claim, b.sectors,
				 b.has_holders ? holders_of(b.devt_text()) : std::vector<std::string>{}});
	}
	std::map<std::string, DmNameState> names;
	for (const auto &b : bindings) {
		if (!b.linear())
			continue;
		try {
			if (dm::info(b.name))
				names[b.name] = dm_name_state(dm::table(b.name));
		} catch (const Error &e) {
			spdlog::debug("discovery: {}: {}", b.name, e.what());
			names[b.name].exists = true;  // there, but unreadable: never created twice
		}
	}
	return decide_linear(bindings, disks, names);
}

}  // namespace

DiscoveryReport discover(struct udev *udev)
{
	DiscoveryReport r;
	r.active = read_all_remap_devices(&r.problems);
	std::set<std::string> active_uuids, remap_devts;
	for (const auto &a : r.active) {
		active_uuids.insert(a.status.uuid);
		remap_devts.insert(std::to_string(a.major) + ":" + std::to_string(a.minor));
	}

	std::vector<SpareCandidate> spares;
	std::vector<MainCandidate> mains;
	std::vector<BlockDevice> not_spares;  // held ones too, for linear bindings
	for (const auto &b : enumerate_block_devices(udev)) {
		if (b.sectors == 0 || remap_devts.count(b.devt_text()) ||
		    b.identity.dm_uuid.rfind(kDmUuidPrefix, 0) == 0)
			continue;
		if (b.has_holders) {
			not_spares.push_back(b);
			continue;
		}
		bool is_spare = false;
		if (b.sectors >= kMinSpareSectors) {
			try {
				DeviceFile f(b.devnode, DeviceFile::Mode::read);
				if (has_spare_signature(f)) {
					is_spare = true;
					SpareScan scan = scan_spare(f);
					if (scan.meta) {
						const auto &m = scan.meta->c();
						spares.push_back({b.devnode, scan.meta->pair_uuid(),
								  scan.meta->main_id(), m.main_sectors,
								  m.block_size,
								  (m.layers.flags & kLayerReplacing) != 0});
					} else {
						r.problems.push_back(b.devnode + ": dm-remap v4 signature but no valid metadata copy (" +
								     verdict_name(scan.verdict()) + ")");
					}
				}
			} catch (const Error &e) {
				spdlog::debug("discovery: skipping {}: {}", b.devnode, e.what());
			}
		}
		if (!is_spare) {
			mains.push_back({b.devnode, make_fingerprint(b.identity), b.sectors,
					 b.logical_block_size});
			not_spares.push_back(b);
		}
	}
	r.decisions = decide_pairings(spares, mains, active_uuids);
	// The bound pairs whose main is attached without its spare, and those
	// whose main is not attached (pairing.hpp); the linear bindings' disks.
	// Claim ids are computed only when the bindings file lists something.
	BindingsParse bindings = load_bindings_quietly();
	if (bindings.entries.empty())
		return r;
	std::vector<std::string> main_paths;
	for (const auto &m : mains)
		main_paths.push_back(m.path);
	auto claim_ids = claim_ids_of(udev, main_paths);
	r.missing_spares = find_missing_spares(bindings.entries, spares, claim_ids, active_uuids);
	r.missing_mains = find_missing_mains(bindings.entries, r.decisions, claim_ids, active_uuids);
	if (std::any_of(bindings.entries.begin(), bindings.entries.end(), [](const Binding &b) { return b.linear(); }))
		r.linear = find_linear(udev, bindings.entries, not_spares, claim_ids);
	return r;
}

std::vector<AbsentPair> absent_pairs(const DiscoveryReport &r)
{
	std::vector<AbsentPair> out;
	for (const auto &m : r.missing_spares)
		out.push_back({m.name, m.pair_uuid, true, false});
	for (const auto &m : r.missing_mains)
		out.push_back({m.name, m.pair_uuid, false, !m.spare_path.empty()});
	std::sort(out.begin(), out.end(),
		  [](const AbsentPair &a, const AbsentPair &b) { return a.name < b.name; });
	return out;
}

namespace {

// The name the bindings file gives the pair, else remap-<uuid8>.  A
// bindings file with bad lines still names the pairs on its good lines.
std::string bound_name(const std::string &pair_uuid)
{
	try {
		auto b = load_bindings(bindings_path());
		for (const auto &p : b.problems)
			spdlog::warn("{}", p);
		if (const Binding *e = find_by_uuid(b.entries, pair_uuid))
			return e->name;
	} catch (const Error &e) {
		spdlog::warn("{}", e.what());
	}
	return default_device_name(pair_uuid);
}

// A pair assembled without a binding (created before bindings existed, or
// on another machine) gets one, so its main is claimed from now on.
void record_binding(const AssemblyResult &a)
{
	try {
		auto udev = make_udev();
		auto main = block_device_at(udev.get(), a.main, IdentitySource::sysfs_only);
		if (!main)
			return;
		Binding b{main_claim_id(*main), a.pair_uuid, a.name};
		bool changed = update_bindings(bindings_path(), [&](std::vector<Binding> &entries) {
			const Binding *cur = find_by_uuid(entries, b.pair_uuid);
			if (cur && *cur == b)
				return false;
			return bind_pair(entries, b);
		});
		if (changed) {
			spdlog::info("{}: bound pair {} (main {}) to name {}", bindings_path(), b.pair_uuid,
				     b.main_id, b.name);
			request_change_uevent(*main);
		}
	} catch (const Error &e) {
		spdlog::warn("{}: not updated for {}: {}", bindings_path(), a.name, e.what());
	}
}

}  // namespace

AssemblyResult assemble(const PairingDecision &d)
{
	AssemblyResult a;
	a.pair_uuid = d.spare.pair_uuid;
	a.main = d.main_path;
	a.spare = d.spare.path;
	if (d.outcome != PairingOutcome::match) {
		a.name = default_device_name(d.spare.pair_uuid);
		a.error = "not a match: " + d.message;
		return a;
	}
	a.name = bound_name(a.pair_uuid);
	try {
		if (dm::info(a.name))
			throw Error("a device-mapper device named " + a.name + " already exists");
		// The refreshed layers are written only if the table can load: with
		// the target not loaded yet (remapd cannot modprobe; the table load
		// will) a failing assembly must leave the spare as it was.  The
		// comparison is made either way.
		bool target_loaded = false;
		try {
			target_loaded = dm::target_version(kTargetName).has_value();
		} catch (const Error &) {
		}
		auto v = check_and_refresh_layers(a.main, a.spare, static_cast<std::int64_t>(::time(nullptr)),
						  false, target_loaded);
		a.warnings = v.warnings;
		if (!target_loaded && !v.refuse)
			spdlog::info("{}: identification layers compared, not recorded: the {} target is "
				     "not loaded yet (the next assembly records them)",
				     a.name, kTargetName);
		if (v.refuse) {
			a.refused = true;
			a.error = "refusing " + a.main + " for spare " + a.spare + ": " + v.refusal;
			return a;
		}
		// A pair being evacuated needs its new disk in the table (evacuations.hpp).
		auto udev = make_udev();
		auto evac = evacuation_table_features(udev.get(), a.spare, a.pair_uuid);
		dm::create(a.name, dm_uuid_for_pair(a.pair_uuid),
			   {{0, d.spare.main_sectors, kTargetName,
			     a.main + " " + a.spare + table_features_text(evac)}});
		a.ok = true;
	} catch (const Error &e) {
		a.error = e.what();
		return a;
	}
	record_binding(a);
	return a;
}

}  // namespace remap
