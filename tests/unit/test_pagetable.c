// SPDX-License-Identifier: MIT
/* test_pagetable.c: the radix page-table builder in its three formats, against a reference model. */
// sources: kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/pagetable.h"
#include "tests/unit/doubles.h"

#define PG        PAGE_SIZE
#define SZ_2M     (2 * MiB)
#define SZ_1G     GiB
#define VA_SPACE  (4 * GiB) /* the model covers [0, 4 GiB): four 1 GiB entries */
#define VA_PAGES  (VA_SPACE / PG)
#define ADDR_MASK GENMASK(51, 12)

static const struct pt_fmt *const formats[] = { &pt_fmt_x86, &pt_fmt_x86_host, &pt_fmt_ept,
						&pt_fmt_vtd };

/* What a walk returns for a mapping made with `perms` in format f. */
static u32 perms_seen(const struct pt_fmt *f, u32 perms)
{
	if (f == &pt_fmt_x86 || f == &pt_fmt_x86_host)
		return perms | PT_R; /* x86 pages are always readable */
	if (f == &pt_fmt_vtd)
		return perms & PT_RW; /* no execute or memory type in second-level entries */
	return perms;
}

/* The reference model: per page, pa | perms (perms in the low bits), 0 when unmapped. */
static u64 *model;

static void model_set(u64 va, u64 pa, u64 size, u32 perms)
{
	for (u64 off = 0; off < size; off += PG)
		model[(va + off) / PG] = perms ? (pa + off) | perms : 0;
}

static void check_page(const struct pagetable *pt, u64 va)
{
	u64 want = model[va / PG], pa = 0;
	u32 perms = 0;
	int level = 0, r = pt_walk(pt, va + 0x123, &pa, &perms, &level);

	if (!want) {
		if (r != -ENOENT)
			fail_msg("%s: va 0x%llx should be unmapped, walks to 0x%llx", pt->fmt->name,
				 va, pa);
		return;
	}
	if (r != 0)
		fail_msg("%s: va 0x%llx should map 0x%llx, walk says %d", pt->fmt->name, va,
			 want & ~(PG - 1), r);
	assert_int_equal(pa, (want & ~(PG - 1)) + 0x123);
	assert_int_equal(perms, perms_seen(pt->fmt, want & (PG - 1)));
	assert_true(level >= 1 && level <= pt->max_leaf_level);
}

static void check_all(const struct pagetable *pt)
{
	for (u64 va = 0; va < VA_SPACE; va += PG)
		check_page(pt, va);
}

/* Count table pages reachable from the root; fails on an empty table below the root. */
static u64 count_tables(const struct pagetable *pt, paddr_t table, int level)
{
	const u64 *t = (const u64 *)(uintptr_t)table;
	u64 n = 1, present = 0;

	for (int i = 0; i < PT_ENTRIES; i++) {
		if (!pt->fmt->present(t[i]))
			continue;
		present++;
		if (level > 1 && !pt->fmt->is_leaf(t[i], level))
			n += count_tables(pt, t[i] & ADDR_MASK, level - 1);
	}
	if (table != pt->root && present == 0)
		fail_msg("%s: empty table at level %d left behind", pt->fmt->name, level);
	return n;
}

static void check_tables(const struct pagetable *pt)
{
	u64 n = count_tables(pt, pt->root, PT_LEVELS);

	assert_int_equal(n, pt->tables);
	assert_int_equal(n, host_pages_live());
}

/* The level the builder must choose for the page at `a` of a fresh map(va, pa, size). */
static int expected_level(const struct pagetable *pt, u64 va, u64 pa, u64 size, u64 a)
{
	for (int level = pt->max_leaf_level; level > 1; level--) {
		u64 sz = pt_level_size(level), block = ALIGN_DOWN(a, sz);

		if (IS_ALIGNED(pa - va, sz) && block >= va && block + sz <= va + size)
			return level;
	}
	return 1;
}

static u64 rnd(u64 n)
{
	return ((u64)rand() << 31 ^ (u64)rand()) % n;
}

