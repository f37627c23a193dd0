// SPDX-License-Identifier: MIT
/*
 * test_vmx.c: the VMX backend's pure rules: controls fitted to capability MSRs
 * captured from Bochs' CPU models (tests/fixtures/vmx/), the guest-state and
 * control checks that explain failed VM entries, and EPT tables as the
 * partition code builds them, checked against the EPT misconfiguration rules.
 */
// sources: kernel/vmx_rules.c kernel/loader.c kernel/gpmap.c kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/gpmap.h"
#include "kernel/io.h"
#include "kernel/loader.h"
#include "kernel/vmx.h"
#include "tests/unit/doubles.h"

#define FIXTURES "tests/fixtures/vmx/"
#define CR0_NE   BIT(5)
#define CR4_VMXE BIT(13)

/* A fixture: "0x480 0x00d8..." lines, '#' comments. */
static struct vmx_msrs load_msrs(const char *model)
{
	char path[128];
	size_t len;
	struct vmx_msrs m;
	unsigned char *text;
	char *line;

	memset(&m, 0, sizeof(m));
	snprintf(path, sizeof(path), FIXTURES "%s.txt", model);
	text = test_read_file(path, &len);
	text = realloc(text, len + 1);
	text[len] = 0;
	for (line = strtok((char *)text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned msr;
		unsigned long long val;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%x %llx", &msr, &val), 2);
		assert_true(msr >= MSR_IA32_VMX_BASIC && msr < MSR_IA32_VMX_BASIC + VMX_MSR_COUNT);
		m.v[msr - MSR_IA32_VMX_BASIC] = val;
	}
	free(text);
	return m;
}

static u64 *msr(struct vmx_msrs *m, u32 n)
{
	return &m->v[n - MSR_IA32_VMX_BASIC];
}

static void config_of(const char *model, struct vmx_config *c)
{
	struct vmx_msrs m = load_msrs(model);
	char buf[128] = "";
	const char *why = NULL;

	if (vmx_config_from_msrs(&m, c, buf, sizeof(buf), &why))
		fail_msg("%s refused: %s", model, why);
}

/* Every control word sits inside its capability MSR (the rule VM entry checks). */
static void assert_fits(u32 ctl, u64 cap)
{
	assert_int_equal(ctl & (u32)cap, (u32)cap);
	assert_int_equal(ctl & ~(u32)(cap >> 32), 0);
}

static void assert_config_sane(const struct vmx_config *c)
{
	for (int w = 0; w < 5; w++)
		assert_fits((&c->pin)[w], c->caps[w]);
	assert_int_equal(c->pin & (PIN_EXT_INTR_EXIT | PIN_NMI_EXIT),
			 PIN_EXT_INTR_EXIT | PIN_NMI_EXIT);
	assert_true(c->proc & PROC_HLT_EXIT && c->proc & PROC_IO_BITMAPS &&
		    c->proc & PROC_MSR_BITMAPS && c->proc & PROC_TPR_SHADOW &&
		    c->proc & PROC_SECONDARY && c->proc & PROC_TSC_OFFSET);
	/* With EPT the guest owns CR3 and CR8 (TPR shadow): no exits for them. */
	assert_false(c->proc & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT | PROC_CR8_LOAD_EXIT |
				PROC_CR8_STORE_EXIT | PROC_INVLPG_EXIT | PROC_RDTSC_EXIT));
	assert_true(c->proc2 & PROC2_EPT);
	assert_false(c->exit & EXIT_ACK_INTR); /* host interrupts stay pending, as under SVM */
	assert_int_equal(c->exit & (EXIT_HOST_64 | EXIT_LOAD_EFER | EXIT_SAVE_EFER),
			 EXIT_HOST_64 | EXIT_LOAD_EFER | EXIT_SAVE_EFER);
	assert_int_equal(c->entry & (ENTRY_IA32E | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT),
			 ENTRY_IA32E | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT);
}

