// SPDX-License-Identifier: MIT
/*
 * netctl.c: mode=net of the hostile guest. It drives its own VF like the
 * network guest (guests/net.c): answers ARP, ping and UDP echo, so the peer
 * can see it is alive, and takes one attack per datagram on UDP port 7001
 * ("dma_rx 0x200000", "msr", ...; see vf.c and cpu.c). Each is run from the
 * main loop, never from inside the receive path, and answered with one line.
 */
#include "guests/attack/attack.h"
#include "guests/lib/pci.h"

#define CTL_PORT     7001
#define SERVICE_MS   100
#define CHECK_MS     2000
#define UP_RETRY_MS  2000
#define UP_SETTLE_MS 300
#define PEER_IP      0xc0000201U /* 192.0.2.1 */

struct igbvf att_vf;
struct net_if att_nif;

static struct {
	bool pending;
	char cmd[128];
	struct net_udp_meta from;
} ctl;

void reply_add(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (r->len > sizeof(r->text) - 1)
		r->len = sizeof(r->text) - 1;
}

char *next_word(char **s)
{
	char *w = *s;

	while (*w == ' ')
		w++;
	*s = w;
	while (**s && **s != ' ')
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return w;
}

u64 next_num(char **s, u64 def)
{
	char *w = next_word(s);
	bool ok;
	u64 v;

	if (!*w)
		return def;
	v = parse_num(w, &ok);
	return ok ? v : def;
}

static int vf_tx(void *ctx, const void *frame, size_t len)
{
	return igbvf_tx(ctx, frame, len);
}

static void on_frame(void *ctx, const u8 *frame, size_t len)
{
	net_input(ctx, frame, len);
}

static bool ctl_datagram(struct net_if *n, const struct net_udp_meta *m, const u8 *data, size_t len)
{
	(void)n;
	if (m->dst_port != CTL_PORT)
		return false;
	if (!ctl.pending) {
		len = len < sizeof(ctl.cmd) ? len : sizeof(ctl.cmd) - 1;
		memcpy(ctl.cmd, data, len);
		ctl.cmd[len] = '\0';
		ctl.from = *m;
		ctl.pending = true;
	}
	return true;
}

static const struct attack_cmd *ctl_find(const struct attack_cmd *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Run the pending command and answer it (also printed, so the log shows every attack). */
static void ctl_run(void)
{
	static struct reply r;
	char *arg = ctl.cmd, *name = next_word(&arg);
	const struct attack_cmd *c = ctl_find(vf_cmds, name);

	if (!c)
		c = ctl_find(cpu_cmds, name);
	r.len = 0;
	r.text[0] = '\0';
	printf("attack: command %s %s\n", name, arg);
	if (c)
		c->fn(arg, &r);
	else
		reply_add(&r, "unknown command %s", name);
	printf("attack: %s: %s\n", name, r.text);
	net_udp_send(&att_nif, ctl.from.src_mac, ctl.from.src_ip, CTL_PORT, ctl.from.src_port,
		     r.text, r.len);
	ctl.pending = false;
}

void attack_vf_up(void)
{
	int r;

	while ((r = igbvf_up(&att_vf)) != 0) {
		printf("attack: VF bring-up failed (%d); retrying\n", r);
		delay_ms(UP_RETRY_MS);
	}
	memcpy(att_nif.mac, att_vf.mac, 6);
	/*
	 * QEMU's VF keeps a half-sent frame across a reset (after a ring the NIC could
	 * not read): a throwaway ARP request goes first, so the next reply is whole.
	 */
	net_arp_request(&att_nif, PEER_IP);
	net_poll_for(UP_SETTLE_MS);
}

static void service(u64 now, u64 *next, u64 *check)
{
	bool chk = now >= *check;

	if (now < *next)
		return;
	*next = now + SERVICE_MS * tsc_per_ms();
	if (chk)
		*check = now + CHECK_MS * tsc_per_ms();
	if (igbvf_service(&att_vf, chk)) {
		printf("attack: the PF reset us or forgot us; bringing the VF up again\n");
		attack_vf_up();
	}
	if (att_vf.escape.done) {
		printf("attack: dma_rx: descriptor %u came back, status 0x%x length %u\n",
		       att_vf.escape.idx, att_vf.escape.status, att_vf.escape.length);
		att_vf.escape.done = false;
	}
}

void net_poll_for(u64 ms)
{
	u64 end = rdtsc() + ms * tsc_per_ms();

	while (rdtsc() < end)
		if (!igbvf_rx_poll(&att_vf, on_frame, &att_nif, 32))
			cpu_relax();
}

/* Our address: the boot information's (the network plan's), else 192.0.2.(11 + part_id). */
static void net_address(u32 *ip, u32 *mask)
{
	const struct hv_net_info *ni = &boot_info->net;

	*ip = 0xc0000200U + 11 + boot_info->part_id;
	*mask = 0xffffff00U;
	if (ni->prefix_len >= 1 && ni->prefix_len <= 32) {
		*ip = (u32)ni->ipv4[0] << 24 | (u32)ni->ipv4[1] << 16 | (u32)ni->ipv4[2] << 8 |
		      ni->ipv4[3];
		*mask = ~0U << (32 - ni->prefix_len);
	}
}

int attack_net(void)
{
	const struct hv_net_info *ni = &boot_info->net;
	u64 now = rdtsc(), next = now, check = now;
	u32 ip, mask;
	int r;

	if (ni->dev >= boot_info->dev_count || ni->dev >= HV_MAX_DEVICES) {
		printf("attack: no VF given (vf= on the module line)\n");
		return 1;
	}
	r = igbvf_probe(&att_vf, (u8)(boot_info->devs[ni->dev].bdf & 0xff));
	if (r) {
		printf("attack: cannot take the VF (%d)\n", r);
		return 1;
	}
	net_address(&ip, &mask);
	net_init(&att_nif, att_vf.mac, ip, mask, vf_tx, &att_vf);
	att_nif.udp_hook = ctl_datagram;
	attack_vf_up();
	printf("attack: net up, commands on UDP port %u\n", CTL_PORT);
	for (;;) {
		if (!igbvf_rx_poll(&att_vf, on_frame, &att_nif, 32))
			cpu_relax();
		if (ctl.pending)
			ctl_run();
		now = rdtsc();
		service(now, &next, &check);
	}
	return 0;
}
