# SPDX-License-Identifier: MIT
"""Interrupts in partitions: the virtual local APIC, its timers, IPIs, INIT/SIPI and HLT.

guests/irqtest.elf checks from inside (periodic and TSC-deadline timers waited for
with HLT, IPIs between its two vCPUs, TPR masking, INIT and SIPI restarting vCPU 1)
in x2APIC mode in one partition and xAPIC mode (its page trapped) in another, side
by side. Both first send fixed IPIs to APIC IDs 2-7, which neither has: the other
partition must see none of them (its unexpected-interrupt count and the hypervisor's
IPI count for it stay exact).
"""
import os
import re

import bochs
import hvtest

IRQTEST = os.path.join(hvtest.BUILD, "guests", "irqtest.elf")
FILES = [(IRQTEST, "/guests/irqtest.elf")]
CHECKS = ("periodic timer ticks", "no periodic tick early", "TSC-deadline interrupts",
          "TPR holds a lower class back", "TPR lowered: delivered", "IPIs from vCPU 1",
          "INIT and SIPI started vCPU 1", "SIPI without INIT ignored", "no stray interrupts")


def check_partition(log, part, mode):
    assert re.search(r"^\[%s\] irqtest: %s mode, APIC ID 0, 2 vCPU\(s\)$" % (part, mode),
                     log, re.M), log[-3000:]
    for check in CHECKS:
        assert re.search(r"^\[%s\] irqtest: %s ok" % (part, re.escape(check)), log,
                         re.M), (part, check, log[-3000:])
    assert re.search(r"^\[%s\] irqtest: done, 0 failure\(s\)$" % part, log, re.M)
    assert re.search(r"^%s: stopped: shut down by the guest \(code 0\)$" % part, log, re.M)
    # The hypervisor restarted vCPU 1 twice, and refused the stray destinations.
    assert len(re.findall(r"^%s: vCPU 1 started at 0x90000 \(INIT, SIPI\)$" % part, log,
                          re.M)) == 2, log[-3000:]
    for dest in range(2, 8):
        assert re.search(r"^%s: vCPU 0: IPI names no vCPU of this partition, destination "
                         r"0x%x$" % (part, dest), log, re.M), (part, dest)
    # Its counters agree with what the guest took: the periodic ticks the guest counted
    # (expiries while one is pending merge with it: the hypervisor may count more) and 10
    # deadlines; exactly 100 IPIs + 1 to start vCPU 1 + 1 self-IPI for the TPR check, none
    # of the other partition's 6 strays.
    ticks = int(re.search(r"^\[%s\] irqtest: periodic timer ticks ok \((\d+), " % part, log,
                          re.M).group(1))
    c = re.search(r"^%s: interrupts: injected (\d+), timer (\d+), ipi (\d+), msi (\d+)$"
                  % part, log, re.M)
    assert c, log[-3000:]
    injected, timer, ipi, msi = map(int, c.groups())
    assert timer >= ticks + 10 and ipi == 102 and msi == 0, (ticks, c.group(0))
    assert injected >= timer + ipi - 2, c.group(0)


def test_timers_ipis_init_sipi_in_both_apic_modes(machine):
    m = machine(cmdline="exit_when_done=1", smp=5, mem="512M", files=FILES, timeout=120,
                modules=[("/guests/irqtest.elf", "name=x2 cpus=2 mem=16M -- mode=x2apic"),
                         ("/guests/irqtest.elf", "name=xa cpus=2 mem=16M -- mode=xapic")])
    assert m.wait_exit(timeout=110) == hvtest.EXIT_OK
    log = m.serial()
    check_partition(log, "x2", "x2APIC")
    check_partition(log, "xa", "xAPIC")
    assert "FAILED" not in log


def test_vmx_timers_ipis_init_sipi_in_both_apic_modes(tmp_path):
    # The same guests under Intel VMX (Bochs), with a 50 ms periodic run to stay short.
    assert os.path.exists(bochs.BOCHS), "bochs-bin missing: run tools/setup"
    run = bochs.Bochs(str(tmp_path), cmdline="exit_when_done=1", cpus=5, files=FILES,
                      modules=[("/guests/irqtest.elf", "name=x2 cpus=2 mem=16M -- mode=x2apic "
                                "ms=50"),
                               ("/guests/irqtest.elf", "name=xa cpus=2 mem=16M -- mode=xapic "
                                "ms=50")], timeout=300).run()
    log = run.serial
    assert not run.timed_out, log[-3000:]
    assert re.search(r"^vcpu: backend vmx selected$", log, re.M), log[-3000:]
    check_partition(log, "x2", "x2APIC")
    check_partition(log, "xa", "xAPIC")
    assert "FAILED" not in log
