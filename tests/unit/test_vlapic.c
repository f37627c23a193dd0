// SPDX-License-Identifier: MIT
/* test_vlapic.c: the virtual local APIC's registers, priorities, timer and IPIs (SDM Vol. 3A ch. 11). */
// sources: kernel/vlapic.c kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vlapic.h"
#include "tests/unit/doubles.h"

static struct vlapic l;
static struct vlapic_ipi ipi;

static int setup(void **state)
{
	(void)state;
	vlapic_init(&l, 1, false);
	memset(&ipi, 0, sizeof(ipi));
	return 0;
}

static u32 rd(u32 off)
{
	return vlapic_mmio_read(&l, off, 0);
}

static int wr(u32 off, u32 val)
{
	return vlapic_mmio_write(&l, off, val, 0, &ipi);
}

static void enable(void)
{
	wr(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

static void to_x2apic(void)
{
	assert_int_equal(
		vlapic_set_base(&l, VLAPIC_BASE_GPA | MSR_APIC_BASE_EN | MSR_APIC_BASE_EXTD), 0);
}

static void test_power_up_values(void **state)
{
	(void)state;
	assert_true(vlapic_xapic(&l));
	assert_int_equal(rd(APIC_ID), 1 << 24);
	assert_int_equal(rd(APIC_LVR), 0x50014); /* version 0x14, max LVT entry 5 */
	assert_int_equal(rd(APIC_SVR), 0xff);    /* software-disabled */
	assert_int_equal(rd(APIC_DFR), 0xffffffff);
	for (u32 off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 16)
		assert_int_equal(rd(off), APIC_LVT_MASKED);
	assert_int_equal(l.base, VLAPIC_BASE_GPA | MSR_APIC_BASE_EN);
	vlapic_init(&l, 0, true);
	assert_int_equal(l.base, VLAPIC_BASE_GPA | MSR_APIC_BASE_EN | MSR_APIC_BASE_BSP);
	assert_int_equal(rd(0x12), 0); /* not a register start */
	assert_int_equal(rd(0x3c0), 0);
}

static void test_disabled_apic_accepts_nothing(void **state)
{
	(void)state;
	assert_false(vlapic_accept(&l, 0x40)); /* software-disabled */
	enable();
	assert_true(vlapic_accept(&l, 0x40));
	assert_false(vlapic_accept(&l, 5)); /* illegal vector: ESR */
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), APIC_ESR_RECV_ILLEGAL);
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), 0);
	/* Software-disabled: LVTs cannot be unmasked. */
	wr(APIC_SVR, 0xff);
	wr(APIC_LVT_LINT0, 0x700);
	assert_int_equal(rd(APIC_LVT_LINT0), 0x700 | APIC_LVT_MASKED);
}

static void test_priority_and_eoi(void **state)
{
	(void)state;
	enable();
	vlapic_accept(&l, 0x31);
	vlapic_accept(&l, 0x52);
	vlapic_accept(&l, 0x51);
	assert_int_equal(rd(APIC_IRR + 0x20), (1U << 0x12) | (1U << 0x11)); /* IRR dword 2 */
	assert_int_equal(vlapic_pending(&l), 0x52);
	vlapic_ack(&l, 0x52);
	assert_int_equal(rd(APIC_ISR + 0x20), 1U << 0x12);
	assert_int_equal(rd(APIC_PPR), 0x50);
	assert_int_equal(vlapic_pending(&l), -1); /* 0x51 is in the same class: blocked */
	assert_int_equal(wr(APIC_EOI, 0), VLAPIC_ACT_EOI);
	assert_int_equal(rd(APIC_ISR + 0x20), 0);
	assert_int_equal(vlapic_pending(&l), 0x51);
	wr(APIC_TPR, 0x60); /* TPR above both */
	assert_int_equal(rd(APIC_PPR), 0x60);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(APIC_TPR, 0x40);
	assert_int_equal(vlapic_pending(&l), 0x51);
	vlapic_ack(&l, 0x51);
	vlapic_ack(&l, 0x31);
	wr(APIC_EOI, 0); /* ends the highest in service: 0x51 */
	assert_int_equal(rd(APIC_ISR + 0x10), 1U << 0x11);
	assert_int_equal(wr(APIC_EOI, 0), VLAPIC_ACT_EOI);
	assert_int_equal(wr(APIC_EOI, 0), 0); /* nothing in service */
}

