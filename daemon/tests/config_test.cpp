// /etc/remapd.conf parsing: defaults, every key, every kind of error with
// its line number.
#include <gtest/gtest.h>

#include <fstream>

#include "remap/config.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

// The single problem reported for TEXT (which must be rejected).
std::string only_problem(const std::string &text)
{
	try {
		parse_config(text, "t.conf");
	} catch (const ConfigError &e) {
		EXPECT_EQ(e.problems().size(), 1u) << e.what();
		return e.problems().empty() ? "" : e.problems().front();
	}
	ADD_FAILURE() << "accepted: " << text;
	return "";
}

}  // namespace

TEST(Config, EmptyGivesDefaults)
{
	Config c = parse_config("", "t.conf");
	EXPECT_EQ(c, Config{});
	EXPECT_TRUE(c.auto_assemble);
	EXPECT_EQ(c.poll_interval_s, 60u);
	EXPECT_EQ(c.health_threshold, 50u);
	EXPECT_EQ(c.remap_rate_threshold, 100u);
	EXPECT_EQ(c.spare_low_percent, 10u);
	EXPECT_EQ(c.hook, "");
	EXPECT_EQ(c.hook_timeout_s, 30u);
	EXPECT_EQ(c.metrics_file, "");
	EXPECT_EQ(c.log_level, "info");
	EXPECT_EQ(c.mail_to, "");
	EXPECT_EQ(c.sendmail, "/usr/sbin/sendmail");
}

TEST(Config, EveryKey)
{
	Config c = parse_config("# remapd\n"
				"\n"
				"auto_assemble = no\n"
				"poll_interval_s=5\n"
				"  health_threshold =  70   # inline comment\n"
				"remap_rate_threshold = 0\n"
				"spare_low_percent = 25\n"
				"hook = /usr/local/bin/notify #x\n"
				"hook_timeout_s = 3\n"
				"metrics_file = /var/lib/node_exporter/remapd.prom\n"
				"log_level = debug\r\n"
				"mail_to = root, storage@example.com\n"
				"sendmail = /usr/lib/sendmail\n",
				"t.conf");
	EXPECT_FALSE(c.auto_assemble);
	EXPECT_EQ(c.poll_interval_s, 5u);
	EXPECT_EQ(c.health_threshold, 70u);
	EXPECT_EQ(c.remap_rate_threshold, 0u);
	EXPECT_EQ(c.spare_low_percent, 25u);
	EXPECT_EQ(c.hook, "/usr/local/bin/notify");
	EXPECT_EQ(c.hook_timeout_s, 3u);
	EXPECT_EQ(c.metrics_file, "/var/lib/node_exporter/remapd.prom");
	EXPECT_EQ(c.log_level, "debug");
	EXPECT_EQ(c.mail_to, "root, storage@example.com");
	EXPECT_EQ(c.sendmail, "/usr/lib/sendmail");
}

TEST(Config, BooleansAndEmptyPaths)
{
	for (const char *v : {"yes", "true", "on", "1"})
		EXPECT_TRUE(parse_config(std::string("auto_assemble=") + v, "t").auto_assemble);
	for (const char *v : {"no", "false", "off", "0"})
		EXPECT_FALSE(parse_config(std::string("auto_assemble=") + v, "t").auto_assemble);
	EXPECT_EQ(parse_config("hook =", "t").hook, "");
	EXPECT_EQ(parse_config("metrics_file=", "t").metrics_file, "");
	EXPECT_EQ(parse_config("mail_to=", "t").mail_to, "");
	EXPECT_EQ(parse_config("mail_to = #root", "t").mail_to, "");  // a comment
	EXPECT_EQ(parse_config("smartctl =", "t").smartctl, "");  // no drive readings
}

TEST(Config, DriveHealthKeys)
{
	Config d;
	EXPECT_EQ(d.smartctl, "/usr/sbin/smartctl");
	EXPECT_EQ(d.drive_check_interval_h, 24u);
	EXPECT_EQ(d.drive_relocation, "on");
	EXPECT_EQ(d.drive_relocation_per_day, 32u);
	Config c = parse_config("smartctl = /opt/bin/smartctl\ndrive_check_interval_h = 6\n"
				"drive_relocation = alert-only\ndrive_relocation_per_day = 0\n",
				"t");
	EXPECT_EQ(c.smartctl, "/opt/bin/smartctl");
	EXPECT_EQ(c.drive_check_interval_h, 6u);
	EXPECT_EQ(c.drive_relocation, "alert-only");
	EXPECT_EQ(c.drive_relocation_per_day, 0u);
	EXPECT_EQ(parse_config("drive_relocation = off", "t").drive_relocation, "off");
}

