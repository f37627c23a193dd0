// SPDX-License-Identifier: MIT
/*
 * net.c: Ethernet, ARP, IPv4, ICMP echo and UDP echo for the minimal guests.
 * Headers are read and written byte by byte at checked offsets (network byte
 * order, no alignment assumptions); a reply is built in nif->frame and never
 * aliases the received frame.
 */
#include "guests/lib/net.h"
#include "guests/lib/guest.h"

/* Ethernet II header */
#define ETH_DST  0
#define ETH_SRC  6
#define ETH_TYPE 12
/* ARP for Ethernet/IPv4 (RFC 826), after the Ethernet header */
#define ARP_HTYPE      0
#define ARP_PTYPE      2
#define ARP_HLEN       4
#define ARP_PLEN       5
#define ARP_OPER       6
#define ARP_SHA        8
#define ARP_SPA        14
#define ARP_THA        18
#define ARP_TPA        24
#define ARP_LEN        28
#define ARP_HTYPE_ETH  1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2
/* IPv4 header (RFC 791 3.1) */
#define IP_VER_IHL  0
#define IP_TOTLEN   2
#define IP_ID       4
#define IP_FRAG     6
#define IP_FRAG_MF  0x2000 /* more fragments */
#define IP_FRAG_OFF 0x1fff /* fragment offset */
#define IP_TTL      8
#define IP_PROTO    9
#define IP_CSUM     10
#define IP_SRC      12
#define IP_DST      16
#define IP_TTL_OUT  64
/* ICMP (RFC 792) */
#define ICMP_TYPE       0
#define ICMP_CSUM       2
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO       8
/* UDP (RFC 768) */
#define UDP_SPORT 0
#define UDP_DPORT 2
#define UDP_LEN   4
#define UDP_CSUM  6

static const uint8_t eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static const char *const drop_names[NET_DROP_COUNT] = {
	[NET_DROP_SHORT] = "short",
	[NET_DROP_OVERSIZE] = "oversize",
	[NET_DROP_NOT_OURS] = "not_ours",
	[NET_DROP_MULTICAST] = "multicast",
	[NET_DROP_SOURCE_MAC] = "src_mac",
	[NET_DROP_ETHERTYPE] = "ethertype",
	[NET_DROP_ARP_BAD] = "arp_bad",
	[NET_DROP_ARP_OTHER] = "arp_other",
	[NET_DROP_IP_HEADER] = "ip_header",
	[NET_DROP_IP_LENGTH] = "ip_length",
	[NET_DROP_IP_CHECKSUM] = "ip_checksum",
	[NET_DROP_IP_FRAGMENT] = "ip_fragment",
	[NET_DROP_IP_NOT_OURS] = "ip_not_ours",
	[NET_DROP_IP_SOURCE] = "ip_source",
	[NET_DROP_IP_PROTO] = "ip_proto",
	[NET_DROP_ICMP_BAD] = "icmp_bad",
	[NET_DROP_ICMP_TYPE] = "icmp_type",
	[NET_DROP_UDP_BAD] = "udp_bad",
	[NET_DROP_UDP_PORT] = "udp_port",
	[NET_DROP_TX] = "tx",
};

const char *net_drop_name(enum net_drop why)
{
	return (unsigned)why < NET_DROP_COUNT ? drop_names[why] : "?";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Sum of 16-bit big-endian words (odd tail padded with zero), not folded. */
static uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffU) + (s >> 32);
	return (uint32_t)s;
}

