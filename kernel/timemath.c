// SPDX-License-Identifier: MIT
/* timemath.c: clock conversions with 128-bit intermediates and no library division. */
#include "kernel/timemath.h"

#define U64_MAX (~0ULL)

/*
 * The freestanding build has no libgcc, so a 128-by-64 division is done by
 * hand: restoring long division, one quotient bit per step. Only calibration
 * and tm_scale_init use it, never a hot path.
 */
u64 tm_mul_div(u64 a, u64 b, u64 c, bool *overflow)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	u64 hi = (u64)(p >> 64), lo = (u64)p, q = 0, r = hi;

	if (c == 0 || hi >= c) { /* quotient would need more than 64 bits */
		if (overflow)
			*overflow = true;
		return U64_MAX;
	}
	for (int i = 63; i >= 0; i--) {
		bool carry = r >> 63; /* r << 1 would lose a bit: then it is surely >= c */

		r = (r << 1) | ((lo >> i) & 1);
		q <<= 1;
		if (carry || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	if (overflow)
		*overflow = false;
	return q;
}

int tm_scale_init(struct tm_scale *s, u64 num, u64 den)
{
	bool ovf = true;
	u64 mult = 0;
	int shift;

	if (!num || !den)
		return -EINVAL;
	/* The largest shift whose factor still fits below 2^63: the most precise one. */
	for (shift = 63; shift >= 0; shift--) {
		mult = tm_mul_div(num, BIT(shift), den, &ovf);
		if (!ovf && mult < BIT(63))
			break;
	}
	if (shift < 0 || !mult)
		return -EINVAL;
	s->mult = mult;
	s->shift = (u32)shift;
	return 0;
}

u64 tm_scale(const struct tm_scale *s, u64 x)
{
	unsigned __int128 p = ((unsigned __int128)x * s->mult) >> s->shift;

	return (p >> 64) ? U64_MAX : (u64)p;
}

u64 tm_freq(u64 ticks, u64 ref_hz, u64 ref_ticks)
{
	bool ovf;
	u64 hz = tm_mul_div(ticks, ref_hz, ref_ticks, &ovf);

	return ovf ? 0 : hz;
}

u64 tm_ppm_diff(u64 a, u64 b)
{
	return tm_mul_div(a > b ? a - b : b - a, 1000000, b, NULL);
}

enum tm_source tm_pick_freq(u64 stated, u64 measured, u64 lo, u64 hi, u64 agree_ppm, u64 *hz)
{
	bool stated_ok = stated >= lo && stated <= hi;
	bool measured_ok = measured >= lo && measured <= hi;

	*hz = 0;
	if (stated_ok && (!measured || tm_ppm_diff(stated, measured) <= agree_ppm)) {
		*hz = stated;
		return TM_STATED;
	}
	if (measured_ok) {
		*hz = measured;
		return TM_MEASURED;
	}
	return TM_NONE;
}
