// A file descriptor closed by its destructor (RAII), for the few places
// that use raw open(2) (O_DIRECTORY syncs, libblkid's set_device).
#pragma once

#include <unistd.h>

namespace remap {

class UniqueFd {
public:
	explicit UniqueFd(int fd) : fd_(fd) {}
	~UniqueFd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	int get() const { return fd_; }
	// Hand the descriptor over (to be closed by the caller, who checks close(2)).
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

private:
	int fd_;
};

}  // namespace remap
