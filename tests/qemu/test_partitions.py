# SPDX-License-Identifier: MIT
"""Partitions under AMD SVM with nested paging: heartbeats, isolation, hostile guests.

Each test boots two partitions on a 3-CPU machine (CPU 0 stays the hypervisor's)
and judges by what QEMU shows where it can: guest memory read with the monitor's
`xp` at the host-physical address the hypervisor reported, QEMU still running
after a guest poked its exit and reset ports, and the other partition's
heartbeat still counting on the serial line.
"""
import os
import re
import struct
import time

import pytest

import elfsyms
import hvtest

GUESTS = os.path.join(hvtest.BUILD, "guests")
FILES = [(os.path.join(GUESTS, "hello.elf"), "/guests/hello.elf"),
         (os.path.join(GUESTS, "attack.elf"), "/guests/attack.elf")]
HELLO = "/guests/hello.elf"
ATTACK = "/guests/attack.elf"
PATTERN = 0x5061747465726E00  # guests/attack/attack.c: each word holds PATTERN ^ its GPA


def boot(machine, modules, smp=3, cmdline="", **kw):
    m = machine(cmdline=cmdline, modules=modules, files=FILES, smp=smp, **kw)
    m.wait_for(r"^hv: boot complete", timeout=60)
    return m


def ram_ranges(log):
    """{name: (host-physical base, size)} from the hypervisor's partition lines."""
    out = {}
    for m in re.finditer(r"^(\S+): (\d+) MiB RAM at host-physical 0x([0-9a-f]+)-0x([0-9a-f]+),",
                         log, re.M):
        base, last = int(m.group(3), 16), int(m.group(4), 16)
        assert last - base + 1 == int(m.group(2)) << 20
        out[m.group(1)] = (base, last - base + 1)
    return out


def beats(log, name):
    return [int(n) for n in re.findall(r"^\[%s\] heartbeat (\d+)$" % re.escape(name), log, re.M)]


def keeps_beating(m, name, more=3, timeout=30):
    """Wait until `name` prints `more` heartbeats beyond the last one seen now."""
    seen = beats(m.serial(), name)
    target = (seen[-1] if seen else 0) + more
    m.wait_for(r"^\[%s\] heartbeat %d$" % (re.escape(name), target), timeout=timeout)


def load_segments(path):
    """[(paddr, bytes)] of an ELF64 file's PT_LOAD segments with file contents."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    segs = []
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data,
                                                                   phoff + i * phentsize)
        if p_type == 1 and filesz:
            segs.append((paddr, data[off:off + filesz]))
    return segs


def assert_image_in_ram(m, base, elf):
    """The guest's loaded segments, read from outside at host-physical base + GPA."""
    for paddr, blob in load_segments(elf):
        n = min(len(blob), 256)
        assert m.read_phys(base + paddr, n) == blob[:n], "segment at GPA 0x%x differs" % paddr


def cpu_states(m):
    """{cpu index: (RIP, halted)} from the monitor's `info registers -a`."""
    out = {}
    for blk in m.hmp("info registers -a").split("CPU#")[1:]:
        rip = int(re.search(r"RIP=([0-9a-f]+)", blk).group(1), 16)
        out[int(blk.split()[0])] = (rip, re.search(r"HLT=(\d)", blk).group(1) == "1")
    return out


def assert_alive(m):
    assert m.proc.poll() is None, "QEMU exited (status %s)" % m.proc.returncode
    log = m.serial()
    assert "PANIC" not in log, log[-3000:]


