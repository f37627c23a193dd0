/* SPDX-License-Identifier: MIT */
/*
 * hvabi.h: the guest-visible ABI of a partition: guest-physical layout, the
 * boot-information page and the hypercalls. Shared by the hypervisor and the
 * guests (guests/README.md documents it), so it uses <stdint.h> types only.
 */
#ifndef KERNEL_HVABI_H
#define KERNEL_HVABI_H

#include <stddef.h>
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
#define HV_BOOT_VERSION 3
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

/* hv_net_info.kind: the partition's NIC. */
#define HV_NET_NONE 0 /* none */
#define HV_NET_VF   1 /* an SR-IOV VF (vf=): devs[dev] */
#define HV_NET_PV   2 /* the paravirtual NIC (net=pv): rings at hv_boot_info.pvnet */

/*
 * The partition's network identity (vf= or net=pv, mac=, ip= on its module
 * line). With no NIC the MAC is all zero; with no address the prefix length is 0.
 */
struct hv_net_info {
	uint8_t mac[6];     /* its MAC: locked by the PF (VF), enforced by the hypervisor (pv) */
	uint8_t prefix_len; /* IPv4 prefix length (1-32), 0: no address */
	uint8_t dev;        /* HV_NET_VF: index into hv_boot_info.devs[] of the VF */
	uint8_t ipv4[4];    /* IPv4 address a.b.c.d as ipv4[0..3] (network order) */
	uint8_t kind;       /* HV_NET_* */
	uint8_t reserved[3];
};

/*
 * The paravirtual NIC (net=pv): a window of HV_PVNET_SIZE bytes of memory the
 * hypervisor owns and maps (write-back) into the partition at `gpa`, outside
 * its RAM: a control page (struct hv_pvnet_ctrl), then the TX ring's and the
 * RX ring's descriptors, one page each. Buffers are the guest's, in its RAM,
 * named by guest-physical address. The hypervisor's fast path on CPU 0 polls
 * the rings (no hypercall, no exit) and treats every index, descriptor,
 * length and address in them as hostile. guests/README.md has the protocol.
 */
struct hv_pvnet_info {
	uint64_t gpa;          /* guest-physical base of the window, 0: no pv NIC */
	uint32_t size;         /* HV_PVNET_SIZE */
	uint32_t ring_entries; /* HV_PVNET_RING */
};

#define HV_PVNET_MAGIC     0x31544556505648ULL /* "HVPVET1" */
#define HV_PVNET_VERSION   1
#define HV_PVNET_RING      256  /* descriptors per ring (a power of two) */
#define HV_PVNET_FRAME_MAX 1514 /* a frame: Ethernet header + 1500 bytes, without FCS */
#define HV_PVNET_FRAME_MIN 14
#define HV_PVNET_TX_OFF    0x1000 /* TX descriptors (guest -> wire) */
#define HV_PVNET_RX_OFF    0x2000 /* RX descriptors (wire -> guest) */
#define HV_PVNET_SIZE      0x3000

/* hv_pvnet_desc.status, written by the hypervisor when it is done with a descriptor. */
#define HV_PVNET_PENDING 0 /* not done yet (the guest writes 0 when it posts) */
#define HV_PVNET_OK      1 /* TX: sent; RX: a frame of `len` bytes is in the buffer */
#define HV_PVNET_EADDR   2 /* the buffer is not inside the partition's RAM */
#define HV_PVNET_ELEN    3 /* TX: length outside 14..HV_PVNET_FRAME_MAX */
#define HV_PVNET_ESPOOF  4 /* TX: its source MAC is not the partition's: dropped, logged */

/* One buffer: TX a frame to send; RX an empty buffer, filled by the hypervisor. */
struct hv_pvnet_desc {
	uint64_t addr; /* guest-physical address of the buffer, in the partition's RAM */
	uint32_t len;  /* TX: frame length; RX: buffer size when posted, frame length when filled */
	uint32_t status; /* HV_PVNET_* */
};

/* A ring index alone on its 64-byte cache line: producer and consumer never share one. */
struct hv_pvnet_index {
	uint32_t value; /* free-running; slot = value % HV_PVNET_RING */
	uint32_t pad[15];
};

/* What the hypervisor counted for this partition's pv NIC, refreshed after every batch. */
struct hv_pvnet_stats {
	uint64_t tx_frames, tx_bytes; /* sent to the wire (or another partition) */
	uint64_t tx_spoofed;          /* dropped: source MAC not ours */
	uint64_t tx_bad;              /* dropped: bad length or address */
	uint64_t rx_frames, rx_bytes; /* delivered into our buffers */
	uint64_t rx_no_buffer;        /* dropped: no buffer posted */
	uint64_t rx_bad;              /* dropped: bad buffer (address, size) or a broken ring */
	uint64_t ring_errors;         /* a producer index more than a ring ahead */
	uint64_t hv_ticks; /* TSC ticks CPU 0 spent on our frames (TX pulls, our share of RX) */
};

