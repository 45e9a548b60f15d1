#include "device_resolve.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cli.hpp"

namespace remapctl {

// Nothing may hold DEV open exclusively: a mounted file system, swap, md,
// LVM or a device-mapper table.  Asked before anything is written, so a
// refusal leaves the spare, the bindings file and the main's udev state as
// they were (the kernel's table load would refuse it too, but only after
// the spare was formatted and the main claimed).
void require_unused(const std::string &dev, const char *role)
{
	int fd = ::open(dev.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EBUSY)
			throw remap::RefusedError(std::string(role) + " " + dev +
						  " is in use (mounted, swap, or held by another device or program); "
						  "nothing was changed");
		throw remap::Error(std::string("cannot open ") + role + " " + dev + ": " +
				   remap::errno_text(errno));
	}
	::close(fd);
}

remap::BlockDevice require_block_device(struct udev *udev, const std::string &path,
					const char *role)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		throw UsageError(std::string(role) + " " + path + ": no such device");
	auto b = remap::block_device_at(udev, path);
	if (!b)
		throw UsageError(std::string(role) + " " + path + " is not a block device");
	b->devnode = path;  // keep the name the user gave (symlinks stay readable)
	return *b;
}

remap::json_out::DevicePaths device_paths(struct udev *udev, const remap::RemapDevice &d)
{
	remap::json_out::DevicePaths p;
	if (auto m = remap::block_device_by_devt(udev, d.table.main))
		p.main = m->devnode;
	if (auto s = remap::block_device_by_devt(udev, d.table.spare))
		p.spare = s->devnode;
	return p;
}

std::string active_user_of(const std::string &devt)
{
	for (const auto &d : remap::read_all_remap_devices())
		if (d.table.main == devt || d.table.spare == devt)
			return d.name;
	return "";
}

}  // namespace remapctl
