/* SPDX-License-Identifier: MIT */
/*
 * pvring.h: the hypervisor's side of one paravirtual NIC's ring pair (the
 * window of kernel/hvabi.h, struct hv_pvnet_ctrl): frames pulled from the
 * guest's TX ring, frames pushed into the buffers it posted on its RX ring.
 *
 * Everything in the window is the guest's to scribble on, at any time, from
 * another CPU: each producer index and each descriptor field is read once,
 * checked, and only then used; the consumer indices that matter are the
 * hypervisor's own copies (the shared ones are only written); a buffer is
 * touched only when all of it lies inside the partition's RAM; a frame is
 * copied into hypervisor memory before its source MAC is checked. Pure logic
 * over two pointers (the window, the RAM): tests/unit/test_pvring.c runs it
 * against hostile rings.
 */
#ifndef KERNEL_PVRING_H
#define KERNEL_PVRING_H

#include "kernel/hvabi.h"
#include "kernel/types.h"

#define PVRING_MASK (HV_PVNET_RING - 1)
/* Drops that never reach a descriptor (the HV_PVNET_E* codes are those that do). */
#define PVRING_ERING  16 /* a ring error */
#define PVRING_ENOBUF 17 /* no buffer posted */
_Static_assert((HV_PVNET_RING & PVRING_MASK) == 0, "the ring size is a power of two");

/* What the last ring error was, for the caller's log line. */
struct pvring_error {
	bool rx;        /* the RX ring (else TX) */
	u32 prod, cons; /* the guest's producer index, our consumer index */
};

struct pvring {
	struct hv_pvnet_ctrl *ctrl; /* the shared window */
	struct hv_pvnet_desc *tx, *rx;
	u8 *ram; /* the partition's RAM, [0, ram_size) */
	u64 ram_size;
	u8 mac[6];
	u64 mac_key;              /* the MAC as a number (pvring_mac_key) */
	u32 tx_cons, rx_cons;     /* ours; the shared copies are written, never read */
	u32 rx_prod;              /* the guest's RX producer index as last read */
	bool rx_dirty;            /* rx_cons moved since pvring_rx_done() */
	struct hv_pvnet_stats st; /* ours; copied to the window by pvring_publish() */
	struct pvring_error err;
};

/* The 6 bytes of a MAC as one number: two loads (x86 takes them unaligned), no byte loop. */
static inline u64 pvring_mac_key(const u8 *m)
{
	u32 lo;
	u16 hi;

	__builtin_memcpy(&lo, m, 4);
	__builtin_memcpy(&hi, m + 4, 2);
	return lo | (u64)hi << 32;
}

/*
 * Set up the window (HV_PVNET_SIZE zeroed bytes the hypervisor owns, mapped
 * into the partition) for a partition with RAM [ram, ram + ram_size) and MAC
 * mac: the control page's fixed fields, both rings empty, link down.
 */
void pvring_init(struct pvring *r, void *window, u8 *ram, u64 ram_size, const u8 mac[6]);

/* Say that the hypervisor serves the rings (link = 1) or no longer does (0). */
void pvring_set_link(struct pvring *r, bool up);

/*
 * Frames the guest has posted on its TX ring and we have not taken. A
 * producer index more than a ring ahead is a ring error: counted, noted in
 * r->err, and 0 is returned (nothing is taken until the guest repairs it).
 */
u32 pvring_tx_pending(struct pvring *r);

/*
 * Take the oldest posted frame: copy it into buf (cap bytes, at least
 * HV_PVNET_FRAME_MAX), check its length, where it lies and its source MAC,
 * and complete its descriptor. Returns the frame's length, or -HV_PVNET_E*
 * when it was dropped (counted; the descriptor's status says why; for
 * -HV_PVNET_ESPOOF buf holds the frame's first 12 bytes). Call only after
 * pvring_tx_pending() said there is one.
 */
int pvring_tx_pull(struct pvring *r, u8 *buf, u32 cap);

/* Publish our TX consumer index: the guest may reuse the buffers taken. */
void pvring_tx_done(struct pvring *r);

/*
 * Copy a frame of len bytes into the oldest buffer the guest posted and
 * complete that descriptor. 0, or -HV_PVNET_E* when the frame was dropped:
 * no buffer posted (-PVRING_ENOBUF), a ring error (-PVRING_ERING), a
 * buffer outside the partition's RAM (-HV_PVNET_EADDR) or smaller than the
 * frame (-HV_PVNET_ELEN; such a buffer is used up too).
 */
int pvring_rx_push(struct pvring *r, const u8 *frame, u32 len);

/* Publish our RX consumer index (if it moved): the guest may read the filled buffers. */
void pvring_rx_done(struct pvring *r);

/* Copy our counters into the window's (the guest reads them, we never do). */
void pvring_publish(struct pvring *r);

#endif
