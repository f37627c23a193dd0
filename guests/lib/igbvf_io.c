// SPDX-License-Identifier: MIT
/* igbvf_io.c: the VF's registers as uncached MMIO (BAR 0 mapped by igbvf_probe()). */
#include "guests/lib/igbvf.h"

u32 igbvf_read32(const struct igbvf *vf, u32 off)
{
	return *(volatile const u32 *)(vf->regs + off);
}

void igbvf_write32(const struct igbvf *vf, u32 off, u32 v)
{
	*(volatile u32 *)(vf->regs + off) = v;
}
