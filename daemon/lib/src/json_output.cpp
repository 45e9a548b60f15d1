#include "remap/json_output.hpp"

#include <fmt/format.h>

#include "remap/content_layers.hpp"
#include "remap/pair_uuid.hpp"

namespace remap::json_out {

json document(const std::string &command)
{
	json j = json::object();
	j["schema_version"] = kSchemaVersion;
	j["command"] = command;
	return j;
}

json error_document(const std::string &command, const std::string &message, int exit_status)
{
	json j = document(command);
	if (command.empty())
		j["command"] = nullptr;
	j["messages"] = json::array({{{"string", message}, {"severity", "error"}}});
	j["exit_status"] = exit_status;
	return j;
}

void put_counter(json &obj, const std::string &key, std::uint64_t v)
{
	obj[key] = v;
	obj[key + "_str"] = std::to_string(v);
}

const char *status_token(enum dmr_status st)
{
	switch (st) {
	case DMR_OK: return "valid";
	case DMR_BLANK: return "blank";
	case DMR_E_SHORT: return "short";
	case DMR_E_MAGIC: return "magic";
	case DMR_E_VERSION: return "version";
	case DMR_E_HEADER_SIZE: return "header_size";
	case DMR_E_LENGTH: return "length";
	case DMR_E_CRC: return "crc";
	case DMR_E_LOCATION: return "location";
	case DMR_E_FLAGS: return "flags";
	case DMR_E_RESERVED: return "reserved";
	case DMR_E_IDENTITY: return "identity";
	case DMR_E_GEOMETRY: return "geometry";
	case DMR_E_CAPACITY: return "capacity";
	case DMR_E_EXTENT: return "extent";
	case DMR_E_ORDER: return "order";
	case DMR_E_SPARE_OVERLAP: return "spare_overlap";
	case DMR_E_NOSPC: return "nospc";
	case DMR_E_MAPPED: return "mapped";
	case DMR_E_INVAL: return "inval";
	case DMR_STATUS_COUNT: break;
	}
	return "unknown";
}

json device(const RemapDevice &d, const DevicePaths &paths)
{
	const StatusInfo &s = d.status;
	json j = json::object();
	j["name"] = d.name;
	j["dm_uuid"] = d.dm_uuid;
	j["devt"] = std::to_string(d.major) + ":" + std::to_string(d.minor);
	put_counter(j, "sectors", d.sectors);
	j["main"] = {{"devt", d.table.main}, {"path", paths.main}};
	j["spare"] = {{"devt", d.table.spare}, {"path", paths.spare}};
	j["features"] = d.table.features;
	j["mode"] = s.mode;
	j["health"] = s.health;
	j["block_size"] = s.block_size;
	j["uuid"] = s.uuid;
	j["spare_free_percent"] = s.spare_free_percent();
	for (const auto &c : status_counters())
		put_counter(j, c.key, s.*(c.member));
	json extra = json::object();
	for (const auto &[k, v] : s.unknown)
		extra[k] = v;
	j["extra"] = extra;
	if (auto p = scan_progress(s, d.sectors))
		j["scan"] = scan(*p);
	return j;
}

json scan(const ScanProgress &p)
{
	json j = json::object();
	j["active"] = p.active;
	put_counter(j, "cursor", p.cursor);
	put_counter(j, "blocks", p.blocks);
	j["percent"] = p.percent;
	put_counter(j, "speed_kib", p.speed_kib);
	if (p.eta_seconds)
		j["eta_seconds"] = *p.eta_seconds;
	else
		j["eta_seconds"] = nullptr;
	put_counter(j, "passes", p.passes);
	put_counter(j, "warnings", p.warnings);
	put_counter(j, "errors", p.errors);
	return j;
}

json extents(const std::vector<ExtentLine> &list)
{
	json arr = json::array();
	for (const auto &e : list) {
		json j = json::object();
		put_counter(j, "lblock", e.lblock);
		j["len"] = e.len;
		if (e.sblock)
			put_counter(j, "sblock", *e.sblock);
		else {
			j["sblock"] = nullptr;
			j["sblock_str"] = nullptr;
		}
		j["state"] = extent_state_name(e.state);
		arr.push_back(j);
	}
	return arr;
}

json metadata(const DecodedMeta &dm, bool with_extents)
{
	const struct dmr_meta &m = dm.c();
	json j = json::object();
	j["pair_uuid"] = dm.pair_uuid();
	j["main_id"] = dm.main_id();
	j["spare_id"] = dm.spare_id();
	put_counter(j, "seq", m.seq);
	put_counter(j, "main_sectors", m.main_sectors);
	put_counter(j, "spare_sectors", m.spare_sectors);
	j["block_size"] = m.block_size;
	put_counter(j, "data_start", m.data_start);
	put_counter(j, "spare_blocks", m.spare_blocks);
	put_counter(j, "spare_used", m.spare_used);
	j["nr_extents"] = m.nr_extents;
	j["max_extents"] = DMR_MAX_EXTENTS;
	__u64 remapped = 0, pending = 0;
	dmr_ext_count(m.extents, m.nr_extents, &remapped, &pending);
	put_counter(j, "remapped", remapped);
	put_counter(j, "pending", pending);
	json h = json::object();
	put_counter(h, "read_errors", m.health.read_errors);
	put_counter(h, "write_errors", m.health.write_errors);
	put_counter(h, "remaps_total", m.health.remaps_total);
	j["lifetime"] = h;
	json sc = json::object();
	put_counter(sc, "cursor", m.scan.cursor);
	put_counter(sc, "passes", m.scan.passes);
	put_counter(sc, "last_complete", m.scan.last_complete);
	put_counter(sc, "warnings", m.scan.warnings);
	put_counter(sc, "errors", m.scan.errors);
	j["scan"] = sc;
	if (m.evac.active) {
		json ev = json::object();
		put_counter(ev, "cursor", m.evac.cursor);
		put_counter(ev, "new_disk_sectors", m.evac.dest_sectors);
		ev["uuid"] = format_uuid(m.evac.uuid);
		j["evacuation"] = ev;  // blocks [0, cursor) are on the new disk
	}
	json ly = json::object();
	ly["fs_recorded"] = (m.layers.flags & DMR_LAYER_FS) != 0;
	// Untrusted bytes (the kernel does not check them): printable ASCII only.
	ly["fs_type"] = layer_field_text(m.layers.fs_type, DMR_FS_TYPE_LEN);
	ly["fs_uuid"] = layer_field_text(m.layers.fs_uuid, DMR_FS_UUID_LEN);
	ly["fs_label"] = layer_field_text(m.layers.fs_label, DMR_FS_LABEL_LEN);
	ly["sample_recorded"] = (m.layers.flags & DMR_LAYER_SAMPLE) != 0;
	ly["sample_crc"] = fmt::format("{:08x}", m.layers.sample_crc);
	put_counter(ly, "created", m.layers.created);
	put_counter(ly, "last_assembled", m.layers.last_assembled);
	j["layers"] = ly;
	if (with_extents) {
		std::vector<ExtentLine> list;
		for (__u32 i = 0; i < m.nr_extents; i++) {
			const auto &e = m.extents[i];
			ExtentLine l;
			l.lblock = e.lblock;
			l.len = e.len;
			if (e.flags & DMR_EXT_PENDING)
				l.state = ExtentState::pending;
			else
				l.state = (e.flags & DMR_EXT_UNREADABLE) ? ExtentState::unreadable
									 : ExtentState::remapped;
			if (!(e.flags & DMR_EXT_PENDING))
				l.sblock = e.sblock;
			list.push_back(l);
		}
		j["extents"] = extents(list);
	}
	return j;
}

json spare_scan(const SpareScan &s, bool with_extents)
{
	json j = json::object();
	j["path"] = s.path;
	j["verdict"] = verdict_name(s.verdict());
	put_counter(j, "device_sectors", s.device_sectors);
	j["device_block_size"] = s.device_block_size;
	json copies = json::array();
	for (const auto &c : s.copies) {
		json cj = json::object();
		cj["index"] = c.index;
		put_counter(cj, "sector", c.sector);
		cj["status"] = status_token(c.status);
		cj["status_text"] = dmr_status_str(c.status);
		if (c.status == DMR_OK)
			put_counter(cj, "seq", c.seq);
		else {
			cj["seq"] = nullptr;
			cj["seq_str"] = nullptr;
		}
		cj["needs_repair"] = c.needs_repair;
		copies.push_back(cj);
	}
	j["copies"] = copies;
	j["best"] = s.best >= 0 ? json(s.best) : json(nullptr);
	j["repair_mask"] = s.repair_mask;
	j["metadata"] = s.meta ? metadata(*s.meta, with_extents) : json(nullptr);
	return j;
}

json pairing(const PairingDecision &d)
{
	json j = json::object();
	j["spare"] = d.spare.path;
	j["pair_uuid"] = d.spare.pair_uuid;
	j["main_id"] = d.spare.main_id;
	put_counter(j, "main_sectors", d.spare.main_sectors);
	j["block_size"] = d.spare.block_size;
	j["outcome"] = outcome_name(d.outcome);
	j["main"] = d.main_path.empty() ? json(nullptr) : json(d.main_path);
	j["related"] = d.related;
	j["message"] = d.message;
	return j;
}

namespace {

void put_assessment(json &j, const HealthAssessment &a)
{
	j["main_state"] = a.main_state;
	j["spare_state"] = a.spare_state;
	j["verdict"] = verdict_name(a.verdict);
	j["reasons"] = a.reasons;
	j["ok"] = a.verdict == Verdict::ok;
}

}  // namespace

json health_device(const RemapDevice &d, const HealthAssessment &a)
{
	const auto &s = d.status;
	json j = {{"name", d.name},
		  {"uuid", s.uuid},
		  {"assembled", true},
		  {"health", a.health},
		  {"kernel_health", s.health},
		  {"mode", s.mode},
		  {"spare_free_percent", s.spare_free_percent()}};
	put_counter(j, "pending", s.pending);
	put_assessment(j, a);
	return j;
}

json health_device(const AbsentPair &p, const HealthAssessment &a)
{
	json j = {{"name", p.name},
		  {"uuid", p.pair_uuid},
		  {"assembled", false},
		  {"health", a.health},
		  {"kernel_health", nullptr},
		  {"mode", nullptr},
		  {"pending", nullptr},
		  {"pending_str", nullptr},
		  {"spare_free_percent", nullptr}};
	put_assessment(j, a);
	return j;
}

}  // namespace remap::json_out