static void test_skylake_x(void **state)
{
	struct vmx_config c;

	(void)state;
	config_of("corei7_skylake_x", &c);
	assert_config_sane(&c);
	assert_true(c.true_ctls && c.vpid && c.unrestricted && c.invept_single && c.invvpid_single);
	assert_int_equal(c.revision, 0x2b);
	/* The TRUE MSRs' must-be-1 bits plus what the backend asks for, nothing else. */
	assert_int_equal(c.pin, 0x16 | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT);
	assert_int_equal(c.proc, 0x04006172 | PROC_TSC_OFFSET | PROC_HLT_EXIT | PROC_MWAIT_EXIT |
					 PROC_RDPMC_EXIT | PROC_TPR_SHADOW | PROC_IO_BITMAPS |
					 PROC_MSR_BITMAPS | PROC_MONITOR_EXIT | PROC_SECONDARY);
	assert_int_equal(c.proc2, PROC2_EPT | PROC2_RDTSCP | PROC2_VPID | PROC2_UNRESTRICTED |
					  PROC2_INVPCID | PROC2_XSAVES);
	assert_int_equal(c.exit, 0x00036dfb | EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT |
					 EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER);
	assert_int_equal(c.entry, 0x000011fb | ENTRY_LOAD_DEBUG | ENTRY_IA32E | ENTRY_LOAD_PAT |
					  ENTRY_LOAD_EFER);
	/* Unrestricted guest: only NE stays fixed in CR0; VMXE in CR4, with what the CPU lacks. */
	assert_int_equal(c.cr0_mask, CR0_NE);
	assert_int_equal(c.cr4_mask, CR4_VMXE | (~0x3727ffULL & 0xffffffff));
}

static void test_tigerlake(void **state)
{
	struct vmx_config c;

	(void)state;
	config_of("tigerlake", &c);
	assert_config_sane(&c);
	assert_true(c.vpid && c.unrestricted && c.ept_ad);
	assert_int_equal(c.revision, 4);
	assert_int_equal(c.cr0_mask, CR0_NE);
}

static void test_lynnfield_without_unrestricted_guest(void **state)
{
	struct vmx_config c;

	(void)state;
	config_of("corei5_lynnfield_750", &c);
	assert_config_sane(&c);
	assert_false(c.unrestricted);
	assert_false(c.proc2 & (PROC2_UNRESTRICTED | PROC2_XSAVES | PROC2_INVPCID));
	assert_true(c.vpid);
	/* PE and PG stay fixed too: a guest clearing them exits. */
	assert_int_equal(c.cr0_mask, CR0_PE | CR0_NE | CR0_PG);
	assert_int_equal(vmx_guest_cr0(&c, CR0_PE), CR0_PE | CR0_NE | CR0_PG);
}

static void test_penryn_refused_for_ept(void **state)
{
	struct vmx_msrs m = load_msrs("core2_penryn_t9600");
	struct vmx_config c;
	char buf[128] = "";
	const char *why = NULL;

	(void)state;
	assert_int_equal(vmx_config_from_msrs(&m, &c, buf, sizeof(buf), &why), -ENODEV);
	assert_string_equal(why,
			    "secondary processor-based control 'enable EPT' (bit 1) not offered");
}

static const char *refusal(struct vmx_msrs *m)
{
	static char buf[128];
	struct vmx_config c;
	const char *why = NULL;

	if (vmx_config_from_msrs(m, &c, buf, sizeof(buf), &why) == 0)
		return NULL;
	return why;
}

