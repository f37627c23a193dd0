// SPDX-License-Identifier: MIT
/*
 * igb_mbx.c: the PF's answers to igbvf mailbox messages. A partition's VF may
 * send anything; each message is checked word by word, every refusal is a
 * NACK, the admin MAC cannot be changed, and a VF that floods is ignored for
 * a while without the others noticing (each VF has its own budget).
 */
#define LOG_TAG "igb"
#include "drivers/igb_mbx.h"
#include "drivers/igb_regs.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define NS_PER_SEC (1000ULL * 1000 * 1000)
#define VLAN_VID   GENMASK(11, 0)

void igb_mbx_vf_init(struct igb_vf *vf, u16 index)
{
	memset(vf, 0, sizeof(*vf));
	vf->index = index;
	vf->tokens = IGB_MBX_BURST;
	vf->nack_rl = (struct ratelimit)RATELIMIT_INIT(3, 100);
}

void igb_mbx_vf_assign(struct igb_vf *vf, const char *owner, const u8 mac[6])
{
	vf->assigned = true;
	vf->owner = owner;
	memcpy(vf->mac, mac, 6);
}

static void igb_mbx_forget(struct igb_vf *vf)
{
	vf->cts = false;
	vf->mc_count = 0;
	vf->mc_promisc = false;
	vf->max_frame = 0;
}

void igb_mbx_vf_reset(struct igb_vf *vf, struct igb_mbx_result *r)
{
	memset(r, 0, sizeof(*r));
	vf->flrs++;
	igb_mbx_forget(vf);
	/* The hardware cleared VFRE/VFTE itself (82576 7.8.2.3); clear them again for certain. */
	r->work = IGB_WORK_DISABLE | IGB_WORK_MTA | IGB_WORK_VMOLR;
}

/* Refill the VF's tokens for the time since the last refill (integer math, no overflow). */
static void igb_mbx_refill(struct igb_vf *vf, u64 now)
{
	u64 elapsed = now - vf->bucket_ns, add;

	if (now < vf->bucket_ns)
		elapsed = 0; /* a clock that went backwards refills nothing */
	add = elapsed / (NS_PER_SEC / IGB_MBX_PER_SEC);
	if (add == 0)
		return;
	vf->tokens = (u32)MIN((u64)IGB_MBX_BURST, vf->tokens + add);
	vf->bucket_ns += add * (NS_PER_SEC / IGB_MBX_PER_SEC);
	if (vf->tokens == IGB_MBX_BURST)
		vf->bucket_ns = now;
}

bool igb_mbx_admit(struct igb_vf *vf, u64 now)
{
	if (now < vf->muted_until) {
		vf->dropped++;
		return false;
	}
	igb_mbx_refill(vf, now);
	if (vf->tokens) {
		vf->tokens--;
		return true;
	}
	vf->dropped++;
	vf->floods++;
	vf->muted_until = now + IGB_MBX_MUTE_NS;
	vf->bucket_ns = vf->muted_until;
	vf->tokens = IGB_MBX_BURST;
	pr_warn("VF%u (%s): mailbox flood (%llu messages so far): ignored for %llu ms\n", vf->index,
		vf->owner ? vf->owner : "unassigned", vf->msgs + vf->dropped,
		IGB_MBX_MUTE_NS / 1000000);
	return false;
}

static void igb_mbx_reply(struct igb_mbx_result *r, u32 word0, bool ok, bool cts)
{
	r->reply[0] = (word0 & (IGB_MSG_TYPE | IGB_MSG_INFO)) | (ok ? IGB_MSG_ACK : IGB_MSG_NACK) |
		      (cts ? IGB_MSG_CTS : 0);
	r->len = 1;
}

static void igb_mac_words(const u32 *msg, u8 mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (u8)(msg[1 + i / 4] >> (8 * (i % 4)));
}

/* RESET: the VF starts over. Reply [RESET|ACK, MAC bytes 0-3, MAC bytes 4-5] without CTS. */
static void igb_mbx_reset(struct igb_vf *vf, struct igb_mbx_result *r)
{
	vf->resets++;
	igb_mbx_forget(vf);
	r->len = 3;
	if (!vf->assigned) {
		r->reply[0] = IGB_VF_RESET | IGB_MSG_NACK; /* no MAC: nothing to receive */
		return;
	}
	vf->cts = true;
	r->work = IGB_WORK_RESET | IGB_WORK_MTA;
	r->reply[0] = IGB_VF_RESET | IGB_MSG_ACK;
	r->reply[1] =
		vf->mac[0] | (u32)vf->mac[1] << 8 | (u32)vf->mac[2] << 16 | (u32)vf->mac[3] << 24;
	r->reply[2] = vf->mac[4] | (u32)vf->mac[5] << 8;
}

