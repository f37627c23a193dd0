// SPDX-License-Identifier: MIT
/* test_pvring.c: the paravirtual NIC's rings against a hostile guest (kernel/pvring.c). */
// sources: kernel/pvring.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/pvring.h"

#define RAM_SIZE (64 * 1024) /* the partition's RAM: malloc'd exactly, so ASan sees both ends */

static u8 *ram;
static void *window;
static struct pvring r;
static u8 buf[2048];
static const u8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x11 };
static const u8 other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	window = aligned_alloc(4096, HV_PVNET_SIZE);
	assert_non_null(ram);
	assert_non_null(window);
	memset(ram, 0xee, RAM_SIZE);
	pvring_init(&r, window, ram, RAM_SIZE, mac);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(window);
	return 0;
}

static struct hv_pvnet_ctrl *ctrl(void)
{
	return window;
}

/* The guest: a frame of len bytes at GPA addr (from `src` MAC), posted on the TX ring. */
static void guest_tx(u64 addr, u32 len, const u8 *src)
{
	u32 prod = ctrl()->tx_prod.value;
	struct hv_pvnet_desc *d = &r.tx[prod % HV_PVNET_RING];

	if (src && addr + 12 <= RAM_SIZE) {
		memcpy(ram + addr, other, 6);
		memcpy(ram + addr + 6, src, 6);
		for (u32 i = 12; i < len && addr + i < RAM_SIZE; i++)
			ram[addr + i] = (u8)(i * 7);
	}
	*d = (struct hv_pvnet_desc){ addr, len, HV_PVNET_PENDING };
	ctrl()->tx_prod.value = prod + 1;
}

/* The guest: an empty buffer of cap bytes at GPA addr, posted on the RX ring. */
static void guest_rx_post(u64 addr, u32 cap)
{
	u32 prod = ctrl()->rx_prod.value;

	r.rx[prod % HV_PVNET_RING] = (struct hv_pvnet_desc){ addr, cap, HV_PVNET_PENDING };
	ctrl()->rx_prod.value = prod + 1;
}

static void test_init(void **state)
{
	(void)state;
	assert_int_equal(ctrl()->magic, HV_PVNET_MAGIC);
	assert_int_equal(ctrl()->version, HV_PVNET_VERSION);
	assert_int_equal(ctrl()->ring_entries, HV_PVNET_RING);
	assert_int_equal(ctrl()->frame_max, HV_PVNET_FRAME_MAX);
	assert_memory_equal(ctrl()->mac, mac, 6);
	assert_int_equal(ctrl()->link, 0);
	pvring_set_link(&r, true);
	assert_int_equal(ctrl()->link, 1);
	assert_int_equal(pvring_tx_pending(&r), 0);
}

static void test_tx_good(void **state)
{
	(void)state;
	guest_tx(0x1000, 60, mac);
	guest_tx(0x2000, HV_PVNET_FRAME_MAX, mac);
	assert_int_equal(pvring_tx_pending(&r), 2);
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), 60);
	assert_memory_equal(buf, ram + 0x1000, 60);
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), HV_PVNET_FRAME_MAX);
	assert_memory_equal(buf, ram + 0x2000, HV_PVNET_FRAME_MAX);
	assert_int_equal(r.tx[0].status, HV_PVNET_OK);
	assert_int_equal(r.tx[1].status, HV_PVNET_OK);
	assert_int_equal(ctrl()->tx_cons.value, 0); /* published only when done */
	pvring_tx_done(&r);
	assert_int_equal(ctrl()->tx_cons.value, 2);
	assert_int_equal(pvring_tx_pending(&r), 0);
	assert_int_equal(r.st.tx_frames, 2);
	assert_int_equal(r.st.tx_bytes, 60 + HV_PVNET_FRAME_MAX);
	pvring_publish(&r);
	assert_int_equal(ctrl()->stats.tx_frames, 2);
}

static void test_tx_bad_lengths(void **state)
{
	static const u32 lens[] = { 0, 1, 13, HV_PVNET_FRAME_MAX + 1, 4096, 0x80000000u, ~0u };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		guest_tx(0x1000, lens[i], mac);
		assert_int_equal(pvring_tx_pending(&r), 1);
		assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), -HV_PVNET_ELEN);
		assert_int_equal(r.tx[i].status, HV_PVNET_ELEN);
	}
	/* A buffer too small for what the guest claims is refused, not overrun. */
	guest_tx(0x1000, 100, mac);
	assert_int_equal(pvring_tx_pull(&r, buf, 64), -HV_PVNET_ELEN);
	assert_int_equal(r.st.tx_bad, 8);
	assert_int_equal(r.st.tx_frames, 0);
}

