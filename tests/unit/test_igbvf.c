// SPDX-License-Identifier: MIT
/*
 * test_igbvf.c: the guests' igb VF driver against a model of the VF's registers
 * and a scripted PF: the reset handshake and its failures, SET_MAC_ADDR, the
 * link check, and the RX/TX rings (spanning frames, budget, ring full, the
 * DMA-escape descriptor).
 */
// sources: guests/lib/igbvf.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guests/lib/igbvf.h"
#include "guests/lib/pci.h"

/* VF registers (82576 datasheet 8.27, as igbvf.c names them). */
#define VTCTRL     0x0000
#define VTSTATUS   0x0008
#define VMBMEM     0x0800
#define V2PMAILBOX 0x0c40
#define REQ        0x01
#define ACK        0x02
#define VFU        0x04
#define PFU        0x08
#define PFSTS      0x10
#define PFACK      0x20
#define RSTI       0x40
#define RSTD       0x80
#define RDLEN      0x2808
#define SRRCTL     0x280c
#define RDH        0x2810
#define RDT        0x2818
#define RXDCTL     0x2828
#define TDLEN      0x3808
#define TDT        0x3818
#define TXDCTL     0x3828
#define BAR0_GPA   0xe0100000ULL

#define RESET_ACK 0x80000001U
#define MAC_W1    0x12005452U /* 52:54:00:12 */
#define MAC_W2    0x00001234U /* 34:12 */

/* --- the model: registers, mailbox semantics (facts section 4.1), a scripted PF --- */

static struct {
	u32 regs[0x4000 / 4];
	u32 v2p; /* VF view of V2PMAILBOX: VFU PFU PFSTS PFACK RSTI RSTD */
	u32 mem[16];
	u32 replies[4][16]; /* answers the PF posts, one per request */
	unsigned nreplies, next_reply;
	bool pf_silent;   /* never acknowledges */
	bool post_on_ack; /* the next answer follows the VF's ACK of the previous one */
	u32 reqs[8][16];
	unsigned nreqs, acks, resets;
	u16 command, devctl;
	struct igbvf *vf;
	unsigned tdh, nsent;
	size_t sent_len[80];
	bool tx_done; /* the NIC writes DD back */
} m;

static struct igbvf vf;

u32 igbvf_read32(const struct igbvf *v, u32 off)
{
	u32 r;

	assert_ptr_equal(v, &vf);
	assert_true(off < 0x4000 && !(off & 3));
	if (off == V2PMAILBOX) {
		r = m.v2p;
		m.v2p &= ~(u32)(PFSTS | PFACK | RSTD); /* read-to-clear */
		return r;
	}
	if (off >= VMBMEM && off < VMBMEM + 64)
		return m.mem[(off - VMBMEM) / 4];
	return m.regs[off / 4];
}

static void pf_post_next(void)
{
	if (m.next_reply < m.nreplies) {
		memcpy(m.mem, m.replies[m.next_reply++], sizeof(m.mem));
		m.v2p |= PFSTS;
	}
}

static void pf_request(void)
{
	assert_true(m.nreqs < 8);
	memcpy(m.reqs[m.nreqs++], m.mem, sizeof(m.mem));
	if (m.pf_silent)
		return;
	m.v2p |= PFACK;
	pf_post_next();
}

static void tx_run(u32 tdt)
{
	for (; m.tdh != tdt; m.tdh = (m.tdh + 1) % IGBVF_TX_RING) {
		struct igbvf_tx_desc *d = &m.vf->tx[m.tdh];

		if (m.nsent < 80)
			m.sent_len[m.nsent] = d->cmd_type_len & 0xffff;
		m.nsent++;
		if (m.tx_done)
			d->olinfo_status |= 1;
	}
}

