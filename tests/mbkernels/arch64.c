// SPDX-License-Identifier: MIT
/* arch64.c: what only long mode has: 64-bit IDT, 4-level paging with #PF, SYSCALL. */
#include "mbk.h"

#define SEL_CODE64 0x18
#define GATE_INT   0x8e
#define IDT_SIZE   0x31

struct idt64 {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __attribute__((packed));

extern struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) idt_ptr;
extern char trap_stubs[];
extern u64 pd[];
void syscall_target(void);
u64 syscall_roundtrip(void);

static struct idt64 idt[IDT_SIZE];

const char *arch_name(void)
{
	return "64-bit";
}

static void idt_set(u32 v, u64 off)
{
	idt[v] = (struct idt64){ (u16)off, SEL_CODE64, 0, GATE_INT, (u16)(off >> 16),
				 (u32)(off >> 32), 0 };
}

void idt_init(void);
void idt_init(void)
{
	for (u32 v = 0; v < 32; v++)
		idt_set(v, (uptr)trap_stubs + 16 * v);
	idt_set(0x30, (uptr)trap_stubs + 16 * 32);
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (uptr)idt;
}

static void do_read(void *arg)
{
	*(volatile u32 *)arg;
}

static void do_write(void *arg)
{
	*(volatile u32 *)arg = 1;
}

/* The 2 MiB page at 1 GiB made absent for a moment. */
static void test_paging(void)
{
	const u64 hole = 0x40000000;
	u64 saved = pd[hole >> 21];
	int r, w;
	uptr cr2r;

	pd[hole >> 21] = 0;
	__asm__ __volatile__("invlpg (%0)" ::"r"(hole) : "memory");
	r = probe_call(do_read, (void *)hole);
	cr2r = probe_cr2;
	res("exc", "pf-read vec=%d err=0x%x cr2=0x%llx", r, probe_error, (u64)cr2r);
	w = probe_call(do_write, (void *)(hole + 8));
	res("exc", "pf-write vec=%d err=0x%x cr2=0x%llx", w, probe_error, (u64)probe_cr2);
	pd[hole >> 21] = saved;
	__asm__ __volatile__("invlpg (%0)" ::"r"(hole) : "memory");
	check("#PF on a read of an absent page", r == 14 && cr2r == hole);
	check("#PF on a write, W bit in the error code", w == 14 && (probe_error & 2));
}

static void test_syscall(void)
{
	u64 efer, flags;

	msr_read(0xc0000080, &efer);
	msr_write(0xc0000081, 0x0023001800000000ULL); /* SYSCALL: CS 0x18 */
	msr_write(0xc0000082, (uptr)syscall_target);
	msr_write(0xc0000084, 0x40000); /* SFMASK clears AC */
	msr_write(0xc0000080, efer | 1);
	__asm__ __volatile__("pushf; orl $0x40000, (%%rsp); popf" ::: "cc");
	flags = syscall_roundtrip();
	__asm__ __volatile__("pushf; andl $~0x40000, (%%rsp); popf" ::: "cc");
	msr_write(0xc0000080, efer);
	res("syscall", "flags-in-handler=0x%llx", flags & 0x40200);
	check("SYSCALL reaches LSTAR with SFMASK applied", (flags & 0x40000) == 0);
}

void arch_tests(void)
{
	u64 efer, cr4;

	msr_read(0xc0000080, &efer);
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	res("longmode", "efer=0x%llx cr4-pae=%u", efer, (u32)(cr4 >> 5) & 1);
	test_paging();
	test_syscall();
}
