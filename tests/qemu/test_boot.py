# SPDX-License-Identifier: MIT
"""Boot the hypervisor on varied machines; judge by what QEMU shows where possible."""
import re

import pytest

import hvtest

# Firmware x CPUs x IOMMU x RAM, as the foundation issue asks (not the full cross product).
CONFIGS = [
    dict(firmware="seabios", smp=1, iommu=False, mem="128M"),
    dict(firmware="seabios", smp=2, iommu=True, mem="2G"),
    dict(firmware="seabios", smp=4, iommu=False, mem="2G"),
    dict(firmware="ovmf", smp=1, iommu=True, mem="128M"),
    dict(firmware="ovmf", smp=4, iommu=True, mem="2G"),
]


def cfg_id(c):
    return "%s-smp%d-%s-%s" % (c["firmware"], c["smp"], "iommu" if c["iommu"] else "noiommu",
                               c["mem"])


@pytest.mark.parametrize("cfg", CONFIGS, ids=cfg_id)
def test_boot_reaches_end(machine, cfg):
    m = machine(cmdline="exit_when_done=1", **cfg)
    m.wait_for(r"^hv: SR-IOV partitioning hypervisor", timeout=60)
    m.wait_for(r"^hv: boot complete")
    assert m.wait_exit(timeout=30) == hvtest.EXIT_OK
    log = m.serial()
    assert "PANIC" not in log
    firmware = "UEFI" if cfg["firmware"] == "ovmf" else "BIOS"
    assert re.search(r"^hv: loaded by GRUB .*, %s firmware" % firmware, log, re.M)
    # The usable RAM the hypervisor found must be close to what QEMU was given.
    given = int(cfg["mem"][:-1]) * (1024 if cfg["mem"].endswith("G") else 1)
    usable = int(re.search(r"^mem: (\d+) MiB usable", log, re.M).group(1))
    assert given * 0.85 <= usable <= given, "QEMU gave %d MiB, hypervisor found %d" % (
        given, usable)


def test_bad_command_line_is_reported_and_boot_goes_on(machine):
    m = machine(cmdline="exit_when_done=1 bogus=1 log=loud exit_on_panic=maybe")
    m.wait_for(r"^hv: boot complete")
    log = m.serial()
    assert "config: error: unknown option 'bogus', ignored" in log
    assert "config: error: option log='loud': expected err, warn, info or debug" in log
    assert "given twice" in log  # exit_on_panic is also set by the harness
    assert m.wait_exit(timeout=30) == hvtest.EXIT_OK
