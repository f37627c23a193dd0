/* SPDX-License-Identifier: MIT */
/*
 * refclk.h: a free-running counter of known frequency (ACPI PM timer, HPET,
 * PIT) that the TSC and the APIC timer are calibrated against.
 */
#ifndef KERNEL_REFCLK_H
#define KERNEL_REFCLK_H

#include "kernel/types.h"

struct refclk {
	const char *name; /* for the log: "ACPI PM timer" */
	u64 hz;
	u64 mask; /* the counter counts up and wraps after mask */
	u64 (*read)(void);
};

/* Ticks from `from` to `to`, correct across one wrap of the counter. */
static inline u64 refclk_delta(const struct refclk *r, u64 from, u64 to)
{
	return (to - from) & r->mask;
}

/* The reference clocks; each returns NULL (with a log line saying why) when absent or dead. */
const struct refclk *pmtimer_probe(void);
const struct refclk *hpet_probe(void);
const struct refclk *pit_probe(void);

#endif
