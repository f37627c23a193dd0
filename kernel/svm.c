// SPDX-License-Identifier: MIT
/* svm.c: the AMD SVM vCPU backend with nested paging (AMD64 APM Vol. 2, chapter 15). */
#define LOG_TAG "svm"
#include "kernel/svm.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/policy.h"
#include "kernel/printk.h"
#include "kernel/string.h"

/* clang-format off: register layouts keep their fields indented under them (STYLE.md 3). */

/* VMCB control area (APM Vol. 2 appendix B, table B-1). */
struct vmcb_control {
	u32 intercept_cr;    /* 000h: 15:0 reads, 31:16 writes of CR0-15 */
	u32 intercept_dr;    /* 004h */
	u32 intercept_exc;   /* 008h: one bit per exception vector */
	u32 intercept_misc1; /* 00Ch */
#define INTERCEPT_INTR      BIT(0)
#define INTERCEPT_NMI       BIT(1)
#define INTERCEPT_INIT      BIT(3)
#define INTERCEPT_VINTR     BIT(4)
#define INTERCEPT_RDPMC     BIT(15)
#define INTERCEPT_CPUID     BIT(18)
#define INTERCEPT_INVD      BIT(22)
#define INTERCEPT_HLT       BIT(24)
#define INTERCEPT_INVLPGA   BIT(26)
#define INTERCEPT_IOIO_PROT BIT(27)
#define INTERCEPT_MSR_PROT  BIT(28)
#define INTERCEPT_SHUTDOWN  BIT(31)
	u32 intercept_misc2; /* 010h */
#define INTERCEPT_VMRUN     BIT(0)
#define INTERCEPT_VMMCALL   BIT(1)
#define INTERCEPT_VMLOAD    BIT(2)
#define INTERCEPT_VMSAVE    BIT(3)
#define INTERCEPT_STGI      BIT(4)
#define INTERCEPT_CLGI      BIT(5)
#define INTERCEPT_SKINIT    BIT(6)
#define INTERCEPT_MONITOR   BIT(10)
#define INTERCEPT_MWAIT     BIT(11)
#define INTERCEPT_MWAIT_CON BIT(12)
	u32 intercept_misc3; /* 014h */
	u8 reserved_018[0x3c - 0x18];
	u16 pause_filter_thresh; /* 03Ch */
	u16 pause_filter_count;  /* 03Eh */
	u64 iopm_base_pa;        /* 040h: I/O permission map, 12 KiB */
	u64 msrpm_base_pa;       /* 048h: MSR permission map, 8 KiB */
	u64 tsc_offset;          /* 050h */
	u32 asid;                /* 058h */
	u8 tlb_control;          /* 05Ch */
#define TLB_CONTROL_NONE 0
#define TLB_CONTROL_ALL  1 /* flush every ASID's entries on this CPU */
	u8 reserved_05d[3];
	u64 int_ctl;            /* 060h */
#define V_IRQ          BIT(8)   /* a virtual interrupt is pending (the window request) */
#define V_IGN_TPR      BIT(20)  /* ... whatever V_TPR says */
#define V_INTR_MASKING BIT(24)  /* guest IF masks only virtual interrupts */
	u64 int_shadow;         /* 068h */
#define INTERRUPT_SHADOW BIT(0) /* the guest is in an STI or MOV SS shadow */
	u64 exitcode;           /* 070h */
	u64 exitinfo1;          /* 078h */
	u64 exitinfo2;          /* 080h */
	u64 exitintinfo;        /* 088h: event being delivered when the exit came */
	u64 np_enable;          /* 090h */
#define NP_ENABLE BIT(0)
	u64 avic_apic_bar; /* 098h */
	u64 ghcb_pa;       /* 0A0h */
	u64 eventinj;      /* 0A8h: event to inject at VMRUN (APM 15.20) */
#define EVENT_VECTOR     GENMASK(7, 0)
#define EVENT_TYPE_SHIFT 8
#define EVENT_TYPE_INTR  0
#define EVENT_TYPE_NMI   2
#define EVENT_TYPE_EXC   3
#define EVENT_EV         BIT(11) /* error code valid */
#define EVENT_V          BIT(31)
	u64 n_cr3;    /* 0B0h: nested page table root */
	u64 virt_ext; /* 0B8h */
	u32 clean;    /* 0C0h */
	u32 reserved_0c4;
	u64 next_rip; /* 0C8h: with NRIP save */
	u8 insn_len;  /* 0D0h */
	u8 insn_bytes[15];
	u8 reserved_0e0[0x400 - 0xe0];
} __packed;
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");

