// SPDX-License-Identifier: MIT
/* vuart.c: the virtual 16550A (PC16550D datasheet register names) with line-rate limiting. */
#include "kernel/vuart.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define UART_RBR        0      /* Receiver Buffer (read, DLAB=0) / THR (write) / DLL (DLAB=1) */
#define UART_IER        1      /* Interrupt Enable / DLM (DLAB=1) */
#define UART_IER_ERBFI  BIT(0) /* received data available */
#define UART_IER_ETBEI  BIT(1) /* transmitter holding register empty */
#define UART_IIR        2      /* Interrupt Identification (read) / FCR (write) */
#define UART_IIR_NO_INT BIT(0)
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0 /* both bits set: FIFOs enabled (16550A) */
#define UART_FCR_ENABLE BIT(0)
#define UART_FCR_CLR_RX BIT(1)
#define UART_LCR        3 /* Line Control */
#define UART_LCR_DLAB   BIT(7)
#define UART_MCR        4 /* Modem Control */
#define UART_MCR_LOOP   BIT(4)
#define UART_LSR        5 /* Line Status */
#define UART_LSR_DR     BIT(0)
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
	u->lcr = 0x03; /* 8N1, as a boot loader leaves it */
	u->window_ticks = window_ticks ? window_ticks : 1;
	u->lines_per_window = VUART_LINES_PER_WINDOW;
	u->emit = emit;
	u->ctx = ctx;
}

/* IIR: the pending interrupt of highest priority (datasheet table 4), and the FIFO bits. */
static u8 vuart_iir(struct vuart *u)
{
	u8 fifo = u->fifo ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_ERBFI) && u->dr)
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_ETBEI) && u->thri) {
		u->thri = false; /* reading IIR clears a THR-empty interrupt */
		return fifo | UART_IIR_THRI;
	}
	return fifo | UART_IIR_NO_INT;
}

/* MSR: in loopback the modem inputs follow MCR (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). */
static u8 vuart_msr(const struct vuart *u)
{
	u8 m = u->mcr;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (u8)(((m & 2) << 3) | ((m & 1) << 5) | ((m & 4) << 4) | ((m & 8) << 4));
}

u8 vuart_read(struct vuart *u, u16 port)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (port - VUART_BASE) {
	case UART_RBR:
		if (dlab)
			return u->dll;
		u->dr = false;
		return u->rbr; /* only loopback mode ever receives */
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return vuart_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->dr ? UART_LSR_DR : 0); /* always ready */
	case UART_MSR:
		return vuart_msr(u);
	default:
		return u->scr;
	}
}

/* Say how many lines the rate limit dropped since the last report, if any. */
static void vuart_report_dropped(struct vuart *u)
{
	char note[64];
	int n;

	if (!u->dropped)
		return;
	n = snformat(note, sizeof(note), "(vuart: %llu lines dropped, rate limit)", u->dropped);
	u->dropped = 0;
	u->window_lines++;
	u->emit(u->ctx, note, (size_t)MIN(n, (int)sizeof(note) - 1));
}

/* Start a new window when the current one is over; report what the last one dropped. */
static void vuart_window(struct vuart *u, u64 now)
{
	if (now - u->window_start < u->window_ticks)
		return;
	u->window_start = now;
	u->window_lines = 0;
	vuart_report_dropped(u);
}

static void vuart_emit_line(struct vuart *u, u64 now)
{
	vuart_window(u, now);
	if (u->window_lines < u->lines_per_window) {
		u->window_lines++;
		u->emit(u->ctx, u->line, u->len);
	} else {
		u->dropped++;
		u->dropped_total++;
	}
	u->len = 0;
}

static bool vuart_printable(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

void vuart_putc(struct vuart *u, char c, u64 now)
{
	if (c == '\n') {
		vuart_emit_line(u, now);
		return;
	}
	if (c == '\r')
		return;
	/*
	 * Only printable ASCII and tab reach the host's console: C0 controls, DEL
	 * and every byte >= 0x80 (0x9b is a one-byte CSI on 8-bit terminals, and a
	 * partial UTF-8 sequence could swallow the prefix of the next line) are '?'.
	 */
	u->line[u->len++] = vuart_printable((unsigned char)c) ? c : '?';
	if (u->len == VUART_LINE_MAX)
		vuart_emit_line(u, now);
}

/* A THR write: sent at once (so THR is empty again), or looped back into RBR. */
static void vuart_thr(struct vuart *u, u8 val, u64 now)
{
	if (u->mcr & UART_MCR_LOOP) {
		u->rbr = val;
		u->dr = true;
	} else {
		vuart_putc(u, (char)val, now);
	}
	u->thri = true;
}

static void vuart_fcr(struct vuart *u, u8 val)
{
	u->fifo = val & UART_FCR_ENABLE;
	if (val & UART_FCR_CLR_RX)
		u->dr = false;
}

void vuart_write(struct vuart *u, u16 port, u8 val, u64 now)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (port - VUART_BASE) {
	case UART_RBR:
		if (dlab)
			u->dll = val;
		else
			vuart_thr(u, val, now);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* enabling ETBEI with THR empty raises the interrupt at once */
		if ((val & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
			u->thri = true;
		u->ier = val & 0x0f;
		break;
	case UART_IIR:
		vuart_fcr(u, val);
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
		break; /* LSR, MSR: read-only */
	}
}

void vuart_flush(struct vuart *u, u64 now)
{
	if (u->len)
		vuart_emit_line(u, now);
	vuart_report_dropped(u);
}
