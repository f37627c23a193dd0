/* SPDX-License-Identifier: MIT */
/*
 * acpi.h: the firmware tables the hypervisor needs (ACPI 6.x spec, section 5.2;
 * DMAR: Intel VT-d spec chapter 8), validated and copied into plain C structures.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "kernel/bootinfo.h"
#include "kernel/types.h"

#define ACPI_MAX_CPUS      256
#define ACPI_MAX_IOAPICS   16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_MCFG      16
#define ACPI_MAX_DRHD      16
#define ACPI_MAX_RMRR      32
#define ACPI_MAX_ATSR      8
#define ACPI_MAX_SCOPES    32 /* device scope entries per DRHD/RMRR/ATSR */
#define ACPI_MAX_PATH      8  /* (device, function) hops in one scope */

#define ACPI_TABLE_MAX     (1024 * 1024) /* longer than this: corrupt (QEMU's are < 10 KiB) */

/* Root System Description Pointer (ACPI 5.2.5.3) */
struct acpi_rsdp {
	char sig[8];      /* "RSD PTR " */
	u8 checksum;      /* the first 20 bytes sum to 0 */
	char oem_id[6];
	u8 revision;      /* 0: ACPI 1.0, RSDT only; 2+: XSDT and the fields below */
	u32 rsdt_addr;
	u32 length;       /* of the whole RSDP (36) */
	u64 xsdt_addr;
	u8 ext_checksum;  /* the whole RSDP sums to 0 */
	u8 reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* System Description Table header (ACPI 5.2.6), first in every table. */
struct acpi_sdt_hdr {
	char sig[4];
	u32 length;       /* of the whole table, header included */
	u8 revision;
	u8 checksum;      /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_sdt_hdr) == 36, "SDT header");

