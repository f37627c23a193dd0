// SPDX-License-Identifier: MIT
/*
 * vmx_rules.c: the pure half of the VMX backend: controls fitted to the
 * capability MSRs, the CR0/CR4 values VMX operation demands, the VM-entry
 * guest-state rules that name a bad field, and the SDM's names for errors and
 * exit reasons. No hardware access, so host unit tests run it against the
 * capability MSRs of real (and emulated) CPUs.
 */
#include "kernel/vmx.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/string.h"

#define CR0_NE      BIT(5)
#define CR0_NW      BIT(29)
#define CR0_CD      BIT(30)
#define CR4_PCIDE   BIT(17)
#define RFLAGS_IF   BIT(9)
#define RFLAGS_VM   BIT(17)
#define RFLAGS_RES1 BIT(1)
#define RFLAGS_RES0 (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))
#define EFER_KNOWN  (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MEMTYPE_WB  6

enum vmx_ctl_word { CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY, CTL_WORDS };

static const char *const ctl_word_names[CTL_WORDS] = { "pin-based", "primary processor-based",
						       "secondary processor-based", "VM-exit",
						       "VM-entry" };

/* What the backend asks of each control word (SDM Vol. 3C 25.6-25.8). */
static const struct vmx_ctl_want ctl_wants[CTL_WORDS] = {
	[CTL_PIN] = { PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, 0,
		      PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER | PIN_POSTED_INTR },
	[CTL_PROC] = { PROC_TSC_OFFSET | PROC_HLT_EXIT | PROC_MWAIT_EXIT | PROC_RDPMC_EXIT |
			       PROC_TPR_SHADOW | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
			       PROC_MONITOR_EXIT | PROC_SECONDARY,
		       0,
		       PROC_INVLPG_EXIT | PROC_RDTSC_EXIT | PROC_CR3_LOAD_EXIT |
			       PROC_CR3_STORE_EXIT | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT |
			       PROC_NMI_WINDOW | PROC_MOV_DR_EXIT | PROC_MTF | PROC_PAUSE_EXIT },
	[CTL_PROC2] = { PROC2_EPT,
			PROC2_VPID | PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID |
				PROC2_XSAVES,
			PROC2_VIRT_APIC | PROC2_DESC_EXIT | PROC2_WBINVD_EXIT | PROC2_PAUSE_LOOP |
				PROC2_RDRAND_EXIT | PROC2_VMFUNC | PROC2_VMCS_SHADOW |
				PROC2_RDSEED_EXIT | PROC2_PML | PROC2_EPT_VE },
	[CTL_EXIT] = { EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
			       EXIT_LOAD_EFER,
		       EXIT_SAVE_DEBUG, EXIT_ACK_INTR | EXIT_SAVE_PREEMPT },
	[CTL_ENTRY] = { ENTRY_LOAD_DEBUG | ENTRY_IA32E | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, 0,
			ENTRY_SMM | ENTRY_DUAL_MONITOR },
};

