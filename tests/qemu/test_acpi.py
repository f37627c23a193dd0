# SPDX-License-Identifier: MIT
"""ACPI on real QEMU q35 firmware: the hypervisor's summaries against what QEMU itself shows
(`info cpus`, `info mtree`, `info qtree`, `info pci`, guest memory)."""
import re

import pytest

import hvtest

CONFIGS = [
    dict(firmware="seabios", smp=1, iommu=False),
    dict(firmware="seabios", smp=2, iommu=True),
    dict(firmware="seabios", smp=4, iommu=False),
    dict(firmware="ovmf", smp=1, iommu=True),
    dict(firmware="ovmf", smp=2, iommu=False),
    dict(firmware="ovmf", smp=4, iommu=True),
]


def cfg_id(c):
    return "%s-smp%d-%s" % (c["firmware"], c["smp"], "iommu" if c["iommu"] else "noiommu")


def mtree_region(mtree, name):
    """(start, end) of the first region called `name` in `info mtree -f`."""
    m = re.search(r"^\s*([0-9a-f]+)-([0-9a-f]+) \(prio -?\d+, [\w/]+\): %s$" % re.escape(name),
                  mtree, re.M)
    assert m, "QEMU shows no %s region:\n%s" % (name, mtree)
    return int(m.group(1), 16), int(m.group(2), 16)


def qtree_prop(qtree, device, prop):
    """A numeric property of the first `device` in `info qtree`."""
    at = qtree.index("dev: %s," % device)
    m = re.compile(r"^\s*%s = (\d+)" % re.escape(prop), re.M).search(qtree, at)
    return int(m.group(1))


def bus0_functions(info_pci):
    """(dev, fn) of every function QEMU has on bus 0 (`info pci` prints them in decimal)."""
    return sorted((int(d), int(f)) for d, f in
                  re.findall(r"Bus\s+0, device\s+(\d+), function (\d)", info_pci))


def booted(machine, cfg, cmdline="log=debug"):
    """A machine halted after boot (no exit_when_done: its monitor stays up)."""
    m = machine(cmdline=cmdline, **cfg)
    m.wait_for(r"^hv: boot complete", timeout=60)
    assert "PANIC" not in m.serial()
    return m


@pytest.mark.parametrize("cfg", CONFIGS, ids=cfg_id)
def test_summaries_match_qemu(machine, cfg):
    m = booted(machine, cfg)
    log = m.serial()
    mtree = m.hmp("info mtree -f")

    # MADT: one enabled CPU per QEMU vCPU, the I/O APIC and local APIC where QEMU put them.
    qemu_cpus = len(re.findall(r"CPU #\d+", m.hmp("info cpus")))
    assert qemu_cpus == cfg["smp"]
    madt = re.search(r"^acpi: MADT: (\d+) CPUs?, 1 IOAPIC, \d+ overrides?, local APIC at "
                     r"(0x[0-9a-f]+)$", log, re.M)
    assert madt, log
    assert int(madt.group(1)) == qemu_cpus
    assert int(madt.group(2), 16) == mtree_region(mtree, "apic-msi")[0]
    ioapic = re.search(r"^acpi: MADT: IOAPIC id 0 at (0x[0-9a-f]+) GSI 0$", log, re.M)
    assert ioapic and int(ioapic.group(1), 16) == mtree_region(mtree, "ioapic")[0]

    # MCFG: the ECAM window QEMU maps, 1 MiB per bus.
    start, end = mtree_region(mtree, "pcie-mmcfg-mmio")
    mcfg = re.search(r"^acpi: MCFG: segment 0 base (0x[0-9a-f]+) buses 0-(\d+)$", log, re.M)
    assert mcfg, log
    assert int(mcfg.group(1), 16) == start
    assert int(mcfg.group(2)) + 1 == (end + 1 - start) >> 20

    # FADT's PM timer is QEMU's acpi-tmr port; HPET's base is QEMU's hpet region.
    fadt = re.search(r"^acpi: FADT: PM timer at port (0x[0-9a-f]+) \(24-bit\), SCI IRQ 9", log,
                     re.M)
    assert fadt and int(fadt.group(1), 16) == mtree_region(mtree, "acpi-tmr")[0]
    hpet = re.search(r"^acpi: HPET: base (0x[0-9a-f]+), (\d+) timers", log, re.M)
    qtree = m.hmp("info qtree")
    assert hpet and int(hpet.group(1), 16) == mtree_region(mtree, "hpet")[0]
    assert int(hpet.group(2)) == qtree_prop(qtree, "hpet", "timers")

    # DMAR only with intel-iommu: one DRHD at QEMU's intel_iommu region, QEMU's aw-bits,
    # and a device scope for every function QEMU has on bus 0 (QEMU lists them one by one).
    if not cfg["iommu"]:
        assert "acpi: DMAR:" not in log
        assert not re.search(r"^acpi: tables:.* DMAR", log, re.M)
        return
    dmar = re.search(r"^acpi: DMAR: 1 DRHD, 0 RMRR, host address width (\d+), interrupt "
                     r"remapping$", log, re.M)
    assert dmar, log
    assert int(dmar.group(1)) == qtree_prop(qtree, "intel-iommu", "aw-bits")
    drhd = re.search(r"^acpi: DMAR: DRHD (0x[0-9a-f]+) segment 0, (\d+) device scope", log, re.M)
    assert int(drhd.group(1), 16) == 0xfed90000 == mtree_region(mtree, "intel_iommu")[0]
    scoped = sorted((int(d, 16), int(f, 16)) for d, f in
                    re.findall(r"^acpi: DMAR:   endpoint id 0 bus 00 path ([0-9a-f]{2})\.(\d)$",
                               log, re.M))
    assert scoped == bus0_functions(m.hmp("info pci"))
    assert re.search(r"^acpi: DMAR:   ioapic id 0 bus ff path 00\.0$", log, re.M)
    assert int(drhd.group(2)) == len(scoped) + 1


