/* SPDX-License-Identifier: MIT */
/* io.h: port I/O, MMIO accessors and the privileged instructions the base uses. */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include "kernel/types.h"

static inline void outb(u16 port, u8 v) { __asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port)); }

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u8 mmio_read8(const volatile void *a) { return *(const volatile u8 *)a; }
static inline u16 mmio_read16(const volatile void *a) { return *(const volatile u16 *)a; }
static inline u32 mmio_read32(const volatile void *a) { return *(const volatile u32 *)a; }
static inline u64 mmio_read64(const volatile void *a) { return *(const volatile u64 *)a; }
static inline void mmio_write8(volatile void *a, u8 v) { *(volatile u8 *)a = v; }
static inline void mmio_write16(volatile void *a, u16 v) { *(volatile u16 *)a = v; }
static inline void mmio_write32(volatile void *a, u32 v) { *(volatile u32 *)a = v; }
static inline void mmio_write64(volatile void *a, u64 v) { *(volatile u64 *)a = v; }

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

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 read_cr0(void) { u64 v; __asm__ __volatile__("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ __volatile__("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ __volatile__("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ __volatile__("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u64 v) { __asm__ __volatile__("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(u64 v) { __asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(u64 v) { __asm__ __volatile__("mov %0, %%cr4" ::"r"(v) : "memory"); }

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void barrier(void) { __asm__ __volatile__("" ::: "memory"); }

static inline u64 irq_save(void)
{
	u64 flags;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void irq_restore(u64 flags)
{
	if (flags & BIT(9))
		irq_enable();
}

#define MSR_EFER          0xc0000080 /* Extended Feature Enable Register */
#define  EFER_SCE         BIT(0)
#define  EFER_LME         BIT(8)
#define  EFER_LMA         BIT(10)
#define  EFER_NXE         BIT(11)
#define  EFER_SVME        BIT(12)
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PGE BIT(7)

#endif
