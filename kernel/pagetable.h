/* SPDX-License-Identifier: MIT */
/*
 * pagetable.h: one 4-level radix page-table builder shared by every table the
 * hypervisor writes: its own x86-64 tables, AMD NPT, Intel EPT and VT-d
 * second-level tables. Each differs only in entry encoding (struct pt_fmt).
 */
#ifndef KERNEL_PAGETABLE_H
#define KERNEL_PAGETABLE_H

#include "kernel/types.h"

/* Format-neutral permissions and attributes of a leaf. */
#define PT_R   BIT(0)
#define PT_W   BIT(1)
#define PT_X   BIT(2)
#define PT_UC  BIT(3) /* uncached (MMIO) */
#define PT_RW  (PT_R | PT_W)
#define PT_RWX (PT_R | PT_W | PT_X)

#define PT_LEVELS  4
#define PT_ENTRIES 512

/* Size mapped by one entry at a level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
static inline u64 pt_level_size(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

/* Entry encoding of one table format. */
struct pt_fmt {
	const char *name;
	u64 (*table)(paddr_t pa); /* entry pointing to a lower table */
	u64 (*leaf)(paddr_t pa, u32 perms, int level);
	bool (*present)(u64 e);
	bool (*is_leaf)(u64 e, int level); /* level 1 entries are always leaves */
	u32 (*perms)(u64 e);               /* inverse of leaf() for the walker */
};

/* Where table pages come from; `virt` turns a table's address into a pointer. */
struct pt_mem {
	paddr_t (*alloc)(void *ctx); /* a zeroed 4 KiB page, 0 when out of memory */
	void (*free)(void *ctx, paddr_t pa);
	void *(*virt)(void *ctx, paddr_t pa);
	void *ctx;
};

struct pagetable {
	const struct pt_fmt *fmt;
	const struct pt_mem *mem;
	paddr_t root;
	int max_leaf_level; /* largest page size allowed: 1, 2 or 3 */
	u64 tables;         /* table pages in use, root included */
};

/* Allocate an empty root; returns 0 or -ENOMEM. */
int pt_init(struct pagetable *pt, const struct pt_fmt *fmt, const struct pt_mem *mem,
	    int max_leaf_level);

/*
 * Map [va, va + size) to [pa, pa + size) with perms, replacing whatever was
 * there, using the largest pages alignment and max_leaf_level allow; tables
 * a large page replaces are freed. va, pa and size must be 4 KiB aligned, va
 * below 2^48, pa below 2^52, perms PT_R plus any of PT_W, PT_X, PT_UC (a
 * format drops what it cannot express: VT-d has no X or UC). Returns 0,
 * -EINVAL or -ENOMEM (a failed map may leave part of the range mapped; unmap
 * it). Flushing TLBs is the caller's job.
 */
int pt_map(struct pagetable *pt, u64 va, paddr_t pa, u64 size, u32 perms);

/*
 * Remove [va, va + size), splitting large pages at the edges; frees emptied
 * tables. Returns 0, -EINVAL (unaligned, empty or past 2^48) or -ENOMEM (a split).
 */
int pt_unmap(struct pagetable *pt, u64 va, u64 size);

/* Translate va; returns 0 and fills pa/perms/level, or -ENOENT if not mapped. */
int pt_walk(const struct pagetable *pt, u64 va, paddr_t *pa, u32 *perms, int *level);

/* Free every table page, root included. */
void pt_destroy(struct pagetable *pt);

/* The formats. */
extern const struct pt_fmt pt_fmt_x86;      /* x86-64 4-level paging, U/S set: AMD NPT */
extern const struct pt_fmt pt_fmt_x86_host; /* the same, supervisor-only: the hypervisor's own */
extern const struct pt_fmt pt_fmt_ept;      /* Intel EPT, write-back (SDM Vol. 3C 29.3.2) */
extern const struct pt_fmt pt_fmt_vtd;      /* VT-d second-level (VT-d spec 9.8) */

#endif
