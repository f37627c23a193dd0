/* SPDX-License-Identifier: MIT */
/*
 * vmx.h: the Intel VMX vCPU backend (kernel/vcpu.h): VMCS field encodings,
 * control bits and the pure capability and guest-state rules of vmx_rules.c.
 * Only the backend list and the backend's own files include it.
 */
#ifndef KERNEL_VMX_H
#define KERNEL_VMX_H

#include "kernel/vcpu.h"

extern const struct vcpu_ops vmx_ops;

/* Register layouts keep their fields indented under them (STYLE.md 3). */
/* clang-format off */

/* Capability MSRs (SDM Vol. 3D appendix A), indexed from IA32_VMX_BASIC. */
#define MSR_IA32_VMX_BASIC            0x480
#define  VMX_BASIC_REVISION           GENMASK(30, 0)
#define  VMX_BASIC_REGION_SIZE_SHIFT  32 /* bits 44:32: VMXON/VMCS region bytes */
#define  VMX_BASIC_PA32               BIT(48) /* regions limited to 32-bit addresses */
#define  VMX_BASIC_MEMTYPE_SHIFT      50 /* bits 53:50: 6 = write-back */
#define  VMX_BASIC_TRUE_CTLS          BIT(55)
#define MSR_IA32_VMX_PINBASED_CTLS    0x481
#define MSR_IA32_VMX_PROCBASED_CTLS   0x482
#define MSR_IA32_VMX_EXIT_CTLS        0x483
#define MSR_IA32_VMX_ENTRY_CTLS       0x484
#define MSR_IA32_VMX_MISC             0x485
#define MSR_IA32_VMX_CR0_FIXED0       0x486
#define MSR_IA32_VMX_CR0_FIXED1       0x487
#define MSR_IA32_VMX_CR4_FIXED0       0x488
#define MSR_IA32_VMX_CR4_FIXED1       0x489
#define MSR_IA32_VMX_VMCS_ENUM        0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP     0x48c
#define  EPT_CAP_EXEC_ONLY            BIT(0)
#define  EPT_CAP_WALK4                BIT(6)
#define  EPT_CAP_WB                   BIT(14)
#define  EPT_CAP_2M                   BIT(16)
#define  EPT_CAP_1G                   BIT(17)
#define  EPT_CAP_INVEPT               BIT(20)
#define  EPT_CAP_AD                   BIT(21)
#define  EPT_CAP_INVEPT_SINGLE        BIT(25)
#define  EPT_CAP_INVEPT_ALL           BIT(26)
#define  VPID_CAP_INVVPID             BIT(32)
#define  VPID_CAP_INVVPID_SINGLE      BIT(41)
#define  VPID_CAP_INVVPID_ALL         BIT(42)
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS   0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x490
#define MSR_IA32_VMX_VMFUNC           0x491
#define VMX_MSR_COUNT                 18 /* 0x480-0x491 */

/* IA32_FEATURE_CONTROL (MSR_IA32_FEATURE_CONTROL, kernel/policy.h) */
#define  FEATURE_CONTROL_LOCK         BIT(0)
#define  FEATURE_CONTROL_VMXON        BIT(2) /* VMXON outside SMX operation */

