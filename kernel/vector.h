/* SPDX-License-Identifier: MIT */
/*
 * vector.h: the map of interrupt vectors, and the allocator that hands out
 * vectors for the hypervisor's own MSIs (the IOMMU fault event, the NIC's PF).
 */
#ifndef KERNEL_VECTOR_H
#define KERNEL_VECTOR_H

#include "kernel/idt.h"

/*
 * 0x00-0x1f  exceptions
 * 0x20-0x2f  the 8259 PICs, remapped here and masked: a stray IRQ lands
 *            on a logged spurious vector, never on an exception
 * 0x30-0xef  vector_alloc()
 * 0xf0-0xff  fixed, highest priority class (SDM Vol. 3A 10.8.3.1)
 */
/* clang-format off */
#define VEC_PIC_BASE      0x20
#define VEC_DYN_FIRST     0x30
#define VEC_DYN_LAST      0xef
#define VEC_SMP_CALL      0xfc /* smp_call() and smp_kick() */
#define VEC_APIC_TIMER    0xfd
#define VEC_APIC_ERROR    0xfe
#define VEC_APIC_SPURIOUS 0xff /* bits 3:0 = 1111, as older xAPICs require (SDM 10.9) */
/* clang-format on */

/*
 * Allocate a free vector from 0x30-0xef and install fn as its handler (it
 * runs with interrupts off; the APIC EOI follows it). Returns the vector,
 * -EINVAL if fn is NULL, or -ENOSPC when all are in use. Takes a spinlock.
 */
int vector_alloc(irq_handler_t fn);

/* Remove the handler and return the vector to the pool. 0, or -EINVAL (not allocated). */
int vector_free(int vector);

/* Number of vectors vector_alloc() can still hand out. */
unsigned int vector_free_count(void);

#endif
