// SPDX-License-Identifier: MIT
/*
 * net.c: the network partition. Brings up the partition's NIC, its SR-IOV VF
 * (guests/lib/igbvf.c) or the hypervisor's paravirtual NIC (guests/lib/pvnet.c)
 * as the boot information says, through one interface (guests/lib/netdev.h),
 * prints its MAC and address, and answers ARP, ICMP echo and UDP echo (port 7)
 * forever by polling, printing counters every stats= ms.
 *
 * Command line (after "--"): ip=A.B.C.D[/len] (default 192.0.2.(11 + part_id)/24,
 * the network plan), peer= (192.0.2.1), vf=N (the Nth VF it owns, 0), stats=MS
 * (10000; 0: never), ctl=1 (accept test commands on UDP port 7001), irq=msix
 * (wait with HLT for the VF's receive interrupt, MSI-X entry 0, instead of
 * polling; a 100 ms APIC timer still wakes it for the PF). Test modes,
 * run once the VF is up (after delay= ms): askmac=MAC (ask the PF for a foreign
 * MAC: expect a NACK), spoof=MAC (send frames to the peer with that source MAC),
 * dma_escape=GPA (aim an RX descriptor outside our RAM: VT-d must fault),
 * reset_vf=ctrl|flr (reset the VF, come back up; quiet: reset it without the
 * handshake, as if the PF had forgotten us). askmac, dma_escape and reset_vf
 * need a VF. guests/README.md has details.
 */
#include "guests/lib/apic.h"
#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/msix.h"
#include "guests/lib/net.h"
#include "guests/lib/netdev.h"
#include "guests/lib/pci.h"
#include "guests/lib/pvnet.h"

#define CTL_PORT     7001
#define SPOOF_PORT   9 /* discard: the peer captures, nothing answers */
#define SERVICE_MS   100
#define CHECK_MS     2000 /* igbvf's watchdog period */
#define SPOOF_FRAMES 5
#define UP_RETRY_MS  2000
#define VEC_RX       0x41 /* the VF's receive interrupt (irq=msix) */
#define VEC_TICK     0x30 /* the APIC timer, every SERVICE_MS (irq=msix) */
#define RX_ENTRY     0    /* the VF's MSI-X entry for RX queue 0 */

static struct igbvf vf;
static struct pvnet pv;
static struct netdev nd; /* one of the two */
static struct net_if nif;
static u32 peer_ip = 0xc0000201U; /* 192.0.2.1 */
static bool ctl_enabled;
static bool irq_mode;        /* irq=msix */
static volatile u64 rx_irqs; /* receive interrupts taken */

static const char *igbvf_err(int r)
{
	static const char *const names[] = { "ok",
					     "no VF",
					     "timeout (no answer from the PF)",
					     "NACK",
					     "protocol error",
					     "out of memory",
					     "invalid argument" };

	return (unsigned)-r < ARRAY_SIZE(names) ? names[-r] : "error";
}

static int dev_tx(void *ctx, const void *frame, size_t len)
{
	return netdev_tx(ctx, frame, len);
}

static bool have_vf(void)
{
	return nd.vf != NULL;
}

static void on_frame(void *ctx, const u8 *frame, size_t len)
{
	net_input(ctx, frame, len);
}

/* --- counters --- */

static u64 drops_total(void)
{
	u64 n = 0;

	for (int i = 0; i < NET_DROP_COUNT; i++)
		n += nif.c.drops[i];
	return n;
}

/* All counters as "key=value" words (the reply to "stats"). */
static size_t stats_text(char *buf, size_t size)
{
	const struct net_counters *c = &nif.c;
	struct netdev_stats d;
	size_t n;

	netdev_stats(&nd, &d);
	n = (size_t)snprintf(
		buf, size,
		"rx=%llu rx_bytes=%llu tx=%llu tx_bytes=%llu bcast=%llu arp=%llu "
		"ipv4=%llu icmp=%llu udp=%llu ip_options=%llu arp_replies=%llu "
		"echo_replies=%llu udp_echoes=%llu nic_rx=%llu nic_tx=%llu dev_rx=%llu "
		"dev_tx=%llu dev_rx_bad=%llu tx_full=%llu pf_msgs=%llu nic_tx_dropped=%llu irqs=%llu",
		c->rx_frames, c->rx_bytes, c->tx_frames, c->tx_bytes, c->rx_broadcast, c->rx_arp,
		c->rx_ipv4, c->rx_icmp, c->rx_udp, c->rx_ip_options, c->tx_arp_reply,
		c->tx_icmp_reply, c->tx_udp_echo, d.nic_rx, d.nic_tx, d.rx_frames, d.tx_frames,
		d.rx_bad, d.tx_full, have_vf() ? vf.st.pf_msgs : 0, d.nic_tx_dropped, (u64)rx_irqs);
	for (int i = 0; i < NET_DROP_COUNT && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " drop_%s=%llu",
				      net_drop_name((enum net_drop)i), c->drops[i]);
	return n < size ? n : size - 1;
}

