// SPDX-License-Identifier: MIT
/* cpu.c: descriptor tables, per-CPU area and the feature probe. */
#define LOG_TAG "cpu"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/string.h"

struct percpu cpus[MAX_CPUS];
struct cpu_features cpu_features;

#define IST_STACK_SIZE (8 * KiB) /* the panic report runs on it after a #DF */

/* A 64-bit TSS descriptor spans two GDT slots (SDM Vol. 3A 8.2.3). */
static void cpu_set_tss_desc(u64 *gdt, const struct tss *tss)
{
	u64 base = (u64)(uintptr_t)tss, limit = sizeof(*tss) - 1;

	gdt[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[1] = base >> 32;
}

static void cpu_load_tables(struct percpu *c)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(c->gdt) - 1, (u64)(uintptr_t)c->gdt };

	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movw %w2, %%ds\n\t"
			     "movw %w2, %%es\n\t"
			     "movw %w2, %%ss\n\t"
			     "ltr %w3"
			     :
			     : "m"(gdtr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(KERNEL_TR)
			     : "rax", "memory");
}

void cpu_init(u32 index, u32 apic_id)
{
	struct percpu *c = &cpus[index];

	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	c->gdt[2] = 0x00cf92000000ffffULL; /* data, DPL 0 */
	cpu_set_tss_desc(&c->gdt[3], &c->tss);
	for (int i = 0; i < 2; i++) {
		char name[24];

		snformat(name, sizeof(name), "cpu%u %s stack", index, i ? "NMI" : "#DF");
		if (!c->ist_stacks[i])
			c->ist_stacks[i] = mm_stack_alloc(IST_STACK_SIZE, name); /* guard page below */
		if (!c->ist_stacks[i])
			panic("cpu%u: no memory for exception stacks", index);
		c->tss.ist[i] = c->ist_stacks[i] + IST_STACK_SIZE; /* IST1 = #DF, IST2 = NMI */
	}
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
	cpu_load_tables(c);
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)c);
	idt_init();
	c->online = true;
}

void cpu_features_init(void)
{
	struct cpu_features *f = &cpu_features;
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	f->max_leaf = a;
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = '\0';
	cpuid(1, 0, &a, &b, &c, &d);
	f->stepping = a & 0xf;
	f->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	f->family = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? ((a >> 20) & 0xff) : 0);
	f->vmx = c & BIT(5);
	f->x2apic = c & BIT(21);
	f->tsc_deadline = c & BIT(24);
	f->hypervisor = c & BIT(31);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	f->max_ext_leaf = a;
	if (f->max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->svm = c & BIT(2);
		f->pdpe1gb = d & BIT(26);
	}
	if (f->max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & BIT(8);
	}
	pr_info("%s family 0x%x model 0x%x stepping %u:%s%s%s%s%s\n", f->vendor, f->family,
		f->model, f->stepping, f->svm ? " svm" : "", f->vmx ? " vmx" : "",
		f->x2apic ? " x2apic" : "", f->pdpe1gb ? " 1g-pages" : "",
		f->invariant_tsc ? " invariant-tsc" : "");
}
