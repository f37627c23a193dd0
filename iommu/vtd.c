// SPDX-License-Identifier: MIT
/*
 * vtd.c: Intel VT-d remapping units, the backend of iommu.h: bring-up in the
 * order the spec asks for, root and context tables (legacy mode), queued
 * invalidation, fault reporting and interrupt remapping. Section numbers are
 * those of the VT-d specification rev. 3.x.
 */
#define LOG_TAG "vtd"
#include "iommu/vtd.h"
#include "iommu/backend.h"
#include "iommu/dmar.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "kernel/vector.h"
#include "pci/pci.h"

#define VTD_MAX_UNITS    ACPI_MAX_DRHD
#define VTD_IQ_ENTRIES   256 /* IQA.QS = 0: one page of 128-bit descriptors */
#define VTD_IRT_ENTRIES  256 /* IRTA.S = 7: 2^(7 + 1) entries, one page */
#define VTD_IRT_S        7
#define VTD_TIMEOUT_NS   (1000ULL * 1000 * 1000) /* hardware answers in microseconds */
#define VTD_MAX_REG_SPAN (64 * KiB)

struct vtd_unit {
	const struct acpi_drhd *drhd;
	unsigned int index;
	u8 *regs;
	u64 cap, ecap;
	u32 fro, nfr, iro; /* fault-record offset and count, IOTLB register offset */
	bool qi, ir, cm;
	struct vtd_root_entry *root;
	struct vtd_context_entry *ctx[256]; /* per bus, allocated on first use */
	/* queued invalidation (6.5.2) */
	spinlock_t qi_lock;
	struct vtd_qi_desc *iq;
	u32 iq_tail;
	volatile u32 *qi_status;
	paddr_t qi_status_pa;
	u32 qi_seq;
	/* interrupt remapping (5.1, 9.10) */
	spinlock_t ir_lock;
	struct vtd_irte *irt;
	u64 irt_used[VTD_IRT_ENTRIES / 64];
	bool eime;
	/* counters */
	u64 faults, overflows, qi_errors;
};

static struct vtd_unit units[VTD_MAX_UNITS];
static unsigned int unit_count;
static bool noncoherent; /* some unit does not snoop its tables (ECAP.C = 0) */
static bool rmrr_ok[ACPI_MAX_RMRR];
static struct ratelimit fault_rl = RATELIMIT_INIT(20, 100);

/* --- registers ------------------------------------------------------------ */

static u32 vtd_read32(const struct vtd_unit *u, u32 off)
{
	return mmio_read32(u->regs + off);
}

static u64 vtd_read64(const struct vtd_unit *u, u32 off)
{
	return mmio_read64(u->regs + off);
}

static void vtd_write32(struct vtd_unit *u, u32 off, u32 v)
{
	mmio_write32(u->regs + off, v);
}

static void vtd_write64(struct vtd_unit *u, u32 off, u64 v)
{
	mmio_write64(u->regs + off, v);
}

/* Poll a register until (value & mask) == want: 0, or -ETIMEDOUT (logged), never a hang. */
static int vtd_wait(struct vtd_unit *u, u32 off, u64 mask, u64 want, bool wide, const char *what)
{
	u64 start = clock_ns(), v;

	for (;;) {
		v = wide ? vtd_read64(u, off) : vtd_read32(u, off);
		if ((v & mask) == want)
			return 0;
		if (clock_ns() - start > VTD_TIMEOUT_NS)
			break;
		cpu_relax();
	}
	pr_err("unit %u: timed out waiting for %s (register 0x%x = 0x%llx)\n", u->index, what, off,
	       v);
	return -ETIMEDOUT;
}

/*
 * Set or clear one GCMD bit (10.4.4): write back the current status without
 * its one-shot bits, changed in that one bit, then wait until GSTS agrees.
 */
static int vtd_gcmd(struct vtd_unit *u, u32 bit, bool on, const char *what)
{
	u32 sts = vtd_read32(u, VTD_GSTS_REG) & VTD_GSTS_ONE_SHOT;

	vtd_write32(u, VTD_GCMD_REG, on ? sts | bit : sts & ~bit);
	return vtd_wait(u, VTD_GSTS_REG, bit, on ? bit : 0, false, what);
}

/* A one-shot command (SRTP, SIRTP): its status bit is set once the unit has latched it. */
static int vtd_gcmd_latch(struct vtd_unit *u, u32 bit, const char *what)
{
	u32 sts = vtd_read32(u, VTD_GSTS_REG) & VTD_GSTS_ONE_SHOT;

	vtd_write32(u, VTD_GCMD_REG, sts | bit);
	return vtd_wait(u, VTD_GSTS_REG, bit, bit, false, what);
}

/* Write-buffer flush (6.8) where CAP.RWBF asks for it: WBFS clears when done. */
static int vtd_flush_write_buffer(struct vtd_unit *u)
{
	u32 sts = vtd_read32(u, VTD_GSTS_REG) & VTD_GSTS_ONE_SHOT;

	if (!(u->cap & VTD_CAP_RWBF))
		return 0;
	vtd_write32(u, VTD_GCMD_REG, sts | VTD_GCMD_WBF);
	return vtd_wait(u, VTD_GSTS_REG, VTD_GCMD_WBF, 0, false, "write buffer flush");
}

/* --- memory the unit reads ------------------------------------------------ */