uint16_t net_checksum(const void *data, size_t len, uint32_t sum)
{
	uint32_t s = csum_add(data, len, sum);

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The UDP pseudo-header's contribution (RFC 768). */
static uint32_t udp_pseudo(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + IP_PROTO_UDP + udp_len;
}

static void drop(struct net_if *nif, enum net_drop why)
{
	nif->c.drops[why]++;
}

void net_init(struct net_if *nif, const uint8_t mac[ETH_ALEN], uint32_t ip, uint32_t netmask,
	      net_tx_fn tx, void *tx_ctx)
{
	memset(nif, 0, sizeof(*nif));
	memcpy(nif->mac, mac, ETH_ALEN);
	nif->ip = ip;
	nif->netmask = netmask;
	nif->tx = tx;
	nif->tx_ctx = tx_ctx;
}

static int xmit(struct net_if *nif, const uint8_t *frame, size_t len)
{
	if (nif->tx(nif->tx_ctx, frame, len) < 0) {
		drop(nif, NET_DROP_TX);
		return -1;
	}
	nif->c.tx_frames++;
	nif->c.tx_bytes += len;
	return 0;
}

static void eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f + ETH_DST, dst, ETH_ALEN);
	memcpy(f + ETH_SRC, src, ETH_ALEN);
	put16(f + ETH_TYPE, type);
}

/* A 20-byte IPv4 header without options at ip; payload_len bytes follow it. */
static void ip_header(uint8_t *ip, uint16_t id, uint8_t proto, uint32_t src, uint32_t dst,
		      size_t payload_len)
{
	ip[IP_VER_IHL] = 0x45;
	ip[1] = 0;
	put16(ip + IP_TOTLEN, (uint16_t)(IPV4_HLEN + payload_len));
	put16(ip + IP_ID, id);
	put16(ip + IP_FRAG, 0);
	ip[IP_TTL] = IP_TTL_OUT;
	ip[IP_PROTO] = proto;
	put16(ip + IP_CSUM, 0);
	put32(ip + IP_SRC, src);
	put32(ip + IP_DST, dst);
	put16(ip + IP_CSUM, net_checksum(ip, IPV4_HLEN, 0));
}

/* --- ARP --- */

const uint8_t *net_arp_lookup(const struct net_if *nif, uint32_t ip)
{
	for (unsigned i = 0; i < NET_ARP_SLOTS; i++)
		if (ip && nif->arp[i].ip == ip)
			return nif->arp[i].mac;
	return NULL;
}

/* Remember ip -> mac: update its entry, else take a free or the oldest slot. */
static void arp_learn(struct net_if *nif, uint32_t ip, const uint8_t *mac)
{
	struct net_arp_entry *e = &nif->arp[0];

	for (unsigned i = 0; i < NET_ARP_SLOTS; i++) {
		if (nif->arp[i].ip == ip) {
			e = &nif->arp[i];
			break;
		}
		if (e->ip && (!nif->arp[i].ip || nif->arp[i].stamp < e->stamp))
			e = &nif->arp[i];
	}
	if (e->ip != ip)
		nif->c.arp_learned++;
	e->ip = ip;
	memcpy(e->mac, mac, ETH_ALEN);
	e->stamp = ++nif->arp_clock;
}

static int arp_send(struct net_if *nif, uint16_t op, const uint8_t *dst_mac, const uint8_t *tha,
		    uint32_t tpa)
{
	uint8_t *f = nif->frame, *a = f + ETH_HLEN;

	eth_header(f, dst_mac, nif->mac, ETH_P_ARP);
	put16(a + ARP_HTYPE, ARP_HTYPE_ETH);
	put16(a + ARP_PTYPE, ETH_P_IPV4);
	a[ARP_HLEN] = ETH_ALEN;
	a[ARP_PLEN] = 4;
	put16(a + ARP_OPER, op);
	memcpy(a + ARP_SHA, nif->mac, ETH_ALEN);
	put32(a + ARP_SPA, nif->ip);
	memcpy(a + ARP_THA, tha, ETH_ALEN);
	put32(a + ARP_TPA, tpa);
	memset(a + ARP_LEN, 0, 60 - ETH_HLEN - ARP_LEN); /* pad to the 60-byte minimum */
	return xmit(nif, f, 60);
}

