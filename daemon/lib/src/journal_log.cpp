#include "remap/journal_log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "remap/number_parse.hpp"

namespace remap {

bool journal_stream_matches(const char *journal_stream, std::uint64_t dev, std::uint64_t ino)
{
	if (!journal_stream)
		return false;
	std::string_view v(journal_stream);
	auto colon = v.find(':');
	if (colon == std::string_view::npos)
		return false;
	auto d = parse_u64(v.substr(0, colon));
	auto i = parse_u64(v.substr(colon + 1));
	return d && i && *d == dev && *i == ino;
}

bool stderr_is_journal()
{
	struct stat st {};
	if (::fstat(STDERR_FILENO, &st) != 0)
		return false;
	return journal_stream_matches(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

int syslog_priority(spdlog::level::level_enum level)
{
	switch (level) {
	case spdlog::level::critical:
		return 2;  // LOG_CRIT
	case spdlog::level::err:
		return 3;  // LOG_ERR
	case spdlog::level::warn:
		return 4;  // LOG_WARNING
	case spdlog::level::info:
		return 6;  // LOG_INFO
	default:
		return 7;  // LOG_DEBUG: debug, trace
	}
}

void JournalPriorityFlag::format(const spdlog::details::log_msg &msg, const std::tm &,
				 spdlog::memory_buf_t &dest)
{
	char prefix[] = {'<', static_cast<char>('0' + syslog_priority(msg.level)), '>'};
	dest.append(prefix, prefix + sizeof(prefix));
}

std::unique_ptr<spdlog::custom_flag_formatter> JournalPriorityFlag::clone() const
{
	return std::make_unique<JournalPriorityFlag>();
}

std::unique_ptr<spdlog::formatter> make_log_formatter(bool to_journal, const std::string &pattern)
{
	auto f = std::make_unique<spdlog::pattern_formatter>();
	if (to_journal) {
		f->add_flag<JournalPriorityFlag>('*');
		f->set_pattern("%*" + pattern);
	} else {
		f->set_pattern(pattern);
	}
	return f;
}

}  // namespace remap
