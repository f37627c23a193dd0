#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seeds.py: write the committed seed corpora, tests/fuzz/corpus/<harness>/.

The ACPI and multiboot2 seeds are the real blobs captured from QEMU
(tests/fixtures/, tools/capture-fixtures), as they are or wrapped in a
harness's input format; the others are a few hand-made inputs per harness,
each reaching a different part of its parser. Deterministic: run it again
after changing a harness's input format, and commit the result.

    /usr/bin/python3 tests/fuzz/seeds.py
"""
import os
import re
import shutil
import struct

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
CONFIGS = ["q35-seabios", "q35-seabios-iommu", "q35-ovmf", "q35-ovmf-iommu"]


def fixture(*path):
    with open(os.path.join(FIXTURES, *path), "rb") as f:
        return f.read()


def table_addrs(config):
    """(file, physical address) of each captured table, from the config's README."""
    text = open(os.path.join(FIXTURES, "acpi", config, "README")).read()
    return [(m.group(1), int(m.group(2), 16))
            for m in re.finditer(r"^(\w+\.bin)\s+0x([0-9a-f]+)", text, re.M)]


def checksum(data, at):
    """data with byte `at` set so that all of it sums to 0 mod 256."""
    data = bytearray(data)
    data[at] = 0
    data[at] = (-sum(data)) & 0xff
    return bytes(data)


def acpi_table(sig, body, revision=1):
    hdr = struct.pack("<4sIBB6s8sIII", sig, 36 + len(body), revision, 0, b"SEEDS ",
                      b"FUZZSEED", 1, 0x46555a5a, 1)
    return checksum(hdr + body, 9)


# ---- hand-made ACPI tables ----

def madt_seed():
    e = b""
    e += struct.pack("<BBBBI", 0, 8, 0, 0, 1)            # local APIC 0, enabled
    e += struct.pack("<BBBBI", 0, 8, 1, 1, 2)            # local APIC 1, online capable
    e += struct.pack("<BBBBI", 0, 8, 2, 1, 1)            # APIC ID 1 again: ignored
    e += struct.pack("<BBHIII", 9, 16, 0, 0x100, 1, 9)   # local x2APIC
    e += struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0)  # I/O APIC
    e += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)       # IRQ 0 -> GSI 2
    e += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xd)     # SCI, level, active low
    e += struct.pack("<BBHQ", 5, 12, 0, 0xfee00000)      # local APIC address override
    e += struct.pack("<BBHB", 4, 6, 0xff, 1)             # local APIC NMI: skipped
    return acpi_table(b"APIC", struct.pack("<II", 0xfee00000, 1) + e, revision=5)


def mcfg_seed():
    e = struct.pack("<QHBBI", 0xb0000000, 0, 0, 0xff, 0)
    e += struct.pack("<QHBBI", 0xc0000000, 1, 0x80, 0x8f, 0)
    e += struct.pack("<QHBBI", 0xd0000000, 0, 0x10, 0x20, 0)  # overlaps the first
    return acpi_table(b"MCFG", bytes(8) + e)


def dmar_scope(typ, enum_id, bus, path):
    return struct.pack("<BBBBBB", typ, 6 + 2 * len(path), 0, 0, enum_id, bus) + \
        b"".join(struct.pack("<BB", d, f) for d, f in path)


def dmar_seed():
    s = dmar_scope(1, 0, 0, [(2, 0)]) + dmar_scope(2, 0, 0, [(0x1c, 0), (0, 0)])
    s += dmar_scope(3, 2, 0xf0, [(0x1f, 0)]) + dmar_scope(4, 0, 0xf0, [(0x0f, 0)])
    drhd1 = struct.pack("<HHBBHQ", 0, 16 + len(s), 0, 0, 0, 0xfed90000) + s
    drhd2 = struct.pack("<HHBBHQ", 0, 16, 1, 0, 0, 0xfed91000)  # INCLUDE_PCI_ALL
    rs = dmar_scope(1, 0, 0, [(0x14, 0)])
    rmrr = struct.pack("<HHHHQQ", 1, 24 + len(rs), 0, 0, 0x7c000000, 0x7c7fffff) + rs
    atsr = struct.pack("<HHBBH", 2, 8 + 8, 0, 0, 0) + dmar_scope(2, 0, 0, [(0x1c, 0)])
    rhsa = struct.pack("<HHIQI", 3, 20, 0, 0xfed90000, 0)
    body = struct.pack("<BB10s", 38, 1, bytes(10)) + drhd1 + drhd2 + rmrr + atsr + rhsa
    return acpi_table(b"DMAR", body)


