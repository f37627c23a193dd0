// SPDX-License-Identifier: MIT
/* test_policy.c: what a partition sees of CPUID and may do with MSRs. */
// sources: kernel/policy.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/hvabi.h"
#include "kernel/io.h"
#include "kernel/policy.h"

static struct policy_cpu amd(u32 vcpu, u32 count)
{
	return (struct policy_cpu){ .intel = false,
				    .vcpu = vcpu,
				    .vcpu_count = count,
				    .max_leaf = 0xd,
				    .max_ext_leaf = 0x8000001f,
				    .cr0 = CR0_PG | CR0_PE,
				    .cr4 = CR4_PAE,
				    .efer = EFER_LME | EFER_LMA };
}

/* Ask with a host that answers all ones everywhere: whatever survives is allowed through. */
static struct cpuid_regs ask(const struct policy_cpu *c, u32 leaf, u32 sub)
{
	struct cpuid_regs r = { ~0U, ~0U, ~0U, ~0U };

	policy_cpuid(c, leaf, sub, &r);
	return r;
}

static void test_leaf1(void **state)
{
	struct policy_cpu c = amd(2, 3);
	struct cpuid_regs r = ask(&c, 1, 0);

	(void)state;
	assert_true(r.ecx & BIT(31));             /* hypervisor present */
	assert_false(r.ecx & BIT(5));             /* VMX */
	assert_true(r.ecx & BIT(21));             /* x2APIC: the virtual APIC has it */
	assert_true(r.ecx & BIT(24));             /* TSC-deadline: likewise */
	assert_false(r.ecx & BIT(3));             /* MONITOR */
	assert_false(r.ecx & BIT(27));            /* OSXSAVE: guest CR4.OSXSAVE is clear */
	assert_true(r.edx & BIT(9));              /* APIC */
	assert_false(r.edx & (BIT(7) | BIT(14))); /* MCE, MCA */
	assert_true(r.edx & BIT(28));             /* HTT: more than one vCPU */
	assert_int_equal(r.ebx >> 24, 2);         /* initial APIC ID = vCPU index */
	assert_int_equal((r.ebx >> 16) & 0xff, 3);
	assert_true(r.edx & BIT(0)); /* FPU and friends pass through */
	c.cr4 |= BIT(18);
	r = ask(&c, 1, 0);
	assert_true(r.ecx & BIT(27)); /* now the guest enabled XSAVE */
	c = amd(0, 1);
	r = ask(&c, 1, 0);
	assert_false(r.edx & BIT(28));
}

/* Intel reports SYSCALL (80000001h EDX bit 11) to 64-bit code only; AMD in every mode. */
static void test_syscall_bit_follows_the_mode(void **state)
{
	struct policy_cpu c = amd(0, 1);

	(void)state;
	assert_true(ask(&c, 0x80000001, 0).edx & BIT(11));
	c.intel = true;
	assert_false(ask(&c, 0x80000001, 0).edx & BIT(11));
	c.long64 = true;
	assert_true(ask(&c, 0x80000001, 0).edx & BIT(11));
}

