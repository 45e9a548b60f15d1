// /sys/kernel/dm-remap-v4: the module's global knobs.  A missing tree or
// file means "module not loaded, or a kernel module without that feature":
// getters return nullopt and triggers return false, nothing throws for it.
//
//   discovery/auto_discovery     0|1   may userspace assemble pairs by itself
//   discovery/trigger_discovery  write "scan": the kernel sends a change
//                                uevent for /kernel/dm-remap-v4 (remapd rescans)
//   health/health_threshold      0-100
//   health/trigger_health_scan   write "scan"
//   stats/*                      one value per file
#pragma once

#include <map>
#include <optional>
#include <string>

namespace remap {

inline constexpr const char *kSysfsRoot = "/sys/kernel/dm-remap-v4";

class SysfsTree {
public:
	explicit SysfsTree(std::string root = kSysfsRoot);

	const std::string &root() const { return root_; }
	bool present() const;

	std::optional<bool> auto_discovery() const;
	std::optional<unsigned int> health_threshold() const;
	// Throw Error if the file exists but the write fails.
	bool trigger_discovery() const;
	bool trigger_health_scan() const;
	// stats/<file> -> trimmed content; empty if there is no stats directory.
	std::map<std::string, std::string> stats() const;

private:
	std::optional<std::string> read(const std::string &rel) const;
	bool write(const std::string &rel, const std::string &value) const;
	std::string root_;
};

}  // namespace remap
