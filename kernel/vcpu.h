/* SPDX-License-Identifier: MIT */
/*
 * vcpu.h: the vendor-neutral virtual CPU. Generic code creates vCPUs, loads an
 * entry state, runs them and gets back decoded exits; one backend (AMD SVM in
 * svm.c, Intel VMX in vmx.c) implements struct vcpu_ops and is the only code
 * that knows the VMCB or VMCS. The backend is chosen at boot from CPUID.
 */
#ifndef KERNEL_VCPU_H
#define KERNEL_VCPU_H

#include "kernel/hvabi.h"
#include "kernel/pagetable.h"
#include "kernel/types.h"
#include "kernel/vlapic.h"

struct partition;

/* General-purpose registers; the backend syncs RSP, RIP and RFLAGS with its control block. */
struct vcpu_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rsp, rip, rflags;
};

/*
 * A segment register. attr holds the descriptor's attribute bits packed into
 * 12 bits (descriptor bits 40-47 in attr 7:0, bits 52-55 in attr 11:8), the
 * form the VMCB uses; attr 0 (P clear) marks an unusable segment.
 */
struct vcpu_seg {
	u16 sel;
	u16 attr;
	u32 limit;
	u64 base;
};

#define SEG_ATTR_CODE64 0xa9b   /* P, S, execute/read accessed, L, G */
#define SEG_ATTR_CODE32 0xc9b   /* P, S, execute/read accessed, D, G */
#define SEG_ATTR_DATA   0xc93   /* P, S, read/write accessed, B, G */
#define SEG_ATTR_TSS64  0x08b   /* P, busy 64-bit TSS */
#define SEG_ATTR_TSS32  0x08b   /* P, busy 32-bit TSS (outside long mode, the same type) */
#define SEG_ATTR_LDT    0x082   /* P, LDT */
#define SEG_ATTR_L      BIT(9)  /* 64-bit code segment */
#define SEG_ATTR_DB     BIT(10) /* 32-bit default operand and address size */

struct vcpu_dtr {
	u64 base;
	u16 limit;
};

/*
 * Architectural state a vCPU starts from: 64-bit long mode for guests of the
 * hv boot protocol (kernel/loader.c), 32-bit protected mode with paging off
 * for multiboot kernels (kernel/mboot.c: CR0 = PE|ET, EFER 0, flat 32-bit
 * segments, TR as after reset). A backend accepts both and lets the guest
 * move between real mode, protected mode with or without paging and long
 * mode by itself (SVM with nested paging does; VMX needs unrestricted guest,
 * CR0.NE held behind a read shadow, EFER.LMA and the IA-32e mode entry
 * control kept in step, and task switches carried out on their exit).
 */
struct vcpu_state {
	u64 cr0, cr3, cr4, efer;
	struct vcpu_seg cs, ds, es, ss, fs, gs, tr, ldtr;
	struct vcpu_dtr gdtr, idtr;
	struct vcpu_regs regs;
};

/* Why the vCPU came back. Counted per vCPU (struct vcpu.exits). */
enum vcpu_exit_reason {
	VCPU_EXIT_NONE = HV_EXIT_NONE, /* nothing to do: run again */
	VCPU_EXIT_IRQ = HV_EXIT_IRQ,   /* a host interrupt or NMI arrived; the host handles it */
	VCPU_EXIT_CPUID = HV_EXIT_CPUID,
	VCPU_EXIT_MSR_READ = HV_EXIT_MSR_READ,
	VCPU_EXIT_MSR_WRITE = HV_EXIT_MSR_WRITE,
	VCPU_EXIT_IO = HV_EXIT_IO,
	VCPU_EXIT_HYPERCALL = HV_EXIT_HYPERCALL,
	VCPU_EXIT_NPF = HV_EXIT_NPF, /* nested page fault / EPT violation */
	VCPU_EXIT_HLT = HV_EXIT_HLT,
	VCPU_EXIT_INVD = HV_EXIT_INVD, /* executed as a no-op: it would discard the host's writes */
	VCPU_EXIT_BAD_INSN =
		HV_EXIT_BAD_INSN, /* a virtualisation instruction it does not have: #UD */
	VCPU_EXIT_SHUTDOWN = HV_EXIT_SHUTDOWN, /* triple fault */
	VCPU_EXIT_INIT = HV_EXIT_INIT,
	VCPU_EXIT_EXCEPTION =
		HV_EXIT_EXCEPTION, /* an intercepted guest exception, reflected back */
	VCPU_EXIT_ENTRY_FAILED = HV_EXIT_ENTRY_FAILED,
	VCPU_EXIT_UNKNOWN = HV_EXIT_UNKNOWN, /* the backend could not decode it */
	VCPU_EXIT_IRQ_WINDOW =
		HV_EXIT_IRQ_WINDOW, /* the guest can take an interrupt now (vcpu_ops.irq_window) */
	VCPU_EXIT_COUNT
};
/* The exit reasons are the guest ABI's numbers (kernel/hvabi.h, hv_part_info.exit_reasons). */
_Static_assert(VCPU_EXIT_COUNT <= HV_EXIT_REASONS, "exit reasons fit hv_part_info");

struct vcpu_exit {
	enum vcpu_exit_reason reason;
	u8 insn_len; /* length of the exiting instruction, 0 where unknown */
	u8 cpl;      /* guest privilege level at the exit */
	u64 hw_code; /* the backend's raw exit code, for log lines */
	union {
		struct {
			u32 index;
			u64 value; /* writes: EDX:EAX */
		} msr;
		struct {
			u16 port;
			u8 size; /* 1, 2 or 4 */
			bool in;
			bool string;
			bool rep;
			u8 addr_size; /* string I/O: address size in bytes (2, 4, 8); 0 unknown */
		} io;
		struct {
			u64 gpa;
			bool write;
			bool exec;
			bool present; /* a translation existed: a permission fault */
		} npf;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
		} exc;
		struct {
			char why[96];
		} fail;
	};
};

/* An event to deliver at the next entry. */
enum vcpu_event_type { VCPU_EVENT_EXCEPTION, VCPU_EVENT_IRQ, VCPU_EVENT_NMI };

struct vcpu_event {
	enum vcpu_event_type type;
	u8 vector;
	bool has_error;
	u32 error;
};

/* Control and model-specific registers generic code may read or set. */
enum vcpu_reg {
	VCPU_REG_CR0,
	VCPU_REG_CR3,
	VCPU_REG_CR4,
	VCPU_REG_EFER,
	VCPU_REG_PAT,
	VCPU_REG_TSC_OFFSET,
	VCPU_REG_CS_ATTR /* packed attributes (struct vcpu_seg): L = bit 9 */
};

#define VCPU_MTRR_SLOTS 44

/* Requests other CPUs post to a vCPU (struct vcpu.requests), taken on its own CPU. */
#define VCPU_REQ_INIT BIT(0) /* an INIT IPI: back to wait-for-SIPI */
#define VCPU_REQ_SIPI BIT(1) /* a start-up IPI: start at sipi_vector << 12 */

/* Interrupts a partition's vCPUs took, by source (kernel/virq.h). */
struct vcpu_irq_stats {
	u64 injected; /* external interrupts injected into the guest */
	u64 timer;    /* APIC timer expiries */
	u64 ipi;      /* fixed IPIs received */
	u64 msi;      /* MSI-X messages of its devices received */
};

struct vcpu {
	struct partition *part;
	u32 index; /* vCPU number inside its partition */
	u32 cpu;   /* the host CPU (cpus[] index) it runs on */
	struct vcpu_regs regs;
	bool halted;
	bool wait_sipi;  /* stopped until a start-up IPI (an AP of a multiboot or Linux kernel) */
	bool irq_window; /* an interrupt-window exit is requested */
	u32 requests;    /* VCPU_REQ_*, set atomically by other CPUs */
	u8 sipi_vector;  /* of the last start-up IPI */
	struct vlapic lapic;
	struct vcpu_irq_stats irqs;
	u64 mtrr[VCPU_MTRR_SLOTS]; /* emulated MTRRs, by policy_mtrr_slot() (kernel/policy.h) */
	u64 exits[VCPU_EXIT_COUNT];
	u64 exits_total;
	void *backend; /* the backend's own state (VMCB, VMCS, ...) */
};

/* A backend. Every function runs on the CPU that owns the vCPU, except create. */
struct vcpu_ops {
	const char *name;
	const struct pt_fmt *nested_fmt; /* nested page-table format (NPT or EPT) */
	/*
	 * Check that the boot CPU can run the backend and set up what every vCPU
	 * shares (permission maps). 0, or -ENODEV with *why naming what is missing.
	 */
	int (*init)(const char **why);
	/* Turn virtualisation on for the calling CPU (EFER.SVME / VMXON). 0 or -errno. */
	int (*cpu_enable)(void);
	/* Allocate the control block: nested root, tag (ASID/VPID, never 0), entry state. */
	int (*create)(struct vcpu *v, paddr_t nested_root, u32 tag, const struct vcpu_state *s);
	/* Enter the guest until the next exit and decode it into *e. */
	void (*run)(struct vcpu *v, struct vcpu_exit *e);
	/* Queue an event for the next entry. */
	void (*inject)(struct vcpu *v, const struct vcpu_event *ev);
	/*
	 * Could an external interrupt be injected at the next entry: RFLAGS.IF
	 * set (v->regs), no STI or MOV SS shadow at the current RIP, no event
	 * already queued?
	 */
	bool (*interruptible)(struct vcpu *v);
	/* With on, exit (VCPU_EXIT_IRQ_WINDOW) as soon as the guest becomes interruptible. */
	void (*irq_window)(struct vcpu *v, bool on);
	/* Replace the whole architectural state (a vCPU started by INIT and SIPI). */
	void (*load_state)(struct vcpu *v, const struct vcpu_state *s);
	u64 (*get)(struct vcpu *v, enum vcpu_reg r);
	void (*set)(struct vcpu *v, enum vcpu_reg r, u64 val);
	/* The nested tables changed: flush cached translations before the next entry. */
	void (*nested_flush)(struct vcpu *v);
	/* Print the guest state (one partition is being stopped). */
	void (*dump)(struct vcpu *v);
};

/* The backends in order of preference (kernel/vcpu_backends.c). */
extern const struct vcpu_ops *const vcpu_backends[];
extern const unsigned int vcpu_backend_count;

/* The backend in use, NULL when this machine cannot run partitions. */
extern const struct vcpu_ops *vcpu_ops;

/* Pick the backend from CPUID; logs which one. 0, or -ENODEV when none fits. */
int vcpu_select_backend(void);

/* Allocate a vCPU of partition p that will run on host CPU `cpu`. NULL on failure (logged). */
struct vcpu *vcpu_create(struct partition *p, u32 index, u32 cpu, const struct vcpu_state *s);

/* Run v on the calling CPU until its partition stops; then return. */
void vcpu_loop(struct vcpu *v);

static inline void vcpu_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	vcpu_ops->inject(v, ev);
}

/* Inject a hardware exception (#GP = 13, #UD = 6, ...). */
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);

/* Name of an exit reason, for logs. */
const char *vcpu_exit_name(enum vcpu_exit_reason r);

#endif
