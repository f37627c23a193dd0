# SPDX-License-Identifier: MIT
"""The igb PF driver and the VFs partitions are given, judged from QEMU's side.

QEMU q35 with intel-iommu and an igb (82576) behind a PCIe root port, its wire on
`-netdev user`. Partitions run guests/mbxtest.elf, which does the igbvf reset
handshake and mailbox traffic through its VF. The verdicts come from QEMU:
`-trace igb_*` (PHY autonegotiation, PF Reset Done, VF resets, interrupt
throttling), the NIC's registers read through the monitor (`xp` on BAR0),
`info pci`, the frames on the wire (filter-dump), and what the guests saw.
"""
import re
import struct

import pytest

import hvtest

MBXTEST = hvtest.os.path.join(hvtest.BUILD, "guests", "mbxtest.elf")
FILES = [(MBXTEST, "/guests/mbxtest.elf")]
NIC = ["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"]

# 82576 registers (drivers/igb_regs.h)
STATUS, CTRL_EXT, MRQC, VT_CTL = 0x0008, 0x0018, 0x5818, 0x581C
VFRE, VFTE, DTXSWC, WVBR = 0x0C8C, 0x0C90, 0x3500, 0x3554


def RAL(i):
    return 0x5400 + 8 * i if i < 16 else 0x54E0 + 8 * (i - 16)


def VMOLR(p):
    return 0x5AD0 + 4 * p


def boot(machine, modules, cmdline="", smp=3, trace=("igb_*", "e1000x_*"), extra=(),
         timeout=90):
    return machine(cmdline=cmdline, modules=[("/guests/mbxtest.elf", a) for a in modules],
                   files=FILES, smp=smp, iommu=True, devices=NIC,
                   extra=["-netdev", "user,id=n0"] + list(extra), trace=list(trace),
                   timeout=timeout)


def trace(m):
    with open(m.trace_path) as f:
        return f.read()


def pci_devices(m):
    """`info pci` as {(bus, dev, fn): text of that function's entry}."""
    out, devs = m.hmp("info pci"), {}
    for blk in re.split(r"\n(?=  Bus )", out):
        h = re.match(r"\s*Bus\s+(\d+), device\s+(\d+), function (\d+):", blk)
        if h:
            devs[tuple(int(x) for x in h.groups())] = blk
    return devs


def bar(entry, n):
    """(start, size) of BAR n in an `info pci` entry, or None when not mapped."""
    b = re.search(r"BAR%d: .*memory at (0x[0-9a-f]+) \[(0x[0-9a-f]+)\]" % n, entry)
    return (int(b.group(1), 16), int(b.group(2), 16) - int(b.group(1), 16) + 1) if b else None


def reg(m, bar0, off):
    return struct.unpack("<I", m.read_phys(bar0 + off, 4))[0]


def mac_regs(mac):
    b = bytes(int(x, 16) for x in mac.split(":"))
    return struct.unpack("<I", b[:4])[0], struct.unpack("<H", b[4:])[0]


