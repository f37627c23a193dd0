// SPDX-License-Identifier: MIT
/*
 * irqtest.c: interrupts in a partition, seen from inside: the virtual APIC's
 * periodic and TSC-deadline timers, IPIs between the partition's vCPUs, HLT
 * woken by them, TPR masking, INIT and SIPI restarting vCPU 1, and IPIs
 * aimed at APIC IDs the partition does not have (they must reach nobody).
 * Arguments: `mode=x2apic` (default) or `mode=xapic`, `ms=` how long the
 * periodic timer runs (default 200).
 * Prints one "irqtest: ..." line per check; any line with FAILED is a bug.
 * Exits with 0 when every check passed.
 */
#include "guests/lib/apic.h"

#define VEC_TIMER 0x40
#define VEC_IPI   0x51
#define VEC_DL    0x62
#define VEC_LOW   0x35
#define VEC_GO    0x52
#define VEC_WAKE  0x70 /* a slow periodic timer: no wait for an IPI lasts forever */
#define VEC_STRAY 0x7e /* sent to APIC IDs this partition lacks: handled by nobody */
#define IPI_COUNT 100
/* A real-mode page for INIT/SIPI (in the loader's area, zero and unused after start). */
#define SIPI_PAGE  0x90000
#define SIPI_COUNT (SIPI_PAGE + 0x100) /* a word the started code increments */

static volatile u32 ticks, ipis, deadlines, lows, go;
static volatile u32 ap_ready, bsp_ready;
static bool x2apic = true;
static int failures;

/* The periodic run: its start (TSC), one period in TSC ticks, ticks that came early. */
static u64 periodic_start, periodic_tsc;
static volatile u32 early;

/* Tick n may not come before n periods have passed (1% for rounding the clocks). */
static void on_timer(u32 v)
{
	(void)v;
	ticks++;
	if (rdtsc() - periodic_start < ticks * periodic_tsc / 100 * 99)
		early++;
	apic_eoi();
}

static void on_wake(u32 v)
{
	(void)v;
	apic_eoi();
}

