// SPDX-License-Identifier: MIT
/* test_mboot.c: multiboot (v1) and multiboot2 headers, loading, placement and entry state. */
// sources: kernel/mboot.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/elf.h"
#include "kernel/io.h"
#include "kernel/mboot.h"
#include "tests/unit/doubles.h"

#define RAM_SIZE (8 * MiB)
#define FILE_MAX 0x12000

static u8 *ram;
static u8 file[FILE_MAX];
static size_t flen;

static void put32(size_t off, u32 v)
{
	memcpy(file + off, &v, 4);
}

/* An ELF32 executable: one RWX segment, vaddr 0xc0100000 -> paddr 1 MiB, 0x200 bytes + bss. */
static void elf32_image(void)
{
	struct elf32_ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386, .e_version = 1 };
	struct elf32_phdr ph = { PT_LOAD, 0x1000, 0xc0100000, 0x100000, 0x200, 0x3000, 7, 0x1000 };

	memset(file, 0, sizeof(file));
	memcpy(eh.e_ident,
	       "\x7f"
	       "ELF\x01\x01\x01",
	       7);
	eh.e_entry = 0xc0100040;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), &ph, sizeof(ph));
	memset(file + 0x1000 + 0x20, 0xab, 0x1e0);
	flen = 0x1200;
}

/* An ELF64 executable at 2 MiB, its entry (e_entry) a 64-bit address the entry tag overrides. */
static void elf64_image(void)
{
	struct elf64_ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = 1 };
	struct elf64_phdr ph = { PT_LOAD, 7, 0x1000, 0x200000, 0x200000, 0x100, 0x100, 0x1000 };

	memset(file, 0, sizeof(file));
	memcpy(eh.e_ident,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	eh.e_entry = 0x200010;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), &ph, sizeof(ph));
	flen = 0x1100;
}

static void mb1_header(size_t off, u32 flags)
{
	put32(off, MBOOT1_HEADER_MAGIC);
	put32(off + 4, flags);
	put32(off + 8, (u32) - (MBOOT1_HEADER_MAGIC + flags));
}

/* A multiboot2 header at off with the given tags (each already 8-byte padded) and an end tag. */
static void mb2_header(size_t off, const u32 *tags, size_t tag_words, u32 arch)
{
	u32 len = 16 + (u32)tag_words * 4 + 8;

	put32(off, MBOOT2_HEADER_MAGIC);
	put32(off + 4, arch);
	put32(off + 8, len);
	put32(off + 12, (u32) - (MBOOT2_HEADER_MAGIC + arch + len));
	if (tag_words)
		memcpy(file + off + 16, tags, tag_words * 4);
	put32(off + 16 + tag_words * 4, 0);
	put32(off + 20 + tag_words * 4, 8);
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

static void test_v1_elf32_loads_and_translates_entry(void **state)
{
	struct mboot_header h;
	struct mboot_kernel k;
	const char *why = "";

	(void)state;
	elf32_image();
	mb1_header(0x1000, 0x3);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V1);
	assert_int_equal(h.offset, 0x1000);
	assert_false(h.addr_valid);
	memset(ram + 0x100000, 0x55, 0x4000);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(k.entry, 0x100040);
	assert_int_equal(k.load_base, 0x100000);
	assert_int_equal(k.load_end, 0x103000);
	assert_memory_equal(ram + 0x100000, file + 0x1000, 0x200);
	assert_int_equal(ram[0x100200], 0); /* bss zeroed */
	assert_int_equal(ram[0x102fff], 0);
	assert_int_equal(ram[0x103000], 0x55); /* nothing beyond */
}

/* A flat image: the header at file offset 0x40 says where it goes. */
static void aout_image(u32 load_end, u32 bss_end, u32 entry)
{
	memset(file, 0, sizeof(file));
	flen = 0x800;
	memset(file, 0x90, flen);
	mb1_header(0x40, 0x10003);
	put32(0x4c, 0x100040); /* header_addr */
	put32(0x50, 0x100000); /* load_addr */
	put32(0x54, load_end);
	put32(0x58, bss_end);
	put32(0x5c, entry);
}

static void test_v1_aout_kludge(void **state)
{
	struct mboot_header h;
	struct mboot_kernel k;
	const char *why = "";

	(void)state;
	aout_image(0x100600, 0x102000, 0x100080);
	memset(ram + 0x100000, 0x55, 0x3000);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V1);
	assert_true(h.addr_valid && h.entry_valid);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(k.entry, 0x100080);
	assert_int_equal(k.load_end, 0x102000);
	assert_memory_equal(ram + 0x100000, file, 0x600);
	assert_int_equal(ram[0x100600], 0);
	assert_int_equal(ram[0x101fff], 0);
	assert_int_equal(ram[0x102000], 0x55);
	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss */
	aout_image(0, 0, 0x100080);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V1);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(k.load_end, 0x100800);
}

