// SPDX-License-Identifier: MIT
/* printf.c: console output and a small vsnprintf (d i u x X p s c %, l/ll/z, width, 0, -). */
#include "guests/lib/guest.h"

void console_putc(char c)
{
	outb(boot_info ? (u16)boot_info->uart_port : 0x3f8, (u8)c);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		console_putc(s[i]);
}

struct out {
	char *buf;
	size_t size, len;
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, u64 v, unsigned base, bool neg, int width, char pad, bool left,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (neg ? 1 : 0);
	for (int i = len; !left && pad == ' ' && i < width; i++)
		out_c(o, ' ');
	if (neg)
		out_c(o, '-');
	for (int i = len; !left && pad == '0' && i < width; i++)
		out_c(o, '0');
	while (n)
		out_c(o, tmp[--n]);
	for (int i = len; left && i < width; i++)
		out_c(o, ' ');
}

static u64 arg_unsigned(va_list *ap, int lng)
{
	return lng >= 2   ? va_arg(*ap, unsigned long long)
	       : lng == 1 ? va_arg(*ap, unsigned long)
			  : va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int lng)
{
	return lng >= 2 ? va_arg(*ap, long long) : lng == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
}

static void out_str(struct out *o, const char *s, int width, bool left)
{
	int n = (int)strlen(s ? s : "(null)");

	for (int i = n; !left && i < width; i++)
		out_c(o, ' ');
	for (const char *p = s ? s : "(null)"; *p; p++)
		out_c(o, *p);
	for (int i = n; left && i < width; i++)
		out_c(o, ' ');
}

static void out_conv(struct out *o, char c, va_list *ap, int lng, int width, char pad, bool left)
{
	switch (c) {
	case 'd':
	case 'i': {
		s64 v = arg_signed(ap, lng);

		out_num(o, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, left, false);
		break;
	}
	case 'u':
		out_num(o, arg_unsigned(ap, lng), 10, false, width, pad, left, false);
		break;
	case 'x':
		out_num(o, arg_unsigned(ap, lng), 16, false, width, pad, left, false);
		break;
	case 'X':
		out_num(o, arg_unsigned(ap, lng), 16, false, width, pad, left, true);
		break;
	case 'p':
		out_c(o, '0');
		out_c(o, 'x');
		out_num(o, (u64)va_arg(*ap, void *), 16, false, width, pad, left, false);
		break;
	case 's':
		out_str(o, va_arg(*ap, const char *), width, left);
		break;
	case 'c':
		out_c(o, (char)va_arg(*ap, int));
		break;
	default:
		out_c(o, '%');
		out_c(o, c);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		bool left = false;
		char pad = ' ';

		if (*fmt != '%' || !fmt[1]) {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			out_c(&o, '%');
			continue;
		}
		for (; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = true) : (pad = '0');
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng += *fmt == 'z' ? 2 : 1;
		if (!*fmt)
			break;
		out_conv(&o, *fmt, &aq, lng, width, pad, left);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* One UART for all vCPUs: a whole printf goes out under a lock, or lines mix. */
static volatile int console_lock;

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
	return n;
}