/* The SDM's names of the controls above, for the refusal line. */
static const struct {
	u8 word, bit;
	const char *name;
} ctl_names[] = {
	{ CTL_PIN, 0, "external-interrupt exiting" },
	{ CTL_PIN, 3, "NMI exiting" },
	{ CTL_PIN, 5, "virtual NMIs" },
	{ CTL_PIN, 6, "activate VMX-preemption timer" },
	{ CTL_PIN, 7, "process posted interrupts" },
	{ CTL_PROC, 2, "interrupt-window exiting" },
	{ CTL_PROC, 3, "use TSC offsetting" },
	{ CTL_PROC, 7, "HLT exiting" },
	{ CTL_PROC, 9, "INVLPG exiting" },
	{ CTL_PROC, 10, "MWAIT exiting" },
	{ CTL_PROC, 11, "RDPMC exiting" },
	{ CTL_PROC, 12, "RDTSC exiting" },
	{ CTL_PROC, 15, "CR3-load exiting" },
	{ CTL_PROC, 16, "CR3-store exiting" },
	{ CTL_PROC, 19, "CR8-load exiting" },
	{ CTL_PROC, 20, "CR8-store exiting" },
	{ CTL_PROC, 21, "use TPR shadow" },
	{ CTL_PROC, 22, "NMI-window exiting" },
	{ CTL_PROC, 23, "MOV-DR exiting" },
	{ CTL_PROC, 25, "use I/O bitmaps" },
	{ CTL_PROC, 27, "monitor trap flag" },
	{ CTL_PROC, 28, "use MSR bitmaps" },
	{ CTL_PROC, 29, "MONITOR exiting" },
	{ CTL_PROC, 30, "PAUSE exiting" },
	{ CTL_PROC, 31, "activate secondary controls" },
	{ CTL_PROC2, 0, "virtualize APIC accesses" },
	{ CTL_PROC2, 1, "enable EPT" },
	{ CTL_PROC2, 2, "descriptor-table exiting" },
	{ CTL_PROC2, 6, "WBINVD exiting" },
	{ CTL_PROC2, 10, "PAUSE-loop exiting" },
	{ CTL_PROC2, 11, "RDRAND exiting" },
	{ CTL_PROC2, 13, "enable VM functions" },
	{ CTL_PROC2, 14, "VMCS shadowing" },
	{ CTL_PROC2, 16, "RDSEED exiting" },
	{ CTL_PROC2, 17, "enable PML" },
	{ CTL_PROC2, 18, "EPT-violation #VE" },
	{ CTL_EXIT, 9, "host address-space size" },
	{ CTL_EXIT, 15, "acknowledge interrupt on exit" },
	{ CTL_EXIT, 18, "save IA32_PAT" },
	{ CTL_EXIT, 19, "load IA32_PAT" },
	{ CTL_EXIT, 20, "save IA32_EFER" },
	{ CTL_EXIT, 21, "load IA32_EFER" },
	{ CTL_EXIT, 22, "save VMX-preemption timer value" },
	{ CTL_ENTRY, 2, "load debug controls" },
	{ CTL_ENTRY, 9, "IA-32e mode guest" },
	{ CTL_ENTRY, 10, "entry to SMM" },
	{ CTL_ENTRY, 11, "deactivate dual-monitor treatment" },
	{ CTL_ENTRY, 14, "load IA32_PAT" },
	{ CTL_ENTRY, 15, "load IA32_EFER" },
};

int vmx_ctl_adjust(u64 cap, const struct vmx_ctl_want *w, u32 *out, u32 *bad)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);
	u32 wrong = (w->required & ~may1) | (w->forbidden & must1) | (must1 & ~may1);

	*out = (must1 | w->required | w->optional) & may1;
	*bad = wrong & (~wrong + 1); /* the lowest offending bit */
	return wrong ? -ENODEV : 0;
}

static const char *ctl_name(int word, u32 bit)
{
	for (u32 i = 0; i < ARRAY_SIZE(ctl_names); i++)
		if (ctl_names[i].word == word && BIT(ctl_names[i].bit) == bit)
			return ctl_names[i].name;
	return "reserved";
}

static u64 ctl_cap(const struct vmx_msrs *m, int word, bool true_ctls)
{
	static const u32 msr[CTL_WORDS] = { MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_PROCBASED_CTLS,
					    MSR_IA32_VMX_PROCBASED_CTLS2, MSR_IA32_VMX_EXIT_CTLS,
					    MSR_IA32_VMX_ENTRY_CTLS };
	/* The TRUE_* MSRs (SDM Vol. 3D A.2) let default-1 controls such as CR3 exiting be 0. */
	static const u32 true_msr[CTL_WORDS] = { MSR_IA32_VMX_TRUE_PINBASED_CTLS,
						 MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
						 MSR_IA32_VMX_PROCBASED_CTLS2,
						 MSR_IA32_VMX_TRUE_EXIT_CTLS,
						 MSR_IA32_VMX_TRUE_ENTRY_CTLS };

	return m->v[(true_ctls ? true_msr : msr)[word] - MSR_IA32_VMX_BASIC];
}

