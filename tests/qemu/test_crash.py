# SPDX-License-Identifier: MIT
"""Exceptions and panic: crash=<kind> faults late in boot; the report must be complete and right.

RIP, CR2 and backtrace addresses are checked against the ELF with nm (elfsyms), and the end
of the run against QEMU's exit status, not against the hypervisor's own claims.
"""
import re
import time

import pytest

import elfsyms
import hvtest

HEADLINE = (r"^PANIC: exception (\d+): (.+?) \((#\w\w)\), error code 0x([0-9a-f]+) "
            r"at RIP 0x([0-9a-f]+) ([^\s,:]+)(.*)$")
REGS = ["RIP", "RSP", "RFLAGS", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "CR0", "CR2", "CR3", "CR4"]

# kind: vector, mnemonic, error code (None: not checked), function that faults, CR2 symbol
EXCEPTIONS = {
    "ud": (6, "#UD", 0, "crash_ud", None),
    "pf": (14, "#PF", 0x3, "crash_pf", "crash_ro_target"),       # write, protection
    "null": (14, "#PF", 0x0, "crash_null", None),                # read, not present
    "nx": (14, "#PF", 0x11, None, "crash_nx_code"),              # fetch, protection
    "gp": (13, "#GP", 0, "crash_gp", None),
    "de": (0, "#DE", 0, "crash_de", None),
    "stack": (8, "#DF", 0, "crash_stack_recurse", None),
}


def crash(machine, kind):
    m = machine(cmdline="crash=" + kind)
    status = m.wait_exit(timeout=60)
    log = m.serial()
    assert status == hvtest.EXIT_PANIC, "QEMU exit status %d, not %d; serial log:\n%s" % (
        status, hvtest.EXIT_PANIC, log[-3000:])
    assert "crash: crash=%s: triggering a deliberate fault" % kind in log
    assert "did not happen" not in log
    assert "boot complete" not in log
    return log


def registers(log):
    regs = dict((k, int(v, 16)) for k, v in re.findall(r"\b([A-Z][A-Z0-9]{1,5}) +([0-9a-f]{8,16})\b",
                                                       log))
    missing = [r for r in REGS if r not in regs]
    assert not missing, "register dump lacks %s" % missing
    return regs


def backtrace(log):
    """[(address, symbol text)] of the backtrace lines."""
    body = log[log.index("  backtrace:"):]
    return [(int(a, 16), s) for a, s in re.findall(r"^    \[([0-9a-f]{16})\] (\S+)$", body, re.M)]


def same_function(found, want):
    return found is not None and (found == want or found.startswith(want + "."))


@pytest.mark.parametrize("kind", sorted(EXCEPTIONS))
def test_exception_report(machine, kind):
    vector, mnemonic, error, func, cr2_sym = EXCEPTIONS[kind]
    log = crash(machine, kind)
    m = re.search(HEADLINE, log, re.M)
    assert m, "no exception headline in:\n" + log[-3000:]
    assert int(m.group(1)) == vector
    assert m.group(3) == mnemonic
    assert int(m.group(4), 16) == error
    rip = int(m.group(5), 16)
    regs = registers(log)
    assert regs["RIP"] == rip
    # The faulting RIP is where nm says the faulting function is.
    if func:
        assert same_function(elfsyms.function_at(rip), func), "RIP 0x%x is in %s, not %s" % (
            rip, elfsyms.function_at(rip), func)
        assert m.group(6).startswith(func), m.group(6)
    else:  # jumped into .data: RIP is the data, and no function is claimed
        assert rip == elfsyms.addr(cr2_sym)
        assert m.group(6) == "?"
    if cr2_sym:
        assert regs["CR2"] == elfsyms.addr(cr2_sym)
        assert "CR2 0x%x" % regs["CR2"] in m.group(7)
    if kind == "null":
        assert regs["CR2"] == 8
    # A backtrace with names that nm agrees with, reaching kmain.
    frames = backtrace(log)
    assert frames and frames[0][0] == rip
    names = [s.split("+")[0] for _, s in frames]
    assert "kmain" in names, names
    for a, s in frames[1:]:
        if s != "?":  # return addresses: the call is the byte before
            assert same_function(elfsyms.function_at(a - 1), s.split("+")[0]), (hex(a), s)
    assert re.search(r"^PANIC: system halted \(exit_on_panic=1", log, re.M)


def test_stack_overflow_hits_guard_page(machine):
    log = crash(machine, "stack")
    m = re.search(HEADLINE, log, re.M)
    assert m and m.group(3) == "#DF", log[-3000:]
    guard = elfsyms.addr("boot_stack_guard")
    top = elfsyms.addr("boot_stack_top")
    regs = registers(log)
    # The fault address is in the guard page under the boot stack, the stack pointer at it.
    assert guard <= regs["CR2"] < guard + 4096, "CR2 0x%x, guard 0x%x" % (regs["CR2"], guard)
    assert guard <= regs["RSP"] < guard + 2 * 4096
    assert "stack overflow, CR2 0x%x is the guard page of the boot stack" % regs["CR2"] in log
    # The report ran on another stack (the #DF IST stack), not the one that overflowed.
    handler_rsp = int(re.search(r"#DF IST stack, RSP 0x([0-9a-f]+)", log).group(1), 16)
    assert not guard <= handler_rsp < top, "handler ran on the boot stack (0x%x)" % handler_rsp
    # The recursion is shown once, with its repeat count, down to kmain.
    assert re.search(r"^    \.\.\. the same frame \d+ more time\(s\)$", log, re.M)
    names = [s.split("+")[0] for _, s in backtrace(log)]
    assert "kmain" in names, names


@pytest.mark.parametrize("kind,message", [
    ("panic", r"PANIC: crash=panic: a deliberate panic \(test aid\)"),
    ("assert", r"PANIC: assertion failed: crash_never == 1 at kernel/crash\.c:\d+"),
])
def test_panic_report(machine, kind, message):
    log = crash(machine, kind)
    assert re.search("^" + message + "$", log, re.M), log[-3000:]
    frames = backtrace(log)
    assert frames, "no backtrace"
    # The first frame is the caller of panic(), i.e. the function that gave up.
    first = elfsyms.function_at(frames[0][0] - 1)
    assert first == "crash_" + kind, "first frame is in %s" % first
    assert frames[0][1].startswith("crash_%s+" % kind)
    assert "kmain" in [s.split("+")[0] for _, s in frames]


def test_bad_crash_value_is_rejected(machine):
    m = machine(cmdline="exit_when_done=1 crash=melt")
    assert m.wait_exit(timeout=60) == hvtest.EXIT_OK
    log = m.serial()
    assert re.search(r"config: error: option crash='melt': expected ud, pf, .* or assert", log)
    assert "PANIC" not in log


def test_panic_without_exit_halts(tmp_path):
    """Without exit_on_panic the machine stays up, every CPU halted, after the report."""
    m = hvtest.Machine(str(tmp_path), cmdline="crash=ud", smp=2)
    m.cmdline = "crash=ud"  # drop the exit_on_panic=1 the harness adds
    with m:  # __enter__ starts QEMU, __exit__ kills it
        m.wait_for(r"^PANIC: system halted$", timeout=60)
        time.sleep(1)
        assert m.proc.poll() is None, "QEMU exited without exit_on_panic"
        regs = m.hmp("info registers")
        assert "HLT=1" in regs
        rip = int(re.search(r"RIP=([0-9a-f]+)", regs).group(1), 16)
        assert elfsyms.function_at(rip) in ("cpu_stop", "panic_finish", "panic_frame"), hex(rip)
