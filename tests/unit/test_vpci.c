// SPDX-License-Identifier: MIT
/* test_vpci.c: the virtual PCI bus: what a guest reads, and which of its writes reach the device. */
// sources: kernel/vpci.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vpci.h"
#include "tests/unit/doubles.h"

/* A fake function: 4 KiB of config space, and a log of every write that reached it. */
struct cfg_write {
	u16 off;
	u8 width;
	u32 val;
};

struct fake {
	u8 cfg[4096];
	u16 size; /* when set: config space ends here, and no access may pass it (pci.c refuses) */
	struct cfg_write w[256];
	unsigned nw;
};

static struct fake dev;
static struct vpci vp;

static u32 fake_read(const void *d, u16 off, u8 width)
{
	u32 v = 0;

	assert_ptr_equal(d, &dev);
	assert_true(!dev.size || off + width <= dev.size);
	memcpy(&v, dev.cfg + off, width);
	return v;
}

static void fake_write(const void *d, u16 off, u8 width, u32 val)
{
	assert_ptr_equal(d, &dev);
	memcpy(dev.cfg + off, &val, width);
	if (dev.nw < 256)
		dev.w[dev.nw++] = (struct cfg_write){ off, width, val };
}

static const struct vpci_backend fake_be = { fake_read, fake_write, NULL };

static void put32(u16 off, u32 v)
{
	memcpy(dev.cfg + off, &v, 4);
}

static u32 get32(u16 off)
{
	u32 v;

	memcpy(&v, dev.cfg + off, 4);
	return v;
}

/* No write may have reached [lo, hi). */
static void untouched(u16 lo, u16 hi)
{
	for (unsigned i = 0; i < dev.nw; i++)
		if (dev.w[i].off < hi && dev.w[i].off + dev.w[i].width > lo)
			fail_msg("write of 0x%x to 0x%x reached the device", dev.w[i].val,
				 dev.w[i].off);
}

#define MSI   0x50
#define MSIX  0x70
#define EXP   0x80
#define SRIOV 0x160

/* A VF-like function: its own vendor reads all ones; MSI (64-bit, masking), MSI-X, PCIe, SR-IOV. */
static int setup(void **state)
{
	struct vpci_func f = {
		.dev = &dev,
		.be = &fake_be,
		.vendor = 0x8086,
		.device = 0x10ca,
		.cfg_size = 4096,
		.cap_msi = MSI,
		.cap_msix = MSIX,
		.cap_pcie = EXP,
		.bar = { [0] = { 0xc0000000, 0x4000, VPCI_BAR_MEM64, true },
			 [3] = { 0xc0004000, 0x4000, VPCI_BAR_MEM32, false } },
	};

	(void)state;
	memset(&dev, 0, sizeof(dev));
	put32(0x00, 0xffffffff); /* a VF's IDs read all ones */
	put32(0x04, 0x00100007); /* status: cap list; command: IO|MEM|MASTER */
	put32(0x08, 0x02000001); /* class: Ethernet */
	put32(0x10, 0xfebf000c); /* the real BARs: never shown, never written */
	put32(0x3c, 0x000001ff);
	put32(MSI, 0x01807005); /* MSI: 64-bit, per-vector masking, next 0x70 */
	put32(MSI + 4, 0xfee00000);
	put32(MSIX, 0x00028011);     /* MSI-X: table size 3, next 0x80 */
	put32(MSIX + 4, 0x00000003); /* table in BAR 3 */
	put32(EXP, 0x00020010);
	put32(EXP + 8, 0x00002810); /* devctl: MRRS 512, ext tag, relaxed ordering */
	put32(SRIOV, 0x00010010);
	vpci_init(&vp, "p9", 0xe0000000);
	assert_int_equal(vpci_add(&vp, &f), 0x08);
	dev.nw = 0;
	test_log_clear();
	return 0;
}

static u32 rd(u16 off, u8 w)
{
	return vpci_cfg_read(&vp, 0, 0x08, off, w);
}

static void wr(u16 off, u8 w, u32 v)
{
	vpci_cfg_write(&vp, 0, 0x08, off, w, v);
}

