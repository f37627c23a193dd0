// SPDX-License-Identifier: MIT
/* format.c: printf-style formatting for the console and log buffers. */
#include "kernel/format.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* what would have been written */
};

struct spec {
	bool left;
	bool zero;
	int width;
	int prec; /* -1: none */
	int lenmod; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

static void out_char(struct out *o, char c)
{
	if (o->size && o->len < o->size - 1)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct out *o, const struct spec *sp, const char *s)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - n);
}

/* Print an unsigned magnitude with an optional sign or "0x" prefix. */
static void out_num(struct out *o, const struct spec *sp, u64 v, unsigned base,
		    bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0, pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[plen])
		plen++;
	pad = sp->width - n - plen;
	if (!sp->left && !sp->zero)
		out_pad(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	if (!sp->left && sp->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static u64 arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	case -1: return (u16)va_arg(*ap, unsigned int);
	case -2: return (u8)va_arg(*ap, unsigned int);
	default: return va_arg(*ap, unsigned int);
	}
}

static s64 arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->lenmod) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (s64)va_arg(*ap, size_t);
	case -1: return (s16)va_arg(*ap, int);
	case -2: return (s8)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

/* Parse flags, width, precision and length; returns the conversion character's position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (sp->width < 0) {
		sp->left = true;
		sp->width = -sp->width;
	}
	for (; *f == 'l' || *f == 'h' || *f == 'z'; f++) {
		if (*f == 'z')
			sp->lenmod = 3;
		else if (*f == 'l')
			sp->lenmod = sp->lenmod >= 1 ? 2 : 1;
		else
			sp->lenmod = sp->lenmod <= -1 ? -2 : -1;
	}
	return f;
}

static void out_conv(struct out *o, struct spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		s64 v = arg_signed(sp, ap);
		u64 mag = v < 0 ? -(u64)v : (u64)v;

		out_num(o, sp, mag, 10, false, v < 0 ? "-" : "");
		break;
	}
	case 'u': out_num(o, sp, arg_unsigned(sp, ap), 10, false, ""); break;
	case 'x': out_num(o, sp, arg_unsigned(sp, ap), 16, false, ""); break;
	case 'X': out_num(o, sp, arg_unsigned(sp, ap), 16, true, ""); break;
	case 'o': out_num(o, sp, arg_unsigned(sp, ap), 8, false, ""); break;
	case 'p':
		out_num(o, sp, (u64)(uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	case 's': out_str(o, sp, va_arg(*ap, const char *)); break;
	case 'c': {
		char s[2] = { (char)va_arg(*ap, int), 0 };

		sp->prec = 1;
		out_str(o, sp, s);
		break;
	}
	case '%': out_char(o, '%'); break;
	default: /* unknown conversion: print it literally so the bug is visible */
		out_char(o, '%');
		out_char(o, c);
	}
}

int vsnformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		out_conv(&o, &sp, *fmt++, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snformat(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
