// SPDX-License-Identifier: MIT
/*
 * apic.c: the local APIC (SDM Vol. 3A chapter 10 "Advanced Programmable
 * Interrupt Controller"): x2APIC through MSRs when CPUID.1:ECX.x2APIC[21]
 * says so, the xAPIC MMIO page otherwise. Every access goes through
 * apic_read/apic_write with the xAPIC register offset; in x2APIC mode the
 * MSR is 0x800 + offset / 16 (SDM 10.12.1.2).
 */
#define LOG_TAG "apic"
#include "kernel/apic.h"
#include "kernel/acpi.h"
#include "kernel/cpu.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/ioapic.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/pic.h"
#include "kernel/printk.h"
#include "kernel/vector.h"

/* clang-format off */
#define MSR_IA32_APIC_BASE 0x1b
#define  APIC_BASE_BSP     BIT(8)  /* this is the bootstrap processor */
#define  APIC_BASE_EXTD    BIT(10) /* x2APIC mode */
#define  APIC_BASE_EN      BIT(11) /* APIC global enable */
#define  APIC_BASE_ADDR    GENMASK(51, 12)
#define MSR_X2APIC_BASE    0x800
/* clang-format on */

/* clang-format off */
#define APIC_ID      0x020 /* Local APIC ID Register */
#define APIC_VER     0x030 /* Local APIC Version Register */
#define  APIC_VER_MAXLVT(v) (((v) >> 16) & 0xff)
#define APIC_TPR     0x080 /* Task Priority Register */
#define APIC_EOI     0x0b0 /* EOI Register */
#define APIC_SVR     0x0f0 /* Spurious Interrupt Vector Register */
#define  APIC_SVR_ENABLE   BIT(8) /* APIC software enable */
#define APIC_ISR     0x100 /* In-Service Register, 8 x 32 bits */
#define APIC_ESR     0x280 /* Error Status Register */
#define APIC_LVT_CMCI 0x2f0 /* LVT Corrected Machine Check Interrupt */
#define APIC_ICR     0x300 /* Interrupt Command Register (64-bit MSR 0x830 in x2APIC) */
#define APIC_ICR_HI  0x310 /* ICR bits 63:32, xAPIC only */
#define  APIC_ICR_FIXED    (0U << 8)
#define  APIC_ICR_NMI      (4U << 8)
#define  APIC_ICR_INIT     (5U << 8)
#define  APIC_ICR_STARTUP  (6U << 8)
#define  APIC_ICR_BUSY     BIT(12) /* delivery status, xAPIC only */
#define  APIC_ICR_ASSERT   BIT(14) /* level: assert */
#define APIC_LVT_TIMER 0x320
#define  APIC_LVT_ONESHOT  (0U << 17)
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PMC   0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define  APIC_LVT_MASKED   BIT(16)
#define  APIC_LVT_NMI      (4U << 8)
#define APIC_TMICT   0x380 /* Initial Count Register (timer) */
#define APIC_TMCCT   0x390 /* Current Count Register (timer) */
#define APIC_TDCR    0x3e0 /* Divide Configuration Register (timer) */
#define  APIC_TDCR_DIV1    0xb
/* clang-format on */

static bool x2apic;
static volatile u8 *xapic; /* the xAPIC page, mapped uncached */

static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_BASE + reg / 16);
	return mmio_read32(xapic + reg);
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + reg / 16, v);
	else
		mmio_write32(xapic + reg, v);
}

bool apic_is_x2apic(void)
{
	return x2apic;
}
/* All-ones is the broadcast destination. */
u32 apic_max_id(void)
{
	return x2apic ? 0xfffffffe : 0xfe;
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return x2apic ? id : id >> 24;
}

/* EOI after every interrupt except the spurious vector, which sets no ISR bit (SDM 10.9). */
static void apic_eoi(u64 vector)
{
	if (vector != VEC_APIC_SPURIOUS)
		apic_write(APIC_EOI, 0);
}

static void apic_spurious(struct irq_frame *f)
{
	(void)f;
}

static void apic_error(struct irq_frame *f)
{
	static struct ratelimit rl = RATELIMIT_INIT(5, 1000);
	u32 esr;

	(void)f;
	apic_write(APIC_ESR, 0); /* a write latches the errors into ESR (SDM 10.5.3) */
	esr = apic_read(APIC_ESR);
	if (ratelimit_check(&rl))
		pr_err("cpu%u: APIC error interrupt, ESR 0x%x\n", this_cpu()->index, esr);
}

