; SPDX-License-Identifier: MIT
; vmx_run.asm: enter a VMX guest and come back (SDM Vol. 3C 27 "VM entries", 28 "VM exits").
;
; int vmx_enter(struct vcpu_regs *regs, u32 launched)
;
; VM entry loads the guest's RSP, RIP, RFLAGS (and segment, control and some
; MSR state) from the current VMCS, and a VM exit loads the host's RSP and RIP
; from it; no other general register is switched. So this stub writes the
; current RSP into the VMCS as the host RSP, loads the guest's registers from
; regs, and at the exit (vmx_exit_point, the VMCS's host RIP) stores them back
; and returns 0 through the frame it left on the stack. A VMLAUNCH/VMRESUME
; that fails as an instruction falls through instead: it returns 1 for
; VMfailValid (ZF: the VM-instruction error field says why) and 2 for
; VMfailInvalid (CF: no current VMCS). A VM exit clears RFLAGS (IF too), so
; the caller runs with interrupts off on both sides.

bits 64
section .text

; Offsets in struct vcpu_regs (kernel/vcpu.h).
REG_RAX equ 0
REG_RBX equ 8
REG_RCX equ 16
REG_RDX equ 24
REG_RSI equ 32
REG_RDI equ 40
REG_RBP equ 48
REG_R8  equ 56
REG_R9  equ 64
REG_R10 equ 72
REG_R11 equ 80
REG_R12 equ 88
REG_R13 equ 96
REG_R14 equ 104
REG_R15 equ 112

VMCS_HOST_RSP equ 0x6c14

global vmx_enter
global vmx_exit_point
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                    ; [rsp]: regs, found again at the exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp            ; the exit lands here, with regs on top
	jbe .failed

	test esi, esi               ; launched? (MOVs below keep the flags)
	mov rax, [rdi + REG_RAX]
	mov rbx, [rdi + REG_RBX]
	mov rcx, [rdi + REG_RCX]
	mov rdx, [rdi + REG_RDX]
	mov rsi, [rdi + REG_RSI]
	mov rbp, [rdi + REG_RBP]
	mov r8,  [rdi + REG_R8]
	mov r9,  [rdi + REG_R9]
	mov r10, [rdi + REG_R10]
	mov r11, [rdi + REG_R11]
	mov r12, [rdi + REG_R12]
	mov r13, [rdi + REG_R13]
	mov r14, [rdi + REG_R14]
	mov r15, [rdi + REG_R15]
	mov rdi, [rdi + REG_RDI]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume

.failed:                            ; ZF: VMfailValid, CF: VMfailInvalid
	mov eax, 2
	mov ecx, 1
	cmovz eax, ecx
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

vmx_exit_point:
	push rax                    ; the guest's RAX; regs is at [rsp + 8]
	mov rax, [rsp + 8]
	mov [rax + REG_RBX], rbx
	mov [rax + REG_RCX], rcx
	mov [rax + REG_RDX], rdx
	mov [rax + REG_RSI], rsi
	mov [rax + REG_RDI], rdi
	mov [rax + REG_RBP], rbp
	mov [rax + REG_R8],  r8
	mov [rax + REG_R9],  r9
	mov [rax + REG_R10], r10
	mov [rax + REG_R11], r11
	mov [rax + REG_R12], r12
	mov [rax + REG_R13], r13
	mov [rax + REG_R14], r14
	mov [rax + REG_R15], r15
	pop qword [rax + REG_RAX]

	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	xor eax, eax
	ret
