// SPDX-License-Identifier: MIT
/*
 * iommu.c: DMA domains and the rules of what they may map, independent of
 * the remapping hardware: domain IDs, grants of partition memory, the
 * IOMMU's own page arena, second-level tables through the shared builder,
 * attachment book-keeping and fault counters. The backend (vtd.c) does the
 * hardware part through struct iommu_ops.
 */
#define LOG_TAG "iommu"
#include "iommu/backend.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"
#include "pci/pci.h"

#define ARENA_CHUNK      (2 * MiB)
#define ARENA_PAGES      (ARENA_CHUNK / PAGE_SIZE)
#define ARENA_WORDS      (ARENA_PAGES / 64)
#define ARENA_MAX_CHUNKS 64
#define PTE_ADDR         GENMASK(51, 12)
#define FAULT_SLOTS      256

/*
 * A 2 MiB chunk of pages the IOMMU owns; bit set = page in use / waiting
 * for a flush before reuse / a table the builder made during this operation.
 */
struct arena_chunk {
	paddr_t base;
	u64 used[ARENA_WORDS];
	u64 pending[ARENA_WORDS];
	u64 fresh[ARENA_WORDS];
};

struct fault_slot {
	u64 key; /* 0: free; else BIT(32) | seg << 16 | rid */
	u64 count;
};

extern char __image_start[], __image_end[];

static const struct iommu_ops *ops;
static struct iommu_caps caps;
static bool dma_protected;
static struct iommu_domain domains[IOMMU_MAX_DOMAINS];
static struct iommu_domain *hv_domain;
static struct arena_chunk arena[ARENA_MAX_CHUNKS];
static unsigned int arena_chunks;
static struct fault_slot fault_slots[FAULT_SLOTS];
static u64 fault_unslotted, fault_overflows;
static spinlock_t iommu_lock = SPINLOCK_INIT;
static struct ratelimit refuse_rl = RATELIMIT_INIT(10, 100);

void iommu_register(const struct iommu_ops *o, const struct iommu_caps *c)
{
	ops = o;
	caps = *c;
}

bool iommu_dma_protected(void)
{
	return dma_protected;
}

bool iommu_intr_remapped(void)
{
	return ops && caps.intr_remap;
}

bool iommu_devices_assignable(void)
{
	return dma_protected && iommu_intr_remapped();
}

struct iommu_domain *iommu_hv_domain(void)
{
	return hv_domain;
}

u16 dom_id(const struct iommu_domain *dom)
{
	return dom->id;
}

