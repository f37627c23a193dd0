// SPDX-License-Identifier: MIT
/* test_gpmap.c: partition nested page tables (NPT and EPT) built and walked through the shared builder. */
// sources: kernel/gpmap.c kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kernel/gpmap.h"
#include "tests/unit/doubles.h"

#define RAM_HPA  0x40000000ULL
#define RAM_SIZE (32 * MiB)
#define X86_P    BIT(0)
#define X86_RW   BIT(1)
#define X86_US   BIT(2)
#define X86_PWT  BIT(3)
#define X86_PCD  BIT(4)
#define X86_PS   BIT(7)
#define X86_NX   BIT(63)
#define ADDR(e)  ((e)&GENMASK(51, 12))

static u64 *table(paddr_t pa)
{
	return (u64 *)(uintptr_t)pa;
}

/* Raw entries on the way to gpa: e[4] (PML4E) down to e[level] (the leaf). */
static int raw_walk(const struct gpmap *g, u64 gpa, u64 e[5])
{
	paddr_t t = gpmap_root(g);

	for (int level = 4; level >= 1; level--) {
		e[level] = table(t)[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(e[level] & X86_P) || level == 1 || (e[level] & X86_PS))
			return level;
		t = ADDR(e[level]);
	}
	return 0;
}

static void test_npt_ram_uses_2m_pages_and_us_everywhere(void **state)
{
	struct gpmap g;

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA, RAM_SIZE), 0);
	assert_int_equal(g.pt.tables, 3); /* PML4, PDPT, one PD: no 4 KiB tables */
	for (u64 gpa = 0; gpa < RAM_SIZE; gpa += 2 * MiB) {
		u64 e[5] = { 0 };
		paddr_t hpa;
		u32 perms;

		assert_true(gpmap_translate(&g, gpa + 0x1234, &hpa, &perms));
		assert_int_equal(hpa, RAM_HPA + gpa + 0x1234);
		assert_int_equal(perms, PT_RWX);
		assert_int_equal(raw_walk(&g, gpa, e), 2);
		/* APM 15.25.5: nested walks are user accesses, so U/S must be set at every level. */
		for (int level = 4; level >= 2; level--)
			assert_true((e[level] & (X86_P | X86_US)) == (X86_P | X86_US));
		assert_true(e[2] & X86_PS);
		assert_true(e[2] & X86_RW);
		assert_false(e[2] & (X86_NX | X86_PCD | X86_PWT)); /* executable, write-back */
	}
	gpmap_destroy(&g);
	assert_int_equal(host_pages_live(), 0);
}

static void test_npt_nothing_outside_ram(void **state)
{
	static const u64 outside[] = { RAM_SIZE,   RAM_SIZE + 0xfff, 0x40000000,       0xfee00000,
				       0xfed00000, BIT(47),          BIT(48) + 0x1000, ~0ULL };
	struct gpmap g;
	paddr_t hpa;
	u32 perms;

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA, RAM_SIZE), 0);
	assert_true(gpmap_translate(&g, RAM_SIZE - 1, &hpa, &perms));
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		assert_false(gpmap_translate(&g, outside[i], &hpa, &perms));
	gpmap_destroy(&g);
}

static void test_npt_unaligned_host_uses_4k_pages(void **state)
{
	struct gpmap g;
	paddr_t hpa;
	u32 perms;
	u64 e[5];

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA + 0x1000, 4 * MiB), 0);
	assert_int_equal(raw_walk(&g, 0x201000, e), 1);
	assert_true(e[1] & X86_US);
	assert_true(gpmap_translate(&g, 0x3fffff, &hpa, &perms));
	assert_int_equal(hpa, RAM_HPA + 0x1000 + 0x3fffff);
	gpmap_destroy(&g);
	assert_int_equal(host_pages_live(), 0);
}

static void test_npt_mmio_is_uncached_and_not_executable(void **state)
{
	struct gpmap g;
	paddr_t hpa;
	u32 perms;
	u64 e[5];

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_mmio(&g, 0xc0000000, 0xfebf0000, 0x4000), 0);
	assert_true(gpmap_translate(&g, 0xc0003ffc, &hpa, &perms));
	assert_int_equal(hpa, 0xfebf3ffc);
	assert_int_equal(perms, PT_RW | PT_UC);
	assert_int_equal(raw_walk(&g, 0xc0000000, e), 1);
	assert_true((e[1] & (X86_PCD | X86_PWT | X86_NX | X86_US)) ==
		    (X86_PCD | X86_PWT | X86_NX | X86_US));
	gpmap_destroy(&g);
}

static void test_npt_unmap_splits_and_frees(void **state)
{
	struct gpmap g;
	paddr_t hpa;
	u32 perms;

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA, RAM_SIZE), 0);
	assert_int_equal(gpmap_unmap(&g, 0x201000, 0x1000), 0);
	assert_false(gpmap_translate(&g, 0x201800, &hpa, &perms));
	assert_true(gpmap_translate(&g, 0x200fff, &hpa, &perms));
	assert_int_equal(hpa, RAM_HPA + 0x200fff);
	assert_true(gpmap_translate(&g, 0x202000, &hpa, &perms));
	assert_int_equal(gpmap_unmap(&g, 0, RAM_SIZE), 0);
	assert_int_equal(g.pt.tables, 1); /* only the root is left */
	gpmap_destroy(&g);
	assert_int_equal(host_pages_live(), 0);
}

static void test_bad_ranges_are_refused(void **state)
{
	struct gpmap g;

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_x86, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0x1001, RAM_HPA, 0x1000), -EINVAL);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA, 0), -EINVAL);
	assert_int_equal(gpmap_map_ram(&g, BIT(48) - 0x1000, RAM_HPA, 0x2000), -EINVAL);
	assert_int_equal(gpmap_map_ram(&g, ~0ULL & ~0xfffULL, RAM_HPA, 0x2000), -EINVAL);
	assert_int_equal(g.pt.tables, 1);
	gpmap_destroy(&g);
}

/* The same map in the EPT format (the VMX backend's): R/W/X and write-back on every leaf. */
static void test_ept_ram(void **state)
{
	struct gpmap g;
	paddr_t hpa;
	u32 perms;
	u64 e[5];

	(void)state;
	assert_int_equal(gpmap_init(&g, &pt_fmt_ept, &host_pt_mem), 0);
	assert_int_equal(gpmap_map_ram(&g, 0, RAM_HPA, RAM_SIZE), 0);
	assert_true(gpmap_translate(&g, RAM_SIZE - 8, &hpa, &perms));
	assert_int_equal(hpa, RAM_HPA + RAM_SIZE - 8);
	assert_int_equal(perms, PT_RWX);
	assert_false(gpmap_translate(&g, RAM_SIZE, &hpa, &perms));
	/* EPT has no P bit: walk by hand on R|W|X and the large-page bit. */
	e[4] = table(gpmap_root(&g))[0];
	e[3] = table(ADDR(e[4]))[0];
	e[2] = table(ADDR(e[3]))[1];
	assert_int_equal(e[4] & 7, 7);
	assert_int_equal(e[3] & 7, 7);
	assert_int_equal(e[2] & 7, 7);
	assert_true(e[2] & BIT(7));
	assert_int_equal((e[2] >> 3) & 7, 6); /* memory type WB (SDM Vol. 3C 29.3.7) */
	assert_int_equal(ADDR(e[2]), RAM_HPA + 2 * MiB);
	gpmap_destroy(&g);
	assert_int_equal(host_pages_live(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npt_ram_uses_2m_pages_and_us_everywhere),
		cmocka_unit_test(test_npt_nothing_outside_ram),
		cmocka_unit_test(test_npt_unaligned_host_uses_4k_pages),
		cmocka_unit_test(test_npt_mmio_is_uncached_and_not_executable),
		cmocka_unit_test(test_npt_unmap_splits_and_frees),
		cmocka_unit_test(test_bad_ranges_are_refused),
		cmocka_unit_test(test_ept_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
