# SPDX-License-Identifier: MIT
"""SR-IOV end to end: partitions drive their own igb VFs, a real Linux stack is the peer.

One machine (q35, intel-iommu with interrupt remapping, an igb behind a PCIe root
port whose wire is a tap in a network namespace of this test run) boots two
partitions running guests/net.elf: p1 owns VF 0, p2 owns VF 1, with the default
network plan's MACs and addresses. The peer is Linux in the namespace (192.0.2.1):
its ping, a UDP client and raw sockets on the tap judge the traffic; QEMU's monitor
(`xp`, `info pci`) and its vtd_dmar_fault trace judge memory and DMA. The tests
share that boot and run in file order on one worker (xdist group "sriov"): the
last one stops p2.
"""
import json
import os
import re
import sys
import time

import pytest

import hvtest
import netns

GUESTS = os.path.join(hvtest.BUILD, "guests")
NET = "/guests/net.elf"
FILES = [(os.path.join(GUESTS, "net.elf"), NET)]
PEER = "192.0.2.1"
# The default network plan (README "Networking"): partition i has VF i-1,
# MAC 52:54:00:12:34:(0x10 + i), IPv4 192.0.2.(10 + i)/24.
PLAN = {
    "p1": {"mac": "52:54:00:12:34:11", "ip": "192.0.2.11", "rid": "01:10.0", "sid": 0x180},
    "p2": {"mac": "52:54:00:12:34:12", "ip": "192.0.2.12", "rid": "01:10.2", "sid": 0x182},
}
# The PF's MAC anti-spoof bits (DTXSWC 0x3500, 82576 datasheet 8.10.x) for pools 0 and 1.
DTXSWC = 0x3500

pytestmark = [
    pytest.mark.xdist_group("sriov"),
    pytest.mark.skipif(netns.available() is not None, reason=str(netns.available())),
]


class Rig:
    def __init__(self, ns, m):
        self.ns, self.m = ns, m

    def ctl(self, part, *cmd, timeout=20):
        """A command to a partition's control port (UDP 7001); returns the reply text."""
        r = self.ns.peer("ctl", PLAN[part]["ip"], *cmd, "--timeout", timeout,
                         timeout=timeout + 30)[0]
        assert r["reply"] is not None, "%s did not answer %r; serial tail:\n%s" % (
            part, cmd, self.m.serial()[-3000:])
        return r["reply"]

    def stats(self, part):
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", self.ctl(part, "stats"))}

    def ping(self, part, count=100):
        # -i 0.05; a reply may take a while when TCG's vCPU threads share busy host cores.
        # With -w, ping keeps sending until `count` replies came: a slow first reply (ARP
        # under load) makes it send one more, which is not a loss. Lost = sent - received.
        sent, got, out = self.ns.ping(PLAN[part]["ip"], count, wait=5)
        assert got >= count and got == sent, "%s: %d sent, %d received:\n%s" % (
            part, sent, got, out)

    def ram(self, part):
        m = re.search(r"^%s: (\d+) MiB RAM at host-physical 0x([0-9a-f]+)-" % part,
                      self.m.serial(), re.M)
        return int(m.group(2), 16), int(m.group(1)) << 20

    def trace(self):
        with open(self.m.trace_path) as f:
            return f.read()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("sriov"))
    with netns.NetNS() as ns:
        m = netns.NetMachine(
            ns, workdir, smp=3, mem="512M", iommu=True, files=FILES, timeout=900,
            devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"],
            trace=["vtd_dmar_fault"],
            modules=[(NET, "name=p1 cpus=1 mem=32M vf=0 -- ctl=1 stats=0"),
                     (NET, "name=p2 cpus=1 mem=32M vf=1 -- ctl=1 stats=0 "
                           "askmac=52:54:00:12:34:11")])
        with m:
            for part, p in PLAN.items():
                m.wait_for(r"^\[%s\] net: link up" % part, timeout=180)
            for part, p in PLAN.items():
                ready(ns, m, part)
            yield Rig(ns, m)


