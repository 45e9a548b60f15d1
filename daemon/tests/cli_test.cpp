// remapctl as a program: exit codes, one-line errors, nothing changed on
// refusal.  Uses image files, so it needs no root and no kernel module.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <nlohmann/json.hpp>

#include "remap/spare_format.hpp"
#include "remap/spare_metadata.hpp"
#include "run_command.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

using Result = CommandResult;

Result remapctl(const std::string &args)
{
	return run_command(std::string(REMAPCTL_PATH) + " " + args);
}

std::size_t lines(const std::string &s)
{
	return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

void format_file(const TempFile &f)
{
	DeviceFile d(f.path(), DeviceFile::Mode::write);
	FormatRequest r;
	r.main_sectors = 65536;
	r.main_id = "loop:/m:65536:512";
	r.spare_id = "loop:/s:32768:512";
	r.uuid = random_pair_uuid();
	format_spare(d, r);
}

}  // namespace

TEST(Cli, HelpAndVersion)
{
	auto r = remapctl("--help");
	EXPECT_EQ(r.code, 0);
	EXPECT_NE(r.out.find("create"), std::string::npos);
	for (const char *sub : {"create", "remove", "list", "status", "remap", "scan", "health",
				"discover", "metadata", "metadata verify", "probe", "version"}) {
		auto h = remapctl(std::string(sub) + " --help");
		EXPECT_EQ(h.code, 0) << sub;
		EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub;
	}
	auto v = remapctl("version --json");
	EXPECT_EQ(v.code, 0);
	auto j = nlohmann::json::parse(v.out);
	EXPECT_EQ(j["schema_version"], 1);
	EXPECT_EQ(j["format_version"], 4);
}

TEST(Cli, UsageErrorsAreOneLineAndExitTwo)
{
	for (const char *args : {"", "bogus", "create", "create --main /dev/null", "remove",
				 "remap", "remap r0", "remap r0 abc", "metadata", "metadata frob x",
				 "status --nope", "health --threshold 101", "create --main /nonexistent --spare /nonexistent",
				 "create --main /dev/null --spare /dev/zero",
				 "metadata verify /nonexistent"}) {
		auto r = remapctl(args);
		EXPECT_EQ(r.code, 2) << args << ": " << r.err;
		EXPECT_EQ(lines(r.err), 1u) << args << ": " << r.err;
		EXPECT_EQ(r.err.rfind("remapctl: ", 0), 0u) << r.err;
		EXPECT_TRUE(r.out.empty()) << args;
	}
}

TEST(Cli, VerifyExitCodes)
{
	TempFile blank(16u << 20);
	auto r = remapctl("metadata verify " + blank.path());
	EXPECT_EQ(r.code, 4);
	EXPECT_NE(r.out.find("verdict: blank"), std::string::npos);

	TempFile f(16u << 20);
	format_file(f);
	r = remapctl("metadata verify " + f.path());
	EXPECT_EQ(r.code, 0) << r.out << r.err;
	EXPECT_EQ(lines(r.out), 6u);
	EXPECT_NE(r.out.find("copy 4 sector 8192: valid seq=1"), std::string::npos) << r.out;

	f.write_at(2048 * 512, std::vector<char>(4096, 'x'));
	r = remapctl("metadata verify --json " + f.path());
	EXPECT_EQ(r.code, 3);
	auto j = nlohmann::json::parse(r.out);
	EXPECT_EQ(j["schema_version"], 1);
	EXPECT_EQ(j["spare"]["verdict"], "repairable");
	EXPECT_EQ(j["spare"]["copies"][2]["status"], "magic");
	EXPECT_TRUE(j["spare"]["copies"][2]["needs_repair"].get<bool>());

	r = remapctl("metadata dump " + f.path());
	EXPECT_EQ(r.code, 0);
	EXPECT_NE(r.out.find("main_id:       loop:/m:65536:512\n"), std::string::npos) << r.out;

	r = remapctl("metadata repair " + f.path());
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_NE(r.out.find("rewrote copies 2 from copy 0"), std::string::npos) << r.out;
	EXPECT_EQ(remapctl("metadata verify " + f.path()).code, 0);
	r = remapctl("metadata repair " + f.path());
	EXPECT_EQ(r.code, 0);
	EXPECT_NE(r.out.find("nothing to repair"), std::string::npos);
}

