// SPDX-License-Identifier: MIT
/* test_mmio.c: decoding MMIO MOVs (vectors from GNU as) and walking a guest's page tables. */
// sources: kernel/mmio.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/io.h"
#include "kernel/mmio.h"
#include "tests/unit/doubles.h"

struct vec {
	const char *what;
	u8 code[16];
	u8 n;
	u8 len, size, reg, dest_size;
	bool write, high8, has_imm;
	u64 imm;
};

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RSI 6
#define R8  8
#define R9  9
#define R10 10
#define R12 12

static const struct vec good[] = {
	{ "mov %eax,(%rbx)", { 0x89, 0x03 }, 2, 2, 4, RAX, 0, true, false, false, 0 },
	{ "mov %ecx,0x10(%rdi)", { 0x89, 0x4f, 0x10 }, 3, 3, 4, RCX, 0, true, false, false, 0 },
	{ "mov %r9d,0x12345678(%rsi,%rcx,4)",
	  { 0x44, 0x89, 0x8c, 0x8e, 0x78, 0x56, 0x34, 0x12 },
	  8,
	  8,
	  4,
	  R9,
	  0,
	  true,
	  false,
	  false,
	  0 },
	{ "mov %rdx,(%rax)", { 0x48, 0x89, 0x10 }, 3, 3, 8, RDX, 0, true, false, false, 0 },
	{ "mov %ax,(%rax)", { 0x66, 0x89, 0x00 }, 3, 3, 2, RAX, 0, true, false, false, 0 },
	{ "mov %al,(%rdx)", { 0x88, 0x02 }, 2, 2, 1, RAX, 0, true, false, false, 0 },
	{ "mov %ah,(%rdx)", { 0x88, 0x22 }, 2, 2, 1, RAX, 0, true, true, false, 0 },
	{ "mov %r10b,(%rdx)", { 0x44, 0x88, 0x12 }, 3, 3, 1, R10, 0, true, false, false, 0 },
	{ "mov %sil,(%rdx)", { 0x40, 0x88, 0x32 }, 3, 3, 1, RSI, 0, true, false, false, 0 },
	{ "mov (%rax),%eax", { 0x8b, 0x00 }, 2, 2, 4, RAX, 4, false, false, false, 0 },
	{ "mov 0x8(%rbp),%r12",
	  { 0x4c, 0x8b, 0x65, 0x08 },
	  4,
	  4,
	  8,
	  R12,
	  8,
	  false,
	  false,
	  false,
	  0 },
	{ "mov (%rsp),%bx", { 0x66, 0x8b, 0x1c, 0x24 }, 4, 4, 2, RBX, 2, false, false, false, 0 },
	{ "mov (%rax),%bh", { 0x8a, 0x38 }, 2, 2, 1, RBX, 1, false, true, false, 0 },
	{ "movzbl (%rax),%ecx", { 0x0f, 0xb6, 0x08 }, 3, 3, 1, RCX, 4, false, false, false, 0 },
	{ "movzwl 0x4(%rax),%edx",
	  { 0x0f, 0xb7, 0x50, 0x04 },
	  4,
	  4,
	  2,
	  RDX,
	  4,
	  false,
	  false,
	  false,
	  0 },
	{ "movzbq (%rax),%r8", { 0x4c, 0x0f, 0xb6, 0x00 }, 4, 4, 1, R8, 8, false, false, false, 0 },
	{ "movb $0x7f,(%rax)", { 0xc6, 0x00, 0x7f }, 3, 3, 1, RAX, 0, true, false, true, 0x7f },
	{ "movw $0x1234,0x2(%rax)",
	  { 0x66, 0xc7, 0x40, 0x02, 0x34, 0x12 },
	  6,
	  6,
	  2,
	  RAX,
	  0,
	  true,
	  false,
	  true,
	  0x1234 },
	{ "movl $0xdeadbeef,(%rax)",
	  { 0xc7, 0x00, 0xef, 0xbe, 0xad, 0xde },
	  6,
	  6,
	  4,
	  RAX,
	  0,
	  true,
	  false,
	  true,
	  0xdeadbeef },
	{ "movq $-2,(%rax)",
	  { 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff },
	  7,
	  7,
	  8,
	  RAX,
	  0,
	  true,
	  false,
	  true,
	  0xfffffffffffffffeULL },
	{ "mov %eax,0x100(%rip)",
	  { 0x89, 0x05, 0x00, 0x01, 0x00, 0x00 },
	  6,
	  6,
	  4,
	  RAX,
	  0,
	  true,
	  false,
	  false,
	  0 },
	{ "mov %eax,0x1000",
	  { 0x89, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00 },
	  7,
	  7,
	  4,
	  RAX,
	  0,
	  true,
	  false,
	  false,
	  0 },
	{ "mov %fs:(%rax),%eax", { 0x64, 0x8b, 0x00 }, 3, 3, 4, RAX, 4, false, false, false, 0 },
	{ "addr32 mov %eax,(%eax)", { 0x67, 0x89, 0x00 }, 3, 3, 4, RAX, 0, true, false, false, 0 },
	/* trailing bytes of the next instruction do not matter */
	{ "mov %eax,(%rbx); nop",
	  { 0x89, 0x03, 0x90, 0x90 },
	  4,
	  2,
	  4,
	  RAX,
	  0,
	  true,
	  false,
	  false,
	  0 },
};

