// SPDX-License-Identifier: MIT
/* test_vuart.c: the partition's virtual 16550: registers, line assembly, sanitising, rate limit. */
// sources: kernel/vuart.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vuart.h"
#include "tests/unit/doubles.h"

#define WINDOW 1000

static char lines[256][VUART_LINE_MAX + 1];
static unsigned nlines;
static struct vuart u;

static void emit(void *ctx, const char *line, size_t len)
{
	assert_ptr_equal(ctx, &u);
	assert_true(len <= VUART_LINE_MAX);
	if (nlines < 256) {
		memcpy(lines[nlines], line, len);
		lines[nlines][len] = '\0';
	}
	nlines++;
}

static int setup(void **state)
{
	(void)state;
	nlines = 0;
	vuart_init(&u, WINDOW, emit, &u);
	return 0;
}

static void out(const char *s, u64 now)
{
	for (; *s; s++)
		vuart_write(&u, VUART_BASE, (u8)*s, now);
}

static void test_lines(void **state)
{
	(void)state;
	out("hello\r\nworld", 0);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "hello");
	vuart_flush(&u, 0);
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[1], "world");
	vuart_flush(&u, 0);
	assert_int_equal(nlines, 2); /* nothing left */
}

static void test_long_line_is_split(void **state)
{
	char big[VUART_LINE_MAX * 2 + 11];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out(big, 0);
	assert_int_equal(nlines, 2);
	assert_int_equal(strlen(lines[0]), VUART_LINE_MAX);
	out("\n", 0);
	assert_int_equal(nlines, 3);
	assert_int_equal(strlen(lines[2]), 10);
}

static void test_control_characters_are_neutralised(void **state)
{
	(void)state;
	out("a\x1b[2Jb\x07\tc\x7f\n", 0);
	assert_string_equal(lines[0], "a?[2Jb?\tc?");
	/* 8-bit CSI (0x9b) and other bytes >= 0x80: never raw on the console */
	out("x\x9b"
	    "2Jy\xc3\xa9\xff\n",
	    0);
	assert_string_equal(lines[1], "x?2Jy???");
}

static void test_registers(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(&u, VUART_BASE + 5) & 0x60, 0x60); /* THRE, TEMT */
	assert_int_equal(vuart_read(&u, VUART_BASE + 2) & 1, 1);       /* no interrupt pending */
	assert_int_equal(vuart_read(&u, VUART_BASE), 0);               /* no input */
	vuart_write(&u, VUART_BASE + 7, 0xa5, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 7), 0xa5);
	/* divisor latch: DLAB=1 redirects ports 0 and 1, and nothing is printed */
	vuart_write(&u, VUART_BASE + 3, 0x83, 0);
	vuart_write(&u, VUART_BASE, 0x01, 0);
	vuart_write(&u, VUART_BASE + 1, 0x00, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE), 0x01);
	vuart_write(&u, VUART_BASE + 3, 0x03, 0);
	vuart_write(&u, VUART_BASE + 1, 0xff, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 1), 0x0f);
	vuart_flush(&u, 0);
	assert_int_equal(nlines, 0);
	assert_true(vuart_claims(0x3f8) && vuart_claims(0x3ff));
	assert_false(vuart_claims(0x3f7) || vuart_claims(0x400) || vuart_claims(0x2f8));
}

/* What common init code probes: FIFO bits, loopback, interrupt identification. */
static void test_16550a_probes(void **state)
{
	(void)state;
	vuart_write(&u, VUART_BASE + 2, 0xc7, 0); /* FCR: FIFOs on */
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0xc1);
	vuart_write(&u, VUART_BASE + 2, 0x00, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x01);
	/* loopback: THR comes back in RBR, LSR.DR until read; nothing is printed */
	vuart_write(&u, VUART_BASE + 4, 0x1e, 0);
	vuart_write(&u, VUART_BASE, 0xae, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 5), 0x61);
	assert_int_equal(vuart_read(&u, VUART_BASE + 6),
			 0xd0); /* RTS, OUT1, OUT2 -> CTS, RI, DCD */
	assert_int_equal(vuart_read(&u, VUART_BASE), 0xae);
	assert_int_equal(vuart_read(&u, VUART_BASE + 5), 0x60);
	vuart_write(&u, VUART_BASE + 4, 0x11, 0); /* DTR -> DSR */
	assert_int_equal(vuart_read(&u, VUART_BASE + 6), 0x20);
	/* received-data interrupt while DR and ERBFI */
	vuart_write(&u, VUART_BASE, 0x41, 0);
	vuart_write(&u, VUART_BASE + 1, 0x01, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x04);
	(void)vuart_read(&u, VUART_BASE);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x01);
	vuart_write(&u, VUART_BASE + 4, 0x0b, 0);
	/* THR-empty interrupt: raised by enabling ETBEI, cleared by reading IIR */
	vuart_write(&u, VUART_BASE + 1, 0x02, 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x02);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x01);
	vuart_write(&u, VUART_BASE, 'x', 0);
	assert_int_equal(vuart_read(&u, VUART_BASE + 2), 0x02);
	vuart_flush(&u, 0);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "x");
}

static void test_rate_limit(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++)
		out("flood\n", 10);
	assert_int_equal(nlines, VUART_LINES_PER_WINDOW);
	assert_int_equal(u.dropped_total, 1000 - VUART_LINES_PER_WINDOW);
	/* the next window reports what was dropped, then lets lines through again */
	out("after\n", 10 + WINDOW);
	assert_int_equal(nlines, VUART_LINES_PER_WINDOW + 2);
	assert_string_equal(lines[VUART_LINES_PER_WINDOW],
			    "(vuart: 960 lines dropped, rate limit)");
	assert_string_equal(lines[VUART_LINES_PER_WINDOW + 1], "after");
	/* what is dropped at the end is reported by the final flush */
	for (int i = 0; i < 100; i++)
		out("flood\n", 20 + WINDOW);
	vuart_flush(&u, 20 + WINDOW);
	assert_string_equal(lines[nlines - 1], "(vuart: 62 lines dropped, rate limit)");
	/* a partition's console_rate= raises the limit */
	setup(NULL);
	u.lines_per_window = 1000;
	for (int i = 0; i < 1000; i++)
		out("many\n", 10);
	assert_int_equal(nlines, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lines, setup),
		cmocka_unit_test_setup(test_long_line_is_split, setup),
		cmocka_unit_test_setup(test_control_characters_are_neutralised, setup),
		cmocka_unit_test_setup(test_registers, setup),
		cmocka_unit_test_setup(test_16550a_probes, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