struct vmcb_seg {
	u16 sel;
	u16 attr;
	u32 limit;
	u64 base;
} __packed;

/* VMCB state save area (APM Vol. 2 appendix B, table B-2), at VMCB offset 400h. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 000h-09Fh */
	u8 reserved_0a0[0xcb - 0xa0];
	u8 cpl; /* 0CBh */
	u32 reserved_0cc;
	u64 efer; /* 0D0h */
	u8 reserved_0d8[0x148 - 0xd8];
	u64 cr4;    /* 148h */
	u64 cr3;    /* 150h */
	u64 cr0;    /* 158h */
	u64 dr7;    /* 160h */
	u64 dr6;    /* 168h */
	u64 rflags; /* 170h */
	u64 rip;    /* 178h */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp; /* 1D8h */
	u8 reserved_1e0[0x1f8 - 0x1e0];
	u64 rax;                                          /* 1F8h */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;   /* 200h-220h */
	u64 sysenter_cs, sysenter_esp, sysenter_eip, cr2; /* 228h-240h */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;  /* 268h: guest PAT with nested paging */
	u64 dbgctl; /* 270h */
	u8 reserved_278[0xc00 - 0x278];
} __packed;
_Static_assert(__builtin_offsetof(struct vmcb_save, efer) == 0xd0, "VMCB EFER");
_Static_assert(__builtin_offsetof(struct vmcb_save, rsp) == 0x1d8, "VMCB RSP");
_Static_assert(__builtin_offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB G_PAT");

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __packed;
_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "VMCB is one page");

/* #VMEXIT codes (APM Vol. 2 appendix C). */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR      0x060
#define SVM_EXIT_NMI       0x061
#define SVM_EXIT_INIT      0x063
#define SVM_EXIT_VINTR     0x064
#define SVM_EXIT_RDPMC     0x06f
#define SVM_EXIT_CPUID     0x072
#define SVM_EXIT_INVD      0x076
#define SVM_EXIT_HLT       0x078
#define SVM_EXIT_INVLPGA   0x07a
#define SVM_EXIT_IOIO      0x07b
#define SVM_EXIT_MSR       0x07c
#define SVM_EXIT_SHUTDOWN  0x07f
#define SVM_EXIT_VMRUN     0x080
#define SVM_EXIT_VMMCALL   0x081
#define SVM_EXIT_SKINIT    0x086
#define SVM_EXIT_MONITOR   0x08a
#define SVM_EXIT_MWAIT_CON 0x08c
#define SVM_EXIT_NPF       0x400
#define SVM_EXIT_INVALID   0xffffffffU /* VMRUN consistency check failed */

/* IOIO EXITINFO1 (APM 15.10.2). */
#define IOIO_IN         BIT(0)
#define IOIO_STR        BIT(2)
#define IOIO_REP        BIT(3)
#define IOIO_SZ_SHIFT   4 /* one-hot 8/16/32-bit in bits 6:4 */
#define IOIO_A16        BIT(7)
#define IOIO_A32        BIT(8)
#define IOIO_A64        BIT(9)
#define IOIO_PORT_SHIFT 16
/* #NPF EXITINFO1: a page-fault error code (APM 15.25.6). */
#define NPF_P  BIT(0)
#define NPF_RW BIT(1)
#define NPF_ID BIT(4)

#define SVM_CPUID_LEAF  0x8000000a
#define SVM_FEAT_NP     BIT(0)
#define SVM_FEAT_NRIPS  BIT(3)
#define VM_CR_SVMDIS    BIT(4)
#define EXC_DB          1
#define EXC_UD          6
#define EXC_GP          13
#define EXC_AC          17
#define RFLAGS_IF       BIT(9)
#define SVM_DEFAULT_PAT 0x0007040600070406ULL
#define SVM_IOPM_SIZE   (12 * KiB)
#define SVM_MSRPM_SIZE  (8 * KiB)
/* clang-format on */

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	bool flush;   /* flush this CPU's TLB at the next VMRUN */
	u64 exit_rip; /* RIP at the last exit: moving past it ends an STI/MOV SS shadow */
};

