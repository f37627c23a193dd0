// SPDX-License-Identifier: MIT
/* test_format.c: the hypervisor's printf against the C library's for every supported form. */
// sources: kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/format.h"

#define CHECK(...)                                                              \
	do {                                                                    \
		char want[256], got[256];                                       \
		snprintf(want, sizeof(want), __VA_ARGS__);                      \
		snformat(got, sizeof(got), __VA_ARGS__);                        \
		assert_string_equal(got, want);                                 \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("%d %d %d", 0, -1, 2147483647);
	CHECK("%d", (int)-2147483647 - 1);
	CHECK("%u %u", 0u, 4294967295u);
	CHECK("%x %X %o", 0xdeadbeefu, 0xabcdefu, 8u);
	CHECK("%lx %llx", 0xfffffffffffffffful, 0x123456789abcdef0ull);
	CHECK("%lld", (long long)-9223372036854775807LL - 1);
	CHECK("%zu %zx", (size_t)12345, (size_t)0xfff);
	CHECK("%hhu %hu %hhx", (unsigned char)255, (unsigned short)65535, (unsigned char)0xab);
}

static void test_width_padding(void **state)
{
	(void)state;
	CHECK("[%5d][%-5d][%05d]", 42, 42, 42);
	CHECK("[%05d]", -42);
	CHECK("[%016llx]", 0x1234ull);
	CHECK("[%04x:%02x:%02x.%x]", 0u, 1u, 0x10u, 2u);
	CHECK("[%*d][%-*d]", 6, 7, 6, 7);
	CHECK("[%2d]", 12345);
}

static void test_strings_chars(void **state)
{
	(void)state;
	CHECK("[%s][%10s][%-10s]", "abc", "abc", "abc");
	CHECK("[%.2s][%.*s]", "abcdef", 3, "abcdef");
	CHECK("[%c%c][%3c]", 'o', 'k', 'x');
	CHECK("100%%");
}

static void test_pointer(void **state)
{
	char got[64];

	(void)state;
	snformat(got, sizeof(got), "%p", (void *)0xfee00000);
	assert_string_equal(got, "0xfee00000");
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	n = snformat(buf, sizeof(buf), "%s", "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(buf, "hello w");
	n = snformat(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");
	n = snformat(NULL, 0, "%d", 12345);
	assert_int_equal(n, 5);
}

static void test_bad_conversion_visible(void **state)
{
	char buf[32];

	/* Through a variable: the compiler would reject these formats as literals. */
	const char *volatile bad1 = "a%qb", *volatile bad2 = "end%";

	(void)state;
	snformat(buf, sizeof(buf), bad1);
	assert_string_equal(buf, "a%qb");
	snformat(buf, sizeof(buf), bad2);
	assert_string_equal(buf, "end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_padding),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bad_conversion_visible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
