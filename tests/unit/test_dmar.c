// SPDX-License-Identifier: MIT
/*
 * test_dmar.c: which remapping unit and which RMRRs cover a PCI function:
 * endpoint and bridge scopes, paths through switches, INCLUDE_PCI_ALL,
 * segments, and hostile scopes that must be ignored, not followed.
 */
// sources: iommu/dmar.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "iommu/dmar.h"

#define RID(b, d, f) ((u16)((b) << 8 | (d) << 3 | (f)))

/*
 * The fake topology, segment 0: root port 00:1c.0 (buses 1-3) -> switch
 * upstream 01:00.0 (2-3) -> downstream 02:01.0 (3) -> endpoint 03:00.0;
 * a broken "bridge" 00:1d.0 claiming secondary bus 0 (a loop). Segment 1:
 * root port 80:01.0 (bus 0x81).
 */
static int fake_bridge(u16 seg, u8 bus, u8 devfn, u8 *sec, u8 *sub)
{
	static const struct {
		u16 seg;
		u16 rid;
		u8 sec, sub;
	} br[] = {
		{ 0, RID(0, 0x1c, 0), 1, 3 },       { 0, RID(1, 0, 0), 2, 3 },
		{ 0, RID(2, 1, 0), 3, 3 },          { 0, RID(0, 0x1d, 0), 0, 0 },
		{ 1, RID(0x80, 1, 0), 0x81, 0x81 },
	};

	for (size_t i = 0; i < sizeof(br) / sizeof(br[0]); i++) {
		if (br[i].seg == seg && br[i].rid == (u16)(bus << 8 | devfn)) {
			*sec = br[i].sec;
			*sub = br[i].sub;
			return 0;
		}
	}
	return -ENODEV;
}

static struct acpi_scope scope(u8 type, u8 start_bus, int hops, const u8 (*path)[2])
{
	struct acpi_scope s = { .type = type, .start_bus = start_bus, .path_len = (u8)hops };

	for (int i = 0; i < hops; i++) {
		s.path[i].dev = path[i][0];
		s.path[i].fn = path[i][1];
	}
	return s;
}

static struct acpi_dmar dmar;

static void add_drhd(u16 seg, bool all, struct acpi_scope s)
{
	struct acpi_drhd *d = &dmar.drhds[dmar.drhd_count++];

	memset(d, 0, sizeof(*d));
	d->segment = seg;
	d->include_all = all;
	d->base = 0xfed90000 + dmar.drhd_count * 0x1000;
	if (s.path_len)
		d->scopes[d->scope_count++] = s;
}

static int setup(void **state)
{
	static const u8 gpu[][2] = { { 2, 0 } }, rp[][2] = { { 0x1c, 0 } },
			ioapic[][2] = { { 0x1f, 0 } };
	static const u8 seg1[][2] = { { 1, 0 }, { 0, 0 } };

	(void)state;
	memset(&dmar, 0, sizeof(dmar));
	add_drhd(0, false, scope(ACPI_SCOPE_ENDPOINT, 0, 1, gpu)); /* unit 0: the GPU */
	add_drhd(0, false, scope(ACPI_SCOPE_BRIDGE, 0, 1, rp));    /* unit 1: all below 00:1c.0 */
	add_drhd(0, true, scope(ACPI_SCOPE_IOAPIC, 0xf0, 1, ioapic)); /* unit 2: the rest */
	dmar.drhds[2].scopes[0].enum_id = 2;
	add_drhd(1, false, scope(ACPI_SCOPE_ENDPOINT, 0x80, 2, seg1)); /* unit 3: 81:00.0 */
	return 0;
}

static void test_endpoint_and_bridge_scopes(void **state)
{
	(void)state;
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 2, 0), fake_bridge), 0);
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 0x1c, 0), fake_bridge), 1); /* the bridge */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(1, 0, 0), fake_bridge), 1);    /* below it */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(2, 1, 0), fake_bridge), 1);
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(3, 0, 0), fake_bridge), 1);
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(3, 31, 7), fake_bridge), 1);
}

static void test_include_all(void **state)
{
	(void)state;
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 0x1f, 0), fake_bridge), 2);
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 2, 1), fake_bridge), 2); /* not the GPU */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(4, 0, 0), fake_bridge),
			 2); /* bus 4: not below */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0xff, 0, 0), fake_bridge), 2);
	/* Listed first (a firmware bug), INCLUDE_PCI_ALL still loses to explicit scopes. */
	dmar.drhds[3] = dmar.drhds[0];
	dmar.drhds[0] = dmar.drhds[2];
	dmar.drhds[2] = dmar.drhds[3];
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 2, 0), fake_bridge), 2);
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 0x1f, 0), fake_bridge), 0);
}

static void test_segments(void **state)
{
	(void)state;
	assert_int_equal(dmar_unit_of(&dmar, 1, RID(0x81, 0, 0), fake_bridge), 3);
	assert_int_equal(dmar_unit_of(&dmar, 1, RID(0x81, 1, 0), fake_bridge), -ENODEV);
	assert_int_equal(dmar_unit_of(&dmar, 1, RID(0, 2, 0), fake_bridge), -ENODEV);
	assert_int_equal(dmar_unit_of(&dmar, 2, RID(0, 2, 0), fake_bridge), -ENODEV);
}