u64 dom_fault_count(const struct iommu_domain *dom)
{
	return __atomic_load_n(&dom->faults, __ATOMIC_RELAXED);
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* --- the arena ------------------------------------------------------------ */

static bool bit_test(const u64 *map, unsigned int i)
{
	return map[i / 64] & BIT(i % 64);
}

static void bit_set(u64 *map, unsigned int i)
{
	map[i / 64] |= BIT(i % 64);
}

static void bit_clear(u64 *map, unsigned int i)
{
	map[i / 64] &= ~BIT(i % 64);
}

/* First run of n free pages in a chunk, or -1. */
static int arena_find_run(const struct arena_chunk *c, unsigned int n)
{
	unsigned int run = 0;

	for (unsigned int i = 0; i < ARENA_PAGES; i++) {
		run = bit_test(c->used, i) ? 0 : run + 1;
		if (run == n)
			return (int)(i + 1 - n);
	}
	return -1;
}

static struct arena_chunk *arena_grow(void)
{
	paddr_t pa;

	if (arena_chunks == ARENA_MAX_CHUNKS)
		return NULL;
	pa = phys_alloc(ARENA_CHUNK, ARENA_CHUNK);
	if (!pa)
		return NULL;
	arena[arena_chunks].base = pa;
	return &arena[arena_chunks++];
}

paddr_t iommu_alloc_pages(unsigned int n)
{
	struct arena_chunk *c = NULL;
	int first = -1;

	if (n == 0 || n > ARENA_PAGES)
		return 0;
	for (unsigned int i = 0; i < arena_chunks && first < 0; i++) {
		c = &arena[i];
		first = arena_find_run(c, n);
	}
	if (first < 0) {
		c = arena_grow();
		if (!c) {
			pr_err("out of memory for IOMMU tables (%u chunks)\n", arena_chunks);
			return 0;
		}
		first = 0;
	}
	for (unsigned int i = 0; i < n; i++)
		bit_set(c->used, first + i);
	memset(phys_to_virt(c->base + first * PAGE_SIZE), 0, n * PAGE_SIZE);
	if (ops && ops->sync)
		ops->sync(phys_to_virt(c->base + first * PAGE_SIZE), n * PAGE_SIZE);
	return c->base + first * PAGE_SIZE;
}

static struct arena_chunk *arena_chunk_of(paddr_t pa)
{
	for (unsigned int i = 0; i < arena_chunks; i++)
		if (pa >= arena[i].base && pa - arena[i].base < ARENA_CHUNK)
			return &arena[i];
	return NULL;
}

void iommu_free_pages(paddr_t pa, unsigned int n)
{
	struct arena_chunk *c = arena_chunk_of(pa);
	unsigned int first;

	if (!c || !IS_ALIGNED(pa, PAGE_SIZE)) {
		pr_err("freeing 0x%llx, not an IOMMU page\n", pa);
		return;
	}
	first = (pa - c->base) / PAGE_SIZE;
	for (unsigned int i = 0; i < n && first + i < ARENA_PAGES; i++)
		bit_clear(c->used, first + i);
}

/*
 * A table page the builder let go of may still be walked by the IOMMU until
 * the invalidation that follows completes: keep it until arena_release().
 */
static void arena_defer_free(paddr_t pa)
{
	struct arena_chunk *c = arena_chunk_of(pa);

	if (c)
		bit_set(c->pending, (pa - c->base) / PAGE_SIZE);
	else
		pr_err("deferred free of 0x%llx, not an IOMMU page\n", pa);
}

/*
 * After an invalidation: the pages let go of before it are free again. If it
 * failed, nobody knows what the IOMMU still caches: keep them out of use.
 */
static void arena_release(bool flushed)
{
	for (unsigned int i = 0; i < arena_chunks; i++) {
		for (unsigned int w = 0; w < ARENA_WORDS; w++) {
			if (flushed)
				arena[i].used[w] &= ~arena[i].pending[w];
			arena[i].pending[w] = 0;
		}
	}
}

unsigned int iommu_arena_used_pages(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < arena_chunks; i++)
		for (unsigned int p = 0; p < ARENA_PAGES; p++)
			n += bit_test(arena[i].used, p);
	return n;
}

bool iommu_hv_owned(paddr_t pa, u64 len)
{
	paddr_t img = virt_to_phys(__image_start), img_end = virt_to_phys(__image_end);

	if (ranges_overlap(pa, len, img, img_end - img))
		return true;
	for (unsigned int i = 0; i < arena_chunks; i++)
		if (ranges_overlap(pa, len, arena[i].base, ARENA_CHUNK))
			return true;
	return false;
}

/* --- domain page-table memory: the arena, with deferred frees ------------- */

/* A new table is written whole by the builder (a split large page fills all of it). */
static paddr_t dom_pt_alloc(void *ctx)
{
	paddr_t pa = iommu_alloc_pages(1);
	struct arena_chunk *c = pa ? arena_chunk_of(pa) : NULL;

	(void)ctx;
	if (c)
		bit_set(c->fresh, (pa - c->base) / PAGE_SIZE);
	return pa;
}

static void dom_pt_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	arena_defer_free(pa);
}

