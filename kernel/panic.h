/* SPDX-License-Identifier: MIT */
/* panic.h: stop the machine with a readable report (hypervisor bugs, required hardware missing). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/types.h"

struct irq_frame;

/* Print "PANIC: <message>", a backtrace, stop every CPU; never returns. */
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

/* Same, with the registers of an exception frame. */
void __noreturn panic_frame(const struct irq_frame *f, const char *fmt, ...) __printf(2, 3);

/* Print a frame-pointer backtrace: rip (the current instruction), then the callers from rbp. */
void backtrace(u64 rip, u64 rbp);

/*
 * End the machine: under QEMU through isa-debug-exit at port 0xf4 (QEMU exits
 * with (code << 1) | 1), under Bochs through its shutdown port; otherwise halt.
 */
void __noreturn hv_exit(u8 code);

/* Halt this CPU for good. */
void __noreturn cpu_stop(void);

#define EXIT_OK      0    /* QEMU status 1 */
#define EXIT_FAILURE 1    /* QEMU status 3: a self-test failed */
#define EXIT_PANIC   0x7f /* QEMU status 255 */

/* Set from the command line: panic ends QEMU instead of halting. */
extern bool exit_on_panic;

/* Registered by the SMP code: stop every other CPU (NMI or IPI). */
extern void (*panic_stop_others)(void);

/* An internal invariant; failure is a hypervisor bug. Never for untrusted input. */
#define assert(cond)                                                                       \
	do {                                                                               \
		if (unlikely(!(cond)))                                                     \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
