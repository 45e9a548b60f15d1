// SPDX-License-Identifier: GPL-2.0
// lw-dump (tools/logwrites) against synthetic dm-log-writes logs: the exact
// listing of every kind of entry, and exit status 2 for every bad log.
//
// The images are built here from the kernel's format (see the header of
// tools/logwrites/lw-dump.c): a superblock block, then per entry one header
// block and nr_sectors data blocks (none for a discard), all blocks of the
// log's sectorsize, sector/nr_sectors in units of that sectorsize.  The
// expected CRC-32s were computed independently (Python's zlib.crc32).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "lw_test_util.h"

namespace {

using namespace lwtest;

// One of each kind: plain, metadata, flush, discard, FUA with data, mark,
// flush+FUA with data, the end mark.
LogImage EveryKind(uint32_t sectorsize)
{
	LogImage log(sectorsize);
	log.Entry(8, 2, 0, 1)
		.Entry(1, 1, kMeta, 2)
		.Entry(0, 0, kFlush)
		.Entry(100, 50, kDiscard)
		.Entry(20, 1, kFua, 3)
		.Mark("mkfs")
		.Entry(3, 3, kFlush | kFua | kMeta, 4)
		.Mark("dm-log-writes-end");
	return log;
}

Result RunLwDump(std::vector<std::string> args)
{
	return Run(LW_DUMP, std::move(args));
}

Result Dump(const Bytes &image, std::vector<std::string> opts = {})
{
	TempFile img;
	img.Write(image);
	opts.push_back(img.Path());
	return RunLwDump(opts);
}

// --- the listing -----------------------------------------------------------

TEST(LwDump, TextEveryKind4K)
{
	// sectorsize 4096: every sector and length is 8x the logged value.
	Result r = Dump(EveryKind(4096).Build());
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.out,
		  "0 sector=64 sectors=16 flags=-\n"
		  "1 sector=8 sectors=8 flags=META\n"
		  "2 sector=0 sectors=0 flags=FLUSH\n"
		  "3 sector=800 sectors=400 flags=DISCARD\n"
		  "4 sector=160 sectors=8 flags=FUA\n"
		  "5 sector=0 sectors=0 flags=MARK mark=mkfs\n"
		  "6 sector=24 sectors=24 flags=FLUSH|FUA|META\n"
		  "7 sector=0 sectors=0 flags=MARK mark=dm-log-writes-end\n");
}

TEST(LwDump, TextEveryKind512WithData)
{
	Result r = Dump(EveryKind(512).Build(), { "--data" });
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.out,
		  "0 sector=8 sectors=2 flags=- crc32=32753dbf\n"
		  "1 sector=1 sectors=1 flags=META crc32=cbb4e249\n"
		  "2 sector=0 sectors=0 flags=FLUSH crc32=-\n"
		  "3 sector=100 sectors=50 flags=DISCARD crc32=-\n"
		  "4 sector=20 sectors=1 flags=FUA crc32=58b6dac3\n"
		  "5 sector=0 sectors=0 flags=MARK crc32=- mark=mkfs\n"
		  "6 sector=3 sectors=3 flags=FLUSH|FUA|META crc32=4be77918\n"
		  "7 sector=0 sectors=0 flags=MARK crc32=- mark=dm-log-writes-end\n");
}

TEST(LwDump, JsonEveryKind4KWithData)
{
	Result r = Dump(EveryKind(4096).Build(), { "--json", "--data" });
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.out,
		  "{\"index\":0,\"sector\":64,\"sectors\":16,\"flags\":[],\"mark\":null,\"crc32\":\"e379e1d1\"}\n"
		  "{\"index\":1,\"sector\":8,\"sectors\":8,\"flags\":[\"META\"],\"mark\":null,\"crc32\":\"eb05d7d0\"}\n"
		  "{\"index\":2,\"sector\":0,\"sectors\":0,\"flags\":[\"FLUSH\"],\"mark\":null,\"crc32\":null}\n"
		  "{\"index\":3,\"sector\":800,\"sectors\":400,\"flags\":[\"DISCARD\"],\"mark\":null,\"crc32\":null}\n"
		  "{\"index\":4,\"sector\":160,\"sectors\":8,\"flags\":[\"FUA\"],\"mark\":null,\"crc32\":\"69c0f4a9\"}\n"
		  "{\"index\":5,\"sector\":0,\"sectors\":0,\"flags\":[\"MARK\"],\"mark\":\"mkfs\",\"crc32\":null}\n"
		  "{\"index\":6,\"sector\":24,\"sectors\":24,\"flags\":[\"FLUSH\",\"FUA\",\"META\"],\"mark\":null,\"crc32\":\"cc728677\"}\n"
		  "{\"index\":7,\"sector\":0,\"sectors\":0,\"flags\":[\"MARK\"],\"mark\":\"dm-log-writes-end\",\"crc32\":null}\n");
}

