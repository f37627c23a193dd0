# SPDX-License-Identifier: MIT
"""The developer tools: `make debug`'s self-check and `make run`'s QEMU launcher."""
import os
import re
import signal
import subprocess
import time

import pytest

import elfsyms
import hvtest

ISO = os.path.join(hvtest.BUILD, "hypervisor.iso")
DEMO_UP = {"p1": "[p1] net: up mac 52:54:00:12:34:11 ip 192.0.2.11/24",
           "p2": "[p2] net: up mac 52:54:00:12:34:12 ip 192.0.2.12/24"}


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
            assert re.search(r"dev: igb, id \"\"", qtree), "no igb NIC"
            assert re.search(r"intremap = \"?on", qtree) and re.search(r"eim = \"?on", qtree)
            assert re.search(r"caching-mode = true", qtree), "caching-mode not on"
            # CPU 0 for the hypervisor, one for each demo partition
            assert len(re.findall(r"CPU #\d+", monitor.hmp("info cpus"))) == 3
            assert "mch" in qtree  # q35's host bridge
        finally:
            monitor.kill()
        # The demo (tools/grub.cfg): two partitions, each up on its own VF of the igb with the
        # default network plan's MAC and address.
        while not all(DEMO_UP[n] in text for n in DEMO_UP):
            assert p.poll() is None, "run-qemu exited: " + text[-2000:]
            assert time.monotonic() - start < 60, "the demo's partitions not up: " + text[-2000:]
            time.sleep(0.2)
            text = open(tmp_path / "console.log", errors="replace").read()
        assert "stopped" not in text
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        log.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="NET=tap needs root")
def test_run_qemu_net_tap_puts_a_peer_on_the_wire(tmp_path):
    # `make run NET=tap`: the NIC's wire is a tap in namespace hv-run-<pid> with 192.0.2.1/24;
    # the README says to ping the demo's partitions from there. Quitting removes the namespace.
    log = open(tmp_path / "console.log", "w")
    env = dict(os.environ, NET="tap")
    p = subprocess.Popen(["bash", "tools/run-qemu", ISO], cwd=hvtest.ROOT, env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    ns = "hv-run-%d" % p.pid
    try:
        start, text = time.monotonic(), ""
        while not all(DEMO_UP[n] in text and "[%s] net: link up" % n in text for n in DEMO_UP):
            assert p.poll() is None, "run-qemu exited: " + text[-2000:]
            assert time.monotonic() - start < 90, "the demo's partitions not up: " + text[-2000:]
            time.sleep(0.2)
            text = open(tmp_path / "console.log", errors="replace").read()
        assert "try: ip netns exec %s ping 192.0.2.11" % ns in text
        for ip in ("192.0.2.11", "192.0.2.12"):
            for attempt in range(10):  # the first ARP may go unanswered while a VF resets
                r = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2",
                                    "-W", "3", ip], capture_output=True, text=True, timeout=60)
                if " 3 received" in r.stdout:
                    break
            assert " 3 received" in r.stdout, r.stdout + r.stderr
        os.killpg(p.pid, signal.SIGTERM)  # QEMU ends; run-qemu's trap removes the namespace
        p.wait(timeout=30)
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert ns not in out.split(), out
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        log.close()
