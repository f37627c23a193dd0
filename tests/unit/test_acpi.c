// SPDX-License-Identifier: MIT
/*
 * test_acpi.c: the ACPI parsers and the table walk on real tables captured from
 * QEMU q35 (tools/capture-fixtures), and on corrupted variants made from them.
 * Run from the repository root (fixtures are read from tests/fixtures/acpi/).
 */
// sources: kernel/acpi_tables.c kernel/acpi.c kernel/format.c
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/acpi.h"
#include "kernel/config.h"
#include "kernel/mm.h"
#include "tests/unit/doubles.h"

#define FIXTURES "tests/fixtures/acpi/"

static const char *const all_configs[] = { "q35-seabios", "q35-seabios-iommu", "q35-ovmf",
					   "q35-ovmf-iommu" };
static const char *const iommu_configs[] = { "q35-seabios-iommu", "q35-ovmf-iommu" };

/* ---- helpers ---- */

static unsigned char *load(const char *config, const char *file, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), FIXTURES "%s/%s", config, file);
	return test_read_file(path, len);
}

/* A copy of exactly n bytes (ASan catches any read past them). */
static unsigned char *copy_n(const unsigned char *src, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);

	memcpy(p, src, n);
	return p;
}

static u32 get32(const unsigned char *p)
{
	u32 v;
	memcpy(&v, p, 4);
	return v;
}
static void put16(unsigned char *p, u16 v)
{
	memcpy(p, &v, 2);
}
static void put32(unsigned char *p, u32 v)
{
	memcpy(p, &v, 4);
}
static void put64(unsigned char *p, u64 v)
{
	memcpy(p, &v, 8);
}

/* Make the checksum right again over the header's length, so a test reaches the check after it. */
static void fix_checksum(unsigned char *t)
{
	u32 len = get32(t + 4);
	u8 sum = 0;

	t[9] = 0;
	for (u32 i = 0; i < len; i++)
		sum += t[i];
	t[9] = (u8)-sum;
}

/* A table of `sig` with the given body (after the 36-byte header), checksum right. */
static unsigned char *make_table(const char *sig, const void *body, size_t body_len, size_t *len)
{
	unsigned char *t = calloc(1, 36 + body_len);

	memcpy(t, sig, 4);
	put32(t + 4, 36 + body_len);
	t[8] = 1;
	memcpy(t + 10, "TEST  ", 6);
	memcpy(t + 36, body, body_len);
	fix_checksum(t);
	*len = 36 + body_len;
	return t;
}

/* A table grown by `extra` bytes appended after the original ones, length and checksum fixed. */
static unsigned char *append(const unsigned char *t, size_t len, const void *extra, size_t n,
			     size_t *out_len)
{
	unsigned char *p = malloc(len + n);

	memcpy(p, t, len);
	memcpy(p + len, extra, n);
	put32(p + 4, len + n);
	fix_checksum(p);
	*out_len = len + n;
	return p;
}

static int setup(void **state)
{
	(void)state;
	test_log_clear();
	return 0;
}

/* ---- RSDP and root tables ---- */

static void test_rsdp_seabios_is_acpi1(void **state)
{
	size_t len;
	unsigned char *r = load("q35-seabios", "RSDP.bin", &len);
	u64 root = 0;
	bool xsdt = true;

	(void)state;
	assert_int_equal(len, 20); /* GRUB copies the 20-byte ACPI 1.0 RSDP */
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), 0);
	assert_false(xsdt);
	assert_int_equal(root, 0x1ffe2468);
	free(r);
}

static void test_rsdp_ovmf_has_xsdt(void **state)
{
	size_t len;
	unsigned char *r = load("q35-ovmf", "RSDP.bin", &len);
	u64 root = 0;
	bool xsdt = false;

	(void)state;
	assert_int_equal(len, 36);
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), 0);
	assert_true(xsdt);
	assert_int_equal(root, 0x1f77c0e8);
	free(r);
}

static void test_rsdp_corrupt(void **state)
{
	size_t len;
	unsigned char *r = load("q35-ovmf", "RSDP.bin", &len);
	u64 root;
	bool xsdt;

	(void)state;
	assert_int_equal(acpi_check_rsdp(r, 19, &root, &xsdt), -EINVAL);
	assert_true(test_log_has("acpi: error: RSDP: only 19 bytes, needs 20"));
	r[0] = 'X';
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), -EINVAL);
	assert_true(test_log_has("RSDP: signature is not 'RSD PTR '"));
	r[0] = 'R';
	r[9] ^= 1; /* OEM ID: covered by the 1.0 checksum */
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), -EINVAL);
	assert_true(test_log_has("RSDP: checksum of the first 20 bytes is wrong"));
	free(r);
}

/* A 2.0 RSDP whose extended part is unusable falls back to the RSDT, with a warning. */
static void test_rsdp_v2_fallbacks(void **state)
{
	size_t len;
	unsigned char *r = load("q35-ovmf", "RSDP.bin", &len);
	unsigned char *short_copy = copy_n(r, 20);
	u64 root;
	bool xsdt;

	(void)state;
	r[33] ^= 0xff; /* reserved byte: only the extended checksum covers it */
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), 0);
	assert_false(xsdt);
	assert_int_equal(root, 0x1f77c074);
	assert_true(test_log_has(
		"RSDP: revision 2 but its extended checksum is wrong; using the RSDT"));
	r[33] ^= 0xff;
	put32(r + 20, 64); /* length past the copy */
	assert_int_equal(acpi_check_rsdp(r, len, &root, &xsdt), 0);
	assert_false(xsdt);
	assert_true(test_log_has("its length is out of range"));
	assert_int_equal(acpi_check_rsdp(short_copy, 20, &root, &xsdt), 0);
	assert_false(xsdt);
	assert_true(test_log_has("the copy is shorter than 36 bytes"));
	free(short_copy);
	free(r);
}

/* Physical addresses of every captured table, from the README the capture wrote. */
struct table_addr {
	char file[16];
	u64 pa;
};

static int read_addrs(const char *config, struct table_addr *a, int max)
{
	char path[256], line[128];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s/README", config);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < max)
		if (sscanf(line, "%15s 0x%llx", a[n].file, &a[n].pa) == 2 &&
		    strstr(a[n].file, ".bin"))
			n++;
	fclose(f);
	return n;
}