int net_arp_request(struct net_if *nif, uint32_t ip)
{
	static const uint8_t zero[ETH_ALEN];
	int r = arp_send(nif, ARP_OP_REQUEST, eth_broadcast, zero, ip);

	if (!r)
		nif->c.tx_arp_request++;
	return r;
}

static bool mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1; /* group bit; broadcast included */
}

static void arp_input(struct net_if *nif, const uint8_t *src_mac, const uint8_t *a, size_t len)
{
	uint32_t spa, tpa;
	uint16_t op;

	nif->c.rx_arp++;
	if (len < ARP_LEN || get16(a + ARP_HTYPE) != ARP_HTYPE_ETH ||
	    get16(a + ARP_PTYPE) != ETH_P_IPV4 || a[ARP_HLEN] != ETH_ALEN || a[ARP_PLEN] != 4)
		return drop(nif, NET_DROP_ARP_BAD);
	op = get16(a + ARP_OPER);
	spa = get32(a + ARP_SPA);
	tpa = get32(a + ARP_TPA);
	if (mac_is_multicast(a + ARP_SHA) || spa == nif->ip || spa == 0xffffffffU ||
	    (op != ARP_OP_REQUEST && op != ARP_OP_REPLY))
		return drop(nif, NET_DROP_ARP_BAD);
	if (tpa != nif->ip || !nif->ip)
		return drop(nif, NET_DROP_ARP_OTHER);
	if (spa)
		arp_learn(nif, spa, a + ARP_SHA);
	if (op == ARP_OP_REQUEST && !arp_send(nif, ARP_OP_REPLY, src_mac, a + ARP_SHA, spa))
		nif->c.tx_arp_reply++;
}

/* --- ICMP --- */

static void icmp_input(struct net_if *nif, const uint8_t *src_mac, uint32_t src, const uint8_t *m,
		       size_t len)
{
	uint8_t *f = nif->frame, *ip = f + ETH_HLEN, *icmp = ip + IPV4_HLEN;

	nif->c.rx_icmp++;
	if (len < ICMP_HLEN || net_checksum(m, len, 0) != 0)
		return drop(nif, NET_DROP_ICMP_BAD);
	if (m[ICMP_TYPE] != ICMP_ECHO || m[1] != 0)
		return drop(nif, NET_DROP_ICMP_TYPE);
	/* len <= ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN: the IP layer checked the frame's size. */
	eth_header(f, src_mac, nif->mac, ETH_P_IPV4);
	memcpy(icmp, m, len);
	icmp[ICMP_TYPE] = ICMP_ECHO_REPLY;
	put16(icmp + ICMP_CSUM, 0);
	put16(icmp + ICMP_CSUM, net_checksum(icmp, len, 0));
	ip_header(ip, nif->ip_id++, IP_PROTO_ICMP, nif->ip, src, len);
	if (!xmit(nif, f, ETH_HLEN + IPV4_HLEN + len))
		nif->c.tx_icmp_reply++;
}

/* --- UDP --- */

size_t net_build_udp(uint8_t *buf, const struct net_udp_hdrs *h, const void *data, size_t len)
{
	uint8_t *ip = buf + ETH_HLEN, *u = ip + IPV4_HLEN;
	uint16_t ulen = (uint16_t)(UDP_HLEN + len), sum;

	if (len > UDP_PAYLOAD_MAX)
		return 0;
	eth_header(buf, h->dst_mac, h->src_mac, ETH_P_IPV4);
	put16(u + UDP_SPORT, h->src_port);
	put16(u + UDP_DPORT, h->dst_port);
	put16(u + UDP_LEN, ulen);
	put16(u + UDP_CSUM, 0);
	memcpy(u + UDP_HLEN, data, len);
	sum = net_checksum(u, ulen, udp_pseudo(h->src_ip, h->dst_ip, ulen));
	put16(u + UDP_CSUM, sum ? sum : 0xffff); /* 0 means "no checksum" */
	ip_header(ip, h->ip_id, IP_PROTO_UDP, h->src_ip, h->dst_ip, ulen);
	return ETH_HLEN + IPV4_HLEN + ulen;
}