def test_two_partitions_heartbeat(machine):
    m = boot(machine, [(HELLO, "name=p1 cpus=1 mem=32M -- beat=300"),
                       (HELLO, "name=p2 cpus=1 mem=32M -- beat=300")])
    keeps_beating(m, "p1", 4)
    keeps_beating(m, "p2", 4)
    log = m.serial()
    assert re.search(r"^\[p1\] hello from p1: 32 MiB RAM, 1 vCPU\(s\)", log, re.M)
    assert re.search(r"^svm: AMD SVM with nested paging", log, re.M)
    assert re.search(r"^vcpu: backend svm selected", log, re.M)
    r = ram_ranges(log)
    (b1, s1), (b2, s2) = r["p1"], r["p2"]
    assert b1 % (2 << 20) == 0 and b2 % (2 << 20) == 0
    assert b1 + s1 <= b2 or b2 + s2 <= b1, "partition RAM overlaps"
    # The mapping, from outside: each guest's image sits at its reported host-physical base.
    assert_image_in_ram(m, b1, FILES[0][0])
    assert_image_in_ram(m, b2, FILES[0][0])
    assert re.search(r"^p1: .* CPU 1, entry 0x100000", log, re.M)
    assert re.search(r"^p2: .* CPU 2, entry 0x100000", log, re.M)
    assert_alive(m)


def test_write_outside_ram_stops_only_that_partition(machine):
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=npf addr=0x800000 delay=500")])
    m.wait_for(r"^p2: stopped: NPF write at GPA 0x800000 ", timeout=60)
    keeps_beating(m, "p1", 3)
    log = m.serial()
    assert "attack: FAILED" not in log
    assert len(re.findall(r"^p2: stopped:", log, re.M)) == 1
    # The word just past p2's RAM is not what p2 tried to write there.
    b2, s2 = ram_ranges(log)["p2"]
    assert m.read_phys(b2 + s2, 8) != struct.pack("<Q", 0x6B636174746121)
    # From outside: p2's CPU 2 halts in the hypervisor's idle loop, p1's CPU 1 runs p1's code.
    # (p1 leaves its code briefly for each console exit: look a few times.)
    for _ in range(5):
        cpus = cpu_states(m)
        if not cpus[1][1] and 0x100000 <= cpus[1][0] < 0x200000:
            break
    assert not cpus[1][1] and 0x100000 <= cpus[1][0] < 0x200000, "CPU 1: %r" % (cpus[1],)
    assert cpus[2][1] and elfsyms.function_at(cpus[2][0]) == "smp_idle", "CPU 2: %r" % (cpus[2],)
    assert_alive(m)


def test_far_npf_and_exec_outside_ram(machine):
    m = boot(machine, [(ATTACK, "name=p1 mem=8M -- mode=npf addr=0x40000000 op=read"),
                       (ATTACK, "name=p2 mem=8M -- mode=npf addr=0xfee00000 op=exec")])
    m.wait_for(r"^p1: stopped: NPF read at GPA 0x40000000 ")
    m.wait_for(r"^p2: stopped: NPF exec at GPA 0xfee00000 ")
    assert "attack: FAILED" not in m.serial()
    assert_alive(m)


def test_triple_fault_stops_only_that_partition(machine):
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=triple delay=500")])
    m.wait_for(r"^p2: stopped: triple fault \(shutdown\) on vCPU 0", timeout=60)
    keeps_beating(m, "p1", 3)
    assert "attack: FAILED" not in m.serial()
    assert_alive(m)


def test_vuart_flood_is_rate_limited(machine):
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=flood")])
    m.wait_for(r"^\[p2\] \(vuart: \d+ lines dropped, rate limit\)$", timeout=60)
    start = time.monotonic()
    keeps_beating(m, "p1", 5)
    elapsed = time.monotonic() - start
    log = m.serial()
    flood = len(re.findall(r"^\[p2\] flood \d+", log, re.M))
    dropped = sum(int(n) for n in re.findall(r"^\[p2\] \(vuart: (\d+) lines dropped", log, re.M))
    assert dropped > flood, "the flood was not limited (%d shown, %d dropped)" % (flood, dropped)
    # At most 40 lines per window, and the windows are about a second or longer.
    assert flood < 40 * (elapsed + 30), flood
    assert_alive(m)


def test_garbage_hypercalls_are_refused(machine):
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=hcall beat=300")])
    m.wait_for(r"^\[p2\] hcall: (\d+) of \1 bad hypercalls refused as expected$", timeout=60)
    m.wait_for(r"^\[p2\] hcall: part info works: p2 vCPU 0 on host CPU 2$")
    m.wait_for(r"^\[p2\] hcall: console write works$")
    keeps_beating(m, "p2", 2)
    keeps_beating(m, "p1", 2)
    log = m.serial()
    assert "FAILED" not in log
    assert "p2: stopped" not in log
    assert re.search(r"^p2: warning: hypercall 0x0 from vCPU 0 refused: unknown hypercall", log,
                     re.M)
    assert_alive(m)