static void expect_load_refused(const char *needle)
{
	struct mboot_header h;
	struct mboot_kernel k;
	const char *why = "";

	assert_true(mboot_find(file, flen, MBOOT_NONE, &h, &why) > 0);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), -ENOEXEC);
	if (!strstr(why, needle))
		fail_msg("reason '%s' does not mention '%s'", why, needle);
}

static void test_v1_aout_hostile(void **state)
{
	(void)state;
	aout_image(0x101000, 0, 0x100080); /* beyond the file */
	expect_load_refused("beyond the end of the file");
	aout_image(0x100600, 0x100500, 0x100080); /* bss below load end */
	expect_load_refused("out of order");
	aout_image(0x100600, 0, 0x200000); /* entry outside */
	expect_load_refused("entry_addr");
	aout_image(0x100600, RAM_SIZE + 0x100000, 0x100080); /* bss beyond RAM */
	expect_load_refused("RAM");
	aout_image(0x100600, 0xffffff00, 0x100080);
	expect_load_refused("RAM");
	aout_image(0x100600, 0, 0x100080);
	put32(0x50, 0x0f0000); /* load at 960 KiB: the hole */
	put32(0x4c, 0x0f0040);
	put32(0x54, 0x0f0600);
	put32(0x5c, 0x0f0080);
	expect_load_refused("hole");
	aout_image(0x100600, 0, 0x100080);
	put32(0x4c, 0x100100); /* header_addr - load_addr beyond the header's offset */
	expect_load_refused("header_addr");
}

static void test_elf_hostile(void **state)
{
	struct elf32_phdr ph;

	(void)state;
	elf32_image();
	mb1_header(0x1000, 0x3);
	put32(0x1c, 0x100000); /* e_phoff beyond the file */
	expect_load_refused("program headers");
	elf32_image();
	mb1_header(0x1000, 0x3);
	memcpy(&ph, file + 52, sizeof(ph));
	ph.p_filesz = ph.p_memsz + 1;
	memcpy(file + 52, &ph, sizeof(ph));
	expect_load_refused("outside the file");
	elf32_image();
	mb1_header(0x1000, 0x3);
	ph.p_filesz = 0x200;
	ph.p_offset = 0x1000;
	ph.p_paddr = 0x9f000; /* runs into the hole */
	ph.p_memsz = 0x3000;
	ph.p_vaddr = 0xc0100000;
	ph.p_type = PT_LOAD;
	memcpy(file + 52, &ph, sizeof(ph));
	expect_load_refused("hole");
	ph.p_paddr = RAM_SIZE - 0x1000;
	memcpy(file + 52, &ph, sizeof(ph));
	expect_load_refused("RAM");
	elf32_image();
	mb1_header(0x1000, 0x3);
	put32(24, 0x12345678); /* entry outside every segment */
	expect_load_refused("entry point");
	elf32_image();
	mb1_header(0x1000, 0x3);
	file[EI_CLASS] = 7;
	expect_load_refused("ELF32 nor ELF64");
}

static void test_v1_header_rules(void **state)
{
	struct mboot_header h;
	const char *why = "";

	(void)state;
	elf32_image();
	mb1_header(0x1000, 0x3 | BIT(5)); /* an unknown required flag */
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), -ENOEXEC);
	assert_non_null(strstr(why, "flags 3-15"));
	mb1_header(0x1000, 0x7 | BIT(20)); /* video wanted; unknown optional flags are fine */
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V1);
	assert_true(h.wants_video);
	put32(0x1008, 0); /* bad checksum: not a header */
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_NONE);
	memset(file, 0, sizeof(file));
	mb1_header(0x2000, 0x3); /* beyond the first 8 KiB */
	assert_int_equal(mboot_find(file, 0x3000, MBOOT_NONE, &h, &why), MBOOT_NONE);
	mb1_header(0x1ff2, 0x3); /* not 4-byte aligned */
	assert_int_equal(mboot_find(file, 0x3000, MBOOT_NONE, &h, &why), MBOOT_NONE);
	/* address fields cut off by the end of the file */
	memset(file, 0, sizeof(file));
	mb1_header(0x10, 0x10003);
	assert_int_equal(mboot_find(file, 0x20, MBOOT_NONE, &h, &why), -ENOEXEC);
}

