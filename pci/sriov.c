// SPDX-License-Identifier: MIT
/* sriov.c: SR-IOV: a PF's virtual functions on and off, their Routing IDs and BARs. */
#define LOG_TAG "pci"
#include "pci/sriov.h"
#include "pci/res.h"
#include "kernel/printk.h"
#include "kernel/string.h"

static u16 sriov_read16(const struct pci_dev *pf, u16 reg)
{
	return pci_cfg_read16(pf, pf->ecap_sriov + reg);
}

static u32 sriov_read32(const struct pci_dev *pf, u16 reg)
{
	return pci_cfg_read32(pf, pf->ecap_sriov + reg);
}

static void sriov_write16(const struct pci_dev *pf, u16 reg, u16 val)
{
	pci_cfg_write16(pf, pf->ecap_sriov + reg, val);
}

static void sriov_write32(const struct pci_dev *pf, u16 reg, u32 val)
{
	pci_cfg_write32(pf, pf->ecap_sriov + reg, val);
}

static void sriov_wait(u32 ms)
{
	const struct pci_platform *pl = pci_platform();

	if (pl->delay_ms)
		pl->delay_ms(ms);
}

/* Routing ID of VF i (PCIe SR-IOV 1.1 3.3.10-11), or -ERANGE when it passes bus 255. */
static int sriov_rid(const struct pci_dev *pf, u16 offset, u16 stride, u16 i)
{
	u32 rid = PCI_RID(pf->bus, pf->devfn) + (u32)offset + (u32)i * stride;

	return rid > 0xffff ? -ERANGE : (int)rid;
}

/* Highest RID TotalVFs VFs would use: NumVFs changes Offset and Stride, so ask with TotalVFs. */
static u16 sriov_max_rid(struct pci_dev *pf)
{
	struct pci_sriov *s = &pf->sriov;
	int rid;

	sriov_write16(pf, PCI_SRIOV_NUM_VF, s->total_vfs);
	rid = sriov_rid(pf, sriov_read16(pf, PCI_SRIOV_VF_OFFSET),
			sriov_read16(pf, PCI_SRIOV_VF_STRIDE), s->total_vfs - 1);
	sriov_write16(pf, PCI_SRIOV_NUM_VF, 0);
	if (rid < 0) {
		pr_warn(PCI_FMT ": its %u VFs would pass bus 255\n", PCI_ARG(pf), s->total_vfs);
		return 0xffff;
	}
	return rid;
}

int sriov_probe(struct pci_dev *pf, bool reserve_buses)
{
	struct pci_sriov *s = &pf->sriov;
	u16 ctrl = sriov_read16(pf, PCI_SRIOV_CTRL);

	s->total_vfs = sriov_read16(pf, PCI_SRIOV_TOTAL_VF);
	s->initial_vfs = sriov_read16(pf, PCI_SRIOV_INITIAL_VF);
	s->vf_device = sriov_read16(pf, PCI_SRIOV_VF_DID);
	s->page_sizes = sriov_read32(pf, PCI_SRIOV_SUP_PGSIZE);
	s->num_vfs = 0;
	if (ctrl & PCI_SRIOV_CTRL_VFE) {
		pr_warn(PCI_FMT ": firmware left its VFs enabled: turning them off\n", PCI_ARG(pf));
		sriov_write16(pf, PCI_SRIOV_CTRL,
			      ctrl & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE));
		sriov_wait(SRIOV_DISABLE_WAIT_MS);
	}
	if (sriov_read16(pf, PCI_SRIOV_NUM_VF))
		sriov_write16(pf, PCI_SRIOV_NUM_VF, 0);
	s->offset = sriov_read16(pf, PCI_SRIOV_VF_OFFSET);
	s->stride = sriov_read16(pf, PCI_SRIOV_VF_STRIDE);
	if (reserve_buses && s->total_vfs)
		s->max_rid = sriov_max_rid(pf);
	return 0;
}

