// remapd's "<N>" priority prefixes for the journal.
#include <gtest/gtest.h>

#include <spdlog/details/log_msg.h>

#include <string>

#include "remap/journal_log.hpp"

using namespace remap;

namespace {

std::string render(bool to_journal, spdlog::level::level_enum level, const std::string &text)
{
	auto f = make_log_formatter(to_journal, "remapd: %l: %v");
	spdlog::details::log_msg msg("remapd", level, text);
	spdlog::memory_buf_t out;
	f->format(msg, out);
	return std::string(out.data(), out.size());
}

}  // namespace

TEST(JournalStream, MatchesOnlyTheSameDevAndInode)
{
	EXPECT_TRUE(journal_stream_matches("8:12345", 8, 12345));
	EXPECT_FALSE(journal_stream_matches("8:12345", 8, 12346));
	EXPECT_FALSE(journal_stream_matches("9:12345", 8, 12345));
}

TEST(JournalStream, MissingOrMalformedIsNotTheJournal)
{
	EXPECT_FALSE(journal_stream_matches(nullptr, 8, 12345));
	EXPECT_FALSE(journal_stream_matches("", 0, 0));
	EXPECT_FALSE(journal_stream_matches("8", 8, 0));
	EXPECT_FALSE(journal_stream_matches("8:", 8, 0));
	EXPECT_FALSE(journal_stream_matches(":12345", 0, 12345));
	EXPECT_FALSE(journal_stream_matches("8:12345x", 8, 12345));
	EXPECT_FALSE(journal_stream_matches("-8:12345", 8, 12345));
}

TEST(JournalStream, StderrIsNotTheJournalWithoutTheVariable)
{
	::unsetenv("JOURNAL_STREAM");
	EXPECT_FALSE(stderr_is_journal());
}

TEST(JournalPriority, SyslogLevels)
{
	EXPECT_EQ(syslog_priority(spdlog::level::critical), 2);
	EXPECT_EQ(syslog_priority(spdlog::level::err), 3);
	EXPECT_EQ(syslog_priority(spdlog::level::warn), 4);
	EXPECT_EQ(syslog_priority(spdlog::level::info), 6);
	EXPECT_EQ(syslog_priority(spdlog::level::debug), 7);
	EXPECT_EQ(syslog_priority(spdlog::level::trace), 7);
}

TEST(JournalPriority, PrefixOnlyForTheJournal)
{
	EXPECT_EQ(render(true, spdlog::level::warn, "r0: health 80"), "<4>remapd: warning: r0: health 80\n");
	EXPECT_EQ(render(true, spdlog::level::err, "x"), "<3>remapd: error: x\n");
	EXPECT_EQ(render(true, spdlog::level::info, "x"), "<6>remapd: info: x\n");
	EXPECT_EQ(render(true, spdlog::level::debug, "x"), "<7>remapd: debug: x\n");
	EXPECT_EQ(render(false, spdlog::level::warn, "r0: health 80"), "remapd: warning: r0: health 80\n");
}