TEST(Cli, RepairWithNoValidCopyChangesNothing)
{
	TempFile f(16u << 20);
	std::mt19937 gen(5);
	std::vector<char> junk(9216 * 512);
	for (auto &c : junk)
		c = static_cast<char>(gen());
	f.write_at(0, junk);
	auto before = f.contents();
	auto r = remapctl("metadata repair " + f.path());
	EXPECT_EQ(r.code, 4);
	EXPECT_EQ(lines(r.err), 1u) << r.err;
	EXPECT_EQ(f.contents(), before);
	EXPECT_EQ(remapctl("metadata dump " + f.path()).code, 4);
}

namespace {

Result remapd(const std::string &args)
{
	return run_command(std::string(REMAPD_PATH) + " " + args);
}

bool has(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

// The one stderr line without "remapctl: " and the usage hint.
std::string stderr_message(const std::string &err)
{
	std::string m = err.substr(0, err.find('\n'));
	if (m.rfind("remapctl: ", 0) == 0)
		m.erase(0, 10);
	auto hint = m.find(" (see remapctl --help)");
	if (hint != std::string::npos && hint + 22 == m.size())
		m.erase(hint);
	return m;
}

}  // namespace

TEST(Cli, VersionOption)
{
	auto r = remapctl("--version");
	EXPECT_EQ(r.code, 0);
	EXPECT_EQ(r.out, std::string("remapctl ") + REMAP_TEST_VERSION + "\n");
	EXPECT_TRUE(r.err.empty()) << r.err;
	auto d = remapd("--version");
	EXPECT_EQ(d.code, 0);
	EXPECT_EQ(d.out, std::string("remapd ") + REMAP_TEST_VERSION + "\n");
	// The same version as the `version` command.
	auto v = remapctl("version");
	EXPECT_EQ(v.out.rfind(std::string("remapctl ") + REMAP_TEST_VERSION + " ", 0), 0u) << v.out;
}

TEST(Cli, GlobalOptionsAfterTheCommand)
{
	TempFile f(16u << 20);
	format_file(f);
	for (const std::string &args : {"-v metadata verify " + f.path(), "metadata verify -v " + f.path(),
					"metadata verify " + f.path() + " -v", "metadata verify " + f.path() + " --verbose",
					"metadata verify " + f.path() + " -vv"}) {
		auto r = remapctl(args);
		EXPECT_EQ(r.code, 0) << args << ": " << r.err;
		EXPECT_TRUE(has(r.out, "verdict: healthy")) << args << ": " << r.out;
	}
	// -v after the command really turns on verbose logging, not just parses.
	EXPECT_TRUE(remapctl("metadata verify " + f.path()).err.empty());
	// --json before the command is the command's --json.
	for (const std::string &args : {"--json metadata verify " + f.path(), "metadata --json verify " + f.path(),
					"metadata verify " + f.path() + " --json", "--json probe " + f.path(),
					"probe --json " + f.path(), std::string("--json version")}) {
		auto r = remapctl(args);
		EXPECT_EQ(r.code, 0) << args << ": " << r.err;
		auto j = nlohmann::json::parse(r.out, nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << args << ": " << r.out;
		EXPECT_EQ(j["schema_version"], 1) << args;
	}
	auto p = nlohmann::json::parse(remapctl("probe --json " + f.path()).out);
	EXPECT_EQ(p["command"], "probe");
	EXPECT_EQ(p["device"], f.path());
	EXPECT_EQ(p["spare"], true);
	EXPECT_EQ(p["state"], "healthy");
	EXPECT_EQ(p["pair_uuid"].get<std::string>().size(), 36u);
	TempFile blank(16u << 20);
	p = nlohmann::json::parse(remapctl("probe --json " + blank.path()).out);
	EXPECT_EQ(p["spare"], false);
	EXPECT_TRUE(p["state"].is_null());
	EXPECT_TRUE(p["pair_uuid"].is_null());
	// Without --json probe still prints udev lines, nothing for a non-spare.
	EXPECT_TRUE(remapctl("probe " + blank.path()).out.empty());
	EXPECT_TRUE(has(remapctl("probe " + f.path()).out, "DM_REMAP_V4_SPARE=1\n"));
}

TEST(Cli, MistypedCommandSuggestsTheClosest)
{
	struct Case {
		const char *args, *message;
	} cases[] = {
		{"statsu", "unknown command 'statsu'; did you mean 'status'?"},
		{"-v lsit", "unknown command 'lsit'; did you mean 'list'?"},
		{"helth r0", "unknown command 'helth'; did you mean 'health'?"},
		{"metadata verfy x.img", "unknown metadata command 'verfy'; did you mean 'verify'?"},
		{"bogus", "unknown command 'bogus' (see remapctl --help)"},
		{"metadata frob x", "unknown metadata command 'frob' (see remapctl metadata --help)"},
	};
	for (const auto &c : cases) {
		auto r = remapctl(c.args);
		EXPECT_EQ(r.code, 2) << c.args;
		EXPECT_EQ(r.err, std::string("remapctl: ") + c.message + "\n") << c.args;
		EXPECT_TRUE(r.out.empty()) << c.args;
	}
}

// With --json a failure is a JSON document on stdout as well (messages,
// exit_status), with the same exit status and the same text as stderr.
TEST(Cli, JsonErrorsAreDocuments)
{
	TempFile junk(16u << 20);
	std::vector<char> bytes(9216 * 512, 'x');
	junk.write_at(0, bytes);
	TempFile blank(16u << 20);
	struct Case {
		std::string args;
		int code;
		const char *command;  // nullptr: none parsed
	} cases[] = {
		{"--json statsu", 2, nullptr},
		{"--json", 2, nullptr},
		{"remap r0 abc --json", 2, "remap"},
		{"status --nope --json", 2, "status"},
		{"--json health --threshold 101", 2, "health"},
		{"create --main /dev/null --spare /dev/zero --json", 2, "create"},
		{"metadata verify --json /nonexistent", 2, "metadata verify"},
		{"metadata repair --json " + junk.path(), 4, "metadata repair"},
		{"probe /nonexistent --json", 1, "probe"},
		{"health --json -c /nonexistent.conf", 1, "health"},
	};
	for (const auto &c : cases) {
		auto r = remapctl(c.args);
		EXPECT_EQ(r.code, c.code) << c.args << ": " << r.err;
		EXPECT_EQ(lines(r.err), 1u) << c.args << ": " << r.err;
		auto j = nlohmann::json::parse(r.out, nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << c.args << ": stdout is not JSON: " << r.out;
		EXPECT_EQ(j["schema_version"], 1) << c.args;
		EXPECT_EQ(j["exit_status"], r.code) << c.args;
		if (c.command)
			EXPECT_EQ(j["command"], c.command) << c.args;
		else
			EXPECT_TRUE(j["command"].is_null()) << c.args << ": " << j.dump();
		ASSERT_EQ(j["messages"].size(), 1u) << c.args;
		EXPECT_EQ(j["messages"][0]["severity"], "error") << c.args;
		EXPECT_EQ(j["messages"][0]["string"], stderr_message(r.err)) << c.args;
	}
	// The repair that failed changed nothing.
	auto after = junk.contents();
	EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), after.begin()));
	// Without --json, stdout stays empty on errors.
	EXPECT_TRUE(remapctl("remap r0 abc").out.empty());
	EXPECT_TRUE(remapctl("metadata repair " + junk.path()).out.empty());
}

