/* SPDX-License-Identifier: MIT */
/* format.h: the hypervisor's own printf formatting (no libc). */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include "kernel/types.h"

/*
 * Format into buf (always NUL-terminated when size > 0). Supports the flags
 * '-' and '0', a field width (number or '*'), a precision for %s ('.N' or
 * '.*'), the length modifiers hh, h, l, ll, z, and the conversions
 * d i u x X o p s c %. Returns the length the full output would have had.
 */
int vsnformat(char *buf, size_t size, const char *fmt, va_list ap);
int snformat(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
