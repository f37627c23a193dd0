// SPDX-License-Identifier: MIT
/* mmio.c: fetch and decode a guest's MOV to an emulated MMIO page (SDM Vol. 2, chapter 2). */
#include "kernel/mmio.h"
#include "kernel/io.h"
#include "kernel/string.h"

#define PTE_P    BIT(0)
#define PTE_PS   BIT(7)
#define PTE_ADDR GENMASK(51, 12)
#define CR4_PSE  BIT(4)
#define CR4_LA57 BIT(12)
#define REX_W    BIT(3)
#define REX_R    BIT(2)

static bool mmio_ignored_prefix(u8 b)
{
	/* Segment overrides do not matter with flat segments; 0x67 only changes the address. */
	return b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 ||
	       b == 0x67;
}

/* Bytes of ModRM, SIB and displacement starting at code[0]; -EINVAL for a register operand. */
static int mmio_modrm_len(const u8 *code, size_t len)
{
	u8 mod, rm;
	int n = 1;

	if (len < 1)
		return -EINVAL;
	mod = code[0] >> 6;
	rm = code[0] & 7;
	if (mod == 3)
		return -EINVAL; /* not a memory access */
	if (rm == 4) {
		if (len < 2)
			return -EINVAL;
		n++;
		if (mod == 0 && (code[1] & 7) == 5)
			n += 4; /* SIB with no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		n += 4; /* disp32 (RIP-relative in 64-bit mode) */
	}
	n += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return (size_t)n <= len ? n : -EINVAL;
}

/* Read a little-endian immediate of `size` bytes (1, 2 or 4), sign-extended when wide. */
static u64 mmio_imm(const u8 *p, u8 size, bool sext64)
{
	u64 v = 0;

	memcpy(&v, p, size);
	if (size == 4 && sext64 && (v & BIT(31)))
		v |= GENMASK(63, 32);
	return v;
}

struct mmio_op {
	bool write, imm, byte, movzx16;
	u8 dest_size;
};

