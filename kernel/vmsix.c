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
	u32 e, w;

	if (!vmsix_locate(v, gpa, size, &e, &w)) {
		v->ignored++;
		return;
	}
	v->guest[e][w] = (u32)val;
	if (size == 8)
		v->guest[e][w + 1] = (u32)(val >> 32);
	/* Only the Mask Bit of Vector Control is writable (bits 31:1 reserved). */
	v->guest[e][3] &= VMSIX_CTRL_MASKED;
}

int vmsix_entry(const struct vmsix *v, u64 gpa, u8 size)
{
	u32 e, w;

	return vmsix_locate(v, gpa, size, &e, &w) ? (int)e : -1;
}

static volatile u8 *vmsix_real(struct vmsix *v, u16 e)
{
	return v->table + (u32)e * VMSIX_ENTRY_SIZE;
}

void vmsix_real_mask(struct vmsix *v, u16 e, bool masked)
{
	if (e < v->entries)
		mmio_write32(vmsix_real(v, e) + 12, masked ? VMSIX_CTRL_MASKED : 0);
}

void vmsix_real_program(struct vmsix *v, u16 e, u64 addr, u32 data)
{
	volatile u8 *r;

	if (e >= v->entries)
		return;
	r = vmsix_real(v, e);
	mmio_write32(r + 12, VMSIX_CTRL_MASKED); /* never changed while unmasked (PCIe 6.1.4.2) */
	mmio_write32(r, (u32)addr);
	mmio_write32(r + 4, (u32)(addr >> 32));
	mmio_write32(r + 8, data);
}

/* clang-format off */
#define MSI_ADDR_BASE_MASK  GENMASK(31, 20)
#define MSI_ADDR_BASE       0xfee00000U
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_ADDR_DM         BIT(2)  /* destination mode: logical */
#define MSI_ADDR_REMAPPABLE BIT(4)  /* interrupt format: remappable (VT-d 5.1.5.2) */
#define MSI_DATA_MODE_SHIFT 8
#define MSI_DATA_LEVEL      BIT(15) /* trigger mode */
/* clang-format on */

int vmsix_decode(const struct vmsix *v, u16 e, struct vmsix_msg *m, const char **why)
{
	u32 lo = v->guest[e][0], hi = v->guest[e][1], data = v->guest[e][2];

	if (hi || (lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return *why = "its address is not in the interrupt window 0xfee00000", -EINVAL;
	if (lo & MSI_ADDR_REMAPPABLE)
		return *why = "the remappable format is the hypervisor's", -EINVAL;
	m->dest = (u8)(lo >> MSI_ADDR_DEST_SHIFT);
	m->logical = lo & MSI_ADDR_DM;
	m->vector = (u8)data;
	m->mode = (data >> MSI_DATA_MODE_SHIFT) & 7;
	if (m->mode > 1)
		return *why = "only fixed and lowest-priority delivery are offered", -EINVAL;
	if (data & MSI_DATA_LEVEL)
		return *why = "level-triggered MSIs are not offered", -EINVAL;
	if (m->vector < 16)
		return *why = "vectors below 16 are illegal", -EINVAL;
	return 0;
}
