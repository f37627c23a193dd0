// SPDX-License-Identifier: MIT
/*
 * native_guest.c: the guest-side adapter of the native baseline: the few
 * runtime functions guests/lib/igbvf.c and netbench.c need from a partition
 * (its PCI bus, page mapping, page allocation, time), answered
 * by the hypervisor side (tests/bench/native.c) on the real VF. Built with the
 * guests' flags; its symbols, like those of the guest objects it links with,
 * get the prefix "nbg_" (tests/bench/bench.mk).
 */
#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/netbench.h"
#include "guests/lib/netdev.h"
#include "guests/lib/pci.h"
#include "tests/bench/hvb.h"

#define PCI_VENDOR_ID 0x00
#define PCI_STATUS    0x06
#define PCI_CAP_LIST  BIT32(4)

const struct hv_boot_info *boot_info; /* none: no partition here (pvnet is never probed) */

volatile u8 *pci_cfg(u8 devfn)
{
	return devfn == 1 || devfn == 2 ? (volatile u8 *)1 : NULL; /* only a handle */
}

u16 pci_read16(u8 devfn, u16 off)
{
	/* A VF's own IDs read all ones (SR-IOV 3.4.1.1); a partition's vPCI shows the PF's vendor. */
	if (off == PCI_VENDOR_ID)
		return IGBVF_VENDOR;
	return (u16)hvb_cfg_read(devfn, off, 2);
}

u32 pci_read32(u8 devfn, u16 off)
{
	return hvb_cfg_read(devfn, off, 4);
}

void pci_write16(u8 devfn, u16 off, u16 v)
{
	hvb_cfg_write(devfn, off, 2, v);
}

void pci_write32(u8 devfn, u16 off, u32 v)
{
	hvb_cfg_write(devfn, off, 4, v);
}

u64 pci_bar(u8 devfn, unsigned bar, u64 *size)
{
	return hvb_bar(devfn, bar, size);
}

u16 pci_find_cap(u8 devfn, u8 id)
{
	u8 at;

	if (!(pci_read16(devfn, PCI_STATUS) & PCI_CAP_LIST))
		return 0;
	at = (u8)hvb_cfg_read(devfn, PCI_CAP_PTR, 1);
	for (int n = 0; at >= 0x40 && n < 48; n++) {
		if ((u8)hvb_cfg_read(devfn, at, 1) == id)
			return at;
		at = (u8)hvb_cfg_read(devfn, (u16)(at + 1), 1);
	}
	return 0;
}

int map_identity(u64 pa, u64 size, bool uncached)
{
	(void)uncached; /* only the VF's registers are mapped, uncached */
	return hvb_map_mmio(pa, size);
}

void *alloc_pages(size_t n)
{
	return hvb_alloc_pages(n);
}

u64 tsc_per_ms(void)
{
	return hvb_tsc_per_ms();
}

void delay_ms(u64 ms)
{
	u64 end = rdtsc() + ms * tsc_per_ms();

	while (rdtsc() < end)
		cpu_relax();
}

static struct igbvf vfs[2];
static struct netdev nds[2];
static struct nb_result results[2];

int hvb_run(const struct hvb_args *a)
{
	struct nb_config cfg = { .phases = a->phases,
				 .count = a->count,
				 .window = a->window,
				 .warmup = a->warmup,
				 .tsc_per_ms = tsc_per_ms(),
				 .timeout_ms = a->timeout_ms };
	struct netdev *nd = &nds[a->gen];
	struct nb_result *res = &results[a->gen];
	const char *role = a->gen ? "gen" : "sink";
	char line[512];
	int r;

	memcpy(cfg.peer, a->peer, 6);
	memcpy(cfg.sizes, a->sizes, sizeof(cfg.sizes));
	if ((r = netdev_vf(nd, &vfs[a->gen], a->dev)) || (r = netdev_up(nd)))
		return r;
	while (!netdev_link_up(nd))
		cpu_relax();
	snprintf(line, sizeof(line), "bench: up role=%s kind=native tsc=%llu tsc_khz=%llu", role,
		 rdtsc(), tsc_per_ms());
	hvb_print(line);
	r = a->gen ? nb_gen(nd, &cfg, res) : nb_sink(nd, &cfg, res);
	for (u32 i = 0; i < res->phases; i++) {
		nb_format_phase(line, sizeof(line), role, i, &res->phase[i]);
		hvb_print(line);
		nb_format_counters(line, sizeof(line), role, i, &res->phase[i]);
		hvb_print(line);
	}
	snprintf(line, sizeof(line), "bench: done role=%s status=%d t_hello=%llu", role, r,
		 res->t_hello);
	hvb_print(line);
	return r;
}
