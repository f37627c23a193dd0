// SPDX-License-Identifier: MIT
/*
 * fuzz_ports.c: a partition's I/O ports as kernel/vcpu.c routes a guest's
 * IN and OUT: the 16550A vUART (kernel/vuart.c) byte by byte, every other
 * port through kernel/vports.c (debug exit, reset requests, port 0x92, the
 * floating bus), plus console hypercall characters (vuart_putc). The input
 * is the console rate, then accesses: kind, port, value, time step.
 * Checked: console lines stay short, single-line and free of control
 * characters, the rate limit holds, the floating bus reads all ones, exits
 * and resets come only from their ports, each port is reported once.
 */
// sources: kernel/vuart.c kernel/vports.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/vports.h"
#include "kernel/vuart.h"
#include "tests/fuzz/fuzz.h"

#define WINDOW_TICKS 1000

static struct vuart uart;
static struct vports ports;
static u64 reported[65536 / 64];
static u64 cur_window;
static u32 window_emits;

static void emit(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	FUZZ_CHECK(n <= VUART_LINE_MAX && memchr(s, '\n', n) == NULL);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(((unsigned char)s[i] >= 0x20 || s[i] == '\t') && s[i] != 0x7f);
	if (uart.window_start != cur_window) {
		cur_window = uart.window_start;
		window_emits = 0;
	}
	/* the window's lines, plus a dropped-lines notice and a final flush's one */
	FUZZ_CHECK(++window_emits <= uart.lines_per_window + 2);
}

/* What kernel/vcpu.c does with an access outside the UART. */
static void other_port(u16 port, u8 size, bool in, u64 val)
{
	u64 mask = size >= 4 ? 0xffffffffULL : BIT(8 * size) - 1, v = val & mask;
	bool first;
	enum vports_action a = vports_io(&ports, port, size, in, &v, &first);

	if (first) { /* logged once per port */
		FUZZ_CHECK(!(reported[port / 64] & BIT(port % 64)));
		reported[port / 64] |= BIT(port % 64);
	}
	if (a == VPORTS_EXIT) {
		FUZZ_CHECK(!in && port >= VPORTS_DEBUG_EXIT &&
			   port < VPORTS_DEBUG_EXIT + VPORTS_DEBUG_EXIT_SIZE);
		FUZZ_CHECK((v & 1) && (v >> 1) <= mask);
	} else if (a == VPORTS_RESET) {
		FUZZ_CHECK(!in && (port == VPORTS_KBC_COMMAND || port == VPORTS_SYSCTL_A ||
				   port == VPORTS_RESET_CONTROL));
	} else {
		FUZZ_CHECK(a == VPORTS_DONE);
		if (in && vports_floating(port))
			FUZZ_CHECK(v == mask); /* the floating bus */
	}
}

static void uart_port(u16 port, u8 size, bool in, u64 val, u64 now)
{
	for (u32 i = 0; i < size; i++) {
		if (in)
			(void)vuart_read(&uart, (u16)(port + i));
		else
			vuart_write(&uart, (u16)(port + i), (u8)(val >> (8 * i)), now);
	}
}

static void access(struct fuzz_in *in, u64 now)
{
	static const u16 hot[] = {
		0x3f8, 0x3fb, 0x3fc, 0x3fd, 0x3ff, 0xf4, 0xf6, 0x64, 0x92, 0xcf9
	};
	u8 op = fuzz_u8(in), size = (u8)(1u << ((op & 3) % 3));
	u16 port = fuzz_u16(in);
	u64 val = fuzz_u32(in);

	if (op & BIT(4))
		port = (u16)(hot[port % ARRAY_SIZE(hot)] + ((op >> 5) & 7));
	if (op & BIT(3))
		vuart_putc(&uart, (char)val, now);
	else if ((u32)port + size - 1 <= 0xffff && vuart_claims(port) &&
		 vuart_claims((u16)(port + size - 1)))
		uart_port(port, size, op & BIT(2), val, now);
	else
		other_port(port, size, op & BIT(2), val);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u16 rate = fuzz_u16(&in);
	u64 now = 0;

	vuart_init(&uart, WINDOW_TICKS, emit, NULL);
	if (rate)
		uart.lines_per_window = rate % 200 + 1;
	memset(&ports, 0, sizeof(ports));
	memset(reported, 0, sizeof(reported));
	cur_window = 0;
	window_emits = 0;
	while (in.left) {
		access(&in, now);
		now += fuzz_u8(&in) * 8;
		FUZZ_CHECK(uart.len < VUART_LINE_MAX);
	}
	vuart_flush(&uart, now);
	return 0;
}
