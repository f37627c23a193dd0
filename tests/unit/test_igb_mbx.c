// SPDX-License-Identifier: MIT
/* test_igb_mbx.c: the PF's mailbox answers: every message type, refusals, the locked MAC, floods. */
// sources: drivers/igb_mbx.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/igb_mbx.h"
#include "drivers/igb_regs.h"
#include "tests/unit/doubles.h"

#define MS (1000ULL * 1000)
#define S  (1000ULL * MS)

static const u8 mac11[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x11 };
static struct igb_vf vf;
static struct igb_mbx_result r;
static u32 msg[IGB_MBX_MSG_WORDS];
static u64 now;

static int setup(void **state)
{
	(void)state;
	igb_mbx_vf_init(&vf, 1);
	igb_mbx_vf_assign(&vf, "p2", mac11);
	memset(msg, 0, sizeof(msg));
	now = 10 * S;
	test_log_clear();
	return 0;
}

static void log_has(const char *needle)
{
	if (!test_log_has(needle))
		fail_msg("log lacks \"%s\"; log:\n%s", needle, test_log());
}

/* Send msg as the VF would (16 words read from its buffer). */
static u32 send(void)
{
	igb_mbx_msg(&vf, msg, IGB_MBX_MSG_WORDS, now, &r);
	return r.len ? r.reply[0] : 0;
}

static void mac_words(const u8 *m)
{
	msg[1] = m[0] | (u32)m[1] << 8 | (u32)m[2] << 16 | (u32)m[3] << 24;
	msg[2] = m[4] | (u32)m[5] << 8;
}

static void reset_vf(void)
{
	memset(msg, 0, sizeof(msg));
	msg[0] = IGB_VF_RESET;
	send();
}

static void test_reset_gives_mac_without_cts(void **state)
{
	(void)state;
	msg[0] = IGB_VF_RESET;
	assert_int_equal(send(), IGB_VF_RESET | IGB_MSG_ACK); /* igbvf compares for equality */
	assert_int_equal(r.len, 3);
	assert_int_equal(r.reply[1], 0x12005452);
	assert_int_equal(r.reply[2], 0x1134);
	assert_true(vf.cts);
	assert_int_equal(r.work, IGB_WORK_RESET | IGB_WORK_MTA);
	assert_int_equal(vf.resets, 1);
}

static void test_reset_of_unassigned_vf_is_nacked(void **state)
{
	(void)state;
	igb_mbx_vf_init(&vf, 3);
	msg[0] = IGB_VF_RESET;
	assert_int_equal(send(), IGB_VF_RESET | IGB_MSG_NACK);
	assert_int_equal(r.len, 3);
	assert_int_equal(r.reply[1], 0);
	assert_false(vf.cts);
	assert_int_equal(r.work, 0); /* its pool stays closed */
}

static void test_not_cts_is_nacked_without_cts(void **state)
{
	(void)state;
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 1522;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_NACK);
	assert_int_equal(r.work, 0);
	assert_int_equal(vf.max_frame, 0);
}

static void test_set_mac_locked(void **state)
{
	static const u8 other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x12 };

	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_MAC_ADDR;
	mac_words(mac11);
	assert_int_equal(send(), IGB_VF_SET_MAC_ADDR | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_int_equal(r.len, 1);
	assert_int_equal(r.work, 0);
	mac_words(other);
	assert_int_equal(send(), IGB_VF_SET_MAC_ADDR | IGB_MSG_NACK | IGB_MSG_CTS);
	log_has("igb: warning: VF1 (p2): refused MAC 52:54:00:12:34:12: its MAC "
		"52:54:00:12:34:11 is locked");
	assert_memory_equal(vf.mac, mac11, 6);
	/* Refusals keep coming: one line per 5 s at most. */
	test_log_clear();
	for (int i = 0; i < 50; i++)
		assert_int_equal(send(), IGB_VF_SET_MAC_ADDR | IGB_MSG_NACK | IGB_MSG_CTS);
	assert_string_equal(test_log(), "");
	now += IGB_MBX_LOG_GAP;
	send();
	log_has("(50 more refusals not shown)");
	assert_int_equal(vf.mac_refused, 52);
}

static void test_mac_filters(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_MAC_ADDR | IGB_VF_MAC_FILTER_CLR;
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	msg[0] = IGB_VF_SET_MAC_ADDR | IGB_VF_MAC_FILTER_ADD;
	mac_words(mac11);
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
	msg[0] = IGB_VF_SET_MAC_ADDR | (3u << IGB_MSG_INFO_SHIFT);
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
}