static void test_refusals_name_the_missing_feature(void **state)
{
	struct vmx_msrs base = load_msrs("corei7_skylake_x"), m;

	(void)state;
	m = base; /* without the TRUE MSRs, CR3 exiting cannot be turned off (SDM Vol. 3D A.3.2) */
	m.v[0] &= ~VMX_BASIC_TRUE_CTLS;
	assert_string_equal(refusal(&m), "primary processor-based control 'CR3-load exiting' "
					 "(bit 15) cannot be turned off");
	m = base;
	*msr(&m, MSR_IA32_VMX_EPT_VPID_CAP) &= ~EPT_CAP_WB;
	assert_string_equal(refusal(&m), "EPT without the write-back memory type");
	m = base;
	*msr(&m, MSR_IA32_VMX_EPT_VPID_CAP) &= ~EPT_CAP_2M;
	assert_string_equal(refusal(&m), "EPT without 2 MiB pages");
	m = base;
	*msr(&m, MSR_IA32_VMX_EPT_VPID_CAP) &= ~EPT_CAP_WALK4;
	assert_string_equal(refusal(&m), "EPT without 4-level page walks");
	m = base;
	*msr(&m, MSR_IA32_VMX_EPT_VPID_CAP) &= ~(EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL);
	assert_string_equal(refusal(&m), "EPT without INVEPT");
	m = base;
	*msr(&m, MSR_IA32_VMX_TRUE_EXIT_CTLS) &= ~((u64)EXIT_LOAD_EFER << 32);
	assert_string_equal(refusal(&m), "VM-exit control 'load IA32_EFER' (bit 21) not offered");
	m = base;
	*msr(&m, MSR_IA32_VMX_TRUE_EXIT_CTLS) |= EXIT_ACK_INTR | ((u64)EXIT_ACK_INTR << 32);
	assert_string_equal(refusal(&m), "VM-exit control 'acknowledge interrupt on exit' (bit "
					 "15) cannot be turned off");
	m = base;
	m.v[0] =
		(m.v[0] & ~(0xfULL << VMX_BASIC_MEMTYPE_SHIFT)) | (0ULL << VMX_BASIC_MEMTYPE_SHIFT);
	assert_string_equal(refusal(&m), "VMCS memory type is not write-back");
}

static void test_vpid_optional(void **state)
{
	struct vmx_msrs m = load_msrs("corei7_skylake_x");
	struct vmx_config c;
	char buf[128];
	const char *why;

	(void)state;
	*msr(&m, MSR_IA32_VMX_EPT_VPID_CAP) &= ~VPID_CAP_INVVPID;
	assert_int_equal(vmx_config_from_msrs(&m, &c, buf, sizeof(buf), &why), 0);
	assert_false(c.vpid);
	assert_false(c.proc2 & PROC2_VPID);
	m = load_msrs("corei7_skylake_x");
	*msr(&m, MSR_IA32_VMX_PROCBASED_CTLS2) &= ~((u64)PROC2_VPID << 32);
	assert_int_equal(vmx_config_from_msrs(&m, &c, buf, sizeof(buf), &why), 0);
	assert_false(c.vpid);
}

static void test_ctl_adjust(void **state)
{
	struct vmx_ctl_want w = { BIT(1), BIT(2) | BIT(3), BIT(4) };
	u32 out, bad;

	(void)state;
	/* Must-be-1 bit 0 added, optional bit 3 not offered and dropped. */
	assert_int_equal(vmx_ctl_adjust(0x0000001700000001ULL, &w, &out, &bad), 0);
	assert_int_equal(out, BIT(0) | BIT(1) | BIT(2));
	/* Required bit 1 not allowed to be 1. */
	assert_int_equal(vmx_ctl_adjust(0x0000001500000001ULL, &w, &out, &bad), -ENODEV);
	assert_int_equal(bad, BIT(1));
	/* Forbidden bit 4 forced to 1. */
	assert_int_equal(vmx_ctl_adjust(0x0000001e00000010ULL, &w, &out, &bad), -ENODEV);
	assert_int_equal(bad, BIT(4));
	/* An inconsistent MSR (must be 1 but may not be 1) is refused too. */
	assert_int_equal(vmx_ctl_adjust(0x0000000600000001ULL, &w, &out, &bad), -ENODEV);
	assert_int_equal(bad, BIT(0));
}