static void test_root_tables_list_the_captured_tables(void **state)
{
	static const struct {
		const char *config, *root;
		bool xsdt;
		unsigned int count;
	} cases[] = {
		{ "q35-seabios", "RSDT.bin", false, 5 },
		{ "q35-seabios-iommu", "RSDT.bin", false, 6 },
		{ "q35-ovmf", "XSDT.bin", true, 6 },
		{ "q35-ovmf-iommu", "XSDT.bin", true, 7 },
	};

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct table_addr a[16];
		int n = read_addrs(cases[c].config, a, 16);
		size_t len;
		unsigned char *t = load(cases[c].config, cases[c].root, &len);

		assert_int_equal(acpi_check_table(t, len, cases[c].xsdt ? "XSDT" : "RSDT"), 0);
		assert_int_equal(acpi_root_count(t, cases[c].xsdt), cases[c].count);
		/* RSDP and the root table itself are the two files not listed. */
		assert_int_equal(n, cases[c].count + 2);
		for (unsigned int i = 0; i < cases[c].count; i++)
			assert_int_equal(acpi_root_entry(t, cases[c].xsdt, i), a[i + 2].pa);
		free(t);
	}
}

/* ---- table header ---- */

static void test_check_table_corrupt(void **state)
{
	size_t len;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);

	(void)state;
	assert_int_equal(acpi_check_table(t, len, "APIC"), 0);
	assert_int_equal(acpi_check_table(t, 35, "APIC"), -EINVAL);
	assert_true(test_log_has(
		"acpi: error: MADT: only 35 bytes, shorter than the 36-byte header; table ignored"));
	assert_int_equal(acpi_check_table(t, len, "MCFG"), -EINVAL);
	assert_true(test_log_has("MCFG: signature is not 'MCFG'"));
	assert_int_equal(acpi_check_table(t, len - 1, "APIC"), -EINVAL);
	assert_true(test_log_has("MADT: length 144 runs past the 143 bytes available"));
	put32(t + 4, 20);
	assert_int_equal(acpi_check_table(t, len, "APIC"), -EINVAL);
	assert_true(test_log_has("MADT: length 20 is shorter than the header"));
	put32(t + 4, len);
	t[len - 1] ^= 0x10;
	assert_int_equal(acpi_check_table(t, len, "APIC"), -EINVAL);
	assert_true(test_log_has("MADT: checksum is wrong"));
	free(t);
}

/* ---- MADT ---- */

static void check_q35_madt(const struct acpi_madt *m)
{
	static const struct acpi_override iso[] = {
		{ 0, 0, 2, 0 },     { 0, 5, 5, 0xd },   { 0, 9, 9, 0xd },
		{ 0, 10, 10, 0xd }, { 0, 11, 11, 0xd },
	};

	assert_int_equal(m->lapic_addr, 0xfee00000);
	assert_int_equal(m->lapic_addr64, 0);
	assert_true(m->pcat_compat);
	assert_int_equal(m->cpu_count, 4); /* -smp 4 */
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(m->cpus[i].apic_id, i);
		assert_int_equal(m->cpus[i].uid, i);
		assert_true(m->cpus[i].enabled);
		assert_false(m->cpus[i].online_capable);
		assert_false(m->cpus[i].x2apic_entry);
	}
	assert_int_equal(m->ioapic_count, 1);
	assert_int_equal(m->ioapics[0].id, 0);
	assert_int_equal(m->ioapics[0].addr, 0xfec00000);
	assert_int_equal(m->ioapics[0].gsi_base, 0);
	assert_int_equal(m->override_count, ARRAY_SIZE(iso));
	for (size_t i = 0; i < ARRAY_SIZE(iso); i++) {
		assert_int_equal(m->overrides[i].bus, iso[i].bus);
		assert_int_equal(m->overrides[i].source, iso[i].source);
		assert_int_equal(m->overrides[i].gsi, iso[i].gsi);
		assert_int_equal(m->overrides[i].flags, iso[i].flags);
	}
}

static void test_madt_q35(void **state)
{
	static struct acpi_madt m;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(all_configs); c++) {
		size_t len;
		unsigned char *t = load(all_configs[c], "APIC.bin", &len);

		test_log_clear();
		assert_int_equal(acpi_parse_madt(t, len, &m), 0);
		check_q35_madt(&m);
		assert_true(test_log_has(
			"acpi: MADT: 4 CPUs, 1 IOAPIC, 5 overrides, local APIC at 0xfee00000\n"));
		free(t);
	}
}

#define MADT_FIRST 44 /* first Interrupt Controller Structure */

static void test_madt_bad_lengths(void **state)
{
	static struct acpi_madt m;
	size_t len;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);
	unsigned char *cut;

	(void)state;
	/* Structure length 0 would never advance. */
	t[MADT_FIRST + 1] = 0;
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure at offset 0x2c has length 0; table ignored"));
	/* Length 1 would make the next header read overlap. */
	t[MADT_FIRST + 1] = 1;
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure at offset 0x2c has length 1"));
	free(t);

	/* The last structure (the 6-byte NMI at 0x8a) claims more than is left. */
	t = load("q35-seabios", "APIC.bin", &len);
	t[len - 6 + 1] = 7;
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure at offset 0x8a (length 7) runs past the end"));
	free(t);

	/* Table cut one byte into the last structure's header. */
	t = load("q35-seabios", "APIC.bin", &len);
	cut = copy_n(t, len - 2);
	put32(cut + 4, len - 2);
	fix_checksum(cut);
	assert_int_equal(acpi_parse_madt(cut, len - 2, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure at offset 0x8a (length 6) runs past the end"));
	free(cut);
	cut = copy_n(t, MADT_FIRST + 1);
	put32(cut + 4, MADT_FIRST + 1);
	fix_checksum(cut);
	assert_int_equal(acpi_parse_madt(cut, MADT_FIRST + 1, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure header at offset 0x2c is cut off"));
	free(cut);

	/* Shorter than the MADT's own fixed fields. */
	cut = copy_n(t, 40);
	put32(cut + 4, 40);
	fix_checksum(cut);
	assert_int_equal(acpi_parse_madt(cut, 40, &m), -EINVAL);
	assert_true(test_log_has("MADT: length 40 is shorter than its fixed fields"));
	free(cut);
	free(t);
}

static void test_madt_short_structure(void **state)
{
	static struct acpi_madt m;
	/* A Local x2APIC structure that claims 8 bytes (it needs 16). */
	static const u8 x2[8] = { 9, 8, 0, 0, 7, 0, 0, 0 };
	size_t len, n;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);
	unsigned char *bad = append(t, len, x2, sizeof(x2), &n);

	(void)state;
	assert_int_equal(acpi_parse_madt(bad, n, &m), -EINVAL);
	assert_true(test_log_has("MADT: structure type 9 at offset 0x90 is 8 bytes, needs 16"));
	free(bad);
	free(t);
}

/* x2APIC entries: new CPUs kept, duplicates of xAPIC IDs and unusable ones skipped. */
static void test_madt_x2apic(void **state)
{
	static struct acpi_madt m;
	u8 e[4][16] = { 0 };
	size_t len, n;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);
	unsigned char *x;

	(void)state;
	for (int i = 0; i < 4; i++) {
		e[i][0] = 9;
		e[i][1] = 16;
		put32(e[i] + 8, 1); /* enabled */
		put32(e[i] + 12, 100 + i);
	}
	put32(e[0] + 4, 300); /* a new CPU above 255 */
	put32(e[1] + 4, 2);   /* APIC ID 2 again: skipped */
	put32(e[2] + 4, 301);
	put32(e[2] + 8, 2); /* online capable, not enabled */
	put32(e[3] + 4, 302);
	put32(e[3] + 8, 0); /* unusable (revision 5 defines Online Capable) */
	t[8] = 5;
	x = append(t, len, e, sizeof(e), &n);
	assert_int_equal(acpi_parse_madt(x, n, &m), 0);
	assert_int_equal(m.cpu_count, 6);
	assert_int_equal(m.cpus[4].apic_id, 300);
	assert_int_equal(m.cpus[4].uid, 100);
	assert_true(m.cpus[4].x2apic_entry);
	assert_true(m.cpus[4].enabled);
	assert_int_equal(m.cpus[5].apic_id, 301);
	assert_false(m.cpus[5].enabled);
	assert_true(m.cpus[5].online_capable);
	assert_true(test_log_has("MADT: APIC ID 2 listed twice; the second entry is ignored"));
	assert_true(test_log_has(
		"acpi: MADT: 5 CPUs, 1 IOAPIC, 5 overrides, local APIC at 0xfee00000, 1 more hot-pluggable\n"));
	free(x);
	free(t);
}

static void test_madt_lapic_override(void **state)
{
	static struct acpi_madt m;
	u8 e[12] = { 5, 12 };
	size_t len, n;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);
	unsigned char *x;

	(void)state;
	put64(e + 4, 0x1fee00000ULL);
	x = append(t, len, e, sizeof(e), &n);
	assert_int_equal(acpi_parse_madt(x, n, &m), 0);
	assert_int_equal(m.lapic_addr64, 0x1fee00000ULL);
	assert_true(test_log_has("local APIC at 0x1fee00000"));
	free(x);
	free(t);
}

