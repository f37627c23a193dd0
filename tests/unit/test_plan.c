// SPDX-License-Identifier: MIT
/* test_plan.c: partition command lines and the CPU/RAM plan, with good and impossible plans. */
// sources: kernel/plan.c kernel/cmdline.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/plan.h"
#include "tests/unit/doubles.h"

static struct part_config pc[4];

static int setup(void **state)
{
	(void)state;
	memset(pc, 0, sizeof(pc));
	test_log_clear();
	return 0;
}

static void log_has(const char *needle)
{
	if (!test_log_has(needle))
		fail_msg("log lacks \"%s\"; log:\n%s", needle, test_log());
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(plan_parse("/guests/hello.elf", 2, &pc[0]), 0);
	assert_true(pc[0].ok);
	assert_string_equal(pc[0].name, "p3");
	assert_int_equal(pc[0].cpu_count, 1);
	assert_int_equal(pc[0].cpu_request, 0);
	assert_int_equal(pc[0].mem, PLAN_DEFAULT_MEM);
	assert_string_equal(pc[0].args, "");
	assert_int_equal(pc[0].module, 2);
	assert_int_equal(pc[0].boot, PLAN_BOOT_AUTO);
	assert_int_equal(pc[0].mods, 0);
	assert_int_equal(plan_parse("", 0, &pc[1]), 0); /* no path at all */
	assert_string_equal(pc[1].name, "p1");
}

static void test_full_line(void **state)
{
	(void)state;
	assert_int_equal(
		plan_parse("(cd)/guests/hello.elf  name=web-1 cpus=2\tmem=64M -- beat=5  x=y ", 0,
			   &pc[0]),
		0);
	assert_string_equal(pc[0].name, "web-1");
	assert_int_equal(pc[0].cpu_count, 2);
	assert_int_equal(pc[0].mem, 64 * MiB);
	assert_string_equal(pc[0].args, "beat=5  x=y ");
	assert_int_equal(plan_parse("cpus=@1,3-4 mem=2G --", 1, &pc[1]), 0);
	assert_int_equal(pc[1].cpu_request, BIT(1) | BIT(3) | BIT(4));
	assert_int_equal(pc[1].cpu_count, 3);
	assert_int_equal(pc[1].mem, 2 * GiB);
	assert_string_equal(pc[1].args, "");
	assert_int_equal(plan_parse("/k.elf boot=multiboot2 mods=2 -- a b", 3, &pc[3]), 0);
	assert_int_equal(pc[3].boot, PLAN_BOOT_MB2);
	assert_int_equal(pc[3].mods, 2);
	assert_int_equal(pc[3].module, 3);
	assert_int_equal(plan_parse("boot=hv console_rate=5000", 0, &pc[3]), 0);
	assert_int_equal(pc[3].console_rate, 5000);
	assert_int_equal(pc[3].boot, PLAN_BOOT_HV);
	assert_int_equal(plan_parse("boot=multiboot", 0, &pc[3]), 0);
	assert_int_equal(pc[3].boot, PLAN_BOOT_MB1);
	assert_int_equal(pc[3].mods, 0);
	assert_int_equal(plan_parse("/vmlinuz boot=linux mods=1 -- console=ttyS0", 0, &pc[3]), 0);
	assert_int_equal(pc[3].boot, PLAN_BOOT_LINUX);
	assert_string_equal(pc[3].args, "console=ttyS0");
	/* "--" inside a word is not the separator */
	assert_int_equal(plan_parse("name=a--b", 0, &pc[2]), 0);
	assert_string_equal(pc[2].name, "a--b");
}

struct bad_line {
	const char *line;
	const char *why;
};