static void test_access_rights(void **state)
{
	(void)state;
	assert_int_equal(vmx_ar_from_attr(SEG_ATTR_CODE64), 0xa09b);
	assert_int_equal(vmx_ar_from_attr(SEG_ATTR_DATA), 0xc093);
	assert_int_equal(vmx_ar_from_attr(SEG_ATTR_TSS64), 0x8b);
	assert_int_equal(vmx_ar_from_attr(0), AR_UNUSABLE);
	assert_int_equal(vmx_attr_from_ar(0xa09b), SEG_ATTR_CODE64);
	assert_int_equal(vmx_attr_from_ar(AR_UNUSABLE | 0x93), 0);
}

/* The guest state the VMX backend writes for the loader's entry state. */
static struct vmx_guest_state loader_guest(const struct vmx_config *c)
{
	const struct vcpu_seg *segs[VMX_SEG_COUNT];
	struct vmx_guest_state g;
	struct vcpu_state s;

	loader_vcpu_state(1, 0x100000, 0x3000, &s);
	segs[VMX_ES] = &s.es, segs[VMX_CS] = &s.cs, segs[VMX_SS] = &s.ss, segs[VMX_DS] = &s.ds;
	segs[VMX_FS] = &s.fs, segs[VMX_GS] = &s.gs, segs[VMX_LDTR] = &s.ldtr, segs[VMX_TR] = &s.tr;
	memset(&g, 0, sizeof(g));
	g.cr0 = vmx_guest_cr0(c, s.cr0);
	g.cr3 = s.cr3;
	g.cr4 = vmx_guest_cr4(c, s.cr4);
	g.dr7 = 0x400;
	g.efer = s.efer;
	g.pat = 0x0007040600070406ULL;
	g.rsp = s.regs.rsp;
	g.rip = s.regs.rip;
	g.rflags = s.regs.rflags;
	g.link = ~0ULL;
	for (int i = 0; i < VMX_SEG_COUNT; i++) {
		g.seg[i].sel = segs[i]->sel;
		g.seg[i].ar = vmx_ar_from_attr(segs[i]->attr);
		g.seg[i].limit = segs[i]->limit;
		g.seg[i].base = segs[i]->base;
	}
	g.gdtr_base = s.gdtr.base, g.gdtr_limit = s.gdtr.limit;
	g.idtr_base = s.idtr.base, g.idtr_limit = s.idtr.limit;
	g.entry = c->entry;
	g.proc2 = c->proc2;
	return g;
}

static void expect_error(const struct vmx_guest_state *g, const struct vmx_config *c,
			 const char *needle)
{
	char buf[160] = "";

	if (!vmx_guest_state_error(g, c, buf, sizeof(buf)))
		fail_msg("no error found, expected '%s'", needle);
	if (!strstr(buf, needle))
		fail_msg("'%s' does not name '%s'", buf, needle);
	printf("# %s\n", buf);
	/* The stop line holds 96 characters with "invalid guest state (exit 33): " before it. */
	assert_true(strlen(buf) <= 95 - strlen("invalid guest state: "));
}

