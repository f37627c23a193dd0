/* SPDX-License-Identifier: MIT */
/* ksyms.h: the hypervisor's own symbol table, linked in on the second link (tools/ksyms.py). */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include "kernel/types.h"

/* Name of the function containing addr and the offset into it, or NULL. */
const char *ksym_lookup(u64 addr, u64 *offset);

#endif
