// Is device-mapper usable, and is a kernel target loaded?  Turns
// libdevmapper's generic failures ("cannot create task", an EINVAL from a
// table load) into what the admin has to do: load dm-mod, run as root, or
// load the target's module.
#pragma once

#include <string>

namespace remap::dm {

// The message for a control node that cannot be opened: errno ERR of the
// open() of CONTROL, DM_IN_KERNEL whether /proc/misc lists device-mapper.
// E.g. "/dev/mapper/control: No such file or directory (is device-mapper
// loaded? modprobe dm-mod)".
std::string control_problem(const std::string &control, int err, bool dm_in_kernel);

// "kernel target remap-v4 not loaded: modprobe dm-remap-v4", plus what the
// modprobe attempt said (MODPROBE_RESULT, "" if none was made).
std::string target_missing_message(const std::string &target, const std::string &modprobe_result);

// "is dm-remap-v4 installed for kernel <uname -r>?"
std::string installed_question(const std::string &module);

// The module the kernel asks for when a table names TARGET: "dm-<target>"
// (dm_get_target_type's request_module).
std::string target_module(const std::string &target);

// Why device-mapper cannot be used, from a fresh open of the control node
// and /proc/misc; "" if the control node opens.
std::string diagnose_control();

// Throws Error unless TARGET is in the kernel's target list
// (DM_DEVICE_LIST_VERSIONS).  Missing, it first runs `modprobe -q
// dm-<target>` once, as lvm2 does for its targets and as the kernel itself
// would on the table load, then looks again.  Writes nothing anywhere.
// For remapctl create only: remapd's unit has ProtectKernelModules=yes, so
// it could not run modprobe, and it need not: it writes nothing before the
// table load, whose request_module() the sandbox does not restrict.
void require_target(const std::string &target);

}  // namespace remap::dm
