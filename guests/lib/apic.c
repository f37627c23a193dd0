// SPDX-License-Identifier: MIT
/* apic.c: interrupt handlers and the virtual local APIC for minimal guests. */
#include "guests/lib/apic.h"

#define MSR_APIC_BASE    0x1b
#define APIC_BASE_EXTD   (1ULL << 10)
#define APIC_BASE_EN     (1ULL << 11)
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_PAGE        0xfee00000ULL
#define APIC_ID          0x20
#define APIC_TPR         0x80
#define APIC_EOI         0xb0
#define APIC_SVR         0xf0
#define APIC_ICR         0x300
#define APIC_ICR2        0x310
#define APIC_LVT_TIMER   0x320
#define APIC_TMICT       0x380
#define APIC_TDCR        0x3e0
#define TIMER_PERIODIC   (1U << 17)
#define TIMER_TSC_DL     (2U << 17)

static bool x2;
static irq_fn handlers[256];
volatile u32 irq_unexpected;

void guest_irq(u64 vector);
u64 irq_stub(u32 vector);

void guest_irq(u64 vector)
{
	irq_fn fn = handlers[vector & 0xff];

	if (fn)
		fn((u32)vector);
	else {
		irq_unexpected++;
		apic_eoi(); /* nobody asked for it: end it, so lower ones keep coming */
	}
}

void irq_set_handler(u32 vector, irq_fn fn)
{
	if (vector >= 32 && vector < 256)
		handlers[vector] = fn;
}

/*
 * The page through a register-addressed MOV, as Linux's readl/writel do: a
 * constant address could become MOV moffs, which the hypervisor does not decode.
 */
u32 apic_read(u32 reg)
{
	u32 val;

	if (x2)
		return (u32)rdmsr(0x800 + (reg >> 4));
	__asm__ __volatile__("movl (%1), %0" : "=r"(val) : "r"(APIC_PAGE + reg) : "memory");
	return val;
}

void apic_write(u32 reg, u32 val)
{
	if (x2)
		wrmsr(0x800 + (reg >> 4), val);
	else
		__asm__ __volatile__("movl %0, (%1)" ::"r"(val), "r"(APIC_PAGE + reg) : "memory");
}

int apic_init(bool x2apic)
{
	u64 base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;

	x2 = x2apic;
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	else if (map_identity(APIC_PAGE, PAGE_SIZE, true))
		return -1;
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, 0x1ff); /* software enable, spurious vector 0xff */
	return 0;
}

u32 apic_id(void)
{
	return x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_icr(u32 dest, u32 icr)
{
	if (x2) {
		wrmsr(0x830, ((u64)dest << 32) | icr);
		return;
	}
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr);
}

void apic_send_ipi(u32 dest, u8 vector)
{
	apic_send_icr(dest, APIC_ICR_ASSERT | vector);
}

void apic_timer(u8 vector, u32 count, bool periodic)
{
	apic_write(APIC_TDCR, 0xb); /* divide by 1 */
	apic_write(APIC_LVT_TIMER, vector | (periodic ? TIMER_PERIODIC : 0));
	apic_write(APIC_TMICT, count);
}

void apic_timer_deadline(u8 vector, u64 tsc)
{
	apic_write(APIC_LVT_TIMER, vector | TIMER_TSC_DL);
	wrmsr(MSR_TSC_DEADLINE, tsc);
}
