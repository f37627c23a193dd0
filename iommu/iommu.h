/* SPDX-License-Identifier: MIT */
/*
 * iommu.h: the vendor-neutral IOMMU interface: DMA domains (one second-level
 * address space each, one per partition plus one for the hypervisor's own
 * devices), device attachment, interrupt remapping and fault counters.
 * vtd.c implements it for Intel VT-d; nothing outside iommu/ knows a
 * remapping register, a context entry or an IRTE.
 */
#ifndef IOMMU_IOMMU_H
#define IOMMU_IOMMU_H

#include "kernel/types.h"

struct pci_dev;
struct iommu_domain;

/* Permissions of a DMA mapping. */
#define IOMMU_READ  BIT(0)
#define IOMMU_WRITE BIT(1)
#define IOMMU_RW    (IOMMU_READ | IOMMU_WRITE)

/*
 * Who a domain belongs to decides what it may map (dom_map):
 *  - IOMMU_DOM_PARTITION: only memory granted to it with dom_grant();
 *  - IOMMU_DOM_HV: the hypervisor's own DMA buffers (phys_alloc'd), never
 *    the hypervisor image, the IOMMU's tables or memory granted to a partition.
 */
enum iommu_dom_kind {
	IOMMU_DOM_HV,
	IOMMU_DOM_PARTITION,
};

/* DMA cannot reach addresses in this window: requests there are interrupts (VT-d spec 3.14). */
#define IOMMU_MSI_WINDOW_BASE 0xfee00000ULL
#define IOMMU_MSI_WINDOW_END  0xfef00000ULL /* exclusive */

/* An MSI address/data pair, as a device must be programmed with it. */
struct msi_msg {
	u64 addr;
	u32 data;
};

/*
 * Find and bring up every remapping unit (after ACPI and PCI enumeration):
 * root tables, queued invalidation, fault reporting, interrupt remapping,
 * the hypervisor's domain, RMRR identity maps, then translation. Returns 0
 * when every PCI function is behind an enabled unit; otherwise logs why and
 * returns -ENODEV, and iommu_dma_protected() stays false.
 */
int iommu_init(void);

/*
 * True once DMA remapping is on for every unit. The partition layer must not
 * hand a device to a partition when this is false.
 */
bool iommu_dma_protected(void);

/* True once interrupt remapping is on for every unit (compatibility format blocked). */
bool iommu_intr_remapped(void);

/*
 * Both of the above: a device's DMA and its interrupts are confined. The
 * partition layer hands a device to a partition only when this is true.
 */
bool iommu_devices_assignable(void);

/* The domain of the hypervisor's own devices (NULL before iommu_init succeeds). */
struct iommu_domain *iommu_hv_domain(void);

/* A new, empty domain with its own domain ID; NULL (logged) when IDs or memory run out. */
struct iommu_domain *dom_create(enum iommu_dom_kind kind, const char *name);

/* Unmap everything and free the domain; -EBUSY while devices are attached. */
int dom_destroy(struct iommu_domain *dom);

/*
 * Give a partition domain the right to map [hpa, hpa + size): memory the
 * partition layer allocated for that partition. Refused (-EPERM, logged)
 * for the hypervisor image, the IOMMU's own tables and memory already
 * granted to another domain.
 */
int dom_grant(struct iommu_domain *dom, paddr_t hpa, u64 size);

/*
 * Map [iova, iova + size) to [hpa, hpa + size) with IOMMU_READ or IOMMU_RW
 * (the shared table builder has no write-only mappings),
 * using 2 MiB / 1 GiB pages where the hardware and alignment allow, then
 * invalidate what the hardware needs (caching mode). All three must be 4 KiB
 * aligned. Returns 0, -EINVAL (bad range), -EPERM (memory the domain may not
 * map, logged), -EEXIST (part of the range is mapped) or -ENOMEM.
 */
int dom_map(struct iommu_domain *dom, u64 iova, paddr_t hpa, u64 size, u32 perms);

/* Remove [iova, iova + size) and wait until no IOTLB holds it. 0 or -EINVAL/-EIO. */
int dom_unmap(struct iommu_domain *dom, u64 iova, u64 size);

/* Software walk of a domain's tables: 0 with *hpa and *perms set, or -ENOENT. */
int dom_translate(struct iommu_domain *dom, u64 iova, paddr_t *hpa, u32 *perms);

/* The domain's hardware domain ID, and the DMA faults its devices caused. */
u16 dom_id(const struct iommu_domain *dom);
u64 dom_fault_count(const struct iommu_domain *dom);

/*
 * Put a PCI function into a domain (its DMA is then translated by the
 * domain's tables) or take it out (its DMA then faults). A device named by
 * an RMRR gets that range identity-mapped, and may not join a partition.
 * 0, -ENODEV (no unit covers it), -EBUSY (already in a domain), -EPERM.
 */
int iommu_attach(struct iommu_domain *dom, struct pci_dev *dev);
int iommu_detach(struct iommu_domain *dom, struct pci_dev *dev);

/* The same by segment and requester ID (bus << 8 | devfn). */
int iommu_attach_rid(struct iommu_domain *dom, u16 seg, u16 rid);
int iommu_detach_rid(struct iommu_domain *dom, u16 seg, u16 rid);

/*
 * Allocate an interrupt-remapping entry that lets `dev` (and only it: the
 * entry checks its requester ID) raise `vector` on the CPU with APIC ID
 * `dest_apic_id`, fixed delivery, edge. Fills *msg with the MSI address/data
 * to program into the device. Returns a handle (>= 0) for ir_free, or
 * -ENODEV (no interrupt remapping), -ENOSPC, -EINVAL.
 */
int ir_alloc(struct pci_dev *dev, u32 dest_apic_id, u8 vector, struct msi_msg *msg);
int ir_alloc_rid(u16 seg, u16 rid, u32 dest_apic_id, u8 vector, struct msi_msg *msg);

/* Make the entry not present (and flush it from the interrupt entry cache). */
int ir_free(struct pci_dev *dev, int handle);
int ir_free_rid(u16 seg, u16 rid, int handle);

/* DMA and interrupt faults recorded for one requester ID since boot. */
u64 iommu_fault_count(u16 seg, u16 rid);

/* Times the hardware ran out of fault records and dropped faults since boot. */
u64 iommu_faults_lost(void);

/* Tests: hold fault events back (faults stay recorded), then let them through. */
void iommu_fault_events(bool on);

#endif
