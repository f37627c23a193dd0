/* SPDX-License-Identifier: MIT */
/*
 * pvnet.h: the guest's driver for the hypervisor's paravirtual NIC (net=pv on
 * the module line): the ring pair in the window the boot information names
 * (kernel/hvabi.h, struct hv_pvnet_ctrl; guests/README.md has the protocol).
 * Polled, no hypercall and no VM exit: the hypervisor's CPU 0 polls the other
 * side. Buffers are 2 KiB, one per ring slot, in the guest's RAM.
 */
#ifndef GUESTS_LIB_PVNET_H
#define GUESTS_LIB_PVNET_H

#include "guests/lib/guest.h"

#define PVNET_BUF 2048

/* Errors (negative returns). */
#define PVNET_ENODEV 1 /* no pv NIC, or its window is not what the ABI says */
#define PVNET_ENOMEM 2
#define PVNET_EINVAL 3
#define PVNET_EFULL  4 /* the TX ring is full */

struct pvnet_stats {
	u64 rx_frames, tx_frames;
	u64 rx_errors; /* RX buffers the hypervisor gave back with an error status */
	u64 tx_full;
};

/* The escape test aid: one RX descriptor aimed at an address outside our RAM. */
struct pvnet_escape {
	bool armed, done;
	u32 index;  /* its ring index */
	u32 status; /* what the hypervisor wrote back */
};

struct pvnet {
	volatile struct hv_pvnet_ctrl *ctrl;
	volatile struct hv_pvnet_desc *tx, *rx;
	u8 *tx_buf, *rx_buf; /* slot i owns buffer i */
	u32 tx_prod, rx_next, rx_prod;
	u8 mac[6];
	struct pvnet_escape escape;
	struct pvnet_stats st;
};

/* Find the window in the boot information, map it, allocate buffers (once). 0 or -PVNET_E*. */
int pvnet_probe(struct pvnet *pv);

/* Start (or restart) on the hypervisor's indices: every RX buffer posted. */
int pvnet_up(struct pvnet *pv);

/* Queue one frame (14..HV_PVNET_FRAME_MAX bytes): 0, or negative (ring full, bad length). */
int pvnet_tx(struct pvnet *pv, const void *frame, size_t len);

/* Hand up to budget received frames to fn, repost their buffers; returns how many were done. */
typedef void (*pvnet_rx_fn)(void *ctx, const u8 *frame, size_t len);
int pvnet_rx_poll(struct pvnet *pv, pvnet_rx_fn fn, void *ctx, int budget);

/* The hypervisor serves the rings. */
bool pvnet_link_up(struct pvnet *pv);

/* The hypervisor's counters for this NIC (it refreshes them after every burst). */
void pvnet_hv_stats(struct pvnet *pv, struct hv_pvnet_stats *s);

/* Test aid: aim the RX descriptor the hypervisor fills next at gpa (re-posted once it is used). */
int pvnet_aim_rx(struct pvnet *pv, u64 gpa);

/*
 * Test aid: post a TX descriptor naming any address and length, wait for the
 * hypervisor to take it; returns the status it wrote (HV_PVNET_*) or negative.
 */
int pvnet_tx_raw(struct pvnet *pv, u64 gpa, u32 len);

#endif
