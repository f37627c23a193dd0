// SPDX-License-Identifier: MIT
/* res.c: room for BARs the hypervisor places: the machine's address map and the bridge windows. */
#define LOG_TAG "pci"
#include "pci/res.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define RES_WIN_ALIGN MiB /* memory windows are 1 MiB granular */
#define RES_4G        (4 * GiB)

/* One placement being tried: the function, its upstream bridges and their would-be windows. */
struct res_plan {
	const struct pci_dev *dev;
	const struct pci_res_req *req;
	struct pci_dev *path[PCI_MAX_DEPTH + 1]; /* upstream bridges, innermost first */
	int depth;
	bool pref; /* through the prefetchable windows */
	bool high; /* may go above 4 GiB */
	struct pci_window grown[PCI_MAX_DEPTH + 1];
	int changes; /* windows that would have to change */
};

struct res_best {
	bool found;
	bool pref;
	u64 base;
	int changes;
	int zone; /* 0: below 4 GiB (preferred), 1: above */
};

static u64 res_end(u64 base, u64 len)
{
	return len > ~0ULL - base ? ~0ULL : base + len;
}

/* Do [s, e) and [bs, be) overlap? */
static bool res_overlap(u64 s, u64 e, u64 bs, u64 be)
{
	return s < be && bs < e;
}

static bool res_ram_like(u32 type)
{
	return type == MEM_RAM || type == MEM_ACPI || type == MEM_NVS;
}

/* Start of the 32-bit PCI hole: above every RAM-like region below 4 GiB. */
static u64 res_hole32_start(void)
{
	const struct pci_platform *pl = pci_platform();
	u64 top = MiB;

	for (unsigned int i = 0; i < pl->mem_count; i++)
		if (res_ram_like(pl->mem[i].type) && pl->mem[i].base < RES_4G)
			top = MAX(top, MIN(res_end(pl->mem[i].base, pl->mem[i].len), RES_4G));
	return ALIGN_UP(top, RES_WIN_ALIGN);
}

/* Start of the 64-bit PCI hole: above every RAM-like region (reserved ones are only avoided). */
static u64 res_hole64_start(void)
{
	const struct pci_platform *pl = pci_platform();
	u64 top = RES_4G;

	for (unsigned int i = 0; i < pl->mem_count; i++)
		if (res_ram_like(pl->mem[i].type))
			top = MAX(top, res_end(pl->mem[i].base, pl->mem[i].len));
	return top > ~0ULL - RES_WIN_ALIGN ? ~0ULL : ALIGN_UP(top, RES_WIN_ALIGN);
}

static bool res_platform_busy(u64 s, u64 e)
{
	const struct pci_platform *pl = pci_platform();

	for (unsigned int i = 0; i < pl->reserved_count; i++)
		if (res_overlap(s, e, pl->reserved[i].base,
				res_end(pl->reserved[i].base, pl->reserved[i].len)))
			return true;
	for (unsigned int i = 0; i < pl->mem_count; i++)
		if (res_overlap(s, e, pl->mem[i].base, res_end(pl->mem[i].base, pl->mem[i].len)))
			return true;
	return res_overlap(s, e, 0, MiB);
}

/* The memory range a BAR decodes, count copies of it (VF BARs); false for none. */
static bool res_bar_range(const struct pci_bar *b, u64 count, u64 *s, u64 *e)
{
	if (!b->size || !b->addr || !count ||
	    (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64))
		return false;
	*s = b->addr;
	*e = b->size > ~0ULL / count ? ~0ULL : res_end(b->addr, b->size * count);
	return true;
}

static bool res_bar_overlaps(const struct pci_bar *b, u64 count, u64 s, u64 e)
{
	u64 bs, be;

	return res_bar_range(b, count, &bs, &be) && res_overlap(s, e, bs, be);
}

static bool res_dev_overlaps(const struct res_plan *p, const struct pci_dev *d, u64 s, u64 e)
{
	for (int i = 0; i < PCI_STD_BARS; i++)
		if (res_bar_overlaps(&d->bar[i], 1, s, e))
			return true;
	if (res_bar_overlaps(&d->rom, 1, s, e))
		return true;
	if (d == p->dev || !d->ecap_sriov)
		return false;
	for (int i = 0; i < PCI_STD_BARS; i++)
		if (res_bar_overlaps(&d->sriov.vf_bar[i], d->sriov.num_vfs, s, e))
			return true;
	return false;
}

/* Does [s, e) overlap a BAR of a function not below `inside` (NULL: of any function)? */
static bool res_bars_busy(const struct res_plan *p, u64 s, u64 e, const struct pci_dev *inside)
{
	struct pci_dev *d;

	pci_for_each_dev(d)
	{
		if (d->is_vf || (inside && pci_is_below(d, inside)))
			continue; /* a VF's BARs lie inside its PF's VF BARs */
		if (res_dev_overlaps(p, d, s, e))
			return true;
	}
	return false;
}

