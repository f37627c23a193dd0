// SPDX-License-Identifier: MIT
/*
 * cpu.c: attacks through the vCPU that the partition survives (mode=net
 * commands): MSRs that belong to the host, CPUID swept end to end, IPIs to
 * foreign CPUs through the x2APIC ICR, hypercalls with every argument out
 * of range or pointing outside the partition, and the PCI host port 0xcf8
 * aimed at the host's functions. Refusals are #GP, error codes, all ones.
 */
#include "guests/attack/attack.h"

#define EXC_GP 13

/* --- MSRs ----------------------------------------------------------------------------- */

struct msr_try {
	const char *name;
	bool write;
	u32 msr;
	u64 val;
};

static struct msr_try msr_cur;

static void msr_do(void *arg)
{
	(void)arg;
	if (msr_cur.write)
		wrmsr(msr_cur.msr, msr_cur.val);
	else
		msr_cur.val = rdmsr(msr_cur.msr);
}

/* -1 after an exception (its vector in *vec), else 0 with the value read in *val. */
static int msr_access(bool write, u32 msr, u64 in, u64 *val, int *vec)
{
	msr_cur = (struct msr_try){ NULL, write, msr, in };
	if (try_call(msr_do, NULL, vec))
		return -1;
	*val = msr_cur.val;
	return 0;
}

static void msr_one(const struct msr_try *t, struct reply *r)
{
	u64 v = 0;
	int vec = 0;

	if (msr_access(t->write, t->msr, t->val, &v, &vec))
		reply_add(r, "%s fault %d; ", t->name, vec);
	else if (t->write)
		reply_add(r, "%s ok; ", t->name);
	else
		reply_add(r, "%s 0x%llx; ", t->name, v);
}

/* Count reads and zero-writes that fault over an MSR range, skipping the guest's own state. */
static void msr_sweep(u32 base, u32 n, u32 *ok, u32 *gp)
{
	static const u32 skip[] = { 0x10,       0x1b,       0x277,      0x2ff,
				    0xc0000080, 0xc0000100, 0xc0000101, 0xc0000102 };

	for (u32 m = base; m < base + n; m++) {
		u64 v;
		int vec;
		bool own = false;

		for (u32 i = 0; i < ARRAY_SIZE(skip); i++)
			own |= m == skip[i] || (m >= 0x200 && m < 0x300);
		if (msr_access(false, m, 0, &v, &vec) == 0)
			(*ok)++;
		else
			*gp += vec == EXC_GP;
		if (!own && msr_access(true, m, 0, &v, &vec))
			*gp += vec == EXC_GP;
	}
}

/*
 * msr: the host's MSRs one by one (SVM state, APIC base, SMM, MCA, the PMU),
 * MTRRs with reserved memory types and addresses past MAXPHYADDR, the syscall
 * MSRs with non-canonical values, then every MSR of the three architectural
 * ranges read and written with 0.
 */
static void cmd_msr(char *arg, struct reply *r)
{
	const u64 efer = rdmsr(0xc0000080), noncanon = 0x8000000000001000ULL;
	const struct msr_try tries[] = {
		{ "efer-svme", true, 0xc0000080, efer | (1 << 12) },
		{ "efer-lme-off", true, 0xc0000080, efer & ~(1ULL << 8) },
		{ "hsave-r", false, 0xc0010117, 0 },
		{ "hsave-w", true, 0xc0010117, 0x100000 },
		{ "vm-cr-r", false, 0xc0010114, 0 },
		{ "vm-cr-w", true, 0xc0010114, 0 },
		/* The APIC is the partition's own (virtual): moving its base is what is refused. */
		{ "apic-base-w", true, 0x1b, 0xfec00900 },
		{ "apic-base-x2", true, 0x1b, 0xfec00d00 },
		{ "mtrr-def-uc", true, 0x2ff, 0x800 },
		{ "mtrr-fix-uc", true, 0x250, 0 },
		{ "mtrr-fix-r", false, 0x250, 0 },
		{ "mtrr-fix-reserved", true, 0x250, 0x0202020202020202ULL },
		{ "mtrr-var-past-maxphys", true, 0x200, 1ULL << 60 | 6 },
		{ "smm-base", true, 0xc0010111, 0x100000 },
		{ "tseg", false, 0xc0010112, 0 },
		{ "mc0-ctl", true, 0x400, ~0ULL },
		{ "perf-ctl0", true, 0xc0010000, 0x430076 },
		{ "microcode", true, 0x79, 0x100000 },
		{ "lstar-nc", true, 0xc0000082, noncanon },
		{ "sysenter-eip-nc", true, 0x176, noncanon },
		{ "sysenter-esp-nc", true, 0x175, noncanon },
		{ "kgsbase-nc", true, 0xc0000102, noncanon },
	};
	u32 ok = 0, gp = 0;

	(void)arg;
	for (u32 i = 0; i < ARRAY_SIZE(tries); i++)
		msr_one(&tries[i], r);
	wrmsr(0xc0000102, 0); /* our own, back to sane */
	msr_sweep(0, 0x2000, &ok, &gp);
	msr_sweep(0xc0000000, 0x2000, &ok, &gp);
	msr_sweep(0xc0010000, 0x2000, &ok, &gp);
	reply_add(r, "sweep: %u reads ok, %u #GP; efer now 0x%llx", ok, gp, rdmsr(0xc0000080));
}

