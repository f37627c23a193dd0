// SPDX-License-Identifier: MIT
/*
 * igb_fp.c: the PF's queue pair as a polled fast path (82576 datasheet 7.1
 * receive, 7.2 transmit, advanced descriptors 7.1.5 and 7.2.2.3).
 *
 * Layout for the polling CPU: each ring's descriptors fill one page of their
 * own, the buffers follow, slot i always owns buffer i, so a burst walks two
 * arrays front to back and nothing is looked up. Indices are private to the
 * one user; the hardware's view is only ever updated by one tail write per
 * burst. The NIC is hostile only in the ways a device can be: a length is
 * checked against the buffer before anyone reads the frame.
 */
#include "drivers/igb_fp.h"
#include "drivers/igb_hw.h"
#include "drivers/igb_regs.h"

/* Advanced receive descriptor (7.1.5): read format, and the NIC's write-back. */
union igb_fp_rxd {
	struct {
		u64 pkt_addr;
		u64 hdr_addr;
	} read;
	struct {
		u32 info;
		u32 rss;
		u32 status; /* DD bit 0, EOP bit 1 */
		u16 length;
		u16 vlan;
	} wb;
};
_Static_assert(sizeof(union igb_fp_rxd) == 16, "82576 advanced receive descriptor");
#define IGB_RXD_DD  BIT(0)
#define IGB_RXD_EOP BIT(1)

/* Advanced transmit data descriptor (7.2.2.3). */
struct igb_fp_txd {
	u64 addr;
	u32 cmd_type_len;
	u32 olinfo_status; /* write-back: DD in bit 0 */
};
_Static_assert(sizeof(struct igb_fp_txd) == 16, "82576 advanced transmit descriptor");
#define IGB_TXD_CMD ((3u << 20) | BIT(24) | BIT(25) | BIT(27) | BIT(29))
/*                            DTYP data   EOP       IFCS      RS        DEXT */
#define IGB_TXD_PAYLEN_SHIFT 14
#define IGB_TXD_DD           BIT(0)

struct igb_fp_dma {
	union igb_fp_rxd rx[IGB_FP_RING];
	struct igb_fp_txd tx[IGB_FP_RING];
	u8 rxbuf[IGB_FP_RING][IGB_FP_BUF];
	u8 txbuf[IGB_FP_RING][IGB_FP_BUF];
};
_Static_assert(sizeof(struct igb_fp_dma) == IGB_FP_DMA_SIZE, "one page per ring, then buffers");
_Static_assert(IGB_FP_RING * sizeof(union igb_fp_rxd) == PAGE_SIZE, "a ring fills its page");

#define IGB_FP_MASK (IGB_FP_RING - 1)

static struct {
	const struct igb_hw *hw;
	struct igb_fp_dma *dma;
	paddr_t dma_pa;
	u32 rx_next;               /* next descriptor the NIC fills */
	u32 tx_next, tx_clean;     /* next free slot; oldest slot the NIC may still read */
	u32 tx_posted;             /* posted since the last tail write */
	struct igb_fp_stats stats; /* the polling CPU's, read by others without care */
} fp;

static paddr_t igb_fp_rxbuf_pa(u32 i)
{
	return fp.dma_pa + offsetof(struct igb_fp_dma, rxbuf[i]);
}

static void igb_fp_rx_post(u32 i)
{
	/* hdr_addr overlays the write-back status: writing it clears DD. */
	fp.dma->rx[i].read.pkt_addr = igb_fp_rxbuf_pa(i);
	fp.dma->rx[i].read.hdr_addr = 0;
}

static void igb_fp_rx_setup(const struct igb_hw *hw, u32 q)
{
	u64 ring = fp.dma_pa + offsetof(struct igb_fp_dma, rx);

	igb_wr(hw, IGB_RXDCTL(q), 0);
	igb_wr(hw, IGB_RDBAL(q), (u32)ring);
	igb_wr(hw, IGB_RDBAH(q), (u32)(ring >> 32));
	igb_wr(hw, IGB_RDLEN(q), IGB_FP_RING * sizeof(union igb_fp_rxd));
	igb_wr(hw, IGB_SRRCTL(q),
	       (IGB_FP_BUF / 1024) | IGB_SRRCTL_DESCTYPE_ADV | IGB_SRRCTL_DROP_EN);
	igb_wr(hw, IGB_RDH(q), 0);
	igb_wr(hw, IGB_RDT(q), 0);
	for (u32 i = 0; i < IGB_FP_RING; i++)
		igb_fp_rx_post(i);
	igb_wr(hw, IGB_RXDCTL(q), IGB_RXDCTL_ENABLE);
	/* Head == tail means empty: one descriptor stays back. */
	igb_wr(hw, IGB_RDT(q), IGB_FP_RING - 1);
}

