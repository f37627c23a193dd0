// SPDX-License-Identifier: MIT
/* ksyms.c: address-to-name lookup over the table tools/ksyms.py generates. */
#include "kernel/ksyms.h"
#include "kernel/format.h"

/*
 * Layout of the .ksyms blob: a header, `count` entries sorted by address, then
 * the NUL-terminated names that name_off indexes. The first link has an empty blob.
 */
struct ksym_header {
	u32 magic;
	u32 count;
} __packed;

struct ksym_entry {
	u64 addr;
	u32 name_off;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct ksym_entry) == 16, "ksym entry");

#define KSYM_MAGIC 0x4d59534b /* "KSYM" */

extern const u8 __ksyms_start[], __ksyms_end[];
extern const u8 __text_start[], __text_end[];

const char *ksym_lookup(u64 addr, u64 *offset)
{
	const struct ksym_header *h = (const void *)__ksyms_start;
	const struct ksym_entry *e = (const void *)(h + 1);
	u64 size = (u64)(uintptr_t)__ksyms_end - (u64)(uintptr_t)__ksyms_start;
	u32 lo = 0, hi;
	u64 names;

	/* Only code has names here: data (a jump into .data) must not look like __text_end+N. */
	if (addr < (u64)(uintptr_t)__text_start || addr >= (u64)(uintptr_t)__text_end)
		return NULL;
	if (size < sizeof(*h) || h->magic != KSYM_MAGIC)
		return NULL;
	names = sizeof(*h) + (u64)h->count * sizeof(*e);
	if (h->count == 0 || names > size || addr < e[0].addr)
		return NULL;
	hi = h->count;
	while (hi - lo > 1) { /* last entry with addr <= target */
		u32 mid = lo + (hi - lo) / 2;

		if (e[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (names + e[lo].name_off >= size)
		return NULL;
	*offset = addr - e[lo].addr;
	return (const char *)__ksyms_start + names + e[lo].name_off;
}

void ksym_format(char *buf, size_t len, u64 addr)
{
	u64 off = 0;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		snformat(buf, len, "%s+0x%llx", name, off);
	else
		snformat(buf, len, "?");
}