static void test_guest_state_rules(void **state)
{
	struct vmx_config c;
	struct vmx_guest_state good, g;
	char buf[160];

	(void)state;
	config_of("corei7_skylake_x", &c);
	good = loader_guest(&c);
	assert_false(vmx_guest_state_error(&good, &c, buf, sizeof(buf)));
	g = good, g.rflags = 0;
	expect_error(&g, &c, "RFLAGS");
	g = good, g.cr0 &= ~CR0_NE;
	expect_error(&g, &c, "CR0");
	g = good, g.cr4 &= ~CR4_VMXE;
	expect_error(&g, &c, "CR4");
	g = good, g.seg[VMX_CS].ar |= AR_DB;
	expect_error(&g, &c, "CS");
	g = good, g.seg[VMX_TR].ar = (g.seg[VMX_TR].ar & ~AR_TYPE) | 9;
	expect_error(&g, &c, "TR");
	g = good, g.seg[VMX_DS].ar &= ~1u;
	expect_error(&g, &c, "DS");
	g = good, g.seg[VMX_SS].limit = 0xffff0; /* G set, but 11:0 not all ones */
	expect_error(&g, &c, "SS limit");
	g = good, g.entry &= ~ENTRY_IA32E;
	expect_error(&g, &c, "IA-32e");
	g = good, g.efer |= EFER_SVME;
	expect_error(&g, &c, "EFER");
	g = good, g.pat = 0x0207040600070406ULL;
	expect_error(&g, &c, "PAT");
	g = good, g.rip = 0x0000800000000000ULL;
	expect_error(&g, &c, "RIP");
	g = good, g.link = 0;
	expect_error(&g, &c, "link pointer");
	g = good, g.activity = 5;
	expect_error(&g, &c, "activity");
	g = good, g.seg[VMX_FS].base = 0x0000800000000000ULL;
	expect_error(&g, &c, "FS base");
	/* Without unrestricted guest, clearing PG breaks CR0's fixed bits; with it, it does not. */
	g = good, g.cr0 &= ~CR0_PG, g.entry &= ~ENTRY_IA32E, g.efer &= ~EFER_LMA;
	assert_false(vmx_guest_state_error(&g, &c, buf, sizeof(buf)));
	g.proc2 &= ~PROC2_UNRESTRICTED;
	expect_error(&g, &c, "CR0");
}

static void test_control_rules(void **state)
{
	struct vmx_config c;
	struct vmx_controls v, good;
	char buf[160] = "";

	(void)state;
	config_of("corei7_skylake_x", &c);
	good = (struct vmx_controls){ c.pin,  c.proc,  c.proc2,
				      c.exit, c.entry, 0x12345000 | (3 << 3) | 6,
				      1,      0,       0x80000031 };
	assert_false(vmx_controls_error(&good, &c, buf, sizeof(buf)));
	v = good, v.pin = 0;
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "pin-based controls 0x0"));
	v = good, v.eptp = 0x12345000 | (3 << 3);
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "EPTP"));
	v = good, v.vpid = 0;
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	v = good, v.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 3;
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	v = good, v.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXC << 8) | 13;
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "error code bit must be 1"));
	v.entry_intr_info |= INTR_INFO_ERROR;
	assert_false(vmx_controls_error(&v, &c, buf, sizeof(buf)));
	v = good,
	v.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXC << 8) | 6 | INTR_INFO_ERROR;
	assert_true(vmx_controls_error(&v, &c, buf, sizeof(buf)));
}

static void test_xcr0(void **state)
{
	u64 cpu = 0x2e7; /* x87 SSE AVX, AVX-512 (5-7), PKRU (9) */

	(void)state;
	assert_true(vmx_xcr0_ok(0x1, cpu));
	assert_true(vmx_xcr0_ok(0x7, cpu));
	assert_true(vmx_xcr0_ok(0xe7, cpu));
	assert_false(vmx_xcr0_ok(0x0, cpu));
	assert_false(vmx_xcr0_ok(0x2, cpu));
	assert_false(vmx_xcr0_ok(0x5, cpu));
	assert_false(vmx_xcr0_ok(0x27, cpu));
	assert_false(vmx_xcr0_ok(0xe3, cpu));
	assert_true(vmx_xcr0_ok(0x1f, 0x1f)); /* MPX BNDREGS and BNDCSR together */
	assert_false(vmx_xcr0_ok(0xf, 0x1f)); /* apart */
	assert_false(vmx_xcr0_ok(0x1 | BIT(40), cpu));
}

