// SPDX-License-Identifier: MIT
/* lib.c: console on COM1, formatted output, result lines, strings, MSR probes. */
#include "mbk.h"

#define COM1     0x3f8
#define LSR_THRE 0x20

static u32 checks, failures;

void uart_init(void)
{
	outb(COM1 + 1, 0x00); /* IER: no interrupts */
	outb(COM1 + 3, 0x80); /* LCR: DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FCR: FIFO on, cleared, 14-byte trigger */
	outb(COM1 + 4, 0x0b); /* MCR: DTR, RTS, OUT2 */
}

/* Wait (bounded) until everything written has left: FIFO changes would drop it. */
void uart_drain(void)
{
	for (int i = 0; i < 1000000 && (inb(COM1 + 5) & 0x60) != 0x60; i++)
		;
}

void putc_raw(char c)
{
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		;
	outb(COM1, (u8)c);
}

/* v / 10 without a 64-bit division (no libgcc in a 32-bit freestanding build). */
static u64 div10(u64 v, unsigned *rem)
{
	u64 q = (v >> 1) + (v >> 2);

	q += q >> 4;
	q += q >> 8;
	q += q >> 16;
	q += q >> 32;
	q >>= 3;
	while (v - q * 10 >= 10)
		q++;
	*rem = (unsigned)(v - q * 10);
	return q;
}

static void put_num(u64 v, unsigned base, int width, bool zero)
{
	char buf[24];
	int n = 0;

	do {
		unsigned d = (unsigned)(v & 15);

		if (base == 16)
			v >>= 4;
		else
			v = div10(v, &d);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	} while (v);
	while (n < width)
		buf[n++] = zero ? '0' : ' ';
	while (n)
		putc_raw(buf[--n]);
}

/* %s %c %u %d %x, with l/ll for 64 bits, optional zero-padded width. */
void vout(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		bool zero = false;

		if (*fmt != '%') {
			putc_raw(*fmt);
			continue;
		}
		if (*++fmt == '0')
			zero = true;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				putc_raw(*s);
			break;
		}
		case 'c':
			putc_raw((char)va_arg(ap, int));
			break;
		case 'd': {
			long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);

			if (v < 0) {
				putc_raw('-');
				v = -v;
			}
			put_num((u64)v, 10, width, zero);
			break;
		}
		case 'u':
		case 'x':
			put_num(longs ? va_arg(ap, u64) : va_arg(ap, unsigned), *fmt == 'x' ? 16 : 10,
				width, zero);
			break;
		default:
			putc_raw('%');
			putc_raw(*fmt);
			break;
		}
	}
}

void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
}

void res(const char *key, const char *fmt, ...)
{
	va_list ap;

	out("mbt: %s ", key);
	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
	putc_raw('\n');
}

void check(const char *what, bool ok)
{
	checks++;
	if (!ok) {
		failures++;
		out("mbt: FAILED %s\n", what);
	}
}

/*
 * Exit value 0x20 + failures: QEMU's isa-debug-exit ends with (value << 1) | 1,
 * a partition logs "exited with code" the same number. Bochs has no exit port:
 * its "Shutdown" port ends it.
 */
void finish(void)
{
	u32 v = 0x20 + (failures > 0x1f ? 0x1f : failures);

	res("done", "checks=%u failed=%u", checks, failures);
	res("exit", "0x%x", v);
	uart_drain();
	outb(0xf4, (u8)v);
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (u8)*s);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

struct msr_op {
	u32 msr;
	u64 val;
};

static void msr_do_read(void *arg)
{
	struct msr_op *op = arg;
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(op->msr));
	op->val = (u64)hi << 32 | lo;
}

static void msr_do_write(void *arg)
{
	struct msr_op *op = arg;

	__asm__ __volatile__("wrmsr" ::"c"(op->msr), "a"((u32)op->val), "d"((u32)(op->val >> 32)));
}

int msr_read(u32 msr, u64 *val)
{
	struct msr_op op = { msr, 0 };
	int v = probe_call(msr_do_read, &op);

	*val = op.val;
	return v < 0 ? 0 : v;
}

int msr_write(u32 msr, u64 val)
{
	struct msr_op op = { msr, val };
	int v = probe_call(msr_do_write, &op);

	return v < 0 ? 0 : v;
}