def fadt_v1_seed():
    """An ACPI 1.0 FADT: 116 bytes, a PM timer at port 0x608, no reset register."""
    body = bytearray(116 - 36)
    struct.pack_into("<H", body, 46 - 36, 9)          # SCI_INT
    struct.pack_into("<I", body, 76 - 36, 0x608)      # PM_TMR_BLK
    body[91 - 36] = 4                                 # PM_TMR_LEN
    struct.pack_into("<I", body, 112 - 36, 1 << 8)    # flags: TMR_VAL_EXT
    return acpi_table(b"FACP", bytes(body))


def hpet_seed():
    gas = struct.pack("<BBBBQ", 0, 64, 0, 0, 0xfed00000)
    return acpi_table(b"HPET", struct.pack("<I", 0x8086a201) + gas + struct.pack("<BHB", 0,
                                                                              128, 0))


# ---- the ACPI walk over fake memory (fuzz_acpi_walk.c) ----

def walk_input(flags, rsdp, mem, regions):
    out = struct.pack("<BB", flags, len(rsdp)) + rsdp + struct.pack("<B", len(mem))
    for base, length, typ in mem:
        out += struct.pack("<QQB", base, length, typ)
    for pa, data in regions:
        out += struct.pack("<QH", pa, len(data)) + data
    return out


def walk_seeds():
    seeds = {}
    for config in CONFIGS:
        rsdp, regions = b"", []
        for name, pa in table_addrs(config):
            data = fixture("acpi", config, name)
            if name == "RSDP.bin":
                rsdp = data
            else:
                regions.append((pa, data))
        seeds["walk-" + config] = walk_input(0, rsdp, [], regions)
        if config == "q35-seabios":  # a table in usable RAM, and acpi_dump=1
            mem = [(0x100000, 0x1fedf000, 1), (0x1ffe2410, 0x10, 1)]
            seeds["walk-in-ram-dump"] = walk_input(7, rsdp, mem, regions)
    return seeds


# ---- multiboot2 ----

def mb2_tag(typ, payload):
    data = struct.pack("<II", typ, 8 + len(payload)) + payload
    return data + bytes(-len(data) % 8)


def mb2_info(tags):
    body = b"".join(tags) + struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(body), 0) + body


def mb2_seeds():
    rsdp = fixture("acpi", "q35-ovmf", "RSDP.bin")
    efi = struct.pack("<II", 40, 1) + b"".join(
        struct.pack("<IIQQQQ", t, 0, base, 0, pages, 0)
        for t, base, pages in [(7, 0, 0xa0), (7, 0x100000, 0x700), (3, 0x800000, 0x10),
                               (9, 0x1f770000, 0x10), (10, 0x1f780000, 0x20), (0, 0, 0)])
    small = mb2_info([
        mb2_tag(1, b"log=debug sriov=01:00.0:2\0"),
        mb2_tag(2, b"GRUB 2.06\0"),
        mb2_tag(3, struct.pack("<II", 0x200000, 0x201000) + b"/guests/hello.elf name=a\0"),
        mb2_tag(6, struct.pack("<II", 24, 0) + struct.pack("<QQII", 0, 0x9fc00, 1, 0) +
                struct.pack("<QQII", 0x100000, 0x1fee0000, 1, 0) +
                struct.pack("<QQII", 0xfffc0000, 0x40000, 2, 0)),
        mb2_tag(14, rsdp[:20]),
        mb2_tag(15, rsdp),
        mb2_tag(12, struct.pack("<Q", 0x1f9ee018)),
    ])
    efi_only = mb2_info([mb2_tag(1, b"\0"), mb2_tag(17, efi), mb2_tag(15, rsdp)])
    return {"seabios": fixture("mb2", "seabios.bin"), "ovmf": fixture("mb2", "ovmf.bin"),
            "small": small, "efi-mmap-only": efi_only}


# ---- command lines ----

CONFIG_LINES = [
    b"exit_on_panic=1 acpi_dump=1 mbi_dump=1 exit_when_done=1",
    b"/boot/hypervisor.elf log=debug selftest=all timer_ref=hpet",
    b"sriov=0000:01:00.0:4,02:00.1:2 pci=assign-busses vtd_qi=0 crash=pf",
    b"sriov=all:7 log=warn log=err unknown=1 exit_on_panic=maybe",
]

PLAN_MACHINE = struct.pack("<BQQBQB", 4, 0xf, 512 << 20, 0, 0x2d, 20)
PLAN_LINES = [
    b"/guests/hello.elf name=web-1 cpus=2 mem=64M -- beat=5 x=y",
    b"(cd)/guests/attack.elf name=att cpus=@3 mem=2M pci=00:04.0,0000:00:05.0 --",
    b"name=web-1 cpus=@1,3-4 mem=4G",
    b"cpus=1 mem=16M pci=00:04.0",
    b"/guests/net.elf name=n1 vf=0 mac=52:54:00:12:34:11 ip=192.0.2.11/24",
    b"name=n2 vf=01:10.2 ip=10.0.0.1 -- ping=192.0.2.11",
    b"name=n3 vf=0 mac=52:54:00:12:34:13",
]

