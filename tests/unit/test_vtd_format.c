// SPDX-License-Identifier: MIT
/*
 * test_vtd_format.c: VT-d table entries, invalidation descriptors, remappable
 * MSIs and fault records, bit by bit against the VT-d spec (rev. 3.x) and the
 * reserved-bit checks QEMU's intel-iommu applies.
 */
// sources: kernel/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "iommu/vtd.h"

#define BITS(v, hi, lo) (((v) >> (lo)) & ((1ULL << ((hi) - (lo) + 1)) - 1))

static void test_root_entry(void **state)
{
	struct vtd_root_entry re = vtd_root_entry(0x12345000);

	(void)state;
	assert_int_equal(BITS(re.lo, 0, 0), 1);          /* P */
	assert_int_equal(BITS(re.lo, 11, 1), 0);         /* reserved */
	assert_int_equal(re.lo & ~0xfffULL, 0x12345000); /* CTP 63:12 */
	assert_int_equal(re.hi, 0);                      /* reserved in legacy mode */
}

static void test_context_entry(void **state)
{
	struct vtd_context_entry ce = vtd_context_entry(0xabcdef000ULL, 0x1234);

	(void)state;
	assert_int_equal(BITS(ce.lo, 0, 0), 1);              /* P */
	assert_int_equal(BITS(ce.lo, 1, 1), 0);              /* FPD: faults are reported */
	assert_int_equal(BITS(ce.lo, 3, 2), 0);              /* TT: second-level tables only */
	assert_int_equal(BITS(ce.lo, 11, 4), 0);             /* reserved */
	assert_int_equal(ce.lo & ~0xfffULL, 0xabcdef000ULL); /* SLPTPTR */
	assert_int_equal(BITS(ce.hi, 2, 0), 2);              /* AW: 48-bit, 4-level */
	assert_int_equal(BITS(ce.hi, 7, 3), 0);
	assert_int_equal(BITS(ce.hi, 23, 8), 0x1234); /* DID */
	assert_int_equal(BITS(ce.hi, 63, 24), 0);     /* reserved (QEMU checks) */
	assert_int_equal(vtd_context_did(&ce), 0x1234);
}

static void test_irte_xapic(void **state)
{
	struct vtd_irte e = vtd_irte_remapped(0x03, 0x41, 0x0118, false);

	(void)state;
	assert_int_equal(BITS(e.lo, 0, 0), 1);        /* P */
	assert_int_equal(BITS(e.lo, 1, 1), 0);        /* FPD */
	assert_int_equal(BITS(e.lo, 2, 2), 0);        /* DM: physical */
	assert_int_equal(BITS(e.lo, 3, 3), 0);        /* RH */
	assert_int_equal(BITS(e.lo, 4, 4), 0);        /* TM: edge */
	assert_int_equal(BITS(e.lo, 7, 5), 0);        /* DLM: fixed */
	assert_int_equal(BITS(e.lo, 14, 12), 0);      /* reserved */
	assert_int_equal(BITS(e.lo, 15, 15), 0);      /* IM: remapped, not posted */
	assert_int_equal(BITS(e.lo, 23, 16), 0x41);   /* vector */
	assert_int_equal(BITS(e.lo, 31, 24), 0);      /* reserved */
	assert_int_equal(BITS(e.lo, 63, 32), 0x0300); /* xAPIC ID in DST 15:8 */
	/* Source validation: only requests from 01:03.0 may use this entry. */
	assert_int_equal(BITS(e.hi, 15, 0), 0x0118); /* SID */
	assert_int_equal(BITS(e.hi, 17, 16), 0);     /* SQ: all 16 bits compared */
	assert_int_equal(BITS(e.hi, 19, 18), 1);     /* SVT: verify the requester ID */
	assert_int_equal(BITS(e.hi, 63, 20), 0);     /* reserved */
}

static void test_irte_x2apic(void **state)
{
	struct vtd_irte e = vtd_irte_remapped(0x12345, 0xfe, 0xff07, true);

	(void)state;
	assert_int_equal(BITS(e.lo, 63, 32), 0x12345); /* 32-bit x2APIC ID */
	assert_int_equal(BITS(e.lo, 23, 16), 0xfe);
	assert_int_equal(BITS(e.hi, 15, 0), 0xff07);
	assert_int_equal(BITS(e.hi, 19, 18), VTD_SVT_RID);
	/* An 8-bit destination never leaks into other DST bits in xAPIC mode. */
	e = vtd_irte_remapped(0x1ff, 0x30, 0, false);
	assert_int_equal(BITS(e.lo, 63, 32), 0xff00);
}

