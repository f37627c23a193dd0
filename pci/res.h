/* SPDX-License-Identifier: MIT */
/*
 * res.h: physical address space for BARs the hypervisor places itself (VF
 * BARs): what is taken, and room inside the upstream bridges' windows, grown
 * when needed (PCI-to-PCI Bridge 1.2 3.2.5.8-3.2.5.10: 1 MiB granular windows).
 */
#ifndef PCI_RES_H
#define PCI_RES_H

#include "pci/pci.h"

/* A block of address space one function needs. */
struct pci_res_req {
	u64 size;
	u64 align;     /* power of two */
	bool prefetch; /* may go in prefetchable windows */
	bool mem64;    /* may go above 4 GiB */
};

/*
 * Does [base, base + req->size) work for BARs of dev as things stand: inside
 * every upstream window without growing one, reachable through the host
 * bridge, overlapping nothing (dev's own VF BARs aside)?
 */
bool pci_res_fits(const struct pci_dev *dev, u64 base, const struct pci_res_req *req);

/*
 * Find room for req below dev's upstream bridges, preferring room inside
 * their windows as they are, else growing the windows (each stays clear of
 * everything outside it), and program the grown windows. dev's own VF BARs
 * are ignored (they are being replaced). Returns 0 and *base, or -ENOSPC
 * after logging why.
 */
int pci_res_place(struct pci_dev *dev, const struct pci_res_req *req, u64 *base);

#endif
