// SPDX-License-Identifier: MIT
/* netdev.c: the two drivers behind guests/lib/netdev.h. */
#include "guests/lib/netdev.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/pvnet.h"

/* --- the SR-IOV VF --- */

static int vf_up(struct netdev *nd)
{
	int r = igbvf_up(nd->vf);

	if (!r)
		memcpy(nd->mac, nd->vf->mac, 6);
	return r;
}

static int vf_tx(struct netdev *nd, const void *frame, size_t len)
{
	return igbvf_tx(nd->vf, frame, len);
}

static int vf_rx_poll(struct netdev *nd, netdev_rx_fn fn, void *ctx, int budget)
{
	return igbvf_rx_poll(nd->vf, fn, ctx, budget);
}

static int vf_service(struct netdev *nd, bool check)
{
	return igbvf_service(nd->vf, check);
}

static bool vf_link_up(struct netdev *nd)
{
	return igbvf_link_up(nd->vf);
}

static void vf_stats(struct netdev *nd, struct netdev_stats *s)
{
	const struct igbvf_stats *v = &nd->vf->st;

	*s = (struct netdev_stats){ .rx_frames = v->rx_frames,
				    .tx_frames = v->tx_frames,
				    .tx_full = v->tx_full,
				    .rx_bad = v->rx_spanning,
				    .nic_rx = igbvf_hw_rx_packets(nd->vf),
				    .nic_tx = igbvf_hw_tx_packets(nd->vf) };
}

static const struct netdev_ops vf_ops = {
	vf_up, vf_tx, vf_rx_poll, vf_service, vf_link_up, vf_stats
};

int netdev_vf(struct netdev *nd, struct igbvf *vf, u8 devfn)
{
	*nd = (struct netdev){ .ops = &vf_ops, .kind = "vf", .vf = vf };
	return igbvf_probe(vf, devfn);
}

/* --- the hypervisor's paravirtual NIC --- */

static int pv_up(struct netdev *nd)
{
	int r = pvnet_up(nd->pv);

	if (!r)
		memcpy(nd->mac, nd->pv->mac, 6);
	return r;
}

static int pv_tx(struct netdev *nd, const void *frame, size_t len)
{
	return pvnet_tx(nd->pv, frame, len);
}

static int pv_rx_poll(struct netdev *nd, netdev_rx_fn fn, void *ctx, int budget)
{
	return pvnet_rx_poll(nd->pv, fn, ctx, budget);
}

static int pv_service(struct netdev *nd, bool check)
{
	(void)nd;
	(void)check;
	return 0; /* no mailbox, no PF to forget us */
}

static bool pv_link_up(struct netdev *nd)
{
	return pvnet_link_up(nd->pv);
}

static void pv_stats(struct netdev *nd, struct netdev_stats *s)
{
	const struct pvnet_stats *v = &nd->pv->st;
	struct hv_pvnet_stats h;

	pvnet_hv_stats(nd->pv, &h);
	*s = (struct netdev_stats){ .rx_frames = v->rx_frames,
				    .tx_frames = v->tx_frames,
				    .tx_full = v->tx_full,
				    .rx_bad = v->rx_errors,
				    .nic_rx = h.rx_frames,
				    .nic_tx = h.tx_frames,
				    .nic_tx_dropped = h.tx_spoofed + h.tx_bad };
}

static const struct netdev_ops pv_ops = {
	pv_up, pv_tx, pv_rx_poll, pv_service, pv_link_up, pv_stats
};

int netdev_pv(struct netdev *nd, struct pvnet *pv)
{
	*nd = (struct netdev){ .ops = &pv_ops, .kind = "pv", .pv = pv };
	return pvnet_probe(pv);
}
