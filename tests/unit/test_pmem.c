// SPDX-License-Identifier: MIT
/* test_pmem.c: the free-range physical allocator, by hand and against a page-bitmap model. */
// sources: kernel/pmem.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/pmem.h"
#include "tests/unit/doubles.h"

#define PG PAGE_SIZE

static struct pmem pm;

static int setup(void **state)
{
	(void)state;
	pmem_init(&pm);
	return 0;
}

/* Sorted, page-aligned, non-empty, never touching; free_bytes is their sum. */
static void check_invariants(const struct pmem *p)
{
	u64 sum = 0;

	assert_true(p->n <= PMEM_MAX_RANGES);
	for (unsigned i = 0; i < p->n; i++) {
		assert_true(IS_ALIGNED(p->r[i].base, PG));
		assert_true(IS_ALIGNED(p->r[i].end, PG));
		assert_true(p->r[i].base < p->r[i].end);
		if (i)
			assert_true(p->r[i - 1].end < p->r[i].base);
		sum += p->r[i].end - p->r[i].base;
	}
	assert_int_equal(sum, p->free_bytes);
}

static bool is_free(const struct pmem *p, paddr_t a)
{
	for (unsigned i = 0; i < p->n; i++)
		if (a >= p->r[i].base && a < p->r[i].end)
			return true;
	return false;
}

static void test_add_alloc_free(void **state)
{
	paddr_t a, b;

	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x100000), 0);
	assert_int_equal(pm.free_bytes, 0x100000);
	a = pmem_alloc(&pm, PG, PG);
	assert_int_equal(a, 0x1ff000); /* top down */
	b = pmem_alloc(&pm, 1, PG);    /* rounded up to a page */
	assert_int_equal(b, 0x1fe000);
	assert_int_equal(pm.free_bytes, 0x100000 - 2 * PG);
	assert_false(is_free(&pm, a));
	assert_int_equal(pmem_free(&pm, a, PG), 0);
	assert_int_equal(pmem_free(&pm, b, 1), 0);
	assert_int_equal(pm.n, 1); /* merged back into one range */
	assert_int_equal(pm.r[0].base, 0x100000);
	assert_int_equal(pm.r[0].end, 0x200000);
	check_invariants(&pm);
}

static void test_alignment(void **state)
{
	paddr_t a;

	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x7f00000), 0); /* 1 MiB .. 128 MiB */
	a = pmem_alloc(&pm, 3 * PG, 2 * MiB);
	assert_true(IS_ALIGNED(a, 2 * MiB));
	assert_int_equal(a, 126 * MiB);
	a = pmem_alloc(&pm, 2 * MiB, 1 * GiB); /* nothing 1 GiB-aligned except 0, never returned */
	assert_int_equal(a, 0);
	a = pmem_alloc(&pm, PG, 64 * KiB);
	assert_true(IS_ALIGNED(a, 64 * KiB));
	/* Bad alignments. */
	assert_int_equal(pmem_alloc(&pm, PG, 0), 0);
	assert_int_equal(pmem_alloc(&pm, PG, 512), 0);
	assert_int_equal(pmem_alloc(&pm, PG, 3 * PG), 0);
	assert_int_equal(pmem_alloc(&pm, 0, PG), 0);
	assert_int_equal(pmem_alloc(&pm, ~0ULL, PG), 0);
	check_invariants(&pm);
}

static void test_top_down_order(void **state)
{
	paddr_t prev = ~0ULL;

	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 4 * PG), 0);
	assert_int_equal(pmem_add(&pm, 0x40000000, 4 * PG), 0);
	assert_int_equal(pmem_add(&pm, 0x10000000, 4 * PG), 0);
	for (int i = 0; i < 12; i++) {
		paddr_t a = pmem_alloc(&pm, PG, PG);

		assert_true(a != 0 && a < prev);
		prev = a;
	}
	assert_int_equal(prev, 0x100000);
	assert_int_equal(pmem_alloc(&pm, PG, PG), 0); /* exhausted */
	assert_int_equal(pm.n, 0);
	assert_int_equal(pm.free_bytes, 0);
	/* A larger request skips ranges that are too small. */
	assert_int_equal(pmem_add(&pm, 0x100000, 8 * PG), 0);
	assert_int_equal(pmem_add(&pm, 0x900000, 2 * PG), 0);
	assert_int_equal(pmem_alloc(&pm, 4 * PG, PG), 0x104000);
	check_invariants(&pm);
}

