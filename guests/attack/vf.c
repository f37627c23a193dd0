// SPDX-License-Identifier: MIT
/*
 * vf.c: attacks through the partition's own VF (mode=net commands). The VF's
 * DMA aimed outside the partition's RAM, its descriptor rings moved there,
 * its MSI-X table rewritten to name other CPUs and vectors, its config space
 * bent (BARs, COMMAND, other functions, the end of extended space), the PF's
 * mailbox abused, and reset storms. Every command answers what it saw; the
 * test judges from outside (QEMU's trace, memory, the peer's pings).
 */
#include "guests/attack/attack.h"
#include "guests/lib/pci.h"

/* Mailbox messages (Linux igbvf mbx.h; the PF side: drivers/igb_mbx.c). */
#define MSG_SET_MAC     0x02
#define MSG_SET_MC      0x03
#define MSG_SET_VLAN    0x04
#define MSG_SET_LPE     0x05
#define MSG_PROMISC     0x06
#define MSG_INFO(n)     ((u32)(n) << 16)
#define MSG_ACK         (1u << 31)
#define MSG_NACK        (1u << 30)
#define MSG_CTS         (1u << 29)
#define PROMISC_UC      MSG_INFO(1)
#define PROMISC_MC      MSG_INFO(2)
#define MAC_FILTER_ADD  MSG_INFO(2)
#define PCI_CAP_ID_MSIX 0x11
#define PCI_ROM         0x30
#define FLR_SETTLE_MS   100         /* PCIe Base 4.0 6.6.2 */
#define PEER_IP         0xc0000201U /* 192.0.2.1, the test's Linux peer */

static u8 nic_devfn(void)
{
	return att_vf.devfn;
}

/* --- DMA ---------------------------------------------------------------------------- */

/* dma_rx GPA: the next receive descriptor's buffer is GPA; the next frame is written there. */
static void cmd_dma_rx(char *arg, struct reply *r)
{
	u64 gpa = next_num(&arg, 0);

	reply_add(r, igbvf_aim_rx(&att_vf, gpa) ? "busy" : "armed");
}

/* dma_tx GPA LEN: transmit LEN bytes read from GPA (an exfiltration attempt). */
static void cmd_dma_tx(char *arg, struct reply *r)
{
	u64 gpa = next_num(&arg, 0), len = next_num(&arg, 64);
	int i = igbvf_tx_from(&att_vf, gpa, (u32)len);
	u32 st = 0;

	if (i < 0) {
		reply_add(r, "refused by the driver (%d)", i);
		return;
	}
	for (int ms = 0; ms < 1000 && !((st = igbvf_tx_status(&att_vf, (u32)i)) & 1); ms += 10)
		net_poll_for(10);
	reply_add(r, "descriptor %d status 0x%x", i, st);
}

/*
 * ring rx|tx GPA: the whole descriptor ring moved to GPA. For rx an ARP
 * request to the peer brings a frame in (the NIC fetches its descriptor
 * there); then the rings are rebuilt in our RAM.
 */
static void cmd_ring(char *arg, struct reply *r)
{
	char *which = next_word(&arg);
	u64 gpa = next_num(&arg, 0);
	bool tx = !strcmp(which, "tx");

	igbvf_aim_ring(&att_vf, tx, gpa);
	if (!tx)
		net_arp_request(&att_nif, PEER_IP);
	delay_ms(500);
	attack_vf_up();
	reply_add(r, "up again");
}

static void cmd_up(char *arg, struct reply *r)
{
	(void)arg;
	attack_vf_up();
	reply_add(r, "up");
}

/* --- MSI-X ---------------------------------------------------------------------------- */

/* The VF's MSI-X table and PBA, mapped; false without them. */
static bool msix_map(volatile u32 **table, volatile u64 **pba, u16 *cap)
{
	u8 devfn = nic_devfn();
	u32 tbl, pb;
	u64 size, bar;

	*cap = pci_find_cap(devfn, PCI_CAP_ID_MSIX);
	if (!*cap)
		return false;
	tbl = pci_read32(devfn, *cap + 4);
	pb = pci_read32(devfn, *cap + 8);
	bar = pci_bar(devfn, tbl & 7, &size);
	if (!bar || (pb & 7) != (tbl & 7) || map_identity(bar, size, true))
		return false;
	*table = (volatile u32 *)(bar + (tbl & ~7U));
	*pba = (volatile u64 *)(bar + (pb & ~7U));
	return true;
}

