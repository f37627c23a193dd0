// SPDX-License-Identifier: MIT
/* fake_pci.c: a fake PCI config space that routes by bridge bus numbers (see fake_pci.h). */
#include <string.h>

#include "tests/unit/fake_pci.h"
#include "pci/sriov.h"

struct fake_pci fake;

static u32 get(const u8 *p, int width)
{
	u32 v = 0;

	for (int b = width - 1; b >= 0; b--)
		v = v << 8 | p[b];
	return v;
}

static void put(u8 *p, int width, u32 v)
{
	for (int b = 0; b < width; b++, v >>= 8)
		p[b] = v & 0xff;
}

u32 fake_read(int i, u16 off, int width)
{
	return get(&fake.fn[i].cfg[off], width);
}

void fake_write_raw(int i, u16 off, int width, u32 val)
{
	put(&fake.fn[i].cfg[off], width, val);
}

static void set_wmask(int i, u16 off, int width, u32 mask)
{
	put(&fake.fn[i].wmask[off], width, mask);
}

static int fake_on_bus(int i);

static int fake_vf_rid(int i)
{
	const struct fake_fn *f = &fake.fn[i];
	const struct fake_fn *pf = &fake.fn[f->pf];
	int pf_bus = fake_on_bus(f->pf);
	u32 rid;

	if (pf_bus < 0)
		return -1;
	rid = ((u32)pf_bus << 8 | pf->devfn) +
	      fake_read(f->pf, pf->sriov_pos + PCI_SRIOV_VF_OFFSET, 2) +
	      (u32)f->vf_index * fake_read(f->pf, pf->sriov_pos + PCI_SRIOV_VF_STRIDE, 2);
	return rid > 0xffff ? -1 : (int)rid;
}

/* The bus a function sits on as the bridges are now numbered. */
static int fake_on_bus(int i)
{
	const struct fake_fn *f = &fake.fn[i];

	if (f->is_vf) {
		int rid = fake_vf_rid(i);

		return rid < 0 ? -1 : rid >> 8;
	}
	if (f->parent == FAKE_ROOT)
		return f->root_bus;
	return fake.fn[f->parent].cfg[PCI_SECONDARY_BUS];
}

static bool fake_present(int i)
{
	const struct fake_fn *f = &fake.fn[i], *pf;
	u16 ctrl;

	if (!f->used)
		return false;
	if (!f->is_vf)
		return true;
	pf = &fake.fn[f->pf];
	ctrl = fake_read(f->pf, pf->sriov_pos + PCI_SRIOV_CTRL, 2);
	return (ctrl & PCI_SRIOV_CTRL_VFE) &&
	       f->vf_index < fake_read(f->pf, pf->sriov_pos + PCI_SRIOV_NUM_VF, 2);
}

/* Does a request for `bus` get through every bridge above function i? */
static bool fake_routed(int i, u8 bus)
{
	int p = fake.fn[i].is_vf ? fake.fn[fake.fn[i].pf].parent : fake.fn[i].parent;

	if (p == FAKE_ROOT)
		return true;
	if (bus == 0)
		return false; /* the root bus is answered by the host bridge itself */
	for (; p != FAKE_ROOT; p = fake.fn[p].parent) {
		const u8 *c = fake.fn[p].cfg;

		if (bus < c[PCI_SECONDARY_BUS] || bus > c[PCI_SUBORDINATE_BUS])
			return false;
	}
	return true;
}

static int fake_find(u8 bus, u8 devfn)
{
	for (int i = 0; i < fake.count; i++) {
		const struct fake_fn *f = &fake.fn[i];
		int on;

		if (!fake_present(i))
			continue;
		on = fake_on_bus(i);
		if (f->is_vf) {
			int rid = fake_vf_rid(i);

			if (rid != (int)PCI_RID(bus, devfn) || !fake_routed(i, bus))
				continue;
			return i;
		}
		if (on == bus && f->devfn == devfn && fake_routed(i, bus))
			return i;
	}
	return -1;
}