void igbvf_write32(const struct igbvf *v, u32 off, u32 val)
{
	assert_ptr_equal(v, &vf);
	assert_true(off < 0x4000 && !(off & 3));
	if (off == V2PMAILBOX) {
		if ((val & VFU) && !(m.v2p & PFU))
			m.v2p |= VFU;
		else if (!(val & VFU))
			m.v2p &= ~(u32)VFU;
		if (val & REQ)
			pf_request();
		if (val & ACK) {
			m.acks++;
			if (m.post_on_ack)
				pf_post_next();
		}
	} else if (off >= VMBMEM && off < VMBMEM + 64) {
		m.mem[(off - VMBMEM) / 4] = val;
	} else if (off == VTCTRL) {
		m.resets += !!(val & (1U << 26));
	} else {
		if (off == TDT)
			tx_run(val);
		m.regs[off / 4] = val;
	}
}

static void pf_reply(u32 w0, u32 w1, u32 w2)
{
	assert_true(m.nreplies < 4);
	memset(m.replies[m.nreplies], 0, sizeof(m.replies[0]));
	m.replies[m.nreplies][0] = w0;
	m.replies[m.nreplies][1] = w1;
	m.replies[m.nreplies][2] = w2;
	m.nreplies++;
}

/* --- the guest runtime and its PCI view, for the driver --- */

u64 tsc_per_ms(void)
{
	return 1000; /* a 2 s mailbox timeout is 2,000,000 TSC ticks: about a millisecond here */
}

void delay_ms(u64 ms)
{
	(void)ms;
}

int map_identity(u64 pa, u64 size, bool uncached)
{
	assert_int_equal(pa, BAR0_GPA);
	assert_int_equal(size, 0x4000);
	assert_true(uncached);
	return 0;
}

static void *pages[8];
static unsigned npages;

void *alloc_pages(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	assert_non_null(p);
	memset(p, 0, n * 4096);
	assert_true(npages < 8);
	pages[npages++] = p;
	return p;
}

volatile u8 *pci_cfg(u8 devfn)
{
	static u8 space[4096];

	return devfn == 8 ? space : NULL;
}

u16 pci_read16(u8 devfn, u16 off)
{
	assert_int_equal(devfn, 8);
	if (off == 0)
		return IGBVF_VENDOR;
	if (off == PCI_COMMAND)
		return m.command;
	if (off == 0xa0 + PCI_EXP_DEVCTL)
		return m.devctl;
	return 0;
}

void pci_write16(u8 devfn, u16 off, u16 v)
{
	assert_int_equal(devfn, 8);
	if (off == PCI_COMMAND)
		m.command = v;
	else if (off == 0xa0 + PCI_EXP_DEVCTL)
		m.devctl = v;
}

u64 pci_bar(u8 devfn, unsigned bar, u64 *size)
{
	assert_int_equal(devfn, 8);
	assert_int_equal(bar, 0);
	*size = 0x4000;
	return BAR0_GPA;
}

u16 pci_find_cap(u8 devfn, u8 id)
{
	assert_int_equal(devfn, 8);
	return id == PCI_CAP_ID_EXP ? 0xa0 : 0;
}

/* --- fixtures --- */

static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	m.vf = &vf;
	npages = 0;
	assert_int_equal(igbvf_probe(&vf, 8), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < npages; i++)
		free(pages[i]);
	return 0;
}

static void up_ok(void)
{
	pf_reply(RESET_ACK, MAC_W1, MAC_W2);
	assert_int_equal(igbvf_up(&vf), 0);
}

static const u8 plan_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };

/* --- tests --- */

