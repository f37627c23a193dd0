/* SPDX-License-Identifier: MIT */
/*
 * plan.h: the partition plan: each GRUB module's command line parsed into a
 * partition configuration, then checked against the machine (CPUs, RAM,
 * names). Pure logic; README.md documents every key.
 */
#ifndef KERNEL_PLAN_H
#define KERNEL_PLAN_H

#include "kernel/hvabi.h"
#include "kernel/types.h"

#define PLAN_MAX_PARTS   16
#define PLAN_NAME_MAX    HV_NAME_MAX
#define PLAN_DEFAULT_MEM (32 * MiB)
#define PLAN_MEM_ALIGN   (2 * MiB) /* so the nested tables use 2 MiB pages */
#define PLAN_MEM_MIN     (2 * MiB)
/* The loader's page-table area maps at most this much RAM. */
#define PLAN_MEM_MAX (((HV_GPA_PT_END - HV_GPA_PT_START) / PAGE_SIZE - 2) * GiB)

#define PLAN_MAX_PCI          8 /* PCI functions per partition (its virtual bus holds 8) */
#define PLAN_MAX_MODS         8 /* multiboot modules per partition (mods=) */
#define PLAN_MAX_CONSOLE_RATE 100000

/* How the partition's module is booted (boot=). */
enum plan_boot {
	PLAN_BOOT_AUTO = 0, /* multiboot2, else multiboot, else a bzImage, else the hv protocol */
	PLAN_BOOT_HV,       /* the ELF64 hv boot protocol (guests/README.md) */
	PLAN_BOOT_MB1,      /* a multiboot (v1) kernel */
	PLAN_BOOT_MB2,      /* a multiboot2 kernel */
	PLAN_BOOT_LINUX,    /* a Linux bzImage (kernel/bzimage.h) */
};

/* A PCI function by segment, bus, device and function. */
struct plan_bdf {
	u16 seg;
	u8 bus;
	u8 devfn;
};

/* vf=: a virtual function of the first igb PF, by index or by address. */
struct plan_vf {
	bool set;
	bool by_bdf;
	u16 index;           /* vf=N */
	struct plan_bdf bdf; /* vf=BB:DD.F */
};

/* The default network plan: module N gets MAC 52:54:00:12:34:(0x10 + N), IPv4 192.0.2.(10 + N)/24. */
#define PLAN_MAC_PREFIX                      \
	{                                    \
		0x52, 0x54, 0x00, 0x12, 0x34 \
	}
#define PLAN_MAC_BASE 0x10
#define PLAN_IP_PREFIX    \
	{                 \
		192, 0, 2 \
	}
#define PLAN_IP_BASE        10
#define PLAN_IP_DEFAULT_LEN 24

/* net=: the partition's NIC (hvabi.h HV_NET_* values, handed to the guest as they are). */
enum plan_net {
	PLAN_NET_NONE = HV_NET_NONE,
	PLAN_NET_VF = HV_NET_VF, /* vf=: an SR-IOV VF it drives itself */
	PLAN_NET_PV = HV_NET_PV, /* net=pv: the paravirtual NIC, switched by the hypervisor */
};

/* One partition as its module line asks for it, and what the plan gave it. */
struct part_config {
	char name[PLAN_NAME_MAX];
	u32 cpu_count;                     /* requested number of vCPUs */
	u64 cpu_request;                   /* cpus=@list: exactly these host CPUs; 0 for a count */
	u64 mem;                           /* bytes */
	char args[HV_CMDLINE_MAX];         /* the guest's command line (after "--") */
	u32 module;                        /* index of its GRUB module */
	struct plan_bdf pci[PLAN_MAX_PCI]; /* pci=: whole functions it owns */
	u32 pci_count;
	struct plan_vf vf;    /* vf=: its NIC */
	u32 net;              /* enum plan_net: net=, or vf when vf= is given */
	u8 mac[6];            /* mac=, or the default plan's when it has a NIC */
	u8 ip[4];             /* ip=, or the default plan's when it has a NIC */
	u8 ip_prefix;         /* 0: no address */
	bool has_mac, has_ip; /* given on the line (not defaults) */
	u32 boot;             /* enum plan_boot */
	u32 mods;         /* mods=N: the next N module lines are its kernel's multiboot modules */
	u32 console_rate; /* console_rate=: console lines shown per second; 0 = the default */
	u64 cpu_mask;     /* host CPUs assigned by plan_assign() */
	bool ok;          /* false: rejected (a line said why); never started */
};

/* The machine as the plan sees it. */
struct plan_machine {
	u32 cpu_count;          /* CPUs online, index 0 = the boot CPU */
	u64 online_mask;        /* bit i: cpus[i] is online */
	u64 free_ram;           /* bytes the RAM allocator could hand out */
	bool boot_cpu_fallback; /* no other CPU online: the boot CPU may run one vCPU */
};

/*
 * Parse one module command line ("[path] key=value ... [-- guest words]")
 * into *pc, with defaults name=p<index+1>, cpus=1, mem=32M. Every problem is
 * printed with the tag "module <index+1>"; returns 0 or -EINVAL (pc->ok false).
 */
int plan_parse(const char *cmdline, u32 index, struct part_config *pc);

/*
 * Check the plan against the machine, in this order: unique names, RAM (in
 * module order, against what is free), PCI functions (none given twice), then
 * host CPUs: explicit lists first,
 * then counts from the lowest free CPU. CPU 0 stays the hypervisor's unless
 * boot_cpu_fallback. Each impossible request rejects that partition only
 * (pc->ok = false, one line saying why); the rest keep theirs. Returns the
 * number of partitions still ok.
 */
u32 plan_assign(struct part_config *pcs, u32 n, const struct plan_machine *m);

/* Number of CPUs in a mask (no libgcc in the hypervisor, so no __builtin_popcount). */
static inline u32 plan_cpu_count(u64 mask)
{
	u32 n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* Parse "SSSS:BB:DD.F" or "BB:DD.F" (hex) into *b; 0 or -EINVAL. */
int plan_parse_bdf(const char *s, struct plan_bdf *b);

/* Parse "52:54:00:12:34:56" (a unicast, non-zero MAC) into mac; 0 or -EINVAL. */
int plan_parse_mac(const char *s, u8 mac[6]);

/* Format a CPU mask as "1-2,5" into buf. */
void plan_format_cpus(u64 mask, char *buf, size_t len);

#endif