/* Pin-based VM-execution controls (SDM Vol. 3C 25.6.1). */
#define PIN_EXT_INTR_EXIT    BIT(0)
#define PIN_NMI_EXIT         BIT(3)
#define PIN_VIRTUAL_NMIS     BIT(5)
#define PIN_PREEMPT_TIMER    BIT(6)
#define PIN_POSTED_INTR      BIT(7)
/* Primary processor-based VM-execution controls (25.6.2, table 25-6). */
#define PROC_INTR_WINDOW     BIT(2)
#define PROC_TSC_OFFSET      BIT(3)
#define PROC_HLT_EXIT        BIT(7)
#define PROC_INVLPG_EXIT     BIT(9)
#define PROC_MWAIT_EXIT      BIT(10)
#define PROC_RDPMC_EXIT      BIT(11)
#define PROC_RDTSC_EXIT      BIT(12)
#define PROC_CR3_LOAD_EXIT   BIT(15)
#define PROC_CR3_STORE_EXIT  BIT(16)
#define PROC_CR8_LOAD_EXIT   BIT(19)
#define PROC_CR8_STORE_EXIT  BIT(20)
#define PROC_TPR_SHADOW      BIT(21)
#define PROC_NMI_WINDOW      BIT(22)
#define PROC_MOV_DR_EXIT     BIT(23)
#define PROC_UNCOND_IO_EXIT  BIT(24)
#define PROC_IO_BITMAPS      BIT(25)
#define PROC_MTF             BIT(27)
#define PROC_MSR_BITMAPS     BIT(28)
#define PROC_MONITOR_EXIT    BIT(29)
#define PROC_PAUSE_EXIT      BIT(30)
#define PROC_SECONDARY       BIT(31)
/* Secondary processor-based VM-execution controls (25.6.2, table 25-7). */
#define PROC2_VIRT_APIC      BIT(0)
#define PROC2_EPT            BIT(1)
#define PROC2_DESC_EXIT      BIT(2)
#define PROC2_RDTSCP         BIT(3)
#define PROC2_VPID           BIT(5)
#define PROC2_WBINVD_EXIT    BIT(6)
#define PROC2_UNRESTRICTED   BIT(7)
#define PROC2_PAUSE_LOOP     BIT(10)
#define PROC2_RDRAND_EXIT    BIT(11)
#define PROC2_INVPCID        BIT(12)
#define PROC2_VMFUNC         BIT(13)
#define PROC2_VMCS_SHADOW    BIT(14)
#define PROC2_RDSEED_EXIT    BIT(16)
#define PROC2_PML            BIT(17)
#define PROC2_EPT_VE         BIT(18)
#define PROC2_XSAVES         BIT(20)
/* VM-exit controls (25.7.1). */
#define EXIT_SAVE_DEBUG      BIT(2)
#define EXIT_HOST_64         BIT(9) /* host address-space size */
#define EXIT_ACK_INTR        BIT(15)
#define EXIT_SAVE_PAT        BIT(18)
#define EXIT_LOAD_PAT        BIT(19)
#define EXIT_SAVE_EFER       BIT(20)
#define EXIT_LOAD_EFER       BIT(21)
#define EXIT_SAVE_PREEMPT    BIT(22)
/* VM-entry controls (25.8.1). */
#define ENTRY_LOAD_DEBUG     BIT(2)
#define ENTRY_IA32E          BIT(9) /* IA-32e mode guest */
#define ENTRY_SMM            BIT(10)
#define ENTRY_DUAL_MONITOR   BIT(11)
#define ENTRY_LOAD_PAT       BIT(14)
#define ENTRY_LOAD_EFER      BIT(15)

