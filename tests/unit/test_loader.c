// SPDX-License-Identifier: MIT
/* test_loader.c: the ELF64 guest loader against good and hostile images, and the boot environment. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE under -std=c11 */
// sources: kernel/loader.c kernel/pagetable.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "kernel/io.h"
#include "kernel/loader.h"
#include "kernel/plan.h"
#include "tests/unit/doubles.h"

#define RAM_SIZE (4 * MiB)

struct phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
} __attribute__((packed));

/* A little ELF64 image: header, up to 4 program headers, then segment data. */
struct img {
	u8 buf[0x3000];
	struct {
		u8 ident[16];
		u16 type, machine;
		u32 version;
		u64 entry, phoff, shoff;
		u32 flags;
		u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	} __attribute__((packed)) * eh;
	struct phdr *ph;
	size_t len;
};

static u8 *ram, *pristine;

/* text at 1 MiB (RX, 0x100 bytes of 0xc3), data at 1 MiB + 8K (RW, 0x10 bytes + bss). */
static void img_good(struct img *im)
{
	memset(im->buf, 0, sizeof(im->buf));
	im->eh = (void *)im->buf;
	im->ph = (void *)(im->buf + 64);
	memcpy(im->eh->ident,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	im->eh->type = 2;
	im->eh->machine = 62;
	im->eh->version = 1;
	im->eh->entry = 0x100010;
	im->eh->phoff = 64;
	im->eh->ehsize = 64;
	im->eh->phentsize = 56;
	im->eh->phnum = 2;
	im->ph[0] = (struct phdr){ 1, 5, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 0x1000 };
	im->ph[1] = (struct phdr){ 1, 6, 0x2000, 0x102000, 0x102000, 0x10, 0x3000, 0x1000 };
	memset(im->buf + 0x1000, 0xc3, 0x100);
	memset(im->buf + 0x2000, 0x5a, 0x10);
	im->len = 0x2010;
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	pristine = malloc(RAM_SIZE);
	memset(ram, 0xee, RAM_SIZE); /* the loader must zero-fill bss itself */
	memcpy(pristine, ram, RAM_SIZE);
	test_log_clear();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(pristine);
	return 0;
}

static void test_good_elf(void **state)
{
	struct loader_image li;
	const char *why = NULL;
	struct img im;

	(void)state;
	img_good(&im);
	assert_int_equal(loader_load_elf(im.buf, im.len, ram, RAM_SIZE, &li, &why), 0);
	assert_int_equal(li.entry, 0x100010);
	assert_int_equal(li.image_end, 0x105000);
	assert_memory_equal(ram + 0x100000, im.buf + 0x1000, 0x100);
	assert_memory_equal(ram + 0x102000, im.buf + 0x2000, 0x10);
	for (u64 a = 0x102010; a < 0x105000; a++)
		assert_int_equal(ram[a], 0);
	assert_int_equal(ram[0x100100], 0xee); /* nothing past the segment was touched */
	assert_int_equal(ram[0x105000], 0xee);
}

/* Each hostile image must be refused with the given reason and leave RAM untouched. */
static void refused(struct img *im, const char *reason)
{
	struct loader_image li;
	const char *why = "";

	assert_int_equal(loader_load_elf(im->buf, im->len, ram, RAM_SIZE, &li, &why), -ENOEXEC);
	if (!strstr(why, reason))
		fail_msg("refused for \"%s\", expected \"%s\"", why, reason);
	assert_memory_equal(ram, pristine, RAM_SIZE);
}

static void test_hostile_headers(void **state)
{
	struct img im;

	(void)state;
	img_good(&im);
	im.len = 63;
	refused(&im, "shorter than an ELF header");
	img_good(&im);
	im.buf[1] = 'X';
	refused(&im, "not an ELF file");
	img_good(&im);
	im.buf[4] = 1; /* ELFCLASS32 */
	refused(&im, "ELF64");
	img_good(&im);
	im.buf[5] = 2; /* big-endian */
	refused(&im, "ELF64");
	img_good(&im);
	im.eh->type = 3; /* ET_DYN */
	refused(&im, "ET_EXEC");
	img_good(&im);
	im.eh->machine = 3; /* EM_386 */
	refused(&im, "x86-64");
	img_good(&im);
	im.eh->phentsize = 32;
	refused(&im, "program header size");
	img_good(&im);
	im.eh->phnum = 0;
	refused(&im, "count");
	img_good(&im);
	im.eh->phnum = LOADER_MAX_PHDRS + 1;
	refused(&im, "count");
}

static void test_hostile_program_header_table(void **state)
{
	struct img im;

	(void)state;
	img_good(&im);
	im.eh->phoff = im.len - 56;
	refused(&im, "outside the file");
	img_good(&im);
	im.eh->phoff = ~0ULL - 10; /* offset + size wraps */
	refused(&im, "outside the file");
	img_good(&im);
	im.len = 64 + 56; /* the second header is cut off */
	refused(&im, "outside the file");
}

static void test_hostile_segments(void **state)
{
	struct img im;

	(void)state;
	img_good(&im);
	im.ph[1].filesz = im.ph[1].memsz + 1;
	refused(&im, "file size exceeds");
	img_good(&im);
	im.ph[1].filesz = 0x2000; /* past the end of the file */
	im.ph[1].memsz = 0x3000;
	refused(&im, "outside the file");
	img_good(&im);
	im.ph[1].offset = ~0ULL - 4; /* wraps */
	refused(&im, "outside the file");
	img_good(&im);
	im.ph[1].vaddr = 0xffffffff80102000ULL;
	refused(&im, "virtual and physical");
	img_good(&im);
	im.ph[0].vaddr = im.ph[0].paddr = 0x1000; /* over the boot-information page */
	im.eh->entry = 0x1000;
	refused(&im, "below 1 MiB");
	img_good(&im);
	im.ph[1].vaddr = im.ph[1].paddr = RAM_SIZE - 0x1000; /* 0x3000 bytes: past RAM */
	refused(&im, "does not fit");
	img_good(&im);
	im.ph[1].vaddr = im.ph[1].paddr = ~0ULL - 0xfff; /* paddr + memsz wraps */
	refused(&im, "does not fit");
	img_good(&im);
	im.ph[1].memsz = ~0ULL; /* huge bss */
	refused(&im, "does not fit");
	img_good(&im);
	im.ph[1].vaddr = im.ph[1].paddr = 0x1000f0; /* overlaps the text */
	refused(&im, "overlap");
	img_good(&im);
	im.ph[1].type = 3; /* PT_INTERP */
	refused(&im, "dynamic");
}

static void test_hostile_entry(void **state)
{
	struct img im;

	(void)state;
	img_good(&im);
	im.eh->entry = 0x102000; /* in the data segment: not executable */
	refused(&im, "entry point");
	img_good(&im);
	im.eh->entry = 0x100100; /* one past the text */
	refused(&im, "entry point");
	img_good(&im);
	im.eh->entry = 0;
	refused(&im, "entry point");
	img_good(&im);
	im.ph[0].type = im.ph[1].type = 4; /* PT_NOTE only */
	refused(&im, "no loadable segment");
}

/* Minimal pt_mem to walk the loader's tables inside the ram buffer. */
static void *ram_virt(void *ctx, paddr_t pa)
{
	return (u8 *)ctx + pa;
}

static void test_boot_setup(void **state)
{
	struct pt_mem mem = { .virt = ram_virt, .ctx = NULL };
	struct hv_boot_info bi = { .magic = HV_BOOT_MAGIC, .ram_size = RAM_SIZE };
	struct pagetable pt = { .fmt = &pt_fmt_x86_host, .mem = &mem };
	struct vcpu_state s;
	u64 cr3 = 0, gdt[5];
	paddr_t pa;
	u32 perms;
	int level;

	(void)state;
	mem.ctx = ram;
	strcpy(bi.cmdline, "beat=5");
	assert_int_equal(loader_boot_setup(ram, RAM_SIZE, &bi, &cr3), 0);
	assert_int_equal(cr3, HV_GPA_PT_START);
	assert_memory_equal(ram + HV_GPA_BOOTINFO, &bi, sizeof(bi));
	memcpy(gdt, ram + HV_GPA_GDT, sizeof(gdt));
	assert_int_equal(gdt[HV_SEL_CODE / 8], 0x00af9a000000ffffULL);
	assert_int_equal(gdt[HV_SEL_DATA / 8], 0x00cf92000000ffffULL);
	assert_int_equal((gdt[HV_SEL_TSS / 8] >> 40) & 0xff, 0x8b);
	pt.root = cr3;
	for (u64 gpa = 0; gpa < RAM_SIZE; gpa += 0x1000) {
		assert_int_equal(pt_walk(&pt, gpa, &pa, &perms, &level), 0);
		assert_int_equal(pa, gpa);
		assert_int_equal(level, 2);
	}
	assert_int_equal(pt_walk(&pt, RAM_SIZE, &pa, &perms, &level), -ENOENT);
	loader_vcpu_state(2, 0x100010, cr3, &s);
	assert_true((s.cr0 & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG));
	assert_true(s.cr4 & CR4_PAE);
	assert_true((s.efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA));
	assert_int_equal(s.cs.attr, SEG_ATTR_CODE64);
	assert_int_equal(s.regs.rip, 0x100010);
	assert_int_equal(s.regs.rdi, HV_GPA_BOOTINFO);
	assert_int_equal(s.regs.rsi, 2);
	assert_int_equal(s.regs.rsp, HV_GPA_STACKS - 2 * HV_STACK_SIZE);
	assert_true(s.regs.rsp - HV_STACK_SIZE >= HV_GPA_PT_END);
}

static void test_boot_setup_limits(void **state)
{
	struct hv_boot_info bi = { 0 };
	u64 cr3, big = PLAN_MEM_MAX + GiB;
	u8 *huge;

	(void)state;
	assert_int_equal(loader_boot_setup(ram, 512 * KiB, &bi, &cr3), -EINVAL);
	assert_int_equal(loader_boot_setup(ram, RAM_SIZE - 0x1000, &bi, &cr3), -EINVAL);
	/* The plan's largest partition must fit the loader's page-table area, one more GiB not. */
	huge = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	assert_true(huge != MAP_FAILED);
	assert_int_equal(loader_boot_setup(huge, PLAN_MEM_MAX, &bi, &cr3), 0);
	assert_int_equal(loader_boot_setup(huge, big, &bi, &cr3), -ENOMEM);
	munmap(huge, big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_program_header_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_setup_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
