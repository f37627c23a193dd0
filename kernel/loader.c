// SPDX-License-Identifier: MIT
/* loader.c: ELF64 guest loader and the 64-bit boot environment of a partition. */
#include "kernel/loader.h"
#include "kernel/elf.h"
#include "kernel/io.h"
#include "kernel/string.h"

#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)

static int loader_check_ehdr(const struct elf64_ehdr *eh, u64 len, const char **why)
{
	static const u8 magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, 4))
		return *why = "not an ELF file", -ENOEXEC;
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return *why = "not a little-endian ELF64 version 1 file", -ENOEXEC;
	if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
		return *why = "not an x86-64 executable (ET_EXEC)", -ENOEXEC;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > LOADER_MAX_PHDRS)
		return *why = "bad program header size or count", -ENOEXEC;
	if (!range_ok(eh->e_phoff, (u64)eh->e_phnum * sizeof(struct elf64_phdr), len))
		return *why = "program headers lie outside the file", -ENOEXEC;
	return 0;
}

static int loader_check_phdr(const struct elf64_phdr *ph, u64 len, u64 ram_size, const char **why)
{
	if (ph->p_type == PT_DYNAMIC || ph->p_type == PT_INTERP)
		return *why = "dynamic executables are not supported", -ENOEXEC;
	if (ph->p_type != PT_LOAD)
		return 0;
	if (ph->p_filesz > ph->p_memsz)
		return *why = "segment file size exceeds its memory size", -ENOEXEC;
	if (!range_ok(ph->p_offset, ph->p_filesz, len))
		return *why = "segment data lies outside the file", -ENOEXEC;
	if (ph->p_vaddr != ph->p_paddr)
		return *why = "segment virtual and physical addresses differ", -ENOEXEC;
	if (ph->p_paddr < HV_GPA_IMAGE_MIN)
		return *why = "segment below 1 MiB (the loader's area)", -ENOEXEC;
	if (!range_ok(ph->p_paddr, ph->p_memsz, ram_size))
		return *why = "segment does not fit in the partition's RAM", -ENOEXEC;
	return 0;
}

static bool loader_overlap(const struct elf64_phdr *a, const struct elf64_phdr *b)
{
	return a->p_memsz && b->p_memsz && a->p_paddr < b->p_paddr + b->p_memsz &&
	       b->p_paddr < a->p_paddr + a->p_memsz;
}

/* Check every program header; fills *img. Nothing is copied yet. */
static int loader_check_phdrs(const struct elf64_phdr *ph, u32 n, u64 len, u64 ram_size, u64 entry,
			      struct loader_image *img, const char **why)
{
	bool loads = false, entry_ok = false;

	img->image_end = HV_GPA_IMAGE_MIN;
	for (u32 i = 0; i < n; i++) {
		int r = loader_check_phdr(&ph[i], len, ram_size, why);

		if (r)
			return r;
		if (ph[i].p_type != PT_LOAD)
			continue;
		for (u32 j = 0; j < i; j++)
			if (ph[j].p_type == PT_LOAD && loader_overlap(&ph[i], &ph[j]))
				return *why = "segments overlap", -ENOEXEC;
		loads = true;
		if ((ph[i].p_flags & PF_X) && entry >= ph[i].p_vaddr &&
		    entry - ph[i].p_vaddr < ph[i].p_memsz)
			entry_ok = true;
		img->image_end =
			MAX(img->image_end, ALIGN_UP(ph[i].p_paddr + ph[i].p_memsz, PAGE_SIZE));
	}
	if (!loads)
		return *why = "no loadable segment", -ENOEXEC;
	if (!entry_ok)
		return *why = "entry point is not inside an executable segment", -ENOEXEC;
	img->entry = entry;
	return 0;
}

