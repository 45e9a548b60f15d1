#include "remap/bindings.hpp"

#include <algorithm>

#include "remap/fingerprint.hpp"
#include "remap/number_parse.hpp"

namespace remap {

namespace {

bool printable(std::string_view s)
{
	return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool valid_main_id(std::string_view id)
{
	return !id.empty() && id.size() <= kFingerprintMax && printable(id);
}

std::vector<std::string_view> split_fields(std::string_view line)
{
	std::vector<std::string_view> out;
	std::size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
			i++;
		std::size_t start = i;
		while (i < line.size() && line[i] != ' ' && line[i] != '\t')
			i++;
		if (i > start)
			out.push_back(line.substr(start, i - start));
	}
	return out;
}

constexpr std::uint64_t kMaxLinearSectors = (std::uint64_t{1} << 63) - 1;

void check_fields(const Binding &b)
{
	if (!valid_main_id(b.main_id))
		throw Error("invalid main id '" + b.main_id + "'");
	if (b.linear()) {
		if (!b.pair_uuid.empty())
			throw Error("a linear binding has no pair uuid");
		if (b.sectors == 0 || b.sectors > kMaxLinearSectors)
			throw Error("invalid length " + std::to_string(b.sectors) + " of a linear binding");
	} else {
		if (!valid_pair_uuid(b.pair_uuid))
			throw Error("invalid pair uuid '" + b.pair_uuid + "'");
		if (b.sectors != 0)
			throw Error("a pair binding has no length");
	}
	if (!valid_device_name(b.name))
		throw Error("invalid device name '" + b.name + "'");
}

// The same pair, or the same disk: B replaces E rather than clashing with it.
bool same_subject(const Binding &e, const Binding &b)
{
	return e.main_id == b.main_id || (!e.linear() && !b.linear() && e.pair_uuid == b.pair_uuid);
}

}  // namespace

bool valid_device_name(std::string_view name)
{
	return !name.empty() && name.size() <= 127 && printable(name) &&
	       name.find('/') == std::string_view::npos && name != "." && name != "..";
}

bool valid_pair_uuid(std::string_view u)
{
	if (u.size() != 36)
		return false;
	for (std::size_t i = 0; i < u.size(); i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = u[i];
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

Binding linear_binding(std::string disk_id, std::string name, std::uint64_t sectors)
{
	Binding b;
	b.main_id = std::move(disk_id);
	b.name = std::move(name);
	b.kind = BindingKind::linear;
	b.sectors = sectors;
	return b;
}

std::string describe_binding(const Binding &b)
{
	if (b.linear())
		return "the linear map of disk " + b.main_id;
	return "pair " + b.pair_uuid + " (main " + b.main_id + ")";
}

BindingsParse parse_bindings(std::string_view text, const std::string &source)
{
	BindingsParse r;
	std::size_t lineno = 0;
	while (!text.empty()) {
		auto nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		lineno++;
		auto where = source + ":" + std::to_string(lineno) + ": ";
		auto fields = split_fields(line);
		if (fields.empty() || fields[0].front() == '#')
			continue;
		const bool linear = fields.size() >= 2 && fields[1] == kLinearKeyword;
		if (linear && fields.size() != 4) {
			r.problems.push_back(where + "expected '<disk id> linear <name> <sectors>', found " +
					     std::to_string(fields.size()) + " field(s)");
			continue;
		}
		if (!linear && fields.size() != 3) {
			r.problems.push_back(where + "expected '<main id> <pair uuid> <name>' or "
						     "'<disk id> linear <name> <sectors>', found " +
					     std::to_string(fields.size()) + " field(s)");
			continue;
		}
		Binding b = linear ? linear_binding(std::string(fields[0]), std::string(fields[2]),
						    parse_u64_in(fields[3], 1, kMaxLinearSectors).value_or(0))
				   : Binding{std::string(fields[0]), std::string(fields[1]), std::string(fields[2])};
		std::string bad;
		if (linear && b.sectors == 0)
			bad = "invalid length '" + std::string(fields[3]) +
			      "' of a linear binding (sectors: a decimal number from 1)";
		else if (!valid_main_id(b.main_id))
			bad = "invalid " + std::string(linear ? "disk" : "main") + " id '" + b.main_id +
			      "' (1-63 printable characters)";
		else if (!linear && !valid_pair_uuid(b.pair_uuid))
			bad = "invalid pair uuid '" + b.pair_uuid + "' (lower-case 8-4-4-4-12 hex)";
		else if (!valid_device_name(b.name))
			bad = "invalid device name '" + b.name + "'";
		else if (!linear && find_by_uuid(r.entries, b.pair_uuid))
			bad = "pair " + b.pair_uuid + " is already bound on an earlier line";
		else if (find_by_main(r.entries, b.main_id))
			bad = std::string(linear ? "disk " : "main ") + b.main_id + " is already bound on an earlier line";
		else if (find_by_name(r.entries, b.name))
			bad = "name " + b.name + " is already bound on an earlier line";
		if (!bad.empty()) {
			r.problems.push_back(where + bad);
			continue;
		}
		r.entries.push_back(std::move(b));
	}
	return r;
}

std::string render_bindings(const std::vector<Binding> &entries)
{
	std::string out =
		"# dm-remap v4 bindings, kept by remapctl create and remapd (docs/remapd.md).\n"
		"# <main claim id> <pair uuid> <device name>  |  <disk claim id> linear <device name> <sectors>\n";
	for (const auto &e : entries)
		out += e.linear() ? e.main_id + " " + kLinearKeyword + " " + e.name + " " + std::to_string(e.sectors) + "\n"
				  : e.main_id + " " + e.pair_uuid + " " + e.name + "\n";
	return out;
}

const Binding *find_by_uuid(const std::vector<Binding> &entries, std::string_view uuid)
{
	auto it = std::find_if(entries.begin(), entries.end(),
			       [&](const Binding &e) { return !e.linear() && e.pair_uuid == uuid; });
	return it == entries.end() ? nullptr : &*it;
}

const Binding *find_by_main(const std::vector<Binding> &entries, std::string_view main_id)
{
	auto it = std::find_if(entries.begin(), entries.end(),
			       [&](const Binding &e) { return e.main_id == main_id; });
	return it == entries.end() ? nullptr : &*it;
}

const Binding *find_by_name(const std::vector<Binding> &entries, std::string_view name)
{
	auto it = std::find_if(entries.begin(), entries.end(), [&](const Binding &e) { return e.name == name; });
	return it == entries.end() ? nullptr : &*it;
}

bool bind_pair(std::vector<Binding> &entries, const Binding &b)
{
	check_fields(b);
	for (const auto &e : entries)
		if (e.name == b.name && !same_subject(e, b))
			throw NameClashError("name " + b.name + " is already bound to " + describe_binding(e));
	std::vector<Binding> next;
	bool placed = false;
	for (const auto &e : entries) {
		if (same_subject(e, b)) {
			if (!placed)
				next.push_back(b);
			placed = true;
		} else {
			next.push_back(e);
		}
	}
	if (!placed)
		next.push_back(b);
	bool changed = next != entries;
	entries = std::move(next);
	return changed;
}

}  // namespace remap