PLAN_MBOOT_LINES = [
    b"/k/mb2.elf name=mb boot=multiboot2 mods=2 console_rate=5 cpus=1 mem=32M -- quiet",
    b"/k/initrd.img", b"/k/extra root=/dev/ram0",
    b"/k/mb1.bin boot=multiboot mods=9 mem=8M",
    b"/k/hv.elf boot=hv console_rate=0 mods=0", b"/k/x boot=auto mods=1",
]


def plan_seeds():
    return {"lines": PLAN_MACHINE + b"\0".join(PLAN_LINES),
            "network": PLAN_MACHINE + b"\0".join(PLAN_LINES[4:] + PLAN_LINES[4:5]),
            "fallback": struct.pack("<BQQBQB", 1, 1, 64 << 20, 1, 0, 3) + PLAN_LINES[3],
            "multiboot": PLAN_MACHINE + b"\0".join(PLAN_MBOOT_LINES)}


# ---- ELF ----

def elf(phdrs, entry, payload, phoff=64):
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64, 56, len(phdrs),
                        64, 0, 0)
    ph = b"".join(struct.pack("<IIQQQQQQ", *p) for p in phdrs)
    data = bytearray(ehdr + bytes(phoff - 64) + ph)
    data += bytes(max(0, 0x1000 - len(data)))
    return bytes(data) + payload


def loader_seeds():
    text, data = b"\xf4\xeb\xfd" + bytes(13), b"hello" + bytes(11)
    two = elf([(1, 5, 0x1000, 0x100000, 0x100000, len(text), len(text), 0x1000),
               (1, 6, 0x1000 + len(text), 0x101000, 0x101000, len(data), 0x2000, 0x1000),
               (4, 4, 0, 0, 0, 0, 0, 4),                         # PT_NOTE: skipped
               (0x6474e551, 6, 0, 0, 0, 0, 0, 16)],              # PT_GNU_STACK
              0x100000, text + data)
    one = elf([(1, 7, 0, 0x200000, 0x200000, 0x1010, 0x1010, 0x1000)], 0x201000, b"\xf4" * 16)
    return {"two-segments": two, "one-rwx-segment": one}


