/* SPDX-License-Identifier: MIT */
/*
 * loader.h: puts a guest into its partition's RAM: an ELF64 executable, the
 * boot-information page, a GDT with a TSS, identity page tables over all of
 * RAM, and the 64-bit entry state of each vCPU (guests/README.md). Works on a
 * host pointer to guest-physical 0, so host unit tests run it on a buffer.
 */
#ifndef KERNEL_LOADER_H
#define KERNEL_LOADER_H

#include "kernel/hvabi.h"
#include "kernel/vcpu.h"

#define LOADER_MAX_PHDRS 64

struct loader_image {
	u64 entry;
	u64 image_end; /* page-aligned end of the highest loaded byte */
};

/*
 * Check an ELF64 x86-64 executable of len bytes (untrusted: every header,
 * offset and size is bounds-checked, segments may not overlap each other or
 * the loader's first MiB, the entry must lie in an executable segment) and
 * only then copy its PT_LOAD segments into ram[0, ram_size), zero-filling
 * each segment's tail. Returns 0, or -ENOEXEC with the reason in *why.
 */
int loader_load_elf(const void *elf, u64 len, u8 *ram, u64 ram_size, struct loader_image *img,
		    const char **why);

/*
 * Write the boot-information page (a copy of *bi), the GDT/TSS and the
 * identity page tables mapping [0, ram_size) with 2 MiB pages into ram;
 * *cr3 receives the guest-physical address of the top table. 0 or -ENOMEM.
 */
int loader_boot_setup(u8 *ram, u64 ram_size, const struct hv_boot_info *bi, u64 *cr3);

/* The state vCPU `index` starts in: long mode, paging on, RIP = entry, RDI = boot info, RSI = index. */
void loader_vcpu_state(u32 index, u64 entry, u64 cr3, struct vcpu_state *s);

/*
 * Linux's 64-bit boot protocol (Documentation/arch/x86/boot.rst): flat
 * __BOOT_CS and __BOOT_DS selectors, an identity map of RAM, interrupts off.
 */
#define LOADER_LINUX_CS 0x10
#define LOADER_LINUX_DS 0x18

/*
 * Zero the first MiB, write the GDT (null, null, __BOOT_CS, __BOOT_DS, TSS)
 * and the identity page tables over [0, ram_size); *cr3 receives the top
 * table's address. 0, -EINVAL or -ENOMEM. The zero page and the rest come after.
 */
int loader_linux_setup(u8 *ram, u64 ram_size, u64 *cr3);

/* The state Linux's 64-bit entry wants: long mode, RIP = entry, RSI = the zero page. */
void loader_linux_vcpu_state(u64 entry, u64 boot_params, u64 cr3, struct vcpu_state *s);

#endif
