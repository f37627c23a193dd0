// SPDX-License-Identifier: MIT
/* test_sriov.c: enabling and disabling VFs, their RIDs and BARs, window growth, hostile SR-IOV capabilities. */
// sources: pci/pci.c pci/sriov.c pci/res.c kernel/format.c tests/unit/fake_pci.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pci/res.h"
#include "pci/sriov.h"
#include "tests/unit/doubles.h"
#include "tests/unit/fake_pci.h"

#define K16 (16 * 1024ULL)

static struct pci_platform plat;
static struct mem_region ram[] = {
	{ 0, 0x9fc00, MEM_RAM },
	{ 0x100000, 0x1ff00000, MEM_RAM },        /* 512 MiB */
	{ 0xb0000000, 0x10000000, MEM_RESERVED }, /* ECAM */
};
static int rp, pf_idx;

static int setup(void **state)
{
	(void)state;
	fake_reset(&plat);
	plat.mem = ram;
	plat.mem_count = 3;
	plat.reserved[0] = (struct pci_range){ 0xfec00000, 0x01400000 };
	plat.reserved_count = 1;
	test_log_clear();
	return 0;
}

/* q35-like: a root port with room in its windows, an igb-like PF behind it (8 VFs at 0x80, stride 2). */
static void igb_topology(u64 pref_base, u64 pref_limit)
{
	int vga;

	fake_add(FAKE_ROOT, 0, 0, 0x8086, 0x29c0, 0x060000, PCI_HEADER_NORMAL);
	vga = fake_add(FAKE_ROOT, 1, 0, 0x1234, 0x1111, 0x030000, PCI_HEADER_NORMAL);
	fake_bar(vga, 0, 16 << 20, PCI_BAR_MEM_PREFETCH, 0xfd000000);
	rp = fake_add(FAKE_ROOT, 2, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, true);
	fake_bus_numbers(rp, 0, 1, 1);
	fake_mem_window(rp, 0xfe800000, 0xfe9fffff);
	fake_pref_window(rp, pref_base, pref_limit, true);
	pf_idx = fake_add(rp, 0, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_bar(pf_idx, 0, 128 * 1024, 0, 0xfe800000);
	fake_bar(pf_idx, 3, K16, PCI_BAR_MEM_TYPE_64, 0xfe840000);
	fake_pcie_cap(pf_idx, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(pf_idx, 0x100, PCI_EXT_CAP_ID_ARI, 0x160);
	fake_sriov(pf_idx, 0x160, 0, 8, 0x80, 2, 0x10ca, K16);
}

static struct pci_dev *scan_pf(void)
{
	pci_scan(&plat);
	return pci_find(0, 1, 0, 0);
}

static u16 pf_reg16(u16 reg)
{
	return fake_read(pf_idx, 0x160 + reg, 2);
}

/* No two of these ranges overlap: every VF BAR, every other BAR, every RAM region. */
static void assert_no_overlaps(void)
{
	struct {
		u64 s, e;
	} r[128];
	int n = 0;
	struct pci_dev *d;

	pci_for_each_dev(d) for (int i = 0; i < PCI_STD_BARS;
				 i++) if (d->bar[i].size && d->bar[i].type != PCI_BAR_IO)
	{
		r[n].s = d->bar[i].addr;
		r[n++].e = d->bar[i].addr + d->bar[i].size;
	}
	for (unsigned int i = 0; i < plat.mem_count; i++) {
		r[n].s = plat.mem[i].base;
		r[n++].e = plat.mem[i].base + plat.mem[i].len;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			assert_false(r[i].s < r[j].e && r[j].s < r[i].e);
}

static void test_enable_all(void **state)
{
	struct pci_dev *pf, *vf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_non_null(pf);
	assert_int_equal(pf->sriov.total_vfs, 8);
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_int_equal(pf->sriov.num_vfs, 8);
	assert_int_equal(pf_reg16(PCI_SRIOV_NUM_VF), 8);
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE),
			 PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	assert_int_equal(fake_read(pf_idx, 0x160 + PCI_SRIOV_SYS_PGSIZE, 4), 1);
	assert_int_equal(fake.early_vf_access, 0);
	assert_true(fake.now_ms >= 100);
	assert_int_equal(fake.sizing_with_decode, 0);
	for (u16 i = 0; i < 8; i++) {
		u8 devfn = 0x80 + 2 * i;

		vf = pci_find(0, 1, PCI_SLOT(devfn), PCI_FUNC(devfn));
		assert_non_null(vf);
		assert_ptr_equal(sriov_vf(pf, i), vf);
		assert_true(vf->is_vf);
		assert_ptr_equal(vf->pf, pf);
		assert_int_equal(vf->vf_index, i);
		assert_ptr_equal(vf->parent, pf->parent);
		assert_int_equal(vf->vendor, 0x8086);
		assert_int_equal(vf->device, 0x10ca);
		assert_int_equal(vf->class, 0x020000);
		assert_int_equal(vf->bar[0].size, K16);
		assert_int_equal(vf->bar[0].addr, pf->sriov.vf_bar[0].addr + i * K16);
		assert_int_equal(vf->bar[3].addr, pf->sriov.vf_bar[3].addr + i * K16);
		assert_true(vf->msix.valid);
		assert_int_equal(vf->ecap_sriov, 0);
		assert_true(
			fake_read(pf->sriov.vf_bar[0].size ? pf_idx + 1 + i : 0, PCI_COMMAND, 2) &
			PCI_COMMAND_MEMORY);
	}
	/* Room was found inside the root port's prefetchable window as it was. */
	assert_true(pf->sriov.vf_bar[0].addr >= 0xfe000000 &&
		    pf->sriov.vf_bar[0].addr < 0xfe200000);
	assert_int_equal(pci_find(0, 0, 2, 0)->pref_win.base, 0xfe000000);
	assert_int_equal(pci_find(0, 0, 2, 0)->pref_win.limit, 0xfe1fffff);
	assert_no_overlaps();
	test_log_clear();
	pci_print_dev(sriov_vf(pf, 1));
	assert_true(test_log_has("pci: 0000:01:10.2 8086:10ca 0200 VF1 of 0000:01:00.0 bar0 0x"));
	pci_print_dev(pf);
	assert_true(test_log_has("PF 8/8 VFs"));
}

static void test_more_than_total(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 9), 0);
	assert_true(test_log_has("0000:01:00.0: 9 VFs asked for, but TotalVFs is 8: enabling 8"));
	assert_int_equal(pf->sriov.num_vfs, 8);
}