struct svm_cpu {
	paddr_t hsave;     /* VM_HSAVE_PA: where VMRUN keeps the host state */
	paddr_t host_area; /* VMSAVE/VMLOAD area for the host's FS, GS, TR, ... */
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static paddr_t svm_iopm, svm_msrpm;
static u32 svm_nasid;
static bool svm_nrips;

void svm_vmrun(paddr_t vmcb, struct vcpu_regs *regs, paddr_t host_area); /* svm_run.asm */

static inline void svm_clgi(void)
{
	__asm__ __volatile__("clgi" ::: "memory");
}
static inline void svm_stgi(void)
{
	__asm__ __volatile__("stgi" ::: "memory");
}

/* Clear the read or write intercept bit of msr in the MSR permission map (APM 15.11). */
static void svm_msrpm_allow(u8 *map, u32 msr, bool write)
{
	static const u32 base[3] = { 0x00000000, 0xc0000000, 0xc0010000 };

	for (u32 i = 0; i < 3; i++) {
		if (msr - base[i] < 0x2000) {
			u32 bit = i * 0x800 * 8 + (msr - base[i]) * 2 + (write ? 1 : 0);

			map[bit / 8] &= ~(1U << (bit % 8));
		}
	}
}

/* Every port and MSR is intercepted, except the MSRs the policy passes through. */
static int svm_maps_init(void)
{
	static const u32 base[3] = { 0x00000000, 0xc0000000, 0xc0010000 };
	u8 *msrpm;

	svm_iopm = phys_alloc(SVM_IOPM_SIZE, PAGE_SIZE);
	svm_msrpm = phys_alloc(SVM_MSRPM_SIZE, PAGE_SIZE);
	if (!svm_iopm || !svm_msrpm)
		return -ENOMEM;
	memset(phys_to_virt(svm_iopm), 0xff, SVM_IOPM_SIZE);
	msrpm = phys_to_virt(svm_msrpm);
	memset(msrpm, 0xff, SVM_MSRPM_SIZE);
	for (u32 i = 0; i < 3; i++) {
		for (u32 msr = base[i]; msr < base[i] + 0x2000; msr++) {
			if (policy_msr_passthrough(msr, false))
				svm_msrpm_allow(msrpm, msr, false);
			if (policy_msr_passthrough(msr, true))
				svm_msrpm_allow(msrpm, msr, true);
		}
	}
	return 0;
}

static int svm_init(const char **why)
{
	u32 a, b, c, d;

	if (strcmp(cpu_features.vendor, "AuthenticAMD") &&
	    strcmp(cpu_features.vendor, "HygonGenuine"))
		return *why = "not an AMD CPU", -ENODEV;
	if (!cpu_features.svm || cpu_features.max_ext_leaf < SVM_CPUID_LEAF)
		return *why = "CPUID reports no SVM", -ENODEV;
	cpuid(SVM_CPUID_LEAF, 0, &a, &b, &c, &d);
	/* QEMU does not enforce the NPT bit (ENVIRONMENT.md): trust only CPUID. */
	if (!(d & SVM_FEAT_NP))
		return *why = "CPUID reports no nested paging (NPT)", -ENODEV;
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return *why = "SVM disabled by firmware (VM_CR.SVMDIS)", -ENODEV;
	if (b < 2)
		return *why = "no ASIDs for guests", -ENODEV;
	svm_nasid = b;
	svm_nrips = d & SVM_FEAT_NRIPS;
	if (svm_maps_init())
		return *why = "no memory for the permission maps", -ENODEV;
	pr_info("AMD SVM with nested paging, %u ASIDs, NRIP save %s\n", svm_nasid,
		svm_nrips ? "yes" : "no (RIP advanced by instruction length)");
	return 0;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sc = &svm_cpus[this_cpu()->index];

	if (!sc->hsave)
		sc->hsave = page_alloc();
	if (!sc->host_area)
		sc->host_area = page_alloc();
	if (!sc->hsave || !sc->host_area)
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, sc->hsave);
	return 0;
}

