// SPDX-License-Identifier: MIT
/* vuart.c: the virtual 16550 (PC16550D datasheet register names) with line-rate limiting. */
#include "kernel/vuart.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define UART_RBR        0 /* Receiver Buffer (read, DLAB=0) / THR (write) / DLL (DLAB=1) */
#define UART_IER        1 /* Interrupt Enable / DLM (DLAB=1) */
#define UART_IIR        2 /* Interrupt Identification (read) / FCR (write) */
#define UART_IIR_NO_INT BIT(0)
#define UART_LCR        3 /* Line Control */
#define UART_LCR_DLAB   BIT(7)
#define UART_MCR        4 /* Modem Control */
#define UART_LSR        5 /* Line Status */
#define UART_LSR_THRE   BIT(5)
#define UART_LSR_TEMT   BIT(6)
#define UART_MSR        6 /* Modem Status */
#define UART_MSR_CTS    BIT(4)
#define UART_MSR_DSR    BIT(5)
#define UART_MSR_DCD    BIT(7)
#define UART_SCR        7 /* Scratch */

void vuart_init(struct vuart *u, u64 window_ticks, void (*emit)(void *, const char *, size_t),
		void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lcr = 0x03;
	u->window_ticks = window_ticks ? window_ticks : 1;
	u->emit = emit;
	u->ctx = ctx;
}

u8 vuart_read(struct vuart *u, u16 port)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (port - VUART_BASE) {
	case UART_RBR:
		return dlab ? u->dll : 0; /* no input */
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return UART_IIR_NO_INT;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT; /* always ready to send */
	case UART_MSR:
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	default:
		return u->scr;
	}
}

/* Start a new window when the current one is over; report what the last one dropped. */
static void vuart_window(struct vuart *u, u64 now)
{
	char note[64];
	int n;

	if (now - u->window_start < u->window_ticks)
		return;
	u->window_start = now;
	u->window_lines = 0;
	if (!u->dropped)
		return;
	n = snformat(note, sizeof(note), "(vuart: %llu lines dropped, rate limit)", u->dropped);
	u->dropped = 0;
	u->window_lines++;
	u->emit(u->ctx, note, (size_t)MIN(n, (int)sizeof(note) - 1));
}

static void vuart_emit_line(struct vuart *u, u64 now)
{
	vuart_window(u, now);
	if (u->window_lines < VUART_LINES_PER_WINDOW) {
		u->window_lines++;
		u->emit(u->ctx, u->line, u->len);
	} else {
		u->dropped++;
		u->dropped_total++;
	}
	u->len = 0;
}

void vuart_putc(struct vuart *u, char c, u64 now)
{
	if (c == '\n') {
		vuart_emit_line(u, now);
		return;
	}
	if (c == '\r')
		return;
	/* Control characters could rewrite the host's terminal: show them as '?'. */
	u->line[u->len++] = ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
	if (u->len == VUART_LINE_MAX)
		vuart_emit_line(u, now);
}

void vuart_write(struct vuart *u, u16 port, u8 val, u64 now)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (port - VUART_BASE) {
	case UART_RBR:
		if (dlab)
			u->dll = val;
		else
			vuart_putc(u, (char)val, now);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break; /* FCR, LSR, MSR: nothing to keep */
	}
}

void vuart_flush(struct vuart *u, u64 now)
{
	if (u->len)
		vuart_emit_line(u, now);
}
