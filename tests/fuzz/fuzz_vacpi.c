// SPDX-License-Identifier: MIT
/*
 * fuzz_vacpi.c: a partition's generated ACPI tables (kernel/vacpi.c) for any
 * configuration, read back with the hypervisor's own firmware-table parsers
 * (kernel/acpi_tables.c): every table the RSDP leads to must pass their
 * checks, and the MADT and MCFG must say what the configuration asked for.
 * Input: vCPU count (u8), ECAM base (u64), window base (u64) and size (u64),
 * buffer size (u16, into an exact-size heap buffer: ASan sees overruns).
 */
// sources: kernel/vacpi.c kernel/acpi_tables.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/acpi.h"
#include "kernel/vacpi.h"
#include "tests/fuzz/fuzz.h"

#define GPA 0xe0000ULL

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* The table the XSDT's entry i names, checked with acpi_check_table. */
static const u8 *fuzz_table(const u8 *buf, int n, u64 gpa, const char *sig)
{
	FUZZ_CHECK(gpa >= GPA && gpa - GPA < (u64)n);
	FUZZ_CHECK(acpi_check_table(buf + (gpa - GPA), (size_t)n - (gpa - GPA), sig) == 0);
	return buf + (gpa - GPA);
}

static void fuzz_check_tables(const u8 *buf, int n, const struct vacpi_config *c)
{
	static struct acpi_madt madt;
	struct acpi_mcfg mcfg;
	const u8 *x, *t;
	u64 root;
	bool xsdt;

	FUZZ_CHECK(acpi_check_rsdp(buf, (size_t)n, &root, &xsdt) == 0 && xsdt);
	x = fuzz_table(buf, n, root, "XSDT");
	t = fuzz_table(buf, n, get64(x + 36), "FACP");
	fuzz_table(buf, n, get64(t + 140), "DSDT");
	t = fuzz_table(buf, n, get64(x + 44), "APIC");
	FUZZ_CHECK(acpi_parse_madt(t, ((const struct acpi_sdt_hdr *)t)->length, &madt) == 0);
	FUZZ_CHECK(madt.cpu_count == c->cpu_count && madt.ioapic_count == 0);
	t = fuzz_table(buf, n, get64(x + 52), "MCFG");
	FUZZ_CHECK(acpi_parse_mcfg(t, ((const struct acpi_sdt_hdr *)t)->length, &mcfg) == 0);
	FUZZ_CHECK(mcfg.count == 1 && mcfg.segs[0].base == c->ecam_base);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct vacpi_config c;
	size_t len;
	u8 *buf;
	int n;

	c.cpu_count = fuzz_u8(&in);
	c.ecam_base = fuzz_u64(&in);
	c.mmio_base = fuzz_u64(&in);
	c.mmio_size = fuzz_u64(&in);
	len = fuzz_u16(&in) % (VACPI_SIZE + 1);
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	n = vacpi_build(buf, GPA, len, &c);
	FUZZ_CHECK(n == -EINVAL || n == -ENOSPC || (n > 0 && (size_t)n <= len));
	FUZZ_CHECK(n != -EINVAL || !c.cpu_count || c.cpu_count > VACPI_MAX_CPUS || !c.mmio_size ||
		   c.mmio_base + c.mmio_size <= c.mmio_base || !c.ecam_base ||
		   !IS_ALIGNED(c.ecam_base, MiB) || c.ecam_base + MiB <= c.ecam_base);
	if (n > 0)
		fuzz_check_tables(buf, n, &c);
	free(buf);
	return 0;
}