static void test_decode_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct vec *v = &good[i];
		struct mmio_insn in;

		if (mmio_decode(v->code, v->n, true, &in))
			fail_msg("refused: %s", v->what);
		if (in.len != v->len || in.size != v->size || in.write != v->write ||
		    in.high8 != v->high8 || in.has_imm != v->has_imm || in.imm != v->imm ||
		    (!v->has_imm && in.reg != v->reg) ||
		    (!v->write && in.dest_size != v->dest_size))
			fail_msg(
				"%s: len %u size %u reg %u dest %u write %d high8 %d imm %d 0x%llx",
				v->what, in.len, in.size, in.reg, in.dest_size, in.write, in.high8,
				in.has_imm, (unsigned long long)in.imm);
	}
}

static void test_decode_refused(void **state)
{
	static const struct {
		const char *what;
		u8 code[8];
		u8 n;
	} bad[] = {
		{ "lock mov", { 0xf0, 0x89, 0x03 }, 3 },
		{ "rep mov", { 0xf3, 0x89, 0x03 }, 3 },
		{ "mov %eax,%ebx (no memory)", { 0x89, 0xc3 }, 2 },
		{ "add %eax,(%rbx)", { 0x01, 0x03 }, 2 },
		{ "movs", { 0xa5 }, 1 },
		{ "truncated opcode", { 0x48 }, 1 },
		{ "truncated modrm", { 0x89 }, 1 },
		{ "truncated disp32", { 0x89, 0x05, 0x00, 0x01 }, 4 },
		{ "truncated SIB", { 0x89, 0x04 }, 2 },
		{ "truncated imm32", { 0xc7, 0x00, 0xef, 0xbe }, 4 },
		{ "c7 /1 is not a MOV", { 0xc7, 0x08, 0, 0, 0, 0 }, 6 },
		{ "0f 0b (ud2)", { 0x0f, 0x0b }, 2 },
		{ "only prefixes", { 0x66, 0x66, 0x66 }, 3 },
		{ "empty", { 0 }, 0 },
	};
	u8 many[20];
	struct mmio_insn in;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mmio_decode(bad[i].code, bad[i].n, true, &in) == 0)
			fail_msg("accepted: %s", bad[i].what);
	/* more than 15 bytes of prefixes can never be an instruction */
	memset(many, 0x66, sizeof(many));
	many[18] = 0x89;
	many[19] = 0x03;
	assert_int_equal(mmio_decode(many, sizeof(many), true, &in), -EINVAL);
}

static void test_decode_32bit_mode(void **state)
{
	static const u8 rex_like[] = { 0x40, 0x89, 0x03 }; /* INC EAX; MOV: 0x40 is no REX here */
	static const u8 plain[] = { 0x89, 0x03 };
	static const u8 addr16[] = { 0x67, 0x89, 0x07 };
	struct mmio_insn in;

	(void)state;
	assert_int_equal(mmio_decode(rex_like, sizeof(rex_like), false, &in), -EINVAL);
	assert_int_equal(mmio_decode(plain, sizeof(plain), false, &in), 0);
	assert_int_equal(in.len, 2);
	assert_int_equal(mmio_decode(addr16, sizeof(addr16), false, &in), -EINVAL);
}

