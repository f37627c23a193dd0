// SPDX-License-Identifier: MIT
/* fuzz_acpi_madt.c: the MADT parser (kernel/acpi_tables.c) on hostile tables. */
// sources: kernel/acpi_tables.c kernel/format.c
#include "tests/fuzz/fuzz_acpi.h"

static struct acpi_madt madt;

static void parse(const u8 *tbl, size_t len)
{
	int r = acpi_parse_madt(tbl, len, &madt);

	fuzz_acpi_check_result(r);
	if (r)
		return;
	FUZZ_CHECK(madt.cpu_count >= 1 && madt.cpu_count <= ACPI_MAX_CPUS);
	FUZZ_CHECK(madt.ioapic_count <= ACPI_MAX_IOAPICS);
	FUZZ_CHECK(madt.override_count <= ACPI_MAX_OVERRIDES);
	for (unsigned int i = 0; i < madt.cpu_count; i++) {
		const struct acpi_cpu *c = &madt.cpus[i];

		FUZZ_CHECK(c->enabled || c->online_capable);
		FUZZ_CHECK(c->x2apic_entry || c->apic_id < 0xff);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(madt.cpus[j].apic_id != c->apic_id);
	}
	for (unsigned int i = 0; i < madt.ioapic_count; i++)
		FUZZ_CHECK(madt.ioapics[i].addr != 0);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_acpi_run(data, size, parse);
	return 0;
}
