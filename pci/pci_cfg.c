// SPDX-License-Identifier: MIT
/*
 * pci_cfg.c: the two ways to reach config space, ECAM windows from ACPI MCFG
 * (PCIe Base 4.0 7.2.2, PCI Firmware 3.2 4.1.2) and ports 0xCF8/0xCFC (PCI
 * Local Bus 3.0 3.2.2.3.2), and PCI start-up on the machine.
 */
#define LOG_TAG "pci"
#include "pci/pci.h"
#include "pci/sriov.h"
#include "kernel/acpi.h"
#include "kernel/config.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/timer.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_ENABLE  BIT(31)
#define PCI_CONFIG_DATA    0xcfc

#define ECAM_BUS_SHIFT   20 /* 1 MiB of config space per bus */
#define ECAM_DEVFN_SHIFT 12

/* One mapped MCFG window: config space of [bus_start, bus_end] of a segment. */
struct ecam_win {
	u64 base; /* address of bus 0 (even when bus_start > 0) */
	u16 seg;
	u8 bus_start, bus_end;
};

static struct ecam_win ecam[ACPI_MAX_MCFG];
static unsigned int ecam_count;
static spinlock_t cf8_lock = SPINLOCK_INIT;
static struct pci_platform pci_plat;

static u32 pci_width_ones(u8 width)
{
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

static volatile void *ecam_addr(u16 seg, u8 bus, u8 devfn, u16 off)
{
	for (unsigned int i = 0; i < ecam_count; i++) {
		const struct ecam_win *w = &ecam[i];

		if (w->seg == seg && bus >= w->bus_start && bus <= w->bus_end)
			return phys_to_virt(w->base + ((u64)bus << ECAM_BUS_SHIFT) +
					    ((u64)devfn << ECAM_DEVFN_SHIFT) + off);
	}
	return NULL;
}

static u32 ecam_read(u16 seg, u8 bus, u8 devfn, u16 off, u8 width)
{
	volatile void *p = ecam_addr(seg, bus, devfn, off);

	if (!p)
		return pci_width_ones(width);
	if (width == 1)
		return mmio_read8(p);
	if (width == 2)
		return mmio_read16(p);
	return mmio_read32(p);
}

static void ecam_write(u16 seg, u8 bus, u8 devfn, u16 off, u8 width, u32 val)
{
	volatile void *p = ecam_addr(seg, bus, devfn, off);

	if (!p)
		return;
	if (width == 1)
		mmio_write8(p, val);
	else if (width == 2)
		mmio_write16(p, val);
	else
		mmio_write32(p, val);
}

static const struct pci_cfg_ops ecam_ops = {
	.name = "ECAM",
	.read = ecam_read,
	.write = ecam_write,
	.cfg_size = PCI_CFG_SPACE_EXP_SIZE,
};

static u32 cf8_address(u8 bus, u8 devfn, u16 off)
{
	return PCI_CONFIG_ENABLE | (u32)bus << 16 | (u32)devfn << 8 | (off & 0xfc);
}

static u32 cf8_read(u16 seg, u8 bus, u8 devfn, u16 off, u8 width)
{
	u16 port = PCI_CONFIG_DATA + (off & 3);
	u64 flags;
	u32 v;

	if (seg)
		return pci_width_ones(width);
	flags = irq_save();
	spin_lock(&cf8_lock);
	outl(PCI_CONFIG_ADDRESS, cf8_address(bus, devfn, off));
	v = width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
	spin_unlock(&cf8_lock);
	irq_restore(flags);
	return v;
}

static void cf8_write(u16 seg, u8 bus, u8 devfn, u16 off, u8 width, u32 val)
{
	u16 port = PCI_CONFIG_DATA + (off & 3);
	u64 flags;

	if (seg)
		return;
	flags = irq_save();
	spin_lock(&cf8_lock);
	outl(PCI_CONFIG_ADDRESS, cf8_address(bus, devfn, off));
	if (width == 1)
		outb(port, val);
	else if (width == 2)
		outw(port, val);
	else
		outl(port, val);
	spin_unlock(&cf8_lock);
	irq_restore(flags);
}

static const struct pci_cfg_ops cf8_ops = {
	.name = "ports 0xcf8/0xcfc",
	.read = cf8_read,
	.write = cf8_write,
	.cfg_size = PCI_CFG_SPACE_SIZE,
};

/* Why an MCFG entry cannot be used, or NULL. */
static const char *ecam_bad(const struct acpi_mcfg_seg *m, const struct boot_info *bi)
{
	u64 start = m->base + ((u64)m->bus_start << ECAM_BUS_SHIFT);
	u64 len = (u64)(m->bus_end - m->bus_start + 1) << ECAM_BUS_SHIFT;

	if (m->bus_start > m->bus_end)
		return "bus range is reversed";
	if (!IS_ALIGNED(m->base, MiB) || m->base > BIT(46) || start + len > BIT(46))
		return "address is unaligned or out of reach";
	for (unsigned int i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_RAM && start < bi->mem[i].base + bi->mem[i].len &&
		    bi->mem[i].base < start + len)
			return "it lies over RAM";
	for (unsigned int i = 0; i < ecam_count; i++)
		if (ecam[i].seg == m->segment && m->bus_start <= ecam[i].bus_end &&
		    ecam[i].bus_start <= m->bus_end)
			return "its buses overlap an earlier entry's";
	return NULL;
}

static void ecam_add(const struct acpi_mcfg_seg *m, const struct boot_info *bi)
{
	const char *why = ecam_bad(m, bi);
	u64 start = m->base + ((u64)m->bus_start << ECAM_BUS_SHIFT);
	u64 len = (u64)(m->bus_end - m->bus_start + 1) << ECAM_BUS_SHIFT;

	if (why) {
		pr_err("MCFG segment %04x buses %02x-%02x at 0x%llx: %s: not used\n", m->segment,
		       m->bus_start, m->bus_end, m->base, why);
		return;
	}
	if (!ioremap(start, len)) {
		pr_err("cannot map ECAM 0x%llx+0x%llx\n", start, len);
		return;
	}
	ecam[ecam_count++] = (struct ecam_win){ m->base, m->segment, m->bus_start, m->bus_end };
	pr_info("ECAM segment %04x buses %02x-%02x at 0x%llx\n", m->segment, m->bus_start,
		m->bus_end, start);
}

/* Roots: one per ECAM window, adjacent bus ranges of a segment joined. */
static void pci_add_root(struct pci_platform *pl, u16 seg, u8 start, u8 end)
{
	for (unsigned int i = 0; i < pl->root_count; i++) {
		struct pci_root *r = &pl->roots[i];

		if (r->seg == seg && r->bus_end + 1 == start) {
			r->bus_end = end;
			return;
		}
	}
	if (pl->root_count < PCI_MAX_ROOTS)
		pl->roots[pl->root_count++] = (struct pci_root){ seg, start, end };
}

static void pci_reserve(struct pci_platform *pl, u64 base, u64 len)
{
	if (!len)
		return;
	if (pl->reserved_count == PCI_MAX_RESERVED) {
		pr_warn("too many reserved ranges: 0x%llx+0x%llx not recorded\n", base, len);
		return;
	}
	pl->reserved[pl->reserved_count++] = (struct pci_range){ base, len };
}

/* What BARs must never be placed over, beyond the memory map. */
static void pci_reserve_platform(struct pci_platform *pl)
{
	/* I/O APIC, HPET, local APIC, firmware flash: the top 20 MiB below 4 GiB. */
	pci_reserve(pl, 0xfec00000, 4 * GiB - 0xfec00000);
	for (unsigned int i = 0; i < ecam_count; i++)
		pci_reserve(pl, ecam[i].base + ((u64)ecam[i].bus_start << ECAM_BUS_SHIFT),
			    (u64)(ecam[i].bus_end - ecam[i].bus_start + 1) << ECAM_BUS_SHIFT);
	if (acpi.have_madt) {
		pci_reserve(pl,
			    acpi.madt.lapic_addr64 ? acpi.madt.lapic_addr64 : acpi.madt.lapic_addr,
			    PAGE_SIZE);
		for (unsigned int i = 0; i < acpi.madt.ioapic_count; i++)
			pci_reserve(pl, acpi.madt.ioapics[i].addr, PAGE_SIZE);
	}
	if (acpi.have_hpet)
		pci_reserve(pl, acpi.hpet.base, PAGE_SIZE);
	for (unsigned int i = 0; acpi.have_dmar && i < acpi.dmar.drhd_count; i++)
		pci_reserve(pl, acpi.dmar.drhds[i].base,
			    PAGE_SIZE << MIN(acpi.dmar.drhds[i].size_order, 20));
}

/* The spec's waits around VF Enable (sriov.h), on the calibrated TSC. */
static void pci_delay_ms(u32 ms)
{
	udelay((u64)ms * 1000);
}

static u64 pci_phys_limit(void)
{
	u32 a, b, c, d, bits = 36;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		bits = a & 0xff;
	}
	return BIT(MIN(MAX(bits, 32u), 46u));
}

