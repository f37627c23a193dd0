// SPDX-License-Identifier: MIT
/* policy.c: CPUID and MSR policy of a partition's vCPU (pure decisions, no hardware access). */
#include "kernel/policy.h"
#include "kernel/hvabi.h"
#include "kernel/io.h"
#include "kernel/string.h"

/* CPUID.1 (SDM Vol. 2A, CPUID; APM Vol. 3 appendix E.3.2). */
#define CPUID1_ECX_MONITOR BIT(3)
#define CPUID1_ECX_VMX     BIT(5)
#define CPUID1_ECX_SMX     BIT(6)
#define CPUID1_ECX_PDCM    BIT(15)
#define CPUID1_ECX_X2APIC  BIT(21)
#define CPUID1_ECX_TSC_DL  BIT(24)
#define CPUID1_ECX_XSAVE   BIT(26)
#define CPUID1_ECX_OSXSAVE BIT(27)
#define CPUID1_ECX_HV      BIT(31)
#define CPUID1_EDX_MCE     BIT(7)
#define CPUID1_EDX_APIC    BIT(9)
#define CPUID1_EDX_MCA     BIT(14)
#define CPUID1_EDX_DS      BIT(21)
#define CPUID1_EDX_ACPI    BIT(22)
#define CPUID1_EDX_HTT     BIT(28)
#define CPUID1_EDX_TM      BIT(29)
#define CPUID1_EDX_PBE     BIT(31)
/* CPUID.6 */
#define CPUID6_EAX_ARAT BIT(2) /* APIC timer always running */
/* CPUID.7.0 */
#define CPUID7_EBX_SGX     BIT(2)
#define CPUID7_EBX_RDT_M   BIT(12)
#define CPUID7_EBX_RDT_A   BIT(15)
#define CPUID7_EBX_PT      BIT(25)
#define CPUID7_ECX_PKU     BIT(3)
#define CPUID7_ECX_OSPKE   BIT(4)
#define CPUID7_ECX_WAITPKG BIT(5)
#define CPUID7_ECX_SGX_LC  BIT(30)
#define CPUID7_EDX_SPEC \
	(BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(31)) /* IBRS, STIBP, L1D, ARCH_CAP, SSBD */
/* CPUID.80000001h ECX (AMD) */
#define CPUIDX1_ECX_CMP_LEGACY BIT(1)
#define CPUIDX1_ECX_SVM        BIT(2)
#define CPUIDX1_ECX_EXTAPIC    BIT(3)
#define CPUIDX1_ECX_IBS        BIT(10)
#define CPUIDX1_ECX_SKINIT     BIT(12)
#define CPUIDX1_ECX_WDT        BIT(13)
#define CPUIDX1_ECX_TOPOEXT    BIT(22)
#define CPUIDX1_ECX_PERFCTR    (BIT(23) | BIT(24) | BIT(26) | BIT(27) | BIT(28))
#define CPUIDX1_ECX_MONITORX   BIT(29)
#define CPUIDX1_EDX_SYSCALL    BIT(11)
#define CPUIDX7_EDX_INVTSC     BIT(8)

#define CR4_OSXSAVE BIT(18)
#define CR4_PKE     BIT(22)

static void cpuid_zero(struct cpuid_regs *r)
{
	r->eax = r->ebx = r->ecx = r->edx = 0;
}

static void cpuid_leaf1(const struct policy_cpu *c, struct cpuid_regs *r)
{
	r->ebx = (r->ebx & 0xffff) | (c->vcpu << 24) | ((c->vcpu_count & 0xff) << 16);
	r->ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
		    CPUID1_ECX_OSXSAVE);
	/* The virtual APIC: x2APIC mode and the TSC-deadline timer, whatever the host has. */
	r->ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DL;
	/* OSXSAVE mirrors the guest's CR4, not the host's (SDM Vol. 2A, CPUID). */
	if ((r->ecx & CPUID1_ECX_XSAVE) && (c->cr4 & CR4_OSXSAVE))
		r->ecx |= CPUID1_ECX_OSXSAVE;
	r->ecx |= CPUID1_ECX_HV;
	r->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA | CPUID1_EDX_DS | CPUID1_EDX_ACPI |
		    CPUID1_EDX_HTT | CPUID1_EDX_TM | CPUID1_EDX_PBE);
	r->edx |= CPUID1_EDX_APIC;
	if (c->vcpu_count > 1)
		r->edx |= CPUID1_EDX_HTT;
}

