// SPDX-License-Identifier: MIT
/* tests.c: the checks every variant runs; architecture-specific ones are in arch32.c/arch64.c. */
#include "mbk.h"

#define COM1 0x3f8

/* --- entry state --- */

#define AR_CODE BIT(11)
#define AR_RW   BIT(9) /* readable code / writable data */
#define AR_P    BIT(15)
#define AR_D    BIT(22)
#define AR_G    BIT(23)

static bool seg_flat32(u32 i, bool code)
{
	u32 ar = entry.ar[i];

	return ar && (ar & AR_P) && !!(ar & AR_CODE) == code && (ar & AR_RW) && (ar & AR_D) &&
	       entry.limit[i] == 0xffffffff;
}

void test_entry(void)
{
	static const char *const names[6] = { "cs", "ds", "es", "fs", "gs", "ss" };

	res("entry-cr0", "pe=%u pg=%u", entry.cr0 & 1, entry.cr0 >> 31);
	res("entry-eflags", "if=%u vm=%u", (entry.eflags >> 9) & 1, (entry.eflags >> 17) & 1);
	res("entry-cr4", "0x%x", entry.cr4);
	res("entry-efer", "0x%x", entry.efer_lo);
	for (u32 i = 0; i < 6; i++)
		res("entry-seg", "%s flat32 %s", names[i], seg_flat32(i, i == 0) ? "yes" : "no");
	res("entry-selectors", "cs=0x%x ds=0x%x es=0x%x fs=0x%x gs=0x%x ss=0x%x", entry.sel[0],
	    entry.sel[1], entry.sel[2], entry.sel[3], entry.sel[4], entry.sel[5]);
	check("entered in protected mode without paging", (entry.cr0 & 0x80000001) == 1);
	check("entered with IF and VM clear", !(entry.eflags & (BIT(9) | BIT(17))));
	check("CS is a flat 32-bit code segment", seg_flat32(0, true));
	check("DS is a flat 32-bit data segment", seg_flat32(1, false));
	check("SS is a flat 32-bit data segment", seg_flat32(5, false));
}

/* --- boot information --- */

static u32 fnv1a(const u8 *p, u32 n)
{
	u32 h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static bool in_ram(const struct bootinfo *bi, u64 start, u64 end)
{
	for (u32 i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == 1 && start >= bi->mmap[i].base &&
		    end <= bi->mmap[i].base + bi->mmap[i].len)
			return true;
	return false;
}

static bool overlap(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 < b1 && b0 < a1;
}

static void test_mmap(const struct bootinfo *bi)
{
	bool sorted = true;
	u64 low = 0, upper = 0;

	res("mmap-count", "%u", bi->mmap_count);
	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct mmap_ent *e = &bi->mmap[i];

		res("mmap", "0x%llx 0x%llx %u", e->base, e->len, e->type);
		if (i && e->base < bi->mmap[i - 1].base + bi->mmap[i - 1].len)
			sorted = false;
		if (e->type == 1 && e->base == 0)
			low = e->len;
		if (e->type == 1 && e->base == 0x100000)
			upper = e->len;
	}
	check("memory map sorted, no overlaps", sorted);
	check("memory map has RAM at 0 and at 1 MiB", low && upper);
	check("meminfo present", bi->have_meminfo);
	check("mem_lower matches the map", bi->mem_lower == (u32)(low >> 10));
	check("mem_upper matches the map", bi->mem_upper == (u32)(upper >> 10));
	check("kernel image in RAM", in_ram(bi, (uptr)__kernel_start, (uptr)__kernel_end));
	check("information structure in RAM", in_ram(bi, bi->info_start, bi->info_end));
}

static void test_mods(const struct bootinfo *bi)
{
	bool placed = true;

	res("mods", "%u", bi->mod_count);
	for (u32 i = 0; i < bi->mod_count && i < MAX_MODS; i++) {
		u32 s = bi->mods[i].start, e = bi->mods[i].end;

		res("mod", "%u size=%u fnv=0x%08x aligned=%s cmdline='%s'", i, e - s,
		    fnv1a((const u8 *)(uptr)s, e - s), (s & 0xfff) ? "no" : "yes",
		    bi->mods[i].cmdline);
		if (e < s || !in_ram(bi, s, e) ||
		    overlap(s, e, (uptr)__kernel_start, (uptr)__kernel_end))
			placed = false;
		for (u32 j = 0; j < i; j++)
			if (overlap(s, e, bi->mods[j].start, bi->mods[j].end))
				placed = false;
	}
	check("modules in RAM, apart from the kernel and each other", placed);
}