/*
 * Make CPU writes visible to a unit that does not snoop (ECAP.C = 0): flush
 * the cache lines (64 bytes on every x86-64), fenced on both sides.
 */
static void vtd_sync(const void *p, size_t len)
{
	uintptr_t a = ALIGN_DOWN((uintptr_t)p, 64), end = (uintptr_t)p + len;

	__asm__ __volatile__("mfence" ::: "memory");
	for (; a < end; a += 64)
		__asm__ __volatile__("clflush (%0)" ::"r"(a) : "memory");
	__asm__ __volatile__("mfence" ::: "memory");
}

/*
 * Install a 128-bit entry: the high half first, then the low half with the
 * present bit, so the unit never sees a present entry with a stale high half.
 */
static void vtd_set_entry(void *entry, u64 lo, u64 hi)
{
	volatile u64 *e = entry;

	e[1] = hi;
	barrier();
	e[0] = lo;
	if (noncoherent)
		vtd_sync(entry, 16);
}

/* Remove one: present bit first. */
static void vtd_clear_entry(void *entry)
{
	volatile u64 *e = entry;

	e[0] = 0;
	barrier();
	e[1] = 0;
	if (noncoherent)
		vtd_sync(entry, 16);
}

/* --- invalidation ------------------------------------------------------------ */

static u64 vtd_drain(const struct vtd_unit *u)
{
	return ((u->cap & VTD_CAP_DWD) ? VTD_QI_IOTLB_DW : 0) |
	       ((u->cap & VTD_CAP_DRD) ? VTD_QI_IOTLB_DR : 0);
}

/* IQE/ITE/ICE stop the queue (6.5.2.10): log, drop what is queued, let it run again. */
static int vtd_qi_error(struct vtd_unit *u, u32 fsts)
{
	u32 head = (vtd_read64(u, VTD_IQH_REG) & VTD_IQ_PTR) >> 4;
	const struct vtd_qi_desc *d = &u->iq[head % VTD_IQ_ENTRIES];

	pr_err("unit %u: invalidation queue error (FSTS 0x%x) at descriptor %u: 0x%016llx 0x%016llx\n",
	       u->index, fsts, head, d->lo, d->hi);
	u->qi_errors++;
	u->iq_tail = head % VTD_IQ_ENTRIES;
	vtd_write64(u, VTD_IQT_REG, (u64)u->iq_tail << 4);
	vtd_write32(u, VTD_FSTS_REG, fsts & (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE));
	return -EIO;
}

/* Wait for the status write of wait descriptor `seq`: 0, -EIO or -ETIMEDOUT. */
static int vtd_qi_wait_done(struct vtd_unit *u, u32 seq)
{
	u64 start = clock_ns();

	for (;;) {
		u32 fsts;

		if (noncoherent) /* the unit wrote memory: drop any stale cached copy */
			vtd_sync((const void *)u->qi_status, sizeof(u32));
		if (*u->qi_status == seq)
			return 0;
		fsts = vtd_read32(u, VTD_FSTS_REG);
		if (fsts & (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE))
			return vtd_qi_error(u, fsts);
		if (clock_ns() - start > VTD_TIMEOUT_NS)
			break;
		cpu_relax();
	}
	pr_err("unit %u: invalidation wait %u timed out (head %llu, tail %u)\n", u->index, seq,
	       (vtd_read64(u, VTD_IQH_REG) & VTD_IQ_PTR) >> 4, u->iq_tail);
	u->qi_errors++;
	return -ETIMEDOUT;
}

static void vtd_qi_put(struct vtd_unit *u, struct vtd_qi_desc d)
{
	u->iq[u->iq_tail] = d;
	if (noncoherent)
		vtd_sync(&u->iq[u->iq_tail], sizeof(d));
	u->iq_tail = (u->iq_tail + 1) % VTD_IQ_ENTRIES;
}

/*
 * Queue n descriptors and a wait descriptor with status write, then spin
 * until the unit has processed them all (6.5.2.8). Every call completes
 * before the next, so the queue is empty on entry and never fills.
 */
static int vtd_qi_submit(struct vtd_unit *u, const struct vtd_qi_desc *d, unsigned int n)
{
	u32 head, seq;
	int r;

	if (n + 1 >= VTD_IQ_ENTRIES)
		return -EINVAL;
	spin_lock(&u->qi_lock);
	head = (vtd_read64(u, VTD_IQH_REG) & VTD_IQ_PTR) >> 4;
	if (head != u->iq_tail) {
		/* An earlier wait timed out: give the unit one more chance to finish it. */
		r = vtd_wait(u, VTD_IQH_REG, VTD_IQ_PTR, (u64)u->iq_tail << 4, true, "queue drain");
		if (r) {
			spin_unlock(&u->qi_lock);
			return r;
		}
	}
	seq = ++u->qi_seq;
	for (unsigned int i = 0; i < n; i++)
		vtd_qi_put(u, d[i]);
	vtd_qi_put(u, vtd_qi_wait(u->qi_status_pa, seq));
	vtd_write64(u, VTD_IQT_REG, (u64)u->iq_tail << 4);
	r = vtd_qi_wait_done(u, seq);
	spin_unlock(&u->qi_lock);
	return r;
}

