// SPDX-License-Identifier: MIT
/* fuzz_acpi_fadt.c: the FADT parser (kernel/acpi_tables.c) on hostile tables. */
// sources: kernel/acpi_tables.c kernel/format.c
#include "tests/fuzz/fuzz_acpi.h"

static struct acpi_fadt fadt;

static void parse(const u8 *tbl, size_t len)
{
	int r = acpi_parse_fadt(tbl, len, &fadt);

	fuzz_acpi_check_result(r);
	if (r)
		return;
	/* The PM timer is read with inl: the port and its 3 neighbours are I/O ports. */
	FUZZ_CHECK(fadt.pm_timer_port <= 0xfffc);
	if (fadt.reset_supported) {
		FUZZ_CHECK(fadt.reset_space <= ACPI_GAS_PCI && fadt.reset_addr != 0);
		FUZZ_CHECK(fadt.reset_space != ACPI_GAS_IO || fadt.reset_addr <= 0xffff);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_acpi_run(data, size, parse);
	return 0;
}
