// SPDX-License-Identifier: MIT
/* pci.c: config space of the partition's virtual PCI bus through its ECAM window. */
#include "guests/lib/pci.h"

#define PCI_BAR0          0x10
#define PCI_BAR_IO        BIT32(0)
#define PCI_BAR_MEM_64    0x4
#define PCI_BAR_MEM_TYPE  0x6
#define PCI_BAR_MEM_FLAGS 0xfULL
#define PCI_STATUS        0x06
#define PCI_STATUS_CAPS   BIT32(4)

static volatile u8 *ecam;

volatile u8 *pci_cfg(u8 devfn)
{
	if (!ecam) {
		if (!boot_info->ecam_base || map_identity(boot_info->ecam_base, 1 * MiB, true))
			return NULL;
		ecam = (volatile u8 *)boot_info->ecam_base;
	}
	return ecam + ((u64)devfn << 12);
}

u32 pci_read32(u8 devfn, u16 off)
{
	volatile u8 *c = pci_cfg(devfn);

	return c ? *(volatile u32 *)(c + off) : 0xffffffffU;
}

u16 pci_read16(u8 devfn, u16 off)
{
	volatile u8 *c = pci_cfg(devfn);

	return c ? *(volatile u16 *)(c + off) : 0xffff;
}

void pci_write16(u8 devfn, u16 off, u16 v)
{
	volatile u8 *c = pci_cfg(devfn);

	if (c)
		*(volatile u16 *)(c + off) = v;
}

void pci_write32(u8 devfn, u16 off, u32 v)
{
	volatile u8 *c = pci_cfg(devfn);

	if (c)
		*(volatile u32 *)(c + off) = v;
}

int pci_find(u16 vendor, u16 device, unsigned nth)
{
	for (u32 i = 0; i < boot_info->dev_count && i < HV_MAX_DEVICES; i++) {
		const struct hv_dev_info *d = &boot_info->devs[i];

		if (d->vendor == vendor && d->device == device && !(d->bdf >> 8) && !nth--)
			return d->bdf & 0xff;
	}
	return -1;
}

/* The BAR as the boot information lists it (version 2), or 0. */
static u64 pci_bar_info(u8 devfn, unsigned bar, u64 *size)
{
	for (u32 i = 0; i < boot_info->dev_count && i < HV_MAX_DEVICES; i++) {
		const struct hv_dev_info *d = &boot_info->devs[i];

		if (d->bdf == devfn && bar < HV_MAX_BARS && d->bars[bar].size) {
			*size = d->bars[bar].size;
			return d->bars[bar].gpa;
		}
	}
	return 0;
}

u64 pci_bar(u8 devfn, unsigned bar, u64 *size)
{
	u16 off = (u16)(PCI_BAR0 + 4 * bar);
	u32 lo = pci_read32(devfn, off), hi = 0, mask_lo, mask_hi = 0xffffffffU;
	bool wide = (lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64;
	u64 mask;

	if (pci_bar_info(devfn, bar, size))
		return pci_bar_info(devfn, bar, size);
	if (bar > 5 || (lo & PCI_BAR_IO) || (wide && bar == 5))
		return 0;
	if (wide)
		hi = pci_read32(devfn, off + 4);
	pci_write32(devfn, off, 0xffffffffU); /* sizing (PCI Local Bus 3.0 6.2.5.1) */
	mask_lo = pci_read32(devfn, off);
	pci_write32(devfn, off, lo);
	if (wide) {
		pci_write32(devfn, off + 4, 0xffffffffU);
		mask_hi = pci_read32(devfn, off + 4);
		pci_write32(devfn, off + 4, hi);
	}
	mask = ((u64)mask_hi << 32 | mask_lo) & ~PCI_BAR_MEM_FLAGS;
	if (!wide)
		mask |= 0xffffffff00000000ULL;
	*size = ~mask + 1;
	return ((u64)hi << 32 | lo) & ~PCI_BAR_MEM_FLAGS;
}

u16 pci_find_cap(u8 devfn, u8 id)
{
	u8 pos;

	if (!(pci_read16(devfn, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	pos = (u8)pci_read32(devfn, PCI_CAP_PTR) & 0xfc;
	for (int n = 0; pos >= 0x40 && n < 48; n++) { /* a loop in the list ends here */
		u32 hdr = pci_read32(devfn, pos);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (u8)(hdr >> 8) & 0xfc;
	}
	return 0;
}
