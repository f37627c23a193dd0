// SPDX-License-Identifier: MIT
/* pmem.c: free-range physical allocator; pure logic, unit-tested on the host. */
#include "kernel/pmem.h"
#include "kernel/string.h"

#define PMEM_TOP (~0ULL & ~(PAGE_SIZE - 1)) /* highest page boundary */

void pmem_init(struct pmem *pm)
{
	pm->n = 0;
	pm->free_bytes = 0;
}

static void pmem_remove_at(struct pmem *pm, unsigned i)
{
	memmove(&pm->r[i], &pm->r[i + 1], (pm->n - i - 1) * sizeof(pm->r[0]));
	pm->n--;
}

static int pmem_insert_at(struct pmem *pm, unsigned i, paddr_t base, paddr_t end)
{
	if (pm->n == PMEM_MAX_RANGES)
		return -ENOSPC;
	memmove(&pm->r[i + 1], &pm->r[i], (pm->n - i) * sizeof(pm->r[0]));
	pm->r[i] = (struct pmem_range){ base, end };
	pm->n++;
	return 0;
}

/* Index of the first range that ends at or above addr (pm->n if none). */
static unsigned pmem_find(const struct pmem *pm, paddr_t addr)
{
	unsigned i = 0;

	while (i < pm->n && pm->r[i].end < addr)
		i++;
	return i;
}

/*
 * Insert a free range [base, end), base < end, merging neighbours. Returns
 * -EINVAL (nothing changed) if any of it is already free, -ENOSPC if the table is full.
 */
static int pmem_insert(struct pmem *pm, paddr_t base, paddr_t end)
{
	unsigned i = pmem_find(pm, base);

	if (i < pm->n && pm->r[i].base < end && pm->r[i].end > base)
		return -EINVAL;
	if (i + 1 < pm->n && pm->r[i + 1].base < end)
		return -EINVAL;
	if (i < pm->n && pm->r[i].end == base) {
		pm->r[i].end = end;
		if (i + 1 < pm->n && pm->r[i + 1].base == end) {
			pm->r[i].end = pm->r[i + 1].end;
			pmem_remove_at(pm, i + 1);
		}
	} else if (i < pm->n && pm->r[i].base == end) {
		pm->r[i].base = base;
	} else if (pmem_insert_at(pm, i, base, end)) {
		return -ENOSPC;
	}
	pm->free_bytes += end - base;
	return 0;
}

int pmem_add(struct pmem *pm, paddr_t base, u64 len)
{
	paddr_t start, end;

	if (base > PMEM_TOP)
		return 0;
	start = ALIGN_UP(base, PAGE_SIZE);
	end = len > PMEM_TOP - base ? PMEM_TOP : ALIGN_DOWN(base + len, PAGE_SIZE);
	/* A repeated or overlapping memory-map entry: add only the gaps between free ranges. */
	while (start < end) {
		unsigned i = pmem_find(pm, start + 1);
		paddr_t gap_end = end;
		int r;

		if (i < pm->n && pm->r[i].base <= start) {
			start = pm->r[i].end;
			continue;
		}
		if (i < pm->n)
			gap_end = MIN(end, pm->r[i].base);
		r = pmem_insert(pm, start, gap_end);
		if (r)
			return r;
		start = gap_end;
	}
	return 0;
}

/* Take [lo, hi) out of range i, which contains it. Returns 0 or -ENOSPC (see pmem_reserve). */
static int pmem_cut(struct pmem *pm, unsigned i, paddr_t lo, paddr_t hi)
{
	struct pmem_range *r = &pm->r[i];
	paddr_t old_end = r->end;

	pm->free_bytes -= hi - lo;
	if (lo == r->base && hi == r->end) {
		pmem_remove_at(pm, i);
	} else if (lo == r->base) {
		r->base = hi;
	} else if (hi == r->end) {
		r->end = lo;
	} else {
		r->end = lo;
		if (pmem_insert_at(pm, i + 1, hi, old_end)) {
			/* No room to split: losing the tail is safe, handing out reserved memory is not. */
			pm->free_bytes -= old_end - hi;
			return -ENOSPC;
		}
	}
	return 0;
}

int pmem_reserve(struct pmem *pm, paddr_t base, u64 len)
{
	paddr_t start = ALIGN_DOWN(base, PAGE_SIZE);
	paddr_t end;
	int err = 0;

	if (len == 0)
		return 0;
	if (len - 1 > ~0ULL - base || base + len > PMEM_TOP)
		end = ~0ULL; /* to the top: no range ends above PMEM_TOP */
	else
		end = ALIGN_UP(base + len, PAGE_SIZE);
	for (unsigned i = pmem_find(pm, start + 1); i < pm->n && pm->r[i].base < end;) {
		paddr_t lo = MAX(pm->r[i].base, start), hi = MIN(pm->r[i].end, end);
		unsigned n = pm->n;

		if (pmem_cut(pm, i, lo, hi))
			err = -ENOSPC;
		if (pm->n >= n)
			i++; /* range i still holds memory below lo */
	}
	return err;
}

paddr_t pmem_alloc_below(struct pmem *pm, u64 size, u64 align, paddr_t limit)
{
	if (size == 0 || align < PAGE_SIZE || (align & (align - 1)) || size > PMEM_TOP)
		return 0;
	size = ALIGN_UP(size, PAGE_SIZE);
	for (unsigned i = pm->n; i-- > 0;) {
		struct pmem_range *r = &pm->r[i];
		paddr_t end = MIN(r->end, limit), base;

		if (end < size || end - size < r->base)
			continue;
		base = ALIGN_DOWN(end - size, align);
		if (base < r->base || base == 0)
			continue;
		/* Carving from the middle needs a free slot; try a lower range otherwise. */
		if (base > r->base && base + size < r->end && pm->n == PMEM_MAX_RANGES)
			continue;
		pmem_cut(pm, i, base, base + size);
		return base;
	}
	return 0;
}

paddr_t pmem_alloc(struct pmem *pm, u64 size, u64 align)
{
	return pmem_alloc_below(pm, size, align, ~0ULL);
}

int pmem_free(struct pmem *pm, paddr_t base, u64 size)
{
	if (!IS_ALIGNED(base, PAGE_SIZE) || size == 0 || size > PMEM_TOP ||
	    ALIGN_UP(size, PAGE_SIZE) > PMEM_TOP - base)
		return -EINVAL;
	return pmem_insert(pm, base, base + ALIGN_UP(size, PAGE_SIZE));
}