static void test_multicast(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_MULTICAST | (3u << IGB_MSG_INFO_SHIFT);
	msg[1] = 0x0123 | 0x0fffu << 16;
	msg[2] = 0x0001;
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_int_equal(vf.mc_count, 3);
	assert_int_equal(vf.mc_hash[0], 0x123);
	assert_int_equal(vf.mc_hash[1], 0xfff);
	assert_int_equal(vf.mc_hash[2], 0x001);
	assert_int_equal(r.work, IGB_WORK_MTA | IGB_WORK_VMOLR);
	/* No hashes at all (igbvf sends this on every open). */
	msg[0] = IGB_VF_SET_MULTICAST;
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_int_equal(vf.mc_count, 0);
	/* 30 is the most; a hash wider than 12 bits is garbage. Neither changes the VF's list. */
	msg[0] = IGB_VF_SET_MULTICAST | (30u << IGB_MSG_INFO_SHIFT);
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	msg[0] = IGB_VF_SET_MULTICAST | (31u << IGB_MSG_INFO_SHIFT);
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
	msg[0] = IGB_VF_SET_MULTICAST | (1u << IGB_MSG_INFO_SHIFT);
	msg[1] = 0x1000;
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
	assert_int_equal(vf.mc_count, 30);
	assert_int_equal(r.work, 0);
}

static void test_multicast_hash(void **state)
{
	static const u8 allhosts[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const u8 top[6] = { 0x33, 0x33, 0x00, 0x00, 0xff, 0xff };

	(void)state;
	assert_int_equal(igb_mc_hash(allhosts), 0x010);
	assert_int_equal(igb_mc_hash(top), 0xfff);
}

static void test_lpe(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 1522;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_int_equal(vf.max_frame, 1522);
	assert_int_equal(r.work, IGB_WORK_VMOLR);
	msg[1] = IGB_FRAME_MAX;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_ACK | IGB_MSG_CTS);
	msg[1] = IGB_FRAME_MAX + 1;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_NACK | IGB_MSG_CTS);
	msg[1] = 0xffffffff;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_NACK | IGB_MSG_CTS);
	msg[1] = IGB_FRAME_MIN - 1;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_NACK | IGB_MSG_CTS);
	assert_int_equal(vf.max_frame, IGB_FRAME_MAX);
}

static void test_vlan(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_VLAN | (1u << IGB_MSG_INFO_SHIFT);
	msg[1] = 0; /* Linux adds VLAN 0 on every open */
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	msg[1] = 100;
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
	log_has("igb: warning: VF1 (p2): NACK to SET_VLAN (0x00010004 0x00000064)");
	msg[0] = IGB_VF_SET_VLAN;
	msg[1] = 0x10000; /* not a VLAN ID */
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
}

static void test_promisc(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_PROMISC | IGB_VF_PROMISC_MCAST;
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_true(vf.mc_promisc);
	msg[0] = IGB_VF_SET_PROMISC;
	assert_int_equal(send(), msg[0] | IGB_MSG_ACK | IGB_MSG_CTS);
	assert_false(vf.mc_promisc);
	msg[0] = IGB_VF_SET_PROMISC | (1u << IGB_MSG_INFO_SHIFT); /* unicast promiscuous */
	assert_int_equal(send(), msg[0] | IGB_MSG_NACK | IGB_MSG_CTS);
}

static void test_garbage(void **state)
{
	static const u32 words[] = {
		0x0000, 0x0007, 0x00ff, IGB_PF_CONTROL_MSG, 0xffff, 0xffffffff,
		IGB_VF_SET_LPE | IGB_MSG_ACK,  /* reply bits in a request */
		IGB_VF_SET_LPE | IGB_MSG_NACK, IGB_VF_SET_LPE | IGB_MSG_CTS,
		IGB_VF_SET_LPE | BIT(24),       /* reserved bits */
		IGB_VF_RESET | BIT(16),         /* RESET takes no flags */
	};

	(void)state;
	reset_vf();
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		msg[0] = words[i];
		msg[1] = 1522;
		if (!(send() & IGB_MSG_NACK) || r.len != 1 || r.work)
			fail_msg("0x%08x: reply 0x%08x, len %u, work 0x%x", words[i], r.reply[0],
				 r.len, r.work);
		assert_int_equal(r.reply[0] & (IGB_MSG_ACK | IGB_MSG_CTS), IGB_MSG_CTS);
	}
	assert_true(vf.cts); /* garbage does not reset anything */
	log_has("igb: warning: VF1 (p2): NACK to an unknown message (0x00000000 0x000005f2)");
	assert_int_equal(vf.max_frame, 0);
	/* Messages of the wrong length are refused too. */
	igb_mbx_msg(&vf, msg, 0, now, &r);
	assert_int_equal(r.reply[0], IGB_MSG_NACK);
	igb_mbx_msg(&vf, msg, IGB_MBX_MSG_WORDS + 1, now, &r);
	assert_int_equal(r.reply[0], IGB_MSG_NACK);
	/* Short messages: the words a type needs must be there. */
	msg[0] = IGB_VF_SET_LPE;
	igb_mbx_msg(&vf, msg, 1, now, &r);
	assert_int_equal(r.reply[0], IGB_VF_SET_LPE | IGB_MSG_NACK | IGB_MSG_CTS);
	msg[0] = IGB_VF_SET_MULTICAST | (4u << IGB_MSG_INFO_SHIFT);
	igb_mbx_msg(&vf, msg, 2, now, &r);
	assert_int_equal(r.reply[0] & IGB_MSG_NACK, IGB_MSG_NACK);
}

