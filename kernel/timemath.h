/* SPDX-License-Identifier: MIT */
/*
 * timemath.h: overflow-safe conversions between clocks (TSC, APIC timer,
 * nanoseconds). Pure integer code, compiled into the host unit tests as well.
 */
#ifndef KERNEL_TIMEMATH_H
#define KERNEL_TIMEMATH_H

#include "kernel/types.h"

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

/*
 * A fixed-point factor: tm_scale(s, x) = (x * mult) >> shift ~ x * num / den,
 * with mult normalised into [2^62, 2^63) where the ratio allows, so the
 * factor is good to about one part in 2^62. Converting with a 64x64->128-bit
 * product needs no division on the hot path (clock_ns, timer_arm).
 */
struct tm_scale {
	u64 mult; /* floor(num * 2^shift / den) */
	u32 shift;
};

/*
 * floor(a * b / c) computed exactly over 128 bits. Returns U64_MAX and sets
 * *overflow (if given) when c is 0 or the result does not fit in 64 bits.
 */
u64 tm_mul_div(u64 a, u64 b, u64 c, bool *overflow);

/*
 * Set s to convert at the ratio num/den (e.g. num = TSC Hz, den = NSEC_PER_SEC
 * turns nanoseconds into TSC ticks). Returns 0, or -EINVAL when num or den is
 * 0, the ratio is 2^63 or more, or it is below 2^-63 (the factor would not fit).
 */
int tm_scale_init(struct tm_scale *s, u64 num, u64 den);

/* x * num / den for the ratio s was set to; saturates at U64_MAX instead of wrapping. */
u64 tm_scale(const struct tm_scale *s, u64 x);

/*
 * The frequency of a counter that advanced `ticks` while a reference clock of
 * ref_hz advanced ref_ticks: ticks * ref_hz / ref_ticks. 0 if ref_ticks is 0
 * or the result overflows.
 */
u64 tm_freq(u64 ticks, u64 ref_hz, u64 ref_ticks);

/* |a - b| in parts per million of b (saturating; U64_MAX when b is 0). */
u64 tm_ppm_diff(u64 a, u64 b);

enum tm_source { TM_NONE, TM_STATED, TM_MEASURED };

/*
 * Choose a frequency from what the hardware states (CPUID; 0 = nothing) and
 * what was measured (0 = nothing): the stated one when it lies in [lo, hi]
 * and agrees with the measurement, if there is one, to within agree_ppm;
 * otherwise the measured one when it lies in [lo, hi]. Returns the choice and
 * sets *hz (0 with TM_NONE: nothing believable).
 */
enum tm_source tm_pick_freq(u64 stated, u64 measured, u64 lo, u64 hi, u64 agree_ppm, u64 *hz);

#endif