static void test_disable_and_reenable(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 4), 0);
	assert_int_equal(pci_count(), 4 + 4);
	sriov_vf(pf, 2)->owner = pf;
	assert_int_equal(sriov_disable(pf), -EBUSY);
	assert_int_equal(pf->sriov.num_vfs, 4);
	sriov_vf(pf, 2)->owner = NULL;
	fake.now_ms = 0;
	assert_int_equal(sriov_disable(pf), 0);
	assert_true(fake.now_ms >= 1000); /* the spec's 1 s after clearing VF Enable */
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(pci_count(), 4);
	assert_null(pci_find(0, 1, 0x10, 0));
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pf_reg16(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(sriov_disable(pf), 0);
	/* Changing the count goes through a disable. */
	assert_int_equal(sriov_enable(pf, 2), 0);
	assert_int_equal(sriov_enable(pf, 6), 0);
	assert_int_equal(pf->sriov.num_vfs, 6);
	assert_non_null(sriov_vf(pf, 5));
	assert_int_equal(sriov_enable(pf, 0), 0);
	assert_int_equal(pci_count(), 4);
	assert_int_equal(fake.early_vf_access, 0);
}

static void test_total_vfs_zero(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_TOTAL_VF, 2, 0);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 1), -ENODEV);
	assert_true(test_log_has("TotalVFs is 0"));
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
}

static void test_stride_zero(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_STRIDE, 2, 0);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 4), -EINVAL);
	assert_true(test_log_has("VF Stride is 0: 4 VFs would share one Routing ID"));
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pf_reg16(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(pf->sriov.num_vfs, 0);
	/* One VF needs no stride. */
	assert_int_equal(sriov_enable(pf, 1), 0);
}

static void test_offset_zero(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_OFFSET, 2, 0);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -EINVAL);
	assert_true(test_log_has("First VF Offset is 0"));
}