@pytest.mark.parametrize("firmware", ["seabios", "ovmf"])
def test_dump_matches_guest_memory(machine, firmware):
    """acpi_dump=1 prints each table at its address: compare with what QEMU's memory holds."""
    m = booted(machine, dict(firmware=firmware, smp=2, iommu=True), cmdline="acpi_dump=1")
    tables = {}
    for sig, addr, off, data in re.findall(
            r"^acpidump: (\S+) 0x([0-9a-f]+) ([0-9a-f]+): ([0-9a-f ]+)$", m.serial(), re.M):
        blob = tables.setdefault((sig, int(addr, 16)), bytearray())
        assert int(off, 16) == len(blob)
        blob += bytes.fromhex(data)
    sigs = sorted(sig for sig, _ in tables)
    for want in ["APIC", "DMAR", "FACP", "HPET", "MCFG", "RSDP"]:
        assert want in sigs
    assert ("XSDT" if firmware == "ovmf" else "RSDT") in sigs
    for (sig, addr), blob in tables.items():
        if sig == "RSDP":
            continue  # the multiboot2 copy, not at a physical address
        assert m.read_phys(addr, len(blob)) == bytes(blob), sig


@pytest.mark.parametrize("firmware", ["seabios", "ovmf"])
def test_corrupt_table_is_rejected_and_boot_goes_on(machine, tmp_path, firmware):
    """A DMAR whose first remapping structure has length 0 (added with -acpitable)."""
    body = tmp_path / "dmar-body.bin"
    # HAW 38, flags 0, 10 reserved, then a DRHD header claiming length 0.
    body.write_bytes(bytes([38, 0]) + bytes(10) + bytes([0, 0, 0, 0, 0, 0, 0, 0]) +
                     (0xfed90000).to_bytes(8, "little"))
    m = machine(cmdline="exit_when_done=1", firmware=firmware, smp=2,
                extra=["-acpitable", "sig=DMAR,rev=1,oem_id=HVTEST,data=%s" % body])
    m.wait_for(r"^hv: boot complete", timeout=60)
    assert m.wait_exit(timeout=30) == hvtest.EXIT_OK
    log = m.serial()
    assert "acpi: error: DMAR: structure at offset 0x30 has length 0; table ignored" in log
    assert re.search(r"^acpi: tables:.* DMAR", log, re.M)  # QEMU did list it
    assert re.search(r"^acpi: MADT: 2 CPUs", log, re.M)   # the other tables still parsed
    assert re.search(r"^acpi: MCFG: segment 0 base 0xb0000000", log, re.M)
