/* SPDX-License-Identifier: MIT */
/* uart.h: the 16550 serial console (COM1). */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include "kernel/types.h"

/* Program COM1 for 115200 8N1 and register it as a console sink. */
void uart_init(void);
void uart_putc(char c);

#endif