// remapctl health takes its threshold from the remapd config: a bad or
// missing (-c) config is an error naming the file and line.
TEST(Cli, HealthReadsTheRemapdConfig)
{
	TempDir dir;
	std::string bad = dir.path() + "/bad.conf";
	std::ofstream(bad) << "# comment\nhealth_threshold = 150\n";
	auto r = remapctl("health -c " + bad);
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.err, "remapctl: " + bad + ":2: health_threshold: '150' is not a whole number in 0-100\n");
	r = remapctl("health --config " + dir.path() + "/none.conf");
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "cannot read config " + dir.path() + "/none.conf: No such file or directory"))
		<< r.err;
}

TEST(Remapd, CheckConfig)
{
	TempDir dir;
	std::string good = dir.path() + "/good.conf";
	std::ofstream(good) << "health_threshold = 70\npoll_interval_s = 5\n";
	auto r = remapd("-t -c " + good);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, "remapd: " + good + ": configuration OK\n");
	EXPECT_TRUE(r.err.empty()) << r.err;
	EXPECT_EQ(remapd("--check-config -c " REMAP_SOURCE_DIR "/remapd.conf.example").code, 0);

	std::string bad = dir.path() + "/bad.conf";
	std::ofstream(bad) << "health_threshold = 70\n\nfoo = 1\npoll_interval_s = x\nhealth_threshold = 1\n";
	r = remapd("--check-config -c " + bad);
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.err, "remapd: " + bad + ":3: unknown key 'foo'\n" + "remapd: " + bad +
				 ":4: poll_interval_s: 'x' is not a whole number in 1-86400\n" + "remapd: " + bad +
				 ":5: duplicate key 'health_threshold' (first set on line 1)\n" + "remapd: " + bad +
				 ": 3 problems\n");
	EXPECT_TRUE(r.out.empty()) << r.out;

	r = remapd("-t -c " + dir.path() + "/none.conf");
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.err, "remapd: cannot read config " + dir.path() + "/none.conf: No such file or directory\n");
}