static void test_remappable_msi(void **state)
{
	struct msi_msg m = vtd_ir_msi(5);

	(void)state;
	assert_int_equal(BITS(m.addr, 31, 20), 0xfee);
	assert_int_equal(BITS(m.addr, 19, 5), 5); /* handle[14:0] */
	assert_int_equal(BITS(m.addr, 4, 4), 1);  /* remappable format */
	assert_int_equal(BITS(m.addr, 3, 3), 1);  /* SHV: data is the sub-handle */
	assert_int_equal(BITS(m.addr, 2, 2), 0);  /* handle[15] */
	assert_int_equal(BITS(m.addr, 63, 32), 0);
	assert_int_equal(m.data, 0);
	m = vtd_ir_msi(0x8001);
	assert_int_equal(BITS(m.addr, 19, 5), 1);
	assert_int_equal(BITS(m.addr, 2, 2), 1);
}

static void test_qi_context_cache(void **state)
{
	struct vtd_qi_desc d = vtd_qi_cc_global();

	(void)state;
	assert_int_equal(BITS(d.lo, 3, 0), 1); /* type */
	assert_int_equal(BITS(d.lo, 5, 4), 1); /* global */
	assert_int_equal(d.hi, 0);
	d = vtd_qi_cc_device(7, 0x0310);
	assert_int_equal(BITS(d.lo, 5, 4), 3);             /* device-selective */
	assert_int_equal(BITS(d.lo, 31, 16), 7);           /* DID */
	assert_int_equal(BITS(d.lo, 47, 32), 0x0310);      /* SID */
	assert_int_equal(BITS(d.lo, 49, 48), 0);           /* FM: no function mask */
	assert_int_equal(d.lo & 0xfffc00000000ffc0ULL, 0); /* reserved (QEMU's check) */
	assert_int_equal(d.hi, 0);
}

static void test_qi_iotlb(void **state)
{
	u64 drain = VTD_QI_IOTLB_DW | VTD_QI_IOTLB_DR;
	struct vtd_qi_desc d = vtd_qi_iotlb_global(drain);

	(void)state;
	assert_int_equal(BITS(d.lo, 3, 0), 2);
	assert_int_equal(BITS(d.lo, 5, 4), 1);
	assert_int_equal(BITS(d.lo, 7, 6), 3); /* DR, DW */
	d = vtd_qi_iotlb_domain(0x22, 0);
	assert_int_equal(BITS(d.lo, 5, 4), 2);
	assert_int_equal(BITS(d.lo, 31, 16), 0x22);
	assert_int_equal(d.hi, 0);
	d = vtd_qi_iotlb_page(3, 0x7f200000, 9, drain);
	assert_int_equal(BITS(d.lo, 5, 4), 3);
	assert_int_equal(BITS(d.lo, 31, 16), 3);
	assert_int_equal(BITS(d.hi, 5, 0), 9); /* AM */
	assert_int_equal(BITS(d.hi, 6, 6), 0); /* IH: tables are freed, flush them */
	assert_int_equal(d.hi & ~0xfffULL, 0x7f200000);
	assert_int_equal(d.lo & 0xffffffff0000f100ULL, 0); /* reserved (QEMU) */
	assert_int_equal(d.hi & 0xf80ULL, 0);
}

static void test_qi_iec_and_wait(void **state)
{
	struct vtd_qi_desc d = vtd_qi_iec_global();

	(void)state;
	assert_int_equal(BITS(d.lo, 3, 0), 4);
	assert_int_equal(BITS(d.lo, 4, 4), 0); /* global */
	d = vtd_qi_iec_index(0x1ab);
	assert_int_equal(BITS(d.lo, 4, 4), 1);   /* index-selective */
	assert_int_equal(BITS(d.lo, 31, 27), 0); /* IM: one entry */
	assert_int_equal(BITS(d.lo, 47, 32), 0x1ab);
	d = vtd_qi_wait(0x5000, 0xdeadbeef);
	assert_int_equal(BITS(d.lo, 3, 0), 5);
	assert_int_equal(BITS(d.lo, 4, 4), 0); /* IF: no interrupt */
	assert_int_equal(BITS(d.lo, 5, 5), 1); /* SW: status write */
	assert_int_equal(BITS(d.lo, 63, 32), 0xdeadbeef);
	assert_int_equal(d.lo & 0xffffff80ULL, 0); /* reserved (QEMU) */
	assert_int_equal(d.hi, 0x5000);
	assert_int_equal(d.hi & 3, 0);
}