static bool res_on_path(const struct res_plan *p, const struct pci_dev *b, int from)
{
	for (int j = from; j < p->depth; j++)
		if (p->path[j] == b)
			return true;
	return false;
}

static bool res_win_overlaps(const struct pci_window *w, u64 s, u64 e)
{
	return pci_window_open(w) && res_overlap(s, e, w->base, res_end(w->limit, 1));
}

/*
 * Does [s, e) overlap the window of a bridge that is neither path[from] or
 * above it, nor below path[from]? from < 0: of any bridge off the path.
 */
static bool res_wins_busy(const struct res_plan *p, u64 s, u64 e, int from)
{
	struct pci_dev *b;

	pci_for_each_dev(b)
	{
		if (!pci_is_bridge(b) || res_on_path(p, b, from < 0 ? 0 : from))
			continue;
		if (from >= 0 && pci_is_below(b, p->path[from]))
			continue;
		if (res_win_overlaps(&b->mem_win, s, e) || res_win_overlaps(&b->pref_win, s, e))
			return true;
	}
	return false;
}

static bool res_free(const struct res_plan *p, u64 s, u64 e, int from)
{
	return !res_platform_busy(s, e) &&
	       !res_bars_busy(p, s, e, from < 0 ? NULL : p->path[from]) &&
	       !res_wins_busy(p, s, e, from);
}

/* Can the CPU reach [s, e) through the host bridge? */
static bool res_reachable(const struct res_plan *p, u64 s, u64 e)
{
	if (e <= RES_4G)
		return s >= res_hole32_start();
	return p->high && s >= res_hole64_start() && e <= pci_platform()->addr_limit;
}

static const struct pci_window *res_win(const struct res_plan *p, int j)
{
	return p->pref ? &p->path[j]->pref_win : &p->path[j]->mem_win;
}

/* Try R = [base, base + size): free, and every window grown to hold it stays clear. */
static bool res_try(struct res_plan *p, u64 base)
{
	u64 s = base, e = base + p->req->size;

	if (e <= s || e > pci_platform()->addr_limit || !IS_ALIGNED(base, p->req->align))
		return false;
	if (!res_free(p, s, e, -1))
		return false;
	p->changes = 0;
	for (int j = 0; j < p->depth; j++) {
		const struct pci_window *w = res_win(p, j);
		u64 ns = s, ne = e;

		if (pci_window_open(w)) {
			ns = MIN(ns, w->base);
			ne = MAX(ne, res_end(w->limit, 1));
		}
		ns = ALIGN_DOWN(ns, RES_WIN_ALIGN);
		ne = ALIGN_UP(ne, RES_WIN_ALIGN);
		p->grown[j] = (struct pci_window){ ns, ne - 1 };
		if (!pci_window_open(w) || ns != w->base || ne - 1 != w->limit) {
			p->changes++;
			if (!res_free(p, ns, ne, j))
				return false;
		}
		s = ns;
		e = ne;
	}
	return res_reachable(p, s, e);
}

static void res_plan_kind(struct res_plan *p, bool pref)
{
	bool all_pref = true, all_64 = true;

	for (int j = 0; j < p->depth; j++) {
		all_pref &= p->path[j]->has_pref_win;
		all_64 &= p->path[j]->pref_win_64;
	}
	p->pref = pref && p->req->prefetch && all_pref && p->depth > 0;
	p->high = p->req->mem64 && (p->depth == 0 || (p->pref && all_64));
}

static int res_plan_init(struct res_plan *p, const struct pci_dev *dev,
			 const struct pci_res_req *req)
{
	memset(p, 0, sizeof(*p));
	p->dev = dev;
	p->req = req;
	for (struct pci_dev *b = dev->parent; b; b = b->parent) {
		if (p->depth == (int)ARRAY_SIZE(p->path)) {
			pr_err(PCI_FMT ": too many bridges above\n", PCI_ARG(dev));
			return -EINVAL;
		}
		p->path[p->depth++] = b;
	}
	return 0;
}

bool pci_res_fits(const struct pci_dev *dev, u64 base, const struct pci_res_req *req)
{
	struct res_plan p;

	if (res_plan_init(&p, dev, req))
		return false;
	for (int pref = 1; pref >= 0; pref--) {
		res_plan_kind(&p, pref);
		if (res_try(&p, base) && p.changes == 0)
			return true;
	}
	return false;
}

/* Is the candidate just tried better than best: fewer windows changed, below 4 GiB, prefetchable, lower? */
static bool res_better(const struct res_plan *p, u64 base, int zone, const struct res_best *best)
{
	if (!best->found || p->changes != best->changes)
		return !best->found || p->changes < best->changes;
	if (zone != best->zone)
		return zone < best->zone;
	if (p->pref != best->pref)
		return p->pref;
	return base < best->base;
}

