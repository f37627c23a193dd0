// SPDX-License-Identifier: MIT
/* vcpu.c: the generic vCPU: backend choice, the run loop and the handling of every exit. */
#define LOG_TAG "vcpu"
#include "kernel/vcpu.h"
#include "kernel/cpu.h"
#include "kernel/hypercall.h"
#include "kernel/io.h"
#include "kernel/mmio.h"
#include "kernel/mm.h"
#include "kernel/part.h"
#include "kernel/policy.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define EXC_UD              6
#define EXC_GP              13
#define MTRR_DEF_TYPE_RESET 0x806 /* MTRRs enabled, default type write-back */

const struct vcpu_ops *vcpu_ops;

static const char *const exit_names[VCPU_EXIT_COUNT] = {
	[VCPU_EXIT_NONE] = "none",
	[VCPU_EXIT_IRQ] = "irq",
	[VCPU_EXIT_CPUID] = "cpuid",
	[VCPU_EXIT_MSR_READ] = "rdmsr",
	[VCPU_EXIT_MSR_WRITE] = "wrmsr",
	[VCPU_EXIT_IO] = "io",
	[VCPU_EXIT_HYPERCALL] = "hypercall",
	[VCPU_EXIT_NPF] = "npf",
	[VCPU_EXIT_HLT] = "hlt",
	[VCPU_EXIT_INVD] = "invd",
	[VCPU_EXIT_BAD_INSN] = "bad-insn",
	[VCPU_EXIT_SHUTDOWN] = "shutdown",
	[VCPU_EXIT_INIT] = "init",
	[VCPU_EXIT_EXCEPTION] = "exception",
	[VCPU_EXIT_ENTRY_FAILED] = "entry-failed",
	[VCPU_EXIT_UNKNOWN] = "unknown",
};

const char *vcpu_exit_name(enum vcpu_exit_reason r)
{
	return r < VCPU_EXIT_COUNT ? exit_names[r] : "?";
}

int vcpu_select_backend(void)
{
	for (unsigned i = 0; i < vcpu_backend_count; i++) {
		const char *why = "unknown reason";

		if (vcpu_backends[i]->init(&why) == 0) {
			vcpu_ops = vcpu_backends[i];
			pr_info("backend %s selected\n", vcpu_ops->name);
			return 0;
		}
		pr_info("backend %s not usable: %s\n", vcpu_backends[i]->name, why);
	}
	pr_err("no usable virtualisation backend: partitions cannot run\n");
	return -ENODEV;
}

struct vcpu *vcpu_create(struct partition *p, u32 index, u32 cpu, const struct vcpu_state *s)
{
	struct vcpu *v = kzalloc(sizeof(*v));
	int r;

	if (!v)
		return NULL;
	v->part = p;
	v->index = index;
	v->cpu = cpu;
	v->regs = s->regs;
	v->mtrr_def_type = MTRR_DEF_TYPE_RESET;
	/* The tag (ASID/VPID) is per partition: its vCPUs share one address space. */
	r = vcpu_ops->create(v, gpmap_root(&p->gpm), p->id + 1, s);
	if (r) {
		part_err(p, "vCPU %u: backend %s cannot create it (%d)\n", index, vcpu_ops->name,
			 r);
		return NULL;
	}
	return v;
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vcpu_event ev = { VCPU_EVENT_EXCEPTION, vector, has_error, error };

	vcpu_ops->inject(v, &ev);
}

static void vcpu_skip(struct vcpu *v, const struct vcpu_exit *e)
{
	v->regs.rip += e->insn_len;
}

/* A guest event worth a log line (refused MSR, ignored INIT): rate-limited per partition. */
static void vcpu_note(struct vcpu *v, const char *what, u64 a)
{
	u32 n = ratelimit_check(&v->part->log_rl);

	if (n)
		printk(LOG_INFO, "%s: vCPU %u: %s 0x%llx%s\n", v->part->name, v->index, what, a,
		       n > 1 ? " (more suppressed)" : "");
}