/* Deterministic cache parameters: caches are shared by no one, cores = the partition's. */
static void cpuid_leaf4(const struct policy_cpu *c, struct cpuid_regs *r)
{
	if ((r->eax & 0x1f) == 0)
		return; /* no more caches */
	r->eax &= ~GENMASK(31, 14);
	r->eax |= (u32)(MIN(c->vcpu_count, 64) - 1) << 26;
}

static void cpuid_leaf7(const struct policy_cpu *c, u32 sub, struct cpuid_regs *r)
{
	if (sub != 0) {
		cpuid_zero(r);
		return;
	}
	r->ebx &= ~(CPUID7_EBX_SGX | CPUID7_EBX_RDT_M | CPUID7_EBX_RDT_A | CPUID7_EBX_PT);
	r->ecx &= ~(CPUID7_ECX_OSPKE | CPUID7_ECX_WAITPKG | CPUID7_ECX_SGX_LC);
	if ((r->ecx & CPUID7_ECX_PKU) && (c->cr4 & CR4_PKE))
		r->ecx |= CPUID7_ECX_OSPKE;
	r->edx &= ~CPUID7_EDX_SPEC;
}

/* Smallest shift with (1 << shift) >= n. */
static u32 order_of(u32 n)
{
	u32 s = 0;

	while ((1U << s) < n && s < 31)
		s++;
	return s;
}

/* x2APIC topology (leaves 0xB and 0x1F): one thread per core, the partition's vCPUs as cores. */
static void cpuid_topology(const struct policy_cpu *c, u32 sub, struct cpuid_regs *r)
{
	cpuid_zero(r);
	r->ecx = sub & 0xff;
	r->edx = c->vcpu;
	if (sub == 0) {
		r->ebx = 1;
		r->ecx |= 1 << 8; /* level type SMT */
	} else if (sub == 1) {
		r->eax = order_of(c->vcpu_count);
		r->ebx = c->vcpu_count;
		r->ecx |= 2 << 8; /* level type core */
	}
}

static void cpuid_basic(const struct policy_cpu *c, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	switch (leaf) {
	case 0x0:
	case 0x2:
	case 0xd:
	case 0x15:
	case 0x16:
		break;
	case 0x1:
		cpuid_leaf1(c, r);
		break;
	case 0x4:
		cpuid_leaf4(c, r);
		break;
	case 0x6:
		/* Power management: only ARAT, the virtual APIC timer runs in every state. */
		cpuid_zero(r);
		r->eax = CPUID6_EAX_ARAT;
		break;
	case 0x7:
		cpuid_leaf7(c, sub, r);
		break;
	case 0xb:
	case 0x1f:
		cpuid_topology(c, sub, r);
		break;
	default:
		cpuid_zero(r);
		break; /* MONITOR, power, PMU, RDT, SGX, PT, ... */
	}
}

static void cpuid_ext(const struct policy_cpu *c, u32 leaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 0x80000000:
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
	case 0x80000005:
	case 0x80000006:
	case 0x80000019:
	case 0x8000001a:
		break;
	case 0x80000001:
		r->ecx &= ~(CPUIDX1_ECX_CMP_LEGACY | CPUIDX1_ECX_SVM | CPUIDX1_ECX_EXTAPIC |
			    CPUIDX1_ECX_IBS | CPUIDX1_ECX_SKINIT | CPUIDX1_ECX_WDT |
			    CPUIDX1_ECX_TOPOEXT | CPUIDX1_ECX_PERFCTR | CPUIDX1_ECX_MONITORX);
		r->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA); /* AMD mirrors leaf 1 */
		if (!c->intel)
			r->edx |= CPUID1_EDX_APIC;
		/* Intel CPUs show SYSCALL only to 64-bit code; the host's answer came from it. */
		if (c->intel && !c->long64)
			r->edx &= ~CPUIDX1_EDX_SYSCALL;
		break;
	case 0x80000007:
		r->eax = r->ebx = r->ecx = 0;
		r->edx &= CPUIDX7_EDX_INVTSC;
		break;
	case 0x80000008:
		r->ebx = 0; /* speculation-control and other MSR-backed features */
		r->ecx = (MIN(c->vcpu_count, 256) - 1) & 0xff; /* NC; ApicIdSize 0: legacy */
		r->edx = 0;
		break;
	default:
		cpuid_zero(r);
		break; /* SVM (8000000Ah), TopoExt, SEV, ... */
	}
}

