/* SPDX-License-Identifier: MIT */
/* pmem.h: physical memory allocator over a list of free ranges. */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include "kernel/types.h"

#define PMEM_MAX_RANGES 256

struct pmem_range {
	paddr_t base;
	paddr_t end; /* exclusive */
};

/* Free ranges, sorted by address, never touching or overlapping each other. */
struct pmem {
	struct pmem_range r[PMEM_MAX_RANGES];
	unsigned int n;
	u64 free_bytes;
};

void pmem_init(struct pmem *pm);

/*
 * Add [base, base + len) as free, trimmed inward to 4 KiB pages. Parts that are
 * already free are skipped (memory maps repeat and overlap). Returns 0, or
 * -ENOSPC when the range table is full (the rest of the range is not added).
 */
int pmem_add(struct pmem *pm, paddr_t base, u64 len);

/*
 * Remove [base, base + len) (rounded outward to pages) from the free ranges.
 * The range is always removed; -ENOSPC says that the table was full, so the
 * free memory above the range in the same free range was dropped as well.
 */
int pmem_reserve(struct pmem *pm, paddr_t base, u64 len);

/*
 * Allocate size bytes (rounded up to pages) aligned to `align` (a power of
 * two, at least 4 KiB), from the highest free range that fits, so low memory
 * stays free for what needs it. Returns the base, or 0 when nothing fits.
 */
paddr_t pmem_alloc(struct pmem *pm, u64 size, u64 align);

/* Like pmem_alloc but below `limit` (exclusive). */
paddr_t pmem_alloc_below(struct pmem *pm, u64 size, u64 align, paddr_t limit);

/* Return a range to the pool. 0, or -EINVAL if any of it is already free, or -ENOSPC. */
int pmem_free(struct pmem *pm, paddr_t base, u64 size);

#endif
