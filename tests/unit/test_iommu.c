// SPDX-License-Identifier: MIT
/*
 * test_iommu.c: the generic domain layer (iommu.c) over a fake remapping
 * unit that, like a non-coherent VT-d unit, sees table memory only as last
 * flushed from the CPU caches. Checks: no path maps hypervisor memory or
 * another partition's; every mapping the CPU wrote is visible to the unit;
 * tables are reused only after the invalidation; no pages leak.
 */
// sources: iommu/iommu.c kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/backend.h"
#include "kernel/mm.h"
#include "tests/unit/doubles.h"

/* The "hypervisor image": 64 KiB the tests may point DMA at. */
__asm__(".pushsection .bss\n.balign 4096\n.globl __image_start\n__image_start:\n"
	".skip 65536\n.globl __image_end\n__image_end:\n.popsection");
extern char __image_start[], __image_end[];

#define CHUNK  (2 * 1024 * 1024)
#define MAX_CH 16
#define RAM_A  0x100000000ULL /* partition A's RAM */
#define RAM_B  0x200000000ULL /* partition B's RAM */
#define RAM_SZ (64ULL << 20)

/* --- doubles: physical chunks, and what the fake unit has seen of them --- */
static struct {
	u8 *cpu, *unit;
} chunks[MAX_CH];
static int nchunks;

paddr_t phys_alloc(u64 size, u64 align)
{
	assert_int_equal(size, CHUNK);
	assert_int_equal(align, CHUNK);
	assert_true(nchunks < MAX_CH);
	chunks[nchunks].cpu = aligned_alloc(CHUNK, CHUNK);
	chunks[nchunks].unit = calloc(1, CHUNK);
	memset(chunks[nchunks].cpu, 0xa5, CHUNK); /* garbage, as fresh RAM would be */
	return (paddr_t)(uintptr_t)chunks[nchunks++].cpu;
}

static u8 *unit_view(paddr_t pa)
{
	for (int i = 0; i < nchunks; i++)
		if (pa >= (paddr_t)(uintptr_t)chunks[i].cpu &&
		    pa - (paddr_t)(uintptr_t)chunks[i].cpu < CHUNK)
			return chunks[i].unit + (pa - (paddr_t)(uintptr_t)chunks[i].cpu);
	fail_msg("the unit read 0x%llx: not IOMMU memory", pa);
	return NULL;
}

/* --- the fake unit ---------------------------------------------------------- */
static int syncs, map_flushes, unmap_flushes, attaches, detaches, ir_allocs;
static u64 last_iova, last_size;
static paddr_t freed_tables[4096];
static int nfreed;

static void fake_sync(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~63UL, end = (uintptr_t)p + len;

	syncs++;
	for (; a < end; a += 64)
		memcpy(unit_view(a), (void *)a, 64);
}

/* The unit's own walk of a domain's tables, from what it has seen (VT-d spec 3.6, 9.8). */
static int unit_walk(const struct iommu_domain *dom, u64 iova, paddr_t *pa, u32 *perms)
{
	paddr_t table = dom->pt.root;
	u32 p = PT_R | PT_W;

	for (int level = 4; level >= 1; level--) {
		u64 e;

		memcpy(&e, unit_view(table) + ((iova >> (12 + 9 * (level - 1))) & 511) * 8, 8);
		p &= ((e & 1) ? PT_R : 0) | ((e & 2) ? PT_W : 0);
		if (!(e & 3))
			return -1;
		if (level == 1 || (e & BIT(7))) {
			u64 mask = (1ULL << (12 + 9 * (level - 1))) - 1;

			assert_true(level <= 3); /* PS is reserved at level 4 */
			assert_int_equal(e & GENMASK(51, 12) & mask,
					 0); /* reserved: misaligned page */
			*pa = (e & GENMASK(51, 12) & ~mask) | (iova & mask);
			*perms = p;
			return 0;
		}
		table = e & GENMASK(51, 12);
	}
	return -1;
}

static int fake_flush_map(struct iommu_domain *dom, u64 iova, u64 size)
{
	(void)dom;
	map_flushes++;
	last_iova = iova;
	last_size = size;
	return 0;
}

/* Until this returns, the unit may still walk the tables just unlinked: none may be reused. */
static int fake_flush_unmap(struct iommu_domain *dom, u64 iova, u64 size)
{
	paddr_t probe[8];

	(void)dom;
	unmap_flushes++;
	last_iova = iova;
	last_size = size;
	for (int i = 0; i < 8; i++) {
		probe[i] = iommu_alloc_pages(1);
		for (int k = 0; k < nfreed; k++)
			assert_true(probe[i] != freed_tables[k]);
	}
	for (int i = 0; i < 8; i++)
		iommu_free_pages(probe[i], 1);
	return 0;
}