// -t also checks that the hook (and sendmail, when mail_to is set) can be
// run: a config that parses but names a missing or non-executable program
// would make every alert fail silently.
TEST(Remapd, CheckConfigFindsProgramsThatCannotRun)
{
	TempDir dir;
	std::string noexec = dir.path() + "/hook.sh";
	std::ofstream(noexec) << "#!/bin/sh\nexit 0\n";
	std::string conf = dir.path() + "/r.conf";
	std::ofstream(conf) << "hook = " << dir.path() << "/missing\nmail_to = root\nsendmail = " << noexec << "\n";
	auto r = remapd("-t -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.err, "remapd: " + conf + ": hook: " + dir.path() + "/missing: No such file or directory\n" +
				 "remapd: " + conf + ": sendmail: " + noexec + ": not executable (mail_to is set)\n" +
				 "remapd: " + conf + ": 2 problems\n");
	std::ofstream(conf) << "hook = " << dir.path() << "\n";
	r = remapd("-t -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.err, "remapd: " + conf + ": hook: " + dir.path() + ": not a regular file\n" + "remapd: " + conf +
				 ": 1 problem\n");
	::chmod(noexec.c_str(), 0755);
	std::ofstream(conf) << "hook = " << noexec << "\nmail_to = root\nsendmail = " << noexec << "\n";
	r = remapd("-t -c " + conf);
	EXPECT_EQ(r.code, 0) << r.err;
	// A sendmail nobody uses is not checked.
	std::ofstream(conf) << "sendmail = " << dir.path() << "/missing\n";
	EXPECT_EQ(remapd("-t -c " + conf).code, 0);
	// mail_to with no sendmail at all: a machine without a local MTA (the
	// shipped /etc/remapd.conf mails root).  Mail is off, said in one line;
	// the config is valid.
	std::ofstream(conf) << "mail_to = root\nsendmail = " << dir.path() << "/missing\n";
	r = remapd("-t -c " + conf);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.err, "remapd: " + conf + ": warning: mail_to is set but " + dir.path() +
				 "/missing cannot be run (No such file or directory): no local MTA: mail alerts "
				 "disabled, install an MTA (e.g. exim4-daemon-light, postfix, nullmailer) or set a hook\n");
	EXPECT_EQ(r.out, "remapd: " + conf + ": configuration OK\n");
	EXPECT_EQ(remapd("-t -c " REMAP_SOURCE_DIR "/remapd.conf").code, 0);
	// --once with -t: -t assembles nothing, --once assembles: refused.
	r = remapd("--once -t -c " + conf);
	EXPECT_EQ(r.code, 2);
	EXPECT_TRUE(has(r.err, "excludes")) << r.err;
}

