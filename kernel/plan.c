// SPDX-License-Identifier: MIT
/* plan.c: partition command lines and the static plan of CPUs and RAM; all input is untrusted. */
#define LOG_TAG "part"
#include "kernel/plan.h"
#include "kernel/cmdline.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/string.h"

static bool plan_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int plan_opt_name(const char *val, void *dst, const char **why)
{
	size_t n = strlen(val);

	if (n == 0 || n >= PLAN_NAME_MAX) {
		*why = "expected 1 to 15 characters";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!plan_name_char(val[i])) {
			*why = "only letters, digits, '_' and '-' are allowed";
			return -EINVAL;
		}
	}
	memcpy(dst, val, n + 1);
	return 0;
}

/* One list element "a" or "a-b" (len bytes at s) into *mask. */
static int plan_cpu_range(const char *s, size_t len, u64 *mask)
{
	char buf[16];
	const char *dash;
	u64 lo, hi;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		buf[dash - buf] = '\0';
	if (parse_u64(buf, &lo) || (dash ? parse_u64(dash + 1, &hi) : (hi = lo, 0)))
		return -EINVAL;
	if (lo > hi || hi >= 64)
		return -ERANGE;
	for (u64 c = lo; c <= hi; c++)
		*mask |= BIT(c);
	return 0;
}

/* "@1,3-4": exactly these host CPUs. */
static int plan_cpu_list(const char *s, u64 *mask, const char **why)
{
	*mask = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int r = plan_cpu_range(s, len, mask);

		if (r) {
			*why = r == -ERANGE ? "CPU numbers are 0 to 63, ranges low-high"
					    : "expected a list like @1,3-4";
			return -EINVAL;
		}
		s += len + (comma ? 1 : 0);
		if (comma && !*s) {
			*why = "expected a list like @1,3-4";
			return -EINVAL;
		}
	}
	return 0;
}

/* cpus=N (a count, CPUs chosen by the plan) or cpus=@list (exactly these CPUs). */
static int plan_opt_cpus(const char *val, void *dst, const char **why)
{
	struct part_config *pc = dst;
	u64 n;

	if (val[0] == '@') {
		if (plan_cpu_list(val + 1, &pc->cpu_request, why))
			return -EINVAL;
		if (!pc->cpu_request) {
			*why = "empty CPU list";
			return -EINVAL;
		}
		pc->cpu_count = plan_cpu_count(pc->cpu_request);
	} else {
		if (parse_u64(val, &n) || n == 0) {
			*why = "expected a count (cpus=2) or a list (cpus=@1,3-4)";
			return -EINVAL;
		}
		pc->cpu_count = (u32)MIN(n, (u64)HV_MAX_VCPUS + 1);
	}
	if (pc->cpu_count > HV_MAX_VCPUS) {
		*why = "at most 63 vCPUs per partition";
		return -EINVAL;
	}
	return 0;
}

/* One hex field of exactly `digits` digits (1-4) at *s, advancing *s. */
static int plan_hex(const char **s, int digits, u32 max, u32 *out)
{
	u32 v = 0;

	for (int i = 0; i < digits; i++) {
		char c = (*s)[i];
		u32 d = c >= '0' && c <= '9'   ? (u32)(c - '0')
			: c >= 'a' && c <= 'f' ? (u32)(c - 'a' + 10)
			: c >= 'A' && c <= 'F' ? (u32)(c - 'A' + 10)
					       : 16;

		if (d == 16)
			return -EINVAL;
		v = v * 16 + d;
	}
	*s += digits;
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int plan_parse_bdf(const char *s, struct plan_bdf *b)
{
	u32 seg = 0, bus, dev, fn;

	if (strlen(s) == 12 && s[4] == ':') {
		if (plan_hex(&s, 4, 0xffff, &seg))
			return -EINVAL;
		s++;
	}
	if (strlen(s) != 7 || s[2] != ':' || s[5] != '.')
		return -EINVAL;
	if (plan_hex(&s, 2, 0xff, &bus) || *s++ != ':' || plan_hex(&s, 2, 0x1f, &dev) ||
	    *s++ != '.' || plan_hex(&s, 1, 7, &fn))
		return -EINVAL;
	*b = (struct plan_bdf){ (u16)seg, (u8)bus, (u8)(dev << 3 | fn) };
	return 0;
}

/* pci=BDF[,BDF...]: whole PCI functions for the partition's virtual bus. */
static int plan_opt_pci(const char *val, void *dst, const char **why)
{
	struct part_config *pc = dst;
	char one[16];

	pc->pci_count = 0;
	while (*val) {
		const char *comma = strchr(val, ',');
		size_t len = comma ? (size_t)(comma - val) : strlen(val);

		*why = "expected functions like 0000:00:04.0 or 00:04.0, comma-separated";
		if (len >= sizeof(one) || pc->pci_count == PLAN_MAX_PCI)
			return -EINVAL;
		memcpy(one, val, len);
		one[len] = '\0';
		if (plan_parse_bdf(one, &pc->pci[pc->pci_count]))
			return -EINVAL;
		pc->pci_count++;
		val += len + (comma ? 1 : 0);
		if (comma && !*val)
			return -EINVAL;
	}
	return pc->pci_count ? 0 : -EINVAL;
}

/* boot=auto|hv|multiboot|multiboot2|linux */
static int plan_opt_boot(const char *val, void *dst, const char **why)
{
	static const char *const names[] = { "auto", "hv", "multiboot", "multiboot2", "linux" };

	for (u32 i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(val, names[i])) {
			*(u32 *)dst = i; /* enum plan_boot, in this order */
			return 0;
		}
	}
	*why = "expected auto, hv, multiboot, multiboot2 or linux";
	return -EINVAL;
}

