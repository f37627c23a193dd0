// SPDX-License-Identifier: MIT
/* panic.c: the fatal path: one readable report, every CPU stopped, QEMU ended when asked. */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/ksyms.h"
#include "kernel/mm.h"
#include "kernel/printk.h"

bool exit_on_panic;
void (*panic_stop_others)(void);
static int panicking;

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900

void __noreturn cpu_stop(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

void __noreturn hv_exit(u8 code)
{
	static const char bochs[] = "Shutdown";

	outb(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *s = bochs; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
	cpu_stop();
}

/* A frame pointer we may follow: aligned and both of its words mapped. */
static bool backtrace_addr_ok(u64 a)
{
	return IS_ALIGNED(a, 8) && mm_mapped(a) && mm_mapped(a + 15);
}

/*
 * One frame. A return address is looked up one byte back: a call to a
 * noreturn function may be the last instruction of its caller.
 */
static void backtrace_line(u64 rip, bool is_return, unsigned int repeats)
{
	u64 off = 0;
	const char *name = ksym_lookup(is_return ? rip - 1 : rip, &off);

	if (repeats)
		printk(LOG_ERR, "    ... the same frame %u more time(s)\n", repeats);
	else if (name)
		printk(LOG_ERR, "    [%016llx] %s+0x%llx\n", rip, name, off + is_return);
	else
		printk(LOG_ERR, "    [%016llx] ?\n", rip);
}

/* Frames run up the stack: a frame pointer that does not grow is a loop or junk. */
static void backtrace_from(u64 rip, u64 rbp, bool is_return)
{
	unsigned int repeats = 0;
	u64 prev = 0;

	printk(LOG_ERR, "  backtrace:\n");
	for (int depth = 0; depth < 512 && rip; depth++) {
		const u64 *fp = (const u64 *)(uintptr_t)rbp;

		if (rip == prev) {
			repeats++; /* deep recursion (a stack overflow): one line for the run */
		} else {
			if (repeats)
				backtrace_line(prev, true, repeats);
			backtrace_line(rip, is_return, 0);
			repeats = 0;
		}
		prev = rip;
		if (!rbp || !backtrace_addr_ok(rbp) || (fp[0] && fp[0] <= rbp))
			break;
		rip = fp[1];
		rbp = fp[0];
		is_return = true;
	}
	if (repeats)
		backtrace_line(prev, true, repeats);
}

void backtrace(u64 rip, u64 rbp)
{
	backtrace_from(rip, rbp, false);
}

static void __noreturn panic_finish(void)
{
	if (panic_stop_others)
		panic_stop_others();
	printk(LOG_ERR, "PANIC: system halted%s\n",
	       exit_on_panic ? " (exit_on_panic=1: ending QEMU)" : "");
	if (exit_on_panic)
		hv_exit(EXIT_PANIC);
	cpu_stop();
}

/* Initial APIC ID (CPUID.01H:EBX[31:24]): needs no per-CPU state, which may be what broke. */
static u32 panic_cpu_id(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

/*
 * The first CPU to panic reports; any other stops. A fault inside the report
 * itself (the same CPU again) ends the run at once rather than hanging.
 */
static bool panic_enter(void)
{
	static u32 owner;
	u32 me;

	irq_disable();
	me = panic_cpu_id();
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) == 0) {
		__atomic_store_n(&owner, me + 1, __ATOMIC_RELEASE);
		console_bust_lock();
		return true;
	}
	if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) == me + 1) {
		printk(LOG_ERR, "\nPANIC: fault while reporting a panic; report cut short\n");
		if (exit_on_panic)
			hv_exit(EXIT_PANIC);
	}
	return false;
}

void __noreturn panic(const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (!panic_enter())
		cpu_stop(); /* another CPU is already reporting */
	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR, "\nPANIC: %s\n", msg);
	{
		/* fp[0]: the caller's frame, fp[1]: the return address into it */
		const u64 *fp = __builtin_frame_address(0);

		backtrace_from(fp[1], fp[0], true);
	}
	panic_finish();
}

void __noreturn panic_frame(const struct irq_frame *f, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (!panic_enter())
		cpu_stop();
	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR, "\nPANIC: %s\n", msg);
	idt_dump_frame(f);
	backtrace(f->rip, f->rbp);
	panic_finish();
}