// On a machine whose kernel has no device-mapper (like the build host),
// the error says so instead of libdevmapper's "cannot create task".
TEST(Cli, NoDeviceMapperIsNamed)
{
	std::ifstream misc("/proc/misc");
	std::string text((std::istreambuf_iterator<char>(misc)), std::istreambuf_iterator<char>());
	if (text.find(" device-mapper\n") != std::string::npos)
		GTEST_SKIP() << "this kernel has device-mapper; the VM test 55-cli-errors covers the target";
	for (const char *args : {"list", "status", "--json health"}) {
		auto r = remapctl(args);
		EXPECT_EQ(r.code, 1) << args;
		EXPECT_TRUE(has(r.err, "/dev/mapper/control: ")) << args << ": " << r.err;
		EXPECT_TRUE(has(r.err, "(is device-mapper loaded? modprobe dm-mod)") ||
			    has(r.err, "(device-mapper needs root: CAP_SYS_ADMIN)"))
			<< args << ": " << r.err;
		EXPECT_FALSE(has(r.err, "out of memory")) << r.err;
	}
}

// remapd --test-hook: runs the hook with REMAPD_EVENT=test and says whether
// it worked.  Here there is no remap device (no device-mapper, or none
// created), so it sends the one daemon-level event.
TEST(Remapd, TestHook)
{
	TempDir dir;
	std::string conf = dir.path() + "/remapd.conf";
	std::string hook = dir.path() + "/hook";
	std::string seen = dir.path() + "/seen";
	auto write_hook = [&](const std::string &body) {
		std::ofstream(hook) << "#!/bin/sh\n" << body << "\n";
		std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
	};

	std::ofstream(conf) << "poll_interval_s = 5\n";
	auto r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "no hook configured in " + conf + ": nothing to test")) << r.err;

	std::ofstream(conf) << "hook = " << hook << "\nhook_timeout_s = 1\n";
	write_hook("env | grep '^REMAPD_' | sort >" + seen);
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_TRUE(has(r.err, "hook " + hook + ": 1 test event(s) run, all exited 0")) << r.err;
	std::ifstream in(seen);
	std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	EXPECT_TRUE(has(env, "REMAPD_EVENT=test\n")) << env;
	EXPECT_TRUE(has(env, "REMAPD_DEVICE=\n")) << env;
	EXPECT_TRUE(has(env, "REMAPD_MESSAGE=test event from remapd --test-hook (no remap device)\n"))
		<< env;

	write_hook("exit 3");
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "for test exited with status 3")) << r.err;
	EXPECT_TRUE(has(r.err, "1 of 1 test event(s) failed")) << r.err;

	// Waits for the hook, but no longer than hook_timeout_s.
	write_hook("sleep 30");
	auto start = std::chrono::steady_clock::now();
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "killed after 1 s timeout")) << r.err;
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));

	std::filesystem::remove(hook);
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "cannot start: No such file or directory")) << r.err;

	EXPECT_EQ(remapd("--test-hook --once -c " + conf).code, 2);
	EXPECT_EQ(remapd("--no-sandbox -c " + conf).code, 2);  // only with --test-hook
}