/* mods=N: how many of the following module lines this partition's kernel gets. */
static int plan_opt_mods(const char *val, void *dst, const char **why)
{
	u64 n;

	if (parse_u64(val, &n) || n > PLAN_MAX_MODS) {
		*why = "expected a number of module lines, 0 to 8";
		return -EINVAL;
	}
	*(u32 *)dst = (u32)n;
	return 0;
}

/* console_rate=N: lines of the partition's console shown per second before dropping. */
static int plan_opt_console_rate(const char *val, void *dst, const char **why)
{
	u64 n;

	if (parse_u64(val, &n) || n == 0 || n > PLAN_MAX_CONSOLE_RATE) {
		*why = "expected lines per second, 1 to 100000";
		return -EINVAL;
	}
	*(u32 *)dst = (u32)n;
	return 0;
}

/* vf=N (VF index of the first igb PF) or vf=[SSSS:]BB:DD.F (a VF by address). */
static int plan_opt_vf(const char *val, void *dst, const char **why)
{
	struct plan_vf *vf = dst;
	u64 n;

	*why = "expected a VF index (vf=0) or a VF address (vf=01:10.2)";
	if (strchr(val, ':')) {
		if (plan_parse_bdf(val, &vf->bdf))
			return -EINVAL;
		vf->by_bdf = true;
	} else {
		if (parse_u64(val, &n) || n > 0xffff)
			return -EINVAL;
		vf->index = (u16)n;
	}
	vf->set = true;
	return 0;
}

int plan_parse_mac(const char *s, u8 mac[6])
{
	u8 m[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		u32 byte;

		if (plan_hex(&s, 2, 0xff, &byte) || (i < 5 && *s++ != ':'))
			return -EINVAL;
		m[i] = (u8)byte;
	}
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return -EINVAL; /* multicast/broadcast or all zero: no station address */
	memcpy(mac, m, 6);
	return 0;
}

static int plan_opt_mac(const char *val, void *dst, const char **why)
{
	struct part_config *pc = dst;

	if (plan_parse_mac(val, pc->mac)) {
		*why = "expected a unicast, non-zero MAC like 52:54:00:12:34:56";
		return -EINVAL;
	}
	pc->has_mac = true;
	return 0;
}

/* One decimal field 0..max ending at `end`; advances *s. */
static int plan_dec(const char **s, char end, u32 max, u32 *out)
{
	u32 v = 0;
	int n = 0;

	for (; (*s)[n] >= '0' && (*s)[n] <= '9' && n < 3; n++)
		v = v * 10 + (u32)((*s)[n] - '0');
	if (n == 0 || (*s)[n] != end || v > max)
		return -EINVAL;
	*s += n + (end ? 1 : 0);
	*out = v;
	return 0;
}

