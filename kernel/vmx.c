// SPDX-License-Identifier: MIT
/*
 * vmx.c: the Intel VMX vCPU backend with EPT and VPID (SDM Vol. 3C, chapters
 * 24-31). One VMCS per vCPU, set up and used only on the vCPU's own CPU;
 * controls fitted to the capability MSRs by vmx_rules.c.
 */
#define LOG_TAG "vmx"
#include "kernel/vmx.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/gpmap.h"
#include "kernel/io.h"
#include "kernel/loader.h"
#include "kernel/mm.h"
#include "kernel/policy.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/string.h"
#include "kernel/timer.h"

/* clang-format off */
#define CR4_VMXE        BIT(13)
#define CR4_OSXSAVE     BIT(18)
#define CR0_NE          BIT(5)
#define EPTP_MT_WB      6
#define EPTP_WALK4      (3 << 3) /* page-walk length - 1 */
#define INVEPT_SINGLE   1
#define INVEPT_ALL      2
#define INVVPID_SINGLE  1
#define INVVPID_ALL     2
#define EXC_DB          1
#define EXC_NMI         2
#define EXC_UD          6
#define EXC_GP          13
#define EXC_AC          17
#define RFLAGS_IF       BIT(9)
#define INTR_BLOCK_STI_MOVSS 3ULL /* interruptibility: blocking by STI, by MOV SS */
#define DR6_FIXED1      0xffff0ff0ULL
#define DEFAULT_PAT     0x0007040600070406ULL /* the power-on PAT, as under SVM */
#define IO_BITMAPS_SIZE (2 * PAGE_SIZE)  /* A: ports 0-7fff, B: 8000-ffff */
#define MSR_BITMAP_READ_LOW   0x000 /* MSR bitmap quarters (SDM Vol. 3C 25.6.9) */
#define MSR_BITMAP_READ_HIGH  0x400
#define MSR_BITMAP_WRITE_LOW  0x800
#define MSR_BITMAP_WRITE_HIGH 0xc00
/* I/O exit qualification (SDM Vol. 3C 28.2.1, table 28-5). */
#define IO_Q_SIZE       GENMASK(2, 0) /* size - 1 */
#define IO_Q_IN         BIT(3)
#define IO_Q_STRING     BIT(4)
#define IO_Q_REP        BIT(5)
#define IO_Q_PORT_SHIFT 16
/* EPT violation exit qualification (table 28-7). */
#define EPT_Q_READ      BIT(0)
#define EPT_Q_WRITE     BIT(1)
#define EPT_Q_FETCH     BIT(2)
#define EPT_Q_PERMS     GENMASK(5, 3) /* the translation's R, W, X: it existed */
/* Control-register access exit qualification (table 28-3). */
#define CR_Q_NUM        GENMASK(3, 0)
#define CR_Q_TYPE_SHIFT 4 /* 0: MOV to CR */
#define CR_Q_GPR_SHIFT  8
/* clang-format on */

struct vmx_vcpu {
	paddr_t vmcs;
	paddr_t vapic; /* virtual-APIC page: the guest's CR8 lives in its TPR (TPR shadow) */
	u64 eptp;
	u16 vpid;
	bool set_up;   /* the VMCS was written on its CPU */
	bool launched; /* VMRESUME from now on */
	bool flush;    /* INVEPT/INVVPID before the next entry */
	bool exited;   /* the last run ended in a VM exit (the exit fields are its) */
	u64 exit_rip;  /* RIP at the last exit: moving past it ends STI/MOV SS blocking */
	struct vcpu_state start;
	char detail[192]; /* why the last entry failed, in full */
};

struct vmx_cpu {
	paddr_t vmxon;   /* VMXON region */
	paddr_t current; /* the VMCS loaded on this CPU */
	bool on;
	u32 write_error_field; /* first VMWRITE that failed since the last check, +1 */
};

static struct vmx_cpu vmx_cpus[MAX_CPUS];
static struct vmx_config vmx_cfg;
static paddr_t vmx_io_bitmaps, vmx_msr_bitmap;
static u64 vmx_xcr0_supported;
static bool vmx_xsave, vmx_ready;

int vmx_enter(struct vcpu_regs *regs, u32 launched); /* vmx_run.asm */
extern char vmx_exit_point[];

/* ---- VMX instructions; each returns true when it failed (CF or ZF set) ---- */

static inline u64 vmcs_read(u32 field)
{
	u64 v = 0;

	__asm__ __volatile__("vmread %1, %0" : "=rm"(v) : "r"((u64)field) : "cc");
	return v;
}

static inline bool vmx_vmwrite(u32 field, u64 v)
{
	bool failed;

	__asm__ __volatile__("vmwrite %2, %1"
			     : "=@ccbe"(failed)
			     : "r"((u64)field), "rm"(v)
			     : "cc", "memory");
	return failed;
}

/* Write a field; the first failure on this CPU is remembered for vmx_write_check(). */
static void vmcs_write(u32 field, u64 v)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->index];

	if (vmx_vmwrite(field, v) && !vc->write_error_field)
		vc->write_error_field = field + 1;
}

static inline bool vmx_vmxon(paddr_t pa)
{
	bool failed;

	__asm__ __volatile__("vmxon %1" : "=@ccbe"(failed) : "m"(pa) : "cc", "memory");
	return failed;
}

static inline bool vmx_vmclear(paddr_t pa)
{
	bool failed;

	__asm__ __volatile__("vmclear %1" : "=@ccbe"(failed) : "m"(pa) : "cc", "memory");
	return failed;
}

static inline bool vmx_vmptrld(paddr_t pa)
{
	bool failed;

	__asm__ __volatile__("vmptrld %1" : "=@ccbe"(failed) : "m"(pa) : "cc", "memory");
	return failed;
}

