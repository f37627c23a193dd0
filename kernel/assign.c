// SPDX-License-Identifier: MIT
/* assign.c: whole PCI functions given to partitions, shown to them through vPCI. */
#define LOG_TAG "assign"
#include "kernel/assign.h"
#include "drivers/igb.h"
#include "kernel/mm.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "kernel/vmsi.h"
#include "kernel/vmsix.h"
#include "iommu/iommu.h"
#include "pci/pci.h"
#include "pci/sriov.h"

/* A trapped MSI-X table, the partition whose vCPUs it reaches, and its routes. */
struct assign_msix {
	struct partition *p;
	const struct pci_dev *d;
	struct vmsix v;
	struct vmsi routes;
};

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

/*
 * The guest's MSI-X Enable and Function Mask reach the real function only
 * with interrupt remapping (its entries then hold remapped messages or stay
 * masked); without, MSI-X stays off.
 */
static void assign_msix_control(void *ctx, u16 ctrl)
{
	struct assign_msix *m = ctx;
	const struct pci_dev *d = m->d;
	u16 real = pci_cfg_read16(d, d->cap_msix + PCI_MSIX_FLAGS);
	u16 bits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

	if (!m->routes.remap)
		ctrl &= ~PCI_MSIX_FLAGS_ENABLE;
	pci_cfg_write16(d, d->cap_msix + PCI_MSIX_FLAGS, (u16)((real & ~bits) | (ctrl & bits)));
}

static const struct vpci_backend assign_be = { assign_cfg_read, assign_cfg_write,
					       assign_msix_control };

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

static u64 assign_msix_read(void *ctx, u64 gpa, u8 size)
{
	struct assign_msix *m = ctx;
	u64 v;

	spin_lock(&m->p->dev_lock);
	v = vmsix_read(&m->v, gpa, size);
	spin_unlock(&m->p->dev_lock);
	return v;
}

static void assign_msix_write(void *ctx, u64 gpa, u8 size, u64 val)
{
	struct assign_msix *m = ctx;
	int e = vmsix_entry(&m->v, gpa, size);

	spin_lock(&m->p->dev_lock);
	vmsix_write(&m->v, gpa, size, val);
	if (e >= 0)
		vmsi_update(&m->routes, (u16)e);
	spin_unlock(&m->p->dev_lock);
}

/* The partition's trapped MSI-X tables, found by their emulated ranges. */
static struct assign_msix *assign_msix_at(const struct partition *p, u32 i)
{
	return p->mmio[i].read == assign_msix_read ? p->mmio[i].ctx : NULL;
}

/* The page of BAR `bar` holding d's MSI-X table, as an offset into the BAR; ~0 when none. */
static u64 assign_msix_page(const struct pci_dev *d, int bar)
{
	if (!d->cap_msix || !d->msix.valid || d->msix.table_bir != bar)
		return ~0ULL;
	return ALIGN_DOWN((u64)d->msix.table_off, PAGE_SIZE);
}

/* Trap the MSI-X table's page at gpa: it is emulated (kernel/vmsix.h), never mapped. */
static int assign_trap_msix(struct partition *p, const struct pci_dev *d, u64 bar_hpa, u64 gpa,
			    struct vpci_func *f)
{
	u32 off = d->msix.table_off % PAGE_SIZE;
	struct assign_msix *m = kzalloc(sizeof(*m));
	volatile u8 *table = ioremap(bar_hpa + d->msix.table_off - off, PAGE_SIZE);

	if (!m || !table || p->mmio_count == PART_MAX_MMIO ||
	    vmsix_init(&m->v, p->name, table + off, gpa, off, d->msix.table_size))
		return -ENOSPC;
	m->p = p;
	m->d = d;
	vmsi_init(&m->routes, p, d->seg, (u16)(d->bus << 8 | d->devfn), &m->v, p->iommu != NULL);
	f->msix_ctx = m;
	p->mmio[p->mmio_count++] =
		(struct part_mmio){ gpa, PAGE_SIZE, assign_msix_read, assign_msix_write, m };
	part_info(p, PCI_FMT ": MSI-X table (%u entries) emulated at GPA 0x%llx\n", PCI_ARG(d),
		  d->msix.table_size, gpa + off);
	return 0;
}

/* Map one memory BAR at gpa, leaving out (and trapping) the MSI-X table's page. */
static int assign_map_bar(struct partition *p, const struct pci_dev *d, int i, u64 gpa,
			  struct vpci_func *f)
{
	const struct pci_bar *b = &d->bar[i];
	u64 t = assign_msix_page(d, i);

	if (t >= b->size)
		return gpmap_map_mmio(&p->gpm, gpa, b->addr, b->size);
	if ((t && gpmap_map_mmio(&p->gpm, gpa, b->addr, t)) ||
	    (t + PAGE_SIZE < b->size &&
	     gpmap_map_mmio(&p->gpm, gpa + t + PAGE_SIZE, b->addr + t + PAGE_SIZE,
			    b->size - t - PAGE_SIZE)))
		return -ENOMEM;
	return assign_trap_msix(p, d, b->addr + t, gpa + t, f);
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
		if (assign_map_bar(p, d, i, gpa, f))
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
	for (u32 i = 0; i < p->mmio_count; i++)
		if (assign_msix_at(p, i))
			vmsi_release(&assign_msix_at(p, i)->routes);
	for (u32 i = 0; i < p->vpci.count; i++) {
		struct pci_dev *d = (struct pci_dev *)p->vpci.devs[i].f.dev;

		if (p->iommu)
			iommu_detach(p->iommu, d);
		if (d->is_vf)
			igb_vf_release(d);
		d->owner = NULL;
	}
	p->vpci.count = 0;
	if (p->iommu)
		dom_destroy(p->iommu);
	p->iommu = NULL;
}

