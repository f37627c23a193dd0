// SPDX-License-Identifier: MIT
/*
 * timer.c: the TSC frequency (CPUID leaf 0x15/0x16, SDM Vol. 3B 18.7.3, or
 * calibration against a reference clock), clock_ns/udelay on the TSC, and
 * one-shot events on each CPU's APIC timer.
 */
#define LOG_TAG "timer"
#include "kernel/timer.h"
#include "kernel/apic.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/refclk.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timemath.h"
#include "kernel/vector.h"

/* Outside these a frequency is a broken measurement or a lying CPUID, not a clock. */
#define TSC_HZ_MIN      10000000ULL    /* 10 MHz: below any x86 TSC, emulators included */
#define TSC_HZ_MAX      20000000000ULL /* 20 GHz */
#define APIC_HZ_MIN     1000000ULL     /* 1 MHz */
#define APIC_HZ_MAX     20000000000ULL
#define CAL_MS          50    /* one calibration window */
#define CAL_RUNS        3     /* windows; the median is used */
#define CPUID_AGREE_PPM 10000 /* CPUID must agree with a measurement to 1 % */
#define CAL_SPREAD_PPM  1000  /* windows further apart than 0.1 % deserve a warning */

static u64 tsc_hz, apic_hz;
static struct tm_scale tsc_to_ns, ns_to_tsc, ns_to_apic;
static const struct refclk *ref;

/* The one pending event of each CPU. */
struct timer_cpu {
	void (*fn)(void);
	u64 deadline; /* clock_ns() */
};
static struct timer_cpu timers[MAX_CPUS];

u64 timer_tsc_hz(void)
{
	return tsc_hz;
}
u64 timer_apic_hz(void)
{
	return apic_hz;
}
const struct refclk *timer_refclk(void)
{
	return ref;
}

u64 clock_ns(void)
{
	return tm_scale(&tsc_to_ns, rdtsc());
}

u64 timer_tsc_to_ns(u64 tsc)
{
	return tm_scale(&tsc_to_ns, tsc);
}

void udelay(u64 us)
{
	u64 start = rdtsc();
	u64 ticks = tm_scale(&ns_to_tsc, us > ~0ULL / NSEC_PER_USEC ? ~0ULL : us * NSEC_PER_USEC);

	assert(tsc_hz); /* udelay before timer_init would not wait at all */
	while (rdtsc() - start < ticks)
		cpu_relax();
}

/* ---- One-shot events ---- */

static void timer_program(const struct timer_cpu *t, u64 now)
{
	u64 ticks = tm_scale(&ns_to_apic, t->deadline > now ? t->deadline - now : 0);

	apic_timer_oneshot((u32)MIN(MAX(ticks, 1), 0xffffffffULL));
}

/*
 * The APIC timer counts at most 2^32 ticks and its frequency is a
 * measurement, so an interrupt may come before the deadline: then it is
 * programmed again for what is left.
 */
static void timer_irq(struct irq_frame *f)
{
	struct timer_cpu *t = &timers[smp_cpu_index()];
	void (*fn)(void) = t->fn;
	u64 now = clock_ns();

	(void)f;
	if (!fn)
		return;
	if (now < t->deadline) {
		timer_program(t, now);
		return;
	}
	t->fn = NULL;
	fn();
}

static void timer_arm_here(u64 ns, void (*fn)(void))
{
	struct timer_cpu *t = &timers[smp_cpu_index()];
	u64 flags = irq_save(), now = clock_ns();

	t->fn = fn;
	t->deadline = ns > ~0ULL - now ? ~0ULL : now + ns;
	timer_program(t, now);
	irq_restore(flags);
}

struct timer_req {
	u64 ns;
	void (*fn)(void);
};

static void timer_arm_call(void *arg)
{
	const struct timer_req *r = arg;

	timer_arm_here(r->ns, r->fn);
}

int timer_arm(u32 cpu, u64 ns, void (*fn)(void))
{
	struct timer_req r = { .ns = ns, .fn = fn };

	if (!fn || !smp_cpu_online(cpu))
		return -EINVAL;
	if (cpu == smp_cpu_index()) {
		timer_arm_here(ns, fn);
		return 0;
	}
	return smp_call(cpu, timer_arm_call, &r, true);
}