static void test_alloc_below(void **state)
{
	paddr_t a;

	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x100000000ULL), 0); /* 1 MiB .. 4 GiB + 1 MiB */
	a = pmem_alloc_below(&pm, PG, PG, 4 * GiB);
	assert_int_equal(a, 4 * GiB - PG);
	a = pmem_alloc_below(&pm, 2 * MiB, 2 * MiB, 0x345000); /* 2-4 MiB does not end below */
	assert_int_equal(a, 0);
	a = pmem_alloc_below(&pm, 2 * MiB, 2 * MiB, 0x445000);
	assert_int_equal(a, 0x200000);
	a = pmem_alloc_below(&pm, PG, PG, 0x100000); /* nothing below 1 MiB */
	assert_int_equal(a, 0);
	a = pmem_alloc(&pm, PG, PG);
	assert_int_equal(a, 0x100100000ULL - PG);
	assert_int_equal(pm.n, 3);
	check_invariants(&pm);
}

static void test_repeated_and_overlapping_map(void **state)
{
	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x100000), 0);
	assert_int_equal(pmem_add(&pm, 0x100000, 0x100000), 0); /* the same entry twice */
	assert_int_equal(pm.free_bytes, 0x100000);
	assert_int_equal(pmem_add(&pm, 0x180000, 0x100000), 0); /* overlaps the tail */
	assert_int_equal(pmem_add(&pm, 0x80000, 0x100000), 0);  /* overlaps the head */
	assert_int_equal(pm.n, 1);
	assert_int_equal(pm.r[0].base, 0x80000);
	assert_int_equal(pm.r[0].end, 0x280000);
	/* One entry covering two separate ranges and the gap between them. */
	assert_int_equal(pmem_add(&pm, 0x400000, 0x10000), 0);
	assert_int_equal(pmem_add(&pm, 0x600000, 0x10000), 0);
	assert_int_equal(pmem_add(&pm, 0x300000, 0x400000), 0);
	assert_int_equal(pm.n, 2);
	assert_int_equal(pm.r[1].base, 0x300000);
	assert_int_equal(pm.r[1].end, 0x700000);
	assert_int_equal(pm.free_bytes, 0x200000 + 0x400000);
	/* Touching entries merge. */
	assert_int_equal(pmem_add(&pm, 0x280000, 0x80000), 0);
	assert_int_equal(pm.n, 1);
	check_invariants(&pm);
}

static void test_add_trims_and_rejects(void **state)
{
	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100001, 0x3000), 0); /* trimmed inward: two pages left */
	assert_int_equal(pm.free_bytes, 2 * PG);
	assert_int_equal(pm.r[0].base, 0x101000);
	assert_int_equal(pmem_add(&pm, 0x200800, 0x1000), 0); /* less than a whole page: nothing */
	assert_int_equal(pmem_add(&pm, 0x300000, 0), 0);
	assert_int_equal(pm.n, 1);
	/* A length running past the top of the address space is clipped, not wrapped. */
	assert_int_equal(pmem_add(&pm, 0xffffffffffff0000ULL, 0x20000), 0);
	assert_int_equal(pm.n, 2);
	assert_int_equal(pm.r[1].end, 0xfffffffffffff000ULL);
	assert_int_equal(pmem_add(&pm, 0xfffffffffffff800ULL, 0x10), 0);
	check_invariants(&pm);
}