/* Register-based invalidation (6.5.1) of one descriptor, for units without QI. */
static int vtd_reg_invalidate(struct vtd_unit *u, const struct vtd_qi_desc *d)
{
	u64 g = (d->lo & VTD_QI_G) >> 4, did = (d->lo & VTD_QI_DID) >> 16;

	switch (d->lo & VTD_QI_TYPE) {
	case VTD_QI_CC:
		vtd_write64(u, VTD_CCMD_REG,
			    VTD_CCMD_ICC | g << 61 | ((d->lo & VTD_QI_CC_SID) >> 16) | did);
		return vtd_wait(u, VTD_CCMD_REG, VTD_CCMD_ICC, 0, true,
				"context-cache invalidation");
	case VTD_QI_IOTLB:
		if (g == VTD_QI_G_PAGE)
			vtd_write64(u, u->iro + VTD_IVA_OFF, d->hi);
		vtd_write64(u, u->iro + VTD_IOTLB_OFF,
			    VTD_IOTLB_IVT | g << 60 | did << 32 |
				    ((d->lo & VTD_QI_IOTLB_DW) ? VTD_IOTLB_DW : 0) |
				    ((d->lo & VTD_QI_IOTLB_DR) ? VTD_IOTLB_DR : 0));
		return vtd_wait(u, u->iro + VTD_IOTLB_OFF, VTD_IOTLB_IVT, 0, true,
				"IOTLB invalidation");
	default:
		return -ENODEV; /* interrupt entry caches exist only with QI */
	}
}

static int vtd_invalidate(struct vtd_unit *u, const struct vtd_qi_desc *d, unsigned int n)
{
	int r = 0;

	if (u->qi)
		return vtd_qi_submit(u, d, n);
	for (unsigned int i = 0; i < n && !r; i++)
		r = vtd_reg_invalidate(u, &d[i]);
	return r;
}

/* IOTLB entries of a domain for [iova, iova + size): page-selective where it fits (CAP.PSI, MAMV). */
static struct vtd_qi_desc vtd_iotlb_desc(const struct vtd_unit *u, u16 did, u64 iova, u64 size)
{
	unsigned int am = vtd_psi_am(iova, size);
	u64 mamv = (u->cap & VTD_CAP_MAMV) >> 48;

	if (!(u->cap & VTD_CAP_PSI) || am > mamv)
		return vtd_qi_iotlb_domain(did, vtd_drain(u));
	return vtd_qi_iotlb_page(did, ALIGN_DOWN(iova, PAGE_SIZE << am), am, vtd_drain(u));
}

static int vtd_flush_map(struct iommu_domain *dom, u64 iova, u64 size)
{
	int r = 0;

	for (unsigned int i = 0; i < unit_count; i++) {
		struct vtd_unit *u = &units[i];
		struct vtd_qi_desc d = vtd_iotlb_desc(u, dom->id, iova, size);

		/* Caching mode: even not-present entries may be cached (6.1). */
		r |= u->cm ? vtd_invalidate(u, &d, 1) : vtd_flush_write_buffer(u);
	}
	return r ? -EIO : 0;
}

static int vtd_flush_unmap(struct iommu_domain *dom, u64 iova, u64 size)
{
	int r = 0;

	for (unsigned int i = 0; i < unit_count; i++) {
		struct vtd_qi_desc d = vtd_iotlb_desc(&units[i], dom->id, iova, size);

		r |= vtd_invalidate(&units[i], &d, 1);
	}
	return r ? -EIO : 0;
}

/* --- devices, DMAR scopes and context entries ------------------------------ */

static int vtd_bridge(u16 seg, u8 bus, u8 devfn, u8 *secondary, u8 *subordinate)
{
	struct pci_dev *d = pci_find(seg, bus, PCI_SLOT(devfn), PCI_FUNC(devfn));

	if (!d || !pci_is_bridge(d))
		return -ENODEV;
	*secondary = d->secondary;
	*subordinate = d->subordinate;
	return 0;
}

static struct vtd_unit *vtd_unit_of(u16 seg, u16 rid)
{
	int i = dmar_unit_of(&acpi.dmar, seg, rid, vtd_bridge);

	return i >= 0 && (unsigned int)i < unit_count ? &units[i] : NULL;
}

/* The context entry of rid, with its bus's context table made on first use. */
static struct vtd_context_entry *vtd_context_slot(struct vtd_unit *u, u16 rid, bool create)
{
	u8 bus = rid >> 8;

	if (!u->ctx[bus] && create) {
		paddr_t pa = iommu_alloc_pages(1);
		struct vtd_root_entry re = vtd_root_entry(pa);

		if (!pa)
			return NULL;
		u->ctx[bus] = phys_to_virt(pa);
		vtd_set_entry(&u->root[bus], re.lo, re.hi);
	}
	return u->ctx[bus] ? &u->ctx[bus][rid & 0xff] : NULL;
}

/* Identity-map what RMRRs name for this function (8.4); partitions may not have such devices. */
static int vtd_rmrr_map(struct iommu_domain *dom, u16 seg, u16 rid)
{
	for (unsigned int i = 0; i < acpi.dmar.rmrr_count && i < ACPI_MAX_RMRR; i++) {
		const struct acpi_rmrr *r = &acpi.dmar.rmrrs[i];
		int ret;

		if (!rmrr_ok[i] || !dmar_rmrr_names(r, seg, rid, vtd_bridge))
			continue;
		if (dom->kind == IOMMU_DOM_PARTITION) {
			pr_err(PCI_FMT
			       " needs firmware memory (RMRR 0x%llx-0x%llx): not given to %s\n",
			       seg, rid >> 8, PCI_SLOT(rid), PCI_FUNC(rid), r->base, r->limit,
			       dom->name);
			return -EPERM;
		}
		ret = iommu_map_reserved(dom, r->base, r->limit + 1 - r->base);
		if (ret)
			return ret;
		pr_info(PCI_FMT ": RMRR 0x%llx-0x%llx identity-mapped in domain %u (%s)\n", seg,
			rid >> 8, PCI_SLOT(rid), PCI_FUNC(rid), r->base, r->limit, dom->id,
			dom->name);
	}
	return 0;
}