/* A PF on bus 0xfe whose VFs would run past bus 255. */
static void test_rid_wraps_past_bus_255(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_bus_numbers(rp, 0, 0xfe, 0xff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_OFFSET, 2, 0x180);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_STRIDE, 2, 0x40);
	pci_scan(&plat);
	pf = pci_find(0, 0xfe, 0, 0);
	assert_non_null(pf);
	assert_int_equal(sriov_enable(pf, 8), -ERANGE);
	assert_true(test_log_has("VF2 would pass bus 255"));
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(pf_reg16(PCI_SRIOV_NUM_VF), 0);
}

static void test_vf_bus_outside_bridge(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_OFFSET, 2, 0x100); /* VFs on bus 2 */
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -ERANGE);
	assert_true(test_log_has("VF0 would be on bus 02, outside buses 01-01 behind its bridge"));
}

/* With pci=assign-busses the scan leaves room for the VFs' buses. */
static void test_assign_reserves_vf_buses(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_VF_OFFSET, 2, 0x100);
	plat.assign_busses = true;
	pf = scan_pf();
	assert_non_null(pf);
	assert_int_equal(pci_find(0, 0, 2, 0)->subordinate, 2);
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_non_null(pci_find(0, 2, 0, 0));
	assert_non_null(pci_find(0, 2, 1, 6));
}

static void test_rid_collision(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, true);
	fake_write_raw(rp, 0x40 + PCI_EXP_DEVCTL2, 2,
		       PCI_EXP_DEVCTL2_ARI); /* ARI on: all devices scanned */
	fake_add(rp, 0x11, 0, 0x1234, 0x5678, 0, PCI_HEADER_NORMAL); /* sits where VF4 would */
	pf = scan_pf();
	assert_non_null(pci_find(0, 1, 0x11, 0));
	assert_int_equal(sriov_enable(pf, 8), -EEXIST);
	assert_true(test_log_has("VF4 would be 01:11.0, which another function already is"));
}

static void test_ari(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), 0);
	assert_true(fake_read(rp, 0x40 + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI);
	assert_true(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_ARI);
	/* A port without ARI forwarding cannot reach VFs at device 0x10. */
	setup(NULL);
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, false);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -ENODEV);
	assert_true(test_log_has("needs ARI forwarding, which the port above lacks"));
}

/* The PF's BAR0 fills the root port's 1 MiB memory window; it has no BAR3. */
static void fill_mem_window(void)
{
	fake_mem_window(rp, 0xfe800000, 0xfe8fffff);
	fake_bar(pf_idx, 0, 1 << 20, 0, 0xfe800000);
	memset(&fake.fn[pf_idx].wmask[PCI_BAR0 + 12], 0, 8);
	fake_write_raw(pf_idx, PCI_BAR0 + 12, 4, 0);
}

