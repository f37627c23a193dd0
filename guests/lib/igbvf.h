/* SPDX-License-Identifier: MIT */
/*
 * igbvf.h: a polled (optionally MSI-X woken) driver for an 82576 (igb) SR-IOV virtual function owned by
 * the partition: the PF mailbox handshake of Linux's igbvf protocol (reset, MAC
 * from the PF, SET_MAC_ADDR), one RX and one TX ring of advanced descriptors in
 * guest RAM (so every DMA goes through the partition's IOMMU domain, addresses
 * are guest-physical), and the VF's own reset paths (CTRL.RST, PCIe FLR).
 * /work/notes/igb-facts.md sections 4-6 hold the register and protocol facts.
 */
#ifndef GUESTS_LIB_IGBVF_H
#define GUESTS_LIB_IGBVF_H

#include "guests/lib/guest.h"

#define IGBVF_VENDOR  0x8086
#define IGBVF_DEVICE  0x10ca /* 82576 virtual function */
#define IGBVF_RX_RING 64     /* descriptors; ring bytes a multiple of 128 */
#define IGBVF_TX_RING 64
#define IGBVF_BUF     2048 /* SRRCTL.BSIZEPKT = 2 KiB */

/* Errors (negative returns). */
#define IGBVF_ENODEV    1 /* no such function, or its BAR 0 is unusable */
#define IGBVF_ETIMEDOUT 2 /* the PF did not answer in time */
#define IGBVF_ENACK     3 /* the PF refused (NACK) */
#define IGBVF_EPROTO    4 /* an answer that breaks the protocol */
#define IGBVF_ENOMEM    5
#define IGBVF_EINVAL    6

/* Advanced receive descriptor (82576 datasheet 7.1.5): read and write-back formats. */
union igbvf_rx_desc {
	struct {
		u64 pkt_addr;
		u64 hdr_addr;
	} read;
	struct {
		u16 pkt_info, hdr_info;
		u32 rss;
		u32 status_error;
		u16 length, vlan;
	} wb;
} __attribute__((packed));
_Static_assert(sizeof(union igbvf_rx_desc) == 16, "RX descriptor size");

/* Advanced transmit data descriptor (82576 datasheet 7.2.2.3). */
struct igbvf_tx_desc {
	u64 addr;
	u32 cmd_type_len;
	u32 olinfo_status; /* DD (bit 0) written back here */
} __attribute__((packed));
_Static_assert(sizeof(struct igbvf_tx_desc) == 16, "TX descriptor size");

struct igbvf_stats {
	u64 rx_frames, tx_frames;
	u64 rx_spanning; /* frames over more than one buffer: dropped */
	u64 tx_full;     /* no free TX descriptor */
	u64 mbx_timeouts, mbx_nacks, pf_msgs, pf_resets;
};

/* The DMA-escape test aid: one RX descriptor aimed at an address outside our RAM. */
struct igbvf_escape {
	bool armed, done;
	u32 idx;
	u64 gpa;
	u32 status; /* its write-back status once the NIC used it */
	u16 length;
};

struct igbvf {
	u8 devfn;
	volatile u8 *regs; /* BAR 0 */
	u64 bar0, bar0_size;
	u8 mac[6];
	u32 mbx;     /* read-to-clear mailbox bits seen and not consumed yet */
	bool pf_cts; /* the PF said clear-to-send */
	union igbvf_rx_desc *rx;
	struct igbvf_tx_desc *tx;
	u8 *rx_buf, *tx_buf;
	u32 rx_next, tx_next, tx_clean;
	bool rx_discard; /* inside a frame that spans buffers */
	struct igbvf_escape escape;
	struct igbvf_stats st;
};

/*
 * Take the VF at devfn on the partition's bus: map its BAR 0, turn on memory
 * decode and bus mastering, allocate rings and buffers (once). 0 or -IGBVF_E*.
 */
int igbvf_probe(struct igbvf *vf, u8 devfn);

/* Reset the VF (CTRL.RST), run the mailbox reset handshake, learn the MAC, set up both rings. */
int igbvf_up(struct igbvf *vf);