static void test_empty_bus_and_absent_functions(void **state)
{
	struct vpci empty;

	(void)state;
	vpci_init(&empty, "p0", 0xe0000000);
	assert_int_equal(vpci_cfg_read(&empty, 0, 0, 0, 4), 0xffffffff);
	assert_int_equal(vpci_cfg_read(&empty, 0, 0x08, 0, 2), 0xffff);
	assert_int_equal(vpci_ecam_read(&empty, 0xe0000000, 8), ~0ULL);
	vpci_cfg_write(&empty, 0, 0x08, 4, 2, 0x7); /* nowhere to go */
	/* our bus: only 00:01.0 exists */
	assert_int_equal(vpci_cfg_read(&vp, 0, 0x00, 0, 4), 0xffffffff);
	assert_int_equal(vpci_cfg_read(&vp, 0, 0x09, 0, 4), 0xffffffff);
	assert_int_equal(vpci_cfg_read(&vp, 1, 0x08, 0, 4), 0xffffffff);
	vpci_cfg_write(&vp, 1, 0x08, 4, 2, 0x7);
	assert_int_equal(dev.nw, 0);
	/* Writes aimed at what is not on the bus (the host's, another's) are said so. */
	assert_true(test_log_has("p9: vpci: write 0x7 to 01:01.0 offset 0x4 (not on its bus) "
				 "dropped"));
	assert_true(vp.dropped >= 1);
}

static void test_ids_and_quiesced_on_add(void **state)
{
	(void)state;
	assert_int_equal(rd(0, 4), 0x10ca8086);
	assert_int_equal(rd(2, 2), 0x10ca);
	assert_int_equal(rd(0x08, 4), 0x02000001); /* class passes through */
	assert_int_equal(rd(4, 2), 0);             /* quiesced: nothing enabled */
	assert_int_equal(get32(0x04) & 7, 0);      /* ... on the device too */
	assert_int_equal(rd(6, 2), 0x0010);        /* status from the device */
	wr(0, 4, 0x12345678);                      /* IDs are read-only */
	assert_int_equal(rd(0, 4), 0x10ca8086);
	untouched(0, 4);
}

static void test_command_filter(void **state)
{
	(void)state;
	wr(4, 2, 0xffff);
	assert_int_equal(rd(4, 2), 0x0402); /* memory decode and INTx disable only */
	assert_int_equal(get32(0x04) & 0xffff, 0x0402);
	assert_true(test_log_has("p9: vpci: 00:01.0: COMMAND 0xffff: 0xfbfd refused"));
	test_log_clear();
	wr(4, 2, 0x0402); /* only allowed bits: nothing to say */
	assert_false(test_log_has("refused"));
	wr(4, 2, 0x0004); /* bus master: not while DMA is not confined */
	assert_int_equal(get32(0x04) & 7, 0);
	vp.devs[0].f.dma_allowed = true;
	wr(4, 1, 0x06);
	assert_int_equal(get32(0x04) & 7, 6); /* now it may */
	assert_int_equal(rd(4, 2), 0x0006);
	/* a dword write: command filtered, status written as bytes (RW1C) */
	wr(4, 4, 0xf9000001);
	assert_int_equal(get32(0x04) & 0xffff, 0);
	assert_int_equal(dev.cfg[6], 0x00);
	assert_int_equal(dev.cfg[7], 0xf9);
}

static void test_bars_fixed_and_sized(void **state)
{
	(void)state;
	assert_int_equal(rd(0x10, 4), 0xc000000c); /* 64-bit, prefetchable, at its GPA */
	assert_int_equal(rd(0x14, 4), 0);
	assert_int_equal(rd(0x1c, 4), 0xc0004000);
	assert_int_equal(rd(0x18, 4), 0); /* not implemented */
	wr(0x10, 4, 0xffffffff);
	wr(0x14, 4, 0xffffffff);
	assert_int_equal(rd(0x10, 4), 0xffffc00c); /* 16 KiB */
	assert_int_equal(rd(0x14, 4), 0xffffffff);
	wr(0x18, 4, 0xffffffff);
	assert_int_equal(rd(0x18, 4), 0); /* sizes to nothing */
	wr(0x10, 4, 0xfee00000);          /* try to move it over the APIC */
	wr(0x14, 4, 0);
	assert_int_equal(rd(0x10, 4), 0xc000000c);
	wr(0x1c, 2, 0); /* not a dword: dropped */
	assert_int_equal(rd(0x1c, 4), 0xc0004000);
	assert_int_equal(rd(0x30, 4), 0); /* no ROM */
	wr(0x30, 4, 0xfffff801);
	untouched(0x10, 0x34);
	assert_true(vp.dropped >= 3);
	assert_true(test_log_has(
		"p9: vpci: 00:01.0: write 0xfee00000 (mask 0xffffffff) to 0x10 dropped"));
}

