#include "remap/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "remap/error.hpp"
#include "remap/unique_fd.hpp"

namespace remap {

void write_file_atomically(const std::string &path, const std::string &content)
{
	std::string tmp = path + ".tmp." + std::to_string(::getpid());
	UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (fd.get() < 0)
		throw_errno("cannot create " + tmp, errno);
	std::size_t done = 0;
	while (done < content.size()) {
		ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::unlink(tmp.c_str());
			throw_errno("cannot write " + tmp, err);
		}
		done += static_cast<std::size_t>(n);
	}
	if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
		int err = errno;
		::unlink(tmp.c_str());
		throw_errno("cannot flush " + tmp, err);
	}
	if (::rename(tmp.c_str(), path.c_str()) != 0) {
		int err = errno;
		::unlink(tmp.c_str());
		throw_errno("cannot rename " + tmp + " to " + path, err);
	}
	auto slash = path.rfind('/');
	std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
	UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd.get() >= 0)
		::fsync(dfd.get());
}

}  // namespace remap