static void test_svm_and_vmx_hidden(void **state)
{
	struct policy_cpu c = amd(0, 1);
	struct cpuid_regs r = ask(&c, 0x80000001, 0);

	(void)state;
	assert_false(r.ecx & BIT(2));  /* SVM */
	assert_false(r.ecx & BIT(22)); /* TopoExt */
	assert_true(r.edx & BIT(9));   /* AMD's APIC mirror */
	assert_true(r.edx & BIT(29));  /* long mode stays */
	r = ask(&c, 0x8000000a, 0);    /* the SVM feature leaf */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = ask(&c, 0x8000001f, 0); /* SEV */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_hypervisor_leaves(void **state)
{
	struct policy_cpu c = amd(1, 2);
	struct cpuid_regs r = ask(&c, HV_CPUID_BASE, 0);
	char sig[13] = { 0 };

	(void)state;
	assert_int_equal(r.eax, HV_CPUID_BASE + 1);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, HV_CPUID_SIGNATURE);
	r = ask(&c, HV_CPUID_BASE + 1, 0);
	assert_int_equal(r.eax, HV_HC_ABI_VERSION);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 2);
	r = ask(&c, HV_CPUID_BASE + 0x42, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_out_of_range_and_unlisted_leaves(void **state)
{
	struct policy_cpu c = amd(0, 1);
	struct cpuid_regs r6;
	static const u32 zero[] = { 0xe, 0x1f, 0x5, 0xa, 0x80000020, 0xc0000000, 0x3 };

	(void)state;
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		struct cpuid_regs r = ask(&c, zero[i], 0);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	c.max_leaf = 0x1f;
	assert_int_equal(ask(&c, 0x1f, 1).ebx, 1); /* topology now, in range */
	r6 = ask(&c, 6, 0); /* power management: only ARAT (the APIC timer always runs) */
	assert_int_equal(r6.eax, BIT(2));
	assert_int_equal(r6.ebx | r6.ecx | r6.edx, 0);
}

static void test_topology(void **state)
{
	struct policy_cpu c = amd(2, 3);
	struct cpuid_regs r;

	(void)state;
	c.max_leaf = 0xb;
	r = ask(&c, 0xb, 0);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 0x100);
	assert_int_equal(r.edx, 2);
	r = ask(&c, 0xb, 1);
	assert_int_equal(r.eax, 2); /* 3 vCPUs need 2 bits */
	assert_int_equal(r.ebx, 3);
	assert_int_equal(r.ecx, 0x201);
	r = ask(&c, 0xb, 2);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx & 0xff00, 0); /* invalid level ends the list */
	r = ask(&c, 0x80000008, 0);
	assert_int_equal(r.ecx & 0xff, 2); /* NC = vCPUs - 1 */
	assert_int_equal(r.ecx & 0xf000, 0);
	r = ask(&c, 4, 0);
	assert_int_equal(r.eax >> 26, 2);
	assert_int_equal((r.eax >> 14) & 0xfff, 0);
}

static void test_leaf7(void **state)
{
	struct policy_cpu c = amd(0, 1);
	struct cpuid_regs r = ask(&c, 7, 0);

	(void)state;
	assert_false(r.ebx & BIT(2));  /* SGX */
	assert_false(r.ecx & BIT(4));  /* OSPKE: guest CR4.PKE clear */
	assert_false(r.edx & BIT(26)); /* IBRS/IBPB: SPEC_CTRL is not the guest's */
	assert_true(r.ebx & BIT(0));   /* FSGSBASE passes */
	r = ask(&c, 7, 1);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static enum policy_msr rd(const struct policy_cpu *c, u32 msr, u64 *v)
{
	return policy_msr_read(c, msr, v);
}

static void test_msr_passthrough_list(void **state)
{
	(void)state;
	assert_true(policy_msr_passthrough(MSR_FS_BASE, true));
	assert_true(policy_msr_passthrough(MSR_KERNEL_GS_BASE, false));
	assert_true(policy_msr_passthrough(MSR_LSTAR, true));
	assert_true(policy_msr_passthrough(MSR_IA32_SYSENTER_EIP, true));
	assert_true(policy_msr_passthrough(MSR_IA32_TSC, false));
	assert_false(policy_msr_passthrough(MSR_IA32_TSC, true));
	assert_false(policy_msr_passthrough(MSR_EFER, false));
	assert_false(policy_msr_passthrough(MSR_EFER, true));
	assert_false(policy_msr_passthrough(MSR_VM_HSAVE_PA, false));
	assert_false(policy_msr_passthrough(MSR_IA32_APIC_BASE, true));
	assert_false(policy_msr_passthrough(MSR_IA32_PAT, true));
	for (u32 msr = MSR_IA32_MTRR_FIRST; msr <= MSR_IA32_MTRR_LAST; msr++)
		assert_false(policy_msr_passthrough(msr, true));
}

static void test_msrs_touching_the_host_give_gp(void **state)
{
	static const u32 denied_writes[] = {
		MSR_VM_HSAVE_PA,
		MSR_VM_CR,
		MSR_IA32_BIOS_UPDT_TRIG,
		0x200,
		0x201,
		0x20f,
		0x250,
		0x258,
		0x26f, /* variable and fixed MTRRs */
		MSR_IA32_MTRRCAP,
		MSR_IA32_FEATURE_CONTROL,
		0x48 /* SPEC_CTRL */,
		0x480 /* VMX_BASIC */,
		0xc0010000 /* PERF_CTL0 */,
		0x179 /* MCG_CAP */,
		0x12345678,
	};
	struct policy_cpu c = amd(0, 1);
	u64 v;

	(void)state;
	for (size_t i = 0; i < sizeof(denied_writes) / sizeof(denied_writes[0]); i++)
		assert_int_equal(policy_msr_write(&c, denied_writes[i], 0), POLICY_MSR_GP);
	assert_int_equal(rd(&c, MSR_VM_HSAVE_PA, &v), POLICY_MSR_GP);
	assert_int_equal(rd(&c, MSR_VM_CR, &v), POLICY_MSR_GP);
	assert_int_equal(rd(&c, 0x480, &v), POLICY_MSR_GP);
	assert_int_equal(rd(&c, 0x200, &v), POLICY_MSR_GP);
	/* The local APIC's MSRs go to the vCPU's virtual APIC, which checks them. */
	assert_int_equal(rd(&c, MSR_IA32_APIC_BASE, &v), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_APIC_BASE, 0), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, MSR_IA32_TSC_DEADLINE, &v), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, 0x830, 0), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x8ff, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x900, &v), POLICY_MSR_GP);
}

