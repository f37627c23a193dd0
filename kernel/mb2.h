/* SPDX-License-Identifier: MIT */
/* mb2.h: multiboot2 boot information parser (Multiboot2 Specification 1.0, section 3.6). */
#ifndef KERNEL_MB2_H
#define KERNEL_MB2_H

#include "kernel/bootinfo.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289 /* EAX at entry */

/*
 * Parse a multiboot2 information structure of `size` bytes at `mbi` (a copy
 * in hypervisor memory) into `bi`. Every tag is bounds-checked. Returns 0, or
 * -EINVAL with a message naming the tag and the reason in err[errlen].
 */
int mb2_parse(const void *mbi, size_t size, struct boot_info *bi, char *err, size_t errlen);

#endif