/* More CPUs, I/O APICs and overrides than the arrays hold: the rest ignored, with a warning. */
static void test_madt_too_many_entries(void **state)
{
	static struct acpi_madt m;
	enum {
		NCPU = ACPI_MAX_CPUS + 44,
		NIO = ACPI_MAX_IOAPICS + 3,
		NISO = ACPI_MAX_OVERRIDES + 2
	};
	size_t body_len = 8 + NCPU * 16 + NIO * 12 + NISO * 10, len;
	unsigned char *body = calloc(1, body_len), *p = body + 8, *t;

	(void)state;
	put32(body, 0xfee00000);
	for (int i = 0; i < NCPU; i++, p += 16) {
		p[0] = 9;
		p[1] = 16;
		put32(p + 4, i);
		put32(p + 8, 1);
	}
	for (int i = 0; i < NIO; i++, p += 12) {
		p[0] = 1;
		p[1] = 12;
		p[2] = i;
		put32(p + 4, 0xfec00000 + i * 0x1000);
	}
	for (int i = 0; i < NISO; i++, p += 10) {
		p[0] = 2;
		p[1] = 10;
		p[3] = i;
	}
	t = make_table("APIC", body, body_len, &len);
	assert_int_equal(acpi_parse_madt(t, len, &m), 0);
	assert_int_equal(m.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(m.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(m.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(m.override_count, ACPI_MAX_OVERRIDES);
	assert_true(test_log_has("MADT: 49 entries beyond this hypervisor's limits"));
	free(t);
	free(body);
}

static void test_madt_no_usable_cpu(void **state)
{
	static struct acpi_madt m;
	size_t len;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);

	(void)state;
	for (int i = 0; i < 4; i++)
		t[MADT_FIRST + i * 8 + 4] = 0; /* flags: neither enabled nor online capable */
	t[8] = 5; /* revision 5 (ACPI 6.3): such entries are unusable */
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), -EINVAL);
	assert_true(test_log_has("MADT: lists no usable processor; table ignored"));
	free(t);
}

/*
 * Before revision 5 there is no Online Capable bit: a disabled entry is a
 * possible CPU that is absent now (QEMU's -smp 2,maxcpus=4), kept as hot-pluggable.
 */
static void test_madt_disabled_before_rev5_is_hotplug(void **state)
{
	static struct acpi_madt m;
	size_t len;
	unsigned char *t = load("q35-seabios", "APIC.bin", &len);

	(void)state;
	assert_int_equal(t[8], 3); /* QEMU's MADT revision */
	t[MADT_FIRST + 2 * 8 + 4] = 0;
	t[MADT_FIRST + 3 * 8 + 4] = 0;
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), 0);
	assert_int_equal(m.cpu_count, 4);
	assert_true(m.cpus[1].enabled);
	assert_false(m.cpus[2].enabled);
	assert_true(m.cpus[2].online_capable);
	assert_true(m.cpus[3].online_capable);
	assert_true(test_log_has(
		"MADT: 2 CPUs, 1 IOAPIC, 5 overrides, local APIC at 0xfee00000, 2 more hot-pluggable"));
	t[8] = 5; /* the same entries in an ACPI 6.3 table: unusable, dropped */
	fix_checksum(t);
	assert_int_equal(acpi_parse_madt(t, len, &m), 0);
	assert_int_equal(m.cpu_count, 2);
	free(t);
}

/* ---- MCFG ---- */

static void test_mcfg_q35(void **state)
{
	static struct acpi_mcfg m;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(all_configs); c++) {
		size_t len;
		unsigned char *t = load(all_configs[c], "MCFG.bin", &len);

		test_log_clear();
		assert_int_equal(acpi_parse_mcfg(t, len, &m), 0);
		assert_int_equal(m.count, 1);
		assert_int_equal(m.segs[0].base, 0xb0000000);
		assert_int_equal(m.segs[0].segment, 0);
		assert_int_equal(m.segs[0].bus_start, 0);
		assert_int_equal(m.segs[0].bus_end, 255);
		assert_true(test_log_has("acpi: MCFG: segment 0 base 0xb0000000 buses 0-255\n"));
		free(t);
	}
}

#define MCFG_ENTRY 44

