# SPDX-License-Identifier: MIT
"""The software-switched path: partitions with net=pv, the hypervisor's fast path on CPU 0.

One machine (q35, intel-iommu with interrupt remapping, an igb whose wire is a tap in a
network namespace of this test run) boots two partitions running guests/net.elf with
the paravirtual NIC (net=pv): p1 and p2, the default network plan's MACs and addresses.
They have no VF: their frames go through their ring pair, the hypervisor's poll loop on
CPU 0 and the PF's own queue (pool 7, their MACs in its receive addresses). The peer is
Linux in the namespace (192.0.2.1): its ping, a UDP client and raw sockets judge the
traffic; QEMU's monitor (`xp`) judges memory. The tests share the boot and run in file
order on one worker (xdist group "pvnet"): the last one stops p2.
"""
import json
import re
import sys
import time

import pytest

import hvtest
import netns
import test_sriov
from test_sriov import FILES, NET, PEER, PLAN, ready

pytestmark = [
    pytest.mark.xdist_group("pvnet"),
    pytest.mark.skipif(netns.available() is not None, reason=str(netns.available())),
]


class Rig(test_sriov.Rig):
    """test_sriov's rig (same plan: MACs and addresses), its pings spaced wider."""

    def ping(self, part, count=100):
        # 0.2 s apart: with CPU 0 and both guests polling, TCG's threads share busy host
        # cores and a reply can take tens of ms; at 0.05 s ping would send an extra request
        # while one is outstanding (-w) and the count would not say "no loss" exactly.
        sent, got, out = self.ns.ping(PLAN[part]["ip"], count, interval=0.2, wait=5)
        assert sent == count and got == count, "%s: %d sent, %d received:\n%s" % (
            part, sent, got, out)

    def capture(self, seconds, action):
        """Frames the NIC put on the wire while action() ran (JSON dicts)."""
        cap = self.ns.popen([sys.executable, netns.NETPEER, "capture", self.ns.tap,
                             str(seconds)])
        try:
            assert json.loads(cap.stdout.readline()).get("ready")
            action()
            out, _ = cap.communicate(timeout=seconds + 30)
        finally:
            if cap.poll() is None:
                cap.kill()
                cap.wait()
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("pvnet"))
    with netns.NetNS() as ns:
        m = netns.NetMachine(
            ns, workdir, smp=3, mem="512M", iommu=True, files=FILES, timeout=900,
            devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"],
            modules=[(NET, "name=p1 cpus=1 mem=32M net=pv -- ctl=1 stats=0"),
                     (NET, "name=p2 cpus=1 mem=32M net=pv -- ctl=1 stats=0")])
        with m:
            for part in PLAN:
                m.wait_for(r"^\[%s\] net: link up" % part, timeout=180)
            for part in PLAN:
                ready(ns, m, part)
            yield Rig(ns, m)


def test_pv_partitions_come_up_with_the_planned_addresses(rig):
    log = rig.m.serial()
    for part, p in PLAN.items():
        assert re.search(r"^%s: pv NIC at GPA 0x[0-9a-f]+ \(256-entry rings\), MAC %s, "
                         r"switched by CPU 0$" % (part, p["mac"]), log, re.M), log[-3000:]
        assert re.search(r"^\[%s\] net: pv NIC, rings at 0x" % part, log, re.M), log[-3000:]
        assert re.search(r"^\[%s\] net: up mac %s ip %s/24$" % (part, p["mac"], p["ip"]), log,
                         re.M), log[-3000:]
    assert re.search(r"^pvnet: fast path: CPU 0 polls the PF's queue for 2 pv NIC\(s\)$", log,
                     re.M), log[-3000:]
    # No VF was enabled for them: the PF's pool carries their MACs.
    assert not re.search(r"^igb: VF\d .* -> p[12]", log, re.M)
    for part in PLAN:
        rig.ping(part, 3)
    neigh = rig.ns.neigh()  # ARP (broadcast) went through the fast path both ways
    for part, p in PLAN.items():
        assert neigh.get(p["ip"]) == p["mac"], neigh


def test_peer_pings_every_pv_partition(rig):
    for part in PLAN:
        rig.ping(part, 60)
    for part in PLAN:
        s = rig.stats(part)
        assert s["echo_replies"] >= 60 and s["drop_icmp_bad"] == 0, s


def test_udp_echo_every_size_payload_checked(rig):
    for seed, (part, p) in enumerate(PLAN.items()):
        r = rig.ns.peer("udp-echo", p["ip"], 1000, "--min", 1, "--max", 1472,
                        "--seed", seed + 7)[0]
        assert r["sizes"] == [1, 1472], r
        assert (r["ok"], r["bad"], r["lost"]) == (1000, 0, 0), (part, r)


