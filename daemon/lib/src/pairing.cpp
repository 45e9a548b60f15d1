#include "remap/pairing.hpp"

#include <algorithm>

namespace remap {

const char *outcome_name(PairingOutcome o)
{
	switch (o) {
	case PairingOutcome::match:
		return "match";
	case PairingOutcome::already_active:
		return "already_active";
	case PairingOutcome::main_missing:
		return "main_missing";
	case PairingOutcome::fingerprint_mismatch:
		return "fingerprint_mismatch";
	case PairingOutcome::duplicate:
		return "duplicate";
	case PairingOutcome::no_identity:
		return "no_identity";
	case PairingOutcome::ambiguous_main:
		return "ambiguous_main";
	}
	return "?";
}

namespace {

std::string join(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &s : v)
		out += (out.empty() ? "" : ", ") + s;
	return out;
}

bool geometry_fits(const SpareCandidate &s, const MainCandidate &m)
{
	return s.main_sectors == m.sectors && s.block_size == m.block_size;
}

}  // namespace

std::vector<PairingDecision> decide_pairings(const std::vector<SpareCandidate> &spares,
					     const std::vector<MainCandidate> &mains,
					     const std::set<std::string> &active_uuids)
{
	std::set<std::string> spare_paths;
	for (const auto &s : spares)
		spare_paths.insert(s.path);

	std::vector<PairingDecision> out;
	for (const auto &s : spares) {
		PairingDecision d;
		d.spare = s;
		if (active_uuids.count(s.pair_uuid)) {
			d.outcome = PairingOutcome::already_active;
			d.message = "pair " + s.pair_uuid + " is already active";
			out.push_back(d);
			continue;
		}
		for (const auto &o : spares)
			if (o.path != s.path && (o.pair_uuid == s.pair_uuid ||
						 (!s.main_id.empty() && o.main_id == s.main_id)))
				d.related.push_back(o.path);
		// An unfinished replace-spare: the old spare (unmarked) still
		// holds the pair, the new one is marked.  Until the old spare's
		// copies are erased the old one is the pair's spare.
		bool rivals_are_replacements = !s.replacing && !d.related.empty();
		const SpareCandidate *old_spare = nullptr;
		for (const auto &o : spares) {
			if (o.path == s.path || std::find(d.related.begin(), d.related.end(), o.path) == d.related.end())
				continue;
			if (!(o.replacing && o.pair_uuid == s.pair_uuid))
				rivals_are_replacements = false;
			if (s.replacing && !o.replacing && o.pair_uuid == s.pair_uuid)
				old_spare = &o;
		}
		if (rivals_are_replacements) {
			d.related.clear();
		} else if (old_spare) {
			d.outcome = PairingOutcome::duplicate;
			d.message = "spare " + s.path + " is the new spare of an unfinished replace-spare of pair " +
				    s.pair_uuid + ": " + old_spare->path +
				    " still holds the pair and is its spare (run remapctl replace-spare again to finish)";
			out.push_back(d);
			continue;
		}
		if (!d.related.empty()) {
			d.outcome = PairingOutcome::duplicate;
			d.message = "spares " + s.path + " and " + join(d.related) +
				    " claim the same main '" + s.main_id + "' (or pair " + s.pair_uuid +
				    "): refusing all of them; remove or reformat the stale one";
			out.push_back(d);
			continue;
		}
		if (s.main_id.empty()) {
			d.outcome = PairingOutcome::no_identity;
			d.message = "spare records no main identity (formatted by the kernel): "
				    "pair it explicitly with 'remapctl create'";
			out.push_back(d);
			continue;
		}
		std::vector<const MainCandidate *> same_id, same_geometry;
		for (const auto &m : mains) {
			if (spare_paths.count(m.path))
				continue;
			if (m.fingerprint == s.main_id)
				same_id.push_back(&m);
			else if (geometry_fits(s, m))
				same_geometry.push_back(&m);
		}
		if (same_id.size() > 1) {
			d.outcome = PairingOutcome::ambiguous_main;
			for (const auto *m : same_id)
				d.related.push_back(m->path);
			d.message = "several devices carry the main identity '" + s.main_id +
				    "' (" + join(d.related) + "): refusing to guess";
		} else if (same_id.size() == 1) {
			const MainCandidate &m = *same_id.front();
			if (geometry_fits(s, m)) {
				d.outcome = PairingOutcome::match;
				d.main_path = m.path;
				d.message = "main " + m.path + " matches";
			} else {
				d.outcome = PairingOutcome::fingerprint_mismatch;
				d.related.push_back(m.path);
				d.message = m.path + " has the recorded identity but " +
					    std::to_string(m.sectors) + " sectors of " +
					    std::to_string(m.block_size) + " bytes instead of " +
					    std::to_string(s.main_sectors) + " of " +
					    std::to_string(s.block_size) + ": refused";
			}
		} else if (!same_geometry.empty()) {
			d.outcome = PairingOutcome::fingerprint_mismatch;
			std::string found;
			for (const auto *m : same_geometry) {
				d.related.push_back(m->path);
				found += (found.empty() ? "" : ", ") + m->path + " is '" + m->fingerprint + "'";
			}
			d.message = "main '" + s.main_id + "' not found; same-size device(s) with a different identity refused (" +
				    found + ")";
		} else {
			d.outcome = PairingOutcome::main_missing;
			d.message = "main '" + s.main_id + "' is not present";
		}
		out.push_back(d);
	}
	return out;
}