static void test_oneshot_and_periodic_timer(void **state)
{
	(void)state;
	enable();
	wr(APIC_TDCR, 0xb); /* divide by 1 */
	wr(APIC_LVT_TIMER, 0x40);
	assert_int_equal(vlapic_mmio_write(&l, APIC_TMICT, 1000, 5000, &ipi), VLAPIC_ACT_TIMER);
	assert_int_equal(vlapic_timer_deadline(&l), 6000); /* 1 GHz bus: 1000 ticks = 1 us */
	assert_int_equal(vlapic_mmio_read(&l, APIC_TMCCT, 5400), 600);
	assert_int_equal(vlapic_timer_expire(&l, 5999), VLAPIC_ACT_TIMER); /* early */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_timer_expire(&l, 6000);
	assert_int_equal(vlapic_pending(&l), 0x40);
	assert_int_equal(vlapic_timer_deadline(&l), 0); /* one-shot: idle */
	assert_int_equal(vlapic_mmio_read(&l, APIC_TMCCT, 7000), 0);
	/* Periodic, divide by 4: reloads; missed periods do not pile up. */
	wr(APIC_TDCR, 1);
	wr(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | 0x41);
	vlapic_mmio_write(&l, APIC_TMICT, 100, 10000, &ipi);
	assert_int_equal(vlapic_timer_deadline(&l), 10400);
	vlapic_timer_expire(&l, 10400);
	assert_int_equal(vlapic_timer_deadline(&l), 10800);
	vlapic_timer_expire(&l, 50000);
	assert_int_equal(vlapic_timer_deadline(&l), 50400);
	assert_int_equal(l.timer_fired, 3);
	/* Masked: it still runs, raises nothing. Initial count 0 stops it. */
	wr(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | APIC_LVT_MASKED | 0x42);
	vlapic_timer_expire(&l, 50400);
	assert_false(l.irr[2] & (1U << 2));
	assert_int_equal(vlapic_mmio_write(&l, APIC_TMICT, 0, 60000, &ipi), VLAPIC_ACT_TIMER);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
}

static void test_tsc_deadline_timer(void **state)
{
	(void)state;
	enable();
	/* Not in TSC-deadline mode: the MSR is ignored. */
	assert_int_equal(vlapic_set_tsc_deadline(&l, 12345, 777), 0);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	wr(APIC_TMICT, 100); /* one-shot running... */
	assert_int_equal(wr(APIC_LVT_TIMER, APIC_TIMER_TSC_DL | 0xef), VLAPIC_ACT_TIMER);
	assert_int_equal(vlapic_timer_deadline(&l), 0); /* ... disarmed by the mode change */
	assert_int_equal(rd(APIC_TMICT), 0);
	assert_int_equal(wr(APIC_TMICT, 100), 0); /* ignored in TSC-deadline mode */
	assert_int_equal(vlapic_set_tsc_deadline(&l, 12345, 777), VLAPIC_ACT_TIMER);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 12345);
	assert_int_equal(vlapic_timer_deadline(&l), 777);
	vlapic_timer_expire(&l, 800);
	assert_int_equal(vlapic_pending(&l), 0xef);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0); /* cleared when it fired */
	vlapic_set_tsc_deadline(&l, 5, 0);                /* in the past: due at once */
	assert_int_equal(vlapic_timer_deadline(&l), 1);
	vlapic_set_tsc_deadline(&l, 0, 0); /* 0 disarms */
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(APIC_LVT_TIMER, 3U << 17); /* reserved mode 11b: one-shot */
	assert_int_equal(rd(APIC_LVT_TIMER) & APIC_LVT_TIMER_MODE, 0);
}

