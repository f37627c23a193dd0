/* SPDX-License-Identifier: MIT */
/* mm.h: the hypervisor's physical memory and its own address space (virtual == physical). */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include "kernel/bootinfo.h"
#include "kernel/pagetable.h"

/*
 * Build the free-memory pool from the boot memory map (never handing out the
 * image, the boot information, modules, firmware regions or the first MiB),
 * then switch to the hypervisor's own page tables: RAM RW+NX, the image W^X,
 * guard pages unmapped, the NULL page unmapped. Panics if that is impossible.
 */
void mm_init(const struct boot_info *bi);

/* Enable the same tables on a secondary CPU (after mm_init). */
void mm_init_ap(void);

/* One zeroed 4 KiB page, or 0 (with a log line) when memory is exhausted. */
paddr_t page_alloc(void);
void page_free(paddr_t pa);

/*
 * `size` bytes of physically contiguous memory aligned to `align`, not zeroed.
 * Returns 0 when no such range is free. Mapped RW+NX in the hypervisor.
 */
paddr_t phys_alloc(u64 size, u64 align);
int phys_free(paddr_t pa, u64 size);

/*
 * Take [base, base + len) out of the free pool for good (after mm_init: firmware
 * data found in memory the map calls usable, such as ACPI tables in RAM). Pages
 * already handed out cannot be taken back. If the pool's range table is full
 * the range still goes and the loss of free memory is logged, naming `what`.
 */
void mm_reserve(paddr_t base, u64 len, const char *what);

/* Zeroed boot-time memory that is never freed (device tables, partitions). NULL on OOM. */
void *kzalloc(size_t size);

/* Map a device's registers uncached; returns a pointer or NULL. */
void *ioremap(paddr_t pa, u64 len);

/* Map firmware tables read-only (cached); returns a pointer or NULL. */
const void *memremap_ro(paddr_t pa, u64 len);

/* True when va is mapped in the hypervisor's tables (safe to read). */
bool mm_mapped(u64 va);

/* Remove a hypervisor mapping of whole pages (guard pages, freed memory). */
void mm_unmap(u64 va, u64 len);

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}
static inline paddr_t virt_to_phys(const void *va)
{
	return (paddr_t)(uintptr_t)va;
}

/*
 * A stack of `size` bytes (page-rounded) with an unmapped guard page below it,
 * remembered under `name` for overflow reports. Returns the stack's lowest
 * address (its top is that + size), or 0 when memory is exhausted. After
 * mm_init; the stack is never freed.
 */
paddr_t mm_stack_alloc(u64 size, const char *name);

/* The name of the stack whose guard page holds va, or NULL. */
const char *mm_guard_name(u64 va);

/* Total and free RAM in bytes. */
u64 mm_total_ram(void);
u64 mm_free_ram(void);

/* What the hypervisor holds: its image (with .bss), and every byte allocated since boot. */
u64 mm_image_size(void);
u64 mm_allocated(void);

/* The page-table builder's memory source for tables the hypervisor writes. */
extern const struct pt_mem mm_pt_mem;

#endif
