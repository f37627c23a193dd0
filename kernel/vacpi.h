/* SPDX-License-Identifier: MIT */
/*
 * vacpi.h: the ACPI tables a partition's operating system finds (ACPI 6.4,
 * chapter 5): RSDP, XSDT, a hardware-reduced FADT (no PIC, PIT, PM timer,
 * GPEs or SCI), a tiny DSDT (the PCI root bridge of the virtual bus, a
 * motherboard resource reserving its ECAM window, \_S5), a MADT with the
 * partition's own vCPUs and an MCFG for the ECAM window. Generated per
 * partition; pure logic over a buffer, so host unit tests verify every
 * checksum (guests/README.md, "Linux in a partition").
 */
#ifndef KERNEL_VACPI_H
#define KERNEL_VACPI_H

#include "kernel/types.h"

/*
 * The FADT's sleep control and status registers are vports' (kernel/vports.h:
 * SLP_EN with \_S5's SLP_TYP powers the partition off); its reset register is
 * the PC's 0xcf9, which vports treats as a reset request.
 */
#define VACPI_RESET_PORT  0xcf9 /* the FADT's reset register: RST_CPU | SYS_RST */
#define VACPI_RESET_VALUE 0x06
#define VACPI_LAPIC_BASE  0xfee00000U

struct vacpi_config {
	u32 cpu_count;            /* Local APIC IDs 0 .. cpu_count - 1 (at most VACPI_MAX_CPUS) */
	u64 ecam_base;            /* bus 0's 1 MiB ECAM window (MCFG, reserved by PNP0C02) */
	u64 mmio_base, mmio_size; /* the root bridge's memory window: where BARs lie */
};

#define VACPI_MAX_CPUS 64
#define VACPI_SIZE     4096 /* room the tables need at most */

/*
 * Write the tables into buf, which the guest sees at guest-physical gpa
 * (buf holds size bytes). The RSDP comes first, at gpa itself (16-byte
 * aligned, so a scan of 0xE0000-0xFFFFF finds it too). Returns the number of
 * bytes used, or -ENOSPC / -EINVAL (cpu_count 0 or too large, gpa unaligned,
 * no memory window, an ECAM base of 0 or not 1 MiB aligned).
 */
int vacpi_build(u8 *buf, u64 gpa, u64 size, const struct vacpi_config *c);

#endif
