// SPDX-License-Identifier: MIT
/*
 * arch32.c: what only 32-bit protected mode has: the IDT with a task gate,
 * hardware task switches, paging with 4 MiB pages and #PF, INTO and BOUND,
 * and a round trip through real mode.
 */
#include "mbk.h"

#define SEL_CODE  0x08
#define SEL_TSS_A 0x30
#define SEL_TSS_B 0x38
#define GATE_INT  0x8e
#define GATE_TASK 0x85
#define IDT_SIZE  0x41

struct idt32 {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __attribute__((packed));

struct tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap;
} __attribute__((packed));

extern u64 gdt[];
extern struct {
	u16 limit;
	u32 base;
} __attribute__((packed)) idt_ptr;
extern char trap_stubs[];
extern u32 task_b_count;
extern u32 rm_result[4];
void task_b_entry(void);
u32 task_roundtrip(void);
u32 realmode_roundtrip(void);

static struct idt32 idt[IDT_SIZE];
static struct tss32 tss_a, tss_b;
static u8 task_b_stack[4096] __attribute__((aligned(16)));
static u32 page_dir[1024] __attribute__((aligned(4096)));
static u32 page_tab[1024] __attribute__((aligned(4096)));

const char *arch_name(void)
{
	return "32-bit";
}

static void idt_set(u32 v, u32 off, u16 sel, u8 type)
{
	idt[v] = (struct idt32){ (u16)off, sel, 0, type, (u16)(off >> 16) };
}

void idt_init(void);
void idt_init(void)
{
	for (u32 v = 0; v < 32; v++)
		idt_set(v, (u32)(uptr)trap_stubs + 16 * v, SEL_CODE, GATE_INT);
	idt_set(0x30, (u32)(uptr)trap_stubs + 16 * 32, SEL_CODE, GATE_INT);
	idt_set(0x40, 0, SEL_TSS_B, GATE_TASK);
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (u32)(uptr)idt;
}

/* An available 32-bit TSS descriptor (type 9). */
static u64 tss_desc(const struct tss32 *t)
{
	u64 base = (uptr)t, limit = sizeof(*t) - 1;

	return (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
	       ((base >> 24) & 0xff) << 56;
}

static void test_task_switch(void)
{
	u32 ar_b = 0, tr = 0, n;

	if (cmdline_has("notask")) {
		res("task-switch", "skipped");
		return;
	}
	tss_a.iomap = tss_b.iomap = sizeof(struct tss32);
	tss_b.eip = (u32)(uptr)task_b_entry;
	tss_b.esp = (u32)(uptr)(task_b_stack + sizeof(task_b_stack));
	tss_b.eflags = 0x2;
	tss_b.cs = SEL_CODE;
	tss_b.ss = tss_b.ds = tss_b.es = tss_b.fs = tss_b.gs = 0x10;
	gdt[SEL_TSS_A >> 3] = tss_desc(&tss_a);
	gdt[SEL_TSS_B >> 3] = tss_desc(&tss_b);
	__asm__ __volatile__("ltr %w0" ::"r"(SEL_TSS_A));
	n = task_roundtrip();
	__asm__ __volatile__("str %0" : "=r"(tr));
	__asm__ __volatile__("lar %1, %0" : "=r"(ar_b) : "r"(SEL_TSS_B));
	res("task-switch", "runs=%u tr=0x%x b-type=%u b-link=0x%x", n, tr & 0xffff,
	    (ar_b >> 8) & 0xf, tss_b.link);
	check("task switches (CALL and a task gate) and back", n == 2 && (tr & 0xffff) == SEL_TSS_A);
}

static void do_read(void *arg)
{
	*(volatile u32 *)arg;
}

static void do_write(void *arg)
{
	*(volatile u32 *)arg = 1;
}

/* Paging on (4 KiB pages below 4 MiB, 4 MiB pages above), one page absent, then off again. */
static void test_paging(void)
{
	const u32 hole = 0x3ff000;
	u32 cr0, cr4;
	int r, w;
	uptr cr2r;

	for (u32 i = 0; i < 1024; i++) {
		page_tab[i] = i << 12 | 3;
		page_dir[i] = i << 22 | 0x83;
	}
	page_tab[hole >> 12] = 0;
	page_dir[0] = (u32)(uptr)page_tab | 3;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 | 0x10));
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(page_dir));
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0 | 0x80000000) : "memory");
	r = probe_call(do_read, (void *)(uptr)hole);
	cr2r = probe_cr2;
	res("exc", "pf-read vec=%d err=0x%x cr2=0x%x", r, probe_error, (u32)cr2r);
	w = probe_call(do_write, (void *)(uptr)(hole + 8));
	res("exc", "pf-write vec=%d err=0x%x cr2=0x%x", w, probe_error, (u32)probe_cr2);
	do_write((void *)0x3fe000); /* mapped: no fault */
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0) : "memory");
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4));
	check("#PF on a read of an absent page", r == 14 && cr2r == hole);
	check("#PF on a write, W bit in the error code", w == 14 && (probe_error & 2));
}

static void do_into(void *arg)
{
	(void)arg;
	__asm__ __volatile__("mov $0x7f, %%al; add $1, %%al; into" ::: "eax", "cc");
}

static void do_bound(void *arg)
{
	static const u32 bounds[2] = { 10, 20 };

	(void)arg;
	__asm__ __volatile__("mov $30, %%eax; bound %%eax, %0" ::"m"(bounds) : "eax");
}

static void test_realmode(void)
{
	u32 r = realmode_roundtrip();

	res("realmode", "reached=%s int31=%s cpuid0-ebx=0x%08x scratch=0x%x",
	    r == 0x5245414c ? "yes" : "no", rm_result[1] == 0x31313131 ? "yes" : "no",
	    rm_result[2], rm_result[3] & 0xff);
	check("real mode and back", r == 0x5245414c && rm_result[1] == 0x31313131);
}

void arch_tests(void)
{
	int v;

	v = probe_call(do_into, NULL);
	res("exc", "of-into vec=%d", v);
	v = probe_call(do_bound, NULL);
	res("exc", "br-bound vec=%d", v);
	test_paging();
	test_task_switch();
	test_realmode();
}
