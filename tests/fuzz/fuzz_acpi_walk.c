// SPDX-License-Identifier: MIT
/*
 * fuzz_acpi_walk.c: acpi_init (kernel/acpi.c): the RSDP, the RSDT/XSDT and
 * every table they list, over a fake physical memory built from the input.
 * Each memremap_ro() hands out a fresh heap copy of exactly the bytes asked
 * for, so ASan reports any read past a mapping; the harness checks that only
 * a header is mapped before a table's length has been looked at.
 *
 * Input (tests/fuzz/seeds.py writes the seeds from tests/fixtures/acpi/):
 *   u8 flags: bit 0 make every table's checksum right, bit 1 the RSDP's,
 *             bit 2 acpi_dump=1
 *   u8 rsdp_len (0-36), the RSDP bytes
 *   u8 nmem (0-3), nmem x { u64 base, u64 len, u8 type }: the memory map
 *   then regions until the input ends: { u64 pa, u16 len, len bytes }
 */
// sources: kernel/acpi.c kernel/acpi_tables.c kernel/format.c
#include <stdlib.h>
#include <string.h>

#include "kernel/acpi.h"
#include "kernel/config.h"
#include "kernel/mm.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_acpi.h"

#define FLAG_FIX_TABLES BIT(0)
#define FLAG_FIX_RSDP   BIT(1)
#define FLAG_DUMP       BIT(2)

#define MAX_REGIONS 16
#define MAX_MAPS    512

struct hv_config hv_config;

static struct region {
	u64 pa;
	const u8 *buf;
	size_t len;
} regions[MAX_REGIONS];
static unsigned int nregions;

static struct map {
	u64 pa, len;
	void *copy;
} maps[MAX_MAPS];
static unsigned int nmaps;

static struct boot_info bi;

/* Double of kernel/mm.c: what the fake memory holds at [pa, pa + len), copied; NULL elsewhere. */
const void *memremap_ro(paddr_t pa, u64 len)
{
	FUZZ_CHECK(nmaps < MAX_MAPS);
	FUZZ_CHECK(len > 0 && len <= ACPI_TABLE_MAX);
	for (unsigned int i = 0; i < nregions; i++) {
		const struct region *r = &regions[i];

		if (pa < r->pa || !range_ok(pa - r->pa, len, r->len))
			continue;
		maps[nmaps] = (struct map){ pa, len, fuzz_dup(r->buf + (pa - r->pa), len) };
		return maps[nmaps++].copy;
	}
	maps[nmaps++] = (struct map){ pa, len, NULL };
	return NULL;
}

/* Double of kernel/mm.c: a table found in usable RAM; it must be one that was mapped. */
void mm_reserve(paddr_t pa, u64 len, const char *what)
{
	bool mapped = false;

	(void)what;
	for (unsigned int i = 0; i < nmaps; i++)
		mapped |= maps[i].pa == pa && maps[i].len == sizeof(struct acpi_sdt_hdr);
	FUZZ_CHECK(mapped && len >= sizeof(struct acpi_sdt_hdr) && len <= ACPI_TABLE_MAX);
}

/* Only a header is mapped at an address before its length was read from that header. */
static void check_header_first(void)
{
	for (unsigned int i = 0; i < nmaps; i++) {
		bool header_seen = false;

		if (maps[i].len == sizeof(struct acpi_sdt_hdr))
			continue;
		for (unsigned int j = 0; j < i; j++)
			header_seen |= maps[j].pa == maps[i].pa &&
				       maps[j].len == sizeof(struct acpi_sdt_hdr) && maps[j].copy;
		FUZZ_CHECK(header_seen);
	}
}

static void check_tables(void)
{
	if (acpi.have_madt)
		FUZZ_CHECK(acpi.madt.cpu_count >= 1 && acpi.madt.cpu_count <= ACPI_MAX_CPUS);
	if (acpi.have_mcfg)
		FUZZ_CHECK(acpi.mcfg.count >= 1 && acpi.mcfg.count <= ACPI_MAX_MCFG);
	if (acpi.have_dmar)
		FUZZ_CHECK(acpi.dmar.drhd_count >= 1 && acpi.dmar.drhd_count <= ACPI_MAX_DRHD);
	if (acpi.have_hpet)
		FUZZ_CHECK(acpi.hpet.base != 0);
}

static void fix_rsdp(u8 *r, u32 len)
{
	u32 rlen;

	if (len < 20)
		return;
	r[8] = 0;
	r[8] = (u8)-fuzz_acpi_sum(r, 20);
	if (len < 36)
		return;
	memcpy(&rlen, r + 20, 4);
	r[32] = 0;
	r[32] = (u8)-fuzz_acpi_sum(r, rlen >= 33 && rlen <= len ? rlen : len);
}

/* A region's table made to sum to 0 over the length its header claims (or the region's). */
static u8 *fix_table(const u8 *p, size_t len)
{
	u8 *t = fuzz_dup(p, len);
	u32 hlen;

	if (len >= sizeof(struct acpi_sdt_hdr)) {
		memcpy(&hlen, t + ACPI_OFF_LENGTH, 4);
		fuzz_acpi_fix_checksum(t, hlen >= ACPI_HDR_LEN && hlen <= len ? hlen : len);
	}
	return t;
}

static void read_input(struct fuzz_in *in, u8 flags)
{
	size_t got;
	u8 n = fuzz_u8(in) % 4;

	bi.mem_count = n;
	for (u8 i = 0; i < n; i++) {
		bi.mem[i].base = fuzz_u64(in);
		bi.mem[i].len = fuzz_u64(in);
		bi.mem[i].type = fuzz_u8(in);
	}
	for (nregions = 0; in->left && nregions < MAX_REGIONS; nregions++) {
		struct region *r = &regions[nregions];
		const u8 *p;

		r->pa = fuzz_u64(in);
		p = fuzz_bytes(in, fuzz_u16(in), &got);
		r->buf = flags & FLAG_FIX_TABLES ? fix_table(p, got) : fuzz_dup(p, got);
		r->len = got;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 flags = fuzz_u8(&in);

	memset(&bi, 0, sizeof(bi));
	bi.rsdp_len = fuzz_u8(&in) % (BOOT_RSDP_MAX + 1);
	fuzz_take(&in, bi.rsdp, bi.rsdp_len);
	if (flags & FLAG_FIX_RSDP)
		fix_rsdp(bi.rsdp, bi.rsdp_len);
	read_input(&in, flags);
	hv_config.acpi_dump = flags & FLAG_DUMP;
	nmaps = 0;
	fuzz_log_clear();

	acpi_init(&bi);

	check_header_first();
	check_tables();
	for (unsigned int i = 0; i < nmaps; i++)
		free(maps[i].copy);
	for (unsigned int i = 0; i < nregions; i++)
		free((void *)regions[i].buf);
	return 0;
}
