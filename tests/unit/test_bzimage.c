// SPDX-License-Identifier: MIT
/* test_bzimage.c: Linux bzImage header checks, load, initrd placement, zero page, e820, entry. */
// sources: kernel/bzimage.c kernel/loader.c kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/bzimage.h"
#include "kernel/io.h"
#include "kernel/loader.h"
#include "tests/unit/doubles.h"

#define RAM_SIZE  (64 * MiB)
#define FILE_LEN  0x3000
#define SETUP_LEN 0x800 /* setup_sects 3 */

static u8 *ram;
static u8 file[FILE_LEN];

static void put16(u8 *p, u32 off, u16 v)
{
	memcpy(p + off, &v, 2);
}

static void put32(u8 *p, u32 off, u32 v)
{
	memcpy(p + off, &v, 4);
}

static void put64(u8 *p, u32 off, u64 v)
{
	memcpy(p + off, &v, 8);
}

static u32 get32(const u8 *p, u32 off)
{
	u32 v;

	memcpy(&v, p + off, 4);
	return v;
}

/* A bzImage as Debian's 6.1 kernel has it (protocol 2.15), scaled down to a 64 MiB partition. */
static void image(void)
{
	memset(file, 0, sizeof(file));
	file[BZ_SETUP_SECTS] = 3;
	put32(file, BZ_SYSSIZE, (FILE_LEN - SETUP_LEN) / 16);
	put16(file, BZ_BOOT_FLAG, 0xaa55);
	file[BZ_JUMP] = 0xeb;
	file[BZ_JUMP + 1] = 0x6a; /* header ends at 0x26c */
	put32(file, BZ_HEADER, BZ_HDRS_MAGIC);
	put16(file, BZ_VERSION, 0x020f);
	file[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put32(file, BZ_INITRD_MAX, 0x7fffffff);
	put32(file, BZ_KERNEL_ALIGN, 0x200000);
	file[BZ_RELOCATABLE] = 1;
	put16(file, BZ_XLOADFLAGS, 0x7f);
	put32(file, BZ_CMDLINE_SIZE, 0x7ff);
	put64(file, BZ_PREF_ADDRESS, 0x1000000);
	put32(file, BZ_INIT_SIZE, 0x2000000);
	memset(file + SETUP_LEN, 0xc3, FILE_LEN - SETUP_LEN);
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void test_parse_good_image(void **state)
{
	struct bzimage_info bi;
	const char *why = "";

	(void)state;
	image();
	assert_true(bzimage_detect(file, FILE_LEN));
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	assert_int_equal(bi.version, 0x020f);
	assert_int_equal(bi.kernel_off, SETUP_LEN);
	assert_int_equal(bi.kernel_len, FILE_LEN - SETUP_LEN);
	assert_int_equal(bi.load_addr, 0x1000000);
	assert_int_equal(bi.init_size, 0x2000000);
	assert_int_equal(bi.header_end, 0x26c);
	assert_int_equal(bi.cmdline_max, 0x7ff);
	bzimage_load(file, &bi, ram);
	assert_memory_equal(ram + 0x1000000, file + SETUP_LEN, FILE_LEN - SETUP_LEN);
	assert_int_equal(ram[0x1000000 + FILE_LEN - SETUP_LEN], 0);
}

/* Change one field of a good image; parse must refuse it with a reason naming the problem. */
static void expect_refused(void (*mutate)(void), u64 ram_size, const char *reason)
{
	struct bzimage_info bi;
	const char *why = "";

	image();
	mutate();
	assert_int_equal(bzimage_parse(file, FILE_LEN, ram_size, &bi, &why), -ENOEXEC);
	if (!strstr(why, reason))
		fail_msg("expected \"%s\", got \"%s\"", reason, why);
}

static void no_magic(void)
{
	put32(file, BZ_HEADER, 0x53726449);
}
static void no_boot_flag(void)
{
	put16(file, BZ_BOOT_FLAG, 0);
}
static void old_protocol(void)
{
	put16(file, BZ_VERSION, 0x020b);
}
static void no_64bit_entry(void)
{
	put16(file, BZ_XLOADFLAGS, 0x7e);
}
static void zimage(void)
{
	file[BZ_LOADFLAGS] = 0;
}
static void short_header(void)
{
	file[BZ_JUMP + 1] = 0x10;
}
static void huge_setup(void)
{
	file[BZ_SETUP_SECTS] = 0xff; /* 128 KiB of setup in a 12 KiB file */
}
static void big_syssize(void)
{
	put32(file, BZ_SYSSIZE, (FILE_LEN - SETUP_LEN) / 16 + 1 + 1);
}
static void zero_syssize(void)
{
	put32(file, BZ_SYSSIZE, 0);
}
static void odd_alignment(void)
{
	put32(file, BZ_KERNEL_ALIGN, 0x300000);
}
static void tiny_alignment(void)
{
	put32(file, BZ_KERNEL_ALIGN, 0x10);
}
static void small_init_size(void)
{
	put32(file, BZ_INIT_SIZE, 0x100);
}
static void huge_init_size(void)
{
	put32(file, BZ_INIT_SIZE, 0xffffffff);
}
static void fixed_low(void)
{
	file[BZ_RELOCATABLE] = 0;
	put64(file, BZ_PREF_ADDRESS, 0x10000);
}
static void fixed_high(void)
{
	file[BZ_RELOCATABLE] = 0;
	put64(file, BZ_PREF_ADDRESS, ~0ULL - 0x1000);
}

static void test_parse_refuses_bad_fields(void **state)
{
	(void)state;
	expect_refused(no_magic, RAM_SIZE, "HdrS");
	expect_refused(no_boot_flag, RAM_SIZE, "0xAA55");
	expect_refused(old_protocol, RAM_SIZE, "2.12");
	expect_refused(no_64bit_entry, RAM_SIZE, "64-bit entry");
	expect_refused(zimage, RAM_SIZE, "LOADED_HIGH");
	expect_refused(short_header, RAM_SIZE, "shorter");
	expect_refused(huge_setup, RAM_SIZE, "setup_sects");
	expect_refused(big_syssize, RAM_SIZE, "syssize");
	expect_refused(zero_syssize, RAM_SIZE, "syssize");
	expect_refused(odd_alignment, RAM_SIZE, "kernel_alignment");
	expect_refused(tiny_alignment, RAM_SIZE, "kernel_alignment");
	expect_refused(small_init_size, RAM_SIZE, "init_size");
	expect_refused(huge_init_size, RAM_SIZE, "does not fit");
	expect_refused(fixed_low, RAM_SIZE, "not relocatable");
	expect_refused(fixed_high, RAM_SIZE, "not relocatable");
	/* The good image itself needs 16 MiB + 32 MiB of RAM. */
	expect_refused(image, 32 * MiB, "does not fit");
}

static void test_parse_short_files(void **state)
{
	struct bzimage_info bi;
	const char *why = "";

	(void)state;
	image();
	for (u64 len = 0; len <= SETUP_LEN; len += 7)
		assert_int_equal(bzimage_parse(file, len, RAM_SIZE, &bi, &why), -ENOEXEC);
	/* syssize rounds up to 16 bytes: a file up to 15 bytes shorter is still whole. */
	assert_int_equal(bzimage_parse(file, FILE_LEN - 15, RAM_SIZE, &bi, &why), 0);
	assert_int_equal(bi.kernel_len, FILE_LEN - 15 - SETUP_LEN);
	assert_int_equal(bzimage_parse(file, FILE_LEN - 16, RAM_SIZE, &bi, &why), -ENOEXEC);
}

static void test_relocatable_placement(void **state)
{
	struct bzimage_info bi;
	const char *why = "";

	(void)state;
	image();
	put64(file, BZ_PREF_ADDRESS, 0x1100000); /* not 2 MiB aligned: 16 MiB instead */
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	assert_int_equal(bi.load_addr, 0x1000000);
	put32(file, BZ_KERNEL_ALIGN, 0x1000000 * 2); /* 32 MiB alignment */
	put32(file, BZ_INIT_SIZE, 0x1000000);
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	assert_int_equal(bi.load_addr, 0x2000000);
}

static void test_initrd_placement(void **state)
{
	struct bzimage_info bi;
	const char *why = "";
	u64 gpa;

	(void)state;
	image();
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, 0x123456, &gpa), 0);
	assert_int_equal(gpa, ALIGN_DOWN(RAM_SIZE - 0x123456, PAGE_SIZE));
	/* initrd_max below the top of RAM */
	bi.initrd_max = 0x3ffffff - 0x800000;
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, 0x1000, &gpa), 0);
	assert_int_equal(gpa, 0x37ff000);
	/* It never overlaps [load, load + init_size) = [16 MiB, 48 MiB). */
	bi.initrd_max = ~0ULL - 1;
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, 16 * MiB, &gpa), 0);
	assert_int_equal(gpa, 48 * MiB);
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, 16 * MiB + 1, &gpa), -ENOSPC);
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, ~0ULL, &gpa), -ENOSPC);
	assert_int_equal(bzimage_initrd_addr(&bi, RAM_SIZE, 0, &gpa), -ENOSPC);
}

