// SPDX-License-Identifier: MIT
/*
 * doubles.c: the hypervisor's base layer for the fuzz harnesses, without
 * cmocka: printk formats every line with the hypervisor's own formatter (so
 * untrusted strings reach it too) and keeps the last ones; panic() aborts so
 * libFuzzer saves the input; ratelimit_check behaves as kernel/printk.c's.
 * FUZZ_VERBOSE=1 in the environment copies every log line to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/format.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "tests/fuzz/fuzz.h"

#define LOG_KEEP (16 * 1024)

static char log_buf[LOG_KEEP];
static size_t log_len;
static int verbose = -1;

int vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnformat(line, sizeof(line), fmt, ap);
	size_t len = strlen(line);

	(void)level;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fputs(line, stderr);
	if (len >= LOG_KEEP - log_len)
		log_len = 0; /* keep the most recent lines only */
	memcpy(log_buf + log_len, line, len + 1);
	log_len += len;
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

const char *fuzz_log(void)
{
	return log_buf;
}

void fuzz_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

/* kernel/ratelimit.c without its clock (one endless window): `burst` lines, then one in every `every`. */
u32 ratelimit_check(struct ratelimit *rl)
{
	u32 seen = ++rl->seen;

	if (seen <= rl->burst)
		return 1;
	if (rl->every && (seen - rl->burst) % rl->every == 0)
		return rl->every;
	return 0;
}

void print_hex(const char *prefix, const void *buf, size_t len)
{
	const u8 *p = buf;

	for (size_t off = 0; off < len; off += 16) {
		char line[16 * 3 + 1];
		size_t n = MIN(16, len - off);

		for (size_t i = 0; i < n; i++)
			snformat(line + i * 3, 4, "%02x ", p[off + i]);
		line[n * 3 - 1] = '\0';
		printk(LOG_ERR, "%s %06zx: %s\n", prefix, off, line);
	}
}

void panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\nlast log lines:\n%s\n", file, line, what,
		log_buf);
	abort();
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

void fuzz_take(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = MIN(n, in->left);

	memcpy(dst, in->p, k);
	memset((u8 *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

u8 fuzz_u8(struct fuzz_in *in)
{
	u8 v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

u16 fuzz_u16(struct fuzz_in *in)
{
	u16 v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

u32 fuzz_u32(struct fuzz_in *in)
{
	u32 v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

u64 fuzz_u64(struct fuzz_in *in)
{
	u64 v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

bool fuzz_bool(struct fuzz_in *in)
{
	return fuzz_u8(in) & 1;
}

const u8 *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const u8 *p = in->p;

	*got = MIN(n, in->left);
	in->p += *got;
	in->left -= *got;
	return p;
}

u8 *fuzz_dup(const u8 *data, size_t n)
{
	u8 *p = malloc(n ? n : 1);

	if (!p)
		abort();
	memcpy(p, data, n);
	return p;
}

char *fuzz_strdup(const u8 *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}
