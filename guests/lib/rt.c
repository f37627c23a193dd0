// SPDX-License-Identifier: MIT
/* rt.c: guest start-up, exceptions, hypercalls, command line, time, memory. */
#include "guests/lib/guest.h"

const struct hv_boot_info *boot_info;
static bool use_vmcall;       /* Intel: VMCALL; AMD: VMMCALL */
static volatile int rt_ready; /* vCPU 0 has set up what the others use */

struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, reserved;
} __attribute__((packed));

extern const u64 exc_stubs[32];
u64 irq_stub(u32 vector); /* irq.S: vectors 32-255 */
static struct idt_gate idt[256] __attribute__((aligned(16)));

int guest_setjmp(u64 buf[8]);
void __noreturn guest_longjmp(u64 buf[8], int val);
void guest_start(const struct hv_boot_info *bi, u64 vcpu);
void guest_exception(struct exc_frame *f);

static u64 fault_jmp[8];
static volatile bool fault_armed;
static volatile int fault_vec;

static void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)idt };

	__asm__ __volatile__("lidt %0" ::"m"(idtr));
}

static void idt_build(void)
{
	for (u32 v = 0; v < 256; v++) {
		u64 a = v < 32 ? exc_stubs[v] : irq_stub(v);

		idt[v] = (struct idt_gate){ (u16)a,         HV_SEL_CODE,    0, 0x8e,
					    (u16)(a >> 16), (u32)(a >> 32), 0 };
	}
}

void guest_exception(struct exc_frame *f)
{
	if (fault_armed) {
		fault_armed = false;
		fault_vec = (int)f->vector;
		guest_longjmp(fault_jmp, 1);
	}
	printf("exception %llu at RIP 0x%llx, error 0x%llx, CR2 side: RSP 0x%llx\n", f->vector,
	       f->rip, f->error, f->rsp);
	hv_shutdown(128 + (u32)f->vector);
}

int try_call(void (*fn)(void *), void *arg, int *vec)
{
	if (guest_setjmp(fault_jmp)) {
		*vec = fault_vec;
		return -1;
	}
	fault_armed = true;
	fn(arg);
	fault_armed = false;
	return 0;
}

s64 hypercall(u64 nr, u64 a1, u64 a2, u64 a3)
{
	s64 ret;

	if (use_vmcall)
		__asm__ __volatile__("vmcall"
				     : "=a"(ret)
				     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
				     : "memory");
	else
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret)
				     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
				     : "memory");
	return ret;
}

void hv_shutdown(u32 code)
{
	hypercall(HV_HC_SHUTDOWN, code, 0, 0);
	halt_forever(); /* not reached: the partition has stopped */
}

__attribute__((weak)) void ap_main(u32 vcpu)
{
	(void)vcpu;
	halt_forever();
}

static void rt_detect_vendor(void)
{
	u32 r[4];

	cpuid(0, 0, r);
	/* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel" */
	use_vmcall = r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

void guest_start(const struct hv_boot_info *bi, u64 vcpu)
{
	int r;

	if (vcpu != 0) {
		while (!__atomic_load_n(&rt_ready, __ATOMIC_ACQUIRE))
			cpu_relax();
		idt_load();
		ap_main((u32)vcpu);
		halt_forever();
	}
	rt_detect_vendor();
	idt_build();
	idt_load();
	if (bi->magic != HV_BOOT_MAGIC || bi->version != HV_BOOT_VERSION) {
		console_write("guest: bad boot information\n", 28);
		halt_forever();
	}
	boot_info = bi;
	__atomic_store_n(&rt_ready, 1, __ATOMIC_RELEASE);
	r = main();
	printf("main returned %d\n", r);
	hv_shutdown((u32)r & 0xff);
}

/* --- command line: "key=value" words --- */

bool arg_str(const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *s = boot_info->cmdline;

	while (*s) {
		size_t n = 0;

		while (*s == ' ')
			s++;
		while (s[n] && s[n] != ' ')
			n++;
		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen >= len)
				return false;
			memcpy(buf, s + klen + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
		s += n;
	}
	return false;
}

bool arg_u64(const char *key, u64 *out)
{
	char buf[32];
	bool ok;
	u64 v;

	if (!arg_str(key, buf, sizeof(buf)))
		return false;
	v = parse_num(buf, &ok);
	if (ok)
		*out = v;
	return ok;
}

/* --- time --- */

#define TSC_GUESS_PER_MS 2000000ULL /* 2 GHz when the hypervisor does not know */

u64 tsc_per_ms(void)
{
	return boot_info->tsc_khz ? boot_info->tsc_khz : TSC_GUESS_PER_MS;
}

void delay_ms(u64 ms)
{
	u64 end = rdtsc() + ms * tsc_per_ms();

	while (rdtsc() < end)
		cpu_relax();
}

/* --- memory --- */

void *alloc_pages(size_t n)
{
	static u64 next;
	u64 p;

	if (!next)
		next = (boot_info->image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (n > (boot_info->ram_size - next) / PAGE_SIZE)
		return NULL;
	p = next;
	next += n * PAGE_SIZE;
	memset((void *)p, 0, n * PAGE_SIZE);
	return (void *)p;
}

#define PTE_P    0x1ULL
#define PTE_RW   0x2ULL
#define PTE_PWT  0x8ULL
#define PTE_PCD  0x10ULL
#define PTE_PS   0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL

static u64 *pt_next(u64 *table, unsigned idx)
{
	if (!(table[idx] & PTE_P)) {
		u64 *t = alloc_pages(1);

		if (!t)
			return NULL;
		table[idx] = (u64)t | PTE_P | PTE_RW;
	}
	return (u64 *)(table[idx] & PTE_ADDR);
}

int map_identity(u64 pa, u64 size, bool uncached)
{
	u64 cr3;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	for (u64 a = pa & ~(2 * MiB - 1); a < pa + size; a += 2 * MiB) {
		u64 *pml4 = (u64 *)(cr3 & PTE_ADDR);
		u64 *pdpt = pt_next(pml4, (a >> 39) & 511);
		u64 *pd = pdpt ? pt_next(pdpt, (a >> 30) & 511) : NULL;

		if (!pd)
			return -1;
		pd[(a >> 21) & 511] =
			a | PTE_P | PTE_RW | PTE_PS | (uncached ? PTE_PCD | PTE_PWT : 0);
	}
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(cr3) : "memory");
	return 0;
}