static inline bool vmx_invept(u64 type, u64 eptp)
{
	const u64 desc[2] = { eptp, 0 }; /* INVEPT descriptor: EPTP, reserved */
	bool failed;

	__asm__ __volatile__("invept %1, %2"
			     : "=@ccbe"(failed)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	return failed;
}

static inline bool vmx_invvpid(u64 type, u16 vpid)
{
	const u64 desc[2] = { vpid, 0 }; /* INVVPID descriptor: VPID, linear address */
	bool failed;

	__asm__ __volatile__("invvpid %1, %2"
			     : "=@ccbe"(failed)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	return failed;
}

static inline void vmx_xsetbv(u32 index, u64 value)
{
	__asm__ __volatile__("xsetbv" ::"c"(index), "a"((u32)value), "d"((u32)(value >> 32))
			     : "memory");
}

/* ---- Boot: capabilities, bitmaps ---- */

static u64 vmx_cap(const struct vmx_msrs *m, u32 msr)
{
	return m->v[msr - MSR_IA32_VMX_BASIC];
}

/* Read the capability MSRs that exist: each is present only if another says so (SDM Vol. 3D A.1). */
static void vmx_read_msrs(struct vmx_msrs *m)
{
	u64 proc2;

	memset(m, 0, sizeof(*m));
	for (u32 msr = MSR_IA32_VMX_BASIC; msr <= MSR_IA32_VMX_VMCS_ENUM; msr++)
		m->v[msr - MSR_IA32_VMX_BASIC] = rdmsr(msr);
	if (vmx_cap(m, MSR_IA32_VMX_PROCBASED_CTLS) & ((u64)PROC_SECONDARY << 32))
		m->v[MSR_IA32_VMX_PROCBASED_CTLS2 - MSR_IA32_VMX_BASIC] =
			rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	proc2 = vmx_cap(m, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;
	if (proc2 & (PROC2_EPT | PROC2_VPID))
		m->v[MSR_IA32_VMX_EPT_VPID_CAP - MSR_IA32_VMX_BASIC] =
			rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (m->v[0] & VMX_BASIC_TRUE_CTLS)
		for (u32 msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS; msr <= MSR_IA32_VMX_TRUE_ENTRY_CTLS;
		     msr++)
			m->v[msr - MSR_IA32_VMX_BASIC] = rdmsr(msr);
	if (proc2 & PROC2_VMFUNC)
		m->v[MSR_IA32_VMX_VMFUNC - MSR_IA32_VMX_BASIC] = rdmsr(MSR_IA32_VMX_VMFUNC);
}

/* With log=debug: the capability MSRs, one per line, in the form of tests/fixtures/vmx/. */
static void vmx_log_msrs(const struct vmx_msrs *m)
{
	for (u32 i = 0; i < VMX_MSR_COUNT; i++)
		pr_debug("capability MSR 0x%x = 0x%016llx\n", MSR_IA32_VMX_BASIC + i, m->v[i]);
}

static void vmx_msr_allow(u8 *map, u32 msr, bool write)
{
	u32 off;

	if (msr <= 0x1fff)
		off = write ? MSR_BITMAP_WRITE_LOW : MSR_BITMAP_READ_LOW;
	else if (msr - 0xc0000000U <= 0x1fff)
		off = write ? MSR_BITMAP_WRITE_HIGH : MSR_BITMAP_READ_HIGH;
	else
		return; /* outside both ranges every access exits */
	msr &= 0x1fff;
	map[off + msr / 8] &= (u8) ~(1U << (msr % 8));
}

/* Every port and MSR exits, except the MSRs the policy passes through (as under SVM). */
static int vmx_bitmaps_init(void)
{
	static const u32 base[2] = { 0x00000000, 0xc0000000 };
	u8 *msr;

	vmx_io_bitmaps = phys_alloc(IO_BITMAPS_SIZE, PAGE_SIZE);
	vmx_msr_bitmap = page_alloc();
	if (!vmx_io_bitmaps || !vmx_msr_bitmap)
		return -ENOMEM;
	memset(phys_to_virt(vmx_io_bitmaps), 0xff, IO_BITMAPS_SIZE);
	msr = phys_to_virt(vmx_msr_bitmap);
	memset(msr, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < 2; i++) {
		for (u32 m = base[i]; m < base[i] + 0x2000; m++) {
			if (policy_msr_passthrough(m, false))
				vmx_msr_allow(msr, m, false);
			if (policy_msr_passthrough(m, true))
				vmx_msr_allow(msr, m, true);
		}
	}
	return 0;
}

static void vmx_xsave_init(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	vmx_xsave = c & BIT(26);
	if (vmx_xsave && cpu_features.max_leaf >= 0xd) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		vmx_xcr0_supported = ((u64)d << 32) | a;
	}
}

static int vmx_init(const char **why)
{
	static char buf[128];
	struct vmx_msrs m;
	u64 fc;

	if (vmx_ready)
		return 0; /* the self-tests may have run it already */
	if (strcmp(cpu_features.vendor, "GenuineIntel"))
		return *why = "not an Intel CPU", -ENODEV;
	if (!cpu_features.vmx)
		return *why = "CPUID reports no VMX", -ENODEV;
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMXON))
		return *why = "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)", -ENODEV;
	vmx_read_msrs(&m);
	vmx_log_msrs(&m);
	if (vmx_config_from_msrs(&m, &vmx_cfg, buf, sizeof(buf), why))
		return -ENODEV;
	if (vmx_bitmaps_init())
		return *why = "no memory for the I/O and MSR bitmaps", -ENODEV;
	vmx_xsave_init();
	pr_info("Intel VMX with EPT (4-level, write-back, 2 MiB pages), VPID %s, "
		"unrestricted guest %s, %s controls, VMCS revision 0x%x\n",
		vmx_cfg.vpid ? "yes" : "no", vmx_cfg.unrestricted ? "yes" : "no",
		vmx_cfg.true_ctls ? "TRUE" : "default", vmx_cfg.revision);
	vmx_ready = true;
	return 0;
}

/* ---- Per CPU: VMXON ---- */

/* Turn VMX on for the calling CPU (SDM Vol. 3C 24.7): lock FEATURE_CONTROL if open, fix CR0/CR4. */
static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->index];
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (vc->on)
		return 0;
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON);
	else if (!(fc & FEATURE_CONTROL_VMXON))
		return -ENODEV;
	if (!vc->vmxon)
		vc->vmxon = page_alloc();
	if (!vc->vmxon)
		return -ENOMEM;
	*(u32 *)phys_to_virt(vc->vmxon) = vmx_cfg.revision;
	write_cr0((read_cr0() | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1);
	/* OSXSAVE lets the host execute a guest's XSETBV for it; the host itself never uses XSAVE. */
	write_cr4((read_cr4() | CR4_VMXE | (vmx_xsave ? CR4_OSXSAVE : 0) | vmx_cfg.cr4_fixed0) &
		  vmx_cfg.cr4_fixed1);
	if (vmx_vmxon(vc->vmxon)) {
		pr_err("CPU %u: VMXON failed\n", this_cpu()->index);
		return -EIO;
	}
	vc->on = true;
	return 0;
}

/* ---- VMCS set-up, on the vCPU's own CPU ---- */

static void vmx_setup_controls(const struct vmx_vcpu *vv)
{
	vmcs_write(VMCS_PIN_CTLS, vmx_cfg.pin);
	vmcs_write(VMCS_PROC_CTLS, vmx_cfg.proc);
	vmcs_write(VMCS_PROC2_CTLS, vmx_cfg.proc2);
	vmcs_write(VMCS_EXIT_CTLS, vmx_cfg.exit);
	vmcs_write(VMCS_ENTRY_CTLS, vmx_cfg.entry & ~ENTRY_IA32E); /* set from EFER.LMA */
	/* #AC and #DB are reflected: a guest could loop delivering them without an exit. */
	vmcs_write(VMCS_EXCEPTION_BITMAP, BIT(EXC_DB) | BIT(EXC_AC));
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, vmx_io_bitmaps);
	vmcs_write(VMCS_IO_BITMAP_B, vmx_io_bitmaps + PAGE_SIZE);
	vmcs_write(VMCS_MSR_BITMAP, vmx_msr_bitmap);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	vmcs_write(VMCS_VIRT_APIC_PAGE, vv->vapic);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	vmcs_write(VMCS_EPTP, vv->eptp);
	if (vmx_cfg.vpid)
		vmcs_write(VMCS_VPID, vv->vpid);
	if (vmx_cfg.proc2 & PROC2_XSAVES)
		vmcs_write(VMCS_XSS_EXIT_BITMAP, 0);
	vmcs_write(VMCS_CR0_MASK, vmx_cfg.cr0_mask);
	vmcs_write(VMCS_CR4_MASK, vmx_cfg.cr4_mask);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

/* The host state a VM exit loads (SDM Vol. 3C 28.5): this CPU's tables, GS base = per-CPU data. */
static void vmx_setup_host(void)
{
	struct percpu *c = this_cpu();
	struct {
		u16 limit;
		u64 base;
	} __packed idtr;

	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SEL, KERNEL_DS);
	vmcs_write(VMCS_HOST_ES_SEL, KERNEL_DS);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, KERNEL_TR); /* TR 0 fails the entry (VM-instruction error 8) */
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, (u64)(uintptr_t)c);
	vmcs_write(VMCS_HOST_TR_BASE, (u64)(uintptr_t)&c->tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, (u64)(uintptr_t)c->gdt);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_point);
}