def ready(ns, m, part, seconds=30):
    """Wait until the partition answers one ping (the peer has its MAC by ARP then)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if ns.ping(PLAN[part]["ip"], 1, wait=1)[1] == 1:
            return
    raise AssertionError("%s never answered a ping; serial tail:\n%s" % (part,
                                                                         m.serial()[-3000:]))


def test_mac_and_address_from_the_module_line(tmp_path):
    # mac= and ip= on the module line override the plan: the PF locks that MAC for the VF (the
    # guest learns it from the RESET answer), the guest takes the address from its boot
    # information, and the peer reaches it there with that MAC. Its own short boot, before the
    # shared one starts.
    with netns.NetNS() as ns:
        m = netns.NetMachine(
            ns, str(tmp_path), smp=2, mem="256M", iommu=True, files=FILES, timeout=120,
            devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"],
            modules=[(NET, "name=solo cpus=1 mem=16M vf=3 mac=02:00:00:00:00:33 "
                           "ip=192.0.2.77/28 -- stats=0")])
        with m:
            m.wait_for(r"^\[solo\] net: up mac 02:00:00:00:00:33 ip 192\.0\.2\.77/28$",
                       timeout=90)
            m.wait_for(r"^\[solo\] net: link up", timeout=30)
            end = time.monotonic() + 30
            while ns.ping("192.0.2.77", 1, wait=1)[1] != 1:
                assert time.monotonic() < end, m.serial()[-3000:]
            sent, got, _ = ns.ping("192.0.2.77", 20, wait=5)
            assert got >= 20 and got == sent, (sent, got)  # see Rig.ping: lost = sent - got
            assert ns.neigh().get("192.0.2.77") == "02:00:00:00:00:33"
            assert re.search(r"^igb: VF3 \(0000:01:10\.6\) -> solo, MAC 02:00:00:00:00:33$",
                             m.serial(), re.M)


def test_partitions_come_up_with_the_planned_addresses(rig):
    log = rig.m.serial()
    for part, p in PLAN.items():
        assert re.search(r"^\[%s\] net: up mac %s ip %s/24$" % (part, p["mac"], p["ip"]), log,
                         re.M), log[-3000:]
        assert re.search(r"^%s: 0000:%s .*is its 00:01\.0" % (part, re.escape(p["rid"])), log,
                         re.M), log[-3000:]
        assert re.search(r"^igb: VF\d \(0000:%s\) -> %s, MAC %s$" % (
            re.escape(p["rid"]), part, p["mac"]), log, re.M), log[-3000:]
    # From outside: QEMU shows each VF's BAR 0 decoding where the hypervisor says it put it
    # (a VF's own IDs read all ones), and the peer learns the planned MACs by ARP.
    pci = rig.m.hmp("info pci")
    for part, p in PLAN.items():
        bar = re.search(r"^%s: 0000:%s: BAR 0 (0x[0-9a-f]+)\+0x4000 at GPA 0x[0-9a-f]+$" % (
            part, re.escape(p["rid"])), log, re.M)
        assert bar, log[-3000:]
        dev, fn = int(p["rid"][3:5], 16), int(p["rid"][6])
        block = pci[pci.index("Bus  1, device %3d, function %d:" % (dev, fn)):][:400]
        assert re.search(r"BAR0: 32 bit memory at %s \[" % bar.group(1), block), block
    for part in PLAN:
        rig.ping(part, 3)
    neigh = rig.ns.neigh()
    for part, p in PLAN.items():
        assert neigh.get(p["ip"]) == p["mac"], neigh


def test_peer_pings_every_partition(rig):
    for part in PLAN:
        rig.ping(part, 100)
    for part in PLAN:
        s = rig.stats(part)
        assert s["echo_replies"] >= 100 and s["drop_icmp_bad"] == 0, s


def test_udp_echo_every_size_payload_checked(rig):
    for part, p in PLAN.items():
        r = rig.ns.peer("udp-echo", p["ip"], 1000, "--min", 1, "--max", 1472,
                        "--seed", p["sid"])[0]
        assert r["sizes"] == [1, 1472], r
        assert (r["ok"], r["bad"], r["lost"]) == (1000, 0, 0), (part, r)


def test_unicast_to_p1_never_reaches_p2(rig):
    # 200 frames to p1's MAC carrying p2's IP address: the NIC's pool filter must hand them
    # to p1 only (p1 drops them as "not my IP"); p2's counters, and the NIC's own per-VF
    # receive counter for p2, must not move beyond the control datagrams themselves.
    before = {part: rig.stats(part) for part in PLAN}
    rig.ns.peer("send", rig.ns.tap, PLAN["p1"]["mac"], PEER, PLAN["p2"]["ip"], 200)
    time.sleep(1)
    after = {part: rig.stats(part) for part in PLAN}
    d = {part: {k: after[part][k] - before[part][k] for k in after[part]} for part in PLAN}
    assert d["p1"]["drop_ip_not_ours"] == 200, d["p1"]
    assert d["p1"]["nic_rx"] >= 200, d["p1"]
    assert d["p2"]["drop_not_ours"] == 0 and after["p2"]["drop_not_ours"] == 0, d["p2"]
    assert d["p2"]["udp"] <= 2 and d["p2"]["nic_rx"] <= 5, d["p2"]


def test_foreign_mac_request_is_nacked(rig):
    log = rig.m.serial()
    assert re.search(r"^\[p2\] net: askmac 52:54:00:12:34:11: NACK \(MAC 52:54:00:12:34:12\)$",
                     log, re.M), log[-3000:]
    assert rig.ctl("p2", "askmac", PLAN["p1"]["mac"]) == "nack"
    rig.m.wait_for(r"^igb: warning: VF1 \(p2\): refused MAC 52:54:00:12:34:11: its MAC "
                   r"52:54:00:12:34:12 is locked", timeout=10)
    # Still p2's own MAC on the wire, and p1 keeps its own.
    rig.ping("p2", 5)
    rig.ping("p1", 5)
    neigh = rig.ns.neigh()
    assert neigh.get(PLAN["p2"]["ip"]) == PLAN["p2"]["mac"], neigh
    assert neigh.get(PLAN["p1"]["ip"]) == PLAN["p1"]["mac"], neigh


def pf_bar0(rig):
    pci = rig.m.hmp("info pci")
    pf = pci[pci.index("8086:10c9"):]
    return int(re.search(r"BAR0: 32 bit memory at (0x[0-9a-f]+)", pf).group(1), 16)


def test_spoofed_source_mac_from_p2(rig):
    # p2 sends 5 UDP frames to the peer with p1's MAC as source. The hypervisor must have
    # turned on the NIC's MAC anti-spoofing for the VF pools (DTXSWC bits 0..n-1, read from
    # outside with xp); the NIC must then drop the frames, so the peer sees none of them.
    dtxswc = int.from_bytes(rig.m.read_phys(pf_bar0(rig) + DTXSWC, 4), "little")
    cap = rig.ns.popen([sys.executable, netns.NETPEER, "capture", rig.ns.tap, "6"])
    try:
        assert json.loads(cap.stdout.readline()).get("ready")
        assert rig.ctl("p2", "spoof", PLAN["p1"]["mac"]) == "sent"
        out, _ = cap.communicate(timeout=30)
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
    frames = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    marker = b"spoof from p2".hex()
    spoofed = [f for f in frames if f["src"] == PLAN["p1"]["mac"] and marker in f["data"]]
    assert dtxswc & 0x3 == 0x3, "DTXSWC 0x%x: MAC anti-spoofing off for pools 0, 1" % dtxswc
    rig.ping("p1", 5)  # p1 is not disturbed either way
    if spoofed:
        pytest.xfail("QEMU 10.0's igb does not implement MAC anti-spoofing (hw/net/igb_core.c: "
                     "igb_tx_pkt_switch reads only DTXSWC's loopback bit 31, WVBR is never "
                     "set): the hypervisor set the pools' bits (DTXSWC 0x%x), yet the peer saw "
                     "%d of p2's frames with p1's source MAC; the NIC's drop (and a log line "
                     "from WVBR) can only be shown on real 82576 hardware"
                     % (dtxswc, len(spoofed)))
    assert not spoofed


def escape(rig, part, target):
    """Aim one of part's RX descriptors at GPA target, then send it frames until the NIC used it."""
    done = r"^\[%s\] net: dma_escape: descriptor \d+ came back" % part
    seen = len(re.findall(done, rig.m.serial(), re.M))
    assert rig.ctl(part, "escape", hex(target)) == "armed"
    for _ in range(5):  # the frame that lands in the escape descriptor is lost by design
        rig.ns.peer("udp-echo", PLAN[part]["ip"], 1, "--min", 64, "--max", 64)
        if len(re.findall(done, rig.m.serial(), re.M)) > seen:
            break
    assert len(re.findall(done, rig.m.serial(), re.M)) > seen, rig.m.serial()[-3000:]


