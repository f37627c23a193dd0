/* SPDX-License-Identifier: MIT */
/* cpu.h: per-CPU state (reached through GS base), descriptor tables and CPU features. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include "kernel/types.h"

#define MAX_CPUS 64

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS (SDM Vol. 3A 8.7)");

/* Per-CPU data; `self` must stay first so that GS:0 yields the pointer. */
struct percpu {
	struct percpu *self;
	u32 index;    /* 0 = boot CPU, in MADT order */
	u32 apic_id;
	bool online;
	u64 gdt[5] __aligned(16);
	struct tss tss __aligned(16);
	paddr_t ist_stacks[2];
	void *data[8]; /* slots other units own (see PERCPU_SLOT_*) */
};

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define KERNEL_TR 0x18

extern struct percpu cpus[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Load the GDT, TSS (with IST stacks), GS base and IDT for cpus[index]. Panics on OOM. */
void cpu_init(u32 index, u32 apic_id);

/* CPU features the hypervisor cares about, read once on the boot CPU. */
struct cpu_features {
	char vendor[13];
	u32 family, model, stepping;
	bool svm, vmx, x2apic, pdpe1gb, invariant_tsc, hypervisor, tsc_deadline;
	u32 max_leaf, max_ext_leaf;
};
extern struct cpu_features cpu_features;
void cpu_features_init(void);

#endif
