// SPDX-License-Identifier: MIT
/*
 * fuzz_mb2.c: the multiboot2 information parser (kernel/mb2.c). The input is
 * the information structure itself, parsed from an exact-size heap copy;
 * what the parser hands the rest of boot is then checked.
 */
// sources: kernel/mb2.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/mb2.h"
#include "tests/fuzz/fuzz.h"

static struct boot_info bi;

/* A string the parser copied ends inside its array. */
static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void check(void)
{
	FUZZ_CHECK(bi.mem_count <= BOOT_MAX_REGIONS);
	FUZZ_CHECK(bi.mod_count <= BOOT_MAX_MODULES);
	FUZZ_CHECK(bi.rsdp_len == 0 || (bi.rsdp_len >= 20 && bi.rsdp_len <= BOOT_RSDP_MAX));
	FUZZ_CHECK(terminated(bi.cmdline, sizeof(bi.cmdline)));
	FUZZ_CHECK(terminated(bi.loader, sizeof(bi.loader)));
	for (unsigned int i = 0; i < bi.mem_count; i++) {
		const struct mem_region *m = &bi.mem[i];

		/* The frame allocator takes [base, base + len) as is: no empty or wrapping range. */
		FUZZ_CHECK(m->len != 0 && m->base + m->len > m->base);
		FUZZ_CHECK(m->type >= MEM_RAM && m->type <= MEM_BAD);
	}
	for (unsigned int i = 0; i < bi.mod_count; i++) {
		FUZZ_CHECK(bi.mods[i].start <= bi.mods[i].end);
		FUZZ_CHECK(terminated(bi.mods[i].cmdline, sizeof(bi.mods[i].cmdline)));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *mbi = fuzz_dup(data, size);
	char err[160] = "";
	int r = mb2_parse(mbi, size, &bi, err, sizeof(err));

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r)
		FUZZ_CHECK(strncmp(err, "multiboot2: ", 12) == 0); /* boot stops with a reason */
	else
		check();
	free(mbi);
	return 0;
}