/* The prefetchable window is closed and the memory window full: the first is opened where nothing else is. */
static void test_window_opened(void **state)
{
	struct pci_dev *pf, *port;

	(void)state;
	igb_topology(0xfff00000, 0);
	fill_mem_window();
	pf = scan_pf();
	port = pci_find(0, 0, 2, 0);
	assert_false(pci_window_open(&port->pref_win));
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_true(pci_window_open(&port->pref_win));
	assert_true(port->pref_win.base <= pf->sriov.vf_bar[0].addr);
	assert_true(pf->sriov.vf_bar[3].addr + 8 * K16 - 1 <= port->pref_win.limit);
	/* Below 4 GiB while there is room there, above RAM (which ends at 512 MiB). */
	assert_true(port->pref_win.limit < 4ULL << 30);
	assert_true(port->pref_win.base >= 0x20000000);
	/* The hardware holds the same window. */
	assert_int_equal(fake_read(rp, PCI_PREF_MEMORY_BASE, 2) & 0xfff0,
			 (port->pref_win.base >> 16) & 0xfff0);
	assert_true(fake_read(rp, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	assert_true(test_log_has("0000:00:02.0: prefetchable window set to 0x"));
	assert_int_equal(port->mem_win.limit, 0xfe8fffff);
	assert_no_overlaps();
}

/* With nothing free below 4 GiB, 64-bit prefetchable VF BARs go above it. */
static void test_above_4g_when_32bit_full(void **state)
{
	struct pci_dev *pf, *port;

	(void)state;
	igb_topology(0xfff00000, 0);
	fill_mem_window();
	plat.reserved[1] = (struct pci_range){ 0x20000000, 0xfd000000 - 0x20000000 };
	plat.reserved[2] = (struct pci_range){ 0xfe000000, 0x800000 };
	plat.reserved[3] = (struct pci_range){ 0xfe900000, 0x300000 };
	plat.reserved_count = 4;
	pf = scan_pf();
	port = pci_find(0, 0, 2, 0);
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_true(port->pref_win.base >= 4ULL << 30);
	assert_int_equal(fake_read(rp, PCI_PREF_BASE_UPPER32, 4), port->pref_win.base >> 32);
	assert_true(pf->sriov.vf_bar[0].addr >= port->pref_win.base);
	assert_no_overlaps();
}

/* A window too small is grown; a sibling's window right above it is not swallowed. */
static void test_window_grown_around_sibling(void **state)
{
	struct pci_dev *pf, *port;
	int rp2;

	(void)state;
	igb_topology(0x100000000ULL, 0x1000fffffULL);                 /* 1 MiB */
	fake_sriov(pf_idx, 0x160, 0, 8, 0x80, 2, 0x10ca, 128 * 1024); /* needs 2 MiB */
	rp2 = fake_add(FAKE_ROOT, 3, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_bus_numbers(rp2, 0, 2, 2);
	fake_pref_window(rp2, 0x100100000ULL, 0x1001fffffULL, true);
	pf = scan_pf();
	port = pci_find(0, 0, 2, 0);
	assert_int_equal(sriov_enable(pf, 8), 0);
	/*
	 * The prefetchable window can grow neither up (the sibling) nor down
	 * (across 4 GiB): the memory window below 4 GiB takes the BARs instead.
	 */
	assert_int_equal(port->pref_win.base, 0x100000000ULL);
	assert_int_equal(port->pref_win.limit, 0x1000fffffULL);
	assert_true(port->mem_win.base <= pf->sriov.vf_bar[0].addr);
	assert_true(pf->sriov.vf_bar[3].addr + 8 * 128 * 1024 - 1 <= port->mem_win.limit);
	assert_true(test_log_has("0000:00:02.0: memory window set to 0xfe000000-0xfe9fffff"));
	assert_int_equal(pci_find(0, 0, 3, 0)->pref_win.base, 0x100100000ULL);
	assert_no_overlaps();
}

/* Two levels of windows grow together: root port -> switch -> PF. */
static void test_nested_windows_grow(void **state)
{
	struct pci_dev *pf;
	int r, up, dn, p;

	(void)state;
	fake_add(FAKE_ROOT, 0, 0, 0x8086, 0x29c0, 0x060000, PCI_HEADER_NORMAL);
	r = fake_add(FAKE_ROOT, 1, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(r, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, true);
	fake_bus_numbers(r, 0, 1, 3);
	up = fake_add(r, 0, 0, 0x104c, 0x8232, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(up, 0x40, 0, PCI_EXP_TYPE_UPSTREAM, false);
	fake_bus_numbers(up, 1, 2, 3);
	dn = fake_add(up, 0, 0, 0x104c, 0x8233, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(dn, 0x40, 0, PCI_EXP_TYPE_DOWNSTREAM, true);
	fake_bus_numbers(dn, 2, 3, 3);
	p = fake_add(dn, 0, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_pcie_cap(p, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(p, 0x100, PCI_EXT_CAP_ID_ARI, 0x160);
	fake_sriov(p, 0x160, 0, 8, 0x80, 2, 0x10ca, K16);
	pci_scan(&plat);
	pf = pci_find(0, 3, 0, 0);
	assert_int_equal(sriov_enable(pf, 8), 0);
	for (int lvl = 0; lvl < 3; lvl++) {
		struct pci_dev *b = lvl == 0   ? pci_find(0, 0, 1, 0)
				    : lvl == 1 ? pci_find(0, 1, 0, 0)
					       : pci_find(0, 2, 0, 0);

		assert_true(b->pref_win.base <= pf->sriov.vf_bar[0].addr);
		assert_true(pf->sriov.vf_bar[3].addr + 8 * K16 - 1 <= b->pref_win.limit);
	}
	assert_non_null(pci_find(0, 3, 0x11, 6));
}

/* No room anywhere: a clear error, the windows as they were, no VFs. */
static void test_no_room(void **state)
{
	struct pci_dev *pf, *port;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_sriov(pf_idx, 0x160, 0, 8, 0x80, 2, 0x10ca, 1ULL << 36); /* 8 x 2 x 64 GiB */
	pf = scan_pf();
	port = pci_find(0, 0, 2, 0);
	assert_int_equal(sriov_enable(pf, 8), -ENOSPC);
	assert_true(test_log_has("0000:01:00.0: no room for 1024G of prefetchable BARs"));
	assert_int_equal(port->pref_win.base, 0xfe000000);
	assert_int_equal(port->pref_win.limit, 0xfe1fffff);
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pci_count(), 4);
}

/* Firmware's VF BARs are kept when they are sound, replaced when they overlap something. */
static void test_firmware_vf_bars(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_BAR, 4, 0xfe100000 | 0xc);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_BAR + 12, 4, 0xfe180000 | 0xc);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_int_equal(pf->sriov.vf_bar[0].addr, 0xfe100000);
	assert_int_equal(pf->sriov.vf_bar[3].addr, 0xfe180000);
	sriov_disable(pf);
	/* Now over the PF's own BAR0: replaced. */
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_BAR, 4, 0xfe800000 | 0xc);
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_int_not_equal(pf->sriov.vf_bar[0].addr, 0xfe800000);
	assert_no_overlaps();
}

/* vf=01:10.2 on a partition line becomes VF1: the index a RID would have, before VFs exist. */
static void test_vf_index_and_requests(void **state)
{
	struct hv_sriov_req named = { .seg = 0, .bus = 1, .dev = 0, .fn = 0, .num = 2 };
	struct hv_sriov_req other = { .seg = 0, .bus = 2, .dev = 0, .fn = 0, .num = 2 };
	struct hv_sriov_req all = { .all = true, .num = 3 };
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x80), 0);
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x82), 1);
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x8e), 7);
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x90), -ENOENT); /* past TotalVFs */
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x81), -ENOENT); /* between VFs */
	assert_int_equal(sriov_vf_index(pf, 0, 1, 0x00), -ENOENT); /* the PF */
	assert_int_equal(sriov_vf_index(pf, 1, 1, 0x80), -ENOENT); /* another segment */
	assert_true(sriov_requested(&named, 1, pf));
	assert_false(sriov_requested(&other, 1, pf));
	assert_true(sriov_requested(&all, 1, pf));
	assert_false(sriov_requested(NULL, 0, pf));
}

