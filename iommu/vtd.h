/* SPDX-License-Identifier: MIT */
/*
 * vtd.h: Intel VT-d remapping hardware: DRHD registers, root and context
 * entries, interrupt-remapping table entries, invalidation descriptors and
 * fault records, with encoders the unit tests check bit by bit.
 * Section numbers are those of the Intel VT-d specification rev. 3.x
 * (chapter 9 translation structures, chapter 10 registers).
 */
#ifndef IOMMU_VTD_H
#define IOMMU_VTD_H

#include "iommu/iommu.h"
#include "kernel/types.h"

/* --- Registers (VT-d spec 10.4) --- */
/* clang-format off */
#define VTD_VER_REG        0x000 /* Version */
#define VTD_CAP_REG        0x008 /* Capability (10.4.2) */
#define  VTD_CAP_ND        GENMASK(2, 0)   /* Number of domains: 2^(4 + 2 * ND) */
#define  VTD_CAP_RWBF      BIT(4)          /* Required Write-Buffer Flushing */
#define  VTD_CAP_CM        BIT(7)          /* Caching Mode: not-present entries may be cached */
#define  VTD_CAP_SAGAW     GENMASK(12, 8)  /* Supported Adjusted Guest Address Widths */
#define   VTD_SAGAW_39     BIT(9)          /* 3-level tables */
#define   VTD_SAGAW_48     BIT(10)         /* 4-level tables */
#define  VTD_CAP_MGAW      GENMASK(21, 16) /* Maximum Guest Address Width - 1 */
#define  VTD_CAP_FRO       GENMASK(33, 24) /* Fault-recording Register Offset, 16-byte units */
#define  VTD_CAP_SLLPS_2M  BIT(34)         /* Second Level Large Page Support: 2 MiB */
#define  VTD_CAP_SLLPS_1G  BIT(35)         /*   ... 1 GiB */
#define  VTD_CAP_PSI       BIT(39)         /* Page Selective Invalidation */
#define  VTD_CAP_NFR       GENMASK(47, 40) /* Number of Fault-recording Registers - 1 */
#define  VTD_CAP_MAMV      GENMASK(53, 48) /* Maximum Address Mask Value (PSI) */
#define  VTD_CAP_DWD       BIT(54)         /* Write Draining */
#define  VTD_CAP_DRD       BIT(55)         /* Read Draining */
#define VTD_ECAP_REG       0x010 /* Extended Capability (10.4.3) */
#define  VTD_ECAP_C        BIT(0)          /* Page-walk Coherency: tables are snooped */
#define  VTD_ECAP_QI       BIT(1)          /* Queued Invalidation */
#define  VTD_ECAP_IR       BIT(3)          /* Interrupt Remapping */
#define  VTD_ECAP_EIM      BIT(4)          /* Extended Interrupt Mode: 32-bit x2APIC destinations */
#define  VTD_ECAP_IRO      GENMASK(17, 8)  /* IOTLB Register Offset, 16-byte units */
#define VTD_GCMD_REG       0x018 /* Global Command (10.4.4) */
#define VTD_GSTS_REG       0x01c /* Global Status (10.4.5) */
#define  VTD_GCMD_TE       BIT(31)         /* Translation Enable        / TES */
#define  VTD_GCMD_SRTP     BIT(30)         /* Set Root Table Pointer    / RTPS */
#define  VTD_GCMD_WBF      BIT(27)         /* Write Buffer Flush        / WBFS */
#define  VTD_GCMD_QIE      BIT(26)         /* Queued Invalidation Enable / QIES */
#define  VTD_GCMD_IRE      BIT(25)         /* Interrupt Remapping Enable / IRES */
#define  VTD_GCMD_SIRTP    BIT(24)         /* Set Interrupt Remap Table Pointer / IRTPS */
#define  VTD_GCMD_CFI      BIT(23)         /* Compatibility Format Interrupt / CFIS */
#define  VTD_GSTS_ONE_SHOT 0x96ffffffU     /* status bits that may be written back (10.4.4) */
#define VTD_RTADDR_REG     0x020 /* Root Table Address (10.4.6); TTM 11:10 = 0: legacy mode */
#define VTD_CCMD_REG       0x028 /* Context Command (10.4.7) */
#define  VTD_CCMD_ICC      BIT(63)         /* Invalidate Context-Cache */
#define  VTD_CCMD_CIRG     GENMASK(62, 61) /* request granularity: 1 global, 2 domain, 3 device */
#define  VTD_CCMD_FM       GENMASK(33, 32)
#define  VTD_CCMD_SID      GENMASK(31, 16)
#define  VTD_CCMD_DID      GENMASK(15, 0)
#define VTD_FSTS_REG       0x034 /* Fault Status (10.4.9) */
#define  VTD_FSTS_PFO      BIT(0)          /* Primary Fault Overflow (RW1C) */
#define  VTD_FSTS_PPF      BIT(1)          /* Primary Pending Fault (RO) */
#define  VTD_FSTS_IQE      BIT(4)          /* Invalidation Queue Error (RW1C) */
#define  VTD_FSTS_ICE      BIT(5)          /* Invalidation Completion Error (RW1C) */
#define  VTD_FSTS_ITE      BIT(6)          /* Invalidation Time-out Error (RW1C) */
#define  VTD_FSTS_FRI      GENMASK(15, 8)  /* Fault Record Index */
#define VTD_FECTL_REG      0x038 /* Fault Event Control (10.4.10) */
#define  VTD_FECTL_IM      BIT(31)         /* Interrupt Mask */
#define VTD_FEDATA_REG     0x03c /* Fault Event Data */
#define VTD_FEADDR_REG     0x040 /* Fault Event Address */
#define VTD_FEUADDR_REG    0x044 /* Fault Event Upper Address */
#define VTD_IQH_REG        0x080 /* Invalidation Queue Head (10.4.22) */
#define VTD_IQT_REG        0x088 /* Invalidation Queue Tail (10.4.23) */
#define  VTD_IQ_PTR        GENMASK(18, 4)  /* index of a 128-bit descriptor */
#define VTD_IQA_REG        0x090 /* Invalidation Queue Address (10.4.24): QS 2:0 = 0: 256 entries */
#define VTD_IRTA_REG       0x0b8 /* Interrupt Remapping Table Address (10.4.29) */
#define  VTD_IRTA_EIME     BIT(11)         /* Extended Interrupt Mode Enable */
#define  VTD_IRTA_S        GENMASK(3, 0)   /* 2^(S + 1) entries */
/* clang-format on */
/* IOTLB registers at ECAP.IRO * 16 (10.4.8) */
/* clang-format off */
#define VTD_IVA_OFF        0x0 /* Invalidate Address: ADDR 63:12, IH 6, AM 5:0 */
#define VTD_IOTLB_OFF      0x8 /* IOTLB Invalidate */
#define  VTD_IOTLB_IVT     BIT(63)         /* Invalidate IOTLB */
#define  VTD_IOTLB_IIRG    GENMASK(61, 60) /* 1 global, 2 domain, 3 page */
#define  VTD_IOTLB_DR      BIT(49)
#define  VTD_IOTLB_DW      BIT(48)
#define  VTD_IOTLB_DID     GENMASK(47, 32)
/* clang-format on */

