// SPDX-License-Identifier: MIT
/*
 * test_mb2.c: the multiboot2 parser on the information GRUB really gave under
 * SeaBIOS and OVMF (tools/capture-fixtures), and on corrupted variants of it.
 * Run from the repository root (fixtures are read from tests/fixtures/).
 */
// sources: kernel/mb2.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/mb2.h"
#include "tests/unit/doubles.h"

#define CMDLINE        "exit_on_panic=1 acpi_dump=1 mbi_dump=1 exit_when_done=1"
#define MODULE_CMDLINE "name=fixture cpus=1 mem=16M"
#define MODULE_SIZE    4500 /* tools/capture-fixtures writes 300 x 15 bytes */

#define TAG_END       0
#define TAG_CMDLINE   1
#define TAG_LOADER    2
#define TAG_MODULE    3
#define TAG_MMAP      6
#define TAG_ACPI_OLD  14
#define TAG_EFI_MMAP  17
#define TAG_EFI_BS    18
#define TAG_LOAD_BASE 21

static struct boot_info *bi;
static char err[256];

static int setup(void **state)
{
	(void)state;
	bi = calloc(1, sizeof(*bi));
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(bi);
	return 0;
}

static unsigned char *load(const char *name, size_t *len)
{
	char path[128];

	snprintf(path, sizeof(path), "tests/fixtures/mb2/%s.bin", name);
	return test_read_file(path, len);
}

static u32 get32(const unsigned char *p)
{
	u32 v;
	memcpy(&v, p, 4);
	return v;
}
static void put32(unsigned char *p, u32 v)
{
	memcpy(p, &v, 4);
}
static void put64(unsigned char *p, u64 v)
{
	memcpy(p, &v, 8);
}

/* Offset of the first tag of `type`; fails the test if there is none. */
static u32 find_tag(const unsigned char *mbi, u32 type)
{
	u32 total = get32(mbi);

	for (u32 off = 8; off + 8 <= total; off += (get32(mbi + off + 4) + 7) & ~7u) {
		if (get32(mbi + off) == type)
			return off;
		if (get32(mbi + off) == TAG_END)
			break;
	}
	fail_msg("no tag of type %u", type);
	return 0;
}

static int parse(const unsigned char *mbi, size_t len)
{
	return mb2_parse(mbi, len, bi, err, sizeof(err));
}