static void *dom_pt_virt(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

/* --- walks over a domain's tables ------------------------------------------ */

/*
 * Visit the entries of the table at `level` that cover [va, end) (inside the
 * table's span): make them visible to the IOMMU (sync) or report whether any
 * leaf is present (probe). Returns true when a present leaf was seen.
 */
static bool dom_walk(struct iommu_domain *dom, paddr_t table, int level, u64 va, u64 end, bool sync)
{
	const struct pt_fmt *f = dom->pt.fmt;
	u64 *t = phys_to_virt(table);
	u64 sz = pt_level_size(level), span = ALIGN_DOWN(va, sz * PT_ENTRIES);
	unsigned int first = (va - span) / sz, last = (end - 1 - span) / sz;
	bool seen = false;

	if (sync)
		ops->sync(&t[first], (last - first + 1) * sizeof(u64));
	for (unsigned int i = first; i <= last && (sync || !seen); i++) {
		u64 lo = MAX(va, span + i * sz), hi = MIN(end, span + (i + 1) * sz);

		if (!f->present(t[i]))
			continue;
		if (level == 1 || f->is_leaf(t[i], level))
			seen = true;
		else if (dom_walk(dom, t[i] & PTE_ADDR, level - 1, lo, hi, sync))
			seen = true;
	}
	return seen;
}

static bool dom_range_mapped(struct iommu_domain *dom, u64 iova, u64 size)
{
	return dom_walk(dom, dom->pt.root, PT_LEVELS, iova, iova + size, false);
}

/*
 * Make what an operation on [iova, iova + size) wrote visible to the IOMMU:
 * every table it created, whole, and the entries of older tables in the range.
 */
static void dom_sync(struct iommu_domain *dom, u64 iova, u64 size)
{
	for (unsigned int i = 0; i < arena_chunks; i++) {
		for (unsigned int p = 0; p < ARENA_PAGES; p++) {
			if (!bit_test(arena[i].fresh, p))
				continue;
			bit_clear(arena[i].fresh, p);
			if (ops->sync && bit_test(arena[i].used, p) &&
			    !bit_test(arena[i].pending, p))
				ops->sync(phys_to_virt(arena[i].base + p * PAGE_SIZE), PAGE_SIZE);
		}
	}
	if (ops->sync)
		dom_walk(dom, dom->pt.root, PT_LEVELS, iova, iova + size, true);
}

/* --- domains --------------------------------------------------------------- */

struct iommu_domain *dom_create(enum iommu_dom_kind kind, const char *name)
{
	struct iommu_domain *dom = NULL;

	if (!ops) {
		pr_err("no IOMMU: cannot create domain '%s'\n", name);
		return NULL;
	}
	spin_lock(&iommu_lock);
	for (unsigned int i = 0; i < IOMMU_MAX_DOMAINS && !dom; i++)
		if (!domains[i].live && i + 1 < caps.max_domains)
			dom = &domains[i];
	if (dom) {
		memset(dom, 0, sizeof(*dom));
		/* ID 0 is reserved in caching mode (VT-d spec 6.1). */
		dom->id = (u16)(dom - domains) + 1;
		dom->kind = kind;
		strlcpy(dom->name, name, sizeof(dom->name));
		dom->mem = (struct pt_mem){
			.alloc = dom_pt_alloc, .free = dom_pt_free, .virt = dom_pt_virt, .ctx = dom
		};
		if (pt_init(&dom->pt, ops->fmt, &dom->mem, caps.max_leaf_level))
			dom = NULL;
		else
			dom->live = true;
	}
	spin_unlock(&iommu_lock);
	if (!dom)
		pr_err("cannot create domain '%s': no domain ID or memory left\n", name);
	return dom;
}

int dom_destroy(struct iommu_domain *dom)
{
	int r = 0;

	spin_lock(&iommu_lock);
	if (!dom->live) {
		r = -EINVAL;
	} else if (dom->dev_count) {
		r = -EBUSY;
	} else {
		pt_destroy(&dom->pt);
		/* Stale IOTLB entries must not survive into the next owner of this ID. */
		r = ops->flush_unmap(dom, 0, caps.iova_limit);
		arena_release(r == 0);
		dom->live = false;
	}
	spin_unlock(&iommu_lock);
	return r;
}

/* Which live domain other than `self` holds a grant touching [pa, pa + len)? */
static struct iommu_domain *grant_holder(paddr_t pa, u64 len, const struct iommu_domain *self)
{
	for (unsigned int i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		struct iommu_domain *d = &domains[i];

		for (unsigned int g = 0; d->live && d != self && g < d->grant_count; g++)
			if (ranges_overlap(pa, len, d->grants[g].base,
					   d->grants[g].end - d->grants[g].base))
				return d;
	}
	return NULL;
}

static bool range_args_ok(u64 a, u64 size, u64 limit)
{
	return size && IS_ALIGNED(a, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) && a + size > a &&
	       a + size <= limit;
}

static int refuse(const struct iommu_domain *dom, paddr_t pa, u64 size, const char *why)
{
	if (ratelimit_check(&refuse_rl))
		pr_err("%s: refusing DMA access to 0x%llx-0x%llx: %s\n", dom->name, pa,
		       pa + size - 1, why);
	return -EPERM;
}

int dom_grant(struct iommu_domain *dom, paddr_t hpa, u64 size)
{
	const struct iommu_domain *other;
	int r = 0;

	spin_lock(&iommu_lock);
	if (!dom->live || dom->kind != IOMMU_DOM_PARTITION ||
	    !range_args_ok(hpa, size, caps.hpa_limit))
		r = -EINVAL;
	else if (iommu_hv_owned(hpa, size))
		r = refuse(dom, hpa, size, "hypervisor memory");
	else if ((other = grant_holder(hpa, size, NULL)))
		r = refuse(dom, hpa, size,
			   other == dom ? "granted twice" : "another domain's memory");
	else if (dom->grant_count == IOMMU_MAX_GRANTS)
		r = -ENOSPC;
	else
		dom->grants[dom->grant_count++] = (struct iommu_grant){ hpa, hpa + size };
	spin_unlock(&iommu_lock);
	return r;
}

/* Is every byte of [pa, pa + len) inside some grant of dom? */
static bool dom_granted(const struct iommu_domain *dom, paddr_t pa, u64 len)
{
	paddr_t cur = pa, end = pa + len;

	while (cur < end) {
		unsigned int g;

		for (g = 0; g < dom->grant_count; g++)
			if (cur >= dom->grants[g].base && cur < dom->grants[g].end)
				break;
		if (g == dom->grant_count)
			return false;
		cur = dom->grants[g].end;
	}
	return true;
}

/* May dom point DMA at [hpa, hpa + size)? 0 or -EPERM (logged). */
static int dom_may_map(const struct iommu_domain *dom, paddr_t hpa, u64 size)
{
	if (iommu_hv_owned(hpa, size))
		return refuse(dom, hpa, size, "hypervisor memory");
	if (dom->kind == IOMMU_DOM_PARTITION && !dom_granted(dom, hpa, size))
		return refuse(dom, hpa, size, "not memory this partition was given");
	if (grant_holder(hpa, size, dom))
		return refuse(dom, hpa, size, "another partition's memory");
	return 0;
}

static int dom_map_check(struct iommu_domain *dom, u64 iova, paddr_t hpa, u64 size, u32 perms)
{
	if (!dom->live || !(perms & IOMMU_READ) || (perms & ~IOMMU_RW) ||
	    !range_args_ok(iova, size, caps.iova_limit) ||
	    !range_args_ok(hpa, size, caps.hpa_limit))
		return -EINVAL;
	if (ranges_overlap(iova, size, IOMMU_MSI_WINDOW_BASE,
			   IOMMU_MSI_WINDOW_END - IOMMU_MSI_WINDOW_BASE))
		return -EINVAL; /* requests there are interrupts, never translated */
	if (dom_range_mapped(dom, iova, size))
		return -EEXIST;
	return 0;
}

/* Map, make visible, invalidate; undo on failure. Lock held, checks done. */
static int dom_map_locked(struct iommu_domain *dom, u64 iova, paddr_t hpa, u64 size, u32 perms)
{
	u32 pt = ((perms & IOMMU_READ) ? PT_R : 0) | ((perms & IOMMU_WRITE) ? PT_W : 0);
	int r = pt_map(&dom->pt, iova, hpa, size, pt);

	dom_sync(dom, iova, size);
	if (!r)
		r = ops->flush_map(dom, iova, size);
	if (r) {
		pt_unmap(&dom->pt, iova, size);
		dom_sync(dom, iova, size);
		arena_release(ops->flush_unmap(dom, iova, size) == 0);
	} else {
		arena_release(true); /* nothing was freed: a fresh range */
	}
	return r;
}

int dom_map(struct iommu_domain *dom, u64 iova, paddr_t hpa, u64 size, u32 perms)
{
	int r;

	spin_lock(&iommu_lock);
	r = dom_map_check(dom, iova, hpa, size, perms);
	if (!r)
		r = dom_may_map(dom, hpa, size);
	if (!r)
		r = dom_map_locked(dom, iova, hpa, size, perms);
	spin_unlock(&iommu_lock);
	return r;
}

static int dom_unmap_locked(struct iommu_domain *dom, u64 iova, u64 size)
{
	int r, f;

	if (!dom->live || !range_args_ok(iova, size, caps.iova_limit))
		return -EINVAL;
	r = pt_unmap(&dom->pt, iova, size);
	dom_sync(dom, iova, size);
	f = ops->flush_unmap(dom, iova, size);
	/* Only once no IOTLB can hold them may freed tables be reused. */
	arena_release(f == 0);
	return r ? r : f;
}

int dom_unmap(struct iommu_domain *dom, u64 iova, u64 size)
{
	int r;

	spin_lock(&iommu_lock);
	r = dom_unmap_locked(dom, iova, size);
	spin_unlock(&iommu_lock);
	return r;
}

int dom_translate(struct iommu_domain *dom, u64 iova, paddr_t *hpa, u32 *perms)
{
	u32 p = 0;
	int level, r;

	spin_lock(&iommu_lock);
	r = dom->live ? pt_walk(&dom->pt, iova, hpa, &p, &level) : -ENOENT;
	spin_unlock(&iommu_lock);
	*perms = ((p & PT_R) ? IOMMU_READ : 0) | ((p & PT_W) ? IOMMU_WRITE : 0);
	return r;
}

/* Called from ops->attach with the lock held: RMRR ranges stay reachable for their device. */
int iommu_map_reserved(struct iommu_domain *dom, paddr_t base, u64 size)
{
	paddr_t pa;
	u32 perms;
	int level;

	if (!range_args_ok(base, size, caps.hpa_limit))
		return -EINVAL;
	if (iommu_hv_owned(base, size) || grant_holder(base, size, NULL))
		return refuse(dom, base, size,
			      "reserved range overlaps hypervisor or partition memory");
	if (!dom_range_mapped(dom, base, size))
		return dom_map_locked(dom, base, base, size, IOMMU_RW);
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		if (pt_walk(&dom->pt, base + off, &pa, &perms, &level) || pa != base + off)
			return -EEXIST;
	return 0; /* already identity-mapped (another device of the same RMRR) */
}

/* --- devices ---------------------------------------------------------------- */

struct iommu_domain *iommu_dom_of(u16 seg, u16 rid)
{
	for (unsigned int i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		struct iommu_domain *d = &domains[i];

		for (unsigned int k = 0; d->live && k < d->dev_count; k++)
			if (d->devs[k].seg == seg && d->devs[k].rid == rid)
				return d;
	}
	return NULL;
}

int iommu_attach_rid(struct iommu_domain *dom, u16 seg, u16 rid)
{
	int r;

	if (!ops || !dom)
		return -ENODEV;
	spin_lock(&iommu_lock);
	if (!dom->live)
		r = -EINVAL;
	else if (iommu_dom_of(seg, rid))
		r = -EBUSY;
	else if (dom->dev_count == IOMMU_MAX_DOM_DEVS)
		r = -ENOSPC;
	else
		r = ops->attach(dom, seg, rid);
	if (!r)
		dom->devs[dom->dev_count++] = (struct iommu_dev_ref){ seg, rid };
	spin_unlock(&iommu_lock);
	return r;
}

int iommu_detach_rid(struct iommu_domain *dom, u16 seg, u16 rid)
{
	unsigned int k;
	int r;

	if (!ops || !dom)
		return -ENODEV;
	spin_lock(&iommu_lock);
	for (k = 0; k < dom->dev_count; k++)
		if (dom->devs[k].seg == seg && dom->devs[k].rid == rid)
			break;
	r = k < dom->dev_count ? ops->detach(dom, seg, rid) : -ENOENT;
	if (!r)
		dom->devs[k] = dom->devs[--dom->dev_count];
	spin_unlock(&iommu_lock);
	return r;
}

int iommu_attach(struct iommu_domain *dom, struct pci_dev *dev)
{
	return iommu_attach_rid(dom, dev->seg, PCI_RID(dev->bus, dev->devfn));
}

int iommu_detach(struct iommu_domain *dom, struct pci_dev *dev)
{
	return iommu_detach_rid(dom, dev->seg, PCI_RID(dev->bus, dev->devfn));
}

/* --- interrupt remapping ---------------------------------------------------- */

int ir_alloc_rid(u16 seg, u16 rid, u32 dest_apic_id, u8 vector, struct msi_msg *msg)
{
	if (!iommu_intr_remapped())
		return -ENODEV;
	if (vector < 32)
		return -EINVAL; /* exceptions are not interrupt vectors */
	return ops->ir_alloc(seg, rid, dest_apic_id, vector, msg);
}

int ir_free_rid(u16 seg, u16 rid, int handle)
{
	return iommu_intr_remapped() ? ops->ir_free(seg, rid, handle) : -ENODEV;
}

int ir_alloc(struct pci_dev *dev, u32 dest_apic_id, u8 vector, struct msi_msg *msg)
{
	return ir_alloc_rid(dev->seg, PCI_RID(dev->bus, dev->devfn), dest_apic_id, vector, msg);
}

int ir_free(struct pci_dev *dev, int handle)
{
	return ir_free_rid(dev->seg, PCI_RID(dev->bus, dev->devfn), handle);
}

/* --- fault counters (written from the fault interrupt, so lock-free) ------- */

void iommu_count_fault(u16 seg, u16 rid)
{
	u64 key = BIT(32) | (u64)seg << 16 | rid;
	struct iommu_domain *dom = iommu_dom_of(seg, rid);

	if (dom)
		__atomic_fetch_add(&dom->faults, 1, __ATOMIC_RELAXED);
	for (unsigned int i = 0, h = (rid * 31u + seg) % FAULT_SLOTS; i < FAULT_SLOTS; i++) {
		struct fault_slot *s = &fault_slots[(h + i) % FAULT_SLOTS];
		u64 expect = 0;

		if (__atomic_load_n(&s->key, __ATOMIC_ACQUIRE) == key ||
		    __atomic_compare_exchange_n(&s->key, &expect, key, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE) ||
		    expect == key) {
			__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
			return;
		}
	}
	__atomic_fetch_add(&fault_unslotted, 1, __ATOMIC_RELAXED);
}

void iommu_count_overflow(void)
{
	__atomic_fetch_add(&fault_overflows, 1, __ATOMIC_RELAXED);
}

u64 iommu_faults_lost(void)
{
	return __atomic_load_n(&fault_overflows, __ATOMIC_RELAXED);
}

void iommu_fault_events(bool on)
{
	if (ops && ops->fault_events)
		ops->fault_events(on);
}

u64 iommu_fault_count(u16 seg, u16 rid)
{
	u64 key = BIT(32) | (u64)seg << 16 | rid;

	for (unsigned int i = 0; i < FAULT_SLOTS; i++)
		if (__atomic_load_n(&fault_slots[i].key, __ATOMIC_ACQUIRE) == key)
			return __atomic_load_n(&fault_slots[i].count, __ATOMIC_RELAXED);
	return 0;
}

/* --- start-up --------------------------------------------------------------- */

int iommu_init(void)
{
	int r = iommu_backend_probe();

	if (!r) {
		hv_domain = dom_create(IOMMU_DOM_HV, "hv");
		r = hv_domain ? iommu_backend_enable(hv_domain) : -ENOMEM;
	}
	if (r) {
		ops = NULL; /* nothing may build domains on a half-started IOMMU */
		hv_domain = NULL;
		pr_err("DMA protection unavailable: devices will not be handed to partitions\n");
		return r;
	}
	dma_protected = true;
	pr_info("DMA protection on, interrupt remapping %s, IOMMU arena %u MiB\n",
		caps.intr_remap ? "on" : "off", arena_chunks * (unsigned int)(ARENA_CHUNK / MiB));
	return 0;
}
