// SPDX-License-Identifier: MIT
/* test_net.c: the guests' network stack: ARP, IPv4, ICMP and UDP echo, hostile frames. */
// sources: guests/lib/net.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guests/lib/net.h"

#define OUR_IP  0xc000020bU /* 192.0.2.11 */
#define PEER_IP 0xc0000201U /* 192.0.2.1 */
#define MASK24  0xffffff00U

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x11 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01 };
static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Frames the stack sent. */
static uint8_t sent[8][ETH_FRAME_MAX];
static size_t sent_len[8];
static unsigned nsent;
static int tx_result;
static struct net_if nif;

static int capture(void *ctx, const void *frame, size_t len)
{
	assert_ptr_equal(ctx, &nif);
	assert_true(len >= 14 && len <= ETH_FRAME_MAX);
	if (tx_result < 0)
		return tx_result;
	if (nsent < 8) {
		memcpy(sent[nsent], frame, len);
		sent_len[nsent] = len;
	}
	nsent++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	nsent = 0;
	tx_result = 0;
	net_init(&nif, our_mac, OUR_IP, MASK24, capture, &nif);
	return 0;
}

/* Hand the stack a heap copy of exactly len bytes, so that ASan catches any read past it. */
static void feed(const uint8_t *frame, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, frame, len);
	net_input(&nif, copy, len);
	free(copy);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static void fix_ip_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;

	wr16(ip + 10, 0);
	wr16(ip + 10, net_checksum(ip, hlen, 0));
}

/* Ethernet + IPv4 (hlen bytes, options zero-filled NOPs) + payload; returns the frame length. */
static size_t mk_ip(uint8_t *f, const uint8_t *dst_mac, uint32_t src, uint32_t dst, uint8_t proto,
		    size_t hlen, const uint8_t *payload, size_t plen)
{
	uint8_t *ip = f + 14;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, 0x0800);
	memset(ip, 0, hlen);
	ip[0] = (uint8_t)(0x40 | hlen / 4);
	wr16(ip + 2, (uint16_t)(hlen + plen));
	wr16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	for (size_t i = 20; i < hlen; i++)
		ip[i] = 1; /* NOP options */
	fix_ip_csum(ip);
	memcpy(ip + hlen, payload, plen);
	return 14 + hlen + plen;
}

static size_t mk_ping(uint8_t *f, size_t hlen, size_t data_len)
{
	uint8_t icmp[1600];

	assert_true(8 + data_len <= sizeof(icmp));
	icmp[0] = 8;
	icmp[1] = 0;
	wr16(icmp + 2, 0);
	wr16(icmp + 4, 0xbeef);
	wr16(icmp + 6, 7);
	for (size_t i = 0; i < data_len; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 3);
	wr16(icmp + 2, net_checksum(icmp, 8 + data_len, 0));
	return mk_ip(f, our_mac, PEER_IP, OUR_IP, 1, hlen, icmp, 8 + data_len);
}

static uint32_t pseudo(uint32_t s, uint32_t d, uint16_t len)
{
	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + 17 + len;
}

static size_t mk_udp(uint8_t *f, uint16_t sport, uint16_t dport, const uint8_t *data, size_t n,
		     bool csum)
{
	uint8_t u[1600];

	assert_true(8 + n <= sizeof(u));
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(8 + n));
	wr16(u + 6, 0);
	memcpy(u + 8, data, n);
	if (csum) {
		uint16_t c = net_checksum(u, 8 + n, pseudo(PEER_IP, OUR_IP, (uint16_t)(8 + n)));

		wr16(u + 6, c ? c : 0xffff);
	}
	return mk_ip(f, our_mac, PEER_IP, OUR_IP, 17, 20, u, 8 + n);
}