static void igb_fp_tx_setup(const struct igb_hw *hw, u32 q)
{
	u64 ring = fp.dma_pa + offsetof(struct igb_fp_dma, tx);

	igb_wr(hw, IGB_TXDCTL(q), 0);
	igb_wr(hw, IGB_TDBAL(q), (u32)ring);
	igb_wr(hw, IGB_TDBAH(q), (u32)(ring >> 32));
	igb_wr(hw, IGB_TDLEN(q), IGB_FP_RING * sizeof(struct igb_fp_txd));
	igb_wr(hw, IGB_TDH(q), 0);
	igb_wr(hw, IGB_TDT(q), 0);
	igb_wr(hw, IGB_TXDCTL(q), IGB_TXDCTL_ENABLE);
}

void igb_fp_setup(const struct igb_hw *hw, void *dma, paddr_t dma_pa)
{
	fp.hw = hw;
	fp.dma = dma;
	fp.dma_pa = dma_pa;
	fp.rx_next = fp.tx_next = fp.tx_clean = fp.tx_posted = 0;
	igb_fp_rx_setup(hw, IGB_PF_POOL);
	igb_fp_tx_setup(hw, IGB_PF_POOL);
}

u32 igb_fp_rx_burst(struct igb_fp_frame *f, u32 max)
{
	u32 n;

	if (!fp.dma)
		return 0;
	for (n = 0; n < max; n++) {
		u32 i = (fp.rx_next + n) & IGB_FP_MASK;
		const union igb_fp_rxd *d = &fp.dma->rx[i];
		u32 status = __atomic_load_n(&d->wb.status, __ATOMIC_ACQUIRE);
		u32 len = d->wb.length;

		if (!(status & IGB_RXD_DD))
			break;
		__builtin_prefetch(
			fp.dma->rxbuf[(i + 1) & IGB_FP_MASK]); /* the next frame's head */
		/* With 2 KiB buffers and the pool's 1522-byte limit a frame never spans two. */
		if (!(status & IGB_RXD_EOP) || len > IGB_FP_BUF || len == 0) {
			fp.stats.rx_bad++;
			len = 0;
		}
		f[n] = (struct igb_fp_frame){ fp.dma->rxbuf[i], len };
	}
	fp.stats.rx += n;
	fp.stats.rx_bursts += n != 0;
	return n;
}

void igb_fp_rx_release(u32 n)
{
	u32 last = 0;

	if (!n || !fp.dma)
		return;
	for (u32 k = 0; k < n; k++) {
		last = (fp.rx_next + k) & IGB_FP_MASK;
		igb_fp_rx_post(last);
	}
	fp.rx_next = (fp.rx_next + n) & IGB_FP_MASK;
	/* The descriptors are written before the NIC may use them (x86 keeps stores in order). */
	__atomic_signal_fence(__ATOMIC_RELEASE);
	igb_wr(fp.hw, IGB_RDT(IGB_PF_POOL), last);
}

u8 *igb_fp_tx_slot(void)
{
	if (!fp.dma)
		return NULL;
	while (fp.tx_clean != fp.tx_next &&
	       (__atomic_load_n(&fp.dma->tx[fp.tx_clean].olinfo_status, __ATOMIC_ACQUIRE) &
		IGB_TXD_DD))
		fp.tx_clean = (fp.tx_clean + 1) & IGB_FP_MASK;
	if (((fp.tx_next + 1) & IGB_FP_MASK) == fp.tx_clean) {
		fp.stats.tx_full++;
		return NULL;
	}
	return fp.dma->txbuf[fp.tx_next];
}

void igb_fp_tx_post(u32 len)
{
	struct igb_fp_txd *d = &fp.dma->tx[fp.tx_next];

	d->addr = fp.dma_pa + offsetof(struct igb_fp_dma, txbuf[fp.tx_next]);
	d->olinfo_status = len << IGB_TXD_PAYLEN_SHIFT;
	d->cmd_type_len = len | IGB_TXD_CMD;
	fp.tx_next = (fp.tx_next + 1) & IGB_FP_MASK;
	fp.tx_posted++;
	fp.stats.tx++;
}

void igb_fp_tx_flush(void)
{
	if (!fp.tx_posted)
		return;
	__atomic_signal_fence(__ATOMIC_RELEASE);
	igb_wr(fp.hw, IGB_TDT(IGB_PF_POOL), fp.tx_next);
	fp.tx_posted = 0;
	fp.stats.tx_flushes++;
}

void igb_fp_get_stats(struct igb_fp_stats *s)
{
	*s = fp.stats;
}
