// SPDX-License-Identifier: MIT
/*
 * attack.c: the hostile guest of the isolation tests. mode= on its command
 * line picks one misdeed (guests/README.md lists them); after a misdeed the
 * hypervisor must have stopped or refused it, so anything printed afterwards
 * that says FAILED is a hole. Modes that survive keep a heartbeat going.
 */
#include "guests/attack/attack.h"
#include "guests/lib/apic.h"

#define PATTERN 0x5061747465726e00ULL /* "Pattern\0"; each word holds PATTERN ^ its GPA */

static void heartbeat_forever(void)
{
	u64 ms = 500;

	arg_u64("beat", &ms);
	for (u64 n = 1;; n++) {
		delay_ms(ms);
		printf("heartbeat %llu\n", n);
	}
}

/* Touch a guest-physical address outside RAM (op=read|write|exec; a write stores value=). */
static int attack_npf(void)
{
	u64 gpa = 0x40000000, value = 0x6b636174746121ULL;
	char op[8] = "write";
	volatile u64 *p;

	arg_u64("addr", &gpa);
	arg_u64("value", &value);
	arg_str("op", op, sizeof(op));
	if (map_identity(gpa, 1, false)) {
		printf("attack: cannot map GPA 0x%llx\n", gpa);
		return 1;
	}
	p = (volatile u64 *)gpa;
	printf("attack: %s at GPA 0x%llx\n", op, gpa);
	if (!strcmp(op, "read"))
		printf("attack: FAILED: read 0x%llx\n", *p);
	else if (!strcmp(op, "exec"))
		((void (*)(void))gpa)();
	else if (gpa & 7)
		*(volatile u32 *)p = (u32)value;
	else
		*p = value;
	printf("attack: FAILED: the access to GPA 0x%llx went through\n", gpa);
	return 1;
}

static int attack_triple(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) none = { 0, 0 };

	printf("attack: triple fault\n");
	/* No IDT: #UD cannot be delivered, nor the #GP and #DF that follow. */
	__asm__ __volatile__("lidt %0; ud2" ::"m"(none));
	printf("attack: FAILED: still running after a triple fault\n");
	return 1;
}

static int attack_flood(void)
{
	for (u64 n = 0;; n++)
		printf("flood %llu the quick brown fox jumps over the lazy dog\n", n);
	return 0;
}

static int attack_ioport(void)
{
	u64 port = 0xf4, value = 0x01;
	char op[8] = "write";

	arg_u64("port", &port);
	arg_u64("value", &value);
	arg_str("op", op, sizeof(op));
	printf("attack: %s port 0x%llx\n", op, port);
	if (!strcmp(op, "read")) {
		printf("attack: read 0x%x from port 0x%llx\n", inb((u16)port), port);
		return 0;
	}
	outb((u16)port, (u8)value);
	printf("attack: FAILED: write to port 0x%llx went through\n", port);
	return 1;
}

struct hc_case {
	u64 nr, a1, a2;
	s64 want;
};

static bool hc_try(const struct hc_case *c)
{
	s64 r = hypercall(c->nr, c->a1, c->a2, 0);

	if (r != c->want)
		printf("hcall: FAILED: nr 0x%llx (0x%llx, 0x%llx) returned %lld, expected %lld\n",
		       c->nr, c->a1, c->a2, r, c->want);
	return r == c->want;
}

/* Bad numbers and arguments must come back refused; then a few thousand random ones. */
static int attack_hcall(void)
{
	u64 ram = boot_info->ram_size, x = 0x9e3779b97f4a7c15ULL;
	const struct hc_case cases[] = {
		{ 0, 0, 0, -HV_ENOSYS },
		{ HV_HC_COUNT, 0, 0, -HV_ENOSYS },
		{ ~0ULL, 1, 2, -HV_ENOSYS },
		{ 0x8000000000000001ULL, 0, 0, -HV_ENOSYS },
		{ HV_HC_CONSOLE_WRITE, ram, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ram - 8, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, ~0ULL - 4, 16, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, 0xfee00000ULL, 4, -HV_EFAULT },
		{ HV_HC_CONSOLE_WRITE, 0x1000, HV_CONSOLE_MAX + 1, -HV_EINVAL },
		{ HV_HC_CONSOLE_WRITE, 0x1000, ~0ULL, -HV_EINVAL },
		{ HV_HC_PART_INFO, ram, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, ~0ULL - 8, 64, -HV_EFAULT },
		{ HV_HC_PART_INFO, 0x1000, 0, -HV_EINVAL },
		{ HV_HC_SHUTDOWN, 256, 0, -HV_EINVAL },
		{ HV_HC_SHUTDOWN, ~0ULL, 0, -HV_EINVAL },
	};
	u32 ok = 0, n = 0;
	struct hv_part_info info;

	for (u32 i = 0; i < ARRAY_SIZE(cases); i++, n++)
		ok += hc_try(&cases[i]);
	for (u32 i = 0; i < 2000; i++, n++) {
		struct hc_case c;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		c = (struct hc_case){ HV_HC_COUNT + (x >> 8), x, x * 31, -HV_ENOSYS };
		ok += hc_try(&c);
	}
	printf("hcall: %u of %u bad hypercalls refused as expected\n", ok, n);
	if (hypercall(HV_HC_PART_INFO, (u64)&info, sizeof(info), 0) == sizeof(info) &&
	    !strcmp(info.name, boot_info->name))
		printf("hcall: part info works: %s vCPU %u on host CPU %u\n", info.name, info.vcpu,
		       info.host_cpu);
	hypercall(HV_HC_CONSOLE_WRITE, (u64) "hcall: console write works\n", 27, 0);
	heartbeat_forever();
	return 0;
}