static void vcpu_policy_ctx(struct vcpu *v, struct policy_cpu *c)
{
	c->intel = !strcmp(cpu_features.vendor, "GenuineIntel");
	c->vcpu = v->index;
	c->vcpu_count = v->part->vcpu_count;
	c->max_leaf = cpu_features.max_leaf;
	c->max_ext_leaf = cpu_features.max_ext_leaf;
	c->cr0 = vcpu_ops->get(v, VCPU_REG_CR0);
	c->cr4 = vcpu_ops->get(v, VCPU_REG_CR4);
	c->efer = vcpu_ops->get(v, VCPU_REG_EFER);
}

static void vcpu_cpuid(struct vcpu *v, const struct vcpu_exit *e)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx;
	struct policy_cpu c;
	struct cpuid_regs r;

	vcpu_policy_ctx(v, &c);
	cpuid(leaf, sub, &r.eax, &r.ebx, &r.ecx, &r.edx);
	policy_cpuid(&c, leaf, sub, &r);
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vcpu_skip(v, e);
}

/* The per-vCPU values behind POLICY_MSR_EMULATE reads. */
static enum policy_msr vcpu_msr_get(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_ops->get(v, VCPU_REG_EFER);
		break;
	case MSR_IA32_PAT:
		*val = vcpu_ops->get(v, VCPU_REG_PAT);
		break;
	case MSR_IA32_MTRR_DEF_TYPE:
		*val = v->mtrr_def_type;
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + vcpu_ops->get(v, VCPU_REG_TSC_OFFSET);
		break;
	default:
		return POLICY_MSR_GP; /* passed-through MSRs are never intercepted */
	}
	return POLICY_MSR_DONE;
}

static enum policy_msr vcpu_msr_set(struct vcpu *v, u32 msr, u64 val)
{
	u64 lma = vcpu_ops->get(v, VCPU_REG_EFER) & EFER_LMA;

	switch (msr) {
	case MSR_EFER:
		vcpu_ops->set(v, VCPU_REG_EFER, (val & ~EFER_LMA) | lma);
		break;
	case MSR_IA32_PAT:
		vcpu_ops->set(v, VCPU_REG_PAT, val);
		break;
	case MSR_IA32_MTRR_DEF_TYPE:
		v->mtrr_def_type = val;
		break;
	case MSR_IA32_TSC:
		vcpu_ops->set(v, VCPU_REG_TSC_OFFSET, val - rdtsc());
		break;
	default:
		return POLICY_MSR_GP;
	}
	return POLICY_MSR_DONE;
}

static void vcpu_rdmsr(struct vcpu *v, const struct vcpu_exit *e)
{
	struct policy_cpu c;
	enum policy_msr d;
	u64 val;

	vcpu_policy_ctx(v, &c);
	d = policy_msr_read(&c, e->msr.index, &val);
	if (d == POLICY_MSR_EMULATE)
		d = vcpu_msr_get(v, e->msr.index, &val);
	if (d == POLICY_MSR_GP) {
		vcpu_note(v, "RDMSR refused (#GP), MSR", e->msr.index);
		vcpu_inject_exception(v, EXC_GP, true, 0);
		return;
	}
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip(v, e);
}

static void vcpu_wrmsr(struct vcpu *v, const struct vcpu_exit *e)
{
	struct policy_cpu c;
	enum policy_msr d;

	vcpu_policy_ctx(v, &c);
	d = policy_msr_write(&c, e->msr.index, e->msr.value);
	if (d == POLICY_MSR_EMULATE)
		d = vcpu_msr_set(v, e->msr.index, e->msr.value);
	if (d == POLICY_MSR_GP) {
		vcpu_note(v, "WRMSR refused (#GP), MSR", e->msr.index);
		vcpu_inject_exception(v, EXC_GP, true, 0);
		return;
	}
	vcpu_skip(v, e);
}