static void test_probe_enables_decode_and_mastering(void **state)
{
	(void)state;
	assert_int_equal(m.command & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(vf.bar0, BAR0_GPA);
	assert_int_equal(igbvf_probe(&vf, 16), -IGBVF_ENODEV); /* nothing there */
}

static void test_up_runs_the_igbvf_handshake_and_sets_up_rings(void **state)
{
	(void)state;
	up_ok();
	assert_int_equal(m.resets, 1);
	assert_int_equal(m.nreqs, 1);
	assert_int_equal(m.reqs[0][0], 1); /* RESET */
	assert_memory_equal(vf.mac, plan_mac, 6);
	assert_int_equal(m.acks, 1); /* the reply was acknowledged */
	assert_false(m.v2p & VFU);   /* and the buffer released */
	assert_int_equal(m.regs[RDLEN / 4], IGBVF_RX_RING * 16);
	assert_int_equal(m.regs[SRRCTL / 4], 0x82000002); /* DROP_EN | ADV_ONEBUF | 2 KiB */
	assert_int_equal(m.regs[RXDCTL / 4], 1U << 25);
	assert_int_equal(m.regs[RDT / 4], IGBVF_RX_RING - 1);
	assert_int_equal(m.regs[TDLEN / 4], IGBVF_TX_RING * 16);
	assert_int_equal(m.regs[TXDCTL / 4], 1U << 25);
	for (int i = 0; i < IGBVF_RX_RING; i++)
		assert_int_equal(vf.rx[i].read.pkt_addr, (u64)(vf.rx_buf + i * IGBVF_BUF));
}

static void test_reset_answers_that_are_refused(void **state)
{
	static const u32 bad[][3] = {
		{ 0x40000001, 0, 0 },              /* NACK: no MAC for us */
		{ 0xa0000001, MAC_W1, MAC_W2 },    /* with CTS: not what igbvf accepts */
		{ 0x80000002, MAC_W1, MAC_W2 },    /* an answer to another message */
		{ RESET_ACK, 0x12005453, MAC_W2 }, /* a multicast MAC */
		{ RESET_ACK, 0, 0 },               /* a zero MAC */
	};
	static const int want[] = { -IGBVF_ENACK, -IGBVF_EPROTO, -IGBVF_EPROTO, -IGBVF_EPROTO,
				    -IGBVF_EPROTO };

	(void)state;
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		m.nreplies = m.next_reply = 0;
		pf_reply(bad[i][0], bad[i][1], bad[i][2]);
		assert_int_equal(igbvf_up(&vf), want[i]);
	}
	assert_int_equal(m.regs[RXDCTL / 4], 0); /* no ring was started */
}

static void test_a_silent_or_resetting_pf_times_out(void **state)
{
	(void)state;
	m.pf_silent = true;
	assert_int_equal(igbvf_up(&vf), -IGBVF_ETIMEDOUT);
	assert_int_equal(m.nreqs, 1);
	assert_true(vf.st.mbx_timeouts >= 1);
	m.pf_silent = false;
	m.v2p |= RSTI; /* the PF is in reset: no RESET message is sent */
	assert_int_equal(igbvf_up(&vf), -IGBVF_ETIMEDOUT);
	assert_int_equal(m.nreqs, 1);
	m.v2p = PFU; /* the PF holds the buffer for good */
	assert_int_equal(igbvf_up(&vf), -IGBVF_ETIMEDOUT);
	assert_int_equal(m.nreqs, 1);
}

static void test_a_control_message_crossing_the_reply_is_skipped(void **state)
{
	(void)state;
	pf_reply(0x20000100, 0, 0); /* PF_CONTROL_MSG | CTS, then the answer */
	m.post_on_ack = true;
	up_ok();
	assert_memory_equal(vf.mac, plan_mac, 6);
	assert_int_equal(vf.st.pf_msgs, 1);
	assert_true(vf.pf_cts);
}

static void test_set_mac(void **state)
{
	static const u8 other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x11 };
	static const u8 mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

	(void)state;
	up_ok();
	pf_reply(0x60000002, 0, 0); /* CTS | NACK */
	assert_int_equal(igbvf_set_mac(&vf, other), -IGBVF_ENACK);
	assert_memory_equal(vf.mac, plan_mac, 6);
	assert_int_equal(m.reqs[1][0], 2);
	assert_int_equal(m.reqs[1][1], 0x12005452);
	assert_int_equal(m.reqs[1][2], 0x1134);
	assert_int_equal(vf.st.mbx_nacks, 1);
	pf_reply(0xa0000002, 0, 0); /* CTS | ACK */
	assert_int_equal(igbvf_set_mac(&vf, other), 0);
	assert_memory_equal(vf.mac, other, 6);
	assert_int_equal(igbvf_set_mac(&vf, mcast), -IGBVF_EINVAL);
	assert_int_equal(m.nreqs, 3);
}

