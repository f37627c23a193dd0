// SPDX-License-Identifier: MIT
/*
 * acpi_tables.c: the ACPI table parsers (RSDP, root tables, MADT, MCFG, DMAR,
 * FADT, HPET). Pure functions over untrusted bytes: no mapping, no hardware,
 * so the host unit tests run them on tables captured from QEMU.
 */
#define LOG_TAG "acpi"
#include "kernel/acpi.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/string.h"

/* Log why a table is rejected; returns -EINVAL for the caller to pass up. */
static __printf(2, 3) int acpi_reject(const char *name, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	va_start(ap, fmt);
	vsnformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("%s: %s; table ignored\n", name, why);
	return -EINVAL;
}

static u8 acpi_checksum(const void *buf, size_t len)
{
	const u8 *p = buf;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

void acpi_table_name(const char sig[4], char name[5])
{
	if (!memcmp(sig, "APIC", 4))
		sig = "MADT";
	else if (!memcmp(sig, "FACP", 4))
		sig = "FADT";
	for (int i = 0; i < 4; i++)
		name[i] = sig[i] > ' ' && sig[i] < 0x7f ? sig[i] : '?';
	name[4] = '\0';
}

int acpi_check_table(const void *tbl, size_t len, const char *sig)
{
	const struct acpi_sdt_hdr *h = tbl;
	char name[5];

	acpi_table_name(sig, name);
	if (len < sizeof(*h))
		return acpi_reject(name, "only %zu bytes, shorter than the 36-byte header", len);
	if (memcmp(h->sig, sig, 4))
		return acpi_reject(name, "signature is not '%.4s'", sig);
	if (h->length < sizeof(*h))
		return acpi_reject(name, "length %u is shorter than the header", h->length);
	if (h->length > len)
		return acpi_reject(name, "length %u runs past the %zu bytes available", h->length,
				   len);
	if (acpi_checksum(tbl, h->length))
		return acpi_reject(name, "checksum is wrong (bytes sum to 0x%02x, not 0)",
				   acpi_checksum(tbl, h->length));
	return 0;
}

/* ---- RSDP and root tables (ACPI 5.2.5 - 5.2.8) ---- */

#define ACPI_RSDP_V1_LEN 20 /* what the ACPI 1.0 checksum covers */

/* Why the ACPI 2.0+ part of an RSDP cannot be used, or NULL if it can. */
static const char *acpi_rsdp_v2_problem(const struct acpi_rsdp *r, size_t len)
{
	if (len < sizeof(*r))
		return "the copy is shorter than 36 bytes";
	if (r->length < sizeof(*r) || r->length > len)
		return "its length is out of range";
	if (acpi_checksum(r, r->length))
		return "its extended checksum is wrong";
	if (!r->xsdt_addr)
		return "it has no XSDT address";
	return NULL;
}

int acpi_check_rsdp(const void *rsdp, size_t len, u64 *root, bool *xsdt)
{
	const struct acpi_rsdp *r = rsdp;

	if (len < ACPI_RSDP_V1_LEN)
		return acpi_reject("RSDP", "only %zu bytes, needs 20", len);
	if (memcmp(r->sig, "RSD PTR ", 8))
		return acpi_reject("RSDP", "signature is not 'RSD PTR '");
	if (acpi_checksum(r, ACPI_RSDP_V1_LEN))
		return acpi_reject("RSDP", "checksum of the first 20 bytes is wrong");
	*xsdt = false;
	*root = r->rsdt_addr;
	if (r->revision >= 2) {
		const char *why = acpi_rsdp_v2_problem(r, len);

		if (!why) {
			*xsdt = true;
			*root = r->xsdt_addr;
			return 0;
		}
		pr_warn("RSDP: revision %u but %s; using the RSDT\n", r->revision, why);
	}
	if (!*root)
		return acpi_reject("RSDP", "no RSDT address");
	return 0;
}

unsigned int acpi_root_count(const void *tbl, bool xsdt)
{
	const struct acpi_sdt_hdr *h = tbl;

	return (h->length - sizeof(*h)) / (xsdt ? 8 : 4);
}

u64 acpi_root_entry(const void *tbl, bool xsdt, unsigned int i)
{
	const u8 *p = (const u8 *)tbl + sizeof(struct acpi_sdt_hdr);
	u64 pa64;
	u32 pa32;

	if (xsdt) {
		memcpy(&pa64, p + (size_t)i * 8, 8);
		return pa64;
	}
	memcpy(&pa32, p + (size_t)i * 4, 4);
	return pa32;
}

/* ---- MADT: Multiple APIC Description Table (ACPI 5.2.12) ---- */

struct madt_hdr {
	struct acpi_sdt_hdr hdr;
	u32 lapic_addr; /* Local Interrupt Controller Address */
	u32 flags;
} __packed;
_Static_assert(sizeof(struct madt_hdr) == 44, "MADT header");

#define MADT_PCAT_COMPAT BIT(0) /* dual 8259s installed */

/* Interrupt Controller Structure types (ACPI table 5.21) */
#define MADT_LAPIC          0 /* Processor Local APIC */
#define MADT_IOAPIC         1 /* I/O APIC */
#define MADT_ISO            2 /* Interrupt Source Override */
#define MADT_LAPIC_OVERRIDE 5 /* Local APIC Address Override */
#define MADT_X2APIC         9 /* Processor Local x2APIC */

/* Local APIC Flags (ACPI table 5.23) */
#define MADT_CPU_ENABLED        BIT(0)
#define MADT_CPU_ONLINE_CAPABLE BIT(1)

struct madt_lapic {
	u8 type, length;
	u8 uid;
	u8 apic_id;
	u32 flags;
} __packed;
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC");

struct madt_ioapic {
	u8 type, length;
	u8 id;
	u8 reserved;
	u32 addr;
	u32 gsi_base;
} __packed;
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT I/O APIC");

struct madt_iso {
	u8 type, length;
	u8 bus;
	u8 source;
	u32 gsi;
	u16 flags;
} __packed;
_Static_assert(sizeof(struct madt_iso) == 10, "MADT interrupt source override");

struct madt_lapic_override {
	u8 type, length;
	u16 reserved;
	u64 addr;
} __packed;
_Static_assert(sizeof(struct madt_lapic_override) == 12, "MADT local APIC address override");

struct madt_x2apic {
	u8 type, length;
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 uid;
} __packed;
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT local x2APIC");

/* The smallest valid length of each structure type we read (0: not read, skipped). */
static const u8 madt_min_len[] = {
	[MADT_LAPIC] = sizeof(struct madt_lapic),
	[MADT_IOAPIC] = sizeof(struct madt_ioapic),
	[MADT_ISO] = sizeof(struct madt_iso),
	[MADT_LAPIC_OVERRIDE] = sizeof(struct madt_lapic_override),
	[MADT_X2APIC] = sizeof(struct madt_x2apic),
};

struct madt_ctx {
	struct acpi_madt *out;
	unsigned int dropped;    /* entries beyond our arrays */
	bool online_capable_bit; /* MADT revision 5+ (ACPI 6.3) defines Online Capable */
};

static void madt_add_cpu(struct madt_ctx *c, u32 apic_id, u32 uid, u32 flags, bool x2)
{
	struct acpi_madt *m = c->out;
	struct acpi_cpu *cpu;
	bool enabled = flags & MADT_CPU_ENABLED;
	/*
	 * Not enabled: hot-pluggable when Online Capable says so (MADT revision
	 * 5+, ACPI 6.3) or, in older tables, which have no such bit, always: that
	 * is how firmware lists possible but absent CPUs (QEMU's -smp maxcpus=),
	 * and how Linux reads them. Otherwise the processor is unusable (5.2.12.2).
	 */
	bool hotplug = !enabled && (!c->online_capable_bit || (flags & MADT_CPU_ONLINE_CAPABLE));

	if (!enabled && !hotplug)
		return;
	for (unsigned int i = 0; i < m->cpu_count; i++) {
		if (m->cpus[i].apic_id == apic_id) {
			pr_warn("MADT: APIC ID %u listed twice; the second entry is ignored\n",
				apic_id);
			return;
		}
	}
	if (m->cpu_count == ACPI_MAX_CPUS) {
		c->dropped++;
		return;
	}
	cpu = &m->cpus[m->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->uid = uid;
	cpu->enabled = enabled;
	cpu->online_capable = hotplug;
	cpu->x2apic_entry = x2;
}

static void madt_add_ioapic(struct madt_ctx *c, const struct madt_ioapic *e)
{
	struct acpi_madt *m = c->out;

	if (!e->addr) {
		pr_warn("MADT: I/O APIC %u at address 0 ignored\n", e->id);
		return;
	}
	if (m->ioapic_count == ACPI_MAX_IOAPICS) {
		c->dropped++;
		return;
	}
	m->ioapics[m->ioapic_count++] = (struct acpi_ioapic){ e->id, e->addr, e->gsi_base };
}

static void madt_add_override(struct madt_ctx *c, const struct madt_iso *e)
{
	struct acpi_madt *m = c->out;

	if (m->override_count == ACPI_MAX_OVERRIDES) {
		c->dropped++;
		return;
	}
	m->overrides[m->override_count++] =
		(struct acpi_override){ e->bus, e->source, e->gsi, e->flags };
}

/* One Interrupt Controller Structure, its length already checked against the table. */
static int madt_entry(struct madt_ctx *c, const u8 *e, u32 off)
{
	const struct madt_lapic *l = (const void *)e;
	const struct madt_x2apic *x = (const void *)e;
	u8 type = e[0], len = e[1];

	if (type < ARRAY_SIZE(madt_min_len) && len < madt_min_len[type])
		return acpi_reject("MADT", "structure type %u at offset 0x%x is %u bytes, needs %u",
				   type, off, len, madt_min_len[type]);
	switch (type) {
	case MADT_LAPIC:
		if (l->apic_id != 0xff) /* 0xff is the broadcast ID, never a CPU */
			madt_add_cpu(c, l->apic_id, l->uid, l->flags, false);
		break;
	case MADT_X2APIC:
		if (x->x2apic_id != 0xffffffff)
			madt_add_cpu(c, x->x2apic_id, x->uid, x->flags, true);
		break;
	case MADT_IOAPIC:
		madt_add_ioapic(c, (const void *)e);
		break;
	case MADT_ISO:
		madt_add_override(c, (const void *)e);
		break;
	case MADT_LAPIC_OVERRIDE:
		c->out->lapic_addr64 = ((const struct madt_lapic_override *)(const void *)e)->addr;
		break;
	default:
		break; /* NMI sources, GIC, ...: not used */
	}
	return 0;
}

static void madt_summary(const struct acpi_madt *m)
{
	unsigned int enabled = 0;
	char more[40] = "";

	for (unsigned int i = 0; i < m->cpu_count; i++)
		enabled += m->cpus[i].enabled;
	if (m->cpu_count > enabled)
		snformat(more, sizeof(more), ", %u more hot-pluggable", m->cpu_count - enabled);
	for (unsigned int i = 0; i < m->ioapic_count; i++)
		pr_debug("MADT: IOAPIC id %u at 0x%x GSI %u\n", m->ioapics[i].id,
			 m->ioapics[i].addr, m->ioapics[i].gsi_base);
	pr_info("MADT: %u CPU%s, %u IOAPIC%s, %u override%s, local APIC at 0x%llx%s\n", enabled,
		enabled == 1 ? "" : "s", m->ioapic_count, m->ioapic_count == 1 ? "" : "s",
		m->override_count, m->override_count == 1 ? "" : "s",
		m->lapic_addr64 ? m->lapic_addr64 : m->lapic_addr, more);
}

int acpi_parse_madt(const void *tbl, size_t len, struct acpi_madt *out)
{
	const struct madt_hdr *h = tbl;
	const u8 *p = tbl;
	struct madt_ctx c = { .out = out };
	u32 end, off;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(tbl, len, "APIC"))
		return -EINVAL;
	end = h->hdr.length;
	if (end < sizeof(*h))
		return acpi_reject("MADT", "length %u is shorter than its fixed fields", end);
	out->lapic_addr = h->lapic_addr;
	out->pcat_compat = h->flags & MADT_PCAT_COMPAT;
	c.online_capable_bit = h->hdr.revision >= 5;
	for (off = sizeof(*h); off < end; off += p[off + 1]) {
		if (end - off < 2)
			return acpi_reject("MADT", "structure header at offset 0x%x is cut off",
					   off);
		if (p[off + 1] < 2)
			return acpi_reject("MADT", "structure at offset 0x%x has length %u", off,
					   p[off + 1]);
		if (p[off + 1] > end - off)
			return acpi_reject("MADT",
					   "structure at offset 0x%x (length %u) runs past the end",
					   off, p[off + 1]);
		if (madt_entry(&c, p + off, off))
			return -EINVAL;
	}
	if (c.dropped)
		pr_warn("MADT: %u entries beyond this hypervisor's limits (%u CPUs, %u I/O APICs, %u overrides) ignored\n",
			c.dropped, ACPI_MAX_CPUS, ACPI_MAX_IOAPICS, ACPI_MAX_OVERRIDES);
	if (out->cpu_count == 0)
		return acpi_reject("MADT", "lists no usable processor");
	madt_summary(out);
	return 0;
}

/* ---- MCFG: PCI Express memory-mapped configuration (PCI Firmware spec 4.1.2) ---- */

struct mcfg_hdr {
	struct acpi_sdt_hdr hdr;
	u8 reserved[8];
} __packed;
_Static_assert(sizeof(struct mcfg_hdr) == 44, "MCFG header");

struct mcfg_entry {
	u64 base; /* ECAM base of bus 0 of the segment */
	u16 segment;
	u8 bus_start;
	u8 bus_end;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct mcfg_entry) == 16, "MCFG allocation");