static void test_e820_map(void **state)
{
	const struct bz_range res[] = {
		{ 0xfee00000, 0x1000, E820_RESERVED },
		{ 0xe0000000, 0x100000, E820_RESERVED },
		{ 0xfec00000, 0x1000, E820_ACPI },
	};
	struct bz_e820 m[8];
	u32 n;

	(void)state;
	n = bzimage_e820(256 * MiB, res, 3, m, 8);
	assert_int_equal(n, 6);
	assert_int_equal(m[0].addr, 0);
	assert_int_equal(m[0].size, 0xa0000);
	assert_int_equal(m[0].type, E820_RAM);
	assert_int_equal(m[1].addr, 0xa0000);
	assert_int_equal(m[1].size, 0x60000);
	assert_int_equal(m[1].type, E820_RESERVED);
	assert_int_equal(m[2].addr, 0x100000);
	assert_int_equal(m[2].size, 255 * MiB);
	assert_int_equal(m[2].type, E820_RAM);
	assert_int_equal(m[3].addr, 0xe0000000);
	assert_int_equal(m[4].addr, 0xfec00000);
	assert_int_equal(m[4].type, E820_ACPI);
	assert_int_equal(m[5].addr, 0xfee00000);
	for (u32 i = 1; i < n; i++)
		assert_true(m[i - 1].addr + m[i - 1].size <= m[i].addr);
	/* A full table keeps the first entries and never writes past max. */
	assert_int_equal(bzimage_e820(256 * MiB, res, 3, m, 2), 2);
}