static size_t mk_arp(uint8_t *f, uint16_t op, uint32_t spa, uint32_t tpa)
{
	uint8_t *a = f + 14;

	memcpy(f, bcast, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, 0x0806);
	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, peer_mac, 6);
	wr32(a + 14, spa);
	memset(a + 18, 0, 6);
	wr32(a + 24, tpa);
	return 14 + 28;
}

static unsigned long long total_drops(void)
{
	unsigned long long n = 0;

	for (int i = 0; i < NET_DROP_COUNT; i++)
		n += nif.c.drops[i];
	return n;
}

/* A reply's IPv4 header: version 4, no options, valid checksum, swapped addresses. */
static void check_reply_ip(const uint8_t *f, size_t len, uint8_t proto)
{
	const uint8_t *ip = f + 14;

	assert_memory_equal(f, peer_mac, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_int_equal(rd16(f + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(rd16(ip + 2), len - 14);
	assert_int_equal(rd16(ip + 6), 0);
	assert_int_equal(ip[9], proto);
	assert_int_equal(net_checksum(ip, 20, 0), 0);
	assert_int_equal(rd32(ip + 12), OUR_IP);
	assert_int_equal(rd32(ip + 16), PEER_IP);
}

static void test_checksum_known_values(void **state)
{
	/* RFC 1071 section 3 example bytes, and an odd length. */
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x01 };

	(void)state;
	assert_int_equal(net_checksum(d, sizeof(d), 0), (uint16_t)~0xddf2);
	assert_int_equal(net_checksum(odd, 1, 0), (uint16_t)~0x0100);
	assert_int_equal(net_checksum(d, 0, 0), 0xffff);
}

static void test_arp_request_for_us_is_answered_and_learned(void **state)
{
	uint8_t f[60] = { 0 };
	const uint8_t *r, *a;

	(void)state;
	mk_arp(f, 1, PEER_IP, OUR_IP);
	feed(f, sizeof(f)); /* padded to 60 bytes, as on the wire */
	assert_int_equal(nsent, 1);
	r = sent[0];
	a = r + 14;
	assert_int_equal(sent_len[0], 60);
	assert_memory_equal(r, peer_mac, 6);
	assert_memory_equal(r + 6, our_mac, 6);
	assert_int_equal(rd16(r + 12), 0x0806);
	assert_int_equal(rd16(a + 6), 2);
	assert_memory_equal(a + 8, our_mac, 6);
	assert_int_equal(rd32(a + 14), OUR_IP);
	assert_memory_equal(a + 18, peer_mac, 6);
	assert_int_equal(rd32(a + 24), PEER_IP);
	assert_non_null(net_arp_lookup(&nif, PEER_IP));
	assert_memory_equal(net_arp_lookup(&nif, PEER_IP), peer_mac, 6);
	assert_int_equal(nif.c.tx_arp_reply, 1);
	assert_int_equal(nif.c.rx_broadcast, 1);
	assert_int_equal(total_drops(), 0);
}

static void test_arp_for_others_and_bogus_arp_dropped(void **state)
{
	uint8_t f[60] = { 0 };

	(void)state;
	mk_arp(f, 1, PEER_IP, OUR_IP + 1);
	feed(f, 60);
	assert_int_equal(nif.c.drops[NET_DROP_ARP_OTHER], 1);
	assert_null(net_arp_lookup(&nif, PEER_IP));
	mk_arp(f, 1, PEER_IP, OUR_IP);
	feed(f, 14 + 27);              /* one byte short */
	mk_arp(f, 3, PEER_IP, OUR_IP); /* RARP opcode */
	feed(f, 60);
	mk_arp(f, 1, OUR_IP, OUR_IP); /* someone claims our address */
	feed(f, 60);
	mk_arp(f, 1, PEER_IP, OUR_IP);
	f[14 + 4] = 8; /* hardware address length */
	feed(f, 60);
	mk_arp(f, 1, PEER_IP, OUR_IP);
	f[14 + 8] = 0x01; /* multicast sender hardware address */
	feed(f, 60);
	assert_int_equal(nif.c.drops[NET_DROP_ARP_BAD], 5);
	assert_int_equal(nsent, 0);
	assert_null(net_arp_lookup(&nif, PEER_IP));
}

static void test_arp_reply_learned_and_cache_replaces_oldest(void **state)
{
	uint8_t f[60] = { 0 };

	(void)state;
	for (uint32_t i = 0; i < NET_ARP_SLOTS + 2; i++) {
		mk_arp(f, 2, 0xc0000220U + i, OUR_IP);
		f[14 + 13] = (uint8_t)i; /* distinct sender MACs */
		feed(f, 60);
	}
	assert_int_equal(nsent, 0);
	assert_int_equal(nif.c.arp_learned, NET_ARP_SLOTS + 2);
	assert_null(net_arp_lookup(&nif, 0xc0000220U));
	assert_null(net_arp_lookup(&nif, 0xc0000221U));
	assert_non_null(net_arp_lookup(&nif, 0xc0000222U));
	assert_int_equal(net_arp_lookup(&nif, 0xc0000220U + NET_ARP_SLOTS + 1)[5],
			 NET_ARP_SLOTS + 1);
	/* Relearning an address updates its slot instead of taking another. */
	mk_arp(f, 2, 0xc0000222U, OUR_IP);
	f[14 + 13] = 0x77;
	feed(f, 60);
	assert_int_equal(nif.c.arp_learned, NET_ARP_SLOTS + 2);
	assert_int_equal(net_arp_lookup(&nif, 0xc0000222U)[5], 0x77);
}

static void test_arp_request_sent(void **state)
{
	(void)state;
	assert_int_equal(net_arp_request(&nif, PEER_IP), 0);
	assert_int_equal(nsent, 1);
	assert_memory_equal(sent[0], bcast, 6);
	assert_int_equal(rd16(sent[0] + 14 + 6), 1);
	assert_int_equal(rd32(sent[0] + 14 + 24), PEER_IP);
	assert_int_equal(nif.c.tx_arp_request, 1);
}

static void test_ping_answered_for_every_size(void **state)
{
	static uint8_t f[1600];

	(void)state;
	for (size_t n = 0; n <= 1472; n += (n < 64 ? 1 : 97)) {
		size_t len = mk_ping(f, 20, n);

		nsent = 0;
		feed(f, len);
		assert_int_equal(nsent, 1);
		assert_int_equal(sent_len[0], len);
		check_reply_ip(sent[0], sent_len[0], 1);
		assert_int_equal(sent[0][34], 0); /* echo reply */
		assert_int_equal(net_checksum(sent[0] + 34, len - 34, 0), 0);
		assert_memory_equal(sent[0] + 38, f + 38, len - 38); /* id, seq, data */
	}
	assert_int_equal(total_drops(), 0);
}

static void test_ping_with_ip_options_answered_without_them(void **state)
{
	uint8_t f[200];
	size_t len = mk_ping(f, 32, 40);

	(void)state;
	feed(f, len);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent_len[0], len - 12);
	check_reply_ip(sent[0], sent_len[0], 1);
	assert_memory_equal(sent[0] + 38, f + 14 + 32 + 4, 4 + 40);
	assert_int_equal(nif.c.rx_ip_options, 1);
}

static void test_ping_padding_and_fcs_ignored(void **state)
{
	uint8_t f[200] = { 0 };
	size_t len = mk_ping(f, 20, 4); /* 46 bytes: the wire pads it to 60 (+ FCS) */

	(void)state;
	memset(f + len, 0xee, 64 - len);
	feed(f, 64);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent_len[0], len);
}

