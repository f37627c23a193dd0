// SPDX-License-Identifier: MIT
/* hypercall.c: hypercalls of partitions; every argument is untrusted and checked first. */
#include "kernel/hypercall.h"
#include "kernel/hvabi.h"
#include "kernel/part.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define HC_CHUNK 256 /* console data is copied in this many bytes at a time */

static void hc_refuse_log(struct vcpu *v, u64 nr, const char *why)
{
	struct partition *p = v->part;
	u32 n;

	p->refused_hypercalls++;
	n = ratelimit_check(&p->log_rl);
	if (n)
		printk(LOG_WARN, "%s: warning: hypercall 0x%llx from vCPU %u refused: %s%s\n",
		       p->name, nr, v->index, why, n > 1 ? " (more suppressed)" : "");
}

static s64 hc_console_write(struct vcpu *v, u64 gpa, u64 len)
{
	struct partition *p = v->part;
	char buf[HC_CHUNK];

	if (len > HV_CONSOLE_MAX)
		return -HV_EINVAL;
	if (!part_gpa(p, gpa, len))
		return -HV_EFAULT;
	for (u64 off = 0; off < len; off += HC_CHUNK) {
		u64 n = MIN(HC_CHUNK, len - off);

		/* Copy in first: another vCPU of the guest may change the bytes meanwhile. */
		memcpy(buf, part_gpa(p, gpa + off, n), n);
		part_console_write(p, buf, n);
	}
	return (s64)len;
}

static s64 hc_part_info(struct vcpu *v, u64 gpa, u64 size)
{
	struct partition *p = v->part;
	struct hv_part_info info;
	u64 n = MIN(size, sizeof(info));
	void *dst;

	if (size == 0)
		return -HV_EINVAL;
	dst = part_gpa(p, gpa, n);
	if (!dst)
		return -HV_EFAULT;
	memset(&info, 0, sizeof(info));
	memcpy(info.name, p->name, sizeof(info.name));
	info.part_id = p->id;
	info.vcpu = v->index;
	info.cpu_count = p->vcpu_count;
	info.host_cpu = v->cpu;
	info.ram_size = p->ram_size;
	info.exits = v->exits_total;
	for (u32 i = 0; i < VCPU_EXIT_COUNT; i++)
		info.exit_reasons[i] = v->exits[i];
	info.irq_injected = v->irqs.injected;
	info.irq_timer = v->irqs.timer;
	info.irq_ipi = v->irqs.ipi;
	info.irq_msi = v->irqs.msi;
	memcpy(dst, &info, n);
	return (s64)n;
}

static s64 hc_shutdown(struct vcpu *v, u64 code)
{
	if (code > 255)
		return -HV_EINVAL;
	part_stop(v->part, "shut down by the guest (code %llu)", code);
	return 0;
}

static const char *hc_errname(s64 r)
{
	switch (-r) {
	case HV_EPERM:
		return "not called from CPL 0";
	case HV_EFAULT:
		return "buffer outside the partition's RAM";
	case HV_EINVAL:
		return "invalid argument";
	case HV_ENOSYS:
		return "unknown hypercall number";
	default:
		return "refused";
	}
}

void hypercall_dispatch(struct vcpu *v, u8 cpl)
{
	struct vcpu_regs *r = &v->regs;
	u64 nr = r->rax;
	s64 ret;

	if (cpl != 0) {
		ret = -HV_EPERM;
	} else {
		switch (nr) {
		case HV_HC_CONSOLE_WRITE:
			ret = hc_console_write(v, r->rdi, r->rsi);
			break;
		case HV_HC_PART_INFO:
			ret = hc_part_info(v, r->rdi, r->rsi);
			break;
		case HV_HC_YIELD:
			ret = 0;
			break;
		case HV_HC_SHUTDOWN:
			ret = hc_shutdown(v, r->rdi);
			break;
		default:
			ret = -HV_ENOSYS;
			break;
		}
	}
	if (ret < 0)
		hc_refuse_log(v, nr, hc_errname(ret));
	r->rax = (u64)ret;
}