static void vmx_write_seg(enum vmx_seg s, const struct vcpu_seg *seg)
{
	vmcs_write(VMCS_GUEST_ES_SEL + 2 * s, seg->sel);
	vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * s, seg->limit);
	vmcs_write(VMCS_GUEST_ES_AR + 2 * s, vmx_ar_from_attr(seg->attr));
	vmcs_write(VMCS_GUEST_ES_BASE + 2 * s, seg->base);
}

static void vmx_set_efer(u64 efer)
{
	u32 entry = (u32)vmcs_read(VMCS_ENTRY_CTLS) & ~ENTRY_IA32E;

	/* "IA-32e mode guest" must match EFER.LMA at entry (SDM Vol. 3C 27.3.1.1). */
	vmcs_write(VMCS_ENTRY_CTLS, entry | ((efer & EFER_LMA) ? ENTRY_IA32E : 0));
	vmcs_write(VMCS_GUEST_EFER, efer);
}

/* The guest sees its own CR0/CR4 (read shadows); the real ones keep the bits VMX fixes. */
static void vmx_set_cr0(u64 cr0)
{
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(&vmx_cfg, cr0));
}

static void vmx_set_cr4(u64 cr4)
{
	vmcs_write(VMCS_CR4_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(&vmx_cfg, cr4));
}

/* The entry state the loader chose, the same one the SVM backend enters with. */
static void vmx_setup_guest(const struct vcpu_state *s)
{
	const struct vcpu_seg *segs[VMX_SEG_COUNT] = { &s->es, &s->cs, &s->ss,   &s->ds,
						       &s->fs, &s->gs, &s->ldtr, &s->tr };

	for (int i = 0; i < VMX_SEG_COUNT; i++)
		vmx_write_seg(i, segs[i]);
	vmcs_write(VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);
	vmx_set_cr0(s->cr0);
	vmx_set_cr4(s->cr4);
	vmcs_write(VMCS_GUEST_CR3, s->cr3);
	vmx_set_efer(s->efer);
	vmcs_write(VMCS_GUEST_PAT, DEFAULT_PAT);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_RSP, s->regs.rsp);
	vmcs_write(VMCS_GUEST_RIP, s->regs.rip);
	vmcs_write(VMCS_GUEST_RFLAGS, s->regs.rflags);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, 0);
}

/*
 * MSRs VMX does not switch but the policy passes through (KernelGSBase, the
 * SYSCALL MSRs, TSC_AUX): the host never uses them, so the guest's values
 * simply stay loaded on the CPU its vCPU owns. They start at 0, as SVM's
 * VMLOAD gives them; CR2 likewise.
 */
static void vmx_clear_guest_msrs(void)
{
	static const u32 msrs[] = { MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
				    MSR_SFMASK };

	for (u32 i = 0; i < ARRAY_SIZE(msrs); i++)
		wrmsr(msrs[i], 0);
	if (cpu_features.max_ext_leaf >= 0x80000001) {
		u32 a, b, c, d;

		cpuid(0x80000001, 0, &a, &b, &c, &d);
		if (d & BIT(27)) /* RDTSCP, and with it TSC_AUX */
			wrmsr(MSR_TSC_AUX, 0);
	}
	__asm__ __volatile__("mov %0, %%cr2" ::"r"(0ULL));
}

/* Fail with a line naming the first VMWRITE that failed since the last call, if any. */
static int vmx_write_check(struct vmx_vcpu *vv)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->index];
	u32 field = vc->write_error_field;
	u32 err;

	vc->write_error_field = 0;
	if (!field)
		return 0;
	err = (u32)vmcs_read(VMCS_INSN_ERROR);
	snformat(vv->detail, sizeof(vv->detail),
		 "VMWRITE of field 0x%04x failed: VM-instruction error %u (%s)", field - 1, err,
		 vmx_insn_error_name(err));
	return -EIO;
}

/* Make v's VMCS the current one on this CPU, writing it the first time. 0 or -EIO (detail). */
static int vmx_load(struct vcpu *v)
{
	struct vmx_vcpu *vv = v->backend;
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->index];

	if (vc->current == vv->vmcs)
		return 0;
	if ((!vv->set_up && vmx_vmclear(vv->vmcs)) || vmx_vmptrld(vv->vmcs)) {
		snformat(vv->detail, sizeof(vv->detail),
			 "VMCLEAR/VMPTRLD of the VMCS at 0x%llx failed", vv->vmcs);
		return -EIO;
	}
	vc->current = vv->vmcs;
	if (vv->set_up)
		return 0;
	vc->write_error_field = 0;
	vmx_setup_controls(vv);
	vmx_setup_host();
	vmx_setup_guest(&vv->start);
	vmx_clear_guest_msrs();
	vv->set_up = true;
	return vmx_write_check(vv);
}

static int vmx_create(struct vcpu *v, paddr_t nested_root, u32 tag, const struct vcpu_state *s)
{
	struct vmx_vcpu *vv;

	if (tag == 0 || tag > 0xffff)
		return -EINVAL;
	vv = kzalloc(sizeof(*vv));
	if (!vv)
		return -ENOMEM;
	vv->vmcs = page_alloc();
	vv->vapic = page_alloc();
	if (!vv->vmcs || !vv->vapic)
		return -ENOMEM;
	*(u32 *)phys_to_virt(vv->vmcs) = vmx_cfg.revision;
	vv->eptp = nested_root | EPTP_WALK4 | EPTP_MT_WB;
	vv->vpid = (u16)tag;
	vv->start = *s;
	vv->flush = true; /* no stale translations of an earlier user of this root or tag */
	v->backend = vv;
	return 0;
}

/* ---- Entry failures: say exactly why ---- */

static void vmx_read_guest_state(struct vmx_guest_state *g)
{
	memset(g, 0, sizeof(*g));
	g->cr0 = vmcs_read(VMCS_GUEST_CR0);
	g->cr3 = vmcs_read(VMCS_GUEST_CR3);
	g->cr4 = vmcs_read(VMCS_GUEST_CR4);
	g->dr7 = vmcs_read(VMCS_GUEST_DR7);
	g->efer = vmcs_read(VMCS_GUEST_EFER);
	g->pat = vmcs_read(VMCS_GUEST_PAT);
	g->rsp = vmcs_read(VMCS_GUEST_RSP);
	g->rip = vmcs_read(VMCS_GUEST_RIP);
	g->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	g->link = vmcs_read(VMCS_LINK_POINTER);
	for (int s = 0; s < VMX_SEG_COUNT; s++) {
		g->seg[s].sel = (u16)vmcs_read(VMCS_GUEST_ES_SEL + 2 * s);
		g->seg[s].ar = (u32)vmcs_read(VMCS_GUEST_ES_AR + 2 * s);
		g->seg[s].limit = (u32)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * s);
		g->seg[s].base = vmcs_read(VMCS_GUEST_ES_BASE + 2 * s);
	}
	g->gdtr_base = vmcs_read(VMCS_GUEST_GDTR_BASE);
	g->gdtr_limit = (u32)vmcs_read(VMCS_GUEST_GDTR_LIMIT);
	g->idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	g->idtr_limit = (u32)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	g->interruptibility = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	g->activity = (u32)vmcs_read(VMCS_GUEST_ACTIVITY);
	g->entry_intr_info = (u32)vmcs_read(VMCS_ENTRY_INTR_INFO);
	g->entry = (u32)vmcs_read(VMCS_ENTRY_CTLS);
	g->proc2 = (u32)vmcs_read(VMCS_PROC2_CTLS);
}

