// SPDX-License-Identifier: MIT
/* uart.c: polled 16550 UART driver for the serial console (PC16550D datasheet). */
#include "drivers/uart.h"
#include "kernel/io.h"
#include "kernel/printk.h"

#define UART_BASE     0x3f8 /* COM1 */
#define UART_CLOCK    115200 /* divisor-latch input clock / 16 */
#define UART_BAUD     115200

#define UART_THR      0 /* Transmitter Holding Register (DLAB=0) */
#define UART_DLL      0 /* Divisor Latch LSB (DLAB=1) */
#define UART_IER      1 /* Interrupt Enable Register */
#define UART_DLM      1 /* Divisor Latch MSB (DLAB=1) */
#define UART_FCR      2 /* FIFO Control Register */
#define  UART_FCR_ENABLE  BIT(0)
#define  UART_FCR_CLEAR   (BIT(1) | BIT(2))
#define UART_LCR      3 /* Line Control Register */
#define  UART_LCR_8N1     0x03
#define  UART_LCR_DLAB    BIT(7)
#define UART_MCR      4 /* Modem Control Register */
#define  UART_MCR_DTR     BIT(0)
#define  UART_MCR_RTS     BIT(1)
#define UART_LSR      5 /* Line Status Register */
#define  UART_LSR_THRE    BIT(5)

void uart_putc(char c)
{
	/* Bounded wait: a missing UART reads 0xff (THRE set) and never hangs us. */
	for (int i = 0; i < 100000 && !(inb(UART_BASE + UART_LSR) & UART_LSR_THRE); i++)
		cpu_relax();
	outb(UART_BASE + UART_THR, (u8)c);
}

static void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

static struct console uart_console = { .name = "uart", .write = uart_write };

void uart_init(void)
{
	u16 div = UART_CLOCK / UART_BAUD;

	outb(UART_BASE + UART_IER, 0);
	outb(UART_BASE + UART_LCR, UART_LCR_DLAB);
	outb(UART_BASE + UART_DLL, div & 0xff);
	outb(UART_BASE + UART_DLM, div >> 8);
	outb(UART_BASE + UART_LCR, UART_LCR_8N1);
	outb(UART_BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
	outb(UART_BASE + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	console_register(&uart_console);
}
