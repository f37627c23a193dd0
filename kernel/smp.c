// SPDX-License-Identifier: MIT
/*
 * smp.c: application processor start-up (SDM Vol. 3A 8.4.4, MP spec 1.4
 * appendix B.4), inter-processor calls, and the NMI that stops every other
 * CPU when one panics.
 */
#define LOG_TAG "cpu"
#include "kernel/smp.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/string.h"
#include "kernel/timemath.h"
#include "kernel/timer.h"
#include "kernel/vector.h"

#define TRAMPOLINE_PA  0x8000ULL         /* boot/trampoline.asm is assembled for this page */
#define TRAMPOLINE_MAX (PAGE_SIZE - 512) /* the top of the page is ap_entry64's first stack */
#define SMP_STACK_SIZE (16 * KiB)
/*
 * INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us (SDM Vol. 3A 8.4.4.1, MP spec
 * B.4). Neither spec bounds how long an AP may take to answer; a real CPU
 * runs its first instruction within microseconds, emulators (TCG, Bochs)
 * within a few milliseconds. We allow 200 ms to be seen running the
 * trampoline and 2 s more to finish its setup in C.
 */
#define SMP_INIT_DELAY_US 10000
#define SMP_SIPI_DELAY_US 200
#define SMP_ALIVE_MS      200
#define SMP_READY_MS      2000
#define SMP_CALL_WARN_NS  (1000 * NSEC_PER_MSEC)

/* Filled in for each AP before its SIPI; the layout is trampoline_data in trampoline.asm. */
struct trampoline_data {
	volatile u32 alive; /* the AP writes 1 as its first act */
	u32 index;
	u32 apic_id;
	u32 reserved;
	u64 stack_top;
	u32 cr3; /* boot page tables, assembled in */
	u32 reserved2;
	u64 entry; /* ap_entry64, assembled in */
};
_Static_assert(sizeof(struct trampoline_data) == 40, "matches boot/trampoline.asm");

extern const u8 trampoline_start[], trampoline_end[], trampoline_data[];

void __noreturn smp_ap_main(u32 index, u32 apic_id_expected);

static u32 online_count = 1;
static u32 ap_ready;        /* index of the last AP that finished its setup */
static paddr_t spare_stack; /* allocated for an AP that never came: reused by the next */

u32 smp_cpu_count(void)
{
	return online_count;
}
u32 smp_cpu_index(void)
{
	return this_cpu()->index;
}

bool smp_cpu_online(u32 cpu)
{
	return cpu < MAX_CPUS && __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
}