static void test_mcfg_bad_entries(void **state)
{
	static struct acpi_mcfg m;
	size_t len;
	unsigned char *t;

	(void)state;
	t = load("q35-seabios", "MCFG.bin", &len);
	t[MCFG_ENTRY + 10] = 10; /* buses 10-9 */
	t[MCFG_ENTRY + 11] = 9;
	fix_checksum(t);
	assert_int_equal(acpi_parse_mcfg(t, len, &m), -EINVAL);
	assert_true(test_log_has(
		"MCFG: entry 0 (segment 0 base 0xb0000000 buses 10-9): bus range is reversed; ignored"));
	assert_true(test_log_has("MCFG: lists no usable ECAM window; table ignored"));
	free(t);

	t = load("q35-seabios", "MCFG.bin", &len);
	put64(t + MCFG_ENTRY, 0xb0080000); /* not 1 MiB aligned */
	fix_checksum(t);
	assert_int_equal(acpi_parse_mcfg(t, len, &m), -EINVAL);
	assert_true(test_log_has("base is 0 or not 1 MiB aligned"));
	free(t);

	t = load("q35-seabios", "MCFG.bin", &len);
	put64(t + MCFG_ENTRY, 0xfffffffff0000000ULL); /* 256 buses from here wrap */
	fix_checksum(t);
	assert_int_equal(acpi_parse_mcfg(t, len, &m), -EINVAL);
	assert_true(test_log_has("window wraps past 2^64"));
	free(t);
}

static void test_mcfg_truncated_and_tail(void **state)
{
	static struct acpi_mcfg m;
	size_t len, n;
	unsigned char *t = load("q35-seabios", "MCFG.bin", &len);
	unsigned char *cut = copy_n(t, 40), *tail;

	(void)state;
	put32(cut + 4, 40);
	fix_checksum(cut);
	assert_int_equal(acpi_parse_mcfg(cut, 40, &m), -EINVAL);
	assert_true(test_log_has("MCFG: length 40 is shorter than its fixed fields"));
	tail = append(t, len, "abc", 3, &n);
	assert_int_equal(acpi_parse_mcfg(tail, n, &m), 0);
	assert_int_equal(m.count, 1);
	assert_true(test_log_has("MCFG: 3 trailing bytes after the last entry ignored"));
	free(tail);
	free(cut);
	free(t);
}

static void test_mcfg_overlap_and_too_many(void **state)
{
	static struct acpi_mcfg m;
	enum { N = ACPI_MAX_MCFG + 3 };
	u8 body[8 + (N + 1) * 16] = { 0 };
	size_t len;
	unsigned char *t;

	(void)state;
	for (int i = 0; i < N; i++) {
		put64(body + 8 + i * 16, 0xc0000000ULL + (u64)i * 0x10000000);
		put16(body + 8 + i * 16 + 8, i); /* segment i */
		body[8 + i * 16 + 11] = 255;
	}
	/* Segment 0 again, buses 128-255: overlaps the first entry. */
	put64(body + 8 + N * 16, 0xa0000000);
	body[8 + N * 16 + 10] = 128;
	body[8 + N * 16 + 11] = 255;
	t = make_table("MCFG", body, sizeof(body), &len);
	assert_int_equal(acpi_parse_mcfg(t, len, &m), 0);
	assert_int_equal(m.count, ACPI_MAX_MCFG);
	assert_int_equal(m.segs[ACPI_MAX_MCFG - 1].segment, ACPI_MAX_MCFG - 1);
	assert_true(test_log_has(
		"entry 16 (segment 16 base 0x1c0000000 buses 0-255): more entries than this hypervisor supports"));
	assert_true(test_log_has(
		"entry 19 (segment 0 base 0xa0000000 buses 128-255): buses overlap an earlier entry"));
	free(t);
}

/* ---- DMAR ---- */

static void test_dmar_q35_iommu(void **state)
{
	static struct acpi_dmar d;
	static const u8 endpoints[][2] = { { 0, 0 },    { 1, 0 },    { 2, 0 },
					   { 0x1f, 0 }, { 0x1f, 2 }, { 0x1f, 3 } };

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(iommu_configs); c++) {
		size_t len;
		unsigned char *t = load(iommu_configs[c], "DMAR.bin", &len);
		const struct acpi_drhd *u = &d.drhds[0];

		test_log_clear();
		assert_int_equal(acpi_parse_dmar(t, len, &d), 0);
		assert_int_equal(d.host_addr_width + 1, 48); /* QEMU 10's default aw-bits */
		assert_int_equal(d.flags,
				 ACPI_DMAR_INTR_REMAP); /* intremap=on, eim=on: no opt-out */
		assert_int_equal(d.drhd_count, 1);
		assert_int_equal(d.rmrr_count, 0);
		assert_int_equal(d.atsr_count, 0);
		assert_int_equal(u->base, 0xfed90000);
		assert_int_equal(u->segment, 0);
		assert_int_equal(u->size_order, 0);
		assert_false(u->include_all); /* QEMU lists bus 0's devices one by one */
		assert_int_equal(u->scope_count, 1 + ARRAY_SIZE(endpoints));
		/* The I/O APIC, on QEMU's pseudo bus 0xff. */
		assert_int_equal(u->scopes[0].type, ACPI_SCOPE_IOAPIC);
		assert_int_equal(u->scopes[0].enum_id, 0);
		assert_int_equal(u->scopes[0].start_bus, 0xff);
		assert_int_equal(u->scopes[0].path_len, 1);
		for (size_t i = 0; i < ARRAY_SIZE(endpoints); i++) {
			const struct acpi_scope *s = &u->scopes[1 + i];

			assert_int_equal(s->type, ACPI_SCOPE_ENDPOINT);
			assert_int_equal(s->start_bus, 0);
			assert_int_equal(s->path_len, 1);
			assert_int_equal(s->path[0].dev, endpoints[i][0]);
			assert_int_equal(s->path[0].fn, endpoints[i][1]);
		}
		assert_true(test_log_has(
			"acpi: DMAR: 1 DRHD, 0 RMRR, host address width 48, interrupt remapping\n"));
		free(t);
	}
}

#define DMAR_DRHD_AT   0x30 /* QEMU's only DRHD */
#define DMAR_SCOPE0_AT 0x40 /* its first device scope (the I/O APIC) */

static unsigned char *load_dmar(size_t *len)
{
	return load("q35-seabios-iommu", "DMAR.bin", len);
}

