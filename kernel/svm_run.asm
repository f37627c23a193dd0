; SPDX-License-Identifier: MIT
; svm_run.asm: enter an SVM guest and come back (AMD64 APM Vol. 2, 15.5 "VMRUN").
;
; void svm_vmrun(u64 vmcb_pa, struct vcpu_regs *regs, u64 host_area_pa)
;
; VMRUN saves and restores only the host's RAX, RSP, RIP, RFLAGS, segment and
; control registers (in VM_HSAVE_PA), and loads only RAX, RSP, RIP, RFLAGS of
; the guest from the VMCB. So this stub swaps the other general registers
; itself, and uses VMSAVE/VMLOAD for FS, GS, TR, LDTR, KernelGSBase and the
; syscall MSRs: host_area_pa keeps the host's (GS base = per-CPU data!), the
; VMCB keeps the guest's. The caller runs it with GIF clear (CLGI) and RFLAGS.IF
; set, so that host interrupts exit the guest but are taken only after STGI.

bits 64
section .text

; Offsets in struct vcpu_regs (kernel/vcpu.h).
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

global svm_vmrun
svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdx                    ; [rsp + 16]: host area
	push rsi                    ; [rsp + 8]:  regs
	push rdi                    ; [rsp]:      guest VMCB

	mov rax, rdx
	vmsave                      ; host FS/GS/TR/LDTR/KernelGSBase/STAR/... -> host area
	mov rax, rdi
	vmload                      ; the guest's from its VMCB

	mov rbx, [rsi + REG_RBX]
	mov rcx, [rsi + REG_RCX]
	mov rdx, [rsi + REG_RDX]
	mov rdi, [rsi + REG_RDI]
	mov rbp, [rsi + REG_RBP]
	mov r8,  [rsi + REG_R8]
	mov r9,  [rsi + REG_R9]
	mov r10, [rsi + REG_R10]
	mov r11, [rsi + REG_R11]
	mov r12, [rsi + REG_R12]
	mov r13, [rsi + REG_R13]
	mov r14, [rsi + REG_R14]
	mov r15, [rsi + REG_R15]
	mov rsi, [rsi + REG_RSI]

	vmrun                       ; RAX = guest VMCB; returns at #VMEXIT with host RSP

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

	mov rax, [rsp]
	vmsave                      ; the guest's back into its VMCB
	mov rax, [rsp + 16]
	vmload                      ; the host's again: GS base is valid from here

	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
