// SPDX-License-Identifier: MIT
/* host.c: test doubles for the hypervisor's base layer (log capture, panic, strlcpy, memcpy_fast). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/format.h"
#include "kernel/printk.h"
#include "tests/unit/doubles.h"

static char log_buf[64 * 1024];
static size_t log_len;

int vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnformat(line, sizeof(line), fmt, ap);
	size_t len = strlen(line);

	(void)level;
	if (len < sizeof(log_buf) - log_len) {
		memcpy(log_buf + log_len, line, len + 1);
		log_len += len;
	}
	if (getenv("UNIT_VERBOSE"))
		fputs(line, stderr);
	return n;
}

int printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(level, fmt, ap);
	va_end(ap);
	return n;
}

/* Burst only, no time; weak: tests/unit/test_ratelimit.c links kernel/ratelimit.c instead. */
__attribute__((weak)) u32 ratelimit_check(struct ratelimit *rl)
{
	rl->seen++;
	return rl->seen <= rl->burst ? 1 : 0;
}

/* Same format as kernel/printk.c's: tools/capture-fixtures parses it. */
void print_hex(const char *prefix, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t off = 0; off < len; off += 16) {
		char line[16 * 3 + 1];
		size_t n = len - off < 16 ? len - off : 16;

		for (size_t i = 0; i < n; i++)
			snprintf(line + i * 3, 4, "%02x ", p[off + i]);
		line[n * 3 - 1] = '\0';
		printk(LOG_ERR, "%s %06zx: %s\n", prefix, off, line);
	}
}

const char *test_log(void)
{
	return log_buf;
}

void test_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

bool test_log_has(const char *needle)
{
	return strstr(log_buf, needle) != NULL;
}

void panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("panic: %s", msg);
	abort();
}

/* The hypervisor's REP MOVSB copy, as a plain memcpy so that ASan checks both ends. */
void *memcpy_fast(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Pages for page-table tests: real host memory, "physical" address = pointer. */
static long pages_live;

static paddr_t host_page_alloc(void *ctx)
{
	void *p = aligned_alloc(4096, 4096);

	(void)ctx;
	if (!p)
		return 0;
	memset(p, 0, 4096);
	pages_live++;
	return (paddr_t)(uintptr_t)p;
}

static void host_page_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	pages_live--;
	free((void *)(uintptr_t)pa);
}

static void *host_page_virt(void *ctx, paddr_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

const struct pt_mem host_pt_mem = {
	.alloc = host_page_alloc, .free = host_page_free, .virt = host_page_virt,
};

long host_pages_live(void)
{
	return pages_live;
}

unsigned char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		fail_msg("cannot read fixture %s", path);
	fclose(f);
	*len = n;
	return buf;
}
