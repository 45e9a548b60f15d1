#include "device_resolve.hpp"

#include <sys/stat.h>

#include "cli.hpp"

namespace remapctl {

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