// --test-hook says where the hook ran: in remapd.service's sandbox only
// under systemd with the unit installed (the VM test 64-mail-alert), else
// directly.
TEST(Remapd, TestHookSaysItIsNotSandboxed)
{
	TempDir dir;
	std::string conf = dir.path() + "/remapd.conf";
	std::string hook = dir.path() + "/hook";
	std::ofstream(hook) << "#!/bin/sh\nexit 0\n";
	std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
	std::ofstream(conf) << "hook = " << hook << "\n";
	auto r = remapd("--test-hook --no-sandbox -c " + conf);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_TRUE(has(r.err, "--no-sandbox: running the hook and sendmail directly, not in the sandbox of "
			       "remapd.service"))
		<< r.err;
	if (!std::filesystem::exists("/run/systemd/system")) {
		r = remapd("--test-hook -c " + conf);
		EXPECT_EQ(r.code, 0) << r.err;
		EXPECT_TRUE(has(r.err, "systemd is not running the system (no /run/systemd/system): running the "
				       "hook and sendmail directly"))
			<< r.err;
	}
}

// mail_to: `sendmail -t` gets the event as a mail on stdin (a fake
// sendmail given with `sendmail =`); --test-hook sends one.
TEST(Remapd, TestHookMails)
{
	TempDir dir;
	std::string conf = dir.path() + "/remapd.conf";
	std::string sendmail = dir.path() + "/sendmail";
	std::string got = dir.path() + "/mail";
	std::ofstream(sendmail) << "#!/bin/sh\necho \"args: $*\" >" << got << "\ncat >>" << got << "\n";
	std::filesystem::permissions(sendmail, std::filesystem::perms::owner_all);
	std::ofstream(conf) << "mail_to = root, storage@example.com\nsendmail = " << sendmail << "\n";
	auto r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_TRUE(has(r.err, sendmail + " for mail_to: 1 test event(s) run, all exited 0")) << r.err;
	std::ifstream in(got);
	std::string mail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	EXPECT_EQ(mail.rfind("args: -t\nTo: root, storage@example.com\nSubject: remapd on ", 0), 0u) << mail;
	EXPECT_TRUE(has(mail, ": test\n")) << mail;
	EXPECT_TRUE(has(mail, "\n\ntest event from remapd --test-hook (no remap device)\n\n")) << mail;
	EXPECT_TRUE(has(mail, "\nREMAPD_EVENT=test\n")) << mail;

	std::ofstream(sendmail) << "#!/bin/sh\ncat >/dev/null\nexit 75\n";
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "hook " + sendmail + " for test exited with status 75")) << r.err;

	// No sendmail (no local MTA): the test fails and says why; a hook
	// configured besides still runs.
	std::filesystem::remove(sendmail);
	std::string hook = dir.path() + "/hook";
	std::ofstream(hook) << "#!/bin/sh\ntouch " << dir.path() << "/hook-ran\n";
	std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
	std::ofstream(conf) << "mail_to = root\nsendmail = " << sendmail << "\nhook = " << hook << "\n";
	r = remapd("--test-hook -c " + conf);
	EXPECT_EQ(r.code, 1);
	EXPECT_TRUE(has(r.err, "mail_to is set but " + sendmail +
				       " cannot be run (No such file or directory): no local MTA: mail alerts disabled"))
		<< r.err;
	EXPECT_TRUE(has(r.err, "hook " + hook + ": 0 of 1 test event(s) failed; no mail sent: no local MTA"))
		<< r.err;
	EXPECT_TRUE(std::filesystem::exists(dir.path() + "/hook-ran"));
}