struct pci_dev *sriov_vf(const struct pci_dev *pf, u16 i)
{
	const struct pci_sriov *s = &pf->sriov;
	int rid;

	if (!pf->ecap_sriov || i >= s->num_vfs)
		return NULL;
	rid = sriov_rid(pf, s->offset, s->stride, i);
	return rid < 0 ? NULL : pci_find_rid(pf->seg, rid);
}

int sriov_vf_index(const struct pci_dev *pf, u16 seg, u8 bus, u8 devfn)
{
	const struct pci_sriov *s = &pf->sriov;
	u32 rid = PCI_RID(bus, devfn), first = PCI_RID(pf->bus, pf->devfn) + (u32)s->offset;

	if (!pf->ecap_sriov || seg != pf->seg || !s->offset || rid < first)
		return -ENOENT;
	if (s->stride ? (rid - first) % s->stride : rid != first)
		return -ENOENT;
	rid = s->stride ? (rid - first) / s->stride : 0;
	return rid < s->total_vfs ? (int)rid : -ENOENT;
}

/* Turn VFs off (waiting as the spec asks when they were on) and drop them from the table. */
static void sriov_stop(struct pci_dev *pf)
{
	u16 ctrl = sriov_read16(pf, PCI_SRIOV_CTRL);
	struct pci_dev *d, *next;

	sriov_write16(pf, PCI_SRIOV_CTRL, ctrl & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE));
	if (ctrl & PCI_SRIOV_CTRL_VFE)
		sriov_wait(SRIOV_DISABLE_WAIT_MS);
	for (d = pci_next(NULL); d; d = next) {
		next = pci_next(d);
		if (d->is_vf && d->pf == pf)
			pci_remove_dev(d);
	}
	sriov_write16(pf, PCI_SRIOV_NUM_VF, 0);
	pf->sriov.num_vfs = 0;
}