static void test_bad_vf_bars(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_BAR + 8, 4, 1); /* VF BAR2: 4 KiB of I/O */
	memcpy(&fake.fn[pf_idx].wmask[0x160 + PCI_SRIOV_BAR + 8], "\0\xf0\xff\xff", 4);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -EINVAL);
	assert_true(test_log_has("VF BAR2 is an I/O BAR"));
	setup(NULL);
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_sriov(pf_idx, 0x160, 0, 8, 0x80, 2, 0x10ca, 1024); /* smaller than a page */
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -EINVAL);
	assert_true(test_log_has("VF BAR0 is smaller than a page"));
	/* VF BARs sizing to 0: VFs without BARs are fine. */
	setup(NULL);
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_sriov(pf_idx, 0x160, 0, 8, 0x80, 2, 0x10ca, 0);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), 0);
	assert_int_equal(sriov_vf(pf, 1)->bar[0].size, 0);
}

static void test_page_size_unsupported(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_SUP_PGSIZE, 4, 0x2);
	pf = scan_pf();
	assert_int_equal(sriov_enable(pf, 2), -EINVAL);
	assert_true(test_log_has("does not support a 4 KiB System Page Size"));
}

/* VFs that never answer after VF Enable: an error, nothing half-enabled. */
static void test_vfs_do_not_answer(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	for (int i = 0; i < 8; i++)
		fake.fn[pf_idx + 1 + i].used = false;
	assert_int_equal(sriov_enable(pf, 2), -EIO);
	assert_true(test_log_has("VF0 does not answer after VF Enable"));
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pci_count(), 4);
}

