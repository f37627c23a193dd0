// SPDX-License-Identifier: MIT
/*
 * mbxtest.c: a mailbox-only VF guest for tests/qemu/test_igb.py. It finds its
 * VF in the boot information, prints its virtual PCI view, does the igbvf
 * reset handshake with the PF and then, by mode=:
 *   check    (default) every message type, good and bad, each answer checked
 *   beat     SET_LPE every beat= ms, "mbx: beat N ok" (a VF next to a storm or an FLR)
 *   flood    REQ as fast as it can for flood= ms, then waits and checks it is heard again
 *   flr      an FLR through its virtual PCI Device Control (reset=vtctrl: its CTRL.RST),
 *            then the handshake again, then beats
 *   spoof    sends frames with a foreign source MAC (src=) from its own queue
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

static bool beat_once(void)
{
	u32 w[2] = { MSG_SET_LPE, 1522 };

	return mbx_call(w, 2) == (MSG_SET_LPE | MSG_ACK | MSG_CTS);
}

static void beat_forever(u64 n0)
{
	u64 ms = 500;

	arg_u64("beat", &ms);
	for (u64 n = n0;; n++) {
		delay_ms(ms);
		if (beat_once())
			printf("mbx: beat %llu ok\n", n);
		else
			fail("beat: no answer", rd(VF_V2P));
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
	if (beat_once())
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
		*(volatile u16 *)(cfg + CFG_COMMAND) = 0x6; /* memory decode and bus mastering again */
	} else {
		fail("no PCI Express capability", 0);
	}
	delay_ms(50);
	if (handshake(false))
		printf("mbx: handshake again after the reset ok\n");
}

/* Advanced transmit descriptor, one buffer. */
struct txd {
	u64 addr;
	u32 cmd;
	u32 status;
};

/* Send frames whose source MAC is src= (not ours): the NIC's anti-spoofing should drop them. */
static void spoof(void)
{
	static struct txd ring[8] __attribute__((aligned(128)));
	static u8 frame[64] __attribute__((aligned(64)));
	char src[24] = "52:54:00:12:34:11";
	u64 count = 5;

	arg_str("src", src, sizeof(src));
	arg_u64("count", &count);
	memset(frame, 0xff, 6); /* broadcast */
	for (int i = 0; i < 6; i++) {
		bool ok;

		frame[6 + i] = (u8)parse_num(((char[5]){ '0', 'x', src[3 * i], src[3 * i + 1], 0 }),
					     &ok);
	}
	frame[12] = 0x88;
	frame[13] = 0xb5;
	memcpy(frame + 14, "spoofed by mbxtest", 18);
	wr(VF_TXDCTL, 0);
	wr(VF_TDBAL, (u32)(u64)ring);
	wr(VF_TDBAH, 0);
	wr(VF_TDLEN, sizeof(ring));
	wr(VF_TDH, 0);
	wr(VF_TDT, 0);
	wr(VF_TXDCTL, TXDCTL_EN);
	for (u32 i = 0; i < count && i < 8; i++) {
		ring[i] = (struct txd){ (u64)frame, 60 | 0x00300000 | (1u << 29) | (1u << 25) |
							   (1u << 24) | (1u << 27),
					60u << 14 };
		wr(VF_TDT, i + 1);
		delay_ms(20);
	}
	printf("mbx: sent %llu frames from %s (done: %u)\n", count, src, ring[0].status & 1);
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
	}
	else if (!strcmp(mode, "flood"))
		flood();
	else if (!strcmp(mode, "flr"))
		reset_vf();
	else if (!strcmp(mode, "spoof"))
		spoof();
	printf("mbx: %s done, %u failure(s)\n", mode, failures);
	beat_forever(1);
	return 0;
}
