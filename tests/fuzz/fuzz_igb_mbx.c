// SPDX-License-Identifier: MIT
/*
 * fuzz_igb_mbx.c: the PF's side of the igb mailbox (drivers/igb_mbx.c) as a
 * hostile VF drives it: any message words, acknowledgements, VF resets, at
 * any pace. The harness plays drivers/igb.c (admit, then serve) and checks
 * what the protocol promises: the admin MAC never changes and is the only one
 * a RESET hands out, a VF that is not clear to send gets no work done for
 * it, the multicast and frame-size state stays in bounds, and the rate
 * limit holds (no more messages served than its budget allows).
 *
 * Input: u8 flags (bit 0 assigned), 6 MAC bytes, u64 start time, then events
 * until the input ends (at most 512): { u8 kind, u32 nanoseconds since the
 * last event } and, for a message, { u8 words, that many u32 (at most 16
 * stored; words past 16 are the "length" a caller could pass) }.
 */
// sources: drivers/igb_mbx.c kernel/format.c
#include <string.h>

#include "drivers/igb_mbx.h"
#include "drivers/igb_regs.h"
#include "tests/fuzz/fuzz.h"

#define MAX_EVENTS 512
#define NS_PER_SEC (1000ULL * 1000 * 1000)
#define WORK_ALL   (IGB_WORK_RESET | IGB_WORK_MTA | IGB_WORK_VMOLR | IGB_WORK_DISABLE)

static struct igb_vf vf;
static u8 admin_mac[6];
static u64 t0, now, served;

static void check_state(void)
{
	FUZZ_CHECK(vf.index == 3 && !memcmp(vf.mac, admin_mac, 6));
	FUZZ_CHECK(vf.mc_count <= IGB_MC_MAX);
	for (u32 i = 0; i < vf.mc_count; i++)
		FUZZ_CHECK(vf.mc_hash[i] <= 0xfff);
	FUZZ_CHECK(vf.max_frame == 0 ||
		   (vf.max_frame >= IGB_FRAME_MIN && vf.max_frame <= IGB_FRAME_MAX));
	FUZZ_CHECK(!vf.cts || vf.assigned);
	FUZZ_CHECK(vf.tokens <= IGB_MBX_BURST);
	/* The budget: a burst to start with, a new one after each mute, then PER_SEC a second. */
	FUZZ_CHECK(served <= IGB_MBX_BURST * (vf.floods + 1) +
				     (now - t0) / (NS_PER_SEC / IGB_MBX_PER_SEC) + 1);
}

static void check_reply(const struct igb_mbx_result *r, u32 word0, bool was_cts)
{
	bool reset = (word0 & (IGB_MSG_TYPE | IGB_MSG_INFO | IGB_MSG_ACK | IGB_MSG_NACK |
			       IGB_MSG_CTS)) == IGB_VF_RESET;

	FUZZ_CHECK(r->len == 1 || r->len == 3);
	FUZZ_CHECK(!!(r->reply[0] & IGB_MSG_ACK) + !!(r->reply[0] & IGB_MSG_NACK) == 1);
	FUZZ_CHECK((r->work & ~WORK_ALL) == 0 && !(r->work & IGB_WORK_DISABLE));
	if (reset && vf.assigned) {
		u32 mac_lo = admin_mac[0] | (u32)admin_mac[1] << 8 | (u32)admin_mac[2] << 16 |
			     (u32)admin_mac[3] << 24;

		FUZZ_CHECK(r->len == 3 && (r->reply[0] & IGB_MSG_ACK) && vf.cts);
		FUZZ_CHECK(r->reply[1] == mac_lo &&
			   r->reply[2] == (admin_mac[4] | (u32)admin_mac[5] << 8));
	} else if (reset) {
		FUZZ_CHECK((r->reply[0] & IGB_MSG_NACK) && r->work == 0 && !vf.cts);
	} else {
		/* Anything but RESET from a VF not clear to send: refused, nothing done. */
		FUZZ_CHECK(was_cts || ((r->reply[0] & IGB_MSG_NACK) && r->work == 0));
		FUZZ_CHECK(!(r->reply[0] & IGB_MSG_ACK) || was_cts);
		FUZZ_CHECK(!!(r->reply[0] & IGB_MSG_CTS) == vf.cts);
	}
}

static void message(struct fuzz_in *in)
{
	u32 msg[IGB_MBX_MSG_WORDS] = { 0 }, len = fuzz_u8(in) % (IGB_MBX_MSG_WORDS + 4);
	bool was_cts = vf.cts;
	struct igb_mbx_result r;

	for (u32 i = 0; i < MIN(len, IGB_MBX_MSG_WORDS); i++)
		msg[i] = fuzz_u32(in);
	if (!igb_mbx_admit(&vf, now))
		return;
	served++;
	igb_mbx_msg(&vf, msg, len, now, &r);
	if (len == 0 || len > IGB_MBX_MSG_WORDS)
		FUZZ_CHECK(r.len == 1 && r.reply[0] == IGB_MSG_NACK && r.work == 0);
	else
		check_reply(&r, msg[0], was_cts);
}

static void event(struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in);
	struct igb_mbx_result r;

	now += fuzz_u32(in);
	switch (kind % 4) {
	case 0:
	case 1:
		message(in);
		break;
	case 2:
		igb_mbx_ack(&vf, now, &r);
		FUZZ_CHECK(r.len == 0 || (r.len == 1 && r.reply[0] == IGB_MSG_NACK));
		FUZZ_CHECK(r.len == 0 || (!vf.cts && vf.assigned));
		FUZZ_CHECK(r.work == 0);
		break;
	default:
		igb_mbx_vf_reset(&vf, &r);
		FUZZ_CHECK(!vf.cts && vf.mc_count == 0 && !vf.mc_promisc && vf.max_frame == 0);
		FUZZ_CHECK(r.len == 0 && (r.work & IGB_WORK_DISABLE));
		break;
	}
	check_state();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 flags = fuzz_u8(&in);

	fuzz_take(&in, admin_mac, sizeof(admin_mac));
	admin_mac[0] &= ~1; /* igb.c hands out unicast MACs only */
	igb_mbx_vf_init(&vf, 3);
	if (flags & 1)
		igb_mbx_vf_assign(&vf, "p4", admin_mac);
	else
		memset(admin_mac, 0, sizeof(admin_mac));
	t0 = now = fuzz_u64(&in) >> 1; /* the TSC in ns: never near wrapping */
	served = 0;
	for (int i = 0; i < MAX_EVENTS && in.left; i++)
		event(&in);
	return 0;
}
