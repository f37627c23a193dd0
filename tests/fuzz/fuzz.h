/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what every libFuzzer harness in tests/fuzz/ shares: the doubles of
 * the hypervisor's base layer (tests/fuzz/doubles.c: printk formats and drops,
 * panic aborts so the fuzzer reports it), a reader that takes typed values
 * from the fuzzer's bytes, and FUZZ_CHECK for the properties a harness checks.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include "kernel/types.h"

/* The libFuzzer entry point each harness defines. */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/*
 * A property of the parser's output that must hold for every input: when it
 * does not, print where and abort, so the fuzzer saves the input as a crash.
 */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
__noreturn void fuzz_fail(const char *file, int line, const char *what);

/* The fuzzer's bytes, consumed front to back; reads past the end give zeros. */
struct fuzz_in {
	const u8 *p;
	size_t left;
};

static inline struct fuzz_in fuzz_in(const u8 *data, size_t size)
{
	return (struct fuzz_in){ data, size };
}

/* Copy n bytes (zeros past the end) into dst. */
void fuzz_take(struct fuzz_in *in, void *dst, size_t n);
u8 fuzz_u8(struct fuzz_in *in);
u16 fuzz_u16(struct fuzz_in *in);
u32 fuzz_u32(struct fuzz_in *in);
u64 fuzz_u64(struct fuzz_in *in);
bool fuzz_bool(struct fuzz_in *in);

/*
 * The next n bytes (or all that are left, *got says how many), as a pointer
 * into the input: no copy. Used for a length-prefixed blob.
 */
const u8 *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got);

/* A malloc'd copy of exactly n bytes, so ASan reports any read past them; free() it. */
u8 *fuzz_dup(const u8 *data, size_t n);

/* A malloc'd NUL-terminated copy of the n bytes (an embedded NUL ends the string early). */
char *fuzz_strdup(const u8 *data, size_t n);

/* Log lines formatted since the last fuzz_log_clear() (the last 16 KiB of them). */
const char *fuzz_log(void);
void fuzz_log_clear(void);

#endif