/* The vUART's ports, byte by byte; returns what an IN read. */
static u64 vcpu_io_uart(struct partition *p, u16 port, u8 size, bool in, u64 out)
{
	u64 val = 0;

	spin_lock(&p->uart_lock);
	for (u32 i = 0; i < size; i++) {
		if (in)
			val |= (u64)vuart_read(&p->uart, (u16)(port + i)) << (8 * i);
		else
			vuart_write(&p->uart, (u16)(port + i), (u8)(out >> (8 * i)), part_now());
	}
	spin_unlock(&p->uart_lock);
	return val;
}

static u64 vcpu_io_pci(struct partition *p, u16 port, u8 size, bool in, u64 out)
{
	u64 val = 0;

	spin_lock(&p->dev_lock);
	if (in)
		val = vpci_port_read(&p->vpci, port, size);
	else
		vpci_port_write(&p->vpci, port, size, (u32)out);
	spin_unlock(&p->dev_lock);
	return val;
}

static bool vcpu_io_uart_claims(u32 port, u8 size)
{
	return port + size - 1 <= 0xffff && vuart_claims((u16)port) &&
	       vuart_claims((u16)(port + size - 1));
}

/* Port I/O: the vUART and the virtual PCI ports exist; anything else stops the partition. */
static void vcpu_io(struct vcpu *v, const struct vcpu_exit *e)
{
	struct partition *p = v->part;
	u16 port = e->io.port;
	u8 size = e->io.size;
	u64 val;

	if (!e->io.string && vcpu_io_uart_claims(port, size)) {
		val = vcpu_io_uart(p, port, size, e->io.in, v->regs.rax);
	} else if (!e->io.string && vpci_claims_port(port, size)) {
		val = vcpu_io_pci(p, port, size, e->io.in, v->regs.rax);
	} else {
		part_stop(p, "I/O %s port 0x%x (%u byte%s%s): not assigned to this partition",
			  e->io.in ? "read from" : "write to", port, size, size > 1 ? "s" : "",
			  e->io.string ? ", string" : "");
		return;
	}
	if (e->io.in && size == 4)
		v->regs.rax = val; /* a 32-bit destination clears the upper half */
	else if (e->io.in)
		v->regs.rax = (v->regs.rax & ~GENMASK(8 * size - 1, 0)) | val;
	vcpu_skip(v, e);
}

/*
 * An access to an emulated range: fetch the instruction through the guest's
 * page tables, decode the MOV, do it on the device, step over it. false when
 * the instruction cannot be emulated.
 */
static bool vcpu_mmio(struct vcpu *v, const struct vcpu_exit *e, struct part_mmio *r)
{
	struct partition *p = v->part;
	struct mmio_paging pg = { vcpu_ops->get(v, VCPU_REG_CR0), vcpu_ops->get(v, VCPU_REG_CR3),
				  vcpu_ops->get(v, VCPU_REG_CR4), vcpu_ops->get(v, VCPU_REG_EFER) };
	bool lm = (pg.efer & EFER_LMA) && (vcpu_ops->get(v, VCPU_REG_CS_ATTR) & BIT(9));
	u8 code[MMIO_INSN_MAX];
	struct mmio_insn in;
	int n = mmio_fetch(p->ram, p->ram_size, &pg, v->regs.rip, code);

	if (n < 0 || mmio_decode(code, (size_t)n, lm, &in) || in.write != e->npf.write ||
	    e->npf.gpa - r->base + in.size > r->size)
		return false;
	if (in.write)
		r->write(r->ctx, e->npf.gpa, in.size, mmio_store_value(&v->regs, &in));
	else
		mmio_load_result(&v->regs, &in, r->read(r->ctx, e->npf.gpa, in.size));
	v->regs.rip += in.len;
	return true;
}

