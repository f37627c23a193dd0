/* SPDX-License-Identifier: MIT */
/*
 * netbench.h: a deterministic traffic generator and sink for `make bench`,
 * over any NIC behind guests/lib/netdev.h. The same object code runs in a
 * partition (guests/bench.c, on its VF or its pv NIC) and in the hypervisor
 * itself on a VF (the native baseline, tests/bench/), so the three paths run
 * the same instructions around their drivers.
 *
 * Protocol (EtherType 0x88b5, local experimental): the generator says HELLO
 * until the sink answers; then for each frame size ("phase") it sends `count`
 * DATA frames numbered 0..count-1 in batches of `window` frames: a batch goes
 * out, then the generator waits until the sink has acknowledged all of it
 * (the sink sends one ACK per complete batch, and one for the phase's last
 * frame). A batch smaller than the sink's receive ring means no frame is
 * ever dropped for want of a buffer, and the work per batch is the same
 * however the CPUs interleave: waiting sides spin on PAUSE, which under
 * QEMU's TCG hands the host thread to the next vCPU (icount runs them
 * round-robin), so a run's virtual time barely varies from run to run
 * (only where QEMU itself switches vCPUs mid-batch). DONE ends the run.
 */
#ifndef GUESTS_LIB_NETBENCH_H
#define GUESTS_LIB_NETBENCH_H

#include "guests/lib/netdev.h"

#define NB_ETHERTYPE  0x88b5
#define NB_MAX_PHASES 4
#define NB_MIN_FRAME  64   /* header + sequence fields fit */
#define NB_MAX_FRAME  1514 /* what every driver takes */

/* What the platform counts around a phase (NULL hook: zeros). */
struct nb_counters {
	u64 exits; /* VM exits of this vCPU so far (the hypervisor's count) */
	u64 exit_reasons[HV_EXIT_REASONS]; /* ... by reason (HV_EXIT_*) */
	u64 hv_ticks;       /* TSC ticks the hypervisor spent on our frames (pv NIC) */
	u64 snapshot_exits; /* exits taking this snapshot cost (1 for a hypercall) */
	/* Interrupts (MSI-X mode): the hypervisor's counts for this vCPU, and our own. */
	u64 irq_injected; /* interrupts injected into this vCPU */
	u64 irq_msi;      /* MSI-X messages raised on it */
	u64 irq_timer;    /* its APIC timer's expiries */
	u64 irqs;         /* receive interrupts its handler took (the guest's count) */
};

/* One frame size, as one side saw it. */
struct nb_phase {
	u32 size;
	u64 frames;          /* DATA frames sent (generator) or received (sink) */
	u64 lost;            /* generator: never acknowledged; sink: missing sequence numbers */
	u64 t_first, t_last; /* TSC at the first and the last DATA frame (sent or received) */
	u64 busy;            /* TSC ticks spent on frames: bursts that moved any, sends, ACKs */
	u64 acks;            /* ACK frames sent (sink) or received (generator) */
	struct nb_counters c0, c1; /* at the start and at the end of the phase */
};

struct nb_result {
	struct nb_phase phase[NB_MAX_PHASES];
	u32 phases;
	u64 t_hello; /* TSC when the other side first answered */
};

struct nb_config {
	u8 peer[6];               /* generator: the sink's MAC */
	u32 sizes[NB_MAX_PHASES]; /* frame sizes (NB_MIN_FRAME..NB_MAX_FRAME), one phase each */
	u32 phases;
	u32 count;  /* DATA frames per phase */
	u32 window; /* generator: DATA frames per batch (1..255) */
	u32 warmup; /* DATA frames of a first, unreported phase */
	u64 tsc_per_ms;
	u64 timeout_ms; /* the longest wait for the other side */
	void (*snapshot)(void *ctx, struct nb_counters *c);
	void *snap_ctx;
	/*
	 * Sink: called when a poll found nothing (NULL: cpu_relax). MSI-X mode waits
	 * here for the receive interrupt; the sink then takes everything pending.
	 */
	void (*idle)(void *ctx);
};

/* Errors (negative returns). */
#define NB_EINVAL   1 /* a bad configuration */
#define NB_ETIMEOUT 2 /* the other side went quiet */

/* Run the generator: HELLO, every phase, DONE. 0 or -NB_E*; res filled either way. */
int nb_gen(struct netdev *nd, const struct nb_config *cfg, struct nb_result *res);

/* Run the sink until DONE (or a timeout). 0 or -NB_E*; res filled either way. */
int nb_sink(struct netdev *nd, const struct nb_config *cfg, struct nb_result *res);

/*
 * The lines `make bench` reads for phase i (tests/bench/README.md), two because a
 * partition's console line holds 160 characters: "bench: result role= phase= size=
 * frames= lost= t_first= t_last= busy= acks= exits= hv_ticks=", and "bench: counters
 * role= phase= irqs= injected= msi= timer=" with exitN= for every exit reason N that
 * occurred (the snapshot's own hypercall taken out of both).
 */
void nb_format_phase(char *buf, size_t len, const char *role, u32 i, const struct nb_phase *p);
void nb_format_counters(char *buf, size_t len, const char *role, u32 i, const struct nb_phase *p);

#endif
