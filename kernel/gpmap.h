/* SPDX-License-Identifier: MIT */
/*
 * gpmap.h: a partition's guest-physical address map: the nested page table
 * (AMD NPT or Intel EPT, in the format the vCPU backend names) built with the
 * shared page-table builder. Only what is mapped here exists for the guest.
 */
#ifndef KERNEL_GPMAP_H
#define KERNEL_GPMAP_H

#include "kernel/pagetable.h"

struct gpmap {
	struct pagetable pt;
};

/* An empty map in format fmt, tables from mem. 0 or -ENOMEM. */
int gpmap_init(struct gpmap *g, const struct pt_fmt *fmt, const struct pt_mem *mem);

/*
 * Map guest RAM [gpa, gpa + size) to host [hpa, hpa + size): read, write,
 * execute, write-back, 2 MiB pages where both sides are aligned. 0 or -errno.
 */
int gpmap_map_ram(struct gpmap *g, u64 gpa, paddr_t hpa, u64 size);

/* Map device registers (a VF's BAR): read/write, uncached, never executable. 0 or -errno. */
int gpmap_map_mmio(struct gpmap *g, u64 gpa, paddr_t hpa, u64 size);

/* Remove a range (callers flush the vCPUs' cached translations). 0 or -errno. */
int gpmap_unmap(struct gpmap *g, u64 gpa, u64 size);

/* Translate a guest-physical address; false when nothing is mapped there. */
bool gpmap_translate(const struct gpmap *g, u64 gpa, paddr_t *hpa, u32 *perms);

/* The root table's host-physical address, for the backend's nested CR3 / EPTP. */
static inline paddr_t gpmap_root(const struct gpmap *g)
{
	return g->pt.root;
}

void gpmap_destroy(struct gpmap *g);

#endif
