// SPDX-License-Identifier: MIT
/* mbinfo.c: the multiboot (v1) and multiboot2 information structures, read into one form. */
#include "mbk.h"

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

/* Multiboot Specification 0.6.96, 3.3 "Boot information format". */
#define MB1_INFO_MEMORY  BIT(0)
#define MB1_INFO_CMDLINE BIT(2)
#define MB1_INFO_MODS    BIT(3)
#define MB1_INFO_MMAP    BIT(6)
#define MB1_INFO_LOADER  BIT(9)

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	u32 boot_loader_name, apm_table;
	u32 vbe[4];
	u32 fb[8];
} __attribute__((packed));

struct mb1_mod {
	u32 start, end, cmdline, pad;
};

struct mb1_mmap {
	u32 size;
	u64 base, len;
	u32 type;
} __attribute__((packed));

/* Multiboot2 Specification 3.6. */
struct mb2_tag {
	u32 type, size;
};

static const char *str(u32 a)
{
	return (const char *)(uptr)a;
}

static void mb1_mmap(const struct mb1_info *mi, struct bootinfo *bi)
{
	u32 off = 0;

	while (off + 4 <= mi->mmap_length && bi->mmap_count < MAX_MMAP) {
		const struct mb1_mmap *e = (const void *)(uptr)(mi->mmap_addr + off);

		bi->mmap[bi->mmap_count++] = (struct mmap_ent){ e->base, e->len, e->type };
		off += e->size + 4;
	}
}

static void mb1_parse(u32 addr, struct bootinfo *bi)
{
	const struct mb1_info *mi = (const void *)(uptr)addr;

	res("info-flags", "0x%x", mi->flags);
	bi->info_end = addr + sizeof(*mi);
	if (mi->flags & MB1_INFO_MEMORY) {
		bi->have_meminfo = true;
		bi->mem_lower = mi->mem_lower;
		bi->mem_upper = mi->mem_upper;
	}
	if (mi->flags & MB1_INFO_CMDLINE)
		bi->cmdline = str(mi->cmdline);
	if (mi->flags & MB1_INFO_LOADER)
		bi->loader = str(mi->boot_loader_name);
	if (mi->flags & MB1_INFO_MODS) {
		const struct mb1_mod *m = (const void *)(uptr)mi->mods_addr;

		for (u32 i = 0; i < mi->mods_count && i < MAX_MODS; i++) {
			bi->mods[i].start = m[i].start;
			bi->mods[i].end = m[i].end;
			bi->mods[i].cmdline = str(m[i].cmdline);
		}
		bi->mod_count = mi->mods_count;
	}
	if (mi->flags & MB1_INFO_MMAP)
		mb1_mmap(mi, bi);
}

static void mb2_mmap(const u8 *t, struct bootinfo *bi)
{
	u32 size = ((const u32 *)t)[1], esize = ((const u32 *)t)[2];

	res("mmap-entry-size", "%u version %u", esize, ((const u32 *)t)[3]);
	for (u32 off = 16; esize && off + esize <= size && bi->mmap_count < MAX_MMAP;
	     off += esize) {
		const u64 *e = (const u64 *)(t + off);

		bi->mmap[bi->mmap_count++] = (struct mmap_ent){ e[0], e[1], (u32)e[2] };
	}
}

static void mb2_tag(const u8 *t, struct bootinfo *bi)
{
	const u32 *w = (const u32 *)t;

	switch (w[0]) {
	case 1:
		bi->cmdline = (const char *)(t + 8);
		break;
	case 2:
		bi->loader = (const char *)(t + 8);
		break;
	case 3:
		if (bi->mod_count < MAX_MODS) {
			bi->mods[bi->mod_count].start = w[2];
			bi->mods[bi->mod_count].end = w[3];
			bi->mods[bi->mod_count].cmdline = (const char *)(t + 16);
		}
		bi->mod_count++;
		break;
	case 4:
		bi->have_meminfo = true;
		bi->mem_lower = w[2];
		bi->mem_upper = w[3];
		break;
	case 6:
		mb2_mmap(t, bi);
		break;
	}
}

static void mb2_parse(u32 addr, struct bootinfo *bi)
{
	u32 total = *(const u32 *)(uptr)addr;
	u64 seen = 0;
	u32 off = 8;

	bi->info_end = addr + total;
	check("mb2 info 8-byte aligned", (addr & 7) == 0);
	while (off + 8 <= total) {
		const u8 *t = (const u8 *)(uptr)(addr + off);
		const struct mb2_tag *tag = (const void *)t;

		if (tag->type == 0)
			break;
		if (tag->type < 64)
			seen |= BIT(tag->type);
		mb2_tag(t, bi);
		off += (tag->size + 7) & ~7u;
	}
	check("mb2 end tag", off + 8 <= total);
	res("info-tags", "0x%llx", seen);
}

void mbinfo_parse(u32 magic, u32 addr, struct bootinfo *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->info_start = addr;
	bi->proto = magic == MB1_BOOT_MAGIC ? 1 : magic == MB2_BOOT_MAGIC ? 2 : 0;
	res("magic", "0x%x", magic);
	check("multiboot magic", bi->proto != 0);
	if (bi->proto == 1)
		mb1_parse(addr, bi);
	else if (bi->proto == 2)
		mb2_parse(addr, bi);
}
