#include "remap/scan_progress.hpp"

#include <cstdio>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

namespace {

const std::string *find_key(const StatusInfo &s, const std::string &key)
{
	for (const auto &[k, v] : s.unknown)
		if (k == key)
			return &v;
	return nullptr;
}

std::uint64_t number(const StatusInfo &s, const std::string &key)
{
	const std::string *v = find_key(s, key);
	if (!v)
		throw ParseError("status line has scan keys but no " + key);
	auto n = parse_u64(*v);
	if (!n)
		throw ParseError("status key " + key + "='" + *v + "' is not a number");
	return *n;
}

}  // namespace

std::optional<ScanProgress> scan_progress(const StatusInfo &s, std::uint64_t sectors)
{
	if (!find_key(s, "scan_active"))
		return std::nullopt;
	ScanProgress p;
	std::uint64_t active = number(s, "scan_active");
	if (active > 1)
		throw ParseError("status key scan_active is not 0 or 1");
	p.active = active == 1;
	p.cursor = number(s, "scan_cursor");
	p.passes = number(s, "scan_passes");
	p.warnings = number(s, "scan_warnings");
	p.errors = number(s, "scan_errors");
	if (s.block_size >= 512)
		p.blocks = sectors / (s.block_size / 512);
	if (find_key(s, "scan_percent")) {
		std::uint64_t pct = number(s, "scan_percent");
		if (pct > 100)
			throw ParseError("status key scan_percent is above 100");
		p.percent = static_cast<unsigned int>(pct);
		p.speed_kib = number(s, "scan_speed_kib");
		const std::string *eta = find_key(s, "scan_eta");
		if (!eta)
			throw ParseError("status line has scan_percent but no scan_eta");
		if (*eta != "-1") {
			auto n = parse_u64(*eta);
			if (!n)
				throw ParseError("status key scan_eta='" + *eta + "' is not a number or -1");
			p.eta_seconds = *n;
		}
	} else if (p.blocks) {
		p.percent = static_cast<unsigned int>(std::min<std::uint64_t>(p.cursor, p.blocks) * 100 / p.blocks);
	}
	return p;
}

std::string format_duration(std::uint64_t t)
{
	char buf[48];
	if (t < 60)
		std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(t));
	else if (t < 3600)
		std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(t / 60),
			      static_cast<unsigned long long>(t % 60));
	else if (t < 86400)
		std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(t / 3600),
			      static_cast<unsigned long long>(t % 3600 / 60));
	else
		std::snprintf(buf, sizeof buf, "%llud%02lluh", static_cast<unsigned long long>(t / 86400),
			      static_cast<unsigned long long>(t % 86400 / 3600));
	return buf;
}

std::string progress_bar(unsigned int percent, unsigned int width)
{
	unsigned int full = std::min(percent, 100u) * width / 100;
	// Appended, not "[" + ... + "]": GCC 12 -O3 reports a false -Wrestrict
	// inside operator+ (GCC bug 105329), which fails make build-types.
	std::string bar;
	bar.reserve(width + 2);
	bar += '[';
	bar.append(full, '#');
	bar.append(width - full, '.');
	bar += ']';
	return bar;
}

std::string format_rate_kib(std::uint64_t kib)
{
	char buf[48];
	if (kib < 1024)
		std::snprintf(buf, sizeof buf, "%llu KiB/s", static_cast<unsigned long long>(kib));
	else if (kib < 1024 * 1024)
		std::snprintf(buf, sizeof buf, "%.1f MiB/s", static_cast<double>(kib) / 1024);
	else
		std::snprintf(buf, sizeof buf, "%.1f GiB/s", static_cast<double>(kib) / (1024 * 1024));
	return buf;
}

}  // namespace remap
