#include "remap/status_info.hpp"

#include <set>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

const std::vector<StatusCounter> &status_counters()
{
	static const std::vector<StatusCounter> counters = {
		{"remapped", &StatusInfo::remapped},
		{"pending", &StatusInfo::pending},
		{"spare_used", &StatusInfo::spare_used},
		{"spare_free", &StatusInfo::spare_free},
		{"spare_blocks", &StatusInfo::spare_blocks},
		{"extents", &StatusInfo::extents},
		{"max_extents", &StatusInfo::max_extents},
		{"read_errors", &StatusInfo::read_errors},
		{"write_errors", &StatusInfo::write_errors},
		{"spare_errors", &StatusInfo::spare_errors},
		{"remap_failures", &StatusInfo::remap_failures},
		{"reads", &StatusInfo::reads},
		{"writes", &StatusInfo::writes},
		{"seq", &StatusInfo::seq},
		{"unreadable", &StatusInfo::unreadable, false},
		{"failed_reads", &StatusInfo::failed_reads, false},
		{"remaps_24h", &StatusInfo::remaps_24h, false},
	};
	return counters;
}

unsigned int StatusInfo::spare_free_percent() const
{
	if (spare_blocks == 0)
		return 0;
	// spare_free <= spare_blocks in a sane status; clamp anyway.
	std::uint64_t free = spare_free > spare_blocks ? spare_blocks : spare_free;
	__extension__ typedef unsigned __int128 u128;
	return static_cast<unsigned int>(static_cast<u128>(free) * 100 / spare_blocks);
}

namespace {

std::string unknown_value(const StatusInfo &s, std::string_view key)
{
	for (const auto &[k, v] : s.unknown)
		if (k == key)
			return v;
	return "";
}

}  // namespace

std::string main_state(const StatusInfo &s)
{
	return unknown_value(s, "main_state");
}

std::string meta_state(const StatusInfo &s)
{
	return unknown_value(s, "meta_state");
}

bool is_uuid_text(std::string_view t)
{
	if (t.size() != 36)
		return false;
	for (std::size_t i = 0; i < t.size(); i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = t[i];
		if (dash) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

namespace {

std::uint64_t number_of(std::string_view key, std::string_view value)
{
	auto v = parse_u64(value);
	if (!v)
		throw ParseError("status: " + std::string(key) + "='" + std::string(value) +
				 "' is not a number");
	return *v;
}

}  // namespace

StatusInfo parse_status_line(std::string_view line)
{
	StatusInfo s;
	std::set<std::string, std::less<>> seen;
	std::size_t pos = 0;

	while (pos < line.size()) {
		while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\n'))
			pos++;
		if (pos >= line.size())
			break;
		std::size_t end = pos;
		while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\n')
			end++;
		std::string_view token = line.substr(pos, end - pos);
		pos = end;

		auto eq = token.find('=');
		if (eq == std::string_view::npos || eq == 0)
			throw ParseError("status: token '" + std::string(token) + "' is not key=value");
		std::string_view key = token.substr(0, eq);
		std::string_view value = token.substr(eq + 1);
		if (!seen.insert(std::string(key)).second)
			throw ParseError("status: key '" + std::string(key) + "' appears twice");

		bool known = false;
		for (const auto &c : status_counters()) {
			if (key == c.key) {
				s.*(c.member) = number_of(key, value);
				known = true;
				break;
			}
		}
		if (known)
			continue;
		if (key == "mode") {
			if (value.empty())
				throw ParseError("status: mode is empty");
			s.mode = value;
		} else if (key == "health") {
			auto v = parse_u64_in(value, 0, 100);
			if (!v)
				throw ParseError("status: health='" + std::string(value) +
						 "' is not 0-100");
			s.health = static_cast<unsigned int>(*v);
		} else if (key == "block_size") {
			auto v = parse_u64_in(value, 512, 1u << 16);
			if (!v)
				throw ParseError("status: block_size='" + std::string(value) +
						 "' is not a block size");
			s.block_size = static_cast<std::uint32_t>(*v);
		} else if (key == "uuid") {
			if (!is_uuid_text(value))
				throw ParseError("status: uuid='" + std::string(value) +
						 "' is not a UUID");
			s.uuid = value;
			for (auto &ch : s.uuid)
				if (ch >= 'A' && ch <= 'F')
					ch = static_cast<char>(ch - 'A' + 'a');
		} else {
			s.unknown.emplace_back(std::string(key), std::string(value));
		}
	}

	static const char *const required[] = {"mode", "health", "block_size", "uuid"};
	for (const char *k : required)
		if (!seen.count(k))
			throw ParseError(std::string("status: required key '") + k + "' missing");
	for (const auto &c : status_counters())
		if (c.required && !seen.count(c.key))
			throw ParseError(std::string("status: required key '") + c.key + "' missing");
	return s;
}

}  // namespace remap