def bzimage_file(version=0x020f, xlf=0x7f, setup_sects=3, kernel=0x2800):
    """A bzImage as Debian's kernel has it, scaled down: header, then the protected-mode code."""
    setup = (setup_sects + 1) * 512
    f = bytearray(setup + kernel)
    f[0x1f1] = setup_sects
    struct.pack_into("<I", f, 0x1f4, kernel // 16)
    struct.pack_into("<H", f, 0x1fe, 0xaa55)
    f[0x200:0x202] = b"\xeb\x6a"
    f[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", f, 0x206, version)
    f[0x211] = 1                                             # LOADED_HIGH
    struct.pack_into("<I", f, 0x22c, 0x7fffffff)             # initrd_addr_max
    struct.pack_into("<IBBHI", f, 0x230, 0x200000, 1, 21, xlf, 0x7ff)
    struct.pack_into("<QI", f, 0x258, 0x1000000, 0x2000000)  # pref_address, init_size
    f[setup:] = b"\xc3" * kernel
    return bytes(f)


def bzimage_seeds():
    head = lambda mib, initrd: struct.pack("<BI", mib, initrd)
    return {"debian-like-64M": head(64, 0x123456) + bzimage_file(),
            "no-initrd-room-48M": head(48, 0x100000) + bzimage_file(),
            "old-protocol": head(64, 0) + bzimage_file(version=0x020b),
            "no-64bit-entry": head(64, 0) + bzimage_file(xlf=0x7e),
            "setup-sects-0": head(64, 0x1000) + bzimage_file(setup_sects=0)}


def vacpi_seeds():
    cfg = lambda cpus, ecam, base, size, buf: struct.pack("<BQQQH", cpus, ecam, base, size, buf)
    return {"one-vcpu": cfg(1, 0xe0000000, 0xe0100000, 256 << 20, 4096),
            "max-vcpus": cfg(64, 0x100000000, 0x100100000, 256 << 20, 4096),
            "too-small": cfg(2, 0xe0000000, 0xe0100000, 256 << 20, 300),
            "no-vcpus": cfg(0, 0xe0000000, 0xe0100000, 256 << 20, 4096)}


# ---- structured harnesses ----

def vpci_func(flags, msi, msix, pcie, bars, cfg):
    out = struct.pack("<BBBB", flags, msi, msix, pcie)
    for t, order in bars:
        out += struct.pack("<BB", t, order)
    return out + cfg


def vpci_cfg():
    cfg = bytearray(256)
    struct.pack_into("<IIII", cfg, 0, 0xffffffff, 0x00100007, 0x02000001, 0)
    struct.pack_into("<I", cfg, 0x10, 0xfebf000c)
    struct.pack_into("<I", cfg, 0x3c, 0x1ff)
    struct.pack_into("<III", cfg, 0x50, 0x01807005, 0xfee00000, 0)  # MSI 64-bit + masks
    struct.pack_into("<II", cfg, 0x70, 0x00028011, 3)               # MSI-X
    struct.pack_into("<II", cfg, 0x80, 0x00020010, 0)               # PCI Express
    struct.pack_into("<I", cfg, 0x88, 0x00002810)                   # Device Control
    return bytes(cfg)


def vpci_op(kind, size_log2, where, val):
    return struct.pack("<BBII", kind, size_log2, where, val)


def vpci_seeds():
    bars = [(2, 2), (0, 0), (0, 0), (1, 2), (0, 0), (0, 0)]
    f = vpci_func(3, 0x50, 0x70, 0x80, bars, vpci_cfg())
    g = vpci_func(0, 0x50, 0, 0x40, [(1, 0)] * 6, vpci_cfg())
    cf8 = lambda reg: 0x80000000 | (1 << 11) | reg  # 00:01.0
    ops = [vpci_op(0, 2, 0, cf8(0x04)), vpci_op(0, 1, 4, 0x0407),   # COMMAND via ports
           vpci_op(1, 1, 4, 0), vpci_op(0, 2, 0, cf8(0x10)), vpci_op(0, 2, 4, 0xffffffff),
           vpci_op(1, 2, 4, 0),                                      # BAR sizing
           vpci_op(2, 2, 0x8010, 0x12345678), vpci_op(3, 3, 0x8010, 0),  # ECAM BAR move
           vpci_op(2, 1, 0x8052, 0x00ff), vpci_op(3, 2, 0x8050, 0),      # MSI enable
           vpci_op(2, 1, 0x8072, 0xc000), vpci_op(2, 1, 0x8088, 0xffff),  # MSI-X, DEVCTL
           vpci_op(4, 2, 0x00080160, 0x8), vpci_op(5, 1, 0x00080004, 0),  # SR-IOV, COMMAND
           vpci_op(4, 0, 0x0008003c, 0x0b), vpci_op(5, 0, 0x0010003c, 0)]
    return {"one-function": struct.pack("<B", 0) + f + b"".join(ops),
            "two-functions": struct.pack("<B", 1) + f + g + b"".join(ops)}


def hypercall_seeds():
    call = lambda cpl, nr, a1, a2: struct.pack("<BQQQQQQ", cpl, nr, a1, a2, 0, 0, 0)
    calls = [call(0, 1, 0x100, 16), call(0, 2, 0x200, 64), call(0, 2, 0xff8, 64),
             call(0, 1, 0xfff, 2), call(3, 1, 0x100, 16), call(0, 3, 0, 0), call(0, 99, 0, 0),
             call(0, 1, 0, 5000), call(0, 4, 300, 0), call(0, 4, 7, 0)]
    return {"calls": struct.pack("<B", 0) + b"".join(calls)}


def mmio_input(flags, code, cr3=0, gva=0, val=0x1122334455667788, ram=b""):
    return struct.pack("<BB", flags, len(code)) + code + struct.pack("<QQQ", cr3, gva, val) + ram


def mmio_seeds():
    seeds = {}
    codes = {"mov-eax-to-rbx": b"\x89\x03", "mov-r9d-sib-disp32": b"\x44\x89\x8c\x8e\x78\x56\x34\x12",
             "mov-ah-store": b"\x88\x22", "movzx-word": b"\x0f\xb7\x50\x04",
             "mov-imm32-rex-w": b"\x48\xc7\x00\x78\x56\x34\x12", "mov-imm16": b"\x66\xc7\x00\x34\x12",
             "load-bh": b"\x8a\x38", "load-r12-disp8": b"\x4c\x8b\x65\x08",
             "rip-relative": b"\x8b\x05\x00\x10\x00\x00", "seg-prefix": b"\x64\x67\x89\x08"}
    for name, code in codes.items():
        seeds[name] = mmio_input(1, code)
    seeds["mov-32bit-mode"] = mmio_input(0, b"\x89\x03")
    # 4-level tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD, a 2 MiB page), 0x4000 (PT)
    ram = bytearray(0x6000)
    struct.pack_into("<Q", ram, 0x1000, 0x2003)
    struct.pack_into("<Q", ram, 0x2000, 0x3003)
    struct.pack_into("<Q", ram, 0x3000, 0x4003)
    struct.pack_into("<Q", ram, 0x3008, 0x000083)   # GVA 2 MiB: a 2 MiB page at 0
    struct.pack_into("<Q", ram, 0x4000 + 5 * 8, 0x5003)
    ram[0x5ff8:0x6000] = b"\x89\x03\x90\x90\x90\x90\x90\x90"
    seeds["walk-4k-page-cross"] = mmio_input(0x0f, b"\x89\x03", 0x1000, 0x5ffa, 0, ram)
    seeds["walk-2m-page"] = mmio_input(0x0f, b"\x89\x03", 0x1000, 0x200010, 0, ram)
    # 32-bit paging (PD at 0x1000: a 4 MiB page with PSE, a page table at 0x2000) and PAE
    # (PDPT at 0x1000, PD at 0x2000 with a 2 MiB page, PT at 0x3000)
    r32 = bytearray(0x5000)
    struct.pack_into("<I", r32, 0x1004, 0x000083)
    struct.pack_into("<I", r32, 0x1000, 0x2003)
    struct.pack_into("<I", r32, 0x2000 + 4 * 4, 0x4003)
    r32[0x4000:0x4002] = b"\x89\x03"
    seeds["walk-32bit-pse"] = mmio_input(0x22, b"\x89\x03", 0x1000, 0x400010, 0, r32)
    seeds["walk-32bit-4k"] = mmio_input(0x02, b"\x89\x03", 0x1000, 0x4000, 0, r32)
    pae = bytearray(0x5000)
    struct.pack_into("<Q", pae, 0x1000, 0x2001)
    struct.pack_into("<Q", pae, 0x2000, 0x3003)
    struct.pack_into("<Q", pae, 0x2008, 0x000083)
    struct.pack_into("<Q", pae, 0x3000 + 4 * 8, 0x4003)
    pae[0x4000:0x4002] = b"\x89\x03"
    seeds["walk-pae-2m"] = mmio_input(0x06, b"\x89\x03", 0x1000, 0x200010, 0, pae)
    seeds["walk-pae-4k"] = mmio_input(0x06, b"\x89\x03", 0x1000, 0x4000, 0, pae)
    return seeds


def dmar_scope_bytes(typ, enum_id, bus, path):
    return struct.pack("<BBBB", typ, enum_id, bus, len(path)) + \
        b"".join(struct.pack("<BB", d, f) for d, f in path)


def dmar_seeds():
    d = struct.pack("<B", 3)
    d += struct.pack("<BBB", 0, 0, 2) + dmar_scope_bytes(1, 0, 0, [(2, 0)]) + \
        dmar_scope_bytes(3, 2, 0xf0, [(0x1f, 0)])
    d += struct.pack("<BBB", 0, 0, 1) + dmar_scope_bytes(2, 0, 0, [(0x1c, 0)])
    d += struct.pack("<BBB", 0, 1, 0)
    d += struct.pack("<B", 1) + struct.pack("<BB", 0, 1) + \
        dmar_scope_bytes(1, 0, 0, [(0x1c, 0), (0, 0), (1, 0), (0, 0)])
    bridges = [(0, 0, 0x1c << 3, 1, 3), (0, 1, 0, 2, 3), (0, 2, 1 << 3, 3, 3),
               (0, 0, 0x1d << 3, 0, 0), (0, 0xf0, 0x1f << 3, 0xf0, 0xf0)]
    d += struct.pack("<B", len(bridges)) + b"".join(struct.pack("<BBBBB", *b) for b in bridges)
    for seg, rid, ioapic in [(0, 0x0010, 2), (0, 0x0300, 0), (0, 0x0200, 1), (1, 0x0010, 2),
                             (0, 0x00e0, 9)]:
        d += struct.pack("<BHB", seg, rid, ioapic)
    return {"topology": d}


# ---- igb mailbox (fuzz_igb_mbx.c) ----

MAC11 = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x11])


