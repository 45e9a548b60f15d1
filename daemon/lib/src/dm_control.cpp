#include "remap/dm_control.hpp"

#include <libdevmapper.h>

#include <spdlog/spdlog.h>

#include "remap/dm_availability.hpp"
#include "remap/dm_task.hpp"
#include "remap/error.hpp"

namespace remap::dm {

namespace {

std::vector<TargetLine> targets_of(const DmTask &task)
{
	std::vector<TargetLine> out;
	void *next = nullptr;
	do {
		std::uint64_t start = 0, length = 0;
		char *type = nullptr, *params = nullptr;
		next = dm_get_next_target(task.get(), next, &start, &length, &type, &params);
		if (type)
			out.push_back({start, length, type, params ? params : ""});
	} while (next);
	return out;
}

std::vector<TargetLine> targets(int type, const std::string &name, const char *what)
{
	DmTask task(type);
	task.set_name(name);
	task.run(std::string(what) + " " + name);
	struct dm_info di {};
	if (!dm_task_get_info(task.get(), &di) || !di.exists)
		throw Error("device-mapper device '" + name + "' does not exist");
	return targets_of(task);
}

// Runs a task that creates or removes nodes, with a udev cookie.
void run_with_cookie(DmTask &task, const std::string &what)
{
	std::uint32_t cookie = 0;
	if (!dm_task_set_cookie(task.get(), &cookie, 0))
		throw Error(what + ": cannot set up udev synchronisation");
	std::string error;
	bool ok = task.try_run(error);
	// Always wait: it also releases the cookie and applies node changes.
	if (!dm_udev_wait(cookie))
		spdlog::debug("{}: waiting for udev failed", what);
	if (!ok)
		throw Error(what + ": " + error);
}

}  // namespace

std::vector<std::string> list_names()
{
	DmTask task(DM_DEVICE_LIST);
	task.run("list device-mapper devices");
	std::vector<std::string> out;
	struct dm_names *names = dm_task_get_names(task.get());
	if (!names || !names->dev)
		return out;
	unsigned int next = 0;
	do {
		names = reinterpret_cast<struct dm_names *>(reinterpret_cast<char *>(names) + next);
		out.emplace_back(names->name);
		next = names->next;
	} while (next);
	return out;
}

std::optional<DeviceInfo> info(const std::string &name)
{
	DmTask task(DM_DEVICE_INFO);
	task.set_name(name);
	task.run("info " + name);
	struct dm_info di {};
	if (!dm_task_get_info(task.get(), &di))
		throw Error("info " + name + ": no result");
	if (!di.exists)
		return std::nullopt;
	DeviceInfo out;
	out.name = name;
	const char *uuid = dm_task_get_uuid(task.get());
	out.uuid = uuid ? uuid : "";
	out.major = static_cast<std::uint32_t>(di.major);
	out.minor = static_cast<std::uint32_t>(di.minor);
	out.suspended = di.suspended != 0;
	out.open_count = static_cast<std::uint32_t>(di.open_count);
	return out;
}

std::vector<TargetLine> status(const std::string &name)
{
	return targets(DM_DEVICE_STATUS, name, "status");
}

std::vector<TargetLine> table(const std::string &name)
{
	return targets(DM_DEVICE_TABLE, name, "table");
}

void create(const std::string &name, const std::string &uuid,
	    const std::vector<TargetLine> &lines)
{
	DmTask task(DM_DEVICE_CREATE);
	task.set_name(name);
	if (!uuid.empty() && !dm_task_set_uuid(task.get(), uuid.c_str()))
		throw Error("create " + name + ": invalid uuid '" + uuid + "'");
	for (const auto &t : lines)
		if (!dm_task_add_target(task.get(), t.start, t.length, t.type.c_str(),
					t.params.c_str()))
			throw Error("create " + name + ": cannot add target");
	try {
		run_with_cookie(task, "create " + name);
	} catch (const Error &) {
		// The kernel answers a table naming an unknown target with a bare
		// EINVAL (after its own request_module("dm-<target>") failed); say
		// which target is missing instead.
		for (const auto &t : lines)
			if (!target_version(t.type))
				throw Error("create " + name + ": " +
					    target_missing_message(t.type, "the kernel could not load it for the table; " +
										   installed_question(target_module(t.type))));
		throw;
	}
}

void remove(const std::string &name)
{
	DmTask task(DM_DEVICE_REMOVE);
	task.set_name(name);
	dm_task_retry_remove(task.get());
	run_with_cookie(task, "remove " + name);
}

void load(const std::string &name, const std::vector<TargetLine> &lines)
{
	DmTask task(DM_DEVICE_RELOAD);
	task.set_name(name);
	for (const auto &t : lines)
		if (!dm_task_add_target(task.get(), t.start, t.length, t.type.c_str(),
					t.params.c_str()))
			throw Error("load " + name + ": cannot add target");
	task.run("load a table into " + name);
}

void suspend(const std::string &name)
{
	DmTask task(DM_DEVICE_SUSPEND);
	task.set_name(name);
	task.run("suspend " + name);
}

void resume(const std::string &name)
{
	DmTask task(DM_DEVICE_RESUME);
	task.set_name(name);
	run_with_cookie(task, "resume " + name);
}

void clear(const std::string &name)
{
	DmTask task(DM_DEVICE_CLEAR);
	task.set_name(name);
	task.run("clear the inactive table of " + name);
}

std::string message(const std::string &name, std::uint64_t sector, const std::string &msg)
{
	DmTask task(DM_DEVICE_TARGET_MSG);
	task.set_name(name);
	if (!dm_task_set_sector(task.get(), sector) || !dm_task_set_message(task.get(), msg.c_str()))
		throw Error("message " + name + ": cannot build the request");
	task.run("message '" + msg + "' to " + name);
	const char *resp = dm_task_get_message_response(task.get());
	return resp ? resp : "";
}

std::optional<std::string> target_version(const std::string &target)
{
	DmTask task(DM_DEVICE_LIST_VERSIONS);
	task.run("list target versions");
	struct dm_versions *v = dm_task_get_versions(task.get());
	if (!v)
		return std::nullopt;
	unsigned int next = 0;
	do {
		v = reinterpret_cast<struct dm_versions *>(reinterpret_cast<char *>(v) + next);
		if (target == v->name)
			return std::to_string(v->version[0]) + "." + std::to_string(v->version[1]) +
			       "." + std::to_string(v->version[2]);
		next = v->next;
	} while (next);
	return std::nullopt;
}

}  // namespace remap::dm
