/* SPDX-License-Identifier: MIT */
/*
 * policy.h: what a partition's vCPU may see and do with CPUID and MSRs. Pure
 * decisions over plain values, so host unit tests check every rule; the vCPU
 * layer applies them (guests/README.md lists them for guest authors).
 */
#ifndef KERNEL_POLICY_H
#define KERNEL_POLICY_H

#include "kernel/types.h"

/* Model-specific registers the policy names (SDM Vol. 4, APM Vol. 2 appendix A). */
#define MSR_IA32_TSC             0x00000010
#define MSR_IA32_PLATFORM_ID     0x00000017
#define MSR_IA32_APIC_BASE       0x0000001b
#define APIC_BASE_BSP            BIT(8)
#define MSR_IA32_TSC_DEADLINE    0x000006e0
#define MSR_X2APIC_FIRST         0x00000800 /* x2APIC registers: 800h + offset / 16 */
#define MSR_X2APIC_LAST          0x000008ff
#define APIC_BASE_EN             BIT(11)
#define MSR_IA32_FEATURE_CONTROL 0x0000003a
#define MSR_IA32_BIOS_UPDT_TRIG  0x00000079 /* microcode update: never from a partition */
#define MSR_IA32_BIOS_SIGN_ID    0x0000008b
#define MSR_IA32_MTRRCAP         0x000000fe
#define MSR_IA32_SYSENTER_CS     0x00000174
#define MSR_IA32_SYSENTER_ESP    0x00000175
#define MSR_IA32_SYSENTER_EIP    0x00000176
#define MSR_IA32_MISC_ENABLE     0x000001a0
#define MSR_IA32_DEBUGCTL        0x000001d9
#define MSR_IA32_MTRR_FIRST      0x00000200 /* variable and fixed MTRRs ... */
#define MSR_IA32_MTRR_LAST       0x000002ff /* ... up to and including MTRR_DEF_TYPE */
#define MSR_IA32_MTRR_PHYSBASE0  0x00000200 /* PHYSBASEn = 200h + 2n, PHYSMASKn = 201h + 2n */
#define MSR_IA32_MTRR_FIX64K     0x00000250
#define MSR_IA32_MTRR_FIX16K     0x00000258 /* and 259h */
#define MSR_IA32_MTRR_FIX4K      0x00000268 /* ... 26Fh */
#define MTRRCAP_VCNT             GENMASK(7, 0)
#define MTRRCAP_FIX              BIT(8)
#define MTRRCAP_WC               BIT(10)
#define MSR_IA32_PAT             0x00000277
#define MSR_IA32_MTRR_DEF_TYPE   0x000002ff
#define MSR_STAR                 0xc0000081
#define MSR_LSTAR                0xc0000082
#define MSR_CSTAR                0xc0000083
#define MSR_SFMASK               0xc0000084
#define MSR_TSC_AUX              0xc0000103
#define MSR_VM_CR                0xc0010114 /* SVM: never visible */
#define MSR_VM_HSAVE_PA          0xc0010117

/* What the partition's vCPU asks about; the guest's own register values included. */
struct policy_cpu {
	bool intel;         /* GenuineIntel host; AMD-style otherwise */
	u32 vcpu;           /* index of the asking vCPU */
	u32 vcpu_count;     /* vCPUs in its partition */
	u32 max_leaf;       /* host CPUID.0.EAX */
	u32 max_ext_leaf;   /* host CPUID.80000000h.EAX */
	u64 cr0, cr4, efer; /* the guest's current values */
	bool long64;        /* the guest runs 64-bit code (EFER.LMA and CS.L) */
	u64 mtrrcap;        /* what MTRRCAP shows: the host's VCNT (at most 16), FIX, WC */
	u32 phys_bits;      /* MAXPHYADDR: MTRR bits above it are reserved */
};

/* Emulated MTRRs, one slot each: MTRR_DEF_TYPE, PHYSBASE0/PHYSMASK0 ... 15, 11 fixed ranges. */
#define POLICY_MTRR_VAR_MAX 16
#define POLICY_MTRR_SLOTS   (1 + 2 * POLICY_MTRR_VAR_MAX + 11)

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

/*
 * Turn the host's answer for CPUID(leaf, sub), given in *r, into what the
 * partition sees: the hypervisor bit set, SVM/VMX and host-only features
 * (APIC, MCA, PMU, MONITOR, RDT, SGX, speculation MSRs) hidden, topology
 * showing only the partition's vCPUs, leaves outside the allow-list zeroed.
 */
void policy_cpuid(const struct policy_cpu *c, u32 leaf, u32 sub, struct cpuid_regs *r);

enum policy_msr {
	POLICY_MSR_GP,      /* inject #GP(0) */
	POLICY_MSR_DONE,    /* read: *value is the answer; write: dropped */
	POLICY_MSR_EMULATE, /* allowed; the vCPU layer reads/applies the per-vCPU value */
};

/* Decide a guest RDMSR; for POLICY_MSR_DONE *value holds the result. */
enum policy_msr policy_msr_read(const struct policy_cpu *c, u32 msr, u64 *value);

/* Decide a guest WRMSR of `value` (reserved bits and host-touching MSRs give #GP). */
enum policy_msr policy_msr_write(const struct policy_cpu *c, u32 msr, u64 value);

/* The slot of an MTRR the partition has (per c->mtrrcap), or -1. */
int policy_mtrr_slot(const struct policy_cpu *c, u32 msr);

/* An MTRR's value when the vCPU starts: enabled, write-back everywhere (SDM Vol. 3A 12.11). */
u64 policy_mtrr_reset(const struct policy_cpu *c, int slot);

/* The local APIC's MSRs: APIC_BASE, TSC_DEADLINE and the x2APIC range (kernel/vlapic.h). */
bool policy_msr_is_apic(u32 msr);

/* True when the access needs no intercept: guest-only state the backend swaps or the host never uses. */
bool policy_msr_passthrough(u32 msr, bool write);

#endif