static void test_service_notices_pf_resets_and_lost_cts(void **state)
{
	(void)state;
	up_ok();
	assert_int_equal(igbvf_service(&vf, false), 0);
	assert_int_equal(igbvf_service(&vf, true), 0); /* word 0 is the RESET answer: waiting */
	m.v2p |= RSTD;
	assert_int_equal(igbvf_service(&vf, false), 1);
	m.mem[0] = 0x20000100; /* a ping with CTS */
	m.v2p |= PFSTS;
	assert_int_equal(igbvf_service(&vf, false), 0);
	assert_true(vf.pf_cts);
	m.mem[0] = 0x40000000; /* NACK without CTS: the PF forgot us */
	m.v2p |= PFSTS;
	assert_int_equal(igbvf_service(&vf, false), 1);
	assert_false(vf.pf_cts);
	assert_int_equal(igbvf_service(&vf, true), 1); /* the link check reads it too */
	m.v2p = PFU; /* a collision: try again later, no verdict */
	assert_int_equal(igbvf_service(&vf, true), 0);
}

static unsigned got;
static size_t got_len[80];
static const u8 *got_buf[80];

static void rx_fn(void *ctx, const u8 *frame, size_t len)
{
	assert_ptr_equal(ctx, &vf);
	if (got < 80) {
		got_len[got] = len;
		got_buf[got] = frame;
	}
	got++;
}

/* What the NIC writes back into descriptor i. */
static void nic_fill(unsigned i, u32 status, u16 len)
{
	vf.rx[i].wb.status_error = status;
	vf.rx[i].wb.length = len;
}

static void test_rx_delivers_drops_spanning_frames_and_rearms(void **state)
{
	(void)state;
	up_ok();
	got = 0;
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 32), 0);
	assert_int_equal(m.regs[RDT / 4], IGBVF_RX_RING - 1); /* nothing done: RDT untouched */
	nic_fill(0, 0x3, 60);                                 /* DD | EOP */
	nic_fill(1, 0x1, 2048); /* a frame over three buffers: dropped, counted once */
	nic_fill(2, 0x1, 2048);
	nic_fill(3, 0x3, 100);
	nic_fill(4, 0x3, 1514);
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 32), 5);
	assert_int_equal(got, 2);
	assert_int_equal(got_len[0], 60);
	assert_ptr_equal(got_buf[0], vf.rx_buf);
	assert_int_equal(got_len[1], 1514);
	assert_ptr_equal(got_buf[1], vf.rx_buf + 4 * IGBVF_BUF);
	assert_int_equal(vf.st.rx_spanning, 1);
	assert_int_equal(m.regs[RDT / 4], 4);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(vf.rx[i].read.pkt_addr, (u64)(vf.rx_buf + i * IGBVF_BUF));
		assert_int_equal(vf.rx[i].read.hdr_addr, 0); /* DD cleared */
	}
}

static void test_rx_budget_and_wrap(void **state)
{
	(void)state;
	up_ok();
	got = 0;
	for (int i = 0; i < IGBVF_RX_RING; i++)
		nic_fill((unsigned)i, 0x3, 64);
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 10), 10);
	assert_int_equal(m.regs[RDT / 4], 9);
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 1000), IGBVF_RX_RING - 10);
	assert_int_equal(got, IGBVF_RX_RING);
	assert_int_equal(vf.rx_next, 0);
	assert_int_equal(m.regs[RDT / 4], IGBVF_RX_RING - 1);
	nic_fill(0, 0x3, 64); /* the ring goes round */
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 1000), 1);
	assert_int_equal(m.regs[RDT / 4], 0);
}