/* Generic Address Structure (ACPI 5.2.3.2) */
struct acpi_gas {
	u8 space_id;      /* ACPI_GAS_* */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1
#define ACPI_GAS_PCI    2 /* PCI configuration space: device, function, offset in address */

/* MADT (ACPI 5.2.12) */
struct acpi_cpu {
	u32 apic_id;
	u32 uid;          /* ACPI processor UID */
	bool enabled;     /* usable now */
	bool online_capable;
	bool x2apic_entry; /* came from a Local x2APIC structure */
};

struct acpi_ioapic {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

struct acpi_override {
	u8 bus;
	u8 source;  /* ISA IRQ */
	u32 gsi;
	u16 flags;  /* MPS INTI flags: polarity, trigger mode */
};

struct acpi_madt {
	u32 lapic_addr;   /* physical address of the local APIC (or the override's) */
	u64 lapic_addr64; /* from a Local APIC Address Override, 0 if none */
	bool pcat_compat; /* dual 8259s present: mask them */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int cpu_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int ioapic_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned int override_count;
};

/* MCFG (PCI Firmware spec 4.1.2): one ECAM window per entry. */
struct acpi_mcfg_seg {
	u64 base;     /* ECAM address of bus 0 of this segment (even if bus_start > 0) */
	u16 segment;
	u8 bus_start;
	u8 bus_end;
};

struct acpi_mcfg {
	struct acpi_mcfg_seg segs[ACPI_MAX_MCFG];
	unsigned int count;
};

/* DMAR device scope (VT-d spec 8.3.1) */
enum acpi_scope_type {
	ACPI_SCOPE_ENDPOINT = 1,
	ACPI_SCOPE_BRIDGE = 2,
	ACPI_SCOPE_IOAPIC = 3,
	ACPI_SCOPE_HPET = 4,
	ACPI_SCOPE_NAMESPACE = 5,
};

struct acpi_scope {
	u8 type;        /* enum acpi_scope_type */
	u8 enum_id;     /* I/O APIC id, HPET number, ... */
	u8 start_bus;
	u8 path_len;    /* number of (dev, fn) hops */
	struct {
		u8 dev;
		u8 fn;
	} path[ACPI_MAX_PATH];
};

struct acpi_drhd {
	u64 base;       /* register base */
	u16 segment;
	u8 size_order;  /* register set is 2^size_order pages (0 on old firmware: one page) */
	bool include_all; /* INCLUDE_PCI_ALL: every device of the segment not claimed by another unit */
	struct acpi_scope scopes[ACPI_MAX_SCOPES];
	unsigned int scope_count;
};

struct acpi_rmrr {
	u64 base;
	u64 limit;      /* inclusive, as in the table */
	u16 segment;
	struct acpi_scope scopes[ACPI_MAX_SCOPES];
	unsigned int scope_count;
};

struct acpi_atsr {
	u16 segment;
	bool all_ports;
	struct acpi_scope scopes[ACPI_MAX_SCOPES];
	unsigned int scope_count;
};

struct acpi_dmar {
	u8 host_addr_width; /* HAW + 1 = physical address bits DMA can use */
	u8 flags;           /* INTR_REMAP, X2APIC_OPT_OUT, DMA_CTRL_PLATFORM_OPT_IN */
	struct acpi_drhd drhds[ACPI_MAX_DRHD];
	unsigned int drhd_count;
	struct acpi_rmrr rmrrs[ACPI_MAX_RMRR];
	unsigned int rmrr_count;
	struct acpi_atsr atsrs[ACPI_MAX_ATSR];
	unsigned int atsr_count;
};

#define ACPI_DMAR_INTR_REMAP    BIT(0)
#define ACPI_DMAR_X2APIC_OPT_OUT BIT(1)

/* FADT (ACPI 5.2.9): only what the hypervisor uses. */
struct acpi_fadt {
	u32 pm_timer_port;  /* PM timer I/O port, 0 if none (or only MMIO) */
	bool pm_timer_32bit; /* TMR_VAL_EXT */
	u16 sci_irq;
	u8 reset_space;     /* reset register: ACPI_GAS_MEMORY, _IO or _PCI; valid with reset_supported */
	u64 reset_addr;
	u8 reset_value;
	bool reset_supported;
};

/* HPET (IA-PC HPET spec 3.2.4) */
struct acpi_hpet {
	u64 base;         /* register block (1 KiB) */
	u8 number;        /* HPET sequence number */
	u16 min_tick;     /* minimum clock ticks for periodic mode */
};

/* Everything found; each have_* is false when the table is absent or was rejected. */
struct acpi_info {
	bool have_madt, have_mcfg, have_dmar, have_fadt, have_hpet;
	u8 revision;      /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
	struct acpi_madt madt;
	struct acpi_mcfg mcfg;
	struct acpi_dmar dmar;
	struct acpi_fadt fadt;
	struct acpi_hpet hpet;
};

extern struct acpi_info acpi;

/*
 * Find the RSDP from the boot information, walk the XSDT (RSDT without one)
 * and parse every table above into `acpi`. A corrupt table is rejected with
 * a log line and boot goes on without it. Prints one summary line per table.
 * A table found in RAM (a firmware bug) is taken out of the frame pool.
 * With acpi_dump=1 every table (and the RSDP) is printed in hex as
 * "acpidump: <SIG> 0x<phys> <offset>: <bytes>" (tools/capture-fixtures).
 * Runs after mm_init; allocates nothing.
 */
void acpi_init(const struct boot_info *bi);

/*
 * The parsers, pure functions over one table (header included) of len bytes,
 * so that host unit tests run them on captured blobs. Each fills *out and
 * prints the table's summary line and returns 0, or returns -EINVAL after
 * logging why the table was rejected (out is then zeroed or partial: unusable).
 */
int acpi_parse_madt(const void *tbl, size_t len, struct acpi_madt *out);
int acpi_parse_mcfg(const void *tbl, size_t len, struct acpi_mcfg *out);
int acpi_parse_dmar(const void *tbl, size_t len, struct acpi_dmar *out);
int acpi_parse_fadt(const void *tbl, size_t len, struct acpi_fadt *out);
int acpi_parse_hpet(const void *tbl, size_t len, struct acpi_hpet *out);

/*
 * Validate a table: signature, header length within [36, len], checksum.
 * 0, or -EINVAL after logging which table and why.
 */
int acpi_check_table(const void *tbl, size_t len, const char *sig);

/*
 * Validate an RSDP copy of len bytes: signature, checksum, and for revision 2+
 * the length and extended checksum. Sets *root to the XSDT's address and *xsdt,
 * or to the RSDT's when the RSDP is ACPI 1.0 (or its 2.0 part is unusable,
 * with a warning). 0, or -EINVAL after logging why.
 */
int acpi_check_rsdp(const void *rsdp, size_t len, u64 *root, bool *xsdt);

/*
 * Entries of a root table already validated by acpi_check_table: returns how
 * many; acpi_root_entry() gives the i-th table's physical address.
 */
unsigned int acpi_root_count(const void *tbl, bool xsdt);
u64 acpi_root_entry(const void *tbl, bool xsdt, unsigned int i);

/* "MADT" for "APIC", "FADT" for "FACP", else the signature itself (printable, NUL-ended). */
void acpi_table_name(const char sig[4], char name[5]);

#endif