static void test_xapic_icr(void **state)
{
	(void)state;
	enable();
	wr(APIC_ICR2, 0x03000000);
	assert_int_equal(wr(APIC_ICR, 0x4031), VLAPIC_ACT_IPI); /* fixed, vector 0x31 */
	assert_int_equal(ipi.dest, 3);
	assert_int_equal(ipi.vector, 0x31);
	assert_int_equal(ipi.mode, VLAPIC_FIXED);
	assert_false(ipi.logical);
	assert_false(ipi.x2apic);
	assert_int_equal(rd(APIC_ICR) & BIT(12), 0); /* delivery status: idle */
	/* INIT assert, INIT level de-assert, SIPI with page 0x9a. */
	wr(APIC_ICR, 0xc500);
	assert_int_equal(ipi.mode, VLAPIC_INIT);
	assert_false(ipi.level_deassert);
	wr(APIC_ICR, 0x8500);
	assert_true(ipi.level_deassert);
	wr(APIC_ICR, 0x69a);
	assert_int_equal(ipi.mode, VLAPIC_SIPI);
	assert_int_equal(ipi.vector, 0x9a);
	/* All excluding self, logical. */
	wr(APIC_ICR, (3U << 18) | APIC_ICR_LOGICAL | 0x40);
	assert_int_equal(ipi.shorthand, VLAPIC_SH_OTHERS);
	assert_true(ipi.logical);
	/* A fixed IPI with an illegal vector is not sent: ESR. */
	assert_int_equal(wr(APIC_ICR, 0x4002), 0);
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), APIC_ESR_SEND_ILLEGAL);
}

static void test_x2apic_msrs(void **state)
{
	u64 v = 0;

	(void)state;
	vlapic_init(&l, 0x23, false);
	assert_int_equal(vlapic_msr_read(&l, 0x802, &v, 0), -EINVAL); /* xAPIC mode: #GP */
	to_x2apic();
	assert_false(vlapic_xapic(&l));
	assert_int_equal(vlapic_msr_read(&l, 0x802, &v, 0), 0);
	assert_int_equal(v, 0x23);
	assert_int_equal(vlapic_msr_read(&l, 0x80d, &v, 0), 0);
	assert_int_equal(v, (2U << 16) | (1U << 3)); /* cluster 2, bit 3 */
	assert_int_equal(vlapic_msr_write(&l, 0x80f, 0x1ff, 0, &ipi), 0);
	/* #GP: read-only, write-only, absent registers, reserved bits, non-zero EOI. */
	assert_int_equal(vlapic_msr_write(&l, 0x802, 1, 0, &ipi), -EINVAL);
	assert_int_equal(vlapic_msr_write(&l, 0x80d, 1, 0, &ipi), -EINVAL);
	assert_int_equal(vlapic_msr_read(&l, 0x80b, &v, 0), -EINVAL);
	assert_int_equal(vlapic_msr_read(&l, 0x83f, &v, 0), -EINVAL);
	assert_int_equal(vlapic_msr_read(&l, 0x80e, &v, 0), -EINVAL); /* no DFR */
	assert_int_equal(vlapic_msr_read(&l, 0x831, &v, 0), -EINVAL); /* no ICR2 */
	assert_int_equal(vlapic_msr_read(&l, 0x8ff, &v, 0), -EINVAL);
	assert_int_equal(vlapic_msr_write(&l, 0x808, 0x100, 0, &ipi), -EINVAL);
	assert_int_equal(vlapic_msr_write(&l, 0x80b, 1, 0, &ipi), -EINVAL);
	assert_int_equal(vlapic_msr_write(&l, 0x80b, 0, 0, &ipi), 0);
	/* ICR: one 64-bit write, destination in the high half. */
	assert_int_equal(vlapic_msr_write(&l, 0x830, (0x11ULL << 32) | 0x4055, 0, &ipi),
			 VLAPIC_ACT_IPI);
	assert_int_equal(ipi.dest, 0x11);
	assert_int_equal(ipi.vector, 0x55);
	assert_true(ipi.x2apic);
	assert_int_equal(vlapic_msr_read(&l, 0x830, &v, 0), 0);
	assert_int_equal(v, (0x11ULL << 32) | 0x4055);
	/* SELF IPI sets IRR directly. */
	assert_int_equal(vlapic_msr_write(&l, 0x83f, 0x66, 0, &ipi), 0);
	assert_int_equal(vlapic_pending(&l), 0x66);
	assert_int_equal(vlapic_msr_read(&l, 0x823, &v, 0), 0); /* IRR dword 3 */
	assert_int_equal(v, 1U << 6);
}

