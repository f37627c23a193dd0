/* SPDX-License-Identifier: MIT */
/* types.h: fixed-width types and the bit helpers every unit uses. */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;

typedef u64 paddr_t; /* host-physical address */

#define BIT(n)            (1ULL << (n))
#define GENMASK(hi, lo)   ((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)    (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)  ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)  (((x) & ((a) - 1)) == 0)
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define PAGE_SIZE  4096ULL
#define PAGE_SHIFT 12

#define __packed    __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn  __attribute__((noreturn))
#define __unused    __attribute__((unused))
#define __section(s) __attribute__((section(s)))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Error numbers returned as negative values (0 = success). */
#define EPERM   1
#define ENOENT  2
#define EIO     5
#define E2BIG   7
#define ENOEXEC 8
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ETIMEDOUT 110

/* True when [off, off + n) lies inside a buffer of len bytes, without overflow. */
static inline bool range_ok(u64 off, u64 n, u64 len)
{
	return off <= len && n <= len - off;
}

#endif
