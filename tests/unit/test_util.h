// SPDX-License-Identifier: GPL-2.0
// Shared helpers of the dm-remap v4 format unit tests.
#ifndef DMR_TEST_UTIL_H
#define DMR_TEST_UTIL_H

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dm-remap/crc32.h"
#include "dm-remap/format.h"
#include "dm-remap/meta.h"
#include "dm-remap/status.h"

// gtest prints dmr_status by name.  Found by ADL: the enum is global.
inline void PrintTo(enum dmr_status st, std::ostream *os)
{
	static const char *const names[DMR_STATUS_COUNT] = {
		"DMR_OK", "DMR_BLANK", "DMR_E_SHORT", "DMR_E_MAGIC",
		"DMR_E_VERSION", "DMR_E_HEADER_SIZE", "DMR_E_LENGTH",
		"DMR_E_CRC", "DMR_E_LOCATION", "DMR_E_FLAGS",
		"DMR_E_RESERVED", "DMR_E_IDENTITY", "DMR_E_GEOMETRY",
		"DMR_E_CAPACITY", "DMR_E_EXTENT", "DMR_E_ORDER",
		"DMR_E_SPARE_OVERLAP", "DMR_E_NOSPC", "DMR_E_MAPPED",
		"DMR_E_INVAL",
	};
	if ((unsigned)st < DMR_STATUS_COUNT)
		*os << names[st];
	else
		*os << "dmr_status(" << (int)st << ")";
}

inline void PrintTo(const dmr_extent &e, std::ostream *os)
{
	*os << "{l=" << e.lblock << " s=" << e.sblock << " n=" << e.len
	    << " f=" << e.flags << "}";
}

inline bool operator==(const dmr_extent &a, const dmr_extent &b)
{
	return a.lblock == b.lblock && a.sblock == b.sblock && a.len == b.len &&
	       a.flags == b.flags;
}

namespace dmrtest {

using Bytes = std::vector<uint8_t>;

// A struct dmr_meta together with the arrays it points to.
class MetaBuf {
public:
	explicit MetaBuf(uint32_t cap = 1024) : ext_(cap ? cap : 1), scratch_(cap ? cap : 1)
	{
		std::memset(&m, 0, sizeof(m));
		m.extents = ext_.data();
		m.extent_cap = cap;
	}
	MetaBuf(const MetaBuf &o) : m(o.m), ext_(o.ext_), scratch_(o.scratch_)
	{
		m.extents = ext_.data();
	}
	MetaBuf &operator=(const MetaBuf &o)
	{
		if (this != &o) {
			m = o.m;
			ext_ = o.ext_;
			scratch_ = o.scratch_;
			m.extents = ext_.data();
		}
		return *this;
	}