/* The real DMAR grown with an RMRR (with a scope), an ATSR, and an RHSA we skip by its length. */
static void test_dmar_rmrr_atsr_unknown(void **state)
{
	static struct acpi_dmar d;
	u8 extra[32 + 16 + 20] = { 0 };
	size_t len, n;
	unsigned char *t = load_dmar(&len), *x;

	(void)state;
	/* RMRR 0xe0000-0xfffff for endpoint 00:1d.0 */
	put16(extra, 1);
	put16(extra + 2, 32);
	put64(extra + 8, 0xe0000);
	put64(extra + 16, 0xfffff);
	memcpy(extra + 24, (u8[]){ 1, 8, 0, 0, 0, 0, 0x1d, 0 }, 8);
	/* ATSR, ALL_PORTS, with a bridge scope 00:1c.0 */
	put16(extra + 32, 2);
	put16(extra + 34, 16);
	extra[36] = 1;
	memcpy(extra + 40, (u8[]){ 2, 8, 0, 0, 0, 0, 0x1c, 0 }, 8);
	/* RHSA (type 3), 20 bytes */
	put16(extra + 48, 3);
	put16(extra + 50, 20);
	x = append(t, len, extra, sizeof(extra), &n);
	assert_int_equal(acpi_parse_dmar(x, n, &d), 0);
	assert_int_equal(d.drhd_count, 1);
	assert_int_equal(d.rmrr_count, 1);
	assert_int_equal(d.rmrrs[0].base, 0xe0000);
	assert_int_equal(d.rmrrs[0].limit, 0xfffff);
	assert_int_equal(d.rmrrs[0].scope_count, 1);
	assert_int_equal(d.rmrrs[0].scopes[0].path[0].dev, 0x1d);
	assert_int_equal(d.atsr_count, 1);
	assert_true(d.atsrs[0].all_ports);
	assert_int_equal(d.atsrs[0].scopes[0].type, ACPI_SCOPE_BRIDGE);
	assert_true(test_log_has("acpi: DMAR: 1 DRHD, 1 RMRR, host address width 48"));
	free(x);

	/* An RMRR whose limit is below its base is ignored, the table kept. */
	put64(extra + 16, 0xdffff);
	x = append(t, len, extra, sizeof(extra), &n);
	assert_int_equal(acpi_parse_dmar(x, n, &d), 0);
	assert_int_equal(d.rmrr_count, 0);
	assert_true(
		test_log_has("DMAR: RMRR at offset 0x78 has bad range 0xe0000-0xdffff; ignored"));
	free(x);
	free(t);
}

static void test_dmar_structure_lengths(void **state)
{
	static struct acpi_dmar d;
	size_t len;
	unsigned char *t;

	(void)state;
	/* Length 0 would loop forever. */
	t = load_dmar(&len);
	put16(t + DMAR_DRHD_AT + 2, 0);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has(
		"acpi: error: DMAR: structure at offset 0x30 has length 0; table ignored"));
	free(t);

	/* A DRHD that runs past the end of the table. */
	t = load_dmar(&len);
	put16(t + DMAR_DRHD_AT + 2, 0x50);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has(
		"DMAR: structure type 0 at offset 0x30 (length 80) runs past the end"));
	free(t);

	/* A DRHD too short for its own fields. */
	t = load_dmar(&len);
	put16(t + DMAR_DRHD_AT + 2, 8);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: DRHD at offset 0x30 is 8 bytes, needs 16"));
	free(t);

	/* A remapping structure header cut by the table's end. */
	{
		size_t n;
		unsigned char *base = load_dmar(&len);

		t = append(base, len, "\0\0", 2, &n);
		assert_int_equal(acpi_parse_dmar(t, n, &d), -EINVAL);
		assert_true(test_log_has("DMAR: structure header at offset 0x78 is cut off"));
		free(t);
		free(base);
	}
}

static void test_dmar_scope_lengths(void **state)
{
	static struct acpi_dmar d;
	size_t len;
	unsigned char *t;

	(void)state;
	/* Scope length 0 would loop forever. */
	t = load_dmar(&len);
	t[DMAR_SCOPE0_AT + 1] = 0;
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: device scope at offset 0x40 has bad length 0"));
	free(t);

	/* Odd length: half a path entry. */
	t = load_dmar(&len);
	t[DMAR_SCOPE0_AT + 1] = 7;
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: device scope at offset 0x40 has bad length 7"));
	free(t);

	/* The last scope claims more than its DRHD holds (the table has nothing after it). */
	t = load_dmar(&len);
	t[len - 8 + 1] = 10;
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has(
		"DMAR: device scope at offset 0x70 (length 10) overflows its structure"));
	free(t);

	/* The DRHD shortened by 4: its last scope is cut in the middle. */
	t = load_dmar(&len);
	put16(t + DMAR_DRHD_AT + 2, 0x44);
	put32(t + 4, len - 4);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len - 4, &d), -EINVAL);
	assert_true(test_log_has("DMAR: device scope at offset 0x70 is cut off"));
	free(t);
}

static void test_dmar_scope_path_and_count_limits(void **state)
{
	static struct acpi_dmar d;
	enum { HOPS = ACPI_MAX_PATH + 1, NSCOPES = ACPI_MAX_SCOPES + 1 };
	u8 body[12 + 16 + NSCOPES * 8] = { 0 };
	size_t len;
	unsigned char *t;

	(void)state;
	body[0] = 47; /* HAW */
	put16(body + 12, 0);
	put16(body + 14, 16 + NSCOPES * 8);
	put64(body + 20, 0xfed90000);
	for (int i = 0; i < NSCOPES; i++)
		memcpy(body + 28 + i * 8, (u8[]){ 1, 8, 0, 0, 0, 0, (u8)i, 0 }, 8);
	t = make_table("DMAR", body, sizeof(body), &len);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(
		test_log_has("DMAR: more than 32 device scopes in one structure (offset 0x140)"));
	free(t);

	/* One scope with a path of 9 hops. */
	memset(body + 28, 0, NSCOPES * 8);
	put16(body + 14, 16 + 6 + 2 * HOPS);
	memcpy(body + 28, (u8[]){ 2, 6 + 2 * HOPS, 0, 0, 0, 0 }, 6);
	t = make_table("DMAR", body, 12 + 16 + 6 + 2 * HOPS, &len);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: device scope at offset 0x40 has a 9-hop path (max 8)"));
	free(t);
}

static void test_dmar_too_many_drhds(void **state)
{
	static struct acpi_dmar d;
	enum { N = ACPI_MAX_DRHD + 1 };
	u8 body[12 + N * 16] = { 0 };
	size_t len;
	unsigned char *t;

	(void)state;
	body[0] = 38;
	for (int i = 0; i < N; i++) {
		put16(body + 12 + i * 16 + 2, 16);
		put64(body + 12 + i * 16 + 8, 0xfed90000ULL + (u64)i * 0x1000);
	}
	t = make_table("DMAR", body, sizeof(body), &len);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: more than 16 DRHDs; table ignored"));
	free(t);

	/* 16 fit. */
	t = make_table("DMAR", body, sizeof(body) - 16, &len);
	assert_int_equal(acpi_parse_dmar(t, len, &d), 0);
	assert_int_equal(d.drhd_count, ACPI_MAX_DRHD);
	assert_int_equal(d.drhds[15].base, 0xfed9f000);
	free(t);
}