static u32 fake_synthetic(u16 off, int width)
{
	static u8 cfg[4096];

	put(&cfg[PCI_VENDOR_ID], 4, 0x56781234);
	cfg[PCI_HEADER_TYPE] = PCI_HEADER_MULTI_FN;
	return get(&cfg[off], width);
}

static u32 fake_cfg_read(u16 seg, u8 bus, u8 devfn, u16 off, u8 width)
{
	int i = seg ? -1 : fake_find(bus, devfn);

	if (i < 0)
		return fake.every_fn_answers && !seg ? fake_synthetic(off, width) : 0xffffffffu;
	if (fake.fn[i].is_vf && fake.now_ms < fake.vfe_set_ms + SRIOV_ENABLE_WAIT_MS)
		fake.early_vf_access++;
	return fake_read(i, off, width);
}

static void fake_note_write(int i, u16 off, u8 width, u32 val)
{
	struct fake_fn *f = &fake.fn[i];
	u16 cmd = fake_read(i, PCI_COMMAND, 2);
	u16 pos = f->sriov_pos;

	if (width == 4 && val == 0xffffffffu && off >= PCI_BAR0 && off < PCI_BAR0 + 24 &&
	    (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)))
		fake.sizing_with_decode++;
	if (pos && width == 4 && val == 0xffffffffu && off >= pos + PCI_SRIOV_BAR &&
	    off < pos + PCI_SRIOV_BAR + 24 &&
	    (fake_read(i, pos + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_MSE))
		fake.sizing_with_decode++;
	if (pos && off <= pos + PCI_SRIOV_CTRL && pos + PCI_SRIOV_CTRL < off + width &&
	    !(fake_read(i, pos + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE) &&
	    ((val >> 8 * (pos + PCI_SRIOV_CTRL - off)) & PCI_SRIOV_CTRL_VFE))
		fake.vfe_set_ms = fake.now_ms;
}

static void fake_cfg_write(u16 seg, u8 bus, u8 devfn, u16 off, u8 width, u32 val)
{
	int i = seg ? -1 : fake_find(bus, devfn);
	struct fake_fn *f;

	if (i < 0)
		return;
	f = &fake.fn[i];
	fake_note_write(i, off, width, val);
	if (f->ignore_bus_writes && off >= PCI_PRIMARY_BUS && off <= PCI_SUBORDINATE_BUS)
		return;
	for (int b = 0; b < width; b++, val >>= 8)
		f->cfg[off + b] =
			(f->cfg[off + b] & ~f->wmask[off + b]) | (val & f->wmask[off + b]);
}

const struct pci_cfg_ops fake_ops = {
	.name = "fake",
	.read = fake_cfg_read,
	.write = fake_cfg_write,
	.cfg_size = 4096,
};

const struct pci_cfg_ops fake_ops_256 = {
	.name = "fake256",
	.read = fake_cfg_read,
	.write = fake_cfg_write,
	.cfg_size = 256,
};

void fake_delay_ms(u32 ms)
{
	fake.now_ms += ms;
}

void fake_reset(struct pci_platform *pl)
{
	memset(&fake, 0, sizeof(fake));
	fake.vfe_set_ms = 0;
	memset(pl, 0, sizeof(*pl));
	pl->ops = &fake_ops;
	pl->roots[0] = (struct pci_root){ 0, 0, 0xff };
	pl->root_count = 1;
	pl->addr_limit = 1ULL << 40;
	pl->delay_ms = fake_delay_ms;
}

static int fake_alloc(void)
{
	if (fake.count == FAKE_MAX_FNS)
		return -1;
	memset(&fake.fn[fake.count], 0, sizeof(fake.fn[0]));
	fake.fn[fake.count].used = true;
	return fake.count++;
}

int fake_add(int parent, u8 dev, u8 fn, u16 vendor, u16 device, u32 class, u8 hdr)
{
	int i = fake_alloc();
	struct fake_fn *f = &fake.fn[i];

	f->parent = parent;
	f->devfn = PCI_DEVFN(dev, fn);
	fake_write_raw(i, PCI_VENDOR_ID, 2, vendor);
	fake_write_raw(i, PCI_DEVICE_ID, 2, device);
	fake_write_raw(i, PCI_CLASS_REVISION, 4, class << 8 | 1);
	f->cfg[PCI_HEADER_TYPE] = hdr;
	set_wmask(i, PCI_COMMAND, 2, 0x0547);
	if (hdr == PCI_HEADER_BRIDGE) {
		put(&f->wmask[PCI_PRIMARY_BUS], 3, 0xffffff);
		f->wmask[PCI_IO_BASE] = f->wmask[PCI_IO_LIMIT] = 0xf0;
		f->cfg[PCI_IO_BASE] = 0xf0; /* closed */
		set_wmask(i, PCI_MEMORY_BASE, 4, 0xfff0fff0);
		fake_mem_window(i, 0xfff00000, 0); /* closed */
		fake_pref_window(i, 0xfff00000, 0, true);
	}
	return i;
}

void fake_multifunction(int i)
{
	fake.fn[i].cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTI_FN;
}

void fake_bar(int i, int bar, u64 size, u32 flags, u64 addr)
{
	u16 reg = PCI_BAR0 + 4 * bar;
	u64 mask = ~(size - 1) & ((flags & PCI_BAR_SPACE_IO) ? ~3ULL : ~0xfULL);

	fake_write_raw(i, reg, 4, (u32)(addr & mask) | flags);
	set_wmask(i, reg, 4, (u32)mask);
	if (!(flags & PCI_BAR_SPACE_IO) && (flags & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_TYPE_64) {
		fake_write_raw(i, reg + 4, 4, addr >> 32);
		set_wmask(i, reg + 4, 4, mask >> 32);
	}
}

void fake_bus_numbers(int i, u8 pri, u8 sec, u8 sub)
{
	fake_write_raw(i, PCI_PRIMARY_BUS, 1, pri);
	fake_write_raw(i, PCI_SECONDARY_BUS, 1, sec);
	fake_write_raw(i, PCI_SUBORDINATE_BUS, 1, sub);
}

void fake_mem_window(int i, u64 base, u64 limit)
{
	fake_write_raw(i, PCI_MEMORY_BASE, 2, (base >> 16) & 0xfff0);
	fake_write_raw(i, PCI_MEMORY_LIMIT, 2, (limit >> 16) & 0xfff0);
}

void fake_pref_window(int i, u64 base, u64 limit, bool is64)
{
	fake_write_raw(i, PCI_PREF_MEMORY_BASE, 2, ((base >> 16) & 0xfff0) | is64);
	fake_write_raw(i, PCI_PREF_MEMORY_LIMIT, 2, ((limit >> 16) & 0xfff0) | is64);
	set_wmask(i, PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0);
	fake_write_raw(i, PCI_PREF_BASE_UPPER32, 4, is64 ? base >> 32 : 0);
	fake_write_raw(i, PCI_PREF_LIMIT_UPPER32, 4, is64 ? limit >> 32 : 0);
	set_wmask(i, PCI_PREF_BASE_UPPER32, 4, is64 ? 0xffffffff : 0);
	set_wmask(i, PCI_PREF_LIMIT_UPPER32, 4, is64 ? 0xffffffff : 0);
}

void fake_cap(int i, u8 pos, u8 id, u8 next)
{
	struct fake_fn *f = &fake.fn[i];

	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	if (!f->cfg[PCI_CAPABILITY_LIST])
		f->cfg[PCI_CAPABILITY_LIST] = pos;
	f->cfg[pos] = id;
	f->cfg[pos + 1] = next;
}

void fake_ext_cap(int i, u16 pos, u16 id, u16 next)
{
	fake_write_raw(i, pos, 4, id | 1u << 16 | (u32)next << 20);
}

void fake_pcie_cap(int i, u8 pos, u8 next, u8 type, bool ari_fwd)
{
	fake_cap(i, pos, PCI_CAP_ID_EXP, next);
	fake_write_raw(i, pos + PCI_EXP_FLAGS, 2, type << 4 | 2);
	fake_write_raw(i, pos + PCI_EXP_DEVCAP2, 4, ari_fwd ? PCI_EXP_DEVCAP2_ARI : 0);
	set_wmask(i, pos + PCI_EXP_DEVCTL2, 2, ari_fwd ? PCI_EXP_DEVCTL2_ARI : 0);
}

void fake_msix_cap(int i, u8 pos, u8 next, u16 entries, u8 bir, u32 table_off, u8 pba_bir,
		   u32 pba_off)
{
	fake_cap(i, pos, PCI_CAP_ID_MSIX, next);
	fake_write_raw(i, pos + PCI_MSIX_FLAGS, 2, entries - 1);
	fake_write_raw(i, pos + PCI_MSIX_TABLE, 4, table_off | bir);
	fake_write_raw(i, pos + PCI_MSIX_PBA, 4, pba_off | pba_bir);
}

static void fake_vf_bar(int i, u16 reg, u64 size)
{
	u64 mask = ~(size - 1) & ~0xfULL;

	fake_write_raw(i, reg, 4, PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH);
	set_wmask(i, reg, 4, (u32)mask);
	set_wmask(i, reg + 4, 4, mask >> 32);
}

static void fake_add_vfs(int i, u16 total, u16 vf_did)
{
	struct fake_fn *f = &fake.fn[i];

	f->vf_first = fake.count;
	for (u16 k = 0; k < total; k++) {
		int v = fake_alloc();
		struct fake_fn *vf;

		if (v < 0)
			break;
		vf = &fake.fn[v];
		vf->is_vf = true;
		vf->pf = i;
		vf->vf_index = k;
		vf->parent = f->parent;
		fake_write_raw(v, PCI_VENDOR_ID, 4, 0xffffffff);
		fake_write_raw(v, PCI_CLASS_REVISION, 4, fake_read(i, PCI_CLASS_REVISION, 4));
		set_wmask(v, PCI_COMMAND, 2, 0x0006);
		fake_pcie_cap(v, 0x70, 0x50, PCI_EXP_TYPE_ENDPOINT, false);
		fake_msix_cap(v, 0x50, 0, 3, 3, 0, 3, 0x2000);
		(void)vf_did;
		f->vf_count++;
	}
}

void fake_sriov(int i, u16 pos, u16 next, u16 total, u16 offset, u16 stride, u16 vf_did,
		u64 vf_bar_size)
{
	struct fake_fn *f = &fake.fn[i];

	f->sriov_pos = pos;
	fake_ext_cap(i, pos, PCI_EXT_CAP_ID_SRIOV, next);
	fake_write_raw(i, pos + PCI_SRIOV_INITIAL_VF, 2, total);
	fake_write_raw(i, pos + PCI_SRIOV_TOTAL_VF, 2, total);
	fake_write_raw(i, pos + PCI_SRIOV_VF_OFFSET, 2, offset);
	fake_write_raw(i, pos + PCI_SRIOV_VF_STRIDE, 2, stride);
	fake_write_raw(i, pos + PCI_SRIOV_VF_DID, 2, vf_did);
	fake_write_raw(i, pos + PCI_SRIOV_SUP_PGSIZE, 4, 0x553);
	fake_write_raw(i, pos + PCI_SRIOV_SYS_PGSIZE, 4, 1);
	set_wmask(i, pos + PCI_SRIOV_CTRL, 2,
		  PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
	set_wmask(i, pos + PCI_SRIOV_NUM_VF, 2, 0xffff);
	set_wmask(i, pos + PCI_SRIOV_SYS_PGSIZE, 4, 0x553);
	for (u16 reg = PCI_SRIOV_BAR; reg < PCI_SRIOV_BAR + 24; reg += 4) {
		fake_write_raw(i, pos + reg, 4, 0);
		set_wmask(i, pos + reg, 4, 0);
	}
	if (vf_bar_size) {
		fake_vf_bar(i, pos + PCI_SRIOV_BAR, vf_bar_size);
		fake_vf_bar(i, pos + PCI_SRIOV_BAR + 12, vf_bar_size);
	}
	if (!f->vf_count) /* called again: the VFs are there already */
		fake_add_vfs(i, total, vf_did);
}
