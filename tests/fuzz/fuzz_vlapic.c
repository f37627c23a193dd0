// SPDX-License-Identifier: MIT
/*
 * fuzz_vlapic.c: a vCPU's virtual local APIC (kernel/vlapic.c) under a
 * guest's register accesses in both modes, with interrupts arriving and
 * taken and time moving on. Checks: no undefined behaviour; what is pending
 * is a legal vector above the processor priority; an acknowledged vector is
 * in service; a register write asks only for the known actions; an IPI's
 * fields are in range; an armed timer lies at or after the time it was
 * armed; the base never leaves 0xFEE00000.
 *
 * Input: u8 APIC ID, then operations until the input ends (at most 512) of
 * { u8 kind, u16 offset or MSR, u64 value, u16 time step in us }.
 */
// sources: kernel/vlapic.c kernel/format.c
#include "kernel/vlapic.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 512

static struct vlapic l;
static u64 now;

static void check_ipi(int act, const struct vlapic_ipi *ipi)
{
	FUZZ_CHECK(act == -EINVAL ||
		   !(act & ~(VLAPIC_ACT_TIMER | VLAPIC_ACT_IPI | VLAPIC_ACT_EOI)));
	if (act > 0 && (act & VLAPIC_ACT_IPI))
		FUZZ_CHECK(ipi->mode <= 7 && ipi->shorthand <= VLAPIC_SH_OTHERS);
	if (act > 0 && (act & VLAPIC_ACT_TIMER) && vlapic_timer_deadline(&l))
		FUZZ_CHECK(vlapic_timer_deadline(&l) >= now);
}

static void take_one(void)
{
	int v = vlapic_pending(&l);

	if (v < 0)
		return;
	FUZZ_CHECK(v >= 16 && v <= 255);
	vlapic_ack(&l, (u8)v);
	FUZZ_CHECK(l.isr[v / 32] & BIT(v % 32));
}

static void op(struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in);
	u16 where = fuzz_u16(in);
	u64 val = fuzz_u64(in), v64;
	struct vlapic_ipi ipi = { 0 };

	now += (u64)fuzz_u16(in) * 1000;
	switch (kind % 8) {
	case 0:
		(void)vlapic_mmio_read(&l, where & 0xffc, now);
		break;
	case 1:
		check_ipi(vlapic_mmio_write(&l, where & 0xff0, (u32)val, now, &ipi), &ipi);
		break;
	case 2:
		(void)vlapic_msr_read(&l, VLAPIC_MSR_FIRST + (where & 0xff), &v64, now);
		break;
	case 3:
		check_ipi(vlapic_msr_write(&l, VLAPIC_MSR_FIRST + (where & 0xff), val, now, &ipi),
			  &ipi);
		break;
	case 4:
		(void)vlapic_set_base(&l, val);
		break;
	case 5:
		check_ipi(vlapic_set_tsc_deadline(&l, val, val ? now + (val & 0xffffff) : 0), &ipi);
		break;
	case 6:
		(void)vlapic_accept(&l, (u8)val);
		take_one();
		break;
	default:
		if (vlapic_timer_deadline(&l) && vlapic_timer_deadline(&l) <= now)
			(void)vlapic_timer_expire(&l, now);
		take_one();
		break;
	}
	FUZZ_CHECK((l.base & ~0xfffULL) == VLAPIC_BASE_GPA);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 id = fuzz_u8(&in);

	now = 1000000;
	vlapic_init(&l, id, id == 0);
	for (int i = 0; i < MAX_OPS && in.left; i++)
		op(&in);
	return 0;
}
