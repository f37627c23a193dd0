/* SPDX-License-Identifier: MIT */
/*
 * pci.h: PCI Express functions as the hypervisor sees them: config-space access
 * through one narrow interface, enumeration through bridges and switches,
 * capabilities, BARs and bridge windows (PCI Local Bus 3.0 ch. 6, PCI-to-PCI
 * Bridge 1.2 ch. 3, PCIe Base 4.0 ch. 7), and the device table other units use.
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include "kernel/bootinfo.h"
#include "kernel/types.h"

#define PCI_MAX_DEVS  512 /* functions in the table, VFs included */
#define PCI_STD_BARS  6
#define PCI_MAX_DEPTH 32  /* bridges between a root bus and a function */

#define PCI_DEVFN(dev, fn) ((u8)(((dev) << 3) | (fn)))
#define PCI_SLOT(devfn)    (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)    ((devfn) & 7)
#define PCI_RID(bus, devfn) ((u16)(((bus) << 8) | (devfn)))

/* Print a function as 0000:01:00.0: pr_info("pci: " PCI_FMT "\n", PCI_ARG(d)). */
#define PCI_FMT "%04x:%02x:%02x.%x"
#define PCI_ARG(d) (d)->seg, (d)->bus, PCI_SLOT((d)->devfn), PCI_FUNC((d)->devfn)

/* Type 0/1 configuration header (PCI Local Bus 3.0 6.1, PCI-to-PCI Bridge 1.2 3.2) */
#define PCI_VENDOR_ID          0x00
#define PCI_DEVICE_ID          0x02
#define PCI_COMMAND            0x04
#define  PCI_COMMAND_IO        BIT(0)  /* I/O Space Enable */
#define  PCI_COMMAND_MEMORY    BIT(1)  /* Memory Space Enable */
#define  PCI_COMMAND_MASTER    BIT(2)  /* Bus Master Enable */
#define  PCI_COMMAND_INTX_OFF  BIT(10) /* Interrupt Disable */
#define PCI_STATUS             0x06
#define  PCI_STATUS_CAP_LIST   BIT(4)  /* Capabilities List */
#define PCI_CLASS_REVISION     0x08    /* class code << 8 | revision ID */
#define PCI_HEADER_TYPE        0x0e
#define  PCI_HEADER_TYPE_MASK  0x7f
#define  PCI_HEADER_MULTI_FN   BIT(7)
#define  PCI_HEADER_NORMAL     0
#define  PCI_HEADER_BRIDGE     1
#define  PCI_HEADER_CARDBUS    2
#define PCI_BAR0               0x10
#define  PCI_BAR_SPACE_IO      BIT(0)
#define  PCI_BAR_MEM_TYPE      GENMASK(2, 1)
#define   PCI_BAR_MEM_TYPE_32  0x0
#define   PCI_BAR_MEM_TYPE_1M  0x2 /* below 1 MiB (legacy) */
#define   PCI_BAR_MEM_TYPE_64  0x4
#define  PCI_BAR_MEM_PREFETCH  BIT(3)
#define  PCI_BAR_MEM_MASK      (~0xfULL)
#define  PCI_BAR_IO_MASK       (~0x3ULL)
#define PCI_CAPABILITY_LIST    0x34
#define PCI_ROM_ADDRESS        0x30 /* type 0 */
#define  PCI_ROM_ENABLE        BIT(0)
#define  PCI_ROM_MASK          (~0x7ffULL)
/* type 1 (bridge) header */
#define PCI_PRIMARY_BUS        0x18
#define PCI_SECONDARY_BUS      0x19
#define PCI_SUBORDINATE_BUS    0x1a
#define PCI_IO_BASE            0x1c
#define PCI_IO_LIMIT           0x1d
#define  PCI_IO_RANGE_TYPE     0x0f /* 0: 16-bit, 1: 32-bit */
#define  PCI_IO_RANGE_32       0x01
#define PCI_MEMORY_BASE        0x20
#define PCI_MEMORY_LIMIT       0x22
#define  PCI_MEMORY_RANGE_MASK 0xfff0 /* address bits 31:20 in bits 15:4 */
#define PCI_PREF_MEMORY_BASE   0x24
#define PCI_PREF_MEMORY_LIMIT  0x26
#define  PCI_PREF_RANGE_TYPE   0x0f /* 0: 32-bit, 1: 64-bit */
#define  PCI_PREF_RANGE_64     0x01
#define PCI_PREF_BASE_UPPER32  0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16    0x30
#define PCI_IO_LIMIT_UPPER16   0x32
#define PCI_BRIDGE_ROM_ADDRESS 0x38