static int fake_attach(struct iommu_domain *dom, u16 seg, u16 rid)
{
	(void)dom;
	(void)seg;
	attaches++;
	return rid == 0xdead ? -ENODEV : 0;
}

static int fake_detach(struct iommu_domain *dom, u16 seg, u16 rid)
{
	(void)dom;
	(void)seg;
	(void)rid;
	detaches++;
	return 0;
}

static int fake_ir_alloc(u16 seg, u16 rid, u32 dest, u8 vector, struct msi_msg *msg)
{
	(void)seg;
	msg->addr = 0xfee00000 | dest << 12;
	msg->data = vector | (u32)rid << 8;
	return ir_allocs++;
}

static int fake_ir_free(u16 seg, u16 rid, int handle)
{
	(void)seg;
	(void)rid;
	return handle >= 0 ? 0 : -EINVAL;
}

static const struct iommu_ops fake_ops = {
	.fmt = &pt_fmt_vtd,
	.sync = fake_sync,
	.flush_map = fake_flush_map,
	.flush_unmap = fake_flush_unmap,
	.attach = fake_attach,
	.detach = fake_detach,
	.ir_alloc = fake_ir_alloc,
	.ir_free = fake_ir_free,
};

int iommu_backend_probe(void)
{
	struct iommu_caps caps = {
		.max_leaf_level = 3,
		.max_domains = 16,
		.iova_limit = BIT(48),
		.hpa_limit = BIT(52),
		.intr_remap = true,
	};

	iommu_register(&fake_ops, &caps);
	return 0;
}

int iommu_backend_enable(struct iommu_domain *hv)
{
	(void)hv;
	return 0;
}

/* --- helpers ---------------------------------------------------------------- */

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void collect_tables(const struct iommu_domain *dom, paddr_t table, int level)
{
	const u64 *t = phys_to_virt(table);

	assert_true(nfreed < (int)(sizeof(freed_tables) / sizeof(freed_tables[0])));
	freed_tables[nfreed++] = table;
	for (int i = 0; level > 1 && i < 512; i++)
		if ((t[i] & 3) && !(t[i] & BIT(7)))
			collect_tables(dom, t[i] & GENMASK(51, 12), level - 1);
}

/* Every table page now in dom may be freed by what follows: the unit must not see them reused. */
static void expect_frees(const struct iommu_domain *dom)
{
	nfreed = 0;
	collect_tables(dom, dom->pt.root, 4);
}

static void expect_unit_sees(const struct iommu_domain *dom, u64 iova, paddr_t pa, u32 perms)
{
	paddr_t got;
	u32 gp;

	if (!perms) {
		assert_int_not_equal(unit_walk(dom, iova, &got, &gp), 0);
		return;
	}
	assert_int_equal(unit_walk(dom, iova, &got, &gp), 0);
	assert_int_equal(got, pa);
	assert_int_equal(gp, perms);
}

static struct iommu_domain *part_a, *part_b, *hv;

static int setup(void **state)
{
	static bool once;

	(void)state;
	if (!once) {
		assert_int_equal(iommu_init(), 0);
		once = true;
	}
	hv = iommu_hv_domain();
	part_a = dom_create(IOMMU_DOM_PARTITION, "pA");
	part_b = dom_create(IOMMU_DOM_PARTITION, "pB");
	assert_non_null(part_a);
	assert_non_null(part_b);
	assert_int_equal(dom_grant(part_a, RAM_A, RAM_SZ), 0);
	assert_int_equal(dom_grant(part_b, RAM_B, RAM_SZ), 0);
	test_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	expect_frees(part_a);
	assert_int_equal(dom_destroy(part_a), 0);
	expect_frees(part_b);
	assert_int_equal(dom_destroy(part_b), 0);
	return 0;
}

/* --- tests ------------------------------------------------------------------- */