def mbx_msg(dt, words, kind=0):
    return struct.pack("<BIB", kind, dt, len(words)) + b"".join(struct.pack("<I", w)
                                                                for w in words)


def mbx_seeds():
    ms = 1000 * 1000
    mac_lo = int.from_bytes(MAC11[:4], "little")
    mac_hi = int.from_bytes(MAC11[4:], "little")
    session = [mbx_msg(ms, [0x01]),                                  # RESET
               mbx_msg(ms, [0x02, mac_lo, mac_hi]),                  # SET_MAC_ADDR, its own
               mbx_msg(ms, [0x02, 0x12345602, 0x0000aaaa]),          # another MAC: refused
               mbx_msg(ms, [0x03 | 3 << 16, 0x0abc0123, 0x0fff]),    # 3 multicast hashes
               mbx_msg(ms, [0x05, 9018]),                            # SET_LPE jumbo
               mbx_msg(ms, [0x04, 0]), mbx_msg(ms, [0x04, 5]),       # VLAN 0 ok, 5 refused
               mbx_msg(ms, [0x06 | 2 << 16]),                        # multicast promiscuous
               mbx_msg(ms, [0x02 | 1 << 16]),                        # MAC_FILTER_CLR
               mbx_msg(ms, [0x7f]), mbx_msg(ms, [0x01 | 1 << 31]),   # unknown, reply bits
               struct.pack("<BI", 2, ms),                            # ACK from the VF
               struct.pack("<BI", 3, ms),                            # FLR
               mbx_msg(ms, [0x03]), struct.pack("<BI", 2, 3000 * ms),
               mbx_msg(ms, [0x01])]
    flood = [mbx_msg(1000, [0x04, 0]) for _ in range(40)] + [mbx_msg(2100 * ms, [0x01])]
    head = lambda flags: struct.pack("<B", flags) + MAC11 + struct.pack("<Q", 10 * 1000 * ms)
    return {"session": head(1) + b"".join(session), "flood": head(1) + b"".join(flood),
            "unassigned": head(0) + b"".join(session[:3])}