static void test_tx_outside_the_partition(void **state)
{
	static const u64 addrs[] = {
		RAM_SIZE,       /* just past the end */
		RAM_SIZE - 59,  /* straddles the end */
		0x100000000ULL, /* far away (the window, a device, another partition) */
		~0ULL - 10,     /* addr + len wraps around zero */
		0x8000000000000000ULL,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		guest_tx(addrs[i], 60, NULL);
		assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), -HV_PVNET_EADDR);
		assert_int_equal(r.tx[i].status, HV_PVNET_EADDR);
	}
	guest_tx(RAM_SIZE - 60, 60, mac); /* the last 60 bytes are still ours */
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), 60);
	assert_int_equal(r.st.tx_bad, 5);
}

static void test_tx_spoofed_source(void **state)
{
	(void)state;
	guest_tx(0x3000, 80, other);
	guest_tx(0x3100, 80, (const u8[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	guest_tx(0x3200, 80, mac);
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), -HV_PVNET_ESPOOF);
	assert_memory_equal(buf + 6, other, 6); /* the caller logs the MAC it saw */
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), -HV_PVNET_ESPOOF);
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), 80);
	assert_int_equal(r.tx[0].status, HV_PVNET_ESPOOF);
	assert_int_equal(r.tx[2].status, HV_PVNET_OK);
	assert_int_equal(r.st.tx_spoofed, 2);
	assert_int_equal(r.st.tx_frames, 1);
}

static void test_tx_index_out_of_range(void **state)
{
	(void)state;
	ctrl()->tx_prod.value = HV_PVNET_RING + 1; /* more than a ring ahead */
	assert_int_equal(pvring_tx_pending(&r), 0);
	assert_int_equal(r.st.ring_errors, 1);
	assert_false(r.err.rx);
	assert_int_equal(r.err.prod, HV_PVNET_RING + 1);
	ctrl()->tx_prod.value = ~0u; /* "behind" us: as far ahead as it gets */
	assert_int_equal(pvring_tx_pending(&r), 0);
	assert_int_equal(r.st.ring_errors, 2);
	ctrl()->tx_prod.value = HV_PVNET_RING; /* a full ring is fine */
	assert_int_equal(pvring_tx_pending(&r), HV_PVNET_RING);
	/* The guest cannot move our consumer index: writing the shared one changes nothing. */
	ctrl()->tx_cons.value = 200;
	ctrl()->tx_prod.value = 0;
	assert_int_equal(pvring_tx_pending(&r), 0);
	guest_tx(0x1000, 60, mac);
	assert_int_equal(pvring_tx_pending(&r), 1);
	assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), 60);
	pvring_tx_done(&r);
	assert_int_equal(ctrl()->tx_cons.value, 1);
}

static void test_tx_wraps(void **state)
{
	(void)state;
	r.tx_cons = 0xfffffff0u; /* both indices near the top of 32 bits */
	ctrl()->tx_prod.value = 0xfffffff0u;
	for (int round = 0; round < 3; round++) {
		for (u32 i = 0; i < 40; i++)
			guest_tx(0x1000 + 0x100 * i, 60 + i, mac);
		assert_int_equal(pvring_tx_pending(&r), 40);
		for (u32 i = 0; i < 40; i++) {
			assert_int_equal(pvring_tx_pull(&r, buf, sizeof(buf)), 60 + i);
			assert_memory_equal(buf, ram + 0x1000 + 0x100 * i, 60 + i);
		}
		pvring_tx_done(&r);
	}
	assert_int_equal(ctrl()->tx_cons.value, 0xfffffff0u + 120);
	assert_int_equal(r.st.tx_frames, 120);
}

static void fill_frame(u8 *f, u32 len)
{
	for (u32 i = 0; i < len; i++)
		f[i] = (u8)(i ^ 0x5a);
}

static void test_rx_good(void **state)
{
	u8 frame[1514];

	(void)state;
	fill_frame(frame, sizeof(frame));
	assert_int_equal(pvring_rx_push(&r, frame, 60), -PVRING_ENOBUF); /* nothing posted */
	assert_int_equal(r.st.rx_no_buffer, 1);
	guest_rx_post(0x4000, 2048);
	guest_rx_post(0x5000, 2048);
	assert_int_equal(pvring_rx_push(&r, frame, 60), 0);
	assert_int_equal(pvring_rx_push(&r, frame, 1514), 0);
	assert_int_equal(ctrl()->rx_cons.value, 0);
	pvring_rx_done(&r);
	assert_int_equal(ctrl()->rx_cons.value, 2);
	assert_int_equal(r.rx[0].len, 60);
	assert_int_equal(r.rx[0].status, HV_PVNET_OK);
	assert_int_equal(r.rx[1].len, 1514);
	assert_memory_equal(ram + 0x4000, frame, 60);
	assert_memory_equal(ram + 0x5000, frame, 1514);
	assert_int_equal(ram[0x4000 + 60], 0xee); /* nothing past the frame */
	assert_int_equal(pvring_rx_push(&r, frame, 60), -PVRING_ENOBUF);
	assert_int_equal(r.st.rx_frames, 2);
	assert_int_equal(r.st.rx_no_buffer, 2);
}

