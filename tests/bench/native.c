// SPDX-License-Identifier: MIT
/*
 * native.c: the native baseline of `make bench`: the guests' VF driver and
 * traffic generator/sink (the very object code partitions run, linked in with
 * the prefix "nbg_", tests/bench/hvb.h) driven by the hypervisor itself on
 * two VFs, with no virtualisation in between: the generator on CPU 1 (VF0),
 * the sink on CPU 2 (VF1), as the partitions of the VF-direct run have them.
 * The VFs' DMA goes through the hypervisor's IOMMU domain, their registers
 * are mapped into the hypervisor. It is a self-test (selftest=bench_native)
 * of build/hypervisor-bench.elf only: the default image does not link it,
 * so the trusted core does not grow for the benchmark.
 */
#define LOG_TAG "bench"
#include "drivers/igb.h"
#include "iommu/iommu.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "pci/pci.h"
#include "pci/sriov.h"
#define HVB_HV_SIDE
#include "tests/bench/hvb.h"

#ifndef BENCH_COUNT
#define BENCH_COUNT 20000
#endif
#ifndef BENCH_WARMUP
#define BENCH_WARMUP 2000
#endif
#define BENCH_WINDOW  32
#define BENCH_ARENA   (2 * MiB) /* rings and buffers of one side */
#define BENCH_TIMEOUT 5000

/* One end: its VF, its CPU, its DMA arena. */
struct bench_side {
	struct pci_dev *vf;
	u32 cpu;
	paddr_t arena;
	u64 used;
	struct hvb_args args;
	int result;
	int done;
};

static struct bench_side sides[2]; /* [0] the generator, [1] the sink */

static struct bench_side *bench_dev(u8 dev)
{
	return dev == 1 || dev == 2 ? &sides[dev - 1] : NULL;
}

uint32_t nbg_hvb_cfg_read(uint8_t dev, uint16_t off, uint8_t width)
{
	struct bench_side *s = bench_dev(dev);

	if (!s || off >= PCI_CFG_SPACE_EXP_SIZE)
		return ~0u;
	return width == 1   ? pci_cfg_read8(s->vf, off)
	       : width == 2 ? pci_cfg_read16(s->vf, off)
			    : pci_cfg_read32(s->vf, off);
}

void nbg_hvb_cfg_write(uint8_t dev, uint16_t off, uint8_t width, uint32_t val)
{
	struct bench_side *s = bench_dev(dev);

	if (!s || off >= PCI_CFG_SPACE_EXP_SIZE)
		return;
	if (width == 1)
		pci_cfg_write8(s->vf, off, (u8)val);
	else if (width == 2)
		pci_cfg_write16(s->vf, off, (u16)val);
	else
		pci_cfg_write32(s->vf, off, val);
}

unsigned long long nbg_hvb_bar(uint8_t dev, unsigned bar, unsigned long long *size)
{
	struct bench_side *s = bench_dev(dev);

	if (!s || bar >= PCI_STD_BARS) {
		*size = 0;
		return 0;
	}
	*size = s->vf->bar[bar].size;
	return s->vf->bar[bar].addr;
}

int nbg_hvb_map_mmio(unsigned long long pa, unsigned long long size)
{
	return ioremap(pa, size) ? 0 : -1;
}

void *nbg_hvb_alloc_pages(size_t n)
{
	struct bench_side *s = smp_cpu_index() == sides[0].cpu ? &sides[0] : &sides[1];
	u64 bytes = (u64)n * PAGE_SIZE;
	void *p;

	if (bytes > BENCH_ARENA - s->used)
		return NULL;
	p = phys_to_virt(s->arena + s->used);
	s->used += bytes;
	memset(p, 0, bytes);
	return p;
}

unsigned long long nbg_hvb_tsc_per_ms(void)
{
	return timer_tsc_hz() / 1000;
}

void nbg_hvb_print(const char *line)
{
	printk(LOG_ERR, "%s\n", line); /* results: shown at every log level */
}

/* A side's VF: the igb's VF i, given a MAC and put in the hypervisor's DMA domain. */
static int bench_side_init(struct bench_side *s, struct pci_dev *pf, u16 i, const u8 *mac)
{
	struct iommu_domain *dom = iommu_hv_domain();

	s->vf = sriov_vf(pf, i);
	s->cpu = 1 + i;
	if (!s->vf || !smp_cpu_online(s->cpu) || igb_vf_assign(s->vf, i ? "sink" : "gen", mac))
		return -ENODEV;
	s->arena = phys_alloc(BENCH_ARENA, BENCH_ARENA);
	if (!s->arena)
		return -ENOMEM;
	if (dom &&
	    (iommu_attach(dom, s->vf) || dom_map(dom, s->arena, s->arena, BENCH_ARENA, IOMMU_RW)))
		return -EIO;
	return 0;
}

static void bench_job(void *arg)
{
	struct bench_side *s = arg;

	s->result = nbg_hvb_run(&s->args);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	smp_kick(0);
}

static bool bench_finished(void)
{
	return __atomic_load_n(&sides[0].done, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&sides[1].done, __ATOMIC_ACQUIRE);
}

/* CPU 0 sleeps meanwhile: it must not spend the virtual time the two sides share. */
static void bench_wait(void)
{
	for (;;) {
		irq_disable();
		if (bench_finished())
			break;
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
	irq_enable();
}

SELFTEST(bench_native)
{
	static const u8 macs[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
	struct hvb_args a = { .sizes = { 64, 512, 1500 },
			      .phases = 3,
			      .count = BENCH_COUNT,
			      .window = BENCH_WINDOW,
			      .warmup = BENCH_WARMUP,
			      .timeout_ms = BENCH_TIMEOUT };
	struct pci_dev *pf = igb_find();

	for (u16 i = 0; i < 2; i++) {
		if (!pf || bench_side_init(&sides[i], pf, i, macs[i])) {
			snformat(msg, msglen,
				 "needs an igb PF with 2 VFs (sriov=) and CPUs 1 and 2");
			return SELFTEST_FAIL;
		}
		sides[i].args = a;
		sides[i].args.dev = (u8)(1 + i);
		sides[i].args.gen = i == 0;
		memcpy(sides[i].args.peer, macs[1], 6);
	}
	pr_info("native: generator on CPU %u (VF0), sink on CPU %u (VF1), %u frames per size\n",
		sides[0].cpu, sides[1].cpu, BENCH_COUNT);
	if (smp_run(sides[1].cpu, bench_job, &sides[1]) ||
	    smp_run(sides[0].cpu, bench_job, &sides[0])) {
		snformat(msg, msglen, "CPUs 1 and 2 are not free");
		return SELFTEST_FAIL;
	}
	bench_wait();
	if (sides[0].result || sides[1].result) {
		snformat(msg, msglen, "generator %d, sink %d", sides[0].result, sides[1].result);
		return SELFTEST_FAIL;
	}
	return SELFTEST_PASS;
}
