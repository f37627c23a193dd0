// SPDX-License-Identifier: MIT
/*
 * pic.c: the two cascaded 8259A PICs (Intel 8259A datasheet, "Programming
 * the 8259A"). The hypervisor takes no interrupt through them: they are
 * re-initialised away from the exception vectors and fully masked.
 */
#include "kernel/pic.h"
#include "kernel/io.h"
#include "kernel/vector.h"

/* clang-format off */
#define PIC1_CMD  0x20 /* master: ICW1 / OCW2 / OCW3 */
#define PIC1_DATA 0x21 /* master: ICW2-4 / OCW1 (interrupt mask) */
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define  PIC_ICW1_INIT  0x10
#define  PIC_ICW1_ICW4  0x01 /* ICW4 follows */
#define  PIC_ICW3_MASTER_IR2 0x04 /* the slave hangs on IR2 */
#define  PIC_ICW3_SLAVE_ID   0x02
#define  PIC_ICW4_8086  0x01
#define  PIC_OCW1_ALL   0xff
/* clang-format on */

/* Port 0x80 is the POST diagnostic port: a write is a ~1 us pause the old 8259s need. */
static void pic_pause(void)
{
	outb(0x80, 0);
}

static void pic_write(u16 port, u8 v)
{
	outb(port, v);
	pic_pause();
}

void pic_disable(void)
{
	pic_write(PIC1_CMD, PIC_ICW1_INIT | PIC_ICW1_ICW4);
	pic_write(PIC2_CMD, PIC_ICW1_INIT | PIC_ICW1_ICW4);
	pic_write(PIC1_DATA, VEC_PIC_BASE); /* ICW2: vector base */
	pic_write(PIC2_DATA, VEC_PIC_BASE + 8);
	pic_write(PIC1_DATA, PIC_ICW3_MASTER_IR2);
	pic_write(PIC2_DATA, PIC_ICW3_SLAVE_ID);
	pic_write(PIC1_DATA, PIC_ICW4_8086);
	pic_write(PIC2_DATA, PIC_ICW4_8086);
	pic_write(PIC1_DATA, PIC_OCW1_ALL);
	pic_write(PIC2_DATA, PIC_OCW1_ALL);
}
