# SPDX-License-Identifier: MIT
"""PCIe enumeration and SR-IOV: the hypervisor's boot listing against QEMU's own `info pci`.

Every function QEMU shows (VFs that are not enabled aside) must be in the
listing with the same bus numbers, IDs, BARs and bridge windows, and nothing
else may be; VF BARs must not overlap each other, any other BAR or RAM.
"""
import re

import pytest

IGB_VF_DEVICE = 0x10ca          # ENVIRONMENT.md: igb's VF Device ID
IGB_VF_OFFSET, IGB_VF_STRIDE = 0x80, 2
NETDEV = ["-netdev", "user,id=n0", "-netdev", "user,id=n1"]

ROOT_PORT = ["pcie-root-port,id=rp0,slot=1"]
IGB_RP = ROOT_PORT + ["igb,bus=rp0,netdev=n0"]
IGB_SWITCH = ROOT_PORT + ["x3130-upstream,id=up0,bus=rp0",
                          "xio3130-downstream,id=dn0,bus=up0,chassis=2,slot=0",
                          "igb,bus=dn0,netdev=n0"]
TWO_IGB = ["pcie-root-port,id=rp0,slot=1,chassis=1", "pcie-root-port,id=rp1,slot=2,chassis=2",
           "igb,bus=rp0,netdev=n0", "igb,bus=rp1,netdev=n1"]


