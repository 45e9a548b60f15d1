// Device-mapper control through libdevmapper: list, info, status, table,
// create, remove, message.  Create and remove use udev cookies
// (dm_task_set_cookie + dm_udev_wait) so /dev/mapper nodes exist (or are
// gone) when they return; with DM_DISABLE_UDEV=1 libdevmapper manages the
// nodes itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace remap::dm {

struct DeviceInfo {
	std::string name;
	std::string uuid;  // DM UUID, may be empty
	std::uint32_t major = 0;
	std::uint32_t minor = 0;
	bool suspended = false;
	std::uint32_t open_count = 0;
};

struct TargetLine {
	std::uint64_t start = 0;
	std::uint64_t length = 0;
	std::string type;
	std::string params;
};

std::vector<std::string> list_names();
std::optional<DeviceInfo> info(const std::string &name);
std::vector<TargetLine> status(const std::string &name);
std::vector<TargetLine> table(const std::string &name);
void create(const std::string &name, const std::string &uuid,
	    const std::vector<TargetLine> &targets);
void remove(const std::string &name);
// dmsetup load NAME (the inactive table), suspend, resume (with a udev
// cookie: resume changes the node's contents), clear (drop the inactive table).
void load(const std::string &name, const std::vector<TargetLine> &targets);
void suspend(const std::string &name);
void resume(const std::string &name);
void clear(const std::string &name);
// dmsetup message NAME SECTOR MESSAGE; returns the target's response.
std::string message(const std::string &name, std::uint64_t sector, const std::string &msg);
// Versions of the loaded targets, e.g. {"remap-v4", "4.0.0"}.
std::optional<std::string> target_version(const std::string &target);

}  // namespace remap::dm
