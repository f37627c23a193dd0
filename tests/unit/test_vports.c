// SPDX-License-Identifier: MIT
/* test_vports.c: debug exit, reset requests, port 0x92 and the floating bus. */
// sources: kernel/vports.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vports.h"

static struct vports vp;

static enum vports_action io(u16 port, u8 size, bool in, u64 *val)
{
	bool first;

	return vports_io(&vp, port, size, in, val, &first);
}

static void test_debug_exit_code_as_qemu(void **state)
{
	u64 v;

	(void)state;
	v = 0x10;
	assert_int_equal(io(0xf4, 1, false, &v), VPORTS_EXIT);
	assert_int_equal(v, 0x21);
	v = 0x1ff; /* a byte write carries only its byte */
	assert_int_equal(io(0xf4, 1, false, &v), VPORTS_EXIT);
	assert_int_equal(v, 0x1ff);
	v = 0x12345678;
	assert_int_equal(io(0xf6, 4, false, &v), VPORTS_EXIT);
	assert_int_equal(v, 0x2468acf1);
	v = 0xabcd;
	assert_int_equal(io(0xf7, 2, false, &v), VPORTS_EXIT);
	assert_int_equal(v, 0x1579b);
	v = 0;
	assert_int_equal(io(0xf8, 1, false, &v), VPORTS_DONE); /* past the device */
	assert_int_equal(io(0xf4, 1, true, &v), VPORTS_DONE);  /* reads do not exit */
}

static void test_reset_requests(void **state)
{
	u64 v;

	(void)state;
	v = 0x06;
	assert_int_equal(io(0xcf9, 1, false, &v), VPORTS_RESET);
	v = 0x02; /* SYS_RST alone prepares, RST_CPU resets */
	assert_int_equal(io(0xcf9, 1, false, &v), VPORTS_DONE);
	v = 0xfe;
	assert_int_equal(io(0x64, 1, false, &v), VPORTS_RESET);
	v = 0xad; /* another controller command: dropped */
	assert_int_equal(io(0x64, 1, false, &v), VPORTS_DONE);
	v = 0x03;
	assert_int_equal(io(0x92, 1, false, &v), VPORTS_RESET);
	v = 0x00; /* A20 off: ignored */
	assert_int_equal(io(0x92, 1, false, &v), VPORTS_DONE);
	assert_int_equal(io(0x92, 1, true, &v), VPORTS_DONE);
	assert_int_equal(v, 0x02);
}

static void test_floating_bus(void **state)
{
	bool first;
	u64 v = 0;

	(void)state;
	memset(&vp, 0, sizeof(vp));
	assert_int_equal(vports_io(&vp, 0x2ff, 1, true, &v, &first), VPORTS_DONE);
	assert_int_equal(v, 0xff);
	assert_true(first);
	assert_int_equal(vports_io(&vp, 0x2ff, 2, true, &v, &first), VPORTS_DONE);
	assert_int_equal(v, 0xffff);
	assert_false(first); /* reported once per port */
	assert_int_equal(vports_io(&vp, 0xffff, 4, true, &v, &first), VPORTS_DONE);
	assert_int_equal(v, 0xffffffff);
	assert_true(first);
	v = 0x55;
	assert_int_equal(vports_io(&vp, 0x80, 1, false, &v, &first), VPORTS_DONE);
	assert_true(first);
	assert_int_equal(vports_io(&vp, 0x80, 1, false, &v, &first), VPORTS_DONE);
	assert_false(first);
	assert_int_equal(vports_io(&vp, 0, 1, true, &v, &first), VPORTS_DONE);
	assert_true(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_exit_code_as_qemu),
		cmocka_unit_test(test_reset_requests),
		cmocka_unit_test(test_floating_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
