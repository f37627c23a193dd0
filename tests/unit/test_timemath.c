// SPDX-License-Identifier: MIT
/* test_timemath.c: TSC/APIC-timer/nanosecond conversions: exactness, rounding, no overflow. */
// sources: kernel/timemath.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/timemath.h"

#define U64_MAX     (~0ULL)
#define GHZ         1000000000ULL
#define MHZ         1000000ULL
#define PM_TIMER_HZ 3579545ULL
#define YEAR_NS     (365ULL * 24 * 3600 * NSEC_PER_SEC)

/* The host compiler has 128-bit division: the reference for tm_mul_div. */
static u64 ref_mul_div(u64 a, u64 b, u64 c, bool *ovf)
{
	unsigned __int128 q = (unsigned __int128)a * b / c;

	*ovf = q >> 64;
	return (u64)q;
}

static u64 rnd64(void)
{
	return ((u64)rand() << 62) ^ ((u64)rand() << 31) ^ (u64)rand();
}

static void test_mul_div_matches_128bit_reference(void **state)
{
	static const u64 edge[] = { 0,           1,           2,
				    3,           999,         NSEC_PER_SEC,
				    PM_TIMER_HZ, 5 * GHZ,     BIT(31),
				    BIT(32) - 1, BIT(32),     BIT(63) - 1,
				    BIT(63),     U64_MAX - 1, U64_MAX };
	(void)state;
	for (size_t i = 0; i < sizeof(edge) / 8; i++)
		for (size_t j = 0; j < sizeof(edge) / 8; j++)
			for (size_t k = 0; k < sizeof(edge) / 8; k++) {
				bool ovf, rovf;
				u64 got, want;

				if (!edge[k])
					continue;
				got = tm_mul_div(edge[i], edge[j], edge[k], &ovf);
				want = ref_mul_div(edge[i], edge[j], edge[k], &rovf);
				assert_int_equal(ovf, rovf);
				if (!ovf)
					assert_int_equal(got, want);
			}
	srand(4);
	for (int n = 0; n < 200000; n++) {
		u64 a = rnd64() >> (rand() % 64), b = rnd64() >> (rand() % 64);
		u64 c = (rnd64() >> (rand() % 64)) | 1;
		bool ovf, rovf;
		u64 got = tm_mul_div(a, b, c, &ovf), want = ref_mul_div(a, b, c, &rovf);

		assert_int_equal(ovf, rovf);
		if (!ovf)
			assert_int_equal(got, want);
		else
			assert_int_equal(got, U64_MAX);
	}
}

static void test_mul_div_zero_divisor(void **state)
{
	bool ovf = false;

	(void)state;
	assert_int_equal(tm_mul_div(5, 5, 0, &ovf), U64_MAX);
	assert_true(ovf);
	assert_int_equal(tm_mul_div(5, 5, 0, NULL), U64_MAX);
}

static void test_scale_rejects_bad_ratios(void **state)
{
	struct tm_scale s;

	(void)state;
	assert_int_equal(tm_scale_init(&s, 0, NSEC_PER_SEC), -EINVAL);
	assert_int_equal(tm_scale_init(&s, 5 * GHZ, 0), -EINVAL);
	assert_int_equal(tm_scale_init(&s, BIT(63), 1), -EINVAL);
	assert_int_equal(tm_scale_init(&s, U64_MAX, 1), -EINVAL);
	assert_int_equal(tm_scale_init(&s, 1, BIT(63) + 1), -EINVAL); /* factor rounds to 0 */
	assert_int_equal(tm_scale_init(&s, BIT(63) - 1, 1), 0);
	assert_int_equal(tm_scale(&s, 2), BIT(64 - 1) * 2 - 2);
	assert_int_equal(tm_scale(&s, 3), U64_MAX); /* saturates */
	assert_int_equal(tm_scale_init(&s, 1, BIT(63)), 0);
	assert_int_equal(tm_scale(&s, U64_MAX), 1);
}

