/* SPDX-License-Identifier: MIT */
/* pic.h: the legacy 8259A interrupt controllers, which the hypervisor only silences. */
#ifndef KERNEL_PIC_H
#define KERNEL_PIC_H

/* Remap both 8259s to VEC_PIC_BASE..+15 and mask every IRQ line. */
void pic_disable(void);

#endif
