/* SPDX-License-Identifier: MIT */
/*
 * hvb.h: the seam of the native baseline image (build/hypervisor-bench.elf).
 * On one side the guests' own object code (netbench, netdev, igbvf, the
 * runtime's string and printf functions) plus a small guest-side adapter
 * (native_guest.c), all built with the guests' flags and linked with every
 * symbol prefixed "nbg_"; on the other the hypervisor-side glue (native.c).
 * They meet only through these plain-C functions, so neither side includes
 * the other's headers. Nothing here is in the default hypervisor image.
 */
#ifndef TESTS_BENCH_HVB_H
#define TESTS_BENCH_HVB_H

#include <stddef.h>
#include <stdint.h>

/* The hypervisor side names the guest side's symbols with their link-time prefix. */
#ifdef HVB_HV_SIDE
#define HVB(name) nbg_##name
#else
#define HVB(name) name
#endif

/* One end of the run: which VF ("dev" 1 or 2), its role, the traffic. */
struct hvb_args {
	uint8_t dev;     /* 1: the generator's VF, 2: the sink's */
	uint8_t gen;     /* 1: generator, 0: sink */
	uint8_t peer[6]; /* generator: the sink's MAC */
	uint32_t sizes[4];
	uint32_t phases, count, window, warmup;
	unsigned long long timeout_ms;
};

/* Guest side: bring the VF up, run netbench, print its lines through hvb_print. 0 or < 0. */
int HVB(hvb_run)(const struct hvb_args *a);

/* Hypervisor side: the VF's config space (dev as above), its BARs, memory, time, the console. */
uint32_t HVB(hvb_cfg_read)(uint8_t dev, uint16_t off, uint8_t width);
void HVB(hvb_cfg_write)(uint8_t dev, uint16_t off, uint8_t width, uint32_t val);
unsigned long long HVB(hvb_bar)(uint8_t dev, unsigned bar, unsigned long long *size);
int HVB(hvb_map_mmio)(unsigned long long pa, unsigned long long size);
void *HVB(hvb_alloc_pages)(size_t n); /* zeroed, DMA-mapped, from the calling CPU's arena */
unsigned long long HVB(hvb_tsc_per_ms)(void);
void HVB(hvb_print)(const char *line);

#endif
