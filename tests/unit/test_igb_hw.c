// SPDX-License-Identifier: MIT
/* test_igb_hw.c: VMDq pool and filter programming of the 82576, against a fake register file. */
// sources: drivers/igb_hw.c drivers/igb_mbx.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/igb_hw.h"
#include "drivers/igb_regs.h"
#include "tests/unit/doubles.h"

static u32 regfile[IGB_BAR0_SIZE / 4];
static struct igb_hw hw;
static struct igb_vf vfs[IGB_POOLS];

static const u8 pf_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const u8 mac13[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x13 };

static u32 reg(u32 off)
{
	return regfile[off / 4];
}

static int setup(void **state)
{
	(void)state;
	/* Junk everywhere: whatever matters must be written, not left from reset. */
	memset(regfile, 0xa5, sizeof(regfile));
	hw = (struct igb_hw){ .regs = (volatile u8 *)regfile, .num_vfs = 3 };
	memcpy(hw.pf_mac, pf_mac, 6);
	for (u16 i = 0; i < IGB_POOLS; i++)
		igb_mbx_vf_init(&vfs[i], i);
	return 0;
}

static void test_rar_layout(void **state)
{
	(void)state;
	assert_int_equal(IGB_RAL(0), 0x5400);
	assert_int_equal(IGB_RAH(15), 0x547c);
	assert_int_equal(IGB_RAL(16), 0x54e0);
	assert_int_equal(IGB_RAH(23), 0x551c);
	assert_int_equal(igb_vf_rar(0), 23);
	assert_int_equal(igb_vf_rar(6), 17);
	igb_set_rar(&hw, 20, mac13, BIT(3) | BIT(5));
	assert_int_equal(reg(IGB_RAL(20)), 0x12005452);
	assert_int_equal(reg(IGB_RAH(20)), 0x1334 | IGB_RAH_POOL(3) | IGB_RAH_POOL(5) | IGB_RAH_AV);
	igb_set_rar(&hw, 20, mac13, 0);
	assert_int_equal(reg(IGB_RAH(20)), 0);
	assert_int_equal(reg(IGB_RAL(20)), 0);
	/* Past the table: nothing written (the RA2 block ends at entry 23). */
	igb_set_rar(&hw, IGB_RAR_COUNT, mac13, 1);
	assert_int_equal(reg(0x5520), 0xa5a5a5a5);
}

static void test_vmdq_init(void **state)
{
	(void)state;
	igb_vmdq_init(&hw);
	assert_int_equal(reg(IGB_MRQC), IGB_MRQC_VMDQ);
	assert_int_equal(reg(IGB_VT_CTL),
			 7 << 7 | IGB_VT_CTL_DIS_DEF_POOL | IGB_VT_CTL_REPL_EN);
	/* Only the PF's pool is open: VFs open theirs with RESET. */
	assert_int_equal(reg(IGB_VFRE), BIT(IGB_PF_POOL));
	assert_int_equal(reg(IGB_VFTE), BIT(IGB_PF_POOL));
	/* Entry 0: the PF's MAC steering to pool 7 (QEMU drops a hit without pool bits). */
	assert_int_equal(reg(IGB_RAL(0)), 0x12005452);
	assert_int_equal(reg(IGB_RAH(0)), 0x5634 | IGB_RAH_POOL(7) | IGB_RAH_AV);
	for (u32 i = 1; i < IGB_RAR_COUNT; i++)
		assert_int_equal(reg(IGB_RAH(i)) & IGB_RAH_AV, 0);
	for (u32 i = 0; i < IGB_MTA_COUNT; i++)
		assert_int_equal(reg(IGB_MTA(i)), 0);
	/* Loopback, and MAC + VLAN anti-spoofing for VF pools 0-2, not for the PF's. */
	assert_int_equal(reg(IGB_DTXSWC), IGB_DTXSWC_LOOPBACK_EN | 0x0707);
	assert_true(reg(IGB_VMOLR(IGB_PF_POOL)) & IGB_VMOLR_BAM);
	for (u8 p = 0; p < IGB_PF_POOL; p++) {
		assert_int_equal(reg(IGB_VMOLR(p)), IGB_VMOLR_STRCRC); /* nothing accepted */
		assert_int_equal(reg(IGB_VMVIR(p)), 0);
	}
}

static void test_anti_spoof_all_vfs(void **state)
{
	(void)state;
	hw.num_vfs = IGB_VFS_DEFAULT_MAX;
	igb_vmdq_init(&hw);
	assert_int_equal(reg(IGB_DTXSWC), IGB_DTXSWC_LOOPBACK_EN | 0x7f7f);
	hw.num_vfs = 0;
	igb_vmdq_init(&hw);
	assert_int_equal(reg(IGB_DTXSWC), IGB_DTXSWC_LOOPBACK_EN);
}

