// SPDX-License-Identifier: MIT
/* fuzz_acpi_dmar.c: the DMAR parser (kernel/acpi_tables.c) on hostile tables. */
// sources: kernel/acpi_tables.c kernel/format.c
#include "tests/fuzz/fuzz_acpi.h"

static struct acpi_dmar dmar;

static void check_scopes(const struct acpi_scope *s, unsigned int n)
{
	FUZZ_CHECK(n <= ACPI_MAX_SCOPES);
	for (unsigned int i = 0; i < n; i++) {
		FUZZ_CHECK(s[i].type >= ACPI_SCOPE_ENDPOINT && s[i].type <= ACPI_SCOPE_NAMESPACE);
		FUZZ_CHECK(s[i].path_len >= 1 && s[i].path_len <= ACPI_MAX_PATH);
	}
}

static void parse(const u8 *tbl, size_t len)
{
	int r = acpi_parse_dmar(tbl, len, &dmar);

	fuzz_acpi_check_result(r);
	if (r)
		return;
	FUZZ_CHECK(dmar.host_addr_width >= PAGE_SHIFT - 1 && dmar.host_addr_width <= 63);
	FUZZ_CHECK(dmar.drhd_count >= 1 && dmar.drhd_count <= ACPI_MAX_DRHD);
	FUZZ_CHECK(dmar.rmrr_count <= ACPI_MAX_RMRR && dmar.atsr_count <= ACPI_MAX_ATSR);
	for (unsigned int i = 0; i < dmar.drhd_count; i++) {
		FUZZ_CHECK(dmar.drhds[i].base && IS_ALIGNED(dmar.drhds[i].base, PAGE_SIZE));
		FUZZ_CHECK(dmar.drhds[i].size_order < 16);
		check_scopes(dmar.drhds[i].scopes, dmar.drhds[i].scope_count);
	}
	for (unsigned int i = 0; i < dmar.rmrr_count; i++) {
		const struct acpi_rmrr *m = &dmar.rmrrs[i];

		/* The IOMMU code maps [base, limit] one to one: it must be a page range. */
		FUZZ_CHECK(m->base <= m->limit && IS_ALIGNED(m->base, PAGE_SIZE) &&
			   IS_ALIGNED(m->limit + 1, PAGE_SIZE));
		check_scopes(m->scopes, m->scope_count);
	}
	for (unsigned int i = 0; i < dmar.atsr_count; i++)
		check_scopes(dmar.atsrs[i].scopes, dmar.atsrs[i].scope_count);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	fuzz_acpi_run(data, size, parse);
	return 0;
}