static void stats_print(void)
{
	const struct net_counters *c = &nif.c;
	struct netdev_stats d;

	netdev_stats(&nd, &d);
	printf("net: stats rx %llu tx %llu arp %llu icmp %llu udp %llu drops %llu nic_rx %llu "
	       "nic_tx %llu irqs %llu\n",
	       c->rx_frames, c->tx_frames, c->rx_arp, c->rx_icmp, c->rx_udp, drops_total(),
	       d.nic_rx, d.nic_tx, (u64)rx_irqs);
	for (int i = 0; i < NET_DROP_COUNT; i++)
		if (c->drops[i])
			printf("net: drop %s %llu\n", net_drop_name((enum net_drop)i), c->drops[i]);
}

/* --- test modes --- */

/* Ask the PF for another MAC; the answer: "ack" (we use it), "nack" or "error". */
static const char *askmac(const char *text)
{
	u8 mac[6];
	char want[18], have[18];
	int r;

	if (!net_parse_mac(text, mac))
		return "bad MAC";
	if (!have_vf())
		return "not a VF";
	r = igbvf_set_mac(&vf, mac);
	if (!r)
		memcpy(nif.mac, mac, 6);
	net_format_mac(want, mac);
	net_format_mac(have, vf.mac);
	printf("net: askmac %s: %s (MAC %s)\n", want,
	       r == -IGBVF_ENACK ? "NACK" : (r ? igbvf_err(r) : "ACK"), have);
	if (r == -IGBVF_ENACK)
		return "nack";
	return r ? "error" : "ack";
}

/* Send SPOOF_FRAMES UDP frames to the peer with a foreign source MAC (ARP the peer first). */
static const char *spoof(const char *text)
{
	struct net_udp_hdrs h = {
		.src_ip = nif.ip, .dst_ip = peer_ip, .src_port = 4444, .dst_port = SPOOF_PORT
	};
	static u8 frame[ETH_FRAME_MAX];
	u8 mac[6];
	char a[18], msg[64];
	int sent = 0;

	if (!net_parse_mac(text, mac))
		return "bad MAC";
	for (int i = 0; i < 20 && !net_arp_lookup(&nif, peer_ip); i++) {
		net_arp_request(&nif, peer_ip);
		for (u64 end = rdtsc() + 100 * tsc_per_ms(); rdtsc() < end;)
			netdev_rx_poll(&nd, on_frame, &nif, 32);
	}
	h.src_mac = mac;
	h.dst_mac = net_arp_lookup(&nif, peer_ip);
	if (!h.dst_mac)
		return "peer unknown";
	net_format_mac(a, mac);
	for (int i = 0; i < SPOOF_FRAMES; i++) {
		size_t n = (size_t)snprintf(msg, sizeof(msg), "spoof from %s as %s #%d",
					    boot_info->name, a, i);

		h.ip_id = nif.ip_id++;
		n = net_build_udp(frame, &h, msg, n);
		sent += n && !netdev_tx(&nd, frame, n);
	}
	printf("net: spoof: sent %d frames with source MAC %s\n", sent, a);
	return sent == SPOOF_FRAMES ? "sent" : "error";
}

/* Aim the next RX descriptor outside our RAM: at the NIC's DMA (VF) or the hypervisor's copy (pv). */
static const char *dma_escape(u64 gpa)
{
	int r = have_vf() ? igbvf_aim_rx(&vf, gpa) : pvnet_aim_rx(&pv, gpa);
	u32 idx = have_vf() ? vf.escape.idx : pv.escape.index;

	printf("net: dma_escape: RX descriptor %u aimed at GPA 0x%llx%s\n", idx, gpa,
	       r ? " failed" : "");
	return r ? "error" : "armed";
}

