/* SPDX-License-Identifier: MIT */
/*
 * mbheader.S: the loader header of each variant, first in the image:
 * MB1 (Multiboot Specification 0.6.96, 3.1) with ELF or the a.out-kludge
 * address fields (AOUT), or MB2 (Multiboot2 Specification 3.1) with an
 * information request, module alignment and (ENTRY_TAG) an entry address tag.
 */
#define MB1_MAGIC      0x1badb002
#define MB1_PAGE_ALIGN 0x00000001
#define MB1_MEMORY     0x00000002
#define MB1_AOUT       0x00010000
#define MB2_MAGIC      0xe85250d6

	.section .mbheader, "a"
#ifdef MB1
#ifdef AOUT
#define MB1_FLAGS (MB1_PAGE_ALIGN | MB1_MEMORY | MB1_AOUT)
#else
#define MB1_FLAGS (MB1_PAGE_ALIGN | MB1_MEMORY)
#endif
	.align 4
mb1_header:
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
#ifdef AOUT
	.long mb1_header, __kernel_start, __load_end, __kernel_end, _start
#endif
#endif

#ifdef MB2
	.align 8
mb2_header:
	.long MB2_MAGIC, 0, mb2_end - mb2_header, -(MB2_MAGIC + (mb2_end - mb2_header))
	.align 8
	/* Information request (required): cmdline, loader name, modules, meminfo, mmap. */
	.short 1, 0
	.long 28, 1, 2, 3, 4, 6
	.align 8
	.short 6, 0 /* module alignment */
	.long 8
#ifdef ENTRY_TAG
	.align 8
	.short 3, 0 /* entry address: the 32-bit start in an ELF64 image */
	.long 12, _start
#endif
	.align 8
	.short 0, 0
	.long 8
mb2_end:
#endif