def vmsix_seeds():
    acc = lambda kind, size, off, val: struct.pack("<BBHQ", kind, size, off + 32, val)
    ops = [acc(0, 4, 0x800, 0xfee01000), acc(0, 4, 0x808, 0x4041), acc(0, 4, 0x80c, 0),
           acc(1, 4, 0x80c, 0), acc(0, 8, 0x810, 0x00000000fee02000), acc(1, 8, 0x818, 0),
           acc(0, 4, 0x81c, 0xffffffff), acc(0, 2, 0x800, 0), acc(1, 4, 0x7fc, 0),
           acc(0, 4, 0x803, 0), acc(1, 4, 0x800 + 4 * 16, 0)]
    return {"four-entries": struct.pack("<BHQ", 4, 0x800, 0xc0003000) + b"".join(ops)}


# ---- the pv NIC's rings (fuzz_pvring.c) ----

def pvring_seeds():
    op = lambda kind, a, b: struct.pack("<BHQ", kind, a, b)
    mac, other = bytes.fromhex("525400123412"), bytes.fromhex("525400123411")

    def frame_at(at, src):  # a 16-byte Ethernet header (and 2 bytes of payload) at `at`
        hdr = b"\xff" * 6 + src + b"\x08\x00" + b"hi"
        return [op(3, (at + i) >> 3, struct.unpack("<Q", hdr[i:i + 8])[0]) for i in (0, 8)]

    desc = lambda rx, slot, addr, length, far=0: op(1, rx | slot << 1 | far << 9,
                                                     addr | length << 32)
    ops = frame_at(0x100, mac) + frame_at(0x200, other)
    ops += [desc(0, 0, 0x100, 60), desc(0, 1, 0x200, 60), desc(0, 2, 0x100, 10),
            desc(0, 3, 4090, 60), op(2, 2, 4), op(4, 39, 0), op(6, 0, 1)]
    ops += [desc(1, 0, 0x400, 1514), desc(1, 1, 0x600, 10), desc(1, 2, 0, 64, far=1),
            desc(1, 3, 0x800, 200), op(2, 3, 4)] + [op(5, 60, 0x1122334455667788)] * 5
    ops += [op(2, 0, 0x12345678), op(4, 39, 0), op(2, 1, 0x9abcdef0), op(5, 60, 0),
            op(6, 0, 0)]
    scribble = [op(0, off, 0xdeadbeefcafef00d) for off in (0x40, 0x80, 0xc0, 0x100, 0x1008,
                                                           0x2008, 0x2ff8)]
    return {"traffic": b"\x03" + b"".join(ops),
            "scribbles": b"\x00" + b"".join(scribble + ops[-5:])}


def vlapic_seeds():
    op = lambda kind, where, val, us=100: struct.pack("<BHQH", kind, where, val, us)
    xapic = [op(1, 0xf0, 0x1ff), op(1, 0x3e0, 0xb), op(1, 0x320, 0x20040), op(1, 0x380, 50000),
             op(7, 0, 0, 60), op(1, 0x80, 0x40), op(6, 0, 0x35), op(1, 0x80, 0), op(7, 0, 0),
             op(1, 0xb0, 0), op(1, 0x310, 1 << 24), op(1, 0x300, 0x4500), op(1, 0x300, 0x4630),
             op(0, 0x390, 0), op(0, 0x100, 0), op(0, 0x200, 0)]
    x2apic = [op(4, 0, 0xfee00d00), op(3, 0x0f, 0x1ff), op(3, 0x32, 0x40062), op(5, 0, 123456),
              op(7, 0, 0, 5000), op(3, 0x30, (2 << 32) | 0x4051), op(3, 0x3f, 0x33),
              op(3, 0x30, (3 << 18) | 0x4500), op(2, 0x0a, 0), op(3, 0x0b, 0), op(4, 0, 0)]
    return {"xapic": struct.pack("<B", 0) + b"".join(xapic),
            "x2apic": struct.pack("<B", 1) + b"".join(x2apic)}