static void test_reserve(void **state)
{
	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x100000), 0);
	assert_int_equal(pmem_reserve(&pm, 0x150010, 0x10), 0); /* rounded outward: one page */
	assert_int_equal(pm.n, 2);
	assert_int_equal(pm.r[0].end, 0x150000);
	assert_int_equal(pm.r[1].base, 0x151000);
	assert_int_equal(pmem_reserve(&pm, 0x100000, PG), 0);     /* head */
	assert_int_equal(pmem_reserve(&pm, 0x1ff000, 0x1000), 0); /* tail */
	assert_int_equal(pm.free_bytes, 0x100000 - 3 * PG);
	assert_int_equal(pmem_reserve(&pm, 0x14f000, 0x3000), 0); /* spans two ranges */
	assert_int_equal(pm.r[0].end, 0x14f000);
	assert_int_equal(pm.r[1].base, 0x152000);
	assert_int_equal(pmem_reserve(&pm, 0x500000, PG), 0); /* not free: nothing happens */
	assert_int_equal(pmem_reserve(&pm, 0x120000, 0), 0);
	assert_true(is_free(&pm, 0x120000));
	assert_int_equal(pmem_reserve(&pm, 0x180000, ~0ULL), 0); /* runs off the top */
	assert_int_equal(pm.r[pm.n - 1].end, 0x180000);
	assert_int_equal(pmem_reserve(&pm, 0, ~0ULL), 0);
	assert_int_equal(pm.n, 0);
	assert_int_equal(pm.free_bytes, 0);
	check_invariants(&pm);
}

static void test_exhaustion(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(pmem_alloc(&pm, PG, PG), 0); /* empty pool */
	assert_int_equal(pmem_add(&pm, 0x100000, 16 * PG), 0);
	assert_int_equal(pmem_alloc(&pm, 17 * PG, PG), 0);
	while (pmem_alloc(&pm, PG, PG))
		n++;
	assert_int_equal(n, 16);
	assert_int_equal(pm.free_bytes, 0);
	assert_int_equal(pmem_alloc_below(&pm, PG, PG, 4 * GiB), 0);
	/* Page 0 is free memory but never handed out: 0 means failure. */
	assert_int_equal(pmem_free(&pm, 0, PG), 0);
	assert_int_equal(pmem_alloc(&pm, PG, PG), 0);
	check_invariants(&pm);
}

static void test_double_free(void **state)
{
	struct pmem before;

	(void)state;
	assert_int_equal(pmem_add(&pm, 0x100000, 0x10000), 0);
	assert_int_equal(pmem_alloc(&pm, 4 * PG, PG), 0x10c000);
	before = pm;
	assert_int_equal(pmem_free(&pm, 0x100000, PG), -EINVAL);     /* still free */
	assert_int_equal(pmem_free(&pm, 0x10b000, 2 * PG), -EINVAL); /* half of it free */
	assert_memory_equal(&before, &pm, sizeof(pm));               /* nothing changed */
	assert_int_equal(pmem_free(&pm, 0x10c000, 4 * PG), 0);
	assert_int_equal(pmem_free(&pm, 0x10c000, 4 * PG), -EINVAL);
	assert_int_equal(pmem_free(&pm, 0x10c000, PG), -EINVAL);
	/* Bad arguments. */
	assert_int_equal(pmem_free(&pm, 0x200800, PG), -EINVAL);
	assert_int_equal(pmem_free(&pm, 0x200000, 0), -EINVAL);
	assert_int_equal(pmem_free(&pm, 0xfffffffffffff000ULL, PG), -EINVAL);
	assert_int_equal(pmem_free(&pm, 0x200000, ~0ULL), -EINVAL);
	check_invariants(&pm);
}

/* Free every other page from base so that each page is a range of its own. */
static void fill_table(paddr_t base)
{
	for (unsigned i = 0; i < PMEM_MAX_RANGES; i++)
		assert_int_equal(pmem_add(&pm, base + 2 * i * PG, PG), 0);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
}

static void test_table_full(void **state)
{
	(void)state;
	fill_table(0x1000000);
	assert_int_equal(pmem_add(&pm, 0x100000000ULL, PG), -ENOSPC);
	assert_int_equal(pmem_free(&pm, 0x100000000ULL, PG), -ENOSPC);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	/* Filling a hole merges three ranges into one: no new slot needed. */
	assert_int_equal(pmem_add(&pm, 0x1001000, PG), 0);
	assert_int_equal(pm.n, PMEM_MAX_RANGES - 1);
	assert_int_equal(pmem_add(&pm, 0x200000000ULL, 4 * PG), 0);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	/* Reserving from the middle cannot split: the tail goes too, nothing reserved stays free. */
	assert_int_equal(pmem_reserve(&pm, 0x200001000ULL, PG), -ENOSPC);
	assert_false(is_free(&pm, 0x200001000ULL));
	assert_false(is_free(&pm, 0x200002000ULL));
	assert_true(is_free(&pm, 0x200000000ULL));
	check_invariants(&pm);
}

