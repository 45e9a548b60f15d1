// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the text parsers remapd and remapctl share
 * (daemon/lib): everything they read from the kernel, a config file or the
 * command line.  Built and run by tests/fuzz/run.sh next to fuzz_meta
 * (clang++ -fsanitize=fuzzer,address,undefined).
 *
 * The first input byte picks the parser (byte % 6, so the seed files start
 * with the ASCII digit of their parser); the rest is the text:
 *
 *   0  parse_status_line   `dmsetup status` INFO line of remap-v4
 *   1  parse_extent_list   `dmsetup message NAME 0 list` output
 *   2  parse_table_params  `dmsetup table` parameters
 *   3  parse_config        /etc/remapd.conf
 *   4  parse_u64, parse_u64_in  (sector numbers, sysfs values, every number above)
 *   5  parse_uuid, is_uuid_text (pair UUIDs)
 *   '6' (only this byte; other values of byte % 6 == 0 stay with 0)
 *      parse_bindings  /etc/dm-remap/bindings
 *   '7' (only this byte; likewise with 1)
 *      parse_smartctl_json  smartctl -j output (drive_health.hpp)
 *
 * Besides "no crash, no sanitizer report", every accepted input must meet
 * the documented bounds and survive a round trip: formatted again the way
 * the kernel (or remapd.conf.example) writes it, it parses to the same
 * value.  Rejections must use the documented exception type (ParseError,
 * ConfigError for the config); any other exception escapes and aborts.
 */
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "remap/bindings.hpp"
#include "remap/config.hpp"
#include "remap/drive_health.hpp"
#include "remap/error.hpp"
#include "remap/extent_list.hpp"
#include "remap/number_parse.hpp"
#include "remap/pair_uuid.hpp"
#include "remap/status_info.hpp"
#include "remap/table_params.hpp"

using namespace remap;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,    \
				     __LINE__, #cond);                                 \
			__builtin_trap();                                              \
		}                                                                      \
	} while (0)