static void test_bad_icmp_dropped(void **state)
{
	uint8_t f[200];
	size_t len;

	(void)state;
	len = mk_ping(f, 20, 16);
	f[40] ^= 1; /* data changed, checksum not */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_ICMP_BAD], 1);
	len = mk_ping(f, 20, 16);
	f[34] = 0; /* an echo reply: not answered */
	wr16(f + 36, 0);
	wr16(f + 36, net_checksum(f + 34, len - 34, 0));
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_ICMP_TYPE], 1);
	len = mk_ip(f, our_mac, PEER_IP, OUR_IP, 1, 20, (const uint8_t *)"\x08\x00\xf7", 3);
	feed(f, len); /* ICMP shorter than its header */
	assert_int_equal(nif.c.drops[NET_DROP_ICMP_BAD], 2);
	assert_int_equal(nsent, 0);
}

static void test_bad_ip_headers_dropped(void **state)
{
	uint8_t f[200];
	size_t len;

	(void)state;
	len = mk_ping(f, 20, 8);
	f[14 + 8]--; /* TTL changed, checksum not */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_IP_CHECKSUM], 1);
	len = mk_ping(f, 20, 8);
	f[14] = 0x65; /* version 6 */
	feed(f, len);
	len = mk_ping(f, 20, 8);
	f[14] = 0x44; /* IHL 4 */
	fix_ip_csum(f + 14);
	feed(f, len);
	len = mk_ping(f, 20, 8);
	f[14] = 0x4f; /* IHL 15: 60 bytes, more than the packet */
	feed(f, 14 + 40);
	feed(f, 14 + 19); /* shorter than an IPv4 header */
	assert_int_equal(nif.c.drops[NET_DROP_IP_HEADER], 4);
	len = mk_ping(f, 20, 8);
	wr16(f + 16, (uint16_t)(len - 14 + 1)); /* total length past the frame */
	fix_ip_csum(f + 14);
	feed(f, len);
	wr16(f + 16, 19); /* total length inside the header */
	fix_ip_csum(f + 14);
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_IP_LENGTH], 2);
	assert_int_equal(nsent, 0);
}

