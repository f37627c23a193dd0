/* SPDX-License-Identifier: MIT */
/*
 * igb_hw.h: the 82576's VMDq pools as register programming (82576 datasheet
 * 7.10 "Virtualization"): receive address filters with pool select, per-pool
 * offloads (VMOLR), the shared multicast table, VF receive/transmit enables,
 * transmit switching and anti-spoofing. Only MMIO through a base pointer, so
 * the host unit tests run it against a fake register file.
 */
#ifndef DRIVERS_IGB_HW_H
#define DRIVERS_IGB_HW_H

#include "drivers/igb_mbx.h"
#include "drivers/igb_regs.h"
#include "kernel/io.h"
#include "kernel/types.h"

/*
 * VFs the partitions' plan gets at most: QEMU's model (and the hardware)
 * gives queue q to VF (q mod 8) whenever that VF is enabled, so with all 8
 * VFs the PF would own no queue; Linux's igb caps the 82576 at 7 for the
 * same reason. The PF keeps pool 7 (queues 7 and 15). Only an explicit
 * sriov=<pf>:8 enables VF7, and then the PF has no queue of its own.
 */
#define IGB_VFS_DEFAULT_MAX 7
#define IGB_PF_POOL         7

struct igb_hw {
	volatile u8 *regs; /* BAR0 */
	u16 num_vfs;       /* VFs enabled: pools 0..num_vfs-1 are theirs */
	u8 pf_mac[6];
};

/* Does the PF have pool IGB_PF_POOL (and its queues), i.e. is VF7 not enabled? */
static inline bool igb_pf_has_pool(const struct igb_hw *hw)
{
	return hw->num_vfs <= IGB_PF_POOL;
}

static inline u32 igb_rd(const struct igb_hw *hw, u32 reg)
{
	return mmio_read32(hw->regs + reg);
}

static inline void igb_wr(const struct igb_hw *hw, u32 reg, u32 v)
{
	mmio_write32(hw->regs + reg, v);
}

/* The receive address entry of VF vf's MAC (Linux's choice: from the top, 23 - vf). */
static inline u32 igb_vf_rar(u16 vf)
{
	return IGB_RAR_COUNT - 1 - vf;
}

/* Receive address entry idx = mac, steering to the pools in the `pools` mask (0: entry invalid). */
void igb_set_rar(const struct igb_hw *hw, u32 idx, const u8 mac[6], u8 pools);

/*
 * VMDq mode with the PF in pool IGB_PF_POOL (if it has it): every VF pool
 * closed and its address entry invalid, the PF's MAC in entry 0 for its
 * pool, replication, VM-to-VM loopback, MAC and VLAN anti-spoofing for every
 * VF pool, the PF's pool open. The PF's queues and RCTL/TCTL are igb.c's.
 */
void igb_vmdq_init(const struct igb_hw *hw);

/* A VF's pool after RESET: its locked MAC in its address entry, VMOLR from its state. */
void igb_pool_setup(const struct igb_hw *hw, const struct igb_vf *vf);

/* VMOLR of a VF's pool from its state: untagged, broadcast, multicast as asked, max frame. */
void igb_pool_vmolr(const struct igb_hw *hw, const struct igb_vf *vf);

/* Open (receive and transmit) or close a pool: VFRE/VFTE. */
void igb_pool_enable(const struct igb_hw *hw, u8 pool, bool on);

/* The shared multicast table: the union of the hashes of every VF that is clear to send. */
void igb_mta_update(const struct igb_hw *hw, const struct igb_vf *vfs, u16 count);

#endif