static void pci_pick_access(struct pci_platform *pl, const struct boot_info *bi)
{
	for (unsigned int i = 0; acpi.have_mcfg && i < acpi.mcfg.count; i++)
		ecam_add(&acpi.mcfg.segs[i], bi);
	for (unsigned int i = 0; i < ecam_count; i++)
		pci_add_root(pl, ecam[i].seg, ecam[i].bus_start, ecam[i].bus_end);
	if (ecam_count) {
		pl->ops = &ecam_ops;
		return;
	}
	pr_warn("no usable MCFG: config space through ports 0xcf8/0xcfc (segment 0, no extended "
		"config space, so no SR-IOV)\n");
	pl->ops = &cf8_ops;
	pci_add_root(pl, 0, 0, 0xff);
}

void pci_init(const struct boot_info *bi)
{
	struct pci_platform *pl = &pci_plat;
	int n;

	pci_pick_access(pl, bi);
	pl->mem = bi->mem;
	pl->mem_count = bi->mem_count;
	pl->addr_limit = pci_phys_limit();
	pl->assign_busses = hv_config.pci_assign_busses;
	pl->delay_ms = pci_delay_ms;
	pci_reserve_platform(pl);
	n = pci_scan(pl);
	pr_info("%d functions through %s\n", n, pl->ops->name);
	sriov_apply(hv_config.sriov, hv_config.sriov_count);
	pci_print_all();
}
