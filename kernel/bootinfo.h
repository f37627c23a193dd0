/* SPDX-License-Identifier: MIT */
/* bootinfo.h: what the boot loader told us, copied into hypervisor memory and validated. */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include "kernel/types.h"

enum mem_type {
	MEM_RAM = 1,      /* usable */
	MEM_RESERVED = 2,
	MEM_ACPI = 3,     /* ACPI reclaimable: the tables live here */
	MEM_NVS = 4,      /* ACPI non-volatile storage */
	MEM_BAD = 5,
};

struct mem_region {
	u64 base;
	u64 len;
	u32 type; /* enum mem_type */
};

#define BOOT_MAX_REGIONS  128
#define BOOT_MAX_MODULES  32
#define BOOT_CMDLINE_MAX  1024
#define BOOT_RSDP_MAX     36 /* ACPI 2.0+ RSDP size */

struct boot_module {
	u64 start;
	u64 end; /* exclusive */
	char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	struct mem_region mem[BOOT_MAX_REGIONS];
	unsigned int mem_count;
	bool mem_from_efi; /* only the EFI memory map tag was given */
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned int mod_count;
	u8 rsdp[BOOT_RSDP_MAX];
	u32 rsdp_len;     /* 0: no RSDP tag */
	bool efi;         /* booted through UEFI (EFI system table tag present) */
	u64 mbi_start;    /* the loader's information structure, reserved until copied */
	u64 mbi_end;
};

#endif
