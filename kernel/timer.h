/* SPDX-License-Identifier: MIT */
/* timer.h: time for the hypervisor: the TSC as its clock, the APIC timer for one-shot events. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "kernel/types.h"

struct refclk;

/*
 * On the boot CPU, after apic_init: find the TSC frequency (CPUID leaf
 * 0x15/0x16 if present and confirmed by a measurement, otherwise calibrated
 * against the ACPI PM timer, the HPET or the PIT, in that order, or the one
 * `timer_ref=` names) and the APIC timer's. Panics when no believable
 * frequency can be found: the hypervisor cannot keep time without one.
 */
void timer_init(void);

/* Per CPU, after apic_init_cpu: install nothing new, just forget any armed timer. */
void timer_init_cpu(void);

/* Nanoseconds since the TSC was 0 (monotonic; the TSCs of all CPUs are assumed in step). */
u64 clock_ns(void);

/* The clock_ns() value at which the TSC reads `tsc`. */
u64 timer_tsc_to_ns(u64 tsc);

/* Busy-wait at least `us` microseconds. */
void udelay(u64 us);

/*
 * Run fn once on CPU `cpu` (an index into cpus[]) in `ns` nanoseconds, in
 * interrupt context on that CPU. One timer per CPU: arming again replaces
 * the pending one. Returns 0, or -EINVAL (no such online CPU, fn NULL).
 * Arming another CPU's timer is an smp_call that waits.
 */
int timer_arm(u32 cpu, u64 ns, void (*fn)(void));

/* Cancel this CPU's pending timer, if any. */
void timer_cancel(void);

/* The frequencies in use, and the reference they were measured against (NULL: CPUID only). */
u64 timer_tsc_hz(void);
u64 timer_apic_hz(void);
const struct refclk *timer_refclk(void);

#endif
