// SPDX-License-Identifier: MIT
/* part.c: partitions built from the boot modules, started on their CPUs, stopped alone. */
#define LOG_TAG "part"
#include "kernel/part.h"
#include "kernel/assign.h"
#include "kernel/bzimage.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/loader.h"
#include "kernel/mboot.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/pvnet.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "kernel/vacpi.h"

struct partition *partitions[PLAN_MAX_PARTS];
u32 partition_count;

static struct part_config part_configs[PLAN_MAX_PARTS];
static u32 part_module_count;             /* modules planned by part_plan() */
static struct hv_boot_info part_bootinfo; /* built here, copied into the guest */

_Static_assert(PLAN_MAX_MODS <= MBOOT_MAX_MODS, "mods= allows more modules than mboot places");

/* How a partition's vCPUs start: the hv protocol (per-vCPU state), a multiboot or Linux entry. */
struct part_boot {
	bool mboot;              /* multiboot or Linux: state is the one vCPU's */
	u64 entry, cr3;          /* hv protocol */
	struct vcpu_state state; /* multiboot or Linux: the one vCPU's entry state */
};

#define PART_LAPIC_GPA  0xfee00000ULL /* the local APIC's page, shown reserved to Linux */
#define PART_PCI_WINDOW (256 * MiB)   /* BARs lie here, above the ECAM window (kernel/assign.c) */

/* Until the timer code calibrates the TSC, rate limits assume 2 GHz. */
#define PART_TSC_GUESS_HZ 2000000000ULL
static u64 part_tsc_khz;

u64 part_now(void)
{
	return rdtsc();
}

u64 part_ticks_per_sec(void)
{
	return part_tsc_khz ? part_tsc_khz * 1000 : PART_TSC_GUESS_HZ;
}

static void part_uart_emit(void *ctx, const char *line, size_t len)
{
	struct partition *p = ctx;

	/* A guest's console is not a log: shown at every log level. */
	printk(LOG_ERR, "[%s] %.*s\n", p->name, (int)len, line);
}

void part_console_write(struct partition *p, const char *s, size_t len)
{
	u64 now = part_now();

	spin_lock(&p->uart_lock);
	for (size_t i = 0; i < len; i++)
		vuart_putc(&p->uart, s[i], now);
	spin_unlock(&p->uart_lock);
}

struct part_mmio *part_find_mmio(struct partition *p, u64 gpa)
{
	for (u32 i = 0; i < p->mmio_count; i++)
		if (gpa - p->mmio[i].base < p->mmio[i].size)
			return &p->mmio[i];
	return NULL;
}

static u64 part_ecam_read(void *ctx, u64 gpa, u8 size)
{
	struct partition *p = ctx;
	u64 v;

	spin_lock(&p->dev_lock);
	v = vpci_ecam_read(&p->vpci, gpa, size);
	spin_unlock(&p->dev_lock);
	return v;
}

static void part_ecam_write(void *ctx, u64 gpa, u8 size, u64 val)
{
	struct partition *p = ctx;

	spin_lock(&p->dev_lock);
	vpci_ecam_write(&p->vpci, gpa, size, val);
	spin_unlock(&p->dev_lock);
}

/* The virtual PCI bus: empty until devices are assigned; its ECAM window lies above RAM. */
static void part_init_vpci(struct partition *p)
{
	vpci_init(&p->vpci, p->name, vpci_ecam_gpa(p->ram_size));
	p->gpa_free = p->vpci.ecam_gpa + VPCI_ECAM_SIZE;
	p->mmio[p->mmio_count++] = (struct part_mmio){ p->vpci.ecam_gpa, VPCI_ECAM_SIZE,
						       part_ecam_read, part_ecam_write, p };
}

u64 part_ram_total(void)
{
	u64 n = 0;

	for (u32 i = 0; i < partition_count; i++)
		n += partitions[i]->ram_size;
	return n;
}

u32 part_running_count(void)
{
	u32 n = 0;

	for (u32 i = 0; i < partition_count; i++)
		n += part_running(partitions[i]);
	return n;
}

/* Make p's other vCPUs leave the guest: an IPI exits it (host interrupts are intercepted). */
static void part_kick(const struct partition *p)
{
	for (u32 i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i] && p->vcpus[i]->cpu != smp_cpu_index())
			smp_kick(p->vcpus[i]->cpu);
}