static void svm_setup_control(struct vmcb_control *ctl, paddr_t nested_root, u32 asid)
{
	/* #AC and #DB are reflected: a guest could loop delivering them without an exit. */
	ctl->intercept_exc = BIT(EXC_DB) | BIT(EXC_AC);
	ctl->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_INIT | INTERCEPT_RDPMC |
			       INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT |
			       INTERCEPT_INVLPGA | INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT |
			       INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted (APM 15.5.1); the guest has no SVM instructions at all. */
	ctl->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			       INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
			       INTERCEPT_SKINIT | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
			       INTERCEPT_MWAIT_CON;
	ctl->iopm_base_pa = svm_iopm;
	ctl->msrpm_base_pa = svm_msrpm;
	ctl->asid = asid;
	ctl->int_ctl = V_INTR_MASKING;
	ctl->np_enable = NP_ENABLE;
	ctl->n_cr3 = nested_root;
}

static struct vmcb_seg svm_seg(const struct vcpu_seg *s)
{
	return (struct vmcb_seg){ s->sel, s->attr, s->limit, s->base };
}

static void svm_setup_save(struct vmcb_save *sv, const struct vcpu_state *s)
{
	sv->cs = svm_seg(&s->cs);
	sv->ds = svm_seg(&s->ds);
	sv->es = svm_seg(&s->es);
	sv->ss = svm_seg(&s->ss);
	sv->fs = svm_seg(&s->fs);
	sv->gs = svm_seg(&s->gs);
	sv->tr = svm_seg(&s->tr);
	sv->ldtr = svm_seg(&s->ldtr);
	sv->gdtr = (struct vmcb_seg){ .base = s->gdtr.base, .limit = s->gdtr.limit };
	sv->idtr = (struct vmcb_seg){ .base = s->idtr.base, .limit = s->idtr.limit };
	sv->cpl = (s->ss.attr >> 5) & 3; /* SS.DPL */
	sv->efer = s->efer | EFER_SVME;  /* VMRUN requires it (APM 15.5.1) */
	sv->cr0 = s->cr0;
	sv->cr3 = s->cr3;
	sv->cr4 = s->cr4;
	sv->dr6 = 0xffff0ff0;
	sv->dr7 = 0x400;
	sv->rflags = s->regs.rflags;
	sv->rip = s->regs.rip;
	sv->rsp = s->regs.rsp;
	sv->rax = s->regs.rax;
	sv->g_pat = SVM_DEFAULT_PAT;
}