/* Fill free RAM with a pattern the test reads from outside at the host-physical address. */
static int attack_pattern(void)
{
	u64 start = (boot_info->image_end + 2 * MiB - 1) & ~(2 * MiB - 1),
	    end = boot_info->ram_size;

	for (u64 gpa = start; gpa < end; gpa += 8)
		*(volatile u64 *)gpa = PATTERN ^ gpa;
	printf("pattern: wrote GPA 0x%llx-0x%llx\n", start, end - 1);
	heartbeat_forever();
	return 0;
}

/*
 * Scan the virtual PCI bus through ports 0xcf8/0xcfc and the ECAM window, try
 * writes, count functions; op=bad then touches ECAM with an instruction the
 * hypervisor does not emulate (a locked OR).
 */
static int attack_pci(void)
{
	volatile u8 *ecam = (volatile u8 *)boot_info->ecam_base;
	u32 by_port = 0, by_ecam = 0, cf8;
	char op[8] = "";

	arg_str("op", op, sizeof(op));
	if (map_identity(boot_info->ecam_base, 1 * MiB, true))
		return 1;
	for (u32 devfn = 0; devfn < 256; devfn++) {
		outl(0xcf8, 0x80000000U | devfn << 8);
		by_port += inl(0xcfc) != 0xffffffffU;
		by_ecam += *(volatile u32 *)(ecam + (devfn << 12)) != 0xffffffffU;
	}
	outl(0xcf8, 0x80000804U);
	outl(0xcfc, 0xffffffffU);
	*(volatile u64 *)(ecam + 0x8010) = ~0ULL;
	*(volatile u8 *)(ecam + 0x803c) = 5;
	cf8 = inl(0xcf8);
	printf("pci: %u functions via 0xcf8, %u via ECAM at 0x%llx, cf8 0x%x, id 0x%x/0x%llx\n",
	       by_port, by_ecam, (u64)boot_info->ecam_base, cf8, *(volatile u16 *)(ecam + 0x8002),
	       *(volatile u64 *)(ecam + 0x8008));
	if (!strcmp(op, "bad")) {
		__asm__ __volatile__("lock orl $1, (%0)" ::"r"(ecam) : "memory");
		printf("attack: FAILED: a locked OR on ECAM went through\n");
	}
	heartbeat_forever();
	return 0;
}

static u32 cfg32(volatile u8 *cfg, u32 off)
{
	return *(volatile u32 *)(cfg + off);
}

static void cfg32_set(volatile u8 *cfg, u32 off, u32 v)
{
	*(volatile u32 *)(cfg + off) = v;
}

#define EDU_BUF     0x40000  /* the device's buffer, in its DMA address space */
#define DMA_SRC_GPA 0x300000 /* where the pattern starts out, in our RAM */

static const char dma_pattern[32] = "edu DMA pattern 0123456789abcde";

/* One EDU DMA (QEMU docs/specs/edu.rst): 32 bytes, dir 0 RAM to device, 2 device to RAM. */
static void edu_dma_one(volatile u64 *r, u64 src, u64 dst, u64 dir)
{
	r[0x80 / 8] = src;
	r[0x88 / 8] = dst;
	r[0x90 / 8] = sizeof(dma_pattern);
	r[0x98 / 8] = 1 | dir;
	for (int i = 0; i < 100 && (r[0x98 / 8] & 1); i++)
		delay_ms(10);
}