	dmr_meta m;
	uint32_t *scratch() { return scratch_.data(); }
	uint32_t cap() const { return m.extent_cap; }
	dmr_extent &ext(uint32_t i) { return ext_.at(i); }
	const dmr_extent &ext(uint32_t i) const { return ext_.at(i); }
	void set_extents(const std::vector<dmr_extent> &v)
	{
		if (v.size() > ext_.size())
			throw std::length_error("MetaBuf too small");
		std::copy(v.begin(), v.end(), ext_.begin());
		m.nr_extents = (uint32_t)v.size();
	}
	std::vector<dmr_extent> extents() const
	{
		return std::vector<dmr_extent>(ext_.begin(), ext_.begin() + m.nr_extents);
	}

private:
	std::vector<dmr_extent> ext_;
	std::vector<uint32_t> scratch_;
};

// Field-by-field equality of two metadata sets (not the array pointers/caps).
inline ::testing::AssertionResult MetaEq(const dmr_meta &a, const dmr_meta &b)
{
#define DMR_CMP(f)                                                             \
	if (a.f != b.f)                                                        \
		return ::testing::AssertionFailure()                           \
		       << #f " differs: " << a.f << " vs " << b.f;
	DMR_CMP(seq)
	DMR_CMP(main_sectors)
	DMR_CMP(spare_sectors)
	DMR_CMP(data_start)
	DMR_CMP(spare_blocks)
	DMR_CMP(spare_used)
	DMR_CMP(block_size)
	DMR_CMP(nr_extents)
	DMR_CMP(health.read_errors)
	DMR_CMP(health.write_errors)
	DMR_CMP(health.remaps_total)
	DMR_CMP(scan.cursor)
	DMR_CMP(scan.passes)
	DMR_CMP(scan.last_complete)
	DMR_CMP(scan.warnings)
	DMR_CMP(scan.errors)
	DMR_CMP(layers.sample_crc)
	DMR_CMP(layers.flags)
	DMR_CMP(layers.created)
	DMR_CMP(layers.last_assembled)
	DMR_CMP(evac.active)
	DMR_CMP(evac.cursor)
	DMR_CMP(evac.dest_sectors)
#undef DMR_CMP
	if (std::memcmp(a.evac.uuid, b.evac.uuid, DMR_UUID_LEN))
		return ::testing::AssertionFailure() << "evac.uuid differs";
	if (std::memcmp(a.pair_uuid, b.pair_uuid, DMR_UUID_LEN))
		return ::testing::AssertionFailure() << "pair_uuid differs";
	if (std::memcmp(a.main_id, b.main_id, DMR_ID_LEN))
		return ::testing::AssertionFailure() << "main_id differs";
	if (std::memcmp(a.spare_id, b.spare_id, DMR_ID_LEN))
		return ::testing::AssertionFailure() << "spare_id differs";
	if (std::memcmp(a.layers.fs_type, b.layers.fs_type, DMR_FS_TYPE_LEN) ||
	    std::memcmp(a.layers.fs_uuid, b.layers.fs_uuid, DMR_FS_UUID_LEN) ||
	    std::memcmp(a.layers.fs_label, b.layers.fs_label, DMR_FS_LABEL_LEN))
		return ::testing::AssertionFailure() << "layer strings differ";
	for (uint32_t i = 0; i < a.nr_extents; i++) {
		if (!(a.extents[i] == b.extents[i]))
			return ::testing::AssertionFailure()
			       << "extent " << i << " differs: "
			       << ::testing::PrintToString(a.extents[i]) << " vs "
			       << ::testing::PrintToString(b.extents[i]);
	}
	return ::testing::AssertionSuccess();
}

// Encode copy `copy` of m; the buffer is exactly the padded length.
inline Bytes Encode(MetaBuf &mb, unsigned copy)
{
	Bytes buf(dmr_meta_encoded_len(mb.m.nr_extents));
	size_t len = 0;
	enum dmr_status st = dmr_meta_encode(&mb.m, copy, buf.data(), buf.size(),
					     &len, mb.scratch());
	EXPECT_EQ(st, DMR_OK);
	EXPECT_EQ(len, buf.size());
	return buf;
}

// Decode into a fresh MetaBuf of the given capacity (or into *out).
inline enum dmr_status Decode(const Bytes &b, unsigned copy, MetaBuf *out = nullptr)
{
	MetaBuf tmp(DMR_MAX_EXTENTS);
	MetaBuf *o = out ? out : &tmp;
	return dmr_meta_decode(b.data(), b.size(), copy, &o->m, o->scratch());
}

inline enum dmr_status CheckCopy(const Bytes &b, unsigned copy, MetaBuf *out = nullptr)
{
	MetaBuf tmp(DMR_MAX_EXTENTS);
	MetaBuf *o = out ? out : &tmp;
	return dmr_meta_check_copy(b.data(), b.size(), copy, &o->m, o->scratch());
}

// Raw header view of an encoded copy (vector storage is suitably aligned).
inline dmr_disk_header *Hdr(Bytes &b)
{
	return reinterpret_cast<dmr_disk_header *>(b.data());
}

inline dmr_disk_extent *DiskExt(Bytes &b, uint32_t i)
{
	return reinterpret_cast<dmr_disk_extent *>(b.data() + DMR_HEADER_BYTES) + i;
}

inline uint32_t Le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

inline uint64_t Le64(const uint8_t *p)
{
	return (uint64_t)Le32(p) | (uint64_t)Le32(p + 4) << 32;
}

inline void PutLe32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

inline void PutLe64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

// Recompute the CRC over [8, total_len) as stored in the header, so a
// semantic corruption reaches the checks behind the checksum.
inline void Reseal(Bytes &b)
{
	size_t total = Le32(b.data() + 16);
	if (total > b.size())
		total = b.size();
	PutLe32(b.data() + 4, dmr_crc32(b.data() + 8, total - 8));
}

inline void SetId(char *dst, const std::string &s)
{
	std::memset(dst, 0, DMR_ID_LEN);
	std::memcpy(dst, s.data(), std::min<size_t>(s.size(), DMR_ID_LEN));
}

inline uint64_t Rnd(std::mt19937_64 &rng, uint64_t lo, uint64_t hi)
{
	return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}

/*
 * A random but valid metadata set with nr extents: all three extent kinds,
 * gaps and adjacencies on main, spare ranges handed out in shuffled order
 * (so the table is not sorted by spare block), random ids, health, scan.
 */
void RandomMeta(std::mt19937_64 &rng, uint32_t nr, MetaBuf &mb);

// Short human-readable dump of a buffer region, for failure messages.
std::string HexDump(const uint8_t *p, size_t len);

} // namespace dmrtest

#endif