@pytest.mark.parametrize("port,value,line", [
    (0xF4, 0x03, r"^p2: exited with code 7$"),
    (0xCF9, 0x06, r"^p2: stopped: reset requested \(0x6 written to port 0xcf9\)"),
    (0x64, 0xFE, r"^p2: stopped: reset requested \(0xfe written to port 0x64\)"),
], ids=["debug-exit", "reset-control", "keyboard-reset"])
def test_host_io_ports_are_not_reachable(machine, port, value, line):
    # Passed through, each of these writes would end or reset the whole machine. In a partition
    # the debug-exit port ends the partition (QEMU's exit code) and a reset request stops it.
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=ioport port=0x%x value=0x%x delay=300"
                        % (port, value))])
    m.wait_for(line, timeout=60)
    keeps_beating(m, "p1", 3)
    assert "attack: FAILED" not in m.serial()
    assert_alive(m)


def test_floating_bus_reads_all_ones(machine):
    # COM2 is not a partition's: its registers read all ones and writes go nowhere, as on a PC
    # without the device; the first access to a port is reported once.
    m = boot(machine, [(ATTACK, "name=p1 mem=8M -- mode=ioport port=0x2fd op=read")], smp=2)
    m.wait_for(r"^\[p1\] attack: read 0xff from port 0x2fd$", timeout=60)
    m.wait_for(r"^p1: vCPU 0: I/O read from port 0x2fd \(1 byte\) goes nowhere: reads all ones")
    m.wait_for(r"^p1: stopped: shut down by the guest \(code 0\)")
    assert_alive(m)


