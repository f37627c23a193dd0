/* SPDX-License-Identifier: MIT */
/*
 * net.h: the guests' tiny network stack: Ethernet II, ARP (RFC 826), IPv4
 * (RFC 791, no fragments, options skipped), ICMP echo (RFC 792) and UDP
 * (RFC 768) echo on port 7 (RFC 862). Pure packet logic: frames come in
 * through net_input() and go out through the interface's transmit callback,
 * so it runs unchanged in cmocka on the host (tests/unit/test_net.c).
 * Every frame is untrusted: lengths are checked before every read.
 */
#ifndef GUESTS_LIB_NET_H
#define GUESTS_LIB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN        6
#define ETH_HLEN        14
#define ETH_FRAME_MAX   1514 /* without FCS: 1500-byte MTU */
#define ETH_P_IPV4      0x0800
#define ETH_P_ARP       0x0806
#define IPV4_HLEN       20
#define UDP_HLEN        8
#define ICMP_HLEN       8
#define UDP_PAYLOAD_MAX (ETH_FRAME_MAX - ETH_HLEN - IPV4_HLEN - UDP_HLEN) /* 1472 */
#define IP_PROTO_ICMP   1
#define IP_PROTO_UDP    17
#define UDP_PORT_ECHO   7
#define NET_ARP_SLOTS   8

/* Why a frame was dropped; counted in net_counters.drops[] (names: net_drop_name()). */
enum net_drop {
	NET_DROP_SHORT,      /* shorter than an Ethernet header */
	NET_DROP_OVERSIZE,   /* longer than ETH_FRAME_MAX */
	NET_DROP_NOT_OURS,   /* unicast to another MAC */
	NET_DROP_MULTICAST,  /* multicast MAC (we join no group) */
	NET_DROP_SOURCE_MAC, /* a multicast source MAC */
	NET_DROP_ETHERTYPE,  /* not IPv4 or ARP (VLAN tags included) */
	NET_DROP_ARP_BAD,    /* ARP not Ethernet/IPv4, short, or a bogus sender */
	NET_DROP_ARP_OTHER,  /* ARP for another address */
	NET_DROP_IP_HEADER,  /* version, header length */
	NET_DROP_IP_LENGTH,  /* total length against header and frame */
	NET_DROP_IP_CHECKSUM,
	NET_DROP_IP_FRAGMENT, /* MF or a fragment offset: not reassembled */
	NET_DROP_IP_NOT_OURS, /* destination is not our address */
	NET_DROP_IP_SOURCE,   /* source 0, broadcast, multicast, loopback or ours */
	NET_DROP_IP_PROTO,    /* neither ICMP nor UDP */
	NET_DROP_ICMP_BAD,    /* short or bad checksum */
	NET_DROP_ICMP_TYPE,   /* not an echo request */
	NET_DROP_UDP_BAD,     /* short, bad length or bad checksum */
	NET_DROP_UDP_PORT,    /* no service on that port (or an echo-to-echo loop) */
	NET_DROP_TX,          /* our reply could not be sent */
	NET_DROP_COUNT
};

struct net_counters {
	unsigned long long rx_frames, rx_bytes; /* every frame handed to net_input() */
	unsigned long long tx_frames, tx_bytes; /* every frame the transmit callback accepted */
	unsigned long long rx_broadcast, rx_arp, rx_ipv4, rx_ip_options, rx_icmp, rx_udp;
	unsigned long long tx_arp_reply, tx_arp_request, tx_icmp_reply, tx_udp_echo, tx_udp;
	unsigned long long arp_learned;
	unsigned long long drops[NET_DROP_COUNT];
};

struct net_arp_entry {
	uint32_t ip; /* 0: free */
	uint8_t mac[ETH_ALEN];
	uint32_t stamp; /* for least-recently-learned replacement */
};

struct net_if;

/* Send one frame (len <= ETH_FRAME_MAX); 0 when queued, negative when not. */
typedef int (*net_tx_fn)(void *ctx, const void *frame, size_t len);

/* A UDP datagram for us, already checked. */
struct net_udp_meta {
	uint8_t src_mac[ETH_ALEN];
	uint32_t src_ip, dst_ip; /* host byte order */
	uint16_t src_port, dst_port;
};

/* Ports other than 7: return true if handled (else the datagram counts as NET_DROP_UDP_PORT). */
typedef bool (*net_udp_fn)(struct net_if *nif, const struct net_udp_meta *m, const uint8_t *data,
			   size_t len);

struct net_if {
	uint8_t mac[ETH_ALEN];
	uint32_t ip, netmask; /* host byte order */
	net_tx_fn tx;
	void *tx_ctx;
	net_udp_fn udp_hook; /* optional */
	void *hook_ctx;
	uint16_t ip_id;
	uint32_t arp_clock;
	struct net_arp_entry arp[NET_ARP_SLOTS];
	struct net_counters c;
	uint8_t frame[ETH_FRAME_MAX]; /* replies are built here */
};

void net_init(struct net_if *nif, const uint8_t mac[ETH_ALEN], uint32_t ip, uint32_t netmask,
	      net_tx_fn tx, void *tx_ctx);

/* Handle one received frame (its bytes are read, never written or kept). */
void net_input(struct net_if *nif, const void *frame, size_t len);

/* ARP: the cached MAC of ip (NULL if unknown), or broadcast a request for it (0 or negative). */
const uint8_t *net_arp_lookup(const struct net_if *nif, uint32_t ip);
int net_arp_request(struct net_if *nif, uint32_t ip);

/* Send a UDP datagram (len <= UDP_PAYLOAD_MAX) from our MAC/IP; 0 or negative. */
int net_udp_send(struct net_if *nif, const uint8_t dst_mac[ETH_ALEN], uint32_t dst_ip,
		 uint16_t src_port, uint16_t dst_port, const void *data, size_t len);

/*
 * Build an Ethernet/IPv4/UDP frame into buf (at least ETH_FRAME_MAX bytes) with
 * any source MAC and IP; returns its length, or 0 if len > UDP_PAYLOAD_MAX.
 */
struct net_udp_hdrs {
	const uint8_t *src_mac, *dst_mac;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port, ip_id;
};
size_t net_build_udp(uint8_t *buf, const struct net_udp_hdrs *h, const void *data, size_t len);

/* The Internet checksum (RFC 1071) of data, folded, starting from a partial sum. */
uint16_t net_checksum(const void *data, size_t len, uint32_t sum);

const char *net_drop_name(enum net_drop why);

/* Text helpers: "52:54:00:12:34:11", "192.0.2.11" (host order), "192.0.2.11/24". */
bool net_parse_mac(const char *s, uint8_t mac[ETH_ALEN]);
bool net_parse_ipv4(const char *s, uint32_t *ip, uint32_t *netmask);
void net_format_mac(char buf[18], const uint8_t mac[ETH_ALEN]);
void net_format_ipv4(char buf[16], uint32_t ip);

#endif
