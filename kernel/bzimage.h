/* SPDX-License-Identifier: MIT */
/*
 * bzimage.h: a Linux kernel (bzImage) in a partition, by the x86 boot
 * protocol's 64-bit entry (Linux Documentation/arch/x86/boot.rst): check the
 * setup header, copy the protected-mode kernel to its load address, place the
 * initrd, and build the zero page (struct boot_params) with the partition's
 * e820 map and command line. Pure logic over a host pointer to guest-physical
 * 0, so host unit tests and a fuzzer run it on buffers. Every byte of the
 * file is untrusted.
 */
#ifndef KERNEL_BZIMAGE_H
#define KERNEL_BZIMAGE_H

#include "kernel/types.h"

/* Setup header fields, at the same offsets in the file and the zero page (boot.rst). */
#define BZ_SETUP_SECTS    0x1f1  /* u8: 512-byte setup sectors after the boot sector; 0: 4 */
#define BZ_SYSSIZE        0x1f4  /* u32: protected-mode code size in 16-byte paragraphs */
#define BZ_BOOT_FLAG      0x1fe  /* u16: 0xAA55 */
#define BZ_JUMP           0x200  /* short jump; the header ends at 0x202 + the byte at 0x201 */
#define BZ_HEADER         0x202  /* u32: "HdrS" */
#define BZ_VERSION        0x206  /* u16: protocol version, major << 8 | minor */
#define BZ_TYPE_OF_LOADER 0x210  /* u8: 0xff, a boot loader without an assigned id */
#define BZ_LOADFLAGS      0x211  /* u8 */
#define BZ_LOADED_HIGH    BIT(0) /* the protected-mode code loads at 1 MiB or above */
#define BZ_CODE32_START   0x214  /* u32 */
#define BZ_RAMDISK_IMAGE  0x218  /* u32 */
#define BZ_RAMDISK_SIZE   0x21c  /* u32 */
#define BZ_CMD_LINE_PTR   0x228  /* u32 */
#define BZ_INITRD_MAX     0x22c  /* u32: highest address the initrd may use */
#define BZ_KERNEL_ALIGN   0x230  /* u32: alignment a relocatable kernel needs */
#define BZ_RELOCATABLE    0x234  /* u8 */
#define BZ_XLOADFLAGS     0x236  /* u16 */
#define BZ_XLF_KERNEL_64  BIT(0) /* a 64-bit entry at load address + 0x200 */
#define BZ_CMDLINE_SIZE   0x238  /* u32: longest command line, without its NUL */
#define BZ_PREF_ADDRESS   0x258  /* u64: preferred load address */
#define BZ_INIT_SIZE      0x260  /* u32: bytes from the load address the kernel needs to boot */
#define BZ_HEADER_MIN_END 0x268  /* the header of protocol 2.12 reaches this far */

/* Zero-page fields outside the setup header (boot.rst, zero-page.rst). */
#define BP_ACPI_RSDP_ADDR    0x070 /* u64 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8 /* u8 */
#define BP_E820_TABLE        0x2d0 /* 128 entries of struct bz_e820 */
#define BP_HDR_END           0x290 /* struct boot_params' setup_header ends here */
#define BP_SIZE              4096

#define BZ_HDRS_MAGIC  0x53726448 /* "HdrS" */
#define BZ_MIN_VERSION 0x020c     /* 2.12: xloadflags says whether there is a 64-bit entry */
#define BZ_ENTRY64     0x200      /* 64-bit entry: load address + 0x200 */
#define BZ_E820_MAX    128
#define BZ_LOW_MIN     (16 * MiB) /* a relocatable kernel is never put below this */

/*
 * Where the partition loader puts what the kernel gets, below 1 MiB (the
 * GDT and identity page tables of kernel/loader.h lie between them). Linux
 * reserves all of the first MiB itself and copies these before reuse.
 */
#define BZ_GPA_ZERO_PAGE 0x1000ULL
#define BZ_GPA_CMDLINE   0x40000ULL /* above the page tables */
#define BZ_CMDLINE_MAX   4095       /* the partition's own limit, below the stacks */
#define BZ_GPA_ACPI      0xe0000ULL /* in the PC hole, where Linux also scans for the RSDP */

/* e820 types (ACPI 6.4, 15 "System Address Map Interfaces"). */
#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3

struct bz_e820 {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

_Static_assert(sizeof(struct bz_e820) == 20, "e820 entry layout");

/* What the header says, checked against the partition's RAM (bzimage_parse). */
struct bzimage_info {
	u16 version;
	u32 setup_size;  /* bytes before the protected-mode kernel in the file */
	u64 kernel_off;  /* = setup_size */
	u64 kernel_len;  /* bytes of protected-mode kernel in the file */
	u64 load_addr;   /* where it goes: its preferred address, aligned */
	u64 init_size;   /* [load_addr, load_addr + init_size) must be RAM */
	u32 header_end;  /* the setup header is file[BZ_SETUP_SECTS, header_end) */
	u32 cmdline_max; /* longest command line it takes, without the NUL */
	u64 initrd_max;  /* highest address (inclusive) of the initrd */
};

/*
 * Check a bzImage of len bytes for a partition with ram_size bytes of RAM:
 * boot flag and "HdrS", protocol 2.12 or later with a 64-bit entry, loaded
 * high, setup_sects and syssize inside the file, a power-of-two alignment,
 * and [load address, + init_size) inside RAM above 1 MiB. Reads nothing
 * outside file[0, len). 0 with *bi filled, or -ENOEXEC with the reason in *why.
 */
int bzimage_parse(const u8 *file, u64 len, u64 ram_size, struct bzimage_info *bi, const char **why);

/* True when file[0, len) looks like a bzImage ("HdrS" at 0x202), checked or not. */
bool bzimage_detect(const u8 *file, u64 len);

/* Copy the protected-mode kernel to ram + bi->load_addr (bzimage_parse checked the range). */
void bzimage_load(const u8 *file, const struct bzimage_info *bi, u8 *ram);

/*
 * Where an initrd of len bytes goes: the highest page-aligned address that
 * keeps it inside RAM, at or below the kernel's initrd_max, and above the
 * kernel's init_size. 0 with *gpa set, or -ENOSPC.
 */
int bzimage_initrd_addr(const struct bzimage_info *bi, u64 ram_size, u64 len, u64 *gpa);

/* A guest-physical range the e820 map shows as reserved (emulated devices, ACPI tables). */
struct bz_range {
	u64 addr, size;
	u32 type;
};

/*
 * The partition's e820 map: RAM [0, 640 KiB) and [1 MiB, ram_size), the PC
 * hole reserved, then the given ranges (outside RAM or inside the hole), sorted
 * by address. Returns the number of entries (at most max).
 */
u32 bzimage_e820(u64 ram_size, const struct bz_range *res, u32 nres, struct bz_e820 *out, u32 max);

/* What the zero page tells the kernel. */
struct bzimage_boot {
	u64 cmdline_gpa;
	u64 initrd_gpa, initrd_len; /* len 0: no initrd */
	u64 rsdp_gpa;               /* 0: no ACPI tables */
	const struct bz_e820 *e820;
	u32 e820_count;
};

/*
 * Build the zero page in zp[0, BP_SIZE): zeroed, the file's setup header
 * copied in, then the loader's fields (type_of_loader, code32_start,
 * command line, initrd, RSDP, e820 map) filled.
 */
void bzimage_zero_page(u8 *zp, const u8 *file, const struct bzimage_info *bi,
		       const struct bzimage_boot *b);

#endif