/* One clock: ns -> ticks -> ns round trips, exact values, and saturation far out. */
static void check_clock(u64 hz)
{
	struct tm_scale to_ticks, to_ns;

	assert_int_equal(tm_scale_init(&to_ticks, hz, NSEC_PER_SEC), 0);
	assert_int_equal(tm_scale_init(&to_ns, NSEC_PER_SEC, hz), 0);
	/* One second is hz ticks, to within one tick. */
	assert_true(tm_scale(&to_ticks, NSEC_PER_SEC) + 1 >= hz);
	assert_true(tm_scale(&to_ticks, NSEC_PER_SEC) <= hz);
	assert_true(tm_scale(&to_ns, hz) + 1 >= NSEC_PER_SEC);
	assert_true(tm_scale(&to_ns, hz) <= NSEC_PER_SEC);
	/* 100 ms, 1 us, 0 */
	assert_true(llabs((long long)tm_scale(&to_ticks, 100 * NSEC_PER_MSEC) -
			  (long long)(hz / 10)) <= 1);
	assert_int_equal(tm_scale(&to_ticks, 0), 0);
	/* Ten years of ticks: no wrap, and within 1 ppm of the exact value. */
	{
		bool ovf;
		u64 ticks = tm_mul_div(10 * YEAR_NS, hz, NSEC_PER_SEC, &ovf);
		u64 ns = tm_scale(&to_ns, ticks);

		assert_false(ovf);
		assert_true(ns <= 10 * YEAR_NS + 1);
		assert_true(ns >= 10 * YEAR_NS - 10 * YEAR_NS / 1000000);
		assert_true(tm_scale(&to_ticks, 10 * YEAR_NS) <= ticks);
		assert_true(tm_scale(&to_ticks, 10 * YEAR_NS) >= ticks - ticks / 1000000);
	}
	/* The whole 64-bit range converts without wrapping: saturates or stays monotonic. */
	assert_true(tm_scale(&to_ns, U64_MAX) >= tm_scale(&to_ns, U64_MAX / 2));
	assert_true(tm_scale(&to_ticks, U64_MAX) >= tm_scale(&to_ticks, U64_MAX / 2));
}

static void test_conversions_5ghz(void **state)
{
	struct tm_scale to_ticks;

	(void)state;
	check_clock(5 * GHZ);
	assert_int_equal(tm_scale_init(&to_ticks, 5 * GHZ, NSEC_PER_SEC), 0);
	assert_int_equal(tm_scale(&to_ticks, NSEC_PER_SEC), 5 * GHZ); /* ratio 5 is exact */
	/* ns -> ticks at 5 GHz saturates instead of wrapping past 2^64 ticks (~117 years). */
	assert_int_equal(tm_scale(&to_ticks, U64_MAX), U64_MAX);
	assert_int_equal(tm_scale(&to_ticks, 200 * YEAR_NS), U64_MAX);
}

static void test_conversions_100mhz(void **state)
{
	struct tm_scale to_ns;

	(void)state;
	check_clock(100 * MHZ);
	assert_int_equal(tm_scale_init(&to_ns, NSEC_PER_SEC, 100 * MHZ), 0);
	assert_int_equal(tm_scale(&to_ns, 123456789), 1234567890); /* 10 ns a tick, exact */
	/* ticks -> ns at 100 MHz saturates past 2^64 ns (~584 years). */
	assert_int_equal(tm_scale(&to_ns, U64_MAX / 2), U64_MAX);
}

static void test_conversions_other_clocks(void **state)
{
	(void)state;
	check_clock(PM_TIMER_HZ);
	check_clock(1 * GHZ); /* QEMU's APIC timer bus */
	check_clock(2893202000ULL);
	check_clock(14318180); /* HPET */
	check_clock(1193182);  /* PIT */
	check_clock(19 * GHZ);
}

