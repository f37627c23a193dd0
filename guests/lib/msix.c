// SPDX-License-Identifier: MIT
/* msix.c: one MSI-X entry of a function on the partition's bus, programmed and unmasked. */
#include "guests/lib/msix.h"
#include "guests/lib/pci.h"

/* clang-format off */
#define PCI_CAP_ID_MSIX     0x11
#define MSIX_CTRL           0x02 /* Message Control */
#define  MSIX_CTRL_QSIZE    0x07ff
#define  MSIX_CTRL_MASKALL  (1U << 14)
#define  MSIX_CTRL_ENABLE   (1U << 15)
#define MSIX_TABLE          0x04 /* Table Offset / Table BIR */
#define  MSIX_BIR           0x7
#define MSIX_ENTRY_SIZE     16
#define MSIX_VCTRL_MASKED   1U
#define MSI_ADDR_BASE       0xfee00000U
/* clang-format on */

/* The table's address (its BAR mapped uncached), or 0. */
static volatile u32 *msix_table(u8 devfn, u16 cap)
{
	u32 t = pci_read32(devfn, cap + MSIX_TABLE);
	u64 size, bar = pci_bar(devfn, t & MSIX_BIR, &size);

	if (!bar || (t & ~MSIX_BIR) >= size || map_identity(bar, size, true))
		return 0;
	return (volatile u32 *)(bar + (t & ~MSIX_BIR));
}

int msix_route(u8 devfn, u16 entry, u8 vector, u32 apic_id)
{
	u16 cap = pci_find_cap(devfn, PCI_CAP_ID_MSIX), ctrl;
	volatile u32 *e;

	if (!cap)
		return -1;
	ctrl = pci_read16(devfn, cap + MSIX_CTRL);
	e = msix_table(devfn, cap);
	if (!e || entry > (ctrl & MSIX_CTRL_QSIZE))
		return -1;
	e += entry * MSIX_ENTRY_SIZE / 4;
	e[3] = MSIX_VCTRL_MASKED;
	e[0] = MSI_ADDR_BASE | (apic_id & 0xff) << 12;
	e[1] = 0;
	e[2] = vector;
	pci_write16(devfn, cap + MSIX_CTRL, (u16)((ctrl & ~MSIX_CTRL_MASKALL) | MSIX_CTRL_ENABLE));
	e[3] = 0;
	return 0;
}
