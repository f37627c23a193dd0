// SPDX-License-Identifier: MIT
/*
 * mboot.c: multiboot (v1) and multiboot2 kernels: the header, loading, the
 * information structure and the 32-bit entry state (Multiboot Specification
 * 0.6.96 and Multiboot2 Specification 1.0; GRUB 2 is the reference loader).
 */
#include "kernel/mboot.h"
#include "kernel/elf.h"
#include "kernel/io.h"
#include "kernel/string.h"

/* v1 header flags (spec 3.1.2): bits 0-15 must be honoured or the kernel refused. */
#define MB1_F_PAGE_ALIGN BIT(0)
#define MB1_F_MEMINFO    BIT(1)
#define MB1_F_VIDEO      BIT(2)
#define MB1_F_ADDR       BIT(16) /* header_addr ... entry_addr are valid (a.out kludge) */
#define MB1_F_REQUIRED   GENMASK(15, 0)
#define MB1_F_KNOWN      (MB1_F_PAGE_ALIGN | MB1_F_MEMINFO | MB1_F_VIDEO)

struct mb1_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} __packed;

/* v2 header (spec 3.1.1) and header tags (3.1.3-3.1.12). */
#define MB2_ARCH_I386        0
#define MB2_HT_END           0
#define MB2_HT_INFO_REQ      1
#define MB2_HT_ADDRESS       2
#define MB2_HT_ENTRY         3
#define MB2_HT_CONSOLE       4
#define MB2_HT_FRAMEBUFFER   5
#define MB2_HT_MOD_ALIGN     6
#define MB2_HT_EFI_BS        7
#define MB2_HT_EFI32_ENTRY   8
#define MB2_HT_EFI64_ENTRY   9
#define MB2_HT_RELOCATABLE   10
#define MB2_HT_OPTIONAL      BIT(0)
#define MB2_CONSOLE_REQUIRED BIT(0)

struct mb2_header {
	u32 magic, arch, length, checksum;
} __packed;

struct mb2_htag {
	u16 type, flags;
	u32 size;
} __packed;

/* v2 information tags (spec 3.6) a partition gives; an information request may ask only these. */
#define MB2_IT_END       0
#define MB2_IT_CMDLINE   1
#define MB2_IT_LOADER    2
#define MB2_IT_MODULE    3
#define MB2_IT_MEMINFO   4
#define MB2_IT_MMAP      6
#define MB2_IT_LOAD_BASE 21
#define MB2_IT_GIVEN                                                                       \
	(BIT(MB2_IT_END) | BIT(MB2_IT_CMDLINE) | BIT(MB2_IT_LOADER) | BIT(MB2_IT_MODULE) | \
	 BIT(MB2_IT_MEMINFO) | BIT(MB2_IT_MMAP) | BIT(MB2_IT_LOAD_BASE))

/* v1 information structure (spec 3.3), up to the framebuffer fields. */
#define MB1_I_MEMORY  BIT(0)
#define MB1_I_CMDLINE BIT(2)
#define MB1_I_MODS    BIT(3)
#define MB1_I_MMAP    BIT(6)
#define MB1_I_LOADER  BIT(9)

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	u32 boot_loader_name, apm_table;
	u32 vbe_control_info, vbe_mode_info;
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	u64 framebuffer_addr;
	u32 framebuffer_pitch, framebuffer_width, framebuffer_height;
	u8 framebuffer_bpp, framebuffer_type, color_info[6];
} __packed;
_Static_assert(sizeof(struct mb1_info) == 116, "multiboot information structure");

struct mb1_mod {
	u32 mod_start, mod_end, cmdline, pad;
} __packed;

/* A memory map entry: v1 prefixes it with its size (20), v2 has a reserved word after type. */
struct mb1_mmap {
	u32 size;
	u64 base, len;
	u32 type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap) == 24, "multiboot mmap entry");

struct mb2_mmap {
	u64 base, len;
	u32 type, zero;
} __packed;
_Static_assert(sizeof(struct mb2_mmap) == 24, "multiboot2 mmap entry");

