#include "hook_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "remap/error.hpp"

extern char **environ;

namespace remapd {

namespace {

constexpr std::size_t kMaxQueued = 64;

// posix_spawn attributes and file actions with RAII.
class SpawnSetup {
public:
	SpawnSetup()
	{
		posix_spawnattr_init(&attr_);
		posix_spawn_file_actions_init(&actions_);
		sigset_t none, defaults;
		sigemptyset(&none);
		sigemptyset(&defaults);
		for (int s : {SIGHUP, SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGQUIT})
			sigaddset(&defaults, s);
		posix_spawnattr_setsigmask(&attr_, &none);
		posix_spawnattr_setsigdefault(&attr_, &defaults);
		posix_spawnattr_setpgroup(&attr_, 0);
		posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							 POSIX_SPAWN_SETPGROUP);
	}
	// stdin: INPUT_FD if >= 0, else /dev/null.
	void set_stdin(int input_fd)
	{
		if (input_fd >= 0)
			posix_spawn_file_actions_adddup2(&actions_, input_fd, 0);
		else
			posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
	}
	~SpawnSetup()
	{
		posix_spawnattr_destroy(&attr_);
		posix_spawn_file_actions_destroy(&actions_);
	}
	SpawnSetup(const SpawnSetup &) = delete;
	SpawnSetup &operator=(const SpawnSetup &) = delete;

	const posix_spawnattr_t *attr() const { return &attr_; }
	const posix_spawn_file_actions_t *actions() const { return &actions_; }

private:
	posix_spawnattr_t attr_;
	posix_spawn_file_actions_t actions_;
};

// A memfd holding TEXT, for a child's stdin; closed by the destructor.
class InputFile {
public:
	explicit InputFile(const std::string &text)
	{
		if (text.empty())
			return;
		fd_ = ::memfd_create("remapd-input", MFD_CLOEXEC);
		if (fd_ < 0)
			return;
		std::size_t done = 0;
		while (done < text.size()) {
			ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				::close(fd_);
				fd_ = -1;
				return;
			}
			done += static_cast<std::size_t>(n);
		}
		::lseek(fd_, 0, SEEK_SET);
	}
	~InputFile()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	InputFile(const InputFile &) = delete;
	InputFile &operator=(const InputFile &) = delete;
	int fd() const { return fd_; }

private:
	int fd_ = -1;
};

}  // namespace

HookRunner::~HookRunner()
{
	shutdown();
}

void HookRunner::configure(const std::string &program, std::chrono::seconds timeout)
{
	program_ = program;
	timeout_ = timeout;
}

void HookRunner::enqueue(HookEvent event)
{
	if (program_.empty() && event.argv.empty())
		return;
	if (queue_.size() >= kMaxQueued) {
		spdlog::warn("hook queue full: dropping the oldest event ({})",
			     queue_.front().env["REMAPD_EVENT"]);
		queue_.pop_front();
	}
	queue_.push_back(std::move(event));
}

void HookRunner::start(const HookEvent &event, Clock::time_point now)
{
	std::vector<std::string> env_strings;
	for (char **e = environ; *e; e++) {
		if (std::strncmp(*e, "REMAPD_", 7) != 0 && std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0 &&
		    std::strncmp(*e, "WATCHDOG_", 9) != 0)
			env_strings.emplace_back(*e);
	}
	for (const auto &[k, v] : event.env)
		env_strings.push_back(k + "=" + v);
	std::vector<char *> envp;
	for (auto &s : env_strings)
		envp.push_back(s.data());
	envp.push_back(nullptr);
	std::vector<std::string> args = event.argv;
	if (args.empty())
		args.push_back(program_);
	const std::string program = args[0];
	if (wrap_)
		args = wrap_(args, event.env);
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);

	auto it = event.env.find("REMAPD_EVENT");
	std::string name = it == event.env.end() ? "?" : it->second;
	runs_++;
	InputFile input(event.input);
	if (!event.input.empty() && input.fd() < 0) {
		failures_++;
		spdlog::error("hook {} for {}: cannot prepare its input: {}", program, name,
			      remap::errno_text(errno));
		return;
	}
	SpawnSetup setup;
	setup.set_stdin(input.fd());
	pid_t pid = -1;
	int rc = posix_spawn(&pid, args[0].c_str(), setup.actions(), setup.attr(), argv.data(),
			     envp.data());
	if (rc != 0) {
		failures_++;
		spdlog::error("hook {} for {}: cannot start: {}", program, name, remap::errno_text(rc));
		return;
	}
	child_ = pid;
	child_program_ = program;
	child_event_ = name;
	child_deadline_ = now + timeout_;
	killed_ = false;
	spdlog::debug("hook {} started for {} (pid {})", program, name, pid);
}

void HookRunner::reap(bool block)
{
	if (child_ < 0)
		return;
	int status = 0;
	pid_t r;
	do {
		r = ::waitpid(child_, &status, block ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return;
	if (r < 0) {
		spdlog::error("hook pid {}: waitpid: {}", child_, remap::errno_text(errno));
		child_ = -1;
		return;
	}
	if (killed_) {
		failures_++;
		spdlog::error("hook {} for {} killed after {} s timeout", child_program_, child_event_,
			      timeout_.count());
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		spdlog::debug("hook {} for {} finished", child_program_, child_event_);
	} else {
		failures_++;
		if (WIFEXITED(status))
			spdlog::warn("hook {} for {} exited with status {}", child_program_, child_event_,
				     WEXITSTATUS(status));
		else
			spdlog::warn("hook {} for {} died of signal {}", child_program_, child_event_,
				     WTERMSIG(status));
	}
	child_ = -1;
}

void HookRunner::tick(Clock::time_point now)
{
	reap(false);
	if (child_ >= 0 && !killed_ && now >= child_deadline_) {
		::kill(-child_, SIGKILL);  // the hook's process group
		::kill(child_, SIGKILL);
		killed_ = true;
		reap(true);
	}
	while (child_ < 0 && !queue_.empty()) {
		HookEvent ev = std::move(queue_.front());
		queue_.pop_front();
		if (!program_.empty() || !ev.argv.empty())
			start(ev, now);
	}
}

std::optional<Clock::time_point> HookRunner::deadline() const
{
	if (child_ < 0)
		return std::nullopt;
	return child_deadline_;
}

void HookRunner::shutdown()
{
	queue_.clear();
	if (child_ >= 0) {
		::kill(-child_, SIGKILL);
		::kill(child_, SIGKILL);
		killed_ = true;
		reap(true);
	}
}

}  // namespace remapd