def test_dma_outside_the_partition_faults_with_the_vfs_rid(rig):
    # p2 aims an RX descriptor at guest-physical addresses outside its 32 MiB, as if it knew
    # where things live in host memory: p1's image, then the VT-d root table. A frame for p2
    # makes the NIC DMA there with VF 1's requester ID: VT-d must fault (QEMU's trace and the
    # hypervisor's log name 01:10.2) and the memory must stay as it was (xp).
    base1, _ = rig.ram("p1")
    root = int(re.search(r"^vtd: unit 0: DMA remapping on, root table (0x[0-9a-f]+)$",
                         rig.m.serial(), re.M).group(1), 16)
    _, size2 = rig.ram("p2")
    for target in (base1 + 0x100000, root):
        assert target >= size2
        before = rig.m.read_phys(target, 256)
        escape(rig, "p2", target)
        rig.m.wait_for(r"^vtd: DMA fault: 0000:%s write 0x%x " % (
            re.escape(PLAN["p2"]["rid"]), target), timeout=30)
        assert re.search(r"vtd_dmar_fault sid 0x%x fault \d+ addr 0x%x write 1" % (
            PLAN["p2"]["sid"], target), rig.trace()), rig.trace()[-2000:]
        assert rig.m.read_phys(target, 256) == before, "memory at 0x%x changed" % target
    r = rig.ns.peer("udp-echo", PLAN["p2"]["ip"], 50, "--min", 1, "--max", 1472)[0]
    assert (r["ok"], r["bad"]) == (50, 0), r
    rig.ping("p1", 5)


