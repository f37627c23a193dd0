/* SPDX-License-Identifier: MIT */
/*
 * head64.S: the ELF64 variants enter in 32-bit protected mode like every
 * multiboot kernel, record the entry state, identity-map the first 4 GiB
 * with 2 MiB pages and switch to long mode themselves; then the 64-bit
 * exception stubs and probe_call.
 */
#include "entry.S"

#define CR0_PG   0x80000000
#define CR4_PAE  0x20
#define EFER_LME 0x100

	.code32
	.section .text.start, "ax"
	.global _start
_start:
	ENTRY_CAPTURE
	lgdt gdt_ptr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	/* PML4[0] -> PDPT, PDPT[0..3] -> PD 0..3, each 512 x 2 MiB */
	mov $pdpt, %eax
	or $3, %eax
	mov %eax, pml4
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $12, %eax
	add $pd, %eax
	or $3, %eax
	mov %eax, pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jne 2b
	xor %ecx, %ecx
3:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, pd(, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax
	mov %eax, pd + 4(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 3b
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	ljmp $0x18, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $boot_stack_top, %rsp
	call idt_init
	lidt idt_ptr
	call kmain
4:	cli
	hlt
	jmp 4b

	.text
.macro STUB n, err
	.align 16
	.if \err == 0
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm
	.align 16
	.global trap_stubs
trap_stubs:
	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0
	STUB 0x30, 0

trap_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	lea 72(%rsp), %rdi /* the vector slot: struct trap_frame */
	call trap
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

/* int probe_call(void (*fn)(void *), void *arg) */
	.global probe_call, probe_resume
probe_call:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	sub $8, %rsp /* keep the call below 16-byte aligned */
	mov %rsp, probe_sp
	movl $1, probe_armed
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	movl $0, probe_armed
	mov $-1, %eax
	jmp 1f
probe_resume:
	mov probe_sp, %rsp
	movl $0, probe_armed
	mov probe_vector, %eax
1:	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* u64 syscall_roundtrip(void): SYSCALL to LSTAR at CPL 0, which jumps back through RCX. */
	.global syscall_roundtrip, syscall_target
syscall_roundtrip:
	push %rbx
	mov $0x5c5c, %rbx
	syscall
	mov $0x10, %ax /* SYSCALL left SS = STAR[47:32] + 8 */
	mov %ax, %ss
	mov %rbx, %rax
	pop %rbx
	ret
syscall_target:
	/* RCX = return RIP, R11 = RFLAGS; SFMASK applied */
	pushfq
	pop %rbx
	push %r11
	popfq
	jmp *%rcx

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08 code, 32-bit flat */
	.quad 0x00cf92000000ffff /* 0x10 data, 32-bit flat */
	.quad 0x00af9a000000ffff /* 0x18 code, 64-bit */
	.quad 0x00009a000000ffff /* 0x20 code, 16-bit */
	.quad 0x000092000000ffff /* 0x28 data, 16-bit */
	.quad 0, 0, 0
	.quad 0x00cf12000000ffff /* 0x48 data, not present */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt
	.global idt_ptr
idt_ptr:
	.word 0
	.quad 0
	.align 8
probe_sp:	.quad 0
	.global probe_armed, probe_vector
probe_armed:	.long 0
probe_vector:	.long 0

	.bss
	.align 4096
	.global pml4, pdpt, pd
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