/* Capability IDs (PCI Local Bus 3.0 appendix H; PCIe Base 4.0 7.6) */
#define PCI_CAP_ID_PM          0x01 /* Power Management */
#define PCI_CAP_ID_MSI         0x05
#define PCI_CAP_ID_EXP         0x10 /* PCI Express */
#define PCI_CAP_ID_MSIX        0x11
#define PCI_EXT_CAP_ID_ACS     0x000d /* Access Control Services */
#define PCI_EXT_CAP_ID_ARI     0x000e /* Alternative Routing-ID Interpretation */
#define PCI_EXT_CAP_ID_SRIOV   0x0010 /* Single Root I/O Virtualization */
#define PCI_CFG_SPACE_SIZE     256
#define PCI_CFG_SPACE_EXP_SIZE 4096

/* MSI-X capability (PCIe Base 4.0 7.7.2) */
#define PCI_MSIX_FLAGS         0x02
#define  PCI_MSIX_FLAGS_QSIZE  GENMASK(10, 0) /* Table Size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL BIT(14)       /* Function Mask */
#define  PCI_MSIX_FLAGS_ENABLE  BIT(15)       /* MSI-X Enable */
#define PCI_MSIX_TABLE         0x04
#define PCI_MSIX_PBA           0x08
#define  PCI_MSIX_BIR          GENMASK(2, 0)
#define PCI_MSIX_ENTRY_SIZE    16

/* PCI Express capability (PCIe Base 4.0 7.5.3) */
#define PCI_EXP_FLAGS          0x02
#define  PCI_EXP_FLAGS_TYPE    GENMASK(7, 4) /* Device/Port Type */
#define   PCI_EXP_TYPE_ENDPOINT   0x0
#define   PCI_EXP_TYPE_LEG_END    0x1
#define   PCI_EXP_TYPE_ROOT_PORT  0x4
#define   PCI_EXP_TYPE_UPSTREAM   0x5
#define   PCI_EXP_TYPE_DOWNSTREAM 0x6
#define   PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define   PCI_EXP_TYPE_PCIE_BRIDGE 0x8
#define   PCI_EXP_TYPE_RC_END     0x9
#define   PCI_EXP_TYPE_RC_EC      0xa
#define PCI_EXP_DEVCAP2        0x24
#define  PCI_EXP_DEVCAP2_ARI   BIT(5) /* ARI Forwarding Supported */
#define PCI_EXP_DEVCTL2        0x28
#define  PCI_EXP_DEVCTL2_ARI   BIT(5) /* ARI Forwarding Enable */

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	u64 addr;
	u64 size;      /* 0: not implemented */
	u8 type;       /* enum pci_bar_type */
	bool prefetch;
};

/* A bridge window, both ends inclusive; empty (closed) when base > limit. */
struct pci_window {
	u64 base;
	u64 limit;
};

static inline bool pci_window_open(const struct pci_window *w)
{
	return w->base <= w->limit;
}

/* MSI-X table and PBA location (PCIe Base 4.0 7.7.2.4/5); valid says they fit their BARs. */
struct pci_msix {
	u16 table_size; /* entries */
	u8 table_bir;
	u8 pba_bir;
	u32 table_off;
	u32 pba_off;
	bool valid;
};

