/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types and helpers that let the shared on-disk format code compile both
 * inside the kernel module and in userspace (daemon, tools, unit tests).
 *
 * The shared code only uses: __u8/__u32/__u64, __le32/__le64, the
 * dmr_*_to_* byte-order helpers below, dmr_div_u64(), memcpy/memset/memcmp
 * and dmr_crc32().  Nothing here allocates memory.
 */
#ifndef DM_REMAP_COMPAT_H
#define DM_REMAP_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <asm/byteorder.h>

#define dmr_cpu_to_le32(x)	cpu_to_le32(x)
#define dmr_cpu_to_le64(x)	cpu_to_le64(x)
#define dmr_le32_to_cpu(x)	le32_to_cpu(x)
#define dmr_le64_to_cpu(x)	le64_to_cpu(x)
#define DMR_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
/* 64-by-32 division: a plain '/' on a u64 does not link on 32-bit kernels. */
#define dmr_div_u64(n, d)	div_u64((n), (d))

#else /* userspace */
#include <linux/types.h>	/* __u32, __le32, ... from linux-libc-dev */
#include <stddef.h>
#include <string.h>

/* Compiler byte order macros: no _DEFAULT_SOURCE needed for strict C11. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define dmr_cpu_to_le32(x)	((__le32)(__u32)(x))
#define dmr_cpu_to_le64(x)	((__le64)(__u64)(x))
#define dmr_le32_to_cpu(x)	((__u32)(x))
#define dmr_le64_to_cpu(x)	((__u64)(x))
#else
#define dmr_cpu_to_le32(x)	((__le32)__builtin_bswap32((__u32)(x)))
#define dmr_cpu_to_le64(x)	((__le64)__builtin_bswap64((__u64)(x)))
#define dmr_le32_to_cpu(x)	((__u32)__builtin_bswap32((__u32)(x)))
#define dmr_le64_to_cpu(x)	((__u64)__builtin_bswap64((__u64)(x)))
#endif
#ifdef __cplusplus
#define DMR_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
#else
#define DMR_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)
#endif
#define dmr_div_u64(n, d)	((__u64)(n) / (__u32)(d))
#endif /* __KERNEL__ */

#endif /* DM_REMAP_COMPAT_H */