static int ctl_all(const struct vmx_msrs *m, struct vmx_config *c, char *buf, size_t len)
{
	u32 *out[CTL_WORDS] = { &c->pin, &c->proc, &c->proc2, &c->exit, &c->entry };

	for (int w = 0; w < CTL_WORDS; w++) {
		u64 cap = ctl_cap(m, w, c->true_ctls);
		u32 bad;

		c->caps[w] = cap;
		if (vmx_ctl_adjust(cap, &ctl_wants[w], out[w], &bad) == 0)
			continue;
		snformat(buf, len, "%s control '%s' (bit %u) %s", ctl_word_names[w],
			 ctl_name(w, bad), __builtin_ctz(bad),
			 (ctl_wants[w].required & bad) ? "not offered" : "cannot be turned off");
		return -ENODEV;
	}
	return 0;
}

/* EPT as the nested tables are built: 4-level walk, write-back, 2 MiB leaves (SDM Vol. 3D A.10). */
static const char *ept_missing(u64 cap)
{
	if (!(cap & EPT_CAP_WALK4))
		return "EPT without 4-level page walks";
	if (!(cap & EPT_CAP_WB))
		return "EPT without the write-back memory type";
	if (!(cap & EPT_CAP_2M))
		return "EPT without 2 MiB pages";
	if (!(cap & EPT_CAP_INVEPT) || !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
		return "EPT without INVEPT";
	return NULL;
}

static const char *basic_missing(u64 basic)
{
	if (((basic >> VMX_BASIC_REGION_SIZE_SHIFT) & 0x1fff) > PAGE_SIZE)
		return "VMCS region larger than a page";
	if (((basic >> VMX_BASIC_MEMTYPE_SHIFT) & 0xf) != MEMTYPE_WB)
		return "VMCS memory type is not write-back";
	if (basic & VMX_BASIC_PA32)
		return "VMX regions limited to 32-bit physical addresses";
	return NULL;
}

static void config_crs(const struct vmx_msrs *m, struct vmx_config *c)
{
	u64 cr0_fixed;

	c->cr0_fixed0 = m->v[MSR_IA32_VMX_CR0_FIXED0 - MSR_IA32_VMX_BASIC];
	c->cr0_fixed1 = m->v[MSR_IA32_VMX_CR0_FIXED1 - MSR_IA32_VMX_BASIC];
	c->cr4_fixed0 = m->v[MSR_IA32_VMX_CR4_FIXED0 - MSR_IA32_VMX_BASIC];
	c->cr4_fixed1 = m->v[MSR_IA32_VMX_CR4_FIXED1 - MSR_IA32_VMX_BASIC];
	/* Unrestricted guest frees PE and PG (SDM Vol. 3C 25.6.2, 27.3.1.1). */
	cr0_fixed = c->cr0_fixed0 & ~(c->unrestricted ? CR0_PE | CR0_PG : 0);
	/* Bits VMX holds fixed exit when the guest changes them; it sees its own value. */
	c->cr0_mask = (cr0_fixed | ~c->cr0_fixed1) & GENMASK(31, 0);
	c->cr4_mask = (c->cr4_fixed0 | ~c->cr4_fixed1) & GENMASK(31, 0);
}

int vmx_config_from_msrs(const struct vmx_msrs *m, struct vmx_config *c, char *buf, size_t len,
			 const char **why)
{
	u64 basic = m->v[0], cap = m->v[MSR_IA32_VMX_EPT_VPID_CAP - MSR_IA32_VMX_BASIC];

	memset(c, 0, sizeof(*c));
	c->revision = basic & VMX_BASIC_REVISION;
	c->true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	*why = basic_missing(basic);
	if (*why)
		return -ENODEV;
	if (ctl_all(m, c, buf, len))
		return *why = buf, -ENODEV;
	*why = ept_missing(cap);
	if (*why)
		return -ENODEV;
	c->vpid = (c->proc2 & PROC2_VPID) && (cap & VPID_CAP_INVVPID) &&
		  (cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
	if (!c->vpid)
		c->proc2 &= ~PROC2_VPID;
	c->unrestricted = c->proc2 & PROC2_UNRESTRICTED;
	c->ept_1g = cap & EPT_CAP_1G;
	c->ept_ad = cap & EPT_CAP_AD;
	c->invept_single = cap & EPT_CAP_INVEPT_SINGLE;
	c->invvpid_single = cap & VPID_CAP_INVVPID_SINGLE;
	c->invvpid_all = cap & VPID_CAP_INVVPID_ALL;
	config_crs(m, c);
	return 0;
}

u64 vmx_guest_cr0(const struct vmx_config *c, u64 cr0)
{
	u64 fixed0 = c->cr0_fixed0 & ~(c->unrestricted ? CR0_PE | CR0_PG : 0);

	return (cr0 | fixed0) & c->cr0_fixed1;
}

u64 vmx_guest_cr4(const struct vmx_config *c, u64 cr4)
{
	return (cr4 | c->cr4_fixed0) & c->cr4_fixed1;
}

bool vmx_cr0_write_ok(u64 val, u64 efer, u64 cr4, bool cs_l)
{
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if (!(val & CR0_PG) && (efer & EFER_LMA) && cs_l)
		return false; /* paging stays on in 64-bit mode */
	return !((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE));
}

/* Packed attributes keep descriptor bits 52-55 in 11:8; VMX keeps them in 15:12. */
u32 vmx_ar_from_attr(u16 attr)
{
	if (!(attr & AR_P))
		return AR_UNUSABLE;
	return (attr & 0xff) | ((u32)(attr & 0xf00) << 4);
}

u16 vmx_attr_from_ar(u32 ar)
{
	if (ar & AR_UNUSABLE)
		return 0;
	return (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

/* ---- VM-entry checks on the guest-state area (SDM Vol. 3C 27.3.1) ---- */

static const char *const seg_names[VMX_SEG_COUNT] = { "ES", "CS", "SS",   "DS",
						      "FS", "GS", "LDTR", "TR" };

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static bool fail(char *buf, size_t len, const char *fmt, ...) __printf(3, 4);
static bool fail(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnformat(buf, len, fmt, ap);
	va_end(ap);
	return true;
}

static bool ia32e(const struct vmx_guest_state *g)
{
	return g->entry & ENTRY_IA32E;
}

/* 27.3.1.1: CR0, CR4, DR7, IA32_EFER, IA32_PAT. */
static bool check_crs(const struct vmx_guest_state *g, const struct vmx_config *c, char *buf,
		      size_t len)
{
	bool ug = g->proc2 & PROC2_UNRESTRICTED;
	u64 fixed0 = c->cr0_fixed0 & ~(ug ? CR0_PE | CR0_PG : 0);

	if (fixed0 & ~g->cr0)
		return fail(buf, len, "guest CR0 0x%llx: bits 0x%llx must be 1 in VMX operation",
			    g->cr0, fixed0 & ~g->cr0);
	if (g->cr0 & ~c->cr0_fixed1)
		return fail(buf, len, "guest CR0 0x%llx: bits 0x%llx must be 0 in VMX operation",
			    g->cr0, g->cr0 & ~c->cr0_fixed1);
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return fail(buf, len, "guest CR0 0x%llx: PG set without PE", g->cr0);
	if (c->cr4_fixed0 & ~g->cr4)
		return fail(buf, len, "guest CR4 0x%llx: bits 0x%llx must be 1 in VMX operation",
			    g->cr4, c->cr4_fixed0 & ~g->cr4);
	if (g->cr4 & ~c->cr4_fixed1)
		return fail(buf, len, "guest CR4 0x%llx: bits 0x%llx must be 0 in VMX operation",
			    g->cr4, g->cr4 & ~c->cr4_fixed1);
	if (ia32e(g) && (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE)))
		return fail(buf, len, "IA-32e mode guest with CR0.PG or CR4.PAE clear");
	if (!ia32e(g) && (g->cr4 & CR4_PCIDE))
		return fail(buf, len, "guest CR4.PCIDE set outside IA-32e mode");
	if ((g->entry & ENTRY_LOAD_DEBUG) && (g->dr7 >> 32))
		return fail(buf, len, "guest DR7 0x%llx: bits 63:32 set", g->dr7);
	return false;
}

static bool pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool check_msrs(const struct vmx_guest_state *g, char *buf, size_t len)
{
	if (g->entry & ENTRY_LOAD_EFER) {
		if (g->efer & ~EFER_KNOWN)
			return fail(buf, len, "guest IA32_EFER 0x%llx: reserved bits set", g->efer);
		if (!!(g->efer & EFER_LMA) != ia32e(g))
			return fail(buf, len,
				    "guest IA32_EFER.LMA differs from 'IA-32e mode guest'");
		if ((g->cr0 & CR0_PG) && !!(g->efer & EFER_LMA) != !!(g->efer & EFER_LME))
			return fail(buf, len,
				    "guest IA32_EFER 0x%llx: LME and LMA differ with paging on",
				    g->efer);
	}
	if ((g->entry & ENTRY_LOAD_PAT) && !pat_ok(g->pat))
		return fail(buf, len, "guest IA32_PAT 0x%llx: invalid memory type", g->pat);
	return false;
}

/* Limit and granularity agree: G clear unless limit 11:0 are all ones, G set if 31:20 are not 0. */
static bool limit_ok(u32 limit, u32 ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return false;
	return !(limit & GENMASK(31, 20)) || (ar & AR_G);
}

static u32 dpl(u32 ar)
{
	return (ar >> AR_DPL_SHIFT) & 3;
}

/* The rules every usable segment shares; FS, GS, LDTR and TR have 64-bit bases. */
static bool check_seg_common(const struct vmx_guest_state *g, int s, char *buf, size_t len)
{
	static const bool base64[VMX_SEG_COUNT] = {
		[VMX_FS] = true, [VMX_GS] = true, [VMX_LDTR] = true, [VMX_TR] = true
	};
	u32 ar = g->seg[s].ar;
	u64 base = g->seg[s].base;

	if (ar & AR_RESERVED)
		return fail(buf, len, "guest %s access rights 0x%x: reserved bits set",
			    seg_names[s], ar);
	if (!(ar & AR_P))
		return fail(buf, len, "guest %s access rights 0x%x: usable but not present",
			    seg_names[s], ar);
	if (!limit_ok(g->seg[s].limit, ar))
		return fail(buf, len, "guest %s limit 0x%x disagrees with G (access rights 0x%x)",
			    seg_names[s], g->seg[s].limit, ar);
	if (base64[s] ? !canonical(base) : (base >> 32) != 0)
		return fail(buf, len, "guest %s base 0x%llx is not %s", seg_names[s], base,
			    base64[s] ? "canonical" : "a 32-bit address");
	return false;
}

static bool check_tr_ldtr(const struct vmx_guest_state *g, char *buf, size_t len)
{
	u32 tr = g->seg[VMX_TR].ar, ldtr = g->seg[VMX_LDTR].ar;
	u32 tr_type = tr & AR_TYPE;

	if ((tr & AR_UNUSABLE) || (tr & AR_S) || (g->seg[VMX_TR].sel & BIT(2)))
		return fail(buf, len,
			    "guest TR access rights 0x%x, selector 0x%x: not a usable GDT "
			    "system segment",
			    tr, g->seg[VMX_TR].sel);
	if (tr_type != 11 && (ia32e(g) || tr_type != 3))
		return fail(buf, len, "guest TR access rights 0x%x: type %u, not a busy %s TSS", tr,
			    tr_type, ia32e(g) ? "64-bit" : "16/32-bit");
	if (check_seg_common(g, VMX_TR, buf, len))
		return true;
	if (ldtr & AR_UNUSABLE)
		return false;
	if ((ldtr & AR_TYPE) != 2 || (ldtr & AR_S) || (g->seg[VMX_LDTR].sel & BIT(2)))
		return fail(buf, len,
			    "guest LDTR access rights 0x%x: not an LDT descriptor from the "
			    "GDT",
			    ldtr);
	return check_seg_common(g, VMX_LDTR, buf, len);
}

static bool check_cs_ss(const struct vmx_guest_state *g, char *buf, size_t len)
{
	u32 cs = g->seg[VMX_CS].ar, ss = g->seg[VMX_SS].ar, type = cs & AR_TYPE;
	bool ug = g->proc2 & PROC2_UNRESTRICTED;

	if ((cs & AR_UNUSABLE) || !(cs & AR_S) ||
	    !(type == 9 || type == 11 || type == 13 || type == 15 || (ug && type == 3)))
		return fail(buf, len, "guest CS access rights 0x%x: not an accessed code segment",
			    cs);
	if ((type == 9 || type == 11) && dpl(cs) != dpl(ss))
		return fail(buf, len, "guest CS DPL %u differs from SS DPL %u", dpl(cs), dpl(ss));
	if (ia32e(g) && (cs & AR_L) && (cs & AR_DB))
		return fail(buf, len, "guest CS access rights 0x%x: L and D/B both set", cs);
	if (check_seg_common(g, VMX_CS, buf, len))
		return true;
	if (ss & AR_UNUSABLE)
		return false;
	if (!(ss & AR_S) || ((ss & AR_TYPE) != 3 && (ss & AR_TYPE) != 7))
		return fail(buf, len,
			    "guest SS access rights 0x%x: not a writable accessed data "
			    "segment",
			    ss);
	if (!ug && dpl(ss) != (g->seg[VMX_SS].sel & 3u))
		return fail(buf, len, "guest SS DPL %u differs from its selector's RPL", dpl(ss));
	return check_seg_common(g, VMX_SS, buf, len);
}

static bool check_data_segs(const struct vmx_guest_state *g, char *buf, size_t len)
{
	static const int data[] = { VMX_DS, VMX_ES, VMX_FS, VMX_GS };

	for (u32 i = 0; i < ARRAY_SIZE(data); i++) {
		int s = data[i];
		u32 ar = g->seg[s].ar;

		if (ar & AR_UNUSABLE)
			continue;
		if (!(ar & AR_S) || !(ar & BIT(0)) || ((ar & BIT(3)) && !(ar & BIT(1))))
			return fail(buf, len,
				    "guest %s access rights 0x%x: not accessed, or unreadable "
				    "code",
				    seg_names[s], ar);
		if (check_seg_common(g, s, buf, len))
			return true;
	}
	return false;
}

/* 27.3.1.3 and 27.3.1.4: descriptor tables, RIP, RFLAGS. */
static bool check_rip_rflags(const struct vmx_guest_state *g, char *buf, size_t len)
{
	bool long_cs = ia32e(g) && (g->seg[VMX_CS].ar & AR_L);
	u32 type = (g->entry_intr_info >> INTR_INFO_TYPE_SHIFT) & 7;

	if (!canonical(g->gdtr_base) || !canonical(g->idtr_base) || (g->gdtr_limit >> 16) ||
	    (g->idtr_limit >> 16))
		return fail(buf, len, "guest GDTR/IDTR: base not canonical or limit above 0xffff");
	if (long_cs ? !canonical(g->rip) : (g->rip >> 32) != 0)
		return fail(buf, len, "guest RIP 0x%llx is not %s", g->rip,
			    long_cs ? "canonical" : "a 32-bit address");
	if ((g->rflags & RFLAGS_RES0) || !(g->rflags & RFLAGS_RES1))
		return fail(buf, len,
			    "guest RFLAGS 0x%llx: bit 1 must be 1, bits 3, 5, 15, 63:22 "
			    "must be 0",
			    g->rflags);
	if ((ia32e(g) || !(g->cr0 & CR0_PE)) && (g->rflags & RFLAGS_VM))
		return fail(buf, len, "guest RFLAGS.VM set in IA-32e mode or real mode");
	if ((g->entry_intr_info & INTR_INFO_VALID) && type == INTR_TYPE_EXT_INTR &&
	    !(g->rflags & RFLAGS_IF))
		return fail(buf, len, "injecting an external interrupt with guest RFLAGS.IF clear");
	return false;
}

/* 27.3.1.5: activity and interruptibility state, the VMCS link pointer. */
static bool check_other(const struct vmx_guest_state *g, char *buf, size_t len)
{
	u32 intr = g->interruptibility;

	if (g->activity > 3)
		return fail(buf, len, "guest activity state %u is not defined", g->activity);
	if ((intr & GENMASK(31, 5)) || (intr & 3) == 3)
		return fail(buf, len,
			    "guest interruptibility 0x%x: reserved bits, or STI and MOV SS "
			    "blocking",
			    intr);
	if ((intr & 1) && !(g->rflags & RFLAGS_IF))
		return fail(buf, len, "guest blocking by STI with RFLAGS.IF clear");
	if (g->link != ~0ULL)
		return fail(buf, len, "VMCS link pointer 0x%llx is not all ones (no shadow VMCS)",
			    g->link);
	return false;
}

bool vmx_guest_state_error(const struct vmx_guest_state *g, const struct vmx_config *c, char *buf,
			   size_t len)
{
	return check_crs(g, c, buf, len) || check_msrs(g, buf, len) || check_tr_ldtr(g, buf, len) ||
	       check_cs_ss(g, buf, len) || check_data_segs(g, buf, len) ||
	       check_rip_rflags(g, buf, len) || check_other(g, buf, len);
}

/* ---- VM-entry checks on the control fields (SDM Vol. 3C 27.2.1) ---- */

static bool ctl_fits(u32 ctl, u64 cap)
{
	return (ctl & (u32)cap) == (u32)cap && !(ctl & ~(u32)(cap >> 32));
}

static bool check_words(const struct vmx_controls *v, const struct vmx_config *c, char *buf,
			size_t len)
{
	const u32 ctl[CTL_WORDS] = { v->pin, v->proc, v->proc2, v->exit, v->entry };

	for (int w = 0; w < CTL_WORDS; w++) {
		if (w == CTL_PROC2 && !(v->proc & PROC_SECONDARY))
			continue;
		if (!ctl_fits(ctl[w], c->caps[w]))
			return fail(buf, len,
				    "%s controls 0x%x: outside what the CPU allows "
				    "(must be 1: 0x%x, may be 1: 0x%x)",
				    ctl_word_names[w], ctl[w], (u32)c->caps[w],
				    (u32)(c->caps[w] >> 32));
	}
	return false;
}

static bool exc_has_error(u32 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

/* 27.2.1.3: the event injected at entry. */
static bool check_injection(const struct vmx_controls *v, char *buf, size_t len)
{
	u32 info = v->entry_intr_info, vec = info & INTR_INFO_VECTOR;
	u32 type = (info >> INTR_INFO_TYPE_SHIFT) & 7;
	bool ug = (v->proc & PROC_SECONDARY) && (v->proc2 & PROC2_UNRESTRICTED);
	bool want_error =
		(!ug || (v->guest_cr0 & CR0_PE)) && type == INTR_TYPE_HW_EXC && exc_has_error(vec);

	if (!(info & INTR_INFO_VALID))
		return false;
	if (type == 1 || type == 7 || (info & GENMASK(30, 12)))
		return fail(buf, len,
			    "VM-entry interruption information 0x%x: reserved type or bits", info);
	if ((type == INTR_TYPE_NMI && vec != 2) || (type == INTR_TYPE_HW_EXC && vec > 31))
		return fail(buf, len,
			    "VM-entry interruption information 0x%x: vector %u does not "
			    "fit type %u",
			    info, vec, type);
	if (!!(info & INTR_INFO_ERROR) != want_error)
		return fail(buf, len,
			    "VM-entry interruption information 0x%x: error code bit must "
			    "be %u for vector %u",
			    info, want_error, vec);
	return false;
}

bool vmx_controls_error(const struct vmx_controls *v, const struct vmx_config *c, char *buf,
			size_t len)
{
	u64 eptp = v->eptp;

	if (check_words(v, c, buf, len))
		return true;
	if (v->proc2 & PROC2_EPT) {
		if ((eptp & 7) != MEMTYPE_WB || ((eptp >> 3) & 7) != 3 || (eptp & GENMASK(11, 7)) ||
		    ((eptp & BIT(6)) && !c->ept_ad))
			return fail(buf, len,
				    "EPTP 0x%llx: need write-back, a 4-level walk, A/D only "
				    "when offered, bits 11:7 clear",
				    eptp);
	}
	if ((v->proc2 & PROC2_VPID) && v->vpid == 0)
		return fail(buf, len, "VPID 0 with 'enable VPID' set");
	return check_injection(v, buf, len);
}

bool vmx_xcr0_ok(u64 xcr0, u64 supported)
{
	u64 avx512 = xcr0 & GENMASK(7, 5);

	if (!(xcr0 & BIT(0)) || (xcr0 & ~supported))
		return false; /* x87 always on; nothing the CPU lacks */
	if ((xcr0 & BIT(2)) && !(xcr0 & BIT(1)))
		return false; /* AVX needs SSE */
	if (avx512 && (avx512 != GENMASK(7, 5) || !(xcr0 & BIT(2))))
		return false; /* AVX-512 state all or nothing, and with AVX */
	if (!!(xcr0 & BIT(3)) != !!(xcr0 & BIT(4)))
		return false;                            /* MPX BNDREGS and BNDCSR together */
	return !!(xcr0 & BIT(17)) == !!(xcr0 & BIT(18)); /* AMX TILECFG and TILEDATA together */
}

/* ---- Names ---- */

/* SDM Vol. 3C 31.4, table 31-1. */
static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(u32 err)
{
	return err < ARRAY_SIZE(insn_errors) && insn_errors[err] ? insn_errors[err] : "?";
}

/* SDM Vol. 3D appendix C, table C-1. */
static const char *const exit_reasons[] = {
	[0] = "exception or NMI",
	[1] = "external interrupt",
	[2] = "triple fault",
	[3] = "INIT signal",
	[4] = "start-up IPI",
	[5] = "I/O SMI",
	[6] = "other SMI",
	[7] = "interrupt window",
	[8] = "NMI window",
	[9] = "task switch",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "control-register access",
	[29] = "MOV DR",
	[30] = "I/O instruction",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[33] = "VM-entry failure due to invalid guest state",
	[34] = "VM-entry failure due to MSR loading",
	[36] = "MWAIT",
	[37] = "monitor trap flag",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "VM-entry failure due to machine-check event",
	[43] = "TPR below threshold",
	[44] = "APIC access",
	[45] = "virtualized EOI",
	[46] = "access to GDTR or IDTR",
	[47] = "access to LDTR or TR",
	[48] = "EPT violation",
	[49] = "EPT misconfiguration",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "VMX-preemption timer expired",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC write",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "page-modification log full",
	[63] = "XSAVES",
	[64] = "XRSTORS",
};

const char *vmx_exit_reason_name(u32 reason)
{
	return reason < ARRAY_SIZE(exit_reasons) && exit_reasons[reason] ? exit_reasons[reason]
									 : "?";
}
