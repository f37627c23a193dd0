// SPDX-License-Identifier: MIT
/*
 * pit.c: channel 2 of the 8254 programmable interval timer (Intel 8254
 * datasheet), the calibration reference of last resort. Channel 2's gate is
 * bit 0 of port 0x61, so it can run without touching the speaker or IRQ 0.
 */
#define LOG_TAG "timer"
#include "kernel/io.h"
#include "kernel/printk.h"
#include "kernel/refclk.h"

/* clang-format off */
#define PIT_HZ       1193182
#define PIT_CH2      0x42
#define PIT_MODE     0x43 /* control word register */
#define  PIT_SEL_CH2     (2U << 6)
#define  PIT_RW_LSB_MSB  (3U << 4)
#define  PIT_MODE2       (2U << 1) /* rate generator: counts down, reloads, forever */
#define  PIT_LATCH_CH2   (2U << 6) /* counter latch command for channel 2 */
#define PORT_B       0x61 /* NMI status and control: bit 0 gates channel 2, bit 1 drives the speaker */
#define  PORT_B_GATE2    BIT(0)
#define  PORT_B_SPEAKER  BIT(1)
/* clang-format on */

/* The count runs down from 65536; turned into an up-counter modulo 2^16. */
static u64 pit_read(void)
{
	u8 lo, hi;

	outb(PIT_MODE, PIT_LATCH_CH2);
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	return (u16)(0x10000 - (((u32)hi << 8) | lo));
}

static const struct refclk pit = { .name = "PIT", .hz = PIT_HZ, .mask = 0xffff, .read = pit_read };

const struct refclk *pit_probe(void)
{
	u64 first;

	outb(PORT_B, (u8)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_MODE, PIT_SEL_CH2 | PIT_RW_LSB_MSB | PIT_MODE2);
	outb(PIT_CH2, 0); /* reload value 0 means 65536 */
	outb(PIT_CH2, 0);
	first = pit_read();
	for (int i = 0; i < 100000; i++)
		if (pit_read() != first)
			return &pit;
	pr_err("PIT channel 2 does not count, ignored\n");
	return NULL;
}
