// SPDX-License-Identifier: MIT
/* idt.c: the IDT, the exception report and the dispatch of interrupts to handlers. */
#define LOG_TAG "idt"
#include "kernel/idt.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/ksyms.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type; /* P, DPL, type 0xE = 64-bit interrupt gate */
	u16 off_mid;
	u32 off_hi;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");

#define GATE_INTERRUPT 0x8e
#define KERNEL_CS      0x08

extern const u64 isr_stubs[256];
static struct idt_gate idt[256] __aligned(16);
static irq_handler_t handlers[256];
static bool idt_built;
void (*irq_eoi_hook)(u64 vector);

static const char *const exc_names[32] = {
	"divide error (#DE)",
	"debug (#DB)",
	"NMI",
	"breakpoint (#BP)",
	"overflow (#OF)",
	"bound range (#BR)",
	"invalid opcode (#UD)",
	"device not available (#NM)",
	"double fault (#DF)",
	"coprocessor overrun",
	"invalid TSS (#TS)",
	"segment not present (#NP)",
	"stack fault (#SS)",
	"general protection (#GP)",
	"page fault (#PF)",
	"reserved 15",
	"x87 FP error (#MF)",
	"alignment check (#AC)",
	"machine check (#MC)",
	"SIMD FP error (#XM)",
	"virtualization (#VE)",
	"control protection (#CP)",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"hypervisor injection (#HV)",
	"VMM communication (#VC)",
	"security (#SX)",
	"reserved 31",
};

static void idt_build(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = isr_stubs[v];

		idt[v] = (struct idt_gate){
			.off_lo = a & 0xffff,
			.sel = KERNEL_CS,
			.type = GATE_INTERRUPT,
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
	idt_built = true;
}

void idt_use_ist(void)
{
	idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[VEC_NMI].ist = IST_NMI;
}

void idt_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	if (!idt_built)
		idt_build();
	__asm__ __volatile__("lidt %0" ::"m"(idtr));
}

int idt_set_handler(u8 vector, irq_handler_t fn)
{
	if (handlers[vector] && fn)
		return -EBUSY;
	handlers[vector] = fn;
	return 0;
}

void idt_dump_frame(const struct irq_frame *f)
{
	printk(LOG_ERR, "  RIP %016llx  RSP %016llx  RFLAGS %08llx  CS %04llx SS %04llx\n", f->rip,
	       f->rsp, f->rflags, f->cs, f->ss);
	printk(LOG_ERR, "  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n", f->rax, f->rbx,
	       f->rcx, f->rdx);
	printk(LOG_ERR, "  RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n", f->rsi, f->rdi,
	       f->rbp, f->r8);
	printk(LOG_ERR, "  R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n", f->r9, f->r10,
	       f->r11, f->r12);
	printk(LOG_ERR, "  R13 %016llx  R14 %016llx  R15 %016llx\n", f->r13, f->r14, f->r15);
	printk(LOG_ERR, "  CR0 %016llx  CR2 %016llx  CR3 %016llx  CR4 %016llx\n", read_cr0(),
	       read_cr2(), read_cr3(), read_cr4());
}

/* #PF error code bits (SDM Vol. 3A 4.7): what the access was and why it failed. */
#define PF_P    BIT(0) /* protection violation (0: page not present) */
#define PF_W    BIT(1) /* write */
#define PF_RSVD BIT(3) /* reserved bit set in a paging entry */
#define PF_ID   BIT(4) /* instruction fetch */

static void idt_pf_detail(char *buf, size_t len, u64 error, u64 cr2)
{
	const char *guard = mm_guard_name(cr2);
	const char *access = (error & PF_W) ? "write" : "read";

	if (error & PF_ID)
		access = "instruction fetch";
	snformat(buf, len, ", CR2 0x%llx (%s, %s%s)%s%s", cr2, access,
		 (error & PF_P) ? "protection violation" : "page not present",
		 (error & PF_RSVD) ? ", reserved bit set" : "",
		 guard ? ": stack overflow into the guard page of the " : "", guard ? guard : "");
}

/*
 * A #DF in the hypervisor is nearly always a #PF that could not be delivered
 * because the stack is gone: the overflow ran into a guard page (CR2 names it).
 */
static void idt_df_detail(char *buf, size_t len, u64 cr2)
{
	const char *guard = mm_guard_name(cr2);
	u64 rsp = (u64)(uintptr_t)__builtin_frame_address(0);

	if (guard)
		snformat(buf, len,
			 ": stack overflow, CR2 0x%llx is the guard page of the %s"
			 " (reported on the #DF IST stack, RSP 0x%llx)",
			 cr2, guard, rsp);
	else
		snformat(buf, len, ", CR2 0x%llx (handler RSP 0x%llx)", cr2, rsp);
}

static void __noreturn idt_exception(struct irq_frame *f)
{
	char detail[200] = "", sym[80];

	if (f->vector == VEC_PAGE_FAULT)
		idt_pf_detail(detail, sizeof(detail), f->error, read_cr2());
	else if (f->vector == VEC_DOUBLE_FAULT)
		idt_df_detail(detail, sizeof(detail), read_cr2());
	ksym_format(sym, sizeof(sym), f->rip);
	panic_frame(f, "exception %llu: %s, error code 0x%llx at RIP 0x%llx %s%s", f->vector,
		    exc_names[f->vector], f->error, f->rip, sym, detail);
}

void idt_dispatch(struct irq_frame *f)
{
	irq_handler_t h = handlers[f->vector & 0xff];

	if (h) {
		h(f);
	} else if (f->vector < 32) {
		idt_exception(f);
	} else {
		static struct ratelimit rl = RATELIMIT_INIT(5, 1000);

		if (ratelimit_check(&rl))
			pr_warn("spurious interrupt on vector %llu\n", f->vector);
	}
	if (f->vector >= 32 && irq_eoi_hook)
		irq_eoi_hook(f->vector);
}
