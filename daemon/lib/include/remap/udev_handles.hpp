// RAII owners for libudev handles (each unref'd exactly once).
#pragma once

#include <libudev.h>

#include <memory>

namespace remap {

struct UdevUnref {
	void operator()(struct udev *p) const { udev_unref(p); }
	void operator()(struct udev_enumerate *p) const { udev_enumerate_unref(p); }
	void operator()(struct udev_monitor *p) const { udev_monitor_unref(p); }
	void operator()(struct udev_device *p) const { udev_device_unref(p); }
};

using UdevContext = std::unique_ptr<struct udev, UdevUnref>;
using UdevEnumerate = std::unique_ptr<struct udev_enumerate, UdevUnref>;
using UdevMonitor = std::unique_ptr<struct udev_monitor, UdevUnref>;
using UdevDevice = std::unique_ptr<struct udev_device, UdevUnref>;

// A new libudev context; throws Error if libudev fails.
UdevContext make_udev();

}  // namespace remap
