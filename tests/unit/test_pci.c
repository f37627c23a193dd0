// SPDX-License-Identifier: MIT
/* test_pci.c: enumeration, BARs, bridges and capability walking against fake config spaces, hostile ones too. */
// sources: pci/pci.c pci/sriov.c pci/res.c kernel/format.c tests/unit/fake_pci.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pci/pci.h"
#include "tests/unit/doubles.h"
#include "tests/unit/fake_pci.h"

static struct pci_platform plat;

static int setup(void **state)
{
	(void)state;
	fake_reset(&plat);
	test_log_clear();
	return 0;
}

/* Root bus: host bridge 00:00.0, root port 00:01.0 -> bus 1, NIC 01:00.0. */
static int small_topology(void)
{
	int rp, nic;

	fake_add(FAKE_ROOT, 0, 0, 0x8086, 0x29c0, 0x060000, PCI_HEADER_NORMAL);
	rp = fake_add(FAKE_ROOT, 1, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_bus_numbers(rp, 0, 1, 1);
	fake_mem_window(rp, 0xfe800000, 0xfe9fffff);
	fake_pref_window(rp, 0xfe000000, 0xfe1fffff, true);
	fake_write_raw(rp, PCI_IO_BASE, 2, 0xc0c0); /* 0xc000-0xcfff */
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, true);
	nic = fake_add(rp, 0, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_bar(nic, 0, 128 * 1024, 0, 0xfe800000);
	fake_bar(nic, 2, 32, PCI_BAR_SPACE_IO, 0xc000);
	fake_bar(nic, 3, 16 * 1024, PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH, 0xfe000000);
	fake_write_raw(nic, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	return nic;
}

static void test_small_topology(void **state)
{
	struct pci_dev *d, *rp;
	int nic;

	(void)state;
	nic = small_topology();
	assert_int_equal(pci_scan(&plat), 3);
	rp = pci_find(0, 0, 1, 0);
	d = pci_find(0, 1, 0, 0);
	assert_non_null(rp);
	assert_non_null(d);
	assert_true(pci_is_bridge(rp));
	assert_int_equal(rp->secondary, 1);
	assert_int_equal(rp->subordinate, 1);
	assert_int_equal(rp->mem_win.base, 0xfe800000);
	assert_int_equal(rp->mem_win.limit, 0xfe9fffff);
	assert_int_equal(rp->pref_win.base, 0xfe000000);
	assert_true(rp->pref_win_64);
	assert_int_equal(rp->io_win.base, 0xc000);
	assert_int_equal(rp->io_win.limit, 0xcfff);
	assert_ptr_equal(d->parent, rp);
	assert_null(rp->parent);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x10c9);
	assert_int_equal(d->class, 0x020000);
	assert_int_equal(d->bar[0].type, PCI_BAR_MEM32);
	assert_int_equal(d->bar[0].addr, 0xfe800000);
	assert_int_equal(d->bar[0].size, 128 * 1024);
	assert_int_equal(d->bar[2].type, PCI_BAR_IO);
	assert_int_equal(d->bar[2].addr, 0xc000);
	assert_int_equal(d->bar[2].size, 32);
	assert_int_equal(d->bar[3].type, PCI_BAR_MEM64);
	assert_true(d->bar[3].prefetch);
	assert_int_equal(d->bar[3].size, 16 * 1024);
	assert_int_equal(d->bar[4].size, 0); /* the upper half of bar3 */
	/* Sizing restored every BAR and the command register, and decode was off meanwhile. */
	assert_int_equal(fake_read(nic, PCI_BAR0, 4), 0xfe800000);
	assert_int_equal(fake_read(nic, PCI_BAR0 + 8, 4), 0xc001);
	assert_int_equal(fake_read(nic, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	assert_int_equal(fake.sizing_with_decode, 0);
	assert_ptr_equal(pci_find_by_id(0x8086, 0x10c9, NULL), d);
	assert_null(pci_find_by_id(0x8086, 0x10c9, d));
	assert_null(pci_find(0, 1, 1, 0));
	assert_null(pci_find(0, 0, 32, 0));
}

static void test_listing(void **state)
{
	(void)state;
	small_topology();
	pci_scan(&plat);
	test_log_clear();
	pci_print_all();
	assert_true(test_log_has(
		"pci: 0000:00:01.0 1b36:000c 0604 bridge [01-01] io 0xc000-0xcfff mem 0xfe800000-0xfe9fffff "
		"pref 0xfe000000-0xfe1fffff\n"));
	assert_true(test_log_has(
		"pci: 0000:01:00.0 8086:10c9 0200 bar0 0xfe800000+128K bar2 io 0xc000+32 "
		"bar3 0xfe000000+16K\n"));
}

/* I/O windows: base = limit = 0 is 0x0-0xfff, unless the registers are read-only 0. */
static void test_io_window(void **state)
{
	struct pci_dev *a, *b;
	int x, y;

	(void)state;
	x = fake_add(FAKE_ROOT, 1, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_bus_numbers(x, 0, 1, 1);
	fake.fn[x].cfg[PCI_IO_BASE] = 0;
	y = fake_add(FAKE_ROOT, 2, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_bus_numbers(y, 0, 2, 2);
	fake.fn[y].cfg[PCI_IO_BASE] = 0;
	fake.fn[y].wmask[PCI_IO_BASE] = fake.fn[y].wmask[PCI_IO_LIMIT] = 0;
	fake.fn[x].cfg[PCI_IO_LIMIT] = 0;
	pci_scan(&plat);
	a = pci_find(0, 0, 1, 0);
	b = pci_find(0, 0, 2, 0);
	assert_true(pci_window_open(&a->io_win));
	assert_int_equal(a->io_win.base, 0);
	assert_int_equal(a->io_win.limit, 0xfff);
	assert_false(pci_window_open(&b->io_win));
	assert_int_equal(fake_read(x, PCI_IO_BASE, 2), 0); /* probing restored it */
}

static void test_iteration_order(void **state)
{
	struct pci_dev *d;
	u32 last = 0;
	int n = 0;

	(void)state;
	small_topology();
	fake_add(FAKE_ROOT, 0x1f, 0, 0x8086, 0x2918, 0x060100, PCI_HEADER_NORMAL);
	pci_scan(&plat);
	pci_for_each_dev(d)
	{
		u32 key = (u32)d->bus << 8 | d->devfn;

		assert_true(n == 0 || key > last);
		last = key;
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(pci_count(), 4);
}

static void test_multifunction(void **state)
{
	int f0, one;

	(void)state;
	f0 = fake_add(FAKE_ROOT, 2, 0, 0x1234, 1, 0x0c0500, PCI_HEADER_NORMAL);
	fake_multifunction(f0);
	fake_add(FAKE_ROOT, 2, 3, 0x1234, 2, 0x0c0500, PCI_HEADER_NORMAL);
	fake_add(FAKE_ROOT, 2, 7, 0x1234, 3, 0x0c0500, PCI_HEADER_NORMAL);
	/* Device 3 is single-function: its function 1 must not be looked at. */
	one = fake_add(FAKE_ROOT, 3, 0, 0x1234, 4, 0x0c0500, PCI_HEADER_NORMAL);
	fake_add(FAKE_ROOT, 3, 1, 0x1234, 5, 0x0c0500, PCI_HEADER_NORMAL);
	(void)one;
	assert_int_equal(pci_scan(&plat), 4);
	assert_non_null(pci_find(0, 0, 2, 3));
	assert_non_null(pci_find(0, 0, 2, 7));
	assert_null(pci_find(0, 0, 3, 1));
}

static void test_capabilities(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	i = fake_add(FAKE_ROOT, 4, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_bar(i, 3, 16 * 1024, 0, 0xfe840000);
	fake_cap(i, 0x40, PCI_CAP_ID_PM, 0x50);
	fake_cap(i, 0x50, PCI_CAP_ID_MSI, 0x70);
	fake_msix_cap(i, 0x70, 0xa0, 10, 3, 0, 3, 0x2000);
	fake_pcie_cap(i, 0xa0, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(i, 0x100, 0x0001, 0x140); /* AER: not recorded */
	fake_ext_cap(i, 0x140, PCI_EXT_CAP_ID_ARI, 0x150);
	fake_ext_cap(i, 0x150, PCI_EXT_CAP_ID_ACS, 0x160);
	fake_sriov(i, 0x160, 0, 8, 0x80, 2, 0x10ca, 16 * 1024);
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_non_null(d);
	assert_int_equal(d->cap_pm, 0x40);
	assert_int_equal(d->cap_msi, 0x50);
	assert_int_equal(d->cap_msix, 0x70);
	assert_int_equal(d->cap_pcie, 0xa0);
	assert_int_equal(d->pcie_type, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(d->cfg_size, 4096);
	assert_int_equal(d->ecap_ari, 0x140);
	assert_int_equal(d->ecap_acs, 0x150);
	assert_int_equal(d->ecap_sriov, 0x160);
	assert_true(d->msix.valid);
	assert_int_equal(d->msix.table_size, 10);
	assert_int_equal(d->msix.table_bir, 3);
	assert_int_equal(d->msix.pba_off, 0x2000);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSIX), 0x70);
	assert_int_equal(pci_find_cap(d, 0x09), 0);
	assert_int_equal(pci_find_ext_cap(d, 0x0001), 0x100);
	assert_int_equal(pci_find_ext_cap(d, 0x0023), 0);
	assert_int_equal(d->sriov.total_vfs, 8);
	assert_int_equal(d->sriov.vf_device, 0x10ca);
	assert_string_equal(test_log(), "");
}

/* Without extended config space (ports 0xCF8/0xCFC) the extended list is never read. */
static void test_no_extended_space(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	plat.ops = &fake_ops_256;
	i = fake_add(FAKE_ROOT, 4, 0, 0x8086, 0x10c9, 0x020000, PCI_HEADER_NORMAL);
	fake_pcie_cap(i, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_sriov(i, 0x100, 0, 8, 0x80, 2, 0x10ca, 16 * 1024);
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->cfg_size, 256);
	assert_int_equal(d->ecap_sriov, 0);
	assert_int_equal(pci_cfg_read32(d, 0x100), 0xffffffff);
}

static void test_cap_loop(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	i = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_cap(i, 0x40, PCI_CAP_ID_PM, 0x50);
	fake_cap(i, 0x50, PCI_CAP_ID_MSI, 0x40); /* back to the first */
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->cap_pm, 0x40);
	assert_int_equal(d->cap_msi, 0x50);
	assert_true(test_log_has("capability list loops at 0x40"));
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_EXP), 0);
}

static void test_cap_self_loop_and_header_pointer(void **state)
{
	struct pci_dev *d;
	int a, b;

	(void)state;
	a = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_cap(a, 0xfc, PCI_CAP_ID_PM, 0xfc); /* points at itself, from the last slot */
	b = fake_add(FAKE_ROOT, 5, 0, 0x1234, 2, 0, PCI_HEADER_NORMAL);
	fake_cap(b, 0x40, PCI_CAP_ID_PM, 0x10); /* into the header */
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->cap_pm, 0); /* an 8-byte PM capability does not fit at 0xfc */
	assert_true(test_log_has("PM capability at 0xfc runs past 0xff"));
	assert_true(test_log_has("capability list loops at 0xfc"));
	assert_true(test_log_has("capability list points into the header at 0x10"));
	d = pci_find(0, 0, 5, 0);
	assert_int_equal(d->cap_pm, 0x40);
}

static void test_cap_structures_past_0xff(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	i = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_cap(i, 0x40, 0x09, 0xf8);
	fake_msix_cap(i, 0xf8, 0xe0, 4, 0, 0, 0, 0x100); /* 12 bytes from 0xf8 */
	fake_pcie_cap(i, 0xe0, 0, PCI_EXP_TYPE_ENDPOINT, false);
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->cap_msix, 0);
	assert_int_equal(d->cap_pcie, 0);
	assert_true(test_log_has("MSI-X capability at 0xf8 runs past 0xff"));
	assert_true(test_log_has("PCI Express capability at 0xe0 runs past 0xff"));
}

static void test_ext_cap_hostile(void **state)
{
	struct pci_dev *d;
	int a, b, c;

	(void)state;
	a = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_pcie_cap(a, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(a, 0x100, PCI_EXT_CAP_ID_ARI, 0x200);
	fake_ext_cap(a, 0x200, PCI_EXT_CAP_ID_ACS, 0x100); /* loop */
	b = fake_add(FAKE_ROOT, 5, 0, 0x1234, 2, 0, PCI_HEADER_NORMAL);
	fake_pcie_cap(b, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(b, 0x100, 0x0001, 0x0fc); /* back into legacy space */
	c = fake_add(FAKE_ROOT, 6, 0, 0x1234, 3, 0, PCI_HEADER_NORMAL);
	fake_pcie_cap(c, 0x40, 0, PCI_EXP_TYPE_ENDPOINT, false);
	fake_ext_cap(c, 0x100, 0x0001, 0xffc);
	fake_ext_cap(c, 0xffc, PCI_EXT_CAP_ID_SRIOV, 0); /* 0x40 bytes from 0xffc */
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->ecap_ari, 0x100);
	assert_int_equal(d->ecap_acs, 0x200);
	assert_true(test_log_has("extended capability list loops at 0x100"));
	assert_int_equal(pci_find_ext_cap(d, PCI_EXT_CAP_ID_SRIOV), 0);
	assert_true(test_log_has("extended capability points back to 0xfc"));
	d = pci_find(0, 0, 6, 0);
	assert_int_equal(d->ecap_sriov, 0);
	assert_true(test_log_has("SR-IOV capability at 0xffc runs past 0xfff"));
}

static void test_msix_outside_bar(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	i = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_bar(i, 0, 4096, 0, 0xfe000000);
	fake_msix_cap(i, 0x40, 0, 2048, 0, 0, 0, 0x800); /* 32 KiB of table in a 4 KiB BAR */
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->cap_msix, 0x40);
	assert_false(d->msix.valid);
	assert_true(test_log_has("MSI-X table (bar0+0x0, 2048 entries)"));
	setup(NULL);
	i = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_msix_cap(i, 0x40, 0, 4, 7, 0, 2, 0); /* BIR 7 does not exist, BAR2 absent */
	pci_scan(&plat);
	assert_false(pci_find(0, 0, 4, 0)->msix.valid);
}

static void test_hostile_bars(void **state)
{
	struct pci_dev *d;
	int i;

	(void)state;
	i = fake_add(FAKE_ROOT, 4, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	fake_bar(i, 0, 4096, 0x6, 0xfe000000);                 /* reserved memory type */
	fake_write_raw(i, PCI_BAR0 + 4, 4, 0);                 /* bar1: sizes to 0 */
	fake_bar(i, 5, 4096, PCI_BAR_MEM_TYPE_64, 0xfe001000); /* 64-bit in the last slot */
	fake_bar(i, 2, 1ULL << 32, PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH,
		 0xffffffff00000000ULL);
	pci_scan(&plat);
	d = pci_find(0, 0, 4, 0);
	assert_int_equal(d->bar[0].size, 0);
	assert_int_equal(d->bar[1].size, 0);
	assert_int_equal(d->bar[5].size, 0);
	assert_int_equal(d->bar[2].size, 1ULL << 32);
	assert_true(test_log_has("bar0 has a reserved type"));
	assert_true(test_log_has("bar5 has a reserved type or no room for its upper half"));
	assert_true(test_log_has("bar2 0xffffffff00000000 size 0x100000000 wraps"));
	/* Restored even though they were bad. */
	assert_int_equal(fake_read(i, PCI_BAR0, 4), 0xfe000006);
	assert_int_equal(fake_read(i, PCI_BAR0 + 20, 4), 0xfe001004);
}

/* BARs larger than (or outside) the bridge's windows are reported; BARs of 0 size are absent. */
static void test_bar_larger_than_window(void **state)
{
	int nic;

	(void)state;
	nic = small_topology();
	fake_bar(nic, 0, 4 << 20, 0, 0xfe800000);  /* 4 MiB, the window is 2 MiB */
	fake_write_raw(1, PCI_IO_BASE, 2, 0x00f0); /* the root port's I/O window closed */
	pci_scan(&plat);
	assert_true(test_log_has("0000:01:00.0: bar0 0xfe800000 size 0x400000 lies outside the "
				 "windows of 0000:00:01.0"));
	assert_true(test_log_has("0000:01:00.0: bar2 0xc000 size 0x20 lies outside"));
	assert_false(test_log_has("bar3"));
}

static void test_cfg_bounds(void **state)
{
	struct pci_dev *d;

	(void)state;
	small_topology();
	pci_scan(&plat);
	d = pci_find(0, 1, 0, 0);
	assert_int_equal(d->cfg_size, 256); /* no PCIe capability */
	assert_int_equal(pci_cfg_read32(d, 0x100), 0xffffffff);
	assert_int_equal(pci_cfg_read16(d, 0x3), 0xffff);
	assert_int_equal(pci_cfg_read8(d, 0xff), 0);
	pci_cfg_write32(d, 0xfffe, 0);
	assert_true(test_log_has("refused config read of 4 bytes at 0x100"));
	assert_true(test_log_has("refused config write of 4 bytes at 0xfffe"));
}

/* Root port -> switch upstream port -> two downstream ports -> endpoints. */
static void switch_topology(bool numbered)
{
	int rp, up, dn1, dn2, e1, e2;

	fake_add(FAKE_ROOT, 0, 0, 0x8086, 0x29c0, 0x060000, PCI_HEADER_NORMAL);
	rp = fake_add(FAKE_ROOT, 1, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, true);
	up = fake_add(rp, 0, 0, 0x104c, 0x8232, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(up, 0x40, 0, PCI_EXP_TYPE_UPSTREAM, false);
	dn1 = fake_add(up, 0, 0, 0x104c, 0x8233, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(dn1, 0x40, 0, PCI_EXP_TYPE_DOWNSTREAM, true);
	dn2 = fake_add(up, 1, 0, 0x104c, 0x8233, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(dn2, 0x40, 0, PCI_EXP_TYPE_DOWNSTREAM, true);
	e1 = fake_add(dn1, 0, 0, 0x1234, 0x11e8, 0x00ff00, PCI_HEADER_NORMAL);
	e2 = fake_add(dn2, 0, 0, 0x1234, 0x11e9, 0x00ff00, PCI_HEADER_NORMAL);
	fake_add(FAKE_ROOT, 2, 0, 0x1234, 0x1111, 0x030000, PCI_HEADER_NORMAL);
	(void)e1;
	(void)e2;
	if (numbered) {
		fake_bus_numbers(rp, 0, 1, 4);
		fake_bus_numbers(up, 1, 2, 4);
		fake_bus_numbers(dn1, 2, 3, 3);
		fake_bus_numbers(dn2, 2, 4, 4);
	}
}

static void check_switch_numbers(void)
{
	struct pci_dev *rp = pci_find(0, 0, 1, 0), *up = pci_find(0, 1, 0, 0);
	struct pci_dev *dn1 = pci_find(0, 2, 0, 0), *dn2 = pci_find(0, 2, 1, 0);

	assert_non_null(rp);
	assert_non_null(up);
	assert_non_null(dn1);
	assert_non_null(dn2);
	assert_int_equal(rp->secondary, 1);
	assert_int_equal(rp->subordinate, 4);
	assert_int_equal(up->subordinate, 4);
	assert_int_equal(dn1->secondary, 3);
	assert_int_equal(dn1->subordinate, 3);
	assert_int_equal(dn2->secondary, 4);
	assert_ptr_equal(pci_find(0, 3, 0, 0)->parent, dn1);
	assert_ptr_equal(pci_find(0, 4, 0, 0)->parent, dn2);
	assert_ptr_equal(dn1->parent, up);
	assert_ptr_equal(up->parent, rp);
	assert_true(pci_is_below(pci_find(0, 4, 0, 0), rp));
	assert_false(pci_is_below(pci_find(0, 4, 0, 0), dn1));
	assert_int_equal(pci_count(), 8);
}

static void test_switch_firmware_numbers(void **state)
{
	(void)state;
	switch_topology(true);
	assert_int_equal(pci_scan(&plat), 8);
	check_switch_numbers();
	assert_false(test_log_has("renumbering"));
}

/* Firmware left every bridge at 0/0: the segment is numbered depth-first. */
static void test_switch_unnumbered(void **state)
{
	(void)state;
	switch_topology(false);
	assert_int_equal(pci_scan(&plat), 8);
	check_switch_numbers();
	assert_true(
		test_log_has("bus numbers 00-00 left by firmware are unusable (none assigned)"));
	assert_true(test_log_has("segment 0000: renumbering buses 00-ff"));
	/* What the hardware holds now, not only the table. */
	assert_int_equal(fake_read(1, PCI_SUBORDINATE_BUS, 1), 4);
	assert_int_equal(fake_read(4, PCI_SECONDARY_BUS, 1), 4);
}

/* pci=assign-busses renumbers even sane (but different) numbers. */
static void test_assign_busses(void **state)
{
	(void)state;
	switch_topology(true);
	fake_bus_numbers(1, 0, 0x10, 0x20);
	fake_bus_numbers(2, 0x10, 0x11, 0x20);
	fake_bus_numbers(3, 0x11, 0x12, 0x12);
	fake_bus_numbers(4, 0x11, 0x18, 0x20);
	plat.assign_busses = true;
	assert_int_equal(pci_scan(&plat), 8);
	check_switch_numbers();
}

static void test_bridge_loop(void **state)
{
	(void)state;
	switch_topology(true);
	fake_bus_numbers(3, 2, 1, 4); /* dn1 claims bus 1 again: a loop back up */
	assert_int_equal(pci_scan(&plat), 8);
	assert_true(test_log_has("not above the bridge's own bus"));
	check_switch_numbers();
}

static void test_sibling_overlap(void **state)
{
	(void)state;
	switch_topology(true);
	fake_bus_numbers(3, 2, 3, 4); /* dn1 swallows dn2's bus */
	pci_scan(&plat);
	assert_true(test_log_has("overlapping another bridge's range"));
	check_switch_numbers();
}

static void test_range_outside_parent(void **state)
{
	(void)state;
	switch_topology(true);
	fake_bus_numbers(4, 2, 4, 9); /* beyond the upstream port's subordinate 4 */
	pci_scan(&plat);
	assert_true(test_log_has("outside the range of the bus above"));
	check_switch_numbers();
}

static void test_bridge_ignores_bus_writes(void **state)
{
	(void)state;
	switch_topology(false);
	fake.fn[2].ignore_bus_writes = true; /* the upstream port */
	pci_scan(&plat);
	assert_true(test_log_has("0000:01:00.0: ignores writes to its bus numbers"));
	assert_null(pci_find(0, 2, 0, 0));
	assert_non_null(pci_find(0, 1, 0, 0));
}

static void test_deep_chain(void **state)
{
	int parent = FAKE_ROOT;

	(void)state;
	for (int i = 0; i < 40; i++) {
		int b = fake_add(parent, 0, 0, 0x1234, 0x1000 + i, 0x060400, PCI_HEADER_BRIDGE);

		fake_bus_numbers(b, i, i + 1, 40);
		parent = b;
	}
	pci_scan(&plat);
	assert_true(test_log_has("more than 32 bridges deep"));
	assert_int_equal(pci_count(), 33);
}

static void test_extra_root_bus(void **state)
{
	int i;

	(void)state;
	small_topology();
	i = fake_add(FAKE_ROOT, 0, 0, 0x1b36, 0x000b, 0x060000, PCI_HEADER_NORMAL);
	fake.fn[i].root_bus = 0x80;
	assert_int_equal(pci_scan(&plat), 4);
	assert_true(test_log_has("root bus 0000:80 found by probing"));
	assert_non_null(pci_find(0, 0x80, 0, 0));
}

/* Every (bus, devfn) answering must neither crash nor hang the scan. */
static void test_every_function_answers(void **state)
{
	(void)state;
	fake.every_fn_answers = true;
	assert_int_equal(pci_scan(&plat), PCI_MAX_DEVS);
	assert_true(test_log_has("more than 512 functions"));
}

static void test_dev0_only_below_port(void **state)
{
	int rp, e;

	(void)state;
	rp = fake_add(FAKE_ROOT, 1, 0, 0x1b36, 0x000c, 0x060400, PCI_HEADER_BRIDGE);
	fake_pcie_cap(rp, 0x40, 0, PCI_EXP_TYPE_ROOT_PORT, false);
	fake_bus_numbers(rp, 0, 1, 1);
	fake_add(rp, 0, 0, 0x1234, 1, 0, PCI_HEADER_NORMAL);
	e = fake_add(rp, 5, 0, 0x1234, 2, 0, PCI_HEADER_NORMAL); /* an alias that must be ignored */
	(void)e;
	assert_int_equal(pci_scan(&plat), 2);
	assert_null(pci_find(0, 1, 5, 0));
}

static void test_remove_and_add(void **state)
{
	struct pci_dev *d;

	(void)state;
	small_topology();
	pci_scan(&plat);
	d = pci_find(0, 1, 0, 0);
	assert_null(pci_add_dev(0, 1, 0, NULL)); /* already there */
	pci_remove_dev(d);
	assert_null(pci_find(0, 1, 0, 0));
	assert_int_equal(pci_count(), 2);
	assert_non_null(pci_add_dev(0, 1, 0x80, NULL));
	assert_int_equal(pci_count(), 3);
}

static void test_size_str(void **state)
{
	char b[24];

	(void)state;
	assert_string_equal(pci_size_str(32, b, sizeof(b)), "32");
	assert_string_equal(pci_size_str(16384, b, sizeof(b)), "16K");
	assert_string_equal(pci_size_str(1ULL << 20, b, sizeof(b)), "1M");
	assert_string_equal(pci_size_str(3ULL << 30, b, sizeof(b)), "3G");
	assert_string_equal(pci_size_str(1536, b, sizeof(b)), "1536");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_small_topology, setup),
		cmocka_unit_test_setup(test_listing, setup),
		cmocka_unit_test_setup(test_io_window, setup),
		cmocka_unit_test_setup(test_iteration_order, setup),
		cmocka_unit_test_setup(test_multifunction, setup),
		cmocka_unit_test_setup(test_capabilities, setup),
		cmocka_unit_test_setup(test_no_extended_space, setup),
		cmocka_unit_test_setup(test_cap_loop, setup),
		cmocka_unit_test_setup(test_cap_self_loop_and_header_pointer, setup),
		cmocka_unit_test_setup(test_cap_structures_past_0xff, setup),
		cmocka_unit_test_setup(test_ext_cap_hostile, setup),
		cmocka_unit_test_setup(test_msix_outside_bar, setup),
		cmocka_unit_test_setup(test_hostile_bars, setup),
		cmocka_unit_test_setup(test_bar_larger_than_window, setup),
		cmocka_unit_test_setup(test_cfg_bounds, setup),
		cmocka_unit_test_setup(test_switch_firmware_numbers, setup),
		cmocka_unit_test_setup(test_switch_unnumbered, setup),
		cmocka_unit_test_setup(test_assign_busses, setup),
		cmocka_unit_test_setup(test_bridge_loop, setup),
		cmocka_unit_test_setup(test_sibling_overlap, setup),
		cmocka_unit_test_setup(test_range_outside_parent, setup),
		cmocka_unit_test_setup(test_bridge_ignores_bus_writes, setup),
		cmocka_unit_test_setup(test_deep_chain, setup),
		cmocka_unit_test_setup(test_extra_root_bus, setup),
		cmocka_unit_test_setup(test_every_function_answers, setup),
		cmocka_unit_test_setup(test_dev0_only_below_port, setup),
		cmocka_unit_test_setup(test_remove_and_add, setup),
		cmocka_unit_test_setup(test_size_str, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
