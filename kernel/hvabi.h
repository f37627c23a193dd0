/* SPDX-License-Identifier: MIT */
/*
 * hvabi.h: the guest-visible ABI of a partition: guest-physical layout, the
 * boot-information page and the hypercalls. Shared by the hypervisor and the
 * guests (guests/README.md documents it), so it uses <stdint.h> types only.
 */
#ifndef KERNEL_HVABI_H
#define KERNEL_HVABI_H

#include <stdint.h>

/*
 * Guest-physical layout built by the loader. RAM is [0, ram_size); the first
 * MiB belongs to the loader's structures, ELF segments load at 1 MiB or above.
 */
#define HV_GPA_BOOTINFO  0x1000ULL   /* struct hv_boot_info */
#define HV_GPA_GDT       0x2000ULL   /* GDT (null, code 0x08, data 0x10, TSS 0x18) + TSS */
#define HV_GPA_PT_START  0x3000ULL   /* identity-map page tables ... */
#define HV_GPA_PT_END    0x40000ULL  /* ... up to here (exclusive) */
#define HV_GPA_STACKS    0x80000ULL  /* vCPU i starts with RSP = this - i * 4 KiB */
#define HV_GPA_IMAGE_MIN 0x100000ULL /* lowest address an ELF segment may use */
#define HV_STACK_SIZE    0x1000ULL
#define HV_MAX_VCPUS     63 /* also bounded by HV_GPA_STACKS - HV_GPA_PT_END */

#define HV_SEL_CODE 0x08
#define HV_SEL_DATA 0x10
#define HV_SEL_TSS  0x18

/* CPUID leaves 0x40000000-0x40000001: the hypervisor's signature and ABI version. */
#define HV_CPUID_BASE      0x40000000U
#define HV_CPUID_SIGNATURE "hvpartition" /* EBX, ECX, EDX: 12 bytes with the NUL */

#define HV_BOOT_MAGIC   0x314f464e49425648ULL /* "HVBINFO1" */
#define HV_BOOT_VERSION 2
#define HV_NAME_MAX     16
#define HV_CMDLINE_MAX  1024
#define HV_MAX_DEVICES  8
#define HV_MAX_BARS     6

/* A memory BAR as the partition sees it (size 0: not implemented or not given). */
struct hv_bar_info {
	uint64_t gpa;
	uint64_t size;
};

/* hv_dev_info.flags */
#define HV_DEV_VF        (1u << 0) /* an SR-IOV virtual function (vf= on the module line) */
#define HV_DEV_MSIX_TRAP (1u << 1) /* its MSI-X table page is emulated by the hypervisor */

/* One PCI function the partition owns, as its virtual PCI bus shows it. */
struct hv_dev_info {
	uint16_t bdf; /* virtual bus/device/function: bus << 8 | dev << 3 | fn */
	uint16_t vendor;
	uint16_t device;
	uint16_t reserved;
	uint32_t class_code;                  /* class << 16 | subclass << 8 | prog-if */
	uint32_t flags;                       /* HV_DEV_* */
	struct hv_bar_info bars[HV_MAX_BARS]; /* memory BARs, indexed by BAR number */
};

/*
 * The partition's network identity (vf=, mac=, ip= on its module line). With
 * no NIC the MAC is all zero; with no address the prefix length is 0.
 */
struct hv_net_info {
	uint8_t mac[6];     /* the MAC the PF locked for the partition's VF */
	uint8_t prefix_len; /* IPv4 prefix length (1-32), 0: no address */
	uint8_t dev;        /* index into hv_boot_info.devs[] of the NIC */
	uint8_t ipv4[4];    /* IPv4 address a.b.c.d as ipv4[0..3] (network order) */
	uint8_t reserved[4];
};

/* At HV_GPA_BOOTINFO; RDI holds its address at entry. */
struct hv_boot_info {
	uint64_t magic;         /* HV_BOOT_MAGIC */
	uint32_t version;       /* HV_BOOT_VERSION */
	uint32_t size;          /* sizeof(struct hv_boot_info) */
	char name[HV_NAME_MAX]; /* partition name, NUL-terminated */
	uint32_t part_id;       /* 0-based, in module order */
	uint32_t cpu_count;     /* vCPUs; every one enters at the ELF entry, RSI = its index */
	uint64_t ram_size;      /* guest RAM is [0, ram_size) */
	uint64_t image_end;     /* first page above the loaded ELF: free RAM starts here */
	uint64_t tsc_khz;       /* TSC frequency, 0 when the hypervisor does not know it */
	uint32_t uart_port;     /* the virtual 16550, 0x3f8 */
	uint32_t hypercall_abi; /* HV_HC_ABI_VERSION */
	uint32_t dev_count;
	uint32_t reserved;
	uint64_t ecam_base; /* virtual PCI bus 0: 1 MiB ECAM window (also ports 0xcf8/0xcfc) */
	struct hv_dev_info devs[HV_MAX_DEVICES];
	struct hv_net_info net;
	char cmdline[HV_CMDLINE_MAX]; /* the words after "--" on the module line */
};

_Static_assert(sizeof(struct hv_dev_info) == 112, "hv_dev_info layout");
_Static_assert(sizeof(struct hv_net_info) == 16, "hv_net_info layout");
_Static_assert(sizeof(struct hv_boot_info) <= 4096, "the boot information fits its page");

/*
 * Hypercalls: VMMCALL (AMD) or VMCALL (Intel) with the number in RAX and
 * arguments in RDI, RSI, RDX, R10, R8; the result comes back in RAX: >= 0 on
 * success, a negative HV_E* otherwise. Other registers are preserved. Only
 * CPL 0 may call; every pointer is a guest-physical address inside the
 * partition's RAM, copied in or out before the hypervisor acts on it.
 */
#define HV_HC_ABI_VERSION   1
#define HV_HC_CONSOLE_WRITE 1 /* (gpa, len <= HV_CONSOLE_MAX) -> bytes written */
#define HV_HC_PART_INFO     2 /* (gpa, size) -> bytes of struct hv_part_info written */
#define HV_HC_YIELD         3 /* () -> 0; a hint that this vCPU is waiting */
#define HV_HC_SHUTDOWN      4 /* (code 0-255) -> does not return: the partition stops */
#define HV_HC_COUNT         5 /* numbers from here are reserved and return -HV_ENOSYS */

#define HV_CONSOLE_MAX 4096

#define HV_EPERM  1
#define HV_EFAULT 14
#define HV_EINVAL 22
#define HV_ENOSYS 38

struct hv_part_info {
	char name[HV_NAME_MAX];
	uint32_t part_id;
	uint32_t vcpu; /* index of the calling vCPU */
	uint32_t cpu_count;
	uint32_t host_cpu; /* the physical CPU this vCPU runs on */
	uint64_t ram_size;
	uint64_t exits; /* VM exits of the calling vCPU so far */
};

#endif
