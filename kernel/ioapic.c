// SPDX-License-Identifier: MIT
/*
 * ioapic.c: I/O APICs (82093AA I/O APIC datasheet, 3.2). The hypervisor uses
 * none of their pins: its own devices (IOMMU fault event, NIC PF) interrupt
 * by MSI, and partitions' devices are theirs through VT-d interrupt
 * remapping. So every pin is masked at boot and stays masked.
 */
#define LOG_TAG "ioapic"
#include "kernel/ioapic.h"
#include "kernel/acpi.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"

/* clang-format off */
#define IOAPIC_REGSEL 0x00 /* I/O Register Select (index) */
#define IOAPIC_WIN    0x10 /* I/O Window (data) */
#define IOAPIC_VER    0x01 /* IOAPICVER: bits 23:16 = maximum redirection entry */
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n)) /* redirection entry n, low dword; high at +1 */
#define  IOAPIC_RTE_MASKED BIT(16)
/* clang-format on */

static u32 ioapic_read(volatile u8 *base, u32 reg)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	return mmio_read32(base + IOAPIC_WIN);
}

static void ioapic_write(volatile u8 *base, u32 reg, u32 v)
{
	mmio_write32(base + IOAPIC_REGSEL, reg);
	mmio_write32(base + IOAPIC_WIN, v);
}

static void ioapic_mask_one(const struct acpi_ioapic *io)
{
	volatile u8 *base;
	u32 ver, pins;

	if (!io->addr || !IS_ALIGNED(io->addr, 16)) {
		pr_err("I/O APIC %u at 0x%x: bad address in the MADT, skipped\n", io->id, io->addr);
		return;
	}
	base = ioremap(io->addr, 0x20);
	if (!base)
		return;
	ver = ioapic_read(base, IOAPIC_VER);
	pins = ((ver >> 16) & 0xff) + 1;
	if (ver == 0xffffffff || pins > 240) {
		pr_err("I/O APIC %u at 0x%x does not answer (version 0x%x), skipped\n", io->id,
		       io->addr, ver);
		return;
	}
	for (u32 pin = 0; pin < pins; pin++) {
		ioapic_write(base, IOAPIC_REDTBL(pin), IOAPIC_RTE_MASKED);
		ioapic_write(base, IOAPIC_REDTBL(pin) + 1, 0);
	}
	pr_info("I/O APIC %u at 0x%x: %u pins (GSI %u-%u), all masked\n", io->id, io->addr, pins,
		io->gsi_base, io->gsi_base + pins - 1);
}

void ioapic_mask_all(void)
{
	if (!acpi.have_madt)
		return;
	for (unsigned int i = 0; i < acpi.madt.ioapic_count && i < ACPI_MAX_IOAPICS; i++)
		ioapic_mask_one(&acpi.madt.ioapics[i]);
}