static void test_registers(void **state)
{
	struct vcpu_regs r = { .rax = 0x1122334455667788ULL, .rbx = 0xffffffffffffffffULL };
	struct mmio_insn in;
	static const u8 ld_bh[] = { 0x8a, 0x38 };             /* mov (%rax),%bh */
	static const u8 ld_eax[] = { 0x8b, 0x00 };            /* mov (%rax),%eax */
	static const u8 ld_bx[] = { 0x66, 0x8b, 0x1c, 0x24 }; /* mov (%rsp),%bx */
	static const u8 st_ah[] = { 0x88, 0x22 };             /* mov %ah,(%rdx) */
	static const u8 st_r9[] = { 0x44, 0x89, 0x8c, 0x8e, 0x78, 0x56, 0x34, 0x12 };

	(void)state;
	assert_ptr_equal(mmio_gpr(&r, RSP), &r.rsp);
	assert_ptr_equal(mmio_gpr(&r, 15), &r.r15);
	assert_int_equal(mmio_decode(ld_bh, 2, true, &in), 0);
	mmio_load_result(&r, &in, 0xab);
	assert_int_equal(r.rbx, 0xffffffffffffabffULL);
	assert_int_equal(mmio_decode(ld_bx, 4, true, &in), 0);
	mmio_load_result(&r, &in, 0x12345);
	assert_int_equal(r.rbx, 0xffffffffffff2345ULL);
	assert_int_equal(mmio_decode(ld_eax, 2, true, &in), 0);
	mmio_load_result(&r, &in, 0xcafef00ddeadbeefULL);
	assert_int_equal(r.rax, 0xdeadbeefULL); /* 32-bit load clears the upper half */
	r.rax = 0x1122334455667788ULL;
	assert_int_equal(mmio_decode(st_ah, 2, true, &in), 0);
	assert_int_equal(mmio_store_value(&r, &in), 0x77);
	r.r9 = 0xaaaaaaaabbbbbbbbULL;
	assert_int_equal(mmio_decode(st_r9, sizeof(st_r9), true, &in), 0);
	assert_int_equal(mmio_store_value(&r, &in), 0xbbbbbbbbULL);
}

/* A guest address space in a 4 MiB buffer: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
#define RAM (4 * MiB)
static u8 *ram;
static const struct mmio_paging lm = { CR0_PG | CR0_PE, 0x1000, CR4_PAE, EFER_LME | EFER_LMA };

static void put(u64 gpa, u64 e)
{
	memcpy(ram + gpa, &e, 8);
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM);
	put(0x1000 + 0 * 8, 0x2003);         /* PML4[0] -> PDPT */
	put(0x1000 + 256 * 8, 0x2003);       /* PML4[256] (0xffff8000...) -> same PDPT */
	put(0x2000 + 0 * 8, 0x3003);         /* PDPT[0] -> PD */
	put(0x2000 + 1 * 8, 0x0083);         /* PDPT[1]: 1 GiB page at GPA 0 */
	put(0x2000 + 2 * 8, 0x7ff000003ULL); /* PDPT[2] -> a PD far outside RAM */
	put(0x3000 + 0 * 8, 0x4003);         /* PD[0] -> PT */
	put(0x3000 + 1 * 8, 0x200083);       /* PD[1]: 2 MiB page at GPA 2 MiB */
	put(0x4000 + 0x10 * 8, 0x10003);     /* PT[0x10]: 4 KiB page 0x10000 -> 0x10000 */
	put(0x4000 + 0x11 * 8, 0x30003);     /* PT[0x11]: 0x11000 -> 0x30000 */
	/* PT[0x12] not present */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void test_walk(void **state)
{
	struct mmio_paging nopg = { CR0_PE, 0, 0, 0 };
	struct mmio_paging pae32 = { CR0_PG | CR0_PE, 0x1000, CR4_PAE, 0 };
	u64 gpa;

	(void)state;
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x10123, &gpa), 0);
	assert_int_equal(gpa, 0x10123);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x11ffc, &gpa), 0);
	assert_int_equal(gpa, 0x30ffc);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x3fffff, &gpa), 0);
	assert_int_equal(gpa, 0x3fffff);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0xffff800000200010ULL, &gpa), 0);
	assert_int_equal(gpa, 0x200010);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x40000000 + 0x1234, &gpa), 0);
	assert_int_equal(gpa, 0x1234); /* the 1 GiB page */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x12000, &gpa), -EFAULT);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x80000000, &gpa),
			 -EFAULT); /* PD out of RAM */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &lm, 0x8000000000ULL, &gpa), -EFAULT);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &nopg, 0xfee00000, &gpa), 0);
	assert_int_equal(gpa, 0xfee00000);
	(void)pae32;
	/* CR3 itself outside RAM */
	struct mmio_paging wild = lm;

	wild.cr3 = RAM;
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &wild, 0x10000, &gpa), -EFAULT);
}

