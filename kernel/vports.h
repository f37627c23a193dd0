/* SPDX-License-Identifier: MIT */
/*
 * vports.h: a partition's I/O ports other than its UART and virtual PCI:
 * QEMU's debug-exit device, the PC's reset requests, port 0x92's A20 bit,
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

enum vports_action {
	VPORTS_DONE,  /* handled; an IN reads *val */
	VPORTS_EXIT,  /* the debug-exit port was written: *val is the exit code, (value << 1) | 1 */
	VPORTS_RESET, /* the guest asked the platform to reset: a partition does not restart */
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
