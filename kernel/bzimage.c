// SPDX-License-Identifier: MIT
/* bzimage.c: the Linux x86 boot protocol's checks, load, initrd placement, zero page and e820 map. */
#include "kernel/bzimage.h"
#include "kernel/string.h"

#define BZ_BOOT_FLAG_MAGIC 0xaa55
#define BZ_SECTOR          512
#define BZ_SETUP_SECTS_DEF 4 /* setup_sects 0 means 4 (boot.rst) */
#define BZ_LOADER_UNKNOWN  0xff
#define BZ_ALIGN_MAX       GiB
#define BZ_HOLE_START      0xa0000ULL
#define BZ_HOLE_END        0x100000ULL

static u16 bz_get16(const u8 *p, u32 off)
{
	u16 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u32 bz_get32(const u8 *p, u32 off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u64 bz_get64(const u8 *p, u32 off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void bz_put32(u8 *p, u32 off, u32 v)
{
	memcpy(p + off, &v, sizeof(v));
}

bool bzimage_detect(const u8 *file, u64 len)
{
	return len >= BZ_HEADER + 4 && bz_get32(file, BZ_HEADER) == BZ_HDRS_MAGIC;
}

/* Magic, version, flags and the header's own extent. */
static int bz_check_header(const u8 *f, u64 len, struct bzimage_info *bi, const char **why)
{
	if (len < BZ_HEADER_MIN_END || !bzimage_detect(f, len))
		return *why = "no Linux setup header (\"HdrS\" at 0x202)", -ENOEXEC;
	if (bz_get16(f, BZ_BOOT_FLAG) != BZ_BOOT_FLAG_MAGIC)
		return *why = "boot flag is not 0xAA55", -ENOEXEC;
	bi->version = bz_get16(f, BZ_VERSION);
	if (bi->version < BZ_MIN_VERSION)
		return *why = "boot protocol older than 2.12 (no 64-bit entry flag)", -ENOEXEC;
	if (!(bz_get16(f, BZ_XLOADFLAGS) & BZ_XLF_KERNEL_64))
		return *why = "no 64-bit entry point (xloadflags bit 0 clear)", -ENOEXEC;
	if (!(f[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return *why = "not a bzImage (loadflags LOADED_HIGH clear)", -ENOEXEC;
	bi->header_end = BZ_JUMP + 2 + f[BZ_JUMP + 1];
	if (bi->header_end < BZ_HEADER_MIN_END)
		return *why = "setup header shorter than protocol 2.12's", -ENOEXEC;
	return 0;
}

/* setup_sects and syssize: the protected-mode kernel lies inside the file. */
static int bz_check_extent(const u8 *f, u64 len, struct bzimage_info *bi, const char **why)
{
	u32 sects = f[BZ_SETUP_SECTS] ? f[BZ_SETUP_SECTS] : BZ_SETUP_SECTS_DEF;
	u64 sys = (u64)bz_get32(f, BZ_SYSSIZE) * 16;

	bi->setup_size = (sects + 1) * BZ_SECTOR;
	if (bi->setup_size < bi->header_end || bi->setup_size >= len)
		return *why = "setup_sects puts the kernel outside the file", -ENOEXEC;
	bi->kernel_off = bi->setup_size;
	bi->kernel_len = len - bi->setup_size;
	/* syssize counts 16-byte paragraphs, rounded up: at most 15 bytes past the end. */
	if (sys == 0 || sys > bi->kernel_len + 15)
		return *why = "syssize does not match the file", -ENOEXEC;
	bi->kernel_len = MIN(bi->kernel_len, sys);
	return 0;
}

/* Alignment, load address and init_size against the partition's RAM. */
static int bz_check_placement(const u8 *f, u64 ram_size, struct bzimage_info *bi, const char **why)
{
	u64 align = bz_get32(f, BZ_KERNEL_ALIGN), pref = bz_get64(f, BZ_PREF_ADDRESS);

	if (align < PAGE_SIZE || align > BZ_ALIGN_MAX || (align & (align - 1)))
		return *why = "kernel_alignment is not a power of two from 4 KiB to 1 GiB",
		       -ENOEXEC;
	bi->init_size = bz_get32(f, BZ_INIT_SIZE);
	if (bi->init_size < bi->kernel_len)
		return *why = "init_size is smaller than the kernel", -ENOEXEC;
	if (f[BZ_RELOCATABLE])
		bi->load_addr = pref >= BZ_LOW_MIN && IS_ALIGNED(pref, align)
					? pref
					: ALIGN_UP(BZ_LOW_MIN, align);
	else
		bi->load_addr = pref; /* a fixed kernel runs only where it was linked */
	if (bi->load_addr < BZ_HOLE_END || !range_ok(bi->load_addr, bi->init_size, ram_size))
		return *why = f[BZ_RELOCATABLE] ? "load address + init_size does not fit in RAM"
						: "not relocatable, and its address is not in RAM",
		       -ENOEXEC;
	return 0;
}

int bzimage_parse(const u8 *file, u64 len, u64 ram_size, struct bzimage_info *bi, const char **why)
{
	int r;

	memset(bi, 0, sizeof(*bi));
	r = bz_check_header(file, len, bi, why);
	if (!r)
		r = bz_check_extent(file, len, bi, why);
	if (!r)
		r = bz_check_placement(file, ram_size, bi, why);
	if (r)
		return r;
	bi->cmdline_max = bz_get32(file, BZ_CMDLINE_SIZE);
	bi->initrd_max = bz_get32(file, BZ_INITRD_MAX);
	return 0;
}

void bzimage_load(const u8 *file, const struct bzimage_info *bi, u8 *ram)
{
	memcpy(ram + bi->load_addr, file + bi->kernel_off, bi->kernel_len);
}

int bzimage_initrd_addr(const struct bzimage_info *bi, u64 ram_size, u64 len, u64 *gpa)
{
	u64 top = MIN(ram_size, bi->initrd_max + 1), low = bi->load_addr + bi->init_size;

	if (len == 0 || len > top || ALIGN_DOWN(top - len, PAGE_SIZE) < low)
		return -ENOSPC;
	*gpa = ALIGN_DOWN(top - len, PAGE_SIZE);
	return 0;
}

/* Insert e into the sorted map out[0, *n) (at most max entries). */
static void bz_e820_add(struct bz_e820 *out, u32 *n, u32 max, u64 addr, u64 size, u32 type)
{
	u32 i = *n;

	if (size == 0 || *n == max)
		return;
	while (i > 0 && out[i - 1].addr > addr) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = (struct bz_e820){ addr, size, type };
	(*n)++;
}

u32 bzimage_e820(u64 ram_size, const struct bz_range *res, u32 nres, struct bz_e820 *out, u32 max)
{
	u32 n = 0;

	bz_e820_add(out, &n, max, 0, MIN(ram_size, BZ_HOLE_START), E820_RAM);
	bz_e820_add(out, &n, max, BZ_HOLE_START, BZ_HOLE_END - BZ_HOLE_START, E820_RESERVED);
	if (ram_size > BZ_HOLE_END)
		bz_e820_add(out, &n, max, BZ_HOLE_END, ram_size - BZ_HOLE_END, E820_RAM);
	for (u32 i = 0; i < nres; i++)
		bz_e820_add(out, &n, max, res[i].addr, res[i].size, res[i].type);
	return n;
}

void bzimage_zero_page(u8 *zp, const u8 *file, const struct bzimage_info *bi,
		       const struct bzimage_boot *b)
{
	u32 n = MIN(b->e820_count, BZ_E820_MAX);
	/* A longer header than the zero page's copy of it would spill into the e820 map. */
	u32 end = MIN(bi->header_end, BP_HDR_END);

	memset(zp, 0, BP_SIZE);
	if (end > BZ_SETUP_SECTS) /* bzimage_parse made it at least BZ_HEADER_MIN_END */
		memcpy(zp + BZ_SETUP_SECTS, file + BZ_SETUP_SECTS, end - BZ_SETUP_SECTS);
	zp[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNKNOWN;
	bz_put32(zp, BZ_CODE32_START, (u32)bi->load_addr);
	bz_put32(zp, BZ_CMD_LINE_PTR, (u32)b->cmdline_gpa);
	bz_put32(zp, BP_EXT_CMD_LINE_PTR, (u32)(b->cmdline_gpa >> 32));
	bz_put32(zp, BZ_RAMDISK_IMAGE, (u32)b->initrd_gpa);
	bz_put32(zp, BP_EXT_RAMDISK_IMAGE, (u32)(b->initrd_gpa >> 32));
	bz_put32(zp, BZ_RAMDISK_SIZE, (u32)b->initrd_len);
	bz_put32(zp, BP_EXT_RAMDISK_SIZE, (u32)(b->initrd_len >> 32));
	memcpy(zp + BP_ACPI_RSDP_ADDR, &b->rsdp_gpa, sizeof(b->rsdp_gpa));
	zp[BP_E820_ENTRIES] = (u8)n;
	memcpy(zp + BP_E820_TABLE, b->e820, n * sizeof(struct bz_e820));
}