#define VTD_REG_SPAN 0x1000 /* one page holds every register but maybe the fault records */

/* Domains a unit supports: 2^(4 + 2 * ND) (10.4.2) */
static inline u32 vtd_cap_domains(u64 cap)
{
	return 1u << (4 + 2 * (cap & VTD_CAP_ND));
}

/* Largest second-level page a unit supports: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB). */
static inline int vtd_cap_leaf_level(u64 cap)
{
	if (!(cap & VTD_CAP_SLLPS_2M))
		return 1;
	return (cap & VTD_CAP_SLLPS_1G) ? 3 : 2;
}

/* --- Root entry (9.1): one per bus, points at the bus's context table --- */
struct vtd_root_entry {
	u64 lo;
	u64 hi; /* reserved in legacy mode */
} __packed;
_Static_assert(sizeof(struct vtd_root_entry) == 16, "VT-d root entry (9.1)");

#define VTD_RE_P   BIT(0)
#define VTD_RE_CTP GENMASK(63, 12) /* Context-table Pointer */

static inline struct vtd_root_entry vtd_root_entry(paddr_t context_table)
{
	return (struct vtd_root_entry){ .lo = (context_table & VTD_RE_CTP) | VTD_RE_P, .hi = 0 };
}

/* --- Context entry (9.3): one per (device, function) --- */
struct vtd_context_entry {
	u64 lo;
	u64 hi;
} __packed;
_Static_assert(sizeof(struct vtd_context_entry) == 16, "VT-d context entry (9.3)");

