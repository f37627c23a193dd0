/* SPDX-License-Identifier: MIT */
/*
 * igb_fp.h: the PF's own queue pair (queue IGB_PF_POOL, the PF's pool) as a
 * polled fast path: 256-descriptor rings of advanced descriptors in
 * hypervisor memory (mapped in the hypervisor's IOMMU domain), one 2 KiB
 * buffer fixed to each slot. Received frames are handed out in batches, in
 * place; frames to send are copied into their slot's buffer and posted with
 * one tail write per batch. Nothing is allocated per frame and nothing is
 * locked: the queue pair has one user, CPU 0 (the boot CPU's self-tests,
 * then the paravirtual NIC's poll loop, kernel/pvnet.c), and the PF's
 * interrupt never touches it.
 */
#ifndef DRIVERS_IGB_FP_H
#define DRIVERS_IGB_FP_H

#include "kernel/types.h"

struct igb_hw;

#define IGB_FP_RING     256  /* descriptors per ring */
#define IGB_FP_BUF      2048 /* bytes per buffer (SRRCTL.BSIZEPKT = 2 KiB) */
#define IGB_FP_DMA_SIZE (2 * PAGE_SIZE + 2 * IGB_FP_RING * IGB_FP_BUF)

/* A received frame, valid until igb_fp_rx_release(); len 0: a bad one to skip. */
struct igb_fp_frame {
	const u8 *data;
	u32 len;
};

struct igb_fp_stats {
	u64 rx, tx;     /* frames received, posted */
	u64 rx_bad;     /* received in pieces (larger than a buffer) or with a bad length */
	u64 tx_full;    /* a frame found no free slot */
	u64 rx_bursts;  /* igb_fp_rx_burst calls that returned frames */
	u64 tx_flushes; /* tail writes */
};

/*
 * Program the rings of queue IGB_PF_POOL over `dma` (IGB_FP_DMA_SIZE bytes of
 * zeroed hypervisor memory at host-physical dma_pa, page-aligned, reachable by
 * the PF's DMA): every receive buffer posted, both queues enabled.
 */
void igb_fp_setup(const struct igb_hw *hw, void *dma, paddr_t dma_pa);

/*
 * Up to max received frames, in order, in place in their buffers (prefetched
 * one ahead). Returns how many; the caller gives them back with
 * igb_fp_rx_release(n) for the same n before the next burst.
 */
u32 igb_fp_rx_burst(struct igb_fp_frame *f, u32 max);

/* Give the last burst's n buffers back to the NIC: one tail write. */
void igb_fp_rx_release(u32 n);

/* The buffer of the next free transmit slot (IGB_FP_BUF bytes), or NULL when the ring is full. */
u8 *igb_fp_tx_slot(void);

/* Post the frame of len bytes just written into igb_fp_tx_slot()'s buffer (no tail write yet). */
void igb_fp_tx_post(u32 len);

/* Hand every posted frame to the NIC: one tail write, if any. */
void igb_fp_tx_flush(void);

void igb_fp_get_stats(struct igb_fp_stats *s);

#endif