/* A PF on the root bus (no bridge): placed in the PCI hole, clear of RAM and reserved ranges. */
static void test_root_bus_pf(void **state)
{
	struct pci_dev *pf;
	int p;

	(void)state;
	p = fake_add(FAKE_ROOT, 4, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_pcie_cap(p, 0x40, 0, PCI_EXP_TYPE_RC_END, false);
	fake_sriov(p, 0x100, 0, 8, 0x80, 2, 0x10ca, K16);
	pci_scan(&plat);
	pf = pci_find(0, 0, 4, 0);
	assert_int_equal(sriov_enable(pf, 8), 0);
	assert_non_null(pci_find(0, 0, 0x14, 0));
	assert_true(pf->sriov.vf_bar[0].addr >= 0x20000000);
	assert_true(pf->sriov.vf_bar[3].addr < 0xfec00000);
	assert_no_overlaps();
}

static void test_res_place_32bit(void **state)
{
	struct pci_res_req req = { 1 << 20, 1 << 20, false, false };
	struct pci_dev *pf;
	u64 base;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	/* The memory window 0xfe800000-0xfe9fffff has room above the PF's BARs. */
	assert_int_equal(pci_res_place(pf, &req, &base), 0);
	assert_int_equal(base, 0xfe900000);
	assert_true(pci_res_fits(pf, base, &req));
	assert_false(pci_res_fits(pf, 0xfe800000, &req)); /* the PF's BAR0 */
	assert_false(pci_res_fits(pf, 0x10000000, &req)); /* RAM */
	req.size = 0;
	assert_int_equal(pci_res_place(pf, &req, &base), -EINVAL);
}

static void test_policy(void **state)
{
	struct hv_sriov_req reqs[3] = {
		{ .all = true, .num = 3 },
		{ .seg = 0, .bus = 1, .dev = 0, .fn = 0, .num = 5 },
		{ .seg = 0, .bus = 7, .dev = 0, .fn = 0, .num = 1 },
	};
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	pf = scan_pf();
	assert_int_equal(sriov_apply(reqs, 3), 1);
	assert_int_equal(pf->sriov.num_vfs, 5); /* named beats all */
	assert_true(test_log_has("sriov=0000:07:00.0:1: no such function"));
	reqs[1].bus = 0; /* the host bridge: no SR-IOV */
	test_log_clear();
	assert_int_equal(sriov_apply(&reqs[1], 1), 1);
	assert_true(test_log_has("sriov=0000:00:00.0:5: it has no SR-IOV capability"));
	assert_int_equal(sriov_apply(reqs, 1), 0);
	assert_int_equal(pf->sriov.num_vfs, 3);
	assert_int_equal(sriov_apply(NULL, 0), 0);
}

static void test_firmware_left_vfs_on(void **state)
{
	struct pci_dev *pf;

	(void)state;
	igb_topology(0xfe000000, 0xfe1fffff);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_NUM_VF, 2, 2);
	fake_write_raw(pf_idx, 0x160 + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	pf = scan_pf();
	assert_true(test_log_has("firmware left its VFs enabled: turning them off"));
	assert_int_equal(pf_reg16(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pci_count(), 4);
	assert_int_equal(sriov_enable(pf, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_enable_all, setup),
		cmocka_unit_test_setup(test_more_than_total, setup),
		cmocka_unit_test_setup(test_disable_and_reenable, setup),
		cmocka_unit_test_setup(test_total_vfs_zero, setup),
		cmocka_unit_test_setup(test_stride_zero, setup),
		cmocka_unit_test_setup(test_offset_zero, setup),
		cmocka_unit_test_setup(test_rid_wraps_past_bus_255, setup),
		cmocka_unit_test_setup(test_vf_bus_outside_bridge, setup),
		cmocka_unit_test_setup(test_assign_reserves_vf_buses, setup),
		cmocka_unit_test_setup(test_rid_collision, setup),
		cmocka_unit_test_setup(test_ari, setup),
		cmocka_unit_test_setup(test_window_opened, setup),
		cmocka_unit_test_setup(test_above_4g_when_32bit_full, setup),
		cmocka_unit_test_setup(test_window_grown_around_sibling, setup),
		cmocka_unit_test_setup(test_nested_windows_grow, setup),
		cmocka_unit_test_setup(test_no_room, setup),
		cmocka_unit_test_setup(test_firmware_vf_bars, setup),
		cmocka_unit_test_setup(test_vf_index_and_requests, setup),
		cmocka_unit_test_setup(test_bad_vf_bars, setup),
		cmocka_unit_test_setup(test_page_size_unsupported, setup),
		cmocka_unit_test_setup(test_vfs_do_not_answer, setup),
		cmocka_unit_test_setup(test_root_bus_pf, setup),
		cmocka_unit_test_setup(test_res_place_32bit, setup),
		cmocka_unit_test_setup(test_policy, setup),
		cmocka_unit_test_setup(test_firmware_left_vfs_on, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
