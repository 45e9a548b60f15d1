#include "remap/dm_task.hpp"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <utility>

#include "remap/dm_availability.hpp"
#include "remap/error.hpp"

namespace remap {

namespace {

// libdevmapper log levels (lvm's _LOG_* values; not in the public header).
constexpr int kLogLevelMask = 0x7;
constexpr int kLogErr = 3;
constexpr int kLogWarn = 4;

thread_local std::string t_last_error;

extern "C" void devmapper_log(int level, const char *file, int line, int dm_errno_or_class,
			      const char *f, ...) __attribute__((format(printf, 5, 6)));

extern "C" void devmapper_log(int level, const char *file, int line, int dm_errno_or_class,
			      const char *f, ...)
{
	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	std::vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	int lvl = level & kLogLevelMask;
	if (lvl <= kLogErr) {
		t_last_error = buf;
		spdlog::debug("libdevmapper: {}", buf);
	} else if (lvl == kLogWarn) {
		spdlog::debug("libdevmapper warning: {}", buf);
	} else {
		spdlog::trace("libdevmapper: {}", buf);
	}
}

}  // namespace

void init_devmapper()
{
	static std::once_flag once;
	std::call_once(once, [] {
		dm_log_with_errno_init(devmapper_log);
		// Wait for udev on create/remove; libdevmapper turns this off by
		// itself when DM_DISABLE_UDEV=1 is set (it then makes the nodes).
		dm_udev_set_sync_support(1);
	});
}

const std::string &last_devmapper_error()
{
	return t_last_error;
}

void clear_devmapper_error()
{
	t_last_error.clear();
}

DmTask::DmTask(int type) : task_(nullptr)
{
	init_devmapper();
	clear_devmapper_error();
	task_ = dm_task_create(type);
	if (task_)
		return;
	// dm_task_create() also opens the control node and checks the kernel's
	// ioctl version: nearly always the reason, not memory.
	std::string why = dm::diagnose_control();
	if (why.empty())
		why = last_devmapper_error().empty() ? "libdevmapper: cannot create a task"
						     : "libdevmapper: " + last_devmapper_error();
	throw Error(why);
}

DmTask::~DmTask()
{
	if (task_)
		dm_task_destroy(task_);
}

DmTask::DmTask(DmTask &&other) noexcept : task_(std::exchange(other.task_, nullptr)) {}

DmTask &DmTask::operator=(DmTask &&other) noexcept
{
	if (this != &other) {
		if (task_)
			dm_task_destroy(task_);
		task_ = std::exchange(other.task_, nullptr);
	}
	return *this;
}

void DmTask::set_name(const std::string &name)
{
	if (!dm_task_set_name(task_, name.c_str()))
		throw Error("invalid device-mapper name '" + name + "'");
}

bool DmTask::try_run(std::string &error)
{
	clear_devmapper_error();
	if (dm_task_run(task_))
		return true;
	error = last_devmapper_error();
	int err = dm_task_get_errno(task_);
	if (error.empty())
		error = err ? errno_text(err) : "device-mapper ioctl failed";
	return false;
}

void DmTask::run(const std::string &what)
{
	std::string error;
	if (!try_run(error))
		throw Error(what + ": " + error);
}

}  // namespace remap