static int vtd_attach(struct iommu_domain *dom, u16 seg, u16 rid)
{
	struct vtd_unit *u = vtd_unit_of(seg, rid);
	struct vtd_context_entry *ce, e;
	int r;

	if (!u) {
		pr_err(PCI_FMT " is behind no remapping unit\n", seg, rid >> 8, PCI_SLOT(rid),
		       PCI_FUNC(rid));
		return -ENODEV;
	}
	r = vtd_rmrr_map(dom, seg, rid);
	if (r)
		return r;
	ce = vtd_context_slot(u, rid, true);
	if (!ce)
		return -ENOMEM;
	if (ce->lo & VTD_CE_P)
		return -EBUSY;
	e = vtd_context_entry(dom->pt.root, dom->id);
	vtd_set_entry(ce, e.lo, e.hi);
	if (u->cm) {
		/* Not-present -> present in caching mode: domain 0 tags cached misses (6.1). */
		struct vtd_qi_desc d[2] = { vtd_qi_cc_device(0, rid),
					    vtd_qi_iotlb_domain(dom->id, 0) };

		r = vtd_invalidate(u, d, 2);
	} else {
		r = vtd_flush_write_buffer(u);
	}
	if (r) {
		vtd_clear_entry(ce); /* the unit may not have seen it: leave the device out */
		return r;
	}
	pr_info(PCI_FMT " -> domain %u (%s)\n", seg, rid >> 8, PCI_SLOT(rid), PCI_FUNC(rid),
		dom->id, dom->name);
	return 0;
}

static int vtd_detach(struct iommu_domain *dom, u16 seg, u16 rid)
{
	struct vtd_unit *u = vtd_unit_of(seg, rid);
	struct vtd_context_entry *ce = u ? vtd_context_slot(u, rid, false) : NULL;
	struct vtd_qi_desc d[2];

	if (!ce || !(ce->lo & VTD_CE_P) || vtd_context_did(ce) != dom->id)
		return -ENOENT;
	vtd_clear_entry(ce);
	/* Present -> not-present: context cache, then the domain's IOTLB (6.5.3.3). */
	d[0] = vtd_qi_cc_device(dom->id, rid);
	d[1] = vtd_qi_iotlb_domain(dom->id, vtd_drain(u));
	pr_info(PCI_FMT " left domain %u (%s)\n", seg, rid >> 8, PCI_SLOT(rid), PCI_FUNC(rid),
		dom->id, dom->name);
	return vtd_invalidate(u, d, 2);
}

/* --- interrupt remapping ------------------------------------------------------ */

static int vtd_ir_alloc(u16 seg, u16 rid, u32 dest, u8 vector, struct msi_msg *msg)
{
	struct vtd_unit *u = vtd_unit_of(seg, rid);
	struct vtd_qi_desc inv;
	int idx = -1;

	if (!u || !u->irt)
		return -ENODEV;
	if (!u->eime && dest > 0xff)
		return -EINVAL; /* xAPIC destinations are 8 bits */
	spin_lock(&u->ir_lock);
	for (unsigned int i = 0; i < VTD_IRT_ENTRIES && idx < 0; i++)
		if (!(u->irt_used[i / 64] & BIT(i % 64)))
			idx = (int)i;
	if (idx >= 0) {
		struct vtd_irte e = vtd_irte_remapped(dest, vector, rid, u->eime);

		u->irt_used[idx / 64] |= BIT(idx % 64);
		vtd_set_entry(&u->irt[idx], e.lo, e.hi);
	}
	spin_unlock(&u->ir_lock);
	if (idx < 0)
		return -ENOSPC;
	inv = vtd_qi_iec_index(idx);
	if (vtd_invalidate(u, &inv, 1))
		return -EIO;
	*msg = vtd_ir_msi(idx);
	return idx;
}

static int vtd_ir_free(u16 seg, u16 rid, int handle)
{
	struct vtd_unit *u = vtd_unit_of(seg, rid);
	struct vtd_qi_desc inv = vtd_qi_iec_index((u16)handle);
	int r = 0;

	if (!u || !u->irt || handle < 0 || handle >= VTD_IRT_ENTRIES)
		return -EINVAL;
	spin_lock(&u->ir_lock);
	if (!(u->irt_used[handle / 64] & BIT(handle % 64)) ||
	    (u->irt[handle].hi & VTD_IRTE_SID) != rid) {
		r = -EPERM; /* not this device's entry */
	} else {
		vtd_clear_entry(&u->irt[handle]);
		u->irt_used[handle / 64] &= ~BIT(handle % 64);
	}
	spin_unlock(&u->ir_lock);
	if (r)
		return r;
	return vtd_invalidate(u, &inv, 1);
}

/* --- fault reporting (7.3) ----------------------------------------------------- */

