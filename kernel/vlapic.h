/* SPDX-License-Identifier: MIT */
/*
 * vlapic.h: the virtual local APIC of one vCPU (SDM Vol. 3A chapter 11,
 * "Advanced Programmable Interrupt Controller"): its registers in xAPIC mode
 * (the 4 KiB page at 0xFEE00000, reached through nested-page faults) and in
 * x2APIC mode (MSRs 0x800-0x8FF), the interrupt request and in-service
 * state, task and processor priority, the timer (one-shot, periodic and
 * TSC-deadline) and the interrupt command register. Pure logic: time comes
 * in as nanoseconds of the hypervisor's clock, an IPI comes out as a request
 * the caller resolves among the partition's own vCPUs, so host unit tests
 * run it. Only vlapic_accept() may be called from another CPU.
 */
#ifndef KERNEL_VLAPIC_H
#define KERNEL_VLAPIC_H

#include "kernel/types.h"

#define VLAPIC_BASE_GPA  0xfee00000ULL /* the only base a partition's APIC may have */
#define VLAPIC_PAGE_SIZE 0x1000ULL
#define VLAPIC_BUS_HZ    1000000000ULL /* the timer's input clock: 1 tick per ns (before divide) */
#define VLAPIC_VERSION   0x14          /* an integrated APIC, as on every x86-64 CPU */
#define VLAPIC_MAX_LVT   5             /* timer, thermal, performance, LINT0, LINT1, error */

/* IA32_APIC_BASE (MSR 0x1B, SDM Vol. 3A 11.4.4 and 11.12.1) */
#define MSR_APIC_BASE_BSP  BIT(8)
#define MSR_APIC_BASE_EXTD BIT(10) /* x2APIC mode */
#define MSR_APIC_BASE_EN   BIT(11) /* xAPIC global enable */

#define VLAPIC_MSR_FIRST 0x800 /* x2APIC registers: MSR 800h + offset / 16 */
#define VLAPIC_MSR_LAST  0x8ff

/* Register fields stay indented under their register (STYLE.md 3). */
/* clang-format off */
/* xAPIC register offsets in the APIC page; x2APIC MSR = 0x800 + offset / 16 (SDM table 11-6). */
#define APIC_ID       0x020
#define APIC_LVR      0x030 /* Local APIC Version Register */
#define APIC_TPR      0x080 /* Task Priority Register */
#define APIC_APR      0x090 /* Arbitration Priority Register */
#define APIC_PPR      0x0a0 /* Processor Priority Register */
#define APIC_EOI      0x0b0
#define APIC_RRD      0x0c0 /* Remote Read Register */
#define APIC_LDR      0x0d0 /* Logical Destination Register */
#define APIC_DFR      0x0e0 /* Destination Format Register (xAPIC only) */
#define  APIC_DFR_FLAT    0xffffffffU
#define  APIC_DFR_CLUSTER 0x0fffffffU
#define APIC_SVR      0x0f0 /* Spurious Interrupt Vector Register */
#define  APIC_SVR_ENABLE BIT(8) /* APIC software enable */
#define APIC_ISR      0x100 /* In-Service Register, 8 dwords 16 bytes apart */
#define APIC_TMR      0x180 /* Trigger Mode Register */
#define APIC_IRR      0x200 /* Interrupt Request Register */
#define APIC_ESR      0x280 /* Error Status Register */
#define  APIC_ESR_SEND_ILLEGAL BIT(5) /* Send Illegal Vector */
#define  APIC_ESR_RECV_ILLEGAL BIT(6) /* Receive Illegal Vector */
#define  APIC_ESR_ILLEGAL_REG  BIT(7) /* Illegal Register Address */
#define APIC_ICR      0x300 /* Interrupt Command Register, low half */
#define  APIC_ICR_VECTOR    GENMASK(7, 0)
#define  APIC_ICR_MODE_SHIFT 8 /* Delivery Mode, bits 10:8 */
#define  APIC_ICR_LOGICAL   BIT(11)
#define  APIC_ICR_ASSERT    BIT(14) /* Level: 0 = de-assert (INIT level de-assert) */
#define  APIC_ICR_LEVEL     BIT(15) /* Trigger Mode */
#define  APIC_ICR_SH_SHIFT  18     /* Destination Shorthand, bits 19:18 */
#define APIC_ICR2     0x310 /* high half (xAPIC): destination in bits 31:24 */
#define APIC_LVT_TIMER   0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF    0x340
#define APIC_LVT_LINT0   0x350
#define APIC_LVT_LINT1   0x360
#define APIC_LVT_ERROR   0x370
#define  APIC_LVT_VECTOR     GENMASK(7, 0)
#define  APIC_LVT_MODE       GENMASK(10, 8) /* delivery mode (thermal, performance, LINTn) */
#define  APIC_LVT_POLARITY   BIT(13)
#define  APIC_LVT_TRIGGER    BIT(15)
#define  APIC_LVT_MASKED     BIT(16)
#define  APIC_LVT_TIMER_MODE GENMASK(18, 17)
#define   APIC_TIMER_ONESHOT  (0ULL << 17)
#define   APIC_TIMER_PERIODIC (1ULL << 17)
#define   APIC_TIMER_TSC_DL   (2ULL << 17)
#define APIC_TMICT    0x380 /* timer Initial Count */
#define APIC_TMCCT    0x390 /* timer Current Count */
#define APIC_TDCR     0x3e0 /* timer Divide Configuration */
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */
/* clang-format on */

