// SPDX-License-Identifier: MIT
/* gpmap.c: guest-physical → host-physical maps of partitions (nested page tables). */
#include "kernel/gpmap.h"

/* 2 MiB leaves: partition RAM is 2 MiB aligned (kernel/plan.h) and 1 GiB pages are optional. */
#define GPMAP_MAX_LEAF_LEVEL 2

int gpmap_init(struct gpmap *g, const struct pt_fmt *fmt, const struct pt_mem *mem)
{
	return pt_init(&g->pt, fmt, mem, GPMAP_MAX_LEAF_LEVEL);
}

int gpmap_map_ram(struct gpmap *g, u64 gpa, paddr_t hpa, u64 size)
{
	return pt_map(&g->pt, gpa, hpa, size, PT_RWX);
}

int gpmap_map_mmio(struct gpmap *g, u64 gpa, paddr_t hpa, u64 size)
{
	return pt_map(&g->pt, gpa, hpa, size, PT_RW | PT_UC);
}

int gpmap_unmap(struct gpmap *g, u64 gpa, u64 size)
{
	return pt_unmap(&g->pt, gpa, size);
}

bool gpmap_translate(const struct gpmap *g, u64 gpa, paddr_t *hpa, u32 *perms)
{
	int level;

	return pt_walk(&g->pt, gpa, hpa, perms, &level) == 0;
}

void gpmap_destroy(struct gpmap *g)
{
	pt_destroy(&g->pt);
}
