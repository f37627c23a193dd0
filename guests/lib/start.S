/* SPDX-License-Identifier: MIT */
/*
 * start.S: guest entry, exception stubs and the setjmp/longjmp pair behind
 * try_call(). Every vCPU enters _start in 64-bit mode with RDI = boot
 * information and RSI = its vCPU index (guests/README.md).
 */
#define GUEST_MAX_VCPUS 8
#define GUEST_STACK     16384

	.code64
	.section .text.start, "ax"
	.global _start
_start:
	cmp $GUEST_MAX_VCPUS, %rsi
	jae 2f
	lea guest_stacks(%rip), %rsp
	lea 1(%rsi), %rax
	shl $14, %rax                   /* GUEST_STACK per vCPU */
	add %rax, %rsp
	xor %ebp, %ebp
	call guest_start                /* (boot info, vCPU index): never returns */
2:	cli
	hlt
	jmp 2b

	.text
/* CPU-pushed error code for vectors 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A 6.13). */
.macro EXC_NOERR n
exc_\n:
	push $0
	push $\n
	jmp exc_common
.endm
.macro EXC_ERR n
exc_\n:
	push $\n
	jmp exc_common
.endm
	EXC_NOERR 0
	EXC_NOERR 1
	EXC_NOERR 2
	EXC_NOERR 3
	EXC_NOERR 4
	EXC_NOERR 5
	EXC_NOERR 6
	EXC_NOERR 7
	EXC_ERR 8
	EXC_NOERR 9
	EXC_ERR 10
	EXC_ERR 11
	EXC_ERR 12
	EXC_ERR 13
	EXC_ERR 14
	EXC_NOERR 15
	EXC_NOERR 16
	EXC_ERR 17
	EXC_NOERR 18
	EXC_NOERR 19
	EXC_NOERR 20
	EXC_ERR 21
	EXC_NOERR 22
	EXC_NOERR 23
	EXC_NOERR 24
	EXC_NOERR 25
	EXC_NOERR 26
	EXC_NOERR 27
	EXC_NOERR 28
	EXC_ERR 29
	EXC_ERR 30
	EXC_NOERR 31

exc_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call guest_exception
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/* int guest_setjmp(u64 buf[8]): rbx, rbp, r12-r15, rsp, rip. */
	.global guest_setjmp
guest_setjmp:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rax
	mov %rax, 48(%rdi)
	mov (%rsp), %rax
	mov %rax, 56(%rdi)
	xor %eax, %eax
	ret

/* void guest_longjmp(u64 buf[8], int val): back into guest_setjmp's caller. */
	.global guest_longjmp
guest_longjmp:
	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	mov %esi, %eax
	jmp *56(%rdi)

	.section .rodata
	.global exc_stubs
	.align 8
exc_stubs:
	.quad exc_0, exc_1, exc_2, exc_3, exc_4, exc_5, exc_6, exc_7
	.quad exc_8, exc_9, exc_10, exc_11, exc_12, exc_13, exc_14, exc_15
	.quad exc_16, exc_17, exc_18, exc_19, exc_20, exc_21, exc_22, exc_23
	.quad exc_24, exc_25, exc_26, exc_27, exc_28, exc_29, exc_30, exc_31

	.bss
	.align 4096
guest_stacks:
	.skip GUEST_STACK * GUEST_MAX_VCPUS

	.section .note.GNU-stack, "", @progbits
