/* SPDX-License-Identifier: MIT */
/*
 * vports.h: a partition's I/O ports other than its UART and virtual PCI:
 * QEMU's debug-exit device, the PC's reset requests, port 0x92's A20 bit,
 * the ACPI sleep registers (power off),
 * and the floating bus every other port shows (reads all ones, writes
 * dropped). Pure decisions over the access; kernel/vcpu.c acts on them
 * (guests/README.md, "Devices and I/O ports").
 */
#ifndef KERNEL_VPORTS_H
#define KERNEL_VPORTS_H

#include "kernel/types.h"

#define VPORTS_DEBUG_EXIT      0xf4 /* QEMU's isa-debug-exit with iobase=0xf4, iosize=4 */
#define VPORTS_DEBUG_EXIT_SIZE 4
#define VPORTS_KBC_COMMAND     0x64  /* 8042 keyboard controller: command 0xfe pulses reset */
#define VPORTS_SYSCTL_A        0x92  /* System Control Port A: bit 0 fast reset, bit 1 A20 */
#define VPORTS_RESET_CONTROL   0xcf9 /* Reset Control Register: bit 2 resets the CPU */
/* The sleep control and status registers of a partition's hardware-reduced FADT (kernel/vacpi.c). */
#define VPORTS_SLEEP_CONTROL 0x604
#define VPORTS_SLEEP_STATUS  0x605
#define VPORTS_SLP_TYP(v)    (((v) >> 2) & 7) /* ACPI 6.4 4.8.3.7 Sleep Control Register */
#define VPORTS_SLP_EN        BIT(5)
#define VPORTS_SLP_TYP_S5    5 /* \_S5's SLP_TYP in the partition's DSDT: soft off */

enum vports_action {
	VPORTS_DONE,  /* handled; an IN reads *val */
	VPORTS_EXIT,  /* the debug-exit port was written: *val is the exit code, (value << 1) | 1 */
	VPORTS_RESET, /* the guest asked the platform to reset: a partition does not restart */
	VPORTS_POWEROFF, /* SLP_EN with SLP_TYP S5 in the sleep control register: soft off */
};

struct vports {
	u64 logged[65536 / 64]; /* ports whose first floating-bus access has been reported */
};

/* True for a port on the floating bus (none of the ports above). */
bool vports_floating(u16 port);

/*
 * Decide an IN (in) or OUT of `size` bytes (1, 2, 4) at `port`; *val is the
 * value written, or receives the value read. *first is set when this is the
 * port's first access on the floating bus (the caller logs it, rate-limited).
 */
enum vports_action vports_io(struct vports *vp, u16 port, u8 size, bool in, u64 *val, bool *first);

#endif