#define MCFG_BUS_SHIFT 20 /* 1 MiB of ECAM per bus */

/* Why an allocation cannot be used, or NULL. */
static const char *mcfg_problem(const struct acpi_mcfg *m, const struct mcfg_entry *e)
{
	if (e->bus_end < e->bus_start)
		return "bus range is reversed";
	if (!e->base || !IS_ALIGNED(e->base, 1ULL << MCFG_BUS_SHIFT))
		return "base is 0 or not 1 MiB aligned";
	if (e->base > ~0ULL - (((u64)e->bus_end + 1) << MCFG_BUS_SHIFT))
		return "window wraps past 2^64";
	for (unsigned int i = 0; i < m->count; i++)
		if (m->segs[i].segment == e->segment && e->bus_start <= m->segs[i].bus_end &&
		    m->segs[i].bus_start <= e->bus_end)
			return "buses overlap an earlier entry";
	if (m->count == ACPI_MAX_MCFG)
		return "more entries than this hypervisor supports";
	return NULL;
}

int acpi_parse_mcfg(const void *tbl, size_t len, struct acpi_mcfg *out)
{
	const struct acpi_sdt_hdr *h = tbl;
	u32 n, tail;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(tbl, len, "MCFG"))
		return -EINVAL;
	if (h->length < sizeof(struct mcfg_hdr))
		return acpi_reject("MCFG", "length %u is shorter than its fixed fields", h->length);
	n = (h->length - sizeof(struct mcfg_hdr)) / sizeof(struct mcfg_entry);
	tail = (h->length - sizeof(struct mcfg_hdr)) % sizeof(struct mcfg_entry);
	if (tail)
		pr_warn("MCFG: %u trailing bytes after the last entry ignored\n", tail);
	for (u32 i = 0; i < n; i++) {
		struct mcfg_entry e;
		const char *why;

		memcpy(&e, (const u8 *)tbl + sizeof(struct mcfg_hdr) + i * sizeof(e), sizeof(e));
		why = mcfg_problem(out, &e);
		if (why) {
			pr_warn("MCFG: entry %u (segment %u base 0x%llx buses %u-%u): %s; ignored\n",
				i, e.segment, e.base, e.bus_start, e.bus_end, why);
			continue;
		}
		out->segs[out->count++] =
			(struct acpi_mcfg_seg){ e.base, e.segment, e.bus_start, e.bus_end };
	}
	if (!out->count)
		return acpi_reject("MCFG", "lists no usable ECAM window");
	for (unsigned int i = 0; i < out->count; i++)
		pr_info("MCFG: segment %u base 0x%llx buses %u-%u\n", out->segs[i].segment,
			out->segs[i].base, out->segs[i].bus_start, out->segs[i].bus_end);
	return 0;
}