static void test_dmar_bad_fields(void **state)
{
	static struct acpi_dmar d;
	size_t len;
	unsigned char *t;

	(void)state;
	t = load_dmar(&len);
	put64(t + DMAR_DRHD_AT + 8, 0xfed90800); /* not page aligned */
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: DRHD at offset 0x30 has register base 0xfed90800"));
	free(t);

	t = load_dmar(&len);
	t[36] = 3; /* HAW: 4 address bits */
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, len, &d), -EINVAL);
	assert_true(test_log_has("DMAR: host address width 4 is impossible"));
	free(t);

	/* Only the header: no DRHD. */
	t = load_dmar(&len);
	put32(t + 4, 48);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, 48, &d), -EINVAL);
	assert_true(test_log_has("DMAR: lists no DRHD"));
	free(t);

	t = load_dmar(&len);
	assert_int_equal(acpi_parse_dmar(t, 47, &d), -EINVAL); /* header says 120 */
	assert_true(test_log_has("DMAR: length 120 runs past the 47 bytes available"));
	put32(t + 4, 40);
	fix_checksum(t);
	assert_int_equal(acpi_parse_dmar(t, 40, &d), -EINVAL);
	assert_true(test_log_has("DMAR: length 40 is shorter than its fixed fields"));
	free(t);
}

/* ---- FADT and HPET ---- */

static void test_fadt_q35(void **state)
{
	static struct acpi_fadt f;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(all_configs); c++) {
		size_t len;
		unsigned char *t = load(all_configs[c], "FACP.bin", &len);

		test_log_clear();
		assert_int_equal(acpi_parse_fadt(t, len, &f), 0);
		assert_int_equal(f.pm_timer_port, 0x608); /* ICH9 PMBASE 0x600 + 8 */
		assert_false(f.pm_timer_32bit);
		assert_int_equal(f.sci_irq, 9);
		assert_true(f.reset_supported);
		assert_int_equal(f.reset_space, ACPI_GAS_IO);
		assert_int_equal(f.reset_addr, 0xcf9);
		assert_int_equal(f.reset_value, 0xf);
		assert_true(test_log_has(
			"acpi: FADT: PM timer at port 0x608 (24-bit), SCI IRQ 9, reset by I/O 0xcf9 value 0xf\n"));
		free(t);
	}
}

#define FADT_PM_TMR_BLK 76
#define FADT_PM_TMR_LEN 91
#define FADT_FLAGS      112
#define FADT_RESET_REG  116
#define FADT_X_PM_TMR   208

static void test_fadt_variants(void **state)
{
	static struct acpi_fadt f;
	size_t len;
	unsigned char *t = load("q35-seabios", "FACP.bin", &len), *v1;

	(void)state;
	/* An ACPI 1.0 FADT (116 bytes): no RESET_REG even though the flag says so. */
	v1 = copy_n(t, 116);
	put32(v1 + 4, 116);
	fix_checksum(v1);
	assert_int_equal(acpi_parse_fadt(v1, 116, &f), 0);
	assert_int_equal(f.pm_timer_port, 0x608);
	assert_false(f.reset_supported);
	free(v1);

	v1 = copy_n(t, 115);
	put32(v1 + 4, 115);
	fix_checksum(v1);
	assert_int_equal(acpi_parse_fadt(v1, 115, &f), -EINVAL);
	assert_true(test_log_has("FADT: length 115 is shorter than ACPI 1.0's 116; table ignored"));
	free(v1);

	/* X_PM_TMR_BLK in memory space: not usable, and it supersedes PM_TMR_BLK. */
	t[FADT_X_PM_TMR] = ACPI_GAS_MEMORY;
	fix_checksum(t);
	assert_int_equal(acpi_parse_fadt(t, len, &f), 0);
	assert_int_equal(f.pm_timer_port, 0);
	assert_true(test_log_has("FADT: PM timer in address space 0 at 0x608 is not usable"));
	assert_true(test_log_has("acpi: FADT: no PM timer, SCI IRQ 9"));

	/* No X_PM_TMR_BLK, legacy block of the wrong length. */
	memset(t + FADT_X_PM_TMR, 0, 12);
	t[FADT_PM_TMR_LEN] = 2;
	fix_checksum(t);
	assert_int_equal(acpi_parse_fadt(t, len, &f), 0);
	assert_int_equal(f.pm_timer_port, 0);
	assert_true(test_log_has("FADT: PM timer block 0x608 (length 2) is not usable"));

	/* Legacy block alone, TMR_VAL_EXT set. */
	t[FADT_PM_TMR_LEN] = 4;
	t[FADT_FLAGS + 1] |= 1; /* bit 8 */
	fix_checksum(t);
	assert_int_equal(acpi_parse_fadt(t, len, &f), 0);
	assert_int_equal(f.pm_timer_port, 0x608);
	assert_true(f.pm_timer_32bit);

	/* RESET_REG in a reserved address space. */
	t[FADT_RESET_REG] = 7;
	fix_checksum(t);
	assert_int_equal(acpi_parse_fadt(t, len, &f), 0);
	assert_false(f.reset_supported);
	assert_true(test_log_has("FADT: reset register in address space 7 at 0xcf9 is not usable"));
	free(t);
}

static void test_hpet_q35(void **state)
{
	static struct acpi_hpet h;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(all_configs); c++) {
		size_t len;
		unsigned char *t = load(all_configs[c], "HPET.bin", &len);

		test_log_clear();
		assert_int_equal(acpi_parse_hpet(t, len, &h), 0);
		assert_int_equal(h.base, 0xfed00000);
		assert_int_equal(h.number, 0);
		assert_true(
			test_log_has("acpi: HPET: base 0xfed00000, 3 timers, minimum tick 0\n"));
		free(t);
	}
}

static void test_hpet_corrupt(void **state)
{
	static struct acpi_hpet h;
	size_t len;
	unsigned char *t = load("q35-seabios", "HPET.bin", &len), *cut;

	(void)state;
	t[40] = ACPI_GAS_IO;
	fix_checksum(t);
	assert_int_equal(acpi_parse_hpet(t, len, &h), -EINVAL);
	assert_true(test_log_has(
		"HPET: register block in address space 1 at 0xfed00000; table ignored"));
	t[40] = ACPI_GAS_MEMORY;
	put64(t + 44, 0);
	fix_checksum(t);
	assert_int_equal(acpi_parse_hpet(t, len, &h), -EINVAL);
	assert_true(test_log_has("HPET: register block in address space 0 at 0x0"));
	cut = copy_n(t, 52);
	put32(cut + 4, 52);
	fix_checksum(cut);
	assert_int_equal(acpi_parse_hpet(cut, 52, &h), -EINVAL);
	assert_true(test_log_has("HPET: length 52 is shorter than its 56 bytes of fields"));
	free(cut);
	free(t);
}

/* ---- the walk (kernel/acpi.c) over a fake physical memory ---- */

struct hv_config hv_config;

#define FAKE_MAX 24
static struct fake_region {
	u64 pa;
	unsigned char *buf;
	size_t len;
} fake[FAKE_MAX];
static int nfake;

static struct map_call {
	u64 pa, len;
} calls[512];
static int ncalls;

static struct map_call reserved[16];
static int nreserved;

