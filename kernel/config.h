/* SPDX-License-Identifier: MIT */
/* config.h: the hypervisor's global options, from its command line (documented in README.md). */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include "kernel/cmdline.h"

/*
 * One word of sriov=: a PF by address (segment 0000 when left out) or every
 * PF (all), and how many VFs to enable. Without sriov= no VFs are enabled for
 * now; the partitions will ask for as many as they need.
 */
struct hv_sriov_req {
	bool all;
	u16 seg;
	u8 bus, dev, fn;
	u16 num;
};

#define HV_SRIOV_MAX 8

struct hv_config {
	char log[CMDLINE_VAL_MAX];      /* log=err|warn|info|debug (default info) */
	bool exit_on_panic;             /* exit_on_panic=1: panic ends QEMU (tests) */
	char selftest[CMDLINE_VAL_MAX]; /* selftest=all|name[,name...] */
	bool exit_when_done;            /* exit_when_done=1: end QEMU once nothing is left to run */
	bool acpi_dump;                 /* acpi_dump=1: hex-dump every ACPI table (fixture capture) */
	bool mbi_dump;                  /* mbi_dump=1: hex-dump the multiboot2 information */
	/* sriov=<bdf>:<n>[,<bdf>:<n>...] or sriov=all:<n> (bdf: [ssss:]bb:dd.f, hex; n decimal) */
	struct hv_sriov_req sriov[HV_SRIOV_MAX];
	unsigned int sriov_count;
	bool pci_assign_busses;         /* pci=assign-busses: renumber every PCI bridge */
	char timer_ref[CMDLINE_VAL_MAX]; /* timer_ref=auto|pm|hpet|pit: TSC calibration reference */
	char crash[CMDLINE_VAL_MAX];    /* crash=ud|pf|...: a deliberate fault late in boot (tests) */
	bool vtd_qi;                    /* vtd_qi=0: VT-d register invalidation, no IR (test aid) */
};

extern struct hv_config hv_config;

/* Parse the hypervisor command line into hv_config; returns the number of rejected words. */
int config_parse(const char *cmdline);

#endif