static void test_msi_and_msix_stay_virtual(void **state)
{
	(void)state;
	assert_int_equal(rd(MSI, 4), 0x01807005); /* copied, not enabled */
	wr(MSI + 4, 4, 0xfee0100c);
	wr(MSI + 8, 4, 0);
	wr(MSI + 12, 2, 0x4041);
	wr(MSI + 2, 2, 0x0071); /* enable, 8 vectors; try the 64-bit bit too */
	assert_int_equal(rd(MSI, 4), 0x01f17005);
	assert_int_equal(rd(MSI + 4, 4), 0xfee0100c);
	assert_int_equal(rd(MSI + 12, 2), 0x4041);
	wr(MSI, 1, 0x99); /* the ID is read-only */
	assert_int_equal(rd(MSI, 1), 0x05);
	untouched(MSI, MSI + 0x18);
	assert_int_equal(get32(MSI + 4), 0xfee00000); /* the device keeps its own */
	/* MSI-X control: enable and function mask only, virtual */
	wr(MSIX + 2, 2, 0xffff);
	assert_int_equal(rd(MSIX, 4), 0xc0028011);
	assert_int_equal(rd(MSIX + 4, 4), 3);
	untouched(MSIX, MSIX + 12);
}

static void test_pcie_devctl_and_sriov(void **state)
{
	(void)state;
	/* FLR, MRRS, extended tag, error reporting, relaxed ordering are the guest's; max payload
	 * (7:5) and no-snoop (11) keep what the firmware set (no-snoop on, MPS 128) */
	wr(EXP + 8, 2, 0xffff);
	assert_int_equal(get32(EXP + 8) & 0xffff, 0xf91f);
	assert_int_equal(rd(EXP + 8, 2), 0xf91f);
	wr(EXP + 8, 2, 0x0000);
	assert_int_equal(get32(EXP + 8) & 0xffff, 0x0800);
	wr(SRIOV + 8, 2, 0x0001); /* VF Enable: never */
	wr(SRIOV + 0x10, 2, 8);   /* NumVFs */
	untouched(SRIOV, SRIOV + 0x40);
	assert_int_equal(rd(SRIOV, 4), 0x00010010); /* but it can be read */
}

static void test_bad_accesses(void **state)
{
	(void)state;
	assert_int_equal(rd(0x02, 4), 0xffffffff); /* unaligned */
	assert_int_equal(rd(0x03, 2), 0xffff);
	assert_int_equal(vpci_cfg_read(&vp, 0, 0x08, 0, 3), 0xffffff);
	assert_int_equal(rd(0x1000, 4), 0xffffffff); /* past config space */
	wr(0x06, 4, 0xffffffff);
	wr(0xffe, 4, 0xffffffff);
	vpci_cfg_write(&vp, 0, 0x08, 4, 3, 0xffffff);
	assert_int_equal(dev.nw, 0);
}

static void test_ports(void **state)
{
	(void)state;
	assert_true(vpci_claims_port(0xcf8, 4));
	assert_false(vpci_claims_port(0xcf8, 1));
	assert_false(vpci_claims_port(0xcf9, 1)); /* the reset control register */
	assert_true(vpci_claims_port(0xcfc, 4));
	assert_true(vpci_claims_port(0xcfe, 2));
	assert_true(vpci_claims_port(0xcff, 1));
	assert_false(vpci_claims_port(0xcfe, 4));
	assert_false(vpci_claims_port(0xd00, 1));
	vpci_port_write(&vp, 0xcf8, 4, 0x80000800 | 0x7f000003);
	assert_int_equal(vpci_port_read(&vp, 0xcf8, 4), 0x80000800); /* reserved bits dropped */
	assert_int_equal(vpci_port_read(&vp, 0xcfc, 4), 0x10ca8086);
	assert_int_equal(vpci_port_read(&vp, 0xcfe, 2), 0x10ca);
	vpci_port_write(&vp, 0xcf8, 4, 0x80000804);
	vpci_port_write(&vp, 0xcfc, 2, 0x0002);
	assert_int_equal(get32(0x04) & 0xffff, 0x0002);
	vpci_port_write(&vp, 0xcf8, 4, 0x00000800); /* enable bit clear */
	assert_int_equal(vpci_port_read(&vp, 0xcfc, 4), 0xffffffff);
	vpci_port_write(&vp, 0xcfc, 4, 0);
	vpci_port_write(&vp, 0xcf8, 4, 0x80010800); /* bus 1 */
	assert_int_equal(vpci_port_read(&vp, 0xcfc, 4), 0xffffffff);
}

