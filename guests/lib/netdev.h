/* SPDX-License-Identifier: MIT */
/*
 * netdev.h: the one interface the guests' network code uses to reach its NIC,
 * whichever the partition has: its SR-IOV VF (igbvf.c) or the hypervisor's
 * paravirtual NIC (pvnet.c). The stack (net.c) and the traffic generator
 * (netbench.c) run unchanged on either; a call through the table costs the
 * same on both, so benchmarks compare drivers, not glue.
 */
#ifndef GUESTS_LIB_NETDEV_H
#define GUESTS_LIB_NETDEV_H

#include "guests/lib/guest.h"

struct igbvf;
struct pvnet;
struct netdev;

typedef void (*netdev_rx_fn)(void *ctx, const u8 *frame, size_t len);

/* Counters every driver has. */
struct netdev_stats {
	u64 rx_frames, tx_frames; /* the driver's */
	u64 tx_full;              /* a frame found its ring full */
	u64 rx_bad;               /* dropped: spanning buffers (VF), error status (pv) */
	u64 nic_rx, nic_tx; /* the other side's count: the VF's NIC counters, the hypervisor's */
	u64 nic_tx_dropped; /* pv: frames the hypervisor refused (spoofed, bad) */
};

struct netdev_ops {
	int (*up)(struct netdev *nd); /* (re)start; sets nd->mac */
	int (*tx)(struct netdev *nd, const void *frame, size_t len);
	int (*rx_poll)(struct netdev *nd, netdev_rx_fn fn, void *ctx, int budget);
	int (*service)(struct netdev *nd, bool check); /* 1: it must be brought up again */
	bool (*link_up)(struct netdev *nd);
	void (*stats)(struct netdev *nd, struct netdev_stats *s);
};

struct netdev {
	const struct netdev_ops *ops;
	const char *kind; /* "vf" or "pv" */
	u8 mac[6];
	struct igbvf *vf; /* the driver's own state: one of these */
	struct pvnet *pv;
};

/* The VF at devfn on the partition's bus (igbvf_probe). 0 or the driver's negative error. */
int netdev_vf(struct netdev *nd, struct igbvf *vf, u8 devfn);

/* The paravirtual NIC the boot information names (pvnet_probe). 0 or negative. */
int netdev_pv(struct netdev *nd, struct pvnet *pv);

static inline int netdev_up(struct netdev *nd)
{
	return nd->ops->up(nd);
}

static inline int netdev_tx(struct netdev *nd, const void *frame, size_t len)
{
	return nd->ops->tx(nd, frame, len);
}

static inline int netdev_rx_poll(struct netdev *nd, netdev_rx_fn fn, void *ctx, int budget)
{
	return nd->ops->rx_poll(nd, fn, ctx, budget);
}

static inline int netdev_service(struct netdev *nd, bool check)
{
	return nd->ops->service(nd, check);
}

static inline bool netdev_link_up(struct netdev *nd)
{
	return nd->ops->link_up(nd);
}

static inline void netdev_stats(struct netdev *nd, struct netdev_stats *s)
{
	nd->ops->stats(nd, s);
}

#endif