static int svm_create(struct vcpu *v, paddr_t nested_root, u32 tag, const struct vcpu_state *s)
{
	struct svm_vcpu *sv;

	if (tag == 0)
		return -EINVAL;
	sv = kzalloc(sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	sv->vmcb_pa = page_alloc();
	if (!sv->vmcb_pa)
		return -ENOMEM;
	sv->vmcb = phys_to_virt(sv->vmcb_pa);
	/*
	 * More partitions than ASIDs share them: a CPU runs one vCPU only and its
	 * first VMRUN flushes the whole TLB, so no CPU ever mixes two tagged spaces.
	 */
	svm_setup_control(&sv->vmcb->ctl, nested_root, (tag - 1) % (svm_nasid - 1) + 1);
	svm_setup_save(&sv->vmcb->save, s);
	sv->flush = true;
	v->backend = sv;
	return 0;
}

/* Length of the exiting instruction: from NRIP save when the CPU has it (QEMU's TCG has not). */
static u8 svm_insn_len(const struct vmcb *vm, u8 fallback)
{
	if (svm_nrips && vm->ctl.next_rip > vm->save.rip && vm->ctl.next_rip - vm->save.rip <= 15)
		return (u8)(vm->ctl.next_rip - vm->save.rip);
	return fallback;
}

static void svm_decode_io(const struct vmcb *vm, struct vcpu_exit *e)
{
	u64 info = vm->ctl.exitinfo1;
	u32 sz = (info >> IOIO_SZ_SHIFT) & 7;

	e->reason = VCPU_EXIT_IO;
	e->io.port = (u16)(info >> IOIO_PORT_SHIFT);
	e->io.size = sz & 4 ? 4 : sz & 2 ? 2 : 1;
	e->io.in = info & IOIO_IN;
	e->io.string = info & IOIO_STR;
	e->io.rep = info & IOIO_REP;
	e->io.addr_size = (info & IOIO_A64) ? 8 : (info & IOIO_A32) ? 4 : (info & IOIO_A16) ? 2 : 0;
	/* EXITINFO2 holds the next RIP for IOIO, with or without NRIP save (APM 15.10.2). */
	e->insn_len = (u8)(vm->ctl.exitinfo2 - vm->save.rip);
}

static void svm_decode_npf(const struct vmcb *vm, struct vcpu_exit *e)
{
	e->reason = VCPU_EXIT_NPF;
	e->npf.gpa = vm->ctl.exitinfo2;
	e->npf.write = vm->ctl.exitinfo1 & NPF_RW;
	e->npf.exec = vm->ctl.exitinfo1 & NPF_ID;
	e->npf.present = vm->ctl.exitinfo1 & NPF_P;
}

/* Name the first VMRUN consistency check (APM 15.5.1) the VMCB fails, for the stop line. */
static void svm_explain_invalid(const struct vmcb *vm, struct vcpu_exit *e)
{
	const struct vmcb_save *s = &vm->save;
	const char *why = "a VMRUN consistency check failed (APM Vol. 2 15.5.1)";

	if (!(s->efer & EFER_SVME))
		why = "guest EFER.SVME is clear";
	else if ((s->cr0 >> 32) || (!(s->cr0 & BIT(30)) && (s->cr0 & BIT(29))))
		why = "guest CR0 has reserved bits or NW without CD";
	else if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG) && !(s->cr4 & CR4_PAE))
		why = "long mode with paging but CR4.PAE clear";
	else if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG) && (s->cs.attr & BIT(9)) &&
		 (s->cs.attr & BIT(10)))
		why = "64-bit code segment with both L and D set";
	else if ((s->dr6 >> 32) || (s->dr7 >> 32))
		why = "DR6/DR7 upper bits set";
	else if (vm->ctl.asid == 0)
		why = "ASID 0";
	snformat(e->fail.why, sizeof(e->fail.why), "%s", why);
	e->reason = VCPU_EXIT_ENTRY_FAILED;
}

static void svm_decode_exc(const struct vmcb *vm, u32 code, struct vcpu_exit *e)
{
	e->reason = VCPU_EXIT_EXCEPTION;
	e->exc.vector = (u8)(code - SVM_EXIT_EXCP_BASE);
	e->exc.has_error = e->exc.vector == EXC_AC;
	e->exc.error = (u32)vm->ctl.exitinfo1;
}

/* SVM instructions, MONITOR/MWAIT (#UD) and RDPMC (#GP: no PMU) are not the partition's. */
static bool svm_bad_insn(u32 code, struct vcpu_exit *e)
{
	bool ud = code == SVM_EXIT_INVLPGA ||
		  (code >= SVM_EXIT_VMRUN && code <= SVM_EXIT_SKINIT && code != SVM_EXIT_VMMCALL) ||
		  (code >= SVM_EXIT_MONITOR && code <= SVM_EXIT_MWAIT_CON);

	if (!ud && code != SVM_EXIT_RDPMC)
		return false;
	e->reason = VCPU_EXIT_BAD_INSN;
	e->exc.vector = ud ? EXC_UD : EXC_GP;
	return true;
}

static void svm_decode_msr(const struct vcpu *v, const struct vmcb *vm, struct vcpu_exit *e)
{
	e->reason = vm->ctl.exitinfo1 ? VCPU_EXIT_MSR_WRITE : VCPU_EXIT_MSR_READ;
	e->msr.index = (u32)v->regs.rcx;
	e->msr.value = (v->regs.rdx << 32) | (u32)v->regs.rax;
	e->insn_len = svm_insn_len(vm, 2);
}

/* Exits that are a reason and, for instructions, a length (used without NRIP save). */
static const struct {
	u32 code;
	u8 reason;
	u8 len;
} svm_plain_exits[] = {
	{ SVM_EXIT_INTR, VCPU_EXIT_IRQ, 0 },          { SVM_EXIT_NMI, VCPU_EXIT_IRQ, 0 },
	{ SVM_EXIT_CPUID, VCPU_EXIT_CPUID, 2 },       { SVM_EXIT_VMMCALL, VCPU_EXIT_HYPERCALL, 3 },
	{ SVM_EXIT_HLT, VCPU_EXIT_HLT, 1 },           { SVM_EXIT_INVD, VCPU_EXIT_INVD, 2 },
	{ SVM_EXIT_SHUTDOWN, VCPU_EXIT_SHUTDOWN, 0 }, { SVM_EXIT_INIT, VCPU_EXIT_INIT, 0 },
	{ SVM_EXIT_VINTR, VCPU_EXIT_IRQ_WINDOW, 0 },
};

