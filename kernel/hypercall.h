/* SPDX-License-Identifier: MIT */
/* hypercall.h: the partition hypercall ABI (kernel/hvabi.h) decoded and checked. */
#ifndef KERNEL_HYPERCALL_H
#define KERNEL_HYPERCALL_H

#include "kernel/vcpu.h"

/*
 * Run the hypercall in v's registers (number in RAX, arguments in RDI, RSI,
 * RDX, R10, R8) made at privilege level cpl, and put the result in RAX. Bad
 * numbers, arguments or callers are refused with a negative HV_E* and a
 * rate-limited log line; HV_HC_SHUTDOWN stops the partition.
 */
void hypercall_dispatch(struct vcpu *v, u8 cpl);

#endif
