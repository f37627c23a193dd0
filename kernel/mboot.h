/* SPDX-License-Identifier: MIT */
/*
 * mboot.h: multiboot (v1) and multiboot2 kernels in a partition: find and
 * check the header in a module, load the kernel at the guest-physical
 * addresses it asks for, place its modules and build the information
 * structure a multiboot loader gives, and describe the 32-bit entry state
 * (guests/README.md, "Multiboot kernels"). Works on a host pointer to
 * guest-physical 0, so host unit tests run it on a buffer. Every byte of
 * the kernel file is untrusted.
 */
#ifndef KERNEL_MBOOT_H
#define KERNEL_MBOOT_H

#include "kernel/types.h"
#include "kernel/vcpu.h"

/* Multiboot Specification 0.6.96 (v1) and Multiboot2 Specification 1.0 (v2). */
#define MBOOT1_HEADER_MAGIC 0x1badb002
#define MBOOT1_BOOT_MAGIC   0x2badb002 /* EAX at entry */
#define MBOOT1_SEARCH       8192       /* the header lies in the first 8 KiB, 4-byte aligned */
#define MBOOT2_HEADER_MAGIC 0xe85250d6
#define MBOOT2_BOOT_MAGIC   0x36d76289
#define MBOOT2_SEARCH       32768 /* ... first 32 KiB, 8-byte aligned */

#define MBOOT_MAX_MODS    8
#define MBOOT_LOADER_NAME "hv partition loader"
#define MBOOT_LOW_END     0xa0000ULL  /* low RAM: [0, 640 KiB) */
#define MBOOT_HIGH_START  0x100000ULL /* RAM again from 1 MiB; [640 KiB, 1 MiB) is reserved */
#define MBOOT_ENTRY_ESP   0x7c00      /* ESP at entry (undefined by the specs: set your own) */

/* Selectors at entry, as GRUB 2 leaves them (flat 32-bit code and data in our GDT). */
#define MBOOT_SEL_CODE 0x10
#define MBOOT_SEL_DATA 0x18

enum mboot_proto { MBOOT_NONE = 0, MBOOT_V1 = 1, MBOOT_V2 = 2 };

/* What a kernel's header asks for, checked (mboot_find). */
struct mboot_header {
	enum mboot_proto proto;
	u32 offset;      /* of the header in the file */
	bool addr_valid; /* v1 flag 16 or a v2 address tag: load the raw file (a.out kludge) */
	u32 header_addr, load_addr, load_end_addr, bss_end_addr;
	bool entry_valid; /* v1 flag 16 or a v2 entry address tag */
	u32 entry_addr;
	bool wants_video; /* v1 flag 2 or a framebuffer tag: no display, no framebuffer info */
};

/* The kernel once loaded. */
struct mboot_kernel {
	struct mboot_header hdr;
	u32 entry;
	u64 load_base; /* lowest loaded byte */
	u64 load_end;  /* first byte above the image, its bss included */
};

/* One module the kernel gets (its partition's "mods=" lines), data in hypervisor memory. */
struct mboot_module {
	const void *data;
	u64 len;
	const char *cmdline;
};

/* What the information structure tells the kernel. */
struct mboot_boot {
	const char *cmdline;
	const struct mboot_module *mods;
	u32 mod_count;
	u64 ecam_base, ecam_size; /* the virtual PCI bus's ECAM window, shown reserved */
};

/*
 * Look for a header in file[0, len): multiboot2 first (unless want is
 * MBOOT_V1), then multiboot (unless want is MBOOT_V2). Returns MBOOT_NONE
 * when there is none, MBOOT_V1/V2 with *h filled, or -ENOEXEC with the
 * reason in *why when a header is there but asks for what a partition
 * cannot give (a required tag or flag, another architecture, a bad checksum).
 */
int mboot_find(const u8 *file, u64 len, enum mboot_proto want, struct mboot_header *h,
	       const char **why);

/*
 * Load the kernel h describes: the address fields (a.out kludge) when given,
 * else its ELF32 or ELF64 PT_LOAD segments at their physical addresses. All
 * of it must lie in ram[0, ram_size) outside [640 KiB, 1 MiB) and below
 * 4 GiB; the bss is zeroed. Checks everything before copying anything.
 * Returns 0, or -ENOEXEC with the reason in *why.
 */
int mboot_load(const u8 *file, u64 len, const struct mboot_header *h, u8 *ram, u64 ram_size,
	       struct mboot_kernel *k, const char **why);

/* Where mboot_place put things (guest-physical). */
struct mboot_placed {
	u32 gdt;      /* the GDT behind the entry selectors */
	u32 info;     /* the information structure: EBX at entry */
	u32 info_end; /* first byte above it */
};

/*
 * Place the modules (page-aligned, in order) above the kernel, then a GDT
 * for the entry selectors and the information structure (v1 or v2, with the
 * partition's memory map, meminfo, command line, modules, loader name).
 * 0, or -ENOSPC with *why saying what does not fit in RAM.
 */
int mboot_place(u8 *ram, u64 ram_size, const struct mboot_kernel *k, const struct mboot_boot *b,
		struct mboot_placed *out, const char **why);

/* The entry state: 32-bit protected mode, paging off, EAX = magic, EBX = info (both specs 3.2). */
void mboot_vcpu_state(const struct mboot_kernel *k, const struct mboot_placed *pl,
		      struct vcpu_state *s);

#endif
