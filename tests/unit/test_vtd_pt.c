// SPDX-License-Identifier: MIT
/*
 * test_vtd_pt.c: the shared page-table builder in the VT-d second-level
 * format, checked by a walker that decodes entries the way the remapping
 * hardware does (VT-d spec 9.8: R/W stacked over all levels, PS at levels
 * 2-3 only, reserved address bits in large pages) after random map and
 * unmap sequences that overlap, so large pages are split and merged.
 */
// sources: kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/pagetable.h"
#include "tests/unit/doubles.h"

#define ADDR GENMASK(51, 12)

struct hw_result {
	bool ok;
	paddr_t pa;
	u32 perms;
	int level;
};

static struct hw_result hw_walk(const struct pagetable *pt, u64 iova)
{
	struct hw_result r = { .perms = PT_R | PT_W };
	const u64 *t = (const u64 *)(uintptr_t)pt->root;

	for (int level = 4; level >= 1; level--) {
		u64 e = t[(iova >> (12 + 9 * (level - 1))) & 511];

		assert_int_equal(e & 0x3c, 0);    /* no X, EMT, IPAT in legacy second level */
		assert_int_equal(e & BIT(11), 0); /* SNP is reserved without ECAP.SC */
		r.perms &= ((e & 1) ? PT_R : 0) | ((e & 2) ? PT_W : 0);
		if (!(e & 3))
			return r;
		if (level == 1 || (e & BIT(7))) {
			u64 mask = (1ULL << (12 + 9 * (level - 1))) - 1;

			assert_true(level < 4);
			assert_int_equal(e & ADDR & mask, 0);
			r.ok = true;
			r.pa = (e & ADDR) | (iova & mask);
			r.level = level;
			return r;
		}
		assert_int_equal(e & 3, 3); /* tables never narrow permissions */
		t = (const u64 *)(uintptr_t)(e & ADDR);
	}
	return r;
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* The window: 8 GiB of IOVA at 2^40, in 2 MiB blocks of a model. */
#define BLOCKS 4096
struct model {
	paddr_t pa[BLOCKS * 512]; /* 0: unmapped, else pa | perms in the low bits */
};

static void check_page(const struct pagetable *pt, const struct model *m, u64 base, u64 page)
{
	struct hw_result r = hw_walk(pt, base + page * 4096 + 0x123);
	paddr_t want = m->pa[page];

	if (!want) {
		assert_false(r.ok);
		return;
	}
	assert_true(r.ok);
	assert_int_equal(r.pa, (want & ~0xfffULL) + 0x123);
	assert_int_equal(r.perms, want & 0xfff);
}

static void test_random_overlapping(void **state)
{
	static struct model m;
	const u64 base = 1ULL << 40;
	struct pagetable pt;
	unsigned int seed = 99;
	long live = host_pages_live();
	int levels[4] = { 0 };

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(pt_init(&pt, &pt_fmt_vtd, &host_pt_mem, 3), 0);
	for (int op = 0; op < 4000; op++) {
		unsigned int kind = rnd(&seed) % 10;
		u64 first, n;

		if (kind < 2) { /* a 1 GiB-aligned gigabyte */
			first = (rnd(&seed) % 8) * 262144ULL;
			n = 262144;
		} else if (kind < 5) { /* 2 MiB-aligned runs */
			first = (rnd(&seed) % BLOCKS) * 512ULL;
			n = 512ULL * (1 + rnd(&seed) % 3);
		} else {
			first = rnd(&seed) % (BLOCKS * 512);
			n = 1 + rnd(&seed) % (rnd(&seed) % 3 ? 8 : 1500);
		}
		n = MIN(n, BLOCKS * 512ULL - first);
		if (rnd(&seed) % 3) {
			u32 perms =
				rnd(&seed) % 2 ? PT_R : PT_RW; /* the builder has no write-only */
			paddr_t pa = (1 + rnd(&seed) % 64ULL) << 30 | (first % 262144) << 12;

			assert_int_equal(pt_map(&pt, base + first * 4096, pa, n * 4096, perms), 0);
			for (u64 i = 0; i < n; i++)
				m.pa[first + i] = (pa + i * 4096) | perms;
		} else {
			assert_int_equal(pt_unmap(&pt, base + first * 4096, n * 4096), 0);
			memset(&m.pa[first], 0, n * sizeof(m.pa[0]));
		}
		for (int k = 0; k < 16; k++)
			check_page(&pt, &m, base, rnd(&seed) % (BLOCKS * 512));
		check_page(&pt, &m, base, first);
		check_page(&pt, &m, base, first + n - 1);
		assert_int_equal(host_pages_live() - live, (long)pt.tables);
	}
	for (u64 p = 0; p < BLOCKS * 512ULL; p++) {
		struct hw_result r = hw_walk(&pt, base + p * 4096);

		check_page(&pt, &m, base, p);
		levels[r.ok ? r.level : 0]++;
	}
	/* Aligned runs really used large pages; unaligned ones small ones. */
	assert_true(levels[1] > 0 && levels[2] > 0 && levels[3] > 0);
	assert_int_equal(pt_unmap(&pt, base, BLOCKS * 512ULL * 4096), 0);
	assert_int_equal(pt.tables, 1);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), live);
}

