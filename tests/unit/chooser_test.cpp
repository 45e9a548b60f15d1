// SPDX-License-Identifier: GPL-2.0
// Choosing among the five copies and planning their repair.
#include "test_util.h"

#include <array>

using namespace dmrtest;

namespace {

using States = std::array<dmr_copy_state, DMR_NR_COPIES>;

dmr_copy_state S(enum dmr_status st, uint64_t seq) { return dmr_copy_state{ st, seq }; }

// Reference: the valid copy with the highest seq, lowest index on ties.
int RefChoose(const States &st)
{
	int best = -1;
	for (int i = 0; i < DMR_NR_COPIES; i++)
		if (st[i].status == DMR_OK && (best < 0 || st[i].seq > st[best].seq))
			best = i;
	return best;
}

unsigned RefMask(const States &st, int best)
{
	if (best < 0)
		return 0;
	unsigned m = 0;
	for (int i = 0; i < DMR_NR_COPIES; i++)
		if (st[i].status != DMR_OK || st[i].seq < st[best].seq)
			m |= 1u << i;
	return m;
}

TEST(Choose, HighestValidSeqWins)
{
	States st = { S(DMR_OK, 5), S(DMR_OK, 9), S(DMR_OK, 7), S(DMR_E_CRC, 100), S(DMR_BLANK, 0) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 1);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 1), 0b11101u);
	st = { S(DMR_OK, 1), S(DMR_OK, 2), S(DMR_OK, 3), S(DMR_OK, 4), S(DMR_OK, 5) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 4);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 4), 0b01111u);
	st = { S(DMR_OK, UINT64_MAX), S(DMR_OK, 2), S(DMR_OK, UINT64_MAX - 1), S(DMR_OK, 1),
	       S(DMR_OK, 0) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 0);
}

TEST(Choose, TiesGoToTheLowestIndex)
{
	States st = { S(DMR_OK, 3), S(DMR_OK, 3), S(DMR_OK, 3), S(DMR_OK, 3), S(DMR_OK, 3) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 0);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 0), 0u);
	st = { S(DMR_E_CRC, 9), S(DMR_OK, 2), S(DMR_OK, 3), S(DMR_OK, 1), S(DMR_OK, 3) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 2);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 2), 0b01011u);
	st = { S(DMR_BLANK, 0), S(DMR_E_MAGIC, 0), S(DMR_E_CRC, 0), S(DMR_OK, 8), S(DMR_OK, 8) };
	EXPECT_EQ(dmr_meta_choose(st.data()), 3);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 3), 0b00111u);
}

TEST(Choose, InvalidCopiesAreIgnoredWhateverTheirSeq)
{
	for (int s = 1; s < DMR_STATUS_COUNT; s++) {
		States st = { S((enum dmr_status)s, ~0ull), S(DMR_OK, 4),
			      S((enum dmr_status)s, 1000), S(DMR_OK, 4), S(DMR_OK, 2) };
		EXPECT_EQ(dmr_meta_choose(st.data()), 1) << s;
		EXPECT_EQ(dmr_meta_repair_mask(st.data(), 1), 0b10101u) << s;
	}
}

TEST(Choose, NothingValid)
{
	States st = { S(DMR_BLANK, 0), S(DMR_BLANK, 0), S(DMR_BLANK, 0), S(DMR_BLANK, 0),
		      S(DMR_BLANK, 0) };
	EXPECT_EQ(dmr_meta_choose(st.data()), -1);
	st = { S(DMR_E_CRC, 5), S(DMR_E_MAGIC, 5), S(DMR_E_LOCATION, 5), S(DMR_E_SHORT, 5),
	       S(DMR_E_GEOMETRY, 5) };
	EXPECT_EQ(dmr_meta_choose(st.data()), -1);
}

TEST(RepairMask, OutOfRangeBestPlansNothing)
{
	States st = { S(DMR_OK, 1), S(DMR_E_CRC, 0), S(DMR_OK, 1), S(DMR_OK, 1), S(DMR_OK, 1) };
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), -1), 0u);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 5), 0u);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 1000), 0u);
}

