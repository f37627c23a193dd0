/* SPDX-License-Identifier: MIT */
/*
 * smp.h: starting the application processors, and running a function on
 * other CPUs (inter-processor calls). CPUs are named by their index into
 * cpus[] (0 = the boot CPU); indices of online CPUs are 0..smp_cpu_count()-1.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "kernel/bootinfo.h"
#include "kernel/types.h"

/*
 * Start every CPU the MADT lists with INIT-SIPI-SIPI through the trampoline
 * page at 0x8000. Each AP gets its own guarded stack and per-CPU area, then
 * idles, serving calls. A CPU that does not answer is reported and left out.
 * Also registers the panic stop (an NMI to every other CPU). After apic_init
 * and timer_init, on the boot CPU, with interrupts off.
 */
void smp_init(const struct boot_info *bi);

/* Number of CPUs online (including the boot CPU). */
u32 smp_cpu_count(void);

/* True when cpus[cpu] is online. */
bool smp_cpu_online(u32 cpu);

/* This CPU's index. */
u32 smp_cpu_index(void);

typedef void (*smp_fn_t)(void *arg);

/*
 * Run fn(arg) on `cpu` in interrupt context (interrupts off). With wait, return
 * once fn has returned there; without, once the CPU has taken the request (arg
 * must then stay valid until fn is done with it). On this CPU, fn runs directly.
 * While waiting, the caller serves calls aimed at itself, so two CPUs calling
 * each other do not deadlock. Returns 0 or -EINVAL (no such online CPU).
 */
int smp_call(u32 cpu, smp_fn_t fn, void *arg, bool wait);

/* smp_call on every other online CPU at once, then wait for all of them. */
void smp_call_others(smp_fn_t fn, void *arg, bool wait);

/* Wake `cpu` from HLT with an interrupt that carries no request. */
void smp_kick(u32 cpu);

#endif
