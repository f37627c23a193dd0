/* SPDX-License-Identifier: MIT */
/* ksyms.h: the hypervisor's own symbol table, linked in on the second link (tools/ksyms.py). */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include "kernel/types.h"

/* Name of the function containing addr and the offset into it, or NULL (not in .text). */
const char *ksym_lookup(u64 addr, u64 *offset);

/* "name+0xoff", or "?" when addr is not in .text; always NUL-terminated. */
void ksym_format(char *buf, size_t len, u64 addr);

#endif