static void svm_decode(struct vcpu *v, const struct vmcb *vm, struct vcpu_exit *e)
{
	u32 code = (u32)vm->ctl.exitcode; /* a failed VMRUN reads back as 0x00000000ffffffff */

	memset(e, 0, sizeof(*e));
	e->hw_code = vm->ctl.exitcode;
	e->cpl = vm->save.cpl;
	e->reason = VCPU_EXIT_UNKNOWN;
	for (u32 i = 0; i < ARRAY_SIZE(svm_plain_exits); i++) {
		if (code == svm_plain_exits[i].code) {
			e->reason = svm_plain_exits[i].reason;
			e->insn_len = svm_plain_exits[i].len
					      ? svm_insn_len(vm, svm_plain_exits[i].len)
					      : 0;
			return;
		}
	}
	if (svm_bad_insn(code, e))
		return;
	if (code == SVM_EXIT_MSR)
		svm_decode_msr(v, vm, e);
	else if (code == SVM_EXIT_IOIO)
		svm_decode_io(vm, e);
	else if (code == SVM_EXIT_NPF)
		svm_decode_npf(vm, e);
	else if (code == SVM_EXIT_EXCP_BASE + EXC_DB || code == SVM_EXIT_EXCP_BASE + EXC_AC)
		svm_decode_exc(vm, code, e);
	else if (code == SVM_EXIT_INVALID)
		svm_explain_invalid(vm, e);
}

static void svm_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb *vm = sv->vmcb;
	paddr_t host_area = svm_cpus[this_cpu()->index].host_area;

	vm->save.rax = v->regs.rax;
	vm->save.rsp = v->regs.rsp;
	vm->save.rip = v->regs.rip;
	vm->save.rflags = v->regs.rflags;
	if (v->regs.rip != sv->exit_rip)
		vm->ctl.int_shadow &= ~INTERRUPT_SHADOW; /* the instruction was stepped over */
	vm->ctl.tlb_control = sv->flush ? TLB_CONTROL_ALL : TLB_CONTROL_NONE;
	sv->flush = false;
	svm_clgi();
	irq_enable(); /* held by GIF = 0 until STGI; lets host interrupts exit the guest */
	svm_vmrun(sv->vmcb_pa, &v->regs, host_area);
	irq_disable();
	svm_stgi();
	v->regs.rax = vm->save.rax;
	v->regs.rsp = vm->save.rsp;
	v->regs.rip = sv->exit_rip = vm->save.rip;
	v->regs.rflags = vm->save.rflags;
	vm->ctl.eventinj = 0;
	/* An event whose delivery the exit interrupted is delivered again (APM 15.7.2). */
	if (vm->ctl.exitintinfo & EVENT_V)
		vm->ctl.eventinj = vm->ctl.exitintinfo;
	svm_decode(v, vm, e);
}

static void svm_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	struct svm_vcpu *sv = v->backend;
	u64 type = ev->type == VCPU_EVENT_IRQ ? EVENT_TYPE_INTR : EVENT_TYPE_EXC;
	u64 inj;

	/* Vector 2 as an exception fails VMRUN: an NMI has its own type. */
	if (ev->type == VCPU_EVENT_NMI || (type == EVENT_TYPE_EXC && ev->vector == 2))
		type = EVENT_TYPE_NMI;
	inj = (ev->vector & EVENT_VECTOR) | (type << EVENT_TYPE_SHIFT) | EVENT_V;
	if (type == EVENT_TYPE_EXC && ev->has_error)
		inj |= EVENT_EV | ((u64)ev->error << 32);
	sv->vmcb->ctl.eventinj = inj;
}

static bool svm_interruptible(struct vcpu *v)
{
	struct svm_vcpu *sv = v->backend;
	const struct vmcb_control *ctl = &sv->vmcb->ctl;

	if (!(v->regs.rflags & RFLAGS_IF) || (ctl->eventinj & EVENT_V))
		return false;
	return !(ctl->int_shadow & INTERRUPT_SHADOW) || v->regs.rip != sv->exit_rip;
}

