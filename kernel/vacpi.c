// SPDX-License-Identifier: MIT
/* vacpi.c: a partition's generated ACPI tables (RSDP, XSDT, FADT, DSDT, MADT, MCFG). */
#include "kernel/vacpi.h"
#include "kernel/acpi.h"
#include "kernel/string.h"
#include "kernel/vports.h"

#define VACPI_OEM_ID    "HVPART"
#define VACPI_OEM_TABLE "HVPARTIT"
#define VACPI_CREATOR   0x54505648 /* "HVPT" */

/* FADT (ACPI 6.4, 5.2.9): offsets of the fields a hardware-reduced table fills. */
#define FADT_LEN                  276
#define FADT_REVISION             6
#define FADT_DSDT                 40
#define FADT_IAPC_BOOT_ARCH       109
#define IAPC_VGA_NOT_PRESENT      BIT(2)
#define IAPC_CMOS_RTC_NOT_PRESENT BIT(5)
#define FADT_FLAGS                112
#define FADT_WBINVD               BIT(0)
#define FADT_PWR_BUTTON           BIT(4) /* no fixed power button */
#define FADT_SLP_BUTTON           BIT(5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP        BIT(10)
#define FADT_HW_REDUCED_ACPI      BIT(20)
#define FADT_RESET_REG            116
#define FADT_RESET_VALUE          128
#define FADT_X_DSDT               140
#define FADT_SLEEP_CONTROL        244
#define FADT_SLEEP_STATUS         256

/* MADT (5.2.12) and MCFG (PCI Firmware 3.2, 4.1.2) */
#define MADT_REVISION     5
#define MADT_LOCAL_APIC   0 /* Processor Local APIC Structure, 8 bytes */
#define MADT_APIC_ENABLED BIT(0)
#define MCFG_ENTRY_LEN    16

/* AML (ACPI 6.4, 20.2) */
#define AML_NAME_OP    0x08
#define AML_BYTE_PFX   0x0a
#define AML_DWORD_PFX  0x0c
#define AML_ZERO_OP    0x00
#define AML_BUFFER_OP  0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_OP     0x5b
#define AML_DEVICE_OP  0x82
#define AML_ROOT_CHAR  '\\'
#define AML_DUAL_NAME  0x2e
#define EISA_PNP0A08   0x080ad041 /* EisaId("PNP0A08"): PCI Express root bridge */
#define EISA_PNP0A03   0x030ad041 /* EisaId("PNP0A03"): PCI root bridge */
#define EISA_PNP0C02   0x020cd041 /* EisaId("PNP0C02"): motherboard resources */

/* Resource descriptors (6.4.3): word (bus numbers) and qword (memory) address space, end tag. */
#define RES_WORD_ADDR   0x88
#define RES_QWORD_ADDR  0x8a
#define RES_END_TAG     0x79
#define RES_TYPE_MEMORY 0
#define RES_TYPE_BUS    2
#define RES_PRODUCER    0x0c /* producer and consumer, min and max fixed */
#define RES_CONSUMER    0x0d

/* Bytes handed out from the caller's buffer, 16-byte aligned. */
struct vacpi_buf {
	u8 *buf;
	u64 gpa, size, used;
	bool full;
};

static u8 *vacpi_alloc(struct vacpi_buf *b, u64 len, u64 *gpa)
{
	u64 at = ALIGN_UP(b->used, 16);

	if (!range_ok(at, len, b->size)) {
		b->full = true;
		return NULL;
	}
	b->used = at + len;
	*gpa = b->gpa + at;
	return b->buf + at;
}

