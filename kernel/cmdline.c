// SPDX-License-Identifier: MIT
/* cmdline.c: command-line tokeniser and value parsers; all input is untrusted. */
#define LOG_TAG "cmdline"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int parse_u64(const char *s, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int cmdline_bool(const char *val, void *dst, const char **why)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(val, yes[i]))
			return *(bool *)dst = true, 0;
		if (!strcmp(val, no[i]))
			return *(bool *)dst = false, 0;
	}
	*why = "expected 0 or 1";
	return -EINVAL;
}

int cmdline_u64(const char *val, void *dst, const char **why)
{
	int r = parse_u64(val, dst);

	if (r)
		*why = r == -ERANGE ? "number too large" : "expected a number";
	return r;
}

int cmdline_size(const char *val, void *dst, const char **why)
{
	char num[CMDLINE_VAL_MAX];
	size_t n = strlen(val);
	unsigned shift = 0;
	u64 v;

	if (n == 0 || n >= sizeof(num)) {
		*why = "expected a size like 64M";
		return -EINVAL;
	}
	memcpy(num, val, n + 1);
	switch (num[n - 1]) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	}
	if (shift)
		num[n - 1] = '\0';
	if (parse_u64(num, &v)) {
		*why = "expected a size like 64M";
		return -EINVAL;
	}
	if (v > (~0ULL >> shift)) {
		*why = "size too large";
		return -ERANGE;
	}
	*(u64 *)dst = v << shift;
	return 0;
}

int cmdline_string(const char *val, void *dst, const char **why)
{
	(void)why;
	strlcpy(dst, val, CMDLINE_VAL_MAX);
	return 0;
}

/* Apply one word; returns 0 or -1 after printing why it was rejected. */
static int cmdline_word(const char *word, size_t len, const struct cmdline_opt *opts,
			size_t nopts, bool *seen, const char *tag)
{
	char key[CMDLINE_KEY_MAX], val[CMDLINE_VAL_MAX];
	const char *eq = memchr(word, '=', len);
	size_t klen = eq ? (size_t)(eq - word) : len;
	size_t vlen = eq ? len - klen - 1 : 0;
	const char *why = "bad value";

	if (klen == 0 || klen >= sizeof(key) || vlen >= sizeof(val)) {
		printk(LOG_ERR, "%s: error: option '%.*s': too long or empty, ignored\n", tag,
		       (int)MIN(len, 64), word);
		return -1;
	}
	memcpy(key, word, klen);
	key[klen] = '\0';
	memcpy(val, eq ? eq + 1 : "", vlen);
	val[vlen] = '\0';
	for (size_t i = 0; i < nopts; i++) {
		if (strcmp(key, opts[i].key))
			continue;
		if (seen[i]) {
			printk(LOG_ERR, "%s: error: option '%s' given twice, first value kept\n", tag, key);
			return -1;
		}
		seen[i] = true;
		if (!opts[i].parse(val, opts[i].dst, &why))
			return 0;
		printk(LOG_ERR, "%s: error: option %s='%s': %s; using the default\n", tag, key, val, why);
		return -1;
	}
	printk(LOG_ERR, "%s: error: unknown option '%s', ignored\n", tag, key);
	return -1;
}

int cmdline_parse(const char *s, const struct cmdline_opt *opts, size_t nopts, const char *tag)
{
	bool seen[64] = { false };
	int errors = 0;

	if (nopts > ARRAY_SIZE(seen))
		nopts = ARRAY_SIZE(seen);
	while (*s) {
		size_t len = 0;

		while (is_space(*s))
			s++;
		while (s[len] && !is_space(s[len]))
			len++;
		if (len && cmdline_word(s, len, opts, nopts, seen, tag))
			errors++;
		s += len;
	}
	return errors;
}