/* sriov=...:8: pool 7 is VF7's; the PF keeps no pool, its MAC steers nowhere. */
static void test_eight_vfs(void **state)
{
	(void)state;
	hw.num_vfs = IGB_POOLS;
	assert_false(igb_pf_has_pool(&hw));
	igb_vmdq_init(&hw);
	assert_int_equal(reg(IGB_DTXSWC), IGB_DTXSWC_LOOPBACK_EN | 0xffff);
	assert_int_equal(reg(IGB_VFRE), 0);
	assert_int_equal(reg(IGB_RAH(0)) & IGB_RAH_AV, 0);
	assert_int_equal(reg(IGB_VMOLR(7)), IGB_VMOLR_STRCRC);
	igb_mbx_vf_assign(&vfs[7], "p8", mac13);
	igb_pool_setup(&hw, &vfs[7]);
	assert_int_equal(reg(IGB_RAH(16)), 0x1334 | IGB_RAH_POOL(7) | IGB_RAH_AV);
	hw.num_vfs = IGB_VFS_DEFAULT_MAX;
	assert_true(igb_pf_has_pool(&hw));
}

static void test_pool_setup(void **state)
{
	struct igb_vf *vf = &vfs[2];

	(void)state;
	igb_vmdq_init(&hw);
	igb_mbx_vf_assign(vf, "p3", mac13);
	igb_pool_setup(&hw, vf);
	assert_int_equal(reg(IGB_RAL(21)), 0x12005452);
	assert_int_equal(reg(IGB_RAH(21)), 0x1334 | IGB_RAH_POOL(2) | IGB_RAH_AV);
	assert_int_equal(reg(IGB_VMOLR(2)), IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC |
						     IGB_VMOLR_LPE | 1522);
	assert_int_equal(reg(IGB_VFRE), BIT(IGB_PF_POOL)); /* setup does not open the pool */
	/* An unassigned VF's entry stays invalid. */
	igb_pool_setup(&hw, &vfs[1]);
	assert_int_equal(reg(IGB_RAH(22)) & IGB_RAH_AV, 0);
	/* A VF that is not enabled (here VF7: the PF's pool) is never programmed. */
	igb_mbx_vf_assign(&vfs[7], "p8", mac13);
	igb_pool_setup(&hw, &vfs[7]);
	assert_int_equal(reg(IGB_VMOLR(IGB_PF_POOL)) & IGB_VMOLR_AUPE, IGB_VMOLR_AUPE);
	assert_int_equal(reg(IGB_RAH(igb_vf_rar(IGB_PF_POOL))) & IGB_RAH_AV, 0);
}

static void test_vmolr_follows_requests(void **state)
{
	struct igb_vf *vf = &vfs[1];

	(void)state;
	vf->mc_count = 2;
	vf->max_frame = 9000;
	igb_pool_vmolr(&hw, vf);
	assert_int_equal(reg(IGB_VMOLR(1)), IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC |
						     IGB_VMOLR_ROMPE | IGB_VMOLR_LPE | 9000);
	vf->mc_count = 0;
	vf->mc_promisc = true;
	vf->max_frame = 0;
	igb_pool_vmolr(&hw, vf);
	assert_int_equal(reg(IGB_VMOLR(1)), IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC |
						     IGB_VMOLR_MPME | IGB_VMOLR_LPE | 1522);
}

static void test_pool_enable_touches_one_pool(void **state)
{
	(void)state;
	igb_vmdq_init(&hw);
	igb_pool_enable(&hw, 2, true);
	igb_pool_enable(&hw, 0, true);
	assert_int_equal(reg(IGB_VFRE), BIT(0) | BIT(2) | BIT(7));
	assert_int_equal(reg(IGB_VFTE), BIT(0) | BIT(2) | BIT(7));
	igb_pool_enable(&hw, 2, false);
	assert_int_equal(reg(IGB_VFRE), BIT(0) | BIT(7));
	assert_int_equal(reg(IGB_VFTE), BIT(0) | BIT(7));
	igb_pool_enable(&hw, IGB_POOLS, true); /* no such pool */
	assert_int_equal(reg(IGB_VFRE), BIT(0) | BIT(7));
}

static void test_mta_union_of_cts_vfs(void **state)
{
	(void)state;
	vfs[0].cts = true;
	vfs[0].mc_count = 2;
	vfs[0].mc_hash[0] = 0x010; /* MTA[0] bit 16 */
	vfs[0].mc_hash[1] = 0xfff; /* MTA[127] bit 31 */
	vfs[1].cts = true;
	vfs[1].mc_count = 1;
	vfs[1].mc_hash[0] = 0x011; /* MTA[0] bit 17 */
	vfs[2].cts = false;        /* reset since it asked: forgotten */
	vfs[2].mc_count = 1;
	vfs[2].mc_hash[0] = 0x040;
	igb_mta_update(&hw, vfs, 3);
	assert_int_equal(reg(IGB_MTA(0)), BIT(16) | BIT(17));
	assert_int_equal(reg(IGB_MTA(127)), BIT(31));
	assert_int_equal(reg(IGB_MTA(2)), 0);
	for (u32 i = 1; i < 127; i++)
		assert_int_equal(reg(IGB_MTA(i)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rar_layout, setup),
		cmocka_unit_test_setup(test_vmdq_init, setup),
		cmocka_unit_test_setup(test_anti_spoof_all_vfs, setup),
		cmocka_unit_test_setup(test_eight_vfs, setup),
		cmocka_unit_test_setup(test_pool_setup, setup),
		cmocka_unit_test_setup(test_vmolr_follows_requests, setup),
		cmocka_unit_test_setup(test_pool_enable_touches_one_pool, setup),
		cmocka_unit_test_setup(test_mta_union_of_cts_vfs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
