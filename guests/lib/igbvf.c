// SPDX-License-Identifier: MIT
/*
 * igbvf.c: polled 82576 virtual-function driver for the minimal guests. Only
 * this file knows the VF's registers. Register names follow the 82576
 * datasheet (section 8.x for VF registers); the mailbox protocol is Linux
 * igbvf's (mbx.h), which the hypervisor's PF server speaks.
 */
#include "guests/lib/igbvf.h"
#include "guests/lib/pci.h"

/* Register fields stay indented under their register (STYLE.md 3). */
/* clang-format off */
#define VTCTRL            0x0000 /* VF Control */
#define  VTCTRL_RST       BIT32(26)
#define VTSTATUS          0x0008 /* VF Status (the PF's STATUS) */
#define  VTSTATUS_LU      BIT32(1)
#define VMBMEM            0x0800 /* VF mailbox memory, 16 dwords */
#define  VMBMEM_WORDS     16
#define V2PMAILBOX        0x0c40 /* VF-to-PF mailbox control */
#define  V2P_REQ          BIT32(0) /* request for the PF */
#define  V2P_ACK          BIT32(1) /* we read the PF's message */
#define  V2P_VFU          BIT32(2) /* buffer taken by the VF */
#define  V2P_PFU          BIT32(3) /* buffer taken by the PF */
#define  V2P_PFSTS        BIT32(4) /* PF wrote a message (read-to-clear) */
#define  V2P_PFACK        BIT32(5) /* PF acknowledged ours (read-to-clear) */
#define  V2P_RSTI         BIT32(6) /* PF reset in progress */
#define  V2P_RSTD         BIT32(7) /* PF reset done (read-to-clear) */
#define  V2P_R2C_BITS     (V2P_PFSTS | V2P_PFACK | V2P_RSTD)
#define VTEICS            0x1520 /* VF Extended Interrupt Cause Set */
#define VTEIMS            0x1524 /* VF Extended Interrupt Mask Set */
#define VTEIMC            0x1528 /* VF Extended Interrupt Mask Clear */
#define VTEIAC            0x152c /* VF Extended Interrupt Auto Clear */
#define VTEITR0           0x1680 /* VF interrupt throttle, MSI-X entry 0 (0: none) */
#define VTIVAR            0x1700 /* VF Interrupt Vector Allocation: byte 0 receive queue 0 */
#define VTIVAR_MISC       0x1740 /* ... byte 0: the mailbox */
#define  IVAR_VALID       BIT32(7)
#define VFGPRC            0x0f10 /* good packets received */
#define VFGPTC            0x0f14 /* good packets transmitted */
/* Queue 0 of the VF (the 0x28xx/0x38xx aliases; 0xC000/0xE000 are not mapped for VFs). */
#define RDBAL             0x2800
#define RDBAH             0x2804
#define RDLEN             0x2808
#define SRRCTL            0x280c /* split and replication receive control */
#define  SRRCTL_BSIZEPKT_1K 0          /* packet buffer size in KiB, bits 6:0 */
#define  SRRCTL_ADV_ONEBUF BIT32(25)   /* descriptor type: advanced, one buffer */
#define  SRRCTL_DROP_EN   BIT32(31)
#define RDH               0x2810
#define RDT               0x2818
#define RXDCTL            0x2828
#define  XDCTL_ENABLE     BIT32(25) /* queue enable, RXDCTL and TXDCTL */
#define TDBAL             0x3800
#define TDBAH             0x3804
#define TDLEN             0x3808
#define TDH               0x3810
#define TDT               0x3818
#define TXDCTL            0x3828
/* Descriptor bits */
#define RXD_STAT_DD       BIT32(0)
#define RXD_STAT_EOP      BIT32(1)
#define TXD_DTYP_DATA     (3U << 20)
#define TXD_CMD_EOP       BIT32(24)
#define TXD_CMD_IFCS      BIT32(25)
#define TXD_CMD_RS        BIT32(27)
#define TXD_CMD_DEXT      BIT32(29)
#define TXD_PAYLEN_SHIFT  14
#define TXD_STAT_DD       BIT32(0)
/* Mailbox messages (Linux igbvf mbx.h) */
#define MSG_RESET         0x01
#define MSG_SET_MAC_ADDR  0x02
#define MSG_PF_CONTROL    0x0100
#define MSG_TYPE          0xffff
#define MSG_CTS           BIT32(29)
#define MSG_NACK          BIT32(30)
#define MSG_ACK           BIT32(31)
/* clang-format on */