/* What a PF's SR-IOV capability says (PCIe SR-IOV 1.1 3.3), kept up to date by sriov.c. */
struct pci_sriov {
	u16 total_vfs;
	u16 initial_vfs;
	u16 num_vfs;      /* VFs enabled now (0: VF Enable clear) */
	u16 offset;       /* First VF Offset, for num_vfs */
	u16 stride;       /* VF Stride, for num_vfs */
	u16 vf_device;    /* VF Device ID */
	u32 page_sizes;   /* Supported Page Sizes */
	u16 max_rid;      /* highest RID TotalVFs VFs would use (0 when unknown) */
	struct pci_bar vf_bar[PCI_STD_BARS]; /* size of one VF's BAR, address of VF0's */
};

/*
 * One PCI function. Pointers stay valid while the function is in the table.
 * The table is built and changed on the boot CPU only (enumeration,
 * sriov_enable/disable); once built, any CPU may read it.
 */
struct pci_dev {
	u16 seg;
	u8 bus;
	u8 devfn;
	u16 vendor;
	u16 device;
	u32 class;        /* base class << 16 | sub-class << 8 | programming interface */
	u8 revision;
	u8 hdr_type;      /* PCI_HEADER_NORMAL, _BRIDGE or _CARDBUS */
	bool multifunction;
	u16 cfg_size;     /* 4096 with extended config space, else 256 */
	struct pci_bar bar[PCI_STD_BARS];
	struct pci_bar rom; /* only when enabled */

	/* Capability offsets in config space; 0 when absent. */
	u8 cap_pm, cap_msi, cap_msix, cap_pcie;
	u16 ecap_sriov, ecap_ari, ecap_acs;
	u8 pcie_type;     /* PCI_EXP_TYPE_*, when cap_pcie */
	struct pci_msix msix;

	/* Type 1 (bridge) functions. */
	u8 primary, secondary, subordinate;
	struct pci_window io_win, mem_win, pref_win;
	bool has_pref_win; /* the bridge implements a prefetchable window */
	bool pref_win_64;  /* ... which takes 64-bit addresses */

	struct pci_dev *parent; /* upstream bridge; NULL on a root bus */

	/* SR-IOV: VFs point at their PF; a PF (ecap_sriov != 0) keeps its state in sriov. */
	bool is_vf;
	struct pci_dev *pf;
	u16 vf_index;     /* 0-based VF number */
	struct pci_sriov sriov;

	void *owner;      /* who was given this function (a partition); NULL while free */

	/* private to pci.c */
	struct pci_dev *next;
	bool in_use;
};

static inline bool pci_is_bridge(const struct pci_dev *d)
{
	return d->hdr_type == PCI_HEADER_BRIDGE;
}

/*
 * The narrow interface to config space. read() returns `width` (1, 2 or 4)
 * bytes at `off` (aligned to width, below cfg_size), or all ones when nothing
 * answers; write() is ignored where nothing answers. Backends: ECAM and ports
 * 0xCF8/0xCFC (pci_cfg.c), a fake config space in the unit tests.
 */
struct pci_cfg_ops {
	const char *name;
	u32 (*read)(u16 seg, u8 bus, u8 devfn, u16 off, u8 width);
	void (*write)(u16 seg, u8 bus, u8 devfn, u16 off, u8 width, u32 val);
	u16 cfg_size; /* 4096 (ECAM) or 256 (ports 0xCF8/0xCFC) */
};

/* A range of bus numbers one host bridge decodes (an MCFG entry). */
struct pci_root {
	u16 seg;
	u8 bus_start;
	u8 bus_end;
};

/* A physical range nothing may be placed over: [base, base + len). */
struct pci_range {
	u64 base;
	u64 len;
};

#define PCI_MAX_ROOTS    16
#define PCI_MAX_RESERVED 64

/* Everything the enumerator needs from the machine. */
struct pci_platform {
	const struct pci_cfg_ops *ops;
	struct pci_root roots[PCI_MAX_ROOTS];
	unsigned int root_count;
	const struct mem_region *mem; /* firmware memory map: never placed over */
	unsigned int mem_count;
	struct pci_range reserved[PCI_MAX_RESERVED]; /* ECAM, interrupt controllers, flash */
	unsigned int reserved_count;
	u64 addr_limit;     /* first physical address the CPU cannot reach */
	bool assign_busses; /* pci=assign-busses: renumber every bridge */
	void (*delay_ms)(u32 ms);
};