/* xAPIC: the ICR stays busy until the APIC has accepted the previous IPI. Bounded wait. */
static void apic_icr_wait(void)
{
	for (int i = 0; i < 1000000; i++)
		if (!(mmio_read32(xapic + APIC_ICR) & APIC_ICR_BUSY))
			return;
	pr_warn("cpu%u: ICR still busy after 1000000 reads\n", this_cpu()->index);
}

static void apic_icr_write(u32 dest, u32 lo)
{
	u64 flags;

	if (x2apic) {
		/*
		 * WRMSR to x2APIC registers is not serializing (SDM 10.12.3): fence
		 * so that what the target reads on the IPI (an smp_call request)
		 * is globally visible before the IPI can arrive.
		 */
		__asm__ __volatile__("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + APIC_ICR / 16, ((u64)dest << 32) | lo);
		return;
	}
	flags = irq_save(); /* the two halves must not interleave with another IPI */
	apic_icr_wait();
	mmio_write32(xapic + APIC_ICR_HI, dest << 24);
	mmio_write32(xapic + APIC_ICR, lo);
	apic_icr_wait();
	irq_restore(flags);
}

void apic_send_ipi(u32 dest, u8 vector)
{
	apic_icr_write(dest, APIC_ICR_FIXED | APIC_ICR_ASSERT | vector);
}
void apic_send_nmi(u32 dest)
{
	apic_icr_write(dest, APIC_ICR_NMI | APIC_ICR_ASSERT);
}
void apic_send_init(u32 dest)
{
	apic_icr_write(dest, APIC_ICR_INIT | APIC_ICR_ASSERT);
}
void apic_send_sipi(u32 dest, u8 page)
{
	apic_icr_write(dest, APIC_ICR_STARTUP | APIC_ICR_ASSERT | page);
}

void apic_timer_oneshot(u32 count)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_ONESHOT | VEC_APIC_TIMER);
	apic_write(APIC_TMICT, count);
}

void apic_timer_free_run(void)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_LVT_ONESHOT | VEC_APIC_TIMER);
	apic_write(APIC_TMICT, 0xffffffff);
}

u32 apic_timer_current(void)
{
	return apic_read(APIC_TMCCT);
}

/*
 * Disabled -> xAPIC -> x2APIC: the only legal order of IA32_APIC_BASE
 * transitions (SDM 10.12.5, figure 10-27).
 */
static void apic_enable_mode(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
}

/* Interrupts the firmware left in service would block lower priorities: EOI them. */
static void apic_clear_isr(void)
{
	for (int n = 0; n < 256; n++) {
		bool any = false;

		for (u32 i = 0; i < 8; i++)
			any |= apic_read(APIC_ISR + i * 0x10) != 0;
		if (!any)
			return;
		apic_write(APIC_EOI, 0);
	}
}

void apic_init_cpu(void)
{
	u32 maxlvt;

	apic_enable_mode();
	maxlvt = APIC_VER_MAXLVT(apic_read(APIC_VER));
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	if (maxlvt >= 4)
		apic_write(APIC_LVT_PMC, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	if (maxlvt >= 6)
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
	/* LINT0: ExtINT from the 8259s, which stay masked. LINT1: external NMI on PCs (MADT). */
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_NMI);
	apic_write(APIC_LVT_ERROR, VEC_APIC_ERROR);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_APIC_SPURIOUS);
	apic_clear_isr();
}

static void apic_map_xapic(void)
{
	paddr_t base = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR;

	if (acpi.have_madt && acpi.madt.lapic_addr && acpi.madt.lapic_addr != base)
		pr_warn("MADT says the local APIC is at 0x%x, IA32_APIC_BASE says 0x%llx: using the MSR\n",
			acpi.madt.lapic_addr, base);
	xapic = ioremap(base, PAGE_SIZE);
	if (!xapic)
		panic("apic: cannot map the xAPIC page at 0x%llx", base);
}

void apic_init(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & BIT(9)))
		panic("apic: this CPU has no local APIC (CPUID.1:EDX[9] clear)");
	if (!acpi.have_madt || acpi.madt.pcat_compat)
		pic_disable();
	ioapic_mask_all();
	x2apic = cpu_features.x2apic;
	if (!x2apic)
		apic_map_xapic();
	if (idt_set_handler(VEC_APIC_SPURIOUS, apic_spurious) ||
	    idt_set_handler(VEC_APIC_ERROR, apic_error))
		panic("apic: fixed vectors already taken");
	irq_eoi_hook = apic_eoi;
	apic_init_cpu();
	pr_info("%s mode, boot CPU APIC ID %u, version 0x%x\n", x2apic ? "x2APIC" : "xAPIC",
		apic_id(), apic_read(APIC_VER));
}
