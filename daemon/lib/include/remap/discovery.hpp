// Finding v4 spares among the block devices and pairing them with their
// mains (decisions in pairing.hpp), then assembling the matches.
//
// A device is probed only if it is at least 11264 sectors, is not itself a
// remap-v4 device and has nothing stacked on it (no holders: a multipath
// or md component would otherwise show the same signature twice); the
// probe reads the first 4 KiB of each of the 5 copy slots, and only a
// device with the DMR4 magic is read in full.
//
// The linear bindings of the bindings file (linear_maps.hpp) are decided
// too: their disks are looked for among every attached device that is not
// a spare, held ones included (a held disk is in use, or already NAME's).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "remap/block_device.hpp"
#include "remap/health_verdict.hpp"
#include "remap/linear_maps.hpp"
#include "remap/pairing.hpp"
#include "remap/remap_device.hpp"

struct udev;

namespace remap {

struct DiscoveryReport {
	std::vector<RemapDevice> active;
	std::vector<PairingDecision> decisions;
	std::vector<std::string> problems;  // devices that could not be read, corrupt spares
	std::vector<MissingSpare> missing_spares;  // bound mains attached without their spare
	std::vector<MissingMain> missing_mains;    // bound pairs whose main is not attached
	std::vector<LinearDecision> linear;        // one per linear binding
};

DiscoveryReport discover(struct udev *udev);

// The pairs of R.missing_spares and R.missing_mains, for health and metrics.
std::vector<AbsentPair> absent_pairs(const DiscoveryReport &r);

struct AssemblyResult {
	std::string name;
	std::string pair_uuid;
	std::string main;
	std::string spare;
	bool ok = false;
	bool refused = false;               // the content layers refused the pair
	std::string error;
	std::vector<std::string> warnings;  // content layers that only warn
};

// Creates the dm device for a `match` decision: named as the bindings file
// says (bindings_file.hpp), else remap-<8 hex of the pair uuid>; DM UUID
// DMREMAP4-<pair uuid>, table "0 <main sectors> remap-v4 <main> <spare>".
// A pair without a binding gets one (its main is claimed from then on).
// First the main's content layers are checked against the spare's record
// and refreshed (content_layers.hpp): a refusal creates nothing.
AssemblyResult assemble(const PairingDecision &match);

}  // namespace remap
