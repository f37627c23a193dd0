// SPDX-License-Identifier: MIT
/*
 * vlapic.c: the virtual local APIC: registers, priorities, the timer and the
 * interrupt command register (SDM Vol. 3A chapter 11). Every value written
 * is the guest's; nothing here touches hardware.
 */
#include "kernel/vlapic.h"
#include "kernel/string.h"

#define LVT_INDEX(off) (((off)-APIC_LVT_TIMER) >> 4)
#define LVT_TIMER_BITS (APIC_LVT_VECTOR | APIC_LVT_MASKED | APIC_LVT_TIMER_MODE)
#define LVT_LINT_BITS \
	(APIC_LVT_VECTOR | APIC_LVT_MODE | APIC_LVT_POLARITY | APIC_LVT_TRIGGER | APIC_LVT_MASKED)
#define LVT_OTHER_BITS    (APIC_LVT_VECTOR | APIC_LVT_MODE | APIC_LVT_MASKED)
#define LVT_ERROR_BITS    (APIC_LVT_VECTOR | APIC_LVT_MASKED)
#define SVR_BITS          (GENMASK(7, 0) | APIC_SVR_ENABLE)
#define TDCR_BITS         (BIT(0) | BIT(1) | BIT(3))
#define ICR_DELIVERY_BUSY BIT(12) /* Delivery Status: always idle here */
#define ICR_BITS          (GENMASK(11, 0) | BIT(14) | BIT(15) | GENMASK(19, 18))
#define BASE_ADDR_MASK    GENMASK(51, 12)
#define BASE_BITS         (MSR_APIC_BASE_BSP | MSR_APIC_BASE_EXTD | MSR_APIC_BASE_EN | BASE_ADDR_MASK)

/* The writable bits of each LVT entry, timer first (SDM figure 11-8). */
static const u32 lvt_bits[VLAPIC_LVT_COUNT] = {
	LVT_TIMER_BITS, LVT_OTHER_BITS, LVT_OTHER_BITS,
	LVT_LINT_BITS,  LVT_LINT_BITS,  LVT_ERROR_BITS,
};

/* The x2APIC logical ID follows from the APIC ID (SDM 11.12.10.2): cluster, then one bit. */
static u32 vlapic_x2_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

