// SPDX-License-Identifier: MIT
/*
 * acpi.c: finding the firmware's ACPI tables (RSDP from multiboot2, then the
 * XSDT or RSDT) and handing each one we use to its parser in acpi_tables.c.
 *
 * Tables are read in place through read-only mappings: only the boot CPU runs
 * here and nothing else writes ACPI memory, and the parsers copy what they
 * keep into `acpi`. Every length is checked before more than a header is mapped.
 */
#define LOG_TAG "acpi"
#include "kernel/acpi.h"
#include "kernel/config.h"
#include "kernel/format.h"
#include "kernel/mm.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define ACPI_MAX_TABLES 64 /* root table entries looked at; QEMU lists 5 to 8 */

struct acpi_info acpi;

static const struct boot_info *acpi_bi;

/* The signature as printable text, unrenamed (file names of captured fixtures). */
static void acpi_sig(const char sig[4], char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = sig[i] > ' ' && sig[i] < 0x7f ? sig[i] : '?';
	out[4] = '\0';
}

/* acpi_dump=1: the bytes as "acpidump: <SIG> 0x<phys> <offset>: <hex>" lines. */
static void acpi_dump(const char *sig, u64 pa, const void *tbl, u32 len)
{
	char prefix[48];

	if (!hv_config.acpi_dump)
		return;
	snformat(prefix, sizeof(prefix), "acpidump: %s 0x%llx", sig, pa);
	print_hex(prefix, tbl, len);
}

/* A table in memory the map calls usable would be handed out as free frames: keep it. */
static void acpi_keep_out_of_pool(const char *name, u64 pa, u32 len)
{
	for (unsigned int i = 0; i < acpi_bi->mem_count; i++) {
		const struct mem_region *m = &acpi_bi->mem[i];

		if (m->type != MEM_RAM || pa >= m->base + m->len || m->base >= pa + len)
			continue;
		pr_warn("%s at 0x%llx-0x%llx lies in usable RAM (firmware bug); reserved\n", name,
			pa, pa + len - 1);
		mm_reserve(pa, len, name);
		return;
	}
}

/* Map the header of the table at pa; returns it with its checked length in *len, or NULL. */
static const struct acpi_sdt_hdr *acpi_map_header(u64 pa, u32 *len, char name[5])
{
	const struct acpi_sdt_hdr *h = memremap_ro(pa, sizeof(*h));

	if (!h) {
		pr_err("table at 0x%llx cannot be mapped; ignored\n", pa);
		return NULL;
	}
	acpi_table_name(h->sig, name);
	*len = h->length;
	if (*len < sizeof(*h) || *len > ACPI_TABLE_MAX || pa > ~0ULL - *len) {
		pr_err("%s at 0x%llx: length %u is outside 36..%u; table ignored\n", name, pa, *len,
		       ACPI_TABLE_MAX);
		return NULL;
	}
	acpi_keep_out_of_pool(name, pa, *len);
	return h;
}

/* The whole table, once its header's length has been checked. */
static const struct acpi_sdt_hdr *acpi_map_all(u64 pa, u32 len, const char *name)
{
	const struct acpi_sdt_hdr *t = memremap_ro(pa, len);

	if (!t)
		pr_err("%s at 0x%llx (%u bytes) cannot be mapped; ignored\n", name, pa, len);
	return t;
}

/* Where a table we use goes; NULL for one we do not. */
static bool *acpi_have(const char sig[4])
{
	if (!memcmp(sig, "APIC", 4))
		return &acpi.have_madt;
	if (!memcmp(sig, "MCFG", 4))
		return &acpi.have_mcfg;
	if (!memcmp(sig, "DMAR", 4))
		return &acpi.have_dmar;
	if (!memcmp(sig, "FACP", 4))
		return &acpi.have_fadt;
	if (!memcmp(sig, "HPET", 4))
		return &acpi.have_hpet;
	return NULL;
}

static int acpi_parse(const struct acpi_sdt_hdr *t, u32 len)
{
	if (!memcmp(t->sig, "APIC", 4))
		return acpi_parse_madt(t, len, &acpi.madt);
	if (!memcmp(t->sig, "MCFG", 4))
		return acpi_parse_mcfg(t, len, &acpi.mcfg);
	if (!memcmp(t->sig, "DMAR", 4))
		return acpi_parse_dmar(t, len, &acpi.dmar);
	if (!memcmp(t->sig, "FACP", 4))
		return acpi_parse_fadt(t, len, &acpi.fadt);
	return acpi_parse_hpet(t, len, &acpi.hpet);
}

/* One root-table entry: dump it if asked, parse it if we use it; its signature in sig. */
static void acpi_table(u64 pa, char sig[5])
{
	const struct acpi_sdt_hdr *t;
	char name[5];
	bool *have;
	u32 len;

	t = acpi_map_header(pa, &len, name);
	if (!t)
		return;
	acpi_sig(t->sig, sig);
	have = acpi_have(t->sig);
	if (!have && !hv_config.acpi_dump)
		return;
	t = acpi_map_all(pa, len, name);
	if (!t)
		return;
	acpi_dump(sig, pa, t, len);
	if (!have)
		return;
	if (*have) {
		pr_warn("a second %s at 0x%llx; ignored\n", name, pa);
		return;
	}
	*have = acpi_parse(t, len) == 0;
}

/* The RSDT or XSDT: validated, then every table it lists. */
static void acpi_walk(u64 root, bool xsdt)
{
	const char *rsig = xsdt ? "XSDT" : "RSDT";
	char list[ACPI_MAX_TABLES * 5 + 1] = "", sig[5];
	const struct acpi_sdt_hdr *rt;
	unsigned int n;
	u32 len;

	rt = acpi_map_header(root, &len, sig);
	if (rt)
		rt = acpi_map_all(root, len, rsig);
	if (!rt)
		return;
	acpi_dump(rsig, root, rt, len);
	if (acpi_check_table(rt, len, rsig))
		return;
	n = acpi_root_count(rt, xsdt);
	pr_info("%s at 0x%llx lists %u tables\n", rsig, root, n);
	if (n > ACPI_MAX_TABLES) {
		pr_warn("%s: only the first %u of %u tables are looked at\n", rsig, ACPI_MAX_TABLES,
			n);
		n = ACPI_MAX_TABLES;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 pa = acpi_root_entry(rt, xsdt, i);

		strlcpy(sig, "----", sizeof(sig));
		if (pa)
			acpi_table(pa, sig);
		snformat(list + strlen(list), sizeof(list) - strlen(list), " %s", sig);
	}
	pr_info("tables:%s\n", list);
}

void acpi_init(const struct boot_info *bi)
{
	const struct acpi_rsdp *rsdp = (const void *)bi->rsdp;
	u64 root;
	bool xsdt;

	memset(&acpi, 0, sizeof(acpi));
	acpi_bi = bi;
	if (!bi->rsdp_len) {
		pr_warn("the boot loader gave no RSDP; running without ACPI tables\n");
		return;
	}
	acpi_dump("RSDP", 0, bi->rsdp, bi->rsdp_len);
	if (acpi_check_rsdp(bi->rsdp, bi->rsdp_len, &root, &xsdt))
		return;
	acpi.revision = rsdp->revision;
	pr_info("RSDP revision %u, OEM '%.6s'\n", rsdp->revision, rsdp->oem_id);
	acpi_walk(root, xsdt);
}