/*
 * Start-up (pci_cfg.c): pick ECAM windows from ACPI MCFG (ports 0xCF8/0xCFC
 * without one), enumerate, apply the sriov= policy, print the listing.
 * Needs acpi_init() and mm_init() first. Panics only on a hypervisor bug.
 */
void pci_init(const struct boot_info *bi);

/*
 * Enumerate every root of `plat` into the device table (emptied first).
 * Firmware's bus numbers are kept; when a bridge has none (or invalid ones)
 * or plat->assign_busses is set, the segment is renumbered depth-first.
 * `plat` must outlive the table. Returns the number of functions found.
 */
int pci_scan(const struct pci_platform *plat);

/* The platform given to pci_scan() (NULL before). */
const struct pci_platform *pci_platform(void);

/* Look-ups; NULL when absent. */
struct pci_dev *pci_find(u16 seg, u8 bus, u8 dev, u8 fn);
struct pci_dev *pci_find_rid(u16 seg, u16 rid);
/* The next function after `from` (NULL: the first) with these IDs. */
struct pci_dev *pci_find_by_id(u16 vendor, u16 device, struct pci_dev *from);
/* Iteration in (segment, bus, devfn) order; pci_next(NULL) is the first. */
struct pci_dev *pci_next(const struct pci_dev *d);
#define pci_for_each_dev(d) for ((d) = pci_next(NULL); (d); (d) = pci_next(d))
unsigned int pci_count(void);

/*
 * Does this PCIe root or downstream port pass config requests only to
 * device 0 of its secondary bus (ARI Forwarding off, PCIe Base 4.0 7.3.1)?
 */
bool pci_port_dev0_only(const struct pci_dev *port);

/* Is d somewhere below `bridge` (behind its secondary bus)? */
bool pci_is_below(const struct pci_dev *d, const struct pci_dev *bridge);

/*
 * Config space of a function in the table. An offset that is unaligned or
 * past the function's config space reads all ones and writes nothing.
 */
u8 pci_cfg_read8(const struct pci_dev *d, u16 off);
u16 pci_cfg_read16(const struct pci_dev *d, u16 off);
u32 pci_cfg_read32(const struct pci_dev *d, u16 off);
void pci_cfg_write8(const struct pci_dev *d, u16 off, u8 val);
void pci_cfg_write16(const struct pci_dev *d, u16 off, u16 val);
void pci_cfg_write32(const struct pci_dev *d, u16 off, u32 val);

/* Offset of a capability (walked with loop and bounds protection), 0 if absent. */
u16 pci_find_cap(const struct pci_dev *d, u8 id);
u16 pci_find_ext_cap(const struct pci_dev *d, u16 id);

/*
 * Size the BAR register at `off` (its upper half at off + 4 when 64-bit; `last`
 * says there is none) into b. Decode must be off. Returns the registers used
 * (1 or 2), or -EINVAL for a reserved type or a 64-bit BAR without an upper half.
 */
int pci_size_bar_at(const struct pci_dev *d, u16 off, bool last, struct pci_bar *b);

/* Bridge windows: read them back from the bridge / program them (1 MiB granular). */
void pci_read_windows(struct pci_dev *br);
void pci_write_mem_window(struct pci_dev *br, bool pref, u64 base, u64 limit);

/* Add a function the caller found (a VF) to the table / take it out again. */
struct pci_dev *pci_add_dev(u16 seg, u8 bus, u8 devfn, struct pci_dev *parent);
void pci_remove_dev(struct pci_dev *d);

/* Fill in class, revision, header type and capabilities of d from its config space. */
void pci_probe_caps(struct pci_dev *d);

/* Print one lspci-like line for d / for every function in the table. */
void pci_print_dev(const struct pci_dev *d);
void pci_print_all(void);

/* Format a size as 32, 16K, 1M, 4G (the listing's form) into buf. */
const char *pci_size_str(u64 size, char *buf, size_t len);

#endif