void test_bootinfo(const struct bootinfo *bi)
{
	res("cmdline", "'%s'", bi->cmdline ? bi->cmdline : "(none)");
	res("loader", "'%s'", bi->loader ? bi->loader : "(none)");
	res("meminfo", "lower=%u upper=%u", bi->mem_lower, bi->mem_upper);
	check("command line present", bi->cmdline != NULL);
	check("boot loader name present", bi->loader != NULL);
	test_mmap(bi);
	test_mods(bi);
}

/* --- 16550 UART --- */

#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

static u8 uart_in(u16 r)
{
	return inb(COM1 + r);
}

static void uart_out(u16 r, u8 v)
{
	outb(COM1 + r, v);
}

static void test_uart_loopback(void)
{
	u8 got, lsr, msr;

	u8 after;

	uart_drain();
	uart_out(UART_MCR, 0x1e); /* loopback, OUT2, OUT1, RTS: nothing reaches the wire */
	(void)uart_in(0);         /* drain */
	uart_out(0, 0xae);
	for (int i = 0; i < 1000000 && !(uart_in(UART_LSR) & 1); i++)
		; /* a real UART takes a character time */
	lsr = uart_in(UART_LSR);
	got = uart_in(0);
	after = uart_in(UART_LSR);
	msr = uart_in(UART_MSR);
	uart_out(UART_MCR, 0x0b);
	res("uart-loopback", "rbr=0x%x lsr=0x%x lsr-after=0x%x msr=0x%x", got, lsr, after,
	    msr & 0xf0);
	check("UART loopback returns the byte", got == 0xae && (lsr & 1) && !(after & 1));
}

void test_uart(void)
{
	u8 a, b, dll, dlm, lcr;

	uart_out(UART_SCR, 0x5a);
	a = uart_in(UART_SCR);
	uart_out(UART_SCR, 0xa5);
	b = uart_in(UART_SCR);
	res("uart-scratch", "0x%x 0x%x", a, b);
	check("UART scratch register", a == 0x5a && b == 0xa5);
	uart_drain();
	uart_out(UART_LCR, 0x83);
	uart_out(0, 0x0c);
	uart_out(UART_IER, 0x00);
	dll = uart_in(0);
	dlm = uart_in(UART_IER);
	lcr = uart_in(UART_LCR);
	uart_out(0, 0x01);
	uart_out(UART_LCR, 0x03);
	res("uart-dlab", "dll=0x%x dlm=0x%x lcr=0x%x", dll, dlm, lcr);
	uart_out(UART_IER, 0xff);
	res("uart-ier", "0x%x", uart_in(UART_IER));
	uart_out(UART_IER, 0x00);
	uart_drain();
	a = uart_in(UART_IIR);
	uart_out(UART_IIR, 0x00); /* FCR: FIFOs off */
	b = uart_in(UART_IIR);
	uart_out(UART_IIR, 0xc7);
	res("uart-iir", "fifo=0x%x nofifo=0x%x", a, b);
	uart_drain();
	res("uart-lsr-idle", "0x%x", uart_in(UART_LSR) & 0x7f);
	res("uart-msr", "0x%x", uart_in(UART_MSR) & 0xf0);
	res("uart-lcr", "0x%x mcr=0x%x", uart_in(UART_LCR), uart_in(UART_MCR));
	test_uart_loopback();
}

/* --- CPUID --- */

static void leaf(u32 l, u32 sub)
{
	u32 r[4];

	cpuid(l, sub, r);
	out("mbt: cpuid %x.%x %08x %08x %08x %08x\n", l, sub, r[0], r[1], r[2], r[3]);
}

void test_cpuid(void)
{
	static const u32 basic[] = { 0x0, 0x1, 0x7, 0xd };
	static const u32 ext[] = { 0x80000000, 0x80000001, 0x80000007, 0x80000008, 0x8000000a };
	u32 r[4];

	cpuid(0, 0, r);
	for (u32 i = 0; i < ARRAY_SIZE(basic); i++)
		if (basic[i] <= r[0])
			leaf(basic[i], 0);
	cpuid(0x80000000, 0, r);
	for (u32 i = 0; i < ARRAY_SIZE(ext); i++)
		if (ext[i] <= r[0])
			leaf(ext[i], 0);
	leaf(0x40000000, 0);
}