static u8 vacpi_sum(const u8 *p, u64 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static void vacpi_put(u8 *t, u32 off, const void *v, u32 n)
{
	memcpy(t + off, v, n);
}

/* The header every table starts with; vacpi_finish sets its checksum once the body is in. */
static void vacpi_header(u8 *t, const char sig[4], u32 len, u8 rev)
{
	struct acpi_sdt_hdr h = { .length = len,
				  .revision = rev,
				  .oem_revision = 1,
				  .creator_id = VACPI_CREATOR,
				  .creator_revision = 1 };

	memcpy(h.sig, sig, 4);
	memcpy(h.oem_id, VACPI_OEM_ID, 6);
	memcpy(h.oem_table_id, VACPI_OEM_TABLE, 8);
	memcpy(t, &h, sizeof(h));
}

static void vacpi_finish(u8 *t)
{
	struct acpi_sdt_hdr h;

	memcpy(&h, t, sizeof(h));
	t[offsetof(struct acpi_sdt_hdr, checksum)] = (u8)-vacpi_sum(t, h.length);
}

/* --- AML for the DSDT --- */

struct aml {
	u8 b[512];
	u32 len;
	bool full;
};

static void aml_bytes(struct aml *a, const void *p, u32 n)
{
	if (a->full || n > sizeof(a->b) - a->len) {
		a->full = true;
		return;
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, u8 v)
{
	aml_bytes(a, &v, 1);
}

/* PkgLength (20.2.4) of a body of n bytes: the encoding counts its own bytes. */
static void aml_pkglen(struct aml *a, u32 n)
{
	if (n + 1 <= 0x3f) {
		aml_byte(a, (u8)(n + 1));
	} else if (n + 2 <= 0xfff) {
		aml_byte(a, (u8)(0x40 | ((n + 2) & 0xf)));
		aml_byte(a, (u8)((n + 2) >> 4));
	} else {
		aml_byte(a, (u8)(0x80 | ((n + 3) & 0xf)));
		aml_byte(a, (u8)((n + 3) >> 4));
		aml_byte(a, (u8)((n + 3) >> 12));
	}
}

static void aml_name_dword(struct aml *a, const char name[4], u32 v)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_byte(a, AML_DWORD_PFX);
	aml_bytes(a, &v, 4);
}

static void aml_name_zero(struct aml *a, const char name[4])
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_byte(a, AML_ZERO_OP);
}

/* Name(name, Buffer() { data }) with a byte-sized length (n < 256). */
static void aml_name_buffer(struct aml *a, const char name[4], const struct aml *data)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_byte(a, AML_BUFFER_OP);
	aml_pkglen(a, 2 + data->len);
	aml_byte(a, AML_BYTE_PFX);
	aml_byte(a, (u8)data->len);
	aml_bytes(a, data->b, data->len);
	a->full |= data->full || data->len > 0xff;
}

/* Device(\_SB.<name>) { body } */
static void aml_device(struct aml *a, const char name[4], const struct aml *body)
{
	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_DEVICE_OP);
	aml_pkglen(a, 10 + body->len);
	aml_byte(a, AML_ROOT_CHAR);
	aml_byte(a, AML_DUAL_NAME);
	aml_bytes(a, "_SB_", 4);
	aml_bytes(a, name, 4);
	aml_bytes(a, body->b, body->len);
	a->full |= body->full;
}

/* Word Address Space Descriptor: bus numbers [0, 0] (6.4.3.5.3). */
static void res_bus0(struct aml *r)
{
	const u8 d[16] = {
		RES_WORD_ADDR, 13, 0, RES_TYPE_BUS, RES_PRODUCER, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
	};

	aml_bytes(r, d, sizeof(d));
}

/* QWord Address Space Descriptor: read/write memory [base, base + len) (6.4.3.5.1). */
static void res_mem64(struct aml *r, u8 flags, u64 base, u64 len)
{
	const u8 head[6] = { RES_QWORD_ADDR, 43, 0, RES_TYPE_MEMORY, flags, 0x01 };
	const u64 f[5] = { 0, base, base + len - 1, 0, len }; /* gran, min, max, tra, len */

	aml_bytes(r, head, sizeof(head));
	aml_bytes(r, f, sizeof(f));
}

static void res_end(struct aml *r)
{
	const u8 d[2] = { RES_END_TAG, 0 };

	aml_bytes(r, d, sizeof(d));
}

