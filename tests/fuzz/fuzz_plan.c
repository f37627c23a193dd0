// SPDX-License-Identifier: MIT
/*
 * fuzz_plan.c: partition command lines and the plan (kernel/plan.c over
 * kernel/cmdline.c): each module line parsed, then CPUs, RAM and PCI
 * functions assigned on a machine the input describes. The plan's promises
 * are checked: no CPU, byte of RAM, PCI function, VF or MAC is given twice.
 *
 * Input: u8 cpu_count, u64 online_mask, u64 free_ram, u8 fallback,
 * u64 mask and u8 len for plan_format_cpus, then up to 16 module command
 * lines separated by NUL bytes.
 */
// sources: kernel/plan.c kernel/cmdline.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/plan.h"
#include "tests/fuzz/fuzz.h"

static struct part_config pcs[PLAN_MAX_PARTS];

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

static bool name_ok(const char *s)
{
	const char *end = memchr(s, '\0', PLAN_NAME_MAX);
	size_t n = end ? (size_t)(end - s) : 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!memchr(name_chars, s[i], sizeof(name_chars) - 1))
			return false;
	return true;
}

static void check_one(const struct part_config *pc, u64 usable)
{
	FUZZ_CHECK(name_ok(pc->name));
	FUZZ_CHECK(memchr(pc->args, '\0', sizeof(pc->args)) != NULL);
	FUZZ_CHECK(pc->cpu_count >= 1 && pc->cpu_count <= HV_MAX_VCPUS);
	FUZZ_CHECK(plan_cpu_count(pc->cpu_mask) == pc->cpu_count);
	FUZZ_CHECK((pc->cpu_mask & ~usable) == 0);
	FUZZ_CHECK(!pc->cpu_request || pc->cpu_mask == pc->cpu_request);
	FUZZ_CHECK(pc->mem >= PLAN_MEM_MIN && pc->mem <= PLAN_MEM_MAX &&
		   IS_ALIGNED(pc->mem, PLAN_MEM_ALIGN));
	FUZZ_CHECK(pc->pci_count <= PLAN_MAX_PCI);
	for (u32 k = 0; k < pc->pci_count; k++)
		FUZZ_CHECK((pc->pci[k].devfn >> 3) <= 31);
	/* A NIC's MAC and address come with a VF only; a MAC is a station address. */
	FUZZ_CHECK(pc->vf.set || (!pc->has_mac && !pc->has_ip && !pc->ip_prefix));
	if (pc->vf.set) {
		static const u8 zero[6];

		FUZZ_CHECK(!(pc->mac[0] & 1) && memcmp(pc->mac, zero, 6));
		FUZZ_CHECK(pc->ip_prefix >= 1 && pc->ip_prefix <= 32);
	}
}

static bool same_vf(const struct plan_vf *a, const struct plan_vf *b)
{
	if (a->by_bdf != b->by_bdf)
		return false; /* an index and an address are compared once VFs exist */
	if (a->by_bdf)
		return a->bdf.seg == b->bdf.seg && a->bdf.bus == b->bdf.bus &&
		       a->bdf.devfn == b->bdf.devfn;
	return a->index == b->index;
}

static bool same_bdf(const struct plan_bdf *a, const struct plan_bdf *b)
{
	return a->seg == b->seg && a->bus == b->bus && a->devfn == b->devfn;
}

/* Two partitions the plan kept share nothing: CPUs, names, PCI functions, VFs, MACs. */
static void check_pair(const struct part_config *a, const struct part_config *b)
{
	FUZZ_CHECK((a->cpu_mask & b->cpu_mask) == 0);
	FUZZ_CHECK(strcmp(a->name, b->name) != 0);
	if (a->vf.set && b->vf.set)
		FUZZ_CHECK(!same_vf(&a->vf, &b->vf) && memcmp(a->mac, b->mac, 6));
	for (u32 k = 0; k < a->pci_count; k++)
		for (u32 l = 0; l < b->pci_count; l++)
			FUZZ_CHECK(!same_bdf(&a->pci[k], &b->pci[l]));
}

static void check_plan(u32 n, const struct plan_machine *m, u32 ok)
{
	u64 usable = m->boot_cpu_fallback ? BIT(0) : (m->online_mask & ~BIT(0));
	u64 ram = 0;
	u32 count = 0;

	for (u32 i = 0; i < n; i++) {
		if (!pcs[i].ok)
			continue;
		count++;
		check_one(&pcs[i], usable);
		ram += pcs[i].mem;
		FUZZ_CHECK(ram <= m->free_ram && ram >= pcs[i].mem);
		for (u32 k = 0; k < pcs[i].pci_count; k++) /* not twice in one line either */
			for (u32 l = 0; l < k; l++)
				FUZZ_CHECK(!same_bdf(&pcs[i].pci[k], &pcs[i].pci[l]));
		for (u32 j = 0; j < i; j++)
			if (pcs[j].ok)
				check_pair(&pcs[i], &pcs[j]);
	}
	FUZZ_CHECK(count == ok);
}

static void fuzz_format(u64 mask, size_t len)
{
	char *buf = malloc(len); /* exact size: ASan sees a write past it */

	plan_format_cpus(mask, buf, len);
	FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
	free(buf);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct plan_machine m = { 0 };
	u64 mask;
	u8 len;
	u32 n = 0;

	m.cpu_count = fuzz_u8(&in);
	m.online_mask = fuzz_u64(&in);
	m.free_ram = fuzz_u64(&in);
	m.boot_cpu_fallback = fuzz_bool(&in);
	mask = fuzz_u64(&in);
	len = fuzz_u8(&in);
	fuzz_format(mask, len % 64 + 1);
	fuzz_log_clear();
	while (in.left && n < PLAN_MAX_PARTS) {
		const u8 *nul = memchr(in.p, '\0', in.left);
		size_t got, linelen = nul ? (size_t)(nul - in.p) : in.left;
		char *line = fuzz_strdup(fuzz_bytes(&in, linelen, &got), got);
		int r = plan_parse(line, n, &pcs[n]);

		FUZZ_CHECK((r == 0) == pcs[n].ok && (r == 0 || r == -EINVAL));
		if (r)
			FUZZ_CHECK(strstr(fuzz_log(), ": error: ") != NULL);
		fuzz_u8(&in); /* the NUL */
		free(line);
		n++;
	}
	check_plan(n, &m, plan_assign(pcs, n, &m));
	return 0;
}
