// SPDX-License-Identifier: MIT
/* virq.c: the vCPUs' virtual local APICs wired to host timers, IPIs and injection. */
#define LOG_TAG "virq"
#include "kernel/virq.h"
#include "kernel/cpu.h"
#include "kernel/io.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"

#define RFLAGS_IF        BIT(9)
#define CR0_ET           BIT(4)
#define CR0_NW           BIT(29)
#define CR0_CD           BIT(30)
#define SEG_ATTR_RM_CODE 0x09b /* P, S, execute/read accessed, 16-bit */
#define SEG_ATTR_RM_DATA 0x093 /* P, S, read/write accessed, 16-bit */

/* The vCPU each CPU runs, for the timer's callback (interrupt context, no argument). */
static struct vcpu *virq_here[MAX_CPUS];

static void virq_note(struct vcpu *v, const char *what, u64 a)
{
	u32 n = ratelimit_check(&v->part->log_rl);

	if (n)
		printk(LOG_INFO, "%s: vCPU %u: %s 0x%llx%s\n", v->part->name, v->index, what, a,
		       n > 1 ? " (more suppressed)" : "");
}

void virq_init(struct vcpu *v)
{
	vlapic_init(&v->lapic, v->index, v->index == 0);
}

/* ---- The timer: the guest's deadline on this CPU's one host timer ---- */

static void virq_timer_fn(void);

static void virq_timer_sync(struct vcpu *v)
{
	u64 deadline = vlapic_timer_deadline(&v->lapic), now = clock_ns();

	if (!deadline)
		timer_cancel();
	else
		timer_arm(v->cpu, deadline > now ? deadline - now : 0, virq_timer_fn);
}

/* The host timer fired on this CPU: the guest's timer is due (or an early interrupt came). */
static void virq_timer_fn(void)
{
	struct vcpu *v = virq_here[smp_cpu_index()];
	u64 fired;

	if (!v)
		return;
	fired = v->lapic.timer_fired;
	if (vlapic_timer_expire(&v->lapic, clock_ns()) & VLAPIC_ACT_TIMER)
		virq_timer_sync(v);
	v->irqs.timer += v->lapic.timer_fired - fired;
}

void virq_attach(struct vcpu *v)
{
	virq_here[v->cpu] = v;
}

void virq_detach(struct vcpu *v)
{
	timer_cancel();
	virq_here[v->cpu] = NULL;
}

/* ---- IPIs: only ever to the partition's own vCPUs ---- */

static void virq_kick(struct vcpu *t)
{
	if (t->cpu != smp_cpu_index())
		smp_kick(t->cpu);
}

void virq_raise(struct vcpu *v, u8 vector)
{
	if (vlapic_accept(&v->lapic, vector))
		virq_kick(v);
}

static void virq_request(struct vcpu *t, u32 req)
{
	__atomic_fetch_or(&t->requests, req, __ATOMIC_ACQ_REL);
	virq_kick(t);
}

static bool virq_ipi_names(const struct vcpu *src, const struct vcpu *t,
			   const struct vlapic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return t == src;
	case VLAPIC_SH_ALL:
		return true;
	case VLAPIC_SH_OTHERS:
		return t != src;
	default:
		return vlapic_match(&t->lapic, ipi->dest, ipi->logical, ipi->x2apic);
	}
}

static void virq_ipi_one(struct vcpu *src, struct vcpu *t, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case VLAPIC_FIXED:
	case VLAPIC_LOWEST:
		if (vlapic_accept(&t->lapic, ipi->vector)) {
			__atomic_fetch_add(&t->irqs.ipi, 1, __ATOMIC_RELAXED);
			virq_kick(t);
		}
		break;
	case VLAPIC_INIT:
		if (!ipi->level_deassert && t != src)
			virq_request(t, VCPU_REQ_INIT);
		break;
	case VLAPIC_SIPI:
		if (t != src) {
			__atomic_store_n(&t->sipi_vector, ipi->vector, __ATOMIC_RELEASE);
			virq_request(t, VCPU_REQ_SIPI);
		}
		break;
	default:
		virq_note(src, "IPI not delivered (NMI and SMI are not emulated), ICR", ipi->mode);
		break;
	}
}