static bool escape_done(void)
{
	return have_vf() ? vf.escape.done : pv.escape.done;
}

static void escape_report(void)
{
	if (have_vf()) {
		printf("net: dma_escape: descriptor %u came back, status 0x%x length %u\n",
		       vf.escape.idx, vf.escape.status, vf.escape.length);
		vf.escape.done = false;
	} else {
		printf("net: dma_escape: descriptor %u came back, status 0x%x\n", pv.escape.index,
		       pv.escape.status);
		pv.escape.done = false;
	}
}

/* pv only: a TX descriptor naming any address and length; the hypervisor's verdict. */
static const char *tx_raw(char *arg)
{
	static char reply[32];
	char *len = arg;
	bool ok1, ok2;
	u64 gpa, n;
	int r;

	while (*len && *len != ' ')
		len++;
	if (*len)
		*len++ = '\0';
	gpa = parse_num(arg, &ok1);
	n = parse_num(len, &ok2);
	if (!ok1 || !ok2 || n > 0xffffffffULL)
		return "bad arguments";
	if (have_vf())
		return "not a pv NIC";
	r = pvnet_tx_raw(&pv, gpa, (u32)n);
	printf("net: txraw GPA 0x%llx length %llu: status %d\n", gpa, n, r);
	snprintf(reply, sizeof(reply), "status %d", r);
	return reply;
}

static void announce(const char *how)
{
	char m[18], ip[16];
	u32 prefix = 0;

	for (u32 mask = nif.netmask; mask; mask <<= 1)
		prefix++;
	net_format_mac(m, nd.mac);
	net_format_ipv4(ip, nif.ip);
	printf("net: %s mac %s ip %s/%u\n", how, m, ip, prefix);
}

/* Bring the NIC up (again), retrying until it answers; flr: a VF's function-level reset first. */
static void dev_up(bool flr, const char *what)
{
	int r;

	while ((r = flr ? igbvf_flr(&vf) : netdev_up(&nd)) != 0) {
		printf("net: %s bring-up failed: %s; retrying\n", nd.kind,
		       have_vf() ? igbvf_err(r) : "no pv NIC");
		delay_ms(UP_RETRY_MS);
		flr = false;
	}
	if (have_vf())
		memcpy(nd.mac, vf.mac, 6);
	memcpy(nif.mac, nd.mac, 6);
	if (irq_mode)
		igbvf_rx_irq(&vf, RX_ENTRY); /* the reset cleared the VF's interrupt setup */
	announce(what);
}

/* --- interrupt mode (irq=msix) --- */

static void on_rx_irq(u32 v)
{
	(void)v;
	rx_irqs++;
	apic_eoi();
}

static void on_tick(u32 v)
{
	(void)v;
	apic_eoi();
}

/* The APIC, the receive vector on MSI-X entry RX_ENTRY, and a wake-up every SERVICE_MS. */
static int irq_setup(void)
{
	irq_set_handler(VEC_RX, on_rx_irq);
	irq_set_handler(VEC_TICK, on_tick);
	if (apic_init(true) || msix_route(vf.devfn, RX_ENTRY, VEC_RX, apic_id()))
		return -1;
	apic_timer(VEC_TICK, SERVICE_MS * 1000000U, true);
	printf("net: interrupt mode: MSI-X entry %u, vector 0x%x, APIC ID %u\n", RX_ENTRY, VEC_RX,
	       apic_id());
	return 0;
}

static bool quiet_reset;

/* Reset the VF without the handshake, as if the PF had forgotten us: the link check notices. */
static void reset_quiet(void)
{
	quiet_reset = false;
	printf("net: reset_vf: VF software reset, the PF not told\n");
	igbvf_reset_quiet(&vf);
}

static const char *reset_vf(const char *how)
{
	bool flr = !strcmp(how, "flr");

	if (!have_vf())
		return "not a VF";
	if (!strcmp(how, "quiet")) {
		quiet_reset = true; /* after the reply: the VF cannot send once reset */
		return "reset quiet";
	}
	if (!flr && strcmp(how, "ctrl") && strcmp(how, "1"))
		return "bad reset kind";
	printf("net: reset_vf: %s\n", flr ? "function-level reset" : "VF software reset");
	dev_up(flr, "up again:");
	return "reset done";
}

/* --- control port (ctl=1): one command per datagram, the reply says how it went --- */

static const char *ctl_run(char *cmd)
{
	char *arg = cmd;

	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = '\0';
	if (!strcmp(cmd, "askmac"))
		return askmac(arg);
	if (!strcmp(cmd, "spoof"))
		return spoof(arg);
	if (!strcmp(cmd, "escape")) {
		bool ok;
		u64 v = parse_num(arg, &ok);

		return ok ? dma_escape(v) : "bad address";
	}
	if (!strcmp(cmd, "reset"))
		return reset_vf(arg);
	if (!strcmp(cmd, "txraw"))
		return tx_raw(arg);
	if (!strcmp(cmd, "stop")) {
		printf("net: stopping (%llu receive interrupts)\n", (u64)rx_irqs);
		hv_shutdown(0);
	}
	return "unknown command";
}

/* A command waits here until the receive loop has returned: it may poll or reset the rings. */
static struct {
	bool pending;
	char cmd[64];
	struct net_udp_meta from;
} ctl;

static void ctl_reply(const struct net_udp_meta *to, const char *text, size_t len)
{
	net_udp_send(&nif, to->src_mac, to->src_ip, CTL_PORT, to->src_port, text, len);
}

static bool ctl_datagram(struct net_if *n, const struct net_udp_meta *m, const u8 *data, size_t len)
{
	(void)n;
	if (m->dst_port != CTL_PORT)
		return false;
	if (len == 5 && !memcmp(data, "stats", 5)) {
		static char reply[1400];

		ctl_reply(m, reply, stats_text(reply, sizeof(reply)));
	} else if (!ctl_enabled) {
		ctl_reply(m, "commands are off (ctl=1)", 24);
	} else if (!ctl.pending) {
		len = len < sizeof(ctl.cmd) ? len : sizeof(ctl.cmd) - 1;
		memcpy(ctl.cmd, data, len);
		ctl.cmd[len] = '\0';
		ctl.from = *m;
		ctl.pending = true;
	}
	return true;
}

static void ctl_poll(void)
{
	const char *res;

	if (!ctl.pending)
		return;
	res = ctl_run(ctl.cmd);
	ctl_reply(&ctl.from, res, strlen(res));
	ctl.pending = false;
	if (quiet_reset)
		reset_quiet();
}

/* --- start-up --- */

