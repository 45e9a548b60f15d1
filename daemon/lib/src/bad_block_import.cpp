#include "remap/bad_block_import.hpp"

#include <algorithm>
#include <charconv>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

std::uint64_t BadBlockImport::blocks() const
{
	std::uint64_t n = 0;
	for (const auto &r : runs)
		n += r.count;
	return n;
}

namespace {

std::vector<std::string_view> split_lines(std::string_view text)
{
	std::vector<std::string_view> out;
	while (!text.empty()) {
		auto nl = text.find('\n');
		out.push_back(text.substr(0, nl));
		if (nl == std::string_view::npos)
			break;
		text.remove_prefix(nl + 1);
	}
	return out;
}

std::vector<std::string_view> fields_of(std::string_view line)
{
	std::vector<std::string_view> out;
	std::size_t pos = 0;
	while (pos < line.size()) {
		while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r'))
			pos++;
		std::size_t end = pos;
		while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r')
			end++;
		if (end > pos)
			out.push_back(line.substr(pos, end - pos));
		pos = end;
	}
	return out;
}

[[noreturn]] void bad_line(std::size_t lineno, const std::string &what)
{
	throw ParseError("line " + std::to_string(lineno) + ": " + what);
}

// ddrescue writes positions and sizes as 0x-prefixed hex; decimal is
// accepted too.
std::optional<std::uint64_t> parse_mapfile_number(std::string_view s)
{
	if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		std::uint64_t v = 0;
		auto digits = s.substr(2);
		auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
		if (ec != std::errc() || p != digits.data() + digits.size())
			return std::nullopt;
		return v;
	}
	return parse_u64(s);
}

bool is_mapfile(const std::vector<std::string_view> &lines)
{
	for (auto line : lines) {
		auto f = fields_of(line);
		if (f.empty())
			continue;
		return f[0].front() == '#' || f[0].starts_with("0x") || f[0].starts_with("0X");
	}
	return false;
}

// Bytes [pos, pos + size) as device blocks, checked against the device.
BlockRun to_blocks(std::uint64_t pos, std::uint64_t size, std::uint32_t dbs,
		   std::uint64_t device_bytes, std::size_t lineno)
{
	if (size == 0 || pos >= device_bytes || size > device_bytes - pos)
		bad_line(lineno, "bytes " + std::to_string(pos) + "-" + std::to_string(pos + size) +
				 " are not inside the main device (" + std::to_string(device_bytes) +
				 " bytes)");
	std::uint64_t first = pos / dbs;
	std::uint64_t last = (pos + size - 1) / dbs;
	return {first, last - first + 1};
}

std::vector<BlockRun> merged(std::vector<BlockRun> runs)
{
	std::sort(runs.begin(), runs.end(),
		  [](const BlockRun &a, const BlockRun &b) { return a.first < b.first; });
	std::vector<BlockRun> out;
	for (const auto &r : runs) {
		if (!out.empty() && r.first <= out.back().first + out.back().count) {
			auto end = std::max(out.back().first + out.back().count, r.first + r.count);
			out.back().count = end - out.back().first;
		} else {
			out.push_back(r);
		}
	}
	return out;
}

std::vector<BlockRun> parse_mapfile(const std::vector<std::string_view> &lines, std::uint32_t dbs,
				    std::uint64_t device_bytes)
{
	std::vector<BlockRun> runs;
	bool status_line_seen = false;
	std::uint64_t next = 0;  // areas must be ascending and not overlap
	for (std::size_t i = 0; i < lines.size(); i++) {
		auto f = fields_of(lines[i]);
		std::size_t lineno = i + 1;
		if (f.empty() || f[0].front() == '#')
			continue;
		if (!status_line_seen) {
			// current_pos current_status [current_pass]
			if (f.size() < 2 || f.size() > 3 || !parse_mapfile_number(f[0]) || f[1].size() != 1 ||
			    std::string_view("?*/-FG+").find(f[1][0]) == std::string_view::npos)
				bad_line(lineno, "expected the mapfile's status line 'current_pos current_status [current_pass]'");
			status_line_seen = true;
			continue;
		}
		if (f.size() != 3)
			bad_line(lineno, "expected 'pos size status'");
		auto pos = parse_mapfile_number(f[0]);
		auto size = parse_mapfile_number(f[1]);
		if (!pos || !size)
			bad_line(lineno, "pos and size must be numbers (0x... or decimal)");
		if (f[2].size() != 1 || std::string_view("?*/-+").find(f[2][0]) == std::string_view::npos)
			bad_line(lineno, "unknown status '" + std::string(f[2]) + "' (one of ? * / - +)");
		if (*pos < next)
			bad_line(lineno, "areas are not in ascending order or overlap");
		char st = f[2][0];
		if (st == '-' || st == '*' || st == '/')
			runs.push_back(to_blocks(*pos, *size, dbs, device_bytes, lineno));
		else if (*size == 0 || *pos >= device_bytes || *size > device_bytes - *pos)
			to_blocks(*pos, *size, dbs, device_bytes, lineno);  // throws
		next = *pos + *size;
	}
	if (!status_line_seen)
		throw ParseError("a ddrescue mapfile with no status line");
	return runs;
}

std::vector<BlockRun> parse_list(const std::vector<std::string_view> &lines, std::uint32_t lbs,
				 std::uint32_t dbs, std::uint64_t device_bytes)
{
	std::vector<BlockRun> runs;
	for (std::size_t i = 0; i < lines.size(); i++) {
		auto f = fields_of(lines[i]);
		std::size_t lineno = i + 1;
		if (f.empty())
			continue;
		if (f.size() != 1)
			bad_line(lineno, "expected one block number per line (a badblocks list)");
		auto b = parse_u64(f[0]);
		if (!b)
			bad_line(lineno, std::string("'").append(f[0]).append("' is not a block number"));
		if (*b >= device_bytes / lbs + (device_bytes % lbs ? 1 : 0))
			bad_line(lineno, "block " + std::to_string(*b) + " of " + std::to_string(lbs) +
					 " bytes is beyond the main device (" +
					 std::to_string(device_bytes) + " bytes)");
		std::uint64_t pos = *b * lbs;
		runs.push_back(to_blocks(pos, std::min<std::uint64_t>(lbs, device_bytes - pos), dbs,
					 device_bytes, lineno));
	}
	return runs;
}

}  // namespace

BadBlockImport parse_bad_block_file(std::string_view text, std::uint32_t list_block_size,
				    std::uint32_t device_block_size, std::uint64_t device_sectors)
{
	if (list_block_size == 0)
		throw ParseError("block size 0");
	if (device_block_size < 512 || device_block_size % 512)
		throw ParseError("device block size " + std::to_string(device_block_size));
	if (text.find('\0') != std::string_view::npos)
		throw ParseError("binary data, not a badblocks list or a ddrescue mapfile");
	auto lines = split_lines(text);
	std::uint64_t device_bytes = device_sectors * 512;
	BadBlockImport out;
	std::vector<BlockRun> runs;
	if (is_mapfile(lines)) {
		out.format = "ddrescue";
		runs = parse_mapfile(lines, device_block_size, device_bytes);
	} else {
		out.format = "badblocks";
		runs = parse_list(lines, list_block_size, device_block_size, device_bytes);
	}
	out.runs = merged(std::move(runs));
	return out;
}

}  // namespace remap
