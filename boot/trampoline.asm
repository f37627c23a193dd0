; SPDX-License-Identifier: MIT
; trampoline.asm: where application processors start (SDM Vol. 3A 8.4.4 "MP
; Initialization Example", 9.9 "Mode Switching").
;
; smp.c copies trampoline_start..trampoline_end to TRAMPOLINE_BASE, a page below
; 1 MiB, fills in trampoline_data, and sends INIT-SIPI-SIPI with vector
; TRAMPOLINE_BASE >> 12. The AP starts here in real mode at CS:IP = 0x0800:0000,
; switches to protected mode, then to long mode on the boot page tables (which
; identity-map the low 4 GiB and so cover this page and the hypervisor's text),
; and jumps to ap_entry64 in the hypervisor's text. ap_entry64 moves to the
; hypervisor's own page tables (mm_init_ap) on a small stack at the top of this
; page, then to the AP's own stack, and calls smp_ap_main(index, apic_id).
; One AP runs this at a time: the boot CPU waits for each before the next.

TRAMPOLINE_BASE equ 0x8000
TRAMPOLINE_STACK equ TRAMPOLINE_BASE + 0x1000 ; top of the page: mm_init_ap's stack
%define TR(x) (TRAMPOLINE_BASE + (x) - trampoline_start)

MSR_EFER     equ 0xc0000080
EFER_LME     equ 1 << 8
EFER_NXE     equ 1 << 11
CR0_PE       equ 1 << 0
CR0_NW       equ 1 << 29
CR0_CD       equ 1 << 30
CR0_WP       equ 1 << 16
CR0_PG       equ 1 << 31
CR4_PAE      equ 1 << 5

SEL_CODE32   equ 0x08
SEL_DATA     equ 0x10
SEL_CODE64   equ 0x18

extern boot_pml4, mm_init_ap, smp_ap_main

section .rodata
global trampoline_start, trampoline_end, trampoline_data

bits 16
align 16
trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax                  ; flat real-mode addressing: TR() offsets are < 64 KiB
	mov dword [TR(trampoline_data.alive)], 1
	o32 lgdt [TR(tr_gdtr)]
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)  ; INIT leaves the caches disabled (SDM Table 9-1)
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:TR(tr_pm32)

bits 32
tr_pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [TR(trampoline_data.cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp SEL_CODE64:TR(tr_lm64)

bits 64
tr_lm64:
	mov rax, [abs TR(trampoline_data.entry)]
	jmp rax

align 8
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
	dq 0x00cf92000000ffff       ; 0x10: data
	dq 0x00af9a000000ffff       ; 0x18: 64-bit code
tr_gdt_end:
tr_gdtr:
	dw tr_gdt_end - tr_gdt - 1
	dd TR(tr_gdt)

; Layout shared with struct trampoline_data in kernel/smp.c.
align 8
trampoline_data:
.alive:   dd 0                  ; 0: set by the AP as its first act
.index:   dd 0                  ; 4: cpus[] index for this AP
.apic_id: dd 0                  ; 8
.pad:     dd 0
.stack:   dq 0                  ; 16: top of the AP's own stack
.cr3:     dd boot_pml4          ; 24: boot page tables (below 4 GiB)
.pad2:    dd 0
.entry:   dq ap_entry64         ; 32
trampoline_end:

section .text
bits 64
; Running on the boot page tables at the hypervisor's linked address.
ap_entry64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, TRAMPOLINE_STACK
	xor ebp, ebp
	call mm_init_ap             ; the hypervisor's tables: the AP's stack is mapped there
	mov rsp, [abs TR(trampoline_data.stack)]
	mov edi, [abs TR(trampoline_data.index)]
	mov esi, [abs TR(trampoline_data.apic_id)]
	xor ebp, ebp                ; terminates backtraces
	call smp_ap_main            ; never returns
.hang:
	cli
	hlt
	jmp .hang
