// SPDX-License-Identifier: GPL-2.0
// lw-replay (tools/logwrites) on hand-built dm-log-writes logs: replay up to
// an entry, the crash states it lists (one per FLUSH and FUA entry, K random
// ones per interval between flushes) and the images it builds from them.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lw_test_util.h"

namespace {

using namespace lwtest;

constexpr uint32_t kSS = 512;

// Entries (one 512-byte sector each, data Pattern(seed = index + 1)):
//   0 plain s0 | 1 FUA s1 | 2 FLUSH | 3 plain s2 | 4 mark | 5 FUA s3 |
//   6 plain s4 | 7 FLUSH|FUA s5 | 8 plain s6 | 9 FLUSH s7 (data, no FUA) |
//   10 plain s8
LogImage Sample()
{
	LogImage log(kSS);
	log.Entry(0, 1, 0, 1)
		.Entry(1, 1, kFua, 2)
		.Entry(0, 0, kFlush)
		.Entry(2, 1, 0, 4)
		.Mark("ack")
		.Entry(3, 1, kFua, 6)
		.Entry(4, 1, 0, 7)
		.Entry(5, 1, kFlush | kFua, 8)
		.Entry(6, 1, 0, 9)
		.Entry(7, 1, kFlush, 10)
		.Entry(8, 1, 0, 11);
	return log;
}

Result Replay(std::vector<std::string> args)
{
	return Run(LW_REPLAY, std::move(args));
}

// Which of sectors 0..8 of the image hold which entry's data (0 = zeros,
// -1 = something else).
std::vector<int> WhoIsWhere(const std::string &img)
{
	std::ifstream f(img, std::ios::binary);
	std::vector<int> who;
	for (int s = 0; s < 9; s++) {
		Bytes b(kSS, 0);
		f.read(reinterpret_cast<char *>(b.data()), kSS);
		if (!f)
			b.assign(kSS, 0), f.clear();
		int w = -1;
		if (b == Bytes(kSS, 0))
			w = 0;
		for (unsigned seed = 1; seed <= 11; seed++)
			if (b == Pattern(seed, kSS))
				w = (int)seed;
		who.push_back(w);
	}
	return who;
}

struct State {
	std::string line, kind;
	long crash, base;
	std::vector<long> keep;
};

std::vector<State> ParseStates(const std::string &out)
{
	std::vector<State> v;
	std::istringstream in(out);
	std::string line;
	while (std::getline(in, line)) {
		State s;
		s.line = line;
		char kind[16] = {}, keep[4096] = {};
		long id;
		EXPECT_EQ(sscanf(line.c_str(), "%ld %15s crash=%ld base=%ld keep=%4095s", &id, kind,
				 &s.crash, &s.base, keep), 5) << line;
		EXPECT_EQ(id, (long)v.size()) << line;
		s.kind = kind;
		if (std::string(keep) != "-") {
			std::istringstream k(keep);
			std::string tok;
			while (std::getline(k, tok, ','))
				s.keep.push_back(std::stol(tok));
		}
		v.push_back(s);
	}
	return v;
}

TEST(LwReplay, ReplayUpToAnEntry)
{
	TempFile log, img;
	log.Write(Sample().Build());
	Result r = Replay({ "replay", log.Path(), img.Path(), "--upto", "5" });
	ASSERT_EQ(r.status, 0) << r.err;
	// Everything logged up to entry 5, lost or not: entries 0, 1, 3, 5.
	EXPECT_EQ(WhoIsWhere(img.Path()), (std::vector<int>{ 1, 2, 4, 6, 0, 0, 0, 0, 0 }));
	r = Replay({ "replay", log.Path(), img.Path() });
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(WhoIsWhere(img.Path()), (std::vector<int>{ 1, 2, 4, 6, 7, 8, 9, 10, 11 }));
}

TEST(LwReplay, PrefixStatesAtEveryFlushAndFua)
{
	TempFile log;
	log.Write(Sample().Build());
	Result r = Replay({ "states", log.Path(), "--k", "0" });
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "0 prefix crash=1 base=1 keep=-\n"
			 "1 prefix crash=2 base=2 keep=-\n"
			 "2 prefix crash=5 base=5 keep=-\n"
			 "3 prefix crash=7 base=7 keep=-\n"
			 "4 prefix crash=9 base=9 keep=-\n");
	EXPECT_NE(r.err.find("11 entries, 3 flushes, 3 FUA; 5 prefix and 0 random"),
		  std::string::npos) << r.err;
}

