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
 * timeout=MS. tests/bench/README.md says what each printed field is.
 */
#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/net.h"
#include "guests/lib/netbench.h"
#include "guests/lib/netdev.h"
#include "guests/lib/pci.h"
#include "guests/lib/pvnet.h"

static struct igbvf vf;
static struct pvnet pv;
static struct netdev nd;
static struct nb_result res;

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
	}
	if (nd.pv) {
		pvnet_hv_stats(&pv, &st);
		c->hv_ticks = st.hv_ticks;
	}
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
	return true;
}

int main(void)
{
	struct nb_config cfg;
	bool gen;
	char m[18];
	int r;

	if (!configure(&cfg, &gen)) {
		printf("bench: bad command line (mode=gen|sink, peer=MAC for gen)\n");
		return 2;
	}
	if (open_nic() || netdev_up(&nd)) {
		printf("bench: no NIC\n");
		return 1;
	}
	while (!netdev_link_up(&nd))
		cpu_relax();
	net_format_mac(m, nd.mac);
	printf("bench: up role=%s kind=%s mac=%s tsc=%llu tsc_khz=%llu\n", gen ? "gen" : "sink",
	       nd.kind, m, rdtsc(), tsc_per_ms());
	r = gen ? nb_gen(&nd, &cfg, &res) : nb_sink(&nd, &cfg, &res);
	for (u32 i = 0; i < res.phases; i++) {
		char line[512];

		nb_format_phase(line, sizeof(line), gen ? "gen" : "sink", i, &res.phase[i]);
		printf("%s\n", line);
	}
	printf("bench: done role=%s status=%d t_hello=%llu\n", gen ? "gen" : "sink", r,
	       res.t_hello);
	return r ? 1 : 0;
}
