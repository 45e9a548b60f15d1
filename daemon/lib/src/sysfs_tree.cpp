#include "remap/sysfs_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

SysfsTree::SysfsTree(std::string root) : root_(std::move(root)) {}

bool SysfsTree::present() const
{
	struct stat st {};
	return ::stat(root_.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> SysfsTree::read(const std::string &rel) const
{
	std::ifstream in(root_ + "/" + rel);
	if (!in)
		return std::nullopt;
	std::ostringstream s;
	s << in.rdbuf();
	std::string v = s.str();
	while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
		v.pop_back();
	return v;
}

bool SysfsTree::write(const std::string &rel, const std::string &value) const
{
	std::string path = root_ + "/" + rel;
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return false;
		throw_errno("cannot open " + path, errno);
	}
	ssize_t n = ::write(fd, value.data(), value.size());
	int err = errno;
	::close(fd);
	if (n != static_cast<ssize_t>(value.size()))
		throw_errno("cannot write '" + value + "' to " + path, n < 0 ? err : EIO);
	return true;
}

std::optional<bool> SysfsTree::auto_discovery() const
{
	auto v = read("discovery/auto_discovery");
	if (!v)
		return std::nullopt;
	if (*v == "1")
		return true;
	if (*v == "0")
		return false;
	return std::nullopt;
}

std::optional<unsigned int> SysfsTree::health_threshold() const
{
	auto v = read("health/health_threshold");
	if (!v)
		return std::nullopt;
	auto n = parse_u64_in(*v, 0, 100);
	if (!n)
		return std::nullopt;
	return static_cast<unsigned int>(*n);
}

bool SysfsTree::trigger_discovery() const
{
	return write("discovery/trigger_discovery", "scan");
}

bool SysfsTree::trigger_health_scan() const
{
	return write("health/trigger_health_scan", "scan");
}

std::map<std::string, std::string> SysfsTree::stats() const
{
	std::map<std::string, std::string> out;
	DIR *d = ::opendir((root_ + "/stats").c_str());
	if (!d)
		return out;
	while (struct dirent *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		if (auto v = read(std::string("stats/") + e->d_name))
			out[e->d_name] = *v;
	}
	::closedir(d);
	return out;
}

}  // namespace remap