#define VTD_CE_P       BIT(0)
#define VTD_CE_FPD     BIT(1)          /* Fault Processing Disable: never set, faults are logged */
#define VTD_CE_TT      GENMASK(3, 2)   /* Translation Type: 0 = second-level tables only */
#define VTD_CE_SLPTPTR GENMASK(63, 12) /* Second Level Page Translation Pointer */
#define VTD_CE_AW      GENMASK(2, 0)   /* hi: Address Width, 2 = 48-bit 4-level */
#define VTD_CE_DID     GENMASK(23, 8)  /* hi: Domain Identifier */
#define VTD_AW_48      2

static inline struct vtd_context_entry vtd_context_entry(paddr_t sl_root, u16 did)
{
	return (struct vtd_context_entry){
		.lo = (sl_root & VTD_CE_SLPTPTR) | VTD_CE_P, /* TT 0, FPD 0 */
		.hi = VTD_AW_48 | ((u64)did << 8),
	};
}

static inline u16 vtd_context_did(const struct vtd_context_entry *ce)
{
	return (ce->hi & VTD_CE_DID) >> 8;
}

/* --- Interrupt Remapping Table Entry (9.10), remapped (not posted) format --- */
struct vtd_irte {
	u64 lo;
	u64 hi;
} __packed;
_Static_assert(sizeof(struct vtd_irte) == 16, "VT-d IRTE (9.10)");

/* clang-format off */
#define VTD_IRTE_P     BIT(0)
#define VTD_IRTE_FPD   BIT(1)
#define VTD_IRTE_DM    BIT(2)          /* Destination Mode: 0 physical */
#define VTD_IRTE_TM    BIT(4)          /* Trigger Mode: 0 edge */
#define VTD_IRTE_DLM   GENMASK(7, 5)   /* Delivery Mode: 0 fixed */
#define VTD_IRTE_V     GENMASK(23, 16) /* Vector */
#define VTD_IRTE_DST   GENMASK(63, 32) /* Destination ID: x2APIC ID, or xAPIC ID in 47:40 */
#define VTD_IRTE_SID   GENMASK(15, 0)  /* hi: Source Identifier */
#define VTD_IRTE_SQ    GENMASK(17, 16) /* hi: Source-id Qualifier: 0 = compare all 16 bits */
#define VTD_IRTE_SVT   GENMASK(19, 18) /* hi: Source Validation Type */
#define  VTD_SVT_NONE  0
#define  VTD_SVT_RID   1               /* requester ID must equal SID (under the SQ mask) */
#define  VTD_SVT_BUS   2               /* requester bus within SID's bus range */
/* clang-format on */

/*
 * A present entry sending `vector`, fixed and edge, to one CPU in physical
 * destination mode, that only requests from `sid` may use (SVT 1, SQ 0).
 * x2apic: IRTA.EIME is set and dest is a 32-bit x2APIC ID; otherwise an
 * 8-bit xAPIC ID placed in DST bits 15:8.
 */
