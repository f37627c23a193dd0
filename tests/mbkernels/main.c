// SPDX-License-Identifier: MIT
/* main.c: the test kernel's C entry and its exception handler. */
#include "mbk.h"

#ifndef VARIANT
#define VARIANT "unknown"
#endif

#define EFLAGS_TF BIT(8)

extern u32 probe_armed, probe_vector;
void probe_resume(void);
u32 probe_error;
uptr probe_cr2;

static uptr read_cr2(void)
{
	uptr v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Called by the stubs. A probe's fault resumes at probe_resume; anything else ends the test. */
void trap(struct trap_frame *f)
{
	if (probe_armed) {
		probe_vector = (u32)f->vector;
		probe_error = (u32)f->error;
		probe_cr2 = read_cr2();
		f->ip = (uptr)probe_resume;
		f->flags &= ~EFLAGS_TF;
		return;
	}
	out("\nmbt: FAILED unexpected exception %u error 0x%x at 0x%llx\n", (u32)f->vector,
	    (u32)f->error, (u64)f->ip);
	check("no unexpected exception", false);
	finish();
}

static const char *kernel_cmdline = "";

bool cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *p = kernel_cmdline; *p; p++)
		if ((p == kernel_cmdline || p[-1] == ' ') && !memcmp(p, word, n) &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

void kmain(void);
void kmain(void)
{
	struct bootinfo bi;

	uart_init();
	out("\n");
	res("start", "%s %s", VARIANT, arch_name());
	test_entry();
	mbinfo_parse(entry.magic, entry.info, &bi);
	test_bootinfo(&bi);
	if (bi.cmdline)
		kernel_cmdline = bi.cmdline;
	test_uart();
	test_cpuid();
	test_msrs();
	test_exceptions();
	test_ports();
	arch_tests();
	finish();
}
