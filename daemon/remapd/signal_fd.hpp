// RAII signalfd: blocks the given signals for the process and delivers
// them through a file descriptor the event loop polls.  The destructor
// closes the fd and restores the previous signal mask.
#pragma once

#include <signal.h>

#include <initializer_list>
#include <optional>

namespace remapd {

class SignalFd {
public:
	explicit SignalFd(std::initializer_list<int> signals);
	~SignalFd();
	SignalFd(const SignalFd &) = delete;
	SignalFd &operator=(const SignalFd &) = delete;

	int fd() const { return fd_; }
	// The next pending signal, or nullopt if none is pending.
	std::optional<int> read();

private:
	int fd_ = -1;
	sigset_t old_mask_{};
};

}  // namespace remapd
