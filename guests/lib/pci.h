/* SPDX-License-Identifier: MIT */
/*
 * pci.h: the partition's virtual PCI bus 0 as a guest driver uses it: config
 * space through the ECAM window (plain MOVs, as guests/README.md requires),
 * functions found through the boot information, BARs read and sized.
 */
#ifndef GUESTS_LIB_PCI_H
#define GUESTS_LIB_PCI_H

#include "guests/lib/guest.h"

#define BIT32(n) (1U << (n))

#define PCI_COMMAND        0x04
#define PCI_COMMAND_MEMORY BIT32(1)
#define PCI_COMMAND_MASTER BIT32(2)
#define PCI_CAP_PTR        0x34
#define PCI_CAP_ID_EXP     0x10
#define PCI_EXP_DEVCTL     0x08
#define PCI_EXP_DEVCTL_FLR BIT32(15) /* Initiate Function Level Reset (PCIe Base 4.0 7.5.3.4) */

/* The devfn of the nth (0-based) function in the boot information with these IDs, or -1. */
int pci_find(u16 vendor, u16 device, unsigned nth);

/* Config space of function devfn on bus 0 (maps the ECAM window on first use); NULL on failure. */
volatile u8 *pci_cfg(u8 devfn);

u32 pci_read32(u8 devfn, u16 off);
u16 pci_read16(u8 devfn, u16 off);
void pci_write16(u8 devfn, u16 off, u16 v);
void pci_write32(u8 devfn, u16 off, u32 v);

/*
 * Guest-physical base and size of memory BAR bar: from the boot information
 * when it lists it, else read and sized in config space (64-bit aware); 0 if
 * it is not a memory BAR.
 */
u64 pci_bar(u8 devfn, unsigned bar, u64 *size);

/* Offset of the first capability with this ID in the standard list, or 0. */
u16 pci_find_cap(u8 devfn, u8 id);

#endif