/* One line of VM exits by reason over the partition's vCPUs ("p1: exits: io 12, hlt 1"). */
static void part_print_exits(const struct partition *p)
{
	char line[256];
	int n = 0;

	for (u32 r = 0; r < VCPU_EXIT_COUNT; r++) {
		u64 sum = 0;

		for (u32 i = 0; i < p->vcpu_count; i++)
			sum += p->vcpus[i] ? p->vcpus[i]->exits[r] : 0;
		if (sum && n < (int)sizeof(line))
			n += snformat(line + n, sizeof(line) - (size_t)n, "%s%s %llu",
				      n ? ", " : "", vcpu_exit_name(r), sum);
	}
	part_info(p, "exits: %s\n", n ? line : "none");
}

/* One line of interrupts taken ("p1: interrupts: injected 120, timer 100, ipi 0, msi 20"). */
static void part_print_irqs(const struct partition *p)
{
	struct vcpu_irq_stats t = { 0 };

	for (u32 i = 0; i < p->vcpu_count; i++) {
		const struct vcpu *v = p->vcpus[i];

		if (!v)
			continue;
		t.injected += v->irqs.injected;
		t.timer += v->irqs.timer;
		t.ipi += v->irqs.ipi;
		t.msi += v->irqs.msi;
	}
	if (t.injected || t.timer || t.ipi || t.msi)
		part_info(p, "interrupts: injected %llu, timer %llu, ipi %llu, msi %llu\n",
			  t.injected, t.timer, t.ipi, t.msi);
}

