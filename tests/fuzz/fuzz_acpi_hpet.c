// SPDX-License-Identifier: MIT
/* fuzz_acpi_hpet.c: the HPET table parser (kernel/acpi_tables.c) on hostile tables. */
// sources: kernel/acpi_tables.c kernel/format.c
#include "tests/fuzz/fuzz_acpi.h"

static struct acpi_hpet hpet;

static void parse(const u8 *tbl, size_t len)
{
	int r = acpi_parse_hpet(tbl, len, &hpet);

	fuzz_acpi_check_result(r);
	if (r)
		return;
	FUZZ_CHECK(hpet.base && IS_ALIGNED(hpet.base, 1024)); /* a 1 KiB register block */
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_acpi_run(data, size, parse);
	return 0;
}
