/* SPDX-License-Identifier: MIT */
/*
 * mmio.h: emulating a guest's access to an intercepted MMIO page (a virtual
 * ECAM window, later a VF's MSI-X table): fetch the faulting instruction
 * through the guest's own page tables, decode the MOV that made the access,
 * complete it against a handler. Decoding and the page walk are pure
 * functions over a copy of guest memory, so host unit tests run them.
 */
#ifndef KERNEL_MMIO_H
#define KERNEL_MMIO_H

#include "kernel/types.h"
#include "kernel/vcpu.h"

#define MMIO_INSN_MAX 15 /* longest x86 instruction */

/* One decoded memory access (MOV, MOVZX) to an emulated page. */
struct mmio_insn {
	u8 len;       /* instruction length in bytes */
	u8 size;      /* bytes accessed: 1, 2, 4 or 8 */
	bool write;   /* guest stores (else loads) */
	bool has_imm; /* a store of an immediate (imm), not of a register */
	u64 imm;
	u8 reg;       /* register operand, x86 numbering 0-15 (RAX, RCX, RDX, RBX, RSP, ...) */
	bool high8;   /* the register is AH, CH, DH or BH */
	u8 dest_size; /* loads: bytes of the register written (MOVZX widens) */
};

/*
 * Decode the instruction in code[0, len) as executed in 64-bit mode
 * (long_mode) or 32-bit protected mode. Only register/immediate MOVs to
 * memory and MOV/MOVZX loads from memory are accepted; anything else (LOCK,
 * REP, register-to-register forms, other opcodes) returns -EINVAL.
 */
int mmio_decode(const u8 *code, size_t len, bool long_mode, struct mmio_insn *out);

/* Guest paging state for a walk. */
struct mmio_paging {
	u64 cr0, cr3, cr4, efer;
};

/*
 * Translate a guest-virtual address with the guest's page tables, read from
 * ram[0, ram_size) (guest-physical 0 onwards): identity without paging,
 * else 4-level long-mode paging (2 MiB and 1 GiB pages included), PAE paging
 * or 32-bit paging (4 MiB pages with CR4.PSE). Any table outside RAM, a
 * not-present entry or 5-level paging is -EFAULT.
 */
int mmio_gva_to_gpa(const u8 *ram, u64 ram_size, const struct mmio_paging *pg, u64 gva, u64 *gpa);

/*
 * Copy the instruction bytes at gva (up to MMIO_INSN_MAX, stopping early at an
 * unmapped page) into buf. Returns the number of bytes copied, or -EFAULT.
 */
int mmio_fetch(const u8 *ram, u64 ram_size, const struct mmio_paging *pg, u64 gva, u8 *buf);

/* A general register by its x86 number (0 = RAX ... 15 = R15). */
u64 *mmio_gpr(struct vcpu_regs *r, u8 reg);

/* The value a decoded store writes. */
u64 mmio_store_value(struct vcpu_regs *r, const struct mmio_insn *in);

/* Put the value a decoded load read into its register (zero- or merge-extended as x86 does). */
void mmio_load_result(struct vcpu_regs *r, const struct mmio_insn *in, u64 val);

#endif
