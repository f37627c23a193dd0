/* SPDX-License-Identifier: MIT */
/*
 * dmar.h: which DMA remapping unit and which RMRRs of the ACPI DMAR table
 * (kernel/acpi.h, VT-d spec chapter 8) cover a PCI function, with device
 * scopes resolved against the live bus numbering (VT-d spec 8.3.1).
 */
#ifndef IOMMU_DMAR_H
#define IOMMU_DMAR_H

#include "kernel/acpi.h"

/*
 * Reads the secondary and subordinate bus numbers of the PCI-to-PCI bridge
 * at (seg, bus, devfn): 0, or -ENODEV when no bridge answers there.
 */
typedef int (*dmar_bridge_fn)(u16 seg, u8 bus, u8 devfn, u8 *secondary, u8 *subordinate);

/* A device scope after walking its path. */
struct dmar_target {
	u8 bus;
	u8 devfn;
	bool bridge; /* scope type 2: everything on buses first_bus..last_bus too */
	u8 first_bus;
	u8 last_bus;
};

/*
 * Walk a scope's path from its start bus through the bridges it names
 * (8.3.1.1). 0, or -EINVAL (hostile entry: bad device/function number, a
 * hop that is no bridge, an empty path) so that the caller ignores it.
 */
int dmar_resolve_scope(const struct acpi_scope *s, u16 seg, dmar_bridge_fn fn,
		       struct dmar_target *t);

/* Does one of these scopes name the function, or a bridge it sits below? */
bool dmar_scopes_cover(const struct acpi_scope *scopes, unsigned int n, u16 seg, u16 rid,
		       dmar_bridge_fn fn);

/*
 * The DRHD translating requests from (seg, rid): a unit whose scopes name it,
 * else the segment's INCLUDE_PCI_ALL unit (8.3). Index, or -ENODEV.
 */
int dmar_unit_of(const struct acpi_dmar *dmar, u16 seg, u16 rid, dmar_bridge_fn fn);

/* Does this RMRR (8.4) name the function? */
bool dmar_rmrr_names(const struct acpi_rmrr *r, u16 seg, u16 rid, dmar_bridge_fn fn);

/*
 * Source-id of the I/O APIC with this id, as a DRHD's scope declares it
 * (type 3), for interrupt remapping of its interrupts. Unit index or -ENODEV.
 */
int dmar_ioapic_sid(const struct acpi_dmar *dmar, u8 ioapic_id, dmar_bridge_fn fn, u16 *seg,
		    u16 *rid);

#endif
