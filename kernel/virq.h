/* SPDX-License-Identifier: MIT */
/*
 * virq.h: interrupts into a partition's vCPUs. Each vCPU has a virtual local
 * APIC (kernel/vlapic.h) in xAPIC mode (its page at 0xFEE00000 trapped) or
 * x2APIC mode (MSRs); this unit connects it to the machine: the guest's APIC
 * timer runs on the host APIC timer of the vCPU's own CPU (kernel/timer.h),
 * IPIs reach only the partition's own vCPUs (INIT and SIPI start its APs),
 * and a pending interrupt is injected when the guest can take it, or an
 * interrupt-window exit is requested. Everything here runs on the vCPU's own
 * CPU with interrupts off, except virq_raise (any CPU).
 */
#ifndef KERNEL_VIRQ_H
#define KERNEL_VIRQ_H

#include "kernel/policy.h"
#include "kernel/vcpu.h"

struct part_mmio;

/* Power-on state of v's APIC (its ID is its vCPU index; vCPU 0 is the BSP). */
void virq_init(struct vcpu *v);

/* v starts running on this CPU / stops: the timer's callback finds it from here. */
void virq_attach(struct vcpu *v);
void virq_detach(struct vcpu *v);

/*
 * Before entering the guest: take INIT and SIPI requests and leave HLT when
 * an interrupt can wake it. false when the vCPU has nothing to run (halted,
 * waiting for SIPI): the caller waits for an interrupt and asks again.
 */
bool virq_ready(struct vcpu *v);

/* Right before entry: inject the highest deliverable interrupt, or ask for a window. */
void virq_deliver(struct vcpu *v);

/* APIC_BASE, TSC_DEADLINE and the x2APIC MSRs (policy_msr_* said EMULATE). */
enum policy_msr virq_msr_read(struct vcpu *v, u32 msr, u64 *val);
enum policy_msr virq_msr_write(struct vcpu *v, u32 msr, u64 val);

/* True when gpa is in the xAPIC page of v's APIC (enabled, xAPIC mode): *r emulates it. */
bool virq_mmio(struct vcpu *v, u64 gpa, struct part_mmio *r);

/*
 * A message-signalled interrupt from a device of v's partition (8-bit xAPIC
 * destination format) for `vector`: the vCPU it names, or NULL.
 */
struct vcpu *virq_msi_target(struct partition *p, u8 dest, bool logical);

/* Raise a fixed interrupt on v from any CPU (an MSI's host handler); kicks v's CPU. */
void virq_raise(struct vcpu *v, u8 vector);

#endif
