#include "remap/map_export.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "remap/error.hpp"

namespace remap {

namespace {

void append(std::vector<Segment> &out, Segment s)
{
	if (s.len == 0)
		return;
	if (!out.empty()) {
		auto &last = out.back();
		bool continues = last.source == s.source && last.start + last.len == s.start &&
				 (s.source == SegmentSource::bad || last.offset + last.len == s.offset);
		if (continues) {
			last.len += s.len;
			return;
		}
	}
	out.push_back(s);
}

}  // namespace

std::vector<Segment> segments_of(const RemapMap &map)
{
	check_map(map);
	const std::uint64_t bs = map.block_sectors();
	std::vector<Segment> out;
	std::uint64_t pos = 0;  // sector
	auto clip = [&](std::uint64_t end) { return std::min(end, map.sectors); };
	for (const auto &e : map.extents) {
		std::uint64_t start = e.lblock * bs;
		std::uint64_t end = clip((e.lblock + e.len) * bs);
		if (start >= map.sectors)
			break;
		append(out, {pos, start - pos, SegmentSource::main, pos});
		if (e.state == ExtentState::remapped)
			append(out, {start, end - start, SegmentSource::spare,
				     map.data_start + *e.sblock * bs});
		else
			append(out, {start, end - start, SegmentSource::bad, 0});
		pos = end;
	}
	if (pos < map.sectors)
		append(out, {pos, map.sectors - pos, SegmentSource::main, pos});
	return out;
}

std::string render_linear_table(const RemapMap &map, const std::string &main_dev,
				const std::string &spare_dev)
{
	std::string out;
	for (const auto &s : segments_of(map)) {
		switch (s.source) {
		case SegmentSource::main:
			out += fmt::format("{} {} linear {} {}\n", s.start, s.len, main_dev, s.offset);
			break;
		case SegmentSource::spare:
			out += fmt::format("{} {} linear {} {}\n", s.start, s.len, spare_dev, s.offset);
			break;
		case SegmentSource::bad:
			out += fmt::format("{} {} error\n", s.start, s.len);
			break;
		}
	}
	return out;
}

std::string render_ddrescue_mapfile(const RemapMap &map, const std::vector<std::string> &header)
{
	std::vector<Segment> runs;  // good (main or spare) vs bad, merged
	for (auto s : segments_of(map)) {
		bool bad = s.source == SegmentSource::bad;
		if (!runs.empty() && (runs.back().source == SegmentSource::bad) == bad)
			runs.back().len += s.len;
		else
			runs.push_back({s.start, s.len, bad ? SegmentSource::bad : SegmentSource::main, 0});
	}
	std::string out = "# Mapfile of a dm-remap v4 device (remapctl export --format ddrescue)\n";
	for (const auto &h : header)
		out += "# " + h + "\n";
	out += "# '+' readable (main or spare); '-' pending (the main failed to read it) or unreadable (data lost)\n";
	out += "# current_pos  current_status  current_pass\n";
	out += "0x00000000     +               1\n";
	out += "#      pos        size  status\n";
	for (const auto &r : runs)
		out += fmt::format("0x{:08X}  0x{:08X}  {}\n", r.start * 512, r.len * 512,
				   r.source == SegmentSource::bad ? '-' : '+');
	return out;
}

std::string render_badblocks(const RemapMap &map, std::uint32_t list_block_size)
{
	if (list_block_size < 512 || list_block_size % 512)
		throw Error("block size " + std::to_string(list_block_size) + " is not a multiple of 512");
	const std::uint64_t per = list_block_size / 512;  // sectors per listed block
	std::string out;
	std::uint64_t next = 0;  // first listed block not printed yet
	for (const auto &s : segments_of(map)) {
		if (s.source != SegmentSource::bad)
			continue;
		std::uint64_t first = std::max(next, s.start / per);
		std::uint64_t last = (s.start + s.len - 1) / per;
		for (std::uint64_t b = first; b <= last; b++)
			out += std::to_string(b) + "\n";
		next = last + 1;
	}
	return out;
}

}  // namespace remap