def test_vf_reset_and_flr_keep_everyone_working(rig):
    up_again = r"^\[p2\] net: up again: mac 52:54:00:12:34:12 ip 192\.0\.2\.12/24$"
    ups = len(re.findall(up_again, rig.m.serial(), re.M))
    for how in ("ctrl", "flr"):
        assert rig.ctl("p2", "reset", how, timeout=40) == "reset done"
        rig.ping("p2", 20)
        rig.ping("p1", 20)
    r = rig.ns.peer("udp-echo", PLAN["p2"]["ip"], 100)[0]
    assert (r["ok"], r["bad"], r["lost"]) == (100, 0, 0), r
    assert len(re.findall(up_again, rig.m.serial(), re.M)) == ups + 2


def test_a_vf_the_pf_forgot_finds_its_way_back(rig):
    # p2 resets its VF without the RESET handshake: the PF closes its pool and no longer counts
    # it as clear to send. The driver's periodic link check (igbvf's: read word 0, ACK it) gets
    # a NACK without CTS from the PF, and the driver brings the VF up again by itself.
    ups = len(re.findall(r"^\[p2\] net: up again:", rig.m.serial(), re.M))
    assert rig.ctl("p2", "reset", "quiet") == "reset quiet"
    rig.m.wait_for(r"^\[p2\] net: the PF reset us or forgot us; bringing the VF up again$",
                   timeout=30)
    end = time.monotonic() + 30
    while len(re.findall(r"^\[p2\] net: up again:", rig.m.serial(), re.M)) == ups:
        assert time.monotonic() < end, rig.m.serial()[-3000:]
        time.sleep(0.2)
    ready(rig.ns, rig.m, "p2")
    rig.ping("p2", 20)


def test_stopping_a_partition_leaves_the_other_working(rig):
    rig.ns.peer("ctl", PLAN["p2"]["ip"], "stop", "--timeout", 2)
    rig.m.wait_for(r"^p2: stopped: shut down by the guest", timeout=30)
    rig.ping("p1", 100)
    r = rig.ns.peer("udp-echo", PLAN["p1"]["ip"], 200)[0]
    assert (r["ok"], r["bad"], r["lost"]) == (200, 0, 0), r
    sent, got, _ = rig.ns.ping(PLAN["p2"]["ip"], 3, interval=0.2, wait=1)
    assert got == 0
