/* SPDX-License-Identifier: MIT */
/* apic.h: the local APIC of each CPU (x2APIC when the CPU has it, xAPIC MMIO otherwise). */
#ifndef KERNEL_APIC_H
#define KERNEL_APIC_H

#include "kernel/types.h"

/*
 * On the boot CPU, once: mask the 8259 PICs and every I/O APIC pin, choose
 * x2APIC or xAPIC (mapping the xAPIC page), register the EOI hook and the
 * spurious/error handlers, then set up this CPU's APIC (apic_init_cpu).
 * Panics if the CPU has no usable local APIC.
 */
void apic_init(void);

/* Enable and program this CPU's local APIC: SVR, LVTs masked, LINT1 = NMI, TPR 0. */
void apic_init_cpu(void);

/* This CPU's APIC ID as its APIC reports it (32-bit in x2APIC mode, 8-bit in xAPIC). */
u32 apic_id(void);

/* True in x2APIC mode. */
bool apic_is_x2apic(void);

/* Largest APIC ID an IPI can reach in the current mode. */
u32 apic_max_id(void);

/* Interrupt command register: fixed IPI, NMI, INIT and STARTUP to one APIC ID. */
void apic_send_ipi(u32 dest, u8 vector);
void apic_send_nmi(u32 dest);
void apic_send_init(u32 dest);
void apic_send_sipi(u32 dest, u8 page);

/* Timer, one-shot, divide by 1, VEC_APIC_TIMER: start with `count` ticks (0 stops it). */
void apic_timer_oneshot(u32 count);

/* Program the timer counting down from 0xffffffff with its interrupt masked (calibration). */
void apic_timer_free_run(void);

/* Current count of the timer (counts down to 0). */
u32 apic_timer_current(void);

#endif
