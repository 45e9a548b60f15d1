// JSON documents printed by `remapctl --json` (schema in
// docs/remapctl-json.md).  Every document has "schema_version".  Every
// 64-bit counter is emitted twice: as a JSON number under its name and as a
// decimal string under <name>_str, for consumers whose numbers are doubles
// (exact only up to 2^53).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remap/extent_list.hpp"
#include "remap/health_verdict.hpp"
#include "remap/pairing.hpp"
#include "remap/remap_device.hpp"
#include "remap/scan_progress.hpp"
#include "remap/spare_metadata.hpp"

namespace remap::json_out {

inline constexpr int kSchemaVersion = 1;

using nlohmann::json;

// {"schema_version": 1, "command": COMMAND}
json document(const std::string &command);

// The document printed instead of a command's output when it fails with
// --json (like smartctl -j): {"schema_version", "command" (null if the
// command line named none), "messages": [{"string", "severity": "error"}],
// "exit_status"}.
json error_document(const std::string &command, const std::string &message, int exit_status);

// obj[key] = v; obj[key + "_str"] = to_string(v)
void put_counter(json &obj, const std::string &key, std::uint64_t v);

// Stable token for a dmr_status ("valid", "blank", "crc", ...).
const char *status_token(enum dmr_status st);

struct DevicePaths {
	std::string main;   // "/dev/loop0", or "" if unknown
	std::string spare;
};

json device(const RemapDevice &d, const DevicePaths &paths);
// {"active", "cursor", "blocks", "percent", "speed_kib", "eta_seconds" (null
// if unknown), "passes", "warnings", "errors"}; device() adds it as "scan".
json scan(const ScanProgress &p);
json extents(const std::vector<ExtentLine> &list);
json metadata(const DecodedMeta &m, bool with_extents);
json spare_scan(const SpareScan &scan, bool with_extents);
json pairing(const PairingDecision &d);
// A device of `remapctl health`: {"name", "uuid", "assembled", "health"
// (the score with the states put in), "kernel_health", "mode", "pending",
// "pending_str", "spare_free_percent", "main_state", "spare_state",
// "verdict", "reasons", "ok"}; for a pair not assembled (main or spare
// missing) kernel_health, mode, pending and spare_free_percent are null.
json health_device(const RemapDevice &d, const HealthAssessment &a);
json health_device(const AbsentPair &p, const HealthAssessment &a);

}  // namespace remap::json_out
