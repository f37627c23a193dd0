// SPDX-License-Identifier: MIT
/*
 * hello.c: the heartbeat guest. Prints who it is, then "heartbeat N" every
 * beat= milliseconds (default 1000); with beats=N it shuts down after N.
 */
#include "guests/lib/guest.h"

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