/* Double of kernel/mm.c: "maps" what was placed in the fake memory, NULL elsewhere. */
const void *memremap_ro(paddr_t pa, u64 len)
{
	if (ncalls < (int)ARRAY_SIZE(calls))
		calls[ncalls++] = (struct map_call){ pa, len };
	for (int i = 0; i < nfake; i++)
		if (pa >= fake[i].pa && len <= fake[i].len && pa - fake[i].pa <= fake[i].len - len)
			return fake[i].buf + (pa - fake[i].pa);
	return NULL;
}

void mm_reserve(paddr_t pa, u64 len, const char *what)
{
	(void)what;
	if (nreserved < (int)ARRAY_SIZE(reserved))
		reserved[nreserved++] = (struct map_call){ pa, len };
}

static void fake_reset(void)
{
	for (int i = 0; i < nfake; i++)
		free(fake[i].buf);
	nfake = ncalls = nreserved = 0;
	hv_config.acpi_dump = false;
	test_log_clear();
}

static unsigned char *fake_find(const char *sig)
{
	for (int i = 0; i < nfake; i++)
		if (!memcmp(fake[i].buf, sig, 4))
			return fake[i].buf;
	return NULL;
}

static u64 fake_pa(const char *sig)
{
	for (int i = 0; i < nfake; i++)
		if (!memcmp(fake[i].buf, sig, 4))
			return fake[i].pa;
	return 0;
}

/* Place a configuration's captured tables at their real addresses; RSDP into bi. */
static void fake_load(const char *config, struct boot_info *bi)
{
	struct table_addr a[FAKE_MAX];
	int n = read_addrs(config, a, FAKE_MAX);

	fake_reset();
	memset(bi, 0, sizeof(*bi));
	for (int i = 0; i < n; i++) {
		size_t len;
		unsigned char *t = load(config, a[i].file, &len);

		if (!strcmp(a[i].file, "RSDP.bin")) {
			memcpy(bi->rsdp, t, len);
			bi->rsdp_len = len;
			free(t);
			continue;
		}
		fake[nfake++] = (struct fake_region){ a[i].pa, t, len };
	}
}

/* Every table was mapped header first (36 bytes), and never beyond its length. */
static void check_header_first(void)
{
	for (int i = 0; i < nfake; i++) {
		int first = -1;

		for (int c = 0; c < ncalls; c++) {
			if (calls[c].pa != fake[i].pa)
				continue;
			if (first < 0) {
				first = c;
				assert_int_equal(calls[c].len, 36);
			}
			assert_true(calls[c].len <= fake[i].len);
		}
	}
}

static void test_init_seabios_iommu(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	(void)state;
	fake_load("q35-seabios-iommu", bi);
	acpi_init(bi);
	assert_true(acpi.have_madt && acpi.have_mcfg && acpi.have_dmar && acpi.have_fadt &&
		    acpi.have_hpet);
	assert_int_equal(acpi.revision, 0);
	check_q35_madt(&acpi.madt);
	assert_int_equal(acpi.dmar.drhds[0].base, 0xfed90000);
	assert_int_equal(acpi.mcfg.segs[0].base, 0xb0000000);
	assert_true(test_log_has("acpi: RSDT at 0x1ffe24e0 lists 6 tables\n"));
	assert_true(test_log_has("acpi: tables: FACP APIC HPET MCFG DMAR WAET\n"));
	check_header_first();
	/* WAET is not used: only its header was mapped. */
	for (int c = 0; c < ncalls; c++)
		if (calls[c].pa == fake_pa("WAET"))
			assert_int_equal(calls[c].len, 36);
	assert_int_equal(nreserved, 0); /* the tables sit in e820-reserved memory */
	fake_reset();
	free(bi);
}

static void test_init_ovmf_xsdt(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	(void)state;
	fake_load("q35-ovmf", bi);
	acpi_init(bi);
	assert_true(acpi.have_madt && acpi.have_mcfg && acpi.have_fadt && acpi.have_hpet);
	assert_false(acpi.have_dmar);
	assert_int_equal(acpi.revision, 2);
	assert_true(test_log_has("acpi: XSDT at 0x1f77c0e8 lists 6 tables\n"));
	assert_true(test_log_has("acpi: tables: FACP APIC HPET MCFG WAET BGRT\n"));
	check_header_first();
	fake_reset();
	free(bi);
}

static void test_init_no_rsdp(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	(void)state;
	fake_reset();
	acpi.have_madt = true;
	acpi_init(bi);
	assert_false(acpi.have_madt);
	assert_true(test_log_has("acpi: warning: the boot loader gave no RSDP"));
	assert_int_equal(ncalls, 0);
	free(bi);
}

/* A header claiming 2 MiB is refused before anything past the header is mapped. */
static void test_init_huge_length_not_mapped(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	u64 madt;

	(void)state;
	fake_load("q35-seabios-iommu", bi);
	madt = fake_pa("APIC");
	put32(fake_find("APIC") + 4, 2 * 1024 * 1024);
	acpi_init(bi);
	assert_false(acpi.have_madt);
	assert_true(acpi.have_mcfg && acpi.have_dmar && acpi.have_fadt && acpi.have_hpet);
	assert_true(test_log_has(
		"acpi: error: MADT at 0x1ffe233c: length 2097152 is outside 36..1048576; table ignored"));
	for (int c = 0; c < ncalls; c++)
		if (calls[c].pa == madt)
			assert_int_equal(calls[c].len, 36);
	fake_reset();
	free(bi);
}

/* A corrupt table is dropped; boot goes on with the others. */
static void test_init_corrupt_table_dropped(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	(void)state;
	fake_load("q35-seabios-iommu", bi);
	fake_find("DMAR")[0x50] ^= 0xff;
	acpi_init(bi);
	assert_false(acpi.have_dmar);
	assert_true(acpi.have_madt && acpi.have_mcfg && acpi.have_fadt && acpi.have_hpet);
	assert_true(test_log_has("acpi: error: DMAR: checksum is wrong"));

	/* A corrupt root table: nothing is parsed. */
	fake_load("q35-seabios-iommu", bi);
	fake_find("RSDT")[40] ^= 1;
	acpi_init(bi);
	assert_false(acpi.have_madt || acpi.have_mcfg || acpi.have_dmar);
	assert_true(test_log_has("acpi: error: RSDT: checksum is wrong"));
	fake_reset();
	free(bi);
}

/* A table inside memory the map calls usable RAM is taken out of the frame pool. */
static void test_init_table_in_ram_reserved(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	(void)state;
	fake_load("q35-seabios", bi);
	bi->mem[0] = (struct mem_region){ 0x100000, 0x1fedf000, MEM_RAM };
	bi->mem[1] = (struct mem_region){ 0x1ffdf000, 0x21000, MEM_RESERVED };
	bi->mem[2] = (struct mem_region){ 0x1ffe2410, 0x10, MEM_RAM }; /* a buggy map */
	bi->mem_count = 3;
	acpi_init(bi);
	assert_true(acpi.have_mcfg);
	/* Only the MCFG (0x1ffe2404, 60 bytes) overlaps the RAM range. */
	assert_int_equal(nreserved, 1);
	assert_int_equal(reserved[0].pa, 0x1ffe2404);
	assert_int_equal(reserved[0].len, 60);
	assert_true(test_log_has(
		"acpi: warning: MCFG at 0x1ffe2404-0x1ffe243f lies in usable RAM (firmware bug); reserved"));
	fake_reset();
	free(bi);
}

