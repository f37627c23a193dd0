// SPDX-License-Identifier: MIT
/*
 * fuzz_mboot.c: the multiboot (v1) and multiboot2 kernel loader for
 * partitions (kernel/mboot.c): header search, loading, placing the modules
 * and the information structure, the entry state. The input is a flags
 * byte, the RAM size, the command line, the modules, then the kernel file
 * (from an exact-size heap copy). Guest RAM is one heap buffer whose bytes
 * past the partition's RAM size and in the 640 KiB-1 MiB hole are
 * ASan-poisoned, so a write outside RAM or into the hole is reported. A
 * multiboot2 information structure built is read back with the
 * hypervisor's own parser (kernel/mb2.c).
 */
// sources: kernel/mboot.c kernel/mb2.c kernel/format.c
#include <sanitizer/asan_interface.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mb2.h"
#include "kernel/mboot.h"
#include "kernel/printk.h"
#include "tests/fuzz/fuzz.h"

#define RAM_MAX   (6 * MiB)
#define CMD_MAX   300
#define MOD_MAX   (64 * KiB)
#define ECAM_BASE 0xb0000000ULL

static u8 *ram;

struct input {
	enum mboot_proto want;
	u64 ram_size;
	char *cmdline;
	struct mboot_module mods[MBOOT_MAX_MODS + 1];
	char *mod_cmd[MBOOT_MAX_MODS + 1];
	u32 mod_count;
	bool ecam;
};

static char *take_str(struct fuzz_in *in, size_t max)
{
	size_t got;
	const u8 *p = fuzz_bytes(in, fuzz_u16(in) % (max + 1), &got);

	return fuzz_strdup(p, got);
}

static void read_input(struct fuzz_in *in, struct input *t)
{
	u8 flags = fuzz_u8(in);
	size_t got;

	t->want = (enum mboot_proto)((flags & 3) % 3);
	t->mod_count = ((flags >> 2) & 15) % (MBOOT_MAX_MODS + 2); /* one too many included */
	t->ecam = flags & BIT(7);
	t->ram_size = MiB + (u64)(fuzz_u16(in) % (5 * MiB / (4 * KiB) + 1)) * 4 * KiB;
	t->cmdline = take_str(in, CMD_MAX);
	for (u32 i = 0; i < t->mod_count; i++) {
		const u8 *p = fuzz_bytes(in, fuzz_u16(in) % MOD_MAX, &got);

		t->mods[i].data = fuzz_dup(p, got);
		t->mods[i].len = got;
		t->mod_cmd[i] = take_str(in, 64);
		t->mods[i].cmdline = t->mod_cmd[i];
	}
}

static void free_input(struct input *t)
{
	for (u32 i = 0; i < t->mod_count; i++) {
		free((void *)t->mods[i].data);
		free(t->mod_cmd[i]);
	}
	free(t->cmdline);
}

/* The information structure built for a multiboot2 kernel parses as GRUB's would. */
static void check_info_v2(const struct mboot_placed *pl, const struct input *t)
{
	static struct boot_info bi;
	char err[128];

	FUZZ_CHECK(mb2_parse(ram + pl->info, pl->info_end - pl->info, &bi, err, sizeof(err)) == 0);
	FUZZ_CHECK(bi.mod_count == t->mod_count);
	FUZZ_CHECK(bi.mem_count >= 2);
}

static void place(const struct mboot_kernel *k, const struct input *t)
{
	struct mboot_boot b = { t->cmdline, t->mods, t->mod_count, t->ecam ? ECAM_BASE : 0,
				t->ecam ? 256 * MiB : 0 };
	struct mboot_placed pl;
	struct vcpu_state s;
	const char *why = NULL;
	int r = mboot_place(ram, t->ram_size, k, &b, &pl, &why);

	FUZZ_CHECK(r == 0 || r == -ENOSPC);
	if (r) {
		FUZZ_CHECK(why != NULL);
		printk(LOG_ERR, "p1: error: not started: %s\n", why);
		return;
	}
	FUZZ_CHECK(t->mod_count <= MBOOT_MAX_MODS);
	/* Nothing placed overlaps the kernel; all of it lies in RAM. */
	FUZZ_CHECK(pl.gdt >= MAX(k->load_end, MBOOT_HIGH_START));
	FUZZ_CHECK(pl.gdt < pl.info && pl.info < pl.info_end && pl.info_end <= t->ram_size);
	printk(LOG_INFO, "p1: multiboot%s kernel at 0x%llx-0x%llx, entry 0x%x, info at 0x%x\n",
	       k->hdr.proto == MBOOT_V2 ? "2" : "", k->load_base, k->load_end, k->entry, pl.info);
	mboot_vcpu_state(k, &pl, &s);
	FUZZ_CHECK(s.regs.rip == k->entry && s.regs.rbx == pl.info);
	if (k->hdr.proto == MBOOT_V2)
		check_info_v2(&pl, t);
}

static void load(const u8 *file, size_t len, const struct mboot_header *h, const struct input *t)
{
	struct mboot_kernel k;
	const char *why = NULL;
	int r = mboot_load(file, len, h, ram, t->ram_size, &k, &why);

	FUZZ_CHECK(r == 0 || r == -ENOEXEC);
	if (r) {
		FUZZ_CHECK(why != NULL); /* the partition is refused with a reason */
		printk(LOG_ERR, "p1: error: not started: %s\n", why);
		return;
	}
	FUZZ_CHECK(k.load_base < k.load_end && k.load_end <= t->ram_size);
	/*
	 * [load_base, load_end) may span the 640 KiB-1 MiB hole: an ELF kernel may have
	 * segments on both sides of it (GRUB loads those too). That nothing lands in the
	 * hole is checked by ASan: the hole is poisoned.
	 */
	FUZZ_CHECK(k.entry < t->ram_size);
	place(&k, t);
}

static void run(const u8 *file, size_t len, const struct input *t)
{
	struct mboot_header h;
	const char *why = NULL;
	int r = mboot_find(file, len, t->want, &h, &why);

	FUZZ_CHECK(r == MBOOT_NONE || r == MBOOT_V1 || r == MBOOT_V2 || r == -ENOEXEC);
	FUZZ_CHECK(r != -ENOEXEC || why != NULL);
	if (r == -ENOEXEC)
		printk(LOG_ERR, "p1: error: not started: %s\n", why);
	FUZZ_CHECK(!(t->want == MBOOT_V1 && r == MBOOT_V2) &&
		   !(t->want == MBOOT_V2 && r == MBOOT_V1));
	if (r == MBOOT_V1)
		FUZZ_CHECK(h.offset % 4 == 0 && h.offset < MBOOT1_SEARCH && h.offset + 12 <= len);
	if (r == MBOOT_V2)
		FUZZ_CHECK(h.offset % 8 == 0 && h.offset < MBOOT2_SEARCH && h.offset + 16 <= len);
	if (r == MBOOT_V1 || r == MBOOT_V2)
		load(file, len, &h, t);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct input t = { 0 };
	u8 *file;

	if (!ram) {
		ram = malloc(RAM_MAX);
		if (!ram)
			abort();
	}
	read_input(&in, &t);
	file = fuzz_dup(in.p, in.left);
	ASAN_POISON_MEMORY_REGION(ram + t.ram_size, RAM_MAX - t.ram_size);
	ASAN_POISON_MEMORY_REGION(ram + MBOOT_LOW_END, MBOOT_HIGH_START - MBOOT_LOW_END);
	run(file, in.left, &t);
	ASAN_UNPOISON_MEMORY_REGION(ram, RAM_MAX);
	free(file);
	free_input(&t);
	return 0;
}
