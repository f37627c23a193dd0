# SPDX-License-Identifier: MIT
"""Interrupts in partitions: the virtual local APIC, its timers, IPIs and HLT.

guests/irqtest.elf checks from inside (periodic and TSC-deadline timers waited for
with HLT, IPIs between its two vCPUs, TPR masking) in x2APIC mode in one partition
and xAPIC mode (its page trapped) in another, side by side. The hypervisor's own
counters must agree with what the guests saw, and a partition's IPIs never reach
the other partition.
"""
import os
import re

import hvtest

IRQTEST = os.path.join(hvtest.BUILD, "guests", "irqtest.elf")
FILES = [(IRQTEST, "/guests/irqtest.elf")]


def test_timers_ipis_and_hlt_in_both_apic_modes(machine):
    m = machine(cmdline="exit_when_done=1", smp=5, mem="512M", files=FILES, timeout=240,
                modules=[("/guests/irqtest.elf", "name=x2 cpus=2 mem=16M -- mode=x2apic"),
                         ("/guests/irqtest.elf", "name=xa cpus=2 mem=16M -- mode=xapic")])
    m.wait_exit(timeout=230)
    log = m.serial()
    for part, mode in (("x2", "x2APIC"), ("xa", "xAPIC")):
        assert re.search(r"^\[%s\] irqtest: %s mode, APIC ID 0, 2 vCPU\(s\)$" % (part, mode),
                         log, re.M), log[-3000:]
        for check in ("periodic timer ticks", "TSC-deadline interrupts",
                      "TPR holds a lower class back", "TPR lowered: delivered",
                      "IPIs from vCPU 1"):
            assert re.search(r"^\[%s\] irqtest: %s ok" % (part, re.escape(check)), log,
                             re.M), (part, check, log[-3000:])
        assert re.search(r"^\[%s\] irqtest: done, 0 failure\(s\)$" % part, log, re.M)
        assert re.search(r"^%s: exited with code 0$|^%s: stopped: shut down by the guest "
                         r"\(code 0\)$" % (part, part), log, re.M), log[-3000:]
        # The hypervisor counted what the guest took: 200 ticks give or take, 10 deadlines,
        # 2 IPIs into vCPU 0's TPR test, 100 + 1 between the vCPUs.
        c = re.search(r"^%s: interrupts: injected (\d+), timer (\d+), ipi (\d+), msi (\d+)$"
                      % part, log, re.M)
        assert c, log[-3000:]
        injected, timer, ipi, msi = map(int, c.groups())
        assert timer >= 110 and ipi == 102 and msi == 0, c.group(0)
        assert injected >= timer + ipi - 2, c.group(0)
    assert "FAILED" not in log
