/* SPDX-License-Identifier: MIT */
/*
 * backend.h: what the generic domain code (iommu.c) and a remapping backend
 * (vtd.c) offer each other. Only files in iommu/ include it.
 */
#ifndef IOMMU_BACKEND_H
#define IOMMU_BACKEND_H

#include "iommu/iommu.h"
#include "kernel/pagetable.h"

#define IOMMU_MAX_DOMAINS  64
#define IOMMU_MAX_GRANTS   8  /* RAM ranges of one partition */
#define IOMMU_MAX_DOM_DEVS 32 /* functions in one domain */

struct iommu_grant {
	paddr_t base;
	paddr_t end; /* exclusive */
};

struct iommu_dev_ref {
	u16 seg;
	u16 rid;
};

struct iommu_domain {
	bool live;
	enum iommu_dom_kind kind;
	u16 id; /* hardware domain ID, the same on every unit */
	char name[16];
	struct pagetable pt; /* second-level tables, kernel/pagetable.c */
	struct pt_mem mem;   /* tables from the IOMMU arena; frees deferred until flushed */
	struct iommu_grant grants[IOMMU_MAX_GRANTS];
	unsigned int grant_count;
	struct iommu_dev_ref devs[IOMMU_MAX_DOM_DEVS];
	unsigned int dev_count;
	u64 faults;
};

/* What the hardware allows, filled in by the backend's probe. */
struct iommu_caps {
	int max_leaf_level; /* 1 = 4 KiB only, 2 = 2 MiB, 3 = 1 GiB pages */
	u32 max_domains;    /* domain IDs 1 .. max_domains - 1 are usable */
	u64 iova_limit;     /* exclusive */
	u64 hpa_limit;      /* exclusive: what DMA can address */
	bool intr_remap;
};

struct iommu_ops {
	const struct pt_fmt *fmt;
	/* Make CPU writes to [p, p + len) visible to the IOMMU; NULL when it snoops. */
	void (*sync)(const void *p, size_t len);
	/* After not-present -> present changes in [iova, iova + size). */
	int (*flush_map)(struct iommu_domain *dom, u64 iova, u64 size);
	/* After present -> not-present changes; returns once no cache holds them. */
	int (*flush_unmap)(struct iommu_domain *dom, u64 iova, u64 size);
	int (*attach)(struct iommu_domain *dom, u16 seg, u16 rid);
	int (*detach)(struct iommu_domain *dom, u16 seg, u16 rid);
	int (*ir_alloc)(u16 seg, u16 rid, u32 dest, u8 vector, struct msi_msg *msg);
	int (*ir_free)(u16 seg, u16 rid, int handle);
	/* Stop signalling faults (they stay recorded) or signal them again. */
	void (*fault_events)(bool on);
};

/*
 * Implemented by the backend chosen at link time (vtd.c): find the units,
 * bring them up to the point where domains can be built, and register with
 * iommu_register(). 0, or -ENODEV after logging why there is no protection.
 */
int iommu_backend_probe(void);

/*
 * Called once the hypervisor's domain exists: put the devices firmware needs
 * (RMRRs) into it, then turn translation on everywhere. 0 or -EIO.
 */
int iommu_backend_enable(struct iommu_domain *hv);

/* Called by the backend's probe. */
void iommu_register(const struct iommu_ops *ops, const struct iommu_caps *caps);

/*
 * The IOMMU arena: every page the IOMMU hands to hardware (root, context and
 * interrupt tables, invalidation queues, second-level tables) comes from it,
 * so dom_map can refuse all of them at once. n contiguous zeroed pages, made
 * visible to the IOMMU; 0 when out of memory.
 */
paddr_t iommu_alloc_pages(unsigned int n);
void iommu_free_pages(paddr_t pa, unsigned int n);

/* Pages of the arena in use (leak checks in tests). */
unsigned int iommu_arena_used_pages(void);

/* True when [pa, pa + len) touches memory the hypervisor keeps for itself. */
bool iommu_hv_owned(paddr_t pa, u64 len);

/* Identity-map a firmware-reserved range (an RMRR) into dom, bypassing grants. */
int iommu_map_reserved(struct iommu_domain *dom, paddr_t base, u64 size);

/* Count a fault against its requester ID and the domain holding it (fault handler). */
void iommu_count_fault(u16 seg, u16 rid);

/* Count faults the hardware could not record (primary fault overflow). */
void iommu_count_overflow(void);

/* The domain a requester ID is attached to, or NULL. */
struct iommu_domain *iommu_dom_of(u16 seg, u16 rid);

#endif