/* PCIe function-level reset of the VF, then igbvf_up(). */
int igbvf_flr(struct igbvf *vf);

/* Ask the PF for another MAC (SET_MAC_ADDR): 0 when accepted (vf->mac changes), -IGBVF_ENACK... */
int igbvf_set_mac(struct igbvf *vf, const u8 mac[6]);

/* Queue one frame (14..IGBVF_BUF bytes): 0, or negative when the ring is full. */
int igbvf_tx(struct igbvf *vf, const void *frame, size_t len);

/* Hand up to budget received frames to fn; returns how many descriptors were done. */
typedef void (*igbvf_rx_fn)(void *ctx, const u8 *frame, size_t len);
int igbvf_rx_poll(struct igbvf *vf, igbvf_rx_fn fn, void *ctx, int budget);

/*
 * Receive interrupts on MSI-X entry `entry` (0-2) of the VF: RX queue 0 is
 * mapped to it (IVAR), auto-cleared (EIAC) and unmasked (EIMS); everything
 * else stays masked. The entry itself is the caller's (guests/lib/msix.h).
 * A VF reset (igbvf_up) clears this: call it again afterwards.
 */
void igbvf_rx_irq(struct igbvf *vf, u8 entry);

/*
 * Mask (VTEIMC) or unmask (VTEIMS) entry's cause, as a NAPI-style driver does
 * around a batch: masked, frames arriving while it works raise no message; a
 * cause still set at unmask raises one then.
 */
void igbvf_rx_irq_mask(struct igbvf *vf, u8 entry, bool masked);

/* Link state as the PF's STATUS.LU shows it. */
bool igbvf_link_up(struct igbvf *vf);

/*
 * Check the mailbox for PF messages and PF resets; with check, also run
 * igbvf's periodic link check (read word 0, ACK it). Returns 1 when the VF
 * must be brought up again (the PF reset, or it no longer counts us as clear
 * to send), else 0.
 */
int igbvf_service(struct igbvf *vf, bool check);

/* Test aid: CTRL.RST without the handshake; the PF forgets the VF, igbvf_service() notices. */
void igbvf_reset_quiet(struct igbvf *vf);

/* Test aid: aim the next RX descriptor the NIC will use at gpa (restored once used). */
int igbvf_aim_rx(struct igbvf *vf, u64 gpa);

/*
 * Test aids for the hostile guest (guests/attack/): one mailbox request and its
 * reply (0 on ACK, -IGBVF_ENACK on NACK); a request posted without waiting for
 * the PF (a storm); a transmit descriptor whose buffer is gpa, wherever that
 * is (returns its index; igbvf_tx_status() reads its write-back); a whole
 * descriptor ring moved to gpa (igbvf_up() restores the rings afterwards).
 */
int igbvf_mbx_call(struct igbvf *vf, const u32 *msg, unsigned n, u32 *reply, unsigned rn);
int igbvf_mbx_post(struct igbvf *vf, const u32 *msg, unsigned n);
int igbvf_tx_from(struct igbvf *vf, u64 gpa, u32 len);
u32 igbvf_tx_status(struct igbvf *vf, u32 idx);
void igbvf_aim_ring(struct igbvf *vf, bool tx, u64 gpa);
/* Test aid: route the VF's causes to MSI-X entry `entry` (0-2) and raise it (VTEICS). */
void igbvf_irq_raise(struct igbvf *vf, u32 entry);

/*
 * Register access at offset off of BAR 0: uncached MMIO (guests/lib/igbvf_io.c);
 * the host unit test (tests/unit/test_igbvf.c) links a model of the VF instead.
 */
u32 igbvf_read32(const struct igbvf *vf, u32 off);
void igbvf_write32(const struct igbvf *vf, u32 off, u32 v);

/* The NIC's own per-VF counters (VFGPRC, VFGPTC: good packets received, transmitted). */
u32 igbvf_hw_rx_packets(struct igbvf *vf);
u32 igbvf_hw_tx_packets(struct igbvf *vf);

#endif