/* VMCS component encodings (SDM Vol. 3D appendix B). */
enum vmcs_field {
	VMCS_VPID                = 0x0000,
	VMCS_GUEST_ES_SEL        = 0x0800, /* + 2 * segment, ES CS SS DS FS GS LDTR TR */
	VMCS_HOST_ES_SEL         = 0x0c00,
	VMCS_HOST_CS_SEL         = 0x0c02,
	VMCS_HOST_SS_SEL         = 0x0c04,
	VMCS_HOST_DS_SEL         = 0x0c06,
	VMCS_HOST_FS_SEL         = 0x0c08,
	VMCS_HOST_GS_SEL         = 0x0c0a,
	VMCS_HOST_TR_SEL         = 0x0c0c,
	VMCS_IO_BITMAP_A         = 0x2000,
	VMCS_IO_BITMAP_B         = 0x2002,
	VMCS_MSR_BITMAP          = 0x2004,
	VMCS_TSC_OFFSET          = 0x2010,
	VMCS_VIRT_APIC_PAGE      = 0x2012,
	VMCS_EPTP                = 0x201a,
	VMCS_XSS_EXIT_BITMAP     = 0x202c,
	VMCS_GUEST_PHYS_ADDR     = 0x2400,
	VMCS_LINK_POINTER        = 0x2800,
	VMCS_GUEST_DEBUGCTL      = 0x2802,
	VMCS_GUEST_PAT           = 0x2804,
	VMCS_GUEST_EFER          = 0x2806,
	VMCS_GUEST_PDPTE0        = 0x280a, /* + 2 * n */
	VMCS_HOST_PAT            = 0x2c00,
	VMCS_HOST_EFER           = 0x2c02,
	VMCS_PIN_CTLS            = 0x4000,
	VMCS_PROC_CTLS           = 0x4002,
	VMCS_EXCEPTION_BITMAP    = 0x4004,
	VMCS_CR3_TARGET_COUNT    = 0x400a,
	VMCS_EXIT_CTLS           = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT = 0x4010,
	VMCS_ENTRY_CTLS          = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT = 0x4014,
	VMCS_ENTRY_INTR_INFO     = 0x4016,
	VMCS_ENTRY_EXC_ERROR     = 0x4018,
	VMCS_ENTRY_INSN_LEN      = 0x401a,
	VMCS_TPR_THRESHOLD       = 0x401c,
	VMCS_PROC2_CTLS          = 0x401e,
	VMCS_INSN_ERROR          = 0x4400,
	VMCS_EXIT_REASON         = 0x4402,
	VMCS_EXIT_INTR_INFO      = 0x4404,
	VMCS_EXIT_INTR_ERROR     = 0x4406,
	VMCS_IDT_VECTORING_INFO  = 0x4408,
	VMCS_IDT_VECTORING_ERROR = 0x440a,
	VMCS_EXIT_INSN_LEN       = 0x440c,
	VMCS_GUEST_ES_LIMIT      = 0x4800, /* + 2 * segment */
	VMCS_GUEST_GDTR_LIMIT    = 0x4810,
	VMCS_GUEST_IDTR_LIMIT    = 0x4812,
	VMCS_GUEST_ES_AR         = 0x4814, /* + 2 * segment */
	VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
	VMCS_GUEST_ACTIVITY      = 0x4826,
	VMCS_GUEST_SYSENTER_CS   = 0x482a,
	VMCS_HOST_SYSENTER_CS    = 0x4c00,
	VMCS_CR0_MASK            = 0x6000,
	VMCS_CR4_MASK            = 0x6002,
	VMCS_CR0_SHADOW          = 0x6004,
	VMCS_CR4_SHADOW          = 0x6006,
	VMCS_EXIT_QUALIFICATION  = 0x6400,
	VMCS_GUEST_CR0           = 0x6800,
	VMCS_GUEST_CR3           = 0x6802,
	VMCS_GUEST_CR4           = 0x6804,
	VMCS_GUEST_ES_BASE       = 0x6806, /* + 2 * segment */
	VMCS_GUEST_GDTR_BASE     = 0x6816,
	VMCS_GUEST_IDTR_BASE     = 0x6818,
	VMCS_GUEST_DR7           = 0x681a,
	VMCS_GUEST_RSP           = 0x681c,
	VMCS_GUEST_RIP           = 0x681e,
	VMCS_GUEST_RFLAGS        = 0x6820,
	VMCS_GUEST_PENDING_DBG   = 0x6822,
	VMCS_GUEST_SYSENTER_ESP  = 0x6824,
	VMCS_GUEST_SYSENTER_EIP  = 0x6826,
	VMCS_HOST_CR0            = 0x6c00,
	VMCS_HOST_CR3            = 0x6c02,
	VMCS_HOST_CR4            = 0x6c04,
	VMCS_HOST_FS_BASE        = 0x6c06,
	VMCS_HOST_GS_BASE        = 0x6c08,
	VMCS_HOST_TR_BASE        = 0x6c0a,
	VMCS_HOST_GDTR_BASE      = 0x6c0c,
	VMCS_HOST_IDTR_BASE      = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP   = 0x6c10,
	VMCS_HOST_SYSENTER_EIP   = 0x6c12,
	VMCS_HOST_RSP            = 0x6c14,
	VMCS_HOST_RIP            = 0x6c16,
};

