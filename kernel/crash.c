// SPDX-License-Identifier: MIT
/*
 * crash.c: deliberate faults for tests (crash=). Each fault sits in a function
 * of its own so that a test can check that the report's RIP symbolises to it.
 */
#define LOG_TAG "crash"
#include "kernel/crash.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define __noinline __attribute__((noinline))

/* Targets: a read-only word, and a "ret" in a writable, non-executable page. */
static const u64 crash_ro_target __attribute__((used)) = 0x5afe;
static u8 crash_nx_code[16] __aligned(16) = { 0xc3 };
static volatile u64 crash_never; /* stays 0: the recursion and the assertion never end well */

static __noinline void crash_ud(void)
{
	__asm__ __volatile__("ud2");
}

static __noinline void crash_pf(void)
{
	__asm__ __volatile__("movq $0xbad, (%0)" ::"r"(&crash_ro_target) : "memory");
}

static __noinline void crash_null(void)
{
	u64 v;

	__asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(8ULL) : "memory");
}

static __noinline void crash_nx(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)crash_nx_code;

	fn();
}

static __noinline void crash_gp(void)
{
	u64 v;

	__asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(BIT(63)) : "memory");
}

static __noinline void crash_de(void)
{
	__asm__ __volatile__("xorl %%ecx, %%ecx\n\tdivl %%ecx" ::: "eax", "ecx", "edx");
}

/* 512 bytes a frame, never a tail call: the boot stack's guard page comes quickly. */
static __noinline u64 crash_stack_recurse(u64 depth)
{
	volatile u8 frame[512];

	frame[depth % sizeof(frame)] = (u8)depth;
	if (depth == crash_never - 1)
		return 0;
	return crash_stack_recurse(depth + 1) + frame[depth % sizeof(frame)];
}

static __noinline void crash_stack(void)
{
	crash_stack_recurse(0);
}

static __noinline void crash_panic(void)
{
	panic("crash=panic: a deliberate panic (test aid)");
}

static __noinline void crash_assert(void)
{
	assert(crash_never == 1);
}

static const struct {
	const char *name;
	void (*fn)(void);
} crash_table[] = {
	{ "ud", crash_ud },       { "pf", crash_pf },       { "null", crash_null },
	{ "nx", crash_nx },       { "gp", crash_gp },       { "de", crash_de },
	{ "stack", crash_stack }, { "panic", crash_panic }, { "assert", crash_assert },
};

bool crash_kind_ok(const char *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(crash_table); i++)
		if (!strcmp(kind, crash_table[i].name))
			return true;
	return false;
}

void crash_run(const char *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(crash_table); i++) {
		if (strcmp(kind, crash_table[i].name))
			continue;
		pr_info("crash=%s: triggering a deliberate fault (test aid)\n", kind);
		crash_table[i].fn();
		pr_err("crash=%s: the fault did not happen\n", kind);
	}
}
