/* SPDX-License-Identifier: MIT */
/*
 * vmsix.h: the MSI-X table of a function given to a partition, emulated. The
 * table's page is not mapped into the partition: every access traps and
 * lands here. The guest's address/data/control words are kept as its view;
 * the real table never holds a guest-chosen address or data word (PCIe Base
 * 4.0 7.7.2, 6.1.4.2): kernel/vmsi.c programs it with the hypervisor's own
 * remapped messages and unmasks an entry only while the guest's is unmasked
 * and deliverable. Pure logic over an MMIO pointer.
 */
#ifndef KERNEL_VMSIX_H
#define KERNEL_VMSIX_H

#include "kernel/printk.h"
#include "kernel/types.h"

#define VMSIX_MAX_ENTRIES 32 /* more would need more than the trapped page */
#define VMSIX_ENTRY_SIZE  16
#define VMSIX_CTRL_MASKED BIT(0) /* Vector Control: Mask Bit */

struct vmsix {
	const char *owner;  /* partition name, for log lines */
	volatile u8 *table; /* the real table, mapped in the hypervisor */
	u64 page_gpa;       /* guest-physical page the table sits in */
	u32 table_off;      /* offset of the table inside that page */
	u16 entries;
	u32 guest[VMSIX_MAX_ENTRIES][4]; /* the guest's view: address lo/hi, data, control */
	u64 ignored;                     /* accesses outside the table or of the wrong size */
};

/*
 * Emulate `entries` entries of the real table at `table` (its page at
 * page_gpa, the table at table_off in it). Masks every real entry; the
 * guest starts with every entry masked and zero, as after reset.
 * 0, or -EINVAL (too many entries, a table offset that is not QWORD aligned,
 * or a table not inside one page).
 */
int vmsix_init(struct vmsix *v, const char *owner, volatile u8 *table, u64 page_gpa, u32 table_off,
	       u16 entries);

/* Guest accesses to the page (part_mmio callbacks; ctx is the struct vmsix). */
u64 vmsix_read(void *ctx, u64 gpa, u8 size);
void vmsix_write(void *ctx, u64 gpa, u8 size, u64 val);

/* The entry a guest access of `size` bytes at gpa lands in, or -1. */
int vmsix_entry(const struct vmsix *v, u64 gpa, u8 size);

/* Whether the guest left entry e unmasked. */
static inline bool vmsix_guest_unmasked(const struct vmsix *v, u16 e)
{
	return !(v->guest[e][3] & VMSIX_CTRL_MASKED);
}

/* Mask real entry e, write the hypervisor's message into it (it stays masked). */
void vmsix_real_program(struct vmsix *v, u16 e, u64 addr, u32 data);

/* Mask or unmask real entry e. */
void vmsix_real_mask(struct vmsix *v, u16 e, bool masked);

/* A guest's MSI message in the x86 format (SDM Vol. 3A 11.11), decoded. */
struct vmsix_msg {
	u8 dest;      /* 8-bit APIC destination, address bits 19:12 */
	bool logical; /* address bit 2 (DM) */
	u8 vector;    /* data bits 7:0 */
	u8 mode;      /* data bits 10:8: 0 fixed, 1 lowest priority */
};

/*
 * Decode the guest's entry e: it must address the interrupt window
 * 0xFEExxxxx (upper address 0), use fixed or lowest-priority delivery, edge
 * triggered, a vector of 16 or more. 0, or -EINVAL with *why.
 */
int vmsix_decode(const struct vmsix *v, u16 e, struct vmsix_msg *m, const char **why);

#endif
