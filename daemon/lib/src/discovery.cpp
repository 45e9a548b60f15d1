#include "remap/discovery.hpp"

#include <spdlog/spdlog.h>

#include "remap/device_file.hpp"
#include "remap/dm_control.hpp"
#include "remap/error.hpp"
#include "remap/spare_metadata.hpp"

namespace remap {

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
	for (const auto &b : enumerate_block_devices(udev)) {
		if (b.sectors == 0 || b.has_holders || remap_devts.count(b.devt_text()) ||
		    b.identity.dm_uuid.rfind(kDmUuidPrefix, 0) == 0)
			continue;
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
								  m.block_size});
					} else {
						r.problems.push_back(b.devnode + ": dm-remap v4 signature but no valid metadata copy (" +
								     verdict_name(scan.verdict()) + ")");
					}
				}
			} catch (const Error &e) {
				spdlog::debug("discovery: skipping {}: {}", b.devnode, e.what());
			}
		}
		if (!is_spare)
			mains.push_back({b.devnode, make_fingerprint(b.identity), b.sectors,
					 b.logical_block_size});
	}
	r.decisions = decide_pairings(spares, mains, active_uuids);
	return r;
}

AssemblyResult assemble(const PairingDecision &d)
{
	AssemblyResult a;
	a.pair_uuid = d.spare.pair_uuid;
	a.name = default_device_name(d.spare.pair_uuid);
	a.main = d.main_path;
	a.spare = d.spare.path;
	if (d.outcome != PairingOutcome::match) {
		a.error = "not a match: " + d.message;
		return a;
	}
	try {
		if (dm::info(a.name))
			throw Error("a device-mapper device named " + a.name + " already exists");
		dm::create(a.name, dm_uuid_for_pair(a.pair_uuid),
			   {{0, d.spare.main_sectors, kTargetName, a.main + " " + a.spare}});
		a.ok = true;
	} catch (const Error &e) {
		a.error = e.what();
	}
	return a;
}

}  // namespace remap
