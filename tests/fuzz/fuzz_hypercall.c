// SPDX-License-Identifier: MIT
/*
 * fuzz_hypercall.c: hypercall decoding and argument checks (kernel/hypercall.c)
 * with every register the guest controls taken from the input. The guest's
 * RAM is an exact-size heap buffer; after each call the harness checks the
 * result is a length or an HV_E* code, that no register but RAX changed, and
 * that nothing in guest RAM changed outside what the call may write.
 *
 * Input: u8 RAM size selector, then calls of { u8 cpl, u64 rax, rdi, rsi,
 * rdx, r10, r8 } until the input ends (at most 64).
 */
// sources: kernel/hypercall.c kernel/format.c
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/format.h"
#include "kernel/hypercall.h"
#include "kernel/part.h"
#include "tests/fuzz/fuzz.h"

#define MAX_CALLS 64

static struct partition part;
static struct vcpu vcpu;
static u8 *shadow; /* guest RAM as it was before the call */
static u64 console_bytes;

/* Doubles of kernel/part.c. */
void part_console_write(struct partition *p, const char *s, size_t len)
{
	FUZZ_CHECK(p == &part && s && len > 0 && len <= 256);
	/* The bytes were copied out of guest RAM first: s points into the hypervisor's stack. */
	FUZZ_CHECK((const u8 *)s < part.ram || (const u8 *)s >= part.ram + part.ram_size);
	console_bytes += len;
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	FUZZ_CHECK(p == &part);
	va_start(ap, fmt);
	vsnformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	p->state = PART_STOPPED;
}

static bool hv_error(s64 r)
{
	return r == -HV_EPERM || r == -HV_EFAULT || r == -HV_EINVAL || r == -HV_ENOSYS;
}

/* Guest RAM is unchanged outside [lo, hi). */
static void check_ram(u64 lo, u64 hi)
{
	FUZZ_CHECK(!memcmp(part.ram, shadow, lo));
	FUZZ_CHECK(!memcmp(part.ram + hi, shadow + hi, part.ram_size - hi));
}

static void one_call(struct fuzz_in *in)
{
	u8 cpl = fuzz_u8(in) % 4;
	struct vcpu_regs before;
	u64 console_before = console_bytes;
	s64 r;

	memset(&vcpu.regs, 0x5a, sizeof(vcpu.regs));
	vcpu.regs.rax = fuzz_u64(in);
	vcpu.regs.rdi = fuzz_u64(in);
	vcpu.regs.rsi = fuzz_u64(in);
	vcpu.regs.rdx = fuzz_u64(in);
	vcpu.regs.r10 = fuzz_u64(in);
	vcpu.regs.r8 = fuzz_u64(in);
	before = vcpu.regs;
	memcpy(shadow, part.ram, part.ram_size);

	hypercall_dispatch(&vcpu, cpl);

	r = (s64)vcpu.regs.rax;
	FUZZ_CHECK(r >= 0 || hv_error(r));
	vcpu.regs.rax = before.rax;
	FUZZ_CHECK(!memcmp(&vcpu.regs, &before, sizeof(before)));
	FUZZ_CHECK(cpl == 0 || r == -HV_EPERM);
	if (before.rax == HV_HC_PART_INFO && r > 0) {
		FUZZ_CHECK((u64)r <= sizeof(struct hv_part_info) && (u64)r <= before.rsi);
		check_ram(before.rdi, before.rdi + (u64)r);
	} else {
		check_ram(0, 0);
	}
	if (before.rax == HV_HC_CONSOLE_WRITE && r > 0)
		FUZZ_CHECK(console_bytes - console_before == (u64)r && (u64)r == before.rsi);
	else
		FUZZ_CHECK(console_bytes == console_before);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u64 ram_size = PAGE_SIZE << (fuzz_u8(&in) % 5); /* 4 to 64 KiB */

	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	strcpy(part.name, "p1");
	part.ram_size = ram_size;
	part.ram = malloc(ram_size);
	shadow = malloc(ram_size);
	if (!part.ram || !shadow)
		abort();
	memset(part.ram, 0xa5, ram_size);
	part.vcpu_count = 2;
	part.log_rl = (struct ratelimit)RATELIMIT_INIT(10, 1000);
	vcpu.part = &part;
	vcpu.index = 1;
	console_bytes = 0;
	for (int i = 0; i < MAX_CALLS && in.left; i++)
		one_call(&in);
	free(part.ram);
	free(shadow);
	return 0;
}