/* \_SB.PCI0: the virtual bus 0 with its memory window; \_SB.MRES: the ECAM window reserved. */
static void aml_devices(struct aml *a, const struct vacpi_config *c)
{
	struct aml body = { .len = 0 }, res = { .len = 0 };

	aml_name_dword(&body, "_HID", EISA_PNP0A08);
	aml_name_dword(&body, "_CID", EISA_PNP0A03);
	aml_name_zero(&body, "_UID");
	aml_name_zero(&body, "_SEG");
	aml_name_zero(&body, "_BBN");
	res_bus0(&res);
	res_mem64(&res, RES_PRODUCER, c->mmio_base, c->mmio_size);
	res_end(&res);
	aml_name_buffer(&body, "_CRS", &res);
	aml_device(a, "PCI0", &body);

	body.len = res.len = 0;
	aml_name_dword(&body, "_HID", EISA_PNP0C02);
	aml_name_zero(&body, "_UID");
	res_mem64(&res, RES_CONSUMER, c->ecam_base, MiB);
	res_end(&res);
	aml_name_buffer(&body, "_CRS", &res);
	aml_device(a, "MRES", &body);
}

/* Name(\_S5, Package() { 5, 5, 0, 0 }): SLP_TYPa/b of soft-off for the sleep control register. */
static void aml_s5(struct aml *a)
{
	const u8 pkg[7] = {
		4,           AML_BYTE_PFX, VPORTS_SLP_TYP_S5, AML_BYTE_PFX, VPORTS_SLP_TYP_S5,
		AML_ZERO_OP, AML_ZERO_OP
	};

	aml_byte(a, AML_NAME_OP);
	aml_byte(a, AML_ROOT_CHAR);
	aml_bytes(a, "_S5_", 4);
	aml_byte(a, AML_PACKAGE_OP);
	aml_pkglen(a, sizeof(pkg));
	aml_bytes(a, pkg, sizeof(pkg));
}

static u64 vacpi_dsdt(struct vacpi_buf *b, const struct vacpi_config *c)
{
	static struct aml a;
	u64 gpa = 0;
	u8 *t;

	memset(&a, 0, sizeof(a));
	aml_devices(&a, c);
	aml_s5(&a);
	t = a.full ? NULL : vacpi_alloc(b, sizeof(struct acpi_sdt_hdr) + a.len, &gpa);
	if (!t)
		return b->full = true, 0;
	vacpi_header(t, "DSDT", (u32)(sizeof(struct acpi_sdt_hdr) + a.len), 2);
	memcpy(t + sizeof(struct acpi_sdt_hdr), a.b, a.len);
	vacpi_finish(t);
	return gpa;
}

/* --- the fixed tables --- */

static void vacpi_gas_io8(u8 *t, u32 off, u16 port)
{
	struct acpi_gas g = { ACPI_GAS_IO, 8, 0, 1, port };

	vacpi_put(t, off, &g, sizeof(g));
}

static u64 vacpi_fadt(struct vacpi_buf *b, u64 dsdt)
{
	u32 flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
		    FADT_HW_REDUCED_ACPI;
	u16 arch = IAPC_VGA_NOT_PRESENT | IAPC_CMOS_RTC_NOT_PRESENT;
	u32 dsdt32 = (u32)dsdt;
	u64 gpa = 0;
	u8 *t = vacpi_alloc(b, FADT_LEN, &gpa);

	if (!t)
		return 0;
	memset(t, 0, FADT_LEN);
	vacpi_header(t, "FACP", FADT_LEN, FADT_REVISION);
	vacpi_put(t, FADT_DSDT, &dsdt32, 4);
	vacpi_put(t, FADT_X_DSDT, &dsdt, 8);
	vacpi_put(t, FADT_IAPC_BOOT_ARCH, &arch, 2);
	vacpi_put(t, FADT_FLAGS, &flags, 4);
	vacpi_gas_io8(t, FADT_RESET_REG, VACPI_RESET_PORT);
	t[FADT_RESET_VALUE] = VACPI_RESET_VALUE;
	vacpi_gas_io8(t, FADT_SLEEP_CONTROL, VPORTS_SLEEP_CONTROL);
	vacpi_gas_io8(t, FADT_SLEEP_STATUS, VPORTS_SLEEP_STATUS);
	vacpi_finish(t);
	return gpa;
}