static void test_tx(void **state)
{
	static u8 frame[2100];
	const struct igbvf_tx_desc *d;

	(void)state;
	up_ok();
	memset(frame, 0xab, sizeof(frame));
	assert_int_equal(igbvf_tx(&vf, frame, 13), -IGBVF_EINVAL);
	assert_int_equal(igbvf_tx(&vf, frame, IGBVF_BUF + 1), -IGBVF_EINVAL);
	m.tx_done = true;
	assert_int_equal(igbvf_tx(&vf, frame, 60), 0);
	d = &vf.tx[0];
	assert_int_equal(d->cmd_type_len,
			 60 | 0x00300000 | 0x20000000 | 0x01000000 | 0x02000000 | 0x08000000);
	assert_int_equal(d->olinfo_status & ~1U, 60U << 14);
	assert_memory_equal((const u8 *)d->addr, frame, 60);
	assert_int_equal(m.regs[TDT / 4], 1);
	for (int i = 0; i < 200; i++) /* completed descriptors are reused: never full */
		assert_int_equal(igbvf_tx(&vf, frame, IGBVF_BUF), 0);
	assert_int_equal(m.nsent, 201);
	assert_int_equal(m.sent_len[5], IGBVF_BUF);
	m.tx_done = false; /* the NIC stops completing: the ring fills, one slot stays free */
	for (int i = 0; i < IGBVF_TX_RING - 1; i++)
		assert_int_equal(igbvf_tx(&vf, frame, 60), 0);
	assert_int_equal(igbvf_tx(&vf, frame, 60), -IGBVF_ENOMEM);
	assert_int_equal(vf.st.tx_full, 1);
}

static void test_escape_descriptor(void **state)
{
	(void)state;
	up_ok();
	got = 0;
	m.regs[RDH / 4] = 0;
	assert_int_equal(igbvf_aim_rx(&vf, 0x1dd00000), 0);
	assert_int_equal(vf.rx[0].read.pkt_addr, 0x1dd00000);
	assert_int_equal(igbvf_aim_rx(&vf, 0x1dd00000), -IGBVF_EINVAL); /* one at a time */
	nic_fill(0, 0x273, 106);
	nic_fill(1, 0x3, 64);
	assert_int_equal(igbvf_rx_poll(&vf, rx_fn, &vf, 32), 2);
	assert_true(vf.escape.done);
	assert_int_equal(vf.escape.status, 0x273);
	assert_int_equal(vf.escape.length, 106);
	assert_int_equal(got, 1); /* only the real frame: the escape's buffer is not ours */
	assert_ptr_equal(got_buf[0], vf.rx_buf + IGBVF_BUF);
	assert_int_equal(vf.rx[0].read.pkt_addr, (u64)vf.rx_buf); /* our buffer again */
	m.regs[RDH / 4] = 5;
	m.regs[RDT / 4] = 5; /* an empty ring: no descriptor the NIC could use next */
	assert_int_equal(igbvf_aim_rx(&vf, 0x1dd00000), -IGBVF_EINVAL);
}

static void test_flr_resets_then_comes_back(void **state)
{
	(void)state;
	up_ok();
	m.command = 0; /* what an FLR leaves */
	pf_reply(RESET_ACK, MAC_W1, MAC_W2);
	assert_int_equal(igbvf_flr(&vf), 0);
	assert_true(m.devctl & PCI_EXP_DEVCTL_FLR);
	assert_int_equal(m.command & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(m.nreqs, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_enables_decode_and_mastering, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_up_runs_the_igbvf_handshake_and_sets_up_rings,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_answers_that_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_silent_or_resetting_pf_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_control_message_crossing_the_reply_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_notices_pf_resets_and_lost_cts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_delivers_drops_spanning_frames_and_rearms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_budget_and_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flr_resets_then_comes_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
