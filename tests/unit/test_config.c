// SPDX-License-Identifier: MIT
/* test_config.c: the hypervisor's own options; here sriov= and pci=, good and hostile. */
// sources: kernel/config.c kernel/cmdline.c kernel/format.c kernel/crash.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/config.h"
#include "tests/unit/doubles.h"

static int setup(void **state)
{
	(void)state;
	memset(&hv_config, 0, sizeof(hv_config));
	test_log_clear();
	return 0;
}

static void test_sriov_default_none(void **state)
{
	(void)state;
	assert_int_equal(config_parse("log=info"), 0);
	assert_int_equal(hv_config.sriov_count, 0);
	assert_false(hv_config.pci_assign_busses);
}

static void test_sriov_all(void **state)
{
	(void)state;
	assert_int_equal(config_parse("sriov=all:8"), 0);
	assert_int_equal(hv_config.sriov_count, 1);
	assert_true(hv_config.sriov[0].all);
	assert_int_equal(hv_config.sriov[0].num, 8);
}

static void test_sriov_list(void **state)
{
	const struct hv_sriov_req *q = hv_config.sriov;

	(void)state;
	assert_int_equal(config_parse("sriov=01:00.0:4,0001:fe:1f.7:0,all:2"), 0);
	assert_int_equal(hv_config.sriov_count, 3);
	assert_false(q[0].all);
	assert_int_equal(q[0].seg, 0);
	assert_int_equal(q[0].bus, 1);
	assert_int_equal(q[0].dev, 0);
	assert_int_equal(q[0].fn, 0);
	assert_int_equal(q[0].num, 4);
	assert_int_equal(q[1].seg, 1);
	assert_int_equal(q[1].bus, 0xfe);
	assert_int_equal(q[1].dev, 0x1f);
	assert_int_equal(q[1].fn, 7);
	assert_int_equal(q[1].num, 0);
	assert_true(q[2].all);
	assert_int_equal(q[2].num, 2);
}

static void test_sriov_bad(void **state)
{
	static const char *const bad[] = {
		"sriov=",
		"sriov=all",
		"sriov=all:",
		"sriov=all:x",
		"sriov=all:65536",
		"sriov=01:00.0",
		"sriov=1:00.0.0:2",
		"sriov=01:20.0:1",
		"sriov=01:00.8:1",
		"sriov=100:00.0:1",
		"sriov=10000:01:00.0:1",
		"sriov=0:0:01:00.0:1",
		"sriov=01:00.0:4,",
		"sriov=,01:00.0:4",
		"sriov=01:00.0:4,01:00.0:2",
		"sriov=all:1,all:2",
		"sriov=zz:00.0:1",
		"sriov=01:00.0:-1",
		"sriov=01:00.0:1,02:00.0:1,03:00.0:1,04:00.0:1,05:00.0:1,"
		"06:00.0:1,07:00.0:1,08:00.0:1,09:00.0:1",
		"sriov=0123456789abcdef0123456789abcdef:1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		assert_int_equal(config_parse(bad[i]), 1);
		assert_int_equal(hv_config.sriov_count, 0);
		assert_true(test_log_has("config: error: option sriov="));
	}
}

static void test_pci_option(void **state)
{
	(void)state;
	assert_int_equal(config_parse("pci=assign-busses"), 0);
	assert_true(hv_config.pci_assign_busses);
	setup(NULL);
	assert_int_equal(config_parse("pci=nope"), 1);
	assert_false(hv_config.pci_assign_busses);
	assert_true(test_log_has("expected assign-busses"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sriov_default_none, setup),
		cmocka_unit_test_setup(test_sriov_all, setup),
		cmocka_unit_test_setup(test_sriov_list, setup),
		cmocka_unit_test_setup(test_sriov_bad, setup),
		cmocka_unit_test_setup(test_pci_option, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