u32 phys_bits(void)
{
	u32 r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, r);
	return r[0] & 0xff;
}

/* --- MSRs --- */

#define MSR_TSC          0x10
#define MSR_APIC_BASE    0x1b
#define MSR_MTRRCAP      0xfe
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE  0x1a0
#define MSR_MTRR_BASE7   0x20e
#define MSR_MTRR_MASK7   0x20f
#define MSR_PAT          0x277
#define MSR_MTRR_DEF     0x2ff
#define MSR_EFER         0xc0000080
#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_CSTAR        0xc0000083
#define MSR_SFMASK       0xc0000084
#define MSR_FS_BASE      0xc0000100
#define MSR_GS_BASE      0xc0000101
#define MSR_KGS_BASE     0xc0000102
#define MSR_TSC_AUX      0xc0000103

/* "mbt: msr <name> <value | #N>": the read result, or the exception. */
static void show_read(const char *name, u32 msr)
{
	u64 v;
	int e = msr_read(msr, &v);

	if (e)
		out("mbt: msr %s #%d\n", name, e);
	else
		out("mbt: msr %s 0x%llx\n", name, v);
}

/* Write v, read it back and restore the old value: "ok", "#N" (write) or "readback 0x..". */
static void show_write(const char *name, u32 msr, u64 v)
{
	u64 old, back;
	int e;

	if (msr_read(msr, &old)) {
		out("mbt: msr-write %s no-read\n", name);
		return;
	}
	e = msr_write(msr, v);
	if (e) {
		out("mbt: msr-write %s #%d\n", name, e);
		return;
	}
	msr_read(msr, &back);
	msr_write(msr, old);
	if (back == v)
		out("mbt: msr-write %s ok\n", name);
	else
		out("mbt: msr-write %s readback 0x%llx\n", name, back);
}

/* A value that only tells whether the read faulted. */
static void show_readable(const char *name, u32 msr)
{
	u64 v;
	int e = msr_read(msr, &v);

	out("mbt: msr %s %s\n", name, e ? "fault" : "readable");
}

static void test_tsc(void)
{
	u64 a, b, c;

	msr_read(MSR_TSC, &a);
	b = rdtsc();
	check("TSC MSR and RDTSC agree", b >= a && b - a < (1ULL << 40));
	msr_write(MSR_TSC, 1ULL << 40);
	c = rdtsc();
	res("msr-write", "tsc %s", c >= (1ULL << 40) && c - (1ULL << 40) < (1ULL << 36) ? "ok" : "bad");
}

static void test_mtrr(void)
{
	u64 mask = ((1ULL << phys_bits()) - 1) & ~0xfffffffULL;

	show_read("mtrrcap", MSR_MTRRCAP);
	show_readable("mtrr-def-type", MSR_MTRR_DEF);
	show_readable("mtrr-physbase7", MSR_MTRR_BASE7);
	show_write("mtrr-physbase7", MSR_MTRR_BASE7, 0x80000006ULL);
	show_write("mtrr-physmask7", MSR_MTRR_MASK7, mask | BIT(11));
	show_write("mtrr-physbase7-bad-type", MSR_MTRR_BASE7, 0x80000002ULL);
	show_write("mtrr-physmask7-above-maxphys", MSR_MTRR_MASK7, BIT(phys_bits()) | BIT(11));
}

void test_msrs(void)
{
	u64 efer;

	msr_read(MSR_EFER, &efer);
	show_read("efer", MSR_EFER);
	show_write("efer-reserved-bit3", MSR_EFER, efer | BIT(3));
	show_read("pat", MSR_PAT);
	show_write("pat", MSR_PAT, 0x0007010600070406ULL);
	show_write("pat-type2", MSR_PAT, 0x0007040600070402ULL);
	show_write("pat-bit3", MSR_PAT, 0x000704060007040eULL);
	show_write("fs-base", MSR_FS_BASE, 0x12345000);
	show_write("gs-base", MSR_GS_BASE, 0x23456000);
	show_write("kernel-gs-base", MSR_KGS_BASE, 0xffff800012345000ULL);
	show_write("star", MSR_STAR, 0x0023001000000000ULL);
	show_write("lstar", MSR_LSTAR, 0xffffffff81000000ULL);
	show_write("cstar", MSR_CSTAR, 0xffffffff81000040ULL);
	show_write("sfmask", MSR_SFMASK, 0x47700);
	show_write("lstar-noncanonical", MSR_LSTAR, 0x0000800000000000ULL);
	show_write("tsc-aux", MSR_TSC_AUX, 0x42);
	show_write("sysenter-cs", MSR_SYSENTER_CS, 0x10);
	show_write("sysenter-esp", MSR_SYSENTER_ESP, 0x9000);
	show_write("sysenter-eip", MSR_SYSENTER_EIP, 0x100000);
	show_read("apic-base", MSR_APIC_BASE);
	show_read("misc-enable", MSR_MISC_ENABLE);
	show_read("unknown-c0011234", 0xc0011234);
	test_mtrr();
	test_tsc();
}