/*
 * Send an IPI: the targets are found among the partition's own vCPUs only,
 * so no destination, however chosen, reaches a host CPU or another
 * partition. Lowest priority goes to the first match.
 */
static void virq_send(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	struct partition *p = src->part;
	bool any = false;

	for (u32 i = 0; i < p->vcpu_count; i++) {
		struct vcpu *t = p->vcpus[i];

		if (!t || !virq_ipi_names(src, t, ipi))
			continue;
		virq_ipi_one(src, t, ipi);
		any = true;
		if (ipi->mode == VLAPIC_LOWEST)
			break;
	}
	if (!any && ipi->shorthand == VLAPIC_SH_NONE)
		virq_note(src, "IPI names no vCPU of this partition, destination", ipi->dest);
}

static void virq_actions(struct vcpu *v, int act, const struct vlapic_ipi *ipi)
{
	if (act & VLAPIC_ACT_TIMER)
		virq_timer_sync(v);
	if (act & VLAPIC_ACT_IPI)
		virq_send(v, ipi);
}

/* ---- INIT, SIPI and HLT ---- */

/* The state a start-up IPI gives (SDM Vol. 3A 9.1.1, 11.4.4.1): real mode at vector << 12. */
static void virq_sipi_state(u8 vector, struct vcpu_state *s)
{
	struct vcpu_seg data = { .sel = 0, .attr = SEG_ATTR_RM_DATA, .limit = 0xffff, .base = 0 };

	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;
	s->cs = (struct vcpu_seg){ .sel = (u16)(vector << 8),
				   .attr = SEG_ATTR_RM_CODE,
				   .limit = 0xffff,
				   .base = (u64)vector << 12 };
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct vcpu_seg){ .sel = 0, .attr = SEG_ATTR_TSS32, .limit = 0xffff, .base = 0 };
	s->ldtr = (struct vcpu_seg){ .sel = 0, .attr = SEG_ATTR_LDT, .limit = 0xffff, .base = 0 };
	s->gdtr = (struct vcpu_dtr){ 0, 0xffff };
	s->idtr = (struct vcpu_dtr){ 0, 0xffff };
	s->regs.rflags = BIT(1);
}

static void virq_requests(struct vcpu *v)
{
	u32 req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_ACQ_REL);
	struct vcpu_state s;

	if (req & VCPU_REQ_INIT) {
		v->wait_sipi = true;
		v->halted = false;
		vlapic_reset(&v->lapic);
		timer_cancel();
	}
	if ((req & VCPU_REQ_SIPI) && v->wait_sipi) {
		virq_sipi_state(__atomic_load_n(&v->sipi_vector, __ATOMIC_ACQUIRE), &s);
		vcpu_ops->load_state(v, &s);
		v->regs = s.regs;
		v->wait_sipi = false;
		v->irq_window = false;
		part_info(v->part, "vCPU %u started at 0x%x (INIT, SIPI)\n", v->index,
			  v->sipi_vector << 12);
	}
}

bool virq_ready(struct vcpu *v)
{
	if (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE))
		virq_requests(v);
	if (v->wait_sipi)
		return false;
	if (v->halted) {
		/* HLT ends with an interrupt the guest would take (RFLAGS.IF set). */
		if (vlapic_pending(&v->lapic) < 0 || !(v->regs.rflags & RFLAGS_IF))
			return false;
		v->halted = false;
	}
	return true;
}

static void virq_window(struct vcpu *v, bool on)
{
	if (v->irq_window != on) {
		vcpu_ops->irq_window(v, on);
		v->irq_window = on;
	}
}

