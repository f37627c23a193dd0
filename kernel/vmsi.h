/* SPDX-License-Identifier: MIT */
/*
 * vmsi.h: MSI-X of a partition's PCI function delivered into its vCPUs. The
 * guest programs its (trapped) MSI-X table as on bare metal (kernel/vmsix.h);
 * when it unmasks an entry whose message names one of its vCPUs, this unit
 * allocates a host vector and an interrupt-remapping entry that lets only
 * that function (its requester ID) raise that vector on the host CPU of that
 * vCPU, programs the real entry with the remapped message and unmasks it.
 * The vector's handler raises the guest's vector in the vCPU's virtual APIC.
 * The guest never chooses a host vector or a host destination; without
 * interrupt remapping nothing is ever unmasked.
 */
#ifndef KERNEL_VMSI_H
#define KERNEL_VMSI_H

#include "kernel/types.h"
#include "kernel/vmsix.h"

struct partition;
struct vcpu;

/* One entry's route: where its interrupts go on the host and in the guest. */
struct vmsi_route {
	int host_vector;     /* vector_alloc()'d, -1: none yet */
	int irte;            /* ir_alloc_rid() handle, -1: none */
	u32 irte_cpu;        /* the host CPU (cpus[] index) the IRTE targets */
	struct vcpu *target; /* the vCPU it is raised on */
	u8 vector;           /* the guest's vector */
	u64 count;           /* interrupts delivered */
};

struct vmsi {
	struct partition *p;
	u16 seg, rid; /* the function's requester ID (the IRTEs check it) */
	struct vmsix *table;
	bool remap; /* interrupt remapping is on: entries may be unmasked */
	struct vmsi_route r[VMSIX_MAX_ENTRIES];
};

/* Routes for the function seg:rid of partition p whose table t emulates. */
void vmsi_init(struct vmsi *m, struct partition *p, u16 seg, u16 rid, struct vmsix *t, bool remap);

/*
 * The guest wrote entry e (address, data or its mask bit): unmask the real
 * entry with a remapped message if the guest's is unmasked and deliverable,
 * else keep it masked (one rate-limited line says why). May allocate a host
 * vector and an IRTE. Called with the partition's device lock held.
 */
void vmsi_update(struct vmsi *m, u16 e);

/* Interrupts delivered through m's entries. */
u64 vmsi_count(const struct vmsi *m);

/* The partition stopped: mask every real entry (routes stay until vmsi_release). */
void vmsi_stop(struct vmsi *m);

/* Free every host vector and IRTE (the partition is being taken apart). */
void vmsi_release(struct vmsi *m);

#endif