static void test_zero_page(void **state)
{
	struct bz_e820 map[3] = { { 0, 0xa0000, 1 }, { 0x100000, 0x100000, 1 }, { 0xe0000, 1, 2 } };
	struct bzimage_boot b = { 0x40000, 0x3000000, 0x12345, 0xe0000, map, 3 };
	struct bzimage_info bi;
	const char *why = "";
	u8 zp[BP_SIZE];

	(void)state;
	image();
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	memset(zp, 0xee, sizeof(zp));
	bzimage_zero_page(zp, file, &bi, &b);
	assert_int_equal(zp[0], 0);
	assert_int_equal(zp[BZ_SETUP_SECTS], 3);
	assert_int_equal(get32(zp, BZ_HEADER), BZ_HDRS_MAGIC);
	assert_int_equal(get32(zp, BZ_INIT_SIZE), 0x2000000);
	assert_int_equal(zp[BZ_TYPE_OF_LOADER], 0xff);
	assert_int_equal(get32(zp, BZ_CODE32_START), 0x1000000);
	assert_int_equal(get32(zp, BZ_CMD_LINE_PTR), 0x40000);
	assert_int_equal(get32(zp, BZ_RAMDISK_IMAGE), 0x3000000);
	assert_int_equal(get32(zp, BZ_RAMDISK_SIZE), 0x12345);
	assert_int_equal(get32(zp, BP_ACPI_RSDP_ADDR), 0xe0000);
	assert_int_equal(zp[BP_E820_ENTRIES], 3);
	assert_memory_equal(zp + BP_E820_TABLE, map, sizeof(map));
	assert_int_equal(zp[0x26c], 0); /* past the header: not copied from the file */
	file[BZ_JUMP + 1] = 0xff;       /* a header claiming to reach 0x301 */
	memset(file + 0x26c, 0x77, 0x100);
	assert_int_equal(bzimage_parse(file, FILE_LEN, RAM_SIZE, &bi, &why), 0);
	bzimage_zero_page(zp, file, &bi, &b);
	assert_int_equal(zp[BP_HDR_END - 1], 0x77);
	assert_int_equal(zp[BP_HDR_END], 0); /* copied up to the zero page's header only */
	assert_memory_equal(zp + BP_E820_TABLE, map, sizeof(map));
}