TEST(Config, EachErrorNamesFileAndLine)
{
	struct Case {
		std::string text;
		std::string expect;
	};
	std::vector<Case> cases = {
		{"\n\nfoo = 1\n", "t.conf:3: unknown key 'foo'"},
		{"poll_interval_s 5\n", "t.conf:1: expected 'key = value'"},
		{"# c\n= 5\n", "t.conf:2: missing key before '='"},
		{"log_level = info\nlog_level = debug\n",
		 "t.conf:2: duplicate key 'log_level' (first set on line 1)"},
		{"poll_interval_s =\n", "t.conf:1: poll_interval_s: empty value"},
		{"poll_interval_s = 0\n", "t.conf:1: poll_interval_s: '0' is not a whole number in 1-86400"},
		{"poll_interval_s = 86401\n", "t.conf:1: poll_interval_s: '86401' is not a whole number"},
		{"poll_interval_s = -1\n", "t.conf:1: poll_interval_s: '-1' is not"},
		{"poll_interval_s = 5s\n", "t.conf:1: poll_interval_s: '5s' is not"},
		{"health_threshold = 101\n", "t.conf:1: health_threshold: '101' is not a whole number in 0-100"},
		{"spare_low_percent = 200\n", "t.conf:1: spare_low_percent:"},
		{"remap_rate_threshold = lots\n", "t.conf:1: remap_rate_threshold:"},
		{"hook_timeout_s = 0\n", "t.conf:1: hook_timeout_s: '0' is not a whole number in 1-3600"},
		{"auto_assemble = maybe\n", "t.conf:1: auto_assemble: 'maybe' is not yes/no"},
		{"hook = notify.sh\n", "t.conf:1: hook: 'notify.sh' is not an absolute path"},
		{"metrics_file = out.prom\n", "t.conf:1: metrics_file: 'out.prom' is not an absolute path"},
		{"log_level = loud\n", "t.conf:1: log_level: 'loud' is not trace/debug/info/warn/error"},
		{"mail_to = root admin\n",
		 "t.conf:1: mail_to: 'root admin' is not a comma-separated list of mail addresses (like root or admin@example.com)"},
		{"mail_to = root,\n", "t.conf:1: mail_to: 'root,' is not a comma-separated list"},
		{"mail_to = <root@x>\n", "t.conf:1: mail_to: '<root@x>' is not"},
		{"sendmail = sendmail\n", "t.conf:1: sendmail: 'sendmail' is not an absolute path"},
		{"sendmail =\n", "t.conf:1: sendmail: empty value"},
		{"poll_interval_s =#5\n", "t.conf:1: poll_interval_s: a value cannot start with '#' (a '#' after a blank starts a comment)"},
		{"mail_to=#root\n", "t.conf:1: mail_to: a value cannot start with '#'"},
		{"smartctl = smartctl\n", "t.conf:1: smartctl: 'smartctl' is not an absolute path"},
		{"drive_check_interval_h = 0\n",
		 "t.conf:1: drive_check_interval_h: '0' is not a whole number in 1-8760"},
		{"drive_check_interval_h = 1d\n", "t.conf:1: drive_check_interval_h: '1d' is not"},
		{"drive_relocation = yes\n", "t.conf:1: drive_relocation: 'yes' is not on/alert-only/off"},
		{"drive_relocation =\n", "t.conf:1: drive_relocation: empty value"},
		{"drive_relocation_per_day = 100001\n",
		 "t.conf:1: drive_relocation_per_day: '100001' is not a whole number in 0-100000"},
		{"poll_interval_s = 5 # ok\npoll_interval_s=6#not a comment\n", "t.conf:2: duplicate key"},
	};
	for (const auto &c : cases) {
		std::string p = only_problem(c.text);
		EXPECT_EQ(p.rfind(c.expect, 0), 0u) << "got: " << p << "\nwant prefix: " << c.expect;
	}
}

TEST(Config, AllProblemsAreReported)
{
	try {
		parse_config("a = 1\npoll_interval_s = x\nlog_level = info\nb\n", "t.conf");
		FAIL() << "accepted";
	} catch (const ConfigError &e) {
		ASSERT_EQ(e.problems().size(), 3u);
		EXPECT_EQ(e.problems()[0].rfind("t.conf:1:", 0), 0u);
		EXPECT_EQ(e.problems()[1].rfind("t.conf:2:", 0), 0u);
		EXPECT_EQ(e.problems()[2].rfind("t.conf:4:", 0), 0u);
	}
}

TEST(Config, LoadFromFile)
{
	TempFile f;
	std::ofstream(f.path()) << "poll_interval_s = 7\n";
	EXPECT_EQ(load_config(f.path()).poll_interval_s, 7u);
	std::ofstream(f.path()) << "poll_interval_s = seven\n";
	try {
		load_config(f.path());
		FAIL() << "accepted";
	} catch (const ConfigError &e) {
		EXPECT_EQ(e.problems().at(0).rfind(f.path() + ":1:", 0), 0u) << e.what();
	}
	EXPECT_THROW(load_config(f.path() + ".missing"), Error);
}

TEST(Config, ShippedExampleParses)
{
	Config c = load_config(REMAP_SOURCE_DIR "/remapd.conf.example");
	EXPECT_EQ(c.poll_interval_s, 60u);
}

// The /etc/remapd.conf of the package (debian/dm-remap-v4-tools.install):
// mail to root, every other key at its default.
TEST(Config, ShippedConfigMailsRoot)
{
	Config c = load_config(REMAP_SOURCE_DIR "/remapd.conf");
	Config want;
	want.mail_to = "root";
	EXPECT_EQ(c, want);
	EXPECT_EQ(c.sendmail, "/usr/sbin/sendmail");
	EXPECT_EQ(c.metrics_file, "");
}

// remapd and `remapctl health` both use this: a missing default file gives
// the defaults, a missing explicit (-c) file is an error.
TEST(Config, LoadOrDefaults)
{
	TempDir dir;
	bool found = true;
	auto c = load_config_or_defaults(dir.path() + "/none.conf", false, &found);
	EXPECT_FALSE(found);
	EXPECT_EQ(c, Config{});
	EXPECT_THROW(load_config_or_defaults(dir.path() + "/none.conf", true, &found), Error);
	std::ofstream(dir.path() + "/r.conf") << "health_threshold = 80\n";
	c = load_config_or_defaults(dir.path() + "/r.conf", false, &found);
	EXPECT_TRUE(found);
	EXPECT_EQ(c.health_threshold, 80u);
	std::ofstream(dir.path() + "/bad.conf") << "health_threshold = 80\nhealth_threshold = 81\n";
	EXPECT_THROW(load_config_or_defaults(dir.path() + "/bad.conf", false, &found), ConfigError);
}