static void test_ecam(void **state)
{
	(void)state;
	assert_true(vpci_claims_gpa(&vp, 0xe0000000));
	assert_true(vpci_claims_gpa(&vp, 0xe00fffff));
	assert_false(vpci_claims_gpa(&vp, 0xe0100000));
	assert_false(vpci_claims_gpa(&vp, 0xdfffffff));
	assert_int_equal(vpci_ecam_read(&vp, 0xe0008000, 4), 0x10ca8086);
	assert_int_equal(vpci_ecam_read(&vp, 0xe0008010, 8), 0x00000000c000000cULL);
	assert_int_equal(vpci_ecam_read(&vp, 0xe0008004, 8), ~0ULL); /* 8 bytes, unaligned */
	assert_int_equal(vpci_ecam_read(&vp, 0xe0000000, 4), 0xffffffff);
	assert_int_equal(vpci_ecam_read(&vp, 0xe0008000 + SRIOV, 2), 0x0010);
	vpci_ecam_write(&vp, 0xe0008010, 8, ~0ULL);
	assert_int_equal(vpci_ecam_read(&vp, 0xe0008010, 8), 0xffffffffffffc00cULL);
	vpci_ecam_write(&vp, 0xe0008004, 2, 0x0002);
	assert_int_equal(get32(0x04) & 0xffff, 0x0002);
	untouched(0x10, 0x18);
}

static void test_ecam_placement(void **state)
{
	(void)state;
	assert_int_equal(vpci_ecam_gpa(32 * MiB), 0xe0000000);
	assert_int_equal(vpci_ecam_gpa(0xe0000000), 0xe0000000);
	assert_int_equal(vpci_ecam_gpa(4 * GiB), 4 * GiB);
	assert_int_equal(vpci_ecam_gpa(5 * GiB + 2 * MiB), 6 * GiB);
}

static void test_bus_is_full(void **state)
{
	struct vpci_func f = { .dev = &dev, .be = &fake_be, .cfg_size = 256 };

	(void)state;
	for (int i = 1; i < VPCI_MAX_FUNCS; i++)
		assert_int_equal(vpci_add(&vp, &f), (i + 1) << 3);
	assert_int_equal(vpci_add(&vp, &f), -ENOSPC);
	assert_int_equal(vpci_cfg_read(&vp, 0, 0x40, 0x100, 4), 0xffffffff); /* 256-byte space */
}

/* A 32-bit MSI at 0xf4 ends at 0x100: taking it reads nothing past the 256-byte space (fuzz_vpci). */
static void test_msi_at_end_of_config_space(void **state)
{
	struct vpci_func f = { .dev = &dev, .be = &fake_be, .cfg_size = 256, .cap_msi = 0xf4 };

	(void)state;
	memset(&dev, 0, sizeof(dev));
	dev.size = 256;
	put32(0xf4, 0x00010005); /* MSI, 32-bit, no per-vector masking: 12 bytes; enabled */
	put32(0xf8, 0xfee00000);
	put32(0xfc, 0x00004041);
	vpci_init(&vp, "p9", 0xe0000000);
	assert_int_equal(vpci_add(&vp, &f), 0x08);
	assert_int_equal(rd(0xf4, 4), 0x00000005); /* the guest's copy, not enabled */
	assert_int_equal(rd(0xf8, 4), 0xfee00000);
	assert_int_equal(rd(0xfc, 2), 0x4041);
	wr(0xf6, 2, 0x0001);
	assert_int_equal(rd(0xf4, 4), 0x00010005);
	untouched(0xf4, 0x100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_bus_and_absent_functions, setup),
		cmocka_unit_test_setup(test_ids_and_quiesced_on_add, setup),
		cmocka_unit_test_setup(test_command_filter, setup),
		cmocka_unit_test_setup(test_bars_fixed_and_sized, setup),
		cmocka_unit_test_setup(test_msi_and_msix_stay_virtual, setup),
		cmocka_unit_test_setup(test_pcie_devctl_and_sriov, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_ports, setup),
		cmocka_unit_test_setup(test_ecam, setup),
		cmocka_unit_test_setup(test_ecam_placement, setup),
		cmocka_unit_test_setup(test_bus_is_full, setup),
		cmocka_unit_test_setup(test_msi_at_end_of_config_space, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
