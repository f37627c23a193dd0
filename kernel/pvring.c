// SPDX-License-Identifier: MIT
/*
 * pvring.c: a paravirtual NIC's ring pair, as the hypervisor's fast path sees
 * it. Every value read from the window is the guest's (kernel/pvring.h).
 */
#include "kernel/pvring.h"
#include "kernel/string.h"

#define ETH_ALEN 6

/* One read of a guest-writable word: the compiler may neither repeat nor tear it. */
static u32 pvring_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static u64 pvring_load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void pvring_init(struct pvring *r, void *window, u8 *ram, u64 ram_size, const u8 mac[6])
{
	u8 *w = window;

	memset(r, 0, sizeof(*r));
	r->ctrl = window;
	r->tx = (struct hv_pvnet_desc *)(w + HV_PVNET_TX_OFF);
	r->rx = (struct hv_pvnet_desc *)(w + HV_PVNET_RX_OFF);
	r->ram = ram;
	r->ram_size = ram_size;
	memcpy(r->mac, mac, ETH_ALEN);
	r->mac_key = pvring_mac_key(mac);
	memset(window, 0, HV_PVNET_SIZE);
	r->ctrl->magic = HV_PVNET_MAGIC;
	r->ctrl->version = HV_PVNET_VERSION;
	r->ctrl->ring_entries = HV_PVNET_RING;
	r->ctrl->frame_max = HV_PVNET_FRAME_MAX;
	memcpy(r->ctrl->mac, mac, ETH_ALEN);
}

void pvring_set_link(struct pvring *r, bool up)
{
	__atomic_store_n(&r->ctrl->link, up ? 1u : 0u, __ATOMIC_RELEASE);
}

/* The guest's producer index, checked against ours: how many entries, or -1 if broken. */
static s64 pvring_avail(struct pvring *r, const u32 *shared_prod, u32 cons, bool rx)
{
	u32 prod = __atomic_load_n(shared_prod, __ATOMIC_ACQUIRE);
	u32 n = prod - cons; /* free-running: wraps correctly */

	if (n <= HV_PVNET_RING)
		return n;
	r->st.ring_errors++;
	r->err = (struct pvring_error){ rx, prod, cons };
	return -1;
}

u32 pvring_tx_pending(struct pvring *r)
{
	s64 n = pvring_avail(r, &r->ctrl->tx_prod.value, r->tx_cons, false);

	return n < 0 ? 0 : (u32)n;
}

/* The buffer [addr, addr + len) if all of it is the partition's RAM, else NULL. */
static u8 *pvring_buf(const struct pvring *r, u64 addr, u64 len)
{
	return range_ok(addr, len, r->ram_size) ? r->ram + addr : NULL;
}

/* Complete descriptor d with a status (and for RX the length): the guest reads it after the index. */
static void pvring_complete(struct hv_pvnet_desc *d, u32 len, u32 status)
{
	__atomic_store_n(&d->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&d->status, status, __ATOMIC_RELAXED);
}

/* Check a frame copied into our buffer; 0 or -HV_PVNET_ESPOOF. */
static int pvring_tx_check(struct pvring *r, const u8 *frame)
{
	if (pvring_mac_key(frame + ETH_ALEN) != r->mac_key) {
		r->st.tx_spoofed++;
		return -HV_PVNET_ESPOOF;
	}
	return 0;
}

int pvring_tx_pull(struct pvring *r, u8 *buf, u32 cap)
{
	struct hv_pvnet_desc *d = &r->tx[r->tx_cons & PVRING_MASK];
	u64 addr = pvring_load64(&d->addr);
	u32 len = pvring_load32(&d->len);
	const u8 *src = pvring_buf(r, addr, len);
	int ret = (int)len;

	r->tx_cons++;
	if (len < HV_PVNET_FRAME_MIN || len > HV_PVNET_FRAME_MAX || len > cap)
		ret = -HV_PVNET_ELEN;
	else if (!src)
		ret = -HV_PVNET_EADDR;
	if (ret < 0) {
		r->st.tx_bad++;
		pvring_complete(d, len, (u32)-ret);
		return ret;
	}
	/* Copy first, then check the copy: the guest may rewrite its buffer meanwhile. */
	memcpy_fast(buf, src, len);
	ret = pvring_tx_check(r, buf);
	pvring_complete(d, len, ret ? (u32)-ret : HV_PVNET_OK);
	if (ret)
		return ret;
	r->st.tx_frames++;
	r->st.tx_bytes += len;
	return (int)len;
}

void pvring_tx_done(struct pvring *r)
{
	__atomic_store_n(&r->ctrl->tx_cons.value, r->tx_cons, __ATOMIC_RELEASE);
}

/* Is a posted buffer left? Reads the guest's producer index only when ours ran out. */
static int pvring_rx_room(struct pvring *r)
{
	s64 n;

	if (r->rx_prod != r->rx_cons)
		return 0;
	n = pvring_avail(r, &r->ctrl->rx_prod.value, r->rx_cons, true);
	if (n < 0)
		return -PVRING_ERING;
	r->rx_prod = r->rx_cons + (u32)n;
	return n ? 0 : -PVRING_ENOBUF;
}

int pvring_rx_push(struct pvring *r, const u8 *frame, u32 len)
{
	struct hv_pvnet_desc *d;
	u64 addr;
	u32 cap;
	u8 *dst;
	int room = pvring_rx_room(r);

	if (room) {
		r->st.rx_no_buffer += room == -PVRING_ENOBUF;
		r->st.rx_bad += room != -PVRING_ENOBUF;
		return room;
	}
	d = &r->rx[r->rx_cons & PVRING_MASK];
	addr = pvring_load64(&d->addr);
	cap = pvring_load32(&d->len);
	dst = pvring_buf(r, addr, len);
	r->rx_cons++;
	r->rx_dirty = true;
	if (len > cap || !dst) {
		r->st.rx_bad++;
		pvring_complete(d, 0, len > cap ? HV_PVNET_ELEN : HV_PVNET_EADDR);
		return len > cap ? -HV_PVNET_ELEN : -HV_PVNET_EADDR;
	}
	memcpy_fast(dst, frame, len);
	pvring_complete(d, len, HV_PVNET_OK);
	r->st.rx_frames++;
	r->st.rx_bytes += len;
	return 0;
}

void pvring_rx_done(struct pvring *r)
{
	if (!r->rx_dirty)
		return;
	r->rx_dirty = false;
	__atomic_store_n(&r->ctrl->rx_cons.value, r->rx_cons, __ATOMIC_RELEASE);
}

void pvring_publish(struct pvring *r)
{
	memcpy_fast(&r->ctrl->stats, &r->st, sizeof(r->st));
}
