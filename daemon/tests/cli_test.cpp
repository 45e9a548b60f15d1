// remapctl as a program: exit codes, one-line errors, nothing changed on
// refusal.  Uses image files, so it needs no root and no kernel module.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "remap/spare_format.hpp"
#include "remap/spare_metadata.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

struct Result {
	int code = -1;
	std::string out;
	std::string err;
};

Result remapctl(const std::string &args)
{
	TempFile out, err;
	std::string cmd = std::string(REMAPCTL_PATH) + " " + args + " >" + out.path() + " 2>" + err.path();
	int st = std::system(cmd.c_str());
	Result r;
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	auto o = out.contents();
	auto e = err.contents();
	r.out.assign(o.begin(), o.end());
	r.err.assign(e.begin(), e.end());
	return r;
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
