// SPDX-License-Identifier: MIT
/* assign.c: whole PCI functions given to partitions, shown to them through vPCI. */
#define LOG_TAG "assign"
#include "kernel/assign.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "iommu/iommu.h"
#include "pci/pci.h"

static u32 assign_cfg_read(const void *dev, u16 off, u8 width)
{
	const struct pci_dev *d = dev;

	if (width == 1)
		return pci_cfg_read8(d, off);
	if (width == 2)
		return pci_cfg_read16(d, off);
	return pci_cfg_read32(d, off);
}

static void assign_cfg_write(const void *dev, u16 off, u8 width, u32 val)
{
	const struct pci_dev *d = dev;

	if (width == 1)
		pci_cfg_write8(d, off, (u8)val);
	else if (width == 2)
		pci_cfg_write16(d, off, (u16)val);
	else
		pci_cfg_write32(d, off, val);
}

static const struct vpci_backend assign_be = { assign_cfg_read, assign_cfg_write };

static const char *assign_refusal(const struct pci_dev *d)
{
	if (d->owner)
		return "it is not free";
	if (pci_is_bridge(d) || d->hdr_type != PCI_HEADER_NORMAL || (d->class >> 16) == 0x06)
		return "it is a bridge";
	if (d->ecap_sriov)
		return "it is an SR-IOV physical function: the hypervisor keeps those";
	for (int i = 0; i < PCI_STD_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];

		if ((b->type == PCI_BAR_MEM32 || b->type == PCI_BAR_MEM64) && b->size &&
		    (b->size < PAGE_SIZE || !IS_ALIGNED(b->addr, PAGE_SIZE)))
			return "a memory BAR shares its page with other registers";
	}
	return NULL;
}

/* Map d's memory BARs into p from *next on, each naturally aligned; fills f->bar. */
static int assign_bars(struct partition *p, const struct pci_dev *d, struct vpci_func *f, u64 *next)
{
	for (int i = 0; i < PCI_STD_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];
		u64 gpa;

		if (b->type == PCI_BAR_IO && b->size)
			part_info(p,
				  PCI_FMT ": I/O BAR %d not given (partitions have no I/O ports)\n",
				  PCI_ARG(d), i);
		if ((b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || !b->size)
			continue;
		gpa = ALIGN_UP(*next, b->size);
		if (gpmap_map_mmio(&p->gpm, gpa, b->addr, b->size))
			return -ENOMEM;
		f->bar[i] = (struct vpci_bar){ gpa, b->size,
					       b->type == PCI_BAR_MEM64 ? VPCI_BAR_MEM64
									: VPCI_BAR_MEM32,
					       b->prefetch };
		part_info(p, PCI_FMT ": BAR %d 0x%llx+0x%llx at GPA 0x%llx\n", PCI_ARG(d), i,
			  b->addr, b->size, gpa);
		*next = gpa + b->size;
	}
	return 0;
}

/* Map the partition's RAM into its domain at IOVA = GPA, leaving out the MSI window. */
static int assign_dom_map(struct partition *p)
{
	u64 size = p->ram_size, end = IOMMU_MSI_WINDOW_END;
	int r = dom_map(p->iommu, 0, p->ram_hpa, MIN(size, IOMMU_MSI_WINDOW_BASE), IOMMU_RW);

	if (!r && size > end)
		r = dom_map(p->iommu, end, p->ram_hpa + end, size - end, IOMMU_RW);
	return r;
}

/*
 * With DMA and interrupt remapping on, p's functions go into a domain of its
 * own that reaches its RAM only, and may then master the bus. Without them a
 * function is given MMIO-only: bus mastering stays refused, so it can neither
 * DMA nor send an MSI anywhere. 0 or -errno.
 */
static int assign_domain(struct partition *p)
{
	if (!iommu_devices_assignable())
		return 0;
	p->iommu = dom_create(IOMMU_DOM_PARTITION, p->name);
	if (!p->iommu)
		return -ENOMEM;
	if (dom_grant(p->iommu, p->ram_hpa, p->ram_size) || assign_dom_map(p))
		return -ENOMEM;
	return 0;
}

static void assign_log(struct partition *p, const struct pci_dev *d, int devfn)
{
	if (p->iommu)
		part_info(p,
			  PCI_FMT " %04x:%04x is its 00:%02x.%x; its DMA reaches the partition's "
				  "RAM only (IOMMU domain %u)\n",
			  PCI_ARG(d), d->vendor, d->device, devfn >> 3, devfn & 7,
			  dom_id(p->iommu));
	else
		part_info(p,
			  PCI_FMT
			  " %04x:%04x is its 00:%02x.%x; bus mastering refused (no IOMMU)\n",
			  PCI_ARG(d), d->vendor, d->device, devfn >> 3, devfn & 7);
}

static int assign_one(struct partition *p, struct pci_dev *d, u64 *next)
{
	struct vpci_func f = {
		.dev = d,
		.be = &assign_be,
		.vendor = d->vendor,
		.device = d->device,
		.cfg_size = d->cfg_size,
		.cap_msi = d->cap_msi,
		.cap_msix = d->cap_msix,
		.cap_pcie = d->cap_pcie,
		.dma_allowed = p->iommu != NULL,
	};
	int devfn = -ENOMEM;

	if (p->iommu && iommu_attach(p->iommu, d))
		return -EBUSY;
	if (assign_bars(p, d, &f, next) == 0)
		devfn = vpci_add(&p->vpci, &f);
	if (devfn < 0) {
		if (p->iommu)
			iommu_detach(p->iommu, d);
		return devfn;
	}
	d->owner = p;
	assign_log(p, d, devfn);
	return 0;
}

void assign_release(struct partition *p)
{
	for (u32 i = 0; i < p->vpci.count; i++) {
		struct pci_dev *d = (struct pci_dev *)p->vpci.devs[i].f.dev;

		if (p->iommu)
			iommu_detach(p->iommu, d);
		d->owner = NULL;
	}
	p->vpci.count = 0;
	if (p->iommu)
		dom_destroy(p->iommu);
	p->iommu = NULL;
}

int assign_devices(struct partition *p)
{
	u64 next = p->vpci.ecam_gpa + VPCI_ECAM_SIZE;

	if (p->cfg.pci_count && assign_domain(p)) {
		part_err(p, "not started: no IOMMU domain for its PCI functions\n");
		assign_release(p);
		return -ENOMEM;
	}
	for (u32 i = 0; i < p->cfg.pci_count; i++) {
		const struct plan_bdf *b = &p->cfg.pci[i];
		struct pci_dev *d = pci_find(b->seg, b->bus, b->devfn >> 3, b->devfn & 7);
		const char *why = d ? assign_refusal(d) : "there is no such function";

		if (!why && assign_one(p, d, &next))
			why = "it cannot join the partition's IOMMU domain, or no memory to map it";
		if (why) {
			part_err(p, "not started: PCI function %04x:%02x:%02x.%x: %s\n", b->seg,
				 b->bus, b->devfn >> 3, b->devfn & 7, why);
			assign_release(p);
			return -EINVAL;
		}
	}
	return 0;
}

void assign_boot_info(const struct partition *p, struct hv_boot_info *bi)
{
	bi->dev_count = 0;
	for (u32 i = 0; i < p->vpci.count && i < HV_MAX_DEVICES; i++) {
		const struct vpci_dev *v = &p->vpci.devs[i];
		const struct pci_dev *d = v->f.dev;

		bi->devs[i] = (struct hv_dev_info){ .bdf = v->devfn,
						    .vendor = d->vendor,
						    .device = d->device,
						    .class_code = d->class };
		bi->dev_count++;
	}
}