static void test_bad_lines(void **state)
{
	static const struct bad_line bad[] = {
		{ "name=", "expected 1 to 15 characters" },
		{ "name=abcdefghijklmnop", "expected 1 to 15 characters" },
		{ "name=p/1", "only letters" },
		{ "name=p\x1b[2J", "only letters" },
		{ "cpus=0", "expected a count" },
		{ "cpus=64", "at most 63" },
		{ "cpus=99999999999999999999", "expected a count" },
		{ "cpus=two", "expected a count" },
		{ "cpus=@", "empty CPU list" },
		{ "cpus=@1,", "expected a list" },
		{ "cpus=@,1", "expected a list" },
		{ "cpus=@64", "CPU numbers are 0 to 63" },
		{ "cpus=@3-1", "CPU numbers are 0 to 63" },
		{ "cpus=@1-x", "expected a list" },
		{ "mem=3M", "multiple of 2M" },
		{ "mem=1M", "multiple of 2M" },
		{ "mem=0", "multiple of 2M" },
		{ "mem=64G", "multiple of 2M" },
		{ "mem=16777216T", "expected a size" },
		{ "mem=99999999999G", "size too large" },
		{ "colour=blue", "unknown option 'colour'" },
		{ "cpus=1 cpus=2", "given twice" },
		{ "boot=grub", "expected auto, hv, multiboot, multiboot2 or linux" },
		{ "mods=9", "0 to 8" },
		{ "mods=-1", "0 to 8" },
		{ "console_rate=0", "1 to 100000" },
		{ "console_rate=100001", "1 to 100000" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		test_log_clear();
		assert_int_equal(plan_parse(bad[i].line, 0, &pc[0]), -EINVAL);
		assert_false(pc[0].ok);
		log_has(bad[i].why);
		log_has("not started");
	}
}

static void test_too_long(void **state)
{
	char line[3 * HV_CMDLINE_MAX];

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(plan_parse(line, 0, &pc[0]), -EINVAL);
	memcpy(line, "name=x -- ", 10);
	assert_int_equal(plan_parse(line, 0, &pc[0]), -EINVAL); /* guest words too long */
	log_has("too long");
}

static const struct plan_machine four_cpus = {
	.cpu_count = 4,
	.online_mask = 0xf,
	.free_ram = 256 * MiB,
};

static void parse_ok(u32 i, const char *line)
{
	assert_int_equal(plan_parse(line, i, &pc[i]), 0);
}

static void test_assign_counts(void **state)
{
	(void)state;
	parse_ok(0, "name=a");
	parse_ok(1, "name=b cpus=2");
	assert_int_equal(plan_assign(pc, 2, &four_cpus), 2);
	assert_int_equal(pc[0].cpu_mask, BIT(1)); /* CPU 0 stays the hypervisor's */
	assert_int_equal(pc[1].cpu_mask, BIT(2) | BIT(3));
}

static void test_assign_lists_first(void **state)
{
	(void)state;
	parse_ok(0, "name=a cpus=2");
	parse_ok(1, "name=b cpus=@1");
	assert_int_equal(plan_assign(pc, 2, &four_cpus), 2);
	assert_int_equal(pc[1].cpu_mask, BIT(1));
	assert_int_equal(pc[0].cpu_mask, BIT(2) | BIT(3));
}

static void test_impossible_cpus(void **state)
{
	(void)state;
	parse_ok(0, "name=a cpus=@1-2");
	parse_ok(1, "name=b cpus=@2"); /* overlaps a */
	parse_ok(2, "name=c cpus=@0"); /* the hypervisor's CPU */
	parse_ok(3, "name=d cpus=@9"); /* not online */
	assert_int_equal(plan_assign(pc, 4, &four_cpus), 1);
	assert_true(pc[0].ok);
	assert_false(pc[1].ok);
	assert_false(pc[2].ok);
	assert_false(pc[3].ok);
	log_has("b: error: not started: CPU 2 already given to another partition");
	log_has("c: error: not started: CPU 0 not available to partitions (available: 1-3)");
	log_has("d: error: not started: CPU 9 not available");
}

static void test_too_many_cpus_others_start(void **state)
{
	(void)state;
	parse_ok(0, "name=a cpus=2");
	parse_ok(1, "name=big cpus=8");
	parse_ok(2, "name=c");
	assert_int_equal(plan_assign(pc, 3, &four_cpus), 2);
	assert_true(pc[0].ok && pc[2].ok);
	assert_false(pc[1].ok);
	assert_int_equal(pc[2].cpu_mask, BIT(3));
	log_has("big: error: not started: asks for 8 CPUs, 1 free");
}

static void test_duplicate_names(void **state)
{
	(void)state;
	parse_ok(0, "name=same");
	parse_ok(1, "name=same");
	assert_int_equal(plan_assign(pc, 2, &four_cpus), 1);
	assert_true(pc[0].ok);
	assert_false(pc[1].ok);
	log_has("name already used by module 1");
	/* the rejected one took no CPU */
	assert_int_equal(pc[1].cpu_mask, 0);
}

static void test_ram(void **state)
{
	(void)state;
	parse_ok(0, "name=a mem=128M");
	parse_ok(1, "name=b mem=200M");
	parse_ok(2, "name=c mem=128M");
	assert_int_equal(plan_assign(pc, 3, &four_cpus), 2);
	assert_true(pc[0].ok && pc[2].ok);
	assert_false(pc[1].ok);
	log_has("b: error: not started: asks for 200 MiB of RAM, 128 MiB free");
}

static void test_boot_cpu_fallback(void **state)
{
	const struct plan_machine one = {
		.cpu_count = 1, .online_mask = 1, .free_ram = GiB, .boot_cpu_fallback = true
	};

	(void)state;
	parse_ok(0, "name=a");
	parse_ok(1, "name=b");
	assert_int_equal(plan_assign(pc, 2, &one), 1);
	assert_int_equal(pc[0].cpu_mask, BIT(0));
	assert_false(pc[1].ok);
}

static void test_bdf(void **state)
{
	static const char *const bad[] = {
		"",           "0:4.0",    "00:04",         "00:04.8",       "00:20.0",
		"0000:00:04", "00:04.0x", "0000-00:04.0",  "10000:00:04.0", "g0:04.0",
		"00:04.-",    " 00:04.0", "0000:000:04.0",
	};
	struct plan_bdf b;

	(void)state;
	assert_int_equal(plan_parse_bdf("00:04.0", &b), 0);
	assert_int_equal(b.seg, 0);
	assert_int_equal(b.bus, 0);
	assert_int_equal(b.devfn, 0x20);
	assert_int_equal(plan_parse_bdf("abcd:Ff:1f.7", &b), 0);
	assert_int_equal(b.seg, 0xabcd);
	assert_int_equal(b.bus, 0xff);
	assert_int_equal(b.devfn, 0xff);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (plan_parse_bdf(bad[i], &b) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_pci_key(void **state)
{
	(void)state;
	parse_ok(0, "name=a pci=00:04.0,0000:01:10.2");
	assert_int_equal(pc[0].pci_count, 2);
	assert_int_equal(pc[0].pci[1].bus, 1);
	assert_int_equal(pc[0].pci[1].devfn, 0x82);
	assert_int_equal(plan_parse("pci=", 1, &pc[1]), -EINVAL);
	assert_int_equal(plan_parse("pci=00:04.0,", 1, &pc[1]), -EINVAL);
	assert_int_equal(plan_parse("pci=00:04.0,,00:05.0", 1, &pc[1]), -EINVAL);
	assert_int_equal(plan_parse("pci=00:01.0,00:02.0,00:03.0,00:04.0,00:05.0,00:06.0,00:07.0,"
				    "00:08.0,00:09.0",
				    1, &pc[1]),
			 -EINVAL); /* nine */
	log_has("expected functions like 0000:00:04.0");
}

static void test_pci_given_once(void **state)
{
	(void)state;
	parse_ok(0, "name=a pci=00:04.0");
	parse_ok(1, "name=b pci=00:05.0,0000:00:04.0");
	parse_ok(2, "name=c pci=00:06.0,00:06.0");
	parse_ok(3, "name=d pci=00:05.0");
	assert_int_equal(plan_assign(pc, 4, &four_cpus), 2);
	assert_true(pc[0].ok);
	assert_false(pc[1].ok);
	assert_false(pc[2].ok);
	assert_true(pc[3].ok); /* b was refused, so 00:05.0 is free for d */
	log_has("b: error: not started: PCI function 0000:00:04.0 given twice");
	log_has("c: error: not started: PCI function 0000:00:06.0 given twice");
}

static void test_vf_keys(void **state)
{
	static const u8 mac12[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };
	static const u8 mine[6] = { 0x02, 0x00, 0x00, 0x00, 0xab, 0xcd };

	(void)state;
	parse_ok(1, "name=a vf=1");
	assert_true(pc[1].vf.set);
	assert_false(pc[1].vf.by_bdf);
	assert_int_equal(pc[1].vf.index, 1);
	assert_memory_equal(pc[1].mac, mac12, 6); /* module 2: 0x10 + 2 */
	assert_int_equal(pc[1].ip[0], 192);
	assert_int_equal(pc[1].ip[3], 12);
	assert_int_equal(pc[1].ip_prefix, 24);
	assert_false(pc[1].has_mac);
	parse_ok(0, "vf=0000:01:10.2 mac=02:00:00:00:AB:cd ip=10.1.2.3/16");
	assert_true(pc[0].vf.by_bdf);
	assert_int_equal(pc[0].vf.bdf.bus, 1);
	assert_int_equal(pc[0].vf.bdf.devfn, 0x82);
	assert_memory_equal(pc[0].mac, mine, 6);
	assert_int_equal(pc[0].ip[0], 10);
	assert_int_equal(pc[0].ip[3], 3);
	assert_int_equal(pc[0].ip_prefix, 16);
	parse_ok(2, "vf=01:10.4 ip=10.0.0.9");
	assert_int_equal(pc[2].ip_prefix, 24);
	parse_ok(3, "name=none");
	assert_false(pc[3].vf.set);
	assert_int_equal(pc[3].ip_prefix, 0); /* no VF: no address */
}

static void test_vf_bad_values(void **state)
{
	static const char *const bad[] = {
		"vf=",
		"vf=x",
		"vf=70000",
		"vf=01:10",
		"vf=1,2",
		"vf=0 mac=01:00:5e:00:00:01", /* multicast */
		"vf=0 mac=00:00:00:00:00:00",
		"vf=0 mac=52:54:00:12:34",
		"vf=0 mac=52-54-00-12-34-56",
		"vf=0 ip=1.2.3",
		"vf=0 ip=1.2.3.256",
		"vf=0 ip=1.2.3.4/33",
		"vf=0 ip=1.2.3.4/0",
		"vf=0 ip=1.2.3.4/",
		"vf=0 ip=1.2.3.4.5",
		"vf=0 ip=1234.1.1.1",
		"mac=52:54:00:12:34:56", /* no vf= */
		"ip=192.0.2.1",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (plan_parse(bad[i], 0, &pc[0]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	log_has("mac= and ip= need vf= or net=pv");
	log_has("expected a unicast, non-zero MAC");
}

static void test_vf_given_once(void **state)
{
	(void)state;
	parse_ok(0, "name=a vf=0");
	parse_ok(1, "name=b vf=0");
	parse_ok(2, "name=c vf=1 mac=52:54:00:12:34:11"); /* a's default MAC */
	parse_ok(3, "name=d vf=01:10.2");
	assert_int_equal(plan_assign(pc, 4, &four_cpus), 2);
	assert_true(pc[0].ok);
	assert_false(pc[1].ok);
	assert_false(pc[2].ok);
	assert_true(pc[3].ok);
	log_has("b: error: not started: its VF is already given to a");
	log_has("c: error: not started: its MAC is already a's");
}

static void test_net_key(void **state)
{
	static const u8 mac13[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x13 };
	static const char *const bad[] = {
		"net=", "net=sriov", "net=vf", /* net=vf without vf= */
		"net=pv vf=0",                 /* one NIC or the other */
	};

	(void)state;
	parse_ok(2, "name=c net=pv");
	assert_int_equal(pc[2].net, PLAN_NET_PV);
	assert_false(pc[2].vf.set);
	assert_memory_equal(pc[2].mac, mac13, 6); /* the default plan, as for a VF */
	assert_int_equal(pc[2].ip[3], 13);
	assert_int_equal(pc[2].ip_prefix, 24);
	parse_ok(0, "net=pv mac=02:00:00:00:ab:cd ip=10.0.0.5/8");
	assert_int_equal(pc[0].ip_prefix, 8);
	parse_ok(1, "vf=1");
	assert_int_equal(pc[1].net, PLAN_NET_VF); /* vf= implies net=vf */
	parse_ok(1, "vf=1 net=vf");
	assert_int_equal(pc[1].net, PLAN_NET_VF);
	parse_ok(3, "name=d");
	assert_int_equal(pc[3].net, PLAN_NET_NONE);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (plan_parse(bad[i], 0, &pc[0]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	log_has("expected vf or pv");
	log_has("net=vf needs vf=");
	log_has("net=pv and vf= exclude each other");
}

static void test_net_pv_plan(void **state)
{
	static const struct plan_machine one_cpu = {
		.cpu_count = 1, .online_mask = 1, .free_ram = GiB, .boot_cpu_fallback = true
	};

	(void)state;
	parse_ok(0, "name=a vf=0");
	parse_ok(1, "name=b net=pv mac=52:54:00:12:34:11"); /* a's MAC */
	parse_ok(2, "name=c net=pv");
	assert_int_equal(plan_assign(pc, 3, &four_cpus), 2);
	assert_false(pc[1].ok);
	log_has("b: error: not started: its MAC is already a's");
	parse_ok(0, "name=a net=pv");
	assert_int_equal(plan_assign(pc, 1, &one_cpu), 0);
	log_has("a: error: not started: net=pv needs CPU 0 free");
}

static void test_format_cpus(void **state)
{
	char buf[64];

	(void)state;
	plan_format_cpus(BIT(1) | BIT(2) | BIT(5) | BIT(63), buf, sizeof(buf));
	assert_string_equal(buf, "1-2,5,63");
	plan_format_cpus(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	plan_format_cpus(~0ULL, buf, sizeof(buf));
	assert_string_equal(buf, "0-63");
	plan_format_cpus(0x5555555555555555ULL, buf, 8); /* truncated, still terminated */
	assert_int_equal(strlen(buf), 7);
	assert_int_equal(plan_cpu_count(0x5555555555555555ULL), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_full_line, setup),
		cmocka_unit_test_setup(test_bad_lines, setup),
		cmocka_unit_test_setup(test_too_long, setup),
		cmocka_unit_test_setup(test_assign_counts, setup),
		cmocka_unit_test_setup(test_assign_lists_first, setup),
		cmocka_unit_test_setup(test_impossible_cpus, setup),
		cmocka_unit_test_setup(test_too_many_cpus_others_start, setup),
		cmocka_unit_test_setup(test_duplicate_names, setup),
		cmocka_unit_test_setup(test_ram, setup),
		cmocka_unit_test_setup(test_boot_cpu_fallback, setup),
		cmocka_unit_test_setup(test_bdf, setup),
		cmocka_unit_test_setup(test_pci_key, setup),
		cmocka_unit_test_setup(test_pci_given_once, setup),
		cmocka_unit_test_setup(test_vf_keys, setup),
		cmocka_unit_test_setup(test_vf_bad_values, setup),
		cmocka_unit_test_setup(test_vf_given_once, setup),
		cmocka_unit_test_setup(test_net_key, setup),
		cmocka_unit_test_setup(test_net_pv_plan, setup),
		cmocka_unit_test_setup(test_format_cpus, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
