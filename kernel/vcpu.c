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
#include "kernel/virq.h"

#define EXC_UD          6
#define EXC_GP          13
#define RFLAGS_DF       BIT(10)
#define CPUID1_EDX_MTRR BIT(12)

_Static_assert(VCPU_MTRR_SLOTS == POLICY_MTRR_SLOTS, "one slot per emulated MTRR");

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
	[VCPU_EXIT_IRQ_WINDOW] = "irq-window",
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

/* The host's MTRR capabilities (VCNT at most 16, FIX, WC) and MAXPHYADDR, read once. */
static void vcpu_host_mtrr(u64 *cap, u32 *phys_bits)
{
	static u64 host_cap = ~0ULL;
	static u32 host_bits;
	u32 a, b, c, d;

	if (host_cap == ~0ULL) {
		cpuid(1, 0, &a, &b, &c, &d);
		host_cap = (d & CPUID1_EDX_MTRR) ? rdmsr(MSR_IA32_MTRRCAP) : 0;
		host_cap &= MTRRCAP_VCNT | MTRRCAP_FIX | MTRRCAP_WC;
		if ((host_cap & MTRRCAP_VCNT) > POLICY_MTRR_VAR_MAX)
			host_cap = (host_cap & ~MTRRCAP_VCNT) | POLICY_MTRR_VAR_MAX;
		host_bits = 36;
		if (cpu_features.max_ext_leaf >= 0x80000008) {
			cpuid(0x80000008, 0, &a, &b, &c, &d);
			host_bits = a & 0xff;
		}
	}
	*cap = host_cap;
	*phys_bits = host_bits;
}

static void vcpu_mtrr_reset(struct vcpu *v)
{
	struct policy_cpu c = { 0 };

	vcpu_host_mtrr(&c.mtrrcap, &c.phys_bits);
	for (int i = 0; i < VCPU_MTRR_SLOTS; i++)
		v->mtrr[i] = policy_mtrr_reset(&c, i);
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
	vcpu_mtrr_reset(v);
	virq_init(v);
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

	/* Real mode pushes no error code (SDM Vol. 3A 21.1.4); VMX refuses to inject one. */
	if (!(vcpu_ops->get(v, VCPU_REG_CR0) & CR0_PE))
		ev.has_error = false;
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
	c->long64 = (c->efer & EFER_LMA) && (vcpu_ops->get(v, VCPU_REG_CS_ATTR) & SEG_ATTR_L);
	vcpu_host_mtrr(&c->mtrrcap, &c->phys_bits);
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
static enum policy_msr vcpu_msr_get(struct vcpu *v, const struct policy_cpu *c, u32 msr, u64 *val)
{
	int slot = policy_mtrr_slot(c, msr);

	if (slot >= 0) {
		*val = v->mtrr[slot];
		return POLICY_MSR_DONE;
	}
	if (policy_msr_is_apic(msr))
		return virq_msr_read(v, msr, val);
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_ops->get(v, VCPU_REG_EFER);
		break;
	case MSR_IA32_PAT:
		*val = vcpu_ops->get(v, VCPU_REG_PAT);
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + vcpu_ops->get(v, VCPU_REG_TSC_OFFSET);
		break;
	default:
		return POLICY_MSR_GP; /* passed-through MSRs are never intercepted */
	}
	return POLICY_MSR_DONE;
}

static enum policy_msr vcpu_msr_set(struct vcpu *v, const struct policy_cpu *c, u32 msr, u64 val)
{
	u64 lma = vcpu_ops->get(v, VCPU_REG_EFER) & EFER_LMA;
	int slot = policy_mtrr_slot(c, msr);

