/* SPDX-License-Identifier: MIT */
/*
 * edu.h: QEMU's educational PCI device (1234:11e8, QEMU docs/specs/edu.rst),
 * a DMA engine with a 4 KiB buffer and one MSI: the device the IOMMU
 * self-tests point at memory they may and may not reach.
 */
#ifndef DRIVERS_EDU_H
#define DRIVERS_EDU_H

#include "iommu/iommu.h"
#include "kernel/types.h"

#define EDU_BUF      0x40000 /* the device's buffer, as its DMA registers address it */
#define EDU_BUF_SIZE 4096

struct edu {
	struct pci_dev *pci;
	u8 *regs; /* BAR0, 1 MiB */
};

/*
 * Find the next edu after `from` (NULL: the first), map its BAR0, enable
 * memory decoding and bus mastering. 0 or -ENODEV.
 */
int edu_init(struct edu *e, struct pci_dev *from);

/*
 * One DMA of len bytes between the device's buffer (at EDU_BUF + off) and
 * bus address `addr`, to_ram choosing the direction; waits until the device
 * reports it done (it starts 100 ms of virtual time later). 0 or -ETIMEDOUT.
 * Whether the bytes arrived is for the caller to check: a blocked DMA is
 * dropped silently by the device.
 */
int edu_dma(struct edu *e, bool to_ram, u64 addr, u32 off, u32 len);

/* Program the MSI capability with msg and enable it (or disable it: msg NULL). */
void edu_msi(struct edu *e, const struct msi_msg *msg);

/* Raise interrupt status bits (an MSI goes out while any is set), and acknowledge them. */
void edu_irq_raise(struct edu *e, u32 bits);
void edu_irq_ack(struct edu *e, u32 bits);

#endif