/* ---- DMAR: DMA Remapping Reporting table (VT-d spec chapter 8) ---- */

struct dmar_hdr {
	struct acpi_sdt_hdr hdr;
	u8 haw; /* Host Address Width - 1 */
	u8 flags;
	u8 reserved[10];
} __packed;
_Static_assert(sizeof(struct dmar_hdr) == 48, "DMAR header");

/* Remapping Structure types (VT-d 8.2) */
#define DMAR_DRHD 0 /* DMA Remapping Hardware Unit Definition */
#define DMAR_RMRR 1 /* Reserved Memory Region Reporting */
#define DMAR_ATSR 2 /* Root Port ATS Capability Reporting */

struct dmar_struct {
	u16 type;
	u16 length;
} __packed;

struct dmar_drhd {
	u16 type, length;
	u8 flags;
	u8 size; /* bits 3:0: register set is 2^N pages (VT-d 3.0+) */
	u16 segment;
	u64 base;
} __packed;
_Static_assert(sizeof(struct dmar_drhd) == 16, "DRHD");

#define DMAR_DRHD_INCLUDE_PCI_ALL BIT(0)
#define DMAR_DRHD_SIZE            GENMASK(3, 0)

struct dmar_rmrr {
	u16 type, length;
	u16 reserved;
	u16 segment;
	u64 base;
	u64 limit;
} __packed;
_Static_assert(sizeof(struct dmar_rmrr) == 24, "RMRR");

