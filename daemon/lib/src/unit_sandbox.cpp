#include "remap/unit_sandbox.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "remap/error.hpp"

namespace remap {

namespace {

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

bool starts_with(std::string_view s, std::string_view p)
{
	return s.substr(0, p.size()) == p;
}

// Settings of the service itself, not of its execution environment: a
// transient unit made for one hook run must not get them (RuntimeDirectory=
// would even remove remapd's /run/remapd when the run ends).
bool lifecycle_key(std::string_view key)
{
	static constexpr std::array<std::string_view, 18> exact = {
		"Type", "NotifyAccess", "PIDFile", "RemainAfterExit", "GuessMainPID", "BusName",
		"KillMode", "KillSignal", "SuccessExitStatus", "RestartPreventExitStatus",
		"RestartForceExitStatus", "FileDescriptorStoreMax", "Sockets", "OOMPolicy",
		"USBFunctionDescriptors", "USBFunctionStrings", "PermissionsStartOnly", "RootDirectoryStartOnly"};
	for (auto e : exact)
		if (key == e)
			return true;
	// ExecStart=, ExecReload=, Restart=, RestartSec=, WatchdogSec=,
	// TimeoutStopSec=, RuntimeDirectory=, RuntimeMaxSec=, ...
	for (std::string_view p : {"Exec", "Restart", "Watchdog", "Timeout", "Runtime", "StartLimit"})
		if (starts_with(key, p))
			return true;
	return false;
}

}  // namespace

std::vector<std::string> unit_sandbox_settings(std::string_view text)
{
	std::vector<std::string> out;
	bool in_service = false;
	std::string pending;  // a line continued with a backslash
	std::size_t pos = 0;
	while (pos <= text.size()) {
		auto nl = text.find('\n', pos);
		std::string_view raw = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
		pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
		std::string_view line = trim(raw);
		if (pending.empty() && (line.empty() || line.front() == '#' || line.front() == ';'))
			continue;
		if (!pending.empty() && !line.empty() && (line.front() == '#' || line.front() == ';'))
			continue;  // a comment inside a continued line is skipped
		if (!line.empty() && line.back() == '\\') {
			line.remove_suffix(1);
			pending += std::string(line) + " ";
			continue;
		}
		std::string full = pending + std::string(line);
		pending.clear();
		if (full.empty())
			continue;
		if (full.front() == '[') {
			in_service = full == "[Service]";
			continue;
		}
		if (!in_service)
			continue;
		auto eq = full.find('=');
		if (eq == std::string::npos)
			continue;
		std::string key(trim(std::string_view(full).substr(0, eq)));
		std::string value(trim(std::string_view(full).substr(eq + 1)));
		if (key.empty() || lifecycle_key(key))
			continue;
		out.push_back(key + "=" + value);
	}
	return out;
}

std::vector<std::string> systemd_run_command(const std::string &systemd_run,
					     const std::vector<std::string> &settings,
					     const std::map<std::string, std::string> &env,
					     const std::vector<std::string> &command, unsigned timeout_s,
					     const std::string &description)
{
	std::vector<std::string> argv = {systemd_run,
					 "--wait",
					 "--pipe",
					 "--collect",
					 "--quiet",
					 "--no-ask-password",
					 "--service-type=exec",
					 "--description=" + description,
					 "-p",
					 "RuntimeMaxSec=" + std::to_string(timeout_s),
					 // An MTA's sendmail may fork the delivery and exit (exim):
					 // the delivery must outlive the transient unit's main process.
					 "-p",
					 "KillMode=process"};
	for (const auto &s : settings) {
		argv.push_back("-p");
		argv.push_back(s);
	}
	for (const auto &[k, v] : env) {
		argv.push_back("-E");
		argv.push_back(k + "=" + v);
	}
	argv.push_back("--");
	argv.insert(argv.end(), command.begin(), command.end());
	return argv;
}

std::string program_problem(const std::string &path)
{
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		return errno_text(errno);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (::access(path.c_str(), X_OK) != 0)
		return "not executable";
	return "";
}

std::string no_mta_message(const std::string &sendmail)
{
	auto why = program_problem(sendmail);
	if (why.empty())
		return "";
	return "mail_to is set but " + sendmail + " cannot be run (" + why +
	       "): no local MTA: mail alerts disabled, install an MTA (e.g. exim4-daemon-light, "
	       "postfix, nullmailer) or set a hook";
}

}  // namespace remap
