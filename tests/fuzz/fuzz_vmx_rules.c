// SPDX-License-Identifier: MIT
/*
 * fuzz_vmx_rules.c: the pure half of the VMX backend (kernel/vmx_rules.c) on
 * capability MSRs a CPU (or an emulator) reports and on the values a guest
 * writes: the configuration fitted to the MSRs, the CR0/CR4 values loaded
 * for the guest, MOV to CR0 and XSETBV checks, the guest-state and control
 * checks that explain a failed entry, and the names of exit reasons and
 * instruction errors, whatever number the hardware reports.
 *
 * Input: the 18 capability MSRs 0x480-0x491 (u64 each), u64 guest CR0, CR4,
 * EFER, u8 flags (bit 0 CS.L), u64 XCR0 and its supported mask, u32 exit
 * reason and instruction error, u8 length of the explanation buffer, then a
 * guest-state area and control fields (raw bytes).
 */
// sources: kernel/vmx_rules.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/io.h"
#include "kernel/vmx.h"
#include "tests/fuzz/fuzz.h"

#define CR0_NW BIT(29)
#define CR0_CD BIT(30)

/*
 * Every control word sits inside its capability MSR, as VM entry checks it
 * (SDM Vol. 3C 26.2.1.1): no bit set that may not be 1, and, except in the
 * secondary controls (where only reserved 1s are checked, so VPID may be
 * dropped when INVVPID is missing), no bit clear that must be 1.
 */
static void check_config(const struct vmx_config *c)
{
	const u32 ctl[5] = { c->pin, c->proc, c->proc2, c->exit, c->entry }; /* caps' order */

	for (int w = 0; w < 5; w++) {
		u32 must1 = (u32)c->caps[w], may1 = (u32)(c->caps[w] >> 32);

		FUZZ_CHECK((ctl[w] & ~may1) == 0);
		FUZZ_CHECK(w == 2 || (ctl[w] & must1) == must1);
	}
	FUZZ_CHECK(c->vpid == !!(c->proc2 & PROC2_VPID));
	FUZZ_CHECK(c->unrestricted == !!(c->proc2 & PROC2_UNRESTRICTED));
}

/* The CR values loaded for the guest keep every bit VMX fixes (when the MSRs agree). */
static void check_crs(const struct vmx_config *c, u64 cr0, u64 cr4)
{
	u64 fixed0 = c->cr0_fixed0 & ~(c->unrestricted ? CR0_PE | CR0_PG : 0);
	u64 g0 = vmx_guest_cr0(c, cr0), g4 = vmx_guest_cr4(c, cr4);

	if ((fixed0 & ~c->cr0_fixed1) == 0)
		FUZZ_CHECK((g0 & fixed0) == fixed0 && (g0 & ~c->cr0_fixed1) == 0);
	if ((c->cr4_fixed0 & ~c->cr4_fixed1) == 0)
		FUZZ_CHECK((g4 & c->cr4_fixed0) == c->cr4_fixed0 && (g4 & ~c->cr4_fixed1) == 0);
}

static void check_guest_values(struct fuzz_in *in, u64 cr0, u64 cr4)
{
	u64 efer = fuzz_u64(in);
	bool cs_l = fuzz_bool(in);
	u64 xcr0 = fuzz_u64(in), supported = fuzz_u64(in);
	u16 attr = (u16)cr4;

	if (vmx_cr0_write_ok(cr0, efer, cr4, cs_l))
		FUZZ_CHECK(!(cr0 >> 32) && (!(cr0 & CR0_PG) || (cr0 & CR0_PE)) &&
			   (!(cr0 & CR0_NW) || (cr0 & CR0_CD)));
	if (vmx_xcr0_ok(xcr0, supported))
		FUZZ_CHECK((xcr0 & BIT(0)) && !(xcr0 & ~supported));
	if (attr & AR_P) /* the packed form goes to the VMCS and back unchanged */
		FUZZ_CHECK(vmx_attr_from_ar(vmx_ar_from_attr(attr)) == (attr & 0xfff));
	FUZZ_CHECK(vmx_exit_reason_name(fuzz_u32(in)) != NULL);
	FUZZ_CHECK(vmx_insn_error_name(fuzz_u32(in)) != NULL);
}

/* The explanations are written into a buffer of exactly len bytes and end inside it. */
static void check_explanations(struct fuzz_in *in, const struct vmx_config *c)
{
	size_t len = fuzz_u8(in) % 160 + 1;
	char *buf = malloc(len);
	struct vmx_guest_state g;
	struct vmx_controls v;

	if (!buf)
		abort();
	fuzz_take(in, &g, sizeof(g));
	fuzz_take(in, &v, sizeof(v));
	if (vmx_guest_state_error(&g, c, buf, len))
		FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
	if (vmx_controls_error(&v, c, buf, len))
		FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
	free(buf);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct vmx_msrs m;
	struct vmx_config c;
	char buf[128];
	const char *why = NULL;
	u64 cr0, cr4;
	int r;

	fuzz_take(&in, &m, sizeof(m));
	cr0 = fuzz_u64(&in);
	cr4 = fuzz_u64(&in);
	r = vmx_config_from_msrs(&m, &c, buf, sizeof(buf), &why);
	FUZZ_CHECK(r == 0 || (r == -ENODEV && why && why[0])); /* refused with a reason */
	if (r == 0) {
		check_config(&c);
		check_crs(&c, cr0, cr4);
	}
	check_guest_values(&in, cr0, cr4);
	check_explanations(&in, &c);
	return 0;
}
