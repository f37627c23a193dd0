// SPDX-License-Identifier: MIT
/*
 * pvnet.c: the guest side of the paravirtual NIC's ring pair. The guest
 * produces on both rings (frames to send, empty buffers to fill) and the
 * hypervisor consumes; each side owns its indices (kernel/hvabi.h).
 */
#include "guests/lib/pvnet.h"

#define MASK      (HV_PVNET_RING - 1)
#define MAP_ALIGN (2 * MiB) /* map_identity maps 2 MiB pages: the window has one to itself */

static u32 load_acquire(const volatile u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile u32 *p, u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int pvnet_probe(struct pvnet *pv)
{
	const struct hv_pvnet_info *pi = &boot_info->pvnet;
	u8 *w;

	memset(pv, 0, sizeof(*pv));
	if (boot_info->net.kind != HV_NET_PV || !pi->gpa || pi->size < HV_PVNET_SIZE ||
	    pi->ring_entries != HV_PVNET_RING || (pi->gpa & (MAP_ALIGN - 1)))
		return -PVNET_ENODEV;
	if (map_identity(pi->gpa, pi->size, false))
		return -PVNET_ENOMEM;
	w = (u8 *)pi->gpa;
	pv->ctrl = (volatile struct hv_pvnet_ctrl *)w;
	if (pv->ctrl->magic != HV_PVNET_MAGIC || pv->ctrl->version != HV_PVNET_VERSION)
		return -PVNET_ENODEV;
	pv->tx = (volatile struct hv_pvnet_desc *)(w + HV_PVNET_TX_OFF);
	pv->rx = (volatile struct hv_pvnet_desc *)(w + HV_PVNET_RX_OFF);
	pv->tx_buf = alloc_pages(HV_PVNET_RING * PVNET_BUF / PAGE_SIZE);
	pv->rx_buf = alloc_pages(HV_PVNET_RING * PVNET_BUF / PAGE_SIZE);
	if (!pv->tx_buf || !pv->rx_buf)
		return -PVNET_ENOMEM;
	for (int i = 0; i < 6; i++)
		pv->mac[i] = pv->ctrl->mac[i];
	return 0;
}

static u8 *rx_buf(struct pvnet *pv, u32 slot)
{
	return pv->rx_buf + (u64)slot * PVNET_BUF;
}

static void rx_post(struct pvnet *pv, u32 slot)
{
	volatile struct hv_pvnet_desc *d = &pv->rx[pv->rx_prod & MASK];

	d->addr = (u64)rx_buf(pv, slot);
	d->len = PVNET_BUF;
	d->status = HV_PVNET_PENDING;
	pv->rx_prod++;
}

int pvnet_up(struct pvnet *pv)
{
	if (!pv->ctrl)
		return -PVNET_ENODEV;
	/* The hypervisor's consumer indices are where both rings stand. */
	pv->tx_prod = load_acquire(&pv->ctrl->tx_cons.value);
	store_release(&pv->ctrl->tx_prod.value, pv->tx_prod);
	pv->rx_next = pv->rx_prod = load_acquire(&pv->ctrl->rx_cons.value);
	for (u32 i = 0; i < HV_PVNET_RING; i++)
		rx_post(pv, (pv->rx_next + i) & MASK);
	store_release(&pv->ctrl->rx_prod.value, pv->rx_prod);
	return 0;
}

int pvnet_tx(struct pvnet *pv, const void *frame, size_t len)
{
	u32 cons = load_acquire(&pv->ctrl->tx_cons.value);
	u32 slot = pv->tx_prod & MASK;
	volatile struct hv_pvnet_desc *d = &pv->tx[slot];
	u8 *buf = pv->tx_buf + (u64)slot * PVNET_BUF;

	if (len < HV_PVNET_FRAME_MIN || len > HV_PVNET_FRAME_MAX)
		return -PVNET_EINVAL;
	if (pv->tx_prod - cons >= HV_PVNET_RING) {
		pv->st.tx_full++;
		return -PVNET_EFULL;
	}
	memcpy(buf, frame, len);
	d->addr = (u64)buf;
	d->len = (u32)len;
	d->status = HV_PVNET_PENDING;
	store_release(&pv->ctrl->tx_prod.value, ++pv->tx_prod);
	pv->st.tx_frames++;
	return 0;
}

int pvnet_rx_poll(struct pvnet *pv, pvnet_rx_fn fn, void *ctx, int budget)
{
	u32 cons = load_acquire(&pv->ctrl->rx_cons.value);
	int n = 0;

	for (; n < budget && pv->rx_next != cons; n++) {
		u32 slot = pv->rx_next & MASK;
		u32 status = pv->rx[slot].status, len = pv->rx[slot].len;

		if (pv->escape.armed && pv->rx_next == pv->escape.index) {
			pv->escape = (struct pvnet_escape){ .done = true, .status = status };
			pv->st.rx_errors++;
		} else if (status == HV_PVNET_OK && len <= PVNET_BUF) {
			pv->st.rx_frames++;
			fn(ctx, rx_buf(pv, slot), len);
		} else {
			pv->st.rx_errors++;
		}
		pv->rx_next++;
		rx_post(pv, slot); /* every buffer stays posted: the slot comes round again */
	}
	if (n)
		store_release(&pv->ctrl->rx_prod.value, pv->rx_prod);
	return n;
}

bool pvnet_link_up(struct pvnet *pv)
{
	return pv->ctrl && load_acquire(&pv->ctrl->link) == 1;
}

void pvnet_hv_stats(struct pvnet *pv, struct hv_pvnet_stats *s)
{
	const volatile u64 *src = (const volatile u64 *)&pv->ctrl->stats;
	u64 *dst = (u64 *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(u64); i++)
		dst[i] = src[i];
}

int pvnet_aim_rx(struct pvnet *pv, u64 gpa)
{
	u32 next = load_acquire(&pv->ctrl->rx_cons.value);

	if (pv->escape.armed || pv->rx_prod == next)
		return -PVNET_EINVAL;
	pv->escape = (struct pvnet_escape){ .armed = true, .index = next };
	pv->rx[next & MASK].addr = gpa;
	return 0;
}

int pvnet_tx_raw(struct pvnet *pv, u64 gpa, u32 len)
{
	u32 slot = pv->tx_prod & MASK;
	u64 end = rdtsc() + 2000 * tsc_per_ms();

	if (pv->tx_prod - load_acquire(&pv->ctrl->tx_cons.value) >= HV_PVNET_RING)
		return -PVNET_EFULL;
	pv->tx[slot].addr = gpa;
	pv->tx[slot].len = len;
	pv->tx[slot].status = HV_PVNET_PENDING;
	store_release(&pv->ctrl->tx_prod.value, ++pv->tx_prod);
	while ((int32_t)(load_acquire(&pv->ctrl->tx_cons.value) - pv->tx_prod) < 0) {
		if (rdtsc() > end)
			return -PVNET_EINVAL;
		cpu_relax();
	}
	return (int)pv->tx[slot].status;
}