TEST(LwReplay, PrefixStateKeepsOnlyWhatIsDurable)
{
	TempFile log, img;
	log.Write(Sample().Build());
	auto build = [&](const std::string &line) {
		Result r = Replay({ "build", log.Path(), img.Path(), "--size", "8192", "--state", line });
		EXPECT_EQ(r.status, 0) << r.err;
		return WhoIsWhere(img.Path());
	};
	// After the FUA entry 1: only the FUA write; the plain write 0 is unflushed.
	EXPECT_EQ(build("0 prefix crash=1 base=1 keep=-"),
		  (std::vector<int>{ 0, 2, 0, 0, 0, 0, 0, 0, 0 }));
	// After the flush 2: 0 and 1.
	EXPECT_EQ(build("0 prefix crash=2 base=2 keep=-"),
		  (std::vector<int>{ 1, 2, 0, 0, 0, 0, 0, 0, 0 }));
	// After the FUA entry 5: 0, 1 and 5, not the plain 3 after the flush.
	EXPECT_EQ(build("0 prefix crash=5 base=5 keep=-"),
		  (std::vector<int>{ 1, 2, 0, 6, 0, 0, 0, 0, 0 }));
	// After the flush with data and FUA (7): everything before it, and its data.
	EXPECT_EQ(build("0 prefix crash=7 base=7 keep=-"),
		  (std::vector<int>{ 1, 2, 4, 6, 7, 8, 0, 0, 0 }));
	// After the flush with data but no FUA (9): everything before, not its data.
	EXPECT_EQ(build("0 prefix crash=9 base=9 keep=-"),
		  (std::vector<int>{ 1, 2, 4, 6, 7, 8, 9, 0, 0 }));
	// The size is the size, and the image was zeroed first.
	std::ifstream f(img.Path(), std::ios::binary | std::ios::ate);
	EXPECT_EQ((long)f.tellg(), 8192);
}

TEST(LwReplay, RandomStatesPerIntervalBetweenFlushes)
{
	TempFile log;
	log.Write(Sample().Build());
	Result r = Replay({ "states", log.Path(), "--k", "40", "--seed", "7" });
	ASSERT_EQ(r.status, 0) << r.err;
	auto states = ParseStates(r.out);
	// The pool (may be lost) and the FUA writes (must be kept) per interval.
	std::map<std::pair<long, long>, std::pair<std::set<long>, std::set<long>>> iv = {
		{ { -1, 2 }, { { 0 }, { 1 } } },
		{ { 2, 7 }, { { 3, 6 }, { 5 } } },
		{ { 7, 9 }, { { 8 }, {} } },
		{ { 9, 11 }, { { 9, 10 }, {} } },
	};
	std::map<std::pair<long, long>, std::set<std::set<long>>> seen;
	size_t random = 0;
	for (auto &s : states) {
		if (s.kind != "random")
			continue;
		random++;
		auto it = iv.find({ s.base, s.crash });
		ASSERT_NE(it, iv.end()) << s.line;
		std::set<long> kept(s.keep.begin(), s.keep.end());
		EXPECT_EQ(kept.size(), s.keep.size()) << "an entry twice: " << s.line;
		for (long f : it->second.second)
			EXPECT_TRUE(kept.count(f)) << "FUA write " << f << " dropped: " << s.line;
		std::set<long> lost;
		for (long k : kept) {
			if (!it->second.second.count(k)) {
				EXPECT_TRUE(it->second.first.count(k)) << k << " not in the pool: " << s.line;
				lost.insert(k);
			}
		}
		seen[it->first].insert(lost);
		// The FUA writes come last, in log order: nothing reorders them.
		std::vector<long> tail(s.keep.end() - (long)it->second.second.size(), s.keep.end());
		EXPECT_EQ(tail, std::vector<long>(it->second.second.begin(), it->second.second.end()))
			<< s.line;
	}
	EXPECT_EQ(random, 4u * 40u);
	// 40 draws find every subset of a pool of at most 2.
	EXPECT_EQ(seen[std::make_pair(-1L, 2L)].size(), 2u);
	EXPECT_EQ(seen[std::make_pair(2L, 7L)].size(), 4u);
	EXPECT_EQ(seen[std::make_pair(9L, 11L)].size(), 4u);
	// Both orders of 3 and 6 (with 5 among them) show up.
	bool order36 = false, order63 = false;
	for (auto &s : states) {
		std::vector<long> k;
		for (long x : s.keep)
			if (x == 3 || x == 6)
				k.push_back(x);
		if (k == std::vector<long>{ 3, 6 })
			order36 = true;
		if (k == std::vector<long>{ 6, 3 })
			order63 = true;
	}
	EXPECT_TRUE(order36 && order63);
}

