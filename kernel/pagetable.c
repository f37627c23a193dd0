// SPDX-License-Identifier: MIT
/* pagetable.c: the shared radix page-table builder and its entry formats. */
#include "kernel/pagetable.h"

#define PTE_ADDR_MASK GENMASK(51, 12)
#define PTE_PA_MAX    GENMASK(51, 0) /* 52-bit physical addresses */

static u64 *pt_table(const struct pagetable *pt, paddr_t pa)
{
	return pt->mem->virt(pt->mem->ctx, pa);
}

static unsigned pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static paddr_t pt_new_table(struct pagetable *pt)
{
	paddr_t pa = pt->mem->alloc(pt->mem->ctx);

	if (pa)
		pt->tables++;
	return pa;
}

int pt_init(struct pagetable *pt, const struct pt_fmt *fmt, const struct pt_mem *mem,
	    int max_leaf_level)
{
	pt->fmt = fmt;
	pt->mem = mem;
	pt->tables = 0;
	pt->max_leaf_level = max_leaf_level < 1 ? 1 : MIN(max_leaf_level, 3);
	pt->root = pt_new_table(pt);
	return pt->root ? 0 : -ENOMEM;
}

/* Free a table and every table below it (leaves are not ours to free). */
static void pt_free_tree(struct pagetable *pt, paddr_t table, int level)
{
	u64 *t = pt_table(pt, table);

	for (int i = 0; level > 1 && i < PT_ENTRIES; i++) {
		if (pt->fmt->present(t[i]) && !pt->fmt->is_leaf(t[i], level))
			pt_free_tree(pt, t[i] & PTE_ADDR_MASK, level - 1);
	}
	pt->mem->free(pt->mem->ctx, table);
	pt->tables--;
}

/*
 * Make *e (an entry at `level`) point to a lower table, splitting a large leaf
 * into 512 equal smaller ones first. Returns the lower table, or NULL (no memory).
 */
static u64 *pt_descend(struct pagetable *pt, u64 *e, int level)
{
	const struct pt_fmt *f = pt->fmt;
	paddr_t lower;
	u64 *t;

	if (f->present(*e) && !f->is_leaf(*e, level))
		return pt_table(pt, *e & PTE_ADDR_MASK);
	lower = pt_new_table(pt);
	if (!lower)
		return NULL;
	t = pt_table(pt, lower);
	if (f->present(*e)) {
		paddr_t pa = *e & PTE_ADDR_MASK & ~(pt_level_size(level) - 1);
		u32 perms = f->perms(*e);

		for (int i = 0; i < PT_ENTRIES; i++)
			t[i] = f->leaf(pa + i * pt_level_size(level - 1), perms, level - 1);
	}
	*e = f->table(lower);
	return t;
}

/*
 * Replace *e with `val`, then free the table it pointed to, if any: the entry
 * stops naming the old subtree before its pages go back to the pool.
 */
static void pt_replace(struct pagetable *pt, u64 *e, int level, u64 val)
{
	u64 old = *e;

	*e = val;
	if (level > 1 && pt->fmt->present(old) && !pt->fmt->is_leaf(old, level))
		pt_free_tree(pt, old & PTE_ADDR_MASK, level - 1);
}

/* Largest level whose page fits at va/pa within the remaining size. */
static int pt_fit_level(const struct pagetable *pt, u64 va, paddr_t pa, u64 left)
{
	for (int level = pt->max_leaf_level; level > 1; level--) {
		u64 sz = pt_level_size(level);

		if (IS_ALIGNED(va, sz) && IS_ALIGNED(pa, sz) && left >= sz)
			return level;
	}
	return 1;
}

static int pt_map_one(struct pagetable *pt, u64 va, paddr_t pa, int leaf_level, u32 perms)
{
	u64 *t = pt_table(pt, pt->root);

	for (int level = PT_LEVELS; level > leaf_level; level--) {
		t = pt_descend(pt, &t[pt_index(va, level)], level);
		if (!t)
			return -ENOMEM;
	}
	pt_replace(pt, &t[pt_index(va, leaf_level)], leaf_level,
		   pt->fmt->leaf(pa, perms, leaf_level));
	return 0;
}

static bool pt_args_ok(u64 va, u64 size)
{
	return IS_ALIGNED(va, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) && size &&
	       va + size - 1 >= va && va + size - 1 < BIT(48);
}

/* Every format can express R, RW, RX and RWX; nothing without R. */
static bool pt_perms_ok(u32 perms)
{
	return (perms & PT_R) && !(perms & ~(PT_RWX | PT_UC));
}