static void test_v2_elf64_entry_tag(void **state)
{
	/* info request: cmdline, loader, modules, meminfo, mmap (5 words + pad); entry tag; align */
	const u32 tags[] = { 1 | 0 << 16, 28, 1, 2, 3, 4, 6, 0, 3, 12, 0x200040, 0, 6, 8 };
	struct mboot_header h;
	struct mboot_kernel k;
	const char *why = "";

	(void)state;
	elf64_image();
	mb2_header(0x1000, tags, ARRAY_SIZE(tags), 0);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V2);
	assert_true(h.entry_valid && !h.addr_valid);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(k.entry, 0x200040);
	/* asking for v1 skips the v2 header */
	assert_int_equal(mboot_find(file, flen, MBOOT_V1, &h, &why), MBOOT_NONE);
}

static void expect_v2_refused(const u32 *tags, size_t n, const char *needle)
{
	struct mboot_header h;
	const char *why = "";

	elf64_image();
	mb2_header(0x800, tags, n, 0);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), -ENOEXEC);
	if (!strstr(why, needle))
		fail_msg("reason '%s' does not mention '%s'", why, needle);
}

static void test_v2_requests_a_partition_cannot_meet(void **state)
{
	const u32 acpi[] = { 1, 16, 1, 14 };
	const u32 fb[] = { 5, 20, 1024, 768, 32, 0 };
	const u32 console[] = { 4, 12, 1, 0 };
	const u32 unknown[] = { 42, 8 };
	const u32 bad_size[] = { 6, 4 };
	const u32 optional[] = { 1 | 1 << 16, 16,  1,  14, 5 | 1 << 16,  20,
				 1024,        768, 32, 0,  42 | 1 << 16, 8 };
	struct mboot_header h;
	const char *why = "";

	(void)state;
	expect_v2_refused(acpi, ARRAY_SIZE(acpi), "ACPI");
	expect_v2_refused(fb, ARRAY_SIZE(fb), "framebuffer");
	expect_v2_refused(console, ARRAY_SIZE(console), "console");
	expect_v2_refused(unknown, ARRAY_SIZE(unknown), "does not know");
	expect_v2_refused(bad_size, ARRAY_SIZE(bad_size), "bad size");
	/* the same requests marked optional are fine */
	elf64_image();
	mb2_header(0x800, optional, ARRAY_SIZE(optional), 0);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V2);
	assert_true(h.wants_video);
	/* another architecture, a bad length */
	mb2_header(0x800, NULL, 0, 4);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), -ENOEXEC);
	mb2_header(0x800, NULL, 0, 0);
	put32(0x808, 0x100000);
	put32(0x80c, (u32) - (MBOOT2_HEADER_MAGIC + 0x100000));
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), -ENOEXEC);
	/* beyond 32 KiB or misaligned: not found */
	memset(file, 0, sizeof(file));
	mb2_header(0x8000, NULL, 0, 0);
	assert_int_equal(mboot_find(file, sizeof(file), MBOOT_NONE, &h, &why), MBOOT_NONE);
	mb2_header(0x7ff4, NULL, 0, 0);
	assert_int_equal(mboot_find(file, sizeof(file), MBOOT_NONE, &h, &why), MBOOT_NONE);
}

static void test_v2_address_tag(void **state)
{
	const u32 tags[] = { 2, 24, 0x100040, 0x100000, 0x100600, 0x102000, 3, 12, 0x100080, 0 };
	struct mboot_header h;
	struct mboot_kernel k;
	const char *why = "";

	(void)state;
	memset(file, 0x90, sizeof(file));
	flen = 0x800;
	mb2_header(0x40, tags, ARRAY_SIZE(tags), 0);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V2);
	assert_true(h.addr_valid && h.entry_valid);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(k.entry, 0x100080);
	assert_memory_equal(ram + 0x100000, file, 0x600);
}