#define MB_MEM_RAM      1
#define MB_MEM_RESERVED 2
#define MB_MAX_REGIONS  4

#define CR0_ET   BIT(4)
#define GDT_SIZE 32 /* null, 0x08 and 0x10 flat code, 0x18 flat data */

/* --- header --- */

/* The reason for a required information tag a partition cannot give, by tag type. */
static const char *mb2_missing_info(u32 type)
{
	switch (type) {
	case 5:
		return "the kernel requires the BIOS boot device tag: a partition has no disks";
	case 7:
	case 8:
		return "the kernel requires video information: a partition has no display";
	case 9:
		return "the kernel requires the ELF sections tag, which this loader does not give";
	case 10:
		return "the kernel requires the APM table: a partition has no BIOS";
	case 14:
	case 15:
		return "the kernel requires an ACPI RSDP: a partition has no ACPI tables";
	case 11:
	case 12:
	case 17:
	case 18:
	case 19:
	case 20:
		return "the kernel requires EFI information: a partition has no firmware";
	default:
		return "the kernel requires an information tag this loader does not give";
	}
}

static int mb2_info_req(const u8 *t, u32 size, bool optional, const char **why)
{
	for (u32 off = 8; off + 4 <= size; off += 4) {
		u32 type;

		memcpy(&type, t + off, 4);
		if (!optional && (type >= 64 || !(MB2_IT_GIVEN & BIT(type))))
			return *why = mb2_missing_info(type), -ENOEXEC;
	}
	return 0;
}

static int mb2_addr_tags(const u8 *t, const struct mb2_htag *tag, struct mboot_header *h,
			 const char **why)
{
	u32 w[4];

	if (tag->type == MB2_HT_ADDRESS) {
		if (tag->size < 24)
			return *why = "multiboot2 address tag too short", -ENOEXEC;
		memcpy(w, t + 8, 16);
		h->addr_valid = true;
		h->header_addr = w[0];
		h->load_addr = w[1];
		h->load_end_addr = w[2];
		h->bss_end_addr = w[3];
	} else {
		if (tag->size < 12)
			return *why = "multiboot2 entry address tag too short", -ENOEXEC;
		memcpy(&h->entry_addr, t + 8, 4);
		h->entry_valid = true;
	}
	return 0;
}

/* One header tag: what it asks for, or why a partition cannot give it. */
static int mb2_tag(const u8 *t, const struct mb2_htag *tag, struct mboot_header *h,
		   const char **why)
{
	bool optional = tag->flags & MB2_HT_OPTIONAL;
	u32 console = 0;

	switch (tag->type) {
	case MB2_HT_INFO_REQ:
		return mb2_info_req(t, tag->size, optional, why);
	case MB2_HT_ADDRESS:
	case MB2_HT_ENTRY:
		return mb2_addr_tags(t, tag, h, why);
	case MB2_HT_CONSOLE:
		if (tag->size >= 12)
			memcpy(&console, t + 8, 4);
		if ((console & MB2_CONSOLE_REQUIRED) && !optional)
			return *why = "the kernel requires a console: a partition has no display",
			       -ENOEXEC;
		return 0;
	case MB2_HT_FRAMEBUFFER:
		h->wants_video = true;
		if (!optional)
			return *why = "the kernel requires a framebuffer: a partition has no display",
			       -ENOEXEC;
		return 0;
	case MB2_HT_MOD_ALIGN:   /* modules are always page-aligned */
	case MB2_HT_EFI_BS:      /* EFI tags do not apply: the entry is the BIOS-style one */
	case MB2_HT_EFI32_ENTRY: /* EFI i386 entry */
	case MB2_HT_EFI64_ENTRY: /* EFI amd64 entry */
	case MB2_HT_RELOCATABLE: /* loaded at its link address, which the tag allows */
		return 0;
	default:
		if (!optional)
			return *why = "the kernel requires a multiboot2 header tag this loader does "
				      "not know",
			       -ENOEXEC;
		return 0;
	}
}

