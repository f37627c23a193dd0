// SPDX-License-Identifier: MIT
/*
 * edu.c: QEMU's educational PCI device (QEMU docs/specs/edu.rst) and the
 * IOMMU self-tests that use it as a DMA and MSI source: translated DMA
 * arrives, DMA outside the domain faults and changes nothing, its MSI goes
 * through an IRTE to the chosen CPU and vector, forged interrupts do not.
 */
#define LOG_TAG "edu"
#include "drivers/edu.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "kernel/vector.h"
#include "pci/pci.h"

/* clang-format off */
#define EDU_VENDOR       0x1234
#define EDU_DEVICE       0x11e8
#define EDU_ID           0x00   /* 0x010000ed: version 1.0 */
#define EDU_IRQ_STATUS   0x24
#define EDU_IRQ_RAISE    0x60
#define EDU_IRQ_ACK      0x64
#define EDU_DMA_SRC      0x80
#define EDU_DMA_DST      0x88
#define EDU_DMA_COUNT    0x90
#define EDU_DMA_CMD      0x98
#define  EDU_DMA_RUN     BIT(0)
#define  EDU_DMA_TO_RAM  BIT(1) /* buffer -> bus address; clear: bus address -> buffer */
#define EDU_DMA_WAIT_NS  (2000ULL * 1000 * 1000)
/* clang-format on */

/* MSI capability (PCI Local Bus 3.0 6.8.1), 64-bit form as edu has it. */
/* clang-format off */
#define MSI_FLAGS        0x02
#define  MSI_FLAGS_ENABLE BIT(0)
#define  MSI_FLAGS_64BIT  BIT(7)
#define MSI_ADDR_LO      0x04
#define MSI_ADDR_HI      0x08
#define MSI_DATA_64      0x0c
#define MSI_DATA_32      0x08
/* clang-format on */

