// SPDX-License-Identifier: MIT
/* test_vmsix.c: a trapped MSI-X table: the guest's view kept, the real table masked and untouched. */
// sources: kernel/vmsix.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmsix.h"
#include "tests/unit/doubles.h"

#define PAGE_GPA 0xe0104000ULL

static u32 real[1024]; /* the real table's page */
static struct vmsix v;

static int setup(void **state)
{
	(void)state;
	memset(real, 0x5a, sizeof(real));
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real, PAGE_GPA, 0, 3), 0);
	return 0;
}

static void test_init_masks_real_entries(void **state)
{
	(void)state;
	for (int e = 0; e < 3; e++) {
		assert_int_equal(real[4 * e + 3], 1);
		assert_int_equal(vmsix_read(&v, PAGE_GPA + 16 * e + 12, 4), 1); /* masked */
		assert_int_equal(vmsix_read(&v, PAGE_GPA + 16 * e, 4), 0);
	}
	assert_int_equal(real[4 * 3 + 3], 0x5a5a5a5a); /* beyond the table */
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real, PAGE_GPA, 0, 0), -EINVAL);
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real, PAGE_GPA, 0, 33), -EINVAL);
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real, PAGE_GPA, 4090, 1), -EINVAL);
}

static void test_guest_view_kept_real_untouched(void **state)
{
	u32 before[16];

	(void)state;
	memcpy(before, real, sizeof(before));
	vmsix_write(&v, PAGE_GPA + 16, 4, 0xfee01000);
	vmsix_write(&v, PAGE_GPA + 20, 4, 0);
	vmsix_write(&v, PAGE_GPA + 24, 4, 0x4041);
	vmsix_write(&v, PAGE_GPA + 28, 4, 0xfffffffe); /* unmask; reserved bits dropped */
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 16, 4), 0xfee01000);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 24, 4), 0x4041);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 28, 4), 0);
	assert_memory_equal(before, real, sizeof(before)); /* nothing the guest chose reaches it */
	vmsix_write(&v, PAGE_GPA + 32, 8, 0x00000001fee02000ULL);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 32, 8), 0x00000001fee02000ULL);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 36, 4), 1);
}

/* Entry 0 holds (lo, data): decode it. */
static int decode(u32 lo, u32 data, struct vmsix_msg *m, const char **why)
{
	vmsix_write(&v, PAGE_GPA + 0, 4, lo);
	vmsix_write(&v, PAGE_GPA + 4, 4, 0);
	vmsix_write(&v, PAGE_GPA + 8, 4, data);
	return vmsix_decode(&v, 0, m, why);
}

static void test_decode(void **state)
{
	struct vmsix_msg m;
	const char *why = NULL;

	(void)state;
	assert_int_equal(decode(0xfee03004, 0x0141, &m, &why), 0); /* logical, lowest priority */
	assert_int_equal(m.dest, 3);
	assert_true(m.logical);
	assert_int_equal(m.vector, 0x41);
	assert_int_equal(m.mode, 1);
	assert_int_equal(decode(0xfee00010, 0x41, &m, &why), -EINVAL); /* remappable format */
	assert_non_null(strstr(why, "remappable"));
	assert_int_equal(decode(0xfee00000, 0x08, &m, &why), -EINVAL); /* exception vector */
	assert_int_equal(decode(0xfee00000, 0x8041, &m, &why), -EINVAL); /* level */
	assert_int_equal(decode(0xfee00000, 0x0441, &m, &why), -EINVAL); /* NMI */
	assert_int_equal(decode(0xfed00000, 0x41, &m, &why), -EINVAL); /* not the window */
	vmsix_write(&v, PAGE_GPA + 4, 4, 1); /* upper address */
	assert_int_equal(vmsix_decode(&v, 0, &m, &why), -EINVAL);
}

static void test_bad_accesses(void **state)
{
	(void)state;
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 48, 4), 0xffffffff); /* past 3 entries */
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 2, 2), 0xffff);       /* not a dword */
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 1, 1), 0xff);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 4, 8), ~0ULL); /* unaligned qword */
	assert_int_equal(vmsix_read(&v, PAGE_GPA - 4, 4), 0xffffffff);
	vmsix_write(&v, PAGE_GPA + 48, 4, 1);
	vmsix_write(&v, PAGE_GPA + 0x1000, 4, 1);
	vmsix_write(&v, PAGE_GPA + 1, 1, 1);
	assert_int_equal(v.ignored, 8);
	assert_int_equal(vmsix_read(&v, PAGE_GPA, 4), 0);
}

static void test_table_not_at_page_start(void **state)
{
	(void)state;
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real + 0x800, PAGE_GPA, 0x800, 2), 0);
	assert_int_equal(real[0x800 / 4 + 3], 1);
	vmsix_write(&v, PAGE_GPA + 0x808, 4, 0x55);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 0x808, 4), 0x55);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 0x8, 4), 0xffffffff);
}

/*
 * A table offset that is not QWORD aligned (pci.c never gives one) is refused:
 * an 8-byte access at an entry's last dword would otherwise run into the next
 * entry, or past the guest's view after the last (fuzz_vmsix).
 */
static void test_unaligned_table_refused(void **state)
{
	(void)state;
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real + 0x804, PAGE_GPA, 0x804, 2),
			 -EINVAL);
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real + 0x802, PAGE_GPA, 0x802, 1),
			 -EINVAL);
	assert_int_equal(real[0x804 / 4 + 3], 0x5a5a5a5a); /* nothing masked: not taken */
	assert_int_equal(vmsix_init(&v, "p1", (volatile u8 *)real + 0x808, PAGE_GPA, 0x808, 2), 0);
	vmsix_write(&v, PAGE_GPA + 0x808 + 16 + 8, 8, 0x1234567800000000ULL);
	assert_int_equal(vmsix_read(&v, PAGE_GPA + 0x808 + 16 + 12, 4), 0); /* control: mask only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_masks_real_entries, setup),
		cmocka_unit_test_setup(test_guest_view_kept_real_untouched, setup),
		cmocka_unit_test_setup(test_decode, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_table_not_at_page_start, setup),
		cmocka_unit_test_setup(test_unaligned_table_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
