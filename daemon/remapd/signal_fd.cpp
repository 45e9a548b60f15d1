#include "signal_fd.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "remap/error.hpp"

namespace remapd {

SignalFd::SignalFd(std::initializer_list<int> signals)
{
	sigset_t mask;
	sigemptyset(&mask);
	for (int s : signals)
		sigaddset(&mask, s);
	if (sigprocmask(SIG_BLOCK, &mask, &old_mask_) != 0)
		remap::throw_errno("sigprocmask", errno);
	fd_ = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd_ < 0) {
		int err = errno;
		sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
		remap::throw_errno("signalfd", err);
	}
}

SignalFd::~SignalFd()
{
	::close(fd_);
	sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::optional<int> SignalFd::read()
{
	struct signalfd_siginfo si {};
	ssize_t n = ::read(fd_, &si, sizeof(si));
	if (n != static_cast<ssize_t>(sizeof(si)))
		return std::nullopt;
	return static_cast<int>(si.ssi_signo);
}

}  // namespace remapd