int loader_load_elf(const void *elf, u64 len, u8 *ram, u64 ram_size, struct loader_image *img,
		    const char **why)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph[LOADER_MAX_PHDRS];
	int r;

	if (len < sizeof(eh))
		return *why = "file shorter than an ELF header", -ENOEXEC;
	memcpy(&eh, elf, sizeof(eh));
	r = loader_check_ehdr(&eh, len, why);
	if (r)
		return r;
	memcpy(ph, (const u8 *)elf + eh.e_phoff, eh.e_phnum * sizeof(ph[0]));
	r = loader_check_phdrs(ph, eh.e_phnum, len, ram_size, eh.e_entry, img, why);
	if (r)
		return r;
	for (u32 i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		memcpy(ram + ph[i].p_paddr, (const u8 *)elf + ph[i].p_offset, ph[i].p_filesz);
		memset(ram + ph[i].p_paddr + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}

/* Page-table pages for the identity map come from the loader's area of guest RAM. */
struct loader_pt_area {
	u8 *ram;
	u64 next, end;
};

static paddr_t loader_pt_alloc(void *ctx)
{
	struct loader_pt_area *a = ctx;
	paddr_t pa;

	if (a->next >= a->end)
		return 0;
	pa = a->next;
	a->next += PAGE_SIZE;
	memset(a->ram + pa, 0, PAGE_SIZE);
	return pa;
}

static void loader_pt_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	(void)pa; /* the area is only ever filled once */
}

static void *loader_pt_virt(void *ctx, paddr_t pa)
{
	return ((struct loader_pt_area *)ctx)->ram + pa;
}

#define GDT_TSS_OFFSET 0x100 /* the TSS follows the GDT in the same page */
#define GDT_ENTRIES    5     /* null, code, data, TSS (two slots) */

/* A busy 64-bit TSS descriptor (SDM Vol. 3A 8.2.3), two GDT slots: TR is loaded with it. */
static void loader_tss_desc(u64 desc[2], u64 base, u64 limit)
{
	desc[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x8bULL << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	desc[1] = base >> 32;
}

static void loader_gdt(u8 *ram)
{
	u64 gdt[GDT_ENTRIES] = { 0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL, 0, 0 };
	u64 base = HV_GPA_GDT + GDT_TSS_OFFSET, limit = 0x67;
	u8 *tss = ram + base;

	loader_tss_desc(&gdt[3], base, limit);
	memcpy(ram + HV_GPA_GDT, gdt, sizeof(gdt));
	memset(tss, 0, limit + 1);
	tss[102] = limit + 1; /* I/O map base past the limit: no I/O bitmap */
}

int loader_boot_setup(u8 *ram, u64 ram_size, const struct hv_boot_info *bi, u64 *cr3)
{
	struct loader_pt_area area = { ram, HV_GPA_PT_START, HV_GPA_PT_END };
	const struct pt_mem mem = { loader_pt_alloc, loader_pt_free, loader_pt_virt, &area };
	struct pagetable pt;

	if (ram_size < HV_GPA_IMAGE_MIN || !IS_ALIGNED(ram_size, 2 * MiB))
		return -EINVAL;
	memset(ram, 0, HV_GPA_IMAGE_MIN);
	memcpy(ram + HV_GPA_BOOTINFO, bi, sizeof(*bi));
	loader_gdt(ram);
	if (pt_init(&pt, &pt_fmt_x86_host, &mem, 2) || pt_map(&pt, 0, 0, ram_size, PT_RWX))
		return -ENOMEM;
	*cr3 = pt.root;
	return 0;
}

static struct vcpu_seg loader_seg(u16 sel, u16 attr)
{
	return (struct vcpu_seg){ .sel = sel, .attr = attr, .limit = 0xffffffff, .base = 0 };
}

void loader_vcpu_state(u32 index, u64 entry, u64 cr3, struct vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->cs = loader_seg(HV_SEL_CODE, SEG_ATTR_CODE64);
	s->ds = s->es = s->ss = s->fs = s->gs = loader_seg(HV_SEL_DATA, SEG_ATTR_DATA);
	s->tr = (struct vcpu_seg){ HV_SEL_TSS, SEG_ATTR_TSS64, 0x67, HV_GPA_GDT + GDT_TSS_OFFSET };
	s->gdtr = (struct vcpu_dtr){ HV_GPA_GDT, GDT_ENTRIES * 8 - 1 };
	s->idtr = (struct vcpu_dtr){ 0, 0 }; /* the guest installs its own before any fault */
	s->regs.rip = entry;
	s->regs.rsp = HV_GPA_STACKS - (u64)index * HV_STACK_SIZE;
	s->regs.rflags = BIT(1);
	s->regs.rdi = HV_GPA_BOOTINFO;
	s->regs.rsi = index;
}
