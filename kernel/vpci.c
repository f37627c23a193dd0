// SPDX-License-Identifier: MIT
/*
 * vpci.c: the virtual PCI bus of a partition: config reads emulated where the
 * real registers must not show, config writes filtered (PCI Local Bus 3.0 ch. 6,
 * PCIe Base 4.0 7.5.3 and 7.7, PCIe SR-IOV 1.1 ch. 3). All input is the guest's.
 */
#include "kernel/vpci.h"
#include "kernel/printk.h"
#include "kernel/string.h"

/* clang-format off: register fields stay indented under their register (STYLE.md 3). */
/* Type 0 configuration header (PCI Local Bus 3.0 6.1). */
#define CFG_VENDOR_ID    0x00
#define CFG_COMMAND      0x04
#define CMD_IO           BIT(0)  /* I/O Space Enable */
#define CMD_MEMORY       BIT(1)  /* Memory Space Enable */
#define CMD_MASTER       BIT(2)  /* Bus Master Enable */
#define CMD_INTX_DISABLE BIT(10) /* Interrupt Disable */
#define CFG_BAR0         0x10
#define BAR_MEM_TYPE_64  0x4
#define BAR_MEM_PREFETCH 0x8
#define CFG_ROM          0x30
#define CFG_INT_LINE     0x3c
/* MSI capability (PCI Local Bus 3.0 6.8.1) */
#define MSI_FLAGS         0x02
#define MSI_FLAGS_ENABLE  BIT(0)
#define MSI_FLAGS_QSIZE   GENMASK(6, 4) /* Multiple Message Enable */
#define MSI_FLAGS_64BIT   BIT(7)
#define MSI_FLAGS_MASKBIT BIT(8) /* per-vector masking */
/* MSI-X capability (PCIe Base 4.0 7.7.2) */
#define MSIX_FLAGS         0x02
#define MSIX_FLAGS_MASKALL BIT(14)
#define MSIX_FLAGS_ENABLE  BIT(15)
/* PCI Express capability (PCIe Base 4.0 7.5.3.4) */
#define EXP_DEVCTL 0x08
/* Error reporting, relaxed ordering, extended tag, max read request, FLR: the function's own. */
#define DEVCTL_GUEST_BITS (GENMASK(4, 0) | BIT(8) | GENMASK(15, 12))
/* CONFIG_ADDRESS at port 0xcf8 (PCI Local Bus 3.0 3.2.2.3.2) */
#define CF8_ENABLE   BIT(31)
#define CF8_BUS(a)   (((a) >> 16) & 0xff)
#define CF8_DEVFN(a) (((a) >> 8) & 0xff)
#define CF8_REG(a)   ((a)&0xfc)
/* clang-format on */

void vpci_init(struct vpci *vp, const char *owner, u64 ecam_gpa)
{
	memset(vp, 0, sizeof(*vp));
	vp->owner = owner;
	vp->ecam_gpa = ecam_gpa;
	vp->rl = (struct ratelimit)RATELIMIT_INIT(10, 1000);
}

u64 vpci_ecam_gpa(u64 ram_size)
{
	return ram_size <= 0xe0000000ULL ? 0xe0000000ULL : ALIGN_UP(ram_size, GiB);
}

static u32 vpci_real_read(const struct vpci_dev *d, u16 off, u8 width)
{
	return d->f.be->read(d->f.dev, off, width);
}

static void vpci_real_write(const struct vpci_dev *d, u16 off, u8 width, u32 val)
{
	d->f.be->write(d->f.dev, off, width, val);
}

/* Bytes of the MSI capability, from its Message Control (PCI Local Bus 3.0 6.8.1, figure 6-9). */
static u16 vpci_msi_len(u16 flags)
{
	bool wide = flags & MSI_FLAGS_64BIT, masks = flags & MSI_FLAGS_MASKBIT;

	return masks ? (wide ? 0x18 : 0x14) : (wide ? 0x10 : 0x0c);
}

static u16 vpci_msi_flags(const struct vpci_dev *d)
{
	u16 f;

	memcpy(&f, d->msi + MSI_FLAGS, 2);
	return f;
}

static bool vpci_in_msi(const struct vpci_dev *d, u16 off)
{
	return d->f.cap_msi && off >= d->f.cap_msi &&
	       off - d->f.cap_msi < vpci_msi_len(vpci_msi_flags(d));
}