static void test_fragments_dropped_and_counted(void **state)
{
	uint8_t f[200];
	size_t len;

	(void)state;
	len = mk_ping(f, 20, 8);
	wr16(f + 14 + 6, 0x2000); /* more fragments */
	fix_ip_csum(f + 14);
	feed(f, len);
	wr16(f + 14 + 6, 0x0001); /* offset 8 */
	fix_ip_csum(f + 14);
	feed(f, len);
	wr16(f + 14 + 6, 0x4000); /* DF only: a whole packet */
	fix_ip_csum(f + 14);
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_IP_FRAGMENT], 2);
	assert_int_equal(nsent, 1);
}

static void test_addresses_not_ours_or_bogus_sources_dropped(void **state)
{
	uint8_t f[200];
	static const uint32_t bad_src[] = { 0,           0xffffffffU, 0xe0000001U,
					    0x7f000001U, OUR_IP,      0xc00002ffU };
	size_t len;

	(void)state;
	len = mk_ping(f, 20, 8);
	memcpy(f, other_mac, 6); /* unicast to another MAC */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_NOT_OURS], 1);
	f[0] = 0x33; /* IPv6 multicast MAC */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_MULTICAST], 1);
	len = mk_ping(f, 20, 8);
	f[6] |= 1; /* multicast source MAC */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_SOURCE_MAC], 1);
	len = mk_ping(f, 20, 8);
	wr32(f + 14 + 16, OUR_IP + 1);
	fix_ip_csum(f + 14);
	feed(f, len);
	memcpy(f, bcast, 6); /* broadcast ping: not answered */
	wr32(f + 14 + 16, 0xc00002ffU);
	fix_ip_csum(f + 14);
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_IP_NOT_OURS], 2);
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		len = mk_ping(f, 20, 8);
		wr32(f + 14 + 12, bad_src[i]);
		fix_ip_csum(f + 14);
		feed(f, len);
	}
	assert_int_equal(nif.c.drops[NET_DROP_IP_SOURCE], 6);
	len = mk_ip(f, our_mac, PEER_IP, OUR_IP, 6, 20, (const uint8_t *)"tcp!", 4);
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_IP_PROTO], 1);
	f[12] = 0x86; /* IPv6 ethertype */
	f[13] = 0xdd;
	feed(f, len);
	f[12] = 0x81; /* an 802.1Q tag */
	f[13] = 0x00;
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_ETHERTYPE], 2);
	assert_int_equal(nsent, 0);
}

