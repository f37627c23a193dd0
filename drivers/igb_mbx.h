/* SPDX-License-Identifier: MIT */
/*
 * igb_mbx.h: the PF side of the igb/igbvf mailbox protocol (82576 datasheet
 * 7.8.2; message formats as Linux's igbvf speaks them), as pure logic: a
 * message in, a reply and the filter work for the PF driver out. Every word
 * comes from a VF, i.e. from a partition: nothing here trusts it.
 */
#ifndef DRIVERS_IGB_MBX_H
#define DRIVERS_IGB_MBX_H

#include "kernel/printk.h"
#include "kernel/types.h"

#define IGB_MBX_MSG_WORDS 16
#define IGB_MC_MAX        30   /* multicast hashes per VF, as the igbvf driver sends at most */
#define IGB_FRAME_MIN     64   /* SET_LPE bounds: a minimum Ethernet frame with its CRC ... */
#define IGB_FRAME_MAX     9728 /* ... up to the 82576's largest jumbo frame */

/* Rate limit per VF: a burst of messages, then a steady rate; a VF past it is ignored a while. */
#define IGB_MBX_BURST    32
#define IGB_MBX_PER_SEC  16
#define IGB_MBX_MUTE_NS  (2000ULL * 1000 * 1000)
#define IGB_MBX_NACK_GAP (2000ULL * 1000 * 1000) /* NACKs to a not-CTS VF's ACKs, at most */
#define IGB_MBX_LOG_GAP  (5000ULL * 1000 * 1000) /* one refused-MAC line per VF this often */

/* What the PF driver must do to the hardware after a message (igb_mbx_result.work). */
#define IGB_WORK_RESET   BIT(0) /* reprogram the VF's pool: RAR, VMOLR; then VFRE/VFTE on */
#define IGB_WORK_MTA     BIT(1) /* rewrite the shared multicast table from every VF's hashes */
#define IGB_WORK_VMOLR   BIT(2) /* rewrite VMOLR of the VF's pool */
#define IGB_WORK_DISABLE BIT(3) /* VFRE/VFTE off for the VF (its state was forgotten) */

/* The PF's view of one VF (DESIGN.md: struct vf_port). */
struct igb_vf {
	u16 index;         /* VF number = its pool */
	bool assigned;     /* given to a partition (with an admin MAC) */
	const char *owner; /* partition name, for log lines */
	u8 mac[6];         /* admin-assigned, locked: the VF cannot change it */
	/* Runtime state, forgotten at every VF reset (VFLR/FLR) and RESET message. */
	bool cts; /* clear to send: RESET done since the last VF reset */
	u8 mc_count;
	u16 mc_hash[IGB_MC_MAX];
	bool mc_promisc; /* SET_PROMISC multicast */
	u16 max_frame;   /* SET_LPE; 0 = standard frames only */
	/* Rate limiting and pacing (nanoseconds of the caller's clock). */
	u64 bucket_ns; /* when tokens were last refilled */
	u32 tokens;
	u64 muted_until;
	u64 last_nack;
	u64 last_log;
	u32 log_suppressed;
	struct ratelimit nack_rl; /* NACKs other than a refused MAC (that one has last_log) */
	/* Counters. */
	u64 msgs, acked, nacked, resets, flrs, dropped, floods, mac_refused;
};

/* A reply to write back (len 0: none) and the hardware work to do first. */
struct igb_mbx_result {
	u32 reply[IGB_MBX_MSG_WORDS];
	u32 len;
	u32 work; /* IGB_WORK_* */
};

/* A VF nobody has: no MAC, not clear to send. */
void igb_mbx_vf_init(struct igb_vf *vf, u16 index);

/* Give the VF to `owner` with its locked MAC (a unicast, non-zero address). */
void igb_mbx_vf_assign(struct igb_vf *vf, const char *owner, const u8 mac[6]);

/* The VF was reset (VFLRE: FLR or its own CTRL.RST): forget its runtime state. */
void igb_mbx_vf_reset(struct igb_vf *vf, struct igb_mbx_result *r);

/*
 * Rate limit: may a message that arrived at `now` be served? False while the
 * VF is muted, and when it ran out of tokens (it is then muted for
 * IGB_MBX_MUTE_NS, logged once). Dropped messages get no reply.
 */
bool igb_mbx_admit(struct igb_vf *vf, u64 now);

/* Serve one message of `len` words (copied into PF memory by the caller) that arrived at `now`. */
void igb_mbx_msg(struct igb_vf *vf, const u32 *msg, u32 len, u64 now, struct igb_mbx_result *r);

/* The VF acknowledged our message (or polls its link): NACK a VF that is not CTS, paced. */
void igb_mbx_ack(struct igb_vf *vf, u64 now, struct igb_mbx_result *r);

/* The MTA hash of a multicast MAC as igbvf computes it (RCTL.MO = 0): 12 bits. */
u16 igb_mc_hash(const u8 mac[6]);

#endif
