# SPDX-License-Identifier: MIT
"""Partitions under Intel VMX with EPT, in Bochs: the partition tests' guests and checks, again.

QEMU's TCG has no VMX, Bochs 2.7 has (ENVIRONMENT.md). The same guest images and
command lines as tests/qemu/test_partitions.py run here on an Intel CPU model, and
are judged the same way: by the guests' own lines, by the hypervisor's stop lines,
and by physical memory read from outside (Bochs' debugger instead of QEMU's
monitor). Few boots, each with several partitions, keep this part of `make test`
short; `make test-long` (HV_TEST_LONG=1) adds other CPU models.
"""
import os
import re
import struct

import pytest

import bochs
import elfsyms
import hvtest
import test_partitions as tp

HELLO, ATTACK, FILES = tp.HELLO, tp.ATTACK, tp.FILES
MODEL = "corei7_skylake_x"
LONG = os.environ.get("HV_TEST_LONG") == "1"
long_only = pytest.mark.skipif(not LONG, reason="make test-long (HV_TEST_LONG=1) runs it")


def boot(tmp_path, modules, cpus, model=MODEL, cmdline="", timeout=240):
    """A started BochsMachine past "boot complete" (killed if it does not get there)."""
    assert os.path.exists(bochs.BOCHS), "bochs-bin missing: run tools/setup"
    m = bochs.BochsMachine(str(tmp_path), cmdline=cmdline, cpus=cpus, model=model,
                           modules=modules, files=FILES, timeout=timeout).start()
    try:
        m.wait_for(r"^hv: boot complete", timeout=120)
    except BaseException:
        m.kill()
        raise
    return m


def assert_vmx_backend(log):
    assert re.search(r"^vcpu: backend svm not usable: not an AMD CPU$", log, re.M)
    assert re.search(r"^vmx: Intel VMX with EPT \(4-level, write-back, 2 MiB pages\)", log, re.M)
    assert re.search(r"^vcpu: backend vmx selected$", log, re.M)


def assert_alive(m):
    assert m.proc.poll() is None, "Bochs ended"
    log = m.serial()
    assert "PANIC" not in log, log[-3000:]
    # A reset that got through would boot the machine again.
    assert log.count("hv: SR-IOV partitioning hypervisor") == 1, log[-3000:]


def isolation(tmp_path, model):
    """Heartbeats beside a write outside RAM, a triple fault and bad hypercalls."""
    m = boot(tmp_path, [
        (HELLO, "name=p1 mem=16M -- beat=200"),
        (ATTACK, "name=p2 mem=8M -- mode=npf addr=0x800000 delay=300"),
        (ATTACK, "name=p3 mem=8M -- mode=triple delay=300"),
        (ATTACK, "name=p4 mem=8M -- mode=hcall beat=300"),
    ], cpus=5, model=model)
    try:
        m.wait_for(r"^p2: stopped: NPF write at GPA 0x800000 ", timeout=90)
        m.wait_for(r"^p3: stopped: triple fault \(shutdown\) on vCPU 0 at RIP 0x[0-9a-f]+$")
        m.wait_for(r"^\[p4\] hcall: (\d+) of \1 bad hypercalls refused as expected$")
        m.wait_for(r"^\[p4\] hcall: part info works: p4 vCPU 0 on host CPU 4$")
        m.wait_for(r"^\[p4\] hcall: console write works$")
        tp.keeps_beating(m, "p1", 3, timeout=60)
        tp.keeps_beating(m, "p4", 1, timeout=60)
        log = m.serial()
        assert_vmx_backend(log)
        assert "FAILED" not in log
        for name in ("p2", "p3"):
            assert len(re.findall(r"^%s: stopped:" % name, log, re.M)) == 1
        assert not re.search(r"^p[14]: stopped", log, re.M)
        assert re.search(r"^p2: exits: .*npf 1", log, re.M)
        assert re.search(r"^p3: exits: .*shutdown 1", log, re.M)
        assert re.search(r"^p4: warning: hypercall 0x0 from vCPU 0 refused: unknown hypercall",
                         log, re.M)
        # From outside: p1's image sits at its reported host-physical base, and the word just
        # past p2's RAM is not what p2 tried to write there.
        r = tp.ram_ranges(log)
        b2, s2 = r["p2"]
        with m.paused():
            tp.assert_image_in_ram(m, r["p1"][0], FILES[0][0])
            assert m.read_phys(b2 + s2, 8) != struct.pack("<Q", 0x6B636174746121)
        # Bochs' view of the CPUs: the stopped partitions' CPUs 2 and 3 idle in the
        # hypervisor, p1's CPU 1 runs p1's code (its host-physical address lies in p1's RAM,
        # through EPT); p1 leaves its code briefly for each console exit: look a few times.
        b1, s1 = r["p1"]
        for _ in range(5):
            cpus = m.cpu_states()
            if b1 + 0x100000 <= cpus[1][0] < b1 + s1:
                break
        assert b1 + 0x100000 <= cpus[1][0] < b1 + s1, "CPU 1: %r" % (cpus[1],)
        for cpu in (2, 3):
            rip = int(cpus[cpu][1].split(":")[1], 16)
            assert elfsyms.function_at(rip) == "smp_idle", "CPU %d: %r" % (cpu, cpus[cpu])
        assert_alive(m)
    finally:
        m.kill()


