; SPDX-License-Identifier: MIT
; entry.asm: multiboot2 header and the 32-bit entry that switches to long mode.
;
; GRUB enters here in 32-bit protected mode, paging off, EAX = magic and
; EBX = physical address of the boot information (Multiboot2 spec 3.3), both
; under BIOS and UEFI (GRUB exits boot services since we do not ask it not to).
; We identity-map the first 4 GiB with 2 MiB pages, enable long mode and call
; kmain(magic, mbi). C then builds the real page tables.

MB2_MAGIC        equ 0xe85250d6
MB2_ARCH_I386    equ 0
MB2_TAG_END      equ 0
MB2_TAG_INFO_REQ equ 1
MB2_TAG_MOD_ALIGN equ 6
MB2_TAG_OPTIONAL equ 1

COM1             equ 0x3f8
MSR_EFER         equ 0xc0000080
EFER_LME         equ 1 << 8
EFER_NXE         equ 1 << 11
CR0_PG           equ 1 << 31
CR0_WP           equ 1 << 16
CR4_PAE          equ 1 << 5
PTE_P            equ 1 << 0
PTE_RW           equ 1 << 1
PTE_PS           equ 1 << 7

section .multiboot
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Information request (spec 3.1.4): memory map, both ACPI RSDPs, EFI map.
	; Optional, so a loader lacking one still boots us and we say what is missing.
align 8
.info_req:
	dw MB2_TAG_INFO_REQ, MB2_TAG_OPTIONAL
	dd .info_req_end - .info_req
	dd 6, 14, 15, 17
.info_req_end:
align 8
	; Page-aligned modules (spec 3.1.11): partition images map cleanly.
	dw MB2_TAG_MOD_ALIGN, 0
	dd 8
align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:

section .boot.text
bits 32
global _start
_start:
	cli
	cld
	mov edi, eax                ; keep magic and info pointer for kmain
	mov esi, ebx

	; Zero .bss ourselves rather than trusting the loader to.
	push edi
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	pop edi

	mov esp, boot_stack_top

	mov eax, 0x80000000         ; need CPUID leaf 0x80000001
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29           ; LM: long mode
	jz .no_long_mode
	test edx, 1 << 20           ; NX: the page tables use it for W^X
	jz .no_nx

	; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages.
	mov eax, boot_pdpt
	or eax, PTE_P | PTE_RW
	mov [boot_pml4], eax
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_RW
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_RW | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                 ; high half of the 2 MiB frame address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 4 * 512
	jb .fill_pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_mode_entry

.no_long_mode:
	mov ebx, msg_no_lm
	jmp .fail
.no_nx:
	mov ebx, msg_no_nx
.fail:
	mov dx, COM1
	mov al, [ebx]
	test al, al
	jz .halt
	out dx, al
	inc ebx
	jmp .fail
.halt:
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp                ; terminates backtraces
	extern kmain
	call kmain                  ; kmain(magic = edi, mbi = esi); never returns
.hang:
	cli
	hlt
	jmp .hang

section .rodata
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff       ; 0x08: 64-bit code, DPL 0
	dq 0x00cf92000000ffff       ; 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt
msg_no_lm: db "boot: this CPU has no long mode; cannot run the hypervisor", 13, 10, 0
msg_no_nx: db "boot: this CPU has no NX bit; cannot run the hypervisor", 13, 10, 0

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4 * 4096
global boot_pml4, boot_stack_guard, boot_stack_top
boot_stack_guard: resb 4096        ; left unmapped by the final page tables
boot_stack: resb 16384
boot_stack_top:

extern __bss_start, __bss_end