TEST(LwDump, JsonWithoutData)
{
	LogImage log(512);
	log.Entry(5, 1, kFua, 9).Mark("x");
	Result r = Dump(log.Build(), { "--json" });
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "{\"index\":0,\"sector\":5,\"sectors\":1,\"flags\":[\"FUA\"],\"mark\":null}\n"
		  "{\"index\":1,\"sector\":0,\"sectors\":0,\"flags\":[\"MARK\"],\"mark\":\"x\"}\n");
}

TEST(LwDump, MarkNamesAreEscaped)
{
	LogImage log(512);
	log.Mark("a b\\c\"\x01\xe9");
	Result t = Dump(log.Build());
	EXPECT_EQ(t.status, 0) << t.err;
	EXPECT_EQ(t.out, "0 sector=0 sectors=0 flags=MARK mark=a\\x20b\\x5cc\"\\x01\\xe9\n");
	Result j = Dump(log.Build(), { "--json" });
	EXPECT_EQ(j.status, 0) << j.err;
	EXPECT_EQ(j.out, "{\"index\":0,\"sector\":0,\"sectors\":0,\"flags\":[\"MARK\"],"
			 "\"mark\":\"a b\\\\c\\\"\\u0001\\u00e9\"}\n");
}

TEST(LwDump, LongestMarkAndEmptyMark)
{
	LogImage log(512);
	const std::string longest(512 - 32, 'm');
	log.Mark(longest).Mark("");
	Result r = Dump(log.Build());
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "0 sector=0 sectors=0 flags=MARK mark=" + longest + "\n"
			 "1 sector=0 sectors=0 flags=MARK mark=\n");
}

TEST(LwDump, UnknownFlagBitsInHex)
{
	LogImage log(512);
	log.Entry(1, 0, kFua | 0x40).Entry(2, 0, 0x100);
	Result r = Dump(log.Build());
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "0 sector=1 sectors=0 flags=FUA|0x40\n"
			 "1 sector=2 sectors=0 flags=0x100\n");
	Result j = Dump(log.Build(), { "--json" });
	EXPECT_EQ(j.out,
		  "{\"index\":0,\"sector\":1,\"sectors\":0,\"flags\":[\"FUA\",\"0x40\"],\"mark\":null}\n"
		  "{\"index\":1,\"sector\":2,\"sectors\":0,\"flags\":[\"0x100\"],\"mark\":null}\n");
}

TEST(LwDump, OnlyNrEntriesAreListed)
{
	// A live log: entries after the last FUA or mark are not yet counted
	// in the superblock, and trailing garbage is not looked at.
	Bytes img = EveryKind(512).Build(2);
	img.resize(img.size() + 1000, 0xee);
	Result r = Dump(img);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "0 sector=8 sectors=2 flags=-\n"
			 "1 sector=1 sectors=1 flags=META\n");
}

TEST(LwDump, EmptyLog)
{
	Result r = Dump(LogImage(4096).Build());
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "");
}

// --- bad logs: exit 2 ------------------------------------------------------

