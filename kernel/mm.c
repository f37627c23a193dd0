// SPDX-License-Identifier: MIT
/* mm.c: physical memory pool and the hypervisor's page tables. */
#define LOG_TAG "mem"
#include "kernel/mm.h"
#include "kernel/io.h"
#include "kernel/panic.h"
#include "kernel/pmem.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"

extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __ksyms_start[], __ksyms_end[];
extern char boot_stack_guard[];

static struct pmem pool;
static spinlock_t pool_lock = SPINLOCK_INIT;
static struct pagetable hv_pt;
static bool hv_pt_active;
static u64 total_ram;

#define LOW_MEM_END (1 * MiB) /* BIOS data, option ROMs, the AP trampoline: never allocated */
#define BOOT_MAP_END (4 * GiB) /* what entry.asm identity-maps */

static const char *const mem_type_names[] = {
	[MEM_RAM] = "RAM", [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI",
	[MEM_NVS] = "ACPI NVS", [MEM_BAD] = "bad",
};

static paddr_t pool_alloc(u64 size, u64 align)
{
	paddr_t pa;

	spin_lock(&pool_lock);
	/* Until our tables are live only the boot identity map (low 4 GiB) is reachable. */
	pa = hv_pt_active ? pmem_alloc(&pool, size, align)
			  : pmem_alloc_below(&pool, size, align, BOOT_MAP_END);
	spin_unlock(&pool_lock);
	return pa;
}

paddr_t page_alloc(void)
{
	paddr_t pa = pool_alloc(PAGE_SIZE, PAGE_SIZE);

	if (!pa) {
		pr_err("out of memory allocating a page (%llu KiB free)\n", pool.free_bytes / KiB);
		return 0;
	}
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void page_free(paddr_t pa)
{
	phys_free(pa, PAGE_SIZE);
}

paddr_t phys_alloc(u64 size, u64 align)
{
	return pool_alloc(size, align < PAGE_SIZE ? PAGE_SIZE : align);
}

int phys_free(paddr_t pa, u64 size)
{
	int r;

	spin_lock(&pool_lock);
	r = pmem_free(&pool, pa, size);
	spin_unlock(&pool_lock);
	if (r)
		panic("phys_free(0x%llx, 0x%llx): %d (double free?)", pa, size, r);
	return r;
}

int mm_reserve(paddr_t pa, u64 len)
{
	int r;

	spin_lock(&pool_lock);
	r = pmem_reserve(&pool, pa, len);
	spin_unlock(&pool_lock);
	if (r)
		pr_err("cannot reserve 0x%llx+0x%llx: too many free ranges\n", pa, len);
	return r;
}

void *kzalloc(size_t size)
{
	static spinlock_t lock = SPINLOCK_INIT;
	static u8 *cur, *end;
	void *p;

	size = ALIGN_UP(size, 16);
	spin_lock(&lock);
	if (size > (size_t)(end - cur)) {
		u64 chunk = ALIGN_UP(MAX(size, 64 * KiB), PAGE_SIZE);
		paddr_t pa = pool_alloc(chunk, PAGE_SIZE);

		if (!pa) {
			spin_unlock(&lock);
			pr_err("out of memory allocating %zu bytes\n", size);
			return NULL;
		}
		cur = phys_to_virt(pa);
		end = cur + chunk;
	}
	p = cur;
	cur += size;
	spin_unlock(&lock);
	memset(p, 0, size);
	return p;
}

u64 mm_total_ram(void) { return total_ram; }
u64 mm_free_ram(void) { return pool.free_bytes; }

static paddr_t mm_pt_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc();
}

static void mm_pt_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	page_free(pa);
}

