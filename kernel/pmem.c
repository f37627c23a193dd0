// SPDX-License-Identifier: MIT
/* pmem.c: free-range physical allocator; pure logic, unit-tested on the host. */
#include "kernel/pmem.h"
#include "kernel/string.h"

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

/* Insert a free range that must not overlap existing ones; merges neighbours. */
static int pmem_insert(struct pmem *pm, paddr_t base, paddr_t end)
{
	unsigned i = 0;

	while (i < pm->n && pm->r[i].end < base)
		i++;
	for (unsigned j = i; j < pm->n && pm->r[j].base < end; j++)
		if (pm->r[j].end > base)
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
	paddr_t start = ALIGN_UP(base, PAGE_SIZE);
	paddr_t end;

	if (base + len < base)
		len = ~0ULL - base;
	end = ALIGN_DOWN(base + len, PAGE_SIZE);
	if (start >= end || start < base)
		return 0;
	/* Overlap with free memory means the memory map repeats itself: add only what is new. */
	pmem_reserve(pm, start, end - start);
	return pmem_insert(pm, start, end);
}

int pmem_reserve(struct pmem *pm, paddr_t base, u64 len)
{
	paddr_t start = ALIGN_DOWN(base, PAGE_SIZE);
	paddr_t end = base + len < base ? ~0ULL & ~(PAGE_SIZE - 1) : ALIGN_UP(base + len, PAGE_SIZE);

	for (unsigned i = 0; i < pm->n && start < end; i++) {
		struct pmem_range *r = &pm->r[i];
		paddr_t lo = MAX(r->base, start), hi = MIN(r->end, end);

		if (lo >= hi)
			continue;
		pm->free_bytes -= hi - lo;
		if (lo == r->base && hi == r->end) {
			pmem_remove_at(pm, i--);
		} else if (lo == r->base) {
			r->base = hi;
		} else if (hi == r->end) {
			r->end = lo;
		} else {
			paddr_t old_end = r->end;

			r->end = lo;
			if (pmem_insert_at(pm, i + 1, hi, old_end)) {
				pm->free_bytes += old_end - hi; /* could not split: keep the tail free, report */
				return -ENOSPC;
			}
		}
	}
	return 0;
}

paddr_t pmem_alloc_below(struct pmem *pm, u64 size, u64 align, paddr_t limit)
{
	if (size == 0 || align < PAGE_SIZE || (align & (align - 1)) || size > ~0ULL - PAGE_SIZE)
		return 0;
	size = ALIGN_UP(size, PAGE_SIZE);
	for (unsigned i = pm->n; i-- > 0;) {
		paddr_t end = MIN(pm->r[i].end, limit), base;

		if (end < size || end - size < pm->r[i].base)
			continue;
		base = ALIGN_DOWN(end - size, align);
		if (base < pm->r[i].base || base == 0)
			continue;
		if (pmem_reserve(pm, base, size))
			return 0;
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
	if (!IS_ALIGNED(base, PAGE_SIZE) || size == 0 || base + size < base)
		return -EINVAL;
	return pmem_insert(pm, base, base + ALIGN_UP(size, PAGE_SIZE));
}