/* The opcodes accepted; 0 or -EINVAL. twobyte: it followed 0x0F. */
static int mmio_opcode(u8 op, bool twobyte, u8 osz, struct mmio_op *o)
{
	memset(o, 0, sizeof(*o));
	if (twobyte) {
		if (op != 0xb6 && op != 0xb7)
			return -EINVAL;
		o->byte = op == 0xb6;    /* MOVZX r, r/m8 */
		o->movzx16 = op == 0xb7; /* MOVZX r, r/m16 */
		o->dest_size = osz;
		return 0;
	}
	switch (op) {
	case 0x88: /* MOV r/m8, r8 */
		o->write = o->byte = true;
		break;
	case 0x89: /* MOV r/m, r */
		o->write = true;
		break;
	case 0x8a: /* MOV r8, r/m8 */
		o->byte = true;
		o->dest_size = 1;
		break;
	case 0x8b: /* MOV r, r/m */
		o->dest_size = osz;
		break;
	case 0xc6: /* MOV r/m8, imm8 */
		o->write = o->imm = o->byte = true;
		break;
	case 0xc7: /* MOV r/m, imm16/32 */
		o->write = o->imm = true;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Skip legacy prefixes and REX; returns the opcode index or -EINVAL. */
static int mmio_prefixes(const u8 *code, size_t len, bool long_mode, bool *opsize16, u8 *rex)
{
	size_t i = 0;

	for (; i < len && i < MMIO_INSN_MAX; i++) {
		if (code[i] == 0x66)
			*opsize16 = true;
		else if (code[i] == 0x67 && !long_mode)
			return -EINVAL; /* 16-bit addressing: another ModRM encoding */
		else if (!mmio_ignored_prefix(code[i]))
			break;
	}
	if (i < len && code[i] == 0xf0)
		return -EINVAL; /* LOCK, and REP/REPNE below: not a plain load or store */
	if (i < len && (code[i] == 0xf2 || code[i] == 0xf3))
		return -EINVAL;
	if (long_mode && i < len && (code[i] & 0xf0) == 0x40)
		*rex = code[i++];
	return i < len ? (int)i : -EINVAL;
}

int mmio_decode(const u8 *code, size_t len, bool long_mode, struct mmio_insn *out)
{
	size_t n = MIN(len, (size_t)MMIO_INSN_MAX);
	bool opsize16 = false, twobyte;
	u8 rex = 0, osz;
	struct mmio_op o;
	int i = mmio_prefixes(code, n, long_mode, &opsize16, &rex);
	int m;

	if (i < 0)
		return -EINVAL;
	twobyte = code[i] == 0x0f;
	i += twobyte;
	osz = (rex & REX_W) ? 8 : opsize16 ? 2 : 4;
	if ((size_t)i == n || mmio_opcode(code[i], twobyte, osz, &o))
		return -EINVAL;
	i++;
	if (o.imm && (size_t)i < n && ((code[i] >> 3) & 7) != 0)
		return -EINVAL; /* C6/C7 with a reg field other than /0 */
	m = mmio_modrm_len(code + i, n - (size_t)i);
	if (m < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->write = o.write;
	out->size = o.byte ? 1 : o.movzx16 ? 2 : osz;
	out->dest_size = o.dest_size;
	out->reg = ((code[i] >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
	out->high8 = out->size == 1 && !rex && out->reg >= 4 && !o.imm && o.dest_size <= 1;
	if (out->high8)
		out->reg -= 4;
	i += m;
	if (o.imm) {
		u8 isz = out->size == 8 ? 4 : out->size;

		if ((size_t)i + isz > n)
			return -EINVAL;
		out->has_imm = true;
		out->imm = mmio_imm(code + i, isz, out->size == 8);
		i += isz;
	}
	out->len = (u8)i;
	return 0;
}

/* Read a page-table entry of `size` bytes at guest-physical off; false when outside RAM. */
static bool mmio_pte(const u8 *ram, u64 ram_size, u64 off, u32 size, u64 *e)
{
	*e = 0;
	if (!range_ok(off, size, ram_size))
		return false;
	memcpy(e, ram + off, size);
	return true;
}

/* 4-level long-mode paging (2 MiB and 1 GiB pages included). */
static int mmio_walk_long(const u8 *ram, u64 ram_size, u64 cr3, u64 gva, u64 *gpa)
{
	u64 table = cr3 & PTE_ADDR;

	for (int level = 4; level >= 1; level--) {
		u64 shift = 12 + 9 * (level - 1), e;

		if (!mmio_pte(ram, ram_size, table + ((gva >> shift) & 511) * 8, 8, &e) ||
		    !(e & PTE_P))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			u64 mask = (1ULL << shift) - 1;

			*gpa = (e & PTE_ADDR & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -EFAULT;
}

/* PAE paging: a 4-entry PDPT at CR3[31:5], then 2 MiB or 4 KiB pages (SDM Vol. 3A 5.4). */
static int mmio_walk_pae(const u8 *ram, u64 ram_size, u64 cr3, u64 gva, u64 *gpa)
{
	u64 e, pd;

	if (!mmio_pte(ram, ram_size, (cr3 & 0xffffffe0) + ((gva >> 30) & 3) * 8, 8, &e) ||
	    !(e & PTE_P))
		return -EFAULT;
	pd = e & PTE_ADDR;
	if (!mmio_pte(ram, ram_size, pd + ((gva >> 21) & 511) * 8, 8, &e) || !(e & PTE_P))
		return -EFAULT;
	if (e & PTE_PS) {
		*gpa = (e & PTE_ADDR & ~0x1fffffULL) | (gva & 0x1fffff);
		return 0;
	}
	if (!mmio_pte(ram, ram_size, (e & PTE_ADDR) + ((gva >> 12) & 511) * 8, 8, &e) ||
	    !(e & PTE_P))
		return -EFAULT;
	*gpa = (e & PTE_ADDR) | (gva & 0xfff);
	return 0;
}

/* 32-bit paging: 4 MiB pages with CR4.PSE (PSE-36 bits 20:13 above 4 GiB), else 4 KiB. */
static int mmio_walk_32(const u8 *ram, u64 ram_size, u64 cr3, u64 cr4, u64 gva, u64 *gpa)
{
	u64 e;

	if (!mmio_pte(ram, ram_size, (cr3 & 0xfffff000) + ((gva >> 22) & 1023) * 4, 4, &e) ||
	    !(e & PTE_P))
		return -EFAULT;
	if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
		*gpa = (e & 0xffc00000) | ((e >> 13) & 0xff) << 32 | (gva & 0x3fffff);
		return 0;
	}
	if (!mmio_pte(ram, ram_size, (e & 0xfffff000) + ((gva >> 12) & 1023) * 4, 4, &e) ||
	    !(e & PTE_P))
		return -EFAULT;
	*gpa = (e & 0xfffff000) | (gva & 0xfff);
	return 0;
}

int mmio_gva_to_gpa(const u8 *ram, u64 ram_size, const struct mmio_paging *pg, u64 gva, u64 *gpa)
{
	if (!(pg->efer & EFER_LMA))
		gva &= 0xffffffff; /* linear addresses are 32 bits outside long mode */
	if (!(pg->cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (pg->efer & EFER_LMA)
		return (pg->cr4 & CR4_LA57) ? -EFAULT
					    : mmio_walk_long(ram, ram_size, pg->cr3, gva, gpa);
	if (pg->cr4 & CR4_PAE)
		return mmio_walk_pae(ram, ram_size, pg->cr3, gva, gpa);
	return mmio_walk_32(ram, ram_size, pg->cr3, pg->cr4, gva, gpa);
}

int mmio_fetch(const u8 *ram, u64 ram_size, const struct mmio_paging *pg, u64 gva, u8 *buf)
{
	int got = 0;

	while (got < MMIO_INSN_MAX) {
		u64 a = gva + (u64)got, gpa;
		int n = (int)MIN((u64)(MMIO_INSN_MAX - got), PAGE_SIZE - (a & (PAGE_SIZE - 1)));

		if (mmio_gva_to_gpa(ram, ram_size, pg, a, &gpa) || !range_ok(gpa, (u64)n, ram_size))
			break;
		memcpy(buf + got, ram + gpa, (size_t)n);
		got += n;
	}
	return got ? got : -EFAULT;
}

u64 *mmio_gpr(struct vcpu_regs *r, u8 reg)
{
	static const size_t off[16] = {
		offsetof(struct vcpu_regs, rax), offsetof(struct vcpu_regs, rcx),
		offsetof(struct vcpu_regs, rdx), offsetof(struct vcpu_regs, rbx),
		offsetof(struct vcpu_regs, rsp), offsetof(struct vcpu_regs, rbp),
		offsetof(struct vcpu_regs, rsi), offsetof(struct vcpu_regs, rdi),
		offsetof(struct vcpu_regs, r8),  offsetof(struct vcpu_regs, r9),
		offsetof(struct vcpu_regs, r10), offsetof(struct vcpu_regs, r11),
		offsetof(struct vcpu_regs, r12), offsetof(struct vcpu_regs, r13),
		offsetof(struct vcpu_regs, r14), offsetof(struct vcpu_regs, r15),
	};

	return (u64 *)((u8 *)r + off[reg & 15]);
}

static u64 mmio_mask(u8 size)
{
	return size >= 8 ? ~0ULL : BIT(8 * size) - 1;
}

u64 mmio_store_value(struct vcpu_regs *r, const struct mmio_insn *in)
{
	u64 v;

	if (in->has_imm)
		return in->imm & mmio_mask(in->size);
	v = *mmio_gpr(r, in->reg);
	return (in->high8 ? v >> 8 : v) & mmio_mask(in->size);
}

void mmio_load_result(struct vcpu_regs *r, const struct mmio_insn *in, u64 val)
{
	u64 *g = mmio_gpr(r, in->reg);

	val &= mmio_mask(in->size);
	if (in->high8)
		*g = (*g & ~GENMASK(15, 8)) | (val << 8);
	else if (in->dest_size >= 4)
		*g = val; /* a 32-bit destination clears the upper half */
	else
		*g = (*g & ~mmio_mask(in->dest_size)) | val;
}
