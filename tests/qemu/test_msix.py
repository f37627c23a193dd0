# SPDX-License-Identifier: MIT
"""MSI-X from a partition's VF into its vCPU, through interrupt remapping.

guests/net.elf with irq=msix programs its VF's MSI-X entry 0 as on bare metal (vector
0x41 to its own APIC ID) and waits with HLT for receive interrupts instead of polling.
The Linux peer in the network namespace pings it; the pings must all come back, the
guest's count of receive interrupts must agree with the hypervisor's count of MSIs it
raised in that partition, and QEMU's VT-d model must show the interrupt-remapping entry
the messages went through: the hypervisor's host vector, source-checked against the
VF's requester ID. Without interrupt remapping nothing is unmasked.
"""
import re
import time

import pytest

import netns
from test_sriov import NET, FILES, PLAN, Rig, ready

pytestmark = [
    pytest.mark.xdist_group("sriov"),
    pytest.mark.skipif(netns.available() is not None, reason=str(netns.available())),
]
DEVICES = ["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"]
MODULE = (NET, "name=p1 cpus=1 mem=16M vf=0 -- ctl=1 stats=0 irq=msix")
PINGS = 50
# vtd_ir_irte_get: "index I low 0x... high 0x...", where QEMU 10 prints the IRTE's bits
# 127:64 as "low" and bits 63:0 as "high" (its output shows P, the vector and the
# destination in "high"). Bits 63:0: P (0), vector (23:16), destination (63:32); bits
# 127:64: SID (79:64), SQ (81:80), SVT (83:82), 01b: verify the requester ID (VT-d 9.10).
IRTE_GET = re.compile(r"vtd_ir_irte_get index (\d+) low 0x([0-9a-f]+) high 0x([0-9a-f]+)")


def irtes(trace):
    """(index, bits 63:0, bits 127:64) of every IRTE QEMU's model read to remap a message."""
    return [(int(i), int(b0, 16), int(b1, 16)) for i, b1, b0 in IRTE_GET.findall(trace)]


def test_vf_msix_reaches_the_guest_through_its_remapping_entry(tmp_path):
    with netns.NetNS() as ns:
        m = netns.NetMachine(ns, str(tmp_path), smp=2, mem="256M", iommu=True, files=FILES,
                             timeout=300, devices=DEVICES, modules=[MODULE],
                             trace=["vtd_ir_irte_get"])
        with m:
            m.wait_for(r"^\[p1\] net: interrupt mode: MSI-X entry 0, vector 0x41, APIC ID 0$",
                       timeout=120)
            m.wait_for(r"^\[p1\] net: link up", timeout=60)
            rig = Rig(ns, m)
            ready(ns, m, "p1")
            rig.ping("p1", PINGS)
            st = rig.stats("p1")
            assert st["echo_replies"] >= PINGS, st
            # Idle between pings, the guest sleeps in HLT: each request wakes it by MSI-X.
            assert st["irqs"] >= PINGS * 8 // 10, st
            assert st["irqs"] <= st["nic_rx"], st
            rig.ns.peer("ctl", PLAN["p1"]["ip"], "stop", "--timeout", 5, timeout=60)
            g = m.wait_for(r"^\[p1\] net: stopping \((\d+) receive interrupts\)$", timeout=60)
            c = m.wait_for(r"^p1: interrupts: injected (\d+), timer (\d+), ipi (\d+), "
                           r"msi (\d+)$", timeout=30)
            time.sleep(0.5)
            trace = rig.trace()
        taken, msi = int(g.group(1)), int(c.group(4))
        # The hypervisor raised what the guest took (a second MSI while the first is still
        # pending merges with it, as on hardware: allow the stop datagram's one).
        assert taken <= msi <= taken + 2, (taken, c.group(0))
        sid = PLAN["p1"]["sid"]
        used = [(i, lo, hi) for i, lo, hi in irtes(trace) if hi & 0xffff == sid]
        assert used, "no IRTE with the VF's SID %#x was used:\n%s" % (sid, trace[-2000:])
        assert all(((hi >> 18) & 3) == 1 and ((hi >> 16) & 3) == 0 for _, _, hi in used)
        assert all(lo & 1 for _, lo, _ in used)  # present
        vectors = {(lo >> 16) & 0xff for _, lo, _ in used}
        assert len(vectors) == 1 and 0x30 <= vectors.pop() <= 0xef  # a vector_alloc() one
        # QEMU looked up that entry once per message it remapped.
        assert len(used) >= msi, (len(used), msi)
        assert not [e for e in irtes(trace) if e[2] & 0xffff != sid and (e[2] >> 18) & 3 == 1
                    and e[0] == used[0][0]]


def test_without_interrupt_remapping_msix_stays_masked(tmp_path):
    with netns.NetNS() as ns:
        m = netns.NetMachine(ns, str(tmp_path), smp=2, mem="256M", iommu=True,
                             iommu_opts="intremap=off,caching-mode=on", files=FILES,
                             timeout=180, devices=DEVICES, trace=["vtd_ir_*", "msix_*"],
                             modules=[(NET, MODULE[1].replace("stats=0", "stats=1000"))])
        with m:
            m.wait_for(r"^\[p1\] net: interrupt mode: MSI-X entry 0, vector 0x41", timeout=120)
            m.wait_for(r"^p1: MSI-X entry 0 of 0000:01:10\.0 \(address 0xfee00000, data 0x41\) "
                       r"kept masked: no interrupt remapping", timeout=30)
            m.wait_for(r"^\[p1\] net: stats .* irqs 0$", timeout=60)
            time.sleep(1)
            with open(m.trace_path) as f:
                trace = f.read()
        # The guest's Enable reached QEMU's VF cleared (the PF's own MSI-X, on plain messages
        # without remapping, is the hypervisor's), and QEMU remapped nothing through an IRTE.
        assert re.search(r"^msix_write_config dev igbvf enabled 0", trace, re.M), trace[-2000:]
        assert not re.search(r"^msix_write_config dev igbvf enabled 1", trace, re.M)
        assert not IRTE_GET.search(trace)