static void test_refuses_hypervisor_memory(void **state)
{
	paddr_t img = (paddr_t)(uintptr_t)__image_start, table = part_a->pt.root;

	(void)state;
	/* No grant can make the image or the IOMMU's own tables partition memory. */
	assert_int_equal(dom_grant(part_a, img, 4096), -EPERM);
	assert_int_equal(dom_grant(part_a, img - 0x10000, 0x20000), -EPERM);
	assert_int_equal(dom_grant(part_a, table, 4096), -EPERM);
	assert_true(test_log_has("pA: refusing DMA access to"));
	assert_true(test_log_has("hypervisor memory"));
	/* Nor can a mapping point at them, in a partition's domain or the hypervisor's. */
	assert_int_equal(dom_map(part_a, 0, img, 4096, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(part_a, 0, img + 0xf000, 4096, IOMMU_READ), -EPERM);
	assert_int_equal(dom_map(part_a, 0, table, 4096, IOMMU_READ), -EPERM);
	assert_int_equal(dom_map(hv, 0, img, 4096, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(hv, 0, hv->pt.root, 4096, IOMMU_RW), -EPERM);
	/* Memory the partition was not given, even next to what it was given. */
	assert_int_equal(dom_map(part_a, 0, RAM_A + RAM_SZ, 4096, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(part_a, 0, RAM_A + RAM_SZ - 4096, 8192, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(part_a, 0, RAM_A - 4096, 8192, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(part_a, 0, 0x1000, 4096, IOMMU_RW), -EPERM);
	expect_unit_sees(part_a, 0, 0, 0);
	assert_int_equal(map_flushes, 0);
	/* The hypervisor's domain cannot reach into a partition either. */
	assert_int_equal(dom_map(hv, 0, RAM_A, 4096, IOMMU_RW), -EPERM);
	/* What was given is fine. */
	assert_int_equal(dom_map(part_a, 0, RAM_A, RAM_SZ, IOMMU_RW), 0);
	expect_unit_sees(part_a, 0x123000, RAM_A + 0x123000, PT_R | PT_W);
	assert_int_equal(dom_unmap(part_a, 0, RAM_SZ), 0);
}

static void test_refuses_other_partitions_memory(void **state)
{
	(void)state;
	assert_int_equal(dom_map(part_b, 0, RAM_A, 4096, IOMMU_RW), -EPERM);
	assert_int_equal(dom_map(part_a, 0, RAM_B + 0x5000, 4096, IOMMU_READ), -EPERM);
	/* Grants never overlap: B cannot be given A's memory, nor A the same twice. */
	assert_int_equal(dom_grant(part_b, RAM_A + RAM_SZ - 4096, 8192), -EPERM);
	assert_int_equal(dom_grant(part_a, RAM_A, 4096), -EPERM);
	/* The hypervisor's domain takes no grants. */
	assert_int_equal(dom_grant(hv, 0x300000000ULL, 4096), -EINVAL);
	/* Adjacent grants add up. */
	assert_int_equal(dom_grant(part_a, RAM_A + RAM_SZ, 0x200000), 0);
	assert_int_equal(dom_map(part_a, 0, RAM_A + RAM_SZ - 0x100000, 0x200000, IOMMU_RW), 0);
	assert_int_equal(dom_unmap(part_a, 0, 0x200000), 0);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(dom_map(part_a, 0x800, RAM_A, 4096, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A + 1, 4096, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A, 100, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A, 0, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A, 4096, 0), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A, 4096, 0x10), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, RAM_A, 4096, IOMMU_WRITE), -EINVAL);
	assert_int_equal(dom_map(part_a, BIT(48) - 4096, RAM_A, 8192, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, ~0xfffULL, RAM_A, 8192, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0, ~0xfffULL, 8192, IOMMU_RW), -EINVAL);
	/* DMA to the interrupt window is an interrupt, never translated (VT-d spec 3.14). */
	assert_int_equal(dom_map(part_a, 0xfee00000, RAM_A, 4096, IOMMU_RW), -EINVAL);
	assert_int_equal(dom_map(part_a, 0xfe000000, RAM_A, 0x1000000, IOMMU_RW), -EINVAL);
	/* No silent replacement of a live mapping. */
	assert_int_equal(dom_map(part_a, 0x10000, RAM_A, 0x4000, IOMMU_RW), 0);
	assert_int_equal(dom_map(part_a, 0x13000, RAM_A + 0x8000, 0x2000, IOMMU_RW), -EEXIST);
	assert_int_equal(dom_map(part_a, 0, RAM_A + 0x8000, 0x200000, IOMMU_RW), -EEXIST);
	assert_int_equal(dom_map(part_a, 0x14000, RAM_A + 0x8000, 0x2000, IOMMU_RW), 0);
	assert_int_equal(dom_unmap(part_a, 0x800, 4096), -EINVAL);
	assert_int_equal(dom_unmap(part_a, 0, 0x200000), 0);
	expect_unit_sees(part_a, 0x10000, 0, 0);
	assert_int_equal(dom_map(part_a, 0x13000, RAM_A + 0x8000, 0x2000, IOMMU_RW), 0);
	assert_int_equal(dom_unmap(part_a, 0x13000, 0x2000), 0);
}

static void test_flushes_and_visibility(void **state)
{
	int m = map_flushes, u = unmap_flushes, s = syncs;

	(void)state;
	/* A 1 GiB + 2 MiB + 4 KiB mapping: each page size once. */
	assert_int_equal(dom_grant(part_a, 0x40000000ULL, 0x40000000ULL + 0x201000), 0);
	assert_int_equal(dom_map(part_a, 0x40000000ULL, 0x40000000ULL, 0x40201000ULL, IOMMU_READ),
			 0);
	assert_int_equal(map_flushes, m + 1);
	assert_int_equal(last_iova, 0x40000000ULL);
	assert_int_equal(last_size, 0x40201000ULL);
	assert_true(syncs > s);
	expect_unit_sees(part_a, 0x40000000ULL, 0x40000000ULL, PT_R);
	expect_unit_sees(part_a, 0x7fffffffULL, 0x7fffffffULL, PT_R);
	expect_unit_sees(part_a, 0x80100000ULL, 0x80100000ULL, PT_R);
	expect_unit_sees(part_a, 0x80200fffULL, 0x80200fffULL, PT_R);
	expect_unit_sees(part_a, 0x80201000ULL, 0, 0);
	/* Punch a 4 KiB hole into the 1 GiB page: split, and the unit sees the hole. */
	expect_frees(part_a);
	assert_int_equal(dom_unmap(part_a, 0x50000000ULL, 4096), 0);
	assert_int_equal(unmap_flushes, u + 1);
	expect_unit_sees(part_a, 0x50000000ULL, 0, 0);
	expect_unit_sees(part_a, 0x4fffffffULL, 0x4fffffffULL, PT_R);
	expect_unit_sees(part_a, 0x50001000ULL, 0x50001000ULL, PT_R);
	/* Unmap all: every table but the root goes, only after the flush. */
	expect_frees(part_a);
	assert_int_equal(dom_unmap(part_a, 0x40000000ULL, 0x40201000ULL), 0);
	assert_int_equal(part_a->pt.tables, 1);
	expect_unit_sees(part_a, 0x40000000ULL, 0, 0);
	expect_unit_sees(part_a, 0x80200000ULL, 0, 0);
}

/* Random maps and unmaps against a model, checked through the unit's view. */
static void test_random_against_unit_view(void **state)
{
	enum { PAGES = 4096 }; /* a 16 MiB IOVA window at 0x3fe00000, crossing 1 GiB */
	static paddr_t model[PAGES];
	const u64 base = 0x3fe00000ULL;
	unsigned int seed = 12345, arena_before = iommu_arena_used_pages();

	(void)state;
	memset(model, 0, sizeof(model));
	for (int op = 0; op < 3000; op++) {
		u32 first = rnd(&seed) % PAGES, n = 1 + rnd(&seed) % (rnd(&seed) % 4 ? 16 : 1024);
		bool map = rnd(&seed) % 2;
		int r;

		if (first + n > PAGES)
			n = PAGES - first;
		if (map) {
			paddr_t pa = RAM_A + (((u64)(rnd(&seed) % 8)) << 21) +
				     (rnd(&seed) % 2 ? (first % 512) * 4096ULL : 0);
			bool busy = false;

			for (u32 i = 0; i < n; i++)
				busy |= model[first + i] != 0;
			r = dom_map(part_a, base + first * 4096ULL, pa, n * 4096ULL, IOMMU_RW);
			assert_int_equal(r, busy ? -EEXIST : 0);
			for (u32 i = 0; !busy && i < n; i++)
				model[first + i] = pa + i * 4096ULL;
		} else {
			expect_frees(part_a);
			assert_int_equal(dom_unmap(part_a, base + first * 4096ULL, n * 4096ULL), 0);
			memset(&model[first], 0, n * sizeof(model[0]));
		}
		for (int k = 0; k < 32; k++) {
			u32 p = rnd(&seed) % PAGES;

			expect_unit_sees(part_a, base + p * 4096ULL + 8,
					 model[p] ? model[p] + 8 : 0, model[p] ? PT_R | PT_W : 0);
		}
	}
	for (u32 p = 0; p < PAGES; p++)
		expect_unit_sees(part_a, base + p * 4096ULL, model[p], model[p] ? PT_R | PT_W : 0);
	assert_int_equal(dom_unmap(part_a, base, PAGES * 4096ULL), 0);
	assert_int_equal(part_a->pt.tables, 1);
	assert_int_equal(iommu_arena_used_pages(), arena_before);
}

static void test_domain_ids_and_leaks(void **state)
{
	struct iommu_domain *d[16];
	unsigned int before = iommu_arena_used_pages();
	int n = 0;

	(void)state;
	/* hv, pA, pB use IDs 1-3; max_domains 16 leaves IDs 4..15. */
	while (n < 16 && (d[n] = dom_create(IOMMU_DOM_PARTITION, "x")) != NULL)
		n++;
	assert_int_equal(n, 12);
	for (int i = 0; i < n; i++) {
		assert_true(dom_id(d[i]) >= 1 && dom_id(d[i]) < 16);
		for (int k = 0; k < i; k++)
			assert_int_not_equal(dom_id(d[i]), dom_id(d[k]));
		assert_int_not_equal(dom_id(d[i]), dom_id(part_a));
	}
	assert_true(test_log_has("no domain ID or memory left"));
	assert_int_equal(dom_map(d[0], 0, 0x1000, 4096, IOMMU_RW), -EPERM); /* nothing granted */
	assert_int_equal(dom_grant(d[0], 0x500000000ULL, 0x40000000ULL), 0);
	assert_int_equal(dom_map(d[0], 0x40000000ULL, 0x500000000ULL, 0x40000000ULL, IOMMU_RW), 0);
	assert_int_equal(dom_map(d[0], 0x1000, 0x500001000ULL, 0x3000, IOMMU_RW), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(dom_destroy(d[i]), 0);
	assert_int_equal(iommu_arena_used_pages(), before);
	assert_int_equal(dom_destroy(d[0]), -EINVAL);
}

static void test_attach_and_faults(void **state)
{
	struct msi_msg msg;

	(void)state;
	assert_int_equal(iommu_attach_rid(part_a, 0, 0x0018), 0);
	assert_int_equal(iommu_attach_rid(part_b, 0, 0x0018), -EBUSY);
	assert_int_equal(iommu_attach_rid(part_a, 0, 0x0018), -EBUSY);
	assert_int_equal(iommu_attach_rid(part_a, 0, 0xdead), -ENODEV);
	assert_ptr_equal(iommu_dom_of(0, 0x0018), part_a);
	assert_null(iommu_dom_of(1, 0x0018));
	assert_int_equal(dom_destroy(part_a), -EBUSY);
	iommu_count_fault(0, 0x0018);
	iommu_count_fault(0, 0x0018);
	iommu_count_fault(0, 0x0300); /* a device in no domain */
	assert_int_equal(iommu_fault_count(0, 0x0018), 2);
	assert_int_equal(iommu_fault_count(0, 0x0300), 1);
	assert_int_equal(iommu_fault_count(1, 0x0018), 0);
	assert_int_equal(dom_fault_count(part_a), 2);
	assert_int_equal(dom_fault_count(part_b), 0);
	for (u16 rid = 1; rid < 600; rid++) /* more requesters than slots: none lost, no crash */
		iommu_count_fault(2, rid);
	assert_int_equal(iommu_fault_count(0, 0x0018), 2);
	assert_int_equal(iommu_detach_rid(part_b, 0, 0x0018), -ENOENT);
	assert_int_equal(iommu_detach_rid(part_a, 0, 0x0018), 0);
	assert_null(iommu_dom_of(0, 0x0018));
	/* Interrupt remapping passes through; exception vectors are refused. */
	assert_int_equal(ir_alloc_rid(0, 0x0018, 1, 0x20, &msg) >= 0, 1);
	assert_int_equal(ir_alloc_rid(0, 0x0018, 1, 0x1f, &msg), -EINVAL);
	assert_int_equal(ir_free_rid(0, 0x0018, 0), 0);
	assert_true(iommu_devices_assignable());
}

static void test_reserved_ranges(void **state)
{
	paddr_t pa;
	u32 perms;

	(void)state;
	assert_int_equal(iommu_map_reserved(hv, 0x7b800000, 0x20000), 0);
	assert_int_equal(dom_translate(hv, 0x7b810000, &pa, &perms), 0);
	assert_int_equal(pa, 0x7b810000);
	assert_int_equal(iommu_map_reserved(hv, 0x7b800000, 0x20000), 0); /* a second device */
	assert_int_equal(iommu_map_reserved(hv, (paddr_t)(uintptr_t)__image_start, 4096), -EPERM);
	assert_int_equal(iommu_map_reserved(hv, RAM_B, 4096), -EPERM);
	assert_int_equal(dom_unmap(hv, 0x7b800000, 0x20000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refuses_hypervisor_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_other_partitions_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flushes_and_visibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_unit_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_ids_and_leaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_and_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_ranges, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