/* A random range inside the model's space, biased toward large-page edges. */
static void random_range(u64 *va, u64 *size)
{
	switch (rand() % 6) {
	case 0:
		*va = rnd(VA_PAGES) * PG;
		*size = (1 + rnd(16)) * PG;
		break;
	case 1:
		*va = rnd(VA_SPACE / SZ_2M) * SZ_2M;
		*size = (1 + rnd(4)) * SZ_2M;
		break;
	case 2:
		*va = rnd(VA_SPACE / SZ_2M) * SZ_2M + rnd(512) * PG;
		*size = rnd(3) * SZ_2M + (1 + rnd(512)) * PG;
		break;
	case 3:
		*va = rnd(4) * SZ_1G;
		*size = SZ_1G;
		break;
	case 4:
		*va = (1 + rnd(3)) * SZ_1G - (1 + rnd(3)) * SZ_2M - rnd(2) * PG;
		*size = (1 + rnd(8)) * SZ_2M + rnd(2) * 5 * PG;
		break;
	default:
		*va = rnd(VA_PAGES) * PG;
		*size = PG;
		break;
	}
	if (*va + *size > VA_SPACE)
		*size = VA_SPACE - *va;
}

static u32 random_perms(void)
{
	static const u32 choice[] = {
		PT_R, PT_RW, PT_R | PT_X, PT_RWX, PT_R | PT_UC, PT_RW | PT_UC
	};

	return choice[rand() % ARRAY_SIZE(choice)];
}

static void do_map(struct pagetable *pt, u64 va, u64 size)
{
	/* Mostly keep pa - va large-page aligned so that large pages are possible. */
	static const u64 deltas[] = { SZ_1G, SZ_2M, PG };
	u64 unit = deltas[rand() % 3];
	u64 pa = ALIGN_DOWN(va, unit) + rnd(64) * unit + 8 * SZ_1G + (va & (unit - 1));
	u32 perms = random_perms();

	assert_int_equal(pt_map(pt, va, pa, size, perms), 0);
	model_set(va, pa, size, perms);
	for (int i = 0; i < 16; i++) {
		u64 a = va + rnd(size / PG) * PG, p;
		u32 got;
		int level;

		assert_int_equal(pt_walk(pt, a, &p, &got, &level), 0);
		assert_int_equal(level, expected_level(pt, va, pa, size, a));
	}
}

static void check_near(const struct pagetable *pt, u64 va, u64 size)
{
	const u64 edges[] = { va, va + size - PG, va + size };

	for (size_t i = 0; i < ARRAY_SIZE(edges); i++) {
		for (int d = -1; d <= 1; d++) {
			u64 a = edges[i] + d * (s64)PG;

			if (a < VA_SPACE)
				check_page(pt, a);
		}
	}
	for (int i = 0; i < 64; i++)
		check_page(pt, rnd(VA_PAGES) * PG);
}

static void random_run(const struct pt_fmt *fmt, int max_level, unsigned seed)
{
	struct pagetable pt;

	srand(seed);
	memset(model, 0, VA_PAGES * sizeof(*model));
	assert_int_equal(pt_init(&pt, fmt, &host_pt_mem, max_level), 0);
	for (int step = 0; step < 400; step++) {
		u64 va, size;

		random_range(&va, &size);
		if (rand() % 3) {
			do_map(&pt, va, size);
		} else {
			assert_int_equal(pt_unmap(&pt, va, size), 0);
			model_set(va, 0, size, 0);
		}
		check_near(&pt, va, size);
		if (step % 20 == 0)
			check_tables(&pt);
		if (step % 100 == 99)
			check_all(&pt);
	}
	check_all(&pt);
	check_tables(&pt);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), 0);
	assert_int_equal(pt.tables, 0);
}

static void test_random_x86(void **state)
{
	(void)state;
	random_run(&pt_fmt_x86, 3, 1);
	random_run(&pt_fmt_x86, 2, 2);
	random_run(&pt_fmt_x86, 1, 3);
}

static void test_random_x86_host(void **state)
{
	(void)state;
	random_run(&pt_fmt_x86_host, 2, 8);
}

static void test_random_ept(void **state)
{
	(void)state;
	random_run(&pt_fmt_ept, 3, 4);
	random_run(&pt_fmt_ept, 2, 5);
}

static void test_random_vtd(void **state)
{
	(void)state;
	random_run(&pt_fmt_vtd, 3, 6);
	random_run(&pt_fmt_vtd, 2, 7);
}