static void expect_error(const unsigned char *mbi, size_t len, const char *why)
{
	assert_int_equal(parse(mbi, len), -EINVAL);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

static u64 ram_bytes(void)
{
	u64 sum = 0;

	for (unsigned int i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_RAM)
			sum += bi->mem[i].len;
	return sum;
}

/* ---- the real information ---- */

static void test_seabios(void **state)
{
	static const struct mem_region e820[] = {
		{ 0x0, 0x9fc00, MEM_RAM },
		{ 0x9fc00, 0x400, MEM_RESERVED },
		{ 0xf0000, 0x10000, MEM_RESERVED },
		{ 0x100000, 0x1fedf000, MEM_RAM },
		{ 0x1ffdf000, 0x21000, MEM_RESERVED },
		{ 0xb0000000, 0x10000000, MEM_RESERVED }, /* MMCONFIG */
		{ 0xfed1c000, 0x4000, MEM_RESERVED },
		{ 0xfffc0000, 0x40000, MEM_RESERVED },
		{ 0xfd00000000, 0x300000000, MEM_RESERVED },
	};
	size_t len, rlen;
	unsigned char *mbi = load("seabios", &len);
	unsigned char *rsdp = test_read_file("tests/fixtures/acpi/q35-seabios/RSDP.bin", &rlen);

	(void)state;
	assert_int_equal(parse(mbi, len), 0);
	assert_string_equal(bi->cmdline, CMDLINE);
	assert_string_equal(bi->loader, "GRUB 2.06-13+deb12u2");
	assert_false(bi->efi);
	assert_int_equal(bi->mod_count, 1);
	assert_int_equal(bi->mods[0].start, 0x129000);
	assert_int_equal(bi->mods[0].end - bi->mods[0].start, MODULE_SIZE);
	assert_string_equal(bi->mods[0].cmdline, MODULE_CMDLINE);
	assert_false(bi->mem_from_efi);
	assert_int_equal(bi->mem_count, ARRAY_SIZE(e820));
	for (size_t i = 0; i < ARRAY_SIZE(e820); i++) {
		assert_int_equal(bi->mem[i].base, e820[i].base);
		assert_int_equal(bi->mem[i].len, e820[i].len);
		assert_int_equal(bi->mem[i].type, e820[i].type);
	}
	/* The ACPI 1.0 RSDP, the same bytes the ACPI capture of that boot saw. */
	assert_int_equal(bi->rsdp_len, 20);
	assert_int_equal(rlen, 20);
	assert_memory_equal(bi->rsdp, rsdp, 20);
	free(rsdp);
	free(mbi);
}

static void test_ovmf(void **state)
{
	size_t len, rlen;
	unsigned char *mbi = load("ovmf", &len);
	unsigned char *rsdp = test_read_file("tests/fixtures/acpi/q35-ovmf/RSDP.bin", &rlen);

	(void)state;
	assert_int_equal(parse(mbi, len), 0);
	assert_string_equal(bi->cmdline, CMDLINE);
	assert_true(bi->efi);
	assert_int_equal(bi->mod_count, 1);
	assert_int_equal(bi->mods[0].start, 0x31000);
	assert_int_equal(bi->mods[0].end - bi->mods[0].start, MODULE_SIZE);
	assert_string_equal(bi->mods[0].cmdline, MODULE_CMDLINE);
	/* The e820-style map wins over the EFI one that follows it. */
	assert_false(bi->mem_from_efi);
	assert_int_equal(bi->mem_count, 16); /* 18 entries, 3 adjacent reserved ones merged */
	assert_int_equal(bi->mem[8].base, 0x1f4ec000);
	assert_int_equal(bi->mem[8].len, 0x280000);
	assert_int_equal(bi->mem[8].type, MEM_RESERVED);
	assert_int_equal(bi->mem[9].base, 0x1f76c000);
	assert_int_equal(bi->mem[9].type, MEM_ACPI); /* where OVMF's tables are */
	assert_int_equal(ram_bytes(), 0x1f976000);
	/* The ACPI 2.0 RSDP (new tag) wins over the 1.0 one. */
	assert_int_equal(bi->rsdp_len, 36);
	assert_int_equal(rlen, 36);
	assert_memory_equal(bi->rsdp, rsdp, 36);
	free(rsdp);
	free(mbi);
}

/* Only the EFI memory map (the e820-style tag turned into an unknown one). */
static void test_efi_mmap_only(void **state)
{
	struct mem_region e820[BOOT_MAX_REGIONS];
	unsigned int n;
	size_t len;
	unsigned char *mbi = load("ovmf", &len);

	(void)state;
	assert_int_equal(parse(mbi, len), 0);
	n = bi->mem_count;
	memcpy(e820, bi->mem, sizeof(e820));
	put32(mbi + find_tag(mbi, TAG_MMAP), 0x7777);
	assert_int_equal(parse(mbi, len), 0);
	assert_true(bi->mem_from_efi);
	/* 132 EFI descriptors come down to the same 16 regions GRUB's own map shows. */
	assert_int_equal(bi->mem_count, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(bi->mem[i].base, e820[i].base);
		assert_int_equal(bi->mem[i].len, e820[i].len);
		assert_int_equal(bi->mem[i].type, e820[i].type);
	}
	free(mbi);
}

/* ---- corrupted variants ---- */

static void test_structure_size(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);

	(void)state;
	expect_error(mbi, 7, "structure of 7 bytes is too small");
	expect_error(mbi, len - 1, "total_size 1720 outside 8..1719");
	put32(mbi, 4);
	expect_error(mbi, len, "total_size 4 outside 8..1720");
	free(mbi);
}

static void test_tag_size_past_end(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);
	u32 off = find_tag(mbi, TAG_CMDLINE);

	(void)state;
	put32(mbi + off + 4, len - off + 1);
	expect_error(mbi, len,
		     "tag 1 at offset 0x18 (size 1697): tag size runs outside the structure");
	put32(mbi + off + 4, 0xfffffff0); /* would wrap a 32-bit offset */
	expect_error(mbi, len, "tag size runs outside the structure");
	put32(mbi + off + 4, 4); /* smaller than a tag header */
	expect_error(mbi, len,
		     "tag 1 at offset 0x18 (size 4): tag size runs outside the structure");
	free(mbi);
}