static u64 vacpi_madt(struct vacpi_buf *b, u32 cpus)
{
	u32 len = (u32)sizeof(struct acpi_sdt_hdr) + 8 + 8 * cpus, lapic = VACPI_LAPIC_BASE;
	u64 gpa = 0;
	u8 *t = vacpi_alloc(b, len, &gpa);

	if (!t)
		return 0;
	memset(t, 0, len);
	vacpi_header(t, "APIC", len, MADT_REVISION);
	vacpi_put(t, 36, &lapic, 4); /* flags 0: no PC-AT 8259 pair */
	for (u32 i = 0; i < cpus; i++) {
		u8 *e = t + 44 + 8 * i;

		e[0] = MADT_LOCAL_APIC;
		e[1] = 8;
		e[2] = (u8)i; /* ACPI processor UID */
		e[3] = (u8)i; /* APIC ID */
		e[4] = MADT_APIC_ENABLED;
	}
	vacpi_finish(t);
	return gpa;
}

static u64 vacpi_mcfg(struct vacpi_buf *b, u64 ecam)
{
	u32 len = (u32)sizeof(struct acpi_sdt_hdr) + 8 + MCFG_ENTRY_LEN;
	u64 gpa = 0;
	u8 *t = vacpi_alloc(b, len, &gpa);

	if (!t)
		return 0;
	memset(t, 0, len);
	vacpi_header(t, "MCFG", len, 1);
	vacpi_put(t, 44, &ecam, 8); /* segment 0, buses 0 to 0 */
	vacpi_finish(t);
	return gpa;
}

static u64 vacpi_xsdt(struct vacpi_buf *b, const u64 *tables, u32 n)
{
	u32 len = (u32)sizeof(struct acpi_sdt_hdr) + 8 * n;
	u64 gpa = 0;
	u8 *t = vacpi_alloc(b, len, &gpa);

	if (!t)
		return 0;
	vacpi_header(t, "XSDT", len, 1);
	vacpi_put(t, sizeof(struct acpi_sdt_hdr), tables, 8 * n);
	vacpi_finish(t);
	return gpa;
}

static void vacpi_rsdp(struct acpi_rsdp *r, u64 xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->sig, "RSD PTR ", 8);
	memcpy(r->oem_id, VACPI_OEM_ID, 6);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_addr = xsdt;
	r->checksum = (u8)-vacpi_sum((const u8 *)r, 20);
	r->ext_checksum = (u8)-vacpi_sum((const u8 *)r, sizeof(*r));
}

/* A window the tables can describe: not empty, its end (exclusive) below 2^64, as acpi.c wants. */
static bool vacpi_window_ok(u64 base, u64 size)
{
	return size && range_ok(base, size, ~0ULL);
}

int vacpi_build(u8 *buf, u64 gpa, u64 size, const struct vacpi_config *c)
{
	struct vacpi_buf b = { buf, gpa, size, 0, false };
	struct acpi_rsdp rsdp;
	u64 rsdp_gpa, tables[3], dsdt;
	u8 *r;

	if (!c->cpu_count || c->cpu_count > VACPI_MAX_CPUS || !IS_ALIGNED(gpa, 16) ||
	    !vacpi_window_ok(c->mmio_base, c->mmio_size) || !c->ecam_base ||
	    !IS_ALIGNED(c->ecam_base, MiB) || !vacpi_window_ok(c->ecam_base, MiB))
		return -EINVAL;
	r = vacpi_alloc(&b, sizeof(rsdp), &rsdp_gpa);
	dsdt = vacpi_dsdt(&b, c);
	tables[0] = vacpi_fadt(&b, dsdt);
	tables[1] = vacpi_madt(&b, c->cpu_count);
	tables[2] = vacpi_mcfg(&b, c->ecam_base);
	vacpi_rsdp(&rsdp, vacpi_xsdt(&b, tables, 3));
	if (!r || b.full)
		return -ENOSPC;
	memcpy(r, &rsdp, sizeof(rsdp));
	return (int)b.used;
}
