// SPDX-License-Identifier: MIT
/* vports.c: debug exit, reset requests, port 0x92 and the floating bus of a partition. */
#include "kernel/vports.h"

#define RST_CPU         BIT(2) /* Reset Control Register (Intel PCH datasheets, CF9h) */
#define KBC_PULSE_RESET 0xfe   /* 8042 "pulse output line" with bit 0 (reset) low */
#define SYSCTL_A_RESET  BIT(0)
#define SYSCTL_A_A20    BIT(1)

static bool vports_in(u16 port, u16 base, u16 n)
{
	return port >= base && port - base < n;
}

/* A reset request among writes to the ports that can ask for one. */
static bool vports_reset(u16 port, u64 val)
{
	switch (port) {
	case VPORTS_RESET_CONTROL:
		return val & RST_CPU;
	case VPORTS_KBC_COMMAND:
		return (val & 0xff) == KBC_PULSE_RESET;
	case VPORTS_SYSCTL_A:
		return val & SYSCTL_A_RESET;
	default:
		return false;
	}
}

bool vports_floating(u16 port)
{
	return !vports_in(port, VPORTS_DEBUG_EXIT, VPORTS_DEBUG_EXIT_SIZE) &&
	       port != VPORTS_KBC_COMMAND && port != VPORTS_SYSCTL_A &&
	       port != VPORTS_RESET_CONTROL;
}

/* First floating-bus access to port? Remembers it. */
static bool vports_first(struct vports *vp, u16 port)
{
	u64 bit = BIT(port % 64);
	bool first = !(vp->logged[port / 64] & bit);

	vp->logged[port / 64] |= bit;
	return first;
}

enum vports_action vports_io(struct vports *vp, u16 port, u8 size, bool in, u64 *val, bool *first)
{
	*first = false;
	if (!in && vports_in(port, VPORTS_DEBUG_EXIT, VPORTS_DEBUG_EXIT_SIZE)) {
		/* QEMU exits with (value << 1) | 1, the value as wide as the write */
		*val = ((*val & (size >= 4 ? 0xffffffffULL : BIT(8 * size) - 1)) << 1) | 1;
		return VPORTS_EXIT;
	}
	if (!in && vports_reset(port, *val))
		return VPORTS_RESET;
	if (in && port == VPORTS_SYSCTL_A && size == 1) {
		*val = SYSCTL_A_A20; /* A20 is always enabled */
		return VPORTS_DONE;
	}
	if (!in && port == VPORTS_SYSCTL_A)
		return VPORTS_DONE; /* A20 cannot be turned off */
	*first = vports_first(vp, port);
	if (in)
		*val = size >= 4 ? 0xffffffffULL : BIT(8 * size) - 1;
	return VPORTS_DONE;
}
