#include "uevent_monitor.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "remap/error.hpp"

namespace remapd {

namespace {

bool udevd_running()
{
	struct stat st {};
	return ::stat("/run/udev/control", &st) == 0;
}

// The module's trigger_discovery file sends KOBJ_CHANGE on
// /kernel/dm-remap-v4/discovery with DM_REMAP_V4_EVENT=discovery.  Other
// events under /kernel/dm-remap-v4 (per-device directories coming and
// going) are not requests to rescan.
bool is_discovery_trigger(struct udev_device *dev, const char *devpath, const char *action)
{
	if (!devpath || !action || std::strcmp(action, "change") != 0)
		return false;
	const char *ev = udev_device_get_property_value(dev, "DM_REMAP_V4_EVENT");
	if (ev && std::strcmp(ev, "discovery") == 0)
		return true;
	return std::strcmp(devpath, "/kernel/dm-remap-v4") == 0 ||
	       std::strcmp(devpath, "/kernel/dm-remap-v4/discovery") == 0;
}

}  // namespace

UeventMonitor::UeventMonitor(struct udev *udev)
	: source_(udevd_running() ? "udev" : "kernel")
{
	monitor_.reset(udev_monitor_new_from_netlink(udev, source_));
	if (!monitor_)
		throw remap::Error(std::string("libudev: cannot listen to ") + source_ + " uevents");
	// Large enough for a burst of events at boot or during tests.
	udev_monitor_set_receive_buffer_size(monitor_.get(), 8 * 1024 * 1024);
	if (udev_monitor_filter_add_match_subsystem_devtype(monitor_.get(), "block", nullptr) < 0 ||
	    udev_monitor_filter_add_match_subsystem_devtype(monitor_.get(), "dm-remap-v4", nullptr) < 0)
		throw remap::Error("libudev: cannot install the uevent filter");
	if (udev_monitor_enable_receiving(monitor_.get()) < 0)
		throw remap::Error(std::string("libudev: cannot receive ") + source_ + " uevents");
}

int UeventMonitor::fd() const
{
	return udev_monitor_get_fd(monitor_.get());
}

std::optional<Uevent> UeventMonitor::receive()
{
	for (;;) {
		remap::UdevDevice dev(udev_monitor_receive_device(monitor_.get()));
		if (!dev)
			return std::nullopt;
		const char *subsystem = udev_device_get_subsystem(dev.get());
		const char *devpath = udev_device_get_devpath(dev.get());
		const char *action = udev_device_get_action(dev.get());
		Uevent ev;
		ev.action = action ? action : "";
		if (is_discovery_trigger(dev.get(), devpath, action)) {
			ev.kind = Uevent::Kind::discovery_trigger;
			return ev;
		}
		if (subsystem && std::strcmp(subsystem, "block") == 0) {
			const char *node = udev_device_get_devnode(dev.get());
			dev_t devnum = udev_device_get_devnum(dev.get());
			ev.kind = Uevent::Kind::block;
			ev.devnode = node ? node : "";
			ev.devt = std::to_string(major(devnum)) + ":" + std::to_string(minor(devnum));
			return ev;
		}
	}
}

}  // namespace remapd
