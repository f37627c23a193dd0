/* SPDX-License-Identifier: MIT */
/*
 * pvnet.h: the paravirtual NIC of partitions configured with net=pv, and the
 * hypervisor's fast path that switches it: a ring pair in a window of
 * hypervisor memory mapped into the partition (kernel/hvabi.h), served by a
 * poll loop on CPU 0 that moves frames between those rings and the wire
 * through the PF's own queue pair (drivers/igb_fp.h). The partition's MAC is
 * a receive address of the PF's pool, so the NIC filters for it as for a VF;
 * the fast path hands each frame to the partition it is addressed to, and
 * drops (counts, logs) every frame a partition sends with a source MAC not
 * its own. This is the software-switched path the VF path is measured
 * against (make bench).
 */
#ifndef KERNEL_PVNET_H
#define KERNEL_PVNET_H

#include "kernel/hvabi.h"
#include "kernel/types.h"

struct partition;

/*
 * Give p (net=pv) its paravirtual NIC: the window (zeroed, hypervisor-owned,
 * mapped write-back into p only, at the next 2 MiB boundary of p->gpa_free),
 * its MAC as a receive address of the PF's pool. 0, or -errno after one line
 * saying why (no igb PF with a queue of its own, the MAC in use, no memory).
 */
int pvnet_attach(struct partition *p);

/* Undo pvnet_attach (a partition that could not be built). */
void pvnet_release(struct partition *p);

/* p stopped: its rings are no longer served, its MAC no longer received. Any CPU. */
void pvnet_stop(struct partition *p);

/* Fill the boot information's pvnet field. */
void pvnet_boot_info(const struct partition *p, struct hv_boot_info *bi);

/*
 * CPU 0 after boot: poll the PF's queue and every pv partition's rings until
 * none is running, with interrupts on (the mailbox server and IPIs still
 * run). Returns at once when no partition has a pv NIC.
 */
void pvnet_run(void);

#endif