void assign_stop(struct partition *p)
{
	for (u32 i = 0; i < p->mmio_count; i++)
		if (assign_msix_at(p, i))
			vmsi_stop(&assign_msix_at(p, i)->routes);
	for (u32 i = 0; i < p->vpci.count; i++) {
		struct pci_dev *d = (struct pci_dev *)p->vpci.devs[i].f.dev;

		if (d->is_vf)
			igb_vf_quiesce(d);
	}
}

/* The VF the partition's vf= names; NULL with the reason in *why. */
static struct pci_dev *assign_vf_lookup(const struct partition *p, const char **why)
{
	const struct plan_vf *r = &p->cfg.vf;
	struct pci_dev *pf = igb_find(), *vf;

	*why = "there is no igb NIC with SR-IOV";
	if (!pf)
		return NULL;
	vf = r->by_bdf ? pci_find(r->bdf.seg, r->bdf.bus, r->bdf.devfn >> 3, r->bdf.devfn & 7)
		       : sriov_vf(pf, r->index);
	*why = "it is not an enabled VF of the igb PF (partitions may have VF0-VF6: the PF keeps "
	       "pool 7)";
	return vf && igb_vf_usable(vf) ? vf : NULL;
}

/* Give p the VF its vf= names, with its MAC locked by the PF, after its pci= functions. */
static int assign_vf(struct partition *p, u64 *next)
{
	const struct plan_vf *r = &p->cfg.vf;
	const char *why;
	struct pci_dev *vf = assign_vf_lookup(p, &why);

	if (vf)
		why = assign_refusal(vf);
	if (vf && !why) {
		int e = igb_vf_assign(vf, p->name, p->cfg.mac);

		why = e == -EEXIST ? "its MAC is already in use" : e ? "it is not free" : NULL;
		if (!why && assign_one(p, vf, next)) {
			igb_vf_release(vf);
			why = "it cannot join the partition's IOMMU domain, or no memory to map it";
		}
	}
	if (why) {
		if (r->by_bdf)
			part_err(p, "not started: VF %04x:%02x:%02x.%x: %s\n", r->bdf.seg,
				 r->bdf.bus, r->bdf.devfn >> 3, r->bdf.devfn & 7, why);
		else
			part_err(p, "not started: VF %u: %s\n", r->index, why);
		return -EINVAL;
	}
	p->nic = p->vpci.count - 1;
	return 0;
}

int assign_devices(struct partition *p)
{
	u64 next = p->gpa_free;

	if ((p->cfg.pci_count || p->cfg.vf.set) && assign_domain(p)) {
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
	if (p->cfg.vf.set && assign_vf(p, &next)) {
		assign_release(p);
		return -EINVAL;
	}
	p->gpa_free = next;
	return 0;
}

u16 assign_vf_demand(const struct part_config *pcs, u32 n, const struct pci_dev *pf)
{
	u32 want = 0;

	for (u32 i = 0; pf && i < n; i++) {
		const struct plan_vf *r = &pcs[i].vf;
		int idx;

		if (!pcs[i].ok || !r->set)
			continue;
		idx = r->by_bdf ? sriov_vf_index(pf, r->bdf.seg, r->bdf.bus, r->bdf.devfn)
				: r->index;
		if (idx >= 0)
			want = MAX(want, (u32)idx + 1);
	}
	return (u16)MIN(want, 0xffffu);
}

static void assign_dev_info(const struct vpci_dev *v, struct hv_dev_info *di)
{
	const struct pci_dev *d = v->f.dev;

	*di = (struct hv_dev_info){ .bdf = v->devfn,
				    .vendor = d->vendor,
				    .device = d->device,
				    .class_code = d->class };
	if (d->is_vf)
		di->flags |= HV_DEV_VF;
	if (d->cap_msix && d->msix.valid)
		di->flags |= HV_DEV_MSIX_TRAP;
	for (int b = 0; b < HV_MAX_BARS && b < VPCI_BARS; b++) {
		if (v->f.bar[b].type == VPCI_BAR_NONE)
			continue;
		di->bars[b].gpa = v->f.bar[b].gpa;
		di->bars[b].size = v->f.bar[b].size;
	}
}

void assign_boot_info(const struct partition *p, struct hv_boot_info *bi)
{
	bi->dev_count = 0;
	for (u32 i = 0; i < p->vpci.count && i < HV_MAX_DEVICES; i++) {
		assign_dev_info(&p->vpci.devs[i], &bi->devs[i]);
		bi->dev_count++;
	}
	memset(&bi->net, 0, sizeof(bi->net));
	if (p->cfg.net == PLAN_NET_NONE)
		return;
	bi->net.kind = (u8)p->cfg.net;
	memcpy(bi->net.mac, p->cfg.mac, 6);
	memcpy(bi->net.ipv4, p->cfg.ip, 4);
	bi->net.prefix_len = p->cfg.ip_prefix;
	bi->net.dev = p->cfg.net == PLAN_NET_VF ? (u8)p->nic : 0;
}
