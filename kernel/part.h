/* SPDX-License-Identifier: MIT */
/*
 * part.h: partitions: CPUs, a slice of RAM behind a nested page table, a
 * virtual UART, and nothing else. Created once at boot from the GRUB modules;
 * a misbehaving partition is stopped alone, its CPUs go idle.
 */
#ifndef KERNEL_PART_H
#define KERNEL_PART_H

#include "kernel/bootinfo.h"
#include "kernel/gpmap.h"
#include "kernel/plan.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/vcpu.h"
#include "kernel/vpci.h"
#include "kernel/vports.h"
#include "kernel/vuart.h"

struct iommu_domain;
struct pci_dev;
struct pvnet_port;

enum part_state { PART_RUNNING = 0, PART_STOPPED = 1 };

#define PART_MAX_MMIO 8

/* A guest-physical range the hypervisor emulates: each access traps (NPF) and is decoded. */
struct part_mmio {
	u64 base, size;
	u64 (*read)(void *ctx, u64 gpa, u8 size);
	void (*write)(void *ctx, u64 gpa, u8 size, u64 val);
	void *ctx;
};

struct partition {
	u32 id; /* 0-based, in module order */
	char name[PLAN_NAME_MAX];
	struct part_config cfg;
	u8 *ram;         /* the hypervisor's pointer to guest-physical 0 */
	paddr_t ram_hpa; /* host-physical base of its RAM */
	u64 ram_size;
	struct gpmap gpm;
	u32 vcpu_count;
	struct vcpu *vcpus[HV_MAX_VCPUS];
	struct vuart uart;
	spinlock_t uart_lock;
	struct vpci vpci;           /* its virtual PCI bus (ports 0xcf8/0xcfc, ECAM window) */
	struct iommu_domain *iommu; /* DMA of its PCI functions: IOVA = GPA, its RAM only */
	u32 nic;                    /* its VF's place on its virtual bus (vf=) */
	struct pvnet_port *pv;      /* its paravirtual NIC (net=pv), or NULL */
	u64 gpa_free;        /* guest-physical space above the ECAM window not handed out yet */
	spinlock_t dev_lock; /* the virtual devices other than the UART */
	struct vports ports; /* debug exit, reset requests, the floating bus */
	struct part_mmio mmio[PART_MAX_MMIO];
	u32 mmio_count;
	int state;               /* enum part_state, changed atomically */
	bool reported;           /* its stop's counter lines are out (exit_when_done waits) */
	struct ratelimit log_rl; /* for lines the guest can trigger */
	u64 refused_hypercalls;
};

/* Log lines about one partition carry its name as the tag: "p2: stopped: ...". */
#define part_info(p, fmt, ...) printk(LOG_INFO, "%s: " fmt, (p)->name, ##__VA_ARGS__)
#define part_err(p, fmt, ...)  printk(LOG_ERR, "%s: error: " fmt, (p)->name, ##__VA_ARGS__)

extern struct partition *partitions[PLAN_MAX_PARTS];
extern u32 partition_count;

/*
 * Plan every partition the boot modules describe: parse each module line and
 * check the plan against the machine (kernel/plan.h). Nothing is allocated:
 * the NIC's PF is brought up in between, with as many VFs as the plan needs.
 */
void part_plan(const struct boot_info *bi);

/* How many VFs of SR-IOV PF pf the planned partitions need (highest VF index + 1). */
u16 part_vf_demand(const struct pci_dev *pf);

/*
 * Create and load every planned partition: allocate and zero its RAM, build
 * its nested page table, give it its PCI functions and VF, load its ELF and
 * create its vCPUs. A partition that cannot be built is reported and skipped.
 */
void part_init(const struct boot_info *bi);

/*
 * Start every partition's vCPUs, each on its own CPU (smp_run). Returns at
 * once, except in the single-CPU fallback: then the calling boot CPU runs
 * the vCPU itself and returns once that partition stopped.
 */
void part_start(void);

/*
 * Stop p: print "<name>: stopped: <reason>" once, flush its console, make
 * its vCPUs leave the guest and idle. Safe from any CPU, any number of times.
 */
void part_stop(struct partition *p, const char *fmt, ...) __printf(2, 3);

/*
 * The guest ended itself through the debug-exit port: like part_stop, but
 * the line is "<name>: exited with code <code>" (QEMU's (value << 1) | 1).
 */
void part_exit(struct partition *p, u64 code);

static inline bool part_running(const struct partition *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PART_RUNNING;
}

/*
 * The hypervisor's pointer to guest-physical [gpa, gpa + len) if all of it is
 * the partition's RAM, else NULL. Callers copy in before acting on the data.
 */
static inline void *part_gpa(const struct partition *p, u64 gpa, u64 len)
{
	return range_ok(gpa, len, p->ram_size) ? p->ram + gpa : NULL;
}

/* The emulated range holding gpa, or NULL. */
struct part_mmio *part_find_mmio(struct partition *p, u64 gpa);

/* Partitions still running. */
u32 part_running_count(void);

/* RAM given to partitions, in bytes. */
u64 part_ram_total(void);

/* Write guest console output (the vUART's path, rate-limited, prefixed "[name] "). */
void part_console_write(struct partition *p, const char *s, size_t len);

/* The time base of rate limits: the TSC, and its ticks per second (a guess until calibrated). */
u64 part_now(void);
u64 part_ticks_per_sec(void);

#endif