def test_pf_and_vfs_as_qemu_sees_them(machine):
    m = boot(machine, ["name=p1 vf=0 -- mode=beat beat=400",
                       "name=p2 vf=01:10.2 ip=192.0.2.99/25 -- mode=beat beat=400"],
             cmdline="selftest=igb_pf_loopback")
    m.wait_for(r"\[p1\] mbx: beat 2 ok")
    m.wait_for(r"\[p2\] mbx: beat 2 ok")
    s = m.serial()
    assert "ok 1 igb_pf_loopback" in s, s
    assert "igb: VF0 (0000:01:10.0) -> p1, MAC 52:54:00:12:34:11" in s
    assert "igb: VF1 (0000:01:10.2) -> p2, MAC 52:54:00:12:34:12" in s
    assert "[p2] mbx: p2: 1 function(s) on the bus, NIC 00:01.0" in s
    assert "ip 192.0.2.99/25" in s and "ip 192.0.2.11/24" in s
    assert "[p1] mbx: reset reply 0x80000001 mac 52:54:00:12:34:11" in s
    t = trace(m)
    # Link through PHY autonegotiation (MDIC, PHY 1 BMCR), then PF Reset Done for the VFs.
    assert "MDIC WRITE: PHY[0] = 0x1340" in t
    assert t.index("Start link auto negotiation") < t.index("Auto negotiation is completed")
    assert "PF reset done: 1" in t
    assert re.search(r"igb_irq_eitr_set EITR\[0\] = 0x320", t)  # 200 us throttle
    # The partitions asked for VF0 and VF1: two VFs enabled, the others absent.
    devs = pci_devices(m)
    pf = devs[(1, 0, 0)]
    bar0 = bar(pf, 0)[0]
    assert bar(devs[(1, 16, 0)], 0) and bar(devs[(1, 16, 2)], 0) and bar(devs[(1, 16, 2)], 3)
    assert bar(devs[(1, 16, 4)], 0) is None
    # Registers, read from the NIC model itself.
    st = reg(m, bar0, STATUS)
    assert st & 0x2, "no link: STATUS 0x%x" % st
    assert reg(m, bar0, CTRL_EXT) & (1 << 14), "PFRSTD not set"
    assert reg(m, bar0, MRQC) & 1 == 1
    assert reg(m, bar0, VT_CTL) == (7 << 7) | (1 << 29) | (1 << 30)
    assert reg(m, bar0, VFRE) == reg(m, bar0, VFTE) == 0x83  # VF0, VF1 (after RESET), PF pool 7
    assert reg(m, bar0, DTXSWC) == 0x80000303  # loopback; MAC and VLAN anti-spoof for VF pools
    assert reg(m, bar0, RAL(0) + 4) & (1 << 31 | 0xff << 18) == 1 << 31 | 1 << 25  # PF -> pool 7
    for idx, mac, pool in ((23, "52:54:00:12:34:11", 0), (22, "52:54:00:12:34:12", 1)):
        lo, hi = mac_regs(mac)
        assert reg(m, bar0, RAL(idx)) == lo
        assert reg(m, bar0, RAL(idx) + 4) == hi | 1 << 31 | 1 << (18 + pool)
        assert reg(m, bar0, VMOLR(pool)) & (1 << 27), "pool %d does not take broadcast" % pool
    for idx in range(1, 22):
        assert not reg(m, bar0, RAL(idx) + 4) & (1 << 31), "stray address filter %d" % idx


def test_vf_on_the_virtual_bus(machine):
    m = boot(machine, ["name=p1 vf=1 -- mode=check"], smp=2)
    m.wait_for(r"\[p1\] mbx: check done, (\d+) failure")
    s = m.serial()
    vp = re.search(r"\[p1\] vpci: 00:01\.0 ([0-9a-f]{4}):([0-9a-f]{4}) class ([0-9a-f]{6}) "
                   r"cmd ([0-9a-f]{4}) bar0 ([0-9a-f]{16}) size ([0-9a-f]{16}) "
                   r"bar3 ([0-9a-f]{16}) size ([0-9a-f]{16})", s)
    assert vp, s[-3000:]
    vendor, device, cls, cmd, b0, s0, b3, s3 = vp.groups()
    devs = pci_devices(m)
    vf = devs[(1, 16, 2)]
    # QEMU's own view: a VF's IDs read all ones (SR-IOV 3.4.1.1); the partition sees
    # the PF's vendor and the VF Device ID, and the VF's real BAR sizes at its own GPAs.
    assert "PCI device ffff:ffff" in vf
    assert (vendor, device, cls) == ("8086", "10ca", "020000")
    assert "Ethernet controller" in vf
    for n, gpa, size in ((0, b0, s0), (3, b3, s3)):
        host = bar(vf, n)
        assert host, vf
        assert (-(int(size, 16) & ~0xf)) % (1 << 64) == host[1], "BAR%d size differs" % n
        assert int(gpa, 16) & ~0xf != host[0], "the guest sees the host address"
        assert int(gpa, 16) & 0xc == 0xc  # 64-bit prefetchable, as the PF's VF BARs say
    m0 = re.search(r"p1: 0000:01:10\.2: BAR 0 0x([0-9a-f]+)\+0x4000 at GPA 0x([0-9a-f]+)", s)
    assert m0 and int(m0.group(1), 16) == bar(vf, 0)[0]
    assert int(m0.group(2), 16) == int(b0, 16) & ~0xf
    # The MSI-X table page is emulated: the guest's entry reads back; the real one holds the
    # hypervisor's remapped message (address bit 4: remappable format, VT-d 5.1.5.2) for the
    # partition's vCPU 0, never the guest's address and data.
    assert "[p1] mbx: msix entry 0 reads fee00000 00000000 00000041 00000000" in s
    real = struct.unpack("<4I", m.read_phys(bar(vf, 3)[0], 16))
    assert real[0] & 0x10 and real[2] != 0x41, "the guest's MSI-X entry reached the device: %r" % (
        real,)


