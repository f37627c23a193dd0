/* SPDX-License-Identifier: MIT */
/*
 * fuzz_acpi.h: the shared driver of the ACPI table harnesses. A random table
 * almost never has a right checksum, so each input is parsed up to three
 * times: as it is (the checksum path), with its checksum made right over the
 * length its header claims, and with the header's length set to the input's
 * and the checksum made right: the fuzzer then reaches the parser proper.
 * Each parse runs on an exact-size heap copy, so ASan sees any read past it.
 */
#ifndef TESTS_FUZZ_FUZZ_ACPI_H
#define TESTS_FUZZ_FUZZ_ACPI_H

#include <stdlib.h>
#include <string.h>

#include "kernel/acpi.h"
#include "tests/fuzz/fuzz.h"

#define ACPI_HDR_LEN      36
#define ACPI_OFF_LENGTH   4
#define ACPI_OFF_CHECKSUM 9

/* Parse one table of len bytes and check what the parser returned; the harness's own. */
typedef void (*fuzz_acpi_parse_fn)(const u8 *tbl, size_t len);

static inline u8 fuzz_acpi_sum(const u8 *p, size_t n)
{
	u8 sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

/* Make the bytes [0, n) of table t sum to 0 through its checksum byte. */
static inline void fuzz_acpi_fix_checksum(u8 *t, size_t n)
{
	t[ACPI_OFF_CHECKSUM] = 0;
	t[ACPI_OFF_CHECKSUM] = (u8)-fuzz_acpi_sum(t, n);
}

/*
 * A rejection is logged: the parsers promise "returns -EINVAL after logging
 * why", with the line ending in "table ignored".
 */
static inline void fuzz_acpi_check_result(int r)
{
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r)
		FUZZ_CHECK(strstr(fuzz_log(), "; table ignored\n") != NULL);
}

static inline void fuzz_acpi_run(const u8 *data, size_t size, fuzz_acpi_parse_fn parse)
{
	u8 *t = fuzz_dup(data, size);
	u32 hlen;

	fuzz_log_clear();
	parse(t, size);
	if (size >= ACPI_HDR_LEN) {
		memcpy(&hlen, t + ACPI_OFF_LENGTH, 4);
		if (hlen >= ACPI_HDR_LEN && hlen <= size && fuzz_acpi_sum(t, hlen)) {
			fuzz_acpi_fix_checksum(t, hlen);
			fuzz_log_clear();
			parse(t, size);
		}
		if (hlen != size) {
			hlen = (u32)size;
			memcpy(t + ACPI_OFF_LENGTH, &hlen, 4);
			fuzz_acpi_fix_checksum(t, size);
			fuzz_log_clear();
			parse(t, size);
		}
	}
	free(t);
}

#endif
