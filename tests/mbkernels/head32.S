/* SPDX-License-Identifier: MIT */
/*
 * head32.S: 32-bit entry of the ELF32 and a.out variants: record the entry
 * state (entry.S), load our own GDT and IDT, run kmain. Also the exception
 * stubs, probe_call, the real-mode round trip and the task-switch test.
 */
#include "entry.S"

	.code32
	.text
	.global _start
_start:
	ENTRY_CAPTURE
	lgdt gdt_ptr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	call idt_init
	lidt idt_ptr
	call kmain
2:	cli
	hlt
	jmp 2b

/* CPU-pushed error codes: vectors 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A 6.13). */
.macro STUB n, err
	.align 16
	.if \err == 0
	push $0
	.endif
	push $\n
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
	pusha
	mov %esp, %eax
	add $32, %eax /* the vector slot: struct trap_frame */
	push %eax
	call trap
	add $4, %esp
	popa
	add $8, %esp
	iret

/* int probe_call(void (*fn)(void *), void *arg) */
	.global probe_call, probe_resume
probe_call:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, probe_sp
	movl $1, probe_armed
	pushl 24(%esp)
	call *24(%esp)
	add $4, %esp
	movl $0, probe_armed
	mov $-1, %eax
	jmp 1f
probe_resume:
	mov probe_sp, %esp
	movl $0, probe_armed
	mov probe_vector, %eax
1:	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

/*
 * u32 realmode_roundtrip(void): protected mode -> 16-bit protected mode ->
 * real mode (a software interrupt through the IVT, CPUID, the UART's scratch
 * register) -> back. The 16-bit code runs from a copy at REAL_BASE.
 */
#define REAL_BASE 0x8000
#define REAL_SEG  (REAL_BASE >> 4)
#define R(x)      ((x) - rm_start)
	.global realmode_roundtrip, rm_start, rm_end, rm_result
realmode_roundtrip:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, rm_saved_esp
	sidt rm_saved_idt
	/* copy the 16-bit code below 1 MiB */
	mov $rm_start, %esi
	mov $REAL_BASE, %edi
	mov $(rm_end - rm_start), %ecx
	cld
	rep movsb
	ljmp $0x20, $(REAL_BASE + R(rm_pm16))
rm_back32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov rm_saved_esp, %esp
	lidt rm_saved_idt
	/* results the real-mode code left in its copy */
	mov $REAL_BASE + R(rm_result), %esi
	mov $rm_result, %edi
	mov $16, %ecx
	rep movsb
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	mov rm_result, %eax
	ret

	.code16
rm_start:
rm_pm16:
	mov $0x28, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lidt %cs:R(rm_ivt_ptr) + REAL_BASE
	mov %cr0, %eax
	and $0xfffffffe, %eax
	mov %eax, %cr0
	ljmp $REAL_SEG, $R(rm_real)
rm_real:
	mov %cs, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x0ff0, %sp
	movl $0x5245414c, R(rm_result)   /* "LAER": real mode reached */
	/* IVT entry 0x31 -> rm_int31 */
	xor %ax, %ax
	mov %ax, %es
	movw $R(rm_int31), %es:(0x31 * 4)
	movw $REAL_SEG, %es:(0x31 * 4 + 2)
	int $0x31
	xor %eax, %eax
	cpuid
	mov %ebx, R(rm_result) + 8
	mov $0x3ff, %dx
	mov $0x3c, %al
	outb %al, %dx
	inb %dx, %al
	movb %al, R(rm_result) + 12
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $rm_back32
rm_int31:
	movl $0x31313131, %cs:R(rm_result) + 4
	iret
	.align 8
rm_ivt_ptr:
	.word 0x3ff
	.long 0
	.align 8
rm_result:
	.long 0, 0, 0, 0
rm_end:
	.code32

/*
 * u32 task_roundtrip(void): CALL to the TSS of task B, which IRETs back
 * (a nested task), then INT 0x40 through a task gate to it. Returns B's count.
 */
	.global task_roundtrip, task_b_entry
task_roundtrip:
	push %ebp
	push %ebx
	push %esi
	push %edi
	lcall $0x38, $0
	int $0x40
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	mov task_b_count, %eax
	ret
task_b_entry:
	incl task_b_count
	iret
	jmp task_b_entry

	.data
	.align 8
	.global gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08 code, 32-bit flat */
	.quad 0x00cf92000000ffff /* 0x10 data, 32-bit flat */
	.quad 0x00af9a000000ffff /* 0x18 code, 64-bit */
	.quad 0x00009a000000ffff /* 0x20 code, 16-bit, base 0, 64 KiB */
	.quad 0x000092000000ffff /* 0x28 data, 16-bit */
	.quad 0                  /* 0x30 TSS of task A (filled by arch32.c) */
	.quad 0                  /* 0x38 TSS of task B */
	.quad 0
	.quad 0x00cf12000000ffff /* 0x48 data, not present */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
	.global idt_ptr
idt_ptr:
	.word 0
	.long 0
	.align 4
probe_sp:	.long 0
rm_saved_esp:	.long 0
rm_saved_idt:	.word 0
		.long 0
	.global probe_armed, probe_vector, task_b_count
probe_armed:	.long 0
probe_vector:	.long 0
task_b_count:	.long 0