/* Load the ELF32 kernel, place two modules, check the v1 structure field by field. */
static void test_v1_info(void **state)
{
	static const char a[] = "module A", b[9000] = "b";
	const struct mboot_module mods[2] = { { a, sizeof(a), "first module" },
					      { b, sizeof(b), "m2" } };
	const struct mboot_boot boot = { "arg1=x arg2", mods, 2, 0xe0000000, MiB };
	struct mboot_header h;
	struct mboot_kernel k;
	struct mboot_placed pl;
	const char *why = "";
	u32 mi[29], mod[8], mmap[24];

	(void)state;
	elf32_image();
	mb1_header(0x1000, 0x3);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V1);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(mboot_place(ram, RAM_SIZE, &k, &boot, &pl, &why), 0);
	memcpy(mi, ram + pl.info, sizeof(mi));
	assert_int_equal(mi[0], 0x24d); /* memory, cmdline, mods, mmap, loader name */
	assert_int_equal(mi[1], 640);
	assert_int_equal(mi[2], (RAM_SIZE - MiB) / KiB);
	assert_string_equal((char *)ram + mi[4], "arg1=x arg2");
	assert_int_equal(mi[5], 2);
	memcpy(mod, ram + mi[6], sizeof(mod));
	assert_int_equal(mod[0], 0x103000); /* first page above the kernel's bss */
	assert_int_equal(mod[1], 0x103000 + sizeof(a));
	assert_string_equal((char *)ram + mod[2], "first module");
	assert_int_equal(mod[4], 0x104000);
	assert_int_equal(mod[5] - mod[4], sizeof(b));
	assert_memory_equal(ram + mod[0], a, sizeof(a));
	assert_string_equal((char *)ram + mod[6], "m2");
	assert_int_equal(mi[11], 4 * 24);
	memcpy(mmap, ram + mi[12], sizeof(mmap));
	/* size 20, base 0, len 640K, RAM; the hole; RAM from 1 MiB; the ECAM window */
	assert_int_equal(mmap[0], 20);
	assert_int_equal(mmap[3], 0xa0000);
	assert_int_equal(mmap[5], 1);
	assert_int_equal(mmap[6 + 1], 0xa0000);
	assert_int_equal(mmap[6 + 5], 2);
	assert_int_equal(mmap[12 + 1], MiB);
	assert_int_equal(mmap[12 + 3], RAM_SIZE - MiB);
	assert_int_equal(mmap[18 + 1], 0xe0000000);
	assert_int_equal(mmap[18 + 5], 2);
	assert_string_equal((char *)ram + mi[16], MBOOT_LOADER_NAME);
	assert_true(pl.gdt >= mod[5] && pl.info > pl.gdt && pl.info_end > pl.info);
	assert_true(pl.info_end <= RAM_SIZE);
}

/* Walk the v2 structure: every tag in bounds, the ones a partition gives, then the end tag. */
static void test_v2_info(void **state)
{
	const struct mboot_module mods[1] = { { "xyz", 3, "the module" } };
	const struct mboot_boot boot = { "hello", mods, 1, 0, 0 };
	const u32 tags[] = { 3, 12, 0x200040, 0 };
	struct mboot_header h;
	struct mboot_kernel k;
	struct mboot_placed pl;
	const char *why = "";
	u32 total, off = 8, seen = 0;

	(void)state;
	elf64_image();
	mb2_header(0x1000, tags, ARRAY_SIZE(tags), 0);
	assert_int_equal(mboot_find(file, flen, MBOOT_NONE, &h, &why), MBOOT_V2);
	assert_int_equal(mboot_load(file, flen, &h, ram, RAM_SIZE, &k, &why), 0);
	assert_int_equal(mboot_place(ram, RAM_SIZE, &k, &boot, &pl, &why), 0);
	assert_int_equal(pl.info % 8, 0);
	memcpy(&total, ram + pl.info, 4);
	assert_int_equal(pl.info + total, pl.info_end);
	for (;;) {
		u32 t[6];

		assert_true(off + 8 <= total);
		memcpy(t, ram + pl.info + off, sizeof(t));
		if (t[0] == 0)
			break;
		seen |= 1u << t[0];
		if (t[0] == 1)
			assert_string_equal((char *)ram + pl.info + off + 8, "hello");
		if (t[0] == 3) {
			assert_int_equal(t[2] % 4096, 0);
			assert_int_equal(t[3] - t[2], 3);
			assert_string_equal((char *)ram + pl.info + off + 16, "the module");
		}
		if (t[0] == 4) {
			assert_int_equal(t[2], 640);
			assert_int_equal(t[3], (RAM_SIZE - MiB) / KiB);
		}
		if (t[0] == 6) {
			assert_int_equal(t[1], 16 + 3 * 24); /* no ECAM window given */
			assert_int_equal(t[2], 24);
		}
		if (t[0] == 21)
			assert_int_equal(t[2], 0x200000);
		off += (t[1] + 7) & ~7u;
	}
	assert_int_equal(seen,
			 (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 21));
}