static int mb2_tags(const u8 *hdr, u32 length, struct mboot_header *h, const char **why)
{
	u32 off = sizeof(struct mb2_header);

	while (off + sizeof(struct mb2_htag) <= length) {
		struct mb2_htag tag;
		int r;

		memcpy(&tag, hdr + off, sizeof(tag));
		if (tag.size < sizeof(tag) || tag.size > length - off)
			return *why = "multiboot2 header tag with a bad size", -ENOEXEC;
		if (tag.type == MB2_HT_END)
			return 0;
		r = mb2_tag(hdr + off, &tag, h, why);
		if (r)
			return r;
		off += ALIGN_UP(tag.size, 8U);
	}
	return *why = "multiboot2 header without an end tag", -ENOEXEC;
}

/* The magic and a checksum that makes the four fields sum to 0 mod 2^32 (v2 spec 3.1.1). */
static bool mb2_is_header(const struct mb2_header *mh)
{
	u32 sum = mh->magic + mh->arch + mh->length + mh->checksum;

	return mh->magic == MBOOT2_HEADER_MAGIC && sum == 0;
}

static int mb2_find(const u8 *f, u64 len, struct mboot_header *h, const char **why)
{
	for (u64 off = 0; off + sizeof(struct mb2_header) <= MIN(len, (u64)MBOOT2_SEARCH);
	     off += 8) {
		struct mb2_header mh;

		memcpy(&mh, f + off, sizeof(mh));
		if (!mb2_is_header(&mh))
			continue; /* not a header: the magic alone can be data */
		if (mh.arch != MB2_ARCH_I386)
			return *why = "multiboot2 header for another architecture", -ENOEXEC;
		if (mh.length < sizeof(mh) + sizeof(struct mb2_htag) ||
		    !range_ok(off, mh.length, len))
			return *why = "multiboot2 header length outside the file", -ENOEXEC;
		memset(h, 0, sizeof(*h));
		h->proto = MBOOT_V2;
		h->offset = (u32)off;
		return mb2_tags(f + off, mh.length, h, why) ?: MBOOT_V2;
	}
	return MBOOT_NONE;
}

static int mb1_find(const u8 *f, u64 len, struct mboot_header *h, const char **why)
{
	for (u64 off = 0; off + 12 <= MIN(len, (u64)MBOOT1_SEARCH); off += 4) {
		struct mb1_header mh;

		memcpy(&mh, f + off, 12);
		if (mh.magic != MBOOT1_HEADER_MAGIC || (u32)(mh.magic + mh.flags + mh.checksum))
			continue;
		if (mh.flags & MB1_F_REQUIRED & ~MB1_F_KNOWN)
			return *why = "the kernel requires a multiboot feature (header flags 3-15) "
				      "this loader does not know",
			       -ENOEXEC;
		memset(h, 0, sizeof(*h));
		h->proto = MBOOT_V1;
		h->offset = (u32)off;
		h->wants_video = mh.flags & MB1_F_VIDEO;
		if (mh.flags & MB1_F_ADDR) {
			if (!range_ok(off, sizeof(mh), len))
				return *why = "multiboot header address fields outside the file",
				       -ENOEXEC;
			memcpy(&mh, f + off, sizeof(mh));
			h->addr_valid = h->entry_valid = true;
			h->header_addr = mh.header_addr;
			h->load_addr = mh.load_addr;
			h->load_end_addr = mh.load_end_addr;
			h->bss_end_addr = mh.bss_end_addr;
			h->entry_addr = mh.entry_addr;
		}
		return MBOOT_V1;
	}
	return MBOOT_NONE;
}

int mboot_find(const u8 *file, u64 len, enum mboot_proto want, struct mboot_header *h,
	       const char **why)
{
	int r = MBOOT_NONE;

	if (want != MBOOT_V1)
		r = mb2_find(file, len, h, why);
	if (r == MBOOT_NONE && want != MBOOT_V2)
		r = mb1_find(file, len, h, why);
	return r;
}