TEST(Choose, MatchesReferenceOnRandomStates)
{
	std::mt19937_64 rng(5);
	const enum dmr_status kinds[] = { DMR_OK, DMR_OK, DMR_OK, DMR_BLANK, DMR_E_CRC,
					  DMR_E_MAGIC, DMR_E_LOCATION };
	for (int it = 0; it < 20000; it++) {
		States st;
		for (auto &s : st)
			s = S(kinds[Rnd(rng, 0, 6)], Rnd(rng, 0, 4));
		int best = dmr_meta_choose(st.data());
		ASSERT_EQ(best, RefChoose(st));
		ASSERT_EQ(dmr_meta_repair_mask(st.data(), best), RefMask(st, best));
	}
}

// --- real encoded copies ---------------------------------------------------

constexpr size_t kSlot = 16384;	// a slot prefix big enough for these tables

enum Damage { kFlip, kBlank, kForeign, kTorn, kMisplaced, kTruncated, kNrDamage };

class CopySet : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::mt19937_64 rng(2024);
		RandomMeta(rng, 300, older_);
		older_.m.seq = 100;
		newer_ = older_;
		newer_.m.seq = 101;
		newer_.m.health.write_errors++;
		newer_.m.nr_extents = 280;	// the newer commit dropped some
		ASSERT_EQ(dmr_meta_validate(&newer_.m, newer_.scratch()), DMR_OK);
		// The next commit moves every spare block, so a torn mix of it
		// and any older copy cannot accidentally be a valid copy.
		future_ = newer_;
		future_.m.seq = 102;
		future_.m.scan.passes++;
		for (uint32_t i = 0; i < future_.m.nr_extents; i++)
			if (!(future_.ext(i).flags & DMR_EXT_PENDING))
				future_.ext(i).sblock += 1000;
		future_.m.spare_used += 1000;
		if (future_.m.spare_blocks < future_.m.spare_used) {
			future_.m.spare_blocks = future_.m.spare_used;
			future_.m.spare_sectors = DMR_DATA_START_SECTOR +
						  future_.m.spare_blocks * (future_.m.block_size / 512);
		}
		ASSERT_EQ(dmr_meta_validate(&future_.m, future_.scratch()), DMR_OK);
		for (unsigned c = 0; c < DMR_NR_COPIES; c++) {
			enc_old_[c] = Slot(Encode(older_, c));
			enc_new_[c] = Slot(Encode(newer_, c));
			enc_future_[c] = Slot(Encode(future_, c));
		}
	}

	static Bytes Slot(Bytes b)
	{
		EXPECT_LE(b.size(), kSlot);
		b.resize(kSlot, 0);
		return b;
	}

	// Damage the slot of copy c in one of several realistic ways.
	Bytes Damaged(const Bytes &good, unsigned c, Damage how) const
	{
		Bytes b(good);
		switch (how) {
		case kFlip:
			b[600 + 7 * c] ^= 0x40;
			break;
		case kBlank:
			std::fill(b.begin(), b.end(), 0);
			break;
		case kForeign:
			std::fill(b.begin(), b.end(), 0);
			b[1024 + 0x38] = 0x53;
			b[1024 + 0x39] = 0xEF;
			break;
		case kTorn:	// the first page of a later commit landed
			std::copy(enc_future_[c].begin(), enc_future_[c].begin() + 4096, b.begin());
			break;
		case kMisplaced:	// a write went to the wrong slot
			b = enc_new_[(c + 1) % DMR_NR_COPIES];
			break;
		case kTruncated:
			std::fill(b.begin() + 512, b.end(), 0);
			break;
		default:
			break;
		}
		return b;
	}

	// Read all five slots the way the kernel/daemon would.
	int Choose(const std::array<Bytes, DMR_NR_COPIES> &slots, States &st,
		   std::array<MetaBuf, DMR_NR_COPIES> &out)
	{
		for (unsigned c = 0; c < DMR_NR_COPIES; c++) {
			enum dmr_status s = dmr_meta_check_copy(slots[c].data(), slots[c].size(), c,
								&out[c].m, out[c].scratch());
			// Garbage seq for invalid copies: it must not matter.
			st[c] = S(s, s == DMR_OK ? out[c].m.seq : ~0ull);
		}
		return dmr_meta_choose(st.data());
	}

	MetaBuf older_{ 300 }, newer_{ 300 }, future_{ 300 };
	std::array<Bytes, DMR_NR_COPIES> enc_old_, enc_new_, enc_future_;
	std::array<MetaBuf, DMR_NR_COPIES> out_{ MetaBuf(300), MetaBuf(300), MetaBuf(300),
						 MetaBuf(300), MetaBuf(300) };
};

