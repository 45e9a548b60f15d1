/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one checksum of the dm-remap v4 on-disk format.
 *
 * Variant: the standard CRC-32 of IEEE 802.3 / zlib / PNG ("CRC-32/ISO-HDLC"):
 * reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR
 * 0xFFFFFFFF.  Known answer: dmr_crc32("123456789", 9) == 0xCBF43926.
 *
 * In the kernel it is computed with lib/crc32 as ~crc32_le(~0, p, len);
 * userspace uses the portable table-driven code in crc32.c.  The unit tests
 * check the known answers, and the VM tests check that metadata written by
 * one side is accepted by the other, so both agree bit for bit.
 */
#ifndef DM_REMAP_CRC32_H
#define DM_REMAP_CRC32_H

#include "compat.h"

#ifdef __cplusplus
extern "C" {
#endif

__u32 dmr_crc32(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_CRC32_H */
