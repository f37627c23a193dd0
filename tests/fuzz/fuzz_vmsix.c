// SPDX-License-Identifier: MIT
/*
 * fuzz_vmsix.c: the trapped MSI-X table (kernel/vmsix.c) under a guest's
 * reads and writes to its page. The real table is a heap buffer of exactly
 * its entries; the harness checks that after vmsix_init() nothing the guest
 * does reaches it (every real entry stays masked, with no guest address or
 * data), and that the guest's Vector Control keeps only its Mask Bit.
 *
 * Input: u8 entries, u16 table offset, u64 page GPA, then accesses until the
 * input ends (at most 256) of { u8 kind, u8 size, u16 offset, u64 value }.
 */
// sources: kernel/vmsix.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/vmsix.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 256

static struct vmsix v;

static void check(const u8 *real, size_t len, const u8 *after_init)
{
	FUZZ_CHECK(!memcmp(real, after_init, len));
	for (u32 e = 0; e < v.entries; e++)
		FUZZ_CHECK((v.guest[e][3] & ~VMSIX_CTRL_MASKED) == 0);
}

static void access(struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in), size = fuzz_u8(in) % 9;
	u64 gpa = v.page_gpa + fuzz_u16(in) % (PAGE_SIZE + 64) - 32, val = fuzz_u64(in);

	if (kind & 1) {
		u64 r = vmsix_read(&v, gpa, size);

		FUZZ_CHECK(size >= 8 || r < BIT(8 * size));
	} else {
		vmsix_write(&v, gpa, size, val);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u16 entries = fuzz_u8(&in) % (VMSIX_MAX_ENTRIES + 2);
	u32 off = fuzz_u16(&in) % (PAGE_SIZE + 16);
	u64 page = fuzz_u64(&in) & ~(PAGE_SIZE - 1);
	size_t len = (size_t)MAX(entries, 1) * VMSIX_ENTRY_SIZE;
	u8 *real = malloc(len), *after_init = malloc(len);
	int r;

	if (!real || !after_init)
		abort();
	memset(real, 0x5c, len); /* the firmware's entries: unmasked garbage */
	r = vmsix_init(&v, "p1", real, page, off, entries);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		for (u32 e = 0; e < entries; e++)
			FUZZ_CHECK(real[e * VMSIX_ENTRY_SIZE + 12] & VMSIX_CTRL_MASKED);
		memcpy(after_init, real, len);
		for (int i = 0; i < MAX_OPS && in.left; i++) {
			access(&in);
			check(real, len, after_init);
		}
	}
	free(real);
	free(after_init);
	return 0;
}