/* Map, partially unmap and remap inside large pages; then let a large map swallow the subtree. */
static void split_and_merge(const struct pt_fmt *fmt)
{
	struct pagetable pt;
	u64 pa;
	u32 perms;
	int level;

	memset(model, 0, VA_PAGES * sizeof(*model));
	assert_int_equal(pt_init(&pt, fmt, &host_pt_mem, 3), 0);
	assert_int_equal(pt_map(&pt, SZ_1G, 5 * SZ_1G, SZ_1G, PT_RW), 0);
	model_set(SZ_1G, 5 * SZ_1G, SZ_1G, PT_RW);
	assert_int_equal(pt.tables, 2); /* root and one PDPT: a single 1 GiB leaf */
	assert_int_equal(pt_walk(&pt, SZ_1G + 0x12345678, &pa, &perms, &level), 0);
	assert_int_equal(level, 3);
	assert_int_equal(pa, 5 * SZ_1G + 0x12345678);

	/* Unmap one 4 KiB page in the middle: 1 GiB -> 512 x 2 MiB -> 512 x 4 KiB. */
	assert_int_equal(pt_unmap(&pt, SZ_1G + 0x20003000, PG), 0);
	model_set(SZ_1G + 0x20003000, 0, PG, 0);
	assert_int_equal(pt.tables, 4);
	assert_int_equal(pt_walk(&pt, SZ_1G + 0x20004000, &pa, &perms, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(pt_walk(&pt, SZ_1G + 0x20200000, &pa, &perms, &level), 0);
	assert_int_equal(level, 2);

	/* Remap a page inside the split 2 MiB with other rights. */
	assert_int_equal(pt_map(&pt, SZ_1G + 0x20005000, 0x7000, PG, PT_R), 0);
	model_set(SZ_1G + 0x20005000, 0x7000, PG, PT_R);
	check_all(&pt);
	check_tables(&pt);

	/* A 1 GiB map over it all frees the two lower tables it replaces. */
	assert_int_equal(pt_map(&pt, SZ_1G, 9 * SZ_1G, SZ_1G, PT_R | PT_X), 0);
	model_set(SZ_1G, 9 * SZ_1G, SZ_1G, PT_R | PT_X);
	assert_int_equal(pt.tables, 2);
	check_tables(&pt);
	check_all(&pt);

	/* Unmapping everything leaves only the root. */
	assert_int_equal(pt_unmap(&pt, 0, VA_SPACE), 0);
	assert_int_equal(pt.tables, 1);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), 0);
}

static void test_split_and_merge(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		split_and_merge(formats[i]);
}

static void test_2m_merge_and_split(void **state)
{
	struct pagetable pt;
	u64 pa;
	u32 perms;
	int level;

	(void)state;
	assert_int_equal(pt_init(&pt, &pt_fmt_x86, &host_pt_mem, 2), 0);
	/* 4 KiB pages around a 2 MiB boundary, then a 2 MiB map over them. */
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, 16 * PG, PT_RW), 0);
	assert_int_equal(pt.tables, 4);
	assert_int_equal(pt_map(&pt, 0x200000, 0x40000000, SZ_2M, PT_R), 0);
	assert_int_equal(pt.tables, 3); /* the page table went */
	assert_int_equal(pt_walk(&pt, 0x3fffff, &pa, &perms, &level), 0);
	assert_int_equal(pa, 0x401fffff);
	assert_int_equal(level, 2);
	/* 1 GiB is not allowed: a 1 GiB-aligned map uses 512 x 2 MiB. */
	assert_int_equal(pt_map(&pt, SZ_1G, SZ_1G, SZ_1G, PT_R), 0);
	assert_int_equal(pt_walk(&pt, SZ_1G, &pa, &perms, &level), 0);
	assert_int_equal(level, 2);
	/* pa not 2 MiB-aligned relative to va: 4 KiB pages only. */
	assert_int_equal(pt_map(&pt, 0x600000, 0x601000, SZ_2M, PT_R), 0);
	assert_int_equal(pt_walk(&pt, 0x700000, &pa, &perms, &level), 0);
	assert_int_equal(level, 1);
	assert_int_equal(pa, 0x701000);
	/* Unmap the head of a 2 MiB page: the rest keeps its frames and rights. */
	assert_int_equal(pt_unmap(&pt, 0x200000, 3 * PG), 0);
	assert_int_equal(pt_walk(&pt, 0x202000, &pa, &perms, &level), -ENOENT);
	assert_int_equal(pt_walk(&pt, 0x203000, &pa, &perms, &level), 0);
	assert_int_equal(pa, 0x40003000);
	assert_int_equal(perms, PT_R);
	assert_int_equal(level, 1);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), 0);
}