/*
 * Below 4 GiB is preferred even for 64-bit BARs: QEMU (10.0) registers a
 * VF's BARs before igb sets their 64-bit type, so a VF BAR above 4 GiB
 * decodes at its low 32 bits there. Above 4 GiB is used when nothing fits below.
 */
static void res_consider(struct res_plan *p, u64 point, struct res_best *best)
{
	u64 base;
	int zone;

	if (point > pci_platform()->addr_limit)
		return;
	base = ALIGN_UP(point, p->req->align);
	if (!res_try(p, base))
		return;
	zone = base + p->req->size > RES_4G;
	if (res_better(p, base, zone, best))
		*best = (struct res_best){ true, p->pref, base, p->changes, zone };
}

/* Candidates ending right below `end`. */
static void res_consider_below(struct res_plan *p, u64 end, struct res_best *best)
{
	if (end >= p->req->size)
		res_consider(p, ALIGN_DOWN(end - p->req->size, p->req->align), best);
}

static void res_consider_range(struct res_plan *p, u64 s, u64 e, struct res_best *best)
{
	res_consider(p, s, best);
	res_consider(p, e, best);
	res_consider_below(p, s, best);
	res_consider_below(p, e, best);
}

static void res_consider_dev(struct res_plan *p, const struct pci_dev *d, struct res_best *best)
{
	u64 s, e;

	for (int i = 0; i < PCI_STD_BARS; i++) {
		if (res_bar_range(&d->bar[i], 1, &s, &e))
			res_consider_range(p, s, e, best);
		if (d->ecap_sriov && res_bar_range(&d->sriov.vf_bar[i], d->sriov.num_vfs, &s, &e))
			res_consider_range(p, s, e, best);
	}
	if (pci_window_open(&d->mem_win))
		res_consider_range(p, d->mem_win.base, res_end(d->mem_win.limit, 1), best);
	if (pci_window_open(&d->pref_win))
		res_consider_range(p, d->pref_win.base, res_end(d->pref_win.limit, 1), best);
}

/* Every base worth trying lies at an edge of something already there. */
static void res_search(struct res_plan *p, struct res_best *best)
{
	const struct pci_platform *pl = pci_platform();
	struct pci_dev *d;

	res_consider(p, res_hole32_start(), best);
	res_consider(p, res_hole64_start(), best);
	for (unsigned int i = 0; i < pl->reserved_count; i++)
		res_consider_range(p, pl->reserved[i].base,
				   res_end(pl->reserved[i].base, pl->reserved[i].len), best);
	for (unsigned int i = 0; i < pl->mem_count; i++)
		res_consider_range(p, pl->mem[i].base, res_end(pl->mem[i].base, pl->mem[i].len),
				   best);
	pci_for_each_dev(d) if (!d->is_vf) res_consider_dev(p, d, best);
}

/* Program the grown windows, outermost first, and make sure the bridges forward memory. */
static int res_apply(struct res_plan *p)
{
	for (int j = p->depth - 1; j >= 0; j--) {
		struct pci_dev *b = p->path[j];
		const struct pci_window *w = res_win(p, j), *g = &p->grown[j];

		if (pci_window_open(w) && w->base == g->base && w->limit == g->limit)
			continue;
		pci_write_mem_window(b, p->pref, g->base, g->limit);
		if (w->base != g->base || w->limit != g->limit) {
			pr_err(PCI_FMT ": %s window did not take 0x%llx-0x%llx\n", PCI_ARG(b),
			       p->pref ? "prefetchable" : "memory", g->base, g->limit);
			return -EIO;
		}
		pci_cfg_write16(b, PCI_COMMAND,
				pci_cfg_read16(b, PCI_COMMAND) | PCI_COMMAND_MEMORY);
		pr_info(PCI_FMT ": %s window set to 0x%llx-0x%llx\n", PCI_ARG(b),
			p->pref ? "prefetchable" : "memory", g->base, g->limit);
	}
	return 0;
}

int pci_res_place(struct pci_dev *dev, const struct pci_res_req *req, u64 *base)
{
	struct res_best best = { .found = false };
	struct res_plan p;

	if (!req->size || req->align == 0 || (req->align & (req->align - 1)) ||
	    res_plan_init(&p, dev, req))
		return -EINVAL;
	for (int pref = 1; pref >= 0; pref--) {
		res_plan_kind(&p, pref);
		res_search(&p, &best);
	}
	if (!best.found) {
		char sz[24];

		pr_err(PCI_FMT ": no room for %s of %sBARs: every window that could hold them "
			       "would overlap something\n",
		       PCI_ARG(dev), pci_size_str(req->size, sz, sizeof(sz)),
		       req->prefetch ? "prefetchable " : "");
		return -ENOSPC;
	}
	res_plan_kind(&p, best.pref);
	if (!res_try(&p, best.base))
		return -EINVAL; /* cannot happen: the same plan passed a moment ago */
	*base = best.base;
	return res_apply(&p);
}