int edu_init(struct edu *e, struct pci_dev *from)
{
	struct pci_dev *d = pci_find_by_id(EDU_VENDOR, EDU_DEVICE, from);

	if (!d || d->bar[0].type != PCI_BAR_MEM32 || d->bar[0].size < 0x100 || !d->cap_msi)
		return -ENODEV;
	e->pci = d;
	e->regs = ioremap(d->bar[0].addr, d->bar[0].size);
	if (!e->regs)
		return -ENODEV;
	pci_cfg_write16(d, PCI_COMMAND,
			pci_cfg_read16(d, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if ((mmio_read32(e->regs + EDU_ID) & 0xff) != 0xed)
		return -ENODEV;
	return 0;
}

int edu_dma(struct edu *e, bool to_ram, u64 addr, u32 off, u32 len)
{
	u64 start = clock_ns();

	mmio_write64(e->regs + EDU_DMA_SRC, to_ram ? EDU_BUF + off : addr);
	mmio_write64(e->regs + EDU_DMA_DST, to_ram ? addr : EDU_BUF + off);
	mmio_write64(e->regs + EDU_DMA_COUNT, len);
	mmio_write64(e->regs + EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	while (mmio_read64(e->regs + EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (clock_ns() - start > EDU_DMA_WAIT_NS)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

void edu_msi(struct edu *e, const struct msi_msg *msg)
{
	u16 cap = e->pci->cap_msi, flags = pci_cfg_read16(e->pci, cap + MSI_FLAGS);

	pci_cfg_write16(e->pci, cap + MSI_FLAGS, flags & ~MSI_FLAGS_ENABLE);
	if (!msg)
		return;
	pci_cfg_write32(e->pci, cap + MSI_ADDR_LO, (u32)msg->addr);
	if (flags & MSI_FLAGS_64BIT) {
		pci_cfg_write32(e->pci, cap + MSI_ADDR_HI, (u32)(msg->addr >> 32));
		pci_cfg_write16(e->pci, cap + MSI_DATA_64, (u16)msg->data);
	} else {
		pci_cfg_write16(e->pci, cap + MSI_DATA_32, (u16)msg->data);
	}
	pci_cfg_write16(e->pci, cap + MSI_FLAGS, (flags & ~GENMASK(6, 4)) | MSI_FLAGS_ENABLE);
}

void edu_irq_raise(struct edu *e, u32 bits)
{
	mmio_write32(e->regs + EDU_IRQ_RAISE, bits);
}

void edu_irq_ack(struct edu *e, u32 bits)
{
	mmio_write32(e->regs + EDU_IRQ_ACK, bits);
}

/* --- IOMMU self-tests ------------------------------------------------------- */

#define TEST_IOVA  0x100000ULL /* below edu's default 28-bit DMA mask */
#define TEST_PAGES 2
#define WAIT_NS    (1000ULL * 1000 * 1000)

/* A page of the hypervisor itself that the device will try to overwrite. */
static u8 edu_victim[PAGE_SIZE] __aligned(PAGE_SIZE);

static struct edu edu;
static struct iommu_domain *edu_dom;
static paddr_t edu_ram;
static volatile u32 irq_hits, irq_cpu, irq_vector;

static u16 edu_rid(void)
{
	return PCI_RID(edu.pci->bus, edu.pci->devfn);
}

/* The edu in a partition domain of its own, with TEST_PAGES of RAM at TEST_IOVA. */
static int edu_setup(char *msg, size_t msglen)
{
	if (!iommu_dma_protected()) {
		snformat(msg, msglen, "no DMA remapping");
		return SELFTEST_SKIP;
	}
	if (!edu.pci && edu_init(&edu, NULL)) {
		snformat(msg, msglen, "no edu device (-device edu)");
		return SELFTEST_SKIP;
	}
	if (edu_dom)
		return SELFTEST_PASS;
	edu_ram = phys_alloc(TEST_PAGES * PAGE_SIZE, PAGE_SIZE);
	edu_dom = dom_create(IOMMU_DOM_PARTITION, "edu-test");
	if (!edu_ram || !edu_dom || dom_grant(edu_dom, edu_ram, TEST_PAGES * PAGE_SIZE) ||
	    dom_map(edu_dom, TEST_IOVA, edu_ram, TEST_PAGES * PAGE_SIZE, IOMMU_RW) ||
	    iommu_attach(edu_dom, edu.pci)) {
		snformat(msg, msglen, "cannot build the edu's domain");
		return SELFTEST_FAIL;
	}
	pr_info(PCI_FMT ": domain %u, 0x%llx mapped at 0x%llx\n", PCI_ARG(edu.pci), dom_id(edu_dom),
		edu_ram, TEST_IOVA);
	return SELFTEST_PASS;
}

static bool wait_faults(u64 want)
{
	u64 start = clock_ns();

	while (iommu_fault_count(edu.pci->seg, edu_rid()) < want) {
		if (clock_ns() - start > WAIT_NS)
			return false;
		cpu_relax();
	}
	return true;
}

SELFTEST(iommu_edu_dma_translated)
{
	u8 *ram;
	int r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	ram = phys_to_virt(edu_ram);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		ram[i] = (u8)(i * 7 + 1);
	memset(ram + PAGE_SIZE, 0, PAGE_SIZE);
	if (edu_dma(&edu, false, TEST_IOVA, 0, PAGE_SIZE) ||
	    edu_dma(&edu, true, TEST_IOVA + PAGE_SIZE, 0, PAGE_SIZE)) {
		snformat(msg, msglen, "edu DMA did not complete");
		return SELFTEST_FAIL;
	}
	if (memcmp(ram, ram + PAGE_SIZE, PAGE_SIZE)) {
		snformat(msg, msglen, "the pattern did not arrive through IOVA 0x%llx", TEST_IOVA);
		return SELFTEST_FAIL;
	}
	pr_info("4096 bytes went out and came back through the domain\n");
	return SELFTEST_PASS;
}

SELFTEST(iommu_edu_dma_fault)
{
	u64 faults;
	paddr_t victim = virt_to_phys(edu_victim);
	int r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	memset(edu_victim, 0x5a, PAGE_SIZE);
	faults = iommu_fault_count(edu.pci->seg, edu_rid());
	pr_info("DMA write to 0x%llx (hypervisor memory, not in the domain)\n", victim);
	if (edu_dma(&edu, true, victim, 0, PAGE_SIZE) || !wait_faults(faults + 1)) {
		snformat(msg, msglen, "no fault recorded for the write to 0x%llx", victim);
		return SELFTEST_FAIL;
	}
	for (unsigned int i = 0; i < PAGE_SIZE; i++) {
		if (edu_victim[i] != 0x5a) {
			snformat(msg, msglen, "byte %u of the victim page changed", i);
			return SELFTEST_FAIL;
		}
	}
	/* A read from outside the domain faults too (and leaks nothing into the device). */
	if (edu_dma(&edu, false, TEST_IOVA + TEST_PAGES * PAGE_SIZE, 0, 64) ||
	    !wait_faults(faults + 2)) {
		snformat(msg, msglen, "no fault recorded for the read");
		return SELFTEST_FAIL;
	}
	pr_info("victim page at 0x%llx unchanged\n", victim);
	return SELFTEST_PASS;
}

static void edu_irq_handler(struct irq_frame *f)
{
	irq_vector = (u32)f->vector;
	irq_cpu = smp_cpu_index();
	__atomic_add_fetch(&irq_hits, 1, __ATOMIC_RELEASE);
	edu_irq_ack(&edu, ~0u);
}

/* Raise edu's interrupt; true when an MSI arrived within the wait. */
static bool edu_irq_arrives(u32 hits_before)
{
	u64 start = clock_ns();

	edu_irq_raise(&edu, 1);
	while (__atomic_load_n(&irq_hits, __ATOMIC_ACQUIRE) == hits_before) {
		if (clock_ns() - start > WAIT_NS / 4) {
			edu_irq_ack(&edu, ~0u);
			return false;
		}
		cpu_relax();
	}
	return true;
}

SELFTEST(iommu_edu_msi_remapped)
{
	u32 cpu = smp_cpu_count() - 1;
	struct msi_msg m;
	int vec, handle, r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	if (!iommu_intr_remapped()) {
		snformat(msg, msglen, "no interrupt remapping");
		return SELFTEST_SKIP;
	}
	vec = vector_alloc(edu_irq_handler);
	handle = vec < 0 ? -1 : ir_alloc(edu.pci, cpus[cpu].apic_id, (u8)vec, &m);
	if (handle < 0) {
		snformat(msg, msglen, "no vector or IRTE (%d, %d)", vec, handle);
		return SELFTEST_FAIL;
	}
	pr_info("MSI 0x%llx/0x%x = IRTE %d -> cpu%u (APIC ID %u) vector 0x%x\n", m.addr, m.data,
		handle, cpu, cpus[cpu].apic_id, vec);
	edu_msi(&edu, &m);
	r = SELFTEST_PASS;
	if (!edu_irq_arrives(irq_hits)) {
		snformat(msg, msglen, "the MSI never arrived");
		r = SELFTEST_FAIL;
	} else if (irq_cpu != cpu || irq_vector != (u32)vec) {
		snformat(msg, msglen, "arrived on cpu%u vector 0x%x, not cpu%u 0x%x", irq_cpu,
			 irq_vector, cpu, vec);
		r = SELFTEST_FAIL;
	}
	edu_msi(&edu, NULL);
	ir_free(edu.pci, handle);
	vector_free(vec);
	return r;
}

/*
 * The edu may only trigger entries programmed for its own requester ID: one
 * freed, and one written for another function, must both stay silent and
 * be recorded as interrupt faults against the edu.
 */
SELFTEST(iommu_edu_msi_blocked)
{
	u16 other;
	u64 faults;
	struct msi_msg m;
	int vec, h, r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	if (!iommu_intr_remapped())
		return SELFTEST_SKIP;
	other = edu_rid() ^ 0x0008; /* another device number on the same bus */
	vec = vector_alloc(edu_irq_handler);
	h = vec < 0 ? -1 : ir_alloc_rid(edu.pci->seg, other, cpus[0].apic_id, (u8)vec, &m);
	if (h < 0)
		return SELFTEST_FAIL;
	faults = iommu_fault_count(edu.pci->seg, edu_rid());
	edu_msi(&edu, &m);
	r = SELFTEST_PASS;
	if (edu_irq_arrives(irq_hits)) {
		snformat(msg, msglen, "an IRTE for %04x let the edu (%04x) interrupt", other,
			 edu_rid());
		r = SELFTEST_FAIL;
	} else if (!wait_faults(faults + 1)) {
		snformat(msg, msglen, "source-id violation not recorded");
		r = SELFTEST_FAIL;
	}
	edu_msi(&edu, NULL);
	ir_free_rid(edu.pci->seg, other, h);
	if (r == SELFTEST_PASS) {
		edu_msi(&edu, &m); /* the entry is gone now */
		if (edu_irq_arrives(irq_hits) || !wait_faults(faults + 2)) {
			snformat(msg, msglen, "a freed IRTE still delivered, or no fault");
			r = SELFTEST_FAIL;
		}
		edu_msi(&edu, NULL);
	}
	vector_free(vec);
	return r;
}

/* Write one dword from the device to bus address `addr` (a DMA, not its MSI). */
static int edu_poke(u64 addr, u32 val)
{
	u32 *ram = phys_to_virt(edu_ram);

	ram[0] = val;
	if (edu_dma(&edu, false, TEST_IOVA, 0, 4))
		return -ETIMEDOUT;
	return edu_dma(&edu, true, addr, 0, 4);
}

/*
 * edu clamps DMA addresses to its dma_mask, 28 bits unless QEMU was given
 * -device edu,dma_mask=...: then 0xfee00000 is never reached. A read 256 MiB
 * above a mapped page faults only when nothing clamps it.
 */
static bool edu_reaches_high(void)
{
	u64 faults = iommu_fault_count(edu.pci->seg, edu_rid());

	return edu_dma(&edu, false, TEST_IOVA + (1ULL << 28), 0, 4) == 0 && wait_faults(faults + 1);
}

/* Forge one message by DMA: 0 when it was blocked and recorded, else why not. */
static const char *edu_forge(u64 addr, u32 data)
{
	u64 faults = iommu_fault_count(edu.pci->seg, edu_rid());
	u32 hits = irq_hits;
	bool recorded;

	pr_info("forging an MSI by DMA: 0x%x to 0x%llx\n", data, addr);
	if (edu_poke(addr, data))
		return "the DMA did not complete";
	recorded = wait_faults(faults + 1); /* a delivered interrupt has arrived by then too */
	if (irq_hits != hits)
		return "delivered to the CPU";
	return recorded ? NULL : "dropped but no fault recorded";
}

/*
 * A device that writes an MSI message by DMA must not reach a CPU: neither
 * in compatibility format (blocked while GSTS.CFIS is clear, VT-d spec
 * 5.1.2.1) nor in remappable format naming an entry programmed for another
 * requester (source-id validation, 9.10). Both must be logged as faults.
 */
SELFTEST(iommu_edu_forged_msi)
{
	const char *compat, *remap;
	struct msi_msg m;
	int vec, h, r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	if (!iommu_intr_remapped()) {
		snformat(msg, msglen, "no interrupt remapping");
		return SELFTEST_SKIP;
	}
	if (!edu_reaches_high()) {
		snformat(msg, msglen,
			 "edu clamps DMA to 28 bits: use edu,dma_mask=0xffffffffffffffff");
		return SELFTEST_SKIP;
	}
	vec = vector_alloc(edu_irq_handler);
	h = vec < 0 ? -1 : ir_alloc_rid(edu.pci->seg, edu_rid() ^ 8, cpus[0].apic_id, (u8)vec, &m);
	if (h < 0)
		return SELFTEST_FAIL;
	compat = edu_forge(0xfee00000ULL | (cpus[0].apic_id & 0xff) << 12, (u32)vec);
	remap = edu_forge(m.addr, m.data);
	ir_free_rid(edu.pci->seg, edu_rid() ^ 8, h);
	vector_free(vec);
	if (!compat && !remap)
		return SELFTEST_PASS;
	snformat(msg, msglen, "compatibility format: %s; remappable, another device's entry: %s%s",
		 compat ? compat : "blocked", remap ? remap : "blocked",
		 cpu_features.hypervisor ? " (an emulated IOMMU without these checks)" : "");
	/* Only an emulated IOMMU may lack what the spec requires; real hardware fails. */
	return cpu_features.hypervisor ? SELFTEST_SKIP : SELFTEST_FAIL;
}

/* A second edu, which no self-test puts in a domain. */
static int edu_second(struct edu *e, char *msg, size_t msglen)
{
	int r = edu_setup(msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	if (!e->pci && edu_init(e, edu.pci)) {
		snformat(msg, msglen, "no second edu device");
		return SELFTEST_SKIP;
	}
	return SELFTEST_PASS;
}

static struct edu edu2;

static bool wait_faults_of(const struct edu *e, u64 want)
{
	u64 start = clock_ns();

	while (iommu_fault_count(e->pci->seg, PCI_RID(e->pci->bus, e->pci->devfn)) < want) {
		if (clock_ns() - start > WAIT_NS)
			return false;
		cpu_relax();
	}
	return true;
}

static u64 faults_of(const struct edu *e)
{
	return iommu_fault_count(e->pci->seg, PCI_RID(e->pci->bus, e->pci->devfn));
}

/* A function in no domain has no context entry: whatever it writes faults. */
SELFTEST(iommu_edu_no_domain)
{
	paddr_t victim = virt_to_phys(edu_victim);
	u64 faults;
	int r = edu_second(&edu2, msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	memset(edu_victim, 0x77, PAGE_SIZE);
	faults = faults_of(&edu2);
	pr_info(PCI_FMT " (in no domain): DMA write to 0x%llx\n", PCI_ARG(edu2.pci), victim);
	if (edu_dma(&edu2, true, victim, 0, PAGE_SIZE) || !wait_faults_of(&edu2, faults + 1)) {
		snformat(msg, msglen, "no fault recorded");
		return SELFTEST_FAIL;
	}
	for (unsigned int i = 0; i < PAGE_SIZE; i++) {
		if (edu_victim[i] != 0x77) {
			snformat(msg, msglen, "byte %u of the victim page changed", i);
			return SELFTEST_FAIL;
		}
	}
	return SELFTEST_PASS;
}

/*
 * With fault events held back, two faults from two functions: the first is
 * recorded; the second finds the records full (QEMU has one) and sets
 * primary fault overflow, or takes a free record. Either way, once events
 * flow again the handler reports what there is, clears the overflow, and a
 * new fault is recorded again.
 */
SELFTEST(iommu_fault_overflow)
{
	u64 fa, fb, lost = iommu_faults_lost();
	int r = edu_second(&edu2, msg, msglen);

	if (r != SELFTEST_PASS)
		return r;
	fa = faults_of(&edu);
	fb = faults_of(&edu2);
	iommu_fault_events(false);
	edu_dma(&edu, true, TEST_IOVA + TEST_PAGES * PAGE_SIZE, 0, 4);
	edu_dma(&edu2, true, TEST_IOVA, 0, 4);
	iommu_fault_events(true);
	if (!wait_faults_of(&edu, fa + 1)) {
		snformat(msg, msglen, "the first fault was lost");
		return SELFTEST_FAIL;
	}
	if (faults_of(&edu2) == fb && iommu_faults_lost() == lost) {
		snformat(msg, msglen, "the second fault was neither recorded nor an overflow");
		return SELFTEST_FAIL;
	}
	pr_info("faults held back: %llu recorded, %llu overflow(s)\n",
		faults_of(&edu) - fa + faults_of(&edu2) - fb, iommu_faults_lost() - lost);
	fb = faults_of(&edu2);
	if (edu_dma(&edu2, true, TEST_IOVA, 0, 4) || !wait_faults_of(&edu2, fb + 1)) {
		snformat(msg, msglen, "no fault recorded after the overflow");
		return SELFTEST_FAIL;
	}
	return SELFTEST_PASS;
}
