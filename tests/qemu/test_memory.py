# SPDX-License-Identifier: MIT
"""The hypervisor's own page tables, read from QEMU's side (`info tlb`), against the ELF's layout.

The section bounds come from `nm` on build/hypervisor.elf, never from the hypervisor's log.
"""
import re

import elfsyms

PAGE = 4096


def parse_tlb(text):
    """{virtual page: (physical, flags)} from HMP `info tlb`; large pages listed by their start.

    Flags are QEMU's: X = NX set, P = large page, U = user, W = writable (target/i386/monitor.c).
    """
    entries = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+): ([0-9a-f]+) ([-XGPDACTUW]{9})$", line.strip())
        if m:
            entries[int(m.group(1), 16)] = (int(m.group(2), 16), m.group(3))
    return entries


def lookup(entries, va):
    """(physical, flags) of the leaf that maps va, or None."""
    for size in (PAGE, 2 << 20, 1 << 30):
        base = va & ~(size - 1)
        e = entries.get(base)
        if e and (size == PAGE or "P" in e[1]):
            return e[0] + (va - base), e[1]
    return None


def image_ranges():
    s = elfsyms.addr
    return {
        "text": (s("__text_start"), s("__text_end")),
        "rodata": (s("__rodata_start"), s("__rodata_end")),
        "data": (s("__data_start"), s("__data_end")),
        "ksyms": (s("__ksyms_start"), s("__ksyms_end")),
    }


def booted_tables(machine):
    """Boot to the idle loop, stop the VM and return (info tlb entries, CR3)."""
    m = machine(cmdline="")  # no exit_when_done: the hypervisor idles in hlt
    m.wait_for(r"^hv: boot complete")
    m.hmp("stop")
    regs = m.hmp("info registers")
    cr3 = int(re.search(r"CR3=([0-9a-f]+)", regs).group(1), 16)
    return parse_tlb(m.hmp("info tlb")), cr3


def test_image_is_wx_and_guards_unmapped(machine):
    entries, cr3 = booted_tables(machine)
    assert cr3 & ~0xfff != elfsyms.addr("boot_pml4"), "still on the boot page tables"
    assert len(entries) > 100, "info tlb listed almost nothing"
    r = image_ranges()
    want = {  # section: (writable, executable)
        "text": (False, True),
        "rodata": (False, False),
        "data": (True, False),
        "ksyms": (False, False),
    }
    guard = elfsyms.addr("boot_stack_guard")
    for name, (start, end) in r.items():
        assert start < end and start % PAGE == 0 and end % PAGE == 0, name
        for va in range(start, end, PAGE):
            if va == guard:
                continue
            e = lookup(entries, va)
            assert e, "%s page 0x%x is not mapped" % (name, va)
            pa, flags = e
            assert pa == va, "%s page 0x%x maps 0x%x, not itself" % (name, va, pa)
            writable, executable = want[name]
            assert ("W" in flags) == writable, "%s page 0x%x: %s" % (name, va, flags)
            assert ("X" not in flags) == executable, "%s page 0x%x: %s" % (name, va, flags)
            assert "U" not in flags, "%s page 0x%x is user-accessible: %s" % (name, va, flags)
    # The boot stack's guard page (inside .bss) and page 0 are not mapped at all.
    assert r["data"][0] <= guard < r["data"][1]
    assert lookup(entries, guard) is None, "boot stack guard page 0x%x is mapped" % guard
    assert lookup(entries, guard + PAGE) is not None  # the stack itself is
    assert lookup(entries, 0) is None, "page 0 is mapped: NULL dereferences would not fault"


def test_no_page_is_writable_and_executable(machine):
    entries, _ = booted_tables(machine)
    text = image_ranges()["text"]
    wx = [va for va, (_, f) in entries.items() if "W" in f and "X" not in f]
    assert not wx, "writable and executable: %s" % ", ".join("0x%x" % v for v in wx[:10])
    # Only the hypervisor's .text may be executed.
    exe = [va for va, (_, f) in entries.items() if "X" not in f]
    outside = [va for va in exe if not text[0] <= va < text[1]]
    assert exe and not outside, "executable outside .text: %s" % ", ".join(
        "0x%x" % v for v in outside[:10])