static void put32(u64 gpa, u32 e)
{
	memcpy(ram + gpa, &e, 4);
}

/* 32-bit paging: PD at 1 MiB, PT at 1 MiB + 4K; 4 MiB pages only with CR4.PSE. */
static void test_walk_32bit(void **state)
{
	struct mmio_paging pg = { CR0_PG | CR0_PE, 0x100000, BIT(4), 0 };
	u64 gpa;

	(void)state;
	put32(0x100000 + 0 * 4, 0x101003);           /* PDE[0] -> PT */
	put32(0x100000 + 1 * 4, 0x400083);           /* PDE[1]: 4 MiB page at 4 MiB */
	put32(0x100000 + 2 * 4, 0x000083 | 1 << 13); /* PDE[2]: PSE-36, 4 GiB up */
	put32(0x101000 + 5 * 4, 0x5003);             /* 0x5000 -> 0x5000 */
	put32(0x101000 + 6 * 4, 0x7003);             /* 0x6000 -> 0x7000 */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x5123, &gpa), 0);
	assert_int_equal(gpa, 0x5123);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x6010, &gpa), 0);
	assert_int_equal(gpa, 0x7010);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x7000, &gpa), -EFAULT);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x412345, &gpa), 0);
	assert_int_equal(gpa, 0x412345);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x812345, &gpa), 0);
	assert_int_equal(gpa, 0x100012345ULL);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0xc00000, &gpa), -EFAULT);
	pg.cr4 = 0; /* without PSE the PS bit is ignored: PDE[1] names a table beyond RAM */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x412345, &gpa), -EFAULT);
	/* without paging, linear addresses are 32 bits */
	pg.cr0 = CR0_PE;
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x100001234ULL, &gpa), 0);
	assert_int_equal(gpa, 0x1234);
}

/* PAE paging: PDPT at 0x102000, PD at 0x103000, PT at 0x104000. */
static void test_walk_pae(void **state)
{
	struct mmio_paging pg = { CR0_PG | CR0_PE, 0x102000, CR4_PAE, 0 };
	u64 gpa;

	(void)state;
	put(0x102000 + 0 * 8, 0x103001); /* PDPTE[0] */
	put(0x103000 + 0 * 8, 0x104003); /* PDE[0] -> PT */
	put(0x103000 + 1 * 8, 0x200083); /* PDE[1]: 2 MiB page */
	put(0x104000 + 3 * 8, 0x9003);   /* 0x3000 -> 0x9000 */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x3abc, &gpa), 0);
	assert_int_equal(gpa, 0x9abc);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x200040, &gpa), 0);
	assert_int_equal(gpa, 0x200040);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x4000, &gpa), -EFAULT);
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0x40000000, &gpa), -EFAULT);
	pg.cr3 = RAM - 16; /* the PDPT runs off the end of RAM for index 3 */
	assert_int_equal(mmio_gva_to_gpa(ram, RAM, &pg, 0xc0000000, &gpa), -EFAULT);
}

static void test_fetch_across_pages(void **state)
{
	u8 buf[MMIO_INSN_MAX];

	(void)state;
	memset(ram + 0x10ff8, 0xaa, 8);
	memset(ram + 0x30000, 0xbb, 16);
	/* 8 bytes at the end of 0x10000, the rest from 0x11000 -> GPA 0x30000 */
	assert_int_equal(mmio_fetch(ram, RAM, &lm, 0x10ff8, buf), MMIO_INSN_MAX);
	assert_int_equal(buf[7], 0xaa);
	assert_int_equal(buf[8], 0xbb);
	/* the page after 0x11000 is not mapped: a short fetch */
	assert_int_equal(mmio_fetch(ram, RAM, &lm, 0x11ffc, buf), 4);
	assert_int_equal(mmio_fetch(ram, RAM, &lm, 0x12000, buf), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_refused),
		cmocka_unit_test(test_decode_32bit_mode),
		cmocka_unit_test(test_registers),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_across_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_pae, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
