# SPDX-License-Identifier: MIT
"""An unmodified Debian Linux kernel in a partition, next to a minimal guest.

One machine (q35, intel-iommu with interrupt remapping, an igb whose wire is a tap in a
network namespace of this run) boots two partitions: `lx`, Debian's own kernel (the
bzImage tools/setup installs, linux-image-amd64) with an initramfs tools/mkinitramfs
builds at test time (busybox-static, that kernel's igbvf module, guests/linux/init and
guests/linux/udpecho), owning VF 0; and `p2`, the minimal network guest guests/net.elf
on VF 1. The tests share that boot (xdist group "linux") and run in file order:

1. Linux reaches /init (its marker on the partition's console), the zero page QEMU shows
   in the partition's RAM is the one the boot protocol asks for, and the minimal guest
   answers the peer's pings throughout.
2. With interrupt delivery (the virtual local APIC's TSC-deadline timer, the VF's MSI-X
   through interrupt remapping), igbvf probes the VF, gets its MAC from the PF's mailbox,
   brings the link up; the peer pings Linux and exchanges UDP with it while the minimal
   guest keeps answering.
3. Linux powers off through its ACPI tables and the partition stops, the other one not;
   no kernel warning from boot to power off.

Under TCG a Debian kernel needs 50-70 s to /init (guests/README.md, "Linux in a partition",
has the measurements). Linux's console lines are kept in build/linux/lx-console.log.
"""
import os
import re
import struct
import subprocess
import time

import pytest

import hvtest
import netns

ROOT = hvtest.ROOT
LINUX = os.path.join(hvtest.BUILD, "linux")
GUESTS = os.path.join(hvtest.BUILD, "guests")
FILES = [(os.path.join(LINUX, "vmlinuz"), "/linux/vmlinuz"),
         (os.path.join(LINUX, "initramfs.cpio.gz"), "/linux/initramfs.gz"),
         (os.path.join(GUESTS, "net.elf"), "/guests/net.elf")]
LX_IP, P2_IP = "192.0.2.20", "192.0.2.12"
LX_MAC = "52:54:00:12:34:11"  # the default plan's MAC of module 1 (its VF 0)
# Linux's command line: the serial console, a fixed load address (no KASLR: the test reads
# the zero page), no IOAPIC to look for, the address /init gives eth0.
CMDLINE = "console=ttyS0 earlyprintk=serial,ttyS0 nokaslr noapic hvip=%s/24" % LX_IP
# What Linux prints when something it found is wrong.
BAD = ("unchecked MSR access", "WARNING:", "Call Trace", "BUG:", "[Firmware Bug]", "FW_BUG")


pytestmark = [
    pytest.mark.xdist_group("linux"),
    pytest.mark.skipif(netns.available() is not None, reason=str(netns.available())),
]


def build_initramfs():
    """tools/mkinitramfs into build/linux when its inputs are newer than its output."""
    out = os.path.join(LINUX, "initramfs.cpio.gz")
    inputs = [os.path.join(ROOT, p) for p in
              ("tools/mkinitramfs", "guests/linux/init", "guests/linux/udpecho.c")]
    if os.path.exists(out) and all(os.path.getmtime(i) < os.path.getmtime(out) for i in inputs):
        return
    subprocess.run(["bash", os.path.join(ROOT, "tools", "mkinitramfs"), LINUX], check=True,
                   timeout=300, cwd=ROOT)


class Rig:
    def __init__(self, ns, m, start):
        self.ns, self.m, self.start = ns, m, start

    def ram(self, part):
        m = re.search(r"^%s: (\d+) MiB RAM at host-physical 0x([0-9a-f]+)-" % part,
                      self.m.serial(), re.M)
        assert m, self.m.serial()[-3000:]
        return int(m.group(2), 16), int(m.group(1)) << 20

    def pings(self, ip, count):
        # With -c and -w ping sends until `count` replies came; when replies lag (TCG, three
        # busy vCPU threads on two host cores) the requests still in flight at the count-th
        # reply are "transmitted" but not "received". More than a pipe of them is a loss.
        sent, got, out = self.ns.ping(ip, count, wait=5)
        assert got >= count and sent - got <= 3, "%s: %d sent, %d received:\n%s" % (
            ip, sent, got, out)


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    build_initramfs()
    workdir = str(tmp_path_factory.mktemp("linux"))
    with netns.NetNS() as ns:
        m = netns.NetMachine(
            ns, workdir, smp=3, mem="1G", iommu=True, files=FILES, timeout=1500,
            devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"],
            modules=[("/linux/vmlinuz",
                      "name=lx cpus=1 mem=256M vf=0 ip=%s/24 mods=1 console_rate=2000 -- %s"
                      % (LX_IP, CMDLINE)),
                     ("/linux/initramfs.gz", "initrd"),
                     ("/guests/net.elf", "name=p2 cpus=1 mem=32M vf=1 ip=%s/24 -- stats=0" % P2_IP)])
        start = time.monotonic()
        with m:
            try:
                m.wait_for(r"^hv: boot complete", timeout=300)
                yield Rig(ns, m, start)
            finally:  # Linux's console, for reading its warnings (guests/README.md)
                with open(os.path.join(LINUX, "lx-console.log"), "w") as f:
                    f.write("".join(l + "\n" for l in m.serial().splitlines()
                                    if l.startswith(("[lx]", "lx:"))))


