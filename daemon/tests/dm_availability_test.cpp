// The messages for a missing device-mapper or target: they must say what
// is missing and what to run.
#include <gtest/gtest.h>

#include <cerrno>

#include "remap/dm_availability.hpp"

using namespace remap::dm;

TEST(DmAvailability, ControlNodeMessages)
{
	EXPECT_EQ(control_problem("/dev/mapper/control", ENOENT, false),
		  "/dev/mapper/control: No such file or directory (is device-mapper loaded? modprobe dm-mod)");
	// A stale node with no driver behind it (this host: no DM in the kernel).
	EXPECT_EQ(control_problem("/dev/mapper/control", ENODEV, false),
		  "/dev/mapper/control: No such device (is device-mapper loaded? modprobe dm-mod)");
	EXPECT_EQ(control_problem("/dev/mapper/control", EACCES, true),
		  "/dev/mapper/control: Permission denied (device-mapper needs root: CAP_SYS_ADMIN)");
	EXPECT_EQ(control_problem("/dev/mapper/control", EPERM, false),
		  "/dev/mapper/control: Operation not permitted (device-mapper needs root: CAP_SYS_ADMIN)");
	// Loaded, and some other failure: no advice that would mislead.
	EXPECT_EQ(control_problem("/dev/mapper/control", EMFILE, true),
		  "/dev/mapper/control: Too many open files");
	EXPECT_EQ(control_problem("/x/control", ENOENT, true),
		  "/x/control: No such file or directory (is device-mapper loaded? modprobe dm-mod)");
}

TEST(DmAvailability, TargetMessages)
{
	EXPECT_EQ(target_module("remap-v4"), "dm-remap-v4");
	EXPECT_EQ(target_missing_message("remap-v4", ""),
		  "kernel target remap-v4 not loaded: modprobe dm-remap-v4");
	EXPECT_EQ(target_missing_message("remap-v4", "tried it: exit 1"),
		  "kernel target remap-v4 not loaded: modprobe dm-remap-v4 (tried it: exit 1)");
}
