#include "remap/block_device.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"
#include "remap/udev_handles.hpp"

namespace remap {

namespace {

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
		s.pop_back();
	std::size_t i = 0;
	while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return s.substr(i);
}

std::string sysattr(struct udev_device *dev, const char *name)
{
	const char *v = udev_device_get_sysattr_value(dev, name);
	return v ? trim(v) : std::string();
}

std::string property(struct udev_device *dev, const char *name)
{
	const char *v = udev_device_get_property_value(dev, name);
	return v ? trim(v) : std::string();
}

// First non-empty of a udev property and sysfs attributes.
std::string first_of(struct udev_device *dev, const char *prop,
		     std::initializer_list<const char *> attrs)
{
	std::string v = prop ? property(dev, prop) : std::string();
	for (const char *a : attrs) {
		if (!v.empty())
			break;
		v = sysattr(dev, a);
	}
	return v;
}

bool dir_has_entries(const std::string &path)
{
	DIR *d = opendir(path.c_str());
	if (!d)
		return false;
	bool any = false;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] != '.') {
			any = true;
			break;
		}
	}
	closedir(d);
	return any;
}

}  // namespace

std::string BlockDevice::devt_text() const
{
	return std::to_string(major(devnum)) + ":" + std::to_string(minor(devnum));
}

BlockDevice describe_block_device(struct udev_device *dev, IdentitySource source)
{
	bool props = source == IdentitySource::udev_then_sysfs;
	BlockDevice b;
	const char *sysname = udev_device_get_sysname(dev);
	const char *node = udev_device_get_devnode(dev);
	b.sysname = sysname ? sysname : "";
	b.devnode = node ? node : "";
	b.devnum = udev_device_get_devnum(dev);
	b.sectors = parse_u64(sysattr(dev, "size")).value_or(0);
	b.read_only = sysattr(dev, "ro") == "1";

	// Partitions have no queue/: take the disk's.
	struct udev_device *disk = dev;
	const char *devtype = udev_device_get_devtype(dev);
	bool partition = devtype && std::string(devtype) == "partition";
	if (partition) {
		struct udev_device *parent =
			udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");
		if (parent)
			disk = parent;  // owned by dev
		b.identity.partition =
			static_cast<unsigned int>(parse_u64(sysattr(dev, "partition")).value_or(0));
	}
	b.logical_block_size = static_cast<std::uint32_t>(
		parse_u64(sysattr(disk, "queue/logical_block_size")).value_or(512));
	const char *syspath = udev_device_get_syspath(dev);
	b.has_holders = syspath && dir_has_entries(std::string(syspath) + "/holders");

	DeviceIdentity &id = b.identity;
	id.sectors = b.sectors;
	id.logical_block_size = b.logical_block_size;
	id.wwn = props ? first_of(disk, "ID_WWN_WITH_EXTENSION", {}) : std::string();
	if (id.wwn.empty())
		id.wwn = first_of(disk, props ? "ID_WWN" : nullptr, {"wwid", "device/wwid"});
	id.serial = first_of(disk, props ? "ID_SERIAL_SHORT" : nullptr, {"serial", "device/serial"});
	if (id.serial.empty() && props)
		id.serial = property(disk, "ID_SERIAL");
	id.model = first_of(disk, props ? "ID_MODEL" : nullptr, {"device/model"});
	if (b.sysname.rfind("loop", 0) == 0)
		id.loop_backing_file = sysattr(dev, "loop/backing_file");
	if (b.sysname.rfind("dm-", 0) == 0) {
		id.dm_uuid = sysattr(dev, "dm/uuid");
		id.dm_name = sysattr(dev, "dm/name");
	}
	return b;
}

std::vector<BlockDevice> enumerate_block_devices(struct udev *udev)
{
	UdevEnumerate en(udev_enumerate_new(udev));
	if (!en)
		throw Error("libudev: cannot enumerate devices");
	udev_enumerate_add_match_subsystem(en.get(), "block");
	if (udev_enumerate_scan_devices(en.get()) < 0)
		throw Error("libudev: scanning block devices failed");
	std::vector<BlockDevice> out;
	struct udev_list_entry *entry;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(en.get()))
	{
		UdevDevice dev(udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry)));
		if (!dev || !udev_device_get_devnode(dev.get()))
			continue;
		out.push_back(describe_block_device(dev.get()));
	}
	std::sort(out.begin(), out.end(),
		  [](const BlockDevice &a, const BlockDevice &b) { return a.devnode < b.devnode; });
	return out;
}

std::optional<BlockDevice> block_device_at(struct udev *udev, const std::string &path,
					   IdentitySource source)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		throw_errno("cannot stat " + path, errno);
	if (!S_ISBLK(st.st_mode))
		return std::nullopt;
	UdevDevice dev(udev_device_new_from_devnum(udev, 'b', st.st_rdev));
	if (!dev)
		throw Error("libudev does not know block device " + path);
	return describe_block_device(dev.get(), source);
}

std::optional<BlockDevice> block_device_by_devt(struct udev *udev, const std::string &devt)
{
	auto colon = devt.find(':');
	if (colon == std::string::npos)
		return std::nullopt;
	auto ma = parse_u64(std::string_view(devt).substr(0, colon));
	auto mi = parse_u64(std::string_view(devt).substr(colon + 1));
	if (!ma || !mi)
		return std::nullopt;
	UdevDevice dev(udev_device_new_from_devnum(
		udev, 'b', makedev(static_cast<unsigned int>(*ma), static_cast<unsigned int>(*mi))));
	if (!dev)
		return std::nullopt;
	return describe_block_device(dev.get());
}

}  // namespace remap