def test_mailbox_messages(machine):
    m = boot(machine, ["name=p1 vf=0 -- mode=check"], smp=2)
    done = m.wait_for(r"\[p1\] mbx: check done, (\d+) failure")
    s = m.serial()
    assert done.group(1) == "0", s[-3000:]
    results = re.findall(r"\[p1\] mbx: ([a-z_ 0-9x]+) -> (0x[0-9a-f]{8}) (ok|FAILED)", s)
    assert len(results) == 13 and all(r[2] == "ok" for r in results), results
    replies = {name: int(v, 16) for name, v, _ in results}
    assert replies["set_mac foreign"] == 0x60000002  # NACK, still clear to send
    assert replies["set_mac own"] == 0xA0000002
    assert replies["garbage 0x1234"] == 0x60001234
    # One line for the refused MAC; the MAC in the NIC is still the locked one.
    assert len(re.findall(r"igb: warning: VF0 \(p1\): refused MAC 52:54:00:12:34:99", s)) == 1
    bar0 = bar(pci_devices(m)[(1, 0, 0)], 0)[0]
    lo, hi = mac_regs("52:54:00:12:34:11")
    assert reg(m, bar0, RAL(23)) == lo and reg(m, bar0, RAL(23) + 4) & 0xffff == hi
    assert reg(m, bar0, VMOLR(0)) & 0x3fff == 1522  # SET_LPE 1522 took, 100000 did not


def test_mailbox_flood_does_not_stop_another_vf(machine):
    m = boot(machine, ["name=p1 vf=0 -- mode=flood flood=4000 beat=300",
                       "name=p2 vf=1 -- mode=beat beat=300"], timeout=120)
    m.wait_for(r"\[p1\] mbx: heard again after the flood", timeout=100)
    m.wait_for(r"\[p1\] mbx: beat 1 ok")
    s = m.serial()
    assert "FAILED" not in s, s[-3000:]
    assert re.search(r"igb: warning: VF0 \(p1\): mailbox flood .*: ignored for 2000 ms", s)
    start, end = s.index("[p1] mbx: flooding"), s.index("[p1] mbx: flood over")
    beats = re.findall(r"\[p2\] mbx: beat \d+ ok", s[start:end])
    assert len(beats) >= 5, "p2's mailbox stalled during p1's flood: %d beats" % len(beats)
    requests = int(re.search(r"flood over: (\d+) requests", s).group(1))
    # Every interrupt the PF served reads ICR once (QEMU traces the clear): the throttle
    # keeps CPU 0's interrupt load bounded however many requests the VF makes.
    irqs = trace(m).count("Clearing ICR on read due to GPIE.NSICR")
    assert requests > 10 * irqs, (requests, irqs)
    assert irqs < 4.0 / 200e-6 + 1000, irqs


@pytest.mark.parametrize("how", ["flr", "vtctrl"])
def test_vf_reset_leaves_the_other_vf_working(machine, how):
    m = boot(machine, ["name=p1 vf=0 -- mode=flr reset=%s delay=1500 beat=300" % how,
                       "name=p2 vf=1 -- mode=beat beat=300"])
    m.wait_for(r"\[p1\] mbx: handshake again after the reset ok")
    m.wait_for(r"\[p1\] mbx: beat 3 ok")
    s = m.serial()
    assert "FAILED" not in s, s[-3000:]
    t = trace(m)
    # QEMU reset VF0 only (its CTRL.RST at the first handshake, then the FLR / CTRL.RST).
    resets = re.findall(r"igb_core_vf_reset VF(\d)", t)
    boot_resets = t.count("igb_core_vf_reset", 0, t.index("PF reset done: 1"))
    assert resets[boot_resets:].count("0") >= 2 and resets[boot_resets:].count("1") == 1, resets
    assert ("FLR through Device Control" if how == "flr" else "CTRL.RST") in s
    after = s[s.index("[p1] mbx: handshake again"):]
    assert re.search(r"\[p2\] mbx: beat \d+ ok", after), "p2's mailbox stopped after p1's reset"
    bar0 = bar(pci_devices(m)[(1, 0, 0)], 0)[0]
    assert reg(m, bar0, VFRE) == 0x83  # both pools open again, the PF's untouched


