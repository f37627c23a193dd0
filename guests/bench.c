// SPDX-License-Identifier: MIT
/*
 * bench.c: one end of `make bench` in a partition: the traffic generator or
 * the sink of guests/lib/netbench.c on the partition's NIC, its VF or its pv
 * NIC (guests/lib/netdev.h). Around each phase it reads its vCPU's VM exits
 * by reason (HV_HC_PART_INFO: the hypervisor's own counters) and, on a pv
 * NIC, the hypervisor's ticks spent on its frames (the window's counters).
 * It prints one "bench:" line per phase, then shuts the partition down.
 *
 * Command line (after "--"): mode=gen|sink, peer=MAC (gen: the sink's MAC),
 * sizes=64,512,1500, count=N (DATA frames per size), window=N (gen), warmup=N,
 * timeout=MS, irq=msix (sink on a VF: wait with HLT for the VF's receive
 * interrupt, MSI-X entry 0, instead of polling). tests/bench/README.md says
 * what each printed field is.
 *
 * MSI-X mode, as a NAPI-style driver: the handler masks the VF's cause
 * (VTEIMC, a write straight to the VF), counts and EOIs; the sink then takes
 * every frame pending (interrupts off), and when a poll finds nothing it
 * unmasks the cause (a frame that came meanwhile raises its message at once)
 * and waits in STI; HLT. A periodic APIC timer (WATCHDOG_MS) wakes it for the
 * sink's timeouts; its expiries are counted apart (timer=).
 */
#include "guests/lib/apic.h"
#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/msix.h"
#include "guests/lib/net.h"
#include "guests/lib/netbench.h"
#include "guests/lib/netdev.h"
#include "guests/lib/pci.h"
#include "guests/lib/pvnet.h"

static struct igbvf vf;
static struct pvnet pv;
static struct netdev nd;
static struct nb_result res;
static bool irq_mode;        /* irq=msix */
static volatile u64 rx_irqs; /* receive interrupts taken */

#define RX_ENTRY    0    /* the VF's MSI-X entry for receive */
#define VEC_RX      0x41 /* its vector */
#define VEC_TICK    0x30 /* the watchdog tick */
#define WATCHDOG_MS 100

/* The hypervisor's counters: VM exits by reason (a hypercall: itself one exit), pv ticks. */
static void snapshot(void *ctx, struct nb_counters *c)
{
	static struct hv_part_info info;
	struct hv_pvnet_stats st;

	(void)ctx;
	if (hypercall(HV_HC_PART_INFO, (u64)&info, sizeof(info), 0) >= (s64)sizeof(info)) {
		c->exits = info.exits;
		for (u32 i = 0; i < HV_EXIT_REASONS; i++)
			c->exit_reasons[i] = info.exit_reasons[i];
		c->snapshot_exits = 1;
		c->irq_injected = info.irq_injected;
		c->irq_msi = info.irq_msi;
		c->irq_timer = info.irq_timer;
	}
	c->irqs = rx_irqs;
	if (nd.pv) {
		pvnet_hv_stats(&pv, &st);
		c->hv_ticks = st.hv_ticks;
	}
}

static void on_rx_irq(u32 v)
{
	(void)v;
	igbvf_rx_irq_mask(&vf, RX_ENTRY, true);
	rx_irqs++;
	apic_eoi();
}

static void on_tick(u32 v)
{
	(void)v;
	apic_eoi();
}

/* The sink found nothing pending: unmask, then sleep until an interrupt. */
static void idle_irq(void *ctx)
{
	(void)ctx;
	igbvf_rx_irq_mask(&vf, RX_ENTRY, false);
	irq_wait();
}

/* The APIC, the receive vector on MSI-X entry RX_ENTRY, the watchdog tick. 0 or -1. */
static int irq_setup(struct nb_config *cfg)
{
	if (nd.pv)
		return -1; /* a pv NIC has no interrupt */
	irq_set_handler(VEC_RX, on_rx_irq);
	irq_set_handler(VEC_TICK, on_tick);
	if (apic_init(true) || msix_route(vf.devfn, RX_ENTRY, VEC_RX, apic_id()))
		return -1;
	igbvf_rx_irq(&vf, RX_ENTRY);
	igbvf_rx_irq_mask(&vf, RX_ENTRY, true); /* until the sink first waits */
	apic_timer(VEC_TICK, WATCHDOG_MS * 1000000U, true);
	cfg->idle = idle_irq;
	return 0;
}