/* Wait until *p == want or `ms` pass; true if it happened. */
static bool smp_wait_u32(const volatile u32 *p, u32 want, u64 ms)
{
	u64 end = clock_ns() + ms * NSEC_PER_MSEC;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != want) {
		if (clock_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

/* ---- Inter-processor calls ---- */

struct smp_call_req {
	smp_fn_t fn;
	void *arg;
	bool wait;
	bool done; /* set by the target once fn returned (only when wait) */
};

/*
 * One request slot per target. A sender fills an empty slot by compare-and-
 * swap and sends VEC_SMP_CALL; the target empties it ("taken") before it
 * runs fn. The request lives on the sender's stack, so without `wait` the
 * target must not touch it after taking it.
 */
static struct smp_call_req *call_slot[MAX_CPUS];

/* Serve a request aimed at this CPU, if there is one. */
static void smp_call_poll(void)
{
	u64 flags = irq_save(); /* the IPI handler must not take the same request */
	struct smp_call_req **slot = &call_slot[smp_cpu_index()];
	struct smp_call_req *r = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (r) {
		smp_fn_t fn = r->fn;
		void *arg = r->arg;
		bool wait = r->wait;

		__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
		fn(arg);
		if (wait)
			__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	}
	irq_restore(flags);
}

static void smp_call_irq(struct irq_frame *f)
{
	(void)f;
	smp_call_poll();
}

/* Spin until cond(r, cpu) holds, serving our own calls meanwhile; complain once after 1 s. */
static void smp_spin(u32 cpu, bool (*cond)(u32 cpu, struct smp_call_req *r), struct smp_call_req *r)
{
	u64 warn_at = clock_ns() + SMP_CALL_WARN_NS;
	bool warned = false;

	while (!cond(cpu, r)) {
		smp_call_poll();
		cpu_relax();
		if (!warned && clock_ns() > warn_at) {
			pr_warn("cpu%u: cpu%u has not answered a call for 1 s\n", smp_cpu_index(),
				cpu);
			warned = true;
		}
	}
}

static bool smp_slot_filled(u32 cpu, struct smp_call_req *r)
{
	struct smp_call_req *empty = NULL;

	return __atomic_compare_exchange_n(&call_slot[cpu], &empty, r, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

static bool smp_req_finished(u32 cpu, struct smp_call_req *r)
{
	if (r->wait)
		return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&call_slot[cpu], __ATOMIC_ACQUIRE) != r;
}

static void smp_post(u32 cpu, struct smp_call_req *r)
{
	smp_spin(cpu, smp_slot_filled, r);
	apic_send_ipi(cpus[cpu].apic_id, VEC_SMP_CALL);
}

int smp_call(u32 cpu, smp_fn_t fn, void *arg, bool wait)
{
	struct smp_call_req r = { .fn = fn, .arg = arg, .wait = wait };

	if (!fn || !smp_cpu_online(cpu))
		return -EINVAL;
	if (cpu == smp_cpu_index()) {
		u64 flags = irq_save();

		fn(arg);
		irq_restore(flags);
		return 0;
	}
	smp_post(cpu, &r);
	smp_spin(cpu, smp_req_finished, &r);
	return 0;
}

void smp_call_others(smp_fn_t fn, void *arg, bool wait)
{
	struct smp_call_req r[MAX_CPUS];
	u32 self = smp_cpu_index();

	for (u32 i = 0; i < MAX_CPUS; i++) {
		if (i == self || !smp_cpu_online(i))
			continue;
		r[i] = (struct smp_call_req){ .fn = fn, .arg = arg, .wait = wait };
		smp_post(i, &r[i]);
	}
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (i != self && smp_cpu_online(i))
			smp_spin(i, smp_req_finished, &r[i]);
}

void smp_kick(u32 cpu)
{
	if (smp_cpu_online(cpu) && cpu != smp_cpu_index())
		apic_send_ipi(cpus[cpu].apic_id, VEC_SMP_CALL);
}

/* ---- NMI: the panic stop, and a ping for the self-test ---- */

static bool stopping;
static u32 stopped_count;
static u32 nmi_ping[MAX_CPUS];       /* set by the self-test before its NMI, cleared here */
static u32 nmi_unexpected[MAX_CPUS]; /* external NMIs (LINT1), counted */

/*
 * No printk here: the NMI may have interrupted this CPU inside printk, with
 * the console lock held, and the lock does not nest.
 */
static void smp_nmi(struct irq_frame *f)
{
	u32 self = smp_cpu_index();

	(void)f;
	if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&stopped_count, 1, __ATOMIC_RELEASE);
		cpu_stop(); /* never IRET: further NMIs stay blocked (SDM Vol. 3A 6.7.1) */
	}
	if (!__atomic_exchange_n(&nmi_ping[self], 0, __ATOMIC_ACQ_REL))
		__atomic_add_fetch(&nmi_unexpected[self], 1, __ATOMIC_RELAXED);
}

/* panic_stop_others: NMI every other online CPU and give them 100 ms to halt. */
static void smp_stop_others(void)
{
	u32 self = smp_cpu_index(), want = 0;

	__atomic_store_n(&stopping, true, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < MAX_CPUS; i++) {
		if (i != self && smp_cpu_online(i)) {
			apic_send_nmi(cpus[i].apic_id);
			want++;
		}
	}
	for (int ms = 0; ms < 100 && __atomic_load_n(&stopped_count, __ATOMIC_ACQUIRE) < want; ms++)
		udelay(1000);
}

/* ---- Application processor start-up ---- */

static void __noreturn smp_idle(void)
{
	for (;;)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory"); /* STI's shadow covers HLT */
}

/* Called by ap_entry64 (boot/trampoline.asm) on the AP's own stack and page tables. */
void smp_ap_main(u32 index, u32 apic_id_expected)
{
	cpu_init(index, apic_id_expected);
	apic_init_cpu();
	if (apic_id() != apic_id_expected) {
		pr_warn("cpu%u: APIC ID is %u, the MADT said %u\n", index, apic_id(),
			apic_id_expected);
		cpus[index].apic_id = apic_id();
	}
	__atomic_store_n(&ap_ready, index, __ATOMIC_RELEASE);
	smp_idle();
}

/* The AP's stack (a guard page below it), or the one a CPU that never came left behind. */
static paddr_t smp_alloc_stack(u32 index)
{
	char name[32];
	paddr_t base = spare_stack;

	if (base) {
		spare_stack = 0;
		return base;
	}
	snformat(name, sizeof(name), "cpu%u stack", index);
	return mm_stack_alloc(SMP_STACK_SIZE, name);
}

/* INIT-SIPI-SIPI, then wait for the AP to show life and to finish its setup. */
static int smp_start_ap(struct trampoline_data *td, const struct acpi_cpu *c, u32 index)
{
	paddr_t stack = smp_alloc_stack(index);
	bool alive = false;

	if (!stack)
		return -ENOMEM;
	td->alive = 0;
	td->index = index;
	td->apic_id = c->apic_id;
	td->stack_top = stack + SMP_STACK_SIZE;
	__atomic_store_n(&ap_ready, 0, __ATOMIC_SEQ_CST);
	apic_send_init(c->apic_id);
	udelay(SMP_INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		apic_send_sipi(c->apic_id, (u8)(TRAMPOLINE_PA >> PAGE_SHIFT));
		udelay(SMP_SIPI_DELAY_US);
	}
	alive = smp_wait_u32(&td->alive, 1, SMP_ALIVE_MS);
	if (alive && smp_wait_u32(&ap_ready, index, SMP_READY_MS)) {
		online_count++;
		return 0;
	}
	if (alive)
		pr_err("APIC id %u started but did not finish its setup\n", c->apic_id);
	else if (c->enabled)
		pr_err("APIC id %u did not start\n", c->apic_id);
	else
		pr_info("APIC id %u did not start (a hot-plug slot: not enabled in the MADT)\n",
			c->apic_id);
	apic_send_init(c->apic_id); /* park it: a late start must not run with the next AP's data */
	__atomic_store_n(&cpus[index].online, false, __ATOMIC_RELEASE);
	spare_stack = stack;
	return -ETIMEDOUT;
}

/* The trampoline page must be RAM nobody else uses (the pool never hands out the first MiB). */
static struct trampoline_data *smp_install_trampoline(const struct boot_info *bi)
{
	u64 size = (uintptr_t)trampoline_end - (uintptr_t)trampoline_start;
	bool ram = false;

	if (size > TRAMPOLINE_MAX)
		panic("cpu: the AP trampoline is %llu bytes, more than %llu", size, TRAMPOLINE_MAX);
	for (unsigned int i = 0; i < bi->mem_count; i++) {
		const struct mem_region *m = &bi->mem[i];

		if (m->type == MEM_RAM && m->base <= TRAMPOLINE_PA &&
		    m->base + m->len >= TRAMPOLINE_PA + PAGE_SIZE)
			ram = true;
	}
	for (unsigned int i = 0; i < bi->mod_count; i++)
		if (bi->mods[i].start < TRAMPOLINE_PA + PAGE_SIZE &&
		    bi->mods[i].end > TRAMPOLINE_PA)
			ram = false;
	if (!ram) {
		pr_err("page 0x%llx is not free RAM: cannot start the other CPUs\n", TRAMPOLINE_PA);
		return NULL;
	}
	memcpy(phys_to_virt(TRAMPOLINE_PA), trampoline_start, size);
	return phys_to_virt(TRAMPOLINE_PA + (uintptr_t)trampoline_data -
			    (uintptr_t)trampoline_start);
}

/*
 * Start each CPU the MADT lists, hot-plug slots (online capable) included: one
 * that answers is used. Returns how many CPUs the MADT lists (boot CPU included).
 */
static u32 smp_start_listed(struct trampoline_data *td)
{
	u32 listed = 0, next = 1, self = cpus[0].apic_id;
	bool self_listed = false;

	for (unsigned int i = 0; i < acpi.madt.cpu_count && i < ACPI_MAX_CPUS; i++) {
		const struct acpi_cpu *c = &acpi.madt.cpus[i]; /* acpi.c dropped duplicates */

		listed++;
		if (c->apic_id == self) {
			self_listed = true;
		} else if (c->apic_id > apic_max_id()) {
			pr_err("APIC id %u is out of reach in xAPIC mode; left out\n", c->apic_id);
		} else if (next >= MAX_CPUS) {
			pr_warn("APIC id %u left out: at most %u CPUs are supported\n", c->apic_id,
				MAX_CPUS);
		} else if (td && smp_start_ap(td, c, next) == 0) {
			next++;
		}
	}
	if (!self_listed) {
		pr_warn("the boot CPU (APIC id %u) is not in the MADT\n", self);
		listed++;
	}
	return listed;
}

void smp_init(const struct boot_info *bi)
{
	struct trampoline_data *td = NULL;
	u32 listed = 1;

	cpus[0].apic_id = apic_id();
	if (idt_set_handler(VEC_SMP_CALL, smp_call_irq) || idt_set_handler(VEC_NMI, smp_nmi))
		panic("cpu: IPI vectors already taken");
	panic_stop_others = smp_stop_others;
	if (!acpi.have_madt) {
		pr_warn("no MADT: running on the boot CPU only\n");
	} else {
		td = smp_install_trampoline(bi);
		listed = smp_start_listed(td);
	}
	pr_info("%u of %u CPUs online\n", online_count, listed);
}

/* ---- Self-tests ---- */

#define PINGPONG_ROUNDS 10

struct pingpong {
	u32 from, to;
	u32 pongs; /* answers `from` received */
	u32 bad;   /* calls that ran on the wrong CPU */
};

static bool pp_on(u32 cpu)
{
	return smp_cpu_index() == cpu && apic_id() == cpus[cpu].apic_id;
}

static void pp_pong(void *arg) /* on `from` */
{
	struct pingpong *p = arg;

	p->bad += !pp_on(p->from);
	p->pongs++;
}

static void pp_ping(void *arg) /* on `to`: answer with an IPI back */
{
	struct pingpong *p = arg;

	p->bad += !pp_on(p->to);
	smp_call(p->from, pp_pong, p, false);
}

static void pp_run(void *arg) /* on `from` */
{
	struct pingpong *p = arg;

	for (int i = 0; i < PINGPONG_ROUNDS; i++)
		smp_call(p->to, pp_ping, p, true);
}

/* Every ordered pair of CPUs: `from` IPIs `to`, which IPIs `from` back, 10 times. */
SELFTEST(smp_ipi_pingpong)
{
	u32 pairs = 0;
	u64 t0 = clock_ns();

	if (smp_cpu_count() < 2) {
		snformat(msg, msglen, "only one CPU online");
		return SELFTEST_SKIP;
	}
	for (u32 a = 0; a < MAX_CPUS; a++) {
		for (u32 b = 0; b < MAX_CPUS; b++) {
			struct pingpong p = { .from = a, .to = b };

			if (a == b || !smp_cpu_online(a) || !smp_cpu_online(b))
				continue;
			smp_call(a, pp_run, &p, true);
			pairs++;
			if (p.pongs != PINGPONG_ROUNDS || p.bad) {
				snformat(msg, msglen,
					 "cpu%u -> cpu%u: %u of %u answers, %u on the wrong CPU", a,
					 b, p.pongs, PINGPONG_ROUNDS, p.bad);
				return SELFTEST_FAIL;
			}
		}
	}
	printk(LOG_INFO, "# smp_ipi_pingpong: %u pairs x %u round trips, %llu us per round trip\n",
	       pairs, PINGPONG_ROUNDS,
	       (clock_ns() - t0) / NSEC_PER_USEC / (pairs * PINGPONG_ROUNDS));
	return SELFTEST_PASS;
}

static u32 smp_nmi_unexpected(void)
{
	u32 n = 0;

	for (u32 i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&nmi_unexpected[i], __ATOMIC_ACQUIRE);
	return n;
}

/* The panic stop's delivery path: an NMI reaches every other CPU and its handler. */
SELFTEST(smp_nmi)
{
	u32 self = smp_cpu_index(), unexpected = smp_nmi_unexpected();

	if (smp_cpu_count() < 2) {
		snformat(msg, msglen, "only one CPU online");
		return SELFTEST_SKIP;
	}
	for (u32 i = 0; i < MAX_CPUS; i++) {
		if (i == self || !smp_cpu_online(i))
			continue;
		__atomic_store_n(&nmi_ping[i], 1, __ATOMIC_SEQ_CST);
		apic_send_nmi(cpus[i].apic_id);
		if (!smp_wait_u32(&nmi_ping[i], 0, 100)) {
			snformat(msg, msglen, "cpu%u did not take an NMI within 100 ms", i);
			return SELFTEST_FAIL;
		}
	}
	if (smp_nmi_unexpected() != unexpected) {
		snformat(msg, msglen, "%u NMIs taken as unexpected",
			 smp_nmi_unexpected() - unexpected);
		return SELFTEST_FAIL;
	}
	return SELFTEST_PASS;
}

static void panic_here(void *arg)
{
	(void)arg;
	panic("selftest smp_panic_stop: cpu%u panics on purpose", smp_cpu_index());
}

/*
 * Destructive, so it runs only when it is the one test named
 * (selftest=smp_panic_stop), never under "all": the last CPU panics while
 * this one spins with interrupts off; the panic's NMI must halt us here.
 * The system test then finds every CPU halted from the outside.
 */
SELFTEST(smp_panic_stop)
{
	u32 victim = 0;
	u64 end;

	if (strcmp(hv_config.selftest, "smp_panic_stop")) {
		snformat(msg, msglen, "destructive: run it alone with selftest=smp_panic_stop");
		return SELFTEST_SKIP;
	}
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (smp_cpu_online(i) && i != smp_cpu_index())
			victim = i;
	if (!victim) {
		snformat(msg, msglen, "only one CPU online");
		return SELFTEST_SKIP;
	}
	irq_disable();
	smp_call(victim, panic_here, NULL, false);
	end = clock_ns() + 5 * NSEC_PER_SEC;
	while (clock_ns() < end)
		cpu_relax();
	snformat(msg, msglen, "still running 5 s after cpu%u panicked", victim);
	return SELFTEST_FAIL;
}

static u32 self_ipi_seen;

static void self_ipi_handler(struct irq_frame *f)
{
	__atomic_store_n(&self_ipi_seen, (u32)f->vector, __ATOMIC_RELEASE);
}

/* An allocated vector takes a fixed interrupt (the way an MSI arrives) and is freed again. */
SELFTEST(vector_self_ipi)
{
	int v = vector_alloc(self_ipi_handler);
	u64 flags;
	bool ok;

	if (v < 0) {
		snformat(msg, msglen, "vector_alloc: %d", v);
		return SELFTEST_FAIL;
	}
	__atomic_store_n(&self_ipi_seen, 0, __ATOMIC_SEQ_CST);
	flags = irq_save();
	apic_send_ipi(apic_id(), (u8)v);
	irq_enable();
	ok = smp_wait_u32(&self_ipi_seen, (u32)v, 100);
	if (!(flags & BIT(9)))
		irq_disable();
	vector_free(v);
	if (!ok)
		snformat(msg, msglen, "no interrupt on vector 0x%x within 100 ms", v);
	return ok ? SELFTEST_PASS : SELFTEST_FAIL;
}