const char *vtd_fault_reason(u8 reason)
{
	static const char *const dma[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present",
		[0x3] = "invalid context entry",
		[0x4] = "address beyond the address width",
		[0x5] = "write to read-only or non-present",
		[0x6] = "read from non-readable or non-present",
		[0x7] = "cannot read a second-level table",
		[0x8] = "bad root table address",
		[0x9] = "bad context table address",
		[0xa] = "reserved bits in root entry",
		[0xb] = "reserved bits in context entry",
		[0xc] = "reserved bits in second-level entry",
		[0xd] = "translation type blocked",
	};
	static const char *const intr[] = {
		"reserved bits in interrupt request", "interrupt index beyond the table",
		"interrupt entry not present",        "cannot read the interrupt table",
		"reserved bits in interrupt entry",   "compatibility-format interrupt blocked",
		"source-id validation failed",
	};

	if (reason < ARRAY_SIZE(dma) && dma[reason])
		return dma[reason];
	if (reason >= VTD_FR_IR_FIRST && reason - VTD_FR_IR_FIRST < (int)ARRAY_SIZE(intr))
		return intr[reason - VTD_FR_IR_FIRST];
	return "unknown reason";
}

static void vtd_report_fault(struct vtd_unit *u, const struct vtd_fault *f)
{
	u16 seg = u->drhd->segment;

	u->faults++;
	iommu_count_fault(seg, f->sid);
	if (!ratelimit_check(&fault_rl))
		return;
	if (f->intr)
		printk(LOG_WARN,
		       "vtd: interrupt fault: " PCI_FMT " index 0x%x reason 0x%02x (%s)\n", seg,
		       f->sid >> 8, PCI_SLOT(f->sid), PCI_FUNC(f->sid), f->index, f->reason,
		       vtd_fault_reason(f->reason));
	else
		printk(LOG_WARN, "vtd: DMA fault: " PCI_FMT " %s 0x%llx reason 0x%02x (%s)\n", seg,
		       f->sid >> 8, PCI_SLOT(f->sid), PCI_FUNC(f->sid), f->write ? "write" : "read",
		       f->addr, f->reason, vtd_fault_reason(f->reason));
}

/*
 * Read every fault record from FSTS.FRI on, log each once, clear its F bit
 * (RW1C), then clear a primary fault overflow (7.3.1): from then on the unit
 * records, and signals, new faults again.
 */
static void vtd_drain_faults(struct vtd_unit *u)
{
	u32 fsts = vtd_read32(u, VTD_FSTS_REG);
	u32 first = (fsts & VTD_FSTS_FRI) >> 8;

	for (u32 k = 0; (fsts & VTD_FSTS_PPF) && k < u->nfr; k++) {
		u32 off = u->fro + ((first + k) % u->nfr) * 16;
		u64 hi = vtd_read64(u, off + 8);
		struct vtd_fault f;

		if (!(hi & VTD_FRCD_F))
			continue;
		f = vtd_fault_decode(vtd_read64(u, off), hi);
		vtd_report_fault(u, &f);
		vtd_write32(u, off + 12, (u32)(VTD_FRCD_F >> 32));
	}
	if (fsts & VTD_FSTS_PFO) {
		u->overflows++;
		iommu_count_overflow();
		if (ratelimit_check(&fault_rl))
			pr_warn("unit %u: primary fault overflow: faults were lost\n", u->index);
		vtd_write32(u, VTD_FSTS_REG, VTD_FSTS_PFO);
	}
}

/* Hold fault events (FECTL.IM); on release a pending one is signalled (10.4.10). */
static void vtd_fault_events(bool on)
{
	for (unsigned int i = 0; i < unit_count; i++)
		vtd_write32(&units[i], VTD_FECTL_REG, on ? 0 : VTD_FECTL_IM);
}

/*
 * A fault recorded while PPF is still set raises no new event (7.3.1): drain
 * until the unit shows nothing pending, a bounded number of times.
 */