static void test_cr0_writes(void **state)
{
	const u64 lm = EFER_LME | EFER_LMA;
	const u64 cr0 = CR0_PE | CR0_NE | CR0_PG;

	(void)state;
	assert_true(vmx_cr0_write_ok(cr0, lm, CR4_PAE, true));
	assert_true(vmx_cr0_write_ok(cr0 & ~CR0_NE, lm, CR4_PAE, true));
	assert_false(vmx_cr0_write_ok(cr0 | BIT(32), lm, CR4_PAE, true));
	assert_false(vmx_cr0_write_ok(CR0_PG | CR0_NE, 0, 0, false));     /* PG without PE */
	assert_false(vmx_cr0_write_ok(cr0 | BIT(29), lm, CR4_PAE, true)); /* NW without CD */
	assert_true(vmx_cr0_write_ok(cr0 | BIT(29) | BIT(30), lm, CR4_PAE, true));
	assert_false(vmx_cr0_write_ok(CR0_PE | CR0_NE, lm, CR4_PAE, true)); /* 64-bit: PG stays */
	assert_true(vmx_cr0_write_ok(CR0_PE | CR0_NE, lm, CR4_PAE, false)); /* compatibility mode */
	assert_false(vmx_cr0_write_ok(cr0, EFER_LME, 0, false)); /* long mode needs PAE */
	assert_true(vmx_cr0_write_ok(cr0, 0, 0, false));         /* 32-bit paging */
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(14), "?");
	assert_string_equal(vmx_insn_error_name(1000), "?");
	assert_string_equal(vmx_exit_reason_name(48), "EPT violation");
	assert_string_equal(vmx_exit_reason_name(33),
			    "VM-entry failure due to invalid guest state");
	assert_string_equal(vmx_exit_reason_name(65), "?");
}

/* EPT misconfiguration rules (SDM Vol. 3C 29.3.3.1) on every present entry, levels 4 to 1. */
static void check_ept_table(paddr_t table, int level, int *leaves)
{
	const u64 *t = (const u64 *)(uintptr_t)table;

	for (int i = 0; i < 512; i++) {
		u64 e = t[i], mt = (e >> 3) & 7;
		bool leaf = level == 1 || (e & BIT(7));

		if (!(e & 7))
			continue;
		assert_false((e & BIT(1)) && !(e & BIT(0))); /* writable but not readable */
		assert_true(e & BIT(0));                     /* no execute-only mappings */
		if (level == 4 || level == 3)
			assert_false(e & BIT(7) && level == 4); /* no 512 GiB pages */
		if (!leaf) {
			assert_int_equal(e & GENMASK(7, 3), 0); /* reserved in non-leaf entries */
			check_ept_table(e & GENMASK(51, 12), level - 1, leaves);
			continue;
		}
		assert_int_equal(e & GENMASK(51, 40),
				 0); /* below MAXPHYADDR (table pointers are host pointers here) */
		assert_true(mt == 0 || mt == 6); /* UC for devices, WB for RAM */
		assert_true(level <= 2);         /* 2 MiB pages at most (gpmap) */
		(*leaves)++;
	}
}

static void test_ept_tables_are_well_formed(void **state)
{
	struct gpmap g;
	paddr_t hpa;
	u32 perms;
	int leaves = 0;

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_ept, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, 0x40000000, 32 * MiB), 0);
	assert_int_equal(gpmap_map_mmio(&g, 0xe0000000, 0xfe000000, 0x5000), 0);
	check_ept_table(gpmap_root(&g), 4, &leaves);
	assert_int_equal(leaves, 16 + 5); /* sixteen 2 MiB RAM pages, five 4 KiB device pages */
	assert_true(gpmap_translate(&g, 0x1234567, &hpa, &perms));
	assert_int_equal(hpa, 0x41234567);
	assert_int_equal(perms, PT_RWX);
	assert_false(gpmap_translate(&g, 32 * MiB, &hpa, &perms));
	gpmap_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skylake_x),
		cmocka_unit_test(test_tigerlake),
		cmocka_unit_test(test_lynnfield_without_unrestricted_guest),
		cmocka_unit_test(test_penryn_refused_for_ept),
		cmocka_unit_test(test_refusals_name_the_missing_feature),
		cmocka_unit_test(test_vpid_optional),
		cmocka_unit_test(test_ctl_adjust),
		cmocka_unit_test(test_access_rights),
		cmocka_unit_test(test_guest_state_rules),
		cmocka_unit_test(test_control_rules),
		cmocka_unit_test(test_xcr0),
		cmocka_unit_test(test_cr0_writes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ept_tables_are_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