# ---- VMX rules (fuzz_vmx_rules.c) ----

def vmx_seeds():
    seeds = {}
    vdir = os.path.join(FIXTURES, "vmx")
    for f in sorted(os.listdir(vdir)):
        msrs = [0] * 18
        for line in open(os.path.join(vdir, f)):
            if line.strip() and not line.startswith("#"):
                n, v = (int(x, 16) for x in line.split()[:2])
                msrs[n - 0x480] = v
        out = b"".join(struct.pack("<Q", v) for v in msrs)
        out += struct.pack("<QQQBQQIIB", 0x80050033, 0x2020, 0xd01, 1, 7, 7, 48, 7, 100)
        seeds[f[:-len(".txt")]] = out + bytes(400)
    return seeds


# ---- multiboot kernels for partitions (fuzz_mboot.c) ----

MB1_MAGIC, MB2_MAGIC = 0x1badb002, 0xe85250d6


def mb1_header(flags, addr=()):
    return struct.pack("<III", MB1_MAGIC, flags, (-(MB1_MAGIC + flags)) & 0xffffffff) + \
        b"".join(struct.pack("<I", a) for a in addr)


def mb2_header(tags):
    body = b"".join(struct.pack("<HHI", t, f, 8 + len(p)) + p + bytes(-len(p) % 8)
                    for t, f, p in tags + [(0, 0, b"")])
    length = 16 + len(body)
    return struct.pack("<IIII", MB2_MAGIC, 0, length,
                       (-(MB2_MAGIC + length)) & 0xffffffff) + body


def elf32(phdrs, entry, payload):
    ehdr = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32, len(phdrs),
                        40, 0, 0)
    ph = b"".join(struct.pack("<IIIIIIII", *p) for p in phdrs)
    data = bytearray(ehdr + ph)
    data += bytes(max(0, 0x1000 - len(data)))
    return bytes(data) + payload


def mboot_input(flags, ram_pages, kernel, cmdline=b"console=ttyS0", mods=()):
    out = struct.pack("<BH", flags | len(mods) << 2, ram_pages)
    out += struct.pack("<H", len(cmdline)) + cmdline
    for data, cmd in mods:
        out += struct.pack("<H", len(data)) + data + struct.pack("<H", len(cmd)) + cmd
    return out + kernel


def mboot_seeds():
    code = b"\xf4\xeb\xfd" + bytes(13)
    mb1 = mb1_header(3) + code
    mb2 = mb2_header([(1, 0, struct.pack("<II", 4, 6)), (3, 1, struct.pack("<I", 0x10000c))])
    e32 = elf32([(1, 0x1000, 0xc0100000, 0x100000, len(mb1), 0x3000, 7, 0x1000)],
                0xc0100000 + 12, mb1)
    e64 = elf([(1, 7, 0x1000, 0x200000, 0x200000, len(mb2) + 16, 0x2000, 0x1000)],
              0x200000, mb2 + code)
    e32v2 = elf32([(1, 0x1000, 0x100000, 0x100000, len(mb2) + 16, 0x1000, 7, 0x1000)],
                  0x100000, mb2 + code)
    # a.out kludge: the file is loaded as is at 1 MiB, its header at the start.
    aout = mb1_header(BIT16 | 3, (0x100000, 0x100000, 0, 0x104000, 0x100020)) + code
    aout2 = mb2_header([(2, 0, struct.pack("<IIII", 0x100000, 0x100000, 0, 0x102000)),
                        (3, 0, struct.pack("<I", 0x100000 + 0x48))]) + code
    mods = ((b"module one" + bytes(100), b"initrd"), (b"\x01" * 5000, b"two args"))
    return {"mb1-elf32": mboot_input(1, 768, e32),
            "mb2-elf64-entry-tag": mboot_input(2, 768, e64, mods=mods),
            "mb2-elf32-ecam": mboot_input(0x80, 255, e32v2, mods=mods[:1]),
            "mb1-aout-kludge": mboot_input(0, 100, aout, mods=mods),
            "mb2-address-tag": mboot_input(0x80, 1280, aout2, b"")}


BIT16 = 1 << 16


# ---- I/O ports (fuzz_ports.c) ----