static void vmx_read_controls(struct vmx_controls *c)
{
	c->pin = (u32)vmcs_read(VMCS_PIN_CTLS);
	c->proc = (u32)vmcs_read(VMCS_PROC_CTLS);
	c->proc2 = (u32)vmcs_read(VMCS_PROC2_CTLS);
	c->exit = (u32)vmcs_read(VMCS_EXIT_CTLS);
	c->entry = (u32)vmcs_read(VMCS_ENTRY_CTLS);
	c->eptp = vmcs_read(VMCS_EPTP);
	c->vpid = (u16)vmcs_read(VMCS_VPID);
	c->entry_intr_info = (u32)vmcs_read(VMCS_ENTRY_INTR_INFO);
	c->guest_cr0 = vmcs_read(VMCS_GUEST_CR0);
}

static void vmx_fail(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = v->backend;

	e->reason = VCPU_EXIT_ENTRY_FAILED;
	snformat(e->fail.why, sizeof(e->fail.why), "%s", vv->detail);
}

/* VMLAUNCH/VMRESUME failed as an instruction: the VM-instruction error (SDM Vol. 3C 31.4). */
static void vmx_entry_insn_failed(struct vcpu *v, int how, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = v->backend;
	u32 err = (u32)vmcs_read(VMCS_INSN_ERROR);
	char rule[160] = "";

	if (how == 2) {
		snformat(vv->detail, sizeof(vv->detail), "VM entry without a current VMCS");
		vmx_fail(v, e);
		return;
	}
	if (err == 7) {
		struct vmx_controls c;

		vmx_read_controls(&c);
		vmx_controls_error(&c, &vmx_cfg, rule, sizeof(rule));
	}
	snformat(vv->detail, sizeof(vv->detail), "VM-instruction error %u (%s)%s%s", err,
		 vmx_insn_error_name(err), rule[0] ? ": " : "", rule);
	e->hw_code = err;
	vmx_fail(v, e);
	/* The stop line has room for the error's name; the dump before it shows the rule. */
	snformat(e->fail.why, sizeof(e->fail.why), "VM-instruction error %u (%s)", err,
		 vmx_insn_error_name(err));
}

/* The entry failed while loading the guest (exit reason bit 31 set, SDM Vol. 3C 27.8). */
static void vmx_entry_exit_failed(struct vcpu *v, u32 basic, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = v->backend;
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	if (basic == EXIT_REASON_BAD_GUEST) {
		struct vmx_guest_state g;
		char rule[160];

		vmx_read_guest_state(&g);
		if (!vmx_guest_state_error(&g, &vmx_cfg, rule, sizeof(rule)))
			snformat(rule, sizeof(rule),
				 "qualification %llu, no rule this backend checks "
				 "is broken (SDM Vol. 3C 27.3.1)",
				 q);
		snformat(vv->detail, sizeof(vv->detail), "invalid guest state: %s", rule);
	} else {
		snformat(vv->detail, sizeof(vv->detail), "exit %u (%s), qualification %llu", basic,
			 vmx_exit_reason_name(basic), q);
	}
	vmx_fail(v, e);
}

/* ---- Exits ---- */

static u8 vmx_insn_len(void)
{
	return (u8)vmcs_read(VMCS_EXIT_INSN_LEN);
}

static void vmx_bad_insn(struct vcpu_exit *e, u8 vector)
{
	e->reason = VCPU_EXIT_BAD_INSN;
	e->exc.vector = vector;
}

/* A general register by its number in an exit qualification (SDM Vol. 3C table 28-3). */
static u64 *vmx_gpr(struct vcpu_regs *r, u32 n)
{
#define REG(x) __builtin_offsetof(struct vcpu_regs, x)
	static const u8 off[16] = { REG(rax), REG(rcx), REG(rdx), REG(rbx), REG(rsp), REG(rbp),
				    REG(rsi), REG(rdi), REG(r8),  REG(r9),  REG(r10), REG(r11),
				    REG(r12), REG(r13), REG(r14), REG(r15) };
#undef REG

	return (u64 *)((u8 *)r + off[n & 15]);
}

static u64 vmx_get(struct vcpu *v, enum vcpu_reg r);

/*
 * MOV to CR0/CR4 exits only when it changes a bit VMX holds fixed (the
 * guest/host masks). For CR4 those are VMXE and bits the CPU lacks: #GP, as
 * on a CPU without VMX. For CR0 it is NE (and PE/PG without unrestricted
 * guest): the guest keeps its value in the read shadow.
 */
static void vmx_cr_access(struct vcpu *v, struct vcpu_exit *e)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION), val;
	u64 efer = vmcs_read(VMCS_GUEST_EFER);
	bool cs_l = vmcs_read(VMCS_GUEST_ES_AR + 2 * VMX_CS) & AR_L;
	u32 cr = q & CR_Q_NUM;

	if (((q >> CR_Q_TYPE_SHIFT) & 3) != 0 || (cr != 0 && cr != 4))
		return; /* unknown: CLTS, LMSW and CR3/CR8 accesses do not exit */
	val = *vmx_gpr(&v->regs, (u32)(q >> CR_Q_GPR_SHIFT));
	if (cr == 4 || !vmx_cr0_write_ok(val, efer, vmx_get(v, VCPU_REG_CR4), cs_l)) {
		vmx_bad_insn(e, EXC_GP);
		return;
	}
	if (!vmx_cfg.unrestricted && (val & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG))
		return; /* unknown: leaving protected mode or paging needs unrestricted guest */
	efer &= ~EFER_LMA;
	if ((val & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA; /* what the CPU does on MOV to CR0 (SDM Vol. 3A 10.8.5) */
	vmx_set_efer(efer);
	vmx_set_cr0(val);
	((struct vmx_vcpu *)v->backend)->flush = true;
	v->regs.rip += vmx_insn_len();
	e->reason = VCPU_EXIT_NONE;
}

/* XSETBV always exits under VMX (SVM lets it run): check the value, then set XCR0 for the guest. */
static void vmx_emulate_xsetbv(struct vcpu *v, struct vcpu_exit *e)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;

	if ((u32)v->regs.rcx != 0 || !vmx_xsave || !vmx_xcr0_ok(val, vmx_xcr0_supported)) {
		vmx_bad_insn(e, EXC_GP);
		return;
	}
	vmx_xsetbv(0, val);
	v->regs.rip += vmx_insn_len();
	e->reason = VCPU_EXIT_NONE;
}

/*
 * An exception or NMI. A host NMI that arrived in the guest is handed to the
 * host's own handler (INT 2), then the exit counts as a host interrupt.
 */
static void vmx_decode_exc(struct vcpu_exit *e)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
	u32 type = (info >> INTR_INFO_TYPE_SHIFT) & 7;

	if (type == INTR_TYPE_NMI) {
		__asm__ __volatile__("int $2" ::: "memory");
		e->reason = VCPU_EXIT_IRQ;
		return;
	}
	e->reason = VCPU_EXIT_EXCEPTION;
	e->exc.vector = info & INTR_INFO_VECTOR;
	e->exc.has_error = info & INTR_INFO_ERROR;
	e->exc.error = (u32)vmcs_read(VMCS_EXIT_INTR_ERROR);
	if (e->exc.vector == EXC_DB) {
		/* A #DB exit leaves DR6 alone; the qualification holds what it would get (27.1). */
		u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);

		q = (DR6_FIXED1 | (q & (GENMASK(3, 0) | BIT(13) | BIT(14)))) ^ (q & BIT(16));
		__asm__ __volatile__("mov %0, %%dr6" ::"r"(q));
	}
}