/* --- loading --- */

/* NULL when [start, end) may hold the kernel: RAM below 4 GiB, outside the 640K-1M hole. */
static const char *mboot_range_bad(u64 start, u64 end, u64 ram_size)
{
	if (end < start)
		return "a load range wraps around";
	if (end > ram_size)
		return "the kernel does not fit in the partition's RAM";
	if (end > 4 * GiB)
		return "the kernel lies above 4 GiB";
	if (start < MBOOT_HIGH_START && end > MBOOT_LOW_END)
		return "the kernel overlaps the reserved 640 KiB-1 MiB hole";
	return NULL;
}

/* The a.out kludge: the file from the header's offset back to load_addr, at load_addr. */
static int mboot_load_raw(const u8 *f, u64 len, const struct mboot_header *h, u8 *ram, u64 ram_size,
			  struct mboot_kernel *k, const char **why)
{
	u64 skip = (u64)h->header_addr - h->load_addr, foff, end, bss, n;

	if (h->load_addr > h->header_addr || skip > h->offset)
		return *why = "header_addr and load_addr do not match the header's place", -ENOEXEC;
	foff = h->offset - skip;
	end = h->load_end_addr ? h->load_end_addr : h->load_addr + (len - foff);
	bss = h->bss_end_addr ? h->bss_end_addr : end;
	if (end <= h->load_addr || bss < end)
		return *why = "load_end_addr or bss_end_addr out of order", -ENOEXEC;
	n = end - h->load_addr;
	if (!range_ok(foff, n, len))
		return *why = "load_end_addr lies beyond the end of the file", -ENOEXEC;
	*why = mboot_range_bad(h->load_addr, bss, ram_size);
	if (*why)
		return -ENOEXEC;
	if (h->entry_addr < h->load_addr || h->entry_addr >= bss)
		return *why = "entry_addr outside the loaded image", -ENOEXEC;
	memcpy(ram + h->load_addr, f + foff, n);
	memset(ram + end, 0, bss - end);
	k->load_base = h->load_addr;
	k->load_end = bss;
	k->entry = h->entry_addr;
	return 0;
}

/* A PT_LOAD segment of either class. */
struct mb_seg {
	u64 offset, vaddr, paddr, filesz, memsz;
};

#define MB_MAX_SEGS 64

struct mb_elf {
	struct mb_seg seg[MB_MAX_SEGS];
	u32 n;
	u64 entry;
};

static int mb_elf32(const u8 *f, u64 len, struct mb_elf *e, const char **why)
{
	struct elf32_ehdr eh;

	if (len < sizeof(eh))
		return *why = "file shorter than an ELF32 header", -ENOEXEC;
	memcpy(&eh, f, sizeof(eh));
	if (eh.e_machine != EM_386 || eh.e_phentsize != sizeof(struct elf32_phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MB_MAX_SEGS ||
	    !range_ok(eh.e_phoff, (u64)eh.e_phnum * sizeof(struct elf32_phdr), len))
		return *why = "not an i386 ELF32 file with 1-64 program headers", -ENOEXEC;
	e->entry = eh.e_entry;
	for (u32 i = 0; i < eh.e_phnum; i++) {
		struct elf32_phdr ph;

		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD)
			e->seg[e->n++] = (struct mb_seg){ ph.p_offset, ph.p_vaddr, ph.p_paddr,
							  ph.p_filesz, ph.p_memsz };
	}
	return 0;
}

static int mb_elf64(const u8 *f, u64 len, struct mb_elf *e, const char **why)
{
	struct elf64_ehdr eh;

	if (len < sizeof(eh))
		return *why = "file shorter than an ELF64 header", -ENOEXEC;
	memcpy(&eh, f, sizeof(eh));
	if (eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(struct elf64_phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MB_MAX_SEGS ||
	    !range_ok(eh.e_phoff, (u64)eh.e_phnum * sizeof(struct elf64_phdr), len))
		return *why = "not an x86-64 ELF64 file with 1-64 program headers", -ENOEXEC;
	e->entry = eh.e_entry;
	for (u32 i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD)
			e->seg[e->n++] = (struct mb_seg){ ph.p_offset, ph.p_vaddr, ph.p_paddr,
							  ph.p_filesz, ph.p_memsz };
	}
	return 0;
}