struct dmar_atsr {
	u16 type, length;
	u8 flags;
	u8 reserved;
	u16 segment;
} __packed;
_Static_assert(sizeof(struct dmar_atsr) == 8, "ATSR");

#define DMAR_ATSR_ALL_PORTS BIT(0)

/* Device Scope Structure (VT-d 8.3.1): this header, then (device, function) pairs. */
struct dmar_scope {
	u8 type;
	u8 length; /* 6 + 2 * path entries */
	u8 flags;
	u8 reserved;
	u8 enum_id;
	u8 start_bus;
} __packed;
_Static_assert(sizeof(struct dmar_scope) == 6, "device scope");

/* The scopes of one structure, all in one list. */
struct dmar_scopes {
	struct acpi_scope *scopes;
	unsigned int *count;
};

/* One device scope at table offset off, at most avail bytes left in its structure. */
static int dmar_scope(const u8 *p, u32 off, u32 avail, struct dmar_scopes *s)
{
	const struct dmar_scope *d = (const void *)(p + off);
	struct acpi_scope *sc;
	u32 hops;

	if (avail < sizeof(*d))
		return acpi_reject("DMAR", "device scope at offset 0x%x is cut off", off);
	if (d->length < sizeof(*d) + 2 || (d->length - sizeof(*d)) % 2)
		return acpi_reject("DMAR", "device scope at offset 0x%x has bad length %u", off,
				   d->length);
	if (d->length > avail)
		return acpi_reject(
			"DMAR", "device scope at offset 0x%x (length %u) overflows its structure",
			off, d->length);
	hops = (d->length - sizeof(*d)) / 2;
	if (hops > ACPI_MAX_PATH)
		return acpi_reject("DMAR", "device scope at offset 0x%x has a %u-hop path (max %u)",
				   off, hops, ACPI_MAX_PATH);
	if (d->type < ACPI_SCOPE_ENDPOINT || d->type > ACPI_SCOPE_NAMESPACE) {
		pr_warn("DMAR: device scope at offset 0x%x has reserved type %u; ignored\n", off,
			d->type);
		return 0;
	}
	if (*s->count == ACPI_MAX_SCOPES)
		return acpi_reject("DMAR",
				   "more than %u device scopes in one structure (offset 0x%x)",
				   ACPI_MAX_SCOPES, off);
	sc = &s->scopes[(*s->count)++];
	*sc = (struct acpi_scope){ d->type, d->enum_id, d->start_bus, (u8)hops, { { 0, 0 } } };
	for (u32 i = 0; i < hops; i++) {
		sc->path[i].dev = p[off + sizeof(*d) + 2 * i];
		sc->path[i].fn = p[off + sizeof(*d) + 2 * i + 1];
	}
	return 0;
}

