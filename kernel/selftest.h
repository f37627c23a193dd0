/* SPDX-License-Identifier: MIT */
/* selftest.h: in-hypervisor self-tests, reported in KTAP on the console. */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include "kernel/types.h"

#define SELFTEST_PASS 0
#define SELFTEST_FAIL (-1)
#define SELFTEST_SKIP 1

struct selftest {
	const char *name;
	int (*fn)(char *msg, size_t msglen); /* PASS, FAIL or SKIP; msg says why */
};

/*
 * Define a self-test:
 *   SELFTEST(vtd_dma_blocked) { ...; return SELFTEST_PASS; }
 * The body sees `msg`/`msglen` to explain a failure or skip.
 */
#define SELFTEST(tname)                                                            \
	static int selftest_fn_##tname(char *msg, size_t msglen);                  \
	static const struct selftest selftest_##tname __section(".selftests")      \
		__attribute__((used, aligned(8))) = { #tname, selftest_fn_##tname }; \
	static int selftest_fn_##tname(char *msg __unused, size_t msglen __unused)

/* Run the self-tests named in `which` ("all" or a comma list); returns the number that failed. */
int selftest_run(const char *which);

#endif
