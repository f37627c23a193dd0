// SPDX-License-Identifier: MIT
/* mb2.c: multiboot2 information parser; the input is untrusted and fully bounds-checked. */
#include "kernel/mb2.h"
#include "kernel/format.h"
#include "kernel/string.h"

/* Tag types, Multiboot2 Specification 3.6 "Boot information format". */
#define MB2_TAG_END          0
#define MB2_TAG_CMDLINE      1
#define MB2_TAG_LOADER_NAME  2
#define MB2_TAG_MODULE       3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP         6
#define MB2_TAG_EFI64        12 /* EFI 64-bit system table pointer */
#define MB2_TAG_ACPI_OLD     14 /* RSDP, ACPI 1.0 */
#define MB2_TAG_ACPI_NEW     15 /* RSDP, ACPI 2.0+ */
#define MB2_TAG_EFI_MMAP     17
#define MB2_TAG_EFI_BS       18 /* boot services not exited */

/* EFI memory types, UEFI Specification 2.x, EFI_MEMORY_TYPE. */
#define EFI_LOADER_CODE        1
#define EFI_LOADER_DATA        2
#define EFI_BOOT_SERVICES_CODE 3
#define EFI_BOOT_SERVICES_DATA 4
#define EFI_CONVENTIONAL       7
#define EFI_UNUSABLE           8
#define EFI_ACPI_RECLAIM       9
#define EFI_ACPI_NVS           10

struct mb2_tag {
	u32 type;
	u32 size;
} __packed;