/*
 * msix ENTRY ADDR DATA: write an entry that names another CPU or vector,
 * unmask it, enable MSI-X, make the VF raise that vector (EICS), read back.
 * Then writes the hypervisor must ignore: past the table, odd sizes.
 */
static void cmd_msix(char *arg, struct reply *r)
{
	u64 entry = next_num(&arg, 0), addr = next_num(&arg, 0xfee00000),
	    data = next_num(&arg, 0x30);
	volatile u32 *t, *e;
	volatile u64 *pba;
	u16 cap;

	if (entry > 2 || !msix_map(&t, &pba, &cap)) {
		reply_add(r, "no MSI-X table");
		return;
	}
	e = t + 4 * entry;
	e[0] = (u32)addr;
	e[1] = (u32)(addr >> 32);
	e[2] = (u32)data;
	e[3] = 0;
	pci_write16(nic_devfn(), cap + 2, 0x8000); /* MSI-X Enable, function not masked */
	igbvf_irq_raise(&att_vf, (u32)entry);
	net_poll_for(200);
	t[4 * 40] = 0x12345678;                  /* entry 40: past the table */
	*(volatile u8 *)(t + 4 * entry + 3) = 0; /* a byte of Vector Control */
	reply_add(r, "entry %llu reads %08x %08x %08x %08x, msix ctrl 0x%x, pba 0x%llx", entry,
		  e[0], e[1], e[2], e[3], pci_read16(nic_devfn(), cap + 2), *pba);
	e[3] = 1;
	pci_write16(nic_devfn(), cap + 2, 0);
}

/* --- config space ---------------------------------------------------------------------- */

static const u32 bar_targets[] = { 0xfed90000, 0xfee00000, 0xb0000000,
				   0x00000000, 0xfffff000, 0x00100000 };

/* cfg bar [PFBAR]: move every BAR (and the ROM) onto the IOMMU, the APIC, the ECAM, the PF. */
static void cfg_bar(char *arg, struct reply *r)
{
	u8 d = nic_devfn();
	u32 before[6], after[6], writes = 0;
	u32 pf = (u32)next_num(&arg, 0xfebc0000);

	for (u16 b = 0; b < 6; b++)
		before[b] = pci_read32(d, 0x10 + 4 * b);
	for (u16 b = 0; b < 6; b++) {
		for (u32 i = 0; i < ARRAY_SIZE(bar_targets); i++, writes++)
			pci_write32(d, 0x10 + 4 * b, bar_targets[i]);
		pci_write32(d, 0x10 + 4 * b, pf);
		pci_write16(d, 0x10 + 4 * b, 0xdead); /* half a BAR */
		writes += 2;
	}
	pci_write32(d, PCI_ROM, 0xfed90001); /* an enabled ROM on the IOMMU */
	for (u16 b = 0; b < 6; b++)
		after[b] = pci_read32(d, 0x10 + 4 * b);
	reply_add(r, "%u writes; BARs %s: %08x %08x %08x %08x %08x %08x; rom %08x; status 0x%x",
		  writes + 1, memcmp(before, after, sizeof(before)) ? "MOVED" : "unchanged",
		  after[0], after[1], after[2], after[3], after[4], after[5],
		  pci_read32(d, PCI_ROM), igbvf_read32(&att_vf, 0x8));
}

