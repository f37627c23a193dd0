// SPDX-License-Identifier: MIT
/* pci_selftest.c: in-hypervisor self-tests of enumeration and SR-IOV on the real (emulated) hardware. */
#define LOG_TAG "pci"
#include "pci/pci.h"
#include "pci/sriov.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"

/* Does anything answer at this RID? (Config space read straight, not through the table.) */
static bool pci_st_answers(u16 seg, u16 rid)
{
	struct pci_dev probe = {
		.seg = seg, .bus = rid >> 8, .devfn = rid & 0xff, .cfg_size = PCI_CFG_SPACE_SIZE
	};

	return pci_cfg_read32(&probe, PCI_CLASS_REVISION) != 0xffffffffu;
}

/* The first PF with VFs enabled, else the first that could have two. */
static struct pci_dev *pci_st_first_pf(void)
{
	struct pci_dev *d;

	pci_for_each_dev(d) if (d->ecap_sriov && d->sriov.num_vfs) return d;
	pci_for_each_dev(d) if (d->ecap_sriov && !d->is_vf && d->sriov.total_vfs >= 2) return d;
	return NULL;
}

/* Disable pf's VFs; check they left the table and config space. */
static int pci_st_disable(struct pci_dev *pf, char *msg, size_t msglen)
{
	u16 rid[256], n = 0;

	for (u16 i = 0; i < pf->sriov.num_vfs && n < ARRAY_SIZE(rid); i++) {
		const struct pci_dev *vf = sriov_vf(pf, i);

		if (vf)
			rid[n++] = PCI_RID(vf->bus, vf->devfn);
	}
	if (sriov_disable(pf) || pf->sriov.num_vfs || sriov_vf(pf, 0)) {
		snformat(msg, msglen, "disable failed");
		return SELFTEST_FAIL;
	}
	for (u16 i = 0; i < n; i++) {
		if (pci_find_rid(pf->seg, rid[i]) || pci_st_answers(pf->seg, rid[i])) {
			snformat(msg, msglen, "VF at RID 0x%x still there after disable", rid[i]);
			return SELFTEST_FAIL;
		}
	}
	return SELFTEST_PASS;
}

/* Enable n VFs of pf; check each answers; print them. */
static int pci_st_enable(struct pci_dev *pf, u16 n, char *msg, size_t msglen)
{
	if (sriov_enable(pf, n) || pf->sriov.num_vfs != n) {
		snformat(msg, msglen, "enabling %u VFs failed", n);
		return SELFTEST_FAIL;
	}
	for (u16 i = 0; i < n; i++) {
		const struct pci_dev *vf = sriov_vf(pf, i);

		if (!vf || !pci_st_answers(pf->seg, PCI_RID(vf->bus, vf->devfn))) {
			snformat(msg, msglen, "VF%u does not answer after enable", i);
			return SELFTEST_FAIL;
		}
	}
	pci_print_dev(pf);
	for (u16 i = 0; i < n; i++)
		pci_print_dev(sriov_vf(pf, i));
	return SELFTEST_PASS;
}

/*
 * With VFs enabled at boot (sriov=): disable the first PF's, check they are
 * gone from the table and from config space, then enable one fewer (so that
 * QEMU's view tells the two apart) and print the PF and its VFs again.
 * Without: enable two VFs of the first SR-IOV PF, check, and disable them.
 */
SELFTEST(pci_sriov_disable_enable)
{
	struct pci_dev *pf = pci_st_first_pf();
	u16 n;
	int r;

	if (!pf) {
		snformat(msg, msglen, "no SR-IOV PF with two VFs or more");
		return SELFTEST_SKIP;
	}
	n = pf->sriov.num_vfs;
	if (!n) {
		r = pci_st_enable(pf, 2, msg, msglen);
		return r == SELFTEST_PASS ? pci_st_disable(pf, msg, msglen) : r;
	}
	r = pci_st_disable(pf, msg, msglen);
	if (r == SELFTEST_PASS)
		r = pci_st_enable(pf, n > 1 ? n - 1 : n, msg, msglen);
	return r;
}

struct pci_st_range {
	u64 s, e;
	const struct pci_dev *d;
};

static unsigned int pci_st_collect(struct pci_st_range *r, unsigned int max)
{
	const struct pci_dev *d;
	unsigned int n = 0;

	pci_for_each_dev(d)
	{
		for (int i = 0; i < PCI_STD_BARS && n < max; i++) {
			const struct pci_bar *b = &d->bar[i];

			if (b->size && b->addr && b->type != PCI_BAR_IO)
				r[n++] = (struct pci_st_range){ b->addr, b->addr + b->size, d };
		}
	}
	return n;
}

/* No two memory BARs overlap, and none overlaps RAM (as the firmware memory map has it). */
SELFTEST(pci_bars_disjoint)
{
	static struct pci_st_range r[PCI_MAX_DEVS];
	const struct pci_platform *pl = pci_platform();
	unsigned int n = pci_st_collect(r, ARRAY_SIZE(r));

	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = i + 1; j < n; j++) {
			if (r[i].s < r[j].e && r[j].s < r[i].e) {
				snformat(msg, msglen, PCI_FMT " and " PCI_FMT " overlap at 0x%llx",
					 PCI_ARG(r[i].d), PCI_ARG(r[j].d), MAX(r[i].s, r[j].s));
				return SELFTEST_FAIL;
			}
		}
		for (unsigned int m = 0; pl && m < pl->mem_count; m++) {
			const struct mem_region *g = &pl->mem[m];

			if (g->type == MEM_RAM && r[i].s < g->base + g->len && g->base < r[i].e) {
				snformat(msg, msglen, PCI_FMT " BAR 0x%llx overlaps RAM",
					 PCI_ARG(r[i].d), r[i].s);
				return SELFTEST_FAIL;
			}
		}
	}
	return SELFTEST_PASS;
}