static void test_place_refuses_what_does_not_fit(void **state)
{
	static u8 big[3 * MiB];
	const struct mboot_module mods[2] = { { big, sizeof(big), "" }, { big, sizeof(big), "" } };
	const struct mboot_boot boot = { "", mods, 2, 0, 0 };
	struct mboot_kernel k = { .hdr = { .proto = MBOOT_V1 },
				  .load_base = MiB,
				  .load_end = 2 * MiB };
	struct mboot_placed pl;
	const char *why = "";

	(void)state;
	assert_int_equal(mboot_place(ram, RAM_SIZE, &k, &boot, &pl, &why), -ENOSPC);
	assert_non_null(strstr(why, "modules"));
	/* the modules fit exactly; the information does not */
	k.load_end = RAM_SIZE - 2 * sizeof(big);
	assert_int_equal(mboot_place(ram, RAM_SIZE, &k, &boot, &pl, &why), -ENOSPC);
	assert_non_null(strstr(why, "boot information"));
}

static void test_entry_state(void **state)
{
	struct mboot_kernel k = { .hdr = { .proto = MBOOT_V2 }, .entry = 0x100040 };
	struct mboot_placed pl = { 0x200000, 0x200040, 0x200400 };
	struct vcpu_state s;

	(void)state;
	mboot_vcpu_state(&k, &pl, &s);
	assert_int_equal(s.regs.rax, MBOOT2_BOOT_MAGIC);
	assert_int_equal(s.regs.rbx, 0x200040);
	assert_int_equal(s.regs.rip, 0x100040);
	assert_int_equal(s.cr0 & (CR0_PE | CR0_PG), CR0_PE);
	assert_int_equal(s.efer, 0);
	assert_int_equal(s.regs.rflags & BIT(9), 0);
	assert_int_equal(s.cs.sel, MBOOT_SEL_CODE);
	assert_int_equal(s.cs.attr, SEG_ATTR_CODE32);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.ss.sel, MBOOT_SEL_DATA);
	assert_int_equal(s.gdtr.base, 0x200000);
	k.hdr.proto = MBOOT_V1;
	mboot_vcpu_state(&k, &pl, &s);
	assert_int_equal(s.regs.rax, MBOOT1_BOOT_MAGIC);
}

/* Random damage to a good image: refused or loaded, never a read or write out of bounds. */
static void test_mutated_images_stay_in_bounds(void **state)
{
	const u32 tags[] = {
		1, 28, 1, 2, 3, 4, 6, 0, 2, 24, 0x100040, 0x100000, 0x100600, 0x102000
	};
	unsigned seed = 1;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct mboot_header h;
		struct mboot_kernel k;
		struct mboot_placed pl;
		const struct mboot_boot boot = { "x", NULL, 0, 0, 0 };
		const char *why = "";
		u8 *copy;

		if (round % 3 == 0)
			elf32_image(), mb1_header(0x1000, 0x3);
		else if (round % 3 == 1)
			aout_image(0x100600, 0x102000, 0x100080);
		else
			elf64_image(), mb2_header(0x40, tags, ARRAY_SIZE(tags), 0);
		for (int i = 0; i < 4; i++) {
			seed = seed * 1103515245 + 12345;
			file[(seed >> 8) % 0x1100] ^= (u8)(1 << ((seed >> 4) & 7));
		}
		copy = malloc(flen); /* ASan sees reads past the end of the file */
		memcpy(copy, file, flen);
		if (mboot_find(copy, flen, MBOOT_NONE, &h, &why) > 0 &&
		    mboot_load(copy, flen, &h, ram, RAM_SIZE, &k, &why) == 0)
			mboot_place(ram, RAM_SIZE, &k, &boot, &pl, &why);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_elf32_loads_and_translates_entry),
		cmocka_unit_test(test_v1_aout_kludge),
		cmocka_unit_test(test_v1_aout_hostile),
		cmocka_unit_test(test_elf_hostile),
		cmocka_unit_test(test_v1_header_rules),
		cmocka_unit_test(test_v2_elf64_entry_tag),
		cmocka_unit_test(test_v2_requests_a_partition_cannot_meet),
		cmocka_unit_test(test_v2_address_tag),
		cmocka_unit_test(test_v1_info),
		cmocka_unit_test(test_v2_info),
		cmocka_unit_test(test_place_refuses_what_does_not_fit),
		cmocka_unit_test(test_entry_state),
		cmocka_unit_test(test_mutated_images_stay_in_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
