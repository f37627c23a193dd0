// SPDX-License-Identifier: MIT
/*
 * pvnet.c: paravirtual NICs and the fast path that switches them (kernel/pvnet.h).
 *
 * CPU 0 polls: it is the hypervisor's own CPU (partitions get CPUs 1 and up),
 * so the fast path costs no partition a CPU, and it already serves the PF's
 * mailbox interrupt. It polls while there is traffic; after PVNET_SPIN empty
 * rounds it naps (HLT with its one-shot timer armed for PVNET_NAP_NS, or until
 * any interrupt), so an idle system does not burn a CPU, at the price of up to
 * PVNET_NAP_NS for the first frame after a quiet spell (rings wait meanwhile:
 * there is no doorbell, so polling partitions never exit). One CPU and one loop own the PF's queue pair and every
 * port's private state: no lock on the hot path. Ports are registered at
 * boot before the loop starts; a partition that stops (any CPU) only flips
 * its port's state, which the loop reads once per frame. Each round takes a
 * burst of up to PVNET_BURST frames from the PF's receive ring and copies
 * each into the buffer its partition posted (one copy), then pulls up to
 * PVNET_BURST frames from each partition's TX ring straight into the PF's
 * transmit buffers (one copy) with one tail write per burst. Indices are
 * published once per burst, counters once per burst.
 */
#define LOG_TAG "pvnet"
#include "kernel/pvnet.h"
#include "drivers/igb.h"
#include "drivers/igb_fp.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/pvring.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"

#define PVNET_MAX_PORTS IGB_PF_MACS
#define PVNET_BURST     32
#define PVNET_SPIN      2048        /* empty rounds before CPU 0 naps */
#define PVNET_NAP_NS    (50 * 1000) /* a nap: the longest a frame waits after a quiet spell */
#define PVNET_ALIGN     (2 * MiB)   /* a 2 MiB page of its own: the guest maps it write-back */
#define ETH_HLEN        14

enum { PVNET_RUNNING = 0, PVNET_STOPPED = 1 };

struct pvnet_port {
	struct pvring ring; /* the loop's */
	u64 mac_key;        /* the MAC as a number, for the demux */
	u32 rx_round;       /* frames for this port in the current receive burst */
	bool tx_broken, rx_broken;
	int state; /* PVNET_RUNNING or PVNET_STOPPED, atomic */
	struct partition *p;
	void *window;
	paddr_t window_pa;
	u64 gpa;
	struct ratelimit spoof_rl;
};

static struct pvnet_port *pvnet_ports[PVNET_MAX_PORTS];
static u32 pvnet_count;

/* Frames the fast path received that no running port takes. */
static struct {
	u64 unclaimed, multicast, runt, bad;
} pvnet_drops;

static bool pvnet_running(const struct pvnet_port *pp)
{
	return __atomic_load_n(&pp->state, __ATOMIC_ACQUIRE) == PVNET_RUNNING;
}

/* ---- log lines (the guest can trigger these: rate-limited or once per change) ---- */

static void pvnet_log_spoof(struct pvnet_port *pp, const u8 *src)
{
	const u8 *m = pp->ring.mac;
	u32 n = ratelimit_check(&pp->spoof_rl);

	if (!n)
		return;
	pr_warn("%s: dropped a frame with source MAC %02x:%02x:%02x:%02x:%02x:%02x: its MAC is "
		"%02x:%02x:%02x:%02x:%02x:%02x (%llu dropped so far)\n",
		pp->p->name, src[0], src[1], src[2], src[3], src[4], src[5], m[0], m[1], m[2], m[3],
		m[4], m[5], (u64)pp->ring.st.tx_spoofed);
}

/* A ring went broken (a producer index more than a ring ahead) or was repaired. */
static void pvnet_log_ring(struct pvnet_port *pp, bool rx, bool broken)
{
	bool *was = rx ? &pp->rx_broken : &pp->tx_broken;

	if (*was == broken)
		return;
	*was = broken;
	if (broken)
		pr_warn("%s: %s ring ignored: producer index 0x%x is more than %u ahead of 0x%x\n",
			pp->p->name, rx ? "RX" : "TX", pp->ring.err.prod, HV_PVNET_RING,
			pp->ring.err.cons);
	else
		pr_info("%s: %s ring repaired\n", pp->p->name, rx ? "RX" : "TX");
}

/* ---- receive: the PF's queue -> the partitions' RX rings ---- */

static void pvnet_push(struct pvnet_port *pp, const struct igb_fp_frame *f)
{
	int r = pvring_rx_push(&pp->ring, f->data, f->len);

	pp->rx_round++;
	if (r == -PVRING_ERING || pp->rx_broken)
		pvnet_log_ring(pp, true, r == -PVRING_ERING);
}

