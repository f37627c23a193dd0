/* SPDX-License-Identifier: MIT */
/*
 * sriov.h: Single Root I/O Virtualization: a PF's virtual functions, their
 * Routing IDs and BARs (PCIe SR-IOV 1.1 ch. 2-3; PCIe Base 4.0 9.2-9.3).
 */
#ifndef PCI_SRIOV_H
#define PCI_SRIOV_H

#include "pci/pci.h"
#include "kernel/config.h"

/* SR-IOV Extended Capability (PCIe Base 4.0 9.3.3) */
#define PCI_SRIOV_CAP          0x04 /* SR-IOV Capabilities */
#define PCI_SRIOV_CTRL         0x08 /* SR-IOV Control */
#define  PCI_SRIOV_CTRL_VFE    BIT(0) /* VF Enable */
#define  PCI_SRIOV_CTRL_VFM    BIT(1) /* VF Migration Enable */
#define  PCI_SRIOV_CTRL_MSE    BIT(3) /* VF Memory Space Enable */
#define  PCI_SRIOV_CTRL_ARI    BIT(4) /* ARI Capable Hierarchy */
#define PCI_SRIOV_STATUS       0x0a
#define PCI_SRIOV_INITIAL_VF   0x0c /* InitialVFs */
#define PCI_SRIOV_TOTAL_VF     0x0e /* TotalVFs */
#define PCI_SRIOV_NUM_VF       0x10 /* NumVFs */
#define PCI_SRIOV_FUNC_LINK    0x12 /* Function Dependency Link */
#define PCI_SRIOV_VF_OFFSET    0x14 /* First VF Offset */
#define PCI_SRIOV_VF_STRIDE    0x16 /* VF Stride */
#define PCI_SRIOV_VF_DID       0x1a /* VF Device ID */
#define PCI_SRIOV_SUP_PGSIZE   0x1c /* Supported Page Sizes */
#define PCI_SRIOV_SYS_PGSIZE   0x20 /* System Page Size: bit n = 2^(n+12) bytes */
#define  PCI_SRIOV_PGSIZE_4K   BIT(0)
#define PCI_SRIOV_BAR          0x24 /* VF BAR0-5 */
#define PCI_SRIOV_SIZEOF       0x40

/*
 * Waits the spec asks for (PCIe Base 4.0 9.3.3.3.1): 100 ms after setting VF
 * Enable before config requests to the VFs; 1 s after clearing it before the
 * SR-IOV capability may be read again.
 */
#define SRIOV_ENABLE_WAIT_MS  100
#define SRIOV_DISABLE_WAIT_MS 1000

/*
 * At enumeration: read the PF's SR-IOV capability into pf->sriov, turning off
 * VFs firmware left enabled. With reserve_buses, also find the highest RID
 * TotalVFs VFs would use (pf->sriov.max_rid) so the scan leaves room for
 * their buses. Returns 0 or -EINVAL for a capability that cannot be used.
 */
int sriov_probe(struct pci_dev *pf, bool reserve_buses);

/*
 * Enable n VFs of pf (at most TotalVFs: more is an error, capped): 4 KiB
 * System Page Size, NumVFs, checked Routing IDs, VF BARs placed inside the
 * upstream bridges' windows (grown if needed, firmware's placement kept when
 * it is sound), VF Enable + VF MSE, the 100 ms wait, and each VF added to the
 * device table (parent: the PF's bridge; pf/vf_index set). n = 0 disables.
 * Boot CPU only. Returns 0 or negative errno with a log line; on failure VFs
 * are left disabled.
 */
int sriov_enable(struct pci_dev *pf, u16 n);

/*
 * Disable pf's VFs and take them out of the table. Fails with -EBUSY while
 * any VF has an owner. Waits the spec's 1 s. Returns 0 or negative errno.
 */
int sriov_disable(struct pci_dev *pf);

/*
 * Which VF of pf the function seg:bus:devfn would be (First VF Offset and VF
 * Stride as last read), or -ENOENT when it is none of its TotalVFs VFs.
 */
int sriov_vf_index(const struct pci_dev *pf, u16 seg, u8 bus, u8 devfn);

/* Do these sriov= requests name pf, by address or with all:<n>? */
bool sriov_requested(const struct hv_sriov_req *reqs, unsigned int count, const struct pci_dev *pf);

/* VF i of pf in the device table, or NULL. */
struct pci_dev *sriov_vf(const struct pci_dev *pf, u16 i);

/*
 * Apply the sriov= policy (kernel/config.h): each PF named gets its count, every other PF the
 * count of sriov=all:<n> if given. Without requests nothing is enabled (for
 * now: the partitions will ask for the VFs they need). Returns the number of
 * requests that failed.
 */
int sriov_apply(const struct hv_sriov_req *reqs, unsigned int count);

#endif
