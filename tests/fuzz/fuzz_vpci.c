// SPDX-License-Identifier: MIT
/*
 * fuzz_vpci.c: the virtual PCI bus (kernel/vpci.c) under a guest's config
 * accesses through ports 0xcf8/0xcfc, the ECAM window and directly. The
 * functions behind it are fakes whose capability layout, BARs and initial
 * config space come from the input, shaped as pci/pci.c and kernel/assign.c
 * hand them over (capabilities dword aligned at 0x40 or above, inside the
 * first 256 bytes). Every config write that reaches a fake is checked against
 * what vpci.h promises may pass: COMMAND without I/O decode (and without bus
 * mastering unless DMA is confined), STATUS and Device Status (RW1C), and the
 * guest's bits of Device Control; never a BAR, the ROM, MSI or MSI-X control.
 *
 * Input: u8 nfuncs (1-2), per function { u8 flags, u8 cap_msi, u8 cap_msix,
 * u8 cap_pcie, 6 x { u8 type, u8 size } BARs, 256 bytes of config space },
 * then accesses until the input ends (at most 256) of { u8 kind, u8 size,
 * u32 where, u32 val }.
 */
// sources: kernel/vpci.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/vpci.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS     256
#define ECAM_GPA    0xe0000000ULL
#define BAR_GPA     0xe0100000ULL /* assign.c maps BARs above the ECAM window */
#define CMD_IO      BIT(0)
#define CMD_MASTER  BIT(2)
#define EXP_DEVCTL  0x08
#define EXP_DEVSTA  0x0a
#define DEVCTL_OURS (~(GENMASK(4, 0) | BIT(8) | GENMASK(15, 12)) & 0xffff)

struct fake {
	u8 cfg[4096];
	u16 cfg_size;
	u8 cap_msi, cap_msix, cap_pcie;
	u8 msi_len; /* bytes of its MSI capability */
	bool dma_allowed;
	bool adding; /* vpci_add() is quiescing it */
};

static struct fake fakes[2];
static struct vpci vp;

/* An access pci/pci.c would not refuse: aligned to its width, inside config space. */
static void check_access(const struct fake *f, u16 off, u8 width)
{
	FUZZ_CHECK(width == 1 || width == 2 || width == 4);
	FUZZ_CHECK((off & (width - 1)) == 0 && range_ok(off, width, f->cfg_size));
}

static u32 fake_read(const void *dev, u16 off, u8 width)
{
	const struct fake *f = dev;
	u32 v = 0;

	check_access(f, off, width);
	memcpy(&v, f->cfg + off, width);
	return v;
}

static bool overlaps(u16 off, u8 width, u16 lo, u16 hi)
{
	return off < hi && off + width > lo;
}

/* The writes vpci.h lets through to the real function, and nothing else. */
static void check_write(const struct fake *f, u16 off, u8 width, u32 val)
{
	u16 exp = f->cap_pcie;

	FUZZ_CHECK(!overlaps(off, width, 0x10, 0x28) && !overlaps(off, width, 0x30, 0x34));
	if (f->cap_msi)
		FUZZ_CHECK(!overlaps(off, width, f->cap_msi, f->cap_msi + f->msi_len));
	if (f->cap_msix)
		FUZZ_CHECK(!overlaps(off, width, f->cap_msix + 2, f->cap_msix + 4));
	if (off == 0x04 && width == 2) {
		FUZZ_CHECK(!(val & CMD_IO) && (f->dma_allowed || !(val & CMD_MASTER)));
		return;
	}
	FUZZ_CHECK(!f->adding);
	if ((off == 0x06 || off == 0x07) && width == 1)
		return; /* STATUS: write-1-to-clear */
	if (exp && off == exp + EXP_DEVCTL && width == 2) {
		u16 old;

		memcpy(&old, f->cfg + off, 2);
		FUZZ_CHECK(((old ^ val) & DEVCTL_OURS) == 0);
		return;
	}
	FUZZ_CHECK(exp && (off == exp + EXP_DEVSTA || off == exp + EXP_DEVSTA + 1) && width == 1);
}

static void fake_write(const void *dev, u16 off, u8 width, u32 val)
{
	struct fake *f = (struct fake *)dev;

	check_access(f, off, width);
	check_write(f, off, width, val);
	memcpy(f->cfg + off, &val, width);
}

static const struct vpci_backend fake_be = { fake_read, fake_write, NULL };

/* A capability offset as pci/pci.c records it, or 0. */
static u8 cap_at(u8 raw, u16 len)
{
	u8 pos = raw & ~3;

	return pos >= 0x40 && range_ok(pos, len, 256) ? pos : 0;
}

static u8 msi_len(const struct fake *f)
{
	u16 flags;

	memcpy(&flags, f->cfg + f->cap_msi + 2, 2);
	return flags & BIT(8) ? (flags & BIT(7) ? 0x18 : 0x14) : (flags & BIT(7) ? 0x10 : 0x0c);
}

/* BARs as kernel/assign.c gives them: memory only, aligned to their size, above ECAM. */
static void read_bars(struct fuzz_in *in, struct vpci_func *fn)
{
	u64 next = BAR_GPA;

	for (int i = 0; i < VPCI_BARS; i++) {
		u8 type = fuzz_u8(in) % 3, order = 12 + fuzz_u8(in) % 20;
		struct vpci_bar *b = &fn->bar[i];

		if (type == VPCI_BAR_MEM64 && i == VPCI_BARS - 1)
			type = VPCI_BAR_MEM32;
		if (type == VPCI_BAR_NONE || (i && fn->bar[i - 1].type == VPCI_BAR_MEM64))
			continue;
		b->type = type;
		b->size = BIT(order);
		b->prefetch = order & 1;
		b->gpa = ALIGN_UP(next, b->size);
		next = b->gpa + b->size;
	}
}

static void add_func(struct fuzz_in *in, struct fake *f)
{
	u8 flags = fuzz_u8(in);
	struct vpci_func fn = { .dev = f, .be = &fake_be, .vendor = 0x8086, .device = 0x10ca };

	memset(f, 0, sizeof(*f));
	f->dma_allowed = fn.dma_allowed = flags & BIT(0);
	f->cfg_size = fn.cfg_size = flags & BIT(1) ? 4096 : 256;
	f->cap_msi = fn.cap_msi = cap_at(fuzz_u8(in), 10);
	f->cap_msix = fn.cap_msix = cap_at(fuzz_u8(in), 12);
	f->cap_pcie = fn.cap_pcie = cap_at(fuzz_u8(in), 0x2a);
	read_bars(in, &fn);
	fuzz_take(in, f->cfg, 256);
	f->msi_len = msi_len(f);
	f->adding = true;
	FUZZ_CHECK(vpci_add(&vp, &fn) >= 0);
	f->adding = false;
}

/*
 * What the guest reads of COMMAND never shows I/O decode, nor bus mastering
 * without DMA. (A read of a bad width reads all ones, as from no register.)
 */
static void check_command(u8 bus, u8 devfn, u16 off, u8 width, u32 v)
{
	if (width > 4)
		return;
	for (u32 i = 0; i < vp.count; i++) {
		const struct fake *f = vp.devs[i].f.dev;

		if (bus || vp.devs[i].devfn != devfn || (off & ~3) != 0x04 || (off & 3))
			continue;
		FUZZ_CHECK(!(v & CMD_IO) && (f->dma_allowed || !(v & CMD_MASTER)));
	}
}

static void one_access(struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in), size = BIT(fuzz_u8(in) % 4);
	u32 where = fuzz_u32(in), val = fuzz_u32(in);
	u64 gpa = ECAM_GPA + where % VPCI_ECAM_SIZE;
	u8 bus = where >> 24, devfn = where >> 16;
	u16 off = where & 0xfff;

	switch (kind % 6) {
	case 0:
		if (vpci_claims_port(0xcf8 + (where & 7), size))
			vpci_port_write(&vp, 0xcf8 + (where & 7), size, val);
		break;
	case 1:
		if (vpci_claims_port(0xcf8 + (where & 7), size))
			vpci_port_read(&vp, 0xcf8 + (where & 7), size);
		break;
	case 2:
		vpci_ecam_write(&vp, gpa, size, (u64)val << 32 | where);
		break;
	case 3:
		vpci_ecam_read(&vp, gpa, size);
		break;
	case 4:
		vpci_cfg_write(&vp, bus, devfn, off, size, val);
		break;
	default:
		check_command(bus, devfn, off, size, vpci_cfg_read(&vp, bus, devfn, off, size));
		break;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 n = fuzz_u8(&in) % 2 + 1;

	vpci_init(&vp, "p1", ECAM_GPA);
	for (u8 i = 0; i < n; i++)
		add_func(&in, &fakes[i]);
	for (int i = 0; i < MAX_OPS && in.left; i++)
		one_access(&in);
	return 0;
}