static void test_freq(void **state)
{
	(void)state;
	/* 50 ms of PM timer (178977 ticks) against a 5 GHz TSC. */
	assert_true(llabs((long long)tm_freq(250000000ULL, PM_TIMER_HZ, 178977) -
			  (long long)(5 * GHZ)) < 30000);
	assert_int_equal(tm_freq(100, PM_TIMER_HZ, 0), 0);
	assert_int_equal(tm_freq(U64_MAX, U64_MAX, 1), 0);
	assert_int_equal(tm_freq(5000000, 1193182, 1193182), 5000000);
}

#define LO    (10 * MHZ)
#define HI    (20 * GHZ)
#define AGREE 10000 /* 1 % */

static void test_pick_freq(void **state)
{
	u64 hz;

	(void)state;
	/* CPUID confirmed by the measurement (0.5 % apart): CPUID's exact value wins. */
	assert_int_equal(tm_pick_freq(2600 * MHZ, 2613 * MHZ, LO, HI, AGREE, &hz), TM_STATED);
	assert_int_equal(hz, 2600 * MHZ);
	/* CPUID contradicted (QEMU's tsc-frequency under TCG): the measurement wins. */
	assert_int_equal(tm_pick_freq(1 * GHZ, 2596142000ULL, LO, HI, AGREE, &hz), TM_MEASURED);
	assert_int_equal(hz, 2596142000ULL);
	/* CPUID absurd, or absent. */
	assert_int_equal(tm_pick_freq(5, 2596142000ULL, LO, HI, AGREE, &hz), TM_MEASURED);
	assert_int_equal(tm_pick_freq(U64_MAX, 2596142000ULL, LO, HI, AGREE, &hz), TM_MEASURED);
	assert_int_equal(tm_pick_freq(0, 100 * MHZ, LO, HI, AGREE, &hz), TM_MEASURED);
	assert_int_equal(hz, 100 * MHZ);
	/* No reference clock: CPUID alone, if believable. */
	assert_int_equal(tm_pick_freq(3 * GHZ, 0, LO, HI, AGREE, &hz), TM_STATED);
	assert_int_equal(hz, 3 * GHZ);
	/* Nothing believable: a clear "none", never a silent wrong clock. */
	assert_int_equal(tm_pick_freq(0, 0, LO, HI, AGREE, &hz), TM_NONE);
	assert_int_equal(hz, 0);
	assert_int_equal(tm_pick_freq(0, 3 * MHZ, LO, HI, AGREE, &hz), TM_NONE);
	assert_int_equal(tm_pick_freq(50 * GHZ, 0, LO, HI, AGREE, &hz), TM_NONE);
	assert_int_equal(tm_pick_freq(2 * GHZ, 40 * GHZ, LO, HI, AGREE, &hz), TM_NONE);
	/* Edges of agreement. */
	assert_int_equal(tm_pick_freq(101 * MHZ, 100 * MHZ, LO, HI, AGREE, &hz), TM_STATED);
	assert_int_equal(tm_pick_freq(102 * MHZ, 100 * MHZ, LO, HI, AGREE, &hz), TM_MEASURED);
}

static void test_ppm_diff(void **state)
{
	(void)state;
	assert_int_equal(tm_ppm_diff(100, 100), 0);
	assert_int_equal(tm_ppm_diff(101, 100), 10000);
	assert_int_equal(tm_ppm_diff(99, 100), 10000);
	assert_int_equal(tm_ppm_diff(5, 0), U64_MAX);
	assert_int_equal(tm_ppm_diff(U64_MAX, 1), U64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_div_matches_128bit_reference),
		cmocka_unit_test(test_mul_div_zero_divisor),
		cmocka_unit_test(test_scale_rejects_bad_ratios),
		cmocka_unit_test(test_conversions_5ghz),
		cmocka_unit_test(test_conversions_100mhz),
		cmocka_unit_test(test_conversions_other_clocks),
		cmocka_unit_test(test_freq),
		cmocka_unit_test(test_pick_freq),
		cmocka_unit_test(test_ppm_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