def zero_page_e820(zp):
    n = zp[0x1e8]
    return [struct.unpack_from("<QQI", zp, 0x2d0 + 20 * i) for i in range(n)]


def test_linux_reaches_init_beside_a_minimal_guest(rig):
    m = rig.m
    m.wait_for(r"^\[p2\] net: link up", timeout=240)
    # The loader's own account, then what QEMU shows in the partition's RAM.
    line = m.wait_for(r"^lx: Linux kernel \(boot protocol 2\.(\d+)\) at 0x1000000, init_size "
                      r"0x([0-9a-f]+), initrd 0x([0-9a-f]+)\+0x([0-9a-f]+)", timeout=10)
    base, size = rig.ram("lx")
    assert size == 256 << 20
    zp = rig.m.read_phys(base + 0x1000, 4096)
    assert zp[0x202:0x206] == b"HdrS" and zp[0x210] == 0xff  # header copied, loader 0xff
    assert struct.unpack_from("<I", zp, 0x218)[0] == int(line.group(3), 16)  # ramdisk_image
    assert struct.unpack_from("<I", zp, 0x21c)[0] == int(line.group(4), 16)  # ramdisk_size
    assert struct.unpack_from("<Q", zp, 0x70)[0] == 0xe0000  # acpi_rsdp_addr
    assert zero_page_e820(zp)[:3] == [(0, 0xa0000, 1), (0xa0000, 0x60000, 2),
                                      (0x100000, size - 0x100000, 1)]
    assert rig.m.read_phys(base + 0xe0000, 8) == b"RSD PTR "
    cmd = rig.m.read_phys(base + struct.unpack_from("<I", zp, 0x228)[0], 200)
    assert cmd.startswith(CMDLINE.encode()) and b"tsc_early_khz=" in cmd
    # The minimal guest answers while Linux boots, and Linux reaches /init.
    rig.pings(P2_IP, 20)
    m.wait_for(r"^\[lx\] .*linux-init: /init reached, kernel \S+, 1 CPU", timeout=600)
    print("linux: /init %.0f s after QEMU started" % (time.monotonic() - rig.start))
    rig.pings(P2_IP, 20)
    log = m.serial()
    # Up to /init, no kernel warning of the kind our virtual hardware caused before (an MSR
    # read without a fixup, a WARN with its call trace); guests/README.md lists what remains.
    boot = log[:log.index("linux-init: /init reached")]
    for bad in BAD:
        assert bad not in boot, boot[max(0, boot.index(bad) - 2000):boot.index(bad) + 500]
    assert "PANIC" not in log
    assert not re.search(r"^(lx|p2): stopped", log, re.M), log[-3000:]
    assert re.search(r"^\[lx\] \[ *[\d.]+\] ACPI: PCI Root Bridge \[PCI0\]", log, re.M)
    assert re.search(r"^\[lx\] \[ *[\d.]+\] pci 0000:00:01\.0: \[8086:10ca\]", log, re.M)


def test_igbvf_passes_traffic(rig):
    m = rig.m
    m.wait_for(r"^\[lx\] .*linux-init: eth0 up mac %s ip %s/24" % (LX_MAC, LX_IP), timeout=300)
    print("linux: eth0 up %.0f s after QEMU started" % (time.monotonic() - rig.start))
    end = time.monotonic() + 60
    while rig.ns.ping(LX_IP, 1, wait=1)[1] != 1:
        assert time.monotonic() < end, m.serial()[-3000:]
    rig.pings(LX_IP, 50)
    assert rig.ns.neigh().get(LX_IP) == LX_MAC  # the MAC the PF locked for VF 0
    echo = rig.ns.peer("udp-echo", LX_IP, 40, "--min", 1, "--max", 1400)[0]
    assert echo["ok"] == 40 and echo["bad"] == 0, echo
    rig.pings(P2_IP, 20)  # the minimal guest kept answering
    log = m.serial()
    assert re.search(r"^\[lx\] .*igbvf 0000:00:01\.0: Address: %s$" % LX_MAC, log, re.M), \
        log[-3000:]
    assert re.search(r"^\[lx\] .*igbvf 0000:00:01\.0: Link is Up", log, re.M), log[-3000:]


def test_linux_powers_off_cleanly(rig):
    m = rig.m
    m.wait_for(r"^\[lx\] .*udpecho: echo on UDP 7, control on UDP 7001", timeout=60)
    # A lost datagram or reply is sent again; once udpecho took one, Linux powers off.
    reply = rig.ns.peer("ctl", LX_IP, "poweroff", "--timeout", 10, "--tries", 3)[0]
    m.wait_for(r"^\[lx\] .*udpecho: power off requested", timeout=60)
    m.wait_for(r"^lx: stopped: powered off \(ACPI S5: 0x34 written", timeout=120)
    assert reply["reply"] in ("bye", None), reply
    rig.pings(P2_IP, 10)
    log = m.serial()
    assert not re.search(r"^p2: stopped", log, re.M)
    # From boot to power off, no kernel warning the virtual hardware caused (guests/README.md).
    lx = "\n".join(l for l in log.splitlines() if l.startswith("[lx]"))
    for bad in BAD:
        assert bad not in lx, lx[max(0, lx.index(bad) - 2000):lx.index(bad) + 500]
    print("linux: test file %.0f s" % (time.monotonic() - rig.start))