static inline struct vtd_irte vtd_irte_remapped(u32 dest, u8 vector, u16 sid, bool x2apic)
{
	u64 dst = x2apic ? dest : (u64)(dest & 0xff) << 8;

	return (struct vtd_irte){
		.lo = VTD_IRTE_P | ((u64)vector << 16) | (dst << 32),
		.hi = sid | ((u64)VTD_SVT_RID << 18),
	};
}

/*
 * The remappable-format MSI for IRTE `handle` (5.1.2.2): address 0xFEE in
 * 31:20, handle[14:0] in 19:5, interrupt format 1 in bit 4, SHV in bit 3,
 * handle[15] in bit 2; with SHV set the data is the sub-handle, 0.
 */
static inline struct msi_msg vtd_ir_msi(u16 handle)
{
	return (struct msi_msg){
		.addr = 0xfee00000ULL | ((u64)(handle & 0x7fff) << 5) | BIT(4) | BIT(3) |
			((u64)(handle >> 15) << 2),
		.data = 0,
	};
}

/* --- Invalidation descriptors (6.5.2), 128-bit --- */
struct vtd_qi_desc {
	u64 lo;
	u64 hi;
} __packed;
_Static_assert(sizeof(struct vtd_qi_desc) == 16, "VT-d invalidation descriptor (6.5.2)");

/* clang-format off */
#define VTD_QI_TYPE        GENMASK(3, 0)
#define  VTD_QI_CC         1 /* context-cache (6.5.2.1) */
#define  VTD_QI_IOTLB      2 /* IOTLB (6.5.2.3) */
#define  VTD_QI_IEC        4 /* interrupt entry cache (6.5.2.7) */
#define  VTD_QI_WAIT       5 /* invalidation wait (6.5.2.8) */
#define VTD_QI_G           GENMASK(5, 4) /* granularity: 1 global, 2 domain, 3 device/page */
#define  VTD_QI_G_GLOBAL   1
#define  VTD_QI_G_DOMAIN   2
#define  VTD_QI_G_DEVICE   3
#define  VTD_QI_G_PAGE     3
#define VTD_QI_DID         GENMASK(31, 16)
#define VTD_QI_CC_SID      GENMASK(47, 32)
#define VTD_QI_CC_FM       GENMASK(49, 48)
#define VTD_QI_IOTLB_DW    BIT(6)  /* drain writes */
#define VTD_QI_IOTLB_DR    BIT(7)  /* drain reads */
#define VTD_QI_IOTLB_AM    GENMASK(5, 0)   /* hi: 2^AM pages */
#define VTD_QI_IOTLB_IH    BIT(6)          /* hi: leaf-only hint, never set: tables get freed */
#define VTD_QI_IOTLB_ADDR  GENMASK(63, 12) /* hi */
#define VTD_QI_IEC_INDEX   BIT(4)          /* index-selective (else global) */
#define VTD_QI_IEC_IM      GENMASK(31, 27) /* 2^IM entries */
#define VTD_QI_IEC_IIDX    GENMASK(47, 32)
#define VTD_QI_WAIT_IF     BIT(4)
#define VTD_QI_WAIT_SW     BIT(5)          /* status write */
#define VTD_QI_WAIT_FN     BIT(6)          /* fence */
#define VTD_QI_WAIT_DATA   GENMASK(63, 32)
#define VTD_QI_WAIT_ADDR   GENMASK(63, 2)  /* hi: dword-aligned status address */
/* clang-format on */

static inline struct vtd_qi_desc vtd_qi_cc_global(void)
{
	return (struct vtd_qi_desc){ VTD_QI_CC | (VTD_QI_G_GLOBAL << 4), 0 };
}

/* Context-cache entries of one function (FM 0) tagged with `did`. */
static inline struct vtd_qi_desc vtd_qi_cc_device(u16 did, u16 sid)
{
	return (struct vtd_qi_desc){
		VTD_QI_CC | (VTD_QI_G_DEVICE << 4) | ((u64)did << 16) | ((u64)sid << 32), 0
	};
}

