#include "remap/config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <sstream>

// Messages are built with fmt::format, not `"'" + std::string(v) + ...`:
// GCC 12 at -O3 reports a false -Wrestrict inside operator+(const char *,
// string &&) (GCC bug 105329).
#include <fmt/format.h>

#include "remap/alert_mail.hpp"
#include "remap/number_parse.hpp"

namespace remap {

namespace {

std::string join_lines(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &s : v)
		out += (out.empty() ? "" : "\n") + s;
	return out;
}

std::string_view strip(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

// Returns an error message, or "" if the value was stored.
using Setter = std::string (*)(Config &, std::string_view);

template <typename T>
std::string set_number(T &out, std::string_view v, std::uint64_t min, std::uint64_t max)
{
	auto n = parse_u64_in(v, min, max);
	if (!n)
		return fmt::format("'{}' is not a whole number in {}-{}", v, min, max);
	out = static_cast<T>(*n);
	return "";
}

std::string set_path(std::string &out, std::string_view v)
{
	if (!v.empty() && v.front() != '/')
		return fmt::format("'{}' is not an absolute path", v);
	out = v;
	return "";
}

const std::map<std::string, Setter, std::less<>> &setters()
{
	static const std::map<std::string, Setter, std::less<>> table = {
		{"auto_assemble",
		 [](Config &c, std::string_view v) -> std::string {
			 if (v == "yes" || v == "true" || v == "on" || v == "1")
				 c.auto_assemble = true;
			 else if (v == "no" || v == "false" || v == "off" || v == "0")
				 c.auto_assemble = false;
			 else
				 return fmt::format("'{}' is not yes/no/true/false/on/off/1/0", v);
			 return "";
		 }},
		{"poll_interval_s",
		 [](Config &c, std::string_view v) { return set_number(c.poll_interval_s, v, 1, 86400); }},
		{"health_threshold",
		 [](Config &c, std::string_view v) { return set_number(c.health_threshold, v, 0, 100); }},
		{"remap_rate_threshold",
		 [](Config &c, std::string_view v) {
			 return set_number(c.remap_rate_threshold, v, 0, 1000000000);
		 }},
		{"spare_low_percent",
		 [](Config &c, std::string_view v) { return set_number(c.spare_low_percent, v, 0, 100); }},
		{"hook", [](Config &c, std::string_view v) { return set_path(c.hook, v); }},
		{"hook_timeout_s",
		 [](Config &c, std::string_view v) { return set_number(c.hook_timeout_s, v, 1, 3600); }},
		{"metrics_file", [](Config &c, std::string_view v) { return set_path(c.metrics_file, v); }},
		{"mail_to",
		 [](Config &c, std::string_view v) -> std::string {
			 if (!v.empty() && !is_mail_address_list(v))
				 return fmt::format("'{}' is not a comma-separated list of mail addresses "
						    "(like root or admin@example.com)",
						    v);
			 c.mail_to = v;
			 return "";
		 }},
		{"sendmail",
		 [](Config &c, std::string_view v) { return set_path(c.sendmail, v); }},
		{"smartctl", [](Config &c, std::string_view v) { return set_path(c.smartctl, v); }},
		{"drive_check_interval_h",
		 [](Config &c, std::string_view v) { return set_number(c.drive_check_interval_h, v, 1, 8760); }},
		{"drive_relocation",
		 [](Config &c, std::string_view v) -> std::string {
			 if (v != "on" && v != "alert-only" && v != "off")
				 return fmt::format("'{}' is not on/alert-only/off", v);
			 c.drive_relocation = v;
			 return "";
		 }},
		{"drive_relocation_per_day",
		 [](Config &c, std::string_view v) {
			 return set_number(c.drive_relocation_per_day, v, 0, 100000);
		 }},
		{"log_level",
		 [](Config &c, std::string_view v) -> std::string {
			 if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error")
				 return fmt::format("'{}' is not trace/debug/info/warn/error", v);
			 c.log_level = v;
			 return "";
		 }},
	};
	return table;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
	: Error(join_lines(problems)), problems_(std::move(problems))
{
}

Config parse_config(std::string_view text, const std::string &source)
{
	Config cfg;
	std::vector<std::string> problems;
	std::map<std::string, std::size_t, std::less<>> seen;
	std::size_t pos = 0, lineno = 0;

	while (pos < text.size()) {
		std::size_t nl = text.find('\n', pos);
		if (nl == std::string_view::npos)
			nl = text.size();
		std::string_view line = text.substr(pos, nl - pos);
		pos = nl + 1;
		lineno++;
		auto where = source + ":" + std::to_string(lineno) + ": ";

		// Comments: a line starting with '#', or " #"/"\t#" to the end.
		for (std::size_t i = 0; i < line.size(); i++) {
			if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
				line = line.substr(0, i);
				break;
			}
		}
		line = strip(line);
		if (line.empty())
			continue;
		auto eq = line.find('=');
		if (eq == std::string_view::npos) {
			problems.push_back(where + "expected 'key = value', got '" + std::string(line) + "'");
			continue;
		}
		std::string_view key = strip(line.substr(0, eq));
		std::string_view value = strip(line.substr(eq + 1));
		// "key =#x": a comment to some readers, a value to others, and the
		// same value written back as "key = #x" would be a comment.  Refuse.
		if (!value.empty() && value.front() == '#') {
			problems.push_back(where + std::string(key) + ": a value cannot start with '#'" +
					   " (a '#' after a blank starts a comment)");
			continue;
		}
		if (key.empty()) {
			problems.push_back(where + "missing key before '='");
			continue;
		}
		auto it = setters().find(key);
		if (it == setters().end()) {
			problems.push_back(where + "unknown key '" + std::string(key) + "'");
			continue;
		}
		auto [prev, fresh] = seen.emplace(std::string(key), lineno);
		if (!fresh) {
			problems.push_back(where + "duplicate key '" + std::string(key) +
					   "' (first set on line " + std::to_string(prev->second) + ")");
			continue;
		}
		if (value.empty() && key != "hook" && key != "metrics_file" && key != "mail_to" &&
		    key != "smartctl") {
			problems.push_back(where + std::string(key) + ": empty value");
			continue;
		}
		std::string why = it->second(cfg, value);
		if (!why.empty())
			problems.push_back(where + std::string(key) + ": " + why);
	}
	if (!problems.empty())
		throw ConfigError(std::move(problems));
	return cfg;
}

Config load_config_or_defaults(const std::string &path, bool must_exist, bool *found)
{
	struct stat st {};
	bool present = ::stat(path.c_str(), &st) == 0;
	if (found)
		*found = present || must_exist;
	if (!present && !must_exist)
		return Config{};
	return load_config(path);
}

Config load_config(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		throw_errno("cannot read config " + path, errno);
	std::ostringstream text;
	text << in.rdbuf();
	return parse_config(text.str(), path);
}

}  // namespace remap