/* ip=a.b.c.d or a.b.c.d/len (default /24). */
static int plan_opt_ip(const char *val, void *dst, const char **why)
{
	struct part_config *pc = dst;
	const char *slash = strchr(val, '/');
	u32 v[5] = { 0, 0, 0, 0, PLAN_IP_DEFAULT_LEN };

	*why = "expected an IPv4 address like 192.0.2.11 or 192.0.2.11/24";
	for (int i = 0; i < 4; i++)
		if (plan_dec(&val, i < 3 ? '.' : (slash ? '/' : '\0'), 255, &v[i]))
			return -EINVAL;
	if (slash && (plan_dec(&val, '\0', 32, &v[4]) || v[4] == 0))
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		pc->ip[i] = (u8)v[i];
	pc->ip_prefix = (u8)v[4];
	pc->has_ip = true;
	return 0;
}

/* net=vf (the partition's VF, vf= names it) or net=pv (the paravirtual NIC). */
static int plan_opt_net(const char *val, void *dst, const char **why)
{
	u32 *net = dst;

	if (!strcmp(val, "vf"))
		*net = PLAN_NET_VF;
	else if (!strcmp(val, "pv"))
		*net = PLAN_NET_PV;
	else {
		*why = "expected vf or pv";
		return -EINVAL;
	}
	return 0;
}

static int plan_opt_mem(const char *val, void *dst, const char **why)
{
	u64 *mem = dst;

	if (cmdline_size(val, mem, why))
		return -EINVAL;
	if (*mem < PLAN_MEM_MIN || *mem > PLAN_MEM_MAX || !IS_ALIGNED(*mem, PLAN_MEM_ALIGN)) {
		*why = "expected a multiple of 2M between 2M and 59G";
		return -EINVAL;
	}
	return 0;
}

static bool plan_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Split "[path] options [-- guest words]": copy the options into opts (at most
 * optlen - 1 bytes) and the guest words into args. 0 or -E2BIG.
 */
static int plan_split(const char *s, char *opts, size_t optlen, char *args, size_t arglen)
{
	size_t n = 0;

	while (plan_space(*s))
		s++;
	if (*s == '/' || *s == '(') /* GRUB puts the module's path first */
		while (*s && !plan_space(*s))
			s++;
	args[0] = '\0';
	for (const char *w = s; *w;) {
		size_t len = 0;

		while (plan_space(*w))
			w++;
		while (w[len] && !plan_space(w[len]))
			len++;
		if (len == 2 && w[0] == '-' && w[1] == '-') {
			for (w += 2; plan_space(*w); w++)
				;
			if (strlcpy(args, w, arglen) >= arglen)
				return -E2BIG;
			break;
		}
		w += len;
		n = (size_t)(w - s);
	}
	if (n >= optlen)
		return -E2BIG;
	memcpy(opts, s, n);
	opts[n] = '\0';
	return 0;
}

/* The default network plan (plan.h) for module number n, where the line left it out. */
static void plan_net_defaults(struct part_config *pc, u32 n)
{
	static const u8 mac[5] = PLAN_MAC_PREFIX, ip[3] = PLAN_IP_PREFIX;

	if (pc->net == PLAN_NET_NONE)
		return;
	if (!pc->has_mac) {
		memcpy(pc->mac, mac, sizeof(mac));
		pc->mac[5] = (u8)(PLAN_MAC_BASE + n);
	}
	if (!pc->has_ip) {
		memcpy(pc->ip, ip, sizeof(ip));
		pc->ip[3] = (u8)(PLAN_IP_BASE + n);
		pc->ip_prefix = PLAN_IP_DEFAULT_LEN;
	}
}

/* vf= and net= agree (net=vf is what vf= implies); mac= and ip= need a NIC. */
static int plan_check_net(struct part_config *pc, const char *tag)
{
	const char *why = NULL;

	if (pc->net == PLAN_NET_NONE && pc->vf.set)
		pc->net = PLAN_NET_VF;
	if (pc->net == PLAN_NET_VF && !pc->vf.set)
		why = "net=vf needs vf=";
	else if (pc->net == PLAN_NET_PV && pc->vf.set)
		why = "net=pv and vf= exclude each other";
	else if ((pc->has_mac || pc->has_ip) && pc->net == PLAN_NET_NONE)
		why = "mac= and ip= need vf= or net=pv";
	if (!why)
		return 0;
	printk(LOG_ERR, "%s: error: partition %s not started: %s\n", tag, pc->name, why);
	return -EINVAL;
}