/* Read the PT_LOAD segments of an ELF32 or ELF64 executable (ET_EXEC or ET_DYN). */
static int mb_elf_read(const u8 *f, u64 len, struct mb_elf *e, const char **why)
{
	static const u8 magic[4] = { 0x7f, 'E', 'L', 'F' };
	u16 type;

	if (len < EI_NIDENT + 2 || memcmp(f, magic, 4))
		return *why = "neither ELF nor multiboot address fields", -ENOEXEC;
	if (f[EI_DATA] != ELFDATA2LSB || f[EI_VERSION] != EV_CURRENT)
		return *why = "not a little-endian ELF version 1 file", -ENOEXEC;
	memcpy(&type, f + EI_NIDENT, 2);
	if (type != ET_EXEC && type != ET_DYN)
		return *why = "not an ELF executable", -ENOEXEC;
	e->n = 0;
	if (f[EI_CLASS] == ELFCLASS32)
		return mb_elf32(f, len, e, why);
	if (f[EI_CLASS] == ELFCLASS64)
		return mb_elf64(f, len, e, why);
	return *why = "neither ELF32 nor ELF64", -ENOEXEC;
}

static bool mb_seg_overlap(const struct mb_seg *a, const struct mb_seg *b)
{
	return a->memsz && b->memsz && a->paddr < b->paddr + b->memsz &&
	       b->paddr < a->paddr + a->memsz;
}

/* Check every segment and translate the entry point (virtual, as GRUB does, to physical). */
static int mb_elf_check(const struct mb_elf *e, u64 len, u64 ram_size, struct mboot_kernel *k,
			const char **why)
{
	bool entry_ok = false;

	if (e->n == 0)
		return *why = "no loadable segment", -ENOEXEC;
	k->load_base = ~0ULL;
	k->load_end = 0;
	for (u32 i = 0; i < e->n; i++) {
		const struct mb_seg *s = &e->seg[i];

		if (s->filesz > s->memsz || !range_ok(s->offset, s->filesz, len))
			return *why = "segment data lies outside the file", -ENOEXEC;
		*why = mboot_range_bad(s->paddr, s->paddr + s->memsz, ram_size);
		if (*why)
			return -ENOEXEC;
		for (u32 j = 0; j < i; j++)
			if (mb_seg_overlap(s, &e->seg[j]))
				return *why = "segments overlap", -ENOEXEC;
		if (!entry_ok && e->entry >= s->vaddr && e->entry - s->vaddr < s->memsz) {
			k->entry = (u32)(e->entry - s->vaddr + s->paddr);
			entry_ok = e->entry - s->vaddr + s->paddr <= 0xffffffffULL;
		}
		k->load_base = MIN(k->load_base, s->paddr);
		k->load_end = MAX(k->load_end, s->paddr + s->memsz);
	}
	if (!entry_ok)
		return *why = "the entry point is not inside a segment below 4 GiB", -ENOEXEC;
	return 0;
}