def test_stopped_partition_loses_its_pool(machine):
    m = boot(machine, ["name=p1 vf=0 -- mode=beat beat=300 beats=2",
                       "name=p2 vf=1 -- mode=beat beat=300"])
    m.wait_for(r"p1: stopped: shut down by the guest \(code 0\)")
    m.wait_for(r"igb: VF0 \(p1\): pool closed: its partition stopped")
    n = len(re.findall(r"\[p2\] mbx: beat \d+ ok", m.serial()))
    m.wait_for(r"\[p2\] mbx: beat %d ok" % (n + 2))
    bar0 = bar(pci_devices(m)[(1, 0, 0)], 0)[0]
    assert reg(m, bar0, VFRE) == reg(m, bar0, VFTE) == 0x82  # VF0 closed, VF1 and the PF open


def test_vfs_follow_the_plan(machine):
    # No sriov=: as many VFs as the highest VF asked for. p3 names p1's VF by address,
    # p4 asks for VF 7, which the PF keeps for itself.
    m = boot(machine, ["name=p1 vf=2 -- mode=beat beat=1000",
                       "name=p2 vf=0 -- mode=beat beat=1000",
                       "name=p3 vf=01:10.4 mac=52:54:00:12:34:33 -- mode=beat",
                       "name=p4 vf=7 -- mode=beat"], smp=5)
    m.wait_for(r"\[p2\] mbx: beat 1 ok")
    s = m.serial()
    assert "igb: warning: 0000:01:00.0: 8 VFs asked for: 7 at most, so that the PF keeps pool 7" in s
    assert "pci: 0000:01:00.0: 7 of 8 VFs enabled" in s
    assert re.search(r"p3: error: not started: VF 0000:01:10\.4: it is not free", s)
    assert re.search(r"p4: error: not started: VF 7: it is not an enabled VF", s)
    devs = pci_devices(m)
    assert bar(devs[(1, 17, 4)], 0) and bar(devs[(1, 17, 6)], 0) is None  # VF6 yes, VF7 no


def test_without_iommu_the_vf_is_mmio_only(machine):
    # No intel-iommu: the PF's interrupt is a plain MSI, its rings untranslated; the VF is
    # given without bus mastering (it could reach any memory), but its mailbox works.
    m = machine(cmdline="selftest=igb_pf_loopback", smp=2, devices=NIC,
                modules=[("/guests/mbxtest.elf", "name=p1 vf=0 -- mode=check")], files=FILES,
                extra=["-netdev", "user,id=n0"], timeout=60)
    m.wait_for(r"\[p1\] mbx: check done, 0 failure")
    s = m.serial()
    assert "ok 1 igb_pf_loopback" in s
    assert "p1: 0000:01:10.0 8086:10ca is its 00:01.0; bus mastering refused (no IOMMU)" in s
    assert re.search(r"\[p1\] vpci: 00:01\.0 8086:10ca class 020000 cmd 0002 ", s)


def test_sriov_option_and_no_vf_asked(machine):
    m = machine(cmdline="sriov=01:00.0:3", smp=2, iommu=True, devices=NIC,
                extra=["-netdev", "user,id=n0"], timeout=60)
    m.wait_for(r"hv: boot complete")
    s = m.serial()
    assert "pci: 0000:01:00.0: 3 of 8 VFs enabled" in s
    assert re.search(r"igb: 0000:01:00\.0: PF up, MAC 52:54:00:12:34:56, 3 VFs, PF pool 7", s)