int net_udp_send(struct net_if *nif, const uint8_t dst_mac[ETH_ALEN], uint32_t dst_ip,
		 uint16_t src_port, uint16_t dst_port, const void *data, size_t len)
{
	struct net_udp_hdrs h = { nif->mac, dst_mac, nif->ip, dst_ip, src_port, dst_port, 0 };
	size_t n;

	h.ip_id = nif->ip_id++;
	n = net_build_udp(nif->frame, &h, data, len);
	if (!n)
		return -1;
	if (xmit(nif, nif->frame, n))
		return -1;
	nif->c.tx_udp++;
	return 0;
}

static void udp_input(struct net_if *nif, const uint8_t *src_mac, uint32_t src, uint32_t dst,
		      const uint8_t *u, size_t len)
{
	struct net_udp_meta m = { .src_ip = src, .dst_ip = dst };
	size_t ulen;

	nif->c.rx_udp++;
	if (len < UDP_HLEN)
		return drop(nif, NET_DROP_UDP_BAD);
	ulen = get16(u + UDP_LEN);
	if (ulen < UDP_HLEN || ulen > len)
		return drop(nif, NET_DROP_UDP_BAD);
	if (get16(u + UDP_CSUM) && net_checksum(u, ulen, udp_pseudo(src, dst, (uint16_t)ulen)) != 0)
		return drop(nif, NET_DROP_UDP_BAD);
	memcpy(m.src_mac, src_mac, ETH_ALEN);
	m.src_port = get16(u + UDP_SPORT);
	m.dst_port = get16(u + UDP_DPORT);
	if (m.dst_port == UDP_PORT_ECHO) {
		/* Never echo to an echo port or port 0: two echo servers would loop forever. */
		if (m.src_port == UDP_PORT_ECHO || m.src_port == 0)
			return drop(nif, NET_DROP_UDP_PORT);
		if (!net_udp_send(nif, src_mac, src, UDP_PORT_ECHO, m.src_port, u + UDP_HLEN,
				  ulen - UDP_HLEN))
			nif->c.tx_udp_echo++;
		return;
	}
	if (!nif->udp_hook || !nif->udp_hook(nif, &m, u + UDP_HLEN, ulen - UDP_HLEN))
		drop(nif, NET_DROP_UDP_PORT);
}

/* --- IPv4 --- */

static bool ip_source_ok(const struct net_if *nif, uint32_t src)
{
	uint32_t bcast = (nif->ip & nif->netmask) | ~nif->netmask;

	return src && src != 0xffffffffU && src != nif->ip && (src >> 28) != 0xe &&
	       (src >> 24) != 127 && !(nif->netmask && src == bcast);
}

static void ipv4_input(struct net_if *nif, const uint8_t *src_mac, const uint8_t *ip, size_t len)
{
	size_t hlen, total;
	uint32_t src, dst;

	nif->c.rx_ipv4++;
	if (len < IPV4_HLEN || ip[IP_VER_IHL] >> 4 != 4)
		return drop(nif, NET_DROP_IP_HEADER);
	hlen = (size_t)(ip[IP_VER_IHL] & 0xf) * 4;
	if (hlen < IPV4_HLEN || hlen > len)
		return drop(nif, NET_DROP_IP_HEADER);
	total = get16(ip + IP_TOTLEN);
	/* len may exceed total (padding, FCS); a reply must fit one frame. */
	if (total < hlen || total > len || total > ETH_FRAME_MAX - ETH_HLEN)
		return drop(nif, NET_DROP_IP_LENGTH);
	if (net_checksum(ip, hlen, 0) != 0)
		return drop(nif, NET_DROP_IP_CHECKSUM);
	if (get16(ip + IP_FRAG) & (IP_FRAG_MF | IP_FRAG_OFF))
		return drop(nif, NET_DROP_IP_FRAGMENT);
	src = get32(ip + IP_SRC);
	dst = get32(ip + IP_DST);
	if (dst != nif->ip || !nif->ip)
		return drop(nif, NET_DROP_IP_NOT_OURS);
	if (!ip_source_ok(nif, src))
		return drop(nif, NET_DROP_IP_SOURCE);
	if (hlen > IPV4_HLEN)
		nif->c.rx_ip_options++; /* skipped, never echoed back */
	if (ip[IP_PROTO] == IP_PROTO_ICMP)
		icmp_input(nif, src_mac, src, ip + hlen, total - hlen);
	else if (ip[IP_PROTO] == IP_PROTO_UDP)
		udp_input(nif, src_mac, src, dst, ip + hlen, total - hlen);
	else
		drop(nif, NET_DROP_IP_PROTO);
}

