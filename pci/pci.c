// SPDX-License-Identifier: MIT
/* pci.c: PCI enumeration: the device table, config access, capabilities, BARs and bridges. */
#define LOG_TAG "pci"
#include "pci/pci.h"
#include "pci/sriov.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/string.h"

static struct pci_dev pci_devs[PCI_MAX_DEVS];
static struct pci_dev *pci_list; /* in (segment, bus, devfn) order */
static unsigned int pci_ndevs;
static const struct pci_platform *plat;
static struct ratelimit pci_cfg_rl = RATELIMIT_INIT(8, 1000);

/* State of one root's scan. */
struct pci_scan {
	u16 seg;
	u8 bus_start, bus_end; /* what the root decodes */
	u8 max_bus;            /* highest bus number seen or handed out */
	bool assign;           /* renumbering: we choose every bridge's buses */
	bool renumber;         /* firmware's numbers are unusable: start again assigning */
	int depth;
	u64 scanned[4];                   /* buses already scanned */
	const struct pci_dev *owner[256]; /* bridge that claimed each bus */
};

static u32 pci_ones(u8 width)
{
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

static bool pci_off_ok(u16 off, u8 width, u16 size)
{
	return !(off & (width - 1)) && range_ok(off, width, size);
}

static u32 pci_raw_read(u16 seg, u8 bus, u8 devfn, u16 off, u8 width)
{
	if (!pci_off_ok(off, width, plat->ops->cfg_size))
		return pci_ones(width);
	return plat->ops->read(seg, bus, devfn, off, width) & pci_ones(width);
}

static void pci_raw_write(u16 seg, u8 bus, u8 devfn, u16 off, u8 width, u32 val)
{
	if (pci_off_ok(off, width, plat->ops->cfg_size))
		plat->ops->write(seg, bus, devfn, off, width, val);
}

static u32 pci_cfg_read(const struct pci_dev *d, u16 off, u8 width)
{
	if (!pci_off_ok(off, width, d->cfg_size)) {
		if (ratelimit_check(&pci_cfg_rl))
			pr_warn(PCI_FMT ": refused config read of %u bytes at 0x%x\n", PCI_ARG(d),
				width, off);
		return pci_ones(width);
	}
	return pci_raw_read(d->seg, d->bus, d->devfn, off, width);
}

static void pci_cfg_write(const struct pci_dev *d, u16 off, u8 width, u32 val)
{
	if (!pci_off_ok(off, width, d->cfg_size)) {
		if (ratelimit_check(&pci_cfg_rl))
			pr_warn(PCI_FMT ": refused config write of %u bytes at 0x%x\n", PCI_ARG(d),
				width, off);
		return;
	}
	pci_raw_write(d->seg, d->bus, d->devfn, off, width, val);
}

u8 pci_cfg_read8(const struct pci_dev *d, u16 off)
{
	return pci_cfg_read(d, off, 1);
}
u16 pci_cfg_read16(const struct pci_dev *d, u16 off)
{
	return pci_cfg_read(d, off, 2);
}
u32 pci_cfg_read32(const struct pci_dev *d, u16 off)
{
	return pci_cfg_read(d, off, 4);
}
void pci_cfg_write8(const struct pci_dev *d, u16 off, u8 v)
{
	pci_cfg_write(d, off, 1, v);
}
void pci_cfg_write16(const struct pci_dev *d, u16 off, u16 v)
{
	pci_cfg_write(d, off, 2, v);
}
void pci_cfg_write32(const struct pci_dev *d, u16 off, u32 v)
{
	pci_cfg_write(d, off, 4, v);
}

/* ---- the device table ---- */

static u32 pci_key(u16 seg, u16 rid)
{
	return (u32)seg << 16 | rid;
}

struct pci_dev *pci_find_rid(u16 seg, u16 rid)
{
	for (struct pci_dev *d = pci_list; d; d = d->next)
		if (pci_key(d->seg, PCI_RID(d->bus, d->devfn)) == pci_key(seg, rid))
			return d;
	return NULL;
}

struct pci_dev *pci_find(u16 seg, u8 bus, u8 dev, u8 fn)
{
	if (dev > 31 || fn > 7)
		return NULL;
	return pci_find_rid(seg, PCI_RID(bus, PCI_DEVFN(dev, fn)));
}

struct pci_dev *pci_next(const struct pci_dev *d)
{
	return d ? d->next : pci_list;
}

struct pci_dev *pci_find_by_id(u16 vendor, u16 device, struct pci_dev *from)
{
	for (struct pci_dev *d = pci_next(from); d; d = d->next)
		if (d->vendor == vendor && d->device == device)
			return d;
	return NULL;
}

unsigned int pci_count(void)
{
	return pci_ndevs;
}

const struct pci_platform *pci_platform(void)
{
	return plat;
}

bool pci_is_below(const struct pci_dev *d, const struct pci_dev *bridge)
{
	for (const struct pci_dev *p = d->parent; p; p = p->parent)
		if (p == bridge)
			return true;
	return false;
}

static struct pci_dev *pci_alloc_slot(void)
{
	static bool warned;

	for (unsigned int i = 0; i < PCI_MAX_DEVS; i++)
		if (!pci_devs[i].in_use)
			return &pci_devs[i];
	if (!warned)
		pr_err("more than %d functions: the rest are ignored\n", PCI_MAX_DEVS);
	warned = true;
	return NULL;
}

struct pci_dev *pci_add_dev(u16 seg, u8 bus, u8 devfn, struct pci_dev *parent)
{
	u32 key = pci_key(seg, PCI_RID(bus, devfn));
	struct pci_dev *d, **pp;

	if (pci_find_rid(seg, PCI_RID(bus, devfn))) {
		pr_err("%04x:%02x:%02x.%x found twice: ignored\n", seg, bus, PCI_SLOT(devfn),
		       PCI_FUNC(devfn));
		return NULL;
	}
	d = pci_alloc_slot();
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->in_use = true;
	d->seg = seg;
	d->bus = bus;
	d->devfn = devfn;
	d->parent = parent;
	d->cfg_size = PCI_CFG_SPACE_SIZE;
	for (pp = &pci_list; *pp && pci_key((*pp)->seg, PCI_RID((*pp)->bus, (*pp)->devfn)) < key;
	     pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	pci_ndevs++;
	return d;
}

void pci_remove_dev(struct pci_dev *d)
{
	for (struct pci_dev **pp = &pci_list; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			pci_ndevs--;
			memset(d, 0, sizeof(*d));
			return;
		}
	}
}

static void pci_remove_root(u16 seg, u8 bus_start, u8 bus_end)
{
	struct pci_dev *d = pci_list, *next;

	for (; d; d = next) {
		next = d->next;
		if (d->seg == seg && d->bus >= bus_start && d->bus <= bus_end)
			pci_remove_dev(d);
	}
}

/* ---- capabilities ---- */

/* Does a capability structure of len bytes at pos fit in config space? Logs when not. */
static bool pci_cap_fits(const struct pci_dev *d, u16 pos, u16 len, u16 end, const char *name)
{
	if (range_ok(pos, len, end))
		return true;
	pr_warn(PCI_FMT ": %s capability at 0x%x runs past 0x%x: ignored\n", PCI_ARG(d), name, pos,
		end - 1);
	return false;
}

static void pci_note_cap(struct pci_dev *d, u8 id, u8 pos)
{
	if (id == PCI_CAP_ID_PM && !d->cap_pm && pci_cap_fits(d, pos, 8, 256, "PM"))
		d->cap_pm = pos;
	else if (id == PCI_CAP_ID_MSI && !d->cap_msi && pci_cap_fits(d, pos, 10, 256, "MSI"))
		d->cap_msi = pos;
	else if (id == PCI_CAP_ID_MSIX && !d->cap_msix && pci_cap_fits(d, pos, 12, 256, "MSI-X"))
		d->cap_msix = pos;
	else if (id == PCI_CAP_ID_EXP && !d->cap_pcie &&
		 pci_cap_fits(d, pos, PCI_EXP_DEVCTL2 + 2, 256, "PCI Express"))
		d->cap_pcie = pos;
}

/*
 * Walk the capability list: return the offset of the first capability `want`
 * or, with record set, note every known one in d. Stops at a pointer into the
 * header or at a loop (each dword slot 0x40-0xfc is visited at most once).
 */
static u8 pci_walk_caps(struct pci_dev *d, u8 want, bool record)
{
	u16 status = pci_cfg_read16(d, PCI_STATUS);
	u64 seen = 0;
	u8 pos;

	if (status == 0xffff || !(status & PCI_STATUS_CAP_LIST))
		return 0; /* gone, or no list */
	pos = pci_cfg_read8(d, PCI_CAPABILITY_LIST) & ~3;
	while (pos) {
		u8 slot = (pos - 0x40) / 4, id;

		if (pos < 0x40 || (seen & BIT(slot))) {
			if (record)
				pr_warn(PCI_FMT ": capability list %s at 0x%x: stopped\n",
					PCI_ARG(d), pos < 0x40 ? "points into the header" : "loops",
					pos);
			return 0;
		}
		seen |= BIT(slot);
		id = pci_cfg_read8(d, pos);
		if (!record && id == want)
			return pos;
		if (record)
			pci_note_cap(d, id, pos);
		pos = pci_cfg_read8(d, pos + 1) & ~3;
	}
	return 0;
}

static void pci_note_ext_cap(struct pci_dev *d, u16 id, u16 pos)
{
	if (id == PCI_EXT_CAP_ID_SRIOV && !d->ecap_sriov &&
	    pci_cap_fits(d, pos, PCI_SRIOV_SIZEOF, d->cfg_size, "SR-IOV"))
		d->ecap_sriov = pos;
	else if (id == PCI_EXT_CAP_ID_ARI && !d->ecap_ari &&
		 pci_cap_fits(d, pos, 8, d->cfg_size, "ARI"))
		d->ecap_ari = pos;
	else if (id == PCI_EXT_CAP_ID_ACS && !d->ecap_acs &&
		 pci_cap_fits(d, pos, 8, d->cfg_size, "ACS"))
		d->ecap_acs = pos;
}

/* The extended capability list (PCIe Base 4.0 7.6), with the same protection. */
static u16 pci_walk_ext_caps(struct pci_dev *d, u16 want, bool record)
{
	u64 seen[(PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 4 / 64] = { 0 };
	u16 pos = PCI_CFG_SPACE_SIZE;

	if (d->cfg_size < PCI_CFG_SPACE_EXP_SIZE)
		return 0;
	for (;;) {
		u32 hdr = pci_cfg_read32(d, pos);
		u16 slot = (pos - PCI_CFG_SPACE_SIZE) / 4;

		if (hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if (seen[slot / 64] & BIT(slot % 64)) {
			if (record)
				pr_warn(PCI_FMT
					": extended capability list loops at 0x%x: stopped\n",
					PCI_ARG(d), pos);
			return 0;
		}
		seen[slot / 64] |= BIT(slot % 64);
		if (!record && (hdr & 0xffff) == want)
			return pos;
		if (record)
			pci_note_ext_cap(d, hdr & 0xffff, pos);
		pos = (hdr >> 20) & ~3u;
		if (pos == 0)
			return 0;
		if (pos < PCI_CFG_SPACE_SIZE) {
			if (record)
				pr_warn(PCI_FMT
					": extended capability points back to 0x%x: stopped\n",
					PCI_ARG(d), pos);
			return 0;
		}
	}
}

u16 pci_find_cap(const struct pci_dev *d, u8 id)
{
	return pci_walk_caps((struct pci_dev *)d, id, false);
}

u16 pci_find_ext_cap(const struct pci_dev *d, u16 id)
{
	return pci_walk_ext_caps((struct pci_dev *)d, id, false);
}

/* Do [off, off + len) lie inside memory BAR bir? */
static bool pci_in_bar(const struct pci_dev *d, u8 bir, u32 off, u64 len)
{
	const struct pci_bar *b;

	if (bir >= PCI_STD_BARS || (pci_is_bridge(d) && bir >= 2))
		return false;
	b = &d->bar[bir];
	return (b->type == PCI_BAR_MEM32 || b->type == PCI_BAR_MEM64) &&
	       range_ok(off, len, b->size);
}

/* MSI-X table and PBA location (PCIe Base 4.0 7.7.2); needs the BARs sized. */
static void pci_parse_msix(struct pci_dev *d)
{
	struct pci_msix *m = &d->msix;
	u16 pos = d->cap_msix;
	u32 table = pci_cfg_read32(d, pos + PCI_MSIX_TABLE);
	u32 pba = pci_cfg_read32(d, pos + PCI_MSIX_PBA);

	m->table_size = (pci_cfg_read16(d, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
	m->table_bir = table & PCI_MSIX_BIR;
	m->table_off = table & ~(u32)PCI_MSIX_BIR;
	m->pba_bir = pba & PCI_MSIX_BIR;
	m->pba_off = pba & ~(u32)PCI_MSIX_BIR;
	m->valid = pci_in_bar(d, m->table_bir, m->table_off,
			      (u64)m->table_size * PCI_MSIX_ENTRY_SIZE) &&
		   pci_in_bar(d, m->pba_bir, m->pba_off, ALIGN_UP((u64)m->table_size, 64) / 8);
	if (!m->valid)
		pr_warn(PCI_FMT ": MSI-X table (bar%u+0x%x, %u entries) or PBA (bar%u+0x%x) "
				"lies outside its BAR\n",
			PCI_ARG(d), m->table_bir, m->table_off, m->table_size, m->pba_bir,
			m->pba_off);
}

void pci_probe_caps(struct pci_dev *d)
{
	u32 cr = pci_cfg_read32(d, PCI_CLASS_REVISION);
	u8 hdr = pci_cfg_read8(d, PCI_HEADER_TYPE);

	d->class = cr >> 8;
	d->revision = cr & 0xff;
	d->hdr_type = hdr & PCI_HEADER_TYPE_MASK;
	d->multifunction = hdr & PCI_HEADER_MULTI_FN;
	d->cfg_size = PCI_CFG_SPACE_SIZE;
	if (d->hdr_type != PCI_HEADER_CARDBUS) /* CardBus keeps its list elsewhere */
		pci_walk_caps(d, 0, true);
	if (d->cap_pcie) {
		d->pcie_type =
			(pci_cfg_read16(d, d->cap_pcie + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
		if (plat->ops->cfg_size >= PCI_CFG_SPACE_EXP_SIZE)
			d->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
		pci_walk_ext_caps(d, 0, true);
	}
	if (d->cap_msix)
		pci_parse_msix(d);
}

/* ---- BARs ---- */

static u64 pci_lowest_bit(u64 mask)
{
	return mask & (~mask + 1);
}

/* Write all ones to a dword register and read back what sticks; restores it. */
static u32 pci_probe_mask(const struct pci_dev *d, u16 off, u32 *orig)
{
	u32 mask;

	*orig = pci_cfg_read32(d, off);
	pci_cfg_write32(d, off, 0xffffffffu);
	mask = pci_cfg_read32(d, off);
	pci_cfg_write32(d, off, *orig);
	return mask;
}

int pci_size_bar_at(const struct pci_dev *d, u16 off, bool last, struct pci_bar *b)
{
	u32 lo, hi = 0, lo_mask = pci_probe_mask(d, off, &lo), hi_mask = 0;
	u64 mask;

	memset(b, 0, sizeof(*b));
	if (lo & PCI_BAR_SPACE_IO) {
		b->size = pci_lowest_bit(lo_mask & PCI_BAR_IO_MASK & 0xffffffffu);
		b->addr = lo & PCI_BAR_IO_MASK & 0xffffffffu;
		b->type = b->size ? PCI_BAR_IO : PCI_BAR_NONE;
		return 1;
	}
	b->prefetch = lo & PCI_BAR_MEM_PREFETCH;
	if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_TYPE_64) {
		if (last)
			return -EINVAL; /* no register left for the upper half */
		hi_mask = pci_probe_mask(d, off + 4, &hi);
	} else if ((lo & PCI_BAR_MEM_TYPE) != PCI_BAR_MEM_TYPE_32 &&
		   (lo & PCI_BAR_MEM_TYPE) != PCI_BAR_MEM_TYPE_1M) {
		return -EINVAL; /* reserved type */
	}
	mask = ((u64)hi_mask << 32 | lo_mask) & PCI_BAR_MEM_MASK;
	if ((lo & PCI_BAR_MEM_TYPE) != PCI_BAR_MEM_TYPE_64)
		mask &= 0xffffffffu;
	b->size = pci_lowest_bit(mask);
	b->addr = ((u64)hi << 32 | lo) & PCI_BAR_MEM_MASK;
	if (!b->size)
		b->type = PCI_BAR_NONE;
	else if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_TYPE_64)
		b->type = PCI_BAR_MEM64;
	else
		b->type = PCI_BAR_MEM32;
	return (lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_TYPE_64 ? 2 : 1;
}

/* An enabled expansion ROM takes address space too; a disabled one does not. */
static void pci_size_rom(struct pci_dev *d, u16 off)
{
	u32 v = pci_cfg_read32(d, off), mask;

	if (!(v & PCI_ROM_ENABLE) || v == 0xffffffffu)
		return;
	pci_cfg_write32(d, off, (u32)PCI_ROM_MASK);
	mask = pci_cfg_read32(d, off) & (u32)PCI_ROM_MASK;
	pci_cfg_write32(d, off, v);
	d->rom.size = pci_lowest_bit(mask);
	d->rom.addr = v & (u32)PCI_ROM_MASK;
	d->rom.type = d->rom.size ? PCI_BAR_MEM32 : PCI_BAR_NONE;
}

/*
 * Size BARs [0, n) and the ROM with memory and I/O decode off (a BAR holding
 * all ones would otherwise decode a random range), then restore everything.
 * Nothing is printed while decode is off; returns a bitmap of bad BARs.
 */
static u32 pci_size_bars(struct pci_dev *d, int n, u16 rom_off)
{
	u16 cmd = pci_cfg_read16(d, PCI_COMMAND);
	u32 bad = 0;

	pci_cfg_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < n; i++) {
		int r = pci_size_bar_at(d, PCI_BAR0 + 4 * i, i == n - 1, &d->bar[i]);

		if (r < 0) {
			bad |= BIT(i);
			memset(&d->bar[i], 0, sizeof(d->bar[i]));
		}
		i += r == 2;
	}
	pci_size_rom(d, rom_off);
	pci_cfg_write16(d, PCI_COMMAND, cmd);
	return bad;
}

static void pci_read_bars(struct pci_dev *d)
{
	int n = pci_is_bridge(d) ? 2 : d->hdr_type == PCI_HEADER_NORMAL ? PCI_STD_BARS : 0;
	u32 bad;

	if (!n)
		return;
	bad = pci_size_bars(d, n, pci_is_bridge(d) ? PCI_BRIDGE_ROM_ADDRESS : PCI_ROM_ADDRESS);
	for (int i = 0; i < n; i++) {
		const struct pci_bar *b = &d->bar[i];

		if (bad & BIT(i))
			pr_warn(PCI_FMT
				": bar%d has a reserved type or no room for its upper half: "
				"ignored\n",
				PCI_ARG(d), i);
		else if (b->size && b->addr + b->size < b->addr)
			pr_warn(PCI_FMT ": bar%d 0x%llx size 0x%llx wraps the address space\n",
				PCI_ARG(d), i, b->addr, b->size);
	}
}

/* ---- bridges ---- */

static bool pci_window_holds(const struct pci_window *w, u64 s, u64 e)
{
	return pci_window_open(w) && w->base <= s && e <= w->limit;
}

/* A BAR firmware placed where its bridge does not forward cannot be reached: say so. */
static void pci_check_bars(const struct pci_dev *d)
{
	const struct pci_dev *br = d->parent;

	for (int i = 0; br && i < PCI_STD_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];
		u64 end = b->addr + b->size - 1;
		bool ok;

		if (!b->size || !b->addr)
			continue;
		if (b->type == PCI_BAR_IO)
			ok = end >= b->addr && pci_window_holds(&br->io_win, b->addr, end);
		else
			ok = end >= b->addr && (pci_window_holds(&br->mem_win, b->addr, end) ||
						pci_window_holds(&br->pref_win, b->addr, end));
		if (!ok)
			pr_warn(PCI_FMT
				": bar%d 0x%llx size 0x%llx lies outside the windows of " PCI_FMT
				"\n",
				PCI_ARG(d), i, b->addr, b->size, PCI_ARG(br));
	}
}

/* Does the bridge implement a prefetchable window (PCI-to-PCI Bridge 1.2 3.2.5.10)? */
static bool pci_probe_pref(const struct pci_dev *br)
{
	u32 orig = pci_cfg_read32(br, PCI_PREF_MEMORY_BASE), v;

	if (orig)
		return true;
	pci_cfg_write32(br, PCI_PREF_MEMORY_BASE, 0xfff0fff0u);
	v = pci_cfg_read32(br, PCI_PREF_MEMORY_BASE);
	pci_cfg_write32(br, PCI_PREF_MEMORY_BASE, orig);
	return v != 0;
}

/* Base and limit both 0 mean 0x0-0xfff, unless the bridge has no I/O window (read-only 0). */
static bool pci_probe_io_window(const struct pci_dev *br)
{
	u16 v;

	pci_cfg_write16(br, PCI_IO_BASE, 0xf0f0);
	v = pci_cfg_read16(br, PCI_IO_BASE);
	pci_cfg_write16(br, PCI_IO_BASE, 0);
	return v != 0;
}

static void pci_read_io_window(struct pci_dev *br)
{
	u8 base = pci_cfg_read8(br, PCI_IO_BASE), limit = pci_cfg_read8(br, PCI_IO_LIMIT);
	u64 b = (u64)(base & 0xf0) << 8, l = ((u64)(limit & 0xf0) << 8) | 0xfff;

	if ((base & PCI_IO_RANGE_TYPE) == PCI_IO_RANGE_32) {
		b |= (u64)pci_cfg_read16(br, PCI_IO_BASE_UPPER16) << 16;
		l |= (u64)pci_cfg_read16(br, PCI_IO_LIMIT_UPPER16) << 16;
	}
	br->io_win.base = b;
	br->io_win.limit = l;
	if (!base && !limit && !pci_probe_io_window(br))
		br->io_win = (struct pci_window){ 1, 0 };
}

void pci_read_windows(struct pci_dev *br)
{
	u16 mb = pci_cfg_read16(br, PCI_MEMORY_BASE), ml = pci_cfg_read16(br, PCI_MEMORY_LIMIT);
	u16 pb = pci_cfg_read16(br, PCI_PREF_MEMORY_BASE),
	    pl = pci_cfg_read16(br, PCI_PREF_MEMORY_LIMIT);

	pci_read_io_window(br);
	br->mem_win.base = (u64)(mb & PCI_MEMORY_RANGE_MASK) << 16;
	br->mem_win.limit = ((u64)(ml & PCI_MEMORY_RANGE_MASK) << 16) | 0xfffff;
	br->has_pref_win = pci_probe_pref(br);
	br->pref_win_64 = br->has_pref_win && (pb & PCI_PREF_RANGE_TYPE) == PCI_PREF_RANGE_64;
	br->pref_win.base = (u64)(pb & PCI_MEMORY_RANGE_MASK) << 16;
	br->pref_win.limit = ((u64)(pl & PCI_MEMORY_RANGE_MASK) << 16) | 0xfffff;
	if (br->pref_win_64) {
		br->pref_win.base |= (u64)pci_cfg_read32(br, PCI_PREF_BASE_UPPER32) << 32;
		br->pref_win.limit |= (u64)pci_cfg_read32(br, PCI_PREF_LIMIT_UPPER32) << 32;
	}
	if (!br->has_pref_win)
		br->pref_win = (struct pci_window){ 1, 0 };
}

void pci_write_mem_window(struct pci_dev *br, bool pref, u64 base, u64 limit)
{
	u16 lo_base = (base >> 16) & PCI_MEMORY_RANGE_MASK;
	u16 lo_limit = (limit >> 16) & PCI_MEMORY_RANGE_MASK;

	if (!pref) {
		pci_cfg_write16(br, PCI_MEMORY_LIMIT, lo_limit);
		pci_cfg_write16(br, PCI_MEMORY_BASE, lo_base);
	} else {
		/* Close the window first so that no half-written range decodes. */
		pci_cfg_write16(br, PCI_PREF_MEMORY_BASE, PCI_MEMORY_RANGE_MASK);
		pci_cfg_write16(br, PCI_PREF_MEMORY_LIMIT, 0);
		if (br->pref_win_64) {
			pci_cfg_write32(br, PCI_PREF_BASE_UPPER32, base >> 32);
			pci_cfg_write32(br, PCI_PREF_LIMIT_UPPER32, limit >> 32);
		}
		pci_cfg_write16(br, PCI_PREF_MEMORY_LIMIT, lo_limit);
		pci_cfg_write16(br, PCI_PREF_MEMORY_BASE, lo_base);
	}
	pci_read_windows(br);
}

/* ---- the scan ---- */

static bool pci_id_valid(u32 id)
{
	u16 vendor = id & 0xffff;

	return vendor != 0xffff && vendor != 0x0000;
}

static bool pci_bus_scanned(struct pci_scan *s, u8 bus)
{
	return s->scanned[bus / 64] & BIT(bus % 64);
}

bool pci_port_dev0_only(const struct pci_dev *parent)
{
	if (!parent || !parent->cap_pcie)
		return false;
	if (parent->pcie_type != PCI_EXP_TYPE_ROOT_PORT &&
	    parent->pcie_type != PCI_EXP_TYPE_DOWNSTREAM)
		return false;
	return !(pci_cfg_read16(parent, parent->cap_pcie + PCI_EXP_DEVCTL2) & PCI_EXP_DEVCTL2_ARI);
}

typedef void (*pci_fn_visit)(struct pci_scan *s, u8 bus, u8 devfn, u32 id, struct pci_dev *parent);

/* Call visit for every function that answers on bus. */
static void pci_for_each_fn(struct pci_scan *s, u8 bus, struct pci_dev *parent, pci_fn_visit visit)
{
	for (u8 dev = 0; dev < 32; dev++) {
		u32 id = pci_raw_read(s->seg, bus, PCI_DEVFN(dev, 0), PCI_VENDOR_ID, 4);
		u8 hdr, nfn;

		if (dev > 0 && pci_port_dev0_only(parent))
			return;
		if (!pci_id_valid(id))
			continue;
		hdr = pci_raw_read(s->seg, bus, PCI_DEVFN(dev, 0), PCI_HEADER_TYPE, 1);
		nfn = (hdr & PCI_HEADER_MULTI_FN) ? 8 : 1;
		for (u8 fn = 0; fn < nfn; fn++) {
			if (fn)
				id = pci_raw_read(s->seg, bus, PCI_DEVFN(dev, fn), PCI_VENDOR_ID,
						  4);
			if (pci_id_valid(id))
				visit(s, bus, PCI_DEVFN(dev, fn), id, parent);
		}
	}
}

static void pci_scan_bus(struct pci_scan *s, u8 bus, struct pci_dev *parent);

/* Is [sec, sub] a sane bus range for bridge br (inside its parent's, claimed by no sibling)? */
static const char *pci_bus_range_bad(const struct pci_scan *s, const struct pci_dev *br, u8 sec,
				     u8 sub)
{
	u8 limit = br->parent ? br->parent->subordinate : s->bus_end;

	if (sec == 0 && sub == 0)
		return "none assigned";
	if (sec <= br->bus || sub < sec)
		return "not above the bridge's own bus";
	if (sub > limit || sub > s->bus_end)
		return "outside the range of the bus above";
	for (unsigned int b = sec; b <= sub; b++) {
		const struct pci_dev *o = s->owner[b];

		if (o && o != br->parent && !pci_is_below(br, o))
			return "overlapping another bridge's range";
	}
	return NULL;
}

static void pci_claim_buses(struct pci_scan *s, const struct pci_dev *br)
{
	for (unsigned int b = br->secondary; b <= br->subordinate; b++)
		s->owner[b] = br;
}

/* Firmware's numbers: check them, and ask for a renumbering when they are unusable. */
static bool pci_keep_bus_numbers(struct pci_scan *s, struct pci_dev *br)
{
	u8 sec = pci_cfg_read8(br, PCI_SECONDARY_BUS), sub = pci_cfg_read8(br, PCI_SUBORDINATE_BUS);
	const char *why = pci_bus_range_bad(s, br, sec, sub);

	if (why) {
		pr_warn(PCI_FMT ": bus numbers %02x-%02x left by firmware are unusable (%s)\n",
			PCI_ARG(br), sec, sub, why);
		s->renumber = true;
		return false;
	}
	br->primary = pci_cfg_read8(br, PCI_PRIMARY_BUS);
	br->secondary = sec;
	br->subordinate = sub;
	pci_claim_buses(s, br);
	s->max_bus = MAX(s->max_bus, sub);
	return true;
}

static void pci_set_bus_numbers(struct pci_dev *br, u8 pri, u8 sec, u8 sub)
{
	pci_cfg_write8(br, PCI_PRIMARY_BUS, pri);
	pci_cfg_write8(br, PCI_SECONDARY_BUS, sec);
	pci_cfg_write8(br, PCI_SUBORDINATE_BUS, sub);
}

/* Hand the bridge the next free bus; its subordinate is fixed after its scan. */
static bool pci_assign_bus_numbers(struct pci_scan *s, struct pci_dev *br)
{
	u8 sec;

	if (s->max_bus >= s->bus_end) {
		pr_err(PCI_FMT ": no bus number left (last is %02x): not scanned behind\n",
		       PCI_ARG(br), s->bus_end);
		return false;
	}
	sec = ++s->max_bus;
	pci_set_bus_numbers(br, br->bus, sec, s->bus_end);
	if (pci_cfg_read8(br, PCI_SECONDARY_BUS) != sec) {
		pr_err(PCI_FMT ": ignores writes to its bus numbers: not scanned behind\n",
		       PCI_ARG(br));
		pci_set_bus_numbers(br, 0, 0, 0);
		return false;
	}
	br->primary = br->bus;
	br->secondary = sec;
	br->subordinate = s->bus_end;
	pci_claim_buses(s, br);
	return true;
}

static void pci_scan_bridge(struct pci_scan *s, struct pci_dev *br)
{
	bool ok = s->assign ? pci_assign_bus_numbers(s, br) : pci_keep_bus_numbers(s, br);

	if (!ok)
		return;
	if (s->depth >= PCI_MAX_DEPTH) {
		pr_err(PCI_FMT ": more than %d bridges deep: not scanned behind\n", PCI_ARG(br),
		       PCI_MAX_DEPTH);
		return;
	}
	s->depth++;
	pci_scan_bus(s, br->secondary, br);
	s->depth--;
	if (s->assign) {
		br->subordinate = s->max_bus;
		pci_cfg_write8(br, PCI_SUBORDINATE_BUS, br->subordinate);
		for (unsigned int b = br->subordinate + 1; b <= s->bus_end; b++)
			if (s->owner[b] == br)
				s->owner[b] = br->parent;
	}
}

static void pci_scan_fn(struct pci_scan *s, u8 bus, u8 devfn, u32 id, struct pci_dev *parent)
{
	struct pci_dev *d;

	if (s->renumber)
		return;
	d = pci_add_dev(s->seg, bus, devfn, parent);
	if (!d)
		return;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	d->hdr_type = pci_cfg_read8(d, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	pci_read_bars(d);
	pci_check_bars(d);
	pci_probe_caps(d);
	if (d->hdr_type > PCI_HEADER_CARDBUS)
		pr_warn(PCI_FMT ": unknown header type %u: only its IDs are used\n", PCI_ARG(d),
			d->hdr_type);
	if (d->hdr_type == PCI_HEADER_CARDBUS)
		pr_warn(PCI_FMT ": CardBus bridge: not scanned behind\n", PCI_ARG(d));
	if (d->ecap_sriov && sriov_probe(d, s->assign) == 0 && s->assign && d->sriov.max_rid)
		s->max_bus = MAX(s->max_bus, MIN((u8)(d->sriov.max_rid >> 8), s->bus_end));
	if (pci_is_bridge(d)) {
		pci_read_windows(d);
		pci_scan_bridge(s, d);
	}
}

/* Renumbering: close every bridge on the bus first, so stale ranges route nothing. */
static void pci_close_bridge(struct pci_scan *s, u8 bus, u8 devfn, u32 id, struct pci_dev *parent)
{
	u8 hdr = pci_raw_read(s->seg, bus, devfn, PCI_HEADER_TYPE, 1);

	(void)id;
	(void)parent;
	if ((hdr & PCI_HEADER_TYPE_MASK) != PCI_HEADER_BRIDGE)
		return;
	pci_raw_write(s->seg, bus, devfn, PCI_SUBORDINATE_BUS, 1, 0);
	pci_raw_write(s->seg, bus, devfn, PCI_SECONDARY_BUS, 1, 0);
	pci_raw_write(s->seg, bus, devfn, PCI_PRIMARY_BUS, 1, 0);
}

static void pci_scan_bus(struct pci_scan *s, u8 bus, struct pci_dev *parent)
{
	if (pci_bus_scanned(s, bus)) {
		pr_err("bus %04x:%02x reached twice: not scanned again\n", s->seg, bus);
		return;
	}
	s->scanned[bus / 64] |= BIT(bus % 64);
	if (s->assign)
		pci_for_each_fn(s, bus, parent, pci_close_bridge);
	pci_for_each_fn(s, bus, parent, pci_scan_fn);
}

/* Buses no bridge claims but where functions answer are further root buses (host bridges). */
static void pci_scan_extra_roots(struct pci_scan *s)
{
	for (unsigned int bus = s->bus_start + 1; bus <= s->bus_end; bus++) {
		bool found = false;

		if (s->owner[bus] || pci_bus_scanned(s, bus))
			continue;
		for (u8 dev = 0; dev < 32 && !found; dev++)
			found = pci_id_valid(pci_raw_read(s->seg, bus, PCI_DEVFN(dev, 0), 0, 4));
		if (!found)
			continue;
		pr_info("root bus %04x:%02x found by probing\n", s->seg, bus);
		pci_scan_bus(s, bus, NULL);
	}
}

static int pci_scan_root(const struct pci_root *r, bool assign)
{
	static struct pci_scan s;

	memset(&s, 0, sizeof(s));
	s.seg = r->seg;
	s.bus_start = r->bus_start;
	s.bus_end = r->bus_end;
	s.max_bus = r->bus_start;
	s.assign = assign;
	pci_scan_bus(&s, r->bus_start, NULL);
	if (s.renumber)
		return -EAGAIN;
	if (!assign)
		pci_scan_extra_roots(&s);
	return 0;
}

int pci_scan(const struct pci_platform *p)
{
	plat = p;
	memset(pci_devs, 0, sizeof(pci_devs));
	pci_list = NULL;
	pci_ndevs = 0;
	for (unsigned int i = 0; i < p->root_count; i++) {
		const struct pci_root *r = &p->roots[i];

		if (p->assign_busses)
			pr_info("segment %04x: renumbering buses %02x-%02x (pci=assign-busses)\n",
				r->seg, r->bus_start, r->bus_end);
		if (pci_scan_root(r, p->assign_busses) == -EAGAIN) {
			pr_warn("segment %04x: renumbering buses %02x-%02x\n", r->seg, r->bus_start,
				r->bus_end);
			pci_remove_root(r->seg, r->bus_start, r->bus_end);
			pci_scan_root(r, true);
		}
	}
	return pci_ndevs;
}

/* ---- the listing ---- */

const char *pci_size_str(u64 size, char *buf, size_t len)
{
	static const char units[] = { 'G', 'M', 'K' };
	static const u64 scale[] = { GiB, MiB, KiB };

	for (unsigned int i = 0; i < ARRAY_SIZE(units); i++) {
		if (size >= scale[i] && size % scale[i] == 0) {
			snformat(buf, len, "%llu%c", size / scale[i], units[i]);
			return buf;
		}
	}
	snformat(buf, len, "%llu", size);
	return buf;
}

struct pci_line {
	char buf[384];
	size_t len;
};

static void __printf(2, 3) pci_app(struct pci_line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	vsnformat(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	l->len += strlen(l->buf + l->len);
}

static void pci_app_bar(struct pci_line *l, const char *name, const struct pci_bar *b)
{
	char sz[24];

	if (!b->size)
		return;
	if (b->addr)
		pci_app(l, " %s %s0x%llx+%s", name, b->type == PCI_BAR_IO ? "io " : "", b->addr,
			pci_size_str(b->size, sz, sizeof(sz)));
	else
		pci_app(l, " %s %sunassigned+%s", name, b->type == PCI_BAR_IO ? "io " : "",
			pci_size_str(b->size, sz, sizeof(sz)));
}

static void pci_app_window(struct pci_line *l, const char *name, const struct pci_window *w)
{
	if (pci_window_open(w))
		pci_app(l, " %s 0x%llx-0x%llx", name, w->base, w->limit);
}

static void pci_app_role(struct pci_line *l, const struct pci_dev *d)
{
	if (d->is_vf)
		pci_app(l, " VF%u of " PCI_FMT, d->vf_index, PCI_ARG(d->pf));
	else if (d->ecap_sriov)
		pci_app(l, " PF %u/%u VFs", d->sriov.num_vfs, d->sriov.total_vfs);
	if (pci_is_bridge(d)) {
		pci_app(l, " bridge [%02x-%02x]", d->secondary, d->subordinate);
		pci_app_window(l, "io", &d->io_win);
		pci_app_window(l, "mem", &d->mem_win);
		pci_app_window(l, "pref", &d->pref_win);
	}
}

void pci_print_dev(const struct pci_dev *d)
{
	struct pci_line l = { .len = 0 };
	char name[8];

	pci_app(&l, PCI_FMT " %04x:%04x %04x", PCI_ARG(d), d->vendor, d->device, d->class >> 8);
	pci_app_role(&l, d);
	for (int i = 0; i < PCI_STD_BARS; i++) {
		snformat(name, sizeof(name), "bar%d", i);
		pci_app_bar(&l, name, &d->bar[i]);
	}
	pci_app_bar(&l, "rom", &d->rom);
	pr_info("%s\n", l.buf);
}

void pci_print_all(void)
{
	struct pci_dev *d;

	pci_for_each_dev(d) pci_print_dev(d);
}
