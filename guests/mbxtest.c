// SPDX-License-Identifier: MIT
/*
 * mbxtest.c: a mailbox-only VF guest for tests/qemu/test_igb.py. It finds its
 * VF in the boot information, prints its virtual PCI view, does the igbvf
 * reset handshake with the PF and then, by mode=:
 *   check    (default) every message type, good and bad, each answer checked
 *   beat     SET_LPE every beat= ms, "mbx: beat N ok" (a VF next to a storm or an FLR);
 *            every mode ends with these beats, and with beats=N the guest stops after N
 *   flood    REQ as fast as it can for flood= ms, then waits and checks it is heard again
 *   flr      an FLR through its virtual PCI Device Control (reset=vtctrl: its CTRL.RST),
 *            then the handshake again, then beats
 *   send     sends count= frames to each MAC in dst= (default broadcast) from its
 *            own queue, with source src= (default its own; another's is a spoof)
 *   rx       joins multicast group mc= if given, receives for listen= ms and counts
 *            the test frames by kind
 * Lines with FAILED mean the PF misbehaved. VF register offsets: 82576 datasheet 8.27.
 */
#include "guests/lib/guest.h"

/* clang-format off */
#define VF_CTRL       0x0000
#define  VF_CTRL_RST  (1u << 26)
#define VF_STATUS     0x0008
#define VF_V2P        0x0c40 /* V2PMAILBOX */
#define  V2P_REQ      (1u << 0)
#define  V2P_ACK      (1u << 1)
#define  V2P_VFU      (1u << 2)
#define  V2P_PFU      (1u << 3)
#define  V2P_PFSTS    (1u << 4) /* read to clear */
#define  V2P_PFACK    (1u << 5) /* read to clear */
#define  V2P_RSTI     (1u << 6)
#define  V2P_RSTD     (1u << 7) /* read to clear */
#define VF_VMBMEM     0x0800
#define VF_RDBAL      0x2800
#define VF_RDBAH      0x2804
#define VF_RDLEN      0x2808
#define VF_SRRCTL     0x280c
#define VF_RDH        0x2810
#define VF_RDT        0x2818
#define VF_RXDCTL     0x2828
#define  RXDCTL_EN    (1u << 25)
#define VF_TDBAL      0x3800
#define VF_TDBAH      0x3804
#define VF_TDLEN      0x3808
#define VF_TDH        0x3810
#define VF_TDT        0x3818
#define VF_TXDCTL     0x3828
#define  TXDCTL_EN    (1u << 25)

#define MSG_ACK       (1u << 31)
#define MSG_NACK      (1u << 30)
#define MSG_CTS       (1u << 29)
#define MSG_RESET     0x01
#define MSG_SET_MAC   0x02
#define MSG_SET_MC    0x03
#define MSG_SET_VLAN  0x04
#define MSG_SET_LPE   0x05
#define MSG_PROMISC   0x06
#define MSG_INFO(n)   ((u32)(n) << 16)

#define CFG_COMMAND   0x04
#define CFG_CAP_PTR   0x34
#define CAP_ID_EXP    0x10
#define EXP_DEVCTL    0x08
#define  DEVCTL_FLR   (1u << 15)
/* clang-format on */

#define WAIT_MS 1000 /* igbvf's mailbox timeout */

static volatile u8 *regs;
static volatile u8 *cfg; /* our VF's config space in the ECAM window */
static u32 sticky;       /* read-to-clear mailbox bits seen so far */
static u8 mac[6];
static u32 failures;

static u32 rd(u32 off)
{
	return *(volatile u32 *)(regs + off);
}

static void wr(u32 off, u32 v)
{
	*(volatile u32 *)(regs + off) = v;
}

static void fail(const char *what, u32 got)
{
	failures++;
	printf("mbx: FAILED: %s (0x%08x)\n", what, got);
}

/* Read V2PMAILBOX, keeping the bits a read clears. */
static u32 v2p(void)
{
	u32 v = rd(VF_V2P);

	sticky |= v & (V2P_PFSTS | V2P_PFACK | V2P_RSTD);
	return v;
}

static bool take_bit(u32 bit)
{
	v2p();
	if (!(sticky & bit))
		return false;
	sticky &= ~bit;
	return true;
}

static bool wait_bit(u32 bit, u64 ms)
{
	u64 end = rdtsc() + ms * tsc_per_ms();

	while (!take_bit(bit))
		if (rdtsc() > end)
			return false;
	return true;
}

