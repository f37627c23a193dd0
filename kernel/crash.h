/* SPDX-License-Identifier: MIT */
/* crash.h: deliberate faults on request (crash=), a test aid for the exception and panic reports. */
#ifndef KERNEL_CRASH_H
#define KERNEL_CRASH_H

#include "kernel/types.h"

/* The kinds crash= accepts, as one line for error messages. */
#define CRASH_KINDS "ud, pf, null, nx, gp, de, stack, panic or assert"

/* True when `kind` names a fault crash_run() can trigger. */
bool crash_kind_ok(const char *kind);

/*
 * Trigger the fault `kind` on this CPU: ud (#UD), pf (write to .rodata), null
 * (read near address 0), nx (execute from .data), gp (non-canonical address),
 * de (divide by zero), stack (unbounded recursion into the guard page: #DF),
 * panic, assert. Returns only if kind is empty or unknown.
 */
void crash_run(const char *kind);

#endif
