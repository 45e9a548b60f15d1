// Runs the notification hook (smartd -M exec style): the configured
// program, no arguments, stdin /dev/null, the event in REMAPD_* environment
// variables.  Asynchronous: one hook at a time, later events queue (at
// most 64; the oldest are dropped with a log line).  A hook still running
// after hook_timeout_s is killed with its whole process group (SIGKILL), so
// a hung hook never blocks the daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace remapd {

using Clock = std::chrono::steady_clock;

struct HookEvent {
	std::map<std::string, std::string> env;  // REMAPD_EVENT, REMAPD_DEVICE, ...
	// Another program than the hook (argv[0] an absolute path), e.g.
	// sendmail for mail_to; empty = the configured hook, no arguments.
	std::vector<std::string> argv;
	std::string input;  // its stdin (through a memfd); empty = /dev/null
};

class HookRunner {
public:
	HookRunner() = default;
	~HookRunner();
	HookRunner(const HookRunner &) = delete;
	HookRunner &operator=(const HookRunner &) = delete;

	void configure(const std::string &program, std::chrono::seconds timeout);
	// Runs each program through WRAP: it gets the command (program and
	// arguments) and the event's environment, and returns the command to
	// spawn instead (remapd --test-hook: systemd-run with the unit's
	// sandbox).  Logs still name the program, not the wrapper.
	using Wrapper = std::function<std::vector<std::string>(const std::vector<std::string> &,
								const std::map<std::string, std::string> &)>;
	void set_wrapper(Wrapper wrap) { wrap_ = std::move(wrap); }
	void enqueue(HookEvent event);
	// Reaps a finished hook, kills an overdue one, starts the next.
	void tick(Clock::time_point now);
	// When tick() must run next (a running hook's deadline), if any.
	std::optional<Clock::time_point> deadline() const;
	// A hook is running or events are queued.
	bool busy() const { return child_ >= 0 || !queue_.empty(); }
	// Kills a running hook and drops queued events.
	void shutdown();

	std::uint64_t runs() const { return runs_; }
	std::uint64_t failures() const { return failures_; }

private:
	void start(const HookEvent &event, Clock::time_point now);
	void reap(bool block);

	std::string program_;
	Wrapper wrap_;
	std::chrono::seconds timeout_{30};
	std::deque<HookEvent> queue_;
	pid_t child_ = -1;
	std::string child_event_;
	std::string child_program_;
	Clock::time_point child_deadline_{};
	bool killed_ = false;
	std::uint64_t runs_ = 0;
	std::uint64_t failures_ = 0;
};

}  // namespace remapd
