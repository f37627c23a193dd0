// SPDX-License-Identifier: MIT
/*
 * hello.c: the heartbeat guest. Prints who it is, then "heartbeat N" every
 * beat= milliseconds (default 1000); with beats=N it shuts down after N.
 * Its other vCPUs, if any, report in once and halt.
 */
#include "guests/lib/guest.h"

/* Every other vCPU says where it runs (CPUID's APIC ID and the hypervisor's view), then halts. */
void ap_main(u32 vcpu)
{
	struct hv_part_info info;
	u32 r[4];

	cpuid(1, 0, r);
	hypercall(HV_HC_PART_INFO, (u64)&info, sizeof(info), 0);
	printf("vCPU %u of %u up: APIC ID %u, host CPU %u\n", vcpu, boot_info->cpu_count,
	       r[1] >> 24, info.host_cpu);
	halt_forever();
}

int main(void)
{
	u64 beat_ms = 1000, beats = 0;

	arg_u64("beat", &beat_ms);
	arg_u64("beats", &beats);
	printf("hello from %s: %llu MiB RAM, %u vCPU(s), command line \"%s\"\n", boot_info->name,
	       boot_info->ram_size / MiB, boot_info->cpu_count, boot_info->cmdline);
	for (u64 n = 1; !beats || n <= beats; n++) {
		delay_ms(beat_ms);
		printf("heartbeat %llu\n", n);
	}
	return 0;
}