/* The raw entries, as the hardware reads them. */
static u64 leaf_entry(const struct pagetable *pt, u64 va, int level)
{
	const u64 *t = (const u64 *)(uintptr_t)pt->root;

	for (int l = PT_LEVELS; l > level; l--) {
		u64 e = t[(va >> (PAGE_SHIFT + 9 * (l - 1))) & 511];

		t = (const u64 *)(uintptr_t)(e & ADDR_MASK);
	}
	return t[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
}

static void test_entry_encoding(void **state)
{
	struct pagetable pt;
	const u64 *root;

	(void)state;
	assert_int_equal(pt_init(&pt, &pt_fmt_x86, &host_pt_mem, 2), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, SZ_2M, PT_R | PT_X), 0);
	assert_int_equal(pt_map(&pt, 0x400000, 0x400000, PG, PT_RW), 0);
	assert_int_equal(pt_map(&pt, 0x401000, 0xfee00000, PG, PT_RW | PT_UC), 0);
	root = (const u64 *)(uintptr_t)pt.root;
	assert_int_equal(root[0] & 0x7, 0x7); /* tables: P, RW, US (NPT needs US everywhere) */
	assert_false(root[0] & BIT(63));
	assert_int_equal(leaf_entry(&pt, 0x200000, 2), 0x200000 | 0x85); /* P US PS, RO, X */
	assert_int_equal(leaf_entry(&pt, 0x400000, 1), 0x400000 | BIT(63) | 0x7);
	assert_int_equal(leaf_entry(&pt, 0x401000, 1), 0xfee00000 | BIT(63) | 0x1f); /* PCD PWT */
	pt_destroy(&pt);

	assert_int_equal(pt_init(&pt, &pt_fmt_x86_host, &host_pt_mem, 2), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, SZ_2M, PT_R | PT_X), 0);
	assert_int_equal(pt_map(&pt, 0x400000, 0x400000, PG, PT_RW), 0);
	root = (const u64 *)(uintptr_t)pt.root;
	assert_int_equal(root[0] & 0x7, 0x3); /* P, RW, supervisor-only */
	assert_int_equal(leaf_entry(&pt, 0x200000, 2), 0x200000 | 0x81);
	assert_int_equal(leaf_entry(&pt, 0x400000, 1), 0x400000 | BIT(63) | 0x3);
	pt_destroy(&pt);

	assert_int_equal(pt_init(&pt, &pt_fmt_ept, &host_pt_mem, 2), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x800000, SZ_2M, PT_RWX), 0);
	assert_int_equal(pt_map(&pt, 0x400000, 0xfee00000, PG, PT_RW | PT_UC), 0);
	root = (const u64 *)(uintptr_t)pt.root;
	assert_int_equal(root[0] & 0xff, 0x7); /* tables: RWX, no memory type */
	assert_int_equal(leaf_entry(&pt, 0x200000, 2), 0x800000 | BIT(7) | (6 << 3) | 7);
	assert_int_equal(leaf_entry(&pt, 0x400000, 1), 0xfee00000 | 3); /* UC: type 0 */
	pt_destroy(&pt);

	assert_int_equal(pt_init(&pt, &pt_fmt_vtd, &host_pt_mem, 2), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x800000, SZ_2M, PT_RW), 0);
	assert_int_equal(pt_map(&pt, 0x400000, 0x900000, PG, PT_R), 0);
	assert_int_equal(leaf_entry(&pt, 0x200000, 2), 0x800000 | BIT(7) | 3);
	assert_int_equal(leaf_entry(&pt, 0x400000, 1), 0x900000 | 1);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), 0);
}

