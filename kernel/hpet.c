// SPDX-License-Identifier: MIT
/*
 * hpet.c: the HPET main counter (IA-PC HPET specification 1.0a, 2.3), used
 * only as a calibration reference: its comparators and interrupts are not.
 */
#define LOG_TAG "timer"
#include "kernel/acpi.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/refclk.h"
#include "kernel/timemath.h"

/* clang-format off */
#define HPET_GCAP_ID     0x000 /* General Capabilities and ID Register */
#define  HPET_COUNT_SIZE_CAP BIT(13) /* main counter is 64 bits wide */
#define  HPET_CLK_PERIOD(c)  ((c) >> 32) /* femtoseconds per tick */
#define HPET_GEN_CONF    0x010 /* General Configuration Register */
#define  HPET_ENABLE_CNF     BIT(0)
#define HPET_MAIN_CNT    0x0f0 /* Main Counter Value Register */
#define HPET_MAX_PERIOD_FS 100000000ULL /* 100 ns: the spec's upper bound (2.3.4) */
#define FSEC_PER_SEC       1000000000000000ULL
/* clang-format on */

static volatile u8 *hpet;

static u64 hpet_read(void)
{
	return mmio_read64(hpet + HPET_MAIN_CNT);
}

static struct refclk hpet_clk = { .name = "HPET", .read = hpet_read };

const struct refclk *hpet_probe(void)
{
	u64 cap, period;

	if (!acpi.have_hpet || !acpi.hpet.base)
		return NULL;
	hpet = ioremap(acpi.hpet.base, 0x400);
	if (!hpet)
		return NULL;
	cap = mmio_read64(hpet + HPET_GCAP_ID);
	period = HPET_CLK_PERIOD(cap);
	if (cap == ~0ULL || period == 0 || period > HPET_MAX_PERIOD_FS) {
		pr_err("HPET at 0x%llx: capabilities 0x%llx make no sense, ignored\n",
		       acpi.hpet.base, cap);
		return NULL;
	}
	hpet_clk.hz = FSEC_PER_SEC / period;
	hpet_clk.mask = (cap & HPET_COUNT_SIZE_CAP) ? ~0ULL : 0xffffffffULL;
	mmio_write64(hpet + HPET_GEN_CONF, mmio_read64(hpet + HPET_GEN_CONF) | HPET_ENABLE_CNF);
	return &hpet_clk;
}
