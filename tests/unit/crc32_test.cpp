// SPDX-License-Identifier: GPL-2.0
// CRC-32/ISO-HDLC known answers and an independent bitwise reference.
#include "test_util.h"

namespace {

// Straight from the definition: reflected, poly 0xEDB88320, init/xorout ~0.
uint32_t RefCrc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

uint32_t Crc(const std::string &s)
{
	return dmr_crc32(s.data(), s.size());
}

TEST(Crc32, KnownAnswers)
{
	EXPECT_EQ(Crc("123456789"), 0xCBF43926u);
	EXPECT_EQ(Crc(""), 0x00000000u);
	EXPECT_EQ(Crc("a"), 0xE8B7BE43u);
	EXPECT_EQ(Crc("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

TEST(Crc32, ZeroLengthDoesNotDereference)
{
	EXPECT_EQ(dmr_crc32(nullptr, 0), 0u);
}

TEST(Crc32, ReferenceImplementationSelfCheck)
{
	const std::string s = "123456789";
	EXPECT_EQ(RefCrc32(reinterpret_cast<const uint8_t *>(s.data()), s.size()),
		  0xCBF43926u);
}

TEST(Crc32, LargeBufferMatchesBitwiseReference)
{
	std::mt19937_64 rng(0xC0FFEE);
	dmrtest::Bytes buf(DMR_COPY_BYTES + 13);
	for (auto &b : buf)
		b = (uint8_t)rng();
	EXPECT_EQ(dmr_crc32(buf.data(), buf.size()), RefCrc32(buf.data(), buf.size()));
}

TEST(Crc32, EveryPrefixAndOffsetMatchesReference)
{
	std::mt19937_64 rng(12345);
	dmrtest::Bytes buf(600);
	for (auto &b : buf)
		b = (uint8_t)rng();
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= buf.size(); len++)
			ASSERT_EQ(dmr_crc32(buf.data() + off, len),
				  RefCrc32(buf.data() + off, len))
				<< "off " << off << " len " << len;
}

TEST(Crc32, AllSingleByteValues)
{
	for (unsigned v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v;
		ASSERT_EQ(dmr_crc32(&b, 1), RefCrc32(&b, 1)) << "byte " << v;
	}
}

TEST(Crc32, DetectsEverySingleBitFlip)
{
	dmrtest::Bytes buf(1024);
	std::mt19937_64 rng(7);
	for (auto &b : buf)
		b = (uint8_t)rng();
	const uint32_t good = dmr_crc32(buf.data(), buf.size());
	for (size_t i = 0; i < buf.size() * 8; i++) {
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		ASSERT_NE(dmr_crc32(buf.data(), buf.size()), good) << "bit " << i;
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
}

} // namespace