static void vmx_decode_io(struct vcpu_exit *e)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	e->reason = VCPU_EXIT_IO;
	e->io.port = (u16)(q >> IO_Q_PORT_SHIFT);
	e->io.size = (u8)((q & IO_Q_SIZE) + 1); /* 0, 1, 3: 1, 2, 4 bytes */
	e->io.in = q & IO_Q_IN;
	e->io.string = q & IO_Q_STRING;
	e->io.rep = q & IO_Q_REP;
	e->insn_len = vmx_insn_len();
}

static void vmx_decode_ept(struct vcpu_exit *e)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	e->reason = VCPU_EXIT_NPF;
	e->npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	e->npf.write = q & EPT_Q_WRITE;
	e->npf.exec = q & EPT_Q_FETCH;
	e->npf.present = q & EPT_Q_PERMS;
}

static void vmx_decode_msr(struct vcpu *v, u32 basic, struct vcpu_exit *e)
{
	e->reason = basic == EXIT_REASON_WRMSR ? VCPU_EXIT_MSR_WRITE : VCPU_EXIT_MSR_READ;
	e->msr.index = (u32)v->regs.rcx;
	e->msr.value = (v->regs.rdx << 32) | (u32)v->regs.rax;
	e->insn_len = vmx_insn_len();
}

/* Exits that are an instruction the generic code handles and steps over. */
static bool vmx_decode_insn(u32 basic, struct vcpu_exit *e)
{
	switch (basic) {
	case EXIT_REASON_CPUID:
		e->reason = VCPU_EXIT_CPUID;
		break;
	case EXIT_REASON_HLT:
		e->reason = VCPU_EXIT_HLT;
		break;
	case EXIT_REASON_INVD:
		e->reason = VCPU_EXIT_INVD;
		break;
	case EXIT_REASON_VMCALL:
		e->reason = VCPU_EXIT_HYPERCALL;
		break;
	default:
		return false;
	}
	e->insn_len = vmx_insn_len();
	return true;
}

static void vmx_decode(struct vcpu *v, u32 reason, struct vcpu_exit *e)
{
	u32 basic = reason & 0xffff;

	if (vmx_decode_insn(basic, e))
		return;
	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:
		vmx_decode_exc(e);
		break;
	case EXIT_REASON_EXT_INTR:
		e->reason =
			VCPU_EXIT_IRQ; /* still pending: taken when the host enables interrupts */
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		e->reason = VCPU_EXIT_SHUTDOWN;
		break;
	case EXIT_REASON_INIT:
		e->reason = VCPU_EXIT_INIT;
		break;
	case EXIT_REASON_INTR_WINDOW:
		e->reason = VCPU_EXIT_IRQ_WINDOW;
		break;
	case EXIT_REASON_RDPMC:
		vmx_bad_insn(e, EXC_GP); /* no PMU for partitions */
		break;
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_VMCLEAR ... EXIT_REASON_VMXON:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
		vmx_bad_insn(e, EXC_UD); /* the partition has no VMX, MONITOR or SMX */
		break;
	case EXIT_REASON_CR_ACCESS:
		vmx_cr_access(v, e);
		break;
	case EXIT_REASON_IO:
		vmx_decode_io(e);
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		vmx_decode_msr(v, basic, e);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		vmx_decode_ept(e);
		break;
	case EXIT_REASON_XSETBV:
		vmx_emulate_xsetbv(v, e);
		break;
	default:
		break; /* unknown: EPT misconfiguration (a hypervisor bug), task switch, ... */
	}
}

/* An event whose delivery the exit interrupted is delivered again (SDM Vol. 3C 28.2.4, 29.2.1). */
static void vmx_redeliver(void)
{
	u32 info = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	u32 type = (info >> INTR_INFO_TYPE_SHIFT) & 7;

	if (!(info & INTR_INFO_VALID))
		return;
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & ~INTR_INFO_NMI_UNBLOCK);
	if (info & INTR_INFO_ERROR)
		vmcs_write(VMCS_ENTRY_EXC_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		vmcs_write(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
}

static void vmx_flush(struct vmx_vcpu *vv)
{
	if (vmx_cfg.invept_single)
		vmx_invept(INVEPT_SINGLE, vv->eptp);
	else
		vmx_invept(INVEPT_ALL, 0);
	if (vmx_cfg.vpid && vmx_cfg.invvpid_single)
		vmx_invvpid(INVVPID_SINGLE, vv->vpid);
	else if (vmx_cfg.vpid)
		vmx_invvpid(INVVPID_ALL, 0);
}

/* Write the generic registers into the VMCS; stepping over an instruction ends STI/MOV SS blocking. */
static void vmx_sync_in(struct vcpu *v, struct vmx_vcpu *vv)
{
	if (v->regs.rip != vv->exit_rip) {
		u64 intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);

		if (intr & 3)
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
	}
	vmcs_write(VMCS_GUEST_RSP, v->regs.rsp);
	vmcs_write(VMCS_GUEST_RIP, v->regs.rip);
	vmcs_write(VMCS_GUEST_RFLAGS, v->regs.rflags);
}

static void vmx_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *vv = v->backend;
	u32 reason;
	int r;

	memset(e, 0, sizeof(*e));
	e->reason = VCPU_EXIT_UNKNOWN;
	vv->detail[0] = '\0';
	vv->exited = false;
	if (vmx_load(v)) {
		vmx_fail(v, e);
		return;
	}
	if (vv->flush)
		vmx_flush(vv);
	vv->flush = false;
	vmx_sync_in(v, vv);
	if (vmx_write_check(vv)) {
		vmx_fail(v, e);
		return;
	}
	irq_disable(); /* host interrupts exit the guest and stay pending (no acknowledge on exit) */
	r = vmx_enter(&v->regs, vv->launched);
	if (r) {
		vmx_entry_insn_failed(v, r, e);
		return;
	}
	vv->exited = true;
	reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	v->regs.rsp = vmcs_read(VMCS_GUEST_RSP);
	v->regs.rip = vv->exit_rip = vmcs_read(VMCS_GUEST_RIP);
	v->regs.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	e->hw_code = reason;
	e->cpl = (vmcs_read(VMCS_GUEST_ES_AR + 2 * VMX_SS) >> AR_DPL_SHIFT) & 3;
	if (reason & EXIT_REASON_ENTRY_FAILURE) {
		vmx_entry_exit_failed(v, reason & 0xffff, e);
		return;
	}
	vv->launched = true;
	vmx_redeliver();
	vmx_decode(v, reason, e);
}

/* ---- The rest of the interface; each runs on the vCPU's CPU with its VMCS current ---- */