PairingDecision check_explicit_pair(const SpareCandidate &s, const MainCandidate &m)
{
	PairingDecision d;
	d.spare = s;
	d.main_path = m.path;
	if (!geometry_fits(s, m)) {
		d.outcome = PairingOutcome::fingerprint_mismatch;
		d.message = "spare " + s.path + " belongs to a main of " +
			    std::to_string(s.main_sectors) + " sectors of " +
			    std::to_string(s.block_size) + " bytes ('" + s.main_id + "'), but " +
			    m.path + " has " + std::to_string(m.sectors) + " of " +
			    std::to_string(m.block_size);
	} else if (s.main_id.empty()) {
		d.outcome = PairingOutcome::no_identity;
		d.message = "spare " + s.path + " records no main identity; pairing by size only";
	} else if (s.main_id != m.fingerprint) {
		d.outcome = PairingOutcome::fingerprint_mismatch;
		d.message = "spare " + s.path + " belongs to main '" + s.main_id + "', but " +
			    m.path + " is '" + m.fingerprint + "'";
	} else {
		d.outcome = PairingOutcome::match;
		d.message = "main " + m.path + " matches";
	}
	return d;
}

std::vector<MissingSpare> find_missing_spares(const std::vector<Binding> &bindings,
					      const std::vector<SpareCandidate> &spares,
					      const std::map<std::string, std::string> &main_claim_ids,
					      const std::set<std::string> &active_uuids)
{
	std::set<std::string> spare_uuids;
	for (const auto &s : spares)
		spare_uuids.insert(s.pair_uuid);
	std::vector<MissingSpare> out;
	for (const auto &b : bindings) {
		if (b.linear() || active_uuids.count(b.pair_uuid) || spare_uuids.count(b.pair_uuid))
			continue;
		for (const auto &[path, claim_id] : main_claim_ids) {
			if (claim_id == b.main_id) {
				out.push_back({b.name, b.pair_uuid, path});
				break;
			}
		}
	}
	return out;
}

std::vector<MissingMain> find_missing_mains(const std::vector<Binding> &bindings,
					    const std::vector<PairingDecision> &decisions,
					    const std::map<std::string, std::string> &main_claim_ids,
					    const std::set<std::string> &active_uuids)
{
	std::vector<MissingMain> out;
	for (const auto &b : bindings) {
		if (b.linear() || active_uuids.count(b.pair_uuid))
			continue;
		auto d = std::find_if(decisions.begin(), decisions.end(), [&](const PairingDecision &x) {
			return x.spare.pair_uuid == b.pair_uuid;
		});
		if (d != decisions.end()) {
			if (d->outcome == PairingOutcome::main_missing)
				out.push_back({b.name, b.pair_uuid, d->spare.path});
			continue;
		}
		bool main_attached = std::any_of(main_claim_ids.begin(), main_claim_ids.end(),
						 [&](const auto &m) { return m.second == b.main_id; });
		if (!main_attached)
			out.push_back({b.name, b.pair_uuid, ""});
	}
	return out;
}

}  // namespace remap
