/* SPDX-License-Identifier: MIT */
/*
 * irq.S: interrupt stubs for vectors 32-255. Each pushes its vector and
 * calls guest_irq(vector) (guests/lib/apic.c) with the caller-saved
 * registers preserved; the handler sends its own EOI.
 */
	.text
	.align 16
irq_stub_base:
	vec = 32
	.rept 224
	.align 16
	push $vec
	jmp irq_common
	vec = vec + 1
	.endr

irq_common:
	push %rbp
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov 80(%rsp), %rdi              /* the vector */
	mov %rsp, %rbp
	and $-16, %rsp                  /* the ABI's stack alignment for the C handler */
	cld
	call guest_irq
	mov %rbp, %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pop %rbp
	add $8, %rsp
	iretq

/* u64 irq_stub(u32 vector): the address of vector's stub (32-255). */
	.global irq_stub
irq_stub:
	lea irq_stub_base(%rip), %rax
	sub $32, %edi
	shl $4, %rdi
	add %rdi, %rax
	ret

	.section .note.GNU-stack, "", @progbits