static void test_no_end_tag(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);
	u32 end = find_tag(mbi, TAG_END);

	(void)state;
	put32(mbi + end, 0x99); /* an unknown tag instead of the end tag */
	expect_error(mbi, len, "no end tag before total_size");
	put32(mbi + end, TAG_END);
	put32(mbi, end); /* total_size stops before the end tag */
	expect_error(mbi, len, "no end tag before total_size");
	put32(mbi, len);
	put32(mbi + end + 4, 16);
	expect_error(mbi, len, "tag size runs outside the structure");
	free(mbi);
}

/* Fill a string tag up to its last byte so no NUL is left inside it. */
static void unterminate(unsigned char *mbi, u32 type, u32 string_at)
{
	u32 off = find_tag(mbi, type);

	memset(mbi + off + string_at, 'x', get32(mbi + off + 4) - string_at);
}

static void test_unterminated_strings(void **state)
{
	static const struct {
		u32 type, string_at;
	} tags[] = { { TAG_CMDLINE, 8 }, { TAG_LOADER, 8 }, { TAG_MODULE, 16 } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t len;
		unsigned char *mbi = load("seabios", &len);
		char want[64];

		unterminate(mbi, tags[i].type, tags[i].string_at);
		snprintf(want, sizeof(want), "tag %u at", tags[i].type);
		expect_error(mbi, len, "string not NUL-terminated inside the tag");
		expect_error(mbi, len, want);
		free(mbi);
	}
}

/* A loader name that fills the 64-byte buffer exactly leaves no room for its NUL. */
static void test_string_too_long(void **state)
{
	unsigned char b[8 + 80 + 8] = { 0 };

	(void)state;
	put32(b, sizeof(b));
	put32(b + 8, TAG_LOADER);
	put32(b + 12, 8 + 65);
	memset(b + 16, 'g', 64);
	put32(b + 88, TAG_END);
	put32(b + 92, 8);
	expect_error(b, sizeof(b), "string too long");
	b[16 + 63] = '\0';
	assert_int_equal(parse(b, sizeof(b)), 0);
	assert_int_equal(strlen(bi->loader), 63);
}

static void test_module_end_before_start(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);
	u32 off = find_tag(mbi, TAG_MODULE);

	(void)state;
	put32(mbi + off + 12, get32(mbi + off + 8) - 1);
	expect_error(mbi, len, "module ends before it starts");
	put32(mbi + off + 12, get32(mbi + off + 8)); /* empty module: allowed */
	assert_int_equal(parse(mbi, len), 0);
	put32(mbi + off + 4, 16); /* no room for its string */
	expect_error(mbi, len, "module tag too small");
	free(mbi);
}

/* An information structure holding `n` copies of the captured module tag. */
static unsigned char *many_modules(unsigned int n, size_t *len)
{
	size_t slen;
	unsigned char *src = load("seabios", &slen), *mbi, *p;
	u32 off = find_tag(src, TAG_MODULE), size = get32(src + off + 4);
	u32 step = (size + 7) & ~7u;

	*len = 8 + (size_t)n * step + 8;
	mbi = calloc(1, *len);
	put32(mbi, *len);
	p = mbi + 8;
	for (unsigned int i = 0; i < n; i++, p += step)
		memcpy(p, src + off, size);
	put32(p, TAG_END);
	put32(p + 4, 8);
	free(src);
	return mbi;
}

static void test_too_many_modules(void **state)
{
	size_t len;
	unsigned char *mbi = many_modules(BOOT_MAX_MODULES, &len);

	(void)state;
	assert_int_equal(parse(mbi, len), 0);
	assert_int_equal(bi->mod_count, BOOT_MAX_MODULES);
	free(mbi);
	mbi = many_modules(BOOT_MAX_MODULES + 1, &len);
	expect_error(mbi, len, "too many modules");
	free(mbi);
}