static void test_efer(void **state)
{
	struct policy_cpu c = amd(0, 1);
	u64 v = 1;

	(void)state;
	assert_int_equal(rd(&c, MSR_EFER, &v), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_EFER, c.efer | EFER_NXE), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_EFER, c.efer | EFER_SCE), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_EFER, c.efer | EFER_SVME), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, MSR_EFER, c.efer | BIT(63)), POLICY_MSR_GP);
	/* Clearing LME while paging is on: #GP (SDM Vol. 3A 10.8.5) */
	assert_int_equal(policy_msr_write(&c, MSR_EFER, EFER_LMA), POLICY_MSR_GP);
	c.cr0 = CR0_PE;
	c.efer = 0;
	assert_int_equal(policy_msr_write(&c, MSR_EFER, EFER_LME), POLICY_MSR_EMULATE);
}

static void test_pat_and_mtrr_def_type(void **state)
{
	struct policy_cpu c = amd(0, 1);

	(void)state;
	assert_int_equal(policy_msr_write(&c, MSR_IA32_PAT, 0x0007040600070406ULL),
			 POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_PAT, 0x0007040600070402ULL), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_PAT, 0x0807040600070406ULL), POLICY_MSR_GP);
	c.mtrrcap = 0x508;
	assert_int_equal(policy_msr_write(&c, MSR_IA32_MTRR_DEF_TYPE, 0xc06), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_MTRR_DEF_TYPE, 0x807),
			 POLICY_MSR_GP); /* UC- */
	assert_int_equal(policy_msr_write(&c, MSR_IA32_MTRR_DEF_TYPE, 0x1806), POLICY_MSR_GP);
}