int sriov_disable(struct pci_dev *pf)
{
	bool had = pf->sriov.num_vfs;

	if (!pf->ecap_sriov || pf->is_vf)
		return -ENODEV;
	for (u16 i = 0; i < pf->sriov.num_vfs; i++) {
		struct pci_dev *vf = sriov_vf(pf, i);

		if (vf && vf->owner) {
			pr_err(PCI_FMT ": cannot disable VFs: VF%u is in use\n", PCI_ARG(pf), i);
			return -EBUSY;
		}
	}
	if (!had && !(sriov_read16(pf, PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE))
		return 0;
	sriov_stop(pf);
	if (had)
		pr_info(PCI_FMT ": VFs disabled\n", PCI_ARG(pf));
	return 0;
}

/* Is pf the lowest-numbered function with SR-IOV on its bus (the one holding ARI Capable Hierarchy)? */
static bool sriov_lowest_pf(const struct pci_dev *pf)
{
	struct pci_dev *d;

	pci_for_each_dev(d) if (d->seg == pf->seg && d->bus == pf->bus && d->ecap_sriov &&
				!d->is_vf) return d == pf;
	return false;
}

/*
 * With ARI Forwarding in the port above, VFs may use all 8 bits of the
 * function number; the PF is then told so through ARI Capable Hierarchy,
 * which may change First VF Offset and VF Stride (PCIe Base 4.0 6.13, 9.3.3.3.5).
 */
static void sriov_set_ari(struct pci_dev *pf)
{
	struct pci_dev *port = pf->parent;
	u16 ctrl = sriov_read16(pf, PCI_SRIOV_CTRL) & ~PCI_SRIOV_CTRL_ARI;

	if (pf->ecap_ari && port && port->cap_pcie &&
	    (port->pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
	     port->pcie_type == PCI_EXP_TYPE_DOWNSTREAM) &&
	    (pci_cfg_read32(port, port->cap_pcie + PCI_EXP_DEVCAP2) & PCI_EXP_DEVCAP2_ARI)) {
		u16 ctl2 = pci_cfg_read16(port, port->cap_pcie + PCI_EXP_DEVCTL2);

		pci_cfg_write16(port, port->cap_pcie + PCI_EXP_DEVCTL2, ctl2 | PCI_EXP_DEVCTL2_ARI);
		if (sriov_lowest_pf(pf))
			ctrl |= PCI_SRIOV_CTRL_ARI;
	}
	if (sriov_lowest_pf(pf))
		sriov_write16(pf, PCI_SRIOV_CTRL, ctrl);
}

/* The buses VFs may sit on: the bridge's range, or the root's. */
static void sriov_bus_range(const struct pci_dev *pf, u8 *lo, u8 *hi)
{
	const struct pci_platform *pl = pci_platform();

	*lo = *hi = pf->bus;
	if (pf->parent) {
		*lo = pf->parent->secondary;
		*hi = pf->parent->subordinate;
		return;
	}
	for (unsigned int i = 0; i < pl->root_count; i++) {
		const struct pci_root *r = &pl->roots[i];

		if (r->seg == pf->seg && pf->bus >= r->bus_start && pf->bus <= r->bus_end)
			*hi = r->bus_end;
	}
}

static int sriov_check_rid(const struct pci_dev *pf, u16 i, u8 lo, u8 hi)
{
	const struct pci_sriov *s = &pf->sriov;
	int rid = sriov_rid(pf, s->offset, s->stride, i);
	u8 bus = rid >> 8, devfn = rid & 0xff;

	if (rid < 0) {
		pr_err(PCI_FMT ": VF%u would pass bus 255 (First VF Offset 0x%x, VF Stride 0x%x)\n",
		       PCI_ARG(pf), i, s->offset, s->stride);
		return -ERANGE;
	}
	if (bus < lo || bus > hi) {
		pr_err(PCI_FMT
		       ": VF%u would be on bus %02x, outside buses %02x-%02x behind its bridge\n",
		       PCI_ARG(pf), i, bus, lo, hi);
		return -ERANGE;
	}
	if (pci_find_rid(pf->seg, rid)) {
		pr_err(PCI_FMT ": VF%u would be %02x:%02x.%x, which another function already is\n",
		       PCI_ARG(pf), i, bus, PCI_SLOT(devfn), PCI_FUNC(devfn));
		return -EEXIST;
	}
	if (pf->parent && bus == pf->parent->secondary && PCI_SLOT(devfn) &&
	    pci_port_dev0_only(pf->parent)) {
		pr_err(PCI_FMT ": VF%u at %02x:%02x.%x needs ARI forwarding, which the port above "
			       "lacks\n",
		       PCI_ARG(pf), i, bus, PCI_SLOT(devfn), PCI_FUNC(devfn));
		return -ENODEV;
	}
	return 0;
}

/* RID = PF RID + First VF Offset + i * VF Stride must name n distinct, reachable, free functions. */
static int sriov_check_rids(struct pci_dev *pf, u16 n)
{
	struct pci_sriov *s = &pf->sriov;
	u8 lo, hi;

	s->offset = sriov_read16(pf, PCI_SRIOV_VF_OFFSET);
	s->stride = sriov_read16(pf, PCI_SRIOV_VF_STRIDE);
	if (!s->offset) {
		pr_err(PCI_FMT ": First VF Offset is 0: VF0 would be the PF itself\n", PCI_ARG(pf));
		return -EINVAL;
	}
	if (n > 1 && !s->stride) {
		pr_err(PCI_FMT ": VF Stride is 0: %u VFs would share one Routing ID\n", PCI_ARG(pf),
		       n);
		return -EINVAL;
	}
	sriov_bus_range(pf, &lo, &hi);
	for (u16 i = 0; i < n; i++) {
		int r = sriov_check_rid(pf, i, lo, hi);

		if (r)
			return r;
	}
	return 0;
}

/* Size the VF BARs: the size one VF's BAR has at the 4 KiB System Page Size (SR-IOV 1.1 3.3.14). */
static int sriov_size_bars(struct pci_dev *pf)
{
	struct pci_sriov *s = &pf->sriov;

	for (int i = 0; i < PCI_STD_BARS; i++) {
		struct pci_bar *b = &s->vf_bar[i];
		int r = pci_size_bar_at(pf, pf->ecap_sriov + PCI_SRIOV_BAR + 4 * i,
					i == PCI_STD_BARS - 1, b);
		const char *why = NULL;

		if (r < 0)
			why = "has a reserved type or no upper half";
		else if (b->type == PCI_BAR_IO)
			why = "is an I/O BAR, which VFs may not have";
		else if (b->size && b->size < PAGE_SIZE)
			why = "is smaller than a page, so VFs would share pages";
		if (why) {
			pr_err(PCI_FMT ": VF BAR%d %s\n", PCI_ARG(pf), i, why);
			memset(s->vf_bar, 0, sizeof(s->vf_bar));
			return -EINVAL;
		}
		i += r == 2;
	}
	return 0;
}

/* Which VF BARs go together: 64-bit prefetchable ones (group 0) and the others (group 1). */
static bool sriov_in_group(const struct pci_bar *b, int group)
{
	bool pref64 = b->type == PCI_BAR_MEM64 && b->prefetch;

	return b->size && (group == 0) == pref64;
}

/*
 * Keep firmware's VF BARs when each lies below 4 GiB (see res.c on QEMU)
 * inside the windows, overlapping nothing.
 */
static bool sriov_bars_sound(const struct pci_dev *pf, u16 n)
{
	const struct pci_bar *vb = pf->sriov.vf_bar;

	for (int i = 0; i < PCI_STD_BARS; i++) {
		struct pci_res_req req = { vb[i].size * n, vb[i].size, vb[i].prefetch,
					   vb[i].type == PCI_BAR_MEM64 };

		if (!vb[i].size)
			continue;
		if (!vb[i].addr || vb[i].size > ~0ULL / n || vb[i].addr + req.size > 4 * GiB ||
		    !pci_res_fits(pf, vb[i].addr, &req))
			return false;
		for (int j = 0; j < i; j++)
			if (vb[j].size && vb[i].addr < vb[j].addr + vb[j].size * n &&
			    vb[j].addr < vb[i].addr + req.size)
				return false;
	}
	return true;
}

static int sriov_write_bar(struct pci_dev *pf, int i, u64 addr)
{
	struct pci_bar *b = &pf->sriov.vf_bar[i];
	u16 reg = PCI_SRIOV_BAR + 4 * i;
	u64 back;

	sriov_write32(pf, reg, (u32)addr);
	if (b->type == PCI_BAR_MEM64)
		sriov_write32(pf, reg + 4, addr >> 32);
	back = sriov_read32(pf, reg) & PCI_BAR_MEM_MASK & 0xffffffffu;
	if (b->type == PCI_BAR_MEM64)
		back |= (u64)sriov_read32(pf, reg + 4) << 32;
	if (back != addr) {
		pr_err(PCI_FMT ": VF BAR%d did not take 0x%llx (reads 0x%llx)\n", PCI_ARG(pf), i,
		       addr, back);
		return -EIO;
	}
	b->addr = addr;
	return 0;
}

/* Lay out one group's BARs, largest first (so each stays aligned), and find room for them. */
static int sriov_place_group(struct pci_dev *pf, u16 n, int group)
{
	struct pci_bar *vb = pf->sriov.vf_bar;
	struct pci_res_req req = { 0, 0, true, true };
	u64 off[PCI_STD_BARS], base, done = 0;
	int r;

	for (u64 size = BIT(63); size >= PAGE_SIZE; size >>= 1) {
		for (int i = 0; i < PCI_STD_BARS; i++) {
			if (vb[i].size != size || !sriov_in_group(&vb[i], group))
				continue;
			if (size > (~0ULL >> 1) / n || req.size > (~0ULL >> 1) - size * n) {
				pr_err(PCI_FMT ": VF BARs too large for %u VFs\n", PCI_ARG(pf), n);
				return -ERANGE;
			}
			req.align = MAX(req.align, size);
			req.prefetch &= vb[i].prefetch;
			req.mem64 &= vb[i].type == PCI_BAR_MEM64;
			off[i] = req.size;
			req.size += size * n;
			done |= BIT(i);
		}
	}
	if (!req.size)
		return 0;
	r = pci_res_place(pf, &req, &base);
	for (int i = 0; i < PCI_STD_BARS && !r; i++)
		if (done & BIT(i))
			r = sriov_write_bar(pf, i, base + off[i]);
	return r;
}

static int sriov_place_bars(struct pci_dev *pf, u16 n)
{
	int r;

	if (sriov_bars_sound(pf, n))
		return 0;
	r = sriov_place_group(pf, n, 0);
	return r ? r : sriov_place_group(pf, n, 1);
}

/* Everything up to VF Enable: ARI, page size, NumVFs, RIDs, BARs. */
static int sriov_prepare(struct pci_dev *pf, u16 n)
{
	int r;

	sriov_set_ari(pf);
	if (!(pf->sriov.page_sizes & PCI_SRIOV_PGSIZE_4K)) {
		pr_err(PCI_FMT ": does not support a 4 KiB System Page Size (supported: 0x%x)\n",
		       PCI_ARG(pf), pf->sriov.page_sizes);
		return -EINVAL;
	}
	sriov_write32(pf, PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_PGSIZE_4K);
	sriov_write16(pf, PCI_SRIOV_NUM_VF, n);
	if (sriov_read16(pf, PCI_SRIOV_NUM_VF) != n) {
		pr_err(PCI_FMT ": NumVFs did not take %u\n", PCI_ARG(pf), n);
		return -EIO;
	}
	r = sriov_check_rids(pf, n);
	if (!r)
		r = sriov_size_bars(pf);
	if (!r)
		r = sriov_place_bars(pf, n);
	return r;
}

static int sriov_add_vf(struct pci_dev *pf, u16 i)
{
	const struct pci_sriov *s = &pf->sriov;
	int rid = sriov_rid(pf, s->offset, s->stride, i);
	struct pci_dev *vf = pci_add_dev(pf->seg, rid >> 8, rid & 0xff, pf->parent);

	if (!vf)
		return -ENOMEM;
	vf->is_vf = true;
	vf->pf = pf;
	vf->vf_index = i;
	/* A VF reads vendor and device 0xffff: its IDs are the PF's vendor and VF Device ID. */
	vf->vendor = pf->vendor;
	vf->device = s->vf_device;
	for (int b = 0; b < PCI_STD_BARS; b++) {
		vf->bar[b] = s->vf_bar[b];
		if (vf->bar[b].size)
			vf->bar[b].addr += (u64)i * vf->bar[b].size;
	}
	if (pci_cfg_read32(vf, PCI_CLASS_REVISION) == 0xffffffffu) {
		pr_err(PCI_FMT ": VF%u does not answer after VF Enable\n", PCI_ARG(vf), i);
		pci_remove_dev(vf);
		return -EIO;
	}
	pci_probe_caps(vf);
	vf->ecap_sriov = 0;
	/*
	 * VF MSE in the PF decides whether VF BARs decode; a VF's own Memory
	 * Space Enable is hardwired to 0 (SR-IOV 1.1 3.4.1.3), so setting it is
	 * harmless, but QEMU's VFs decode only with it set.
	 */
	pci_cfg_write16(vf, PCI_COMMAND, pci_cfg_read16(vf, PCI_COMMAND) | PCI_COMMAND_MEMORY);
	return 0;
}

static int sriov_start(struct pci_dev *pf, u16 n)
{
	u16 ctrl = sriov_read16(pf, PCI_SRIOV_CTRL);

	sriov_write16(pf, PCI_SRIOV_CTRL, ctrl | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	sriov_wait(SRIOV_ENABLE_WAIT_MS);
	for (u16 i = 0; i < n; i++) {
		int r = sriov_add_vf(pf, i);

		if (r)
			return r;
	}
	pf->sriov.num_vfs = n;
	return 0;
}

int sriov_enable(struct pci_dev *pf, u16 n)
{
	struct pci_sriov *s = &pf->sriov;
	int r;

	if (!pf->ecap_sriov || pf->is_vf) {
		pr_err(PCI_FMT ": has no SR-IOV capability\n", PCI_ARG(pf));
		return -ENODEV;
	}
	if (!n)
		return sriov_disable(pf);
	if (!s->total_vfs) {
		pr_err(PCI_FMT ": TotalVFs is 0: no VFs to enable\n", PCI_ARG(pf));
		return -ENODEV;
	}
	if (n > s->total_vfs) {
		pr_err(PCI_FMT ": %u VFs asked for, but TotalVFs is %u: enabling %u\n", PCI_ARG(pf),
		       n, s->total_vfs, s->total_vfs);
		n = s->total_vfs;
	}
	if (n == s->num_vfs)
		return 0;
	r = sriov_disable(pf);
	if (r)
		return r;
	r = sriov_prepare(pf, n);
	if (!r)
		r = sriov_start(pf, n);
	if (r) {
		sriov_stop(pf);
		pr_err(PCI_FMT ": VFs not enabled (error %d)\n", PCI_ARG(pf), r);
		return r;
	}
	pr_info(PCI_FMT ": %u of %u VFs enabled\n", PCI_ARG(pf), n, s->total_vfs);
	return 0;
}

/* ---- the sriov= policy ---- */

static bool sriov_named(const struct hv_sriov_req *reqs, unsigned int count,
			const struct pci_dev *d)
{
	for (unsigned int i = 0; i < count; i++)
		if (!reqs[i].all && reqs[i].seg == d->seg && reqs[i].bus == d->bus &&
		    PCI_DEVFN(reqs[i].dev, reqs[i].fn) == d->devfn)
			return true;
	return false;
}

bool sriov_requested(const struct hv_sriov_req *reqs, unsigned int count, const struct pci_dev *pf)
{
	for (unsigned int i = 0; i < count; i++)
		if (reqs[i].all)
			return true;
	return sriov_named(reqs, count, pf);
}

static int sriov_apply_one(const struct hv_sriov_req *q)
{
	struct pci_dev *d = pci_find(q->seg, q->bus, q->dev, q->fn);

	if (!d || d->is_vf) {
		pr_err("sriov=%04x:%02x:%02x.%x:%u: no such function\n", q->seg, q->bus, q->dev,
		       q->fn, q->num);
		return -ENODEV;
	}
	if (!d->ecap_sriov) {
		pr_err("sriov=" PCI_FMT ":%u: it has no SR-IOV capability%s\n", PCI_ARG(d), q->num,
		       d->cfg_size < PCI_CFG_SPACE_EXP_SIZE ? " (no extended config space)" : "");
		return -ENODEV;
	}
	return sriov_enable(d, q->num);
}

int sriov_apply(const struct hv_sriov_req *reqs, unsigned int count)
{
	const struct hv_sriov_req *all = NULL;
	struct pci_dev *d;
	int failed = 0, pfs = 0;

	for (unsigned int i = 0; i < count; i++) {
		if (reqs[i].all)
			all = &reqs[i];
		else
			failed += sriov_apply_one(&reqs[i]) != 0;
	}
	if (!all)
		return failed;
	pci_for_each_dev(d)
	{
		if (d->ecap_sriov && !d->is_vf && !sriov_named(reqs, count, d)) {
			failed += sriov_enable(d, all->num) != 0;
			pfs++;
		}
	}
	if (!pfs)
		pr_warn("sriov=all:%u: no function has an SR-IOV capability\n", all->num);
	return failed;
}
