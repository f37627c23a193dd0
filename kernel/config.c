// SPDX-License-Identifier: MIT
/* config.c: the table of hypervisor command-line options. */
#define LOG_TAG "config"
#include "kernel/config.h"
#include "kernel/crash.h"
#include "kernel/printk.h"
#include "kernel/string.h"

struct hv_config hv_config = { .log = "info", .timer_ref = "auto", .vtd_qi = true };

static int config_log(const char *val, void *dst, const char **why)
{
	static const char *const levels[] = { "err", "warn", "info", "debug" };

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (!strcmp(val, levels[i]))
			return cmdline_string(val, dst, why);
	}
	*why = "expected err, warn, info or debug";
	return -EINVAL;
}

static int config_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1-4 hex digits up to `end`, at most max; returns the characters used, or -1. */
static int config_hex(const char *s, char end, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;
	int n;

	for (n = 0; s[n] && s[n] != end; n++) {
		int d = config_hex_digit(s[n]);

		if (d < 0 || n == 4)
			return -1;
		v = v * 16 + d;
	}
	if (n == 0 || s[n] != end || v > max)
		return -1;
	*out = v;
	return n;
}

/* [ssss:]bb:dd.f, hex. */
static int config_bdf(const char *s, struct hv_sriov_req *q)
{
	unsigned int seg = 0, bus, dev, fn, colons = 0;
	int n;

	for (const char *p = s; *p; p++)
		colons += *p == ':';
	if (colons == 2) {
		if ((n = config_hex(s, ':', 0xffff, &seg)) < 0)
			return -EINVAL;
		s += n + 1;
	}
	if (colons < 1 || colons > 2 || (n = config_hex(s, ':', 0xff, &bus)) < 0)
		return -EINVAL;
	s += n + 1;
	if ((n = config_hex(s, '.', 0x1f, &dev)) < 0)
		return -EINVAL;
	s += n + 1;
	if (config_hex(s, '\0', 7, &fn) < 0)
		return -EINVAL;
	*q = (struct hv_sriov_req){ .seg = seg, .bus = bus, .dev = dev, .fn = fn };
	return 0;
}

/* One <bdf>:<n> or all:<n> of len characters. */
static int config_sriov_word(const char *w, size_t len, struct hv_sriov_req *q)
{
	char buf[32];
	char *colon;
	u64 num;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, w, len);
	buf[len] = '\0';
	colon = NULL;
	for (char *p = buf; *p; p++)
		if (*p == ':')
			colon = p;
	if (!colon || parse_u64(colon + 1, &num) || num > 0xffff)
		return -EINVAL;
	*colon = '\0';
	if (!strcmp(buf, "all"))
		*q = (struct hv_sriov_req){ .all = true };
	else if (config_bdf(buf, q))
		return -EINVAL;
	q->num = num;
	return 0;
}

static bool config_sriov_dup(const struct hv_config *c, const struct hv_sriov_req *q)
{
	for (unsigned int i = 0; i < c->sriov_count; i++) {
		const struct hv_sriov_req *o = &c->sriov[i];

		if (o->all == q->all && (q->all || (o->seg == q->seg && o->bus == q->bus &&
						    o->dev == q->dev && o->fn == q->fn)))
			return true;
	}
	return false;
}

/* sriov=<bdf>:<n>[,<bdf>:<n>...] or sriov=all:<n>; dst is the whole hv_config. */
static int config_sriov(const char *val, void *dst, const char **why)
{
	struct hv_config *c = dst;
	const char *w = val;

	c->sriov_count = 0;
	for (;;) {
		const char *end = strchr(w, ',');
		size_t len = end ? (size_t)(end - w) : strlen(w);
		struct hv_sriov_req q;

		*why = NULL;
		if (c->sriov_count == HV_SRIOV_MAX)
			*why = "more than 8 entries";
		else if (config_sriov_word(w, len, &q))
			*why = "expected [ssss:]bb:dd.f:<n> or all:<n>, comma-separated (e.g. 01:00.0:4)";
		else if (config_sriov_dup(c, &q))
			*why = "names one function twice";
		if (*why) {
			c->sriov_count = 0;
			return -EINVAL;
		}
		c->sriov[c->sriov_count++] = q;
		if (!end)
			return 0;
		w = end + 1;
	}
}

static int config_pci(const char *val, void *dst, const char **why)
{
	if (strcmp(val, "assign-busses")) {
		*why = "expected assign-busses";
		return -EINVAL;
	}
	*(bool *)dst = true;
	return 0;
}

static int config_timer_ref(const char *val, void *dst, const char **why)
{
	static const char *const refs[] = { "auto", "pm", "hpet", "pit" };

	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		if (!strcmp(val, refs[i]))
			return cmdline_string(val, dst, why);
	}
	*why = "expected auto, pm, hpet or pit";
	return -EINVAL;
}

static int config_crash(const char *val, void *dst, const char **why)
{
	if (crash_kind_ok(val))
		return cmdline_string(val, dst, why);
	*why = "expected " CRASH_KINDS;
	return -EINVAL;
}

static const struct cmdline_opt hv_opts[] = {
	{ "log", config_log, hv_config.log, "console log level" },
	{ "exit_on_panic", cmdline_bool, &hv_config.exit_on_panic, "panic ends QEMU" },
	{ "selftest", cmdline_string, hv_config.selftest, "run in-hypervisor self-tests" },
	{ "exit_when_done", cmdline_bool, &hv_config.exit_when_done, "end QEMU when idle" },
	{ "acpi_dump", cmdline_bool, &hv_config.acpi_dump, "hex-dump ACPI tables" },
	{ "mbi_dump", cmdline_bool, &hv_config.mbi_dump, "hex-dump boot information" },
	{ "sriov", config_sriov, &hv_config, "VFs to enable: <bdf>:<n>,... or all:<n>" },
	{ "pci", config_pci, &hv_config.pci_assign_busses, "assign-busses: renumber bridges" },
	{ "timer_ref", config_timer_ref, hv_config.timer_ref, "TSC calibration reference" },
	{ "crash", config_crash, hv_config.crash, "deliberate fault late in boot (test aid)" },
	{ "vtd_qi", cmdline_bool, &hv_config.vtd_qi, "VT-d queued invalidation (test aid)" },
};

/* GRUB passes the kernel's path as the first word on some versions: skip a leading path. */
static const char *config_skip_path(const char *s)
{
	while (*s == ' ')
		s++;
	if (*s != '/' && *s != '(')
		return s;
	while (*s && *s != ' ')
		s++;
	return s;
}

int config_parse(const char *cmdline)
{
	return cmdline_parse(config_skip_path(cmdline), hv_opts, ARRAY_SIZE(hv_opts), LOG_TAG);
}