static void vtd_fault_irq(struct irq_frame *frame)
{
	(void)frame;
	for (unsigned int i = 0; i < unit_count; i++) {
		for (int pass = 0; pass < 4; pass++) {
			vtd_drain_faults(&units[i]);
			if (!(vtd_read32(&units[i], VTD_FSTS_REG) & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
				break;
		}
	}
}

/* The fault event is a compatibility-format MSI to the boot CPU; never remapped (5.1.6). */
static void vtd_faults_init(struct vtd_unit *u, u8 vector, u32 dest)
{
	vtd_write32(u, VTD_FECTL_REG, VTD_FECTL_IM);
	vtd_write32(u, VTD_FEDATA_REG, vector);
	vtd_write32(u, VTD_FEADDR_REG, 0xfee00000u | (dest & 0xff) << 12);
	if (u->ecap & VTD_ECAP_EIM)
		vtd_write32(u, VTD_FEUADDR_REG, dest & 0xffffff00u);
	vtd_drain_faults(u); /* whatever firmware left behind */
	vtd_write32(u, VTD_FSTS_REG, VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
	vtd_write32(u, VTD_FECTL_REG, 0);
}

/* --- bring-up ------------------------------------------------------------------ */

static int vtd_unit_map(struct vtd_unit *u, const struct acpi_drhd *d)
{
	u64 span = MIN(MAX(VTD_REG_SPAN, PAGE_SIZE << MIN(d->size_order, 4)), VTD_MAX_REG_SPAN);
	u64 need;

	u->regs = ioremap(d->base, span);
	if (!u->regs)
		return -ENODEV;
	u->cap = vtd_read64(u, VTD_CAP_REG);
	u->ecap = vtd_read64(u, VTD_ECAP_REG);
	if (u->cap == ~0ULL || u->ecap == ~0ULL) {
		pr_err("unit %u: nothing answers at 0x%llx\n", u->index, d->base);
		return -ENODEV;
	}
	u->fro = ((u->cap & VTD_CAP_FRO) >> 24) * 16;
	u->nfr = ((u->cap & VTD_CAP_NFR) >> 40) + 1;
	u->iro = ((u->ecap & VTD_ECAP_IRO) >> 8) * 16;
	need = MAX(u->fro + u->nfr * 16ULL, u->iro + 16ULL);
	if (need > VTD_MAX_REG_SPAN) {
		pr_err("unit %u: registers at +0x%llx, beyond any register set\n", u->index, need);
		return -ENODEV;
	}
	if (need > span)
		u->regs = ioremap(d->base, ALIGN_UP(need, PAGE_SIZE));
	return u->regs ? 0 : -ENODEV;
}

/* What the design needs of a unit (VT-d spec 10.4.2, 10.4.3); log what it offers. */
static int vtd_unit_check(struct vtd_unit *u)
{
	static const char *const page_sizes[] = { "", "4K", "4K/2M", "4K/2M/1G" };
	u64 cap = u->cap, ecap = u->ecap;

	u->qi = (ecap & VTD_ECAP_QI) && hv_config.vtd_qi;
	u->ir = (ecap & VTD_ECAP_IR) && u->qi;
	u->cm = cap & VTD_CAP_CM;
	pr_info("unit %u at 0x%llx: version %u.%u, %u domains, SAGAW 0x%llx, %s pages, %s%s%s%s%s\n",
		u->index, u->drhd->base, (vtd_read32(u, VTD_VER_REG) >> 4) & 0xf,
		vtd_read32(u, VTD_VER_REG) & 0xf, vtd_cap_domains(cap), (cap & VTD_CAP_SAGAW) >> 8,
		page_sizes[vtd_cap_leaf_level(cap)], u->qi ? "QI" : "register invalidation",
		u->ir ? ", IR" : "", u->ir && (ecap & VTD_ECAP_EIM) ? " x2APIC" : "",
		u->cm ? ", caching mode" : "",
		(ecap & VTD_ECAP_C) ? ", coherent" : ", non-coherent (clflush)");
	if (!(cap & VTD_SAGAW_48)) {
		pr_err("unit %u: no 4-level (48-bit) second-level tables (SAGAW 0x%llx): cannot use it\n",
		       u->index, (cap & VTD_CAP_SAGAW) >> 8);
		return -ENODEV;
	}
	if (!u->ir)
		pr_err("unit %u: no interrupt remapping: devices cannot be given to partitions\n",
		       u->index);
	return 0;
}

/* Firmware (pre-boot DMA protection, a previous kernel) may have left the unit on. */
static int vtd_unit_quiesce(struct vtd_unit *u)
{
	u32 sts = vtd_read32(u, VTD_GSTS_REG);
	int r = 0;

	if (!(sts & (VTD_GCMD_TE | VTD_GCMD_IRE | VTD_GCMD_QIE)))
		return 0;
	pr_warn("unit %u: found on (GSTS 0x%08x): turning it off to take over\n", u->index, sts);
	if (sts & VTD_GCMD_TE)
		r |= vtd_gcmd(u, VTD_GCMD_TE, false, "translation off");
	if (sts & VTD_GCMD_IRE)
		r |= vtd_gcmd(u, VTD_GCMD_IRE, false, "interrupt remapping off");
	if (sts & VTD_GCMD_QIE)
		r |= vtd_gcmd(u, VTD_GCMD_QIE, false, "queued invalidation off");
	return r ? -EIO : 0;
}

static int vtd_root_init(struct vtd_unit *u)
{
	paddr_t pa = iommu_alloc_pages(1);

	if (!pa)
		return -ENOMEM;
	u->root = phys_to_virt(pa);
	vtd_write64(u, VTD_RTADDR_REG, pa); /* TTM 0: legacy mode */
	return vtd_gcmd_latch(u, VTD_GCMD_SRTP, "root table pointer");
}

/* The invalidation queue (one page) and its status dword (the next page). */
static int vtd_qi_init(struct vtd_unit *u)
{
	paddr_t pa;

	if (!u->qi)
		return 0;
	pa = iommu_alloc_pages(2);
	if (!pa)
		return -ENOMEM;
	u->iq = phys_to_virt(pa);
	u->qi_status_pa = pa + PAGE_SIZE;
	u->qi_status = phys_to_virt(u->qi_status_pa);
	u->iq_tail = 0;
	vtd_write64(u, VTD_IQT_REG, 0);
	vtd_write64(u, VTD_IQA_REG, pa); /* QS 0: 256 entries; DW 0: 128-bit descriptors */
	return vtd_gcmd(u, VTD_GCMD_QIE, true, "queued invalidation on");
}

/* After a new root table pointer, nothing cached may survive (6.5.3.1). */
static int vtd_flush_all(struct vtd_unit *u)
{
	struct vtd_qi_desc d[2] = { vtd_qi_cc_global(), vtd_qi_iotlb_global(vtd_drain(u)) };

	return vtd_invalidate(u, d, 2);
}

/* IRTA, SIRTP, a global interrupt-entry-cache flush, compatibility format off, then IRE. */
static int vtd_ir_init(struct vtd_unit *u, bool eime)
{
	struct vtd_qi_desc inv = vtd_qi_iec_global();
	paddr_t pa;
	int r;

	if (!u->ir)
		return 0;
	pa = iommu_alloc_pages(VTD_IRT_ENTRIES * sizeof(struct vtd_irte) / PAGE_SIZE);
	if (!pa)
		return -ENOMEM;
	u->irt = phys_to_virt(pa);
	u->eime = eime;
	vtd_write64(u, VTD_IRTA_REG, pa | (eime ? VTD_IRTA_EIME : 0) | VTD_IRT_S);
	r = vtd_gcmd_latch(u, VTD_GCMD_SIRTP, "interrupt remapping table pointer");
	if (!r)
		r = vtd_invalidate(u, &inv, 1);
	/* Compatibility-format interrupts would bypass the table: block them (5.1.2.1). */
	if (!r && (vtd_read32(u, VTD_GSTS_REG) & VTD_GCMD_CFI))
		r = vtd_gcmd(u, VTD_GCMD_CFI, false, "compatibility format off");
	if (!r)
		r = vtd_gcmd(u, VTD_GCMD_IRE, true, "interrupt remapping on");
	return r;
}

static int vtd_unit_start(struct vtd_unit *u, bool eime, u8 vector)
{
	int r = vtd_unit_quiesce(u);

	if (!r) {
		vtd_faults_init(u, vector, apic_id());
		r = vtd_root_init(u);
	}
	if (!r)
		r = vtd_qi_init(u);
	if (!r)
		r = vtd_flush_all(u);
	if (!r)
		r = vtd_ir_init(u, eime);
	return r;
}

/* Check the DMAR entries once, so that malformed ones are named in the log. */
static void vtd_check_dmar(void)
{
	for (unsigned int i = 0; i < acpi.dmar.rmrr_count && i < ACPI_MAX_RMRR; i++) {
		const struct acpi_rmrr *r = &acpi.dmar.rmrrs[i];

		rmrr_ok[i] = r->limit >= r->base && r->limit != ~0ULL &&
			     IS_ALIGNED(r->base, PAGE_SIZE) && IS_ALIGNED(r->limit + 1, PAGE_SIZE);
		if (!rmrr_ok[i])
			pr_err("ignoring malformed RMRR 0x%llx-0x%llx\n", r->base, r->limit);
	}
}

static struct iommu_ops vtd_ops = {
	/* .sync is set once the units' coherency is known */
	.fmt = &pt_fmt_vtd,
	.flush_map = vtd_flush_map,
	.flush_unmap = vtd_flush_unmap,
	.attach = vtd_attach,
	.detach = vtd_detach,
	.ir_alloc = vtd_ir_alloc,
	.ir_free = vtd_ir_free,
	.fault_events = vtd_fault_events,
};

/* Register with the generic layer what every unit can do. */
static void vtd_register(bool ir)
{
	struct iommu_caps caps = {
		.max_leaf_level = 3,
		.max_domains = 1u << 16,
		.iova_limit = BIT(48),
		.hpa_limit = BIT(MIN(acpi.dmar.host_addr_width + 1, 52)),
		.intr_remap = ir,
	};

	for (unsigned int i = 0; i < unit_count; i++) {
		const struct vtd_unit *u = &units[i];
		u64 mgaw = ((u->cap & VTD_CAP_MGAW) >> 16) + 1;

		caps.max_leaf_level = MIN(caps.max_leaf_level, vtd_cap_leaf_level(u->cap));
		caps.max_domains = MIN(caps.max_domains, vtd_cap_domains(u->cap));
		caps.iova_limit = MIN(caps.iova_limit, BIT(MIN(mgaw, 48)));
		noncoherent |= !(u->ecap & VTD_ECAP_C);
	}
	vtd_ops.sync = noncoherent ? vtd_sync : NULL;
	iommu_register(&vtd_ops, &caps);
}

int iommu_backend_probe(void)
{
	bool ir = true, eim = true;
	int r = 0, vector;

	if (!acpi.have_dmar || acpi.dmar.drhd_count == 0) {
		pr_err("no DMAR table: this machine offers no DMA remapping (VT-d)\n");
		return -ENODEV;
	}
	vtd_check_dmar();
	for (unsigned int i = 0; i < acpi.dmar.drhd_count && i < VTD_MAX_UNITS && !r; i++) {
		struct vtd_unit *u = &units[i];

		*u = (struct vtd_unit){ .drhd = &acpi.dmar.drhds[i],
					.index = i,
					.qi_lock = SPINLOCK_INIT,
					.ir_lock = SPINLOCK_INIT };
		r = vtd_unit_map(u, u->drhd);
		if (!r)
			r = vtd_unit_check(u);
		ir &= u->ir;
		eim &= (u->ecap & VTD_ECAP_EIM) != 0;
		unit_count = i + 1;
	}
	if (r)
		return r;
	vtd_register(ir);
	vector = vector_alloc(vtd_fault_irq);
	if (vector < 0) {
		pr_err("no interrupt vector for fault events\n");
		return vector;
	}
	/* EIME only when the CPUs run their APICs in x2APIC mode (9.10). */
	eim &= apic_is_x2apic();
	for (unsigned int i = 0; i < unit_count && !r; i++)
		r = vtd_unit_start(&units[i], eim, (u8)vector);
	if (!r && ir)
		pr_info("interrupt remapping on (%s destinations), compatibility format blocked\n",
			eim ? "x2APIC" : "xAPIC");
	return r;
}

/* Devices firmware keeps using (RMRRs) go into the hypervisor's domain before DMA is blocked. */
static void vtd_attach_rmrr_devices(struct iommu_domain *hv)
{
	struct dmar_target t;

	for (unsigned int i = 0; i < acpi.dmar.rmrr_count && i < ACPI_MAX_RMRR; i++) {
		const struct acpi_rmrr *r = &acpi.dmar.rmrrs[i];

		for (unsigned int k = 0; rmrr_ok[i] && k < r->scope_count && k < ACPI_MAX_SCOPES;
		     k++) {
			u16 rid;

			if (r->scopes[k].type != ACPI_SCOPE_ENDPOINT ||
			    dmar_resolve_scope(&r->scopes[k], r->segment, vtd_bridge, &t))
				continue;
			rid = (u16)(t.bus << 8 | t.devfn);
			if (!iommu_dom_of(r->segment, rid) && iommu_attach_rid(hv, r->segment, rid))
				pr_err("RMRR device " PCI_FMT
				       " could not join the hypervisor's domain\n",
				       r->segment, t.bus, PCI_SLOT(t.devfn), PCI_FUNC(t.devfn));
		}
	}
}

/* Devices no unit covers could DMA anywhere: name them. */
static void vtd_check_coverage(void)
{
	struct pci_dev *d;

	for (d = pci_next(NULL); d; d = pci_next(d)) {
		if (!vtd_unit_of(d->seg, PCI_RID(d->bus, d->devfn)))
			pr_err(PCI_FMT " is behind no remapping unit: its DMA is not confined\n",
			       PCI_ARG(d));
	}
}

int iommu_backend_enable(struct iommu_domain *hv)
{
	int r = 0;

	vtd_attach_rmrr_devices(hv);
	vtd_check_coverage();
	for (unsigned int i = 0; i < unit_count && !r; i++) {
		struct vtd_unit *u = &units[i];

		r = vtd_flush_write_buffer(u);
		if (!r)
			r = vtd_gcmd(u, VTD_GCMD_TE, true, "translation on");
		if (!r)
			pr_info("unit %u: DMA remapping on, root table 0x%llx\n", u->index,
				virt_to_phys(u->root));
	}
	return r;
}

/* --- self-tests ------------------------------------------------------------------ */

SELFTEST(vtd_units_enabled)
{
	if (!unit_count) {
		snformat(msg, msglen, "no remapping unit");
		return SELFTEST_SKIP;
	}
	for (unsigned int i = 0; i < unit_count; i++) {
		u32 sts = vtd_read32(&units[i], VTD_GSTS_REG);
		u32 want = VTD_GCMD_TE | VTD_GCMD_SRTP | (units[i].qi ? VTD_GCMD_QIE : 0) |
			   (units[i].ir ? VTD_GCMD_IRE | VTD_GCMD_SIRTP : 0);

		if ((sts & want) != want || (sts & VTD_GCMD_CFI)) {
			snformat(msg, msglen, "unit %u: GSTS 0x%08x, want 0x%08x and CFIS clear", i,
				 sts, want);
			return SELFTEST_FAIL;
		}
	}
	return SELFTEST_PASS;
}

/* A descriptor the unit must refuse (type 0 is reserved): IQE, logged, and the queue runs on. */
SELFTEST(vtd_qi_error_recovery)
{
	const struct vtd_qi_desc bad = { 0, 0 };
	unsigned int tested = 0;

	for (unsigned int i = 0; i < unit_count; i++) {
		struct vtd_unit *u = &units[i];
		u64 errors = u->qi_errors;
		int r;

		if (!u->qi)
			continue;
		tested++;
		r = vtd_qi_submit(u, &bad, 1);
		if (r != -EIO || u->qi_errors != errors + 1) {
			snformat(msg, msglen, "unit %u: bad descriptor gave %d", i, r);
			return SELFTEST_FAIL;
		}
		r = vtd_invalidate(u, NULL, 0);
		if (r || (vtd_read32(u, VTD_FSTS_REG) & VTD_FSTS_IQE)) {
			snformat(msg, msglen, "unit %u: the queue did not recover (%d)", i, r);
			return SELFTEST_FAIL;
		}
	}
	if (!tested)
		snformat(msg, msglen, "no unit uses queued invalidation");
	return tested ? SELFTEST_PASS : SELFTEST_SKIP;
}

SELFTEST(vtd_qi_roundtrip)
{
	unsigned int tested = 0;

	for (unsigned int i = 0; i < unit_count; i++) {
		struct vtd_unit *u = &units[i];
		u32 before = u->qi_seq;

		if (!u->qi)
			continue;
		tested++;
		for (int k = 0; k < 64; k++) {
			int r = vtd_invalidate(u, NULL, 0);

			if (r || *u->qi_status != u->qi_seq) {
				snformat(msg, msglen, "unit %u: wait %d returned %d", i, k, r);
				return SELFTEST_FAIL;
			}
		}
		if (u->qi_seq != before + 64)
			return SELFTEST_FAIL;
	}
	if (!tested)
		snformat(msg, msglen, "no unit uses queued invalidation");
	return tested ? SELFTEST_PASS : SELFTEST_SKIP;
}
