/* SPDX-License-Identifier: MIT */
/*
 * msix.h: MSI-X for minimal guests, as a bare-metal driver does it (PCIe Base
 * 4.0 7.7.2): find the capability, map the table's BAR, write an entry's
 * message (address 0xFEE00000 | APIC ID << 12, data = vector, fixed, edge),
 * enable MSI-X and unmask the entry. The hypervisor traps the table and
 * decides what the real entry holds.
 */
#ifndef GUESTS_LIB_MSIX_H
#define GUESTS_LIB_MSIX_H

#include "guests/lib/guest.h"

/* Entry `entry` of function devfn's table raises `vector` on APIC ID `apic_id`. 0 or -1. */
int msix_route(u8 devfn, u16 entry, u8 vector, u32 apic_id);

#endif