/* MTRRs as the host counts them (8 variable, fixed, WC), MAXPHYADDR 40: kept and checked. */
static void test_mtrrs(void **state)
{
	struct policy_cpu c = amd(0, 1);
	u64 v;

	(void)state;
	c.mtrrcap = 0x508;
	c.phys_bits = 40;
	assert_int_equal(rd(&c, MSR_IA32_MTRRCAP, &v), POLICY_MSR_DONE);
	assert_int_equal(v, 0x508);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_MTRRCAP, 0x508), POLICY_MSR_GP);
	for (u32 msr = 0x200; msr < 0x210; msr++)
		assert_int_equal(rd(&c, msr, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x210, &v), POLICY_MSR_GP); /* beyond VCNT */
	assert_int_equal(rd(&c, 0x250, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x259, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x26f, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x251, &v), POLICY_MSR_GP);
	assert_int_equal(rd(&c, MSR_IA32_MTRR_DEF_TYPE, &v), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, 0x20e, 0x80000006), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, 0x20e, 0x80000002), POLICY_MSR_GP); /* type 2 */
	assert_int_equal(policy_msr_write(&c, 0x20e, 0x80000106), POLICY_MSR_GP); /* bit 8 */
	assert_int_equal(policy_msr_write(&c, 0x20e, BIT(40) | 6), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, 0x20f, 0xff80000800ULL), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, 0x20f, 0xff80000801ULL), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, 0x20f, BIT(40) | BIT(11)), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, 0x268, 0x0506040100000605ULL), POLICY_MSR_EMULATE);
	assert_int_equal(policy_msr_write(&c, 0x268, 0x0606060606060706ULL), POLICY_MSR_GP);
	assert_int_equal(policy_mtrr_slot(&c, MSR_IA32_MTRR_DEF_TYPE), 0);
	assert_int_equal(policy_mtrr_reset(&c, 0), 0xc06);
	assert_int_equal(policy_mtrr_reset(&c, policy_mtrr_slot(&c, 0x250)), 0x0606060606060606ULL);
	assert_int_equal(policy_mtrr_reset(&c, policy_mtrr_slot(&c, 0x201)), 0);
	/* more variable MTRRs than there are slots: only the first 16 */
	c.mtrrcap = 0xff;
	assert_int_equal(rd(&c, 0x21f, &v), POLICY_MSR_EMULATE);
	assert_int_equal(rd(&c, 0x220, &v), POLICY_MSR_GP);
	assert_int_equal(rd(&c, 0x250, &v), POLICY_MSR_GP); /* no FIX */
	assert_int_equal(policy_mtrr_reset(&c, 0), 0x806);
	c.mtrrcap = 0;
	assert_int_equal(rd(&c, MSR_IA32_MTRR_DEF_TYPE, &v), POLICY_MSR_GP);
}

static void test_reads_with_fixed_answers(void **state)
{
	struct policy_cpu c = amd(0, 2);
	u64 v;

	(void)state;
	assert_int_equal(rd(&c, MSR_IA32_MTRRCAP, &v), POLICY_MSR_DONE);
	assert_int_equal(v, 0); /* no variable or fixed MTRRs */
	assert_int_equal(rd(&c, MSR_IA32_MISC_ENABLE, &v), POLICY_MSR_GP); /* AMD has none */
	assert_int_equal(rd(&c, MSR_IA32_FEATURE_CONTROL, &v), POLICY_MSR_GP);
	c.intel = true;
	assert_int_equal(rd(&c, MSR_IA32_MISC_ENABLE, &v), POLICY_MSR_DONE);
	assert_true(v & BIT(0));
	assert_int_equal(rd(&c, MSR_IA32_FEATURE_CONTROL, &v), POLICY_MSR_DONE);
	assert_int_equal(v, 1); /* locked with VMX off */
	assert_int_equal(policy_msr_write(&c, MSR_IA32_MISC_ENABLE, 1), POLICY_MSR_DONE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_BIOS_SIGN_ID, 0), POLICY_MSR_DONE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_DEBUGCTL, 0), POLICY_MSR_DONE);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_DEBUGCTL, 1), POLICY_MSR_GP);
	assert_int_equal(policy_msr_write(&c, MSR_IA32_TSC, 12345), POLICY_MSR_EMULATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_svm_and_vmx_hidden),
		cmocka_unit_test(test_syscall_bit_follows_the_mode),
		cmocka_unit_test(test_hypervisor_leaves),
		cmocka_unit_test(test_out_of_range_and_unlisted_leaves),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_leaf7),
		cmocka_unit_test(test_msr_passthrough_list),
		cmocka_unit_test(test_msrs_touching_the_host_give_gp),
		cmocka_unit_test(test_efer),
		cmocka_unit_test(test_pat_and_mtrr_def_type),
		cmocka_unit_test(test_mtrrs),
		cmocka_unit_test(test_reads_with_fixed_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
