/* SPDX-License-Identifier: MIT */
/* ioapic.h: the I/O APICs from the MADT, which the hypervisor keeps masked. */
#ifndef KERNEL_IOAPIC_H
#define KERNEL_IOAPIC_H

/*
 * Mask every redirection entry of every I/O APIC the MADT lists. An entry
 * the hardware does not answer for is reported and skipped.
 */
void ioapic_mask_all(void);

#endif