static void test_short_and_oversized_frames(void **state)
{
	static uint8_t f[2000];
	size_t full = mk_ping(f, 20, 1472);
	unsigned long long before;

	(void)state;
	assert_int_equal(full, 1514);
	/* Every truncation of a valid ping: never answered, never read past its end (ASan). */
	for (size_t len = 0; len < full; len++)
		feed(f, len);
	assert_int_equal(nsent, 0);
	assert_int_equal(nif.c.drops[NET_DROP_SHORT], 14);
	assert_int_equal(total_drops(), full);
	feed(f, full);
	assert_int_equal(nsent, 1);
	feed(f, 1600); /* oversized */
	assert_int_equal(nif.c.drops[NET_DROP_OVERSIZE], 1);
	/* An IP packet of 1504 bytes in a 1518-byte frame: its reply would not fit a frame. */
	memset(f, 0, sizeof(f));
	full = mk_ping(f, 20, 1476);
	before = nif.c.drops[NET_DROP_IP_LENGTH];
	feed(f, full);
	assert_int_equal(nif.c.drops[NET_DROP_IP_LENGTH], before + 1);
	assert_int_equal(nsent, 1);
	assert_int_equal(nif.c.rx_frames, 1514 + 3);
}

static void test_udp_echo_every_size_payload_intact(void **state)
{
	static uint8_t f[1600], data[1472];

	(void)state;
	for (size_t n = 0; n <= UDP_PAYLOAD_MAX; n += (n < 40 ? 1 : 61)) {
		for (size_t i = 0; i < n; i++)
			data[i] = (uint8_t)(i ^ n);
		for (int csum = 0; csum < 2; csum++) {
			size_t len = mk_udp(f, 40000, 7, data, n, csum);
			const uint8_t *u;

			nsent = 0;
			feed(f, len);
			assert_int_equal(nsent, 1);
			assert_int_equal(sent_len[0], len);
			check_reply_ip(sent[0], len, 17);
			u = sent[0] + 34;
			assert_int_equal(rd16(u), 7);
			assert_int_equal(rd16(u + 2), 40000);
			assert_int_equal(rd16(u + 4), 8 + n);
			assert_int_not_equal(rd16(u + 6), 0);
			assert_int_equal(
				net_checksum(u, 8 + n, pseudo(OUR_IP, PEER_IP, (uint16_t)(8 + n))),
				0);
			assert_memory_equal(u + 8, data, n);
		}
	}
	assert_int_equal(nif.c.tx_udp_echo, nif.c.rx_udp);
	assert_int_equal(total_drops(), 0);
}

static void test_full_size_udp_echo(void **state)
{
	static uint8_t f[1600], data[UDP_PAYLOAD_MAX];
	size_t len;

	(void)state;
	memset(data, 0x5a, sizeof(data));
	len = mk_udp(f, 1234, 7, data, sizeof(data), true);
	assert_int_equal(len, ETH_FRAME_MAX);
	feed(f, len);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent_len[0], ETH_FRAME_MAX);
}