/* Segment registers in VMCS order: the field of segment s is the ES field + 2 * s. */
enum vmx_seg { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR, VMX_SEG_COUNT };

/* Guest segment access rights (SDM Vol. 3C 25.4.1, table 25-2). */
#define AR_TYPE      GENMASK(3, 0)
#define AR_S         BIT(4)
#define AR_DPL_SHIFT 5
#define AR_P         BIT(7)
#define AR_L         BIT(13)
#define AR_DB        BIT(14)
#define AR_G         BIT(15)
#define AR_UNUSABLE  BIT(16)
#define AR_RESERVED  (GENMASK(11, 8) | GENMASK(31, 17))

/* Basic exit reasons (SDM Vol. 3D appendix C). */
#define EXIT_REASON_EXCEPTION_NMI  0
#define EXIT_REASON_EXT_INTR       1
#define EXIT_REASON_TRIPLE_FAULT   2
#define EXIT_REASON_INIT           3
#define EXIT_REASON_INTR_WINDOW    7
#define EXIT_REASON_CPUID          10
#define EXIT_REASON_GETSEC         11
#define EXIT_REASON_HLT            12
#define EXIT_REASON_INVD           13
#define EXIT_REASON_RDPMC          15
#define EXIT_REASON_VMCALL         18
#define EXIT_REASON_VMCLEAR        19 /* ... 27 VMXON: the VMX instructions */
#define EXIT_REASON_VMXON          27
#define EXIT_REASON_CR_ACCESS      28
#define EXIT_REASON_IO             30
#define EXIT_REASON_RDMSR          31
#define EXIT_REASON_WRMSR          32
#define EXIT_REASON_BAD_GUEST      33 /* VM-entry failure: invalid guest state */
#define EXIT_REASON_MSR_LOADING    34 /* VM-entry failure: MSR loading */
#define EXIT_REASON_MWAIT          36
#define EXIT_REASON_MONITOR        39
#define EXIT_REASON_MACHINE_CHECK  41 /* VM-entry failure: machine-check event */
#define EXIT_REASON_EPT_VIOLATION  48
#define EXIT_REASON_EPT_MISCONFIG  49
#define EXIT_REASON_INVEPT         50
#define EXIT_REASON_INVVPID        53
#define EXIT_REASON_XSETBV         55
#define EXIT_REASON_VMFUNC         59
#define EXIT_REASON_ENTRY_FAILURE  BIT(31)

/* Interruption information (VM-entry 25.8.3, VM-exit 25.9.2, IDT vectoring 25.9.3). */
#define INTR_INFO_VECTOR     GENMASK(7, 0)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_TYPE_EXT_INTR   0
#define INTR_TYPE_NMI        2
#define INTR_TYPE_HW_EXC     3
#define INTR_TYPE_SW_INTR    4
#define INTR_TYPE_PRIV_SW_EXC 5
#define INTR_TYPE_SW_EXC     6
#define INTR_INFO_ERROR      BIT(11) /* deliver / has an error code */
#define INTR_INFO_NMI_UNBLOCK BIT(12)
#define INTR_INFO_VALID      BIT(31)
/* clang-format on */

/* Every capability MSR the backend reads, 0 where the CPU does not have it. */
struct vmx_msrs {
	u64 v[VMX_MSR_COUNT]; /* v[msr - MSR_IA32_VMX_BASIC] */
};

/* The settings the backend runs with, derived from the capability MSRs. */
struct vmx_config {
	u32 pin, proc, proc2, exit, entry; /* control words */
	u64 caps[5];                       /* the capability MSRs they were fitted to, same order */
	u32 revision;                      /* VMCS revision identifier */
	bool true_ctls, vpid, unrestricted, ept_1g, ept_ad;
	bool invept_single, invvpid_single, invvpid_all;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 cr0_mask, cr4_mask; /* guest/host masks: bits VMX fixes, shadowed for the guest */
};