/* Mapping a range the hardware sees as a hole-free superpage again merges it. */
static void test_split_then_merge(void **state)
{
	struct pagetable pt;
	long live = host_pages_live();

	(void)state;
	assert_int_equal(pt_init(&pt, &pt_fmt_vtd, &host_pt_mem, 2), 0);
	assert_int_equal(pt_map(&pt, 0x40000000, 0x80000000, 0x400000, PT_RW), 0);
	assert_int_equal(hw_walk(&pt, 0x40000000).level, 2);
	assert_int_equal(pt.tables, 3);                         /* PML4, PDPT, PD */
	assert_int_equal(pt_unmap(&pt, 0x40001000, 0x1000), 0); /* split */
	assert_int_equal(pt.tables, 4);
	assert_false(hw_walk(&pt, 0x40001000).ok);
	assert_int_equal(hw_walk(&pt, 0x40002000).level, 1);
	assert_int_equal(hw_walk(&pt, 0x40002000).pa, 0x80002000);
	assert_int_equal(hw_walk(&pt, 0x40200000).level, 2); /* the neighbour is untouched */
	assert_int_equal(pt_map(&pt, 0x40000000, 0x90000000, 0x200000, PT_R), 0); /* merge */
	assert_int_equal(pt.tables, 3);
	assert_int_equal(hw_walk(&pt, 0x40001000).level, 2);
	assert_int_equal(hw_walk(&pt, 0x40001000).pa, 0x90001000);
	assert_int_equal(hw_walk(&pt, 0x40001000).perms, PT_R);
	/* max_leaf_level 2: a 1 GiB-aligned gigabyte becomes 512 large pages, not one. */
	assert_int_equal(pt_map(&pt, 0x80000000, 0x80000000, 0x40000000, PT_RW), 0);
	assert_int_equal(hw_walk(&pt, 0xbfffffff).level, 2);
	pt_destroy(&pt);
	assert_int_equal(host_pages_live(), live);
}

static void test_limits(void **state)
{
	struct pagetable pt;

	(void)state;
	assert_int_equal(pt_init(&pt, &pt_fmt_vtd, &host_pt_mem, 3), 0);
	assert_int_equal(pt_map(&pt, BIT(48) - 0x1000, 0x1000, 0x1000, PT_RW), 0);
	assert_int_equal(hw_walk(&pt, BIT(48) - 1).pa, 0x1fff);
	assert_int_equal(pt_map(&pt, BIT(48), 0x1000, 0x1000, PT_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, BIT(48) - 0x1000, 0x1000, 0x2000, PT_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, 0x1000, 0x1000, 0), -EINVAL); /* nothing to grant */
	assert_int_equal(pt_map(&pt, 0, 0x1000, 0x1000, PT_W), -EINVAL);
	assert_false(hw_walk(&pt, 0).ok);
	pt_destroy(&pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_overlapping),
		cmocka_unit_test(test_split_then_merge),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