static void on_ipi(u32 v)
{
	(void)v;
	__atomic_fetch_add(&ipis, 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static void on_go(u32 v)
{
	(void)v;
	go = 1;
	apic_eoi();
}

static void on_deadline(u32 v)
{
	(void)v;
	deadlines++;
	apic_eoi();
}

static void on_low(u32 v)
{
	(void)v;
	lows++;
	apic_eoi();
}

static void check(bool ok, const char *what, u64 a, u64 b)
{
	printf("irqtest: %s %s (%llu, %llu)\n", what, ok ? "ok" : "FAILED", a, b);
	failures += !ok;
}

/*
 * The periodic timer every 1 ms for `ms` ms of TSC time, waited for with HLT.
 * TCG runs timers late, never early, and a loaded host later still: no tick
 * may come early, and at least a tenth of them must come.
 */
static void test_periodic(u64 ms)
{
	u64 end;

	ticks = early = 0;
	periodic_tsc = tsc_per_ms();
	periodic_start = rdtsc();
	end = periodic_start + ms * periodic_tsc;
	apic_timer(VEC_TIMER, 1000000, true);
	while (rdtsc() < end)
		irq_wait();
	apic_timer(VEC_TIMER, 0, false);
	check(ticks >= ms / 10 && ticks <= ms + 1, "periodic timer ticks", ticks, ms);
	check(early == 0, "no periodic tick early", early, 0);
}

/* Ten TSC deadlines 2 ms apart, each waited for with HLT. */
static void test_deadline(void)
{
	deadlines = 0;
	for (int i = 0; i < 10; i++) {
		u64 due = rdtsc() + 2 * tsc_per_ms();
		u32 before = deadlines;

		apic_timer_deadline(VEC_DL, due);
		while (deadlines == before)
			irq_wait();
		if (rdtsc() < due) {
			check(false, "TSC deadline came early", rdtsc(), due);
			return;
		}
	}
	check(deadlines == 10, "TSC-deadline interrupts", deadlines, 10);
}

/* TPR 0x40 holds back vector 0x35 until it drops again. */
static void test_tpr(void)
{
	lows = 0;
	apic_write(0x80, 0x40);
	apic_send_ipi(apic_id(), VEC_LOW);
	irq_enable();
	delay_ms(5);
	irq_disable();
	check(lows == 0, "TPR holds a lower class back", lows, 0);
	apic_write(0x80, 0);
	irq_enable();
	delay_ms(5);
	irq_disable();
	check(lows == 1, "TPR lowered: delivered", lows, 1);
}

/*
 * vCPU 1 sends 100 IPIs to vCPU 0, each after the previous one was taken
 * (an IPI to a vector already pending merges with it, as on hardware);
 * vCPU 0 waits for each with HLT, a 10 ms timer bounding every wait.
 */
static void test_ipis(void)
{
	u64 end = rdtsc() + 5000 * tsc_per_ms();

	while (!ap_ready && rdtsc() < end)
		cpu_relax();
	ipis = 0;
	apic_timer(VEC_WAKE, 10000000, true);
	apic_send_ipi(1, VEC_GO);
	while (ipis < IPI_COUNT && rdtsc() < end)
		irq_wait();
	apic_timer(VEC_WAKE, 0, false);
	check(ipis == IPI_COUNT, "IPIs from vCPU 1", ipis, IPI_COUNT);
}

void ap_main(u32 vcpu)
{
	u64 end;

	(void)vcpu;
	while (!bsp_ready)
		cpu_relax(); /* the mode is parsed, the page tables hold the APIC page */
	apic_init(x2apic);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	while (!go)
		irq_wait(); /* halted until vCPU 0's IPI */
	end = rdtsc() + 5000 * tsc_per_ms();
	for (u32 i = 0; i < IPI_COUNT && rdtsc() < end; i++) {
		while (ipis < i && rdtsc() < end)
			cpu_relax();
		apic_send_ipi(0, VEC_IPI);
	}
	halt_forever();
}

/* Wait up to 2 s for the word at SIPI_COUNT to reach n. */
static bool sipi_wait(u16 n)
{
	u64 end = rdtsc() + 2000 * tsc_per_ms();

	while (*(volatile u16 *)SIPI_COUNT < n && rdtsc() < end)
		cpu_relax();
	return *(volatile u16 *)SIPI_COUNT >= n;
}

/*
 * INIT (assert, de-assert) and a start-up IPI restart vCPU 1 in real mode at
 * SIPI_PAGE, twice; a start-up IPI without INIT is ignored (SDM Vol. 3A 9.4.4).
 */
static void test_init_sipi(void)
{
	/* mov ax, cs; mov ds, ax; inc word [0x100]; cli; hlt; jmp $-1 */
	static const u8 code[] = { 0x8c, 0xc8, 0x8e, 0xd8, 0xff, 0x06,
				   0x00, 0x01, 0xfa, 0xf4, 0xeb, 0xfd };
	u16 started = 0;

	if (boot_info->cpu_count < 2)
		return;
	memcpy((void *)SIPI_PAGE, code, sizeof(code));
	*(volatile u16 *)SIPI_COUNT = 0;
	for (u16 round = 1; round <= 2; round++) {
		apic_send_icr(1, APIC_ICR_INIT | APIC_ICR_ASSERT | APIC_ICR_LEVEL);
		apic_send_icr(1, APIC_ICR_INIT | APIC_ICR_LEVEL);
		delay_ms(10);
		apic_send_icr(1, APIC_ICR_SIPI | APIC_ICR_ASSERT | (SIPI_PAGE >> 12));
		started += sipi_wait(round);
	}
	check(started == 2, "INIT and SIPI started vCPU 1", started, 2);
	apic_send_icr(1, APIC_ICR_SIPI | APIC_ICR_ASSERT | (SIPI_PAGE >> 12));
	delay_ms(50);
	check(*(volatile u16 *)SIPI_COUNT == 2, "SIPI without INIT ignored",
	      *(volatile u16 *)SIPI_COUNT, 2);
}

/* Fixed IPIs to APIC IDs 2-7: no vCPU of this partition has them, and no other may get them. */
static void send_strays(void)
{
	for (u32 id = 2; id < 8; id++)
		apic_send_ipi(id, VEC_STRAY);
}

int main(void)
{
	char mode[16];
	u64 ms = 200;

	if (arg_str("mode", mode, sizeof(mode)))
		x2apic = strcmp(mode, "xapic") != 0;
	arg_u64("ms", &ms);
	irq_set_handler(VEC_TIMER, on_timer);
	irq_set_handler(VEC_DL, on_deadline);
	irq_set_handler(VEC_LOW, on_low);
	irq_set_handler(VEC_IPI, on_ipi);
	irq_set_handler(VEC_GO, on_go);
	irq_set_handler(VEC_WAKE, on_wake);
	if (apic_init(x2apic)) {
		printf("irqtest: cannot map the APIC page FAILED\n");
		return 1;
	}
	__atomic_store_n(&bsp_ready, 1, __ATOMIC_RELEASE);
	printf("irqtest: %s mode, APIC ID %u, %u vCPU(s)\n", x2apic ? "x2APIC" : "xAPIC", apic_id(),
	       boot_info->cpu_count);
	send_strays();
	test_periodic(ms);
	test_deadline();
	test_tpr();
	test_ipis();
	test_init_sipi();
	check(irq_unexpected == 0, "no stray interrupts", irq_unexpected, 0);
	printf("irqtest: done, %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
