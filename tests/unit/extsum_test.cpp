// SPDX-License-Identifier: GPL-2.0
// The remap table's coarse summary (include/dm-remap/extsum.h): it may say
// "maybe" for a clear range, never "clear" for a range an extent touches.
#include "test_util.h"

#include "dm-remap/extsum.h"

#include <random>
#include <vector>

namespace {

constexpr __u32 kLog2Bits = 20;
static_assert(DMR_SUM_BITS == 1u << kLog2Bits, "update kLog2Bits");

struct Summary {
	std::vector<__u64> sum = std::vector<__u64>(DMR_SUM_WORDS, ~0ull);
	__u32 shift = 0;
	void build(const std::vector<dmr_extent> &e, __u64 main_blocks)
	{
		shift = dmr_sum_shift(main_blocks);
		dmr_sum_build(sum.data(), shift, e.data(), (__u32)e.size());
	}
	bool clear(__u64 first, __u64 last) const { return dmr_sum_clear(sum.data(), shift, first, last); }
};

bool overlaps(const std::vector<dmr_extent> &e, __u64 first, __u64 last)
{
	for (const auto &x : e)
		if (x.lblock <= last && dmr_ext_end(&x) > first)
			return true;
	return false;
}

// Random disjoint sorted extents in [0, main), made with dmr_ext_insert.
std::vector<dmr_extent> random_table(std::mt19937_64 &rng, __u64 main, unsigned n, __u32 maxlen)
{
	std::vector<dmr_extent> e(n);
	__u32 nr = 0;
	for (unsigned i = 0; i < 4 * n && nr < n; i++) {
		dmr_extent x{};
		x.len = 1 + (__u32)(rng() % maxlen);
		if (x.len > main)
			continue;
		x.lblock = rng() % (main - x.len + 1);
		x.sblock = i * (__u64)maxlen;
		(void)dmr_ext_insert(e.data(), &nr, n, &x);
	}
	e.resize(nr);
	return e;
}

TEST(ExtSum, Shift)
{
	EXPECT_EQ(dmr_sum_shift(0), 0u);
	EXPECT_EQ(dmr_sum_shift(DMR_SUM_BITS), 0u);
	EXPECT_EQ(dmr_sum_shift(DMR_SUM_BITS + 1ull), 1u);
	EXPECT_EQ(dmr_sum_shift(2ull * DMR_SUM_BITS), 1u);
	EXPECT_EQ(dmr_sum_shift(1ull << 40), 40u - kLog2Bits);
	// Every block of the device has a bucket.
	for (__u64 m : { 1ull, 1000ull, 16000000ull, (1ull << 33) + 7, ~0ull }) {
		const __u32 s = dmr_sum_shift(m);
		EXPECT_LT((m - 1) >> s, (__u64)DMR_SUM_BITS) << m;
	}
}

TEST(ExtSum, EmptyTableIsClearEverywhere)
{
	Summary s;
	s.build({}, 1ull << 30);
	EXPECT_TRUE(s.clear(0, 0));
	EXPECT_TRUE(s.clear(0, (1ull << 30) - 1));
}

TEST(ExtSum, DirectedBuckets)
{
	// Twice as many blocks as bits: shift 1, buckets of 2 blocks.
	Summary s;
	s.build({ { 10, 0, 1, 0 }, { 13, 1, 4, DMR_EXT_PENDING }, { 1000, 5, 1, 0 } },
		2ull * DMR_SUM_BITS);
	ASSERT_EQ(s.shift, 1u);
	EXPECT_TRUE(s.clear(0, 9));
	EXPECT_FALSE(s.clear(0, 10));
	EXPECT_FALSE(s.clear(11, 11));		// same bucket as 10: "maybe"
	EXPECT_FALSE(s.clear(12, 12));		// bucket of 13
	EXPECT_FALSE(s.clear(16, 16));
	EXPECT_TRUE(s.clear(18, 999 - 1));
	EXPECT_FALSE(s.clear(18, 1000));
	EXPECT_TRUE(s.clear(1002, 2ull * DMR_SUM_BITS - 1));
}

TEST(ExtSum, BeyondTheSummaryIsMaybe)
{
	Summary s;
	s.build({}, DMR_SUM_BITS);
	EXPECT_TRUE(s.clear(DMR_SUM_BITS - 1, DMR_SUM_BITS - 1));
	EXPECT_FALSE(s.clear(DMR_SUM_BITS, DMR_SUM_BITS));
	EXPECT_FALSE(s.clear(0, ~0ull));
}

TEST(ExtSum, LongExtentCoversEveryBucket)
{
	Summary s;
	// Buckets of 2^(32 - kLog2Bits) blocks; the extent starts at block 2^20.
	s.build({ { 1ull << 20, 0, 0xffffffffu - (1u << 20), 0 } }, 1ull << 32);
	ASSERT_EQ(s.shift, 32u - kLog2Bits);
	EXPECT_TRUE(s.clear(0, (1ull << 20) - 1));
	EXPECT_FALSE(s.clear((1ull << 31), (1ull << 31)));
	EXPECT_FALSE(s.clear((1ull << 32) - 1, (1ull << 32) - 1));
}

// Against a brute-force overlap check: never "clear" where an extent is,
// and exact per bucket (a bucket is "maybe" only if an extent touches it).
class ExtSumModel : public ::testing::TestWithParam<std::tuple<uint64_t, __u64>> {};

TEST_P(ExtSumModel, NeverClearWhereAnExtentIs)
{
	const auto [seed, main] = GetParam();
	std::mt19937_64 rng(seed);
	for (unsigned round = 0; round < 20; round++) {
		const auto e = random_table(rng, main, 1 + (unsigned)(rng() % 300),
					    1 + (__u32)(rng() % 64));
		Summary s;
		s.build(e, main);
		const __u64 bucket = 1ull << s.shift;
		for (unsigned q = 0; q < 3000; q++) {
			const __u64 first = rng() % main;
			const __u64 last = std::min(main - 1, first + rng() % 300);
			if (overlaps(e, first, last)) {
				ASSERT_FALSE(s.clear(first, last)) << first << "-" << last;
			}
			const __u64 b0 = first & ~(bucket - 1), b1 = last | (bucket - 1);
			ASSERT_EQ(s.clear(first, last), !overlaps(e, b0, b1)) << first << "-" << last;
		}
		// Every block of every extent, and the blocks around it.
		for (const auto &x : e) {
			ASSERT_FALSE(s.clear(x.lblock, x.lblock));
			ASSERT_FALSE(s.clear(dmr_ext_end(&x) - 1, dmr_ext_end(&x) - 1));
		}
	}
}

INSTANTIATE_TEST_SUITE_P(Sizes, ExtSumModel,
			 ::testing::Combine(::testing::Values(1, 2, 3),
					    ::testing::Values(5000ull, DMR_SUM_BITS * 1ull,
							      DMR_SUM_BITS * 5ull + 3,
							      1ull << 34)));

} // namespace
