// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320, init/xorout 0xFFFFFFFF).
 * See crc32.h for why the kernel and userspace paths are equivalent.
 */
#include "crc32.h"

#ifdef __KERNEL__
#include <linux/crc32.h>

__u32 dmr_crc32(const void *buf, size_t len)
{
	return ~crc32_le(~0U, buf, len);
}

#else

/* Half-byte table: small enough to check by hand, fast enough for metadata. */
static const __u32 dmr_crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

__u32 dmr_crc32(const void *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	__u32 crc = 0xFFFFFFFFu;

	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ dmr_crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ dmr_crc32_nibble[crc & 0xf];
	}
	return crc ^ 0xFFFFFFFFu;
}
#endif
