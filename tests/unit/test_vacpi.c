// SPDX-License-Identifier: MIT
/*
 * test_vacpi.c: a partition's generated ACPI tables, read back with the
 * hypervisor's own firmware-table parsers (checksums, lengths, MADT, MCFG,
 * FADT) and by walking the DSDT's AML by hand.
 */
#define _GNU_SOURCE /* memmem */
// sources: kernel/vacpi.c kernel/acpi_tables.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/acpi.h"
#include "kernel/vacpi.h"
#include "kernel/vports.h"
#include "tests/unit/doubles.h"

#define GPA 0xe0000ULL

static u8 buf[VACPI_SIZE];
static const struct vacpi_config cfg2 = { 2, 0xe0000000ULL, 0xe0100000ULL, 256 * MiB };

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

/* The table at guest-physical gpa, checked with the hypervisor's own acpi_check_table. */
static const u8 *table(u64 gpa, const char *sig)
{
	const u8 *t;

	assert_true(gpa >= GPA && gpa < GPA + VACPI_SIZE);
	t = buf + (gpa - GPA);
	assert_int_equal(acpi_check_table(t, VACPI_SIZE - (gpa - GPA), sig), 0);
	return t;
}

/* The XSDT's entries, by signature. */
static const u8 *find(const char *sig)
{
	u64 root;
	bool xsdt;
	const u8 *x;

	assert_int_equal(acpi_check_rsdp(buf, sizeof(struct acpi_rsdp), &root, &xsdt), 0);
	assert_true(xsdt);
	x = table(root, "XSDT");
	for (u32 off = 36; off < get32(x + 4); off += 8) {
		u64 gpa = get64(x + off);

		assert_true(gpa >= GPA && gpa < GPA + VACPI_SIZE);
		if (!memcmp(buf + (gpa - GPA), sig, 4))
			return table(gpa, sig);
	}
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

static void test_rsdp_and_checksums(void **state)
{
	int n;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	n = vacpi_build(buf, GPA, sizeof(buf), &cfg2);
	assert_true(n > 0 && n <= VACPI_SIZE);
	assert_memory_equal(buf, "RSD PTR ", 8); /* first, at the 16-byte aligned base */
	assert_int_equal(buf[15], 2);            /* ACPI 2.0+: XSDT */
	find("FACP");
	find("APIC");
	find("MCFG");
}

static void test_madt_lists_the_vcpus(void **state)
{
	static struct acpi_madt m;
	const u8 *t;

	(void)state;
	assert_true(vacpi_build(buf, GPA, sizeof(buf), &cfg2) > 0);
	t = find("APIC");
	assert_int_equal(acpi_parse_madt(t, get32(t + 4), &m), 0);
	assert_int_equal(m.lapic_addr, 0xfee00000);
	assert_false(m.pcat_compat); /* no 8259s */
	assert_int_equal(m.cpu_count, 2);
	assert_int_equal(m.cpus[1].apic_id, 1);
	assert_true(m.cpus[1].enabled);
	assert_int_equal(m.ioapic_count, 0);
}

static void test_mcfg_is_the_ecam_window(void **state)
{
	static struct acpi_mcfg m;
	const u8 *t;

	(void)state;
	assert_true(vacpi_build(buf, GPA, sizeof(buf), &cfg2) > 0);
	t = find("MCFG");
	assert_int_equal(acpi_parse_mcfg(t, get32(t + 4), &m), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.segs[0].base, 0xe0000000ULL);
	assert_int_equal(m.segs[0].segment, 0);
	assert_int_equal(m.segs[0].bus_start, 0);
	assert_int_equal(m.segs[0].bus_end, 0);
}

static void test_fadt_is_hardware_reduced(void **state)
{
	struct acpi_fadt f;
	const u8 *t, *dsdt;

	(void)state;
	assert_true(vacpi_build(buf, GPA, sizeof(buf), &cfg2) > 0);
	t = find("FACP");
	assert_int_equal(get32(t + 4), 276);
	assert_int_equal(acpi_parse_fadt(t, get32(t + 4), &f), 0);
	assert_int_equal(f.pm_timer_port, 0); /* no PM timer */
	assert_true(f.reset_supported);
	assert_int_equal(f.reset_space, ACPI_GAS_IO);
	assert_int_equal(f.reset_addr, 0xcf9);
	assert_int_equal(f.reset_value, 6);
	assert_true(get32(t + 112) & BIT(20)); /* HW_REDUCED_ACPI */
	assert_int_equal(t[109] & (BIT(0) | BIT(1) | BIT(3)),
			 0);                   /* no ISA devices, no 8042, MSI ok */
	assert_int_equal(t[244], ACPI_GAS_IO); /* SLEEP_CONTROL_REG */
	assert_int_equal(get64(t + 248), VPORTS_SLEEP_CONTROL);
	assert_int_equal(get64(t + 260), VPORTS_SLEEP_STATUS);
	assert_int_equal(get32(t + 40), get64(t + 140)); /* DSDT and X_DSDT agree */
	dsdt = table(get64(t + 140), "DSDT");
	assert_true(get32(dsdt + 4) > 36);
}

/* Decode a PkgLength at p; returns its value and sets *n to the bytes it takes. */
static u32 pkglen(const u8 *p, u32 *n)
{
	*n = 1 + (p[0] >> 6);
	if (*n == 1)
		return p[0] & 0x3f;
	return (p[0] & 0xf) | (u32)p[1] << 4 | (*n == 3 ? (u32)p[2] << 12 : 0);
}

static void test_dsdt_aml(void **state)
{
	const u8 *f, *d, *aml, *end;
	u32 n, len, devices = 0;

	(void)state;
	assert_true(vacpi_build(buf, GPA, sizeof(buf), &cfg2) > 0);
	f = find("FACP");
	d = table(get64(f + 140), "DSDT");
	aml = d + 36;
	end = d + get32(d + 4);
	/* Two Device(\_SB.xxxx) objects, each PkgLength exactly covering its body, then \_S5. */
	while (aml < end && aml[0] == 0x5b && aml[1] == 0x82) {
		len = pkglen(aml + 2, &n);
		assert_memory_equal(aml + 2 + n, "\\\x2e_SB_", 6);
		assert_true(aml + 2 + len <= end);
		if (!memcmp(aml + 2 + n + 6, "PCI0", 4))
			assert_non_null(memmem(aml, len, "\x08_HID\x0c\x41\xd0\x0a\x08", 10));
		else
			assert_memory_equal(aml + 2 + n + 6, "MRES", 4);
		aml += 2 + len;
		devices++;
	}
	assert_int_equal(devices, 2);
	assert_memory_equal(aml, "\x08\\_S5_\x12", 7);
	len = pkglen(aml + 7, &n);
	assert_int_equal(aml[7 + n], 4); /* NumElements */
	assert_int_equal(aml[7 + n + 2], VPORTS_SLP_TYP_S5);
	assert_ptr_equal(aml + 7 + len, end);
}

static void test_refuses_what_it_cannot_build(void **state)
{
	struct vacpi_config c = cfg2;

	(void)state;
	assert_int_equal(vacpi_build(buf, GPA, 200, &c), -ENOSPC);
	assert_int_equal(vacpi_build(buf, GPA + 4, sizeof(buf), &c), -EINVAL);
	c.cpu_count = 0;
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.cpu_count = 1;
	c.ecam_base = 0xe0080000; /* not 1 MiB aligned */
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.ecam_base = 0;
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.ecam_base = 0xfffffffffff00000ULL; /* its 1 MiB wraps past 2^64 (found by fuzz_vacpi) */
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.ecam_base = cfg2.ecam_base;
	c.mmio_base = 0xffffffffffff0000ULL; /* the PCI memory window wraps too */
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.mmio_base = cfg2.mmio_base;
	c.cpu_count = VACPI_MAX_CPUS + 1;
	assert_int_equal(vacpi_build(buf, GPA, sizeof(buf), &c), -EINVAL);
	c.cpu_count = VACPI_MAX_CPUS; /* the largest still fits the page */
	assert_true(vacpi_build(buf, GPA, sizeof(buf), &c) > 0);
	for (u64 size = 1; size < 1400; size += 13) { /* exact-size buffers: ASan sees overruns */
		u8 *b = malloc(size);
		int n = vacpi_build(b, GPA, size, &cfg2);

		assert_true(n == -ENOSPC || (n > 0 && (u64)n <= size));
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_and_checksums),
		cmocka_unit_test(test_madt_lists_the_vcpus),
		cmocka_unit_test(test_mcfg_is_the_ecam_window),
		cmocka_unit_test(test_fadt_is_hardware_reduced),
		cmocka_unit_test(test_dsdt_aml),
		cmocka_unit_test(test_refuses_what_it_cannot_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
