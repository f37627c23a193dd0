// SPDX-License-Identifier: MIT
/* main.c: the boot CPU's path from the loader's hand-over to a running system. */
#define LOG_TAG "hv"
#include "drivers/igb.h"
#include "drivers/uart.h"
#include "iommu/iommu.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/crash.h"
#include "kernel/idt.h"
#include "kernel/io.h"
#include "kernel/mb2.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/pvnet.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "pci/pci.h"

#ifndef HV_VERSION
#define HV_VERSION "unknown"
#endif

void kmain(u32 magic, u32 mbi_pa);

static struct boot_info boot_info;
static u8 mbi_copy[64 * 1024] __aligned(8);

/* Copy the loader's information into our memory, then parse the copy (never the original). */
static void boot_parse(u32 magic, u32 mbi_pa, struct boot_info *bi)
{
	char err[160];
	u32 total;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("boot: not started by a multiboot2 loader (EAX=0x%x, expected 0x%x)", magic,
		      MB2_BOOTLOADER_MAGIC);
	if (!mbi_pa || (mbi_pa & 7))
		panic("boot: multiboot2 information pointer 0x%x is not 8-byte aligned", mbi_pa);
	memcpy(&total, (const void *)(uintptr_t)mbi_pa, 4);
	if (total > sizeof(mbi_copy))
		panic("boot: multiboot2 information is %u bytes, more than the %zu we accept", total,
		      sizeof(mbi_copy));
	memcpy(mbi_copy, (const void *)(uintptr_t)mbi_pa, total);
	if (mb2_parse(mbi_copy, total, bi, err, sizeof(err)))
		panic("boot: %s", err);
	bi->mbi_start = mbi_pa;
	bi->mbi_end = mbi_pa + total;
}

static void boot_config(const struct boot_info *bi)
{
	static const enum log_level levels[] = { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };
	static const char *const names[] = { "err", "warn", "info", "debug" };
	int errors = config_parse(bi->cmdline);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(hv_config.log, names[i]))
			log_set_level(levels[i]);
	exit_on_panic = hv_config.exit_on_panic;
	pr_info("command line: \"%s\"%s\n", bi->cmdline, errors ? " (with errors, see above)" : "");
	if (hv_config.mbi_dump)
		print_hex("mbidump:", mbi_copy, bi->mbi_end - bi->mbi_start);
}

/* The NIC's PF, with as many VFs as the planned partitions need (sriov= overrides). */
static void nic_init(void)
{
	struct pci_dev *pf = igb_find();

	if (pf)
		igb_init(pf, part_vf_demand(pf));
}

void kmain(u32 magic, u32 mbi_pa)
{
	uart_init();
	idt_init();
	printk(LOG_ERR, "\nhv: SR-IOV partitioning hypervisor %s\n", HV_VERSION);
	boot_parse(magic, mbi_pa, &boot_info);
	boot_config(&boot_info);
	pr_info("loaded by %s, %s firmware, %u module(s)\n",
		boot_info.loader[0] ? boot_info.loader : "an unnamed loader",
		boot_info.efi ? "UEFI" : "BIOS", boot_info.mod_count);
	cpu_features_init();
	mm_init(&boot_info);
	cpu_init(0, 0);
	idt_use_ist();
	acpi_init(&boot_info);
	apic_init();
	timer_init();
	smp_init(&boot_info);
	irq_enable(); /* every interrupt source is the hypervisor's own from here on */
	pci_init(&boot_info);
	iommu_init(); /* before anything a partition can reach exists */
	part_plan(&boot_info);
	nic_init();
	if (hv_config.selftest[0]) {
		int failed = selftest_run(hv_config.selftest);

		if (hv_config.exit_when_done)
			hv_exit(failed ? EXIT_FAILURE : EXIT_OK);
	}
	if (hv_config.crash[0])
		crash_run(hv_config.crash);
	part_init(&boot_info);
	if (partition_count)
		pr_info("boot complete, %u partition(s)\n", partition_count);
	else
		pr_info("boot complete, nothing to run\n");
	pr_info("resident: image %llu KiB, allocated %llu KiB (partitions' RAM not counted)\n",
		mm_image_size() / KiB, (mm_allocated() - part_ram_total()) / KiB);
	part_start();
	if (hv_config.exit_when_done && part_running_count() == 0)
		hv_exit(EXIT_OK);
	pvnet_run(); /* the pv NICs' fast path, while a pv partition runs */
	smp_idle();  /* CPU 0 stays the hypervisor's: it serves calls from here on */
}
