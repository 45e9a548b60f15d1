// The INFO line of `dmsetup status` for one remap-v4 target:
//   mode=rw remapped=11 pending=0 ... seq=3 uuid=<pair uuid>
// Every documented key is required (but the newest counters, which a module
// loaded before an upgrade lacks); keys this version does not know are
// kept (in order) so newer kernels still parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace remap {

struct StatusInfo {
	std::string mode;  // rw | ro | fail (other words kept as is)
	std::uint64_t remapped = 0;
	std::uint64_t pending = 0;
	std::uint64_t spare_used = 0;
	std::uint64_t spare_free = 0;
	std::uint64_t spare_blocks = 0;
	std::uint64_t extents = 0;
	std::uint64_t max_extents = 0;
	std::uint64_t read_errors = 0;
	std::uint64_t write_errors = 0;
	std::uint64_t spare_errors = 0;
	std::uint64_t remap_failures = 0;
	std::uint64_t reads = 0;
	std::uint64_t writes = 0;
	// Since this version's kernel module (0 from an older module still loaded):
	std::uint64_t unreadable = 0;    // remapped blocks whose data was lost
	std::uint64_t failed_reads = 0;  // reads that ended in an error for their caller
	std::uint64_t remaps_24h = 0;    // blocks remapped in the last 24 hours
	unsigned int health = 0;  // 0-100
	std::uint32_t block_size = 0;
	std::uint64_t seq = 0;
	std::string uuid;  // pair uuid, 8-4-4-4-12 lower-case hex
	std::vector<std::pair<std::string, std::string>> unknown;
	// Not from the status line: the main drive's own score and its reasons
	// (drive_health.hpp), put in by remapd and remapctl from remapd's last
	// smartctl reading; it caps the health (health_verdict.hpp).
	std::optional<unsigned int> drive_health;
	std::vector<std::string> drive_reasons;

	// Percentage of the spare's data area still free (0-100, rounded down).
	unsigned int spare_free_percent() const;
};

// One u64 counter of StatusInfo by its status key, for tables and metrics.
struct StatusCounter {
	const char *key;
	std::uint64_t StatusInfo::*member;
	bool required = true;  // false: newer keys an older module does not print
};
const std::vector<StatusCounter> &status_counters();

// The main_state token ("ok" or "failed"; "" from a kernel without it).
std::string main_state(const StatusInfo &s);

// The meta_state token ("ok" or "failed": a commit wrote no metadata copy;
// "" from a kernel without it).
std::string meta_state(const StatusInfo &s);

// Throws ParseError naming the offending token or the missing key.
StatusInfo parse_status_line(std::string_view line);

// True if text is a canonical 36-character UUID (lower- or upper-case hex).
bool is_uuid_text(std::string_view text);

}  // namespace remap
