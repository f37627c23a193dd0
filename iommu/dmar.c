// SPDX-License-Identifier: MIT
/* dmar.c: DMAR device scopes resolved against the PCI topology (VT-d spec 8.3.1). */
#include "iommu/dmar.h"

#define DEVFN(d, f) ((u8)(((d) << 3) | (f)))

int dmar_resolve_scope(const struct acpi_scope *s, u16 seg, dmar_bridge_fn fn,
		       struct dmar_target *t)
{
	u8 bus = s->start_bus, sec = 0, sub = 0;

	if (s->path_len == 0 || s->path_len > ACPI_MAX_PATH)
		return -EINVAL;
	for (unsigned int i = 0; i < s->path_len; i++) {
		u8 dev = s->path[i].dev, func = s->path[i].fn;
		bool last = i + 1 == s->path_len;

		if (dev > 31 || func > 7)
			return -EINVAL;
		/* Every hop but the last is a bridge; a bridge scope's last hop is one too. */
		if (!last || s->type == ACPI_SCOPE_BRIDGE) {
			if (fn(seg, bus, DEVFN(dev, func), &sec, &sub) || sec <= bus || sub < sec)
				return -EINVAL;
		}
		if (last) {
			t->bus = bus;
			t->devfn = DEVFN(dev, func);
		}
		bus = sec;
	}
	t->bridge = s->type == ACPI_SCOPE_BRIDGE;
	t->first_bus = sec;
	t->last_bus = sub;
	return 0;
}

static bool dmar_target_covers(const struct dmar_target *t, u16 rid)
{
	u8 bus = rid >> 8;

	if (t->bus == bus && t->devfn == (rid & 0xff))
		return true;
	return t->bridge && bus >= t->first_bus && bus <= t->last_bus;
}

bool dmar_scopes_cover(const struct acpi_scope *scopes, unsigned int n, u16 seg, u16 rid,
		       dmar_bridge_fn fn)
{
	struct dmar_target t;

	for (unsigned int i = 0; i < n && i < ACPI_MAX_SCOPES; i++) {
		const struct acpi_scope *s = &scopes[i];

		if (s->type != ACPI_SCOPE_ENDPOINT && s->type != ACPI_SCOPE_BRIDGE)
			continue;
		if (dmar_resolve_scope(s, seg, fn, &t) == 0 && dmar_target_covers(&t, rid))
			return true;
	}
	return false;
}

int dmar_unit_of(const struct acpi_dmar *dmar, u16 seg, u16 rid, dmar_bridge_fn fn)
{
	int all = -ENODEV;

	for (unsigned int i = 0; i < dmar->drhd_count && i < ACPI_MAX_DRHD; i++) {
		const struct acpi_drhd *d = &dmar->drhds[i];

		if (d->segment != seg)
			continue;
		if (d->include_all) {
			if (all < 0)
				all = (int)i;
		} else if (dmar_scopes_cover(d->scopes, d->scope_count, seg, rid, fn)) {
			return (int)i;
		}
	}
	return all;
}

bool dmar_rmrr_names(const struct acpi_rmrr *r, u16 seg, u16 rid, dmar_bridge_fn fn)
{
	return r->segment == seg && dmar_scopes_cover(r->scopes, r->scope_count, seg, rid, fn);
}

int dmar_ioapic_sid(const struct acpi_dmar *dmar, u8 ioapic_id, dmar_bridge_fn fn, u16 *seg,
		    u16 *rid)
{
	struct dmar_target t;

	for (unsigned int i = 0; i < dmar->drhd_count && i < ACPI_MAX_DRHD; i++) {
		const struct acpi_drhd *d = &dmar->drhds[i];

		for (unsigned int k = 0; k < d->scope_count && k < ACPI_MAX_SCOPES; k++) {
			const struct acpi_scope *s = &d->scopes[k];

			if (s->type != ACPI_SCOPE_IOAPIC || s->enum_id != ioapic_id ||
			    dmar_resolve_scope(s, d->segment, fn, &t))
				continue;
			*seg = d->segment;
			*rid = (u16)(t.bus << 8 | t.devfn);
			return (int)i;
		}
	}
	return -ENODEV;
}