def test_pattern_written_by_guest_is_at_reported_host_address(machine):
    m = boot(machine, [(HELLO, "name=p1 mem=16M -- beat=300"),
                       (ATTACK, "name=p2 mem=8M -- mode=pattern")])
    g = m.wait_for(r"^\[p2\] pattern: wrote GPA 0x([0-9a-f]+)-0x([0-9a-f]+)$", timeout=60)
    first, last = int(g.group(1), 16), int(g.group(2), 16)
    assert last + 1 == 8 << 20
    r = ram_ranges(m.serial())
    b1, s1 = r["p1"]
    b2, _ = r["p2"]
    for gpa in (first, first + 0x1238, (first + last) // 2 & ~7, last - 7):
        word, = struct.unpack("<Q", m.read_phys(b2 + gpa, 8))
        assert word == PATTERN ^ gpa, "GPA 0x%x: 0x%x" % (gpa, word)
    # p1 is untouched: its image is intact and its free RAM still zero.
    assert_image_in_ram(m, b1, FILES[0][0])
    for gpa in (0x400000, s1 // 2, s1 - 64):
        assert m.read_phys(b1 + gpa, 64) == bytes(64), "p1 RAM at GPA 0x%x changed" % gpa
    keeps_beating(m, "p1", 2)
    keeps_beating(m, "p2", 2)
    assert_alive(m)


def test_cpuid_and_msr_policy_seen_from_inside(machine):
    m = boot(machine, [(ATTACK, "name=p1 mem=8M -- mode=probe")], smp=2)
    m.wait_for(r"^\[p1\] probe: done$", timeout=60)
    log = m.serial()
    probe = dict(re.findall(r"^\[p1\] probe: (\S+) (.*)$", log, re.M))
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
    assert_alive(m)


def test_impossible_plans_are_refused_the_rest_run(machine, tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"\x7fELF\x01" + os.urandom(200))
    files = FILES + [(str(junk), "/guests/junk.elf")]
    m = machine(cmdline="", files=files, smp=3, modules=[
        (HELLO, "name=p1 cpus=@1 mem=16M -- beat=300"),
        (HELLO, "name=big cpus=4 mem=16M"),
        (HELLO, "name=p3 cpus=@1"),
        (HELLO, "name=p1 mem=16M"),
        (HELLO, "name=huge cpus=@2 mem=4G"),
        (HELLO, "name=typo cpus=1 colour=blue"),
        ("/guests/junk.elf", "name=junk cpus=@2 mem=8M"),
    ])
    m.wait_for(r"^hv: boot complete, 1 partition\(s\)$", timeout=60)
    log = m.serial()
    for line in (r"^big: error: not started: asks for 4 CPUs, 0 free",
                 r"^p3: error: not started: CPU 1 already given to another partition",
                 r"^p1: error: not started: name already used by module 1",
                 r"^huge: error: not started: asks for 4096 MiB of RAM, \d+ MiB free",
                 r"^module 6: error: unknown option 'colour', ignored",
                 r"^junk: error: not started: bad guest image: not a little-endian ELF64"):
        assert re.search(line, log, re.M), line
    keeps_beating(m, "p1", 3)
    assert list(ram_ranges(log)) == ["p1"]
    assert_alive(m)


def test_single_cpu_fallback_and_shutdown(machine):
    m = machine(cmdline="exit_when_done=1", files=FILES, smp=1,
                modules=[(HELLO, "name=solo mem=8M -- beat=100 beats=3")])
    m.wait_for(r"^solo: stopped: shut down by the guest \(code 0\)$", timeout=60)
    assert m.wait_exit(timeout=30) == hvtest.EXIT_OK
    log = m.serial()
    assert "single-CPU fallback" in log
    assert beats(log, "solo") == [1, 2, 3]


def test_virtual_pci_bus(machine):
    # No function assigned: both access paths show an empty bus 0 and swallow writes; an
    # instruction the hypervisor does not emulate on the ECAM window stops that partition only.
    m = boot(machine, [(ATTACK, "name=p1 mem=8M -- mode=pci"),
                       (ATTACK, "name=p2 mem=8M -- mode=pci op=bad")])
    for name in ("p1", "p2"):
        m.wait_for(r"^\[%s\] pci: 0 functions via 0xcf8, 0 via ECAM at 0xe0000000, "
                   r"cf8 0x80000804, id 0xffff/0xffffffffffffffff$" % name, timeout=60)
    m.wait_for(r"^p2: stopped: cannot emulate the \w+ at GPA 0xe0000000 .*only MOV")
    keeps_beating(m, "p1", 2)
    assert "FAILED" not in m.serial()
    assert_alive(m)


def test_partition_with_two_vcpus(machine):
    m = boot(machine, [(HELLO, "name=duo cpus=2 mem=16M -- beat=300")], smp=3)
    g = m.wait_for(r"^\[duo\] vCPU 1 of 2 up: APIC ID 1, host CPU (\d+)$", timeout=60)
    assert g.group(1) == "2"
    keeps_beating(m, "duo", 3)
    log = m.serial()
    assert re.search(r"^duo: .* CPU 1-2, entry", log, re.M)
    assert re.search(r"^\[duo\] hello from duo: 16 MiB RAM, 2 vCPU\(s\)", log, re.M)
    assert_alive(m)


def test_assigned_pci_function(machine):
    # QEMU's edu device at 00:05.0 goes to p1 on a machine without an IOMMU: its registers
    # work through the BAR the hypervisor mapped, its BAR cannot be moved, and bus mastering
    # stays refused, so its DMA lands nowhere (not at the hypervisor's 0x200000, not in p1).
    # p2 sees an empty bus; functions that do not exist or are bridges keep their partitions
    # from starting.
    m = machine(cmdline="", files=FILES, smp=5, devices=["edu,addr=0x5"], modules=[
        (ATTACK, "name=p1 cpus=@1 mem=8M pci=00:05.0 -- mode=dev delay=2500 dma=0x200000"),
        (ATTACK, "name=p2 cpus=@2 mem=8M -- mode=pci"),
        (HELLO, "name=nodev cpus=@3 mem=8M pci=00:09.0"),
        (HELLO, "name=bridge cpus=@4 mem=8M pci=0000:00:1f.0"),
    ])
    m.wait_for(r"^hv: boot complete, 2 partition\(s\)$", timeout=60)
    hv_image = m.read_phys(0x200000, 64)
    log = m.serial()
    bar = re.search(r"^p1: 0000:00:05\.0: BAR 0 (0x[0-9a-f]+)\+0x100000 at GPA 0xe0100000$", log,
                    re.M)
    assert bar, log[-3000:]
    assert re.search(r"^p1: 0000:00:05\.0 1234:11e8 is its 00:01\.0; bus mastering refused "
                     r"\(no IOMMU\)$", log, re.M)
    assert re.search(r"^nodev: error: not started: PCI function 0000:00:09\.0: there is no such "
                     r"function$", log, re.M)
    assert re.search(r"^bridge: error: not started: PCI function 0000:00:1f\.0: it is a bridge",
                     log, re.M)
    m.wait_for(r"^\[p1\] dev: 00:01\.0 11e81234 bar0 0xe0100000 size 0x100000 reg0 0x10000ed "
               r"live 0xedcba987$")
    m.wait_for(r"^\[p1\] dev: after moving BAR 0 and enabling I/O and bus mastering: "
               r"bar0 0xe0100000 cmd 0x2$")
    m.wait_for(r"^\[p1\] dev: own RAM at 0x200000 unchanged$")
    m.wait_for(r"^\[p2\] pci: 0 functions via 0xcf8, 0 via ECAM")
    # From outside: the device's BAR is where the hypervisor put it, decoding, and the DMA
    # target (the hypervisor's own image) is unchanged.
    pci = m.hmp("info pci")
    edu = pci[pci.index("1234:11e8"):]
    assert re.search(r"BAR0: 32 bit memory at %s \[" % bar.group(1), edu[:400]), edu[:400]
    assert m.read_phys(0x200000, 64) == hv_image
    keeps_beating(m, "p1", 2)
    keeps_beating(m, "p2", 2)
    assert "FAILED" not in m.serial()
    assert_alive(m)


def test_assigned_pci_function_dma_stays_in_its_partition(machine):
    # With VT-d, p1's function joins an IOMMU domain that maps p1's RAM at IOVA = GPA: bus
    # mastering is allowed, a DMA to GPA 0x200000 lands at p1's host-physical base + 0x200000
    # (read with xp), not at host 0x200000, and a DMA just past p1's RAM faults (VT-d names
    # the function) and changes nothing.
    m = machine(cmdline="", files=FILES, smp=3, iommu=True, devices=["edu,addr=0x5"], modules=[
        (ATTACK, "name=p1 mem=8M pci=00:05.0 -- mode=dev delay=2500 dma=0x200000 "
                 "dma2=0x800000"),
        (HELLO, "name=p2 mem=8M -- beat=300"),
    ])
    m.wait_for(r"^hv: boot complete, 2 partition\(s\)$", timeout=60)
    log = m.serial()
    assert re.search(r"^p1: 0000:00:05\.0 1234:11e8 is its 00:01\.0; its DMA reaches the "
                     r"partition's RAM only \(IOMMU domain \d+\)$", log, re.M), log[-3000:]
    r = ram_ranges(log)
    b1, s1 = r["p1"]
    b2, _ = r["p2"]
    hv_image, past_p1, p2_image = (m.read_phys(0x200000, 32), m.read_phys(b1 + s1, 32),
                                   m.read_phys(b2 + 0x100000, 32))
    m.wait_for(r"^\[p1\] dev: after moving BAR 0 and enabling I/O and bus mastering: "
               r"bar0 0xe0100000 cmd 0x6$")
    m.wait_for(r"^\[p1\] dev: own RAM at 0x200000 has the pattern$")
    m.wait_for(r"^vtd: DMA fault: 0000:00:05\.0 write 0x800000 ")
    m.wait_for(r"^\[p1\] dev: DMA to 0x800000 done$")
    assert m.read_phys(b1 + 0x200000, 32) == b"edu DMA pattern 0123456789abcde\0"
    assert m.read_phys(0x200000, 32) == hv_image
    assert m.read_phys(b1 + s1, 32) == past_p1
    assert m.read_phys(b2 + 0x100000, 32) == p2_image
    keeps_beating(m, "p2", 2)
    assert "FAILED" not in m.serial()
    assert_alive(m)