/* Broadcast goes to every running port but its sender (the NIC loops a pool's own back). */
static void pvnet_broadcast(const struct igb_fp_frame *f, u64 sa)
{
	for (u32 i = 0; i < pvnet_count; i++)
		if (pvnet_ports[i]->mac_key != sa && pvnet_running(pvnet_ports[i]))
			pvnet_push(pvnet_ports[i], f);
}

static void pvnet_deliver(const struct igb_fp_frame *f)
{
	const u8 *d = f->data;
	u64 da, sa;

	if (f->len < ETH_HLEN) {
		pvnet_drops.runt += f->len != 0;
		pvnet_drops.bad += f->len == 0;
		return;
	}
	sa = pvring_mac_key(d + 6);
	da = pvring_mac_key(d);
	if (d[0] & 1) {
		if (da == 0xffffffffffffULL)
			return pvnet_broadcast(f, sa);
		pvnet_drops.multicast++; /* pv NICs join no group */
		return;
	}
	for (u32 i = 0; i < pvnet_count; i++) {
		struct pvnet_port *pp = pvnet_ports[i];

		if (pp->mac_key != da)
			continue;
		/* A frame from the port itself came back through the NIC's loopback. */
		if (sa != da && pvnet_running(pp))
			return pvnet_push(pp, f);
		break;
	}
	pvnet_drops.unclaimed++;
}

/* Publish what the burst did, and charge its ticks to the ports by their frames. */
static void pvnet_rx_finish(u32 n, u64 ticks)
{
	for (u32 i = 0; i < pvnet_count; i++) {
		struct pvnet_port *pp = pvnet_ports[i];

		if (!pp->rx_round)
			continue;
		pvring_rx_done(&pp->ring);
		pp->ring.st.hv_ticks += ticks * pp->rx_round / n;
		pp->rx_round = 0;
		pvring_publish(&pp->ring);
	}
}

static u32 pvnet_rx_round(void)
{
	struct igb_fp_frame f[PVNET_BURST];
	u32 n = igb_fp_rx_burst(f, PVNET_BURST);
	u64 t0;

	if (!n)
		return 0;
	t0 = rdtsc();
	for (u32 k = 0; k < n; k++)
		pvnet_deliver(&f[k]);
	igb_fp_rx_release(n);
	pvnet_rx_finish(n, rdtsc() - t0);
	return n;
}

/* ---- transmit: a partition's TX ring -> the PF's queue ---- */

static u32 pvnet_tx_round(struct pvnet_port *pp)
{
	u64 errors = pp->ring.st.ring_errors, t0;
	u32 n = pvring_tx_pending(&pp->ring), k;
	bool broken = pp->ring.st.ring_errors != errors;

	if (broken || pp->tx_broken)
		pvnet_log_ring(pp, false, broken);
	if (!n)
		return 0;
	t0 = rdtsc();
	n = MIN(n, PVNET_BURST);
	/* cppcheck-suppress knownConditionTrueFalse ; it takes n for a constant */
	for (k = 0; k < n; k++) {
		u8 *slot = igb_fp_tx_slot();
		int len;

		if (!slot)
			break; /* the rest waits in the guest's ring */
		len = pvring_tx_pull(&pp->ring, slot, IGB_FP_BUF);
		if (len > 0)
			igb_fp_tx_post((u32)len);
		else if (len == -HV_PVNET_ESPOOF)
			pvnet_log_spoof(pp, slot + 6);
	}
	igb_fp_tx_flush();
	pvring_tx_done(&pp->ring);
	pp->ring.st.hv_ticks += rdtsc() - t0;
	pvring_publish(&pp->ring);
	return k;
}

/* ---- the loop ---- */

static bool pvnet_any_running(void)
{
	for (u32 i = 0; i < pvnet_count; i++)
		if (pvnet_running(pvnet_ports[i]))
			return true;
	return false;
}

static void pvnet_links(bool up)
{
	for (u32 i = 0; i < pvnet_count; i++)
		if (pvnet_running(pvnet_ports[i]))
			pvring_set_link(&pvnet_ports[i]->ring, up);
}

static void pvnet_wake(void)
{
}

