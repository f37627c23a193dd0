/* SPDX-License-Identifier: MIT */
/*
 * apic.h: interrupts for minimal guests: handlers for vectors 32-255 and the
 * partition's virtual local APIC, in x2APIC mode (MSRs) or xAPIC mode (the
 * page at 0xFEE00000, mapped uncached). See guests/README.md, "Interrupts".
 */
#ifndef GUESTS_LIB_APIC_H
#define GUESTS_LIB_APIC_H

#include "guests/lib/guest.h"

typedef void (*irq_fn)(u32 vector);

/* Run fn for `vector` (32-255); it must call apic_eoi() itself. */
void irq_set_handler(u32 vector, irq_fn fn);

static inline void irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}
static inline void irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}
/* Wait for an interrupt with interrupts on; they are off again afterwards. */
static inline void irq_wait(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

/* Enable this vCPU's APIC (x2APIC mode, or xAPIC through its page), TPR 0. 0 or -1. */
int apic_init(bool x2apic);

u32 apic_id(void);
void apic_eoi(void);
u32 apic_read(u32 reg); /* xAPIC offset (0x20 = ID, ...) in either mode */
void apic_write(u32 reg, u32 val);

/* Interrupts that came on a vector without a handler. */
extern volatile u32 irq_unexpected;

/* Interrupt Command Register fields (SDM Vol. 3A 11.6.1). */
#define APIC_ICR_INIT   (5U << 8)
#define APIC_ICR_SIPI   (6U << 8)
#define APIC_ICR_ASSERT (1U << 14)
#define APIC_ICR_LEVEL  (1U << 15)

/* Write the ICR: `icr` (low half) to APIC ID `dest` (physical destination). */
void apic_send_icr(u32 dest, u32 icr);

/* A fixed IPI to APIC ID `dest`. */
void apic_send_ipi(u32 dest, u8 vector);

/* The timer: `count` ticks of the 1 GHz bus clock (divide by 1), periodic or one-shot; 0 stops. */
void apic_timer(u8 vector, u32 count, bool periodic);

/* The TSC-deadline timer: an interrupt when the TSC reaches `tsc` (0 disarms). */
void apic_timer_deadline(u8 vector, u64 tsc);

#endif