namespace {

bool is_digits(std::string_view t)
{
	for (char c : t)
		if (c < '0' || c > '9')
			return false;
	return true;
}

// Reference for parse_u64: 1-20 digits whose value fits in 64 bits.
std::optional<std::uint64_t> reference_u64(std::string_view t)
{
	if (t.empty() || t.size() > 20 || !is_digits(t))
		return std::nullopt;
	__extension__ typedef unsigned __int128 u128;
	u128 v = 0;
	for (char c : t)
		v = v * 10 + static_cast<unsigned>(c - '0');
	if (v > UINT64_MAX)
		return std::nullopt;
	return static_cast<std::uint64_t>(v);
}

void fuzz_number(std::string_view text)
{
	auto v = parse_u64(text);
	auto ref = reference_u64(text);
	CHECK(v == ref);
	if (v) {
		// Canonical form: the text without its leading zeros.
		std::string_view canon = text.substr(std::min(text.find_first_not_of('0'), text.size() - 1));
		CHECK(std::to_string(*v) == canon);
	}
	// The bounds the daemon uses (extent len, health, block size, config keys).
	static const std::uint64_t bounds[][2] = {
		{1, UINT32_MAX}, {0, 100}, {512, 1u << 16}, {1, 86400}, {0, 1000000000},
		{1, 3600},       {0, UINT64_MAX}, {5, 4},
	};
	for (const auto &b : bounds) {
		auto in = parse_u64_in(text, b[0], b[1]);
		CHECK(in.has_value() == (v && *v >= b[0] && *v <= b[1]));
		if (in)
			CHECK(*in == *v);
	}
}

bool is_lower_uuid(std::string_view t)
{
	if (!is_uuid_text(t))
		return false;
	for (char c : t)
		if (c >= 'A' && c <= 'F')
			return false;
	return true;
}

std::string lower(std::string_view t)
{
	std::string s(t);
	for (auto &c : s)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
	return s;
}

void fuzz_uuid(std::string_view text)
{
	bool ok = is_uuid_text(text);
	auto u = parse_uuid(text);
	CHECK(u.has_value() == ok);
	if (!u)
		return;
	std::string f = format_uuid(*u);
	CHECK(is_lower_uuid(f));
	CHECK(f == lower(text));
	CHECK(parse_uuid(f) == u);
}

// The INFO line as dmr_status() prints it, unknown keys in their order.
std::string format_status(const StatusInfo &s)
{
	std::string out = "mode=" + s.mode;
	for (const auto &c : status_counters())
		out += std::string(" ") + c.key + "=" + std::to_string(s.*(c.member));
	out += " health=" + std::to_string(s.health);
	out += " block_size=" + std::to_string(s.block_size);
	out += " uuid=" + s.uuid;
	for (const auto &[k, v] : s.unknown)
		out += " " + k + "=" + v;
	return out;
}

bool same_status(const StatusInfo &a, const StatusInfo &b)
{
	for (const auto &c : status_counters())
		if (a.*(c.member) != b.*(c.member))
			return false;
	return a.mode == b.mode && a.health == b.health && a.block_size == b.block_size &&
	       a.uuid == b.uuid && a.unknown == b.unknown;
}

bool is_status_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

void fuzz_status(std::string_view text)
{
	StatusInfo s;
	try {
		s = parse_status_line(text);
	} catch (const ParseError &) {
		return;
	}
	CHECK(!s.mode.empty());
	CHECK(s.health <= 100);
	CHECK(s.block_size >= 512 && s.block_size <= (1u << 16));
	CHECK(is_lower_uuid(s.uuid));
	CHECK(s.spare_free_percent() <= 100);
	for (const auto &[k, v] : s.unknown) {
		CHECK(!k.empty() && k.find('=') == std::string::npos);
		for (char c : k + v)
			CHECK(!is_status_space(c));
		CHECK(k != "mode" && k != "health" && k != "block_size" && k != "uuid");
		for (const auto &c : status_counters())
			CHECK(k != c.key);
	}
	StatusInfo again = parse_status_line(format_status(s));
	CHECK(same_status(s, again));
}

// One line as dmr_msg_list() prints it.
std::string format_extents(const std::vector<ExtentLine> &list)
{
	std::string out;
	for (const auto &e : list) {
		out += "lblock=" + std::to_string(e.lblock) + " len=" + std::to_string(e.len) +
		       " sblock=" + (e.sblock ? std::to_string(*e.sblock) : "-") +
		       " flags=" + extent_state_name(e.state) + "\n";
	}
	return out;
}

void fuzz_extents(std::string_view text)
{
	std::vector<ExtentLine> list;
	try {
		list = parse_extent_list(text);
	} catch (const ParseError &e) {
		CHECK(std::string_view(e.what()).substr(0, 10) == "list line ");
		return;
	}
	std::size_t lines = 0;
	for (char c : text)
		lines += c == '\n';
	CHECK(list.size() <= lines + 1);
	for (const auto &e : list) {
		CHECK(e.len >= 1);
		CHECK(e.sblock.has_value() == (e.state != ExtentState::pending));
	}
	CHECK(parse_extent_list(format_extents(list)) == list);
}

bool has_space(const std::string &w)
{
	for (char c : w)
		if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r')
			return true;
	return false;
}

void fuzz_table(std::string_view text)
{
	TableParams t;
	try {
		t = parse_table_params(text);
	} catch (const ParseError &) {
		return;
	}
	CHECK(!t.main.empty() && !t.spare.empty());
	CHECK(!has_space(t.main) && !has_space(t.spare));
	for (const auto &f : t.features)
		CHECK(!f.empty() && !has_space(f));
	// As dmr_status() prints STATUSTYPE_TABLE.
	std::string line = make_table_params(t.main, t.spare);
	if (!t.features.empty()) {
		line += " " + std::to_string(t.features.size());
		for (const auto &f : t.features)
			line += " " + f;
	}
	TableParams again = parse_table_params(line);
	CHECK(again.main == t.main && again.spare == t.spare && again.features == t.features);
}

// Every key, as in remapd.conf.example.
std::string format_config(const Config &c)
{
	return "auto_assemble = " + std::string(c.auto_assemble ? "yes" : "no") +
	       "\npoll_interval_s = " + std::to_string(c.poll_interval_s) +
	       "\nhealth_threshold = " + std::to_string(c.health_threshold) +
	       "\nremap_rate_threshold = " + std::to_string(c.remap_rate_threshold) +
	       "\nspare_low_percent = " + std::to_string(c.spare_low_percent) +
	       "\nhook = " + c.hook +
	       "\nhook_timeout_s = " + std::to_string(c.hook_timeout_s) +
	       "\nmail_to = " + c.mail_to +
	       "\nsendmail = " + c.sendmail +
	       "\nmetrics_file = " + c.metrics_file +
	       "\nlog_level = " + c.log_level +
	       "\nsmartctl = " + c.smartctl +
	       "\ndrive_check_interval_h = " + std::to_string(c.drive_check_interval_h) +
	       "\ndrive_relocation = " + c.drive_relocation +
	       "\ndrive_relocation_per_day = " + std::to_string(c.drive_relocation_per_day) + "\n";
}

void fuzz_config(std::string_view text)
{
	Config c;
	try {
		c = parse_config(text, "fuzz.conf");
	} catch (const ConfigError &e) {
		CHECK(!e.problems().empty());
		for (const auto &p : e.problems())
			CHECK(p.rfind("fuzz.conf:", 0) == 0 && p.find('\n') == std::string::npos);
		return;
	}
	CHECK(c.poll_interval_s >= 1 && c.poll_interval_s <= 86400);
	CHECK(c.health_threshold <= 100);
	CHECK(c.remap_rate_threshold <= 1000000000);
	CHECK(c.spare_low_percent <= 100);
	CHECK(c.hook_timeout_s >= 1 && c.hook_timeout_s <= 3600);
	CHECK(c.hook.empty() || c.hook.front() == '/');
	CHECK(c.metrics_file.empty() || c.metrics_file.front() == '/');
	CHECK(c.log_level == "trace" || c.log_level == "debug" || c.log_level == "info" ||
	      c.log_level == "warn" || c.log_level == "error");
	CHECK(c.smartctl.empty() || c.smartctl.front() == '/');
	CHECK(c.drive_check_interval_h >= 1 && c.drive_check_interval_h <= 8760);
	CHECK(c.drive_relocation == "on" || c.drive_relocation == "alert-only" || c.drive_relocation == "off");
	CHECK(c.drive_relocation_per_day <= 100000);
	CHECK(parse_config(format_config(c), "again.conf") == c);
}

// smartctl's JSON: never throws; a reading's score is 0-100, its named LBAs
// bounded, and its state file parses back to the same reading.
void fuzz_smartctl(std::string_view text)
{
	ReadingResult r = parse_smartctl_json(text);
	if (r.kind != ReadingKind::ok) {
		CHECK(!r.message.empty());
		return;
	}
	CHECK(score_drive(r.reading).health <= 100);
	CHECK(r.reading.error_log_lbas.size() <= kMaxErrorLogLbas);
	CHECK(named_lbas(r.reading).size() <= kMaxErrorLogLbas + 1);
	DriveState s;
	s.kind = ReadingKind::ok;
	s.reading = r.reading;
	CHECK(parse_drive_state(render_drive_state(s)).reading == r.reading);
}

// Bad lines are reported one per line with their source and number; the
// entries kept are valid and unique, and render + parse gives them back.
void fuzz_bindings(std::string_view text)
{
	BindingsParse r = parse_bindings(text, "fuzz.b");
	for (const auto &p : r.problems)
		CHECK(p.rfind("fuzz.b:", 0) == 0 && p.find('\n') == std::string::npos);
	for (std::size_t i = 0; i < r.entries.size(); i++) {
		const Binding &e = r.entries[i];
		CHECK(e.linear() ? e.pair_uuid.empty() && e.sectors > 0 : valid_pair_uuid(e.pair_uuid) && e.sectors == 0);
		CHECK(valid_device_name(e.name));
		CHECK(!e.main_id.empty() && e.main_id.size() <= 63);
		for (std::size_t j = 0; j < i; j++)
			CHECK((e.linear() || r.entries[j].pair_uuid != e.pair_uuid) && r.entries[j].name != e.name &&
			      r.entries[j].main_id != e.main_id);
	}
	BindingsParse again = parse_bindings(render_bindings(r.entries), "again.b");
	CHECK(again.problems.empty() && again.entries == r.entries);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size < 1)
		return 0;
	std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
	if (data[0] == '6') {
		fuzz_bindings(text);
		return 0;
	}
	if (data[0] == '7') {
		fuzz_smartctl(text);
		return 0;
	}
	switch (data[0] % 6) {
	case 0:
		fuzz_status(text);
		break;
	case 1:
		fuzz_extents(text);
		break;
	case 2:
		fuzz_table(text);
		break;
	case 3:
		fuzz_config(text);
		break;
	case 4:
		fuzz_number(text);
		break;
	case 5:
		fuzz_uuid(text);
		break;
	}
	return 0;
}
