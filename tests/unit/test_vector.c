// SPDX-License-Identifier: MIT
/* test_vector.c: the MSI vector allocator: range, exhaustion, reuse, bad frees, handler install. */
// sources: kernel/vector.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vector.h"
#include "tests/unit/doubles.h"

/* Double for idt.c: the handler table only. */
static irq_handler_t handlers[256];

int idt_set_handler(u8 vector, irq_handler_t fn)
{
	if (handlers[vector] && fn)
		return -EBUSY;
	handlers[vector] = fn;
	return 0;
}

static void h1(struct irq_frame *f)
{
	(void)f;
}
static void h2(struct irq_frame *f)
{
	(void)f;
}

#define DYN_COUNT (VEC_DYN_LAST - VEC_DYN_FIRST + 1)

static int setup(void **state)
{
	(void)state;
	for (int v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++)
		if (handlers[v])
			assert_int_equal(vector_free(v), 0);
	memset(handlers, 0, sizeof(handlers));
	test_log_clear();
	return 0;
}

static void test_alloc_all_then_exhausted(void **state)
{
	bool seen[256] = { false };

	(void)state;
	assert_int_equal(vector_free_count(), DYN_COUNT);
	for (int i = 0; i < DYN_COUNT; i++) {
		int v = vector_alloc(h1);

		assert_true(v >= VEC_DYN_FIRST && v <= VEC_DYN_LAST);
		assert_false(seen[v]);
		seen[v] = true;
		assert_ptr_equal(handlers[v], h1);
	}
	assert_int_equal(vector_free_count(), 0);
	assert_int_equal(vector_alloc(h1), -ENOSPC);
	assert_true(test_log_has("vector: error: no free interrupt vector (192 in use)"));
	/* Fixed vectors and exceptions were never touched. */
	for (int v = 0; v < VEC_DYN_FIRST; v++)
		assert_null(handlers[v]);
	for (int v = VEC_DYN_LAST + 1; v < 256; v++)
		assert_null(handlers[v]);
}

static void test_free_and_reuse(void **state)
{
	int a, b, c;

	(void)state;
	a = vector_alloc(h1);
	b = vector_alloc(h2);
	assert_int_not_equal(a, b);
	assert_int_equal(vector_free(a), 0);
	assert_null(handlers[a]);
	assert_ptr_equal(handlers[b], h2);
	c = vector_alloc(h2);
	assert_int_equal(c, a); /* lowest free first */
	assert_ptr_equal(handlers[c], h2);
	assert_int_equal(vector_free_count(), DYN_COUNT - 2);
}

static void test_bad_frees_rejected(void **state)
{
	int v;

	(void)state;
	assert_int_equal(vector_free(VEC_APIC_SPURIOUS), -EINVAL);
	assert_int_equal(vector_free(VEC_SMP_CALL), -EINVAL);
	assert_int_equal(vector_free(14), -EINVAL);
	assert_int_equal(vector_free(-1), -EINVAL);
	assert_int_equal(vector_free(256), -EINVAL);
	assert_int_equal(vector_free(VEC_DYN_FIRST), -EINVAL); /* not allocated */
	v = vector_alloc(h1);
	assert_int_equal(vector_free(v), 0);
	assert_int_equal(vector_free(v), -EINVAL); /* double free */
	assert_true(test_log_has("not an allocated vector"));
	assert_int_equal(vector_free_count(), DYN_COUNT);
}

static void test_null_handler_rejected(void **state)
{
	(void)state;
	assert_int_equal(vector_alloc(NULL), -EINVAL);
	assert_int_equal(vector_free_count(), DYN_COUNT);
}

static void test_hand_installed_vector_not_stolen(void **state)
{
	int v;

	(void)state;
	idt_set_handler(VEC_DYN_FIRST, h2); /* someone bypassed the allocator */
	v = vector_alloc(h1);
	assert_int_equal(v, VEC_DYN_FIRST + 1);
	assert_ptr_equal(handlers[VEC_DYN_FIRST], h2);
	assert_true(test_log_has("has a handler nobody allocated"));
	handlers[VEC_DYN_FIRST] = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_alloc_all_then_exhausted, setup),
		cmocka_unit_test_setup(test_free_and_reuse, setup),
		cmocka_unit_test_setup(test_bad_frees_rejected, setup),
		cmocka_unit_test_setup(test_null_handler_rejected, setup),
		cmocka_unit_test_setup(test_hand_installed_vector_not_stolen, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