static void test_linux_entry_state(void **state)
{
	struct vcpu_state s;
	u64 cr3 = 0, gdt[6];

	(void)state;
	assert_int_equal(loader_linux_setup(ram, RAM_SIZE, &cr3), 0);
	assert_true(cr3 >= HV_GPA_PT_START && cr3 < HV_GPA_PT_END);
	memcpy(gdt, ram + HV_GPA_GDT, sizeof(gdt));
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[1], 0);
	assert_int_equal(gdt[LOADER_LINUX_CS / 8], 0x00af9a000000ffffULL);
	assert_int_equal(gdt[LOADER_LINUX_DS / 8], 0x00cf92000000ffffULL);
	loader_linux_vcpu_state(0x1000200, BZ_GPA_ZERO_PAGE, cr3, &s);
	assert_int_equal(s.regs.rip, 0x1000200);
	assert_int_equal(s.regs.rsi, BZ_GPA_ZERO_PAGE);
	assert_int_equal(s.cs.sel, 0x10);
	assert_int_equal(s.ds.sel, 0x18);
	assert_int_equal(s.ss.sel, 0x18);
	assert_int_equal(s.tr.sel, 0x20);
	assert_int_equal(s.gdtr.limit, 6 * 8 - 1);
	assert_true(s.efer & EFER_LMA);
	assert_int_equal(s.regs.rflags & BIT(9), 0); /* interrupts off */
}

/* Random byte changes in the header: parse reads only the file, load only its checked range. */
static void test_mutated_headers_stay_in_bounds(void **state)
{
	struct bzimage_info bi;
	const char *why = "";

	(void)state;
	srand(12);
	for (int i = 0; i < 20000; i++) {
		u64 len = SETUP_LEN + (u64)(rand() % (FILE_LEN - SETUP_LEN));
		u8 *copy;

		image();
		for (int k = 0; k < 1 + rand() % 4; k++)
			file[BZ_SETUP_SECTS + rand() % (0x270 - BZ_SETUP_SECTS)] = (u8)rand();
		copy = malloc(len); /* exact size: ASan catches any read past it */
		memcpy(copy, file, len);
		if (bzimage_parse(copy, len, RAM_SIZE, &bi, &why) == 0) {
			assert_true(bi.kernel_off + bi.kernel_len <= len);
			assert_true(bi.load_addr + bi.init_size <= RAM_SIZE);
			bzimage_load(copy, &bi, ram);
		}
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_image),
		cmocka_unit_test(test_parse_refuses_bad_fields),
		cmocka_unit_test(test_parse_short_files),
		cmocka_unit_test(test_relocatable_placement),
		cmocka_unit_test(test_initrd_placement),
		cmocka_unit_test(test_e820_map),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_linux_entry_state),
		cmocka_unit_test(test_mutated_headers_stay_in_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
