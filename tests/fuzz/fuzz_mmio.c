// SPDX-License-Identifier: MIT
/*
 * fuzz_mmio.c: the MMIO instruction decoder and the guest page walk
 * (kernel/mmio.c). Decoding runs on an exact-size heap copy of the code
 * bytes; a decoded access is then completed against a register file to check
 * that a load writes its destination register and nothing else. The walk and
 * the fetch run over guest RAM made of the input's remaining bytes.
 *
 * Input: u8 flags (bit 0 long mode; bits 1-5 set CR0.PG, CR4.PAE, EFER.LMA,
 * CR4.LA57, CR4.PSE), u8 code length (0-15), the code bytes, u64 cr3, u64 gva,
 * u64 value, then guest RAM (the rest).
 */
// sources: kernel/mmio.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/io.h"
#include "kernel/mmio.h"
#include "tests/fuzz/fuzz.h"

static bool access_size(u8 n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

/* Complete the decoded access against a register file: only the destination may change. */
static void complete(const struct mmio_insn *in, u64 val)
{
	struct vcpu_regs r, before;
	u64 *dst;

	memset(&r, 0x77, sizeof(r));
	before = r;
	if (in->write) {
		u64 v = mmio_store_value(&r, in);

		FUZZ_CHECK(in->size == 8 || v < BIT(8 * in->size));
		FUZZ_CHECK(!memcmp(&r, &before, sizeof(r)));
		return;
	}
	mmio_load_result(&r, in, val);
	dst = mmio_gpr(&r, in->reg);
	*dst = *mmio_gpr(&before, in->reg);
	FUZZ_CHECK(!memcmp(&r, &before, sizeof(r)));
}

static void decode(const u8 *code, size_t n, bool long_mode, u64 val)
{
	u8 *c = fuzz_dup(code, n);
	struct mmio_insn in;

	if (mmio_decode(c, n, long_mode, &in) == 0) {
		FUZZ_CHECK(in.len >= 2 && in.len <= n && in.len <= MMIO_INSN_MAX);
		FUZZ_CHECK(access_size(in.size) && in.reg < 16);
		FUZZ_CHECK(!in.high8 || (in.size == 1 && in.reg < 4));
		FUZZ_CHECK(!in.has_imm || in.write);
		FUZZ_CHECK(in.write || (access_size(in.dest_size) && in.dest_size >= in.size));
		FUZZ_CHECK(long_mode || in.reg < 8);
		complete(&in, val);
	}
	free(c);
}

static void walk(const u8 *data, size_t n, u8 flags, u64 cr3, u64 gva)
{
	struct mmio_paging pg = {
		.cr0 = flags & BIT(1) ? CR0_PG | CR0_PE : CR0_PE,
		.cr3 = cr3,
		.cr4 = (flags & BIT(2) ? CR4_PAE : 0) | (flags & BIT(4) ? BIT(12) : 0) |
		       (flags & BIT(5) ? BIT(4) : 0), /* LA57, PSE */
		.efer = flags & BIT(3) ? EFER_LMA | EFER_LME : 0,
	};
	u8 *ram = fuzz_dup(data, n), buf[MMIO_INSN_MAX];
	u64 gpa;
	int got;

	if (mmio_gva_to_gpa(ram, n, &pg, gva, &gpa) == 0 && (flags & BIT(1)))
		FUZZ_CHECK((gpa & 0xfff) == (gva & 0xfff)); /* the page offset survives */
	got = mmio_fetch(ram, n, &pg, gva, buf);
	FUZZ_CHECK(got == -EFAULT || (got >= 1 && got <= MMIO_INSN_MAX));
	free(ram);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 flags = fuzz_u8(&in), n = fuzz_u8(&in) % (MMIO_INSN_MAX + 1);
	size_t got;
	const u8 *code = fuzz_bytes(&in, n, &got);
	u64 cr3 = fuzz_u64(&in), gva = fuzz_u64(&in), val = fuzz_u64(&in);

	decode(code, got, flags & 1, val);
	walk(in.p, in.left, flags, cr3, gva);
	return 0;
}