/* drain: ask for read/write draining where CAP.DRD/DWD say the unit can. */
static inline struct vtd_qi_desc vtd_qi_iotlb_global(u64 drain)
{
	return (struct vtd_qi_desc){ VTD_QI_IOTLB | (VTD_QI_G_GLOBAL << 4) | drain, 0 };
}

static inline struct vtd_qi_desc vtd_qi_iotlb_domain(u16 did, u64 drain)
{
	return (struct vtd_qi_desc){
		VTD_QI_IOTLB | (VTD_QI_G_DOMAIN << 4) | drain | ((u64)did << 16), 0
	};
}

/* 2^am pages from addr (aligned to that size), paging-structure caches included (IH 0). */
static inline struct vtd_qi_desc vtd_qi_iotlb_page(u16 did, u64 addr, unsigned int am, u64 drain)
{
	return (struct vtd_qi_desc){
		VTD_QI_IOTLB | (VTD_QI_G_PAGE << 4) | drain | ((u64)did << 16),
		(addr & VTD_QI_IOTLB_ADDR) | (am & VTD_QI_IOTLB_AM),
	};
}

static inline struct vtd_qi_desc vtd_qi_iec_global(void)
{
	return (struct vtd_qi_desc){ VTD_QI_IEC, 0 };
}

static inline struct vtd_qi_desc vtd_qi_iec_index(u16 index)
{
	return (struct vtd_qi_desc){ VTD_QI_IEC | VTD_QI_IEC_INDEX | ((u64)index << 32), 0 };
}

/* Write `data` to the dword at status_pa once every earlier descriptor is done. */
static inline struct vtd_qi_desc vtd_qi_wait(paddr_t status_pa, u32 data)
{
	return (struct vtd_qi_desc){
		VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN | ((u64)data << 32),
		status_pa & VTD_QI_WAIT_ADDR,
	};
}

/* Smallest AM with 2^AM pages from ALIGN_DOWN(iova, 4K << AM) covering [iova, iova + size). */
static inline unsigned int vtd_psi_am(u64 iova, u64 size)
{
	unsigned int am = 0;
	u64 last = (iova + size - 1) >> 12, first = iova >> 12;

	while ((first >> am) != (last >> am))
		am++;
	return am;
}

/* --- Fault Recording Register (10.4.14), 128 bits at CAP.FRO * 16 + 16 * i --- */
#define VTD_FRCD_FI       GENMASK(63, 12) /* lo: Fault Info: page address */
#define VTD_FRCD_IR_INDEX GENMASK(63, 48) /* lo: interrupt index, for reasons 0x20.. */
#define VTD_FRCD_SID      GENMASK(15, 0)  /* hi: Source Identifier */
#define VTD_FRCD_FR       GENMASK(39, 32) /* hi: Fault Reason */
#define VTD_FRCD_T        BIT(62)         /* hi: Type: 1 read, 0 write */
#define VTD_FRCD_F        BIT(63)         /* hi: Fault (RW1C) */

/* Fault reasons (VT-d spec appendix A) the log explains. */
#define VTD_FR_IR_FIRST 0x20 /* 0x20 and above are interrupt-remapping faults */

struct vtd_fault {
	u16 sid;
	u8 reason;
	bool write;
	bool intr; /* an interrupt request (reason >= 0x20) */
	u64 addr;  /* DMA: the faulting page address */
	u16 index; /* interrupt: the IRTE index */
};

static inline struct vtd_fault vtd_fault_decode(u64 lo, u64 hi)
{
	struct vtd_fault f = {
		.sid = hi & VTD_FRCD_SID,
		.reason = (hi & VTD_FRCD_FR) >> 32,
		.write = !(hi & VTD_FRCD_T),
	};

	f.intr = f.reason >= VTD_FR_IR_FIRST;
	if (f.intr)
		f.index = (lo & VTD_FRCD_IR_INDEX) >> 48;
	else
		f.addr = lo & VTD_FRCD_FI;
	return f;
}

/* A short explanation of a fault reason (appendix A). */
const char *vtd_fault_reason(u8 reason);

#endif
