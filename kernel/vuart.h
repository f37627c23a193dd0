/* SPDX-License-Identifier: MIT */
/*
 * vuart.h: a partition's virtual 16550A at 0x3f8, as kernels' init code
 * probes it: THR always ready, the line, modem, scratch and divisor
 * registers kept, FIFO bits in IIR, loopback mode (MCR bit 4) looping THR
 * into RBR, interrupt identification in IIR; no input from outside and no
 * interrupt delivered. Output is collected into lines handed to an emit
 * callback, at most lines_per_window (VUART_LINES_PER_WINDOW unless the
 * partition's console_rate= says otherwise) lines per time window: a guest
 * flooding its console costs itself exits, not the hypervisor's console.
 */
#ifndef KERNEL_VUART_H
#define KERNEL_VUART_H

#include "kernel/types.h"

#define VUART_BASE             0x3f8
#define VUART_PORTS            8
#define VUART_LINE_MAX         160
#define VUART_LINES_PER_WINDOW 40

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 rbr;    /* the byte loopback mode received */
	bool dr;   /* LSR.DR: rbr holds a byte */
	bool fifo; /* FCR bit 0: FIFOs enabled */
	bool thri; /* a THR-empty interrupt is pending (IIR shows it while IER.ETBEI) */
	char line[VUART_LINE_MAX];
	u32 len;
	u64 window_ticks; /* length of a rate-limit window in the time unit of `now` */
	u64 window_start;
	u32 window_lines;
	u32 lines_per_window;
	u64 dropped; /* lines dropped since the last report */
	u64 dropped_total;
	/* Receives each complete line (no newline), or a "N lines dropped" notice. */
	void (*emit)(void *ctx, const char *line, size_t len);
	void *ctx;
};

/* Reset the registers; window_ticks is the rate-limit window (e.g. one second of TSC). */
void vuart_init(struct vuart *u, u64 window_ticks, void (*emit)(void *, const char *, size_t),
		void *ctx);

/* True for the eight ports the vUART decodes. */
static inline bool vuart_claims(u16 port)
{
	return port >= VUART_BASE && port < VUART_BASE + VUART_PORTS;
}

/* A guest IN from port (a vuart_claims() port). */
u8 vuart_read(struct vuart *u, u16 port);

/* A guest OUT of val to port; `now` is the current time for the rate limit. */
void vuart_write(struct vuart *u, u16 port, u8 val, u64 now);

/* Characters written through the console hypercall take the same path as THR writes. */
void vuart_putc(struct vuart *u, char c, u64 now);

/* Emit a partial line, if any, and the count of lines dropped (when the partition stops). */
void vuart_flush(struct vuart *u, u64 now);

#endif
