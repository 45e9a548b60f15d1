#include "remap/device_file.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "remap/error.hpp"

namespace remap {

DeviceFile::DeviceFile(const std::string &path, Mode mode) : path_(path)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		throw_errno("cannot open " + path, errno);
	block_ = S_ISBLK(st.st_mode);
	if (!block_ && !S_ISREG(st.st_mode))
		throw Error(path + " is neither a block device nor a regular file");
	int flags = O_CLOEXEC | O_DIRECT | (mode == Mode::read ? O_RDONLY : O_RDWR);
	if (block_ && mode == Mode::write)
		flags |= O_EXCL;
	fd_ = ::open(path.c_str(), flags);
	if (fd_ < 0 && errno == EINVAL && !block_)
		fd_ = ::open(path.c_str(), flags & ~O_DIRECT);
	if (fd_ < 0) {
		int err = errno;
		if (err == EBUSY)
			throw RefusedError(path + " is in use (mounted, or held by a device-mapper or md device)");
		throw_errno("cannot open " + path, err);
	}
	if (block_) {
		std::uint64_t bytes = 0;
		int lbs = 512;
		if (ioctl(fd_, BLKGETSIZE64, &bytes) != 0 || ioctl(fd_, BLKSSZGET, &lbs) != 0) {
			int err = errno;
			::close(fd_);
			throw_errno("cannot read the size of " + path, err);
		}
		sectors_ = bytes / 512;
		lbs_ = static_cast<std::uint32_t>(lbs);
	} else {
		sectors_ = static_cast<std::uint64_t>(st.st_size) / 512;
	}
}

DeviceFile::~DeviceFile()
{
	if (fd_ >= 0)
		::close(fd_);
}

void DeviceFile::read_at(std::uint64_t sector, void *buf, std::size_t len) const
{
	std::size_t done = 0;
	while (done < len) {
		ssize_t n = ::pread(fd_, static_cast<char *>(buf) + done, len - done,
				    static_cast<off_t>(sector * 512 + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw_errno("read " + path_ + " at sector " + std::to_string(sector), errno);
		if (n == 0)
			throw Error("read " + path_ + " at sector " + std::to_string(sector) +
				    ": unexpected end of device");
		done += static_cast<std::size_t>(n);
	}
}

void DeviceFile::write_at(std::uint64_t sector, const void *buf, std::size_t len)
{
	std::size_t done = 0;
	while (done < len) {
		ssize_t n = ::pwrite(fd_, static_cast<const char *>(buf) + done, len - done,
				     static_cast<off_t>(sector * 512 + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw_errno("write " + path_ + " at sector " + std::to_string(sector),
				    n < 0 ? errno : EIO);
		done += static_cast<std::size_t>(n);
	}
}

void DeviceFile::sync()
{
	if (::fdatasync(fd_) != 0)
		throw_errno("fdatasync " + path_, errno);
}

}  // namespace remap
