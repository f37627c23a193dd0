/* SPDX-License-Identifier: MIT */
/*
 * guest.h: the freestanding runtime every minimal guest links (guests/lib/):
 * entry, console over the virtual UART, hypercalls, printf, a bump
 * allocator, exception reports, small CPU helpers. See guests/README.md.
 */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/hvabi.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef long long s64;

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE      4096ULL
#define MiB            (1024ULL * 1024)
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn     __attribute__((noreturn))

/* What the hypervisor told us (the boot-information page). */
extern const struct hv_boot_info *boot_info;

/* The guest's main, run on vCPU 0; returning shuts the partition down with that code. */
int main(void);
/* Run on every other vCPU; the default halts. */
void ap_main(u32 vcpu);

/* Console: the virtual 16550 at boot_info->uart_port. */
void console_putc(char c);
void console_write(const char *s, size_t n);
int printf(const char *fmt, ...) __printf(1, 2);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Hypercalls (kernel/hvabi.h): VMCALL on Intel, VMMCALL on AMD, chosen at start-up. */
s64 hypercall(u64 nr, u64 a1, u64 a2, u64 a3);
void __noreturn hv_shutdown(u32 code);

/* The guest's command line: "key=value" words after "--" on its module line. */
bool arg_str(const char *key, char *buf, size_t len);
bool arg_u64(const char *key, u64 *out);

/* Bump allocator over free RAM above the image; never frees. NULL when exhausted. */
void *alloc_pages(size_t n);

/* Map [pa, pa + size) at the same virtual address with 2 MiB pages (for MMIO or probing). */
int map_identity(u64 pa, u64 size, bool uncached);

/* Time from the TSC: boot_info->tsc_khz, or an estimate when the hypervisor gives 0. */
u64 tsc_per_ms(void);
void delay_ms(u64 ms);

/* Run fn; returns -1 if it raised an exception (vector in *vec), 0 otherwise. */
int try_call(void (*fn)(void *), void *arg, int *vec);

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}
static inline void __noreturn halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
u64 parse_num(const char *s, bool *ok);

#endif