static void test_bad_udp_dropped(void **state)
{
	uint8_t f[200], data[16] = "0123456789abcdef";
	size_t len;

	(void)state;
	len = mk_udp(f, 5000, 7, data, 16, true);
	f[len - 1] ^= 0x40; /* payload changed, checksum not */
	feed(f, len);
	len = mk_udp(f, 5000, 7, data, 16, false);
	wr16(f + 34 + 4, 8 + 17); /* UDP length past the IP payload */
	feed(f, len);
	wr16(f + 34 + 4, 7); /* shorter than its header */
	feed(f, len);
	len = mk_ip(f, our_mac, PEER_IP, OUR_IP, 17, 20, data, 7); /* 7 bytes of UDP */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_UDP_BAD], 4);
	len = mk_udp(f, 7, 7, data, 16, true); /* echo to echo: would loop */
	feed(f, len);
	len = mk_udp(f, 0, 7, data, 16, true);
	feed(f, len);
	len = mk_udp(f, 5000, 9, data, 16, true); /* no service */
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_UDP_PORT], 3);
	assert_int_equal(nsent, 0);
	/* A UDP length shorter than the IP payload is fine: the datagram ends there. */
	len = mk_udp(f, 5000, 7, data, 16, false);
	wr16(f + 34 + 4, 8 + 10);
	feed(f, len);
	assert_int_equal(nsent, 1);
	assert_int_equal(rd16(sent[0] + 34 + 4), 18);
}

static unsigned hook_calls;

static bool hook(struct net_if *n, const struct net_udp_meta *m, const uint8_t *data, size_t len)
{
	assert_ptr_equal(n, &nif);
	hook_calls++;
	assert_int_equal(m->src_ip, PEER_IP);
	assert_int_equal(m->dst_ip, OUR_IP);
	assert_int_equal(m->src_port, 5555);
	assert_memory_equal(m->src_mac, peer_mac, 6);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "stats", 5);
	return m->dst_port == 7001;
}

static void test_udp_hook_for_other_ports(void **state)
{
	uint8_t f[200];
	size_t len;

	(void)state;
	nif.udp_hook = hook;
	len = mk_udp(f, 5555, 7001, (const uint8_t *)"stats", 5, true);
	feed(f, len);
	len = mk_udp(f, 5555, 7002, (const uint8_t *)"stats", 5, true);
	feed(f, len);
	assert_int_equal(hook_calls, 2);
	assert_int_equal(nif.c.drops[NET_DROP_UDP_PORT], 1);
}

static void test_tx_failure_counted(void **state)
{
	uint8_t f[200];
	size_t len = mk_ping(f, 20, 8);

	(void)state;
	tx_result = -1;
	feed(f, len);
	assert_int_equal(nif.c.drops[NET_DROP_TX], 1);
	assert_int_equal(nif.c.tx_frames, 0);
	assert_int_equal(nif.c.tx_icmp_reply, 0);
}

/* Random bytes and random mutations of valid frames: no crash, no read past the end. */
static void test_random_frames(void **state)
{
	static uint8_t f[1600];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len;

		seed = seed * 1103515245 + 12345;
		len = round & 1 ? mk_udp(f, 4000, 7, f + 800, (seed >> 8) % 200, true)
				: mk_ping(f, 20 + 4 * ((seed >> 4) % 11), (seed >> 8) % 200);
		for (int k = 0; k < 1 + (int)(seed % 4); k++) {
			seed = seed * 1103515245 + 12345;
			f[(seed >> 8) % len] ^= (uint8_t)(1 + (seed >> 20) % 255);
		}
		nsent = 0;
		feed(f, (seed >> 3) % 5 ? len : (seed >> 7) % (len + 1));
		for (unsigned i = 0; i < nsent && i < 8; i++)
			assert_int_equal(net_checksum(sent[i] + 14, 20, 0), 0);
	}
}