int pt_map(struct pagetable *pt, u64 va, paddr_t pa, u64 size, u32 perms)
{
	if (!pt->root || !pt_args_ok(va, size) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    pa + size - 1 < pa || pa + size - 1 > PTE_PA_MAX || !pt_perms_ok(perms))
		return -EINVAL;
	while (size) {
		int level = pt_fit_level(pt, va, pa, size);
		u64 sz = pt_level_size(level);
		int r = pt_map_one(pt, va, pa, level, perms);

		if (r)
			return r;
		va += sz;
		pa += sz;
		size -= sz;
	}
	return 0;
}

static bool pt_table_empty(const struct pagetable *pt, const u64 *t)
{
	for (int i = 0; i < PT_ENTRIES; i++)
		if (pt->fmt->present(t[i]))
			return false;
	return true;
}

/* Unmap [va, end) inside the table at `level`; frees lower tables that become empty. */
static int pt_unmap_level(struct pagetable *pt, u64 *t, int level, u64 va, u64 end)
{
	while (va < end) {
		u64 sz = pt_level_size(level);
		u64 next = MIN(ALIGN_DOWN(va, sz) + sz, end);
		u64 *e = &t[pt_index(va, level)];

		if (!pt->fmt->present(*e)) {
			va = next;
			continue;
		}
		if (IS_ALIGNED(va, sz) && next - va == sz) {
			pt_replace(pt, e, level, 0);
		} else {
			u64 *lower = pt_descend(pt, e, level);

			if (!lower)
				return -ENOMEM;
			if (pt_unmap_level(pt, lower, level - 1, va, next))
				return -ENOMEM;
			if (pt_table_empty(pt, lower))
				pt_replace(pt, e, level, 0);
		}
		va = next;
	}
	return 0;
}

int pt_unmap(struct pagetable *pt, u64 va, u64 size)
{
	if (!pt->root || !pt_args_ok(va, size))
		return -EINVAL;
	return pt_unmap_level(pt, pt_table(pt, pt->root), PT_LEVELS, va, va + size);
}

int pt_walk(const struct pagetable *pt, u64 va, paddr_t *pa, u32 *perms, int *level)
{
	const u64 *t;

	if (!pt->root || va >= BIT(48))
		return -ENOENT;
	t = pt_table(pt, pt->root);
	for (int l = PT_LEVELS; l >= 1; l--) {
		u64 e = t[pt_index(va, l)];

		if (!pt->fmt->present(e))
			return -ENOENT;
		if (l == 1 || pt->fmt->is_leaf(e, l)) {
			u64 mask = pt_level_size(l) - 1;

			*pa = (e & PTE_ADDR_MASK & ~mask) | (va & mask);
			*perms = pt->fmt->perms(e);
			*level = l;
			return 0;
		}
		t = pt_table(pt, e & PTE_ADDR_MASK);
	}
	return -ENOENT;
}

void pt_destroy(struct pagetable *pt)
{
	if (pt->root)
		pt_free_tree(pt, pt->root, PT_LEVELS);
	pt->root = 0;
}

/* --- x86-64 paging entries (SDM Vol. 3A 4.5; AMD NPT uses the same, APM Vol. 2 15.25.5) --- */
#define X86_P   BIT(0)  /* present */
#define X86_RW  BIT(1)  /* writable */
#define X86_US  BIT(2)  /* user: required at every level by NPT */
#define X86_PWT BIT(3)  /* write-through */
#define X86_PCD BIT(4)  /* cache disable */
#define X86_PS  BIT(7)  /* page size: leaf at level 2 or 3 */
#define X86_NX  BIT(63) /* no execute */

/* NPT walks guest accesses as user accesses: U/S at every level (APM Vol. 2 15.25.5). */
static u64 x86_table(paddr_t pa)
{
	return pa | X86_P | X86_RW | X86_US;
}

static u64 x86_leaf_common(paddr_t pa, u32 perms, int level)
{
	u64 e;

	if (!(perms & PT_RWX))
		return 0;
	e = pa | X86_P | (level > 1 ? X86_PS : 0);
	if (perms & PT_W)
		e |= X86_RW;
	if (!(perms & PT_X))
		e |= X86_NX;
	if (perms & PT_UC)
		e |= X86_PCD | X86_PWT;
	return e;
}

static u64 x86_leaf(paddr_t pa, u32 perms, int level)
{
	u64 e = x86_leaf_common(pa, perms, level);

	return e ? e | X86_US : 0;
}

