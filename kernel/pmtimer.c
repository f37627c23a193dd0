// SPDX-License-Identifier: MIT
/*
 * pmtimer.c: the ACPI power-management timer (ACPI spec 4.8.3.3 "Power
 * Management Timer"): a 24- or 32-bit up-counter at 3.579545 MHz, read
 * through the I/O port the FADT names.
 */
#define LOG_TAG "timer"
#include "kernel/acpi.h"
#include "kernel/io.h"
#include "kernel/printk.h"
#include "kernel/refclk.h"

#define PM_TIMER_HZ 3579545

static u16 pm_port;

static u64 pmtimer_read(void)
{
	return inl(pm_port);
}

static struct refclk pmtimer = { .name = "ACPI PM timer", .hz = PM_TIMER_HZ, .read = pmtimer_read };

/* A counter that never moves is no clock: give it a generous number of reads. */
static bool pmtimer_ticks(void)
{
	u64 first = pmtimer_read() & pmtimer.mask;

	for (int i = 0; i < 100000; i++)
		if ((pmtimer_read() & pmtimer.mask) != first)
			return true;
	return false;
}

const struct refclk *pmtimer_probe(void)
{
	if (!acpi.have_fadt || !acpi.fadt.pm_timer_port)
		return NULL;
	if (acpi.fadt.pm_timer_port > 0xfffc) {
		pr_err("FADT PM timer port 0x%x is not an I/O port, ignored\n",
		       acpi.fadt.pm_timer_port);
		return NULL;
	}
	pm_port = (u16)acpi.fadt.pm_timer_port;
	pmtimer.mask = acpi.fadt.pm_timer_32bit ? 0xffffffffULL : 0xffffffULL;
	if (!pmtimer_ticks()) {
		pr_err("the ACPI PM timer at port 0x%x does not count, ignored\n", pm_port);
		return NULL;
	}
	return &pmtimer;
}
