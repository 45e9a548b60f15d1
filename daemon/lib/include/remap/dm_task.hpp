// RAII owner of one libdevmapper struct dm_task.
#pragma once

#include <libdevmapper.h>

#include <string>

namespace remap {

class DmTask {
public:
	// Throws Error if libdevmapper cannot allocate the task.
	explicit DmTask(int type);
	~DmTask();
	DmTask(const DmTask &) = delete;
	DmTask &operator=(const DmTask &) = delete;
	DmTask(DmTask &&other) noexcept;
	DmTask &operator=(DmTask &&other) noexcept;

	struct dm_task *get() const { return task_; }

	void set_name(const std::string &name);
	// Runs the ioctl; throws Error with libdevmapper's last message on failure.
	void run(const std::string &what);
	// Like run() but returns false (and the error text) instead of throwing.
	bool try_run(std::string &error);

private:
	struct dm_task *task_;
};

// Routes libdevmapper's log into spdlog (debug) and remembers the last
// error line of this thread.  Idempotent; also enables udev sync support.
void init_devmapper();

// The last error line libdevmapper logged in this thread ("" if none);
// cleared by clear_devmapper_error().
const std::string &last_devmapper_error();
void clear_devmapper_error();

}  // namespace remap
