// SPDX-License-Identifier: MIT
/*
 * fuzz_loader.c: the guest ELF loader (kernel/loader.c). The input is the ELF
 * file, from an exact-size heap copy; guest RAM is a heap buffer of exactly
 * RAM_SIZE bytes whose first MiB (the loader's own area: boot information,
 * GDT, page tables, stacks) is poisoned, so ASan reports a segment written
 * outside RAM or into that area.
 */
// sources: kernel/loader.c kernel/pagetable.c kernel/format.c
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/loader.h"
#include "kernel/printk.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE (4 * MiB)

static u8 *ram;

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *elf = fuzz_dup(data, size);
	struct loader_image img = { 0 };
	const char *why = NULL;
	int r;

	if (!ram) {
		ram = malloc(RAM_SIZE);
		if (!ram)
			abort();
		ASAN_POISON_MEMORY_REGION(ram, HV_GPA_IMAGE_MIN);
	}
	r = loader_load_elf(elf, size, ram, RAM_SIZE, &img, &why);
	FUZZ_CHECK(r == 0 || r == -ENOEXEC);
	if (r) {
		FUZZ_CHECK(why != NULL); /* the partition is refused with a reason */
		printk(LOG_ERR, "p1: error: not started: %s\n", why);
	} else {
		FUZZ_CHECK(img.entry >= HV_GPA_IMAGE_MIN && img.entry < RAM_SIZE);
		FUZZ_CHECK(img.image_end >= HV_GPA_IMAGE_MIN && img.image_end <= RAM_SIZE &&
			   IS_ALIGNED(img.image_end, PAGE_SIZE));
	}
	free(elf);
	return 0;
}