void timer_cancel(void)
{
	u64 flags = irq_save();

	timers[smp_cpu_index()].fn = NULL;
	apic_timer_oneshot(0);
	irq_restore(flags);
}

/* ---- Frequencies ---- */

#define MHZ_FMT     "%llu.%03llu MHz"
#define MHZ_ARG(hz) (hz) / 1000000, ((hz) / 1000) % 1000

struct cal_point {
	u64 ref, tsc;
	u32 apic;
};

struct cal_sample {
	u64 ref_ticks, tsc, apic;
};

/*
 * Read the reference, the TSC and the APIC timer as nearly at once as we can:
 * of 8 tries, the one whose reads took the fewest TSC ticks (a reference read
 * can stall, e.g. on an emulator's device lock), with the TSC taken halfway.
 */
static void timer_point(const struct refclk *r, struct cal_point *p)
{
	u64 best = ~0ULL;

	for (int i = 0; i < 8; i++) {
		u64 t0 = rdtsc(), v = r->read();
		u32 apic = apic_timer_current();
		u64 t1 = rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*p = (struct cal_point){ .ref = v, .tsc = t0 + best / 2, .apic = apic };
		}
	}
}

/* One window of CAL_MS: how far the TSC and the APIC timer advance against r. */
static void timer_measure(const struct refclk *r, struct cal_sample *s)
{
	u64 want = r->hz * CAL_MS / 1000, got = 0, last;
	struct cal_point p0, p1;

	apic_timer_free_run();
	timer_point(r, &p0);
	last = p0.ref;
	while (got < want) { /* poll often enough never to miss a wrap */
		u64 now = r->read();

		got += refclk_delta(r, last, now);
		last = now;
	}
	timer_point(r, &p1);
	s->ref_ticks = got + refclk_delta(r, last, p1.ref);
	s->tsc = p1.tsc - p0.tsc;
	s->apic = p0.apic - p1.apic;
	apic_timer_oneshot(0);
}

static void timer_sort(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* CAL_RUNS windows against r: the median TSC and APIC timer frequencies and the TSC's spread. */
static void timer_calibrate(const struct refclk *r, u64 *tsc, u64 *apic, u64 *spread_ppm)
{
	u64 t[CAL_RUNS], a[CAL_RUNS];

	for (int i = 0; i < CAL_RUNS; i++) {
		struct cal_sample s;

		timer_measure(r, &s);
		t[i] = tm_freq(s.tsc, r->hz, s.ref_ticks);
		a[i] = tm_freq(s.apic, r->hz, s.ref_ticks);
	}
	timer_sort(t, CAL_RUNS);
	timer_sort(a, CAL_RUNS);
	*tsc = t[CAL_RUNS / 2];
	*apic = a[CAL_RUNS / 2];
	*spread_ppm = tm_ppm_diff(t[CAL_RUNS - 1], t[0]);
}

/* The TSC frequency CPUID states (leaf 0x15, else 0x16), or 0; *leaf says which. */
static u64 timer_cpuid_hz(u32 *leaf)
{
	u32 a, b, c, d;

	if (cpu_features.max_leaf >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d); /* TSC = crystal Hz (ECX) * EBX / EAX */
		if (a && b && c) {
			*leaf = 0x15;
			return tm_mul_div(c, b, a, NULL);
		}
	}
	if (cpu_features.max_leaf >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d); /* EAX[15:0]: processor base frequency, MHz */
		if (a & 0xffff) {
			*leaf = 0x16;
			return (u64)(a & 0xffff) * 1000000;
		}
	}
	return 0;
}