def parse_info_pci(text):
    """{(bus, dev, fn): {...}} from `info pci`: IDs, mapped BARs, bridge numbers and windows."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*Bus\s+(\d+), device\s+(\d+), function (\d+):", line)
        if m:
            cur = {"bars": {}, "unmapped": set(), "bridge": None, "windows": {}}
            funcs[tuple(int(x) for x in m.groups())] = cur
            continue
        if cur is None:
            continue
        m = re.search(r"PCI device ([0-9a-f]{4}):([0-9a-f]{4})", line)
        if m:
            cur["id"] = (int(m.group(1), 16), int(m.group(2), 16))
        m = re.match(r"\s*BAR(\d): .* at 0x([0-9a-f]+) \[0x([0-9a-f]+)\]", line)
        if m:
            start, end = int(m.group(2), 16), int(m.group(3), 16)
            cur["bars"][int(m.group(1))] = (start, end - start + 1)
        m = re.match(r"\s*BAR(\d): .*not mapped", line)
        if m:
            cur["unmapped"].add(int(m.group(1)))
        m = re.match(r"\s*(secondary|subordinate) bus (\d+)\.", line)
        if m:
            cur["bridge"] = cur["bridge"] or {}
            cur["bridge"][m.group(1)] = int(m.group(2))
        m = re.match(r"\s*(IO|memory|prefetchable memory) range \[0x([0-9a-f]+), 0x([0-9a-f]+)\]",
                     line)
        if m:
            base, limit = int(m.group(2), 16), int(m.group(3), 16)
            name = {"IO": "io", "memory": "mem", "prefetchable memory": "pref"}[m.group(1)]
            if base <= limit:
                cur["windows"][name] = (base, limit)
    return funcs


def size_of(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def parse_listing(serial):
    """{(bus, dev, fn): {...}} from the hypervisor's `pci: SSSS:BB:DD.F VVVV:DDDD CCCC ...` lines.

    A later line for the same function (printed after a self-test changed it) replaces the earlier.
    """
    funcs = {}
    rx = re.compile(r"^pci: ([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) "
                    r"([0-9a-f]{4}):([0-9a-f]{4}) ([0-9a-f]{4})(.*)$", re.M)
    for m in rx.finditer(serial):
        rest = m.group(8)
        f = {"id": (int(m.group(5), 16), int(m.group(6), 16)), "class": int(m.group(7), 16),
             "bars": {}, "vf": None, "bridge": None, "windows": {}, "pf": None}
        for b in re.finditer(r" (bar(\d)|rom) (?:io )?0x([0-9a-f]+)\+(\d+[KMG]?)", rest):
            index = 6 if b.group(1) == "rom" else int(b.group(2))
            f["bars"][index] = (int(b.group(3), 16), size_of(b.group(4)))
        v = re.search(r" VF(\d+) of [0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])", rest)
        if v:
            f["vf"] = (int(v.group(1)), tuple(int(x, 16) for x in v.groups()[1:]))
        p = re.search(r" PF (\d+)/(\d+) VFs", rest)
        if p:
            f["pf"] = (int(p.group(1)), int(p.group(2)))
        br = re.search(r" bridge \[([0-9a-f]{2})-([0-9a-f]{2})\]", rest)
        if br:
            f["bridge"] = {"secondary": int(br.group(1), 16), "subordinate": int(br.group(2), 16)}
        for w in re.finditer(r" (io|mem|pref) 0x([0-9a-f]+)-0x([0-9a-f]+)", rest):
            f["windows"][w.group(1)] = (int(w.group(2), 16), int(w.group(3), 16))
        key = (int(m.group(2), 16), int(m.group(3), 16), int(m.group(4)))
        if int(m.group(1), 16) == 0:
            funcs[key] = f
    return funcs


def live(qemu):
    """QEMU lists every VF igb could have; those not enabled read ffff:ffff and map nothing."""
    return {k: v for k, v in qemu.items() if not (v["id"] == (0xffff, 0xffff) and not v["bars"])}


def bdf(key):
    return "%02x:%02x.%x" % key


def compare(hv, qemu):
    """Every live QEMU function is in the listing with the same numbers, and nothing else is."""
    q = live(qemu)
    assert sorted(hv) == sorted(q), "functions differ: hypervisor %s, QEMU %s" % (
        [bdf(k) for k in sorted(hv)], [bdf(k) for k in sorted(q)])
    for key, f in hv.items():
        g = q[key]
        if f["vf"]:
            index, pf = f["vf"]
            assert g["id"] == (0xffff, 0xffff), "%s: a VF reads ffff:ffff" % bdf(key)
            assert f["id"] == (q[pf]["id"][0], IGB_VF_DEVICE), bdf(key)
            rid = (pf[0] << 8 | pf[1] << 3 | pf[2]) + IGB_VF_OFFSET + index * IGB_VF_STRIDE
            assert (key[0] << 8 | key[1] << 3 | key[2]) == rid, "%s is not VF%d" % (bdf(key), index)
        else:
            assert f["id"] == g["id"], bdf(key)
        assert f["bars"] == g["bars"], "%s: BARs: hypervisor %s, QEMU %s" % (
            bdf(key), f["bars"], g["bars"])
        assert (f["bridge"] is None) == (g["bridge"] is None), bdf(key)
        if f["bridge"]:
            assert f["bridge"] == g["bridge"], "%s: buses %s vs %s" % (bdf(key), f["bridge"],
                                                                       g["bridge"])
            assert f["windows"] == g["windows"], "%s: windows %s vs %s" % (
                bdf(key), f["windows"], g["windows"])


def ram_ranges(m):
    """RAM as the CPUs see it: pc.ram in the flat view of address space "memory"."""
    ranges, in_memory = [], False
    for line in m.hmp("info mtree -f").splitlines():
        if line.startswith("FlatView"):
            in_memory = False
        if line.strip() == 'AS "memory", root: system':
            in_memory = True
        r = re.match(r"\s*([0-9a-f]{16})-([0-9a-f]{16}) \(prio [-0-9]+, (?:ram|rom)\): pc\.ram", line)
        if in_memory and r:
            ranges.append((int(r.group(1), 16), int(r.group(2), 16) + 1))
    assert ranges, "no RAM in QEMU's memory map?"
    return ranges


def assert_no_overlaps(m, qemu):
    """Every mapped memory BAR QEMU shows against every other and against RAM."""
    spans = []
    for key, f in live(qemu).items():
        for bar, (addr, size) in f["bars"].items():
            if addr >= 0x10000:  # I/O BARs live in their own space
                spans.append((addr, addr + size, "%s bar%d" % (bdf(key), bar)))
    spans += [(s, e, "RAM") for s, e in ram_ranges(m)]
    for i, (s1, e1, n1) in enumerate(spans):
        for s2, e2, n2 in spans[i + 1:]:
            assert not (s1 < e2 and s2 < e1), "%s [0x%x-0x%x) overlaps %s [0x%x-0x%x)" % (
                n1, s1, e1, n2, s2, e2)


def assert_reachable(qemu):
    """Every mapped memory BAR behind a bridge lies inside one of that bridge's windows (QEMU's view)."""
    bridges = {f["bridge"]["secondary"]: (k, f) for k, f in qemu.items() if f["bridge"]}
    for key, f in live(qemu).items():
        if key[0] == 0:
            continue
        bkey, br = bridges[key[0]]
        for bar, (addr, size) in f["bars"].items():
            if addr < 0x10000:
                continue  # I/O
            inside = [w for name, w in br["windows"].items()
                      if name != "io" and w[0] <= addr and addr + size - 1 <= w[1]]
            assert inside, "%s bar%d 0x%x+0x%x is outside the windows of %s: %s" % (
                bdf(key), bar, addr, size, bdf(bkey), br["windows"])


def boot(machine, cmdline="", devices=(), more=(), wait=90, **kw):
    m = machine(cmdline=cmdline, devices=list(devices), extra=NETDEV + list(more), **kw)
    m.wait_for(r"^hv: boot complete", timeout=wait)
    log = m.serial()
    assert "PANIC" not in log
    return m, log, parse_info_pci(m.hmp("info pci"))


def vfs_of(hv, pf):
    return sorted(k for k, f in hv.items() if f["vf"] and f["vf"][1] == pf)


TOPOLOGIES = [
    ("igb-root-port", IGB_RP, "sriov=all:4", {(1, 0, 0): 4}),
    ("igb-switch", IGB_SWITCH, "sriov=all:8", {(3, 0, 0): 8}),
    ("two-igb", TWO_IGB, "sriov=01:00.0:2,0000:02:00.0:3", {(1, 0, 0): 2, (2, 0, 0): 3}),
    ("no-igb", [], "sriov=all:8", {}),
    ("edu", ["edu"], "", {}),
    ("edu-and-igb", IGB_RP + ["edu"], "sriov=all:1", {(1, 0, 0): 1}),
    ("igb-no-sriov", IGB_RP, "", {(1, 0, 0): 0}),
]


@pytest.mark.parametrize("name,devices,cmdline,want", TOPOLOGIES, ids=[t[0] for t in TOPOLOGIES])
def test_listing_matches_qemu(machine, name, devices, cmdline, want):
    m, log, qemu = boot(machine, cmdline, devices)
    hv = parse_listing(log)
    compare(hv, qemu)
    for pf, n in want.items():
        assert hv[pf]["pf"] == (n, 8), "%s: %s" % (bdf(pf), hv[pf]["pf"])
        assert len(vfs_of(hv, pf)) == n
    if not want:
        assert not any(f["pf"] for f in hv.values())
    if name == "no-igb":
        assert "sriov=all:8: no function has an SR-IOV capability" in log
    if name.startswith("edu"):
        assert any(f["id"] == (0x1234, 0x11e8) for f in hv.values())
    assert_no_overlaps(m, qemu)
    assert_reachable(qemu)


def test_all_eight_vfs(machine):
    m, log, qemu = boot(machine, "sriov=all:8", IGB_RP)
    hv = parse_listing(log)
    compare(hv, qemu)
    vfs = vfs_of(hv, (1, 0, 0))
    assert len(vfs) == 8
    assert [hv[k]["vf"][0] for k in vfs] == list(range(8))
    assert "0000:01:00.0: 8 of 8 VFs enabled" in log
    # Each VF's BARs are 16K, VF after VF (ENVIRONMENT.md), as QEMU decodes them.
    for bar in (0, 3):
        addrs = [qemu[k]["bars"][bar] for k in vfs]
        assert all(size == 16 << 10 for _, size in addrs)
        assert [a - addrs[0][0] for a, _ in addrs] == [i * (16 << 10) for i in range(8)]
    assert_no_overlaps(m, qemu)
    assert_reachable(qemu)


def test_more_vfs_than_total_is_capped(machine):
    m, log, qemu = boot(machine, "sriov=01:00.0:9", IGB_RP)
    assert "0000:01:00.0: 9 VFs asked for, but TotalVFs is 8: enabling 8" in log
    hv = parse_listing(log)
    compare(hv, qemu)
    assert len(vfs_of(hv, (1, 0, 0))) == 8


def test_bad_requests_are_reported(machine):
    m, log, qemu = boot(machine, "sriov=05:00.0:2,00:1f.0:1", IGB_RP)
    assert "sriov=0000:05:00.0:2: no such function" in log
    assert "sriov=0000:00:1f.0:1: it has no SR-IOV capability" in log
    compare(parse_listing(log), qemu)


def test_disable_and_enable_again(machine):
    """The self-test turns the 8 VFs off and 7 back on; QEMU must then show exactly 7."""
    m, log, qemu = boot(machine, "sriov=all:8 selftest=pci_sriov_disable_enable,pci_bars_disjoint",
                        IGB_RP)
    assert re.search(r"^ok \d+ pci_sriov_disable_enable$", log, re.M), log[-3000:]
    assert re.search(r"^ok \d+ pci_bars_disjoint$", log, re.M)
    assert "0000:01:00.0: VFs disabled" in log
    hv = parse_listing(log)
    hv = {k: f for k, f in hv.items() if not (f["vf"] and f["vf"][0] >= 7)}
    compare(hv, qemu)
    assert len(vfs_of(hv, (1, 0, 0))) == 7
    assert hv[(1, 0, 0)]["pf"] == (7, 8)
    assert_no_overlaps(m, qemu)
    assert_reachable(qemu)


def test_ovmf(machine):
    m, log, qemu = boot(machine, "sriov=all:8", IGB_SWITCH, firmware="ovmf", timeout=180,
                          wait=170)
    assert "UEFI firmware" in log
    hv = parse_listing(log)
    compare(hv, qemu)
    assert len(vfs_of(hv, (3, 0, 0))) == 8
    assert_no_overlaps(m, qemu)
    assert_reachable(qemu)


SWITCH_AND_RESERVE = ["pcie-root-port,id=rp0,slot=1,chassis=1",
                      "pcie-root-port,id=rp1,slot=2,chassis=2,bus-reserve=3",
                      "x3130-upstream,id=up0,bus=rp0",
                      "xio3130-downstream,id=dn0,bus=up0,chassis=3,slot=0",
                      "xio3130-downstream,id=dn1,bus=up0,chassis=4,slot=1",
                      "igb,bus=dn1,netdev=n0", "edu,bus=rp1"]


def test_firmware_bus_numbers_kept(machine):
    """SeaBIOS reserves 3 more buses behind rp1 (bus-reserve=3): the hypervisor keeps that."""
    m, log, qemu = boot(machine, "sriov=all:2", SWITCH_AND_RESERVE)
    assert "renumbering" not in log
    hv = parse_listing(log)
    compare(hv, qemu)
    assert hv[(0, 3, 0)]["bridge"] == {"secondary": 5, "subordinate": 8}


def test_assign_busses(machine):
    """pci=assign-busses renumbers every bridge depth-first; QEMU routes by the new numbers."""
    m, log, qemu = boot(machine, "pci=assign-busses sriov=all:2", SWITCH_AND_RESERVE)
    assert "segment 0000: renumbering buses 00-ff (pci=assign-busses)" in log
    hv = parse_listing(log)
    compare(hv, qemu)
    assert hv[(0, 2, 0)]["bridge"] == {"secondary": 1, "subordinate": 4}
    assert hv[(2, 1, 0)]["bridge"] == {"secondary": 4, "subordinate": 4}
    assert hv[(0, 3, 0)]["bridge"] == {"secondary": 5, "subordinate": 5}
    assert hv[(5, 0, 0)]["id"] == (0x1234, 0x11e8)
    assert len(vfs_of(hv, (4, 0, 0))) == 2


def test_no_mcfg_uses_port_cf8(machine):
    """i440fx has no MCFG: ports 0xCF8/0xCFC, no extended config space, so no SR-IOV."""
    m, log, qemu = boot(machine, "sriov=all:2", ["igb,netdev=n0"], more=["-machine", "pc"])
    assert "no usable MCFG: config space through ports 0xcf8/0xcfc" in log
    hv = parse_listing(log)
    compare(hv, qemu)
    assert any(f["id"] == (0x8086, 0x10c9) for f in hv.values())
