/* SPDX-License-Identifier: MIT */
/*
 * fake_pci.h: a fake PCI config space for unit tests: functions placed in a
 * tree of bridges that route by their bus-number registers, BARs that size
 * through write masks, SR-IOV VFs that answer once VF Enable is set, and a
 * clock the enumerator's delays advance.
 */
#ifndef TESTS_UNIT_FAKE_PCI_H
#define TESTS_UNIT_FAKE_PCI_H

#include "pci/pci.h"

#define FAKE_MAX_FNS 64
#define FAKE_ROOT    (-1)

struct fake_fn {
	bool used;
	int parent;  /* index of the bridge it sits behind, FAKE_ROOT for the root bus */
	u8 root_bus; /* bus of a root-bus function */
	u8 devfn;
	u8 cfg[4096];
	u8 wmask[4096]; /* bits software may change */
	/* SR-IOV PFs */
	u16 sriov_pos;
	int vf_first; /* index of its VF 0 (VFs are added right after the PF) */
	u16 vf_count;
	/* VFs */
	bool is_vf;
	int pf;
	u16 vf_index;
	bool ignore_bus_writes;
};

struct fake_pci {
	struct fake_fn fn[FAKE_MAX_FNS];
	int count;
	u64 now_ms;             /* advanced by the delay hook */
	u64 vfe_set_ms;         /* when VF Enable was last set */
	int early_vf_access;    /* config requests to VFs less than 100 ms after VF Enable */
	int sizing_with_decode; /* all-ones BAR writes while decode was on */
	bool every_fn_answers;  /* hostile: every (bus, devfn) reads as a device */
};

extern struct fake_pci fake;
extern const struct pci_cfg_ops fake_ops;     /* 4096-byte config space */
extern const struct pci_cfg_ops fake_ops_256; /* like ports 0xCF8/0xCFC */

/* Empty the fake and point a pci_platform at it (one root, buses 0-255). */
void fake_reset(struct pci_platform *pl);

/* Add a function; returns its index. hdr: PCI_HEADER_NORMAL or PCI_HEADER_BRIDGE. */
int fake_add(int parent, u8 dev, u8 fn, u16 vendor, u16 device, u32 class, u8 hdr);
void fake_multifunction(int i);

/* A BAR of `size` bytes at `addr`; flags: PCI_BAR_SPACE_IO, PCI_BAR_MEM_TYPE_64, PCI_BAR_MEM_PREFETCH. */
void fake_bar(int i, int bar, u64 size, u32 flags, u64 addr);

/* Bridge bus numbers and windows (0/0 limit < base: closed). */
void fake_bus_numbers(int i, u8 pri, u8 sec, u8 sub);
void fake_mem_window(int i, u64 base, u64 limit);
void fake_pref_window(int i, u64 base, u64 limit, bool is64);

/* Capabilities: a legacy one at pos linking to next; an extended one. */
void fake_cap(int i, u8 pos, u8 id, u8 next);
void fake_ext_cap(int i, u16 pos, u16 id, u16 next);
void fake_pcie_cap(int i, u8 pos, u8 next, u8 type, bool ari_fwd);
void fake_msix_cap(int i, u8 pos, u8 next, u16 entries, u8 bir, u32 table_off, u8 pba_bir,
		   u32 pba_off);

/*
 * An SR-IOV capability at pos (extended list) with total VFs of vf_did at
 * offset/stride; VF BAR0 and BAR3 of vf_bar_size each, 64-bit prefetchable
 * (0: none). Adds `total` VF functions that answer while VF Enable is set.
 */
void fake_sriov(int i, u16 pos, u16 next, u16 total, u16 offset, u16 stride, u16 vf_did,
		u64 vf_bar_size);

/* Config-space helpers for tests. */
u32 fake_read(int i, u16 off, int width);
void fake_write_raw(int i, u16 off, int width, u32 val);

/* The delay hook: advances fake.now_ms. */
void fake_delay_ms(u32 ms);

#endif
