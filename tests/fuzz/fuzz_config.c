// SPDX-License-Identifier: MIT
/*
 * fuzz_config.c: the hypervisor command line: config_parse (kernel/config.c)
 * over the tokeniser and value parsers of kernel/cmdline.c. The input is the
 * command line's text (an embedded NUL ends it, as GRUB's string would).
 */
// sources: kernel/config.c kernel/cmdline.c kernel/crash.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/config.h"
#include "kernel/crash.h"
#include "tests/fuzz/fuzz.h"

static const struct hv_config defaults = { .log = "info", .timer_ref = "auto", .vtd_qi = true };

static bool terminated(const char *s)
{
	return memchr(s, '\0', CMDLINE_VAL_MAX) != NULL;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

static bool same_function(const struct hv_sriov_req *a, const struct hv_sriov_req *b)
{
	if (a->all || b->all)
		return a->all == b->all;
	return a->seg == b->seg && a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

static void check(void)
{
	static const char *const levels[] = { "err", "warn", "info", "debug" };
	static const char *const refs[] = { "auto", "pm", "hpet", "pit" };
	const struct hv_config *c = &hv_config;

	FUZZ_CHECK(terminated(c->log) && terminated(c->selftest) && terminated(c->timer_ref) &&
		   terminated(c->crash));
	FUZZ_CHECK(one_of(c->log, levels, ARRAY_SIZE(levels)));
	FUZZ_CHECK(one_of(c->timer_ref, refs, ARRAY_SIZE(refs)));
	FUZZ_CHECK(!c->crash[0] || crash_kind_ok(c->crash));
	FUZZ_CHECK(c->sriov_count <= HV_SRIOV_MAX);
	for (unsigned int i = 0; i < c->sriov_count; i++) {
		const struct hv_sriov_req *q = &c->sriov[i];

		FUZZ_CHECK(q->all || (q->dev <= 31 && q->fn <= 7));
		for (unsigned int j = 0; j < i; j++) /* no function named twice */
			FUZZ_CHECK(!same_function(q, &c->sriov[j]));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char *line = fuzz_strdup(data, size);
	int errors;

	hv_config = defaults;
	fuzz_log_clear();
	errors = config_parse(line);
	FUZZ_CHECK(errors >= 0 && (size_t)errors <= size);
	if (errors)
		FUZZ_CHECK(strstr(fuzz_log(), "config: error: ") != NULL); /* each said why */
	check();
	free(line);
	return 0;
}