int plan_parse(const char *cmdline, u32 index, struct part_config *pc)
{
	const struct cmdline_opt opts[] = {
		{ "name", plan_opt_name, pc->name, "partition name" },
		{ "cpus", plan_opt_cpus, pc, "vCPU count or host CPU list" },
		{ "mem", plan_opt_mem, &pc->mem, "RAM size" },
		{ "pci", plan_opt_pci, pc, "PCI functions it owns" },
		{ "vf", plan_opt_vf, &pc->vf, "its NIC: a VF of the first igb PF" },
		{ "net", plan_opt_net, &pc->net, "its NIC: vf or pv (paravirtual)" },
		{ "mac", plan_opt_mac, pc, "its VF's MAC address" },
		{ "ip", plan_opt_ip, pc, "its IPv4 address" },
		{ "boot", plan_opt_boot, &pc->boot, "boot protocol of its module" },
		{ "mods", plan_opt_mods, &pc->mods, "module lines for its multiboot kernel" },
		{ "console_rate", plan_opt_console_rate, &pc->console_rate,
		  "console lines per second" },
	};
	char tag[24], words[HV_CMDLINE_MAX];

	memset(pc, 0, sizeof(*pc));
	snformat(pc->name, sizeof(pc->name), "p%u", index + 1);
	snformat(tag, sizeof(tag), "module %u", index + 1);
	pc->module = index;
	pc->cpu_count = 1;
	pc->mem = PLAN_DEFAULT_MEM;
	if (plan_split(cmdline, words, sizeof(words), pc->args, sizeof(pc->args))) {
		printk(LOG_ERR, "%s: error: command line too long; partition not started\n", tag);
		return -EINVAL;
	}
	if (cmdline_parse(words, opts, ARRAY_SIZE(opts), tag)) {
		printk(LOG_ERR,
		       "%s: error: partition %s not started (bad command line, see above)\n", tag,
		       pc->name);
		return -EINVAL;
	}
	if (plan_check_net(pc, tag))
		return -EINVAL;
	plan_net_defaults(pc, index + 1);
	pc->ok = true;
	return 0;
}

void plan_format_cpus(u64 mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < 64 && off < len; c++) {
		int end = c;

		if (!(mask & BIT(c)))
			continue;
		while (end + 1 < 64 && (mask & BIT(end + 1)))
			end++;
		off += snformat(buf + off, len - off, end > c ? "%s%d-%d" : "%s%d", off ? "," : "",
				c, end);
		c = end;
	}
	if (!mask)
		snformat(buf, len, "none");
}

static void plan_reject(struct part_config *pc, const char *fmt, ...) __printf(2, 3);

static void plan_reject(struct part_config *pc, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR, "%s: error: not started: %s\n", pc->name, msg);
	pc->ok = false;
}

static void plan_check_names(struct part_config *pcs, u32 n)
{
	for (u32 i = 0; i < n; i++)
		for (u32 j = 0; j < i && pcs[i].ok; j++)
			if (pcs[j].ok && !strcmp(pcs[i].name, pcs[j].name))
				plan_reject(&pcs[i], "name already used by module %u",
					    pcs[j].module + 1);
}

static void plan_explicit_cpus(struct part_config *pc, u64 usable, u64 *used)
{
	char want[64];

	if (pc->cpu_request & ~usable) {
		char have[64];

		plan_format_cpus(pc->cpu_request & ~usable, want, sizeof(want));
		plan_format_cpus(usable, have, sizeof(have));
		plan_reject(pc, "CPU %s not available to partitions (available: %s)", want, have);
	} else if (pc->cpu_request & *used) {
		plan_format_cpus(pc->cpu_request & *used, want, sizeof(want));
		plan_reject(pc, "CPU %s already given to another partition", want);
	} else {
		pc->cpu_mask = pc->cpu_request;
		*used |= pc->cpu_mask;
	}
}

static void plan_counted_cpus(struct part_config *pc, u64 usable, u64 *used)
{
	u64 free = usable & ~*used, mask = 0;
	u32 got = 0;

	for (int c = 0; c < 64 && got < pc->cpu_count; c++) {
		if (free & BIT(c)) {
			mask |= BIT(c);
			got++;
		}
	}
	if (got < pc->cpu_count) {
		plan_reject(pc, "asks for %u CPUs, %u free", pc->cpu_count, plan_cpu_count(free));
		return;
	}
	pc->cpu_mask = mask;
	*used |= mask;
}