/*
 * The guest's copy of the MSI capability: only the capability's own bytes,
 * and only those inside config space (pci.c checks that 10 bytes fit, so a
 * 32-bit MSI may sit at 0xf4, and a broken device may claim a longer one there).
 */
static void vpci_take_msi(struct vpci_dev *d)
{
	u16 len = vpci_msi_len((u16)vpci_real_read(d, d->f.cap_msi + MSI_FLAGS, 2));

	for (u16 i = 0; i < len && d->f.cap_msi + i < d->f.cfg_size; i += 4) {
		u32 v = vpci_real_read(d, d->f.cap_msi + i, 4);

		memcpy(d->msi + i, &v, 4);
	}
	d->msi[MSI_FLAGS] &= ~MSI_FLAGS_ENABLE;
}

/* Quiesce the function and take the guest's copies of its interrupt state. */
static void vpci_take(struct vpci_dev *d)
{
	u16 cmd = (u16)vpci_real_read(d, CFG_COMMAND, 2);

	vpci_real_write(d, CFG_COMMAND, 2, cmd & ~(CMD_IO | CMD_MEMORY | CMD_MASTER));
	d->intline = 0xff;
	if (d->f.cap_msi)
		vpci_take_msi(d);
	if (d->f.cap_msix)
		d->msix_ctrl = (u16)vpci_real_read(d, d->f.cap_msix + MSIX_FLAGS, 2) &
			       ~(MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
}

int vpci_add(struct vpci *vp, const struct vpci_func *f)
{
	struct vpci_dev *d;

	if (vp->count == VPCI_MAX_FUNCS)
		return -ENOSPC;
	d = &vp->devs[vp->count];
	memset(d, 0, sizeof(*d));
	d->f = *f;
	d->devfn = (u8)((vp->count + 1) << 3);
	vp->count++;
	vpci_take(d);
	return d->devfn;
}

static struct vpci_dev *vpci_find(struct vpci *vp, u8 bus, u8 devfn)
{
	for (u32 i = 0; bus == 0 && i < vp->count; i++)
		if (vp->devs[i].devfn == devfn)
			return &vp->devs[i];
	return NULL;
}

/* BAR dword i as the guest reads it: its fixed address, or its size mask after all ones. */
static u32 vpci_bar_read(const struct vpci_dev *d, u32 i)
{
	const struct vpci_bar *b = &d->f.bar[i];
	bool sizing = d->bar_sizing & BIT(i);

	if (b->type == VPCI_BAR_NONE) {
		if (i == 0 || d->f.bar[i - 1].type != VPCI_BAR_MEM64)
			return 0;     /* not implemented: reads 0, sizes to 0 */
		b = &d->f.bar[i - 1]; /* the upper half of a 64-bit BAR */
		return (u32)((sizing ? ~(b->size - 1) : b->gpa) >> 32);
	}
	return ((u32)(sizing ? ~(b->size - 1) : b->gpa) & ~0xfU) |
	       (b->type == VPCI_BAR_MEM64 ? BAR_MEM_TYPE_64 : 0) |
	       (b->prefetch ? BAR_MEM_PREFETCH : 0);
}

/* A dword of config space as the guest sees it (off dword aligned, below cfg_size). */
static u32 vpci_dword(const struct vpci_dev *d, u16 off)
{
	u32 v;

	if (off == CFG_VENDOR_ID)
		return d->f.vendor | (u32)d->f.device << 16;
	if (off == CFG_COMMAND)
		return d->cmd | (vpci_real_read(d, off, 4) & 0xffff0000);
	if (off >= CFG_BAR0 && off < CFG_BAR0 + 4 * VPCI_BARS)
		return vpci_bar_read(d, (off - CFG_BAR0) / 4);
	if (off == CFG_ROM)
		return 0; /* no expansion ROM */
	if (off == CFG_INT_LINE)
		return (vpci_real_read(d, off, 4) & ~0xffU) | d->intline;
	if (vpci_in_msi(d, off)) {
		memcpy(&v, d->msi + (off - d->f.cap_msi), 4);
		return v;
	}
	if (d->f.cap_msix && off == d->f.cap_msix)
		return (vpci_real_read(d, off, 4) & 0xffff) | (u32)d->msix_ctrl << 16;
	return vpci_real_read(d, off, 4);
}

static bool vpci_access_ok(const struct vpci_dev *d, u16 off, u8 width)
{
	return (width == 1 || width == 2 || width == 4) && (off & (width - 1)) == 0 &&
	       off < d->f.cfg_size;
}

u32 vpci_cfg_read(struct vpci *vp, u8 bus, u8 devfn, u16 off, u8 width)
{
	struct vpci_dev *d = vpci_find(vp, bus, devfn);
	u32 v;

	if (!d || !vpci_access_ok(d, off, width))
		return width >= 4 ? ~0U : (u32)BIT(8 * width) - 1;
	v = vpci_dword(d, off & ~3) >> (8 * (off & 3));
	return width == 4 ? v : v & ((u32)BIT(8 * width) - 1);
}

static void vpci_drop(struct vpci *vp, const struct vpci_dev *d, u16 off, u32 mask, u32 v)
{
	vp->dropped++;
	if (ratelimit_check(&vp->rl))
		printk(LOG_INFO, "%s: vpci: 00:%02x.%x: write 0x%x (mask 0x%x) to 0x%x dropped\n",
		       vp->owner, d->devfn >> 3, d->devfn & 7, v, mask, off);
}

/* Write the selected bytes of v (mask) at dword off through to the device. */
static void vpci_pass_bytes(const struct vpci_dev *d, u16 off, u32 mask, u32 v)
{
	for (u16 i = 0; i < 4; i++)
		if (mask & (0xffU << (8 * i)))
			vpci_real_write(d, off + i, 1, (v >> (8 * i)) & 0xff);
}

static void vpci_command(struct vpci *vp, struct vpci_dev *d, u32 mask, u32 v)
{
	u16 allowed = CMD_MEMORY | CMD_INTX_DISABLE | (d->f.dma_allowed ? CMD_MASTER : 0);
	u16 ours = CMD_IO | CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE;
	u16 want = (u16)((d->cmd & ~mask) | (v & mask));
	u16 real = (u16)vpci_real_read(d, CFG_COMMAND, 2);

	/* I/O decode, bus mastering without the IOMMU, and the rest: one line, then masked. */
	if ((want & ~allowed) && ratelimit_check(&vp->rl))
		printk(LOG_INFO, "%s: vpci: 00:%02x.%x: COMMAND 0x%x: 0x%x refused\n", vp->owner,
		       d->devfn >> 3, d->devfn & 7, want, want & ~allowed);
	d->cmd = want & allowed;
	vpci_real_write(d, CFG_COMMAND, 2, (real & ~ours) | d->cmd);
}

static void vpci_bar_write(struct vpci *vp, struct vpci_dev *d, u16 off, u32 mask, u32 v)
{
	u32 i = (off - CFG_BAR0) / 4;

	if (mask != ~0U) {
		vpci_drop(vp, d, off, mask, v); /* BARs are written as dwords */
		return;
	}
	d->bar_sizing &= ~BIT(i);
	if (v == ~0U) {
		d->bar_sizing |= BIT(i);
		return;
	}
	if ((v & ~0xfU) != (vpci_bar_read(d, i) & ~0xfU))
		vpci_drop(vp, d, off, mask, v); /* BARs stay where the hypervisor mapped them */
}

/* The guest's MSI copy takes everything but the IDs and the read-only control bits. */
static void vpci_msi_write(struct vpci_dev *d, u16 off, u32 mask, u32 v)
{
	u16 rel = off - d->f.cap_msi;
	u32 old;

	if (rel ==
	    0) /* ID, next pointer, Message Control: only Enable and Multiple Message Enable */
		mask &= (u32)(MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE) << 16;
	memcpy(&old, d->msi + rel, 4);
	old = (old & ~mask) | (v & mask);
	memcpy(d->msi + rel, &old, 4);
}

static void vpci_write_dword(struct vpci *vp, struct vpci_dev *d, u16 off, u32 mask, u32 v)
{
	if (off == CFG_COMMAND) {
		if (mask & 0xffff)
			vpci_command(vp, d, mask & 0xffff, v);
		vpci_pass_bytes(d, off, mask & 0xffff0000, v); /* STATUS: write-1-to-clear */
	} else if (off >= CFG_BAR0 && off < CFG_BAR0 + 4 * VPCI_BARS) {
		vpci_bar_write(vp, d, off, mask, v);
	} else if (off == CFG_INT_LINE && (mask & 0xff)) {
		d->intline = v & 0xff;
	} else if (vpci_in_msi(d, off)) {
		vpci_msi_write(d, off, mask, v);
	} else if (d->f.cap_msix && off == d->f.cap_msix && (mask & 0xffff0000)) {
		d->msix_ctrl = (u16)((d->msix_ctrl & ~(MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL)) |
				     ((v >> 16) & (MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL)));
		if (d->f.be->msix_control)
			d->f.be->msix_control(d->f.msix_ctx, d->msix_ctrl);
	} else if (d->f.cap_pcie && off == d->f.cap_pcie + EXP_DEVCTL) {
		u32 ok = mask & DEVCTL_GUEST_BITS, real = vpci_real_read(d, off, 2);

		if (mask & 0xffff)
			vpci_real_write(d, off, 2, (u16)((real & ~ok) | (v & ok)));
		vpci_pass_bytes(d, off, mask & 0xffff0000, v); /* Device Status: RW1C */
	} else {
		vpci_drop(vp, d, off, mask, v);
	}
}

void vpci_cfg_write(struct vpci *vp, u8 bus, u8 devfn, u16 off, u8 width, u32 val)
{
	struct vpci_dev *d = vpci_find(vp, bus, devfn);
	u32 shift = 8 * (off & 3), mask;

	if (!d) {
		/* Aimed at a function it does not have: another's, the host's, or nothing. */
		vp->dropped++;
		if (ratelimit_check(&vp->rl))
			printk(LOG_INFO,
			       "%s: vpci: write 0x%x to %02x:%02x.%x offset 0x%x (not on its bus) "
			       "dropped\n",
			       vp->owner, val, bus, devfn >> 3, devfn & 7, off);
		return;
	}
	if (!vpci_access_ok(d, off, width))
		return;
	mask = (width == 4 ? ~0U : (u32)BIT(8 * width) - 1) << shift;
	vpci_write_dword(vp, d, off & ~3, mask, val << shift);
}

bool vpci_claims_port(u16 port, u8 size)
{
	/* Byte access to 0xcf9 is the PC's reset register, not CONFIG_ADDRESS. */
	return (port == VPCI_PORT_ADDR && size == 4) ||
	       (port >= VPCI_PORT_DATA && port + size <= VPCI_PORT_DATA + 4);
}

u32 vpci_port_read(struct vpci *vp, u16 port, u8 size)
{
	u32 a = vp->cf8;

	if (port == VPCI_PORT_ADDR)
		return a;
	if (!(a & CF8_ENABLE))
		return size == 4 ? ~0U : (u32)BIT(8 * size) - 1;
	return vpci_cfg_read(vp, CF8_BUS(a), CF8_DEVFN(a), CF8_REG(a) + (port & 3), size);
}

void vpci_port_write(struct vpci *vp, u16 port, u8 size, u32 val)
{
	u32 a = vp->cf8;

	if (port == VPCI_PORT_ADDR) {
		vp->cf8 = val & (CF8_ENABLE | GENMASK(23, 2)); /* bus, device, function, register */
		return;
	}
	if (a & CF8_ENABLE)
		vpci_cfg_write(vp, CF8_BUS(a), CF8_DEVFN(a), CF8_REG(a) + (port & 3), size, val);
}

u64 vpci_ecam_read(struct vpci *vp, u64 gpa, u8 size)
{
	u64 off = gpa - vp->ecam_gpa;
	u8 devfn = (u8)(off >> 12);
	u16 reg = off & 0xfff;

	if (size == 8) {
		if (reg & 7)
			return ~0ULL;
		return vpci_cfg_read(vp, 0, devfn, reg, 4) |
		       (u64)vpci_cfg_read(vp, 0, devfn, reg + 4, 4) << 32;
	}
	return vpci_cfg_read(vp, 0, devfn, reg, size);
}

void vpci_ecam_write(struct vpci *vp, u64 gpa, u8 size, u64 val)
{
	u64 off = gpa - vp->ecam_gpa;
	u8 devfn = (u8)(off >> 12);
	u16 reg = off & 0xfff;

	if (size == 8) {
		if (reg & 7)
			return;
		vpci_cfg_write(vp, 0, devfn, reg, 4, (u32)val);
		vpci_cfg_write(vp, 0, devfn, reg + 4, 4, (u32)(val >> 32));
		return;
	}
	vpci_cfg_write(vp, 0, devfn, reg, size, (u32)val);
}