static void vcpu_npf(struct vcpu *v, const struct vcpu_exit *e)
{
	const char *what = e->npf.exec ? "exec" : e->npf.write ? "write" : "read";
	struct part_mmio *r = part_find_mmio(v->part, e->npf.gpa);

	if (r && !e->npf.exec) {
		if (!vcpu_mmio(v, e, r))
			part_stop(v->part,
				  "cannot emulate the %s at GPA 0x%llx (vCPU %u, RIP 0x%llx): "
				  "only MOV to or from emulated device memory",
				  what, e->npf.gpa, v->index, v->regs.rip);
		return;
	}
	part_stop(v->part, "NPF %s at GPA 0x%llx (vCPU %u, RIP 0x%llx)", what, e->npf.gpa, v->index,
		  v->regs.rip);
}

static void vcpu_fatal(struct vcpu *v, const struct vcpu_exit *e)
{
	struct partition *p = v->part;

	switch (e->reason) {
	case VCPU_EXIT_SHUTDOWN:
		part_stop(p, "triple fault (shutdown) on vCPU %u at RIP 0x%llx", v->index,
			  v->regs.rip);
		break;
	case VCPU_EXIT_ENTRY_FAILED:
		vcpu_ops->dump(v);
		part_stop(p, "VM entry failed on vCPU %u: %s", v->index, e->fail.why);
		break;
	default:
		vcpu_ops->dump(v);
		part_stop(p, "unexpected exit %s (0x%llx) on vCPU %u", vcpu_exit_name(e->reason),
			  e->hw_code, v->index);
		break;
	}
}

static void vcpu_handle(struct vcpu *v, const struct vcpu_exit *e)
{
	switch (e->reason) {
	case VCPU_EXIT_NONE:
		break;
	case VCPU_EXIT_IRQ:
		__asm__ __volatile__("sti; nop; cli" ::: "memory");
		break;
	case VCPU_EXIT_CPUID:
		vcpu_cpuid(v, e);
		break;
	case VCPU_EXIT_MSR_READ:
		vcpu_rdmsr(v, e);
		break;
	case VCPU_EXIT_MSR_WRITE:
		vcpu_wrmsr(v, e);
		break;
	case VCPU_EXIT_IO:
		vcpu_io(v, e);
		break;
	case VCPU_EXIT_HYPERCALL:
		vcpu_skip(v, e);
		hypercall_dispatch(v, e->cpl);
		break;
	case VCPU_EXIT_NPF:
		vcpu_npf(v, e);
		break;
	case VCPU_EXIT_HLT:
		v->halted = true;
		vcpu_skip(v, e);
		break;
	case VCPU_EXIT_INVD:
		vcpu_skip(v, e);
		break;
	case VCPU_EXIT_BAD_INSN:
		vcpu_inject_exception(v, e->exc.vector, e->exc.vector == EXC_GP, 0);
		break;
	case VCPU_EXIT_EXCEPTION:
		vcpu_inject_exception(v, e->exc.vector, e->exc.has_error, e->exc.error);
		break;
	case VCPU_EXIT_INIT:
		vcpu_note(v, "INIT ignored, RIP", v->regs.rip);
		break;
	default:
		vcpu_fatal(v, e);
		break;
	}
}

/* Wait with interrupts on until something happens (an interrupt, a stop request). */
static void vcpu_idle(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

void vcpu_loop(struct vcpu *v)
{
	struct vcpu_exit e;
	int r = vcpu_ops->cpu_enable();

	if (r) {
		part_stop(v->part, "CPU %u cannot run guests (%d)", v->cpu, r);
		return;
	}
	while (part_running(v->part)) {
		if (v->halted) {
			vcpu_idle(); /* no virtual interrupts yet: a halted vCPU stays halted */
			continue;
		}
		vcpu_ops->run(v, &e);
		v->exits[e.reason]++;
		v->exits_total++;
		vcpu_handle(v, &e);
	}
}