static void test_parse_and_format(void **state)
{
	uint8_t mac[6];
	uint32_t ip = 0, mask = 0x11;
	char buf[18];

	(void)state;
	assert_true(net_parse_mac("52:54:00:12:34:1a", mac));
	net_format_mac(buf, mac);
	assert_string_equal(buf, "52:54:00:12:34:1a");
	assert_true(net_parse_mac("52:54:00:12:34:1A", mac));
	assert_false(net_parse_mac("52:54:00:12:34", mac));
	assert_false(net_parse_mac("52:54:00:12:34:1a:", mac));
	assert_false(net_parse_mac("52-54-00-12-34-1a", mac));
	assert_false(net_parse_mac("52:54:00:12:34:1g", mac));
	assert_false(net_parse_mac("", mac));
	assert_true(net_parse_ipv4("192.0.2.11", &ip, &mask));
	assert_int_equal(ip, OUR_IP);
	assert_int_equal(mask, 0x11); /* no prefix: unchanged */
	assert_true(net_parse_ipv4("10.1.2.3/8", &ip, &mask));
	assert_int_equal(ip, 0x0a010203);
	assert_int_equal(mask, 0xff000000U);
	assert_true(net_parse_ipv4("0.0.0.0/0", &ip, &mask));
	assert_int_equal(mask, 0);
	assert_true(net_parse_ipv4("1.2.3.4/32", &ip, &mask));
	assert_int_equal(mask, 0xffffffffU);
	assert_false(net_parse_ipv4("1.2.3.4/33", &ip, &mask));
	assert_false(net_parse_ipv4("1.2.3.4/", &ip, &mask));
	assert_false(net_parse_ipv4("1.2.3.4/24", &ip, NULL));
	assert_false(net_parse_ipv4("256.1.1.1", &ip, &mask));
	assert_false(net_parse_ipv4("1.2.3", &ip, &mask));
	assert_false(net_parse_ipv4("1.2.3.4.5", &ip, &mask));
	assert_false(net_parse_ipv4("1..2.3", &ip, &mask));
	assert_false(net_parse_ipv4("1.2.3.4x", &ip, &mask));
	assert_false(net_parse_ipv4("1234.2.3.4", &ip, &mask));
	net_format_ipv4(buf, 0xc00002ffU);
	assert_string_equal(buf, "192.0.2.255");
	assert_string_equal(net_drop_name(NET_DROP_IP_FRAGMENT), "ip_fragment");
	assert_string_equal(net_drop_name(NET_DROP_COUNT), "?");
	for (int i = 0; i < NET_DROP_COUNT; i++)
		assert_non_null(net_drop_name((enum net_drop)i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checksum_known_values, setup),
		cmocka_unit_test_setup(test_arp_request_for_us_is_answered_and_learned, setup),
		cmocka_unit_test_setup(test_arp_for_others_and_bogus_arp_dropped, setup),
		cmocka_unit_test_setup(test_arp_reply_learned_and_cache_replaces_oldest, setup),
		cmocka_unit_test_setup(test_arp_request_sent, setup),
		cmocka_unit_test_setup(test_ping_answered_for_every_size, setup),
		cmocka_unit_test_setup(test_ping_with_ip_options_answered_without_them, setup),
		cmocka_unit_test_setup(test_ping_padding_and_fcs_ignored, setup),
		cmocka_unit_test_setup(test_bad_icmp_dropped, setup),
		cmocka_unit_test_setup(test_bad_ip_headers_dropped, setup),
		cmocka_unit_test_setup(test_fragments_dropped_and_counted, setup),
		cmocka_unit_test_setup(test_addresses_not_ours_or_bogus_sources_dropped, setup),
		cmocka_unit_test_setup(test_short_and_oversized_frames, setup),
		cmocka_unit_test_setup(test_udp_echo_every_size_payload_intact, setup),
		cmocka_unit_test_setup(test_full_size_udp_echo, setup),
		cmocka_unit_test_setup(test_bad_udp_dropped, setup),
		cmocka_unit_test_setup(test_udp_hook_for_other_ports, setup),
		cmocka_unit_test_setup(test_tx_failure_counted, setup),
		cmocka_unit_test_setup(test_random_frames, setup),
		cmocka_unit_test_setup(test_parse_and_format, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