/*
 * The control page. Producer indices are the guest's (the hypervisor reads
 * them), consumer indices the hypervisor's (it keeps its own copy and only
 * writes these). TX: the guest fills tx[tx_prod % RING], then advances
 * tx_prod; the hypervisor sends it and advances tx_cons. RX: the guest posts
 * an empty buffer at rx[rx_prod % RING] and advances rx_prod; the hypervisor
 * copies a frame into the oldest posted buffer, sets len and status, then
 * advances rx_cons.
 */
struct hv_pvnet_ctrl {
	uint64_t magic; /* HV_PVNET_MAGIC */
	uint32_t version;
	uint32_t ring_entries;
	uint32_t frame_max;
	uint32_t link; /* 1 while the hypervisor's fast path serves these rings */
	uint8_t mac[6];
	uint8_t reserved0[34];
	struct hv_pvnet_index tx_prod, tx_cons, rx_prod, rx_cons;
	struct hv_pvnet_stats stats;
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
	struct hv_pvnet_info pvnet;   /* net.kind HV_NET_PV: its rings */
};

_Static_assert(sizeof(struct hv_dev_info) == 112, "hv_dev_info layout");
_Static_assert(sizeof(struct hv_net_info) == 16, "hv_net_info layout");
_Static_assert(sizeof(struct hv_pvnet_desc) == 16, "hv_pvnet_desc layout");
_Static_assert(sizeof(struct hv_pvnet_index) == 64, "one index per cache line");
_Static_assert(sizeof(struct hv_pvnet_ctrl) <= HV_PVNET_TX_OFF, "the control page");
_Static_assert(offsetof(struct hv_pvnet_ctrl, tx_prod) == 0x40 &&
		       offsetof(struct hv_pvnet_ctrl, rx_cons) == 0x100 &&
		       offsetof(struct hv_pvnet_ctrl, stats) == 0x140,
	       "the control page's layout (guests/README.md)");
_Static_assert(HV_PVNET_RING * sizeof(struct hv_pvnet_desc) == HV_PVNET_RX_OFF - HV_PVNET_TX_OFF,
	       "one ring per page");
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

/*
 * Why a vCPU left the guest: hv_part_info.exit_reasons[] is indexed by these
 * (they are the hypervisor's own exit reasons, kernel/vcpu.h).
 */
#define HV_EXIT_NONE         0 /* nothing to do */
#define HV_EXIT_IRQ          1 /* a host interrupt (or NMI) arrived */
#define HV_EXIT_CPUID        2
#define HV_EXIT_MSR_READ     3
#define HV_EXIT_MSR_WRITE    4
#define HV_EXIT_IO           5
#define HV_EXIT_HYPERCALL    6
#define HV_EXIT_NPF          7 /* nested page fault: emulated device memory or a stop */
#define HV_EXIT_HLT          8
#define HV_EXIT_INVD         9
#define HV_EXIT_BAD_INSN     10
#define HV_EXIT_SHUTDOWN     11
#define HV_EXIT_INIT         12
#define HV_EXIT_EXCEPTION    13
#define HV_EXIT_ENTRY_FAILED 14
#define HV_EXIT_UNKNOWN      15
#define HV_EXIT_IRQ_WINDOW   16 /* the guest can take a pending virtual interrupt now */
#define HV_EXIT_REASONS      24 /* room in hv_part_info.exit_reasons[] */

/*
 * HV_HC_PART_INFO writes min(size, sizeof) bytes of this: a guest that knows
 * only the first fields passes a smaller size.
 */
struct hv_part_info {
	char name[HV_NAME_MAX];
	uint32_t part_id;
	uint32_t vcpu; /* index of the calling vCPU */
	uint32_t cpu_count;
	uint32_t host_cpu; /* the physical CPU this vCPU runs on */
	uint64_t ram_size;
	uint64_t exits;                         /* VM exits of the calling vCPU so far */
	uint64_t exit_reasons[HV_EXIT_REASONS]; /* ... by reason (HV_EXIT_*), this call included */
	/* Interrupts the calling vCPU took so far, by source (kernel/virq.h). */
	uint64_t irq_injected; /* external interrupts injected into it */
	uint64_t irq_timer;    /* its APIC timer's expiries */
	uint64_t irq_ipi;      /* fixed IPIs it received */
	uint64_t irq_msi;      /* MSI-X messages of the partition's devices raised on it */
};

#endif
