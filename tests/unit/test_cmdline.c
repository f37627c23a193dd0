// SPDX-License-Identifier: MIT
/* test_cmdline.c: the strict key=value parser, with good and hostile command lines. */
// sources: kernel/cmdline.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cmdline.h"
#include "tests/unit/doubles.h"

static bool flag;
static u64 num, size;
static char str[CMDLINE_VAL_MAX];

static const struct cmdline_opt opts[] = {
	{ "flag", cmdline_bool, &flag, "" },
	{ "num", cmdline_u64, &num, "" },
	{ "mem", cmdline_size, &size, "" },
	{ "name", cmdline_string, str, "" },
};

static int setup(void **state)
{
	(void)state;
	flag = false;
	num = 7;
	size = 0;
	str[0] = '\0';
	test_log_clear();
	return 0;
}

static void test_good_line(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse("  flag=1\tnum=0x10 mem=64M name=p1  ", opts, 4, "t"), 0);
	assert_true(flag);
	assert_int_equal(num, 16);
	assert_int_equal(size, 64ull << 20);
	assert_string_equal(str, "p1");
	assert_string_equal(test_log(), "");
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse("mem=4096", opts, 4, "t"), 0);
	assert_int_equal(size, 4096);
	setup(NULL);
	assert_int_equal(cmdline_parse("mem=2G", opts, 4, "t"), 0);
	assert_int_equal(size, 2ull << 30);
	setup(NULL);
	assert_int_equal(cmdline_parse("mem=17179869184G", opts, 4, "t"), 1);
	assert_true(test_log_has("size too large"));
	assert_int_equal(size, 0);
}

static void test_unknown_and_bad_values_keep_defaults(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse("bogus=1 num=12x flag=maybe mem=M", opts, 4, "hv"), 4);
	assert_true(test_log_has("hv: error: unknown option 'bogus'"));
	assert_true(test_log_has("num='12x': expected a number"));
	assert_true(test_log_has("flag='maybe': expected 0 or 1"));
	assert_int_equal(num, 7);
	assert_false(flag);
}

static void test_overflow(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse("num=18446744073709551616", opts, 4, "t"), 1);
	assert_true(test_log_has("number too large"));
	assert_int_equal(cmdline_parse("num=18446744073709551615", opts, 4, "t"), 0);
	assert_int_equal(num, ~0ull);
}

static void test_duplicates_and_long_words(void **state)
{
	char line[600];

	(void)state;
	assert_int_equal(cmdline_parse("num=1 num=2", opts, 4, "t"), 1);
	assert_int_equal(num, 1);
	assert_true(test_log_has("given twice"));
	memset(line, 'a', sizeof(line));
	memcpy(line, "name=", 5);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(cmdline_parse(line, opts, 4, "t"), 1);
	assert_string_equal(str, "");
	assert_int_equal(cmdline_parse("=5 =", opts, 4, "t"), 2);
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse("", opts, 4, "t"), 0);
	assert_int_equal(cmdline_parse("   \t\n ", opts, 4, "t"), 0);
}

static void test_parse_u64(void **state)
{
	u64 v;

	(void)state;
	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("0xFFffFFff", &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(parse_u64("0x", &v), -EINVAL);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64("0x10000000000000000", &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_line, setup),
		cmocka_unit_test_setup(test_sizes, setup),
		cmocka_unit_test_setup(test_unknown_and_bad_values_keep_defaults, setup),
		cmocka_unit_test_setup(test_overflow, setup),
		cmocka_unit_test_setup(test_duplicates_and_long_words, setup),
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test(test_parse_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
