// SPDX-License-Identifier: MIT
/* test_ratelimit.c: log rate limits that start again every second (kernel/ratelimit.c). */
// sources: kernel/ratelimit.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kernel/printk.h"
#include "kernel/timer.h"

static u64 now_ns;

/* The clock the limit reads: the test moves it. */
u64 clock_ns(void)
{
	return now_ns;
}

/* Lets through as many of n events as the limit allows; returns how many. */
static u32 let_through(struct ratelimit *rl, u32 n, u32 *last)
{
	u32 passed = 0;

	for (u32 i = 0; i < n; i++) {
		u32 r = ratelimit_check(rl);

		if (r) {
			passed++;
			*last = r;
		}
	}
	return passed;
}

/* Before the TSC is calibrated the clock reads 0: the burst, then one in `every`, as ever. */
static void test_uncalibrated_counts_only(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(10, 1000);
	u32 last = 0;

	(void)state;
	now_ns = 0;
	assert_int_equal(let_through(&rl, 10, &last), 10);
	assert_int_equal(last, 1);
	assert_int_equal(let_through(&rl, 999, &last), 0);
	assert_int_equal(let_through(&rl, 1, &last), 1);
	assert_int_equal(last, 1000); /* the 999 suppressed, and this one */
}

/* A burst spent once does not silence the next second: the hole this closes. */
static void test_a_new_window_lets_lines_through_again(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(10, 1000);
	u32 last = 0;

	(void)state;
	now_ns = 5ULL * RATELIMIT_WINDOW_NS;
	assert_int_equal(let_through(&rl, 50000, &last), 10 + 49);
	now_ns += RATELIMIT_WINDOW_NS / 2;
	assert_int_equal(let_through(&rl, 9, &last), 0); /* same window: still limited */
	now_ns += RATELIMIT_WINDOW_NS / 2;
	assert_int_equal(let_through(&rl, 1, &last), 1);
	assert_int_equal(last, 990 + 9 + 1); /* what was missed since the last line, and it */
	assert_int_equal(let_through(&rl, 20, &last), 9);
}

/* Many events per window never let more than burst + events / every lines through. */
static void test_bounded_per_window(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(3, 100);
	u32 last = 0, total = 0;

	(void)state;
	now_ns = 100ULL * RATELIMIT_WINDOW_NS;
	for (int s = 0; s < 10; s++) {
		u32 n = let_through(&rl, 1000, &last);

		assert_true(n <= 3 + 1000 / 100);
		total += n;
		now_ns += RATELIMIT_WINDOW_NS;
	}
	assert_int_equal(total, 10 * (3 + 9));
}

/* A clock that goes backwards (another CPU's TSC) starts no window and breaks nothing. */
static void test_clock_backwards(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(2, 0);
	u32 last = 0;

	(void)state;
	now_ns = 10ULL * RATELIMIT_WINDOW_NS;
	assert_int_equal(let_through(&rl, 5, &last), 2);
	now_ns -= 1000;
	assert_int_equal(let_through(&rl, 5, &last), 0);
	now_ns += 2 * RATELIMIT_WINDOW_NS;
	assert_int_equal(let_through(&rl, 5, &last), 2);
	assert_int_equal(last, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncalibrated_counts_only),
		cmocka_unit_test(test_a_new_window_lets_lines_through_again),
		cmocka_unit_test(test_bounded_per_window),
		cmocka_unit_test(test_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
