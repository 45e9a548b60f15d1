// Which spare goes with which main: pure decisions over what discovery
// found, so they can be unit tested without devices.
//
//   already_active        the pair's dm device exists (its uuid is active)
//   duplicate             another spare claims the same main or the same
//                         pair uuid: all of them are refused and reported,
//                         except that a spare whose only rivals are new
//                         spares of an unfinished replace-spare of its pair
//                         (SpareCandidate::replacing) is paired, and they
//                         are refused
//   no_identity           the spare records no main identity (formatted by
//                         the kernel): only `remapctl create` may pair it
//   match                 exactly one device has the recorded fingerprint,
//                         size and block size
//   ambiguous_main        several devices have the recorded fingerprint
//   fingerprint_mismatch  no device has the fingerprint, but one has the
//                         recorded size and block size: refused, since it is
//                         probably a different disk (or the identity changed)
//   main_missing          nothing fits: the main is not attached (yet)
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "remap/bindings.hpp"

namespace remap {

struct SpareCandidate {
	std::string path;
	std::string pair_uuid;
	std::string main_id;
	std::uint64_t main_sectors = 0;
	std::uint32_t block_size = 512;
	// Marked as the new spare of an unfinished `remapctl replace-spare`
	// (kLayerReplacing): while another spare holds the same pair unmarked,
	// that one is the pair's spare and this one is refused (duplicate).
	bool replacing = false;
};

struct MainCandidate {
	std::string path;
	std::string fingerprint;
	std::uint64_t sectors = 0;
	std::uint32_t block_size = 512;
};

enum class PairingOutcome {
	match,
	already_active,
	main_missing,
	fingerprint_mismatch,
	duplicate,
	no_identity,
	ambiguous_main,
};

const char *outcome_name(PairingOutcome o);

struct PairingDecision {
	SpareCandidate spare;
	PairingOutcome outcome = PairingOutcome::main_missing;
	std::string main_path;              // for match
	std::vector<std::string> related;   // other spares (duplicate) or devices (mismatch, ambiguous)
	std::string message;                // one line, for logs and tables
};

// One decision per spare, in the order given.  Mains whose path is one of
// the spares' paths are ignored.
std::vector<PairingDecision> decide_pairings(const std::vector<SpareCandidate> &spares,
					     const std::vector<MainCandidate> &mains,
					     const std::set<std::string> &active_uuids);

// The check `remapctl create` makes for an explicitly named main: match,
// no_identity (accepted if size and block size match: the kernel formatted
// it) or fingerprint_mismatch (refused).  Message explains.
PairingDecision check_explicit_pair(const SpareCandidate &spare, const MainCandidate &main);

// A pair the bindings file knows whose main is attached while its spare is
// not, and whose dm device is not active: it cannot be assembled, and its
// claimed main keeps its stale file system unmounted.  remapd says so once
// (event spare_missing), as mdadm reports an array it cannot start.
struct MissingSpare {
	std::string name;
	std::string pair_uuid;
	std::string main_path;
};

// MAIN_CLAIM_IDS: the claim id (main_claim.hpp) of each attached non-spare
// device, by path.  One entry per pair binding (linear ones are skipped)
// whose main is attached (the first
// path in order if several share its claim id), in the bindings' order;
// none for a pair whose spare is among SPARES (present, even if refused:
// discovery reports those) or whose pair uuid is in ACTIVE_UUIDS.
std::vector<MissingSpare> find_missing_spares(const std::vector<Binding> &bindings,
					      const std::vector<SpareCandidate> &spares,
					      const std::map<std::string, std::string> &main_claim_ids,
					      const std::set<std::string> &active_uuids);

// A pair the bindings file knows whose main is not attached and whose dm
// device is not active: remapd says so once (event main_missing), since a
// main that is gone at boot is a dead main, not a healthy one.
struct MissingMain {
	std::string name;
	std::string pair_uuid;
	std::string spare_path;  // "" if the spare is not attached either
};

// One entry per pair binding (linear ones are skipped), in the bindings'
// order, whose pair uuid is not in
// ACTIVE_UUIDS and
//  - whose spare is in DECISIONS with the outcome main_missing (no device
//    has the recorded fingerprint or geometry), or
//  - whose spare is not in DECISIONS and whose main id is none of
//    MAIN_CLAIM_IDS (neither disk is attached).
// A spare with any other outcome is not listed (a match is assembled, a
// refusal is reported as pair_refused); nor is a main attached without its
// spare (find_missing_spares).
std::vector<MissingMain> find_missing_mains(const std::vector<Binding> &bindings,
					    const std::vector<PairingDecision> &decisions,
					    const std::map<std::string, std::string> &main_claim_ids,
					    const std::set<std::string> &active_uuids);

}  // namespace remap
