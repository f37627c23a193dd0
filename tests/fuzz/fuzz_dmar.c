// SPDX-License-Identifier: MIT
/*
 * fuzz_dmar.c: DMAR device-scope matching (iommu/dmar.c): which remapping
 * unit, which RMRRs and which I/O APIC source-id a function gets, with the
 * DMAR contents and the bridge topology both taken from the input. The scopes
 * are written straight into struct acpi_dmar, so shapes the table parser
 * would refuse (empty or over-long paths, reserved types, counts past the
 * arrays) reach the matcher too; bridges may loop or claim any bus range.
 *
 * Input: u8 drhd count, per DRHD { u8 seg, u8 include_all, u8 scope count,
 * scopes }, u8 rmrr count, per RMRR { u8 seg, u8 scope count, scopes }, where
 * a scope is { u8 type, u8 enum_id, u8 start_bus, u8 path_len, path_len x
 * (u8 dev, u8 fn) (at most 8 stored) }; u8 bridge count, bridges of
 * { u8 seg, u8 bus, u8 devfn, u8 secondary, u8 subordinate }; then queries
 * of { u8 seg, u16 rid, u8 ioapic_id } until the input ends.
 */
// sources: iommu/dmar.c kernel/format.c
#include <string.h>

#include "iommu/dmar.h"
#include "tests/fuzz/fuzz.h"

#define MAX_BRIDGES 16
#define MAX_QUERIES 64

static struct acpi_dmar dmar;

static struct bridge {
	u16 seg;
	u8 bus, devfn, sec, sub;
} bridges[MAX_BRIDGES];
static unsigned int nbridges, bridge_calls;

static int fake_bridge(u16 seg, u8 bus, u8 devfn, u8 *sec, u8 *sub)
{
	FUZZ_CHECK(++bridge_calls < 100000); /* a walk ends */
	for (unsigned int i = 0; i < nbridges; i++) {
		if (bridges[i].seg == seg && bridges[i].bus == bus && bridges[i].devfn == devfn) {
			*sec = bridges[i].sec;
			*sub = bridges[i].sub;
			return 0;
		}
	}
	return -ENODEV;
}

static void read_scopes(struct fuzz_in *in, struct acpi_scope *s, unsigned int *count)
{
	*count = fuzz_u8(in) % (ACPI_MAX_SCOPES + 4); /* a few past the array: must be clamped */
	for (unsigned int i = 0; i < MIN(*count, ACPI_MAX_SCOPES); i++) {
		s[i].type = fuzz_u8(in) % 7;
		s[i].enum_id = fuzz_u8(in);
		s[i].start_bus = fuzz_u8(in);
		s[i].path_len = fuzz_u8(in) % (ACPI_MAX_PATH + 3);
		for (unsigned int k = 0; k < MIN(s[i].path_len, ACPI_MAX_PATH); k++) {
			s[i].path[k].dev = fuzz_u8(in);
			s[i].path[k].fn = fuzz_u8(in);
		}
	}
}

static void read_dmar(struct fuzz_in *in)
{
	memset(&dmar, 0, sizeof(dmar));
	dmar.drhd_count = fuzz_u8(in) % (ACPI_MAX_DRHD + 2);
	for (unsigned int i = 0; i < MIN(dmar.drhd_count, ACPI_MAX_DRHD); i++) {
		struct acpi_drhd *d = &dmar.drhds[i];

		d->segment = fuzz_u8(in) % 2;
		d->include_all = fuzz_bool(in);
		d->base = 0xfed90000 + i * PAGE_SIZE;
		read_scopes(in, d->scopes, &d->scope_count);
	}
	dmar.rmrr_count = fuzz_u8(in) % (ACPI_MAX_RMRR + 2);
	for (unsigned int i = 0; i < MIN(dmar.rmrr_count, ACPI_MAX_RMRR); i++) {
		dmar.rmrrs[i].segment = fuzz_u8(in) % 2;
		read_scopes(in, dmar.rmrrs[i].scopes, &dmar.rmrrs[i].scope_count);
	}
	nbridges = fuzz_u8(in) % (MAX_BRIDGES + 1);
	for (unsigned int i = 0; i < nbridges; i++) {
		bridges[i].seg = fuzz_u8(in) % 2;
		bridges[i].bus = fuzz_u8(in);
		bridges[i].devfn = fuzz_u8(in);
		bridges[i].sec = fuzz_u8(in);
		bridges[i].sub = fuzz_u8(in);
	}
}

static void query(u16 seg, u16 rid, u8 ioapic)
{
	int unit = dmar_unit_of(&dmar, seg, rid, fake_bridge);
	u16 sid_seg = 0xffff, sid = 0;

	FUZZ_CHECK(unit == -ENODEV ||
		   (unit >= 0 && (unsigned int)unit < MIN(dmar.drhd_count, ACPI_MAX_DRHD)));
	if (unit >= 0)
		FUZZ_CHECK(dmar.drhds[unit].segment == seg);
	for (unsigned int i = 0; i < MIN(dmar.rmrr_count, ACPI_MAX_RMRR); i++)
		if (dmar_rmrr_names(&dmar.rmrrs[i], seg, rid, fake_bridge))
			FUZZ_CHECK(dmar.rmrrs[i].segment == seg);
	unit = dmar_ioapic_sid(&dmar, ioapic, fake_bridge, &sid_seg, &sid);
	FUZZ_CHECK(unit == -ENODEV ||
		   (unit >= 0 && (unsigned int)unit < MIN(dmar.drhd_count, ACPI_MAX_DRHD)));
	if (unit >= 0)
		FUZZ_CHECK(sid_seg == dmar.drhds[unit].segment && (sid & 0xff) >> 3 <= 31);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	read_dmar(&in);
	bridge_calls = 0;
	for (int i = 0; i < MAX_QUERIES && in.left; i++) {
		u8 seg = fuzz_u8(&in) % 2;
		u16 rid = fuzz_u16(&in);

		query(seg, rid, fuzz_u8(&in));
	}
	return 0;
}