/* Post a message and wait for the PF's ACK of it (igbvf write_posted). */
static bool mbx_post(const u32 *w, u32 n)
{
	wr(VF_V2P, V2P_VFU);
	if (!(v2p() & V2P_VFU))
		return false;
	sticky &= ~(V2P_PFACK | V2P_PFSTS); /* stale ones from before */
	for (u32 i = 0; i < n; i++)
		wr(VF_VMBMEM + 4 * i, w[i]);
	wr(VF_V2P, V2P_REQ);
	return wait_bit(V2P_PFACK, WAIT_MS);
}

/* Wait for the PF's message and read n words (igbvf read_posted). */
static bool mbx_read(u32 *w, u32 n)
{
	if (!wait_bit(V2P_PFSTS, WAIT_MS))
		return false;
	wr(VF_V2P, V2P_VFU);
	for (u32 i = 0; i < n; i++)
		w[i] = rd(VF_VMBMEM + 4 * i);
	wr(VF_V2P, V2P_ACK);
	return true;
}

/* One message, one word of answer; 0 when none came. */
static u32 mbx_call(const u32 *w, u32 n)
{
	u32 r = 0;

	if (!mbx_post(w, n) || !mbx_read(&r, 1))
		return 0;
	return r;
}

/* The igbvf reset handshake (e1000_reset_hw_vf): RST, wait for the PF, RESET, MAC back. */
static bool handshake(bool quiet)
{
	u32 msg = MSG_RESET, r[3] = { 0 }, first = rd(VF_V2P);
	u64 end;

	if (!quiet)
		printf("mbx: V2PMAILBOX 0x%02x before the reset\n", first);
	wr(VF_CTRL, VF_CTRL_RST);
	end = rdtsc() + WAIT_MS * tsc_per_ms();
	while ((v2p() & V2P_RSTI) && rdtsc() < end)
		;
	sticky = 0;
	delay_ms(1);
	if (!mbx_post(&msg, 1) || !mbx_read(r, 3)) {
		fail("no answer to RESET", rd(VF_V2P));
		return false;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (u8)(r[1 + i / 4] >> (8 * (i % 4)));
	if (!quiet)
		printf("mbx: reset reply 0x%08x mac %02x:%02x:%02x:%02x:%02x:%02x\n", r[0], mac[0],
		       mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (r[0] != (MSG_RESET | MSG_ACK)) {
		fail("RESET not acknowledged", r[0]);
		return false;
	}
	if (memcmp(mac, boot_info->net.mac, 6))
		fail("the PF's MAC is not the one in the boot information", r[1]);
	return true;
}

static void expect(const char *what, const u32 *w, u32 n, u32 want)
{
	u32 got = mbx_call(w, n);

	printf("mbx: %s -> 0x%08x %s\n", what, got, got == want ? "ok" : "FAILED");
	failures += got != want;
}

static void mac_words(const u8 *m, u32 *w)
{
	w[1] = m[0] | (u32)m[1] << 8 | (u32)m[2] << 16 | (u32)m[3] << 24;
	w[2] = m[4] | (u32)m[5] << 8;
}

/* Every message type, with the answer the PF must give. */
static void check_all(void)
{
	static const u8 foreign[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x99 };
	u32 w[16] = { 0 };

	w[0] = MSG_SET_MAC;
	mac_words(mac, w);
	expect("set_mac own", w, 3, MSG_SET_MAC | MSG_ACK | MSG_CTS);
	mac_words(foreign, w);
	expect("set_mac foreign", w, 3, MSG_SET_MAC | MSG_NACK | MSG_CTS);
	w[0] = MSG_SET_MAC | MSG_INFO(2); /* MAC_FILTER_ADD: another unicast filter */
	expect("set_mac filter_add", w, 3, w[0] | MSG_NACK | MSG_CTS);
	w[0] = MSG_SET_MAC | MSG_INFO(1); /* MAC_FILTER_CLR */
	expect("set_mac filter_clr", w, 1, w[0] | MSG_ACK | MSG_CTS);
	w[0] = MSG_SET_MC | MSG_INFO(2);
	w[1] = 0x0123 | 0x0456u << 16;
	expect("set_multicast 2", w, 2, w[0] | MSG_ACK | MSG_CTS);
	w[0] = MSG_SET_MC | MSG_INFO(31);
	expect("set_multicast 31", w, 16, w[0] | MSG_NACK | MSG_CTS);
	w[0] = MSG_SET_LPE;
	w[1] = 1522;
	expect("set_lpe 1522", w, 2, MSG_SET_LPE | MSG_ACK | MSG_CTS);
	w[1] = 100000;
	expect("set_lpe 100000", w, 2, MSG_SET_LPE | MSG_NACK | MSG_CTS);
	w[0] = MSG_SET_VLAN | MSG_INFO(1);
	w[1] = 5;
	expect("set_vlan 5", w, 2, w[0] | MSG_NACK | MSG_CTS);
	w[1] = 0;
	expect("set_vlan 0", w, 2, w[0] | MSG_ACK | MSG_CTS);
	w[0] = MSG_PROMISC | MSG_INFO(1); /* unicast promiscuous */
	expect("set_promisc unicast", w, 1, w[0] | MSG_NACK | MSG_CTS);
	w[0] = 0x1234;
	expect("garbage 0x1234", w, 1, 0x1234 | MSG_NACK | MSG_CTS);
	w[0] = MSG_SET_LPE | MSG_ACK;
	expect("reply bits", w, 2, MSG_SET_LPE | MSG_NACK | MSG_CTS);
}

/* Program MSI-X entry 0 as a driver would: the hypervisor keeps it as our view only. */
static void msix_entry(void)
{
	const struct hv_dev_info *d = &boot_info->devs[boot_info->net.dev];
	volatile u32 *e = (volatile u32 *)d->bars[3].gpa;

	if (!d->bars[3].size || map_identity(d->bars[3].gpa, d->bars[3].size, true)) {
		fail("no MSI-X BAR", 0);
		return;
	}
	e[0] = 0xfee00000;
	e[1] = 0;
	e[2] = 0x41;
	e[3] = 0;
	printf("mbx: msix entry 0 reads %08x %08x %08x %08x\n", e[0], e[1], e[2], e[3]);
	if (e[0] != 0xfee00000 || e[2] != 0x41 || e[3] != 0)
		fail("the MSI-X entry does not read back", e[2]);
}

/* One SET_LPE; the answer (0: none) unless it is the expected ACK with CTS, then 0xffffffff. */
static u32 beat_once(void)
{
	u32 w[2] = { MSG_SET_LPE, 1522 }, r = mbx_call(w, 2);

	return r == (MSG_SET_LPE | MSG_ACK | MSG_CTS) ? ~0u : r;
}

/* Beats every beat= ms; with beats=N, returns after N (the partition then stops). */
static void beat_forever(u64 n0)
{
	u64 ms = 500, last = 0;

	arg_u64("beat", &ms);
	arg_u64("beats", &last);
	for (u64 n = n0; !last || n <= last; n++) {
		delay_ms(ms);
		u32 r = beat_once();

		if (r == ~0u)
			printf("mbx: beat %llu ok\n", n);
		else
			fail("beat: the answer (0: none)", r);
	}
}

static void flood(void)
{
	u64 ms = 3000, end, n = 0;

	arg_u64("flood", &ms);
	printf("mbx: flooding for %llu ms\n", ms);
	end = rdtsc() + ms * tsc_per_ms();
	while (rdtsc() < end) {
		wr(VF_VMBMEM, 0x0bad0000 | (u32)(n & 0xffff));
		wr(VF_V2P, V2P_REQ);
		n++;
	}
	printf("mbx: flood over: %llu requests\n", n);
	delay_ms(2500); /* longer than the PF ignores a flooding VF */
	sticky = 0;
	(void)v2p();
	sticky = 0;
	if (beat_once() == ~0u)
		printf("mbx: heard again after the flood\n");
	else
		fail("not heard after the flood", rd(VF_V2P));
}

/* Our PCI Express capability's Device Control, through the virtual bus. */
static volatile u16 *devctl(void)
{
	u8 pos = cfg[CFG_CAP_PTR];

	for (int i = 0; pos && i < 48; i++, pos = cfg[pos + 1])
		if (cfg[pos] == CAP_ID_EXP)
			return (volatile u16 *)(cfg + pos + EXP_DEVCTL);
	return NULL;
}

static void reset_vf(void)
{
	char how[8] = "flr";
	volatile u16 *dc = devctl();

	arg_str("reset", how, sizeof(how));
	if (!strcmp(how, "vtctrl")) {
		printf("mbx: VF reset through CTRL.RST\n");
		wr(VF_CTRL, VF_CTRL_RST);
	} else if (dc) {
		printf("mbx: FLR through Device Control\n");
		*dc = (u16)(*dc | DEVCTL_FLR);
		delay_ms(100); /* PCIe Base 4.0 6.6.2 */
		*(volatile u16 *)(cfg + CFG_COMMAND) =
			0x6; /* memory decode and bus mastering again */
	} else {
		fail("no PCI Express capability", 0);
	}
	delay_ms(50);
	if (handshake(false))
		printf("mbx: handshake again after the reset ok\n");
}

/* Advanced descriptors (82576 datasheet 7.1.5, 7.2.2.3), one buffer each. */
struct txd {
	u64 addr;
	u32 cmd;
	u32 status; /* DD: bit 0 */
};

struct rxd {
	u64 addr;   /* write-back: packet info, RSS */
	u32 status; /* write-back: DD bit 0, EOP bit 1 (hdr_addr before) */
	u16 length;
	u16 vlan;
};

#define RING      32
#define ETHERTYPE 0x88b5 /* IEEE local experimental */
#define TXD_CMD   (0x00300000 | (1u << 29) | (1u << 27) | (1u << 25) | (1u << 24))

static struct txd txring[RING] __attribute__((aligned(128)));
static struct rxd rxring[RING] __attribute__((aligned(128)));
static u8 txbuf[RING][128] __attribute__((aligned(64)));
static u8 rxbuf[RING][2048] __attribute__((aligned(64)));
static u32 tx_next;

static bool parse_mac(const char *s, u8 *out)
{
	for (int i = 0; i < 6; i++) {
		char hex[5] = { '0', 'x', s[3 * i], s[3 * i + 1], 0 };
		bool ok;

		out[i] = (u8)parse_num(hex, &ok);
		if (!ok || (i < 5 && s[3 * i + 2] != ':'))
			return false;
	}
	return true;
}

/* Our queue 0 (the VF's registers at 0x3800/0x2800 reach the PF's queue n, 8.27). */
static void tx_init(void)
{
	wr(VF_TXDCTL, 0);
	wr(VF_TDBAL, (u32)(u64)txring);
	wr(VF_TDBAH, (u32)((u64)txring >> 32));
	wr(VF_TDLEN, sizeof(txring));
	wr(VF_TDH, 0);
	wr(VF_TDT, 0);
	wr(VF_TXDCTL, TXDCTL_EN);
}

static void tx_frame(const u8 *dst, const u8 *src, const char *text)
{
	u8 *f = txbuf[tx_next];

	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	memcpy(f + 14, text, strlen(text));
	txring[tx_next] = (struct txd){ (u64)f, 60 | TXD_CMD, 60u << 14 };
	tx_next = (tx_next + 1) % RING;
	wr(VF_TDT, tx_next);
}

/*
 * Send count= frames to each MAC of dst= (comma-separated; default broadcast) with
 * source src= (default ours: a foreign one is a spoof the NIC should drop).
 */
static void send(void)
{
	char dst[128] = "ff:ff:ff:ff:ff:ff", src[24] = "";
	u8 s[6], d[6];
	u64 count = 5;

	arg_str("dst", dst, sizeof(dst));
	arg_u64("count", &count);
	memcpy(s, mac, 6);
	if (arg_str("src", src, sizeof(src)) && !parse_mac(src, s))
		fail("bad src=", 0);
	tx_init();
	for (const char *p = dst; *p; p += 17 + (p[17] == ',')) {
		char to[18];

		memcpy(to, p, 17);
		to[17] = 0;
		if (!parse_mac(p, d)) {
			fail("bad dst=", 0);
			return;
		}
		for (u64 i = 0; i < count; i++) {
			tx_frame(d, s, "sent by mbxtest");
			delay_ms(20);
		}
		printf("mbx: sent %llu frames from %02x:%02x:%02x:%02x:%02x:%02x to %s\n", count,
		       s[0], s[1], s[2], s[3], s[4], s[5], to);
		if (!p[17])
			break;
	}
}

static void rx_init(void)
{
	wr(VF_RXDCTL, 0);
	wr(VF_RDBAL, (u32)(u64)rxring);
	wr(VF_RDBAH, (u32)((u64)rxring >> 32));
	wr(VF_RDLEN, sizeof(rxring));
	wr(VF_SRRCTL, 2 | (1u << 25) | (1u << 31)); /* 2 KiB buffers, advanced, drop when full */
	wr(VF_RDH, 0);
	wr(VF_RDT, 0);
	for (u32 i = 0; i < RING; i++)
		rxring[i] = (struct rxd){ (u64)rxbuf[i], 0, 0, 0 };
	wr(VF_RXDCTL, RXDCTL_EN);
	wr(VF_RDT, RING - 1);
}

/*
 * Receive for listen= ms (after asking for the multicast group mc=, if given) and
 * count our test frames by destination: what the PF's filters let into our pool.
 */
static void receive(void)
{
	char group[24] = "";
	u64 ms = 5000, end, n[3] = { 0, 0, 0 }; /* unicast, broadcast, multicast */
	u32 next = 0;
	u8 g[6];

	arg_u64("listen", &ms);
	if (arg_str("mc", group, sizeof(group)) && parse_mac(group, g)) {
		u32 w[2] = { MSG_SET_MC | MSG_INFO(1), ((g[4] >> 4) | ((u32)g[5] << 4)) & 0xfff };

		if (mbx_call(w, 2) != (w[0] | MSG_ACK | MSG_CTS))
			fail("multicast group refused", w[1]);
	}
	rx_init();
	printf("mbx: listening for %llu ms\n", ms);
	end = rdtsc() + ms * tsc_per_ms();
	while (rdtsc() < end) {
		struct rxd *d = &rxring[next];
		const u8 *f = rxbuf[next];

		if (!(*(volatile u32 *)&d->status & 1))
			continue;
		if (f[12] == ETHERTYPE >> 8 && f[13] == (ETHERTYPE & 0xff))
			n[(f[0] & 1) ? (f[0] == 0xff ? 1 : 2) : 0]++;
		*d = (struct rxd){ (u64)rxbuf[next], 0, 0, 0 };
		wr(VF_RDT, next);
		next = (next + 1) % RING;
	}
	printf("mbx: received unicast %llu broadcast %llu multicast %llu\n", n[0], n[1], n[2]);
}

/* What the partition sees of its VF on its virtual bus (compared with QEMU's `info pci`). */
static void print_vpci(const struct hv_dev_info *d)
{
	volatile u32 *bar = (volatile u32 *)(cfg + 0x10);
	u32 sizes[6];

	for (int i = 0; i < 6; i++) {
		u32 old = bar[i];

		bar[i] = ~0u;
		sizes[i] = bar[i];
		bar[i] = old;
	}
	printf("vpci: 00:%02x.%x %04x:%04x class %06x cmd %04x bar0 %08x%08x size %08x%08x "
	       "bar3 %08x%08x size %08x%08x\n",
	       (d->bdf >> 3) & 0x1f, d->bdf & 7, *(volatile u16 *)cfg, *(volatile u16 *)(cfg + 2),
	       *(volatile u32 *)(cfg + 8) >> 8, *(volatile u16 *)(cfg + CFG_COMMAND), bar[1],
	       bar[0], sizes[1], sizes[0], bar[4], bar[3], sizes[4], sizes[3]);
}

static bool setup(void)
{
	const struct hv_dev_info *d;
	int devs_on_bus = 0;

	if (!boot_info->net.prefix_len || boot_info->net.dev >= boot_info->dev_count) {
		printf("mbx: FAILED: no NIC in the boot information\n");
		return false;
	}
	d = &boot_info->devs[boot_info->net.dev];
	if (map_identity(boot_info->ecam_base, 1 * MiB, true) ||
	    map_identity(d->bars[0].gpa, d->bars[0].size, true))
		return false;
	for (u32 devfn = 0; devfn < 256; devfn++)
		devs_on_bus += *(volatile u32 *)(boot_info->ecam_base + (devfn << 12)) != ~0u;
	cfg = (volatile u8 *)(boot_info->ecam_base + ((u64)(d->bdf & 0xff) << 12));
	regs = (volatile u8 *)d->bars[0].gpa;
	printf("mbx: %s: %d function(s) on the bus, NIC 00:%02x.%x, BAR0 GPA 0x%llx, ip "
	       "%u.%u.%u.%u/%u\n",
	       boot_info->name, devs_on_bus, (d->bdf >> 3) & 0x1f, d->bdf & 7, (u64)d->bars[0].gpa,
	       boot_info->net.ipv4[0], boot_info->net.ipv4[1], boot_info->net.ipv4[2],
	       boot_info->net.ipv4[3], boot_info->net.prefix_len);
	*(volatile u16 *)(cfg + CFG_COMMAND) = 0x6;
	print_vpci(d);
	return true;
}

int main(void)
{
	char mode[16] = "check";
	u64 delay = 0;

	arg_str("mode", mode, sizeof(mode));
	arg_u64("delay", &delay);
	if (!setup())
		return 1;
	delay_ms(delay);
	if (!handshake(false))
		return 1;
	if (!strcmp(mode, "check")) {
		check_all();
		msix_entry();
	} else if (!strcmp(mode, "flood"))
		flood();
	else if (!strcmp(mode, "flr"))
		reset_vf();
	else if (!strcmp(mode, "send"))
		send();
	else if (!strcmp(mode, "rx"))
		receive();
	printf("mbx: %s done, %u failure(s)\n", mode, failures);
	beat_forever(1);
	return failures ? 1 : 0;
}
