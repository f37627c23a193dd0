# SPDX-License-Identifier: MIT
"""CPUs and interrupts: every CPU started and checked from outside (QEMU monitor, Bochs),
IPIs, the calibrated clock against QEMU's own, and the panic stop."""
import os
import re
import subprocess

import pytest

import bochs
import hvtest

EFER_LMA = 1 << 10
RFLAGS_IF = 1 << 9
OUR_SELFTESTS = ["smp_ipi_pingpong", "smp_nmi", "timer_oneshot_100ms", "vector_self_ipi"]
XAPIC_CPU = "qemu64,+svm,+npt"  # no x2apic: the xAPIC MMIO path


def symbols():
    """{name: (address, size)} of the hypervisor's text symbols, from the ELF."""
    out = subprocess.run(["nm", "-S", hvtest.ELF], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            syms[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
        elif len(parts) == 3:
            syms[parts[2]] = (int(parts[0], 16), 0)
    return syms


def cpu_registers(m):
    """{cpu: {"RIP", "EFER", "RFL", "HLT"}} for every CPU QEMU has, from `info registers -a`."""
    out = m.hmp("info registers -a")
    parts = re.split(r"^CPU#(\d+)\s*$", out, flags=re.M)
    cpus = {}
    for num, body in zip(parts[1::2], parts[2::2]):
        regs = {k: int(re.search(r"\b%s=([0-9a-f]+)" % k, body).group(1), 16)
                for k in ("RIP", "EFER", "RFL", "HLT")}
        cpus[int(num)] = regs
    return cpus


def check_all_in_long_mode_in_text(m, n):
    """QEMU's view: n CPUs, each with EFER.LMA set and RIP inside the hypervisor's .text."""
    syms = symbols()
    lo, hi = syms["__text_start"][0], syms["__text_end"][0]
    cpus = cpu_registers(m)
    assert sorted(cpus) == list(range(n)), "QEMU has CPUs %s" % sorted(cpus)
    for i, r in cpus.items():
        assert r["EFER"] & EFER_LMA, "CPU %d: EFER=%x, not in long mode" % (i, r["EFER"])
        assert lo <= r["RIP"] < hi, "CPU %d: RIP %x outside .text %x-%x" % (i, r["RIP"], lo, hi)
    return cpus


def check_lapics(m, n, x2apic):
    """QEMU's view of each local APIC: enabled, our spurious and error vectors, LINT0 masked."""
    # `info lapic` takes an APIC id; ids need not be contiguous (sockets/cores topologies).
    found = 0
    for apic_id in range(64):
        out = m.hmp("info lapic %d" % apic_id)
        if "No CPU available" in out:
            continue
        found += 1
        assert re.search(r"SPIV\s+0x000001ff APIC enabled.*spurious vec 255", out), out
        assert re.search(r"LVTERR\s+0x000000fe", out), out
        assert re.search(r"LVT0\s+0x00010000 .*masked", out), out
        assert ("(X2APIC ID)" in out) == x2apic, out
    assert found == n, "QEMU shows %d local APICs, expected %d" % (found, n)


def check_legacy_masked(m):
    """Both 8259s fully masked and moved to 0x20/0x28, every I/O APIC pin masked."""
    out = m.hmp("info pic")
    for pic, base in (("pic0", "20"), ("pic1", "28")):
        assert re.search(r"%s: .*imr=ff .*irq_base=%s" % (pic, base), out), out
    pins = re.findall(r"^\s+pin\s+\d+\s+0x[0-9a-f]+ .*$", out, re.M)
    assert pins and all(" masked " in p for p in pins), out


def check_selftests(log, names, smp):
    results, _ = hvtest.ktap_results(log)
    for name in names:
        assert name in results, "self-test %s did not run:\n%s" % (name, log[-3000:])
        ok, directive = results[name]
        assert ok, "self-test %s failed:\n%s" % (name, log[-3000:])
        if smp > 1 or name in ("timer_oneshot_100ms", "vector_self_ipi"):
            assert "SKIP" not in directive, "%s skipped: %s" % (name, directive)


def tsc_and_apic_mhz(log):
    m = re.search(r"^timer: TSC (\d+\.\d+) MHz \(([^)]*)\), APIC timer (\d+\.\d+) MHz", log, re.M)
    assert m, log[-3000:]
    return float(m.group(1)), m.group(2), float(m.group(3))


# "6,sockets=2,cores=3": APIC ids 0-2 and 4-6, so CPU indices and APIC ids differ.
@pytest.mark.parametrize("smp", [1, 2, 4, 8, "6,sockets=2,cores=3"])
def test_every_cpu_online(machine, smp):
    n = int(str(smp).split(",")[0])
    m = machine(cmdline="selftest=all", smp=smp)
    m.wait_for(r"^# selftest: \d+ passed, \d+ failed", timeout=80)
    m.wait_for(r"^hv: boot complete", timeout=10)
    log = m.serial()
    assert "cpu: %d of %d CPUs online" % (n, n) in log
    assert "PANIC" not in log and "did not start" not in log
    check_selftests(log, OUR_SELFTESTS, n)
    check_all_in_long_mode_in_text(m, n)
    check_lapics(m, n, x2apic=True)
    check_legacy_masked(m)


def test_missing_cpus_reported_and_boot_goes_on(machine):
    # maxcpus=4: the MADT lists APIC ids 2 and 3 (not enabled), no CPU answers there.
    m = machine(cmdline="selftest=smp_ipi_pingpong", smp="2,maxcpus=4")
    m.wait_for(r"^hv: boot complete", timeout=60)
    log = m.serial()
    assert "cpu: APIC id 2 did not start" in log
    assert "cpu: APIC id 3 did not start" in log
    assert "cpu: 2 of 4 CPUs online" in log
    check_selftests(log, ["smp_ipi_pingpong"], 2)
    check_all_in_long_mode_in_text(m, 2)


def test_xapic_mode(machine):
    m = machine(cmdline="selftest=all", smp=4, cpu=XAPIC_CPU)
    m.wait_for(r"^hv: boot complete", timeout=80)
    log = m.serial()
    assert "apic: xAPIC mode" in log
    assert "cpu: 4 of 4 CPUs online" in log
    check_selftests(log, OUR_SELFTESTS, 4)
    check_all_in_long_mode_in_text(m, 4)
    check_lapics(m, 4, x2apic=False)


@pytest.mark.parametrize("ref,name", [("pm", "ACPI PM timer"), ("hpet", "HPET"), ("pit", "PIT")])
def test_clock_matches_qemus(machine, ref, name):
    # With -icount shift=0 QEMU's TSC counts virtual nanoseconds: exactly 1000 MHz, and its
    # APIC timer runs at its 1 GHz bus clock. Each calibration reference must find both.
    # (xAPIC: under icount, QEMU aborts with "Bad icount read" on an x2APIC timer-count RDMSR.)
    m = machine(cmdline="timer_ref=%s selftest=timer_oneshot_100ms" % ref, smp=2,
                cpu=XAPIC_CPU, icount=0)
    m.wait_for(r"^hv: boot complete", timeout=80)
    log = m.serial()
    tsc, how, apic = tsc_and_apic_mhz(log)
    assert how == "calibrated against the %s" % name
    assert abs(tsc - 1000.0) < 0.5, "TSC %.3f MHz, QEMU's is 1000 MHz" % tsc
    assert abs(apic - 1000.0) < 0.5, "APIC timer %.3f MHz, QEMU's is 1000 MHz" % apic
    check_selftests(log, ["timer_oneshot_100ms"], 2)


def test_panic_stops_every_cpu(tmp_path):
    # Without exit_on_panic, so that QEMU stays up to be looked at after the panic.
    m = hvtest.Machine(str(tmp_path), smp=4)
    m.cmdline = "selftest=smp_panic_stop"
    try:
        m.start()
        m.wait_for(r"^PANIC: system halted", timeout=60)
        log = m.serial()
        assert "PANIC: selftest smp_panic_stop: cpu3 panics on purpose" in log
        cpus = check_all_in_long_mode_in_text(m, 4)
        stop, size = symbols()["cpu_stop"]
        for i, r in cpus.items():
            # Halted for good: HLT with interrupts off, in cpu_stop. CPU 0 was spinning with
            # interrupts off when cpu3 panicked: only the NMI can have brought it here.
            assert r["HLT"] == 1 and not r["RFL"] & RFLAGS_IF, "CPU %d: %s" % (i, r)
            assert stop <= r["RIP"] < stop + size, "CPU %d: RIP %x not in cpu_stop" % (i, r["RIP"])
    finally:
        m.kill()


def test_bochs_smp(tmp_path):
    assert os.path.exists(bochs.BOCHS), "bochs-bin missing: run tools/setup"
    run = bochs.Bochs(str(tmp_path), cmdline="selftest=all", cpus=2, ips=100000000,
                      timeout=60).run()
    log = run.serial
    assert not run.timed_out, "Bochs did not end in 60 s:\n" + log[-3000:]
    assert "cpu: 2 of 2 CPUs online" in log, log[-3000:]
    check_selftests(log, OUR_SELFTESTS, 2)
    # Bochs' TSC and virtual time both follow the emulated instruction count, ips=100 M/s:
    # the TSC runs at 100 MHz, while its Skylake-X CPUID leaf 0x16 claims 3500 MHz.
    tsc, how, _ = tsc_and_apic_mhz(log)
    assert abs(tsc - 100.0) < 0.1, "TSC %.3f MHz, Bochs runs it at 100 MHz" % tsc
    assert how == "calibrated against the ACPI PM timer"
    assert re.search(r"CPUID leaf 0x16 says the TSC runs at 3500000000 Hz.*: not used", log)