/* Mark p stopped; false when it already was (one line per partition). */
static bool part_set_stopped(struct partition *p)
{
	int running = PART_RUNNING;

	return __atomic_compare_exchange_n(&p->state, &running, PART_STOPPED, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void part_flush_console(struct partition *p)
{
	spin_lock(&p->uart_lock);
	vuart_flush(&p->uart, part_now());
	spin_unlock(&p->uart_lock);
}

/* Partitions stopping at once on other CPUs may still be printing: give them 100 ms. */
static void part_wait_reports(void)
{
	u64 end = clock_ns() + 100 * 1000 * 1000ULL;

	for (u32 i = 0; i < partition_count; i++)
		while (!__atomic_load_n(&partitions[i]->reported, __ATOMIC_ACQUIRE) &&
		       clock_ns() < end)
			__asm__ __volatile__("pause" ::: "memory");
}

/* After the stop line: counters, the other vCPUs out of the guest, maybe the machine's end. */
static void part_stopped(struct partition *p)
{
	part_print_exits(p);
	part_print_irqs(p);
	__atomic_store_n(&p->reported, true, __ATOMIC_RELEASE);
	part_kick(p);
	assign_stop(p);
	pvnet_stop(p);
	if (hv_config.exit_when_done && part_running_count() == 0) {
		part_wait_reports();
		pr_info("every partition has stopped; exit_when_done=1 ends the machine\n");
		hv_exit(EXIT_OK);
	}
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	if (!part_set_stopped(p))
		return;
	va_start(ap, fmt);
	vsnformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	part_flush_console(p);
	printk(LOG_ERR, "%s: stopped: %s\n", p->name, why);
	part_stopped(p);
}

void part_exit(struct partition *p, u64 code)
{
	if (!part_set_stopped(p))
		return;
	part_flush_console(p);
	printk(LOG_ERR, "%s: exited with code %llu\n", p->name, code);
	part_stopped(p);
}

/* Fill the boot-information page the guest finds at HV_GPA_BOOTINFO. */
static void part_fill_bootinfo(const struct partition *p, u64 image_end, struct hv_boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = HV_BOOT_MAGIC;
	bi->version = HV_BOOT_VERSION;
	bi->size = sizeof(*bi);
	memcpy(bi->name, p->name, sizeof(bi->name));
	bi->part_id = p->id;
	bi->cpu_count = p->vcpu_count;
	bi->ram_size = p->ram_size;
	bi->image_end = image_end;
	bi->tsc_khz = part_tsc_khz;
	bi->uart_port = VUART_BASE;
	bi->hypercall_abi = HV_HC_ABI_VERSION;
	bi->ecam_base = p->vpci.ecam_gpa;
	assign_boot_info(p, bi);
	pvnet_boot_info(p, bi);
	strlcpy(bi->cmdline, p->cfg.args, sizeof(bi->cmdline));
}

/* RAM: 2 MiB aligned, zeroed, mapped 1:1 from guest-physical 0 by its nested table. */
static int part_alloc_ram(struct partition *p)
{
	p->ram_hpa = phys_alloc(p->ram_size, PLAN_MEM_ALIGN);
	if (!p->ram_hpa) {
		part_err(p, "not started: no contiguous %llu MiB of RAM (%llu MiB free)\n",
			 p->ram_size / MiB, mm_free_ram() / MiB);
		return -ENOMEM;
	}
	p->ram = phys_to_virt(p->ram_hpa);
	memset(p->ram, 0, p->ram_size);
	if (gpmap_init(&p->gpm, vcpu_ops->nested_fmt, &mm_pt_mem) ||
	    gpmap_map_ram(&p->gpm, 0, p->ram_hpa, p->ram_size)) {
		part_err(p, "not started: no memory for its nested page table\n");
		return -ENOMEM;
	}
	return 0;
}

/* An ELF64 guest of the hv boot protocol (guests/README.md): boot page, page tables, GDT. */
static int part_load_hv(struct partition *p, const u8 *img, u64 len, struct part_boot *pb)
{
	struct loader_image li;
	const char *why = "";

	if (p->cfg.mods) {
		part_err(p, "not started: mods= needs a multiboot kernel, not an hv guest\n");
		return -ENOEXEC;
	}
	if (loader_load_elf(img, len, p->ram, p->ram_size, &li, &why)) {
		part_err(p, "not started: bad guest image: %s\n", why);
		return -ENOEXEC;
	}
	part_fill_bootinfo(p, li.image_end, &part_bootinfo);
	if (loader_boot_setup(p->ram, p->ram_size, &part_bootinfo, &pb->cr3)) {
		part_err(p, "not started: cannot build its boot page tables\n");
		return -ENOMEM;
	}
	pb->entry = li.entry;
	return 0;
}

/* The module lines after the partition's own are its kernel's multiboot modules (mods=). */
static void part_mboot_mods(const struct partition *p, const struct boot_info *bi,
			    struct mboot_module *mods)
{
	for (u32 i = 0; i < p->cfg.mods; i++) {
		const struct boot_module *m = &bi->mods[p->cfg.module + 1 + i];

		mods[i] = (struct mboot_module){ phys_to_virt(m->start),
						 m->end > m->start ? m->end - m->start : 0,
						 m->cmdline };
	}
}

/* A multiboot kernel: loaded where it asks, its modules and boot information above it. */
static int part_load_mboot(struct partition *p, const struct boot_info *bi,
			   const struct mboot_header *h, const u8 *img, u64 len,
			   struct part_boot *pb)
{
	static struct mboot_module mods[PLAN_MAX_MODS];
	struct mboot_boot b = { p->cfg.args, mods, p->cfg.mods, p->vpci.ecam_gpa, VPCI_ECAM_SIZE };
	struct mboot_kernel k;
	struct mboot_placed pl;
	const char *why = "";

	part_mboot_mods(p, bi, mods);
	if (mboot_load(img, len, h, p->ram, p->ram_size, &k, &why) ||
	    mboot_place(p->ram, p->ram_size, &k, &b, &pl, &why)) {
		part_err(p, "not started: multiboot%s kernel: %s\n",
			 h->proto == MBOOT_V2 ? "2" : "", why);
		return -ENOEXEC;
	}
	if (h->wants_video)
		part_info(p, "its kernel asks for a video mode: a partition has no display, so no "
			     "framebuffer information is given\n");
	part_info(
		p, "multiboot%s kernel at 0x%llx-0x%llx, %u module(s), boot information at 0x%x\n",
		h->proto == MBOOT_V2 ? "2" : "", k.load_base, k.load_end - 1, p->cfg.mods, pl.info);
	mboot_vcpu_state(&k, &pl, &pb->state);
	pb->mboot = true;
	pb->entry = k.entry;
	return 0;
}

/* Does a word of args start with key ("tsc_early_khz=")? */
static bool part_arg_given(const char *args, const char *key)
{
	size_t n = strlen(key);

	for (const char *w = args; *w; w++)
		if ((w == args || w[-1] == ' ') && !strncmp(w, key, n))
			return true;
	return false;
}

/*
 * The kernel's command line: the module line's words after "--", then
 * tsc_early_khz= with the TSC rate the hypervisor measured. Linux takes the
 * TSC rate from CPUID 0x15/0x16 only on Intel CPUs and would otherwise
 * calibrate against the PIT or HPET, which a partition does not have; the
 * parameter works on every vendor and is honoured from the earliest TSC setup.
 */
static int part_linux_cmdline(struct partition *p, const struct bzimage_info *bz)
{
	char *dst = (char *)p->ram + BZ_GPA_CMDLINE;
	u32 max = MIN(bz->cmdline_max, BZ_CMDLINE_MAX);
	int n;

	if (part_tsc_khz && !part_arg_given(p->cfg.args, "tsc_early_khz="))
		n = snformat(dst, max + 1, "%s%stsc_early_khz=%llu", p->cfg.args,
			     p->cfg.args[0] ? " " : "", part_tsc_khz);
	else
		n = snformat(dst, max + 1, "%s", p->cfg.args);
	if (n < 0 || (u32)n > max) {
		part_err(p, "not started: the kernel command line is longer than its %u bytes\n",
			 max);
		return -E2BIG;
	}
	return 0;
}

/* The initrd (mods=1: the next module line) at the top of RAM; *gpa and *len 0 without one. */
static int part_linux_initrd(struct partition *p, const struct boot_info *bi,
			     const struct bzimage_info *bz, u64 *gpa, u64 *len)
{
	const struct boot_module *m = &bi->mods[p->cfg.module + 1];

	*gpa = *len = 0;
	if (!p->cfg.mods)
		return 0;
	*len = m->end > m->start ? m->end - m->start : 0;
	if (bzimage_initrd_addr(bz, p->ram_size, *len, gpa)) {
		part_err(
			p,
			"not started: its initrd (%llu KiB) does not fit in RAM above the kernel\n",
			*len / KiB);
		return -ENOSPC;
	}
	memcpy(p->ram + *gpa, phys_to_virt(m->start), *len);
	return 0;
}

/* The e820 map and the zero page; the map reserves what the hypervisor emulates. */
static void part_linux_zero_page(struct partition *p, const u8 *img, const struct bzimage_info *bz,
				 struct bzimage_boot *b)
{
	static struct bz_e820 map[BZ_E820_MAX];
	const struct bz_range res[] = {
		{ p->vpci.ecam_gpa, VPCI_ECAM_SIZE, E820_RESERVED },
		{ PART_LAPIC_GPA, PAGE_SIZE, E820_RESERVED },
	};

	b->e820 = map;
	b->e820_count = bzimage_e820(p->ram_size, res, ARRAY_SIZE(res), map, BZ_E820_MAX);
	bzimage_zero_page(p->ram + BZ_GPA_ZERO_PAGE, img, bz, b);
}

/*
 * The partition's ACPI tables (kernel/vacpi.h) in the PC hole, unless the
 * kernel is told acpi=off. Returns the RSDP's address, 0 without tables.
 */
static u64 part_linux_acpi(struct partition *p)
{
	const struct vacpi_config c = { p->vcpu_count, p->vpci.ecam_gpa,
					p->vpci.ecam_gpa + VPCI_ECAM_SIZE, PART_PCI_WINDOW };

	if (part_arg_given(p->cfg.args, "acpi=off"))
		return 0;
	if (vacpi_build(p->ram + BZ_GPA_ACPI, BZ_GPA_ACPI, VACPI_SIZE, &c) < 0) {
		part_info(p, "no ACPI tables: they do not fit (%u vCPUs)\n", p->vcpu_count);
		return 0;
	}
	return BZ_GPA_ACPI;
}

/*
 * A Linux bzImage (kernel/bzimage.h) with its initrd, entered at its 64-bit
 * entry point on vCPU 0; the others wait for Linux's INIT and SIPI (the MADT
 * lists them all).
 */
static int part_load_linux(struct partition *p, const struct boot_info *bi, const u8 *img, u64 len,
			   struct part_boot *pb)
{
	struct bzimage_boot b = { .cmdline_gpa = BZ_GPA_CMDLINE };
	struct bzimage_info bz;
	const char *why = "";

	if (p->cfg.mods > 1) {
		part_err(p, "not started: a Linux kernel takes one module, its initrd (mods=1)\n");
		return -EINVAL;
	}
	if (bzimage_parse(img, len, p->ram_size, &bz, &why)) {
		part_err(p, "not started: Linux kernel refused: %s\n", why);
		return -ENOEXEC;
	}
	if (loader_linux_setup(p->ram, p->ram_size, &pb->cr3)) {
		part_err(p, "not started: cannot build its boot page tables\n");
		return -ENOMEM;
	}
	bzimage_load(img, &bz, p->ram);
	if (part_linux_initrd(p, bi, &bz, &b.initrd_gpa, &b.initrd_len) ||
	    part_linux_cmdline(p, &bz))
		return -ENOEXEC;
	b.rsdp_gpa = part_linux_acpi(p);
	part_linux_zero_page(p, img, &bz, &b);
	pb->entry = bz.load_addr + BZ_ENTRY64;
	loader_linux_vcpu_state(pb->entry, BZ_GPA_ZERO_PAGE, pb->cr3, &pb->state);
	pb->mboot = true;
	part_info(p,
		  "Linux kernel (boot protocol %u.%02u) at 0x%llx, init_size 0x%llx, initrd "
		  "0x%llx+0x%llx, command line \"%s\"\n",
		  bz.version >> 8, bz.version & 0xff, bz.load_addr, bz.init_size, b.initrd_gpa,
		  b.initrd_len, (const char *)p->ram + BZ_GPA_CMDLINE);
	return 0;
}

static const enum mboot_proto part_boot_want[] = {
	[PLAN_BOOT_AUTO] = MBOOT_NONE,
	[PLAN_BOOT_HV] = MBOOT_NONE,
	[PLAN_BOOT_MB1] = MBOOT_V1,
	[PLAN_BOOT_MB2] = MBOOT_V2,
};

/* Load the partition's module as boot= says: a multiboot kernel, Linux or an hv guest. */
static int part_load(struct partition *p, const struct boot_info *bi, struct part_boot *pb)
{
	const struct boot_module *mod = &bi->mods[p->cfg.module];
	const u8 *img = phys_to_virt(mod->start);
	u64 len = mod->end > mod->start ? mod->end - mod->start : 0;
	struct mboot_header h;
	const char *why = "";
	int r = MBOOT_NONE;

	if (!len) {
		part_err(p, "not started: bad guest image: empty module\n");
		return -ENOEXEC;
	}
	if (p->cfg.boot == PLAN_BOOT_LINUX)
		return part_load_linux(p, bi, img, len, pb);
	if (p->cfg.boot != PLAN_BOOT_HV)
		r = mboot_find(img, len, part_boot_want[p->cfg.boot], &h, &why);
	if (r < 0) {
		part_err(p, "not started: multiboot kernel refused: %s\n", why);
		return -ENOEXEC;
	}
	if (r == MBOOT_NONE && p->cfg.boot >= PLAN_BOOT_MB1) {
		part_err(p, "not started: boot=%s but its module has no such header\n",
			 p->cfg.boot == PLAN_BOOT_MB2 ? "multiboot2" : "multiboot");
		return -ENOEXEC;
	}
	if (r != MBOOT_NONE)
		return part_load_mboot(p, bi, &h, img, len, pb);
	if (p->cfg.boot == PLAN_BOOT_AUTO && bzimage_detect(img, len))
		return part_load_linux(p, bi, img, len, pb);
	return part_load_hv(p, img, len, pb);
}

static int part_create_vcpus(struct partition *p, const struct part_boot *pb)
{
	struct vcpu_state s;
	u32 i = 0;

	for (u32 cpu = 0; cpu < 64; cpu++) {
		if (!(p->cfg.cpu_mask & BIT(cpu)))
			continue;
		if (pb->mboot)
			s = pb->state;
		else
			loader_vcpu_state(i, pb->entry, pb->cr3, &s);
		p->vcpus[i] = vcpu_create(p, i, cpu, &s);
		if (!p->vcpus[i])
			return -ENOMEM;
		/* A multiboot kernel starts its other CPUs itself, with INIT and SIPI. */
		p->vcpus[i]->wait_sipi = pb->mboot && i > 0;
		i++;
	}
	return 0;
}

static void part_free(struct partition *p)
{
	pvnet_release(p);
	assign_release(p);
	if (p->gpm.pt.root)
		gpmap_destroy(&p->gpm);
	if (p->ram_hpa)
		phys_free(p->ram_hpa, p->ram_size);
}

static void part_create(const struct part_config *pc, const struct boot_info *bi)
{
	struct partition *p = kzalloc(sizeof(*p));
	static struct part_boot pb; /* a vcpu_state is large; partitions are built one by one */
	char cpulist[64];

	if (!p)
		return;
	p->id = partition_count;
	p->cfg = *pc;
	memcpy(p->name, pc->name, sizeof(p->name));
	p->ram_size = pc->mem;
	p->vcpu_count = plan_cpu_count(pc->cpu_mask);
	p->log_rl = (struct ratelimit)RATELIMIT_INIT(10, 1000);
	vuart_init(&p->uart, part_ticks_per_sec(), part_uart_emit, p);
	if (pc->console_rate)
		p->uart.lines_per_window = pc->console_rate;
	part_init_vpci(p);
	memset(&pb, 0, sizeof(pb));
	if (part_alloc_ram(p) || assign_devices(p) ||
	    (p->cfg.net == PLAN_NET_PV && pvnet_attach(p)) || part_load(p, bi, &pb) ||
	    part_create_vcpus(p, &pb)) {
		part_free(p);
		return;
	}
	plan_format_cpus(pc->cpu_mask, cpulist, sizeof(cpulist));
	part_info(p, "%llu MiB RAM at host-physical 0x%llx-0x%llx, CPU %s, entry 0x%llx\n",
		  p->ram_size / MiB, p->ram_hpa, p->ram_hpa + p->ram_size - 1, cpulist, pb.entry);
	partitions[partition_count++] = p;
}

static void part_machine(struct plan_machine *m)
{
	memset(m, 0, sizeof(*m));
	for (u32 i = 0; i < MAX_CPUS; i++) {
		if (smp_cpu_online(i)) {
			m->online_mask |= BIT(i);
			m->cpu_count++;
		}
	}
	m->free_ram = mm_free_ram();
	m->boot_cpu_fallback = m->cpu_count == 1;
}

/*
 * With mods=N the next N module lines are that partition's multiboot modules,
 * not partitions: returns how many it takes (all that are left when too few).
 */
static u32 part_claim_mods(struct part_config *pc, u32 index, u32 mod_count)
{
	u32 left = mod_count - index - 1;

	if (pc->ok && pc->mods > left) {
		printk(LOG_ERR,
		       "%s: error: not started: mods=%u but only %u module line(s) follow\n",
		       pc->name, pc->mods, left);
		pc->ok = false;
	}
	return MIN(pc->mods, left);
}

/* One configuration per partition: module lines claimed by mods= are not partitions. */
static u32 part_parse_all(const struct boot_info *bi)
{
	u32 n = 0;

	for (u32 i = 0; i < bi->mod_count; i++) {
		if (n == PLAN_MAX_PARTS) {
			pr_err("more than %u partitions: modules from %u on are ignored\n",
			       PLAN_MAX_PARTS, i + 1);
			break;
		}
		plan_parse(bi->mods[i].cmdline, i, &part_configs[n]);
		i += part_claim_mods(&part_configs[n], i, bi->mod_count);
		n++;
	}
	return n;
}

void part_plan(const struct boot_info *bi)
{
	struct plan_machine m;
	u32 n;

	if (bi->mod_count == 0)
		return;
	part_machine(&m);
	if (m.boot_cpu_fallback)
		pr_warn("only the boot CPU is online: it runs one vCPU itself (single-CPU fallback)\n");
	n = part_parse_all(bi);
	plan_assign(part_configs, n, &m);
	part_module_count = n;
}

u16 part_vf_demand(const struct pci_dev *pf)
{
	return assign_vf_demand(part_configs, part_module_count, pf);
}

void part_init(const struct boot_info *bi)
{
	u32 n = part_module_count;

	if (n == 0)
		return;
	part_tsc_khz = timer_tsc_hz() / 1000;
	if (vcpu_select_backend()) {
		pr_err("%u partition(s) not started\n", n);
		return;
	}
	for (u32 i = 0; i < n; i++)
		if (part_configs[i].ok)
			part_create(&part_configs[i], bi);
}

/* A partition CPU's job (smp_run): run its vCPU until the partition stops, then idle. */
static void part_vcpu_main(void *arg)
{
	vcpu_loop(arg);
}

void part_start(void)
{
	struct vcpu *boot_vcpu = NULL;

	for (u32 i = 0; i < partition_count; i++) {
		struct partition *p = partitions[i];

		for (u32 j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = p->vcpus[j];
			int r = 0;

			if (v->cpu == smp_cpu_index())
				boot_vcpu = v; /* the single-CPU fallback */
			else
				r = smp_run(v->cpu, part_vcpu_main, v);
			if (r)
				part_stop(p, "CPU %u cannot take vCPU %u (%d)", v->cpu, j, r);
		}
	}
	if (boot_vcpu) {
		part_info(boot_vcpu->part, "vCPU %u runs on the boot CPU\n", boot_vcpu->index);
		vcpu_loop(boot_vcpu);
	}
}