static void *mm_pt_virt(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

const struct pt_mem mm_pt_mem = { .alloc = mm_pt_alloc, .free = mm_pt_free, .virt = mm_pt_virt };

static void mm_flush_tlb(void)
{
	if (hv_pt_active)
		write_cr3(read_cr3());
}

/* Map into the hypervisor's tables or panic: a failure here leaves us unable to run. */
static void mm_map(u64 va, u64 len, u32 perms)
{
	u64 start = ALIGN_DOWN(va, PAGE_SIZE), end = ALIGN_UP(va + len, PAGE_SIZE);
	int r = pt_map(&hv_pt, start, start, end - start, perms);

	if (r)
		panic("mem: cannot map 0x%llx-0x%llx: error %d", start, end, r);
	mm_flush_tlb();
}

void mm_unmap(u64 va, u64 len)
{
	u64 start = ALIGN_DOWN(va, PAGE_SIZE), end = ALIGN_UP(va + len, PAGE_SIZE);

	if (pt_unmap(&hv_pt, start, end - start))
		panic("mem: cannot unmap 0x%llx-0x%llx", start, end);
	mm_flush_tlb();
}

bool mm_mapped(u64 va)
{
	paddr_t pa;
	u32 perms;
	int level;

	if (!hv_pt_active)
		return va >= PAGE_SIZE && va < BOOT_MAP_END;
	return pt_walk(&hv_pt, va, &pa, &perms, &level) == 0;
}

static bool mm_range_ok(paddr_t pa, u64 len)
{
	return len && pa + len > pa && pa + len <= BIT(46) && pa >= PAGE_SIZE;
}

void *ioremap(paddr_t pa, u64 len)
{
	if (!mm_range_ok(pa, len)) {
		pr_err("ioremap: bad range 0x%llx+0x%llx\n", pa, len);
		return NULL;
	}
	mm_map(pa, len + (pa & (PAGE_SIZE - 1)), PT_RW | PT_UC);
	return phys_to_virt(pa);
}

const void *memremap_ro(paddr_t pa, u64 len)
{
	paddr_t p;
	u32 perms;
	int level;

	if (!mm_range_ok(pa, len))
		return NULL;
	/* Do not downgrade what is already mapped (RAM stays RW, the image keeps its rights). */
	for (u64 a = ALIGN_DOWN(pa, PAGE_SIZE); a < pa + len; a += PAGE_SIZE)
		if (!hv_pt_active || pt_walk(&hv_pt, a, &p, &perms, &level))
			mm_map(a, PAGE_SIZE, PT_R);
	return phys_to_virt(pa);
}

static void mm_print_map(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *m = &bi->mem[i];
		u32 t = m->type <= MEM_BAD ? m->type : MEM_RESERVED;

		pr_info("  0x%016llx-0x%016llx %s\n", m->base, m->base + m->len - 1,
			mem_type_names[t] ? mem_type_names[t] : "reserved");
	}
}

/* Fill the pool with RAM, then carve out everything that is in use. */
static void mm_build_pool(const struct boot_info *bi)
{
	pmem_init(&pool);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		if (bi->mem[i].type != MEM_RAM)
			continue;
		if (pmem_add(&pool, bi->mem[i].base, bi->mem[i].len))
			pr_warn("memory map has too many ranges; 0x%llx+0x%llx unused\n",
				bi->mem[i].base, bi->mem[i].len);
	}
	total_ram = pool.free_bytes;
	/* Firmware regions can overlap RAM in buggy maps: a non-RAM region always wins. */
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type != MEM_RAM)
			pmem_reserve(&pool, bi->mem[i].base, bi->mem[i].len);
	pmem_reserve(&pool, 0, LOW_MEM_END);
	pmem_reserve(&pool, virt_to_phys(__image_start), __image_end - __image_start);
	pmem_reserve(&pool, bi->mbi_start, bi->mbi_end - bi->mbi_start);
	for (unsigned i = 0; i < bi->mod_count; i++)
		pmem_reserve(&pool, bi->mods[i].start, bi->mods[i].end - bi->mods[i].start);
	if (pool.n == 0)
		panic("mem: no usable RAM in the memory map");
}

/* The image W^X: text RX, rodata and symbols R, data RW; guard pages unmapped. */
static void mm_map_image(void)
{
	mm_map((u64)(uintptr_t)__text_start, __text_end - __text_start, PT_R | PT_X);
	mm_map((u64)(uintptr_t)__rodata_start, __rodata_end - __rodata_start, PT_R);
	mm_map((u64)(uintptr_t)__data_start, __data_end - __data_start, PT_RW);
	mm_map((u64)(uintptr_t)__ksyms_start, __ksyms_end - __ksyms_start, PT_R);
	pt_unmap(&hv_pt, (u64)(uintptr_t)boot_stack_guard, PAGE_SIZE);
}

void mm_init(const struct boot_info *bi)
{
	pr_info("memory map (%s):\n", bi->mem_from_efi ? "EFI" : "BIOS e820");
	mm_print_map(bi);
	mm_build_pool(bi);
	if (pt_init(&hv_pt, &pt_fmt_x86, &mm_pt_mem, 2))
		panic("mem: no memory for the hypervisor's page tables");
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *m = &bi->mem[i];
		u64 base = MAX(m->base, PAGE_SIZE); /* page 0 stays unmapped: NULL faults */

		if ((m->type == MEM_RAM || m->type == MEM_ACPI || m->type == MEM_NVS) &&
		    m->base + m->len > base)
			mm_map(base, m->base + m->len - base, PT_RW);
	}
	mm_map(bi->mbi_start, bi->mbi_end - bi->mbi_start, PT_R);
	for (unsigned i = 0; i < bi->mod_count; i++)
		if (bi->mods[i].end > bi->mods[i].start)
			mm_map(bi->mods[i].start, bi->mods[i].end - bi->mods[i].start, PT_R);
	mm_map_image();
	write_cr3(hv_pt.root);
	hv_pt_active = true;
	pr_info("%llu MiB usable, %llu MiB free after the image and modules, page tables %llu KiB\n",
		total_ram / MiB, pool.free_bytes / MiB, hv_pt.tables * 4);
}

void mm_init_ap(void)
{
	write_cr3(hv_pt.root);
}
