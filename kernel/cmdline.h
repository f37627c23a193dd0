/* SPDX-License-Identifier: MIT */
/* cmdline.h: strict key=value command-line parsing for the hypervisor and its partitions. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "kernel/types.h"

#define CMDLINE_KEY_MAX 32
#define CMDLINE_VAL_MAX 256

/*
 * One accepted option. parse() converts the value text into *dst and returns
 * 0, or -EINVAL with a short reason in why (e.g. "expected 0 or 1").
 */
struct cmdline_opt {
	const char *key;
	int (*parse)(const char *val, void *dst, const char **why);
	void *dst;
	const char *help;
};

/*
 * Split `s` into whitespace-separated `key=value` (or bare `key`) words and
 * hand each to the matching option. Unknown keys, bad values, over-long words
 * and duplicates are reported through printk with the given tag and skipped,
 * leaving the option at its default. Returns the number of errors.
 */
int cmdline_parse(const char *s, const struct cmdline_opt *opts, size_t nopts, const char *tag);

/* Value parsers for cmdline_opt.parse. */
int cmdline_bool(const char *val, void *dst, const char **why);   /* bool: 0/1/on/off/yes/no */
int cmdline_u64(const char *val, void *dst, const char **why);    /* u64: decimal or 0x hex */
int cmdline_size(const char *val, void *dst, const char **why);   /* u64 bytes: N, NK, NM, NG */
int cmdline_string(const char *val, void *dst, const char **why); /* char[CMDLINE_VAL_MAX] */

/* Parse an unsigned number (decimal or 0x hex) of the whole string; 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, u64 *out);

#endif
