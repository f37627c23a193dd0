// SPDX-License-Identifier: MIT
/* vmsix.c: a trapped MSI-X table: the guest's entries kept aside, the real ones masked. */
#include "kernel/vmsix.h"
#include "kernel/io.h"
#include "kernel/string.h"

int vmsix_init(struct vmsix *v, const char *owner, volatile u8 *table, u64 page_gpa, u32 table_off,
	       u16 entries)
{
	/*
	 * The Table Offset is QWORD aligned (PCIe Base 4.0 7.7.2.4): vmsix_locate()
	 * relies on it to keep an 8-byte access inside one entry.
	 */
	if (entries == 0 || entries > VMSIX_MAX_ENTRIES || !IS_ALIGNED(table_off, 8) ||
	    !range_ok(table_off, (u64)entries * VMSIX_ENTRY_SIZE, PAGE_SIZE))
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->owner = owner;
	v->table = table;
	v->page_gpa = page_gpa;
	v->table_off = table_off;
	v->entries = entries;
	v->rl = (struct ratelimit)RATELIMIT_INIT(10, 1000);
	for (u16 i = 0; i < entries; i++) {
		v->guest[i][3] = VMSIX_CTRL_MASKED;
		mmio_write32(table + i * VMSIX_ENTRY_SIZE + 12, VMSIX_CTRL_MASKED);
	}
	return 0;
}

/* The entry and dword a guest access names, or false (outside the table, unaligned, odd size). */
static bool vmsix_locate(const struct vmsix *v, u64 gpa, u8 size, u32 *entry, u32 *word)
{
	u64 off = gpa - v->page_gpa;

	if (off >= PAGE_SIZE || off < v->table_off || (size != 4 && size != 8) ||
	    (off & (size - 1)))
		return false;
	off -= v->table_off;
	if (off >= (u64)v->entries * VMSIX_ENTRY_SIZE)
		return false;
	*entry = (u32)(off / VMSIX_ENTRY_SIZE);
	*word = (u32)(off % VMSIX_ENTRY_SIZE) / 4;
	return true;
}

u64 vmsix_read(void *ctx, u64 gpa, u8 size)
{
	struct vmsix *v = ctx;
	u32 e, w;

	if (!vmsix_locate(v, gpa, size, &e, &w)) {
		v->ignored++;
		return size >= 8 ? ~0ULL : BIT(8 * size) - 1;
	}
	if (size == 8)
		return v->guest[e][w] | (u64)v->guest[e][w + 1] << 32;
	return v->guest[e][w];
}

void vmsix_write(void *ctx, u64 gpa, u8 size, u64 val)
{
	struct vmsix *v = ctx;
	bool was_masked;
	u32 e, w;

	if (!vmsix_locate(v, gpa, size, &e, &w)) {
		v->ignored++;
		return;
	}
	was_masked = v->guest[e][3] & VMSIX_CTRL_MASKED;

	v->guest[e][w] = (u32)val;
	if (size == 8)
		v->guest[e][w + 1] = (u32)(val >> 32);
	/* Only the Mask Bit of Vector Control is writable (bits 31:1 reserved). */
	v->guest[e][3] &= VMSIX_CTRL_MASKED;
	if (was_masked && !(v->guest[e][3] & VMSIX_CTRL_MASKED) && ratelimit_check(&v->rl))
		printk(LOG_INFO,
		       "%s: MSI-X table at GPA 0x%llx: entry %u unmasked (address 0x%llx, data "
		       "0x%x): not delivered, partitions have no interrupts yet\n",
		       v->owner, v->page_gpa + v->table_off, e,
		       (u64)v->guest[e][1] << 32 | v->guest[e][0], v->guest[e][2]);
}