static void test_init_too_many_root_entries(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	u8 body[100 * 8] = { 0 };
	size_t len;
	unsigned char *xsdt;
	int headers = 0;

	(void)state;
	fake_load("q35-ovmf", bi);
	for (int i = 0; i < 100; i++)
		put64(body + i * 8, 0x40000000ULL + (u64)i * 0x1000); /* nothing there */
	xsdt = make_table("XSDT", body, sizeof(body), &len);
	for (int i = 0; i < nfake; i++)
		if (!memcmp(fake[i].buf, "XSDT", 4)) {
			free(fake[i].buf);
			fake[i].buf = xsdt;
			fake[i].len = len;
		}
	acpi_init(bi);
	assert_true(
		test_log_has("acpi: warning: XSDT: only the first 64 of 100 tables are looked at"));
	for (int c = 0; c < ncalls; c++)
		headers += calls[c].pa >= 0x40000000ULL;
	assert_int_equal(headers, 64);
	assert_true(test_log_has("acpi: error: table at 0x40000000 cannot be mapped; ignored"));
	fake_reset();
	free(bi);
}

static void test_init_duplicate_table(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	unsigned char *rsdt;

	(void)state;
	fake_load("q35-seabios", bi);
	rsdt = fake_find("RSDT");
	memcpy(rsdt + 36 + 4 * 4, rsdt + 36 + 1 * 4, 4); /* WAET entry -> the MADT again */
	fix_checksum(rsdt);
	acpi_init(bi);
	assert_true(acpi.have_madt);
	assert_true(test_log_has("acpi: warning: a second MADT at 0x1ffe233c; ignored"));
	assert_true(test_log_has("acpi: tables: FACP APIC HPET MCFG APIC\n"));
	fake_reset();
	free(bi);
}

/* acpi_dump=1 prints every table so that the dump rebuilds the exact bytes. */
static void test_init_dump_rebuilds_tables(void **state)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	unsigned char got[4096];
	size_t n = 0;
	const char *p;
	char prefix[64];
	u64 pa;

	(void)state;
	fake_load("q35-ovmf-iommu", bi);
	hv_config.acpi_dump = true;
	acpi_init(bi);
	assert_true(test_log_has("acpidump: RSDP 0x0 000000: 52 53 44 20 50 54 52 20"));
	for (int i = 0; i < nfake; i++) {
		pa = fake[i].pa;
		snprintf(prefix, sizeof(prefix), "acpidump: %.4s 0x%llx ", (char *)fake[i].buf, pa);
		n = 0;
		for (p = strstr(test_log(), prefix); p; p = strstr(p + 1, prefix)) {
			unsigned int off, b;
			int used;

			p += strlen(prefix);
			assert_int_equal(sscanf(p, "%x: %n", &off, &used), 1);
			assert_int_equal(off, n);
			p += used;
			while (*p && *p != '\n' && sscanf(p, "%2x%n", &b, &used) == 1) {
				got[n++] = b;
				p += used;
				if (*p == ' ')
					p++;
			}
		}
		assert_int_equal(n, fake[i].len);
		assert_memory_equal(got, fake[i].buf, n);
	}
	fake_reset();
	free(bi);
}

static void watchdog(int sig)
{
	(void)sig;
	fputs("test_acpi: a test did not finish in 30 s (a parser loop that never advances?)\n",
	      stderr);
	_exit(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rsdp_seabios_is_acpi1, setup),
		cmocka_unit_test_setup(test_rsdp_ovmf_has_xsdt, setup),
		cmocka_unit_test_setup(test_rsdp_corrupt, setup),
		cmocka_unit_test_setup(test_rsdp_v2_fallbacks, setup),
		cmocka_unit_test_setup(test_root_tables_list_the_captured_tables, setup),
		cmocka_unit_test_setup(test_check_table_corrupt, setup),
		cmocka_unit_test_setup(test_madt_q35, setup),
		cmocka_unit_test_setup(test_madt_bad_lengths, setup),
		cmocka_unit_test_setup(test_madt_short_structure, setup),
		cmocka_unit_test_setup(test_madt_x2apic, setup),
		cmocka_unit_test_setup(test_madt_lapic_override, setup),
		cmocka_unit_test_setup(test_madt_too_many_entries, setup),
		cmocka_unit_test_setup(test_madt_no_usable_cpu, setup),
		cmocka_unit_test_setup(test_madt_disabled_before_rev5_is_hotplug, setup),
		cmocka_unit_test_setup(test_mcfg_q35, setup),
		cmocka_unit_test_setup(test_mcfg_bad_entries, setup),
		cmocka_unit_test_setup(test_mcfg_truncated_and_tail, setup),
		cmocka_unit_test_setup(test_mcfg_overlap_and_too_many, setup),
		cmocka_unit_test_setup(test_dmar_q35_iommu, setup),
		cmocka_unit_test_setup(test_dmar_rmrr_atsr_unknown, setup),
		cmocka_unit_test_setup(test_dmar_structure_lengths, setup),
		cmocka_unit_test_setup(test_dmar_scope_lengths, setup),
		cmocka_unit_test_setup(test_dmar_scope_path_and_count_limits, setup),
		cmocka_unit_test_setup(test_dmar_too_many_drhds, setup),
		cmocka_unit_test_setup(test_dmar_bad_fields, setup),
		cmocka_unit_test_setup(test_fadt_q35, setup),
		cmocka_unit_test_setup(test_fadt_variants, setup),
		cmocka_unit_test_setup(test_hpet_q35, setup),
		cmocka_unit_test_setup(test_hpet_corrupt, setup),
		cmocka_unit_test_setup(test_init_seabios_iommu, setup),
		cmocka_unit_test_setup(test_init_ovmf_xsdt, setup),
		cmocka_unit_test_setup(test_init_no_rsdp, setup),
		cmocka_unit_test_setup(test_init_huge_length_not_mapped, setup),
		cmocka_unit_test_setup(test_init_corrupt_table_dropped, setup),
		cmocka_unit_test_setup(test_init_table_in_ram_reserved, setup),
		cmocka_unit_test_setup(test_init_too_many_root_entries, setup),
		cmocka_unit_test_setup(test_init_duplicate_table, setup),
		cmocka_unit_test_setup(test_init_dump_rebuilds_tables, setup),
	};

	signal(SIGALRM, watchdog);
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
