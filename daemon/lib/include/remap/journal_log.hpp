// remapd's log lines in the journal with their priority: systemd reads a
// "<N>" prefix (syslog level N) at the start of each line a service writes
// to a stream connected to the journal (SyslogLevelPrefix=, on by
// default), so `journalctl -p warning -u remapd` filters properly.  The
// prefix is written only when stderr really is the journal: systemd sets
// JOURNAL_STREAM=<dev>:<inode> of that stream, and a stderr that was
// redirected since (a terminal, a file, a pipe) has another dev:inode
// (sd_journal_stream_fd(3), systemd.exec(5)).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <spdlog/pattern_formatter.h>

namespace remap {

// True if JOURNAL_STREAM's value names the file with DEV and INO.
// A missing (null), empty or malformed value is false.
bool journal_stream_matches(const char *journal_stream, std::uint64_t dev, std::uint64_t ino);

// fstat(2)s stderr and compares with $JOURNAL_STREAM.
bool stderr_is_journal();

// The syslog priority of a log level: trace and debug 7, info 6, warn 4,
// error 3, critical 2.
int syslog_priority(spdlog::level::level_enum level);

// The pattern flag '%*' that prints "<N>" for the message's level.
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
public:
	void format(const spdlog::details::log_msg &msg, const std::tm &tm,
		    spdlog::memory_buf_t &dest) override;
	std::unique_ptr<spdlog::custom_flag_formatter> clone() const override;
};

// A formatter for the stderr sink: "<N>" + PATTERN when TO_JOURNAL, else
// PATTERN alone.
std::unique_ptr<spdlog::formatter> make_log_formatter(bool to_journal, const std::string &pattern);

}  // namespace remap