void ExpectBad(const Bytes &img, const std::string &what,
	       std::vector<std::string> opts = {})
{
	Result r = Dump(img, opts);
	EXPECT_EQ(r.status, 2) << r.out << r.err;
	EXPECT_NE(r.err.find("bad log"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

TEST(LwDump, CorruptMagic)
{
	Bytes img = EveryKind(512).Build();
	img[3] ^= 0x01;
	ExpectBad(img, "magic");
	Result r = Dump(img);
	EXPECT_EQ(r.out, "");
}

TEST(LwDump, WrongVersion)
{
	Bytes img = EveryKind(512).Build();
	PutLe(img, 8, 2, 8);
	ExpectBad(img, "version 2");
}

TEST(LwDump, ImpossibleSectorSize)
{
	for (uint32_t ss : { 0u, 256u, 1000u, 4097u, 1u << 17, 0xffffffffu }) {
		Bytes img = EveryKind(512).Build();
		PutLe(img, 24, ss, 4);
		ExpectBad(img, "sectorsize " + std::to_string(ss));
	}
}

TEST(LwDump, TooSmallForTheSuperblock)
{
	ExpectBad(Bytes(), "too small");
	Bytes img = LogImage(4096).Build();
	img.resize(2048);			// super fields intact, block cut
	ExpectBad(img, "shorter than its 4096-byte superblock");
}

TEST(LwDump, TruncatedLog)
{
	const Bytes full = EveryKind(512).Build();
	// The header of entry 6 starts at 512 * (1 + 3 + 2 + 1 + 1 + 2 + 1) = 5632.
	Bytes img(full.begin(), full.begin() + 5632 + 100);
	Result r = Dump(img);
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("entry 6 of 8 at byte 5632: the log ends inside its header"),
		  std::string::npos) << r.err;
	// What came before the damage is listed.
	EXPECT_EQ(r.out,
		  "0 sector=8 sectors=2 flags=-\n"
		  "1 sector=1 sectors=1 flags=META\n"
		  "2 sector=0 sectors=0 flags=FLUSH\n"
		  "3 sector=100 sectors=50 flags=DISCARD\n"
		  "4 sector=20 sectors=1 flags=FUA\n"
		  "5 sector=0 sectors=0 flags=MARK mark=mkfs\n");

	// Cut inside entry 6's data: caught with and without --data.
	img.assign(full.begin(), full.begin() + 5632 + 512 + 1024);
	ExpectBad(img, "entry 6 at byte 5632: 3 data blocks run past the end");
	ExpectBad(img, "entry 6 at byte 5632: 3 data blocks run past the end", { "--data" });

	// Cut exactly at the end of an entry: the superblock promises more.
	img.assign(full.begin(), full.begin() + 5632);
	ExpectBad(img, "entry 6 of 8");
}

TEST(LwDump, LengthsFromTheLogAreNotTrusted)
{
	// nr_entries far beyond the device.
	ExpectBad(EveryKind(512).Build(INT64_MAX), "entry 8 of");

	// A write claiming 2^60 blocks of data.
	LogImage huge(512);
	huge.Entry(0, 0, 0);
	Bytes img = huge.Build();
	PutLe(img, 512 + 8, 1ull << 60, 8);
	ExpectBad(img, "data blocks run past the end", { "--data" });

	// sector or length that overflow when converted to 512-byte sectors.
	LogImage big(4096);
	big.Entry(0, 0, kDiscard);
	img = big.Build();
	PutLe(img, 4096, 1ull << 61, 8);
	ExpectBad(img, "overflows");
	img = big.Build();
	PutLe(img, 4096 + 8, UINT64_MAX / 8 + 1, 8);
	ExpectBad(img, "overflows");
	img = big.Build();			// each fits, the end does not
	PutLe(img, 4096, UINT64_MAX / 8, 8);
	PutLe(img, 4096 + 8, 1, 8);
	ExpectBad(img, "overflows");

	// A mark name longer than its block can hold.
	LogImage mark(512);
	mark.Mark("m");
	img = mark.Build();
	PutLe(img, 512 + 24, 512 - 32 + 1, 8);
	ExpectBad(img, "mark name of 481 bytes");
	PutLe(img, 512 + 24, UINT64_MAX, 8);
	ExpectBad(img, "mark name of");
}

// --- usage -----------------------------------------------------------------

TEST(LwDump, UsageAndOpenErrorsExit1)
{
	EXPECT_EQ(RunLwDump({}).status, 1);
	EXPECT_EQ(RunLwDump({ "--bogus", "x" }).status, 1);
	EXPECT_EQ(RunLwDump({ "a", "b" }).status, 1);
	Result r = RunLwDump({ "/nonexistent/lw-dump-test-log" });
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
}

} // namespace
