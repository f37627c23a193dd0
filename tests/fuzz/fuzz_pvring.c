// SPDX-License-Identifier: MIT
/*
 * fuzz_pvring.c: a paravirtual NIC's ring pair (kernel/pvring.c) under a
 * hostile guest: the guest writes anything anywhere in its window and its RAM
 * between the fast path's TX pulls and RX pushes. The RAM is an exact-size
 * heap buffer with a shadow copy; the harness checks that a frame taken from
 * TX is 14..1514 bytes, carries the partition's source MAC and is what the
 * guest's buffer held; that an RX push writes the frame into the posted
 * buffer and nothing else in RAM; that every descriptor the fast path
 * completes says what it returned; that its indices never run more than a
 * ring apart; and that its counters add up to the frames it saw.
 *
 * Input: u8 RAM size selector, then operations until the input ends (at most
 * 512) of { u8 kind, u16 a, u64 b } (see op()).
 */
// sources: kernel/pvring.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/pvring.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 512

static const u8 MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };

static struct pvring r;
static u8 *window, *ram, *shadow;
static u64 ram_size, pulls, pushes;

void *memcpy_fast(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

/* The guest posts a descriptor: near its RAM (bit 9 of a clear) or anywhere. */
static void guest_desc(u16 a, u64 b)
{
	struct hv_pvnet_desc *ring = a & 1 ? r.rx : r.tx;
	struct hv_pvnet_desc *d = &ring[(a >> 1) & PVRING_MASK];

	d->addr = a & 0x200 ? b : (u32)b % (ram_size + 2048);
	d->len = (b >> 32) & 0x7ff;
	d->status = HV_PVNET_PENDING;
}

/* The guest moves a producer index: near ours (bit 1 of a set) or anywhere. */
static void guest_prod(u16 a, u64 b)
{
	bool rx = a & 1;
	u32 cons = rx ? r.rx_cons : r.tx_cons;
	u32 v = a & 2 ? cons + (u32)(b % 300) : (u32)b;

	if (rx)
		r.ctrl->rx_prod.value = v;
	else
		r.ctrl->tx_prod.value = v;
}

static void guest_ram(u16 a, u64 b)
{
	u64 at = ((u64)a << 3) % ram_size;
	size_t n = MIN(sizeof(b), ram_size - at);

	memcpy(ram + at, &b, n);
	memcpy(shadow + at, &b, n);
}

static void hv_tx(u16 a)
{
	u32 n = pvring_tx_pending(&r);
	u8 buf[HV_PVNET_FRAME_MAX];

	FUZZ_CHECK(n <= HV_PVNET_RING);
	for (n = MIN(n, a % 40u); n; n--) {
		struct hv_pvnet_desc *d = &r.tx[r.tx_cons & PVRING_MASK];
		u64 addr = d->addr;
		int ret = pvring_tx_pull(&r, buf, sizeof(buf));

		pulls++;
		if (ret > 0) {
			FUZZ_CHECK(ret >= HV_PVNET_FRAME_MIN && ret <= HV_PVNET_FRAME_MAX);
			FUZZ_CHECK(range_ok(addr, (u64)ret, ram_size));
			FUZZ_CHECK(!memcmp(buf, ram + addr, (size_t)ret));
			FUZZ_CHECK(!memcmp(buf + 6, MAC, sizeof(MAC)));
			FUZZ_CHECK(d->status == HV_PVNET_OK);
		} else {
			FUZZ_CHECK(ret == -HV_PVNET_ELEN || ret == -HV_PVNET_EADDR ||
				   ret == -HV_PVNET_ESPOOF);
			FUZZ_CHECK(d->status == (u32)-ret);
		}
	}
	pvring_tx_done(&r);
	FUZZ_CHECK(r.ctrl->tx_cons.value == r.tx_cons);
}

static void hv_rx(u16 a, u64 b)
{
	u32 len = a % (HV_PVNET_FRAME_MAX + 1);
	struct hv_pvnet_desc *d = &r.rx[r.rx_cons & PVRING_MASK];
	u32 before = r.rx_cons;
	u8 frame[HV_PVNET_FRAME_MAX];
	int ret;

	for (u32 i = 0; i < len; i++)
		frame[i] = (u8)(b >> (8 * (i % 8))) ^ (u8)i;
	ret = pvring_rx_push(&r, frame, len);
	pushes++;
	if (ret == 0) {
		FUZZ_CHECK(r.rx_cons == before + 1 && d->status == HV_PVNET_OK && d->len == len);
		FUZZ_CHECK(range_ok(d->addr, len, ram_size));
		memcpy(shadow + d->addr, frame, len);
	} else if (ret == -HV_PVNET_ELEN || ret == -HV_PVNET_EADDR) {
		FUZZ_CHECK(r.rx_cons == before + 1 && d->status == (u32)-ret && d->len == 0);
	} else {
		FUZZ_CHECK(ret == -PVRING_ENOBUF || ret == -PVRING_ERING);
		FUZZ_CHECK(r.rx_cons == before);
	}
	FUZZ_CHECK(!memcmp(ram, shadow, ram_size));
	FUZZ_CHECK(r.rx_prod - r.rx_cons <= HV_PVNET_RING);
	pvring_rx_done(&r);
	/* Published when it moved (a guest that scribbled on it meanwhile reads its own value). */
	FUZZ_CHECK(r.rx_cons == before || r.ctrl->rx_cons.value == r.rx_cons);
}

static void hv_publish(u64 b)
{
	const struct hv_pvnet_stats *s = &r.st;

	pvring_publish(&r);
	pvring_set_link(&r, b & 1);
	FUZZ_CHECK(!memcmp(&r.ctrl->stats, s, sizeof(*s)));
	FUZZ_CHECK(s->tx_frames + s->tx_spoofed + s->tx_bad == pulls);
	FUZZ_CHECK(s->rx_frames + s->rx_no_buffer + s->rx_bad == pushes);
}

static void op(struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in);
	u16 a = fuzz_u16(in);
	u64 b = fuzz_u64(in);

	switch (kind % 7) {
	case 0: /* the guest writes anywhere in its window */
		memcpy(window + a % (HV_PVNET_SIZE - 7), &b, sizeof(b));
		break;
	case 1:
		guest_desc(a, b);
		break;
	case 2:
		guest_prod(a, b);
		break;
	case 3:
		guest_ram(a, b);
		break;
	case 4:
		hv_tx(a);
		break;
	case 5:
		hv_rx(a, b);
		break;
	default:
		hv_publish(b);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	ram_size = ((u64)fuzz_u8(&in) % 16 + 1) * 1024;
	window = aligned_alloc(PAGE_SIZE, HV_PVNET_SIZE);
	ram = malloc(ram_size);
	shadow = malloc(ram_size);
	if (!window || !ram || !shadow)
		abort();
	memset(ram, 0, ram_size);
	memset(shadow, 0, ram_size);
	pulls = pushes = 0;
	pvring_init(&r, window, ram, ram_size, MAC);
	FUZZ_CHECK(r.ctrl->magic == HV_PVNET_MAGIC && !memcmp(r.ctrl->mac, MAC, sizeof(MAC)));
	for (int i = 0; i < MAX_OPS && in.left; i++)
		op(&in);
	hv_publish(0);
	free(window);
	free(ram);
	free(shadow);
	return 0;
}