	if (slot >= 0) {
		v->mtrr[slot] = val; /* kept, not applied: nested paging sets the memory types */
		return POLICY_MSR_DONE;
	}
	if (policy_msr_is_apic(msr))
		return virq_msr_write(v, msr, val);
	switch (msr) {
	case MSR_EFER:
		vcpu_ops->set(v, VCPU_REG_EFER, (val & ~EFER_LMA) | lma);
		break;
	case MSR_IA32_PAT:
		vcpu_ops->set(v, VCPU_REG_PAT, val);
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
		d = vcpu_msr_get(v, &c, e->msr.index, &val);
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
		d = vcpu_msr_set(v, &c, e->msr.index, e->msr.value);
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

/* The first floating-bus access to a port: one line per port, rate-limited per partition. */
static void vcpu_note_port(struct vcpu *v, const struct vcpu_exit *e)
{
	u32 n = ratelimit_check(&v->part->log_rl);

	if (n)
		printk(LOG_INFO,
		       "%s: vCPU %u: I/O %s port 0x%x (%u byte%s) goes nowhere: %s (not reported "
		       "again for this port)%s\n",
		       v->part->name, v->index, e->io.in ? "read from" : "write to", e->io.port,
		       e->io.size, e->io.size > 1 ? "s" : "",
		       e->io.in ? "reads all ones" : "dropped", n > 1 ? " (more suppressed)" : "");
}

/* Ports other than the UART's and PCI's (kernel/vports.h). false when the partition ended. */
static bool vcpu_io_ports(struct vcpu *v, const struct vcpu_exit *e, u64 *val)
{
	struct partition *p = v->part;
	enum vports_action a;
	bool first;

	spin_lock(&p->dev_lock);
	a = vports_io(&p->ports, e->io.port, e->io.size, e->io.in, val, &first);
	spin_unlock(&p->dev_lock);
	if (a == VPORTS_EXIT) {
		part_exit(p, *val);
		return false;
	}
	if (a == VPORTS_RESET) {
		part_stop(p,
			  "reset requested (0x%llx written to port 0x%x): a partition does not "
			  "restart",
			  *val, e->io.port);
		return false;
	}
	if (first)
		vcpu_note_port(v, e);
	return true;
}

/* A register moved by a string instruction: only the bits of its address size change. */
static u64 vcpu_string_reg(u64 reg, u64 val, u8 addr_size)
{
	if (addr_size == 2)
		return (reg & ~0xffffULL) | (val & 0xffff);
	return addr_size == 4 ? (u32)val : val; /* a 32-bit result clears the upper half */
}

/* The guest's paging registers, for walks through its page tables. */
static struct mmio_paging vcpu_paging(struct vcpu *v)
{
	return (struct mmio_paging){ vcpu_ops->get(v, VCPU_REG_CR0), vcpu_ops->get(v, VCPU_REG_CR3),
				     vcpu_ops->get(v, VCPU_REG_CR4),
				     vcpu_ops->get(v, VCPU_REG_EFER) };
}

/*
 * The address size of a string I/O instruction when the exit does not say
 * (QEMU's SVM leaves EXITINFO1's A16/A32/A64 clear): the code segment's
 * default, switched by an address-size prefix (0x67) found at RIP in a flat
 * code segment (real mode: the default alone). 0 when unknown.
 */
static u8 vcpu_string_addr_size(struct vcpu *v, const struct vcpu_exit *e)
{
	struct mmio_paging pg = vcpu_paging(v);
	u64 cs = vcpu_ops->get(v, VCPU_REG_CS_ATTR);
	u8 code[MMIO_INSN_MAX], as;
	int n;

	if (e->io.addr_size)
		return e->io.addr_size;
	as = (pg.efer & EFER_LMA) && (cs & SEG_ATTR_L) ? 8 : (cs & SEG_ATTR_DB) ? 4 : 2;
	if (!(pg.cr0 & CR0_PE))
		return as; /* real mode: CS is not flat, the bytes are not at RIP; take the default */
	n = mmio_fetch(v->part->ram, v->part->ram_size, &pg, v->regs.rip, code);
	for (int i = 0; i < n && i < e->insn_len; i++) {
		if (code[i] == 0x67)
			return as == 4 ? 2 : 4; /* 64-bit code: 32-bit; otherwise the other one */
		if (code[i] == 0x6e || code[i] == 0x6f)
			return as; /* the OUTS opcode: no more prefixes */
	}
	return n < 0 ? 0 : as;
}

/*
 * String I/O. OUTS to a floating-bus port goes nowhere: rSI and rCX move as
 * the CPU would move them. Everything else (INS, OUTS to a device) is not
 * emulated and stops the partition. false when it stopped.
 */
static bool vcpu_io_string(struct vcpu *v, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &v->regs;
	u8 as = vcpu_string_addr_size(v, e);
	u64 mask = as == 8 ? ~0ULL : BIT(8 * as) - 1, count = e->io.rep ? r->rcx & mask : 1;
	u64 step = count * e->io.size, dummy = 0;
	bool first;

	if (e->io.in || !as || vcpu_io_uart_claims(e->io.port, e->io.size) ||
	    vpci_claims_port(e->io.port, e->io.size) || !vports_floating(e->io.port)) {
		part_stop(v->part,
			  "string I/O (%s) on port 0x%x is not emulated (vCPU %u, RIP 0x%llx)",
			  e->io.in ? "INS" : "OUTS", e->io.port, v->index, r->rip);
		return false;
	}
	r->rsi = vcpu_string_reg(r->rsi, (r->rflags & RFLAGS_DF) ? r->rsi - step : r->rsi + step,
				 as);
	if (e->io.rep)
		r->rcx = vcpu_string_reg(r->rcx, 0, as);
	spin_lock(&v->part->dev_lock);
	vports_io(&v->part->ports, e->io.port, e->io.size, false, &dummy, &first);
	spin_unlock(&v->part->dev_lock);
	if (first)
		vcpu_note_port(v, e);
	return true;
}

/* Port I/O: the vUART, the virtual PCI ports, vports' devices, and the floating bus. */
static void vcpu_io(struct vcpu *v, const struct vcpu_exit *e)
{
	struct partition *p = v->part;
	u16 port = e->io.port;
	u8 size = e->io.size;
	u64 val = v->regs.rax & (size >= 4 ? 0xffffffffULL : BIT(8 * size) - 1);

	if (e->io.string) {
		if (vcpu_io_string(v, e))
			vcpu_skip(v, e);
		return;
	}
	if (vcpu_io_uart_claims(port, size))
		val = vcpu_io_uart(p, port, size, e->io.in, v->regs.rax);
	else if (vpci_claims_port(port, size))
		val = vcpu_io_pci(p, port, size, e->io.in, v->regs.rax);
	else if (!vcpu_io_ports(v, e, &val))
		return;
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
	struct mmio_paging pg = vcpu_paging(v);
	u64 cs = vcpu_ops->get(v, VCPU_REG_CS_ATTR);
	bool lm = (pg.efer & EFER_LMA) && (cs & SEG_ATTR_L);
	u8 code[MMIO_INSN_MAX];
	struct mmio_insn in;
	int n;

	if (!lm && !(cs & SEG_ATTR_DB))
		return false; /* 16-bit code: another ModRM encoding, not decoded */
	n = mmio_fetch(p->ram, p->ram_size, &pg, v->regs.rip, code);
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
	struct part_mmio apic, *r = part_find_mmio(v->part, e->npf.gpa);

	if (virq_mmio(v, e->npf.gpa, &apic))
		r = &apic; /* the xAPIC page of this vCPU's own APIC */
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
	case VCPU_EXIT_IRQ_WINDOW: /* the loop injects before the next entry */
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
	virq_attach(v);
	while (part_running(v->part)) {
		if (!virq_ready(v)) {
			vcpu_idle(); /* halted or waiting for SIPI: until an interrupt or request */
			continue;
		}
		virq_deliver(v);
		vcpu_ops->run(v, &e);
		v->exits[e.reason]++;
		v->exits_total++;
		vcpu_handle(v, &e);
	}
	virq_detach(v);
}
