// Block-device and dm-remap-v4 uevents through a libudev monitor.
//
// With udevd running (/run/udev/control exists) the monitor listens to
// udev's processed events ("udev" netlink group), so device properties are
// in place; without udevd (initramfs, test VMs) it listens to the raw
// kernel events ("kernel" group).  Two kinds of events are kept: block
// devices (SUBSYSTEM=block) and the module's discovery request (a change
// event on /kernel/dm-remap-v4/discovery, SUBSYSTEM=dm-remap-v4, with
// DM_REMAP_V4_EVENT=discovery, sent when "scan" is written to
// /sys/kernel/dm-remap-v4/discovery/trigger_discovery).  The kernel filter
// matches both subsystems; everything else is dropped.
#pragma once

#include <optional>
#include <string>

#include "remap/udev_handles.hpp"

namespace remapd {

struct Uevent {
	enum class Kind { block, discovery_trigger };
	Kind kind = Kind::block;
	std::string action;   // add, remove, change, ...
	std::string devnode;  // block events
	std::string devt;     // "major:minor" for block events
};

class UeventMonitor {
public:
	// Starts receiving; throws Error.
	explicit UeventMonitor(struct udev *udev);

	int fd() const;
	const char *source() const { return source_; }
	// Next event of interest, or nullopt when none is queued.
	std::optional<Uevent> receive();

private:
	remap::UdevMonitor monitor_;
	const char *source_;
};

}  // namespace remapd