/* HLT until the timer (or any interrupt); STI's shadow keeps the wake-up from slipping in first. */
static void pvnet_nap(void)
{
	irq_disable();
	timer_arm(smp_cpu_index(), PVNET_NAP_NS, pvnet_wake);
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

void pvnet_run(void)
{
	u32 idle = 0;

	if (!pvnet_count)
		return;
	pr_info("fast path: CPU 0 polls the PF's queue for %u pv NIC(s)\n", pvnet_count);
	pvnet_links(true);
	for (;;) {
		u32 work = pvnet_rx_round();

		for (u32 i = 0; i < pvnet_count; i++)
			if (pvnet_running(pvnet_ports[i]))
				work += pvnet_tx_round(pvnet_ports[i]);
		if (work) {
			idle = 0;
			continue;
		}
		if (++idle < PVNET_SPIN) {
			cpu_relax();
			continue;
		}
		if (!pvnet_any_running())
			break;
		pvnet_nap();
		idle = 0;
	}
	pr_info("fast path: no pv partition is running; CPU 0 stops polling (dropped: %llu "
		"unclaimed, %llu multicast, %llu runt, %llu bad)\n",
		pvnet_drops.unclaimed, pvnet_drops.multicast, pvnet_drops.runt, pvnet_drops.bad);
}

/* ---- ports ---- */

static const char *pvnet_mac_error(int r)
{
	switch (r) {
	case -EEXIST:
		return "its MAC is in use";
	case -ENOSPC:
		return "the PF has no receive address left for it";
	default:
		return "there is no igb PF with a queue of its own to switch it";
	}
}

static int pvnet_window(struct pvnet_port *pp, struct partition *p)
{
	pp->window_pa = phys_alloc(HV_PVNET_SIZE, PAGE_SIZE);
	if (!pp->window_pa)
		return -ENOMEM;
	pp->window = phys_to_virt(pp->window_pa);
	pp->gpa = ALIGN_UP(p->gpa_free, PVNET_ALIGN);
	if (gpmap_map_ram(&p->gpm, pp->gpa, pp->window_pa, HV_PVNET_SIZE)) {
		phys_free(pp->window_pa, HV_PVNET_SIZE);
		return -ENOMEM;
	}
	p->gpa_free = pp->gpa + HV_PVNET_SIZE;
	pvring_init(&pp->ring, pp->window, p->ram, p->ram_size, p->cfg.mac);
	return 0;
}

int pvnet_attach(struct partition *p)
{
	const u8 *m = p->cfg.mac;
	struct pvnet_port *pp;
	int r;

	if (pvnet_count == PVNET_MAX_PORTS) {
		part_err(p, "not started: pv NIC: %u pv NICs at most\n", PVNET_MAX_PORTS);
		return -ENOSPC;
	}
	r = igb_pf_mac_add(m);
	if (r) {
		part_err(p, "not started: pv NIC: %s\n", pvnet_mac_error(r));
		return r;
	}
	pp = kzalloc(sizeof(*pp));
	if (!pp || pvnet_window(pp, p)) {
		igb_pf_mac_del(m);
		part_err(p, "not started: pv NIC: no memory for its rings\n");
		return -ENOMEM;
	}
	pp->p = p;
	pp->mac_key = pp->ring.mac_key;
	pp->spoof_rl = (struct ratelimit)RATELIMIT_INIT(5, 1000);
	p->pv = pp;
	pvnet_ports[pvnet_count++] = pp;
	part_info(p,
		  "pv NIC at GPA 0x%llx (%u-entry rings), MAC %02x:%02x:%02x:%02x:%02x:%02x, "
		  "switched by CPU 0\n",
		  pp->gpa, HV_PVNET_RING, m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

void pvnet_release(struct partition *p)
{
	struct pvnet_port *pp = p->pv;

	if (!pp)
		return;
	igb_pf_mac_del(pp->ring.mac);
	phys_free(pp->window_pa, HV_PVNET_SIZE);
	for (u32 i = 0; i < pvnet_count; i++)
		if (pvnet_ports[i] == pp)
			pvnet_ports[i] = pvnet_ports[--pvnet_count];
	p->pv = NULL;
}

void pvnet_stop(struct partition *p)
{
	struct pvnet_port *pp = p->pv;

	if (!pp)
		return;
	__atomic_store_n(&pp->state, PVNET_STOPPED, __ATOMIC_RELEASE);
	pvring_set_link(&pp->ring, false);
	igb_pf_mac_del(pp->ring.mac);
}

void pvnet_boot_info(const struct partition *p, struct hv_boot_info *bi)
{
	memset(&bi->pvnet, 0, sizeof(bi->pvnet));
	if (!p->pv)
		return;
	bi->pvnet.gpa = p->pv->gpa;
	bi->pvnet.size = HV_PVNET_SIZE;
	bi->pvnet.ring_entries = HV_PVNET_RING;
}