#define MBX_TIMEOUT_MS 2000 /* the PF polls: generous, TCG is slow */
#define RST_TIMEOUT_MS 2000
#define FLR_WAIT_MS    100 /* PCIe Base 4.0 6.6.2: 100 ms after an FLR */

static u32 rd32(struct igbvf *vf, u32 off)
{
	return igbvf_read32(vf, off);
}

static void wr32(struct igbvf *vf, u32 off, u32 v)
{
	igbvf_write32(vf, off, v);
}

static void barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* --- mailbox (Linux igbvf mbx.c protocol) --- */

/* Read V2PMAILBOX, keeping its read-to-clear bits until someone consumes them. */
static u32 mbx_peek(struct igbvf *vf)
{
	u32 v = rd32(vf, V2PMAILBOX);

	vf->mbx |= v & V2P_R2C_BITS;
	return v;
}

static bool mbx_take(struct igbvf *vf, u32 bit)
{
	mbx_peek(vf);
	if (!(vf->mbx & bit))
		return false;
	vf->mbx &= ~bit;
	return true;
}

static int mbx_wait(struct igbvf *vf, u32 bit)
{
	u64 end = rdtsc() + MBX_TIMEOUT_MS * tsc_per_ms();

	while (!mbx_take(vf, bit)) {
		if (rdtsc() > end) {
			vf->st.mbx_timeouts++;
			return -IGBVF_ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

/* Take the buffer: VFU sticks only while the PF does not hold it. */
static int mbx_lock(struct igbvf *vf)
{
	for (int i = 0; i < 100; i++) {
		wr32(vf, V2PMAILBOX, V2P_VFU);
		if (mbx_peek(vf) & V2P_VFU)
			return 0;
		delay_ms(1);
	}
	vf->st.mbx_timeouts++;
	return -IGBVF_ETIMEDOUT;
}

/* Post msg and wait for the PF's ACK. */
static int mbx_send(struct igbvf *vf, const u32 *msg, unsigned n)
{
	int r = mbx_lock(vf);

	if (r)
		return r;
	vf->mbx &= ~(V2P_PFSTS | V2P_PFACK); /* whatever was pending is overwritten */
	for (unsigned i = 0; i < n; i++)
		wr32(vf, VMBMEM + 4 * i, msg[i]);
	wr32(vf, V2PMAILBOX, V2P_REQ); /* also drops VFU */
	return mbx_wait(vf, V2P_PFACK);
}

/* Wait for a PF message and read n words of it. */
static int mbx_recv(struct igbvf *vf, u32 *msg, unsigned n)
{
	int r = mbx_wait(vf, V2P_PFSTS);

	if (!r)
		r = mbx_lock(vf);
	if (r)
		return r;
	for (unsigned i = 0; i < n; i++)
		msg[i] = rd32(vf, VMBMEM + 4 * i);
	wr32(vf, V2PMAILBOX, V2P_ACK); /* also drops VFU */
	return 0;
}

static void mbx_note_pf_msg(struct igbvf *vf, u32 w0)
{
	vf->st.pf_msgs++;
	vf->pf_cts = w0 & MSG_CTS;
}

/*
 * Send a request and read its reply (skipping PF control pings that cross it).
 * Returns 0 on ACK, -IGBVF_ENACK on NACK, another negative error otherwise.
 */
static int mbx_call(struct igbvf *vf, const u32 *msg, unsigned n, u32 *reply, unsigned rn)
{
	int r = mbx_send(vf, msg, n);

	for (int tries = 0; !r && tries < 4; tries++) {
		r = mbx_recv(vf, reply, rn);
		if (r)
			break;
		if ((reply[0] & MSG_TYPE) == MSG_PF_CONTROL) {
			mbx_note_pf_msg(vf, reply[0]);
			continue;
		}
		if ((reply[0] & MSG_TYPE) != (msg[0] & MSG_TYPE))
			return -IGBVF_EPROTO;
		if (reply[0] & MSG_NACK) {
			vf->st.mbx_nacks++;
			return -IGBVF_ENACK;
		}
		return (reply[0] & MSG_ACK) ? 0 : -IGBVF_EPROTO;
	}
	return r ? r : -IGBVF_ETIMEDOUT;
}

/* --- reset and rings --- */

static bool mac_ok(const u8 *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* VF software reset, then Linux igbvf's handshake (e1000_reset_hw_vf): RESET -> ACK + MAC. */
static int igbvf_reset(struct igbvf *vf)
{
	u32 msg = MSG_RESET, reply[3];
	u64 end;
	int r;

	wr32(vf, VTCTRL, VTCTRL_RST);
	vf->mbx = 0;
	end = rdtsc() + RST_TIMEOUT_MS * tsc_per_ms();
	while (mbx_peek(vf) & V2P_RSTI) { /* the PF itself is resetting */
		if (rdtsc() > end)
			return -IGBVF_ETIMEDOUT;
		delay_ms(1);
	}
	vf->mbx &= ~V2P_RSTD; /* seen or not: read-to-clear, gone after a first reset */
	r = mbx_call(vf, &msg, 1, reply, 3);
	if (r)
		return r;
	if (reply[0] != (MSG_RESET | MSG_ACK)) /* exactly, as igbvf checks */
		return -IGBVF_EPROTO;
	for (int i = 0; i < 4; i++)
		vf->mac[i] = (u8)(reply[1] >> (8 * i));
	vf->mac[4] = (u8)reply[2];
	vf->mac[5] = (u8)(reply[2] >> 8);
	return mac_ok(vf->mac) ? 0 : -IGBVF_EPROTO;
}

static u64 rx_buf_gpa(struct igbvf *vf, u32 i)
{
	return (u64)(vf->rx_buf + (u64)i * IGBVF_BUF);
}

static void rx_ring_init(struct igbvf *vf)
{
	wr32(vf, RXDCTL, 0);
	for (u32 i = 0; i < IGBVF_RX_RING; i++) {
		vf->rx[i].read.pkt_addr = rx_buf_gpa(vf, i);
		vf->rx[i].read.hdr_addr = 0;
	}
	wr32(vf, RDBAL, (u32)(u64)vf->rx);
	wr32(vf, RDBAH, (u32)((u64)vf->rx >> 32));
	wr32(vf, RDLEN, IGBVF_RX_RING * sizeof(union igbvf_rx_desc));
	wr32(vf, RDH, 0);
	wr32(vf, RDT, 0);
	wr32(vf, SRRCTL, (IGBVF_BUF / 1024) | SRRCTL_ADV_ONEBUF | SRRCTL_DROP_EN);
	wr32(vf, RXDCTL, XDCTL_ENABLE);
	vf->rx_next = 0;
	vf->rx_discard = false;
	vf->escape.armed = false;
	barrier();
	wr32(vf, RDT, IGBVF_RX_RING - 1); /* one descriptor held back: head == tail is empty */
}

static void tx_ring_init(struct igbvf *vf)
{
	wr32(vf, TXDCTL, 0);
	memset(vf->tx, 0, IGBVF_TX_RING * sizeof(*vf->tx));
	wr32(vf, TDBAL, (u32)(u64)vf->tx);
	wr32(vf, TDBAH, (u32)((u64)vf->tx >> 32));
	wr32(vf, TDLEN, IGBVF_TX_RING * sizeof(struct igbvf_tx_desc));
	wr32(vf, TDH, 0);
	wr32(vf, TDT, 0);
	wr32(vf, TXDCTL, XDCTL_ENABLE);
	vf->tx_next = vf->tx_clean = 0;
}

static void igbvf_enable(struct igbvf *vf)
{
	u16 cmd = pci_read16(vf->devfn, PCI_COMMAND);

	pci_write16(vf->devfn, PCI_COMMAND, (u16)(cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
}

int igbvf_probe(struct igbvf *vf, u8 devfn)
{
	memset(vf, 0, sizeof(*vf));
	if (!pci_cfg(devfn) || pci_read16(devfn, 0) != IGBVF_VENDOR)
		return -IGBVF_ENODEV;
	vf->devfn = devfn;
	vf->bar0 = pci_bar(vf->devfn, 0, &vf->bar0_size);
	if (!vf->bar0 || vf->bar0_size < 0x4000 || map_identity(vf->bar0, vf->bar0_size, true))
		return -IGBVF_ENODEV;
	vf->regs = (volatile u8 *)vf->bar0;
	vf->rx = alloc_pages(1);
	vf->tx = alloc_pages(1);
	vf->rx_buf = alloc_pages(IGBVF_RX_RING * IGBVF_BUF / PAGE_SIZE);
	vf->tx_buf = alloc_pages(IGBVF_TX_RING * IGBVF_BUF / PAGE_SIZE);
	if (!vf->rx || !vf->tx || !vf->rx_buf || !vf->tx_buf)
		return -IGBVF_ENOMEM;
	igbvf_enable(vf);
	return 0;
}

int igbvf_up(struct igbvf *vf)
{
	int r = igbvf_reset(vf);

	if (r)
		return r;
	rx_ring_init(vf);
	tx_ring_init(vf);
	return 0;
}

int igbvf_flr(struct igbvf *vf)
{
	u16 exp = pci_find_cap(vf->devfn, PCI_CAP_ID_EXP);

	if (!exp)
		return -IGBVF_ENODEV;
	pci_write16(vf->devfn, exp + PCI_EXP_DEVCTL,
		    (u16)(pci_read16(vf->devfn, exp + PCI_EXP_DEVCTL) | PCI_EXP_DEVCTL_FLR));
	delay_ms(FLR_WAIT_MS);
	igbvf_enable(vf); /* the FLR cleared COMMAND */
	return igbvf_up(vf);
}

int igbvf_set_mac(struct igbvf *vf, const u8 mac[6])
{
	u32 msg[3] = { MSG_SET_MAC_ADDR, 0, 0 }, reply[1];
	int r;

	if (!mac_ok(mac))
		return -IGBVF_EINVAL;
	for (int i = 0; i < 4; i++)
		msg[1] |= (u32)mac[i] << (8 * i);
	msg[2] = (u32)mac[4] | (u32)mac[5] << 8;
	r = mbx_call(vf, msg, 3, reply, 1);
	if (!r)
		memcpy(vf->mac, mac, 6);
	return r;
}

void igbvf_rx_irq(struct igbvf *vf, u8 entry)
{
	u32 bit = BIT32(entry & 3);

	wr32(vf, VTEIMC, ~0U);
	wr32(vf, VTEITR0 + 4U * (entry & 3), 0);
	wr32(vf, VTIVAR, (entry & 3) | IVAR_VALID);
	wr32(vf, VTEIAC, bit); /* the cause clears itself once its message is sent */
	wr32(vf, VTEIMS, bit);
}

void igbvf_rx_irq_mask(struct igbvf *vf, u8 entry, bool masked)
{
	wr32(vf, masked ? VTEIMC : VTEIMS, BIT32(entry & 3));
}

bool igbvf_link_up(struct igbvf *vf)
{
	return rd32(vf, VTSTATUS) & VTSTATUS_LU;
}

u32 igbvf_hw_rx_packets(struct igbvf *vf)
{
	return rd32(vf, VFGPRC);
}

u32 igbvf_hw_tx_packets(struct igbvf *vf)
{
	return rd32(vf, VFGPTC);
}

/* A PF message that withdraws clear-to-send: NACK without CTS (the PF forgot us). */
static bool pf_lost_us(u32 w0)
{
	return (w0 & MSG_NACK) && !(w0 & MSG_CTS);
}

/* Read word 0 of the buffer and ACK it (igbvf's mailbox read); false on a lock collision. */
static bool mbx_read_word0(struct igbvf *vf, u32 *w0)
{
	if (mbx_lock(vf))
		return false;
	*w0 = rd32(vf, VMBMEM);
	wr32(vf, V2PMAILBOX, V2P_ACK);
	return true;
}

int igbvf_service(struct igbvf *vf, bool check)
{
	bool msg;
	u32 w0;

	if ((mbx_peek(vf) & V2P_RSTI) || (vf->mbx & V2P_RSTD)) {
		vf->mbx = 0;
		vf->st.pf_resets++;
		return 1;
	}
	/*
	 * A PF message, or Linux igbvf's periodic link check (e1000_check_for_link_vf):
	 * read word 0 and ACK it. A PF that no longer counts us as clear to send
	 * answers that ACK with a NACK, which a later call turns into a reset.
	 */
	msg = mbx_take(vf, V2P_PFSTS);
	if ((msg || check) && mbx_read_word0(vf, &w0)) {
		if (msg)
			mbx_note_pf_msg(vf, w0);
		if (pf_lost_us(w0)) {
			vf->st.pf_resets++;
			return 1;
		}
	}
	return 0;
}

/* --- data path --- */

int igbvf_tx(struct igbvf *vf, const void *frame, size_t len)
{
	struct igbvf_tx_desc *d;
	u32 next = (vf->tx_next + 1) % IGBVF_TX_RING;
	u8 *buf;

	if (len < 14 || len > IGBVF_BUF)
		return -IGBVF_EINVAL;
	while (vf->tx_clean != vf->tx_next &&
	       (*(volatile u32 *)&vf->tx[vf->tx_clean].olinfo_status & TXD_STAT_DD))
		vf->tx_clean = (vf->tx_clean + 1) % IGBVF_TX_RING;
	if (next == vf->tx_clean) {
		vf->st.tx_full++;
		return -IGBVF_ENOMEM;
	}
	buf = vf->tx_buf + (u64)vf->tx_next * IGBVF_BUF;
	memcpy(buf, frame, len);
	d = &vf->tx[vf->tx_next];
	d->addr = (u64)buf;
	d->cmd_type_len =
		(u32)len | TXD_DTYP_DATA | TXD_CMD_DEXT | TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	d->olinfo_status = (u32)len << TXD_PAYLEN_SHIFT;
	barrier();
	vf->tx_next = next;
	wr32(vf, TDT, next);
	vf->st.tx_frames++;
	return 0;
}

/* The escape descriptor came back: note what the NIC wrote, give it a real buffer again. */
static void rx_escape_done(struct igbvf *vf, volatile union igbvf_rx_desc *d, u32 status)
{
	vf->escape.status = status;
	vf->escape.length = d->wb.length;
	vf->escape.done = true;
	vf->escape.armed = false;
}

int igbvf_rx_poll(struct igbvf *vf, igbvf_rx_fn fn, void *ctx, int budget)
{
	int n = 0;
	u32 last = IGBVF_RX_RING;

	for (; n < budget; n++) {
		u32 i = vf->rx_next;
		volatile union igbvf_rx_desc *d = &vf->rx[i];
		u32 status = d->wb.status_error;
		u16 len;

		if (!(status & RXD_STAT_DD))
			break;
		barrier();
		len = d->wb.length;
		if (vf->escape.armed && i == vf->escape.idx)
			rx_escape_done(vf, d, status);
		else if (!(status & RXD_STAT_EOP) || vf->rx_discard)
			vf->st.rx_spanning += !vf->rx_discard;
		else if (len <= IGBVF_BUF) {
			vf->st.rx_frames++;
			fn(ctx, vf->rx_buf + (u64)i * IGBVF_BUF, len);
		}
		vf->rx_discard = !(status & RXD_STAT_EOP);
		d->read.pkt_addr = rx_buf_gpa(vf, i);
		d->read.hdr_addr = 0;
		last = i;
		vf->rx_next = (i + 1) % IGBVF_RX_RING;
	}
	if (last != IGBVF_RX_RING) {
		barrier();
		wr32(vf, RDT, last); /* the one just refilled is the new held-back descriptor */
	}
	return n;
}

void igbvf_reset_quiet(struct igbvf *vf)
{
	wr32(vf, VTCTRL, VTCTRL_RST);
}

int igbvf_mbx_call(struct igbvf *vf, const u32 *msg, unsigned n, u32 *reply, unsigned rn)
{
	if (n == 0 || n > VMBMEM_WORDS || rn == 0 || rn > VMBMEM_WORDS)
		return -IGBVF_EINVAL;
	return mbx_call(vf, msg, n, reply, rn);
}

int igbvf_mbx_post(struct igbvf *vf, const u32 *msg, unsigned n)
{
	if (n == 0 || n > VMBMEM_WORDS || mbx_lock(vf))
		return n == 0 || n > VMBMEM_WORDS ? -IGBVF_EINVAL : -IGBVF_ETIMEDOUT;
	for (unsigned i = 0; i < n; i++)
		wr32(vf, VMBMEM + 4 * i, msg[i]);
	wr32(vf, V2PMAILBOX, V2P_REQ); /* also drops VFU; the answer is not waited for */
	return 0;
}

int igbvf_tx_from(struct igbvf *vf, u64 gpa, u32 len)
{
	u32 i = vf->tx_next, next = (i + 1) % IGBVF_TX_RING;
	volatile struct igbvf_tx_desc *d = &vf->tx[i];

	if (len < 14 || len > IGBVF_BUF || next == vf->tx_clean)
		return -IGBVF_EINVAL;
	d->addr = gpa;
	d->cmd_type_len =
		len | TXD_DTYP_DATA | TXD_CMD_DEXT | TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	d->olinfo_status = len << TXD_PAYLEN_SHIFT;
	barrier();
	vf->tx_next = next;
	wr32(vf, TDT, next);
	return (int)i;
}

u32 igbvf_tx_status(struct igbvf *vf, u32 idx)
{
	return ((volatile struct igbvf_tx_desc *)vf->tx)[idx % IGBVF_TX_RING].olinfo_status;
}

void igbvf_aim_ring(struct igbvf *vf, bool tx, u64 gpa)
{
	u32 ctl = tx ? TXDCTL : RXDCTL, bal = tx ? TDBAL : RDBAL, bah = tx ? TDBAH : RDBAH;
	u32 head = tx ? TDH : RDH, tail = tx ? TDT : RDT;

	wr32(vf, ctl, 0);
	wr32(vf, bal, (u32)gpa);
	wr32(vf, bah, (u32)(gpa >> 32));
	wr32(vf, head, 0);
	wr32(vf, tail, 0);
	wr32(vf, ctl, XDCTL_ENABLE);
	barrier();
	/* TX: one descriptor to fetch now; RX: every descriptor free for the next frame. */
	wr32(vf, tail, tx ? 1 : IGBVF_RX_RING - 1);
}

void igbvf_irq_raise(struct igbvf *vf, u32 entry)
{
	entry &= 3;
	wr32(vf, VTIVAR_MISC, entry | IVAR_VALID);
	wr32(vf, VTIVAR, entry | IVAR_VALID);
	wr32(vf, VTEIMS, BIT32(entry));
	wr32(vf, VTEICS, BIT32(entry));
}

int igbvf_aim_rx(struct igbvf *vf, u64 gpa)
{
	u32 head = rd32(vf, RDH) % IGBVF_RX_RING;

	if (vf->escape.armed || head == rd32(vf, RDT))
		return -IGBVF_EINVAL;
	vf->escape = (struct igbvf_escape){ .armed = true, .idx = head, .gpa = gpa };
	vf->rx[head].read.pkt_addr = gpa;
	vf->rx[head].read.hdr_addr = 0;
	barrier();
	return 0;
}