void vlapic_reset(struct vlapic *l)
{
	u32 id = l->id;
	u64 base = l->base;

	memset(l, 0, sizeof(*l));
	l->id = id;
	l->base = base;
	l->dfr = APIC_DFR_FLAT;
	l->svr = 0xff;
	for (int i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	if (vlapic_x2apic(l))
		l->ldr = vlapic_x2_ldr(id);
}

void vlapic_init(struct vlapic *l, u32 id, bool bsp)
{
	l->id = id;
	l->base = VLAPIC_BASE_GPA | MSR_APIC_BASE_EN | (bsp ? MSR_APIC_BASE_BSP : 0);
	vlapic_reset(l);
}

int vlapic_set_base(struct vlapic *l, u64 val)
{
	bool was_en = vlapic_enabled(l), was_x2 = vlapic_x2apic(l);
	bool en = val & MSR_APIC_BASE_EN, x2 = val & MSR_APIC_BASE_EXTD;

	if ((val & ~BASE_BITS) || (val & BASE_ADDR_MASK) != VLAPIC_BASE_GPA)
		return -EINVAL; /* reserved bits, or a relocated APIC (not offered) */
	if ((x2 && !en) || (was_x2 && en && !x2) || (!was_en && x2))
		return -EINVAL; /* invalid transitions (SDM 11.12.5, figure 11-27) */
	l->base = (val & ~MSR_APIC_BASE_BSP) | (l->base & MSR_APIC_BASE_BSP);
	if (!en)
		vlapic_reset(l); /* a disabled APIC starts from power-up values again */
	else if (!was_x2 && x2)
		l->ldr = vlapic_x2_ldr(l->id); /* the rest of the state carries over (11.12.5.1) */
	return 0;
}

/* Highest set bit of a 256-bit register, or -1. */
static int vlapic_highest(const u32 *reg)
{
	for (int i = 7; i >= 0; i--) {
		u32 w = __atomic_load_n(&reg[i], __ATOMIC_ACQUIRE);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* PPR (SDM 11.8.3.1): the higher of TPR and the class of the highest in-service vector. */
static u32 vlapic_ppr(const struct vlapic *l)
{
	int isrv = vlapic_highest(l->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
	int irrv = vlapic_highest(l->irr);

	if (irrv < 0 || !vlapic_enabled(l))
		return -1;
	return ((u32)irrv & 0xf0) > (vlapic_ppr(l) & 0xf0) ? irrv : -1;
}

bool vlapic_accept(struct vlapic *l, u8 vector)
{
	u64 base = __atomic_load_n(&l->base, __ATOMIC_ACQUIRE);
	u32 svr = __atomic_load_n(&l->svr, __ATOMIC_ACQUIRE);

	if (vector < 16) {
		__atomic_fetch_or(&l->esr_pending, APIC_ESR_RECV_ILLEGAL, __ATOMIC_ACQ_REL);
		return false;
	}
	if (!(base & MSR_APIC_BASE_EN) || !(svr & APIC_SVR_ENABLE))
		return false;
	__atomic_fetch_or(&l->irr[vector >> 5], 1U << (vector & 31), __ATOMIC_ACQ_REL);
	return true;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	__atomic_fetch_and(&l->irr[vector >> 5], ~(1U << (vector & 31)), __ATOMIC_ACQ_REL);
	l->isr[vector >> 5] |= 1U << (vector & 31);
	l->tmr[vector >> 5] &= ~(1U << (vector & 31)); /* edge: only MSIs and IPIs arrive here */
}

/* EOI: the highest in-service interrupt is done (SDM 11.8.5). */
static int vlapic_eoi(struct vlapic *l)
{
	int v = vlapic_highest(l->isr);

	if (v < 0)
		return 0;
	l->isr[v >> 5] &= ~(1U << (v & 31));
	return VLAPIC_ACT_EOI;
}

/* ---- The timer (SDM 11.5.4) ---- */

static u32 vlapic_timer_mode(const struct vlapic *l)
{
	return l->lvt[0] & APIC_LVT_TIMER_MODE;
}

/* Divide Configuration: bits 0, 1 and 3 select 2, 4, ..., 128, or 1 (SDM figure 11-10). */
static u64 vlapic_divide(const struct vlapic *l)
{
	u32 v = (l->tdcr & 3) | ((l->tdcr >> 1) & 4);

	return v == 7 ? 1 : 2ULL << v;
}

static u64 vlapic_period(const struct vlapic *l)
{
	return (u64)l->tmict * vlapic_divide(l) * (1000000000ULL / VLAPIC_BUS_HZ);
}

static u32 vlapic_current_count(const struct vlapic *l, u64 now)
{
	u64 left;

	if (!l->timer_deadline || vlapic_timer_mode(l) == APIC_TIMER_TSC_DL ||
	    now >= l->timer_deadline)
		return 0;
	left = (l->timer_deadline - now) / vlapic_divide(l);
	return (u32)MIN(left, (u64)l->tmict);
}

static int vlapic_start_count(struct vlapic *l, u32 count, u64 now)
{
	l->tmict = count;
	if (vlapic_timer_mode(l) == APIC_TIMER_TSC_DL)
		return 0; /* the initial count is ignored in TSC-deadline mode */
	l->timer_start = now;
	l->timer_deadline = count ? now + vlapic_period(l) : 0;
	return VLAPIC_ACT_TIMER;
}

int vlapic_set_tsc_deadline(struct vlapic *l, u64 tsc, u64 deadline)
{
	if (vlapic_timer_mode(l) != APIC_TIMER_TSC_DL)
		return 0; /* writes are ignored outside TSC-deadline mode (SDM 11.5.4.1) */
	l->tsc_deadline = tsc;
	l->timer_deadline = tsc ? MAX(deadline, 1ULL) : 0;
	return VLAPIC_ACT_TIMER;
}

u64 vlapic_get_tsc_deadline(const struct vlapic *l)
{
	return vlapic_timer_mode(l) == APIC_TIMER_TSC_DL ? l->tsc_deadline : 0;
}

int vlapic_timer_expire(struct vlapic *l, u64 now)
{
	u64 period = vlapic_period(l);

	if (!l->timer_deadline)
		return 0;
	if (now < l->timer_deadline)
		return VLAPIC_ACT_TIMER; /* early: arm again for what is left */
	l->timer_fired++;
	if (!(l->lvt[0] & APIC_LVT_MASKED))
		vlapic_accept(l, l->lvt[0] & APIC_LVT_VECTOR);
	if (vlapic_timer_mode(l) == APIC_TIMER_PERIODIC && period) {
		l->timer_deadline += period;
		if (l->timer_deadline <= now) /* periods missed: no burst of catch-up interrupts */
			l->timer_deadline = now + period;
	} else {
		l->timer_deadline = 0;
		l->tsc_deadline = 0; /* the MSR reads 0 once the deadline passed */
	}
	return VLAPIC_ACT_TIMER;
}

/* An LVT write; a change into or out of TSC-deadline mode disarms the timer. */
static int vlapic_lvt_write(struct vlapic *l, u32 off, u32 val)
{
	u32 i = LVT_INDEX(off), old_mode = vlapic_timer_mode(l);

	val &= lvt_bits[i];
	if (!(l->svr & APIC_SVR_ENABLE))
		val |= APIC_LVT_MASKED; /* software-disabled: every LVT stays masked (11.4.7.2) */
	if (i == 0 && (val & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_MODE)
		val &= ~APIC_LVT_TIMER_MODE; /* mode 11b is reserved: one-shot */
	l->lvt[i] = val;
	if (i != 0 || (val & APIC_LVT_TIMER_MODE) == old_mode)
		return 0;
	if (old_mode == APIC_TIMER_TSC_DL || (val & APIC_LVT_TIMER_MODE) == APIC_TIMER_TSC_DL) {
		l->tmict = 0;
		l->tsc_deadline = 0;
		l->timer_deadline = 0;
		return VLAPIC_ACT_TIMER;
	}
	return 0;
}

static void vlapic_svr_write(struct vlapic *l, u32 val)
{
	__atomic_store_n(&l->svr, val & SVR_BITS, __ATOMIC_RELEASE);
	if (!(val & APIC_SVR_ENABLE))
		for (int i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= APIC_LVT_MASKED;
}

/* ---- The interrupt command register (SDM 11.6.1) ---- */

static int vlapic_send(struct vlapic *l, u32 dest, struct vlapic_ipi *ipi)
{
	u8 mode = (l->icr >> APIC_ICR_MODE_SHIFT) & 7;

	*ipi = (struct vlapic_ipi){
		.dest = dest,
		.vector = l->icr & APIC_ICR_VECTOR,
		.mode = mode,
		.shorthand = (l->icr >> APIC_ICR_SH_SHIFT) & 3,
		.logical = l->icr & APIC_ICR_LOGICAL,
		.x2apic = vlapic_x2apic(l),
		.level_deassert = mode == VLAPIC_INIT && (l->icr & APIC_ICR_LEVEL) &&
				  !(l->icr & APIC_ICR_ASSERT),
	};
	if ((mode == VLAPIC_FIXED || mode == VLAPIC_LOWEST) && ipi->vector < 16) {
		l->esr_pending |= APIC_ESR_SEND_ILLEGAL;
		return 0;
	}
	return VLAPIC_ACT_IPI;
}

/* ---- Register access, shared by both modes ---- */

/* A register by its xAPIC offset; false when there is none there. */
/* The register arrays: ISR, TMR, IRR (8 dwords each) and the LVTs. */
static bool vlapic_array_read(const struct vlapic *l, u32 off, u32 *v)
{
	if (off >= APIC_ISR && off < APIC_ISR + 0x80)
		*v = l->isr[(off - APIC_ISR) >> 4];
	else if (off >= APIC_TMR && off < APIC_TMR + 0x80)
		*v = l->tmr[(off - APIC_TMR) >> 4];
	else if (off >= APIC_IRR && off < APIC_IRR + 0x80)
		*v = __atomic_load_n(&l->irr[(off - APIC_IRR) >> 4], __ATOMIC_ACQUIRE);
	else if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR)
		*v = l->lvt[LVT_INDEX(off)];
	else
		return false;
	return true;
}

static bool vlapic_reg_read(struct vlapic *l, u32 off, u64 now, u32 *v)
{
	if (vlapic_array_read(l, off, v))
		return true;
	if (off == APIC_ID)
		*v = vlapic_x2apic(l) ? l->id : l->id << 24;
	else if (off == APIC_LVR)
		*v = VLAPIC_VERSION | (VLAPIC_MAX_LVT << 16);
	else if (off == APIC_TPR)
		*v = l->tpr;
	else if (off == APIC_PPR)
		*v = vlapic_ppr(l);
	else if (off == APIC_LDR)
		*v = l->ldr;
	else if (off == APIC_DFR && !vlapic_x2apic(l))
		*v = l->dfr;
	else if (off == APIC_SVR)
		*v = l->svr;
	else if (off == APIC_ESR)
		*v = l->esr;
	else if (off == APIC_ICR)
		*v = l->icr;
	else if (off == APIC_ICR2 && !vlapic_x2apic(l))
		*v = l->icr2;
	else if (off == APIC_TMICT)
		*v = l->tmict;
	else if (off == APIC_TMCCT)
		*v = vlapic_current_count(l, now);
	else if (off == APIC_TDCR)
		*v = l->tdcr;
	else if (off == APIC_APR || off == APIC_RRD || off == APIC_EOI)
		*v = 0;
	else
		return false;
	return true;
}

/* Writes common to both modes (ICR and the mode-specific registers are the callers'). */
static int vlapic_reg_write(struct vlapic *l, u32 off, u32 val, u64 now)
{
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR)
		return vlapic_lvt_write(l, off, val);
	switch (off) {
	case APIC_TPR:
		l->tpr = val & 0xff;
		return VLAPIC_ACT_EOI; /* a lower priority may unblock pending interrupts */
	case APIC_EOI:
		return vlapic_eoi(l);
	case APIC_SVR:
		vlapic_svr_write(l, val);
		return 0;
	case APIC_ESR:
		l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_ACQ_REL);
		return 0;
	case APIC_TMICT:
		return vlapic_start_count(l, val, now);
	case APIC_TDCR:
		l->tdcr = val & TDCR_BITS;
		return 0;
	default:
		return 0; /* read-only registers: writes are ignored in xAPIC mode */
	}
}

u32 vlapic_mmio_read(struct vlapic *l, u32 off, u64 now)
{
	u32 v = 0;

	if ((off & 0xf) || !vlapic_reg_read(l, off, now, &v))
		return 0;
	return v;
}

int vlapic_mmio_write(struct vlapic *l, u32 off, u32 val, u64 now, struct vlapic_ipi *ipi)
{
	if (off & 0xf)
		return 0;
	switch (off) {
	case APIC_LDR:
		l->ldr = val & GENMASK(31, 24);
		return 0;
	case APIC_DFR:
		l->dfr = (val & GENMASK(31, 28)) | GENMASK(27, 0);
		return 0;
	case APIC_ICR2:
		l->icr2 = val & GENMASK(31, 24);
		return 0;
	case APIC_ICR:
		l->icr = val & ICR_BITS & ~ICR_DELIVERY_BUSY;
		return vlapic_send(l, l->icr2 >> 24, ipi);
	default:
		return vlapic_reg_write(l, off, val, now);
	}
}

/* ---- x2APIC MSRs (SDM 11.12.1.2, table 11-6): stricter, every misuse is #GP ---- */

static u32 vlapic_msr_off(u32 msr)
{
	return (msr - VLAPIC_MSR_FIRST) << 4;
}

int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val, u64 now)
{
	u32 off = vlapic_msr_off(msr), v;

	if (!vlapic_x2apic(l) || msr < VLAPIC_MSR_FIRST || msr > VLAPIC_MSR_LAST ||
	    off == APIC_EOI || off == APIC_SELF_IPI || off == APIC_APR || off == APIC_RRD ||
	    !vlapic_reg_read(l, off, now, &v))
		return -EINVAL;
	*val = off == APIC_ICR ? (u64)l->icr2 << 32 | l->icr : v;
	return 0;
}

/* The bits an x2APIC write may set, 0 for registers that cannot be written. */
static u64 vlapic_msr_writable(u32 off)
{
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR)
		return lvt_bits[LVT_INDEX(off)];
	switch (off) {
	case APIC_TPR:
	case APIC_SELF_IPI:
		return 0xff;
	case APIC_SVR:
		return SVR_BITS;
	case APIC_TMICT:
		return 0xffffffff;
	case APIC_TDCR:
		return TDCR_BITS;
	case APIC_ICR:
		return GENMASK(63, 32) | ICR_BITS;
	case APIC_EOI:
	case APIC_ESR:
		return ~0ULL; /* writable, but only with 0 */
	default:
		return 0;
	}
}

int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi)
{
	u32 off = vlapic_msr_off(msr);
	u64 ok = vlapic_msr_writable(off);

	if (!vlapic_x2apic(l) || msr < VLAPIC_MSR_FIRST || msr > VLAPIC_MSR_LAST || !ok ||
	    (val & ~ok) || ((off == APIC_EOI || off == APIC_ESR) && val))
		return -EINVAL;
	if (off == APIC_SELF_IPI) {
		vlapic_accept(l, (u8)val); /* fixed, edge, to this APIC (11.12.11) */
		return 0;
	}
	if (off == APIC_ICR) {
		l->icr = (u32)val;
		l->icr2 = (u32)(val >> 32);
		return vlapic_send(l, l->icr2, ipi);
	}
	return vlapic_reg_write(l, off, (u32)val, now);
}

/* ---- Destinations (SDM 11.6.2) ---- */

static bool vlapic_match_logical(const struct vlapic *l, u32 dest, bool x2apic_format)
{
	u8 d = dest & 0xff, ldr8 = l->ldr >> 24;

	if (x2apic_format) /* cluster in 31:16, a bit per APIC in 15:0 */
		return vlapic_x2apic(l) &&
		       (dest == 0xffffffffU ||
			((dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff)));
	if (vlapic_x2apic(l))
		return false; /* 8-bit logical destinations cannot name an x2APIC */
	if (d == 0xff)
		return true;
	if ((l->dfr >> 28) == 0xf) /* flat model: a bit per APIC */
		return d & ldr8;
	return (d >> 4) == (ldr8 >> 4) && (d & ldr8 & 0xf); /* cluster model */
}

bool vlapic_match(const struct vlapic *l, u32 dest, bool logical, bool x2apic_format)
{
	if (!vlapic_enabled(l))
		return false;
	if (logical)
		return vlapic_match_logical(l, dest, x2apic_format);
	if (x2apic_format)
		return dest == 0xffffffffU || dest == l->id;
	return (dest & 0xff) == 0xff || (dest & 0xff) == l->id;
}