/* --- CPUID ----------------------------------------------------------------------------- */

/* cpuid: every leaf of the three ranges with subleaves 0-3, and random leaves. */
static void cmd_cpuid(char *arg, struct reply *r)
{
	static const u32 bases[] = { 0, 0x40000000, 0x80000000 };
	u32 v[4], n = 0, svm = 0, vmx = 0, x2apic = 0;
	u64 x = 0x9e3779b97f4a7c15ULL;

	(void)arg;
	for (u32 b = 0; b < ARRAY_SIZE(bases); b++) {
		for (u32 leaf = bases[b]; leaf < bases[b] + 0x40; leaf++) {
			for (u32 sub = 0; sub < 4; sub++, n++) {
				cpuid(leaf, sub, v);
				vmx += leaf == 1 && (v[2] & (1 << 5));
				x2apic += leaf == 1 && (v[2] & (1 << 21));
				svm += (leaf == 0x80000001 && (v[2] & (1 << 2))) ||
				       (leaf == 0x8000000a && (v[0] | v[1] | v[3]));
			}
		}
	}
	for (u32 i = 0; i < 2000; i++, n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		cpuid((u32)x, (u32)(x >> 32), v);
	}
	cpuid(1, 0, v);
	reply_add(r, "%u leaves; vmx %u svm %u x2apic %u; hypervisor bit %u", n, vmx, svm, x2apic,
		  (v[2] >> 31) & 1);
}

/* --- IPIs -------------------------------------------------------------------------------- */

/*
 * x2apic DEST: the (virtual) APIC into x2APIC mode, then INIT, SIPI, NMI and a
 * fixed IPI to DEST through the x2APIC ICR (MSR 0x830).
 */
static void cmd_x2apic(char *arg, struct reply *r)
{
	u64 dest = next_num(&arg, 1) << 32;
	const struct msr_try tries[] = {
		{ "x2apic-mode", true, 0x1b, 0xfee00d00 },
		{ "icr-init", true, 0x830, dest | 0x4500 },
		{ "icr-init-deassert", true, 0x830, dest | 0x8500 },
		{ "icr-sipi", true, 0x830, dest | 0x4610 },
		{ "icr-nmi", true, 0x830, dest | 0x4400 },
		{ "icr-fixed", true, 0x830, dest | 0x4030 },
		{ "icr-all-but-self-init", true, 0x830, (3ULL << 18) | 0x4500 },
		{ "self-ipi", true, 0x83f, 0x30 },
		{ "apic-id", false, 0x802, 0 },
		{ "svr", false, 0x80f, 0 },
	};

	for (u32 i = 0; i < ARRAY_SIZE(tries); i++)
		msr_one(&tries[i], r);
}

/* --- hypercalls ---------------------------------------------------------------------------- */

struct hc_case {
	u64 nr, a1, a2;
	s64 want;
};

/*
 * hcall: every argument out of range: pointers past, straddling and wrapping
 * the end of RAM, at the ECAM window, the VF's BAR and the APIC; lengths and
 * codes past their maximum; then random numbers with random arguments.
 */