/* ICR delivery modes (SDM Vol. 3A 11.6.1). */
enum vlapic_mode {
	VLAPIC_FIXED = 0,
	VLAPIC_LOWEST = 1,
	VLAPIC_SMI = 2,
	VLAPIC_NMI = 4,
	VLAPIC_INIT = 5,
	VLAPIC_SIPI = 6,
};

/* ICR destination shorthands. */
enum vlapic_shorthand { VLAPIC_SH_NONE, VLAPIC_SH_SELF, VLAPIC_SH_ALL, VLAPIC_SH_OTHERS };

#define VLAPIC_LVT_COUNT (VLAPIC_MAX_LVT + 1)

struct vlapic {
	u32 id;   /* the vCPU's APIC ID: its index in the partition */
	u64 base; /* IA32_APIC_BASE */
	u32 tpr, ldr, dfr, svr, esr, esr_pending, icr, icr2;
	u32 lvt[VLAPIC_LVT_COUNT]; /* by (offset - APIC_LVT_TIMER) / 16 */
	u32 tmict, tdcr;
	u64 timer_start;    /* ns: when the count started (one-shot, periodic) */
	u64 timer_deadline; /* ns: the next expiry, 0 when the timer is idle */
	u64 tsc_deadline;   /* IA32_TSC_DEADLINE as the guest wrote it */
	u32 irr[8];         /* set by any CPU (atomically), taken by the vCPU's own */
	u32 isr[8], tmr[8];
	u64 timer_fired; /* statistics */
};

/* What an IPI asks for; the caller finds its targets among the partition's vLAPICs. */
struct vlapic_ipi {
	u32 dest; /* 8-bit xAPIC or 32-bit x2APIC destination */
	u8 vector;
	u8 mode;      /* enum vlapic_mode */
	u8 shorthand; /* enum vlapic_shorthand */
	bool logical;
	bool x2apic;         /* the sender is in x2APIC mode: dest is 32 bits wide */
	bool level_deassert; /* INIT level de-assert: does nothing (SDM 11.6.1) */
};

/* What a register write asks the caller to do (bits; a negative value means #GP). */
#define VLAPIC_ACT_TIMER BIT(0) /* the timer's deadline changed: arm or cancel */
#define VLAPIC_ACT_IPI   BIT(1) /* *ipi holds an IPI to send */
#define VLAPIC_ACT_EOI   BIT(2) /* an interrupt was ended: more may now be deliverable */

/* The APIC after power-on: xAPIC mode, enabled, software-disabled, every LVT masked. */
void vlapic_init(struct vlapic *l, u32 id, bool bsp);

/* INIT (SDM 11.4.7.3): registers to their power-up values; base and mode are kept. */
void vlapic_reset(struct vlapic *l);

static inline bool vlapic_enabled(const struct vlapic *l)
{
	return l->base & MSR_APIC_BASE_EN;
}

static inline bool vlapic_x2apic(const struct vlapic *l)
{
	return (l->base & MSR_APIC_BASE_EXTD) && vlapic_enabled(l);
}

/* True in xAPIC mode: the page at VLAPIC_BASE_GPA is the APIC's. */
static inline bool vlapic_xapic(const struct vlapic *l)
{
	return vlapic_enabled(l) && !(l->base & MSR_APIC_BASE_EXTD);
}

/*
 * IA32_APIC_BASE: a write that moves the base, sets reserved bits or makes a
 * transition the SDM forbids (11.12.5: x2APIC straight to xAPIC, disabled
 * straight to x2APIC, EXTD without EN) is refused: -EINVAL (#GP).
 */
int vlapic_set_base(struct vlapic *l, u64 val);

/* An xAPIC register access of 4 bytes at page offset `off` (16-byte aligned registers). */
u32 vlapic_mmio_read(struct vlapic *l, u32 off, u64 now);
int vlapic_mmio_write(struct vlapic *l, u32 off, u32 val, u64 now, struct vlapic_ipi *ipi);

/* An x2APIC MSR (0x800-0x8FF): 0 / actions, or -EINVAL when the access gives #GP. */
int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val, u64 now);
int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, u64 now, struct vlapic_ipi *ipi);

/*
 * IA32_TSC_DEADLINE written with `tsc` (0 disarms), which is `deadline` in ns
 * of the hypervisor's clock; armed only in TSC-deadline mode. Returns actions.
 */
int vlapic_set_tsc_deadline(struct vlapic *l, u64 tsc, u64 deadline);
u64 vlapic_get_tsc_deadline(const struct vlapic *l);

/*
 * Raise a fixed interrupt: set its IRR bit (atomically: any CPU may call).
 * Vectors 0-15 are illegal (ESR); a disabled APIC accepts nothing. Returns
 * true when the bit was set.
 */
bool vlapic_accept(struct vlapic *l, u8 vector);

/* The vector to deliver now (highest IRR above the processor priority), or -1. */
int vlapic_pending(const struct vlapic *l);

/* The CPU took `vector` (from vlapic_pending): IRR -> ISR. */
void vlapic_ack(struct vlapic *l, u8 vector);

/* The ns deadline of the timer's next expiry, 0 when idle. */
static inline u64 vlapic_timer_deadline(const struct vlapic *l)
{
	return l->timer_deadline;
}

/* The timer is due at `now`: raise its interrupt (unless masked), reload if periodic. */
int vlapic_timer_expire(struct vlapic *l, u64 now);

/*
 * Whether destination `dest` (physical or logical, 8-bit xAPIC or 32-bit
 * x2APIC format) names this APIC; the broadcast IDs name every APIC.
 */
bool vlapic_match(const struct vlapic *l, u32 dest, bool logical, bool x2apic_format);

#endif