static void test_rx_hostile_buffers(void **state)
{
	u8 frame[200];

	(void)state;
	fill_frame(frame, sizeof(frame));
	guest_rx_post(0x4000, 100);          /* too small for 200 bytes */
	guest_rx_post(RAM_SIZE - 100, 2048); /* claims more than RAM has left */
	guest_rx_post(~0ULL - 50, 2048);     /* wraps around zero */
	guest_rx_post(0x200000000ULL, 2048); /* outside the partition */
	guest_rx_post(RAM_SIZE - 200, 200);  /* exactly the last 200 bytes: fine */
	assert_int_equal(pvring_rx_push(&r, frame, 200), -HV_PVNET_ELEN);
	assert_int_equal(pvring_rx_push(&r, frame, 200), -HV_PVNET_EADDR);
	assert_int_equal(pvring_rx_push(&r, frame, 200), -HV_PVNET_EADDR);
	assert_int_equal(pvring_rx_push(&r, frame, 200), -HV_PVNET_EADDR);
	assert_int_equal(pvring_rx_push(&r, frame, 200), 0);
	pvring_rx_done(&r);
	assert_int_equal(r.rx[0].status, HV_PVNET_ELEN);
	assert_int_equal(r.rx[0].len, 0);
	assert_int_equal(r.rx[1].status, HV_PVNET_EADDR);
	assert_int_equal(r.rx[4].status, HV_PVNET_OK);
	assert_memory_equal(ram + RAM_SIZE - 200, frame, 200);
	assert_int_equal(ram[0x4000], 0xee); /* the small buffer was not written */
	assert_int_equal(r.st.rx_bad, 4);
	assert_int_equal(ctrl()->rx_cons.value, 5);
}

static void test_rx_index_out_of_range(void **state)
{
	u8 frame[60] = { 0 };

	(void)state;
	ctrl()->rx_prod.value = HV_PVNET_RING + 7;
	assert_int_equal(pvring_rx_push(&r, frame, 60), -PVRING_ERING);
	assert_int_equal(r.st.ring_errors, 1);
	assert_true(r.err.rx);
	assert_int_equal(r.err.prod, HV_PVNET_RING + 7);
	/* Repaired: every slot posted with a good buffer. */
	for (u32 i = 0; i < HV_PVNET_RING; i++)
		r.rx[i] = (struct hv_pvnet_desc){ 0x1000 + 64 * i, 64, 0 };
	ctrl()->rx_prod.value = HV_PVNET_RING;
	for (u32 i = 0; i < HV_PVNET_RING; i++)
		assert_int_equal(pvring_rx_push(&r, frame, 60), 0);
	assert_int_equal(pvring_rx_push(&r, frame, 60), -PVRING_ENOBUF);
}

static void test_rx_wraps(void **state)
{
	u8 frame[64];

	(void)state;
	fill_frame(frame, sizeof(frame));
	r.rx_cons = r.rx_prod = 0xffffff00u;
	ctrl()->rx_prod.value = 0xffffff00u;
	for (int round = 0; round < 4; round++) {
		for (u32 i = 0; i < 100; i++)
			guest_rx_post(0x2000 + 128 * i, 128);
		for (u32 i = 0; i < 100; i++) {
			frame[0] = (u8)i;
			assert_int_equal(pvring_rx_push(&r, frame, 64), 0);
			assert_int_equal(ram[0x2000 + 128 * i], (u8)i);
		}
		pvring_rx_done(&r);
	}
	assert_int_equal(ctrl()->rx_cons.value, 0xffffff00u + 400);
	assert_int_equal(r.st.rx_frames, 400);
}

/* Random descriptors and indices: never a read or write outside RAM or the window (ASan). */
static void test_random_rings(void **state)
{
	u8 frame[HV_PVNET_FRAME_MAX];

	(void)state;
	srand(1234);
	fill_frame(frame, sizeof(frame));
	for (int iter = 0; iter < 20000; iter++) {
		u32 slot = (u32)rand() % HV_PVNET_RING;
		struct hv_pvnet_desc d = {
			.addr = (rand() & 1) ? (u64)rand() % (RAM_SIZE + 4096)
					     : ((u64)rand() << 33) ^ (u64)rand(),
			.len = (rand() & 1) ? (u32)rand() % 2100 : (u32)rand() * 2654435761u,
		};

		if (rand() & 1)
			r.tx[slot] = d;
		else
			r.rx[slot] = d;
		if ((rand() & 7) == 0)
			ctrl()->tx_prod.value = r.tx_cons + (u32)rand() % 300;
		if ((rand() & 7) == 0)
			ctrl()->rx_prod.value = r.rx_cons + (u32)rand() % 300;
		for (u32 n = pvring_tx_pending(&r); n; n--)
			pvring_tx_pull(&r, buf, sizeof(buf));
		pvring_tx_done(&r);
		pvring_rx_push(&r, frame, 14 + (u32)rand() % (HV_PVNET_FRAME_MAX - 13));
		pvring_rx_done(&r);
	}
	assert_true(r.st.tx_bad > 0 && r.st.rx_bad > 0 && r.st.ring_errors > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_outside_the_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_spoofed_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_index_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_hostile_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_index_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_rings, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