static void cmd_hcall(char *arg, struct reply *r)
{
	u64 ram = boot_info->ram_size, ecam = boot_info->ecam_base;
	u64 bar = boot_info->devs[boot_info->net.dev].bars[0].gpa, x = 0xd1b54a32d192ed03ULL;
	const struct hc_case cases[] = {
		{ HV_HC_CONSOLE_WRITE, ram - 1, 2, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ram, 0x10, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ~0ULL - 2, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ~0ULL, 1, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, 1ULL << 63, 8, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ecam, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, bar, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, 0xfee00000, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ram - 8, ~0ULL - ram + 16, -HV_EINVAL },
		{ HV_HC_PART_INFO, ram - 8, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, ~0ULL - 8, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, ecam, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, bar, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, 0x1000, 0, -HV_EINVAL },
		{ HV_HC_SHUTDOWN, 256, 0, -HV_EINVAL },
		{ HV_HC_SHUTDOWN, ~0ULL, ~0ULL, -HV_EINVAL },
		{ HV_HC_SHUTDOWN, 1ULL << 32, 0, -HV_EINVAL },
		{ HV_HC_YIELD, ~0ULL, ~0ULL, 0 },
		{ 0, 0, 0, -HV_ENOSYS },
		{ ~0ULL, ~0ULL, ~0ULL, -HV_ENOSYS },
		{ 1ULL << 32 | HV_HC_SHUTDOWN, 0, 0, -HV_ENOSYS },
	};
	u32 ok = 0, n = 0;

	(void)arg;
	for (; n < ARRAY_SIZE(cases); n++) {
		s64 got = hypercall(cases[n].nr, cases[n].a1, cases[n].a2, ~0ULL);

		ok += got == cases[n].want;
		if (got != cases[n].want)
			reply_add(r, "FAILED: 0x%llx(0x%llx, 0x%llx) = %lld; ", cases[n].nr,
				  cases[n].a1, cases[n].a2, got);
	}
	for (u32 i = 0; i < 3000; i++, n++) {
		u64 nr, a1;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		nr = x % 3 == 0 ? HV_HC_CONSOLE_WRITE : x % 3 == 1 ? HV_HC_PART_INFO : x >> 3;
		a1 = ram + (x >> 20); /* never inside RAM: the call must fail, never write */
		ok += hypercall(nr, a1, x | 1, x) < 0 || nr == HV_HC_YIELD;
	}
	reply_add(r, "%u of %u refused as expected", ok, n);
}

/* --- the PCI host port ------------------------------------------------------------------- */

/*
 * cf8 PFBDF: CONFIG_ADDRESS aimed at the host's functions (the host bridge, the
 * LPC bridge, the root port, the igb PF at its real address, bus 255):
 * COMMAND off and a BAR onto the IOMMU, then read their IDs back.
 */
static void cmd_cf8(char *arg, struct reply *r)
{
	u32 pf = (u32)next_num(&arg, 0x100); /* bus << 8 | devfn */
	const u32 targets[] = { 0x000, 0x0f8, 0x010, pf, 0xff00, 0x7f0 };
	u32 ids = 0, writes = 0;

	for (u32 i = 0; i < ARRAY_SIZE(targets); i++) {
		u32 a = 0x80000000U | targets[i] << 8;

		outl(0xcf8, a | 0x04);
		outl(0xcfc, 0);
		outl(0xcf8, a | 0x10);
		outl(0xcfc, 0xfed90000);
		outw(0xcfe, 0xffff); /* upper half of the BAR, by word */
		writes += 3;
		outl(0xcf8, a);
		ids |= ~inl(0xcfc); /* every one must read all ones */
	}
	outl(0xcf8, 0x7f000004); /* enable bit clear: reserved bits, no access */
	outl(0xcfc, 0);
	reply_add(r, "%u functions, %u writes; ids %s; cf8 reads 0x%x", (u32)ARRAY_SIZE(targets),
		  writes + 1, ids ? "VISIBLE" : "all ones", inl(0xcf8));
}

const struct attack_cmd cpu_cmds[] = {
	{ "msr", cmd_msr },     { "cpuid", cmd_cpuid }, { "x2apic", cmd_x2apic },
	{ "hcall", cmd_hcall }, { "cf8", cmd_cf8 },     { NULL, NULL },
};