/* Device scopes from table offset `from` to `end` (the end of their structure). */
static int dmar_scopes(const u8 *p, u32 from, u32 end, struct dmar_scopes *s)
{
	for (u32 off = from; off < end; off += p[off + 1])
		if (dmar_scope(p, off, end - off, s))
			return -EINVAL;
	return 0;
}

static int dmar_drhd(struct acpi_dmar *d, const u8 *p, u32 off, u32 len)
{
	const struct dmar_drhd *e = (const void *)(p + off);
	struct acpi_drhd *u;

	if (len < sizeof(*e))
		return acpi_reject("DMAR", "DRHD at offset 0x%x is %u bytes, needs %zu", off, len,
				   sizeof(*e));
	if (!e->base || !IS_ALIGNED(e->base, PAGE_SIZE))
		return acpi_reject("DMAR", "DRHD at offset 0x%x has register base 0x%llx", off,
				   e->base);
	/* A unit we cannot track would leave its devices unprotected: reject, not skip. */
	if (d->drhd_count == ACPI_MAX_DRHD)
		return acpi_reject("DMAR", "more than %u DRHDs", ACPI_MAX_DRHD);
	u = &d->drhds[d->drhd_count++];
	u->base = e->base;
	u->segment = e->segment;
	u->size_order = e->size & DMAR_DRHD_SIZE;
	u->include_all = e->flags & DMAR_DRHD_INCLUDE_PCI_ALL;
	return dmar_scopes(p, off + sizeof(*e), off + len,
			   &(struct dmar_scopes){ u->scopes, &u->scope_count });
}

