/* SPDX-License-Identifier: MIT */
/*
 * assign.h: PCI functions given to a partition (module key pci=): checked,
 * their memory BARs mapped into the partition above its ECAM window, put on
 * its virtual PCI bus, listed in its boot information. With DMA and interrupt
 * remapping on, the partition's functions share an IOMMU domain mapping its
 * RAM at IOVA = GPA and may master the bus; without, they are MMIO-only (bus
 * mastering refused). A partition's VF (module key vf=) comes the same way,
 * last on its bus, with its MAC locked by the PF driver (drivers/igb.h).
 * The MSI-X table page of every function is trapped (kernel/vmsix.h).
 */
#ifndef KERNEL_ASSIGN_H
#define KERNEL_ASSIGN_H

#include "kernel/hvabi.h"
#include "kernel/plan.h"

struct partition;
struct pci_dev;

/*
 * Give p the functions and the VF its configuration names. Each must exist, be free,
 * be an endpoint that is not an SR-IOV physical function, have no memory BAR
 * smaller than a page (it could not be mapped alone) and, with the IOMMU on,
 * be able to join the partition's domain. Allocates that domain. Returns 0,
 * or -errno after one line saying which function and why; then none is given.
 */
int assign_devices(struct partition *p);

/* VFs of SR-IOV PF pf that the n planned partitions name: the highest VF index + 1. */
u16 assign_vf_demand(const struct part_config *pcs, u32 n, const struct pci_dev *pf);

/* Give p's functions back (a partition that could not be built). */
void assign_release(struct partition *p);

/* p stopped: its VF stops receiving and sending (its pool is closed). Any CPU. */
void assign_stop(struct partition *p);

/* Fill the boot information's device list from p's virtual bus. */
void assign_boot_info(const struct partition *p, struct hv_boot_info *bi);

#endif