def test_vmx_isolation(tmp_path):
    isolation(tmp_path, MODEL)


def probe_matches_svm(log, name):
    """The CPUID and MSR policy seen from inside: what test_partitions checks under SVM."""
    probe = dict(re.findall(r"^\[%s\] probe: (\S+) (.*)$" % name, log, re.M))
    ecx1 = int(re.search(r"ecx=0x([0-9a-f]+)", probe["cpuid1"]).group(1), 16)
    assert ecx1 & (1 << 31), "hypervisor bit clear"
    assert not ecx1 & (1 << 5), "VMX visible"
    ecx81 = int(re.search(r"ecx=0x([0-9a-f]+)", probe["cpuid80000001"]).group(1), 16)
    assert not ecx81 & (1 << 2), "SVM visible"
    assert probe["cpuid8000000a"] == "eax=0x0 ebx=0x0 edx=0x0"
    assert probe["cpuid40000000"] == "eax=0x40000001 sig=hvpartition"
    efer = int(probe["rdmsr-efer"].split()[-1], 16)
    assert efer & 0x500 == 0x500 and not efer & (1 << 12), "EFER 0x%x" % efer
    for refused in ("wrmsr-efer-svme", "rdmsr-vm-hsave", "wrmsr-vm-hsave", "wrmsr-apic-base",
                    "wrmsr-mtrr-physbase0-type2", "wrmsr-pat-bad"):
        assert probe[refused] == "fault 13", (refused, probe[refused])
    assert probe["wrmsr-mtrr-physbase0"].startswith("ok"), "MTRRs are kept per vCPU"
    assert probe["wrmsr-pat-good"].startswith("ok")
    assert probe["rdmsr-pat"] == "ok 0x7040600070406"
    assert probe["vmload"] == "fault 6"