static int dmar_rmrr(struct acpi_dmar *d, const u8 *p, u32 off, u32 len)
{
	const struct dmar_rmrr *e = (const void *)(p + off);
	struct acpi_rmrr *r;

	if (len < sizeof(*e))
		return acpi_reject("DMAR", "RMRR at offset 0x%x is %u bytes, needs %zu", off, len,
				   sizeof(*e));
	/* VT-d 8.4: base 4 KiB aligned, limit + 1 4 KiB aligned. */
	if (e->limit < e->base || !IS_ALIGNED(e->base, PAGE_SIZE) ||
	    !IS_ALIGNED(e->limit + 1, PAGE_SIZE)) {
		pr_warn("DMAR: RMRR at offset 0x%x has bad range 0x%llx-0x%llx; ignored\n", off,
			e->base, e->limit);
		return 0;
	}
	if (d->rmrr_count == ACPI_MAX_RMRR) {
		pr_warn("DMAR: more than %u RMRRs; 0x%llx-0x%llx ignored\n", ACPI_MAX_RMRR, e->base,
			e->limit);
		return 0;
	}
	r = &d->rmrrs[d->rmrr_count++];
	r->base = e->base;
	r->limit = e->limit;
	r->segment = e->segment;
	return dmar_scopes(p, off + sizeof(*e), off + len,
			   &(struct dmar_scopes){ r->scopes, &r->scope_count });
}

static int dmar_atsr(struct acpi_dmar *d, const u8 *p, u32 off, u32 len)
{
	const struct dmar_atsr *e = (const void *)(p + off);
	struct acpi_atsr *a;

	if (len < sizeof(*e))
		return acpi_reject("DMAR", "ATSR at offset 0x%x is %u bytes, needs %zu", off, len,
				   sizeof(*e));
	if (d->atsr_count == ACPI_MAX_ATSR) {
		pr_warn("DMAR: more than %u ATSRs; the one at offset 0x%x ignored\n", ACPI_MAX_ATSR,
			off);
		return 0;
	}
	a = &d->atsrs[d->atsr_count++];
	a->segment = e->segment;
	a->all_ports = e->flags & DMAR_ATSR_ALL_PORTS;
	return dmar_scopes(p, off + sizeof(*e), off + len,
			   &(struct dmar_scopes){ a->scopes, &a->scope_count });
}

/* One remapping structure at table offset off; returns its length, or -EINVAL. */
static int dmar_struct(struct acpi_dmar *d, const u8 *p, u32 off, u32 end)
{
	struct dmar_struct s;
	int r;

	if (end - off < sizeof(s))
		return acpi_reject("DMAR", "structure header at offset 0x%x is cut off", off);
	memcpy(&s, p + off, sizeof(s));
	if (s.length < sizeof(s))
		return acpi_reject("DMAR", "structure at offset 0x%x has length %u", off, s.length);
	if (s.length > end - off)
		return acpi_reject("DMAR",
				   "structure type %u at offset 0x%x (length %u) runs past the end",
				   s.type, off, s.length);
	switch (s.type) {
	case DMAR_DRHD:
		r = dmar_drhd(d, p, off, s.length);
		break;
	case DMAR_RMRR:
		r = dmar_rmrr(d, p, off, s.length);
		break;
	case DMAR_ATSR:
		r = dmar_atsr(d, p, off, s.length);
		break;
	default:
		r = 0;
		break; /* RHSA, ANDD, SATC, ...: skipped by their length */
	}
	return r ? r : s.length;
}

