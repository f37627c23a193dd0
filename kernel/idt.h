/* SPDX-License-Identifier: MIT */
/* idt.h: interrupt descriptor table, exception reports and interrupt handler registration. */
#ifndef KERNEL_IDT_H
#define KERNEL_IDT_H

#include "kernel/types.h"

/* What isr.asm saves; the layout must match its pushes. */
struct irq_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct irq_frame) == 22 * 8, "irq_frame matches isr.asm");

typedef void (*irq_handler_t)(struct irq_frame *f);

#define IST_DOUBLE_FAULT 1 /* TSS IST slots: #DF and NMI get known-good stacks */
#define IST_NMI          2

#define VEC_NMI          2
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT   14

/* Load the IDT on this CPU (the table itself is built once, on the first call). */
void idt_init(void);

/* Switch #DF and NMI to their TSS stacks (once every CPU that loads the IDT has a TSS). */
void idt_use_ist(void);

/* Install a handler for a vector; returns 0 or -EBUSY if one is already there. */
int idt_set_handler(u8 vector, irq_handler_t fn);

/* Called by isr.asm for every vector. */
void idt_dispatch(struct irq_frame *f);

/* Print the registers of a frame (used by exception reports and panic). */
void idt_dump_frame(const struct irq_frame *f);

/* Hook run by idt_dispatch for vectors >= 32 after their handler (the APIC EOI). */
extern void (*irq_eoi_hook)(u64 vector);

#endif
