// SPDX-License-Identifier: MIT
/* test_hypercall.c: hypercall decoding and argument checks with hostile arguments. */
// sources: kernel/hypercall.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/format.h"
#include "kernel/hypercall.h"
#include "kernel/part.h"
#include "tests/unit/doubles.h"

#define RAM (2 * MiB)

static struct partition part;
static struct vcpu vcpu;
static char console[8192];
static size_t console_len;
static char stop_reason[256];

/* Doubles for the partition layer. */
void part_console_write(struct partition *p, const char *s, size_t len)
{
	assert_ptr_equal(p, &part);
	assert_true(console_len + len < sizeof(console));
	memcpy(console + console_len, s, len);
	console_len += len;
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	va_list ap;

	assert_ptr_equal(p, &part);
	va_start(ap, fmt);
	vsnformat(stop_reason, sizeof(stop_reason), fmt, ap);
	va_end(ap);
	p->state = PART_STOPPED;
}

static int setup(void **state)
{
	(void)state;
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	strcpy(part.name, "p7");
	part.id = 6;
	part.ram = calloc(1, RAM);
	part.ram_size = RAM;
	part.vcpu_count = 2;
	part.log_rl = (struct ratelimit)RATELIMIT_INIT(5, 1000);
	vcpu.part = &part;
	vcpu.index = 1;
	vcpu.cpu = 3;
	vcpu.exits_total = 42;
	vcpu.irqs = (struct vcpu_irq_stats){ .injected = 7, .timer = 3, .ipi = 1, .msi = 4 };
	console_len = 0;
	stop_reason[0] = '\0';
	test_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(part.ram);
	return 0;
}

static s64 call(u64 nr, u64 a1, u64 a2, u8 cpl)
{
	vcpu.regs = (struct vcpu_regs){ .rax = nr, .rdi = a1, .rsi = a2, .rdx = 0x5555, .rbx = 7 };
	hypercall_dispatch(&vcpu, cpl);
	assert_int_equal(vcpu.regs.rbx, 7); /* other registers are left alone */
	assert_int_equal(vcpu.regs.rdx, 0x5555);
	return (s64)vcpu.regs.rax;
}

static void test_console_write(void **state)
{
	(void)state;
	memcpy(part.ram + 0x10000, "hello\n", 6);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, 0x10000, 6, 0), 6);
	assert_int_equal(console_len, 6);
	assert_memory_equal(console, "hello\n", 6);
	memset(part.ram + RAM - HV_CONSOLE_MAX, 'z', HV_CONSOLE_MAX);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, RAM - HV_CONSOLE_MAX, HV_CONSOLE_MAX, 0),
			 HV_CONSOLE_MAX);
	assert_int_equal(console_len, 6 + HV_CONSOLE_MAX);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, 0, 0, 0), 0);
	assert_int_equal(part.refused_hypercalls, 0);
}

static void test_console_write_bad_buffers(void **state)
{
	static const u64 bad[][2] = {
		{ RAM, 1 },       { RAM - 1, 2 },    { ~0ULL, 1 },
		{ ~0ULL - 3, 8 }, { 0xfee00000, 4 }, { RAM - HV_CONSOLE_MAX + 1, HV_CONSOLE_MAX },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(call(HV_HC_CONSOLE_WRITE, bad[i][0], bad[i][1], 0), -HV_EFAULT);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, 0, HV_CONSOLE_MAX + 1, 0), -HV_EINVAL);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, 0, ~0ULL, 0), -HV_EINVAL);
	assert_int_equal(console_len, 0);
	assert_int_equal(part.refused_hypercalls, 8);
	assert_true(test_log_has("p7: warning: hypercall 0x1 from vCPU 1 refused: buffer outside"));
}

static void test_part_info(void **state)
{
	struct hv_part_info info;

	(void)state;
	memset(part.ram + 0x2000, 0xcc, 0x200);
	assert_int_equal(call(HV_HC_PART_INFO, 0x2000, 0x200, 0), sizeof(info));
	memcpy(&info, part.ram + 0x2000, sizeof(info));
	assert_string_equal(info.name, "p7");
	assert_int_equal(info.part_id, 6);
	assert_int_equal(info.vcpu, 1);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.host_cpu, 3);
	assert_int_equal(info.ram_size, RAM);
	assert_int_equal(info.exits, 42);
	assert_int_equal(info.irq_injected, 7);
	assert_int_equal(info.irq_timer, 3);
	assert_int_equal(info.irq_ipi, 1);
	assert_int_equal(info.irq_msi, 4);
	assert_int_equal(part.ram[0x2000 + sizeof(info)], 0xcc); /* nothing past the struct */
	/* a smaller buffer gets the start of the struct only */
	memset(part.ram + 0x3000, 0xcc, 0x100);
	assert_int_equal(call(HV_HC_PART_INFO, 0x3000, 4, 0), 4);
	assert_memory_equal(part.ram + 0x3000, "p7\0\0", 4);
	assert_int_equal(part.ram[0x3004], 0xcc);
	assert_int_equal(call(HV_HC_PART_INFO, 0x3000, 0, 0), -HV_EINVAL);
	assert_int_equal(call(HV_HC_PART_INFO, RAM - 8, sizeof(info), 0), -HV_EFAULT);
	assert_int_equal(call(HV_HC_PART_INFO, ~0ULL - 8, sizeof(info), 0), -HV_EFAULT);
	assert_int_equal(call(HV_HC_PART_INFO, RAM - 8, 8, 0), 8); /* exactly fits */
}

static void test_shutdown(void **state)
{
	(void)state;
	assert_int_equal(call(HV_HC_SHUTDOWN, 256, 0, 0), -HV_EINVAL);
	assert_int_equal(call(HV_HC_SHUTDOWN, ~0ULL, 0, 0), -HV_EINVAL);
	assert_int_equal(part.state, PART_RUNNING);
	assert_int_equal(call(HV_HC_SHUTDOWN, 3, 0, 0), 0);
	assert_int_equal(part.state, PART_STOPPED);
	assert_string_equal(stop_reason, "shut down by the guest (code 3)");
}

static void test_bad_numbers_and_callers(void **state)
{
	static const u64 nrs[] = { 0, HV_HC_COUNT, 0x100, BIT(63) | HV_HC_CONSOLE_WRITE, ~0ULL };

	(void)state;
	part.log_rl.burst = 20;
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		assert_int_equal(call(nrs[i], 0, 0, 0), -HV_ENOSYS);
	assert_int_equal(call(HV_HC_YIELD, 0, 0, 0), 0);
	/* a guest's user mode may not call the hypervisor at all */
	memcpy(part.ram, "x", 1);
	assert_int_equal(call(HV_HC_CONSOLE_WRITE, 0, 1, 3), -HV_EPERM);
	assert_int_equal(call(HV_HC_SHUTDOWN, 0, 0, 3), -HV_EPERM);
	assert_int_equal(part.state, PART_RUNNING);
	assert_int_equal(console_len, 0);
	assert_true(test_log_has("refused: not called from CPL 0"));
	assert_true(test_log_has("refused: unknown hypercall number"));
	assert_int_equal(part.refused_hypercalls, 7);
}

static void test_log_is_rate_limited(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++)
		call(0xdead, 0, 0, 0);
	assert_int_equal(part.refused_hypercalls, 1000);
	/* the doubles' ratelimit lets the burst (5) through and nothing after it */
	assert_true(strlen(test_log()) < 5 * 120);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_console_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_write_bad_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_part_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_numbers_and_callers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_is_rate_limited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