/* --- exceptions --- */

static void do_div0(void *arg)
{
	u32 q;

	__asm__ __volatile__("xor %%edx, %%edx; mov $1, %%eax; divl %1" : "=a"(q) : "c"(0) : "edx");
	*(u32 *)arg = q;
}

static void do_ud(void *arg)
{
	(void)arg;
	__asm__ __volatile__("ud2");
}

static void do_int3(void *arg)
{
	(void)arg;
	__asm__ __volatile__("int3");
}

static void do_load_ds(void *arg)
{
	u16 sel = (u16)(uptr)arg, old;

	__asm__ __volatile__("mov %%ds, %0; mov %1, %%ds; mov %0, %%ds" : "=&r"(old) : "r"(sel));
}

static void do_int30(void *arg)
{
	(void)arg;
	__asm__ __volatile__("int $0x30");
}

/* TF set: the instruction after POPF traps (#DB, single step). */
static void do_single_step(void *arg)
{
	(void)arg;
	__asm__ __volatile__("pushf; orl $0x100, (%%" SP "); popf; nop; nop" ::: "memory", "cc");
}

static void show_exc(const char *name, void (*fn)(void *), void *arg)
{
	int v = probe_call(fn, arg);

	if (v < 0)
		out("mbt: exc %s none\n", name);
	else
		out("mbt: exc %s vec=%d err=0x%x\n", name, v, probe_error);
}

void test_exceptions(void)
{
	u32 sink;
	uptr dr6;

	show_exc("de", do_div0, &sink);
	show_exc("ud", do_ud, NULL);
	show_exc("bp", do_int3, NULL);
	show_exc("gp-selector-beyond-gdt", do_load_ds, (void *)0x1233);
	show_exc("np-not-present-segment", do_load_ds, (void *)0x48);
	show_exc("int30", do_int30, NULL);
	show_exc("db-single-step", do_single_step, NULL);
	__asm__ __volatile__("mov %%dr6, %0" : "=r"(dr6));
	res("dr6", "0x%x", (u32)dr6);
	check("#DE", probe_call(do_div0, &sink) == 0);
	check("#UD", probe_call(do_ud, NULL) == 6);
	check("#GP with the selector as error code",
	      probe_call(do_load_ds, (void *)0x1233) == 13 && probe_error == 0x1230);
	check("#NP with the selector as error code",
	      probe_call(do_load_ds, (void *)0x48) == 11 && probe_error == 0x48);
	check("single step traps", probe_call(do_single_step, NULL) == 1);
}

/* --- I/O ports --- */

static void do_outsb(void *arg)
{
	static const char buf[4] = "abcd";
	const char *si = buf;
	uptr cx = 4;

	__asm__ __volatile__("cld; rep outsb" : "+S"(si), "+c"(cx) : "d"(0x2e8) : "memory");
	*(uptr *)arg = (uptr)(si - buf) << 8 | cx;
}

void test_ports(void)
{
	uptr r = 0;
	int v;

	outb(0x2ff, 0x55); /* COM2's scratch register: there is no COM2 */
	res("port-absent-com2", "scr=0x%x lsr=0x%x", inb(0x2ff), inb(0x2fd));
	res("port-absent-wide", "w=0x%x l=0x%x", inw(0x2e0), inl(0x2e4));
	res("port-92", "0x%x", inb(0x92) & 0x02);
	v = probe_call(do_outsb, &r);
	res("port-rep-outsb-absent", "%s si=%u cx=%u", v < 0 ? "ok" : "fault", (u32)(r >> 8),
	    (u32)(r & 0xff));
}