static void test_base_transitions(void **state)
{
	u64 en = VLAPIC_BASE_GPA | MSR_APIC_BASE_EN, x2 = en | MSR_APIC_BASE_EXTD;

	(void)state;
	enable();
	wr(APIC_TPR, 0x20);
	assert_int_equal(vlapic_set_base(&l, 0xfec00000 | MSR_APIC_BASE_EN), -EINVAL); /* moved */
	assert_int_equal(vlapic_set_base(&l, en | BIT(0)), -EINVAL); /* reserved bit */
	assert_int_equal(vlapic_set_base(&l, en | BIT(52)), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, VLAPIC_BASE_GPA | MSR_APIC_BASE_EXTD), -EINVAL);
	assert_int_equal(vlapic_set_base(&l, x2), 0); /* xAPIC -> x2APIC keeps the state */
	assert_int_equal(l.tpr, 0x20);
	assert_int_equal(vlapic_set_base(&l, en), -EINVAL);        /* x2APIC -> xAPIC directly */
	assert_int_equal(vlapic_set_base(&l, VLAPIC_BASE_GPA), 0); /* -> disabled: reset */
	assert_int_equal(l.tpr, 0);
	assert_false(vlapic_accept(&l, 0x40));
	assert_int_equal(vlapic_set_base(&l, x2), -EINVAL); /* disabled -> x2APIC directly */
	assert_int_equal(vlapic_set_base(&l, en | MSR_APIC_BASE_BSP), 0); /* BSP is read-only */
	assert_int_equal(l.base, en);
}

static void test_destinations(void **state)
{
	(void)state;
	vlapic_init(&l, 2, false);
	assert_true(vlapic_match(&l, 2, false, false));
	assert_true(vlapic_match(&l, 0xff, false, false));
	assert_false(vlapic_match(&l, 3, false, false));
	/* Flat logical: LDR bit per APIC. */
	wr(APIC_LDR, 0x04000000);
	assert_true(vlapic_match(&l, 0x06, true, false));
	assert_false(vlapic_match(&l, 0x01, true, false));
	/* Cluster logical: cluster 1, member bit 2. */
	wr(APIC_DFR, APIC_DFR_CLUSTER);
	wr(APIC_LDR, 0x14000000);
	assert_true(vlapic_match(&l, 0x16, true, false));
	assert_false(vlapic_match(&l, 0x26, true, false));
	assert_false(vlapic_match(&l, 2, true, true)); /* x2APIC format to an xAPIC */
	/* x2APIC: 32-bit physical, cluster logical. */
	to_x2apic();
	assert_true(vlapic_match(&l, 2, false, true));
	assert_true(vlapic_match(&l, 0xffffffff, false, true));
	assert_true(vlapic_match(&l, 0x00000004, true, true));
	assert_false(vlapic_match(&l, 0x00010004, true, true));
	assert_false(vlapic_match(&l, 0x04, true, false));
	/* A disabled APIC matches nothing. */
	vlapic_set_base(&l, VLAPIC_BASE_GPA);
	assert_false(vlapic_match(&l, 0xffffffff, false, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_up_values, setup),
		cmocka_unit_test_setup(test_disabled_apic_accepts_nothing, setup),
		cmocka_unit_test_setup(test_priority_and_eoi, setup),
		cmocka_unit_test_setup(test_oneshot_and_periodic_timer, setup),
		cmocka_unit_test_setup(test_tsc_deadline_timer, setup),
		cmocka_unit_test_setup(test_xapic_icr, setup),
		cmocka_unit_test_setup(test_x2apic_msrs, setup),
		cmocka_unit_test_setup(test_base_transitions, setup),
		cmocka_unit_test_setup(test_destinations, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