/*
 * The interrupt window: a virtual interrupt (V_IRQ, whatever its priority)
 * with its VINTR intercept exits the moment the guest could take it (APM Vol.
 * 2 15.21.4); the real interrupt then goes in through EVENTINJ.
 */
static void svm_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *ctl = &((struct svm_vcpu *)v->backend)->vmcb->ctl;

	if (on) {
		ctl->int_ctl |= V_IRQ | V_IGN_TPR;
		ctl->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		ctl->int_ctl &= ~(V_IRQ | V_IGN_TPR);
		ctl->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
}

static void svm_load_state(struct vcpu *v, const struct vcpu_state *s)
{
	struct svm_vcpu *sv = v->backend;

	memset(&sv->vmcb->save, 0, sizeof(sv->vmcb->save));
	svm_setup_save(&sv->vmcb->save, s);
	sv->vmcb->ctl.eventinj = 0;
	sv->vmcb->ctl.int_shadow = 0;
	sv->flush = true;
	sv->exit_rip = s->regs.rip;
}

static u64 svm_get(struct vcpu *v, enum vcpu_reg r)
{
	const struct vmcb *vm = ((struct svm_vcpu *)v->backend)->vmcb;

	switch (r) {
	case VCPU_REG_CR0:
		return vm->save.cr0;
	case VCPU_REG_CR3:
		return vm->save.cr3;
	case VCPU_REG_CR4:
		return vm->save.cr4;
	case VCPU_REG_EFER:
		return vm->save.efer & ~EFER_SVME; /* SVM is not the guest's */
	case VCPU_REG_PAT:
		return vm->save.g_pat;
	case VCPU_REG_TSC_OFFSET:
		return vm->ctl.tsc_offset;
	case VCPU_REG_CS_ATTR:
		return vm->save.cs.attr;
	}
	return 0;
}

static void svm_set(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	struct vmcb *vm = ((struct svm_vcpu *)v->backend)->vmcb;

	switch (r) {
	case VCPU_REG_CR0:
		vm->save.cr0 = val;
		break;
	case VCPU_REG_CR3:
		vm->save.cr3 = val;
		break;
	case VCPU_REG_CR4:
		vm->save.cr4 = val;
		break;
	case VCPU_REG_EFER:
		vm->save.efer = val | EFER_SVME;
		break;
	case VCPU_REG_PAT:
		vm->save.g_pat = val;
		break;
	case VCPU_REG_TSC_OFFSET:
		vm->ctl.tsc_offset = val;
		break;
	case VCPU_REG_CS_ATTR:
		vm->save.cs.attr = (u16)val;
		break;
	}
}

static void svm_nested_flush(struct vcpu *v)
{
	((struct svm_vcpu *)v->backend)->flush = true;
}

static void svm_dump(struct vcpu *v)
{
	const struct vmcb *vm = ((struct svm_vcpu *)v->backend)->vmcb;

	printk(LOG_ERR, "  exit 0x%llx info1 0x%llx info2 0x%llx intinfo 0x%llx\n",
	       vm->ctl.exitcode, vm->ctl.exitinfo1, vm->ctl.exitinfo2, vm->ctl.exitintinfo);
	printk(LOG_ERR, "  RIP %016llx RSP %016llx RFLAGS %08llx CPL %u\n", vm->save.rip,
	       vm->save.rsp, vm->save.rflags, vm->save.cpl);
	printk(LOG_ERR, "  CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n", vm->save.cr0,
	       vm->save.cr3, vm->save.cr4, vm->save.efer);
}

const struct vcpu_ops svm_ops = {
	.name = "svm",
	.nested_fmt = &pt_fmt_x86, /* NPT entries are x86-64 page-table entries (APM 15.25.5) */
	.init = svm_init,
	.cpu_enable = svm_cpu_enable,
	.create = svm_create,
	.run = svm_run,
	.inject = svm_inject,
	.interruptible = svm_interruptible,
	.irq_window = svm_irq_window,
	.load_state = svm_load_state,
	.get = svm_get,
	.set = svm_set,
	.nested_flush = svm_nested_flush,
	.dump = svm_dump,
};
