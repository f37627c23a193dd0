// SPDX-License-Identifier: MIT
/* vmsi.c: a partition's MSI-X entries routed through interrupt remapping into its vCPUs. */
#define LOG_TAG "vmsi"
#include "kernel/vmsi.h"
#include "iommu/iommu.h"
#include "kernel/cpu.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "kernel/vector.h"
#include "kernel/virq.h"

/* The route behind each host vector, read by the handler on whichever CPU it runs. */
static struct vmsi_route *vmsi_routes[256];

/* A host vector of a routed entry fired: raise the guest's vector in its vCPU's APIC. */
static void vmsi_irq(struct irq_frame *f)
{
	struct vmsi_route *r = __atomic_load_n(&vmsi_routes[f->vector & 0xff], __ATOMIC_ACQUIRE);
	struct vcpu *v;

	if (!r)
		return;
	v = __atomic_load_n(&r->target, __ATOMIC_ACQUIRE);
	if (!v || !part_running(v->part))
		return;
	r->count++;
	__atomic_fetch_add(&v->irqs.msi, 1, __ATOMIC_RELAXED);
	virq_raise(v, __atomic_load_n(&r->vector, __ATOMIC_ACQUIRE));
}

void vmsi_init(struct vmsi *m, struct partition *p, u16 seg, u16 rid, struct vmsix *t, bool remap)
{
	memset(m, 0, sizeof(*m));
	m->p = p;
	m->seg = seg;
	m->rid = rid;
	m->table = t;
	m->remap = remap;
	for (u32 i = 0; i < VMSIX_MAX_ENTRIES; i++)
		m->r[i] = (struct vmsi_route){ .host_vector = -1, .irte = -1 };
}

static void vmsi_refuse(struct vmsi *m, u16 e, const char *why)
{
	u32 n = ratelimit_check(&m->p->log_rl);

	if (n)
		printk(LOG_INFO,
		       "%s: MSI-X entry %u of %04x:%02x:%02x.%x (address 0x%x, data 0x%x) kept "
		       "masked: %s%s\n",
		       m->p->name, e, m->seg, m->rid >> 8, (m->rid >> 3) & 0x1f, m->rid & 7,
		       m->table->guest[e][0], m->table->guest[e][2], why,
		       n > 1 ? " (more suppressed)" : "");
}

/* A host vector and an IRTE to the target's CPU for route r; 0 or -errno (why logged). */
static int vmsi_connect(struct vmsi *m, u16 e, struct vmsi_route *r, struct vcpu *t)
{
	struct msi_msg msg;

	if (r->host_vector < 0) {
		r->host_vector = vector_alloc(vmsi_irq);
		if (r->host_vector < 0)
			return vmsi_refuse(m, e, "no free host vector"), -ENOSPC;
		__atomic_store_n(&vmsi_routes[r->host_vector], r, __ATOMIC_RELEASE);
	}
	if (r->irte >= 0 && r->irte_cpu == t->cpu)
		return 0;
	if (r->irte >= 0)
		ir_free_rid(m->seg, m->rid, r->irte);
	r->irte = ir_alloc_rid(m->seg, m->rid, cpus[t->cpu].apic_id, (u8)r->host_vector, &msg);
	if (r->irte < 0)
		return vmsi_refuse(m, e, "no interrupt-remapping entry"), -ENOSPC;
	r->irte_cpu = t->cpu;
	vmsix_real_program(m->table, e, msg.addr, msg.data);
	return 0;
}

void vmsi_update(struct vmsi *m, u16 e)
{
	struct vmsi_route *r = &m->r[e];
	struct vmsix_msg msg;
	const char *why = NULL;
	struct vcpu *t = NULL;

	if (e >= m->table->entries)
		return;
	vmsix_real_mask(m->table, e, true);
	if (!vmsix_guest_unmasked(m->table, e) || !part_running(m->p))
		return;
	if (!m->remap)
		why = "no interrupt remapping: MSI-X is not delivered";
	else if (!vmsix_decode(m->table, e, &msg, &why))
		t = virq_msi_target(m->p, msg.dest, msg.logical);
	if (!why && !t)
		why = "its destination names no vCPU of the partition";
	if (why) {
		vmsi_refuse(m, e, why);
		return;
	}
	if (vmsi_connect(m, e, r, t))
		return;
	__atomic_store_n(&r->vector, msg.vector, __ATOMIC_RELEASE);
	__atomic_store_n(&r->target, t, __ATOMIC_RELEASE);
	vmsix_real_mask(m->table, e, false);
}

u64 vmsi_count(const struct vmsi *m)
{
	u64 n = 0;

	for (u32 i = 0; i < m->table->entries; i++)
		n += m->r[i].count;
	return n;
}

void vmsi_stop(struct vmsi *m)
{
	for (u16 i = 0; i < m->table->entries; i++)
		vmsix_real_mask(m->table, i, true);
}

void vmsi_release(struct vmsi *m)
{
	vmsi_stop(m);
	for (u32 i = 0; i < m->table->entries; i++) {
		struct vmsi_route *r = &m->r[i];

		if (r->irte >= 0)
			ir_free_rid(m->seg, m->rid, r->irte);
		if (r->host_vector >= 0) {
			__atomic_store_n(&vmsi_routes[r->host_vector], NULL, __ATOMIC_RELEASE);
			vector_free(r->host_vector);
		}
		r->irte = r->host_vector = -1;
	}
}
