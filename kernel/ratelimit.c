// SPDX-License-Identifier: MIT
/* ratelimit.c: the rate limit of log lines a guest or device can trigger (kernel/printk.h). */
#include "kernel/printk.h"
#include "kernel/timer.h"

u32 ratelimit_check(struct ratelimit *rl)
{
	u64 now = clock_ns(), start = __atomic_load_n(&rl->window, __ATOMIC_RELAXED);
	u32 seen;

	/*
	 * Races between CPUs only blur the count; one of them starts the new window.
	 * Signed: a clock read on a CPU whose TSC is behind must not start one.
	 */
	if ((s64)(now - start) >= (s64)RATELIMIT_WINDOW_NS &&
	    __atomic_compare_exchange_n(&rl->window, &start, now, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		__atomic_store_n(&rl->seen, 0, __ATOMIC_RELAXED);
	seen = __atomic_add_fetch(&rl->seen, 1, __ATOMIC_RELAXED);
	if (seen <= rl->burst || (rl->every && (seen - rl->burst) % rl->every == 0))
		return __atomic_exchange_n(&rl->missed, 0, __ATOMIC_RELAXED) + 1;
	__atomic_add_fetch(&rl->missed, 1, __ATOMIC_RELAXED);
	return 0;
}