struct mb2_mmap_entry {
	u64 base;
	u64 len;
	u32 type;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");

struct efi_mem_desc {
	u32 type;
	u32 pad;
	u64 phys;
	u64 virt;
	u64 pages;
	u64 attr;
} __packed;
_Static_assert(sizeof(struct efi_mem_desc) == 40, "EFI memory descriptor");

struct mb2_ctx {
	const u8 *buf;
	u32 off;  /* offset of the tag being parsed */
	u32 type;
	u32 size; /* tag size, bounded by the structure */
	struct boot_info *bi;
	char *err;
	size_t errlen;
	bool have_mmap;
};

static int mb2_fail(struct mb2_ctx *c, const char *why)
{
	snformat(c->err, c->errlen, "multiboot2: tag %u at offset 0x%x (size %u): %s", c->type,
		 c->off, c->size, why);
	return -EINVAL;
}

/* Copy a NUL-terminated string that must end inside the tag. */
static int mb2_string(struct mb2_ctx *c, u32 start, char *dst, size_t dstlen)
{
	const char *s = (const char *)c->buf + c->off + start;
	u32 max = c->size - start;
	size_t n;

	if (start > c->size)
		return mb2_fail(c, "tag too small for its string");
	n = strnlen(s, max);
	if (n == max)
		return mb2_fail(c, "string not NUL-terminated inside the tag");
	if (n >= dstlen)
		return mb2_fail(c, "string too long");
	memcpy(dst, s, n + 1);
	return 0;
}

static int mb2_add_region(struct mb2_ctx *c, u64 base, u64 len, u32 type)
{
	struct boot_info *bi = c->bi;
	struct mem_region *last = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;

	if (len == 0)
		return 0;
	if (base + len < base)
		return mb2_fail(c, "memory region wraps past 2^64");
	/* EFI maps list many adjacent descriptors of one kind (OVMF: 132 for 512 MiB): merge. */
	if (last && last->type == type && last->base + last->len == base) {
		last->len += len;
		return 0;
	}
	if (bi->mem_count == BOOT_MAX_REGIONS)
		return mb2_fail(c, "too many memory regions");
	bi->mem[bi->mem_count++] = (struct mem_region){ base, len, type };
	return 0;
}

static u32 mb2_e820_type(u32 type)
{
	return type >= MEM_RAM && type <= MEM_BAD ? type : MEM_RESERVED;
}

static int mb2_mmap(struct mb2_ctx *c)
{
	const u8 *tag = c->buf + c->off;
	u32 esize, n;

	if (c->size < 16)
		return mb2_fail(c, "memory map tag shorter than its header");
	memcpy(&esize, tag + 8, 4);
	if (esize < sizeof(struct mb2_mmap_entry) || esize % 8)
		return mb2_fail(c, "bad memory map entry size");
	c->bi->mem_count = 0; /* the BIOS-style map wins over an EFI one */
	n = (c->size - 16) / esize;
	for (u32 i = 0; i < n; i++) {
		struct mb2_mmap_entry e;
		int r;

		memcpy(&e, tag + 16 + i * esize, sizeof(e));
		r = mb2_add_region(c, e.base, e.len, mb2_e820_type(e.type));
		if (r)
			return r;
	}
	c->have_mmap = true;
	c->bi->mem_from_efi = false;
	return 0;
}

static u32 mb2_efi_type(u32 type)
{
	switch (type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL: return MEM_RAM;
	case EFI_UNUSABLE: return MEM_BAD;
	case EFI_ACPI_RECLAIM: return MEM_ACPI;
	case EFI_ACPI_NVS: return MEM_NVS;
	default: return MEM_RESERVED;
	}
}

static int mb2_efi_mmap(struct mb2_ctx *c)
{
	const u8 *tag = c->buf + c->off;
	u32 dsize, n;

	if (c->have_mmap)
		return 0;
	if (c->size < 16)
		return mb2_fail(c, "EFI memory map tag shorter than its header");
	memcpy(&dsize, tag + 8, 4);
	if (dsize < sizeof(struct efi_mem_desc) || dsize % 8)
		return mb2_fail(c, "bad EFI memory descriptor size");
	n = (c->size - 16) / dsize;
	for (u32 i = 0; i < n; i++) {
		struct efi_mem_desc d;
		int r;

		memcpy(&d, tag + 16 + i * dsize, sizeof(d));
		if (d.pages > (~0ULL >> PAGE_SHIFT))
			return mb2_fail(c, "EFI descriptor page count overflows");
		r = mb2_add_region(c, d.phys, d.pages << PAGE_SHIFT, mb2_efi_type(d.type));
		if (r)
			return r;
	}
	c->bi->mem_from_efi = true;
	return 0;
}

static int mb2_module(struct mb2_ctx *c)
{
	struct boot_info *bi = c->bi;
	struct boot_module *m;
	u32 start, end;

	if (c->size < 17)
		return mb2_fail(c, "module tag too small");
	if (bi->mod_count == BOOT_MAX_MODULES)
		return mb2_fail(c, "too many modules");
	memcpy(&start, c->buf + c->off + 8, 4);
	memcpy(&end, c->buf + c->off + 12, 4);
	if (end < start)
		return mb2_fail(c, "module ends before it starts");
	m = &bi->mods[bi->mod_count];
	m->start = start;
	m->end = end;
	if (mb2_string(c, 16, m->cmdline, sizeof(m->cmdline)))
		return -EINVAL;
	bi->mod_count++;
	return 0;
}

static int mb2_rsdp(struct mb2_ctx *c)
{
	u32 len = c->size - 8;

	/* ACPI 2.0+ RSDP wins over the 1.0 one when both are present. */
	if (c->type == MB2_TAG_ACPI_OLD && c->bi->rsdp_len > 20)
		return 0;
	if (len < 20)
		return mb2_fail(c, "RSDP shorter than 20 bytes");
	if (len > BOOT_RSDP_MAX)
		len = BOOT_RSDP_MAX;
	memcpy(c->bi->rsdp, c->buf + c->off + 8, len);
	c->bi->rsdp_len = len;
	return 0;
}

static int mb2_tag(struct mb2_ctx *c)
{
	switch (c->type) {
	case MB2_TAG_CMDLINE: return mb2_string(c, 8, c->bi->cmdline, sizeof(c->bi->cmdline));
	case MB2_TAG_LOADER_NAME: return mb2_string(c, 8, c->bi->loader, sizeof(c->bi->loader));
	case MB2_TAG_MODULE: return mb2_module(c);
	case MB2_TAG_MMAP: return mb2_mmap(c);
	case MB2_TAG_EFI_MMAP: return mb2_efi_mmap(c);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: return mb2_rsdp(c);
	case MB2_TAG_EFI64: c->bi->efi = true; return 0;
	case MB2_TAG_EFI_BS: return mb2_fail(c, "EFI boot services were not exited");
	default: return 0; /* tags we do not use are skipped */
	}
}

int mb2_parse(const void *mbi, size_t size, struct boot_info *bi, char *err, size_t errlen)
{
	struct mb2_ctx c = { .buf = mbi, .bi = bi, .err = err, .errlen = errlen };
	u32 total;

	memset(bi, 0, sizeof(*bi));
	if (size < 8) {
		snformat(err, errlen, "multiboot2: structure of %zu bytes is too small", size);
		return -EINVAL;
	}
	memcpy(&total, mbi, 4);
	if (total < 8 || total > size) {
		snformat(err, errlen, "multiboot2: total_size %u outside 8..%zu", total, size);
		return -EINVAL;
	}
	for (c.off = 8; c.off + 8 <= total; c.off += ALIGN_UP(c.size, 8)) {
		memcpy(&c.type, c.buf + c.off, 4);
		memcpy(&c.size, c.buf + c.off + 4, 4);
		if (c.size < 8 || c.size > total - c.off)
			return mb2_fail(&c, "tag size runs outside the structure");
		if (c.type == MB2_TAG_END)
			return c.size == 8 ? 0 : mb2_fail(&c, "end tag size is not 8");
		if (mb2_tag(&c))
			return -EINVAL;
		if (ALIGN_UP((u64)c.size, 8) > total - c.off)
			break;
	}
	c.type = MB2_TAG_END;
	c.size = 0;
	return mb2_fail(&c, "no end tag before total_size");
}