/* A VF reset (FLR or CTRL.RST) forgets everything but the locked MAC; RESET brings CTS back. */
static void test_vf_reset_sequence(void **state)
{
	(void)state;
	reset_vf();
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 9000;
	send();
	msg[0] = IGB_VF_SET_MULTICAST | (1u << IGB_MSG_INFO_SHIFT);
	msg[1] = 0x10;
	send();
	igb_mbx_vf_reset(&vf, &r);
	assert_int_equal(r.work, IGB_WORK_DISABLE | IGB_WORK_MTA | IGB_WORK_VMOLR);
	assert_false(vf.cts);
	assert_int_equal(vf.max_frame, 0);
	assert_int_equal(vf.mc_count, 0);
	assert_memory_equal(vf.mac, mac11, 6);
	assert_int_equal(vf.flrs, 1);
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 1522;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_NACK); /* not CTS until RESET */
	reset_vf();
	assert_int_equal(r.reply[0], IGB_VF_RESET | IGB_MSG_ACK);
	assert_int_equal(r.reply[1], 0x12005452);
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 1522;
	assert_int_equal(send(), IGB_VF_SET_LPE | IGB_MSG_ACK | IGB_MSG_CTS);
}

/* The VF's ACKs (its link checks) answered with a NACK while it is not CTS, at most every 2 s. */
static void test_ack_nack_pacing(void **state)
{
	(void)state;
	igb_mbx_ack(&vf, now, &r);
	assert_int_equal(r.len, 1);
	assert_int_equal(r.reply[0], IGB_MSG_NACK);
	igb_mbx_ack(&vf, now + IGB_MBX_NACK_GAP - 1, &r);
	assert_int_equal(r.len, 0);
	igb_mbx_ack(&vf, now + IGB_MBX_NACK_GAP, &r);
	assert_int_equal(r.len, 1);
	reset_vf();
	igb_mbx_ack(&vf, now + 10 * S, &r);
	assert_int_equal(r.len, 0); /* CTS: nothing to say */
}

static void test_flood_mutes_one_vf(void **state)
{
	struct igb_vf other;
	u32 served = 0;

	(void)state;
	igb_mbx_vf_init(&other, 2);
	/* A burst goes through, then the VF is ignored for IGB_MBX_MUTE_NS. */
	for (int i = 0; i < 1000; i++)
		served += igb_mbx_admit(&vf, now + (u64)i * 1000);
	assert_int_equal(served, IGB_MBX_BURST);
	assert_int_equal(vf.floods, 1);
	log_has("VF1 (p2): mailbox flood");
	log_has("ignored for 2000 ms");
	/* One line per mute, not per message. */
	assert_null(strstr(strstr(test_log(), "mailbox flood") + 1, "mailbox flood"));
	assert_true(igb_mbx_admit(&other, now + 1000)); /* the others are served */
	assert_false(igb_mbx_admit(&vf, now + IGB_MBX_MUTE_NS - 1));
	assert_true(igb_mbx_admit(&vf, now + 1000 * 1000 + IGB_MBX_MUTE_NS));
	assert_int_equal(vf.dropped, 1000 - IGB_MBX_BURST + 1);
}

static void test_steady_rate_is_never_muted(void **state)
{
	(void)state;
	/* igbvf's own pace (a few messages a second) for a minute: every one served. */
	for (int i = 0; i < 60 * IGB_MBX_PER_SEC; i++)
		assert_true(igb_mbx_admit(&vf, now + (u64)i * (S / IGB_MBX_PER_SEC)));
	assert_int_equal(vf.floods, 0);
	/* A clock that goes backwards refills nothing and does not crash. */
	assert_true(igb_mbx_admit(&vf, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_gives_mac_without_cts, setup),
		cmocka_unit_test_setup(test_reset_of_unassigned_vf_is_nacked, setup),
		cmocka_unit_test_setup(test_not_cts_is_nacked_without_cts, setup),
		cmocka_unit_test_setup(test_set_mac_locked, setup),
		cmocka_unit_test_setup(test_mac_filters, setup),
		cmocka_unit_test_setup(test_multicast, setup),
		cmocka_unit_test_setup(test_multicast_hash, setup),
		cmocka_unit_test_setup(test_lpe, setup),
		cmocka_unit_test_setup(test_vlan, setup),
		cmocka_unit_test_setup(test_promisc, setup),
		cmocka_unit_test_setup(test_garbage, setup),
		cmocka_unit_test_setup(test_vf_reset_sequence, setup),
		cmocka_unit_test_setup(test_ack_nack_pacing, setup),
		cmocka_unit_test_setup(test_flood_mutes_one_vf, setup),
		cmocka_unit_test_setup(test_steady_rate_is_never_muted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
