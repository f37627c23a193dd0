/* SPDX-License-Identifier: MIT */
/*
 * vpci.h: what a partition sees of PCI: one virtual bus 0 holding only the
 * functions given to it, reached through ports 0xCF8/0xCFC and an ECAM
 * window. Reads come from the real function with IDs, BARs, MSI and MSI-X
 * control emulated; writes are filtered: BARs stay where the hypervisor put
 * them, COMMAND only toggles memory decode, INTx disable and (once the
 * function's DMA is confined) bus mastering, MSI state stays virtual, MSI-X
 * Message Control goes to the backend (which routes MSI-X through interrupt
 * remapping, kernel/vmsi.h), SR-IOV and the rest are dropped.
 * Pure logic over a config-space backend, so host unit tests run it.
 */
#ifndef KERNEL_VPCI_H
#define KERNEL_VPCI_H

#include "kernel/printk.h"
#include "kernel/types.h"

#define VPCI_MAX_FUNCS 8
#define VPCI_ECAM_SIZE (1 * MiB) /* bus 0 only: 32 devices x 8 functions x 4 KiB */
#define VPCI_PORT_ADDR 0xcf8     /* CONFIG_ADDRESS (dword access only) */
#define VPCI_PORT_DATA 0xcfc     /* CONFIG_DATA, 0xcfc-0xcff */
#define VPCI_BARS      6
#define VPCI_MSI_SIZE  24 /* largest MSI capability: 64-bit with per-vector masking */

/* Config-space access to one real function (pci_cfg_* in the hypervisor, a fake in tests). */
struct vpci_backend {
	u32 (*read)(const void *dev, u16 off, u8 width);
	void (*write)(const void *dev, u16 off, u8 width, u32 val);
	/*
	 * Optional: the guest changed its MSI-X Message Control (Enable, Function
	 * Mask in `ctrl`); the backend decides what the real register gets.
	 */
	void (*msix_control)(void *msix_ctx, u16 ctrl);
};

enum vpci_bar_type { VPCI_BAR_NONE, VPCI_BAR_MEM32, VPCI_BAR_MEM64 };

struct vpci_bar {
	u64 gpa;  /* where the guest sees it; fixed by the hypervisor */
	u64 size; /* a power of two, 0 when not implemented */
	u8 type;  /* enum vpci_bar_type; a MEM64 BAR also takes the next slot */
	bool prefetch;
};

/* What the assigner tells vPCI about a real function it gives to the partition. */
struct vpci_func {
	const void *dev; /* the real function, handed to the backend */
	const struct vpci_backend *be;
	u16 vendor, device;             /* shown IDs (a VF's own registers read all ones) */
	u16 cfg_size;                   /* 256 or 4096 */
	u8 cap_msi, cap_msix, cap_pcie; /* capability offsets, 0 when absent */
	struct vpci_bar bar[VPCI_BARS];
	bool dma_allowed; /* its DMA is confined (IOMMU domain): bus mastering allowed */
	void *msix_ctx;   /* handed to be->msix_control */
};

/* One function on the virtual bus. */
struct vpci_dev {
	struct vpci_func f;
	u8 devfn; /* on bus 0 */
	u16 cmd;  /* COMMAND as the guest last wrote it (allowed bits) */
	u8 intline;
	u8 bar_sizing;         /* bit i: BAR dword i was written all ones */
	u8 msi[VPCI_MSI_SIZE]; /* the guest's MSI capability, never written to the device */
	u16 msix_ctrl;         /* the guest's MSI-X Message Control */
};

struct vpci {
	const char *owner; /* partition name, for log lines */
	u32 cf8;           /* the latched CONFIG_ADDRESS */
	u64 ecam_gpa;      /* base of the ECAM window */
	struct vpci_dev devs[VPCI_MAX_FUNCS];
	u32 count;
	u64 dropped;         /* config writes filtered away */
	struct ratelimit rl; /* its own: one partition's drops never silence another's */
};

/* An empty bus for partition `owner` with its ECAM window at ecam_gpa. */
void vpci_init(struct vpci *vp, const char *owner, u64 ecam_gpa);

/*
 * Put a function on the bus at device `count + 1`, function 0 (00:01.0,
 * 00:02.0, ...). Reads its MSI/MSI-X state into the guest's copies, with
 * the enable bits clear. Returns its devfn, or -ENOSPC.
 */
int vpci_add(struct vpci *vp, const struct vpci_func *f);

/* Config space of bus/devfn as the guest sees it; unaligned or absent: all ones / dropped. */
u32 vpci_cfg_read(struct vpci *vp, u8 bus, u8 devfn, u16 off, u8 width);
void vpci_cfg_write(struct vpci *vp, u8 bus, u8 devfn, u16 off, u8 width, u32 val);

/* Ports: 0xcf8 as a dword, 0xcfc-0xcff in any width that stays inside the dword. */
bool vpci_claims_port(u16 port, u8 size);
u32 vpci_port_read(struct vpci *vp, u16 port, u8 size);
void vpci_port_write(struct vpci *vp, u16 port, u8 size, u32 val);

/* The ECAM window: an access of size 1, 2, 4 or 8 bytes at gpa. */
static inline bool vpci_claims_gpa(const struct vpci *vp, u64 gpa)
{
	return gpa - vp->ecam_gpa < VPCI_ECAM_SIZE;
}

u64 vpci_ecam_read(struct vpci *vp, u64 gpa, u8 size);
void vpci_ecam_write(struct vpci *vp, u64 gpa, u8 size, u64 val);

/* Where a partition with ram_size bytes of RAM gets its ECAM window (above its RAM). */
u64 vpci_ecam_gpa(u64 ram_size);

#endif
