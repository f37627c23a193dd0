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

void backtrace(u64 rip, u64 rbp)
{
	printk(LOG_ERR, "  backtrace:\n");
	for (int depth = 0; depth < 32; depth++) {
		u64 off = 0;
		const char *name = ksym_lookup(rip, &off);

		printk(LOG_ERR, "    [%016llx] %s+0x%llx\n", rip, name ? name : "?", off);
		if (!rbp || !backtrace_addr_ok(rbp))
			break;
		rip = ((const u64 *)(uintptr_t)rbp)[1];
		rbp = ((const u64 *)(uintptr_t)rbp)[0];
		if (!rip)
			break;
	}
}

static void __noreturn panic_finish(void)
{
	if (panic_stop_others)
		panic_stop_others();
	printk(LOG_ERR, "PANIC: system halted%s\n", exit_on_panic ? " (exit_on_panic=1: ending QEMU)" : "");
	if (exit_on_panic)
		hv_exit(EXIT_PANIC);
	cpu_stop();
}

static bool panic_enter(void)
{
	irq_disable();
	return __atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) == 0;
}

void __noreturn panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!panic_enter())
		cpu_stop(); /* another CPU is already reporting */
	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR, "\nPANIC: %s\n", msg);
	{
		const u64 *fp = __builtin_frame_address(0); /* fp[0]: caller's frame, fp[1]: return */

		backtrace(fp[1], fp[0]);
	}
	panic_finish();
}

void __noreturn panic_frame(const struct irq_frame *f, const char *fmt, ...)
{
	char msg[256];
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