/* Copy the pattern into the device, then from the device to `to` (a bus address: our GPA). */
static void edu_dma(volatile u32 *mmio, u64 to)
{
	volatile u64 *r = (volatile u64 *)mmio;

	memcpy((void *)DMA_SRC_GPA, dma_pattern, sizeof(dma_pattern));
	edu_dma_one(r, DMA_SRC_GPA, EDU_BUF, 0);
	edu_dma_one(r, EDU_BUF, to, 2);
	printf("dev: DMA to 0x%llx done\n", to);
	if (to + sizeof(dma_pattern) <= boot_info->ram_size)
		printf("dev: own RAM at 0x%llx %s\n", to,
		       memcmp((void *)to, dma_pattern, sizeof(dma_pattern)) ? "unchanged"
									    : "has the pattern");
}

/*
 * Use the functions the partition owns: find each on the virtual bus, size and
 * map BAR 0, read its first register, check EDU's liveness register, then try
 * what vPCI must refuse (move BAR 0, I/O decode; bus mastering without an
 * IOMMU) and, with dma= (and dma2=), make EDU DMA a pattern to that bus
 * address: our own GPA when the IOMMU maps our RAM, nowhere without it.
 */
static int attack_dev(void)
{
	volatile u8 *ecam = (volatile u8 *)boot_info->ecam_base;
	u64 dma = 0, dma2 = 0;

	arg_u64("dma", &dma);
	arg_u64("dma2", &dma2);
	if (map_identity(boot_info->ecam_base, 1 * MiB, true))
		return 1;
	printf("dev: %u function(s) in the boot information\n", boot_info->dev_count);
	for (u32 i = 0; i < boot_info->dev_count; i++) {
		u32 devfn = boot_info->devs[i].bdf & 0xff, bar0, size, after;
		volatile u8 *cfg = ecam + (devfn << 12);
		volatile u32 *mmio;
		u64 base;

		bar0 = cfg32(cfg, 0x10);
		base = (bar0 & ~0xfULL) | ((bar0 & 6) == 4 ? (u64)cfg32(cfg, 0x14) << 32 : 0);
		cfg32_set(cfg, 0x10, 0xffffffff);
		size = ~(cfg32(cfg, 0x10) & ~0xfU) + 1;
		cfg32_set(cfg, 0x10, bar0);
		*(volatile u16 *)(cfg + 4) = 0x0002; /* memory decode on */
		if (map_identity(base, size, true))
			return 1;
		mmio = (volatile u32 *)base;
		mmio[1] = 0x12345678;
		printf("dev: 00:%02x.%x %08x bar0 0x%llx size 0x%x reg0 0x%x live 0x%x\n",
		       devfn >> 3, devfn & 7, cfg32(cfg, 0), base, size, mmio[0], mmio[1]);
		cfg32_set(cfg, 0x10, 0xfee00000);
		*(volatile u16 *)(cfg + 4) = 0x0007;
		after = cfg32(cfg, 0x10);
		printf("dev: after moving BAR 0 and enabling I/O and bus mastering: bar0 0x%x cmd 0x%x\n",
		       after, *(volatile u16 *)(cfg + 4));
		if (dma)
			edu_dma(mmio, dma);
		if (dma2)
			edu_dma(mmio, dma2);
	}
	heartbeat_forever();
	return 0;
}

/*
 * INIT and SIPI to another CPU through the xAPIC page (ICR high, then low),
 * as an OS would start an AP: dest= names the APIC ID (default 1).
 */
static int attack_xapic(void)
{
	u64 dest = 1;

	arg_u64("dest", &dest);
	if (apic_init(false))
		return 1;
	printf("attack: SVR 0, then INIT and SIPI to APIC ID %llu through the xAPIC ICR\n", dest);
	apic_write(0xf0,
		   0); /* software-disable the APIC of the CPU we run on, were it the host's */
	apic_send_icr((u32)dest, APIC_ICR_INIT | APIC_ICR_ASSERT);
	delay_ms(10);
	apic_send_icr((u32)dest, APIC_ICR_SIPI | APIC_ICR_ASSERT | 0x10); /* start at 0x10000 */
	printf("attack: the ICR writes went through (APIC ID reads 0x%x)\n", apic_id());
	halt_forever();
}

/*
 * Byte writes to ports that are the host's: io=PORT:VALUE,PORT:VALUE,...
 * (the PIC, the PIT, reset registers). Then halt: what happened is judged
 * from outside (QEMU's trace of the devices behind those ports).
 */