TEST_F(CopySet, EveryDamageKindIsRejected)
{
	for (unsigned c = 0; c < DMR_NR_COPIES; c++)
		for (int k = 0; k < kNrDamage; k++) {
			Bytes b = Damaged(enc_new_[c], c, (Damage)k);
			enum dmr_status st = dmr_meta_check_copy(b.data(), b.size(), c, &out_[0].m,
								 out_[0].scratch());
			static const enum dmr_status want[kNrDamage] = {
				DMR_E_CRC, DMR_BLANK, DMR_E_MAGIC, DMR_E_CRC, DMR_E_LOCATION, DMR_E_CRC,
			};
			EXPECT_EQ(st, want[k]) << "copy " << c << " damage " << k;
		}
}

TEST_F(CopySet, EverySubsetOfDamagedCopies)
{
	for (int kind = 0; kind <= kNrDamage; kind++) {	// kNrDamage: mixed kinds
		for (unsigned mask = 0; mask < 32; mask++) {
			SCOPED_TRACE("kind " + std::to_string(kind) + " mask " + std::to_string(mask));
			std::array<Bytes, DMR_NR_COPIES> slots;
			for (unsigned c = 0; c < DMR_NR_COPIES; c++) {
				Damage d = kind < kNrDamage ? (Damage)kind
							    : (Damage)((c + mask) % kNrDamage);
				slots[c] = (mask >> c & 1) ? Damaged(enc_new_[c], c, d) : enc_new_[c];
			}
			States st;
			int best = Choose(slots, st, out_);
			if (mask == 31) {
				EXPECT_EQ(best, -1);
				EXPECT_EQ(dmr_meta_repair_mask(st.data(), best), 0u);
				continue;
			}
			const int lowest_good = __builtin_ctz(~mask);
			ASSERT_EQ(best, lowest_good);
			EXPECT_TRUE(MetaEq(out_[best].m, newer_.m));
			EXPECT_EQ(dmr_meta_repair_mask(st.data(), best), mask);
		}
	}
}

TEST_F(CopySet, MixedSequencesEverySubset)
{
	// pattern bit c: copy c already holds the newer commit (a crash during
	// the five writes leaves any mix); damage bit c: copy c is unreadable.
	for (unsigned pattern = 0; pattern < 32; pattern++)
		for (unsigned damage = 0; damage < 32; damage++) {
			SCOPED_TRACE("pattern " + std::to_string(pattern) + " damage " +
				     std::to_string(damage));
			std::array<Bytes, DMR_NR_COPIES> slots;
			for (unsigned c = 0; c < DMR_NR_COPIES; c++) {
				const Bytes &good = (pattern >> c & 1) ? enc_new_[c] : enc_old_[c];
				slots[c] = (damage >> c & 1)
						   ? Damaged(good, c, (Damage)((pattern + damage + c) % kNrDamage))
						   : good;
			}
			States st;
			int best = Choose(slots, st, out_);
			const unsigned alive = ~damage & 31, alive_new = alive & pattern;
			if (!alive) {
				EXPECT_EQ(best, -1);
				continue;
			}
			if (alive_new) {
				ASSERT_EQ(best, __builtin_ctz(alive_new));
				EXPECT_TRUE(MetaEq(out_[best].m, newer_.m));
				EXPECT_EQ(dmr_meta_repair_mask(st.data(), best), 31u & ~alive_new);
			} else {
				ASSERT_EQ(best, __builtin_ctz(alive));
				EXPECT_TRUE(MetaEq(out_[best].m, older_.m));
				EXPECT_EQ(dmr_meta_repair_mask(st.data(), best), damage);
			}
		}
}

TEST_F(CopySet, ThreeGenerations)
{
	std::array<Bytes, DMR_NR_COPIES> slots = { enc_new_[0], enc_future_[1], enc_old_[2],
						   enc_future_[3], enc_new_[4] };
	States st;
	EXPECT_EQ(Choose(slots, st, out_), 1);
	EXPECT_TRUE(MetaEq(out_[1].m, future_.m));
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 1), 0b10101u);
	slots[1] = Damaged(enc_future_[1], 1, kFlip);
	EXPECT_EQ(Choose(slots, st, out_), 3);
	EXPECT_EQ(dmr_meta_repair_mask(st.data(), 3), 0b10111u);
}

} // namespace