/* RAM in module order: a partition that cannot have its RAM takes no CPU either. */
static void plan_ram(struct part_config *pcs, u32 n, u64 ram)
{
	for (u32 i = 0; i < n; i++) {
		if (!pcs[i].ok)
			continue;
		if (pcs[i].mem > ram) {
			plan_reject(&pcs[i], "asks for %llu MiB of RAM, %llu MiB free",
				    pcs[i].mem / MiB, ram / MiB);
			continue;
		}
		ram -= pcs[i].mem;
	}
}

static bool plan_same_bdf(const struct plan_bdf *a, const struct plan_bdf *b)
{
	return a->seg == b->seg && a->bus == b->bus && a->devfn == b->devfn;
}

/* Does an earlier partition (still ok), or this one itself, already have pc->pci[k]? */
static bool plan_pci_taken(const struct part_config *pcs, u32 i, u32 k)
{
	for (u32 j = 0; j <= i; j++) {
		u32 n = j == i ? k : pcs[j].pci_count;

		for (u32 l = 0; (j == i || pcs[j].ok) && l < n; l++)
			if (plan_same_bdf(&pcs[j].pci[l], &pcs[i].pci[k]))
				return true;
	}
	return false;
}

/* A PCI function belongs to one partition: the first module line that names it. */
static void plan_pci(struct part_config *pcs, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		for (u32 k = 0; pcs[i].ok && k < pcs[i].pci_count; k++) {
			const struct plan_bdf *b = &pcs[i].pci[k];

			if (plan_pci_taken(pcs, i, k))
				plan_reject(&pcs[i], "PCI function %04x:%02x:%02x.%x given twice",
					    b->seg, b->bus, b->devfn >> 3, b->devfn & 7);
		}
	}
}

static bool plan_same_vf(const struct plan_vf *a, const struct plan_vf *b)
{
	if (a->by_bdf != b->by_bdf)
		return false; /* an index and an address are compared once VFs exist */
	return a->by_bdf ? plan_same_bdf(&a->bdf, &b->bdf) : a->index == b->index;
}

/* A VF, and a MAC, belong to one partition: the first module line that names it. */
static void plan_vfs(struct part_config *pcs, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		for (u32 j = 0; pcs[i].ok && pcs[i].net != PLAN_NET_NONE && j < i; j++) {
			if (!pcs[j].ok || pcs[j].net == PLAN_NET_NONE)
				continue;
			if (pcs[i].vf.set && pcs[j].vf.set && plan_same_vf(&pcs[i].vf, &pcs[j].vf))
				plan_reject(&pcs[i], "its VF is already given to %s", pcs[j].name);
			else if (!memcmp(pcs[i].mac, pcs[j].mac, 6))
				plan_reject(&pcs[i], "its MAC is already %s's", pcs[j].name);
		}
	}
}

/* The pv NIC is served by CPU 0's fast path: not when CPU 0 runs the only vCPU itself. */
static void plan_pv(struct part_config *pcs, u32 n, const struct plan_machine *m)
{
	for (u32 i = 0; i < n && m->boot_cpu_fallback; i++)
		if (pcs[i].ok && pcs[i].net == PLAN_NET_PV)
			plan_reject(&pcs[i],
				    "net=pv needs CPU 0 free for the hypervisor's fast path");
}

u32 plan_assign(struct part_config *pcs, u32 n, const struct plan_machine *m)
{
	u64 usable = m->boot_cpu_fallback ? BIT(0) : (m->online_mask & ~BIT(0));
	u64 used = 0;
	u32 ok = 0;

	plan_check_names(pcs, n);
	plan_ram(pcs, n, m->free_ram);
	plan_pci(pcs, n);
	plan_vfs(pcs, n);
	plan_pv(pcs, n, m);
	for (u32 i = 0; i < n; i++)
		if (pcs[i].ok && pcs[i].cpu_request)
			plan_explicit_cpus(&pcs[i], usable, &used);
	for (u32 i = 0; i < n; i++)
		if (pcs[i].ok && !pcs[i].cpu_request)
			plan_counted_cpus(&pcs[i], usable, &used);
	for (u32 i = 0; i < n; i++)
		ok += pcs[i].ok;
	return ok;
}