/* One line per VF at most every IGB_MBX_LOG_GAP: the VF decides how often we would print. */
static void igb_mbx_log_refused(struct igb_vf *vf, const u8 want[6], u64 now)
{
	vf->mac_refused++;
	if (vf->last_log && now - vf->last_log < IGB_MBX_LOG_GAP) {
		vf->log_suppressed++;
		return;
	}
	pr_warn("VF%u (%s): refused MAC %02x:%02x:%02x:%02x:%02x:%02x: its MAC "
		"%02x:%02x:%02x:%02x:%02x:%02x is locked (%u more refusals not shown)\n",
		vf->index, vf->owner ? vf->owner : "unassigned", want[0], want[1], want[2], want[3],
		want[4], want[5], vf->mac[0], vf->mac[1], vf->mac[2], vf->mac[3], vf->mac[4],
		vf->mac[5], vf->log_suppressed);
	vf->last_log = now ? now : 1;
	vf->log_suppressed = 0;
}

/*
 * SET_MAC_ADDR: the admin MAC is locked. Asking for it again is fine;
 * another MAC, or an extra unicast filter (MAC_FILTER_ADD), is refused.
 * MAC_FILTER_CLR drops extra filters, of which a VF here has none.
 */
static bool igb_mbx_set_mac(struct igb_vf *vf, const u32 *msg, u32 len, u64 now)
{
	u32 info = msg[0] & IGB_MSG_INFO;
	u8 want[6];

	if (info == IGB_VF_MAC_FILTER_CLR)
		return true;
	if (info != 0 || len < 3)
		return false;
	igb_mac_words(msg, want);
	if (!memcmp(want, vf->mac, 6))
		return true;
	igb_mbx_log_refused(vf, want, now);
	return false;
}

/* SET_MULTICAST: MSGINFO hashes (12 bits each), two per word from word 1. */
static bool igb_mbx_set_mc(struct igb_vf *vf, const u32 *msg, u32 len, struct igb_mbx_result *r)
{
	u32 n = (msg[0] & IGB_MSG_INFO) >> IGB_MSG_INFO_SHIFT;
	u16 hash[IGB_MC_MAX];

	if (n > IGB_MC_MAX || len < 1 + (n + 1) / 2)
		return false;
	for (u32 i = 0; i < n; i++) {
		hash[i] = (u16)(msg[1 + i / 2] >> (16 * (i % 2)));
		if (hash[i] > 0xfff)
			return false;
	}
	memcpy(vf->mc_hash, hash, n * sizeof(hash[0]));
	vf->mc_count = (u8)n;
	r->work |= IGB_WORK_MTA | IGB_WORK_VMOLR;
	return true;
}

/* SET_LPE: the largest frame the VF wants to receive, bounded (VMOLR.RLPML is 14 bits). */
static bool igb_mbx_set_lpe(struct igb_vf *vf, const u32 *msg, u32 len, struct igb_mbx_result *r)
{
	if (len < 2 || msg[1] < IGB_FRAME_MIN || msg[1] > IGB_FRAME_MAX)
		return false;
	vf->max_frame = (u16)msg[1];
	r->work |= IGB_WORK_VMOLR;
	return true;
}

/*
 * SET_VLAN: partitions get no VLANs (their pool takes untagged frames only).
 * VLAN 0 (priority tags, "no VLAN"), which Linux adds on every open, is
 * accepted as the no-op it is; any other VLAN is refused.
 */
static bool igb_mbx_set_vlan(const u32 *msg, u32 len)
{
	return len >= 2 && (msg[1] & VLAN_VID) == 0 && (msg[1] & ~VLAN_VID) == 0;
}

/* SET_PROMISC: multicast promiscuous on or off; unicast promiscuous would see others' frames. */
static bool igb_mbx_set_promisc(struct igb_vf *vf, const u32 *msg, struct igb_mbx_result *r)
{
	u32 flags = msg[0] & IGB_MSG_INFO;

	if (flags & ~IGB_VF_PROMISC_MCAST)
		return false;
	vf->mc_promisc = flags != 0;
	r->work |= IGB_WORK_VMOLR;
	return true;
}

