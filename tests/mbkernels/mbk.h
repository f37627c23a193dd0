/* SPDX-License-Identifier: MIT */
/*
 * mbk.h: the multiboot test kernels (tests/mbkernels/README.md). One C core,
 * built for 32-bit protected mode and for long mode, checks what a multiboot
 * loader and the machine give it and prints one "mbt: key value" line per
 * result, so that a run on bare QEMU/Bochs and a run in a partition can be
 * compared line by line (tests/qemu/test_mboot.py).
 */
#ifndef MBK_H
#define MBK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef uintptr_t uptr;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n)        (1ULL << (n))
#ifdef __x86_64__
#define SP "rsp"
#else
#define SP "esp"
#endif

/* What the entry code saw before touching anything (head32.S / head64.S). */
struct entry_state {
	u32 magic, info;
	u32 eflags, cr0, cr4, efer_lo, efer_hi;
	u32 sel[6];   /* CS, DS, ES, FS, GS, SS */
	u32 ar[6];    /* LAR of each; 0 when LAR failed (no usable descriptor) */
	u32 limit[6]; /* LSL of each */
};
extern struct entry_state entry;

/* Exception frame built by the stubs; `ip` and `flags` may be changed to resume elsewhere. */
struct trap_frame {
	uptr vector, error;
	uptr ip, cs, flags;
};
void trap(struct trap_frame *f);

/*
 * Run fn(arg); returns -1 when it returned normally, or the vector of the
 * exception it raised (then probe_error and probe_cr2 hold what the CPU gave).
 */
int probe_call(void (*fn)(void *), void *arg);
extern u32 probe_error;
extern uptr probe_cr2;

/* Console (COM1) and output. */
void uart_init(void);
void uart_drain(void);
void putc_raw(char c);
void out(const char *fmt, ...);
void vout(const char *fmt, va_list ap);
/* One result line: "mbt: <key> <value>". */
void res(const char *key, const char *fmt, ...);
/* A check every environment must pass: counted in the exit code when false. */
void check(const char *what, bool ok);
void __attribute__((noreturn)) finish(void);

/* Port I/O, MSRs, CPUID. */
static inline void outb(u16 p, u8 v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outw(u16 p, u16 v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outl(u16 p, u32 v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(p));
}
static inline u8 inb(u16 p)
{
	u8 v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline u16 inw(u16 p)
{
	u16 v;
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline u32 inl(u16 p)
{
	u32 v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* MSR access that survives #GP: 0, or the exception vector. */
int msr_read(u32 msr, u64 *val);
int msr_write(u32 msr, u64 val);

/* Strings. */
size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* The multiboot information, whichever protocol delivered it (mbinfo.c). */
#define MAX_MODS 8
#define MAX_MMAP 32
struct mmap_ent {
	u64 base, len;
	u32 type;
};
struct bootinfo {
	int proto; /* 1 or 2 */
	const char *cmdline, *loader;
	bool have_meminfo;
	u32 mem_lower, mem_upper;
	u32 mod_count;
	struct {
		u32 start, end;
		const char *cmdline;
	} mods[MAX_MODS];
	u32 mmap_count;
	struct mmap_ent mmap[MAX_MMAP];
	u32 info_start, info_end; /* where the structure lies */
};
void mbinfo_parse(u32 magic, u32 addr, struct bootinfo *bi);

/* The test groups (tests.c) and what each architecture adds (arch32.c / arch64.c). */
void test_entry(void);
void test_bootinfo(const struct bootinfo *bi);
void test_uart(void);
void test_cpuid(void);
void test_msrs(void);
void test_exceptions(void);
void test_ports(void);
void arch_tests(void);
/* A word on the command line: "notask" skips the hardware task switch (see README.md). */
bool cmdline_has(const char *word);
const char *arch_name(void);
u32 phys_bits(void);

extern char __kernel_start[], __kernel_end[];

#endif
