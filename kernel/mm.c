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
static u64 allocated;                    /* bytes the pool handed out and did not get back */
static const struct boot_info *boot_map; /* the loader's memory map, for ioremap's checks */

/* Unmapped pages under stacks, so that an overflow names the stack it ran off. */
#define MM_MAX_GUARDS 160
static struct mm_guard {
	u64 va;
	char name[24];
} guards[MM_MAX_GUARDS];
static unsigned int guard_count;
static spinlock_t guard_lock = SPINLOCK_INIT;

#define LOW_MEM_END  (1 * MiB) /* BIOS data, option ROMs, the AP trampoline: never allocated */
#define BOOT_MAP_END (4 * GiB) /* what entry.asm identity-maps */

static const char *const mem_type_names[] = {
	[MEM_RAM] = "RAM",      [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI",
	[MEM_NVS] = "ACPI NVS", [MEM_BAD] = "bad",
};

static paddr_t pool_alloc(u64 size, u64 align)
{
	paddr_t pa;

	spin_lock(&pool_lock);
	/* Until our tables are live only the boot identity map (low 4 GiB) is reachable. */
	pa = hv_pt_active ? pmem_alloc(&pool, size, align)
			  : pmem_alloc_below(&pool, size, align, BOOT_MAP_END);
	allocated += pa ? size : 0;
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
	allocated -= r ? 0 : size;
	spin_unlock(&pool_lock);
	if (r)
		panic("phys_free(0x%llx, 0x%llx): %d (double free?)", pa, size, r);
	return r;
}

void *kzalloc(size_t size)
{
	static spinlock_t lock = SPINLOCK_INIT;
	static u8 *cur, *end;
	void *p;

	if (size > 1 * GiB) {
		pr_err("kzalloc: %zu bytes is not a boot-time allocation\n", size);
		return NULL;
	}
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

u64 mm_total_ram(void)
{
	return total_ram;
}
u64 mm_free_ram(void)
{
	return pool.free_bytes;
}

u64 mm_allocated(void)
{
	return __atomic_load_n(&allocated, __ATOMIC_RELAXED);
}

u64 mm_image_size(void)
{
	return virt_to_phys(__image_end) - virt_to_phys(__image_start);
}

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
	int r;

	if (!hv_pt.root)
		panic("mem: mapping 0x%llx before mm_init", va);
	r = pt_map(&hv_pt, start, start, end - start, perms);
	if (r)
		panic("mem: cannot map 0x%llx-0x%llx: error %d", start, end, r);
	mm_flush_tlb();
}

void mm_unmap(u64 va, u64 len)
{
	u64 start = ALIGN_DOWN(va, PAGE_SIZE), end = ALIGN_UP(va + len, PAGE_SIZE);

	if (!hv_pt.root || pt_unmap(&hv_pt, start, end - start))
		panic("mem: cannot unmap 0x%llx-0x%llx", start, end);
	mm_flush_tlb();
}

/* Unmap the page at va and remember it as the guard of stack `name`. */
static void mm_add_guard(u64 va, const char *name)
{
	mm_unmap(va, PAGE_SIZE);
	spin_lock(&guard_lock);
	if (guard_count < MM_MAX_GUARDS) {
		guards[guard_count].va = va;
		strlcpy(guards[guard_count].name, name, sizeof(guards[0].name));
		/* The fault path reads without the lock: publish the entry before the count. */
		__atomic_store_n(&guard_count, guard_count + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&guard_lock);
}

const char *mm_guard_name(u64 va)
{
	unsigned int n = __atomic_load_n(&guard_count, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n && i < MM_MAX_GUARDS; i++)
		if (va - guards[i].va < PAGE_SIZE)
			return guards[i].name;
	return NULL;
}

paddr_t mm_stack_alloc(u64 size, const char *name)
{
	paddr_t pa;

	size = ALIGN_UP(size, PAGE_SIZE);
	if (!hv_pt_active || size == 0 || size > 1 * MiB)
		panic("mem: stack '%s' of %llu bytes requested %s", name, size,
		      hv_pt_active ? "(bad size)" : "before mm_init");
	pa = pool_alloc(size + PAGE_SIZE, PAGE_SIZE);
	if (!pa) {
		pr_err("out of memory allocating stack '%s' (%llu KiB)\n", name, size / KiB);
		return 0;
	}
	memset(phys_to_virt(pa + PAGE_SIZE), 0, size);
	mm_add_guard(pa, name);
	return pa + PAGE_SIZE;
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

/* Does the page-rounded [pa, pa + len) touch RAM or the hypervisor image? */
static bool mm_overlaps_ram(paddr_t pa, u64 len)
{
	u64 start = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + len, PAGE_SIZE);
	u64 img = virt_to_phys(__image_start), img_end = virt_to_phys(__image_end);

	if (start < img_end && end > img)
		return true;
	for (unsigned i = 0; boot_map && i < boot_map->mem_count; i++) {
		const struct mem_region *m = &boot_map->mem[i];

		/* Overflow-safe form of start < base + len && end > base. */
		if (m->type == MEM_RAM && end > m->base &&
		    (start < m->base || start - m->base < m->len))
			return true;
	}
	return false;
}

void *ioremap(paddr_t pa, u64 len)
{
	if (!mm_range_ok(pa, len)) {
		pr_err("ioremap: bad range 0x%llx+0x%llx\n", pa, len);
		return NULL;
	}
	/* Registers never live in RAM: mapping it uncached and writable would undo W^X. */
	if (mm_overlaps_ram(pa, len)) {
		pr_err("ioremap: 0x%llx+0x%llx overlaps RAM, refused\n", pa, len);
		return NULL;
	}
	mm_map(pa, len, PT_RW | PT_UC);
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

/* Take a range out of the pool; it always goes, a full table only costs free memory. */
void mm_reserve(paddr_t base, u64 len, const char *what)
{
	int r;

	spin_lock(&pool_lock);
	r = pmem_reserve(&pool, base, len);
	spin_unlock(&pool_lock);
	if (r)
		pr_warn("free-range table full reserving %s 0x%llx+0x%llx: some free RAM lost\n",
			what, base, len);
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
			mm_reserve(bi->mem[i].base, bi->mem[i].len, "firmware region");
	mm_reserve(0, LOW_MEM_END, "low memory");
	mm_reserve(virt_to_phys(__image_start),
		   virt_to_phys(__image_end) - virt_to_phys(__image_start), "hypervisor image");
	mm_reserve(bi->mbi_start, bi->mbi_end - bi->mbi_start, "boot information");
	for (unsigned i = 0; i < bi->mod_count; i++)
		mm_reserve(bi->mods[i].start, bi->mods[i].end - bi->mods[i].start, "module");
	if (pool.n == 0)
		panic("mem: no usable RAM in the memory map");
}

/* One section of the image, between two linker symbols (linker.ld page-aligns them). */
static void mm_map_section(const char *start, const char *end, u32 perms)
{
	mm_map(virt_to_phys(start), virt_to_phys(end) - virt_to_phys(start), perms);
}

/* The image W^X: text RX, rodata and symbols R, data RW; guard pages unmapped. */
static void mm_map_image(void)
{
	mm_map_section(__text_start, __text_end, PT_R | PT_X);
	mm_map_section(__rodata_start, __rodata_end, PT_R);
	mm_map_section(__data_start, __data_end, PT_RW);
	mm_map_section(__ksyms_start, __ksyms_end, PT_R);
	mm_add_guard((u64)(uintptr_t)boot_stack_guard, "boot stack");
}

void mm_init(const struct boot_info *bi)
{
	boot_map = bi;
	pr_info("memory map (%s):\n", bi->mem_from_efi ? "EFI" : "BIOS e820");
	mm_print_map(bi);
	mm_build_pool(bi);
	if (pt_init(&hv_pt, &pt_fmt_x86_host, &mm_pt_mem, 2))
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