static void test_bad_arguments(void **state)
{
	struct pagetable pt;
	u64 pa;
	u32 perms;
	int level;

	(void)state;
	assert_int_equal(pt_init(&pt, &pt_fmt_x86, &host_pt_mem, 3), 0);
	assert_int_equal(pt_map(&pt, 0x1001, 0x1000, PG, PT_R), -EINVAL);    /* va unaligned */
	assert_int_equal(pt_map(&pt, 0x1000, 0x1800, PG, PT_R), -EINVAL);    /* pa unaligned */
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, 0x800, PT_R), -EINVAL); /* size */
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, 0, PT_R), -EINVAL);
	assert_int_equal(pt_map(&pt, BIT(48) - PG, 0, 2 * PG, PT_R), -EINVAL); /* past 48 bits */
	assert_int_equal(pt_map(&pt, BIT(48), 0, PG, PT_R), -EINVAL);
	assert_int_equal(pt_map(&pt, ~0ULL & ~(PG - 1), 0, 2 * PG, PT_R), -EINVAL); /* wraps */
	assert_int_equal(pt_map(&pt, 0, BIT(52), PG, PT_R), -EINVAL); /* pa past 52 bits */
	assert_int_equal(pt_map(&pt, 0, BIT(52) - PG, 2 * PG, PT_R), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, ~0ULL & ~(PG - 1), 2 * PG, PT_R), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, 0x1000, PG, 0), -EINVAL);             /* no access */
	assert_int_equal(pt_map(&pt, 0, 0x1000, PG, PT_W), -EINVAL);          /* W without R */
	assert_int_equal(pt_map(&pt, 0, 0x1000, PG, PT_R | BIT(9)), -EINVAL); /* unknown bit */
	assert_int_equal(pt_unmap(&pt, 0x1800, PG), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1000, 0), -EINVAL);
	assert_int_equal(pt_unmap(&pt, BIT(48) - PG, 2 * PG), -EINVAL);
	assert_int_equal(pt.tables, 1); /* nothing was built */
	/* The last page of both spaces is fine. */
	assert_int_equal(pt_map(&pt, BIT(48) - PG, BIT(52) - PG, PG, PT_R), 0);
	assert_int_equal(pt_walk(&pt, BIT(48) - 1, &pa, &perms, &level), 0);
	assert_int_equal(pa, BIT(52) - 1);
	assert_int_equal(pt_walk(&pt, BIT(48), &pa, &perms, &level), -ENOENT);
	assert_int_equal(pt_walk(&pt, ~0ULL, &pa, &perms, &level), -ENOENT);
	assert_int_equal(pt_unmap(&pt, 0, PG), 0); /* unmapping nothing is fine */
	pt_destroy(&pt);
	pt_destroy(&pt); /* twice is harmless, and a destroyed table refuses work */
	assert_int_equal(pt_walk(&pt, 0, &pa, &perms, &level), -ENOENT);
	assert_int_equal(pt_map(&pt, 0, 0, PG, PT_R), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0, PG), -EINVAL);
	assert_int_equal(host_pages_live(), 0);
}

/* A page source that runs dry after `budget` pages. */
static int budget;

static paddr_t limited_alloc(void *ctx)
{
	if (budget <= 0)
		return 0;
	budget--;
	return host_pt_mem.alloc(ctx);
}

static void limited_free(void *ctx, paddr_t pa)
{
	host_pt_mem.free(ctx, pa);
}

static void *limited_virt(void *ctx, paddr_t pa)
{
	return host_pt_mem.virt(ctx, pa);
}

static const struct pt_mem limited_mem = {
	.alloc = limited_alloc,
	.free = limited_free,
	.virt = limited_virt,
};

static void test_out_of_memory(void **state)
{
	const struct pt_mem *mem = &limited_mem;
	struct pagetable pt;
	int r;

	(void)state;
	budget = 0;
	assert_int_equal(pt_init(&pt, &pt_fmt_x86, mem, 2), -ENOMEM);
	budget = 3;
	assert_int_equal(pt_init(&pt, &pt_fmt_x86, mem, 2), 0);
	r = pt_map(&pt, 0, 0, 2 * SZ_1G, PT_RW); /* needs a second page directory */
	assert_int_equal(r, -ENOMEM);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, SZ_2M, PT_RW), 0); /* still usable */
	budget = 0;
	assert_int_equal(pt_unmap(&pt, 0x201000, PG), -ENOMEM); /* a split needs a page */
	check_tables(&pt);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), 0);
}

static int setup_model(void **state)
{
	(void)state;
	model = calloc(VA_PAGES, sizeof(*model));
	return model ? 0 : -1;
}

static int teardown_model(void **state)
{
	(void)state;
	free(model);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_x86),      cmocka_unit_test(test_random_x86_host),
		cmocka_unit_test(test_random_ept),      cmocka_unit_test(test_random_vtd),
		cmocka_unit_test(test_split_and_merge), cmocka_unit_test(test_2m_merge_and_split),
		cmocka_unit_test(test_entry_encoding),  cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, setup_model, teardown_model);
}