/* What one control word should hold. */
struct vmx_ctl_want {
	u32 required;  /* the backend cannot run without them */
	u32 optional;  /* used when offered */
	u32 forbidden; /* exits nothing handles, state nobody switches: must stay clear */
};

/*
 * Fit a control word to its capability MSR (SDM Vol. 3D A.3-A.5: bits 31:0
 * are allowed-0 settings, a set bit must be 1; bits 63:32 are allowed-1
 * settings, a clear bit must be 0). Returns 0 and *out, or -ENODEV with
 * *bad the first required bit not offered or forbidden bit forced on.
 */
int vmx_ctl_adjust(u64 cap, const struct vmx_ctl_want *w, u32 *out, u32 *bad);

/*
 * Derive the configuration from the capability MSRs: control words (TRUE_*
 * MSRs when IA32_VMX_BASIC offers them), EPT (4-level, write-back, 2 MiB
 * pages, INVEPT), VPID and unrestricted guest when offered, CR0/CR4 masks.
 * 0, or -ENODEV with *why naming what is missing (static text or `buf`).
 */
int vmx_config_from_msrs(const struct vmx_msrs *m, struct vmx_config *c, char *buf, size_t len,
			 const char **why);

/* Guest CR0/CR4 as VMX needs them (fixed bits forced) for the value the guest believes. */
u64 vmx_guest_cr0(const struct vmx_config *c, u64 cr0);
u64 vmx_guest_cr4(const struct vmx_config *c, u64 cr4);

/*
 * Whether MOV to CR0 of val is legal (SDM Vol. 2B, MOV to control registers):
 * no bits 63:32, no PG without PE, no NW without CD, paging kept on in 64-bit
 * mode (cs_l: CS.L with EFER.LMA), no long-mode paging without CR4.PAE.
 */
bool vmx_cr0_write_ok(u64 val, u64 efer, u64 cr4, bool cs_l);

/* A VMCS segment's access rights from the packed vcpu_seg form, and back. */
u32 vmx_ar_from_attr(u16 attr);
u16 vmx_attr_from_ar(u32 ar);

/* The guest-state area, read back from a VMCS (or built by a test). */
struct vmx_guest_state {
	u64 cr0, cr3, cr4, dr7, efer, pat, rsp, rip, rflags, link;
	struct {
		u16 sel;
		u32 ar, limit;
		u64 base;
	} seg[VMX_SEG_COUNT];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 interruptibility, activity, entry_intr_info;
	u32 entry, proc2; /* the controls that change the rules */
};

/*
 * Check a guest state against a selection of the VM-entry rules of SDM Vol. 3C
 * 27.3.1 (the common mistakes: fixed CR bits, EFER and IA-32e mode, segment
 * types and limits, RFLAGS, RIP, link pointer). Returns true and a line naming
 * the field and rule in buf when one is broken, false when none of them is.
 */
bool vmx_guest_state_error(const struct vmx_guest_state *g, const struct vmx_config *c, char *buf,
			   size_t len);

/* The VM-execution, exit and entry control fields, read back from a VMCS. */
struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
	u64 eptp;
	u16 vpid;
	u32 entry_intr_info;
	u64 guest_cr0; /* the error-code rule for injected exceptions depends on CR0.PE */
};

/*
 * Check control fields against a selection of SDM Vol. 3C 27.2.1.1 and
 * 27.2.1.3 (each word inside its capability MSR, EPTP, VPID, the event to
 * inject): true and a line in buf naming the first broken rule.
 */
bool vmx_controls_error(const struct vmx_controls *v, const struct vmx_config *c, char *buf,
			size_t len);

/* An XCR0 value XSETBV accepts (SDM Vol. 1 13.3), given the CPU's CPUID.(0DH,0) EDX:EAX. */
bool vmx_xcr0_ok(u64 xcr0, u64 supported);

/* The name of a VM-instruction error number (SDM Vol. 3C 31.4, table 31-1), "?" if unknown. */
const char *vmx_insn_error_name(u32 err);

/* The name of a basic exit reason (SDM Vol. 3D appendix C), "?" if unknown. */
const char *vmx_exit_reason_name(u32 reason);

#endif