static bool mac_zero(const u8 *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/*
 * Our address: ip= on our command line, else the boot information's (ip= on
 * the module line, or the plan's there), else the plan's for our index.
 */
static void net_config(u32 *ip, u32 *mask)
{
	const struct hv_net_info *ni = &boot_info->net;
	char buf[32];

	*ip = 0xc0000200U + 11 + boot_info->part_id;
	*mask = 0xffffff00U;
	if (ni->prefix_len >= 1 && ni->prefix_len <= 32) {
		*ip = (u32)ni->ipv4[0] << 24 | (u32)ni->ipv4[1] << 16 | (u32)ni->ipv4[2] << 8 |
		      ni->ipv4[3];
		*mask = ~0U << (32 - ni->prefix_len);
	}
	if (arg_str("ip", buf, sizeof(buf)) && !net_parse_ipv4(buf, ip, mask))
		printf("net: bad ip=%s, keeping the planned address\n", buf);
	if (arg_str("peer", buf, sizeof(buf)) && !net_parse_ipv4(buf, &peer_ip, NULL))
		printf("net: bad peer=%s\n", buf);
}

/* The NIC: vf=N (our Nth VF) if given, else the one the hypervisor names, else our first VF. */
static int find_nic(void)
{
	const struct hv_net_info *ni = &boot_info->net;
	u64 nth = 0;

	if (!arg_u64("vf", &nth) && !mac_zero(ni->mac) && ni->dev < boot_info->dev_count &&
	    ni->dev < HV_MAX_DEVICES)
		return boot_info->devs[ni->dev].bdf & 0xff;
	return pci_find(IGBVF_VENDOR, IGBVF_DEVICE, (unsigned)nth);
}

static void test_modes(void)
{
	char buf[32];
	u64 v = 0;

	if (arg_u64("delay", &v))
		delay_ms(v);
	if (arg_str("askmac", buf, sizeof(buf)))
		askmac(buf);
	if (arg_str("spoof", buf, sizeof(buf)))
		spoof(buf);
	if (arg_u64("dma_escape", &v))
		dma_escape(v);
	if (arg_str("reset_vf", buf, sizeof(buf)))
		reset_vf(buf);
	if (quiet_reset)
		reset_quiet();
}

/* Every SERVICE_MS: PF messages and resets (with igbvf's link check every CHECK_MS), the link. */
static void service(bool check, bool *link)
{
	if (netdev_service(&nd, check)) {
		printf("net: the PF reset us or forgot us; bringing the VF up again\n");
		dev_up(false, "up again:");
	}
	if (netdev_link_up(&nd) != *link) {
		*link = !*link;
		printf("net: link %s\n", *link ? "up" : "down");
	}
}

/* Poll the receive ring forever; between frames, commands, the PF and the counters. */
static void serve(u64 stats_ms)
{
	u64 per_ms = tsc_per_ms(), now = rdtsc();
	u64 next_service = now, next_check = now + CHECK_MS * per_ms;
	u64 next_stats = now + stats_ms * per_ms;
	bool link = netdev_link_up(&nd);

	printf("net: link %s\n", link ? "up" : "down");
	for (;;) {
		int n = netdev_rx_poll(&nd, on_frame, &nif, 32);

		ctl_poll();
		if (escape_done())
			escape_report();
		now = rdtsc();
		if (now >= next_service) {
			bool check = now >= next_check;

			next_service = now + SERVICE_MS * per_ms;
			if (check)
				next_check = now + CHECK_MS * per_ms;
			service(check, &link);
		}
		if (stats_ms && now >= next_stats) {
			next_stats = now + stats_ms * per_ms;
			stats_print();
		}
		if (!n && irq_mode)
			irq_wait(); /* until a frame, or the next tick */
		else if (!n)
			cpu_relax();
	}
}

/* The PF's answer is the MAC; say so if it differs from the one the plan announced. */
static void check_mac(void)
{
	char a[18], b[18];

	if (mac_zero(boot_info->net.mac) || !memcmp(boot_info->net.mac, nd.mac, 6))
		return;
	net_format_mac(a, nd.mac);
	net_format_mac(b, boot_info->net.mac);
	printf("net: the PF gave MAC %s, the boot information says %s\n", a, b);
}

/* The partition's NIC: the pv NIC when the boot information says so, else its VF. */
static int open_nic(void)
{
	int devfn, r;

	if (boot_info->net.kind == HV_NET_PV) {
		r = netdev_pv(&nd, &pv);
		if (r)
			printf("net: no usable pv NIC (error %d)\n", r);
		else
			printf("net: pv NIC, rings at 0x%llx\n", (u64)boot_info->pvnet.gpa);
		return r;
	}
	devfn = find_nic();
	r = devfn < 0 ? -IGBVF_ENODEV : netdev_vf(&nd, &vf, (u8)devfn);
	if (r)
		printf("net: no usable VF (%s): %u function(s) on the bus\n", igbvf_err(r),
		       boot_info->dev_count);
	else
		printf("net: VF at 00:%02x.%x, BAR 0 at 0x%llx (%llu KiB)\n", vf.devfn >> 3,
		       vf.devfn & 7, vf.bar0, vf.bar0_size >> 10);
	return r;
}

int main(void)
{
	u64 stats_ms = 10000, ctl_on = 0;
	char mode[8];
	u32 ip, mask;

	arg_u64("stats", &stats_ms);
	arg_u64("ctl", &ctl_on);
	ctl_enabled = ctl_on != 0;
	irq_mode = arg_str("irq", mode, sizeof(mode)) && !strcmp(mode, "msix");
	net_config(&ip, &mask);
	if (open_nic())
		return 1;
	net_init(&nif, nd.mac, ip, mask, dev_tx, &nd);
	if (irq_mode && (!have_vf() || irq_setup())) {
		printf("net: interrupt mode unavailable (%s): polling\n",
		       have_vf() ? "no MSI-X or APIC" : "a pv NIC has no interrupt");
		irq_mode = false;
	}
	nif.udp_hook = ctl_datagram;
	dev_up(false, "up");
	check_mac();
	test_modes();
	serve(stats_ms);
	return 0;
}
