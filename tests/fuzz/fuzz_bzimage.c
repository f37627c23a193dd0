// SPDX-License-Identifier: MIT
/*
 * fuzz_bzimage.c: the Linux boot protocol's side in the partition loader
 * (kernel/bzimage.c) as kernel/part.c drives it: header checks, the kernel
 * copied to its load address, the initrd placed, the e820 map and the zero
 * page built. Input: the partition's RAM in MiB (u8), the initrd's length
 * (u32), then the bzImage, parsed from an exact-size copy. Guest RAM is a heap
 * buffer whose first MiB (the loader's area) and whatever lies past the
 * partition's RAM are poisoned, so ASan reports a copy outside its place.
 */
// sources: kernel/bzimage.c kernel/format.c
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bzimage.h"
#include "kernel/printk.h"
#include "tests/fuzz/fuzz.h"

#define RAM_MAX (96 * MiB)
#define LOW_END (1 * MiB)

static u8 *ram;

/* The partition's RAM: 2 MiB multiples up to RAM_MAX, the rest of the buffer poisoned. */
static u64 fuzz_ram(u8 mib)
{
	u64 size = MAX(2 * MiB, MIN(RAM_MAX, ALIGN_DOWN((u64)mib * MiB, 2 * MiB)));

	if (!ram) {
		ram = malloc(RAM_MAX);
		if (!ram)
			abort();
	}
	ASAN_UNPOISON_MEMORY_REGION(ram, RAM_MAX);
	ASAN_POISON_MEMORY_REGION(ram, LOW_END);
	ASAN_POISON_MEMORY_REGION(ram + size, RAM_MAX - size);
	return size;
}

/* The e820 map: sorted, no overlaps, RAM exactly [0, 640 KiB) and [1 MiB, size). */
static void check_e820(const struct bz_e820 *m, u32 n, u64 size)
{
	u64 total = 0;

	for (u32 i = 0; i < n; i++) {
		FUZZ_CHECK(m[i].size && m[i].addr + m[i].size > m[i].addr);
		FUZZ_CHECK(i == 0 || m[i - 1].addr + m[i - 1].size <= m[i].addr);
		if (m[i].type == E820_RAM)
			total += m[i].size;
	}
	FUZZ_CHECK(total == size - (LOW_END - 0xa0000));
}

static void fuzz_boot(const u8 *file, const struct bzimage_info *bi, u64 size, u64 initrd_len)
{
	static u8 zp[BP_SIZE];
	const struct bz_range res[] = { { 0xe0000000ULL, MiB, E820_RESERVED },
					{ 0xfee00000ULL, PAGE_SIZE, E820_RESERVED } };
	struct bz_e820 map[BZ_E820_MAX];
	struct bzimage_boot b = { BZ_GPA_CMDLINE, 0, 0, BZ_GPA_ACPI, map, 0 };
	u64 gpa;

	FUZZ_CHECK(bi->load_addr >= LOW_END && bi->load_addr + bi->init_size <= size);
	FUZZ_CHECK(bi->kernel_len <= bi->init_size && bi->header_end <= BZ_JUMP + 2 + 0xff);
	bzimage_load(file, bi, ram);
	if (bzimage_initrd_addr(bi, size, initrd_len, &gpa) == 0) {
		FUZZ_CHECK(gpa >= bi->load_addr + bi->init_size && gpa + initrd_len <= size);
		FUZZ_CHECK(IS_ALIGNED(gpa, PAGE_SIZE) && gpa <= bi->initrd_max);
		b.initrd_gpa = gpa;
		b.initrd_len = initrd_len;
	}
	b.e820_count = bzimage_e820(size, res, ARRAY_SIZE(res), map, BZ_E820_MAX);
	check_e820(map, b.e820_count, size);
	bzimage_zero_page(zp, file, bi, &b);
	FUZZ_CHECK(zp[BP_E820_ENTRIES] == b.e820_count && zp[BZ_TYPE_OF_LOADER] == 0xff);
	FUZZ_CHECK(!memcmp(zp + BP_E820_TABLE, map, b.e820_count * sizeof(map[0])));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u64 ram_size = fuzz_ram(fuzz_u8(&in)), initrd_len = fuzz_u32(&in);
	u8 *file = fuzz_dup(in.p, in.left);
	struct bzimage_info bi;
	const char *why = NULL;
	int r = bzimage_parse(file, in.left, ram_size, &bi, &why);

	FUZZ_CHECK(r == 0 || r == -ENOEXEC);
	if (r) {
		FUZZ_CHECK(why != NULL); /* the partition is refused with a reason */
		printk(LOG_ERR, "lx: error: not started: Linux kernel refused: %s\n", why);
	} else {
		FUZZ_CHECK(bzimage_detect(file, in.left));
		FUZZ_CHECK(bi.kernel_off + bi.kernel_len <= in.left);
		fuzz_boot(file, &bi, ram_size, initrd_len);
	}
	free(file);
	return 0;
}