static bool igb_mbx_dispatch(struct igb_vf *vf, const u32 *msg, u32 len, u64 now,
			     struct igb_mbx_result *r)
{
	switch (msg[0] & IGB_MSG_TYPE) {
	case IGB_VF_SET_MAC_ADDR:
		return igb_mbx_set_mac(vf, msg, len, now);
	case IGB_VF_SET_MULTICAST:
		return igb_mbx_set_mc(vf, msg, len, r);
	case IGB_VF_SET_LPE:
		return igb_mbx_set_lpe(vf, msg, len, r);
	case IGB_VF_SET_VLAN:
		return igb_mbx_set_vlan(msg, len);
	case IGB_VF_SET_PROMISC:
		return igb_mbx_set_promisc(vf, msg, r);
	default:
		return false; /* unknown: NACK */
	}
}

static const char *igb_mbx_name(u32 word0)
{
	static const char *const names[] = { [IGB_VF_RESET] = "RESET",
					     [IGB_VF_SET_MAC_ADDR] = "SET_MAC_ADDR",
					     [IGB_VF_SET_MULTICAST] = "SET_MULTICAST",
					     [IGB_VF_SET_VLAN] = "SET_VLAN",
					     [IGB_VF_SET_LPE] = "SET_LPE",
					     [IGB_VF_SET_PROMISC] = "SET_PROMISC" };
	u32 type = word0 & IGB_MSG_TYPE;

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "an unknown message";
}

/* A refusal the VF chose to provoke: one line, paced per VF (a refused MAC has its own line). */
static void igb_mbx_log_nack(struct igb_vf *vf, const u32 *msg, u32 len)
{
	u32 n = ratelimit_check(&vf->nack_rl);

	if (n)
		pr_warn("VF%u (%s): NACK to %s (0x%08x 0x%08x)%s%s\n", vf->index,
			vf->owner ? vf->owner : "unassigned", igb_mbx_name(msg[0]), msg[0],
			len > 1 ? msg[1] : 0, vf->cts ? "" : ": no RESET yet",
			n > 1 ? " (more suppressed)" : "");
}

void igb_mbx_msg(struct igb_vf *vf, const u32 *msg, u32 len, u64 now, struct igb_mbx_result *r)
{
	u64 mac_refused = vf->mac_refused;
	bool ok;

	memset(r, 0, sizeof(*r));
	vf->msgs++;
	if (len == 0 || len > IGB_MBX_MSG_WORDS) {
		r->reply[0] = IGB_MSG_NACK;
		r->len = 1;
		vf->nacked++;
		return;
	}
	if ((msg[0] & (IGB_MSG_TYPE | IGB_MSG_INFO | IGB_MSG_ACK | IGB_MSG_NACK | IGB_MSG_CTS)) ==
	    IGB_VF_RESET) {
		igb_mbx_reset(vf, r);
		vf->acked += vf->cts;
		vf->nacked += !vf->cts;
		return;
	}
	/* A VF that has not finished RESET, or a word with reply bits: refused without CTS. */
	ok = vf->cts && !(msg[0] & ~(IGB_MSG_TYPE | IGB_MSG_INFO)) &&
	     igb_mbx_dispatch(vf, msg, len, now, r);
	igb_mbx_reply(r, msg[0], ok, vf->cts);
	vf->acked += ok;
	vf->nacked += !ok;
	if (!ok && vf->mac_refused == mac_refused)
		igb_mbx_log_nack(vf, msg, len);
}

void igb_mbx_ack(struct igb_vf *vf, u64 now, struct igb_mbx_result *r)
{
	memset(r, 0, sizeof(*r));
	if (vf->cts || !vf->assigned)
		return;
	/* igbvf answers a NACK to its link check with a full reset (its way back to CTS). */
	if (vf->last_nack && now - vf->last_nack < IGB_MBX_NACK_GAP)
		return;
	vf->last_nack = now ? now : 1;
	r->reply[0] = IGB_MSG_NACK;
	r->len = 1;
	vf->nacked++;
}

u16 igb_mc_hash(const u8 mac[6])
{
	return (u16)(((mac[4] >> 4) | ((u16)mac[5] << 4)) & 0xfff);
}