static const struct refclk *timer_pick_ref(void)
{
	static const struct {
		const char *name;
		const struct refclk *(*probe)(void);
	} refs[] = { { "pm", pmtimer_probe }, { "hpet", hpet_probe }, { "pit", pit_probe } };
	const struct refclk *r;

	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		if (strcmp(hv_config.timer_ref, refs[i].name))
			continue;
		r = refs[i].probe();
		if (r)
			return r;
		pr_err("timer_ref=%s: no such clock here; trying the others\n", refs[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		r = refs[i].probe();
		if (r)
			return r;
	}
	return NULL;
}

/* CPUID's value when it is believable and a measurement (if any) agrees; else the measurement. */
static void timer_choose_tsc(u64 cpuid_hz, u32 leaf, u64 measured, char *how, size_t len)
{
	enum tm_source src =
		tm_pick_freq(cpuid_hz, measured, TSC_HZ_MIN, TSC_HZ_MAX, CPUID_AGREE_PPM, &tsc_hz);

	if (cpuid_hz && src != TM_STATED)
		pr_warn("CPUID leaf 0x%x says the TSC runs at %llu Hz, the %s measures %llu Hz: not used\n",
			leaf, cpuid_hz, ref ? ref->name : "(no reference)", measured);
	if (src == TM_STATED)
		snformat(how, len, "from CPUID leaf 0x%x%s%s", leaf,
			 ref ? ", confirmed by the " : "", ref ? ref->name : "");
	else if (src == TM_MEASURED)
		snformat(how, len, "calibrated against the %s", ref->name);
	else if (measured)
		panic("timer: the TSC measures %llu Hz against the %s, which no x86 CPU has: calibration failed",
		      measured, ref->name);
	else
		panic("timer: no TSC frequency: CPUID gives none and there is no ACPI PM timer, HPET or PIT to measure it against");
}

static u64 timer_rdtsc(void)
{
	return rdtsc();
}

void timer_init(void)
{
	static struct refclk tsc_ref = { .name = "TSC", .mask = ~0ULL, .read = timer_rdtsc };
	u64 cpuid_hz, measured = 0, spread = 0, unused;
	u32 leaf = 0;
	char how[96];

	if (idt_set_handler(VEC_APIC_TIMER, timer_irq))
		panic("timer: vector 0x%x already taken", VEC_APIC_TIMER);
	ref = timer_pick_ref();
	cpuid_hz = timer_cpuid_hz(&leaf);
	if (ref)
		timer_calibrate(ref, &measured, &apic_hz, &spread);
	timer_choose_tsc(cpuid_hz, leaf, measured, how, sizeof(how));
	if (!ref) { /* CPUID only: the APIC timer is measured against the TSC itself */
		tsc_ref.hz = tsc_hz;
		timer_calibrate(&tsc_ref, &unused, &apic_hz, &unused);
	}
	if (apic_hz < APIC_HZ_MIN || apic_hz > APIC_HZ_MAX)
		panic("timer: the APIC timer measures %llu Hz against the %s: calibration failed",
		      apic_hz, ref ? ref->name : "TSC");
	if (tm_scale_init(&tsc_to_ns, NSEC_PER_SEC, tsc_hz) ||
	    tm_scale_init(&ns_to_tsc, tsc_hz, NSEC_PER_SEC) ||
	    tm_scale_init(&ns_to_apic, apic_hz, NSEC_PER_SEC))
		panic("timer: cannot convert at " MHZ_FMT, MHZ_ARG(tsc_hz));
	pr_info("TSC " MHZ_FMT " (%s), APIC timer " MHZ_FMT "\n", MHZ_ARG(tsc_hz), how,
		MHZ_ARG(apic_hz));
	if (ref)
		pr_info("calibration: %d x %d ms against the %s (%llu Hz), TSC spread %llu ppm\n",
			CAL_RUNS, CAL_MS, ref->name, ref->hz, spread);
	if (spread > CAL_SPREAD_PPM)
		pr_warn("the calibration runs disagree by %llu ppm: the clock may be off\n",
			spread);
	if (!cpu_features.invariant_tsc)
		pr_info("the TSC is not marked invariant (CPUID 0x80000007): assuming it keeps its rate\n");
}

/* ---- Self-test ---- */

#define ST_NS      (100 * NSEC_PER_MSEC)
#define ST_MAX_PPM 20000 /* 2 % */

static const struct refclk *st_pm;
static u64 st_ns;     /* the interval being measured */
static u32 st_waiter; /* the CPU running the test, woken by each event */
static bool st_gave_up;
static struct {
	u64 start, end; /* PM timer */
	bool fired;
} st[MAX_CPUS];

static void st_fired(void)
{
	u32 i = smp_cpu_index();

	st[i].end = st_pm->read();
	__atomic_store_n(&st[i].fired, true, __ATOMIC_RELEASE);
	smp_kick(st_waiter);
}

static void st_give_up(void)
{
	__atomic_store_n(&st_gave_up, true, __ATOMIC_RELEASE);
}

static void st_arm(void *arg)
{
	u32 i = smp_cpu_index();

	(void)arg;
	st[i].fired = false;
	st[i].start = st_pm->read();
	timer_arm(i, st_ns, st_fired);
}

static bool st_all_fired(void)
{
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (smp_cpu_online(i) && !__atomic_load_n(&st[i].fired, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/*
 * Halt until every CPU's event fired (each kicks us) or 1 s after our own.
 * Halting, not spinning, keeps this CPU from stealing time from the others
 * under an emulator, where that time would show up as timer lateness.
 */
static void st_wait(void)
{
	u64 flags = irq_save();
	bool give_up_armed = false;

	while (!st_all_fired() && !__atomic_load_n(&st_gave_up, __ATOMIC_ACQUIRE)) {
		if (st[st_waiter].fired && !give_up_armed) {
			timer_arm(st_waiter, 10 * ST_NS, st_give_up);
			give_up_armed = true;
		}
		__asm__ __volatile__("sti; hlt; cli" ::: "memory"); /* STI's shadow covers HLT */
	}
	timer_cancel();
	irq_restore(flags);
}

/*
 * Each CPU's result as a deviation from 100 ms in ppm: the latest (late > 0)
 * and the earliest (early > 0). Returns false (msg set) if one never fired.
 */
static bool st_check(u64 *late, u64 *early, char *msg, size_t msglen)
{
	*late = *early = 0;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		u64 us;

		if (!smp_cpu_online(i))
			continue;
		if (!st[i].fired) {
			snformat(msg, msglen, "cpu%u: the 100 ms timer did not fire within 1 s", i);
			return false;
		}
		us = tm_mul_div(refclk_delta(st_pm, st[i].start, st[i].end), 1000000, st_pm->hz,
				NULL);
		printk(LOG_INFO,
		       "# timer_oneshot_100ms: cpu%u fired after %llu us by the PM timer\n", i, us);
		if (us > 100000)
			*late = MAX(*late, (us - 100000) * 10);
		else
			*early = MAX(*early, (100000 - us) * 10);
	}
	return true;
}

static void st_run(u64 ns)
{
	st_ns = ns;
	st_waiter = smp_cpu_index();
	st_gave_up = false;
	smp_call_others(st_arm, NULL, true);
	st_arm(NULL);
	st_wait();
}

/*
 * A 100 ms one-shot on every CPU at once, timed by the ACPI PM timer: within
 * 2 %. Firing early is always a failure. Firing late can also be the host
 * not scheduling an emulator's CPU thread in time, so a late attempt is
 * reported and retried, up to 3 attempts.
 */
SELFTEST(timer_oneshot_100ms)
{
	u64 late, early;

	st_pm = pmtimer_probe();
	if (!st_pm) {
		snformat(msg, msglen, "no ACPI PM timer");
		return SELFTEST_SKIP;
	}
	st_run(NSEC_PER_MSEC); /* warm-up: under an emulator, the first run of a path is slow */
	for (int attempt = 1; attempt <= 3; attempt++) {
		st_run(ST_NS);
		if (!st_check(&late, &early, msg, msglen))
			return SELFTEST_FAIL;
		if (early > ST_MAX_PPM) {
			snformat(msg, msglen, "fired %llu ppm early (more than 2 %%), see above",
				 early);
			return SELFTEST_FAIL;
		}
		if (late <= ST_MAX_PPM)
			return SELFTEST_PASS;
		printk(LOG_INFO,
		       "# timer_oneshot_100ms: attempt %d: %llu ppm late, more than 2 %%\n",
		       attempt, late);
	}
	snformat(msg, msglen, "late by more than 2 %% in 3 attempts, see above");
	return SELFTEST_FAIL;
}