static void test_table_full_alloc(void **state)
{
	paddr_t top_small = 0x1000000 + 2 * (PMEM_MAX_RANGES - 2) * PG;

	(void)state;
	for (unsigned i = 0; i < PMEM_MAX_RANGES - 1; i++)
		assert_int_equal(pmem_add(&pm, 0x1000000 + 2 * i * PG, PG), 0);
	assert_int_equal(pmem_add(&pm, 0x300000000ULL, 4 * MiB), 0);
	assert_int_equal(pm.n, PMEM_MAX_RANGES);
	/* Carving from the middle of the big range needs a slot: a lower range serves instead. */
	assert_int_equal(pmem_alloc_below(&pm, PG, PG, 0x300100000ULL), top_small);
	assert_int_equal(pm.n, PMEM_MAX_RANGES - 1);
	assert_int_equal(pmem_add(&pm, 0x100001000ULL, PG), 0); /* the freed slot, used again */
	assert_int_equal(pmem_alloc(&pm, PG, 2 * MiB), 0x1000000);
	assert_int_equal(pmem_alloc(&pm, PG, PG), 0x3003ff000ULL); /* the tail: no split */
	check_invariants(&pm);
}

/* Random operations against a bitmap of pages (the reference model). */
#define MODEL_PAGES 400         /* at most 200 ranges: the table never fills */
static bool model[MODEL_PAGES]; /* true = free */

static void model_check(void)
{
	u64 sum = 0;

	for (unsigned p = 0; p < MODEL_PAGES; p++) {
		assert_int_equal(is_free(&pm, (paddr_t)p * PG), model[p]);
		sum += model[p] ? PG : 0;
	}
	assert_int_equal(pm.free_bytes, sum);
	check_invariants(&pm);
}

static void test_random_against_model(void **state)
{
	(void)state;
	srand(1234);
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		unsigned p = rand() % MODEL_PAGES, n = 1 + rand() % 8;
		int op = rand() % 4;

		n = MIN(n, MODEL_PAGES - p);
		if (op == 0) {
			assert_int_equal(pmem_add(&pm, (paddr_t)p * PG, n * PG), 0);
			for (unsigned i = p; i < p + n; i++)
				model[i] = true;
		} else if (op == 1) {
			assert_int_equal(pmem_reserve(&pm, (paddr_t)p * PG + 1, n * PG - 2), 0);
			for (unsigned i = p; i < p + n; i++)
				model[i] = false;
		} else if (op == 2) {
			bool all_used = true;
			int r;

			for (unsigned i = p; i < p + n; i++)
				all_used &= !model[i];
			r = pmem_free(&pm, (paddr_t)p * PG, n * PG);
			assert_int_equal(r, all_used ? 0 : -EINVAL);
			for (unsigned i = p; all_used && i < p + n; i++)
				model[i] = true;
		} else {
			u64 align = PG << (rand() % 4);
			paddr_t a = pmem_alloc(&pm, n * PG, align);
			unsigned want = 0; /* the highest aligned fit, page 0 excluded */

			for (unsigned s = MODEL_PAGES - n + 1; s-- > 1 && !want;) {
				bool fits = IS_ALIGNED((u64)s * PG, align);

				for (unsigned i = s; fits && i < s + n; i++)
					fits = model[i];
				want = fits ? s : 0;
			}
			assert_int_equal(a, (paddr_t)want * PG); /* the highest aligned fit */
			if (a) {
				for (unsigned i = want; i < want + n; i++)
					model[i] = false;
			}
		}
		if (step % 50 == 0)
			model_check();
	}
	model_check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_alloc_free, setup),
		cmocka_unit_test_setup(test_alignment, setup),
		cmocka_unit_test_setup(test_top_down_order, setup),
		cmocka_unit_test_setup(test_alloc_below, setup),
		cmocka_unit_test_setup(test_repeated_and_overlapping_map, setup),
		cmocka_unit_test_setup(test_add_trims_and_rejects, setup),
		cmocka_unit_test_setup(test_reserve, setup),
		cmocka_unit_test_setup(test_exhaustion, setup),
		cmocka_unit_test_setup(test_double_free, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_table_full_alloc, setup),
		cmocka_unit_test_setup(test_random_against_model, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