static bool vmx_exc_has_error(u8 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

static void vmx_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	u32 type = ev->type == VCPU_EVENT_IRQ ? INTR_TYPE_EXT_INTR : INTR_TYPE_HW_EXC;
	u8 vector = ev->vector;
	u32 info;

	if (vmx_load(v))
		return;
	/* Vector 2 is an NMI, never a hardware exception (SDM Vol. 3C 27.2.1.3). */
	if (ev->type == VCPU_EVENT_NMI || (type == INTR_TYPE_HW_EXC && vector == EXC_NMI))
		type = INTR_TYPE_NMI, vector = EXC_NMI;
	info = vector | (type << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;
	/* The error code follows the vector, not the caller (27.2.1.3); none in real mode. */
	if (type == INTR_TYPE_HW_EXC && vmx_exc_has_error(vector) &&
	    (vmcs_read(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_ERROR;
		vmcs_write(VMCS_ENTRY_EXC_ERROR, ev->has_error ? ev->error : 0);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

static u64 vmx_shadowed(u32 field, u32 shadow, u64 mask)
{
	return (vmcs_read(field) & ~mask) | (vmcs_read(shadow) & mask);
}

static bool vmx_interruptible(struct vcpu *v)
{
	struct vmx_vcpu *vv = v->backend;

	if (vmx_load(v) || !(v->regs.rflags & RFLAGS_IF) ||
	    (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID))
		return false;
	return !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & INTR_BLOCK_STI_MOVSS) ||
	       v->regs.rip != vv->exit_rip;
}

/* Interrupt-window exiting (SDM Vol. 3C 25.6.2): an exit once RFLAGS.IF is set and nothing blocks. */
static void vmx_irq_window(struct vcpu *v, bool on)
{
	u32 proc;

	if (vmx_load(v))
		return;
	proc = (u32)vmcs_read(VMCS_PROC_CTLS) & ~PROC_INTR_WINDOW;
	if (on && ((vmx_cfg.caps[1] >> 32) & PROC_INTR_WINDOW))
		proc |= PROC_INTR_WINDOW;
	vmcs_write(VMCS_PROC_CTLS, proc);
}

/* A new state, written on the vCPU's CPU like the first one (an AP started by INIT and SIPI). */
static void vmx_load_state(struct vcpu *v, const struct vcpu_state *s)
{
	struct vmx_vcpu *vv = v->backend;

	vv->start = *s;
	if (vmx_load(v))
		return;
	vmx_setup_guest(s);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vv->exit_rip = s->regs.rip;
	vv->flush = true;
}

static u64 vmx_get(struct vcpu *v, enum vcpu_reg r)
{
	if (vmx_load(v))
		return 0;
	switch (r) {
	case VCPU_REG_CR0:
		return vmx_shadowed(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, vmx_cfg.cr0_mask);
	case VCPU_REG_CR3:
		return vmcs_read(VMCS_GUEST_CR3);
	case VCPU_REG_CR4:
		return vmx_shadowed(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, vmx_cfg.cr4_mask);
	case VCPU_REG_EFER:
		return vmcs_read(VMCS_GUEST_EFER);
	case VCPU_REG_PAT:
		return vmcs_read(VMCS_GUEST_PAT);
	case VCPU_REG_TSC_OFFSET:
		return vmcs_read(VMCS_TSC_OFFSET);
	case VCPU_REG_CS_ATTR:
		return vmx_attr_from_ar((u32)vmcs_read(VMCS_GUEST_ES_AR + 2 * VMX_CS));
	}
	return 0;
}

static void vmx_set(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	if (vmx_load(v))
		return;
	switch (r) {
	case VCPU_REG_CR0:
		vmx_set_cr0(val);
		break;
	case VCPU_REG_CR3:
		vmcs_write(VMCS_GUEST_CR3, val);
		break;
	case VCPU_REG_CR4:
		vmx_set_cr4(val);
		break;
	case VCPU_REG_EFER:
		vmx_set_efer(val);
		break;
	case VCPU_REG_PAT:
		vmcs_write(VMCS_GUEST_PAT, val);
		break;
	case VCPU_REG_TSC_OFFSET:
		vmcs_write(VMCS_TSC_OFFSET, val);
		break;
	case VCPU_REG_CS_ATTR:
		vmcs_write(VMCS_GUEST_ES_AR + 2 * VMX_CS, vmx_ar_from_attr((u16)val));
		break;
	}
}

static void vmx_nested_flush(struct vcpu *v)
{
	((struct vmx_vcpu *)v->backend)->flush = true;
}

static void vmx_dump(struct vcpu *v)
{
	struct vmx_vcpu *vv = v->backend;
	u32 reason;

	if (vv->detail[0])
		printk(LOG_ERR, "  %s\n", vv->detail);
	if (vmx_load(v))
		return;
	reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	if (vv->exited) /* not after a VMLAUNCH/VMRESUME that failed as an instruction */
		printk(LOG_ERR, "  exit reason %u (%s)%s, qualification 0x%llx, GPA 0x%llx\n",
		       reason & 0xffff, vmx_exit_reason_name(reason & 0xffff),
		       (reason & EXIT_REASON_ENTRY_FAILURE) ? " at VM entry" : "",
		       vmcs_read(VMCS_EXIT_QUALIFICATION), vmcs_read(VMCS_GUEST_PHYS_ADDR));
	printk(LOG_ERR,
	       "  interruption info 0x%llx, IDT vectoring 0x%llx, VM-instruction error %llu\n",
	       vmcs_read(VMCS_EXIT_INTR_INFO), vmcs_read(VMCS_IDT_VECTORING_INFO),
	       vmcs_read(VMCS_INSN_ERROR));
	printk(LOG_ERR, "  RIP %016llx RSP %016llx RFLAGS %08llx CS.AR %04llx\n",
	       vmcs_read(VMCS_GUEST_RIP), vmcs_read(VMCS_GUEST_RSP), vmcs_read(VMCS_GUEST_RFLAGS),
	       vmcs_read(VMCS_GUEST_ES_AR + 2 * VMX_CS));
	printk(LOG_ERR, "  CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n",
	       vmx_get(v, VCPU_REG_CR0), vmcs_read(VMCS_GUEST_CR3), vmx_get(v, VCPU_REG_CR4),
	       vmcs_read(VMCS_GUEST_EFER));
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.nested_fmt = &pt_fmt_ept,
	.init = vmx_init,
	.cpu_enable = vmx_cpu_enable,
	.create = vmx_create,
	.run = vmx_run,
	.inject = vmx_inject,
	.interruptible = vmx_interruptible,
	.irq_window = vmx_irq_window,
	.load_state = vmx_load_state,
	.get = vmx_get,
	.set = vmx_set,
	.nested_flush = vmx_nested_flush,
	.dump = vmx_dump,
};

/* ---- Self-tests: a 2 MiB guest in the loader's entry state, on the boot CPU ---- */

struct vmx_test {
	struct vcpu v;
	struct gpmap gpm;
	paddr_t ram;
};

#define TEST_RAM  (2 * MiB)
#define TEST_CODE 0x100000

static int vmx_test_start(struct vmx_test *t, const u8 *code, size_t n, char *msg, size_t len)
{
	static const struct hv_boot_info bi;
	const char *why = "";
	struct vcpu_state s;
	u64 cr3;

	memset(t, 0, sizeof(*t));
	if (vmx_init(&why))
		return snformat(msg, len, "VMX backend not usable: %s", why), SELFTEST_SKIP;
	t->ram = phys_alloc(TEST_RAM, TEST_RAM);
	if (!t->ram)
		return snformat(msg, len, "no memory for the guest"), SELFTEST_FAIL;
	memset(phys_to_virt(t->ram), 0, TEST_RAM);
	memcpy((u8 *)phys_to_virt(t->ram) + TEST_CODE, code, n);
	t->v.cpu = this_cpu()->index;
	if (loader_boot_setup(phys_to_virt(t->ram), TEST_RAM, &bi, &cr3) ||
	    gpmap_init(&t->gpm, &pt_fmt_ept, &mm_pt_mem) ||
	    gpmap_map_ram(&t->gpm, 0, t->ram, TEST_RAM) || vmx_cpu_enable())
		return snformat(msg, len, "cannot set up the guest"), SELFTEST_FAIL;
	loader_vcpu_state(0, TEST_CODE, cr3, &s);
	t->v.regs = s.regs;
	if (vmx_create(&t->v, gpmap_root(&t->gpm), 0xffff, &s))
		return snformat(msg, len, "cannot create the vCPU"), SELFTEST_FAIL;
	return SELFTEST_PASS;
}

/* Free what the test guest used (its struct vmx_vcpu stays: boot memory is never freed). */
static void vmx_test_end(struct vmx_test *t)
{
	struct vmx_vcpu *vv = t->v.backend;

	if (vv) {
		vmx_vmclear(vv->vmcs);
		vmx_cpus[this_cpu()->index].current = 0;
		page_free(vv->vmcs);
		page_free(vv->vapic);
	}
	if (t->gpm.pt.root)
		gpmap_destroy(&t->gpm);
	if (t->ram)
		phys_free(t->ram, TEST_RAM);
}

/* Run to the next exit that is not a host interrupt (taken here) or handled inside (NONE). */
static void vmx_test_run(struct vmx_test *t, struct vcpu_exit *e)
{
	do {
		vmx_run(&t->v, e);
		if (e->reason == VCPU_EXIT_IRQ)
			__asm__ __volatile__("sti; nop; cli" ::: "memory");
	} while (e->reason == VCPU_EXIT_IRQ || e->reason == VCPU_EXIT_NONE);
}

/* Run; the exit must be `want`; step over the instruction as the generic code would. */
static bool vmx_test_expect(struct vmx_test *t, enum vcpu_exit_reason want, struct vcpu_exit *e,
			    char *msg, size_t len)
{
	vmx_test_run(t, e);
	if (e->reason != want) {
		snformat(msg, len, "expected exit %s at RIP 0x%llx, got %s (0x%llx)%s%s",
			 vcpu_exit_name(want), t->v.regs.rip, vcpu_exit_name(e->reason), e->hw_code,
			 e->reason == VCPU_EXIT_ENTRY_FAILED ? ": " : "",
			 e->reason == VCPU_EXIT_ENTRY_FAILED ? e->fail.why : "");
		return false;
	}
	t->v.regs.rip += e->insn_len;
	return true;
}

/* CPUID, VMCALL, I/O, HLT decoded with their lengths; a write lands where EPT says; INVEPT works. */
static const u8 vmx_test_exits_code[] = {
	0x0f, 0xa2,                               /* cpuid */
	0x0f, 0x01, 0xc1,                         /* vmcall */
	0xe6, 0x80,                               /* out 0x80, al */
	0x66, 0xba, 0xf8, 0x0c, 0xed,             /* mov dx, 0xcf8; in eax, dx */
	0x48, 0xc7, 0x04, 0x25, 0x00, 0x00,       /* mov qword [0x180000], 42 */
	0x18, 0x00, 0x2a, 0x00, 0x00, 0x00, 0xf4, /* hlt (the test unmaps 0x180000 here) */
	0x48, 0x8b, 0x04, 0x25, 0x00, 0x00,       /* mov rax, [0x180000] */
	0x18, 0x00,
};

static bool vmx_test_exits_seq(struct vmx_test *t, char *msg, size_t len)
{
	struct vcpu_exit e;

	if (!vmx_test_expect(t, VCPU_EXIT_CPUID, &e, msg, len) ||
	    !vmx_test_expect(t, VCPU_EXIT_HYPERCALL, &e, msg, len) ||
	    !vmx_test_expect(t, VCPU_EXIT_IO, &e, msg, len))
		return false;
	if (e.io.port != 0x80 || e.io.size != 1 || e.io.in || e.insn_len != 2)
		return snformat(msg, len, "OUT 0x80 decoded as port 0x%x size %u", e.io.port,
				e.io.size),
		       false;
	if (!vmx_test_expect(t, VCPU_EXIT_IO, &e, msg, len))
		return false;
	if (e.io.port != 0xcf8 || e.io.size != 4 || !e.io.in)
		return snformat(msg, len, "IN from 0xcf8 decoded as port 0x%x size %u", e.io.port,
				e.io.size),
		       false;
	if (!vmx_test_expect(t, VCPU_EXIT_HLT, &e, msg, len))
		return false;
	if (*(u64 *)phys_to_virt(t->ram + 0x180000) != 42)
		return snformat(msg, len, "the guest's write is not at its EPT address"), false;
	if (gpmap_unmap(&t->gpm, 0x180000, PAGE_SIZE))
		return snformat(msg, len, "cannot unmap"), false;
	vmx_nested_flush(&t->v);
	if (!vmx_test_expect(t, VCPU_EXIT_NPF, &e, msg, len))
		return false;
	if (e.npf.gpa != 0x180000 || e.npf.write || e.npf.present)
		return snformat(msg, len, "EPT violation at 0x%llx (write %u present %u)",
				e.npf.gpa, e.npf.write, e.npf.present),
		       false;
	return true;
}

SELFTEST(vmx_exits)
{
	struct vmx_test t;
	int r = vmx_test_start(&t, vmx_test_exits_code, sizeof(vmx_test_exits_code), msg, msglen);

	if (r == SELFTEST_PASS && !vmx_test_exits_seq(&t, msg, msglen))
		r = SELFTEST_FAIL;
	vmx_test_end(&t);
	return r;
}

static u32 vmx_test_timer_fired;

static void vmx_test_timer(void)
{
	__atomic_store_n(&vmx_test_timer_fired, 1, __ATOMIC_RELEASE);
}

/*
 * A host interrupt while the guest spins exits it and is still pending for the
 * host afterwards (no "acknowledge interrupt on exit", as under SVM): the
 * host's handler runs once the host enables interrupts. The guest spins with
 * interrupts on: Bochs 2.7 evaluates interrupt blocking at VM entry before it
 * counts the CPU as in the guest, so a guest entered with RFLAGS.IF clear
 * would never see the exit there (a real CPU exits either way, SDM Vol. 3C
 * 26.2).
 */
static bool vmx_test_irq_seq(struct vmx_test *t, char *msg, size_t len)
{
	struct vcpu_exit e;

	__atomic_store_n(&vmx_test_timer_fired, 0, __ATOMIC_SEQ_CST);
	if (timer_arm(this_cpu()->index, 1000000, vmx_test_timer))
		return snformat(msg, len, "cannot arm the timer"), false;
	vmx_run(&t->v, &e);
	if (e.reason != VCPU_EXIT_IRQ)
		return snformat(msg, len, "spinning guest left with %s (0x%llx), not irq",
				vcpu_exit_name(e.reason), e.hw_code),
		       false;
	if (__atomic_load_n(&vmx_test_timer_fired, __ATOMIC_ACQUIRE))
		return snformat(msg, len, "the timer ran before the host took it"), false;
	__asm__ __volatile__("sti; nop; cli" ::: "memory");
	if (!__atomic_load_n(&vmx_test_timer_fired, __ATOMIC_ACQUIRE))
		return snformat(msg, len, "the interrupt was lost at the exit"), false;
	return true;
}

SELFTEST(vmx_host_interrupt)
{
	static const u8 spin[] = { 0xfb, 0xf3, 0x90, 0xeb, 0xfc }; /* sti; pause; jmp back */
	struct vmx_test t;
	int r = vmx_test_start(&t, spin, sizeof(spin), msg, msglen);

	if (r == SELFTEST_PASS && !vmx_test_irq_seq(&t, msg, msglen))
		r = SELFTEST_FAIL;
	vmx_test_end(&t);
	return r;
}

/*
 * Clearing CR0.NE exits (VMX holds it set): the guest keeps its value in the
 * read shadow. Setting CR4.VMXE exits too and gets #GP; with no IDT that #GP
 * becomes a triple fault.
 */
static const u8 vmx_test_cr_code[] = {
	0x0f, 0x20, 0xc0,                   /* mov rax, cr0 */
	0x48, 0x25, 0xdf, 0xff, 0xff, 0xff, /* and rax, ~0x20 (NE) */
	0x0f, 0x22, 0xc0,                   /* mov cr0, rax */
	0x0f, 0x20, 0xc0,                   /* mov rax, cr0 */
	0x0f, 0x01, 0xc1,                   /* vmcall */
	0x0f, 0x20, 0xe0,                   /* mov rax, cr4 */
	0x48, 0x0d, 0x00, 0x20, 0x00, 0x00, /* or rax, 0x2000 (VMXE) */
	0x0f, 0x22, 0xe0,                   /* mov cr4, rax */
};

static bool vmx_test_cr_seq(struct vmx_test *t, char *msg, size_t len)
{
	struct vcpu_exit e;

	if (!vmx_test_expect(t, VCPU_EXIT_HYPERCALL, &e, msg, len))
		return false;
	if ((t->v.regs.rax & CR0_NE) || (vmx_get(&t->v, VCPU_REG_CR0) & CR0_NE) ||
	    !(vmcs_read(VMCS_GUEST_CR0) & CR0_NE))
		return snformat(msg, len, "CR0.NE: guest read 0x%llx, real CR0 0x%llx",
				t->v.regs.rax, vmcs_read(VMCS_GUEST_CR0)),
		       false;
	if (!vmx_test_expect(t, VCPU_EXIT_BAD_INSN, &e, msg, len))
		return false;
	if (e.exc.vector != EXC_GP)
		return snformat(msg, len, "CR4.VMXE gave vector %u, not #GP", e.exc.vector), false;
	vmx_inject(&t->v, &(struct vcpu_event){ VCPU_EVENT_EXCEPTION, EXC_GP, true, 0 });
	return vmx_test_expect(t, VCPU_EXIT_SHUTDOWN, &e, msg, len);
}

SELFTEST(vmx_control_registers)
{
	struct vmx_test t;
	int r = vmx_test_start(&t, vmx_test_cr_code, sizeof(vmx_test_cr_code), msg, msglen);

	if (r == SELFTEST_PASS && !vmx_test_cr_seq(&t, msg, msglen))
		r = SELFTEST_FAIL;
	vmx_test_end(&t);
	return r;
}

static bool vmx_contains(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncmp(s, needle, n))
			return true;
	return false;
}

/* XSETBV exits under VMX: a good value reaches XCR0 (XGETBV reads it back), a bad one is #GP. */
static const u8 vmx_test_xsetbv_code[] = {
	0x0f, 0x20, 0xe0,                   /* mov rax, cr4 */
	0x48, 0x0d, 0x00, 0x00, 0x04, 0x00, /* or rax, 0x40000 (OSXSAVE) */
	0x0f, 0x22, 0xe0,                   /* mov cr4, rax */
	0x31, 0xc9,                         /* xor ecx, ecx */
	0x31, 0xd2,                         /* xor edx, edx */
	0xb8, 0x03, 0x00, 0x00, 0x00,       /* mov eax, 3 (x87, SSE) */
	0x0f, 0x01, 0xd1,                   /* xsetbv */
	0x31, 0xc0,                         /* xor eax, eax */
	0x0f, 0x01, 0xd0,                   /* xgetbv */
	0x0f, 0x01, 0xc1,                   /* vmcall */
	0xb8, 0x05, 0x00, 0x00, 0x00,       /* mov eax, 5 (AVX without SSE) */
	0x0f, 0x01, 0xd1,                   /* xsetbv */
};

static bool vmx_test_xsetbv_seq(struct vmx_test *t, char *msg, size_t len)
{
	struct vcpu_exit e;

	if (!vmx_test_expect(t, VCPU_EXIT_HYPERCALL, &e, msg, len))
		return false;
	if (t->v.regs.rax != 3)
		return snformat(msg, len, "XGETBV after XSETBV 3 read 0x%llx", t->v.regs.rax),
		       false;
	if (!vmx_test_expect(t, VCPU_EXIT_BAD_INSN, &e, msg, len))
		return false;
	if (e.exc.vector != EXC_GP)
		return snformat(msg, len, "XSETBV 5 gave vector %u, not #GP", e.exc.vector), false;
	return true;
}

SELFTEST(vmx_xsetbv)
{
	struct vmx_test t;
	int r = vmx_test_start(&t, vmx_test_xsetbv_code, sizeof(vmx_test_xsetbv_code), msg, msglen);

	if (r == SELFTEST_PASS && (!vmx_xsave || (vmx_xcr0_supported & 7) != 7)) {
		snformat(msg, msglen, "the CPU has no XSAVE with SSE and AVX state");
		r = SELFTEST_SKIP;
	}
	if (r == SELFTEST_PASS) {
		u32 lo, hi;

		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if (!vmx_test_xsetbv_seq(&t, msg, msglen))
			r = SELFTEST_FAIL;
		vmx_xsetbv(0, ((u64)hi << 32) | lo); /* the host's XCR0 again */
	}
	vmx_test_end(&t);
	return r;
}

/* Run into a failed entry; its explanation must contain `needle`. */
static bool vmx_test_fails(struct vmx_test *t, const char *needle, char *msg, size_t len)
{
	struct vcpu_exit e;

	const char *detail = ((struct vmx_vcpu *)t->v.backend)->detail;

	vmx_run(&t->v, &e);
	if (e.reason != VCPU_EXIT_ENTRY_FAILED || !vmx_contains(detail, needle)) {
		snformat(msg, len, "expected a failed entry naming '%s', got %s: %s", needle,
			 vcpu_exit_name(e.reason),
			 e.reason == VCPU_EXIT_ENTRY_FAILED ? detail : "");
		return false;
	}
	pr_info("selftest: failed entry explained: %s\n", detail);
	return true;
}

static bool vmx_test_failures_seq(struct vmx_test *t, char *msg, size_t len)
{
	struct vcpu_exit e;
	bool ok;

	t->v.regs.rflags = 0; /* bit 1 must be 1 */
	ok = vmx_test_fails(t, "invalid guest state: guest RFLAGS 0x0", msg, len);
	t->v.regs.rflags = BIT(1);
	vmcs_write(VMCS_PIN_CTLS, 0); /* without the must-be-1 bits */
	ok = ok && vmx_test_fails(t,
				  "VM-instruction error 7 (VM entry with invalid control "
				  "field(s)): pin-based controls 0x0",
				  msg, len);
	vmcs_write(VMCS_PIN_CTLS, vmx_cfg.pin);
	vmcs_write(VMCS_HOST_TR_SEL, 0);
	ok = ok && vmx_test_fails(t,
				  "VM-instruction error 8 (VM entry with invalid host-state "
				  "field(s))",
				  msg, len);
	vmcs_write(VMCS_HOST_TR_SEL, KERNEL_TR);
	vmx_set(&t->v, VCPU_REG_CS_ATTR, SEG_ATTR_CODE64 | BIT(10)); /* L and D */
	ok = ok && vmx_test_fails(t, "L and D/B both set", msg, len);
	vmx_set(&t->v, VCPU_REG_CS_ATTR, SEG_ATTR_CODE64);
	/* Nothing broken any more: the guest runs to its HLT. */
	return ok && vmx_test_expect(t, VCPU_EXIT_HLT, &e, msg, len);
}

SELFTEST(vmx_entry_failures)
{
	static const u8 hlt[] = { 0xf4 };
	struct vmx_test t;
	int r = vmx_test_start(&t, hlt, sizeof(hlt), msg, msglen);

	if (r == SELFTEST_PASS && (vmx_load(&t.v) || !vmx_test_failures_seq(&t, msg, msglen)))
		r = SELFTEST_FAIL;
	vmx_test_end(&t);
	return r;
}