static void dmar_print_scope(const struct acpi_scope *s)
{
	static const char *const types[] = { "?",      "endpoint", "bridge",
					     "ioapic", "hpet",     "namespace" };
	char path[ACPI_MAX_PATH * 6 + 1] = "";

	for (unsigned int i = 0; i < s->path_len; i++)
		snformat(path + i * 6, sizeof(path) - i * 6, "/%02x.%x", s->path[i].dev,
			 s->path[i].fn);
	pr_debug("DMAR:   %s id %u bus %02x path %s\n", types[s->type], s->enum_id, s->start_bus,
		 path + 1);
}

static void dmar_summary(const struct acpi_dmar *d)
{
	pr_info("DMAR: %u DRHD, %u RMRR, host address width %u%s%s\n", d->drhd_count, d->rmrr_count,
		d->host_addr_width + 1,
		d->flags & ACPI_DMAR_INTR_REMAP ? ", interrupt remapping" : "",
		d->flags & ACPI_DMAR_X2APIC_OPT_OUT ? ", x2APIC opt-out" : "");
	for (unsigned int i = 0; i < d->drhd_count; i++) {
		const struct acpi_drhd *u = &d->drhds[i];

		pr_debug("DMAR: DRHD 0x%llx segment %u%s, %u device scope(s)\n", u->base,
			 u->segment, u->include_all ? " INCLUDE_PCI_ALL" : "", u->scope_count);
		for (unsigned int j = 0; j < u->scope_count; j++)
			dmar_print_scope(&u->scopes[j]);
	}
}

int acpi_parse_dmar(const void *tbl, size_t len, struct acpi_dmar *out)
{
	const struct dmar_hdr *h = tbl;
	u32 end, off;
	int n;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(tbl, len, "DMAR"))
		return -EINVAL;
	end = h->hdr.length;
	if (end < sizeof(*h))
		return acpi_reject("DMAR", "length %u is shorter than its fixed fields", end);
	/* HAW is N - 1 for N address bits; fewer than 4 KiB pages make no sense. */
	if (h->haw < PAGE_SHIFT - 1 || h->haw > 63)
		return acpi_reject("DMAR", "host address width %u is impossible", h->haw + 1);
	out->host_addr_width = h->haw;
	out->flags = h->flags;
	for (off = sizeof(*h); off < end; off += n) {
		n = dmar_struct(out, tbl, off, end);
		if (n < 0)
			return n;
	}
	if (!out->drhd_count)
		return acpi_reject("DMAR", "lists no DRHD");
	dmar_summary(out);
	return 0;
}

/* ---- FADT: Fixed ACPI Description Table (ACPI 5.2.9), the fields up to X_PM_TMR_BLK ---- */