def guest_view(tmp_path, model):
    """CPUID/MSR policy, guest memory read from outside, ECAM emulation, a reset port."""
    m = boot(tmp_path, [
        (ATTACK, "name=p1 mem=8M -- mode=probe beat=300"),
        (ATTACK, "name=p2 mem=8M -- mode=pattern beat=300"),
        (ATTACK, "name=p3 mem=8M -- mode=pci op=bad"),
        (ATTACK, "name=p4 mem=8M -- mode=ioport port=0xcf9 value=0x06 delay=300"),
    ], cpus=5, model=model)
    try:
        m.wait_for(r"^\[p1\] probe: done$", timeout=90)
        g = m.wait_for(r"^\[p2\] pattern: wrote GPA 0x([0-9a-f]+)-0x([0-9a-f]+)$")
        m.wait_for(r"^\[p3\] pci: 0 functions via 0xcf8, 0 via ECAM at 0xe0000000, "
                   r"cf8 0x80000804, id 0xffff/0xffffffffffffffff$")
        m.wait_for(r"^p3: stopped: cannot emulate the \w+ at GPA 0xe0000000 .*only MOV")
        m.wait_for(r"^p4: stopped: reset requested \(0x6 written to port 0xcf9\)")
        tp.keeps_beating(m, "p1", 2, timeout=60)
        log = m.serial()
        assert_vmx_backend(log)
        assert "FAILED" not in log
        probe_matches_svm(log, "p1")
        # The pattern, read from outside at the host-physical address the hypervisor named.
        first, last = int(g.group(1), 16), int(g.group(2), 16)
        assert last + 1 == 8 << 20
        r = tp.ram_ranges(log)
        b2 = r["p2"][0]
        with m.paused():
            for gpa in (first, first + 0x1238, (first + last) // 2 & ~7, last - 7):
                word, = struct.unpack("<Q", m.read_phys(b2 + gpa, 8))
                assert word == tp.PATTERN ^ gpa, "GPA 0x%x: 0x%x" % (gpa, word)
            # Nobody else's RAM has it: p1's image is intact, its free RAM still zero.
            tp.assert_image_in_ram(m, r["p1"][0], FILES[1][0])
            assert m.read_phys(r["p1"][0] + (6 << 20), 64) == bytes(64)
        assert_alive(m)
    finally:
        m.kill()


def test_vmx_guest_view(tmp_path):
    guest_view(tmp_path, MODEL)


def test_vmx_backend_selftests(tmp_path):
    # The backend on its own: exits decoded with their lengths, EPT (a write lands at the
    # host-physical address, an unmapped page faults after INVEPT), CR0/CR4 shadows, XSETBV,
    # a host interrupt leaving the guest and still reaching the host, and failed entries
    # explained. Bochs' log names each failed check independently.
    names = ["vmx_exits", "vmx_control_registers", "vmx_xsetbv", "vmx_host_interrupt",
             "vmx_entry_failures"]
    run = bochs.Bochs(str(tmp_path), cmdline="selftest=" + ",".join(names), cpus=1,
                      model=MODEL, timeout=120).run()
    log = run.serial
    assert not run.timed_out, log[-3000:]
    results, planned = hvtest.ktap_results(log)
    assert planned == len(names), log[-3000:]
    for name in names:
        assert results.get(name) == (True, ""), (name, log[-3000:])
    explained = re.findall(r"^vmx: selftest: failed entry explained: (.*)$", log, re.M)
    assert explained == [
        "invalid guest state: guest RFLAGS 0x0: bit 1 must be 1, bits 3, 5, 15, 63:22 must be 0",
        "VM-instruction error 7 (VM entry with invalid control field(s)): pin-based controls "
        "0x0: outside what the CPU allows (must be 1: 0x16, may be 1: 0x7f)",
        "VM-instruction error 8 (VM entry with invalid host-state field(s))",
        "invalid guest state: guest CS access rights 0xe09b: L and D/B both set",
    ], explained
    failed = re.findall(r"\] (VMENTER FAIL|VMFAIL): (.*)$", run.bochs_log(), re.M)
    assert [why for _, why in failed] == [
        "RFLAGS[1] cleared",
        "VMCS EXEC CTRL: VMX pin-based controls allowed 0-settings",
        "VMCS invalid host TR selector",
        "VMCS x86_64 guest wrong CS.D_B/L",
    ], failed


# ---- make test-long: other CPU models and the rest of the partition tests ----

@long_only
@pytest.mark.parametrize("model", ["tigerlake", "corei5_lynnfield_750"])
def test_vmx_isolation_other_models(tmp_path, model):
    # corei5_lynnfield_750 has EPT and VPID but no unrestricted guest: CR0.PE/PG stay fixed.
    isolation(tmp_path, model)


@long_only
@pytest.mark.parametrize("model", ["tigerlake", "corei5_lynnfield_750"])
def test_vmx_guest_view_other_models(tmp_path, model):
    guest_view(tmp_path, model)


@long_only
def test_vmx_refused_without_ept(tmp_path):
    run = bochs.Bochs(str(tmp_path), cpus=1, model="core2_penryn_t9600", files=FILES,
                      modules=[(HELLO, "name=p1 mem=8M")], timeout=120).run()
    log = run.serial
    assert not run.timed_out, log[-3000:]
    assert re.search(r"^vcpu: backend vmx not usable: secondary processor-based control "
                     r"'enable EPT' \(bit 1\) not offered$", log, re.M), log[-3000:]
    assert re.search(r"^vcpu: error: no usable virtualisation backend", log, re.M)
    assert re.search(r"^part: error: 1 partition\(s\) not started$", log, re.M)


@long_only
def test_vmx_two_vcpus_and_flood(tmp_path):
    m = boot(tmp_path, [(HELLO, "name=duo cpus=2 mem=16M -- beat=200"),
                        (ATTACK, "name=p2 mem=8M -- mode=flood")], cpus=4)
    try:
        g = m.wait_for(r"^\[duo\] vCPU 1 of 2 up: APIC ID 1, host CPU (\d+)$", timeout=90)
        assert g.group(1) == "2"
        m.wait_for(r"^\[p2\] \(vuart: \d+ lines dropped, rate limit\)$", timeout=90)
        tp.keeps_beating(m, "duo", 3, timeout=90)
        log = m.serial()
        assert re.search(r"^duo: .* CPU 1-2, entry", log, re.M)
        flood = len(re.findall(r"^\[p2\] flood \d+", log, re.M))
        dropped = sum(int(n) for n in re.findall(r"^\[p2\] \(vuart: (\d+) lines dropped", log,
                                                 re.M))
        assert dropped > flood, "the flood was not limited (%d shown, %d dropped)" % (flood,
                                                                                    dropped)
        assert_alive(m)
    finally:
        m.kill()


@long_only
def test_vmx_single_cpu_fallback_and_shutdown(tmp_path):
    run = bochs.Bochs(str(tmp_path), cpus=1, model=MODEL, files=FILES,
                      modules=[(HELLO, "name=solo mem=8M -- beat=100 beats=3")],
                      timeout=120).run()
    log = run.serial
    assert not run.timed_out, log[-3000:]
    assert re.search(r"^solo: stopped: shut down by the guest \(code 0\)$", log, re.M)
    assert "single-CPU fallback" in log
    assert tp.beats(log, "solo") == [1, 2, 3]
    assert "every partition has stopped; exit_when_done=1 ends the machine" in log
