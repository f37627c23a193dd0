// SPDX-License-Identifier: MIT
/* fuzz_acpi_mcfg.c: the MCFG parser (kernel/acpi_tables.c) on hostile tables. */
// sources: kernel/acpi_tables.c kernel/format.c
#include "tests/fuzz/fuzz_acpi.h"

static struct acpi_mcfg mcfg;

static void parse(const u8 *tbl, size_t len)
{
	int r = acpi_parse_mcfg(tbl, len, &mcfg);

	fuzz_acpi_check_result(r);
	if (r)
		return;
	FUZZ_CHECK(mcfg.count >= 1 && mcfg.count <= ACPI_MAX_MCFG);
	for (unsigned int i = 0; i < mcfg.count; i++) {
		const struct acpi_mcfg_seg *s = &mcfg.segs[i];

		/* A window the PCI code maps: aligned, no wrap, no bus owned twice. */
		FUZZ_CHECK(s->bus_start <= s->bus_end);
		FUZZ_CHECK(s->base && IS_ALIGNED(s->base, MiB));
		FUZZ_CHECK(s->base + (((u64)s->bus_end + 1) << 20) > s->base);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(mcfg.segs[j].segment != s->segment ||
				   mcfg.segs[j].bus_end < s->bus_start ||
				   s->bus_end < mcfg.segs[j].bus_start);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_acpi_run(data, size, parse);
	return 0;
}