static void cpuid_hypervisor(const struct policy_cpu *c, u32 leaf, struct cpuid_regs *r)
{
	static const char sig[12] = HV_CPUID_SIGNATURE;

	cpuid_zero(r);
	if (leaf == HV_CPUID_BASE) {
		r->eax = HV_CPUID_BASE + 1;
		memcpy(&r->ebx, sig, 4);
		memcpy(&r->ecx, sig + 4, 4);
		memcpy(&r->edx, sig + 8, 4);
	} else if (leaf == HV_CPUID_BASE + 1) {
		r->eax = HV_HC_ABI_VERSION;
		r->ebx = c->vcpu;
		r->ecx = c->vcpu_count;
	}
}

void policy_cpuid(const struct policy_cpu *c, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	if (leaf <= c->max_leaf)
		cpuid_basic(c, leaf, sub, r);
	else if (leaf >= HV_CPUID_BASE && leaf <= HV_CPUID_BASE + 0xff)
		cpuid_hypervisor(c, leaf, r);
	else if (leaf >= 0x80000000 && leaf <= c->max_ext_leaf)
		cpuid_ext(c, leaf, r);
	else
		cpuid_zero(r);
}

/* --- MSRs --- */

#define EFER_GUEST_BITS    (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MTRR_DEF_TYPE_BITS (GENMASK(7, 0) | BIT(10) | BIT(11))
#define MISC_ENABLE_VALUE  (BIT(0) | BIT(11) | BIT(12)) /* fast strings; no BTS, no PEBS */

/* Memory types valid in PAT entries and MTRRs: UC, WC, WT, WP, WB (and UC- in PAT). */
static bool mem_type_ok(u8 t, bool pat)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7);
}

static bool pat_ok(u64 v)
{
	for (int i = 0; i < 8; i++)
		if (!mem_type_ok((v >> (8 * i)) & 0xff, true))
			return false;
	return true;
}

/* EFER writes: reserved bits and LME changes while paging is on give #GP (SDM Vol. 3A 10.8.5). */
static bool efer_ok(const struct policy_cpu *c, u64 v)
{
	if (v & ~EFER_GUEST_BITS)
		return false;
	if ((c->cr0 & CR0_PG) && ((v ^ c->efer) & EFER_LME))
		return false;
	return true;
}

/* The fixed-range MTRRs in slot order (SDM Vol. 3A 12.11.2.2). */
static const u32 mtrr_fixed[11] = { MSR_IA32_MTRR_FIX64K,     MSR_IA32_MTRR_FIX16K,
				    MSR_IA32_MTRR_FIX16K + 1, MSR_IA32_MTRR_FIX4K,
				    MSR_IA32_MTRR_FIX4K + 1,  MSR_IA32_MTRR_FIX4K + 2,
				    MSR_IA32_MTRR_FIX4K + 3,  MSR_IA32_MTRR_FIX4K + 4,
				    MSR_IA32_MTRR_FIX4K + 5,  MSR_IA32_MTRR_FIX4K + 6,
				    MSR_IA32_MTRR_FIX4K + 7 };

#define MTRR_SLOT_VAR   1
#define MTRR_SLOT_FIXED (1 + 2 * POLICY_MTRR_VAR_MAX)

int policy_mtrr_slot(const struct policy_cpu *c, u32 msr)
{
	u32 vcnt = MIN((u32)(c->mtrrcap & MTRRCAP_VCNT), POLICY_MTRR_VAR_MAX);

	if (!c->mtrrcap)
		return -1;
	if (msr == MSR_IA32_MTRR_DEF_TYPE)
		return 0;
	if (msr - MSR_IA32_MTRR_PHYSBASE0 < 2 * vcnt)
		return (int)(MTRR_SLOT_VAR + msr - MSR_IA32_MTRR_PHYSBASE0);
	for (u32 i = 0; i < ARRAY_SIZE(mtrr_fixed) && (c->mtrrcap & MTRRCAP_FIX); i++)
		if (msr == mtrr_fixed[i])
			return (int)(MTRR_SLOT_FIXED + i);
	return -1;
}

u64 policy_mtrr_reset(const struct policy_cpu *c, int slot)
{
	if (slot == 0)
		return (c->mtrrcap & MTRRCAP_FIX) ? 0xc06 : 0x806; /* E (+ FE), default WB */
	return slot >= MTRR_SLOT_FIXED ? 0x0606060606060606ULL : 0;
}