TEST(LwReplay, RandomStateBuildsInTheGivenOrder)
{
	LogImage l(kSS);
	l.Entry(0, 0, kFlush).Entry(4, 1, 0, 1).Entry(4, 1, 0, 2).Entry(0, 0, kFlush);
	TempFile log, img;
	log.Write(l.Build());
	Result r = Replay({ "build", log.Path(), img.Path(), "--size", "4096", "--state",
			    "0 random crash=3 base=0 keep=2,1" });
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(WhoIsWhere(img.Path())[4], 1);
	r = Replay({ "build", log.Path(), img.Path(), "--size", "4096", "--state",
		     "0 random crash=3 base=0 keep=1,2" });
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(WhoIsWhere(img.Path())[4], 2);
	r = Replay({ "build", log.Path(), img.Path(), "--size", "4096", "--state",
		     "0 random crash=3 base=0 keep=-" });
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(WhoIsWhere(img.Path())[4], 0);
}

TEST(LwReplay, SeedAndMax)
{
	TempFile log;
	log.Write(Sample().Build());
	Result a = Replay({ "states", log.Path(), "--k", "5", "--seed", "3" });
	Result b = Replay({ "states", log.Path(), "--k", "5", "--seed", "3" });
	Result c = Replay({ "states", log.Path(), "--k", "5", "--seed", "4" });
	ASSERT_EQ(a.status, 0);
	EXPECT_EQ(a.out, b.out);
	EXPECT_NE(a.out, c.out);
	Result m = Replay({ "states", log.Path(), "--k", "5", "--max", "7" });
	ASSERT_EQ(m.status, 0) << m.err;
	auto states = ParseStates(m.out);
	EXPECT_EQ(states.size(), 7u);
	EXPECT_NE(m.err.find("5 prefix and 20 random crash states, 7 printed"), std::string::npos)
		<< m.err;
}

TEST(LwReplay, BadInputIsRefusedAndChangesNothing)
{
	TempFile log, img;
	log.Write(Sample().Build());
	img.Write(Bytes(1024, 0x5a));
	for (const char *line : { "0 prefix crash=99 base=1 keep=-", "0 random crash=3 base=x keep=-",
				  "0 random crash=3 base=2 keep=4", "0 random crash=3 base=2 keep=1,99",
				  "0 other crash=1 base=1 keep=-", "garbage", "0 prefix crash=1 base=11 keep=-" }) {
		Result r = Replay({ "build", log.Path(), img.Path(), "--size", "4096", "--state", line });
		EXPECT_EQ(r.status, 1) << line;
		EXPECT_NE(r.err.find("lw-replay: "), std::string::npos) << r.err;
		EXPECT_EQ(img.Read(), std::string(1024, 0x5a)) << line;
	}
	EXPECT_EQ(Replay({ "replay", log.Path(), img.Path(), "--upto", "11" }).status, 1);
	EXPECT_EQ(Replay({ "states", log.Path(), "--k", "-1" }).status, 1);
	EXPECT_EQ(Replay({ "states", log.Path(), "--bogus", "1" }).status, 1);
	EXPECT_EQ(Replay({ "frobnicate", log.Path() }).status, 1);
	EXPECT_EQ(img.Read(), std::string(1024, 0x5a));
	// A bad log: exit 2, whatever the command.
	Bytes bad = Sample().Build();
	bad[0] ^= 1;
	log.Write(bad);
	Result r = Replay({ "states", log.Path() });
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("bad log: superblock magic"), std::string::npos) << r.err;
	EXPECT_EQ(Replay({ "build", log.Path(), img.Path(), "--size", "4096", "--state",
			   "0 prefix crash=1 base=1 keep=-" }).status, 2);
	EXPECT_EQ(img.Read(), std::string(1024, 0x5a));
}

} // namespace
