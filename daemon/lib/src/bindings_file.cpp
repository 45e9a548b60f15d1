#include "remap/bindings_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "remap/atomic_file.hpp"

namespace remap {

namespace {

class LockFile {
public:
	explicit LockFile(const std::string &path)
	{
		fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd_ < 0)
			throw_errno("cannot open " + path, errno);
		while (::flock(fd_, LOCK_EX) != 0) {
			if (errno != EINTR) {
				int err = errno;
				::close(fd_);
				throw_errno("cannot lock " + path, err);
			}
		}
	}
	~LockFile() { ::close(fd_); }  // releases the lock
	LockFile(const LockFile &) = delete;
	LockFile &operator=(const LockFile &) = delete;

private:
	int fd_ = -1;
};

void make_parent_dir(const std::string &path)
{
	auto slash = path.rfind('/');
	if (slash == std::string::npos || slash == 0)
		return;
	std::string dir = path.substr(0, slash);
	if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
		throw_errno("cannot create " + dir, errno);
}

}  // namespace

std::string bindings_path()
{
	const char *env = std::getenv("DM_REMAP_BINDINGS");
	return env && *env ? std::string(env) : std::string(kDefaultBindingsPath);
}

BindingsParse load_bindings(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return {};
		throw_errno("cannot read " + path, errno);
	}
	std::string text;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::close(fd);
			throw_errno("cannot read " + path, err);
		}
		if (n == 0)
			break;
		text.append(buf, static_cast<std::size_t>(n));
	}
	::close(fd);
	return parse_bindings(text, path);
}

bool update_bindings(const std::string &path, const std::function<bool(std::vector<Binding> &)> &change)
{
	make_parent_dir(path);
	LockFile lock(path + ".lock");
	BindingsParse current = load_bindings(path);
	if (!current.problems.empty())
		throw Error(current.problems.front() + " (fix or remove the line; " +
			    std::to_string(current.problems.size()) +
			    " bad line(s), the file is left as it is)");
	if (!change(current.entries))
		return false;
	write_file_atomically(path, render_bindings(current.entries));
	return true;
}

}  // namespace remap