def test_unicast_to_p1_never_reaches_p2(rig):
    # 200 frames to p1's MAC carrying p2's IP address: the NIC steers them to the PF's pool,
    # the fast path to p1 alone (p1 drops them as not its IP); the hypervisor's count of
    # frames it delivered to p2 (nic_rx) must not move beyond the control datagrams.
    before = {part: rig.stats(part) for part in PLAN}
    rig.ns.peer("send", rig.ns.tap, PLAN["p1"]["mac"], PEER, PLAN["p2"]["ip"], 200)
    time.sleep(1)
    after = {part: rig.stats(part) for part in PLAN}
    d = {part: {k: after[part][k] - before[part][k] for k in after[part]} for part in PLAN}
    assert d["p1"]["drop_ip_not_ours"] == 200, d["p1"]
    assert d["p1"]["nic_rx"] >= 200, d["p1"]
    assert after["p2"]["drop_not_ours"] == 0, d["p2"]
    assert d["p2"]["udp"] <= 2 and d["p2"]["nic_rx"] <= 5, d["p2"]


def test_spoofed_source_mac_never_reaches_the_wire(rig):
    # p2 sends 5 UDP frames to the peer with p1's MAC as source. The hypervisor copies each
    # frame out of p2's ring, sees the source MAC is not p2's, drops it, counts it and says
    # so (rate-limited); the peer, capturing on the wire, must see none of them.
    before = rig.stats("p2")
    frames = rig.capture(6, lambda: rig.ctl("p2", "spoof", PLAN["p1"]["mac"]) == "sent")
    marker = b"spoof from p2".hex()
    spoofed = [f for f in frames if marker in f["data"]]
    assert not spoofed, spoofed
    rig.m.wait_for(r"^pvnet: warning: p2: dropped a frame with source MAC 52:54:00:12:34:11: "
                   r"its MAC is 52:54:00:12:34:12 \(\d+ dropped so far\)$", timeout=10)
    after = rig.stats("p2")
    assert after["nic_tx_dropped"] - before["nic_tx_dropped"] == 5, (before, after)
    # Its own frames still go out: the peer learnt p2's MAC and p2 still answers.
    rig.ping("p2", 5)
    rig.ping("p1", 5)
    assert rig.ns.neigh().get(PLAN["p1"]["ip"]) == PLAN["p1"]["mac"]


def test_ring_descriptors_outside_the_partition_are_refused(rig):
    # p2 names guest-physical addresses outside its 32 MiB in its rings: just past its RAM,
    # and the host-physical address of p1's image (as if it knew where p1 lives). An RX
    # buffer there: the hypervisor must refuse to copy a frame into it (status 2, EADDR)
    # and p1's memory must not change (xp). TX frames there (also one straddling the end
    # of its RAM): refused with EADDR before anything is read, and no frame from them
    # reaches the wire.
    base1, _ = rig.ram("p1")
    _, size2 = rig.ram("p2")
    done = r"^\[p2\] net: dma_escape: descriptor \d+ came back, status 0x2$"
    for gpa in (size2, base1 + 0x100000):
        assert gpa >= size2
        before = rig.m.read_phys(base1 + 0x100000, 256)
        seen = len(re.findall(done, rig.m.serial(), re.M))
        assert rig.ctl("p2", "escape", hex(gpa)) == "armed"
        for _ in range(5):  # the frame that meets the escape descriptor is lost by design
            rig.ns.peer("udp-echo", PLAN["p2"]["ip"], 1, "--min", 64, "--max", 64)
            if len(re.findall(done, rig.m.serial(), re.M)) > seen:
                break
        assert len(re.findall(done, rig.m.serial(), re.M)) > seen, rig.m.serial()[-3000:]
        assert rig.m.read_phys(base1 + 0x100000, 256) == before
    targets = (size2, size2 - 32, base1 + 0x100000, 1 << 40)
    frames = rig.capture(4, lambda: [rig.ctl("p2", "txraw", hex(t), "64") for t in targets])
    macs = {p["mac"] for p in PLAN.values()}
    assert not [f for f in frames if f["src"] not in macs], frames
    got = re.findall(r"^\[p2\] net: txraw GPA 0x[0-9a-f]+ length 64: status (\d+)$",
                     rig.m.serial(), re.M)
    assert got[-len(targets):] == ["2"] * len(targets), rig.m.serial()[-3000:]
    r = rig.ns.peer("udp-echo", PLAN["p2"]["ip"], 50, "--min", 1, "--max", 1472)[0]
    assert (r["ok"], r["bad"]) == (50, 0), r


def test_stopping_a_pv_partition_leaves_the_other_working(rig):
    rig.ns.peer("ctl", PLAN["p2"]["ip"], "stop", "--timeout", 2)
    rig.m.wait_for(r"^p2: stopped: shut down by the guest", timeout=30)
    rig.ping("p1", 30)
    r = rig.ns.peer("udp-echo", PLAN["p1"]["ip"], 200)[0]
    assert (r["ok"], r["bad"], r["lost"]) == (200, 0, 0), r
    sent, got, _ = rig.ns.ping(PLAN["p2"]["ip"], 3, interval=0.2, wait=1)
    assert got == 0
