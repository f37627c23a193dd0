; SPDX-License-Identifier: MIT
; isr.asm: one entry stub per interrupt vector, all funnelled into idt_dispatch().
;
; Each stub pushes a dummy error code where the CPU pushes none (SDM Vol. 3A
; 6.13: vectors 8, 10-14, 17, 21, 29, 30 push one), then its vector, saves the
; general registers into a struct irq_frame and calls idt_dispatch(frame).

bits 64
section .text

%macro STUB 1
align 16
isr_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	extern idt_dispatch
	call idt_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                 ; vector and error code
	iretq

section .rodata
align 8
global isr_stubs
isr_stubs:
%assign v 0
%rep 256
	dq isr_stub_%+v
%assign v v + 1
%endrep