static bool x86_present(u64 e)
{
	return e & X86_P;
}
static bool x86_is_leaf(u64 e, int level)
{
	return level == 1 || (e & X86_PS);
}

static u32 x86_perms(u64 e)
{
	u32 p = PT_R;

	p |= (e & X86_RW) ? PT_W : 0;
	p |= (e & X86_NX) ? 0 : PT_X;
	p |= (e & X86_PCD) ? PT_UC : 0;
	return p;
}

const struct pt_fmt pt_fmt_x86 = {
	.name = "x86-64",
	.table = x86_table,
	.leaf = x86_leaf,
	.present = x86_present,
	.is_leaf = x86_is_leaf,
	.perms = x86_perms,
};

/* The hypervisor's own tables: supervisor-only, so that SMEP/SMAP could be turned on. */
static u64 x86_host_table(paddr_t pa)
{
	return pa | X86_P | X86_RW;
}

const struct pt_fmt pt_fmt_x86_host = {
	.name = "x86-64 host",
	.table = x86_host_table,
	.leaf = x86_leaf_common,
	.present = x86_present,
	.is_leaf = x86_is_leaf,
	.perms = x86_perms,
};

/* --- EPT entries (SDM Vol. 3C 29.3.2, Table 29-6) --- */
#define EPT_R     BIT(0)
#define EPT_W     BIT(1)
#define EPT_X     BIT(2)
#define EPT_MT_UC (0ULL << 3) /* memory type, leaves only */
#define EPT_MT_WB (6ULL << 3)
#define EPT_LARGE BIT(7)

static u64 ept_table(paddr_t pa)
{
	return pa | EPT_R | EPT_W | EPT_X;
}

static u64 ept_leaf(paddr_t pa, u32 perms, int level)
{
	u64 e = pa | (level > 1 ? EPT_LARGE : 0);

	if (!(perms & PT_RWX))
		return 0;
	e |= (perms & PT_R) ? EPT_R : 0;
	e |= (perms & PT_W) ? EPT_W : 0;
	e |= (perms & PT_X) ? EPT_X : 0;
	e |= (perms & PT_UC) ? EPT_MT_UC : EPT_MT_WB;
	return e;
}

static bool ept_present(u64 e)
{
	return e & (EPT_R | EPT_W | EPT_X);
}
static bool ept_is_leaf(u64 e, int level)
{
	return level == 1 || (e & EPT_LARGE);
}

static u32 ept_perms(u64 e)
{
	u32 p = 0;

	p |= (e & EPT_R) ? PT_R : 0;
	p |= (e & EPT_W) ? PT_W : 0;
	p |= (e & EPT_X) ? PT_X : 0;
	p |= ((e >> 3) & 7) == 0 ? PT_UC : 0;
	return p;
}

const struct pt_fmt pt_fmt_ept = {
	.name = "EPT",
	.table = ept_table,
	.leaf = ept_leaf,
	.present = ept_present,
	.is_leaf = ept_is_leaf,
	.perms = ept_perms,
};

/* --- VT-d second-level entries (VT-d spec 9.8, Table 9-x "second-level paging entries") --- */
#define VTD_SL_R  BIT(0)
#define VTD_SL_W  BIT(1)
#define VTD_SL_PS BIT(7) /* page size: leaf at level 2 or 3 */

static u64 vtd_table(paddr_t pa)
{
	return pa | VTD_SL_R | VTD_SL_W;
}

static u64 vtd_leaf(paddr_t pa, u32 perms, int level)
{
	u64 e = pa | (level > 1 ? VTD_SL_PS : 0);

	if (!(perms & PT_RW))
		return 0;
	e |= (perms & PT_R) ? VTD_SL_R : 0;
	e |= (perms & PT_W) ? VTD_SL_W : 0;
	return e;
}

static bool vtd_present(u64 e)
{
	return e & (VTD_SL_R | VTD_SL_W);
}
static bool vtd_is_leaf(u64 e, int level)
{
	return level == 1 || (e & VTD_SL_PS);
}

static u32 vtd_perms(u64 e)
{
	return ((e & VTD_SL_R) ? PT_R : 0) | ((e & VTD_SL_W) ? PT_W : 0);
}

const struct pt_fmt pt_fmt_vtd = {
	.name = "VT-d",
	.table = vtd_table,
	.leaf = vtd_leaf,
	.present = vtd_present,
	.is_leaf = vtd_is_leaf,
	.perms = vtd_perms,
};
