#include "remap/evacuations.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "remap/atomic_file.hpp"
#include "remap/bindings.hpp"
#include "remap/block_device.hpp"
#include "remap/main_claim.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

std::string evacuations_path()
{
	const char *env = std::getenv("DM_REMAP_EVACUATIONS");
	return env && *env ? std::string(env) : std::string(kDefaultEvacuationsPath);
}

EvacuationsParse parse_evacuations(std::string_view text, const std::string &source)
{
	EvacuationsParse out;
	std::istringstream in{std::string(text)};
	std::string line;
	unsigned int n = 0;
	while (std::getline(in, line)) {
		n++;
		auto hash = line.find('#');
		if (hash != std::string::npos)
			line.erase(hash);
		std::istringstream words(line);
		std::vector<std::string> w;
		for (std::string s; words >> s;)
			w.push_back(s);
		if (w.empty())
			continue;
		auto bad = [&](const std::string &why) {
			out.problems.push_back(source + ":" + std::to_string(n) + ": " + why);
		};
		Evacuation e;
		if (w.size() != 5) {
			bad("expected 5 fields: <pair uuid> <evacuation uuid> <new disk id> <rate min> <rate max>");
			continue;
		}
		if (!valid_pair_uuid(w[0]) || !valid_pair_uuid(w[1])) {
			bad("not a lower-case 8-4-4-4-12 uuid");
			continue;
		}
		auto lo = parse_u64_in(w[3], 0, 4194304), hi = parse_u64_in(w[4], 0, 4194304);
		if (!lo || !hi) {
			bad("rates must be KiB/s from 0 to 4194304");
			continue;
		}
		e.pair_uuid = w[0];
		e.evac_uuid = w[1];
		e.dest_id = w[2];
		e.rate_min = static_cast<unsigned int>(*lo);
		e.rate_max = static_cast<unsigned int>(*hi);
		if (find_evacuation(out.entries, e.pair_uuid)) {
			bad("a second line for pair " + e.pair_uuid);
			continue;
		}
		out.entries.push_back(e);
	}
	return out;
}

std::string render_evacuations(const std::vector<Evacuation> &entries)
{
	std::string s = "# dm-remap v4 evacuations in progress (remapctl evacuate); do not edit\n"
			"# <pair uuid> <evacuation uuid> <new disk id> <rate min KiB/s> <rate max KiB/s>\n";
	for (const auto &e : entries)
		s += e.pair_uuid + " " + e.evac_uuid + " " + e.dest_id + " " + std::to_string(e.rate_min) +
		     " " + std::to_string(e.rate_max) + "\n";
	return s;
}

EvacuationsParse load_evacuations(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return {};
		throw Error("cannot read " + path + ": " + errno_text(errno));
	}
	std::string text;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof(buf))) > 0)
		text.append(buf, static_cast<std::size_t>(n));
	int err = errno;
	::close(fd);
	if (n < 0)
		throw Error("cannot read " + path + ": " + errno_text(err));
	return parse_evacuations(text, path);
}

void update_evacuations(const std::string &path,
			const std::function<void(std::vector<Evacuation> &)> &change)
{
	auto cur = load_evacuations(path);
	if (!cur.problems.empty())
		throw RefusedError(cur.problems.front() + " (fix or remove the line first)");
	change(cur.entries);
	write_file_atomically(path, render_evacuations(cur.entries));
}

const Evacuation *find_evacuation(const std::vector<Evacuation> &entries, std::string_view pair_uuid)
{
	auto it = std::find_if(entries.begin(), entries.end(),
			       [&](const Evacuation &e) { return e.pair_uuid == pair_uuid; });
	return it == entries.end() ? nullptr : &*it;
}

std::vector<std::string> evacuation_features(const Evacuation &e, const std::string &devt)
{
	std::vector<std::string> f{"evacuate", devt, e.evac_uuid};
	if (e.rate_min || e.rate_max) {
		f.push_back("evac_rate");
		f.push_back(std::to_string(e.rate_min));
		f.push_back(std::to_string(e.rate_max));
	}
	return f;
}

std::vector<std::string> evacuation_table_features(struct udev *udev, const std::string &spare_path,
						   const std::string &pair_uuid)
{
	auto scan = scan_spare(spare_path);
	if (!scan.meta || !scan.meta->c().evac.active)
		return {};
	const std::string file = evacuations_path();
	auto ev = load_evacuations(file);
	const Evacuation *e = find_evacuation(ev.entries, pair_uuid);
	if (!e)
		throw Error("spare " + spare_path + " records an evacuation in progress, but " + file +
			    " names no new disk for pair " + pair_uuid +
			    " (the pair cannot be assembled without it)");
	for (const auto &b : enumerate_block_devices(udev)) {
		try {
			if (main_claim_id_at(udev, b.devnode) == e->dest_id)
				return evacuation_features(*e, b.devt_text());
		} catch (const Error &) {
			// a device that vanished or cannot be read is not it
		}
	}
	throw Error("pair " + pair_uuid + " is being evacuated to a disk that is not attached (" + e->dest_id +
		    "): attach it, the pair is assembled then");
}

std::string table_features_text(const std::vector<std::string> &features)
{
	std::string s;
	if (features.empty())
		return s;
	s = ' ' + std::to_string(features.size());
	for (const auto &w : features) {
		s += ' ';  // not " " + w: GCC 12's false -Wrestrict in Release builds
		s += w;
	}
	return s;
}

}  // namespace remap
