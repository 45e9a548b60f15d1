// Wake-ups from device-mapper events, so an alert does not wait for the
// next poll.  The remap-v4 target raises a dm event (dm_table_event) when
// its remaps or pending blocks change, a read fails for its caller, its
// mode changes or its main device fails; poll() on /dev/mapper/control
// reports POLLIN once any dm device's event counter moved since the fd was
// last armed (DM_DEV_ARM_POLL, Linux 4.14+).  The event says only "some dm
// device changed": the daemon then reads every remap device's status.
// Without /dev/mapper/control (or on an older kernel) fd() is -1 and the
// daemon keeps polling at poll_interval_s alone.
#pragma once

#include <string>

namespace remapd {

class DmEventWatch {
public:
	DmEventWatch();
	~DmEventWatch();
	DmEventWatch(const DmEventWatch &) = delete;
	DmEventWatch &operator=(const DmEventWatch &) = delete;

	int fd() const { return fd_; }
	// Why fd() is -1 ("" when it is not).
	const std::string &unavailable_reason() const { return why_; }
	// Re-arm after POLLIN: the next event after this call wakes poll() again.
	// Call it before reading the statuses, so no event is lost in between.
	void arm();

private:
	int fd_ = -1;
	std::string why_;
};

}  // namespace remapd