static int attack_io(void)
{
	char list[128] = "", *p = list;
	u32 n = 0;

	arg_str("io", list, sizeof(list));
	while (*p) {
		bool ok1, ok2;
		char *colon = p, *end;
		u64 port, val;

		while (*colon && *colon != ':')
			colon++;
		end = colon;
		while (*end && *end != ',')
			end++;
		if (!*colon)
			break;
		*colon = '\0';
		if (*end)
			*end++ = '\0';
		port = parse_num(p, &ok1);
		val = parse_num(colon + 1, &ok2);
		p = end;
		if (!ok1 || !ok2)
			continue;
		printf("attack: outb 0x%llx -> port 0x%llx\n", val, port);
		outb((u16)port, (u8)val);
		n++;
	}
	printf("attack: %u port writes done\n", n);
	halt_forever();
}

/* --- probe: CPUID and MSRs as the partition sees them --- */

static u32 probe_msr;
static u64 probe_val;

static void probe_rdmsr(void *arg)
{
	(void)arg;
	probe_val = rdmsr(probe_msr);
}

static void probe_wrmsr(void *arg)
{
	(void)arg;
	wrmsr(probe_msr, probe_val);
}

static void probe_vmload(void *arg)
{
	(void)arg;
	__asm__ __volatile__("vmload %%rax" ::"a"(0x1000ULL) : "memory");
}

static void probe_msr_access(const char *name, bool write, u32 msr, u64 val)
{
	int vec;

	probe_msr = msr;
	probe_val = val;
	if (try_call(write ? probe_wrmsr : probe_rdmsr, NULL, &vec))
		printf("probe: %s fault %d\n", name, vec);
	else
		printf("probe: %s ok 0x%llx\n", name, probe_val);
}

static int attack_probe(void)
{
	char sig[13];
	u32 r[4];
	int vec;

	cpuid(1, 0, r);
	printf("probe: cpuid1 ebx=0x%x ecx=0x%x edx=0x%x\n", r[1], r[2], r[3]);
	cpuid(0x80000001, 0, r);
	printf("probe: cpuid80000001 ecx=0x%x edx=0x%x\n", r[2], r[3]);
	cpuid(0x8000000a, 0, r);
	printf("probe: cpuid8000000a eax=0x%x ebx=0x%x edx=0x%x\n", r[0], r[1], r[3]);
	cpuid(HV_CPUID_BASE, 0, r);
	memcpy(sig, &r[1], 12);
	sig[12] = '\0';
	printf("probe: cpuid40000000 eax=0x%x sig=%s\n", r[0], sig);
	probe_msr_access("rdmsr-efer", false, 0xc0000080, 0);
	probe_msr_access("wrmsr-efer-svme", true, 0xc0000080, rdmsr(0xc0000080) | (1 << 12));
	probe_msr_access("rdmsr-vm-hsave", false, 0xc0010117, 0);
	probe_msr_access("wrmsr-vm-hsave", true, 0xc0010117, 0x1000);
	probe_msr_access("wrmsr-apic-base", true, 0x1b, 0xfec00900); /* moving the (virtual) APIC */
	probe_msr_access("wrmsr-mtrr-physbase0", true, 0x200, 0x6);  /* kept per vCPU */
	probe_msr_access("wrmsr-mtrr-physbase0-type2", true, 0x200, 0x2); /* reserved type */
	probe_msr_access("wrmsr-pat-good", true, 0x277, 0x0007040600070406ULL);
	probe_msr_access("wrmsr-pat-bad", true, 0x277, 0x0007040600070402ULL);
	probe_msr_access("rdmsr-pat", false, 0x277, 0);
	if (try_call(probe_vmload, NULL, &vec))
		printf("probe: vmload fault %d\n", vec);
	else
		printf("probe: vmload ok\n");
	printf("probe: done\n");
	heartbeat_forever();
	return 0;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} modes[] = {
		{ "npf", attack_npf },     { "triple", attack_triple },
		{ "flood", attack_flood }, { "ioport", attack_ioport },
		{ "hcall", attack_hcall }, { "pattern", attack_pattern },
		{ "probe", attack_probe }, { "pci", attack_pci },
		{ "dev", attack_dev },     { "net", attack_net },
		{ "xapic", attack_xapic }, { "io", attack_io },
	};
	char mode[16] = "";
	u64 delay = 0;

	arg_str("mode", mode, sizeof(mode));
	arg_u64("delay", &delay); /* let the other partitions show they run first */
	printf("attack guest %s: mode %s\n", boot_info->name, mode[0] ? mode : "(none)");
	delay_ms(delay);
	for (u32 i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(mode, modes[i].name))
			return modes[i].fn();
	heartbeat_forever();
	return 0;
}