static void test_mmap_entry_size(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);
	u32 off = find_tag(mbi, TAG_MMAP);

	(void)state;
	put32(mbi + off + 8, 16); /* smaller than base + length + type */
	expect_error(mbi, len, "tag 6 at offset 0xc8 (size 232): bad memory map entry size");
	put32(mbi + off + 8, 0);
	expect_error(mbi, len, "bad memory map entry size");
	put32(mbi + off + 8, 28); /* not a multiple of 8 */
	expect_error(mbi, len, "bad memory map entry size");
	put32(mbi + off + 8, 24);
	put32(mbi + off + 4, 12);
	expect_error(mbi, len, "memory map tag shorter than its header");
	free(mbi);
}

static void test_mmap_region_wraps(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);
	u32 off = find_tag(mbi, TAG_MMAP);

	(void)state;
	put64(mbi + off + 16 + 8 * 24, 0xfffffffffffff000ULL); /* the last entry */
	expect_error(mbi, len, "memory region wraps past 2^64");
	free(mbi);
}

static void test_too_many_regions(void **state)
{
	enum { N = BOOT_MAX_REGIONS + 1 };
	size_t size = 8 + 16 + N * 24 + 8;
	unsigned char *mbi = calloc(1, size), *e = mbi + 8 + 16;

	(void)state;
	put32(mbi, size);
	put32(mbi + 8, TAG_MMAP);
	put32(mbi + 12, 16 + N * 24);
	put32(mbi + 16, 24);
	for (int i = 0; i < N; i++, e += 24) {
		put64(e, (u64)i * 0x200000); /* 1 MiB of RAM every 2 MiB: nothing to merge */
		put64(e + 8, 0x100000);
		put32(e + 16, MEM_RAM);
	}
	put32(e, TAG_END);
	put32(e + 4, 8);
	expect_error(mbi, size, "too many memory regions");
	put32(mbi + 12, 16 + (N - 1) * 24); /* one fewer: fits (the end tag moves) */
	put32(mbi + 8 + 16 + (N - 1) * 24, TAG_END);
	put32(mbi + 8 + 16 + (N - 1) * 24 + 4, 8);
	put32(mbi, 8 + 16 + (N - 1) * 24 + 8);
	assert_int_equal(parse(mbi, size), 0);
	assert_int_equal(bi->mem_count, BOOT_MAX_REGIONS);
	free(mbi);
}

static void test_efi_mmap_corrupt(void **state)
{
	size_t len;
	unsigned char *mbi = load("ovmf", &len);
	u32 off;

	(void)state;
	put32(mbi + find_tag(mbi, TAG_MMAP), 0x7777); /* EFI map only */
	off = find_tag(mbi, TAG_EFI_MMAP);
	put32(mbi + off + 8, 32); /* descriptor smaller than EFI_MEMORY_DESCRIPTOR */
	expect_error(mbi, len, "bad EFI memory descriptor size");
	put32(mbi + off + 8, 48);
	put64(mbi + off + 16 + 24, 1ULL << 60); /* NumberOfPages of the first descriptor */
	expect_error(mbi, len, "EFI descriptor page count overflows");
	put64(mbi + off + 16 + 24, 1);
	put32(mbi + off + 4, 12);
	expect_error(mbi, len, "EFI memory map tag shorter than its header");
	free(mbi);
}

static void test_efi_boot_services_not_exited(void **state)
{
	size_t len;
	unsigned char *mbi = load("ovmf", &len);

	(void)state;
	put32(mbi + find_tag(mbi, TAG_LOAD_BASE), TAG_EFI_BS);
	expect_error(mbi, len, "EFI boot services were not exited");
	free(mbi);
}

static void test_rsdp_tag_too_short(void **state)
{
	size_t len;
	unsigned char *mbi = load("seabios", &len);

	(void)state;
	put32(mbi + find_tag(mbi, TAG_ACPI_OLD) + 4, 8 + 19);
	expect_error(mbi, len, "RSDP shorter than 20 bytes");
	free(mbi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seabios, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ovmf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efi_mmap_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structure_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_size_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_end_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_end_before_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_entry_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_region_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efi_mmap_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_efi_boot_services_not_exited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_tag_too_short, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
