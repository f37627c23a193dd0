/* SPDX-License-Identifier: MIT */
/*
 * igb.h: the hypervisor's driver of an Intel 82576 PF (QEMU's igb): reset,
 * link, VMDq/SR-IOV with one pool per VF and pool 7 for the PF's own queues,
 * the PF-to-VF mailbox server (igb_mbx.h) on CPU 0, VF resets, and the locked
 * MAC of each VF a partition is given. Partitions reach their VF directly;
 * the PF is the hypervisor's alone.
 */
#ifndef DRIVERS_IGB_H
#define DRIVERS_IGB_H

#include "kernel/types.h"

struct pci_dev;

/* The first 82576 PF with an SR-IOV capability in the device table, or NULL. */
struct pci_dev *igb_find(void);

/*
 * Bring up PF `pf` on the boot CPU, after iommu_init(): keep the VFs the
 * sriov= option enabled, or else enable want_vfs VFs, at most 7 so that the
 * PF keeps pool 7 (igb_hw.h), reset, link (PHY autonegotiation), VMDq with
 * anti-spoofing, the PF's receive/transmit queue pair in its pool with its
 * rings in the hypervisor's IOMMU domain, the mailbox interrupt on CPU 0,
 * then PF Reset Done so VFs may start. Returns 0 or -errno (logged).
 */
int igb_init(struct pci_dev *pf, u16 want_vfs);

/* Is vf a VF of the running PF that may be given to a partition? */
bool igb_vf_usable(const struct pci_dev *vf);

/*
 * Give VF vf to partition `owner` with its locked MAC: the MAC goes into the
 * VF's receive address entry for its pool (the pool stays closed until the
 * VF's RESET message). Logs "igb: VF1 (0000:01:10.2) -> p2, MAC ...".
 * 0, -ENODEV (not a usable VF), -EBUSY (already given), -EEXIST (MAC in use).
 */
int igb_vf_assign(struct pci_dev *vf, const char *owner, const u8 mac[6]);

/* Take the VF back (a partition that could not be built): pool closed, MAC removed. */
void igb_vf_release(struct pci_dev *vf);

/*
 * Its partition stopped: close the VF's pool (nothing more is received or
 * sent for it) and refuse its messages until a RESET. Any CPU, any context
 * but NMI; takes the PF's lock with interrupts off.
 */
void igb_vf_quiesce(struct pci_dev *vf);

/* MACs the PF's own pool may receive besides its own (IGB_PF_MACS receive address entries). */
#define IGB_PF_MACS 15

/*
 * Also receive unicast to `mac` on the PF's own queue pair (igb_fp.h): a
 * receive address entry steering to the PF's pool, for the hypervisor's
 * paravirtual NICs. 0, -EEXIST (the PF's, a VF's or another such MAC),
 * -ENOSPC (IGB_PF_MACS in use), -ENODEV (no PF running, or it has no pool).
 */
int igb_pf_mac_add(const u8 mac[6]);

/* Stop receiving `mac` on the PF's queue (a pv partition that could not be built). */
void igb_pf_mac_del(const u8 mac[6]);

/* What the PF driver counted since boot (logs, self-tests). */
struct igb_stats {
	u64 irqs;    /* mailbox/link/PF-queue interrupts served */
	u64 msgs;    /* VF messages answered */
	u64 nacks;   /* ... of which refused */
	u64 dropped; /* VF messages ignored (flood, lock held) */
	u64 flrs;    /* VF resets seen (VFLRE) */
	u64 pf_rx;   /* frames received on the PF's queue (igb_fp.h) */
	u64 pf_tx;   /* frames sent from the PF's queue */
};
void igb_get_stats(struct igb_stats *s);

#endif
