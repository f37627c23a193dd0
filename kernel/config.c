// SPDX-License-Identifier: MIT
/* config.c: the table of hypervisor command-line options. */
#define LOG_TAG "config"
#include "kernel/config.h"
#include "kernel/crash.h"
#include "kernel/printk.h"
#include "kernel/string.h"

struct hv_config hv_config = { .log = "info", .timer_ref = "auto" };

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
	{ "timer_ref", config_timer_ref, hv_config.timer_ref, "TSC calibration reference" },
	{ "crash", config_crash, hv_config.crash, "deliberate fault late in boot (test aid)" },
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