static void test_psi_mask(void **state)
{
	(void)state;
	assert_int_equal(vtd_psi_am(0x1000, 0x1000), 0);
	assert_int_equal(vtd_psi_am(0x1000, 0x2000), 2); /* pages 1-2 need the 4-page block 0-3 */
	assert_int_equal(vtd_psi_am(0x200000, 0x200000), 9);
	assert_int_equal(vtd_psi_am(0x1ff000, 0x2000), 10); /* straddles 2 MiB */
	assert_int_equal(vtd_psi_am(0, 1ULL << 30), 18);
	for (u64 iova = 0; iova < (1 << 24); iova += 0x3000) {
		for (u64 size = 0x1000; size < (1 << 22); size = size * 3 + 0x1000) {
			unsigned int am = vtd_psi_am(iova, size);
			u64 base = iova & ~((0x1000ULL << am) - 1);

			u64 smaller = iova & ~((0x800ULL << am) - 1);

			assert_true(base <= iova && base + (0x1000ULL << am) >= iova + size);
			/* minimal: half the block would not cover the range */
			assert_true(am == 0 || smaller + (0x800ULL << am) < iova + size);
		}
	}
}

static void test_fault_decode(void **state)
{
	/* As QEMU records a DMA write fault of 00:03.0 at 0x7f000000, reason 5. */
	struct vtd_fault f = vtd_fault_decode(0x7f000000ULL, VTD_FRCD_F | (5ULL << 32) | 0x0018);

	(void)state;
	assert_int_equal(f.sid, 0x0018);
	assert_int_equal(f.reason, 5);
	assert_true(f.write);
	assert_false(f.intr);
	assert_int_equal(f.addr, 0x7f000000ULL);
	f = vtd_fault_decode(0x7f000123ULL, VTD_FRCD_F | VTD_FRCD_T | (6ULL << 32) | 0x0110);
	assert_false(f.write);
	assert_int_equal(f.addr, 0x7f000000ULL); /* FI holds the page */
	/* Interrupt faults carry the IRTE index in FI 63:48. */
	f = vtd_fault_decode(0x0003000000000000ULL, VTD_FRCD_F | (0x26ULL << 32) | 0x0018);
	assert_true(f.intr);
	assert_int_equal(f.index, 3);
	assert_int_equal(f.reason, 0x26);
}

static void test_capabilities(void **state)
{
	/* QEMU 10.0 intel-iommu,caching-mode=on: CAP 0x00d2008c222f0686, ECAP 0xf00f5a. */
	u64 cap = 0x00d2008c222f0686ULL, ecap = 0xf00f5aULL;

	(void)state;
	assert_int_equal(vtd_cap_domains(cap), 65536);
	assert_int_equal(vtd_cap_leaf_level(cap), 3);
	assert_true(cap & VTD_CAP_CM);
	assert_true(cap & VTD_SAGAW_48);
	assert_int_equal(((cap & VTD_CAP_FRO) >> 24) * 16, 0x220);
	assert_int_equal(((cap & VTD_CAP_NFR) >> 40) + 1, 1);
	assert_int_equal(((ecap & VTD_ECAP_IRO) >> 8) * 16, 0xf0);
	assert_true(ecap & VTD_ECAP_QI);
	assert_true(ecap & VTD_ECAP_IR);
	assert_true(ecap & VTD_ECAP_EIM);
	assert_false(ecap & VTD_ECAP_C);
	assert_int_equal(vtd_cap_leaf_level(cap & ~VTD_CAP_SLLPS_1G), 2);
	assert_int_equal(vtd_cap_leaf_level(0), 1);
	assert_int_equal(vtd_cap_domains(0), 16);
	/* GCMD writes keep these status bits, never the one-shot RTPS, FLS, WBFS, IRTPS. */
	assert_int_equal(
		VTD_GSTS_ONE_SHOT & (VTD_GCMD_SRTP | VTD_GCMD_WBF | VTD_GCMD_SIRTP | BIT(29)), 0);
	assert_int_equal(VTD_GSTS_ONE_SHOT &
				 (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI),
			 VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_entry),     cmocka_unit_test(test_context_entry),
		cmocka_unit_test(test_irte_xapic),     cmocka_unit_test(test_irte_x2apic),
		cmocka_unit_test(test_remappable_msi), cmocka_unit_test(test_qi_context_cache),
		cmocka_unit_test(test_qi_iotlb),       cmocka_unit_test(test_qi_iec_and_wait),
		cmocka_unit_test(test_psi_mask),       cmocka_unit_test(test_fault_decode),
		cmocka_unit_test(test_capabilities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