/* A write to an emulated MTRR: reserved bits and invalid memory types give #GP. */
static bool mtrr_write_ok(const struct policy_cpu *c, int slot, u64 v)
{
	u64 above = ~0ULL << MIN(c->phys_bits ? c->phys_bits : 36, 52U);

	if (slot == 0)
		return !(v & ~MTRR_DEF_TYPE_BITS) && mem_type_ok(v & 0xff, false);
	if (slot >= MTRR_SLOT_FIXED) {
		for (int i = 0; i < 8; i++)
			if (!mem_type_ok((v >> (8 * i)) & 0xff, false))
				return false;
		return true;
	}
	if ((slot - MTRR_SLOT_VAR) % 2 == 0) /* PHYSBASE: type, 11:8 reserved */
		return !(v & (above | GENMASK(11, 8))) && mem_type_ok(v & 0xff, false);
	return !(v & (above | GENMASK(10, 0))); /* PHYSMASK: bit 11 valid */
}

bool policy_msr_is_apic(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

bool policy_msr_passthrough(u32 msr, bool write)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_TSC_AUX:
		return true;
	case MSR_IA32_TSC:
		return !write; /* reads see the offset; writes become a new offset */
	default:
		return false;
	}
}

enum policy_msr policy_msr_read(const struct policy_cpu *c, u32 msr, u64 *value)
{
	*value = 0;
	switch (msr) {
	case MSR_EFER:
	case MSR_IA32_PAT:
	case MSR_IA32_TSC:
		return POLICY_MSR_EMULATE;
	case MSR_IA32_MTRRCAP:
		*value = c->mtrrcap; /* the variable and fixed MTRRs it counts exist, emulated */
		return POLICY_MSR_DONE;
	case MSR_IA32_APIC_BASE:
	case MSR_IA32_TSC_DEADLINE:
		return POLICY_MSR_EMULATE; /* the vCPU's virtual APIC (kernel/vlapic.h) */
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_DEBUGCTL:
		return POLICY_MSR_DONE;
	case MSR_IA32_PLATFORM_ID:
		return c->intel ? POLICY_MSR_DONE : POLICY_MSR_GP;
	case MSR_IA32_FEATURE_CONTROL:
		*value = BIT(0); /* locked, VMX off */
		return c->intel ? POLICY_MSR_DONE : POLICY_MSR_GP;
	case MSR_IA32_MISC_ENABLE:
		*value = MISC_ENABLE_VALUE;
		return c->intel ? POLICY_MSR_DONE : POLICY_MSR_GP;
	default:
		if (policy_mtrr_slot(c, msr) >= 0 || policy_msr_is_apic(msr))
			return POLICY_MSR_EMULATE;
		return policy_msr_passthrough(msr, false) ? POLICY_MSR_EMULATE : POLICY_MSR_GP;
	}
}

enum policy_msr policy_msr_write(const struct policy_cpu *c, u32 msr, u64 value)
{
	switch (msr) {
	case MSR_EFER:
		return efer_ok(c, value) ? POLICY_MSR_EMULATE : POLICY_MSR_GP;
	case MSR_IA32_PAT:
		return pat_ok(value) ? POLICY_MSR_EMULATE : POLICY_MSR_GP;
	case MSR_IA32_TSC:
		return POLICY_MSR_EMULATE;
	case MSR_IA32_BIOS_SIGN_ID: /* written as 0 before reading the microcode revision */
		return POLICY_MSR_DONE;
	case MSR_IA32_DEBUGCTL:
		return value == 0 ? POLICY_MSR_DONE : POLICY_MSR_GP;
	case MSR_IA32_MISC_ENABLE:
		return c->intel ? POLICY_MSR_DONE : POLICY_MSR_GP;
	case MSR_IA32_APIC_BASE: /* the virtual APIC checks the value */
	case MSR_IA32_TSC_DEADLINE:
		return POLICY_MSR_EMULATE;
	default:
		if (policy_msr_is_apic(msr))
			return POLICY_MSR_EMULATE;
		if (policy_mtrr_slot(c, msr) >= 0) /* kept per vCPU, never applied: NPT decides */
			return mtrr_write_ok(c, policy_mtrr_slot(c, msr), value)
				       ? POLICY_MSR_EMULATE
				       : POLICY_MSR_GP;
		/* APIC base, MTRRCAP, microcode, SVM/VMX state, PMU, MCA, ...: the host's. */
		return policy_msr_passthrough(msr, true) ? POLICY_MSR_EMULATE : POLICY_MSR_GP;
	}
}
