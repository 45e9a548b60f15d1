#include "remap/linear_maps.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>

#include "remap/error.hpp"
#include "remap/fingerprint.hpp"
#include "remap/number_parse.hpp"
#include "remap/remap_device.hpp"

namespace remap {

namespace {

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : ", ") + x;
	return s;
}

}  // namespace

const char *linear_outcome_name(LinearOutcome o)
{
	switch (o) {
	case LinearOutcome::match:
		return "match";
	case LinearOutcome::already_active:
		return "already_active";
	case LinearOutcome::disk_missing:
		return "disk_missing";
	case LinearOutcome::size_mismatch:
		return "size_mismatch";
	case LinearOutcome::ambiguous_disk:
		return "ambiguous_disk";
	case LinearOutcome::in_use:
		return "in_use";
	case LinearOutcome::name_taken:
		return "name_taken";
	}
	return "unknown";
}

bool linear_refused(LinearOutcome o)
{
	return o == LinearOutcome::size_mismatch || o == LinearOutcome::ambiguous_disk ||
	       o == LinearOutcome::in_use || o == LinearOutcome::name_taken;
}

DmNameState dm_name_state(const std::vector<dm::TargetLine> &table)
{
	DmNameState s;
	s.exists = true;
	if (table.size() != 1 || table[0].type != "linear" || table[0].start != 0)
		return s;
	std::istringstream in(table[0].params);
	std::string dev, off, extra;
	if (!(in >> dev >> off) || (in >> extra))
		return s;
	auto o = parse_u64(off);
	if (!o)
		return s;
	s.single_linear = true;
	s.devt = dev;
	s.offset = *o;
	s.length = table[0].length;
	return s;
}

std::string claim_identity(const std::string &claim_id)
{
	auto last = claim_id.rfind(':');
	if (last == std::string::npos || last == 0)
		return "";
	auto mid = claim_id.rfind(':', last - 1);
	if (mid == std::string::npos)
		return "";
	if (!parse_u64(std::string_view(claim_id).substr(mid + 1, last - mid - 1)) ||
	    !parse_u64(std::string_view(claim_id).substr(last + 1)))
		return "";
	std::string id = claim_id.substr(0, mid);
	if (id == "size" || id.empty())
		return "";
	return id;
}

std::vector<LinearDecision> decide_linear(const std::vector<Binding> &bindings,
					  const std::vector<LinearDisk> &disks,
					  const std::map<std::string, DmNameState> &names)
{
	std::vector<LinearDecision> out;
	for (const auto &b : bindings) {
		if (!b.linear())
			continue;
		LinearDecision d;
		d.binding = b;
		const std::string what = b.name + " (linear map of disk " + b.main_id + ")";
		auto n = names.find(b.name);
		if (n != names.end() && n->second.exists) {
			const DmNameState &s = n->second;
			auto disk = std::find_if(disks.begin(), disks.end(),
						 [&](const LinearDisk &x) { return x.devt == s.devt; });
			if (s.single_linear && s.offset == 0 && s.length == b.sectors && disk != disks.end() &&
			    disk->claim_id == b.main_id) {
				d.outcome = LinearOutcome::already_active;
				d.disk_path = disk->path;
				d.disk_devt = disk->devt;
				d.message = b.name + " is active over " + disk->path;
			} else {
				d.outcome = LinearOutcome::name_taken;
				d.message = "a device-mapper device named " + b.name +
					    " already exists and is not the linear map of disk " + b.main_id +
					    " that the bindings file names: not created (remove it, or drop the binding: "
					    "remapctl release " + b.name + ")";
			}
			out.push_back(std::move(d));
			continue;
		}
		std::vector<const LinearDisk *> same, similar;
		const std::string identity = claim_identity(b.main_id);
		for (const auto &x : disks) {
			if (x.claim_id == b.main_id)
				same.push_back(&x);
			else if (!identity.empty() && claim_identity(x.claim_id) == identity)
				similar.push_back(&x);
		}
		if (same.size() > 1) {
			d.outcome = LinearOutcome::ambiguous_disk;
			for (const auto *x : same)
				d.related.push_back(x->path);
			d.message = what + ": several disks have that identity (" + join(d.related) +
				    "): refused, none is used";
		} else if (same.size() == 1) {
			const LinearDisk &x = *same.front();
			d.disk_path = x.path;
			d.disk_devt = x.devt;
			if (x.sectors < b.sectors) {
				d.outcome = LinearOutcome::size_mismatch;
				d.related.push_back(x.path);
				d.message = what + ": disk " + x.path + " has " + std::to_string(x.sectors) +
					    " sectors, fewer than the " + std::to_string(b.sectors) +
					    " the binding maps: refused";
			} else if (!x.holders.empty()) {
				d.outcome = LinearOutcome::in_use;
				d.related = x.holders;
				d.message = what + ": disk " + x.path + " is in use (held by " + join(x.holders) +
					    "): not created over it";
			} else {
				d.outcome = LinearOutcome::match;
				d.message = "disk " + x.path + " matches";
			}
		} else if (!similar.empty()) {
			d.outcome = LinearOutcome::size_mismatch;
			std::string sizes;
			for (const auto *x : similar) {
				d.related.push_back(x->path);
				sizes += (sizes.empty() ? "" : ", ") + x->path + " is " + x->claim_id;
			}
			d.message = what + ": a disk with that identity has another size or block size (" + sizes +
				    "): refused (resized, or another disk)";
		} else {
			d.outcome = LinearOutcome::disk_missing;
			d.message = what + ": the disk is not attached: " + b.name + " is not created";
		}
		out.push_back(std::move(d));
	}
	return out;
}

std::string linear_dm_uuid(const std::string &disk_id)
{
	char hex[17];
	std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(fnv1a64(disk_id)));
	return std::string(kDmUuidPrefix) + "linear-" + hex;
}

LinearAssembly assemble_linear(const LinearDecision &d)
{
	LinearAssembly a;
	a.name = d.binding.name;
	a.disk = d.disk_path;
	if (d.outcome != LinearOutcome::match) {
		a.error = "not a match: " + d.message;
		return a;
	}
	try {
		if (dm::info(a.name))
			throw Error("a device-mapper device named " + a.name + " already exists");
		int fd = ::open(a.disk.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EBUSY)
				throw RefusedError("disk " + a.disk +
						   " is in use (mounted, or held by another device or program): " +
						   a.name + " is not created over it");
			throw_errno("cannot open disk " + a.disk, errno);
		}
		::close(fd);
		dm::create(a.name, linear_dm_uuid(d.binding.main_id),
			   {{0, d.binding.sectors, "linear", a.disk + " 0"}});
		a.ok = true;
	} catch (const Error &e) {
		a.error = e.what();
	}
	return a;
}

}  // namespace remap