def port_op(op, port, val=0, dt=1):
    return struct.pack("<BHIB", op, port, val, dt)


def ports_seeds():
    OUTB, INB, OUTW, OUTL, PUTC = 0, 4, 1, 2, 8
    text = b"".join(port_op(OUTB, 0x3f8, c) for c in b"hello\x1b[2J\tworld\r\n")
    probe = [port_op(OUTB, 0x3fb, 0x80), port_op(OUTB, 0x3f8, 1), port_op(OUTB, 0x3f9, 0),
             port_op(OUTB, 0x3fb, 0x03), port_op(OUTB, 0x3fa, 0xc7), port_op(OUTB, 0x3fc, 0x1e),
             port_op(OUTB, 0x3f8, 0xae), port_op(INB, 0x3fd), port_op(INB, 0x3f8),
             port_op(INB, 0x3fe), port_op(OUTB, 0x3fc, 0x0b), port_op(OUTB, 0x3f9, 2),
             port_op(INB, 0x3fa), port_op(INB, 0x3fa), port_op(OUTW, 0x3f8, 0x4142)]
    flood = b"".join(port_op(PUTC, 0, c, 0) for c in b"x\n" * 60) + port_op(PUTC, 0, 10, 255)
    other = [port_op(INB, 0x92), port_op(OUTB, 0x92, 2), port_op(INB, 0x80), port_op(INB, 0x80),
             port_op(OUTW | 4, 0x1234), port_op(OUTL | 4, 0x3fe), port_op(INB, 0x61),
             port_op(OUTB, 0x64, 0xd1), port_op(OUTB, 0xcf9, 2), port_op(OUTL, 0xf4, 0x21)]
    return {"uart-text": struct.pack("<H", 0) + text,
            "uart-probe-loopback": struct.pack("<H", 0) + b"".join(probe),
            "console-flood-rate-10": struct.pack("<H", 10) + flood,
            "ports-exit": struct.pack("<H", 0) + b"".join(other),
            "reset-cf9": struct.pack("<H", 0) + port_op(OUTB, 0xcf9, 6),
            "long-line": struct.pack("<H", 0) + b"".join(
                port_op(OUTB if i % 2 else PUTC, 0x3f8, 0x41 + i % 26, 0) for i in range(330))}


def acpi_seeds(sig, extra):
    seeds = {}
    for config in CONFIGS:
        path = os.path.join(FIXTURES, "acpi", config, sig + ".bin")
        if os.path.exists(path):
            seeds.setdefault(fixture("acpi", config, sig + ".bin"), config)
    out = {config: data for data, config in seeds.items()}
    out.update(extra)
    return out


def main():
    corpora = {
        "acpi_madt": acpi_seeds("APIC", {"handmade-rev5": madt_seed()}),
        "acpi_mcfg": acpi_seeds("MCFG", {"handmade-two-segments": mcfg_seed()}),
        "acpi_dmar": acpi_seeds("DMAR", {"handmade-all-structures": dmar_seed()}),
        "acpi_fadt": acpi_seeds("FACP", {"handmade-acpi1": fadt_v1_seed()}),
        "acpi_hpet": acpi_seeds("HPET", {"handmade": hpet_seed()}),
        "acpi_walk": walk_seeds(),
        "mb2": mb2_seeds(),
        "config": {"line%d" % i: line for i, line in enumerate(CONFIG_LINES)},
        "plan": plan_seeds(),
        "loader": loader_seeds(),
        "vpci": vpci_seeds(),
        "hypercall": hypercall_seeds(),
        "mmio": mmio_seeds(),
        "dmar": dmar_seeds(),
        "igb_mbx": mbx_seeds(),
        "vmsix": vmsix_seeds(),
        "pvring": pvring_seeds(),
        "vlapic": vlapic_seeds(),
        "vmx_rules": vmx_seeds(),
        "mboot": mboot_seeds(),
        "ports": ports_seeds(),
        "bzimage": bzimage_seeds(),
        "vacpi": vacpi_seeds(),
    }
    for name, seeds in corpora.items():
        d = os.path.join(CORPUS, name)
        keep = {}
        if os.path.isdir(d):  # regression inputs (crash-*) stay
            for f in os.listdir(d):
                if f.startswith("crash-"):
                    keep[f] = open(os.path.join(d, f), "rb").read()
            shutil.rmtree(d)
        os.makedirs(d)
        for f, data in list(seeds.items()) + list(keep.items()):
            with open(os.path.join(d, f), "wb") as out:
                out.write(data)
        print("%-10s %2d seeds, %6d bytes" % (name, len(seeds) + len(keep),
                                               sum(map(len, seeds.values())) +
                                               sum(map(len, keep.values()))))


if __name__ == "__main__":
    main()