static int mboot_load_elf(const u8 *f, u64 len, u8 *ram, u64 ram_size, struct mboot_kernel *k,
			  const char **why)
{
	static struct mb_elf e; /* 2.5 KiB: off the stack; loading runs once, at boot */
	int r = mb_elf_read(f, len, &e, why);

	if (!r)
		r = mb_elf_check(&e, len, ram_size, k, why);
	if (r)
		return r;
	for (u32 i = 0; i < e.n; i++) {
		const struct mb_seg *s = &e.seg[i];

		memcpy(ram + s->paddr, f + s->offset, s->filesz);
		memset(ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

int mboot_load(const u8 *file, u64 len, const struct mboot_header *h, u8 *ram, u64 ram_size,
	       struct mboot_kernel *k, const char **why)
{
	int r;

	memset(k, 0, sizeof(*k));
	k->hdr = *h;
	if (h->addr_valid)
		return mboot_load_raw(file, len, h, ram, ram_size, k, why);
	r = mboot_load_elf(file, len, ram, ram_size, k, why);
	if (!r && h->entry_valid) {
		if (h->entry_addr >= ram_size)
			return *why = "the entry address tag points outside RAM", -ENOEXEC;
		k->entry = h->entry_addr;
	}
	return r;
}

/* --- placing modules and the information structure --- */

/*
 * A bump allocator over guest RAM. With ram == NULL it only measures, so the
 * whole structure is known to fit before a byte of it is written.
 */
struct mb_writer {
	u8 *ram;
	u64 pos, end;
	bool full;
};

static u64 mbw_take(struct mb_writer *w, u64 size, u64 align)
{
	u64 at = ALIGN_UP(w->pos, align);

	if (at < w->pos || !range_ok(at, size, w->end)) {
		w->full = true;
		return 0;
	}
	w->pos = at + size;
	return at;
}

static void mbw_put(struct mb_writer *w, u64 at, const void *src, u64 n)
{
	if (w->ram && !w->full && n)
		memcpy(w->ram + at, src, n);
}

static u32 mbw_str(struct mb_writer *w, const char *s)
{
	u64 n = strlen(s) + 1, at = mbw_take(w, n, 1);

	mbw_put(w, at, s, n);
	return (u32)at;
}

struct mb_region {
	u64 base, len;
	u32 type;
};

/* The partition's memory map: low RAM, the 640K-1M hole, RAM from 1 MiB, the ECAM window. */
static u32 mb_regions(u64 ram_size, const struct mboot_boot *b, struct mb_region *r)
{
	u32 n = 0;

	r[n++] = (struct mb_region){ 0, MBOOT_LOW_END, MB_MEM_RAM };
	r[n++] = (struct mb_region){ MBOOT_LOW_END, MBOOT_HIGH_START - MBOOT_LOW_END,
				     MB_MEM_RESERVED };
	r[n++] = (struct mb_region){ MBOOT_HIGH_START, ram_size - MBOOT_HIGH_START, MB_MEM_RAM };
	if (b->ecam_base >= ram_size && b->ecam_size)
		r[n++] = (struct mb_region){ b->ecam_base, b->ecam_size, MB_MEM_RESERVED };
	return n;
}

/* Where each module went (guest-physical start and end). */
struct mb_mods {
	u32 start[MBOOT_MAX_MODS], end[MBOOT_MAX_MODS];
};

static u32 mb_info_v1_mmap(struct mb_writer *w, u64 ram_size, const struct mboot_boot *b, u32 *len)
{
	struct mb_region r[MB_MAX_REGIONS];
	u32 n = mb_regions(ram_size, b, r);
	u64 at = mbw_take(w, n * sizeof(struct mb1_mmap), 4);

	for (u32 i = 0; i < n; i++) {
		struct mb1_mmap e = { 20, r[i].base, r[i].len, r[i].type };

		mbw_put(w, at + i * sizeof(e), &e, sizeof(e));
	}
	*len = n * sizeof(struct mb1_mmap);
	return (u32)at;
}

/* The multiboot (v1) information structure; returns its address. */
static u32 mb_info_v1(struct mb_writer *w, u64 ram_size, const struct mboot_boot *b,
		      const struct mb_mods *m)
{
	u64 at = mbw_take(w, sizeof(struct mb1_info), 8);
	struct mb1_info mi;

	memset(&mi, 0, sizeof(mi));
	mi.flags = MB1_I_MEMORY | MB1_I_CMDLINE | MB1_I_MODS | MB1_I_MMAP | MB1_I_LOADER;
	mi.mem_lower = MBOOT_LOW_END / KiB;
	mi.mem_upper = (u32)((ram_size - MBOOT_HIGH_START) / KiB);
	mi.cmdline = mbw_str(w, b->cmdline);
	mi.mods_count = b->mod_count;
	mi.mods_addr = (u32)mbw_take(w, b->mod_count * sizeof(struct mb1_mod), 4);
	for (u32 i = 0; i < b->mod_count; i++) {
		struct mb1_mod mod = { m->start[i], m->end[i], mbw_str(w, b->mods[i].cmdline), 0 };

		mbw_put(w, mi.mods_addr + i * sizeof(mod), &mod, sizeof(mod));
	}
	mi.mmap_addr = mb_info_v1_mmap(w, ram_size, b, &mi.mmap_length);
	mi.boot_loader_name = mbw_str(w, MBOOT_LOADER_NAME);
	mbw_put(w, at, &mi, sizeof(mi));
	return (u32)at;
}

/* A v2 tag: type, size, `fixed` bytes of fields, then an optional string. */
static void mb2_put_tag(struct mb_writer *w, u32 type, const void *fixed, u32 n, const char *s)
{
	u32 size = 8 + n + (s ? (u32)strlen(s) + 1 : 0);
	u64 at = mbw_take(w, size, 8);
	u32 head[2] = { type, size };

	mbw_put(w, at, head, 8);
	mbw_put(w, at + 8, fixed, n);
	if (s)
		mbw_put(w, at + 8 + n, s, size - 8 - n);
}

static void mb2_put_mmap(struct mb_writer *w, u64 ram_size, const struct mboot_boot *b)
{
	struct mb_region r[MB_MAX_REGIONS];
	u32 n = mb_regions(ram_size, b, r), size = 16 + n * sizeof(struct mb2_mmap);
	u64 at = mbw_take(w, size, 8);
	u32 head[4] = { MB2_IT_MMAP, size, sizeof(struct mb2_mmap), 0 };

	mbw_put(w, at, head, sizeof(head));
	for (u32 i = 0; i < n; i++) {
		struct mb2_mmap e = { r[i].base, r[i].len, r[i].type, 0 };

		mbw_put(w, at + 16 + i * sizeof(e), &e, sizeof(e));
	}
}

/* The multiboot2 information structure; returns its address. */
static u32 mb_info_v2(struct mb_writer *w, u64 ram_size, const struct mboot_kernel *k,
		      const struct mboot_boot *b, const struct mb_mods *m)
{
	u64 at = mbw_take(w, 8, 8);
	u32 meminfo[2] = { MBOOT_LOW_END / KiB, (u32)((ram_size - MBOOT_HIGH_START) / KiB) };
	u32 base = (u32)k->load_base, head[2];

	mb2_put_tag(w, MB2_IT_CMDLINE, NULL, 0, b->cmdline);
	mb2_put_tag(w, MB2_IT_LOADER, NULL, 0, MBOOT_LOADER_NAME);
	for (u32 i = 0; i < b->mod_count; i++) {
		u32 range[2] = { m->start[i], m->end[i] };

		mb2_put_tag(w, MB2_IT_MODULE, range, sizeof(range), b->mods[i].cmdline);
	}
	mb2_put_tag(w, MB2_IT_MEMINFO, meminfo, sizeof(meminfo), NULL);
	mb2_put_mmap(w, ram_size, b);
	mb2_put_tag(w, MB2_IT_LOAD_BASE, &base, sizeof(base), NULL);
	mb2_put_tag(w, MB2_IT_END, NULL, 0, NULL);
	head[0] = (u32)(w->pos - at);
	head[1] = 0;
	mbw_put(w, at, head, sizeof(head));
	return (u32)at;
}

/* Flat 32-bit code at 0x08 and 0x10, flat data at 0x18 (accessed, so never written to). */
static void mb_gdt(struct mb_writer *w, u64 at)
{
	static const u64 gdt[GDT_SIZE / 8] = { 0, 0x00cf9b000000ffffULL, 0x00cf9b000000ffffULL,
					       0x00cf93000000ffffULL };

	mbw_put(w, at, gdt, sizeof(gdt));
}

/* Modules page by page above the kernel (and never below 1 MiB). 0, or -ENOSPC. */
static int mb_place_mods(u8 *ram, u64 end, const struct mboot_kernel *k, const struct mboot_boot *b,
			 struct mb_mods *m, u64 *pos)
{
	*pos = MAX(ALIGN_UP(k->load_end, PAGE_SIZE), MBOOT_HIGH_START);
	for (u32 i = 0; i < b->mod_count; i++) {
		u64 at = ALIGN_UP(*pos, PAGE_SIZE);

		if (at < *pos || !range_ok(at, b->mods[i].len, end))
			return -ENOSPC;
		memcpy(ram + at, b->mods[i].data, b->mods[i].len);
		m->start[i] = (u32)at;
		m->end[i] = (u32)(at + b->mods[i].len);
		*pos = at + b->mods[i].len;
	}
	return 0;
}

/* Build everything after the modules; with w->ram NULL only measure. */
static void mb_build(struct mb_writer *w, u64 ram_size, const struct mboot_kernel *k,
		     const struct mboot_boot *b, const struct mb_mods *m, struct mboot_placed *pl)
{
	pl->gdt = (u32)mbw_take(w, GDT_SIZE, 8);
	mb_gdt(w, pl->gdt);
	if (k->hdr.proto == MBOOT_V2)
		pl->info = mb_info_v2(w, ram_size, k, b, m);
	else
		pl->info = mb_info_v1(w, ram_size, b, m);
	pl->info_end = (u32)w->pos;
}

int mboot_place(u8 *ram, u64 ram_size, const struct mboot_kernel *k, const struct mboot_boot *b,
		struct mboot_placed *out, const char **why)
{
	u64 end = MIN(ram_size, 4 * GiB), pos;
	static struct mb_mods m;
	struct mb_writer w;

	if (b->mod_count > MBOOT_MAX_MODS)
		return *why = "too many modules", -ENOSPC;
	if (mb_place_mods(ram, end, k, b, &m, &pos))
		return *why = "the modules do not fit in the partition's RAM above the kernel",
		       -ENOSPC;
	w = (struct mb_writer){ NULL, ALIGN_UP(pos, PAGE_SIZE), end, false };
	mb_build(&w, ram_size, k, b, &m, out);
	if (w.full)
		return *why = "no room for the boot information above the modules", -ENOSPC;
	w = (struct mb_writer){ ram, ALIGN_UP(pos, PAGE_SIZE), end, false };
	mb_build(&w, ram_size, k, b, &m, out);
	return 0;
}

/* --- entry --- */

static struct vcpu_seg mb_flat(u16 sel, u16 attr)
{
	return (struct vcpu_seg){ .sel = sel, .attr = attr, .limit = 0xffffffff, .base = 0 };
}

void mboot_vcpu_state(const struct mboot_kernel *k, const struct mboot_placed *pl,
		      struct vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_ET; /* paging off, as the specs require */
	s->cs = mb_flat(MBOOT_SEL_CODE, SEG_ATTR_CODE32);
	s->ds = s->es = s->fs = s->gs = s->ss = mb_flat(MBOOT_SEL_DATA, SEG_ATTR_DATA);
	/* TR as after reset (SDM Vol. 3A 10.1.1): no TSS of its own until the kernel loads one. */
	s->tr = (struct vcpu_seg){ .sel = 0, .attr = SEG_ATTR_TSS32, .limit = 0xffff, .base = 0 };
	s->gdtr = (struct vcpu_dtr){ pl->gdt, GDT_SIZE - 1 };
	s->idtr = (struct vcpu_dtr){ 0, 0x3ff }; /* the real-mode default: set your own */
	s->regs.rax = k->hdr.proto == MBOOT_V2 ? MBOOT2_BOOT_MAGIC : MBOOT1_BOOT_MAGIC;
	s->regs.rbx = pl->info;
	s->regs.rip = k->entry;
	s->regs.rsp = MBOOT_ENTRY_ESP;
	s->regs.rflags = BIT(1);
}