void virq_deliver(struct vcpu *v)
{
	int vec = vlapic_pending(&v->lapic);
	struct vcpu_event ev = { VCPU_EVENT_IRQ, 0, false, 0 };

	if (vec < 0) {
		virq_window(v, false);
		return;
	}
	if (!vcpu_ops->interruptible(v)) {
		virq_window(v, true);
		return;
	}
	virq_window(v, false);
	vlapic_ack(&v->lapic, (u8)vec);
	ev.vector = (u8)vec;
	vcpu_inject(v, &ev);
	v->irqs.injected++;
}

/* ---- Register access ---- */

/* The guest's TSC value `tsc` on the clock_ns() scale (a TSC deadline; 0 disarms). */
static u64 virq_guest_tsc_ns(struct vcpu *v, u64 tsc)
{
	s64 host = (s64)(tsc - vcpu_ops->get(v, VCPU_REG_TSC_OFFSET));

	if (!tsc)
		return 0;
	return host <= 0 ? 1 : timer_tsc_to_ns((u64)host); /* before the TSC's 0: long past */
}

enum policy_msr virq_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_IA32_APIC_BASE) {
		*val = v->lapic.base;
		return POLICY_MSR_DONE;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = vlapic_get_tsc_deadline(&v->lapic);
		return POLICY_MSR_DONE;
	}
	return vlapic_msr_read(&v->lapic, msr, val, clock_ns()) ? POLICY_MSR_GP : POLICY_MSR_DONE;
}

enum policy_msr virq_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic_ipi ipi;
	int act;

	if (msr == MSR_IA32_APIC_BASE) {
		act = vlapic_set_base(&v->lapic, val);
		if (!act)
			virq_timer_sync(v); /* disabling resets the timer */
		return act ? POLICY_MSR_GP : POLICY_MSR_DONE;
	}
	if (msr == MSR_IA32_TSC_DEADLINE)
		act = vlapic_set_tsc_deadline(&v->lapic, val, virq_guest_tsc_ns(v, val));
	else
		act = vlapic_msr_write(&v->lapic, msr, val, clock_ns(), &ipi);
	if (act < 0)
		return POLICY_MSR_GP;
	virq_actions(v, act, &ipi);
	return POLICY_MSR_DONE;
}

/* xAPIC page accesses: 32-bit loads and stores of the registers; anything else reads 0. */
static u64 virq_mmio_read(void *ctx, u64 gpa, u8 size)
{
	struct vcpu *v = ctx;

	if (size != 4 || (gpa & 3))
		return 0;
	return vlapic_mmio_read(&v->lapic, (u32)(gpa & (VLAPIC_PAGE_SIZE - 1)), clock_ns());
}

static void virq_mmio_write(void *ctx, u64 gpa, u8 size, u64 val)
{
	struct vcpu *v = ctx;
	struct vlapic_ipi ipi;
	int act;

	if (size != 4 || (gpa & 3)) {
		virq_note(v, "APIC page: access of the wrong size dropped at", gpa);
		return;
	}
	act = vlapic_mmio_write(&v->lapic, (u32)(gpa & (VLAPIC_PAGE_SIZE - 1)), (u32)val,
				clock_ns(), &ipi);
	virq_actions(v, act, &ipi);
}

bool virq_mmio(struct vcpu *v, u64 gpa, struct part_mmio *r)
{
	if (!vlapic_xapic(&v->lapic) || gpa - VLAPIC_BASE_GPA >= VLAPIC_PAGE_SIZE)
		return false;
	*r = (struct part_mmio){ VLAPIC_BASE_GPA, VLAPIC_PAGE_SIZE, virq_mmio_read, virq_mmio_write,
				 v };
	return true;
}

struct vcpu *virq_msi_target(struct partition *p, u8 dest, bool logical)
{
	for (u32 i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i] && vlapic_match(&p->vcpus[i]->lapic, dest, logical, false))
			return p->vcpus[i];
	return NULL;
}
