#include "remap/drive_health.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "remap/error.hpp"
#include <cstdlib>

namespace remap {

namespace {

using nlohmann::json;

// A non-negative integer, or {"value": n} as smartctl writes some numbers.
std::optional<std::uint64_t> u64_of(const json &j)
{
	if (j.is_number_unsigned())
		return j.get<std::uint64_t>();
	if (j.is_number_integer() && j.get<std::int64_t>() >= 0)
		return static_cast<std::uint64_t>(j.get<std::int64_t>());
	if (j.is_object() && j.contains("value"))
		return u64_of(j["value"]);
	return std::nullopt;
}

std::optional<std::uint64_t> u64_at(const json &obj, const char *key)
{
	if (!obj.is_object() || !obj.contains(key))
		return std::nullopt;
	return u64_of(obj[key]);
}

std::string str_at(const json &obj, const char *key)
{
	if (obj.is_object() && obj.contains(key) && obj[key].is_string())
		return obj[key].get<std::string>();
	return "";
}

const json &member(const json &obj, const char *key)
{
	static const json null_value;
	if (obj.is_object() && obj.contains(key))
		return obj[key];
	return null_value;
}

// ATA: the newest self-test with a result (the extended log if present).
void read_ata_selftest(const json &root, DriveReading &r)
{
	const json &log = member(root, "ata_smart_self_test_log");
	const json *table = nullptr;
	for (const char *which : {"extended", "standard"}) {
		const json &t = member(member(log, which), "table");
		if (t.is_array() && !t.empty()) {
			table = &t;
			break;
		}
	}
	if (!table)
		return;
	for (const auto &e : *table) {
		const json &st = member(e, "status");
		if (!member(st, "passed").is_boolean())
			continue;  // in progress: no result yet
		r.selftest_passed = member(st, "passed").get<bool>();
		r.selftest_status = str_at(st, "string");
		if (!*r.selftest_passed) {
			auto lba = u64_at(e, "lba");
			if (!lba)
				lba = u64_at(e, "lba_of_first_error");
			r.selftest_lba = lba;
		}
		return;
	}
}

// NVMe (smartmontools 7.4 and later): self_test_result 0 passed; 5, 6, 7
// failed (fatal error, unknown failed segment, failed segments); the others
// aborted, which says nothing about the media.
void read_nvme_selftest(const json &root, DriveReading &r)
{
	const json &t = member(member(root, "nvme_self_test_log"), "table");
	if (!t.is_array())
		return;
	for (const auto &e : t) {
		auto res = u64_at(e, "self_test_result");
		if (!res)
			continue;
		bool passed = *res == 0;
		bool failed = *res == 5 || *res == 6 || *res == 7;
		if (!passed && !failed)
			continue;
		r.selftest_passed = passed;
		r.selftest_status = str_at(member(e, "self_test_result"), "string");
		if (failed) {
			auto lba = u64_at(e, "lba");
			if (!lba)
				lba = u64_at(e, "failing_lba");
			r.selftest_lba = lba;
		}
		return;
	}
}

void add_error_lba(DriveReading &r, std::uint64_t lba)
{
	if (r.error_log_lbas.size() >= kMaxErrorLogLbas)
		return;
	if (std::find(r.error_log_lbas.begin(), r.error_log_lbas.end(), lba) == r.error_log_lbas.end())
		r.error_log_lbas.push_back(lba);
}

void read_error_logs(const json &root, DriveReading &r)
{
	// NVMe error information log: entries with an LBA whose status is a
	// media error (status code type 2), or that give no status.
	const json &nt = member(member(root, "nvme_error_information_log"), "table");
	if (nt.is_array())
		for (const auto &e : nt) {
			auto lba = u64_at(e, "lba");
			if (!lba || *lba == UINT64_MAX)
				continue;
			auto sct = u64_at(member(e, "status_field"), "status_code_type");
			if (sct && *sct != 2)
				continue;
			add_error_lba(r, *lba);
		}
	// ATA error log: UNC (uncorrectable) errors carry the failing LBA in
	// their completion registers.
	const json &log = member(root, "ata_smart_error_log");
	for (const char *which : {"extended", "summary"}) {
		const json &t = member(member(log, which), "table");
		if (!t.is_array())
			continue;
		for (const auto &e : t) {
			if (str_at(e, "error_description").find("UNC") == std::string::npos)
				continue;
			if (auto lba = u64_at(member(e, "completion_registers"), "lba"))
				add_error_lba(r, *lba);
		}
		if (!t.empty())
			break;
	}
}

std::uint64_t ladder(std::uint64_t n, std::initializer_list<std::pair<std::uint64_t, unsigned>> steps)
{
	unsigned p = 0;
	for (auto [at, pen] : steps)
		if (n >= at)
			p = pen;
	return p;
}

std::string opt_text(const std::optional<std::uint64_t> &v)
{
	return v ? std::to_string(*v) : "-";
}

}  // namespace

const char *reading_kind_name(ReadingKind k)
{
	switch (k) {
	case ReadingKind::ok:
		return "ok";
	case ReadingKind::no_data:
		return "no_data";
	case ReadingKind::unknown_format:
		return "unknown_format";
	}
	return "?";
}

ReadingResult parse_smartctl_json(std::string_view text)
{
	ReadingResult out;
	json root = json::parse(text.begin(), text.end(), nullptr, false);
	if (root.is_discarded() || !root.is_object()) {
		out.message = "smartctl's output is not JSON";
		return out;
	}
	const json &ver = member(root, "json_format_version");
	if (!ver.is_array() || ver.empty() || !ver[0].is_number_integer() || ver[0].get<int>() != 1 ||
	    !member(root, "smartctl").is_object()) {
		out.message = "smartctl's JSON is not format version 1 (json_format_version [1, x] and a "
			      "\"smartctl\" object expected)";
		return out;
	}
	DriveReading &r = out.reading;
	const json &dev = member(root, "device");
	r.device = str_at(dev, "name");
	r.protocol = str_at(dev, "protocol");
	r.model = str_at(root, "model_name");
	r.serial = str_at(root, "serial_number");
	if (auto lbs = u64_at(root, "logical_block_size"); lbs && *lbs >= 512 && *lbs <= 65536)
		r.logical_block_size = static_cast<std::uint32_t>(*lbs);
	if (member(member(root, "smart_status"), "passed").is_boolean())
		r.smart_passed = root["smart_status"]["passed"].get<bool>();

	const json &attrs = member(member(root, "ata_smart_attributes"), "table");
	if (attrs.is_array())
		for (const auto &a : attrs) {
			auto id = u64_at(a, "id");
			auto raw = u64_at(member(a, "raw"), "value");
			if (!id || !raw)
				continue;
			if (*id == 5)
				r.reallocated = raw;
			else if (*id == 197)
				r.pending = raw;
			else if (*id == 198)
				r.offline_uncorrectable = raw;
		}
	const json &nvme = member(root, "nvme_smart_health_information_log");
	if (nvme.is_object()) {
		r.critical_warning = u64_at(nvme, "critical_warning");
		r.media_errors = u64_at(nvme, "media_errors");
		r.percentage_used = u64_at(nvme, "percentage_used");
		r.available_spare = u64_at(nvme, "available_spare");
		r.available_spare_threshold = u64_at(nvme, "available_spare_threshold");
	}
	read_ata_selftest(root, r);
	read_nvme_selftest(root, r);
	read_error_logs(root, r);

	bool any = r.smart_passed || attrs.is_array() || nvme.is_object() || r.selftest_passed;
	if (any) {
		out.kind = ReadingKind::ok;
		return out;
	}
	out.kind = ReadingKind::no_data;
	std::string why;
	const json &msgs = member(member(root, "smartctl"), "messages");
	if (msgs.is_array())
		for (const auto &m : msgs)
			if (auto s = str_at(m, "string"); !s.empty()) {
				why = s;
				break;
			}
	out.message = why.empty() ? "the drive reported no SMART or NVMe health data"
				  : "the drive reported no health data: " + why;
	return out;
}

std::vector<DriveFigure> drive_figures(const DriveReading &r)
{
	auto flag = [](const std::optional<bool> &b) -> std::optional<std::uint64_t> {
		if (!b)
			return std::nullopt;
		return *b ? 1 : 0;
	};
	return {{"smart_passed", flag(r.smart_passed)},
		{"reallocated", r.reallocated},
		{"pending", r.pending},
		{"offline_uncorrectable", r.offline_uncorrectable},
		{"selftest_passed", flag(r.selftest_passed)},
		{"selftest_lba", r.selftest_lba},
		{"critical_warning", r.critical_warning},
		{"media_errors", r.media_errors},
		{"percentage_used", r.percentage_used},
		{"available_spare", r.available_spare},
		{"available_spare_threshold", r.available_spare_threshold}};
}

std::vector<DriveChange> compare_readings(const DriveReading &before, const DriveReading &after)
{
	std::vector<DriveChange> out;
	auto b = drive_figures(before), a = drive_figures(after);
	for (std::size_t i = 0; i < a.size(); i++) {
		if (a[i].value == b[i].value)
			continue;
		DriveChange c{a[i].name, b[i].value, a[i].value, false};
		std::string n = c.name;
		std::uint64_t was = c.before.value_or(0), now = c.after.value_or(0);
		if (n == "smart_passed" || n == "selftest_passed")
			c.worse = c.after && now == 0 && (!c.before || was == 1);
		else if (n == "available_spare")
			c.worse = c.after && c.before && now < was;
		else if (n == "critical_warning")
			c.worse = (now & ~was) != 0;
		else if (n == "selftest_lba")
			c.worse = c.after.has_value();
		else if (n != "available_spare_threshold")
			c.worse = now > was;
		out.push_back(std::move(c));
	}
	return out;
}

std::string describe_changes(const std::vector<DriveChange> &changes)
{
	std::string out;
	for (const auto &c : changes)
		out += fmt::format("{}{} {}->{}", out.empty() ? "" : ", ", c.name, opt_text(c.before),
				   opt_text(c.after));
	return out;
}

DriveScore score_drive(const DriveReading &r)
{
	DriveScore s;
	unsigned cap = 100, penalty = 0;
	auto limit = [&](unsigned c, std::string why) {
		cap = std::min(cap, c);
		s.reasons.push_back(std::move(why));
	};
	if (r.smart_passed && !*r.smart_passed)
		limit(10, "smart_status=FAILED");
	if (r.critical_warning && *r.critical_warning)
		limit(30, fmt::format("critical_warning=0x{:02x}", *r.critical_warning));
	if (r.available_spare && r.available_spare_threshold && *r.available_spare_threshold &&
	    *r.available_spare < *r.available_spare_threshold)
		limit(30, fmt::format("available_spare={}<{}", *r.available_spare, *r.available_spare_threshold));
	if (r.pending && *r.pending)
		limit(40, fmt::format("pending={}", *r.pending));
	if (r.offline_uncorrectable && *r.offline_uncorrectable)
		limit(40, fmt::format("offline_uncorrectable={}", *r.offline_uncorrectable));
	if (r.selftest_passed && !*r.selftest_passed)
		limit(40, r.selftest_lba ? fmt::format("selftest=failed (lba {})", *r.selftest_lba)
				       : std::string("selftest=failed"));
	if (r.reallocated && *r.reallocated) {
		penalty += static_cast<unsigned>(ladder(*r.reallocated, {{1, 5}, {10, 10}, {100, 20}, {1000, 30}}));
		s.reasons.push_back(fmt::format("reallocated={}", *r.reallocated));
	}
	if (r.media_errors && *r.media_errors) {
		penalty += static_cast<unsigned>(ladder(*r.media_errors, {{1, 5}, {10, 10}, {100, 20}}));
		s.reasons.push_back(fmt::format("media_errors={}", *r.media_errors));
	}
	if (r.percentage_used && *r.percentage_used >= 80) {
		penalty += *r.percentage_used >= 100 ? 20 : 10;
		s.reasons.push_back(fmt::format("percentage_used={}", *r.percentage_used));
	}
	s.health = std::min(cap, penalty >= 100 ? 0u : 100 - penalty);
	return s;
}

std::vector<std::uint64_t> named_lbas(const DriveReading &r)
{
	std::vector<std::uint64_t> out;
	if (r.selftest_passed && !*r.selftest_passed && r.selftest_lba)
		out.push_back(*r.selftest_lba);
	for (auto l : r.error_log_lbas)
		if (std::find(out.begin(), out.end(), l) == out.end())
			out.push_back(l);
	return out;
}

std::optional<std::uint64_t> lba_to_main_sector(std::uint64_t lba, std::uint32_t logical_block_size,
						std::uint64_t main_start, std::uint64_t main_sectors)
{
	std::uint64_t per = logical_block_size / 512;
	if (per == 0 || lba > UINT64_MAX / per)
		return std::nullopt;
	std::uint64_t sector = lba * per;
	if (sector < main_start || sector - main_start >= main_sectors)
		return std::nullopt;
	return sector - main_start;
}

const char *policy_name(RelocationPolicy p)
{
	switch (p) {
	case RelocationPolicy::on:
		return "on";
	case RelocationPolicy::alert_only:
		return "alert-only";
	case RelocationPolicy::off:
		return "off";
	}
	return "?";
}

std::optional<RelocationPolicy> parse_policy(std::string_view s)
{
	if (s == "on")
		return RelocationPolicy::on;
	if (s == "alert-only")
		return RelocationPolicy::alert_only;
	if (s == "off")
		return RelocationPolicy::off;
	return std::nullopt;
}

RelocationPlan plan_relocation(const std::vector<std::uint64_t> &sectors,
			       const std::set<std::uint64_t> &handled, std::uint64_t moved_24h,
			       std::uint64_t limit)
{
	RelocationPlan p;
	std::uint64_t room = moved_24h >= limit ? 0 : limit - moved_24h;
	for (auto s : sectors) {
		if (handled.count(s) || std::find(p.check.begin(), p.check.end(), s) != p.check.end() ||
		    std::find(p.over_limit.begin(), p.over_limit.end(), s) != p.over_limit.end())
			continue;
		if (p.check.size() < room)
			p.check.push_back(s);
		else
			p.over_limit.push_back(s);
	}
	return p;
}

std::string render_drive_state(const DriveState &s)
{
	json fig = json::object();
	for (const auto &f : drive_figures(s.reading))
		if (f.value)
			fig[f.name] = *f.value;
	json j = {{"format", "dm-remap-drive-health"},
		  {"version", 1},
		  {"pair_uuid", s.pair_uuid},
		  {"device", s.device},
		  {"time", s.time},
		  {"status", reading_kind_name(s.kind)},
		  {"message", s.message},
		  {"drive",
		   {{"name", s.reading.device},
		    {"protocol", s.reading.protocol},
		    {"model", s.reading.model},
		    {"serial", s.reading.serial},
		    {"logical_block_size", s.reading.logical_block_size},
		    {"selftest_status", s.reading.selftest_status},
		    {"error_log_lbas", s.reading.error_log_lbas}}},
		  {"figures", fig},
		  {"handled_sectors", s.handled},
		  {"moves", s.moves}};
	return j.dump(2) + "\n";
}

DriveState parse_drive_state(std::string_view text)
{
	json j = json::parse(text.begin(), text.end(), nullptr, false);
	if (j.is_discarded() || !j.is_object() || j.value("format", "") != "dm-remap-drive-health" ||
	    j.value("version", 0) != 1)
		throw ParseError("not a dm-remap drive-health state (format dm-remap-drive-health, version 1)");
	try {
		DriveState s;
		s.pair_uuid = j.at("pair_uuid").get<std::string>();
		s.device = j.at("device").get<std::string>();
		s.time = j.at("time").get<std::int64_t>();
		std::string st = j.at("status").get<std::string>();
		if (st == "ok")
			s.kind = ReadingKind::ok;
		else if (st == "no_data")
			s.kind = ReadingKind::no_data;
		else if (st == "unknown_format")
			s.kind = ReadingKind::unknown_format;
		else
			throw ParseError("unknown status '" + st + "'");
		s.message = j.at("message").get<std::string>();
		const json &d = j.at("drive");
		s.reading.device = d.at("name").get<std::string>();
		s.reading.protocol = d.at("protocol").get<std::string>();
		s.reading.model = d.at("model").get<std::string>();
		s.reading.serial = d.at("serial").get<std::string>();
		s.reading.logical_block_size = d.at("logical_block_size").get<std::uint32_t>();
		s.reading.selftest_status = d.at("selftest_status").get<std::string>();
		s.reading.error_log_lbas = d.at("error_log_lbas").get<std::vector<std::uint64_t>>();
		const json &f = j.at("figures");
		auto num = [&](const char *k) { return u64_at(f, k); };
		auto flag = [&](const char *k) -> std::optional<bool> {
			auto v = num(k);
			if (!v)
				return std::nullopt;
			return *v != 0;
		};
		s.reading.smart_passed = flag("smart_passed");
		s.reading.reallocated = num("reallocated");
		s.reading.pending = num("pending");
		s.reading.offline_uncorrectable = num("offline_uncorrectable");
		s.reading.selftest_passed = flag("selftest_passed");
		s.reading.selftest_lba = num("selftest_lba");
		s.reading.critical_warning = num("critical_warning");
		s.reading.media_errors = num("media_errors");
		s.reading.percentage_used = num("percentage_used");
		s.reading.available_spare = num("available_spare");
		s.reading.available_spare_threshold = num("available_spare_threshold");
		for (auto v : j.at("handled_sectors").get<std::vector<std::uint64_t>>())
			s.handled.insert(v);
		s.moves = j.at("moves").get<std::vector<std::int64_t>>();
		return s;
	} catch (const json::exception &e) {
		throw ParseError(std::string("drive-health state: ") + e.what());
	}
}

std::string drive_state_dir()
{
	// Under remapd's metadata backup directory (metadata_backup.hpp's
	// backup_dir(), not called here so the parser links on its own, e.g.
	// into tests/fuzz/fuzz_parsers).
	const char *env = std::getenv("DM_REMAP_BACKUP_DIR");
	return std::string(env && *env ? env : "/var/lib/dm-remap") + "/drive-health";
}

std::string drive_state_path(const std::string &dir, const std::string &pair_uuid)
{
	return dir + "/" + pair_uuid + ".json";
}

std::optional<DriveState> load_drive_state(const std::string &pair_uuid)
{
	if (pair_uuid.empty())
		return std::nullopt;
	std::ifstream in(drive_state_path(drive_state_dir(), pair_uuid));
	if (!in)
		return std::nullopt;
	std::ostringstream text;
	text << in.rdbuf();
	try {
		return parse_drive_state(text.str());
	} catch (const Error &) {
		return std::nullopt;
	}
}

json drive_json(const std::optional<DriveState> &s)
{
	if (!s)
		return nullptr;
	bool ok = s->kind == ReadingKind::ok;
	json fig = json::object();
	for (const auto &f : drive_figures(s->reading))
		fig[f.name] = ok && f.value ? json(*f.value) : json(nullptr);
	json j = {{"status", reading_kind_name(s->kind)},
		  {"message", s->message},
		  {"device", s->device},
		  {"time", s->time},
		  {"protocol", s->reading.protocol},
		  {"model", s->reading.model},
		  {"serial", s->reading.serial},
		  {"health", nullptr},
		  {"reasons", json::array()},
		  {"figures", fig},
		  {"named_lbas", ok ? json(named_lbas(s->reading)) : json::array()},
		  {"handled_sectors", s->handled}};
	if (ok) {
		auto sc = score_drive(s->reading);
		j["health"] = sc.health;
		j["reasons"] = sc.reasons;
	}
	return j;
}

}  // namespace remap
