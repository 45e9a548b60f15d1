#include "dm_event_watch.hpp"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "remap/error.hpp"

namespace remapd {

namespace {

constexpr const char *kControl = "/dev/mapper/control";

// DM_DEV_ARM_POLL on fd: 0 or -errno.
int arm_poll(int fd)
{
	struct dm_ioctl io;
	std::memset(&io, 0, sizeof(io));
	io.version[0] = DM_VERSION_MAJOR;
	io.version[1] = 0;
	io.version[2] = 0;
	io.data_size = sizeof(io);
	io.data_start = sizeof(io);
	return ::ioctl(fd, DM_DEV_ARM_POLL, &io) == 0 ? 0 : -errno;
}

}  // namespace

DmEventWatch::DmEventWatch()
{
	int fd = ::open(kControl, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		why_ = std::string(kControl) + ": " + remap::errno_text(errno);
		return;
	}
	if (int r = arm_poll(fd); r < 0) {
		why_ = std::string("DM_DEV_ARM_POLL on ") + kControl + ": " + remap::errno_text(-r) +
		       " (kernel older than 4.14?)";
		::close(fd);
		return;
	}
	fd_ = fd;
}

DmEventWatch::~DmEventWatch()
{
	if (fd_ >= 0)
		::close(fd_);
}

void DmEventWatch::arm()
{
	if (fd_ >= 0)
		arm_poll(fd_);  // cannot fail once it worked: same fd, same ioctl
}

}  // namespace remapd
