/* SPDX-License-Identifier: MIT */
/*
 * entry.S: the first instructions of every variant (32-bit protected mode,
 * as the loader left it): the multiboot header, then ENTRY_CAPTURE records
 * EAX, EBX, EFLAGS, CR0, CR4, EFER and each segment's selector, LAR and LSL
 * into `entry` (struct entry_state in mbk.h) and sets up a stack. The
 * loader's GDT must hold working descriptors for the selectors it loaded.
 */
#include "mbheader.S"

#define ES_MAGIC  0
#define ES_INFO   4
#define ES_EFLAGS 8
#define ES_CR0    12
#define ES_CR4    16
#define ES_EFER   20
#define ES_SEL    28
#define ES_AR     52
#define ES_LIMIT  76

/* Record one segment register (index i) without changing it. */
.macro SEG_CAPTURE reg, i
	xor %eax, %eax
	mov %\reg, %ax
	mov %eax, entry + ES_SEL + 4 * \i
	lar %eax, %ecx
	jz 1f
	xor %ecx, %ecx
1:	mov %ecx, entry + ES_AR + 4 * \i
	lsl %eax, %ecx
	jz 2f
	xor %ecx, %ecx
2:	mov %ecx, entry + ES_LIMIT + 4 * \i
.endm

.macro ENTRY_CAPTURE
	mov %eax, entry + ES_MAGIC
	mov %ebx, entry + ES_INFO
	mov $boot_stack_top, %esp
	pushf
	popl entry + ES_EFLAGS
	mov %cr0, %eax
	mov %eax, entry + ES_CR0
	mov %cr4, %eax
	mov %eax, entry + ES_CR4
	mov $0xc0000080, %ecx
	rdmsr
	mov %eax, entry + ES_EFER
	mov %edx, entry + ES_EFER + 4
	SEG_CAPTURE cs, 0
	SEG_CAPTURE ds, 1
	SEG_CAPTURE es, 2
	SEG_CAPTURE fs, 3
	SEG_CAPTURE gs, 4
	SEG_CAPTURE ss, 5
	/* Reloading a data segment register proves its descriptor is usable. */
	mov %ds, %ax
	mov %ax, %ds
	mov %ss, %ax
	mov %ax, %ss
.endm

	.bss
	.align 16
	.global entry
entry:
	.skip 128
	.align 4096
boot_stack:
	.skip 16384
boot_stack_top:
