// SPDX-License-Identifier: MIT
/*
 * igb_hw.c: VMDq pool and filter programming of the 82576 (datasheet 7.10,
 * register descriptions 8.10, 8.14). The PF decides every filter: a VF only
 * ever receives what its locked MAC, broadcast and its multicast hashes
 * steer to its pool, and only while the PF has its pool open.
 */
#include "drivers/igb_hw.h"
#include "drivers/igb_regs.h"

/* Standard frame when a pool has no SET_LPE: 1518 bytes + a VLAN tag. */
#define IGB_FRAME_STD 1522

void igb_set_rar(const struct igb_hw *hw, u32 idx, const u8 mac[6], u8 pools)
{
	u32 lo = mac[0] | (u32)mac[1] << 8 | (u32)mac[2] << 16 | (u32)mac[3] << 24;
	u32 hi = mac[4] | (u32)mac[5] << 8;

	if (idx >= IGB_RAR_COUNT)
		return;
	/* Invalidate first so that no frame matches a half-written address (8.10.13). */
	igb_wr(hw, IGB_RAH(idx), 0);
	if (!pools) {
		igb_wr(hw, IGB_RAL(idx), 0);
		return;
	}
	igb_wr(hw, IGB_RAL(idx), lo);
	igb_wr(hw, IGB_RAH(idx), hi | (u32)pools << 18 | IGB_RAH_AV);
}

void igb_pool_enable(const struct igb_hw *hw, u8 pool, bool on)
{
	u32 re = igb_rd(hw, IGB_VFRE), te = igb_rd(hw, IGB_VFTE);

	if (pool >= IGB_POOLS)
		return;
	re = on ? re | (u32)BIT(pool) : re & ~(u32)BIT(pool);
	te = on ? te | (u32)BIT(pool) : te & ~(u32)BIT(pool);
	igb_wr(hw, IGB_VFRE, re);
	igb_wr(hw, IGB_VFTE, te);
}

/*
 * Transmit switching (7.10.3.6): VM-to-VM loopback on, and every VF pool's
 * frames checked against its own MAC and VLAN (7.10.3.9.2 anti-spoofing).
 * The PF's pool is not checked, as Linux leaves it.
 */
static void igb_switch_init(const struct igb_hw *hw)
{
	u32 v = IGB_DTXSWC_LOOPBACK_EN;

	for (u16 p = 0; p < hw->num_vfs && p < IGB_POOLS; p++)
		v |= IGB_DTXSWC_MAC_SPOOF(p) | IGB_DTXSWC_VLAN_SPOOF(p);
	igb_wr(hw, IGB_DTXSWC, v);
}

void igb_vmdq_init(const struct igb_hw *hw)
{
	igb_wr(hw, IGB_MRQC, IGB_MRQC_VMDQ);
	/* Unicast from the wire that matches no address is dropped, not given to a default pool. */
	igb_wr(hw, IGB_VT_CTL,
	       IGB_PF_POOL << IGB_VT_CTL_DEF_PL_SHIFT | IGB_VT_CTL_DIS_DEF_POOL |
		       IGB_VT_CTL_REPL_EN);
	igb_wr(hw, IGB_VFRE, 0);
	igb_wr(hw, IGB_VFTE, 0);
	for (u32 i = 0; i < IGB_RAR_COUNT; i++)
		igb_set_rar(hw, i, hw->pf_mac, 0);
	for (u32 i = 0; i < IGB_MTA_COUNT; i++)
		igb_wr(hw, IGB_MTA(i), 0);
	for (u8 p = 0; p < IGB_POOLS; p++) {
		igb_wr(hw, IGB_VMOLR(p), IGB_VMOLR_STRCRC);
		igb_wr(hw, IGB_VMVIR(p), 0);
	}
	igb_switch_init(hw);
	if (!igb_pf_has_pool(hw))
		return; /* all 8 pools are VFs': the PF's MAC receives nothing */
	/* The reset value of entry 0 has no pool bits: a hit there would go nowhere. */
	igb_set_rar(hw, 0, hw->pf_mac, (u8)BIT(IGB_PF_POOL));
	igb_wr(hw, IGB_VMOLR(IGB_PF_POOL),
	       IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC | IGB_VMOLR_LPE | IGB_FRAME_STD);
	igb_pool_enable(hw, IGB_PF_POOL, true);
}

void igb_pool_vmolr(const struct igb_hw *hw, const struct igb_vf *vf)
{
	u32 v = IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC;

	if (vf->index >= hw->num_vfs || vf->index >= IGB_POOLS)
		return;
	if (vf->mc_count)
		v |= IGB_VMOLR_ROMPE;
	if (vf->mc_promisc)
		v |= IGB_VMOLR_MPME;
	v |= IGB_VMOLR_LPE | (vf->max_frame ? vf->max_frame : IGB_FRAME_STD);
	igb_wr(hw, IGB_VMOLR(vf->index), v);
}

void igb_pool_setup(const struct igb_hw *hw, const struct igb_vf *vf)
{
	if (vf->index >= hw->num_vfs || vf->index >= IGB_POOLS)
		return;
	igb_wr(hw, IGB_VMVIR(vf->index), 0);
	igb_pool_vmolr(hw, vf);
	igb_set_rar(hw, igb_vf_rar(vf->index), vf->mac, vf->assigned ? (u8)BIT(vf->index) : 0);
}

void igb_mta_update(const struct igb_hw *hw, const struct igb_vf *vfs, u16 count)
{
	u32 mta[IGB_MTA_COUNT] = { 0 };

	for (u16 i = 0; i < count; i++) {
		if (!vfs[i].cts)
			continue;
		for (u8 k = 0; k < vfs[i].mc_count && k < IGB_MC_MAX; k++) {
			u16 h = vfs[i].mc_hash[k] & 0xfff;

			mta[h >> 5] |= (u32)BIT(h & 31);
		}
	}
	for (u32 i = 0; i < IGB_MTA_COUNT; i++)
		igb_wr(hw, IGB_MTA(i), mta[i]);
}