/* --- Ethernet --- */

void net_input(struct net_if *nif, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	nif->c.rx_frames++;
	nif->c.rx_bytes += len;
	if (len < ETH_HLEN)
		return drop(nif, NET_DROP_SHORT);
	/* A 4-byte FCS may still be there when the NIC keeps it: tolerated, never read. */
	if (len > ETH_FRAME_MAX + 4)
		return drop(nif, NET_DROP_OVERSIZE);
	if (!memcmp(f + ETH_DST, eth_broadcast, ETH_ALEN))
		nif->c.rx_broadcast++;
	else if (mac_is_multicast(f + ETH_DST))
		return drop(nif, NET_DROP_MULTICAST);
	else if (memcmp(f + ETH_DST, nif->mac, ETH_ALEN))
		return drop(nif, NET_DROP_NOT_OURS);
	if (mac_is_multicast(f + ETH_SRC))
		return drop(nif, NET_DROP_SOURCE_MAC);
	switch (get16(f + ETH_TYPE)) {
	case ETH_P_ARP:
		return arp_input(nif, f + ETH_SRC, f + ETH_HLEN, len - ETH_HLEN);
	case ETH_P_IPV4:
		return ipv4_input(nif, f + ETH_SRC, f + ETH_HLEN, len - ETH_HLEN);
	default:
		return drop(nif, NET_DROP_ETHERTYPE);
	}
}

/* --- text --- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool net_parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	for (int i = 0; i < ETH_ALEN; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || s[2] != (i == ETH_ALEN - 1 ? '\0' : ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return true;
}

/* A decimal number 0..max of at most 3 digits; advances *s past it. */
static bool parse_dec(const char **s, unsigned max, unsigned *out)
{
	unsigned v = 0, n = 0;

	for (; **s >= '0' && **s <= '9' && n < 3; (*s)++, n++)
		v = v * 10 + (unsigned)(**s - '0');
	if (!n || v > max)
		return false;
	*out = v;
	return true;
}

bool net_parse_ipv4(const char *s, uint32_t *ip, uint32_t *netmask)
{
	uint32_t v = 0, mask = 0;
	unsigned part;
	bool prefix = false;

	for (int i = 0; i < 4; i++) {
		if (!parse_dec(&s, 255, &part))
			return false;
		v = v << 8 | part;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s == '/') {
		s++;
		if (!netmask || !parse_dec(&s, 32, &part))
			return false;
		mask = part ? ~0U << (32 - part) : 0;
		prefix = true;
	}
	if (*s)
		return false;
	*ip = v;
	if (prefix)
		*netmask = mask;
	return true;
}

void net_format_mac(char buf[18], const uint8_t mac[ETH_ALEN])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < ETH_ALEN; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 0xf];
		buf[3 * i + 2] = i == ETH_ALEN - 1 ? '\0' : ':';
	}
}

void net_format_ipv4(char buf[16], uint32_t ip)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}
