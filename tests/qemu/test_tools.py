# SPDX-License-Identifier: MIT
"""The developer tools: `make debug`'s self-check and `make run`'s QEMU launcher."""
import os
import re
import signal
import subprocess
import time

import elfsyms
import hvtest

ISO = os.path.join(hvtest.BUILD, "hypervisor.iso")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_debug_check_stops_at_kmain():
    p = subprocess.run(["bash", "tools/debug", "--check"], cwd=hvtest.ROOT, capture_output=True,
                       text=True, timeout=180, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "debug: check passed" in out
    assert "debug: reset pc=0xfff0" in out  # QEMU really was stopped at the first instruction
    pc = int(re.search(r"debug: stopped pc=(0x[0-9a-f]+)", out).group(1), 16)
    assert pc == elfsyms.addr("kmain"), "stopped at 0x%x, kmain is 0x%x" % (pc, elfsyms.addr("kmain"))
    # The script ends its QEMU.
    qemu = int(re.search(r"QEMU pid (\d+)", out).group(1))
    for _ in range(50):
        if not pid_alive(qemu):
            break
        time.sleep(0.1)
    assert not pid_alive(qemu), "tools/debug left QEMU %d running" % qemu


def test_run_qemu_boots_the_demo_machine(tmp_path):
    mon = str(tmp_path / "mon.sock")
    log = open(tmp_path / "console.log", "w")
    start = time.monotonic()
    p = subprocess.Popen(["bash", "tools/run-qemu", ISO, "-monitor", "unix:%s,server,nowait" % mon],
                         cwd=hvtest.ROOT, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        text = ""
        while "hv: boot complete" not in text:
            assert p.poll() is None, "run-qemu exited: " + text[-2000:]
            assert time.monotonic() - start < 30, "no boot within 30 s: " + text[-2000:]
            time.sleep(0.2)
            text = open(tmp_path / "console.log", errors="replace").read()
        assert "hv: SR-IOV partitioning hypervisor" in text  # the console is run-qemu's stdout
        monitor = hvtest.Machine(str(tmp_path))  # not started: only its monitor client
        monitor.mon_path = mon
        try:
            qtree = monitor.hmp("info qtree")
            assert "intel-iommu" in qtree and "isa-debug-exit" in qtree
            assert re.search(r"intremap = \"?on", qtree) and re.search(r"eim = \"?on", qtree)
            assert re.search(r"caching-mode = true", qtree), "caching-mode not on"
            assert len(re.findall(r"CPU #\d+", monitor.hmp("info cpus"))) == 2
            assert "mch" in qtree  # q35's host bridge
        finally:
            monitor.kill()
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        log.close()