def test_sriov_option_gives_all_eight(machine):
    # sriov=...:8 overrides the default of 7: VF7 owns pool 7, the PF keeps no queue.
    m = boot(machine, ["name=p1 vf=7 -- mode=beat beat=300"], cmdline="sriov=01:00.0:8",
             smp=2)
    m.wait_for(r"\[p1\] mbx: beat 2 ok")
    s = m.serial()
    assert "igb: warning: 0000:01:00.0: sriov= enabled VF7: the PF has no queue of its own" in s
    assert "8 VFs, PF pool none" in s
    assert "igb: VF7 (0000:01:11.6) -> p1, MAC 52:54:00:12:34:11" in s
    bar0 = bar(pci_devices(m)[(1, 0, 0)], 0)[0]
    assert reg(m, bar0, VFRE) == 0x80
    lo, hi = mac_regs("52:54:00:12:34:11")
    assert reg(m, bar0, RAL(16)) == lo and reg(m, bar0, RAL(16) + 4) == hi | 1 << 31 | 1 << 25
    assert not reg(m, bar0, RAL(0) + 4) & (1 << 31)  # the PF's own MAC goes nowhere


def read_pcap(path):
    data, frames, off = open(path, "rb").read(), [], 24
    while off + 16 <= len(data):
        n = struct.unpack("<I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + n])
        off += 16 + n
    return frames


def test_replication_to_the_pools_that_want_it(machine, tmp_path):
    # p1 sends broadcast, unicast to p2 and to a multicast group only p2 joined. The NIC
    # switches them between pools (VMDq loopback): p2 gets all three kinds, p3 only the
    # broadcast; the unicast to a local MAC never reaches the wire.
    dump = str(tmp_path / "wire.pcap")
    group = "01:00:5e:00:00:fb"
    m = boot(machine, ["name=p1 vf=0 -- mode=send delay=4000 count=3 "
                       "dst=ff:ff:ff:ff:ff:ff,52:54:00:12:34:12," + group,
                       "name=p2 vf=1 -- mode=rx listen=9000 mc=" + group,
                       "name=p3 vf=2 -- mode=rx listen=9000"], smp=4,
             extra=["-object", "filter-dump,id=d0,netdev=n0,file=" + dump], timeout=120)
    m.wait_for(r"\[p3\] mbx: received", timeout=100)
    m.wait_for(r"\[p2\] mbx: received")
    s = m.serial()
    assert "FAILED" not in s, s[-3000:]
    assert "[p2] mbx: received unicast 3 broadcast 3 multicast 3" in s
    assert "[p3] mbx: received unicast 0 broadcast 3 multicast 0" in s
    m.kill()
    ours = [f for f in read_pcap(dump) if b"sent by mbxtest" in f]
    dsts = sorted(f[0:6].hex() for f in ours)
    assert dsts == ["01005e0000fb"] * 3 + ["ffffffffffff"] * 3, dsts


def test_anti_spoofing_programmed(machine, tmp_path):
    dump = str(tmp_path / "wire.pcap")
    m = boot(machine, ["name=p1 vf=0 -- mode=beat beat=1000",
                       "name=p2 vf=1 -- mode=send src=52:54:00:12:34:11 count=5"],
             extra=["-object", "filter-dump,id=d0,netdev=n0,file=" + dump])
    m.wait_for(r"\[p2\] mbx: sent 5 frames from 52:54:00:12:34:11 to ff:ff:ff:ff:ff:ff")
    m.wait_for(r"\[p2\] mbx: beat 1 ok")
    bar0 = bar(pci_devices(m)[(1, 0, 0)], 0)[0]
    assert reg(m, bar0, DTXSWC) & 0x0202 == 0x0202, "VF1's pool is not checked for spoofing"
    wvbr = reg(m, bar0, WVBR)
    m.kill()
    spoofed = [f for f in read_pcap(dump) if f[6:12] == bytes.fromhex("525400123411") and
               b"sent by mbxtest" in f]
    if spoofed:
        # QEMU 10.0's igb stores DTXSWC but never checks a VF's source MAC (nor sets WVBR):
        # a platform limitation, recorded here so that a QEMU that enforces it passes.
        assert wvbr == 0
        pytest.xfail("QEMU's igb does not enforce MAC anti-spoofing: %d spoofed frames on "
                     "the wire, WVBR 0x%x" % (len(spoofed), wvbr))