/* cfg cmd: COMMAND games: all off, everything on (I/O too), bus mastering without memory. */
static void cfg_cmd(char *arg, struct reply *r)
{
	u8 d = nic_devfn();
	u16 cmd0 = pci_read16(d, PCI_COMMAND), all;
	u32 off_status;

	(void)arg;
	pci_write16(d, PCI_COMMAND, 0);
	off_status = igbvf_read32(&att_vf, 0x8); /* no memory decode: the device is not there */
	pci_write16(d, PCI_COMMAND, 0xffff);
	all = pci_read16(d, PCI_COMMAND);
	pci_write32(d, PCI_COMMAND, 0xffffffff); /* STATUS write-1-to-clear too */
	pci_write16(d, PCI_COMMAND, PCI_COMMAND_MASTER);
	pci_write16(d, PCI_COMMAND, (u16)(cmd0 | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	reply_add(r, "memory off: status 0x%x; 0xffff reads 0x%x; restored 0x%x; status 0x%x",
		  off_status, all, pci_read16(d, PCI_COMMAND), igbvf_read32(&att_vf, 0x8));
}

/* ECAM of any bus-0 function, mapped by the runtime (pci_cfg maps the whole window). */
static volatile u8 *ecam_of(u8 devfn)
{
	return pci_cfg(devfn);
}

/*
 * cfg pf: config writes aimed at what is not ours: the PF's SR-IOV control and
 * NumVFs (at the offset the PF has them, in every function of the bus), the
 * COMMAND and BAR of every other function, and our own extended space.
 */
static void cfg_pf(char *arg, struct reply *r)
{
	u16 sriov = (u16)next_num(&arg, 0x160);
	u32 writes = 0, seen = 0;

	for (u32 devfn = 0; devfn < 256; devfn++) {
		volatile u8 *c = ecam_of((u8)devfn);

		seen += *(volatile u32 *)c != 0xffffffffU;
		*(volatile u16 *)(c + sriov + 8) = 0;    /* SR-IOV Control: VF Enable off */
		*(volatile u16 *)(c + sriov + 0x10) = 0; /* NumVFs */
		writes += 2;
		if (devfn == nic_devfn())
			continue;
		*(volatile u16 *)(c + PCI_COMMAND) = 0;
		*(volatile u32 *)(c + 0x10) = 0xfed90000;
		writes += 2;
	}
	for (u16 off = 0x100; off < 0x1000; off += 4, writes++)
		*(volatile u32 *)(ecam_of(nic_devfn()) + off) = 0xffffffff;
	reply_add(r, "%u writes; %u function(s) on the bus; ours still %04x:%04x, command 0x%x",
		  writes, seen, pci_read16(nic_devfn(), 0), pci_read16(nic_devfn(), 2),
		  pci_read16(nic_devfn(), PCI_COMMAND));
}

/* cfg ecap: walk the extended capabilities with their own next pointers, then off the end. */
static void cfg_ecap(char *arg, struct reply *r)
{
	volatile u8 *c = ecam_of(nic_devfn());
	u32 off = 0x100, n = 0, last = 0;

	(void)arg;
	for (int hops = 0; hops < 64 && off >= 0x100 && off <= 0xffc; hops++) {
		u32 hdr = *(volatile u32 *)(c + off);

		if (hdr == 0 || hdr == 0xffffffffU)
			break;
		n++;
		last = off;
		off = (hdr >> 20) & 0xffc;
	}
	*(volatile u64 *)(c + 0xff8) = ~0ULL; /* a write at the very end */
	reply_add(r,
		  "%u capabilities, last at 0x%x; 0xffc 0x%x, 0xfff 0x%x, 8 at 0xff8 0x%llx, "
		  "8 at 0xffc 0x%llx, next function 0x%x",
		  n, last, *(volatile u32 *)(c + 0xffc), *(volatile u8 *)(c + 0xfff),
		  *(volatile u64 *)(c + 0xff8), *(volatile u64 *)(c + 0xffc),
		  *(volatile u32 *)(c + 0x1000));
}

static void cmd_cfg(char *arg, struct reply *r)
{
	char *what = next_word(&arg);

	if (!strcmp(what, "bar"))
		cfg_bar(arg, r);
	else if (!strcmp(what, "cmd"))
		cfg_cmd(arg, r);
	else if (!strcmp(what, "pf"))
		cfg_pf(arg, r);
	else if (!strcmp(what, "ecap"))
		cfg_ecap(arg, r);
	else
		reply_add(r, "cfg bar|cmd|pf|ecap");
}

/* --- the mailbox ------------------------------------------------------------------------ */

static const char *mbx_result(int e)
{
	return e == 0                  ? "ack"
	       : e == -IGBVF_ENACK     ? "nack"
	       : e == -IGBVF_ETIMEDOUT ? "timeout"
				       : "error";
}

static const char *mbx_try(const u32 *msg, unsigned n)
{
	u32 reply[1];

	return mbx_result(igbvf_mbx_call(&att_vf, msg, n, reply, 1));
}

static void mac_words(const char *text, u32 *w)
{
	u8 m[6] = { 0 };

	net_parse_mac(text, m);
	w[0] = m[0] | (u32)m[1] << 8 | (u32)m[2] << 16 | (u32)m[3] << 24;
	w[1] = m[4] | (u32)m[5] << 8;
}

/* mbx foreign VICTIM_MAC: another MAC, the victim's MAC, an extra unicast filter. */
static void mbx_foreign(char *arg, struct reply *r)
{
	char *victim = next_word(&arg);
	u32 m[3] = { MSG_SET_MAC };

	mac_words("02:00:00:00:00:99", m + 1);
	reply_add(r, "other %s", mbx_try(m, 3));
	mac_words(*victim ? victim : "52:54:00:12:34:11", m + 1);
	reply_add(r, ", victim's %s", mbx_try(m, 3));
	m[0] = MSG_SET_MAC | MAC_FILTER_ADD;
	reply_add(r, ", filter %s", mbx_try(m, 3));
}

/* mbx mc: 30 groups (the most), 31, a hash of 13 bits, then 20 full updates in a row. */
static void mbx_mc(char *arg, struct reply *r)
{
	u32 m[16] = { 0 };
	u32 acks = 0;

	(void)arg;
	for (u32 i = 0; i < 15; i++)
		m[1 + i % 15] = (i * 2 * 137) % 4096 | (((i * 2 + 1) * 137) % 4096) << 16;
	m[0] = MSG_SET_MC | MSG_INFO(30);
	reply_add(r, "30 %s", mbx_try(m, 16));
	m[0] = MSG_SET_MC | MSG_INFO(31);
	reply_add(r, ", 31 %s", mbx_try(m, 16));
	m[0] = MSG_SET_MC | MSG_INFO(2);
	m[1] = 0x2000;
	reply_add(r, ", 13-bit hash %s", mbx_try(m, 2));
	m[1] = 137 << 16;
	m[0] = MSG_SET_MC | MSG_INFO(30);
	for (int i = 0; i < 20; i++)
		acks += !strcmp(mbx_try(m, 16), "ack");
	reply_add(r, ", 20 updates %u acked", acks);
}

/* mbx vlan: VLANs it does not own (100, 4095, a priority tag with flags), and VLAN 0. */
static void mbx_vlan(char *arg, struct reply *r)
{
	u32 m[2] = { MSG_SET_VLAN | MSG_INFO(1), 100 };

	(void)arg;
	reply_add(r, "100 %s", mbx_try(m, 2));
	m[1] = 4095;
	reply_add(r, ", 4095 %s", mbx_try(m, 2));
	m[1] = 0x10000;
	reply_add(r, ", flags %s", mbx_try(m, 2));
	m[1] = 0;
	reply_add(r, ", 0 %s", mbx_try(m, 2));
	m[0] = MSG_PROMISC | PROMISC_UC;
	reply_add(r, ", unicast promiscuous %s", mbx_try(m, 1));
}

/* mbx garbage: unknown types, reply bits set by the VF, over-long SET_LPE (within the budget). */
static void mbx_garbage(char *arg, struct reply *r)
{
	u64 x = 0x2545f4914f6cdd1dULL;
	u32 m[16], nacks = 0, n = 0;

	(void)arg;
	for (; n < 20; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		for (u32 i = 0; i < 16; i++)
			m[i] = (u32)(x >> (i % 32));
		m[0] = n % 3 == 0   ? (u32)(0x07 + x % 0xf0)          /* unknown type */
		       : n % 3 == 1 ? MSG_SET_LPE | MSG_ACK | MSG_CTS /* reply bits */
				    : MSG_SET_LPE;                    /* size ~random */
		m[1] = n % 3 == 2 ? 0x100000 + (u32)x % 1000 : m[1];
		nacks += !strcmp(mbx_try(m, 16), "nack");
	}
	reply_add(r, "%u sent, %u nacked", n, nacks);
}

/* mbx storm MS: requests as fast as the mailbox takes them; then heard again? */
static void mbx_storm(char *arg, struct reply *r)
{
	u64 ms = next_num(&arg, 1000), end = rdtsc() + ms * tsc_per_ms();
	u32 m[2] = { MSG_SET_LPE, 1522 }, own[3] = { MSG_SET_MAC }, posts = 0, fails = 0;
	const char *again = "timeout";

	while (rdtsc() < end) {
		if (igbvf_mbx_post(&att_vf, m, 2))
			fails++;
		else
			posts++;
	}
	net_poll_for(2500); /* the PF ignores a flooding VF for 2 s */
	own[1] = att_vf.mac[0] | (u32)att_vf.mac[1] << 8 | (u32)att_vf.mac[2] << 16 |
		 (u32)att_vf.mac[3] << 24;
	own[2] = att_vf.mac[4] | (u32)att_vf.mac[5] << 8;
	for (int i = 0; i < 4 && strcmp(again, "ack"); i++)
		again = mbx_try(own, 3);
	reply_add(r, "%u requests in %llu ms (%u lock failures); heard again: %s", posts, ms, fails,
		  again);
}

static void cmd_mbx(char *arg, struct reply *r)
{
	static const struct attack_cmd kinds[] = {
		{ "foreign", mbx_foreign }, { "mc", mbx_mc },       { "vlan", mbx_vlan },
		{ "garbage", mbx_garbage }, { "storm", mbx_storm }, { NULL, NULL },
	};
	char *what = next_word(&arg);

	for (const struct attack_cmd *k = kinds; k->name; k++) {
		if (!strcmp(k->name, what)) {
			k->fn(arg, r);
			return;
		}
	}
	reply_add(r, "mbx foreign|mc|vlan|garbage|storm");
}

/* --- the wire and resets --------------------------------------------------------------- */

/* mcast N: N frames to a multicast group nobody joined, as fast as the ring takes them. */
static void cmd_mcast(char *arg, struct reply *r)
{
	static const u8 group[6] = { 0x01, 0x00, 0x5e, 0x7f, 0x00, 0x01 };
	static u8 frame[ETH_FRAME_MAX];
	struct net_udp_hdrs h = { att_nif.mac, group, att_nif.ip, 0xefff0001U, 4444, 9, 0 };
	u64 n = next_num(&arg, 1000), sent = 0;
	size_t len = net_build_udp(frame, &h, "multicast flood", 15);

	for (u64 tries = 0; sent < n && tries < 100 * n; tries++) {
		if (igbvf_tx(&att_vf, frame, len) == 0)
			sent++;
		else
			cpu_relax();
	}
	reply_add(r, "sent %llu of %llu", sent, n);
}

/* flr N [GAP]: N function-level resets GAP ms apart, then up again. */
static void cmd_flr(char *arg, struct reply *r)
{
	u64 n = next_num(&arg, 20), gap = next_num(&arg, 10);
	u8 d = nic_devfn();
	u16 exp = pci_find_cap(d, PCI_CAP_ID_EXP);

	if (!exp) {
		reply_add(r, "no PCIe capability");
		return;
	}
	for (u64 i = 0; i < n; i++) {
		pci_write16(d, exp + PCI_EXP_DEVCTL,
			    (u16)(pci_read16(d, exp + PCI_EXP_DEVCTL) | PCI_EXP_DEVCTL_FLR));
		delay_ms(gap);
	}
	delay_ms(FLR_SETTLE_MS);
	pci_write16(d, PCI_COMMAND,
		    (u16)(pci_read16(d, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	attack_vf_up();
	reply_add(r, "%llu resets, up again", n);
}

/* rst N [GAP]: the VF's own CTRL.RST N times, then up again. */
static void cmd_rst(char *arg, struct reply *r)
{
	u64 n = next_num(&arg, 20), gap = next_num(&arg, 10);

	for (u64 i = 0; i < n; i++) {
		igbvf_reset_quiet(&att_vf);
		delay_ms(gap);
	}
	attack_vf_up();
	reply_add(r, "%llu resets, up again", n);
}

const struct attack_cmd vf_cmds[] = {
	{ "dma_rx", cmd_dma_rx }, { "dma_tx", cmd_dma_tx }, { "ring", cmd_ring },
	{ "up", cmd_up },         { "msix", cmd_msix },     { "cfg", cmd_cfg },
	{ "mbx", cmd_mbx },       { "mcast", cmd_mcast },   { "flr", cmd_flr },
	{ "rst", cmd_rst },       { NULL, NULL },
};