struct fadt {
	struct acpi_sdt_hdr hdr;
	u32 firmware_ctrl;
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk;
	u32 pm_tmr_blk;
	u32 gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
} __packed;
_Static_assert(offsetof(struct fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");

#define FADT_V1_LEN 116 /* ACPI 1.0: up to and including Flags */
#define FADT_HAS(len, field) \
	((len) >= offsetof(struct fadt, field) + sizeof(((struct fadt *)0)->field))

/* FADT Fixed Feature Flags (ACPI table 5.10) */
#define FADT_TMR_VAL_EXT   BIT(8)  /* PM timer counts 32 bits, not 24 */
#define FADT_RESET_REG_SUP BIT(10) /* RESET_REG is valid */

static void fadt_pm_timer(const struct fadt *f, u32 len, struct acpi_fadt *out)
{
	/* X_PM_TMR_BLK, when non-zero, supersedes PM_TMR_BLK (ACPI 5.2.9). */
	if (FADT_HAS(len, x_pm_tmr_blk) && f->x_pm_tmr_blk.address) {
		if (f->x_pm_tmr_blk.space_id == ACPI_GAS_IO && f->x_pm_tmr_blk.address <= 0xfffc)
			out->pm_timer_port = f->x_pm_tmr_blk.address;
		else
			pr_warn("FADT: PM timer in address space %u at 0x%llx is not usable\n",
				f->x_pm_tmr_blk.space_id, f->x_pm_tmr_blk.address);
		return;
	}
	if (!f->pm_tmr_blk)
		return;
	if (f->pm_tmr_len == 4 && f->pm_tmr_blk <= 0xfffc)
		out->pm_timer_port = f->pm_tmr_blk;
	else
		pr_warn("FADT: PM timer block 0x%x (length %u) is not usable\n", f->pm_tmr_blk,
			f->pm_tmr_len);
}

static void fadt_reset(const struct fadt *f, u32 len, struct acpi_fadt *out)
{
	const struct acpi_gas *r = &f->reset_reg;

	if (!FADT_HAS(len, reset_value) || !(f->flags & FADT_RESET_REG_SUP))
		return;
	if (!r->address || r->space_id > ACPI_GAS_PCI ||
	    (r->space_id == ACPI_GAS_IO && r->address > 0xffff)) {
		pr_warn("FADT: reset register in address space %u at 0x%llx is not usable\n",
			r->space_id, r->address);
		return;
	}
	out->reset_supported = true;
	out->reset_space = r->space_id;
	out->reset_addr = r->address;
	out->reset_value = f->reset_value;
}

static void fadt_summary(const struct acpi_fadt *f)
{
	static const char *const spaces[] = { "memory", "I/O", "PCI" };
	char timer[48] = "no PM timer", reset[64] = "no reset register";

	if (f->pm_timer_port)
		snformat(timer, sizeof(timer), "PM timer at port 0x%x (%s)", f->pm_timer_port,
			 f->pm_timer_32bit ? "32-bit" : "24-bit");
	if (f->reset_supported)
		snformat(reset, sizeof(reset), "reset by %s 0x%llx value 0x%x",
			 spaces[f->reset_space], f->reset_addr, f->reset_value);
	pr_info("FADT: %s, SCI IRQ %u, %s\n", timer, f->sci_irq, reset);
}

int acpi_parse_fadt(const void *tbl, size_t len, struct acpi_fadt *out)
{
	const struct fadt *f = tbl;
	u32 flen;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(tbl, len, "FACP"))
		return -EINVAL;
	flen = f->hdr.length;
	if (flen < FADT_V1_LEN)
		return acpi_reject("FADT", "length %u is shorter than ACPI 1.0's %u", flen,
				   FADT_V1_LEN);
	out->sci_irq = f->sci_int;
	out->pm_timer_32bit = f->flags & FADT_TMR_VAL_EXT;
	fadt_pm_timer(f, flen, out);
	fadt_reset(f, flen, out);
	fadt_summary(out);
	return 0;
}

/* ---- HPET: High Precision Event Timer table (IA-PC HPET spec 3.2.4) ---- */

struct hpet_tbl {
	struct acpi_sdt_hdr hdr;
	u32 block_id; /* Event Timer Block ID: the General Capabilities register's low half */
	struct acpi_gas base;
	u8 number;
	u16 min_tick;
	u8 page_protection;
} __packed;
_Static_assert(sizeof(struct hpet_tbl) == 56, "HPET table");

#define HPET_NUM_TIM_CAP GENMASK(12, 8) /* number of comparators - 1 */

int acpi_parse_hpet(const void *tbl, size_t len, struct acpi_hpet *out)
{
	const struct hpet_tbl *h = tbl;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(tbl, len, "HPET"))
		return -EINVAL;
	if (h->hdr.length < sizeof(*h))
		return acpi_reject("HPET", "length %u is shorter than its %zu bytes of fields",
				   h->hdr.length, sizeof(*h));
	if (h->base.space_id != ACPI_GAS_MEMORY || !h->base.address ||
	    !IS_ALIGNED(h->base.address, 1024))
		return acpi_reject("HPET", "register block in address space %u at 0x%llx",
				   h->base.space_id, h->base.address);
	out->base = h->base.address;
	out->number = h->number;
	out->min_tick = h->min_tick;
	pr_info("HPET: base 0x%llx, %llu timers, minimum tick %u\n", out->base,
		((h->block_id & HPET_NUM_TIM_CAP) >> 8) + 1, out->min_tick);
	return 0;
}
