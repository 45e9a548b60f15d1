#include "remap/dm_availability.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdevmapper.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

#include "remap/dm_control.hpp"
#include "remap/error.hpp"

extern char **environ;

namespace remap::dm {

namespace {

bool proc_misc_has_dm()
{
	std::ifstream in("/proc/misc");
	std::string minor, name;
	while (in >> minor >> name)
		if (name == "device-mapper")
			return true;
	return false;
}

// Runs `modprobe -q MODULE` (stdin, stdout and stderr to /dev/null);
// returns "" on success, else a short reason.
std::string run_modprobe(const std::string &module)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int fd : {0, 1, 2})
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	std::vector<std::string> args = {"modprobe", "-q", module};
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	pid_t pid = 0;
	int rc = ::posix_spawnp(&pid, "modprobe", &fa, nullptr, argv.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return "modprobe could not be run: " + errno_text(rc);
	int st = 0;
	while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return "";
	return (WIFEXITED(st) ? "tried it: exit " + std::to_string(WEXITSTATUS(st)) : std::string("tried it: killed")) +
	       "; " + installed_question(module);
}

}  // namespace

std::string installed_question(const std::string &module)
{
	struct utsname u {};
	::uname(&u);
	return "is " + module + " installed for kernel " + u.release + "?";
}

std::string control_problem(const std::string &control, int err, bool dm_in_kernel)
{
	std::string msg = control + ": " + errno_text(err);
	if (err == EACCES || err == EPERM)
		return msg + " (device-mapper needs root: CAP_SYS_ADMIN)";
	if (!dm_in_kernel || err == ENOENT || err == ENODEV || err == ENXIO)
		return msg + " (is device-mapper loaded? modprobe dm-mod)";
	return msg;
}

std::string target_module(const std::string &target)
{
	return "dm-" + target;
}

std::string target_missing_message(const std::string &target, const std::string &modprobe_result)
{
	std::string msg = "kernel target " + target + " not loaded: modprobe " + target_module(target);
	if (!modprobe_result.empty())
		msg += " (" + modprobe_result + ")";
	return msg;
}

std::string diagnose_control()
{
	std::string control = std::string(dm_dir()) + "/control";
	int fd = ::open(control.c_str(), O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		::close(fd);
		return "";
	}
	return control_problem(control, errno, proc_misc_has_dm());
}

void require_target(const std::string &target)
{
	if (target_version(target))
		return;
	std::string tried = run_modprobe(target_module(target));
	if (tried.empty() && target_version(target))
		return;
	throw Error(target_missing_message(target, tried.empty() ? "tried it: the module loaded but registered no such target" : tried));
}

}  // namespace remap::dm