static void test_path_through_switch(void **state)
{
	static const u8 path[][2] = { { 0x1c, 0 }, { 0, 0 }, { 1, 0 }, { 0, 0 } };
	struct acpi_scope s = scope(ACPI_SCOPE_ENDPOINT, 0, 4, path);
	struct dmar_target t;

	(void)state;
	assert_int_equal(dmar_resolve_scope(&s, 0, fake_bridge, &t), 0);
	assert_int_equal(t.bus, 3);
	assert_int_equal(t.devfn, 0);
	assert_false(t.bridge);
	assert_true(dmar_scopes_cover(&s, 1, 0, RID(3, 0, 0), fake_bridge));
	assert_false(dmar_scopes_cover(&s, 1, 0, RID(3, 0, 1), fake_bridge));
	assert_false(dmar_scopes_cover(&s, 1, 1, RID(3, 0, 0), fake_bridge) &&
		     dmar_resolve_scope(&s, 1, fake_bridge, &t) == 0);
}

static void test_hostile_scopes_are_ignored(void **state)
{
	static const u8 bad_dev[][2] = { { 32, 0 } }, bad_fn[][2] = { { 1, 8 } };
	static const u8 via_endpoint[][2] = { { 2, 0 }, { 0, 0 } }; /* 00:02.0 is no bridge */
	static const u8 loop[][2] = { { 0x1d, 0 }, { 0x1d, 0 } };   /* secondary bus <= own bus */
	static const u8 ok[][2] = { { 0x1c, 0 } };
	struct acpi_scope bad[] = {
		scope(ACPI_SCOPE_ENDPOINT, 0, 1, bad_dev),
		scope(ACPI_SCOPE_ENDPOINT, 0, 1, bad_fn),
		scope(ACPI_SCOPE_ENDPOINT, 0, 2, via_endpoint),
		scope(ACPI_SCOPE_ENDPOINT, 0, 2, loop),
		scope(ACPI_SCOPE_ENDPOINT, 0, 0, ok),
		scope(ACPI_SCOPE_BRIDGE, 0, 1, via_endpoint),
		scope(ACPI_SCOPE_ENDPOINT, 0, 1, ok),
	};
	struct dmar_target t;

	(void)state;
	bad[6].path_len = ACPI_MAX_PATH + 1; /* longer than the parser can have stored */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dmar_resolve_scope(&bad[i], 0, fake_bridge, &t), -EINVAL);
	for (u16 rid = 0; rid < 0x400; rid++)
		assert_false(dmar_scopes_cover(bad, 7, 0, rid, fake_bridge));
	/* A unit with only hostile scopes claims nothing; the devices fall to INCLUDE_PCI_ALL. */
	memcpy(dmar.drhds[0].scopes, bad, sizeof(bad));
	dmar.drhds[0].scope_count = 7;
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 2, 0), fake_bridge), 2);
	dmar.drhds[0].scope_count = 40; /* more than stored: bounded by ACPI_MAX_SCOPES */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 2, 0), fake_bridge), 2);
	dmar.drhd_count = 200; /* more than stored */
	assert_int_equal(dmar_unit_of(&dmar, 0, RID(0, 0x1f, 0), fake_bridge), 2);
}

static void test_rmrr(void **state)
{
	static const u8 usb[][2] = { { 0x14, 0 } }, rp[][2] = { { 0x1c, 0 } };
	struct acpi_rmrr r = { .base = 0x7b800000, .limit = 0x7b81ffff, .segment = 0 };

	(void)state;
	r.scopes[r.scope_count++] = scope(ACPI_SCOPE_ENDPOINT, 0, 1, usb);
	assert_true(dmar_rmrr_names(&r, 0, RID(0, 0x14, 0), fake_bridge));
	assert_false(dmar_rmrr_names(&r, 0, RID(0, 0x14, 1), fake_bridge));
	assert_false(dmar_rmrr_names(&r, 1, RID(0, 0x14, 0), fake_bridge));
	r.scopes[r.scope_count++] = scope(ACPI_SCOPE_BRIDGE, 0, 1, rp);
	assert_true(dmar_rmrr_names(&r, 0, RID(3, 0, 0), fake_bridge));
	assert_false(dmar_rmrr_names(&r, 0, RID(4, 0, 0), fake_bridge));
}

static void test_ioapic_sid(void **state)
{
	u16 seg = 0xffff, rid = 0;

	(void)state;
	assert_int_equal(dmar_ioapic_sid(&dmar, 2, fake_bridge, &seg, &rid), 2);
	assert_int_equal(seg, 0);
	assert_int_equal(rid, RID(0xf0, 0x1f, 0));
	assert_int_equal(dmar_ioapic_sid(&dmar, 3, fake_bridge, &seg, &rid), -ENODEV);
	/* An I/O APIC scope never makes a unit translate PCI DMA. */
	assert_false(
		dmar_scopes_cover(dmar.drhds[2].scopes, 1, 0, RID(0xf0, 0x1f, 0), fake_bridge));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_endpoint_and_bridge_scopes, setup),
		cmocka_unit_test_setup(test_include_all, setup),
		cmocka_unit_test_setup(test_segments, setup),
		cmocka_unit_test_setup(test_path_through_switch, setup),
		cmocka_unit_test_setup(test_hostile_scopes_are_ignored, setup),
		cmocka_unit_test_setup(test_rmrr, setup),
		cmocka_unit_test_setup(test_ioapic_sid, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
