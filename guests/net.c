// SPDX-License-Identifier: MIT
/*
 * net.c: the network partition. Brings up the partition's SR-IOV VF (guests/
 * lib/igbvf.c), prints its MAC and address, and answers ARP, ICMP echo and UDP
 * echo (port 7) forever by polling, printing counters every stats= ms.
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
 * handshake, as if the PF had forgotten us). guests/README.md has details.
 */
#include "guests/lib/apic.h"
#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/msix.h"
#include "guests/lib/net.h"
#include "guests/lib/pci.h"

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

static int vf_tx(void *ctx, const void *frame, size_t len)
{
	return igbvf_tx(ctx, frame, len);
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
	size_t n;

	n = (size_t)snprintf(buf, size,
			     "rx=%llu rx_bytes=%llu tx=%llu tx_bytes=%llu bcast=%llu arp=%llu "
			     "ipv4=%llu icmp=%llu udp=%llu ip_options=%llu arp_replies=%llu "
			     "echo_replies=%llu udp_echoes=%llu nic_rx=%u nic_tx=%u vf_rx=%llu "
			     "vf_tx=%llu rx_spanning=%llu tx_full=%llu pf_msgs=%llu irqs=%llu",
			     c->rx_frames, c->rx_bytes, c->tx_frames, c->tx_bytes, c->rx_broadcast,
			     c->rx_arp, c->rx_ipv4, c->rx_icmp, c->rx_udp, c->rx_ip_options,
			     c->tx_arp_reply, c->tx_icmp_reply, c->tx_udp_echo,
			     igbvf_hw_rx_packets(&vf), igbvf_hw_tx_packets(&vf), vf.st.rx_frames,
			     vf.st.tx_frames, vf.st.rx_spanning, vf.st.tx_full, vf.st.pf_msgs,
			     (u64)rx_irqs);
	for (int i = 0; i < NET_DROP_COUNT && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " drop_%s=%llu",
				      net_drop_name((enum net_drop)i), c->drops[i]);
	return n < size ? n : size - 1;
}

static void stats_print(void)
{
	const struct net_counters *c = &nif.c;

	printf("net: stats rx %llu tx %llu arp %llu icmp %llu udp %llu drops %llu nic_rx %u "
	       "nic_tx %u irqs %llu\n",
	       c->rx_frames, c->tx_frames, c->rx_arp, c->rx_icmp, c->rx_udp, drops_total(),
	       igbvf_hw_rx_packets(&vf), igbvf_hw_tx_packets(&vf), (u64)rx_irqs);
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
			igbvf_rx_poll(&vf, on_frame, &nif, 32);
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
		sent += n && !igbvf_tx(&vf, frame, n);
	}
	printf("net: spoof: sent %d frames with source MAC %s\n", sent, a);
	return sent == SPOOF_FRAMES ? "sent" : "error";
}

static const char *dma_escape(u64 gpa)
{
	int r = igbvf_aim_rx(&vf, gpa);

	printf("net: dma_escape: RX descriptor %u aimed at GPA 0x%llx%s\n", vf.escape.idx, gpa,
	       r ? " failed" : "");
	return r ? "error" : "armed";
}

static void escape_report(void)
{
	printf("net: dma_escape: descriptor %u came back, status 0x%x length %u\n", vf.escape.idx,
	       vf.escape.status, vf.escape.length);
	vf.escape.done = false;
}

static void announce(const char *how)
{
	char m[18], ip[16];
	u32 prefix = 0;

	for (u32 mask = nif.netmask; mask; mask <<= 1)
		prefix++;
	net_format_mac(m, vf.mac);
	net_format_ipv4(ip, nif.ip);
	printf("net: %s mac %s ip %s/%u\n", how, m, ip, prefix);
}

/* Bring the VF up (again), retrying until the PF answers. */
static void vf_up(int (*how)(struct igbvf *), const char *what)
{
	int r;

	while ((r = how(&vf)) != 0) {
		printf("net: VF bring-up failed: %s; retrying\n", igbvf_err(r));
		delay_ms(UP_RETRY_MS);
		how = igbvf_up;
	}
	memcpy(nif.mac, vf.mac, 6);
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

	if (!strcmp(how, "quiet")) {
		quiet_reset = true; /* after the reply: the VF cannot send once reset */
		return "reset quiet";
	}
	if (!flr && strcmp(how, "ctrl") && strcmp(how, "1"))
		return "bad reset kind";
	printf("net: reset_vf: %s\n", flr ? "function-level reset" : "VF software reset");
	vf_up(flr ? igbvf_flr : igbvf_up, "up again:");
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
	if (igbvf_service(&vf, check)) {
		printf("net: the PF reset us or forgot us; bringing the VF up again\n");
		vf_up(igbvf_up, "up again:");
	}
	if (igbvf_link_up(&vf) != *link) {
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
	bool link = igbvf_link_up(&vf);

	printf("net: link %s\n", link ? "up" : "down");
	for (;;) {
		int n = igbvf_rx_poll(&vf, on_frame, &nif, 32);

		ctl_poll();
		if (vf.escape.done)
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

	if (mac_zero(boot_info->net.mac) || !memcmp(boot_info->net.mac, vf.mac, 6))
		return;
	net_format_mac(a, vf.mac);
	net_format_mac(b, boot_info->net.mac);
	printf("net: the PF gave MAC %s, the boot information says %s\n", a, b);
}

int main(void)
{
	u64 stats_ms = 10000, ctl_on = 0;
	char mode[8];
	int devfn = find_nic(), r;
	u32 ip, mask;

	arg_u64("stats", &stats_ms);
	arg_u64("ctl", &ctl_on);
	ctl_enabled = ctl_on != 0;
	irq_mode = arg_str("irq", mode, sizeof(mode)) && !strcmp(mode, "msix");
	net_config(&ip, &mask);
	r = devfn < 0 ? -IGBVF_ENODEV : igbvf_probe(&vf, (u8)devfn);
	if (r) {
		printf("net: no usable VF (%s): %u function(s) on the bus\n", igbvf_err(r),
		       boot_info->dev_count);
		return 1;
	}
	printf("net: VF at 00:%02x.%x, BAR 0 at 0x%llx (%llu KiB)\n", vf.devfn >> 3, vf.devfn & 7,
	       vf.bar0, vf.bar0_size >> 10);
	net_init(&nif, vf.mac, ip, mask, vf_tx, &vf);
	if (irq_mode && irq_setup()) {
		printf("net: interrupt mode unavailable (no MSI-X or APIC): polling\n");
		irq_mode = false;
	}
	nif.udp_hook = ctl_datagram;
	vf_up(igbvf_up, "up");
	check_mac();
	test_modes();
	serve(stats_ms);
	return 0;
}