static int open_nic(void)
{
	int devfn;

	if (boot_info->net.kind == HV_NET_PV)
		return netdev_pv(&nd, &pv);
	if (boot_info->net.kind != HV_NET_VF || boot_info->net.dev >= boot_info->dev_count)
		return -1;
	devfn = boot_info->devs[boot_info->net.dev].bdf & 0xff;
	return netdev_vf(&nd, &vf, (u8)devfn);
}

/* "64,512,1500" into cfg->sizes. */
static bool parse_sizes(const char *s, struct nb_config *cfg)
{
	char num[8];

	cfg->phases = 0;
	while (*s && cfg->phases < NB_MAX_PHASES) {
		size_t n = 0;
		bool ok;

		while (s[n] && s[n] != ',' && n < sizeof(num) - 1) {
			num[n] = s[n];
			n++;
		}
		num[n] = '\0';
		cfg->sizes[cfg->phases++] = (u32)parse_num(num, &ok);
		if (!ok)
			return false;
		s += n + (s[n] == ',');
	}
	return cfg->phases > 0;
}

static bool configure(struct nb_config *cfg, bool *gen)
{
	char buf[64] = "64,512,1500";
	u64 v;

	*cfg = (struct nb_config){ .count = 20000,
				   .window = 32,
				   .warmup = 2000,
				   .timeout_ms = 5000,
				   .tsc_per_ms = tsc_per_ms(),
				   .snapshot = snapshot };
	if (!arg_str("mode", buf, sizeof(buf)))
		return false;
	*gen = !strcmp(buf, "gen");
	if (!*gen && strcmp(buf, "sink"))
		return false;
	if (*gen && (!arg_str("peer", buf, sizeof(buf)) || !net_parse_mac(buf, cfg->peer)))
		return false;
	if (!arg_str("sizes", buf, sizeof(buf)))
		memcpy(buf, "64,512,1500", 12);
	if (!parse_sizes(buf, cfg))
		return false;
	if (arg_u64("count", &v))
		cfg->count = (u32)v;
	if (arg_u64("window", &v))
		cfg->window = (u32)v;
	if (arg_u64("warmup", &v))
		cfg->warmup = (u32)v;
	if (arg_u64("timeout", &v))
		cfg->timeout_ms = v;
	irq_mode = arg_str("irq", buf, sizeof(buf)) && !strcmp(buf, "msix");
	return !(irq_mode && *gen); /* the generator polls */
}

int main(void)
{
	struct nb_config cfg;
	bool gen;
	char m[18];
	int r;

	if (!configure(&cfg, &gen)) {
		printf("bench: bad command line (mode=gen|sink, peer=MAC for gen, irq=msix for sink)\n");
		return 2;
	}
	if (open_nic() || netdev_up(&nd)) {
		printf("bench: no NIC\n");
		return 1;
	}
	if (irq_mode && irq_setup(&cfg)) {
		printf("bench: no MSI-X interrupt (pv NIC, no MSI-X or no APIC)\n");
		return 1;
	}
	while (!netdev_link_up(&nd))
		cpu_relax();
	net_format_mac(m, nd.mac);
	printf("bench: up role=%s kind=%s mac=%s tsc=%llu tsc_khz=%llu irq=%s\n",
	       gen ? "gen" : "sink", nd.kind, m, rdtsc(), tsc_per_ms(), irq_mode ? "msix" : "poll");
	r = gen ? nb_gen(&nd, &cfg, &res) : nb_sink(&nd, &cfg, &res);
	for (u32 i = 0; i < res.phases; i++) {
		char line[512];

		nb_format_phase(line, sizeof(line), gen ? "gen" : "sink", i, &res.phase[i]);
		printf("%s\n", line);
		nb_format_counters(line, sizeof(line), gen ? "gen" : "sink", i, &res.phase[i]);
		printf("%s\n", line);
	}
	printf("bench: done role=%s status=%d t_hello=%llu\n", gen ? "gen" : "sink", r,
	       res.t_hello);
	return r ? 1 : 0;
}
