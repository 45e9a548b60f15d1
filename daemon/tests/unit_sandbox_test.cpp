// remapd --test-hook under systemd: the unit's sandbox settings read from
// `systemctl cat remapd.service`, the systemd-run command built from them,
// and the no-MTA check (remap/unit_sandbox.hpp).  The shipped unit itself
// is checked for what the hook and sendmail need.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "remap/unit_sandbox.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool has(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

bool has_prefix(const std::vector<std::string> &v, const std::string &p)
{
	return std::any_of(v.begin(), v.end(), [&](const std::string &s) { return s.rfind(p, 0) == 0; });
}

}  // namespace

// What `systemctl cat` prints: the unit, then each drop-in, each headed by
// its path as a comment.  Only [Service] sandbox settings are kept, in
// order, resets ("Key=") included; the service's own life is not copied.
TEST(UnitSandbox, SettingsFromSystemctlCat)
{
	const char *text = "# /lib/systemd/system/remapd.service\n"
			   "[Unit]\n"
			   "Description=x\n"
			   "After=systemd-udevd.service\n"
			   "\n"
			   "[Service]\n"
			   "Type=notify\n"
			   "NotifyAccess=main\n"
			   "ExecStart=/usr/sbin/remapd -f\n"
			   "ExecReload=/bin/kill -HUP $MAINPID\n"
			   "Restart=on-failure\n"
			   "RestartSec=2s\n"
			   "WatchdogSec=30s\n"
			   "TimeoutStopSec=15s\n"
			   "# a comment\n"
			   "  ; another\n"
			   "ProtectSystem=strict\n"
			   "ReadWritePaths=-/run/remapd \\\n"
			   "    -/var/mail\n"
			   "RuntimeDirectory=remapd\n"
			   "RestrictAddressFamilies=AF_UNIX AF_NETLINK\n"
			   "SystemCallFilter=@system-service\n"
			   "SystemCallFilter=~@mount @swap\n"
			   "\n"
			   "[Install]\n"
			   "WantedBy=sysinit.target\n"
			   "\n"
			   "# /etc/systemd/system/remapd.service.d/hooks.conf\n"
			   "[Service]\n"
			   "RestrictAddressFamilies=\n"
			   "RestrictAddressFamilies = AF_UNIX AF_INET\n"
			   "MemoryDenyWriteExecute=no\n";
	std::vector<std::string> want = {"ProtectSystem=strict",
					 "ReadWritePaths=-/run/remapd  -/var/mail",
					 "RestrictAddressFamilies=AF_UNIX AF_NETLINK",
					 "SystemCallFilter=@system-service",
					 "SystemCallFilter=~@mount @swap",
					 "RestrictAddressFamilies=",
					 "RestrictAddressFamilies=AF_UNIX AF_INET",
					 "MemoryDenyWriteExecute=no"};
	EXPECT_EQ(unit_sandbox_settings(text), want);
	EXPECT_TRUE(unit_sandbox_settings("").empty());
	EXPECT_TRUE(unit_sandbox_settings("[Unit]\nProtectSystem=strict\n").empty());
}

// Every exec setting of the shipped unit reaches systemd-run, and it has
// what a hook and sendmail need (docs/remapd.md, "Hooks in the sandbox").
TEST(UnitSandbox, ShippedUnit)
{
	auto s = unit_sandbox_settings(read_file(REMAP_SOURCE_DIR "/systemd/remapd.service"));
	EXPECT_TRUE(has(s, "ProtectSystem=strict"));
	EXPECT_TRUE(has(s, "ProtectHome=yes"));
	EXPECT_TRUE(has(s, "SystemCallFilter=@system-service"));
	EXPECT_TRUE(has(s, "MemoryDenyWriteExecute=yes"));
	EXPECT_TRUE(has(s, "ConfigurationDirectory=dm-remap"));
	// mktemp in a hook, an MTA's temporary files: a private writable /tmp,
	// without PrivateTmp= (an ordering cycle with Before=local-fs-pre.target).
	EXPECT_TRUE(has(s, "TemporaryFileSystem=/tmp:mode=1777"));
	EXPECT_FALSE(has_prefix(s, "PrivateTmp="));
	// The MTAs' queues, logs and mailboxes.
	EXPECT_TRUE(has(s, "ReadWritePaths=-/var/spool/exim4 -/var/log/exim4 -/var/spool/postfix "
			   "-/var/spool/nullmailer -/var/mail"));
	// exim switches users; postdrop is setgid, nullmailer-queue setuid.
	auto caps = std::find_if(s.begin(), s.end(),
				 [](const std::string &x) { return x.rfind("CapabilityBoundingSet=", 0) == 0; });
	ASSERT_NE(caps, s.end());
	EXPECT_NE(caps->find(" CAP_SETUID"), std::string::npos) << *caps;
	EXPECT_NE(caps->find(" CAP_SETGID"), std::string::npos) << *caps;
	EXPECT_FALSE(has_prefix(s, "NoNewPrivileges="));
	EXPECT_FALSE(has_prefix(s, "PrivateDevices="));
	// Settings of the service's life never reach the transient unit.
	for (const char *k : {"Type=", "ExecStart=", "ExecReload=", "Restart=", "RestartSec=", "WatchdogSec=",
			      "TimeoutStopSec=", "NotifyAccess=", "RuntimeDirectory="})
		EXPECT_FALSE(has_prefix(s, k)) << k;
	EXPECT_GE(s.size(), 20u);
}

TEST(UnitSandbox, SystemdRunCommand)
{
	auto argv = systemd_run_command("/usr/bin/systemd-run", {"ProtectSystem=strict", "ReadWritePaths="},
					{{"REMAPD_EVENT", "test"}, {"REMAPD_MESSAGE", "a b; c"}},
					{"/usr/sbin/sendmail", "-t"}, 30, "remapd --test-hook");
	std::vector<std::string> want = {"/usr/bin/systemd-run",
					 "--wait",
					 "--pipe",
					 "--collect",
					 "--quiet",
					 "--no-ask-password",
					 "--service-type=exec",
					 "--description=remapd --test-hook",
					 "-p",
					 "RuntimeMaxSec=30",
					 "-p",
					 "KillMode=process",
					 "-p",
					 "ProtectSystem=strict",
					 "-p",
					 "ReadWritePaths=",
					 "-E",
					 "REMAPD_EVENT=test",
					 "-E",
					 "REMAPD_MESSAGE=a b; c",
					 "--",
					 "/usr/sbin/sendmail",
					 "-t"};
	EXPECT_EQ(argv, want);
}

// mail_to without a sendmail: one line saying mail is off and what to do.
TEST(UnitSandbox, NoMta)
{
	TempDir dir;
	std::string sm = dir.path() + "/sendmail";
	EXPECT_EQ(no_mta_message(sm), "mail_to is set but " + sm +
					      " cannot be run (No such file or directory): no local MTA: "
					      "mail alerts disabled, install an MTA (e.g. exim4-daemon-light, "
					      "postfix, nullmailer) or set a hook");
	EXPECT_EQ(program_problem(sm), "No such file or directory");
	std::ofstream(sm) << "#!/bin/sh\n";
	EXPECT_EQ(program_problem(sm), "not executable");
	::chmod(sm.c_str(), 0755);
	EXPECT_EQ(program_problem(sm), "");
	EXPECT_EQ(no_mta_message(sm), "");
	EXPECT_EQ(program_problem(dir.path()), "not a regular file");
}
