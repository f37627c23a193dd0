# SPDX-License-Identifier: MIT
"""bochs: boot the hypervisor ISO under Bochs (its VMX test bed), headless, and return the serial log.

Bochs ends when the hypervisor writes "Shutdown" to port 0x8900 (hv_exit does, so boot with
exit_when_done=1). Its exit status is 1 whatever happened: judge a run by its serial log.
Every run has a timeout and is killed by its process group.

    run = bochs.Bochs(str(tmp_path), cmdline="exit_when_done=1", cpus=2).run()
    assert "cpu: 2 of 2 CPUs online" in run.serial

A BochsMachine is the same boot kept running, with the interface of hvtest.Machine that the
partition tests use (wait_for, serial, read_phys, kill): physical memory is read from outside
through Bochs' own debugger (interrupted with SIGINT, `xp`, then `c`).
"""
import contextlib
import os
import re
import signal
import subprocess
import time

import hvtest

BOCHS = "/usr/bin/bochs-bin"

# ENVIRONMENT.md's headless config, plus "sound: driver=dummy": without it Debian's Bochs 2.7 aborts
# in its mixer thread ("buffer overflow detected") on a machine without a sound card.
BOCHSRC = """\
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model={model}, count={cpus}, ips={ips}, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest={mem}, host={mem}
ata0-master: type=cdrom, path=hv.iso, status=inserted
boot: cdrom
clock: sync=none, time0=local
com1: enabled=1, mode=file, dev=serial.log
log: bochs.log
panic: action=fatal
mouse: enabled=0
sound: driver=dummy
"""


class Result:
    def __init__(self, serial, timed_out, workdir):
        self.serial = serial
        self.timed_out = timed_out
        self.log_path = os.path.join(workdir, "bochs.log")

    def bochs_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Bochs:
    """One Bochs run of the hypervisor ISO (exit_on_panic=1 and exit_when_done=1 are always added).

    cpus: processor count (Bochs' SMP config); model: a Bochs CPU model (ENVIRONMENT.md lists
    the ones with VMX+EPT); modules/files: as for hvtest.Machine.
    """

    def __init__(self, workdir, cmdline="", cpus=1, model="corei7_skylake_x", mem=512,
                 ips=100000000, modules=(), files=(), timeout=60):
        self.workdir = workdir
        self.cmdline = ("exit_on_panic=1 exit_when_done=1 " + cmdline).strip()
        self.cpus, self.model, self.mem, self.ips = cpus, model, mem, ips
        self.modules, self.files, self.timeout = modules, files, timeout

    def _prepare(self, rc):
        """ISO, bochsrc and the debugger's command file `rc` in the work directory."""
        iso = hvtest.make_iso(self.workdir, self.cmdline, self.modules, self.files)
        link = os.path.join(self.workdir, "hv.iso")  # the config takes short relative paths
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(iso, link)
        with open(os.path.join(self.workdir, "bochsrc"), "w") as f:
            f.write(BOCHSRC.format(model=self.model, cpus=self.cpus, ips=self.ips, mem=self.mem))
        with open(os.path.join(self.workdir, "dbg.rc"), "w") as f:
            f.write(rc)
        serial = os.path.join(self.workdir, "serial.log")
        if os.path.exists(serial):
            os.unlink(serial)
        return serial

    def run(self):
        """Boot, wait for Bochs to end (or the timeout), return a Result."""
        # Continue, then quit: Debian's build stops at its debugger prompt.
        serial = self._prepare("c\nq\n")
        with open(os.path.join(self.workdir, "bochs.stdout"), "w") as out:
            proc = subprocess.Popen([BOCHS, "-q", "-f", "bochsrc", "-rc", "dbg.rc"],
                                    cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            timed_out = self._wait(proc)
        try:
            with open(serial, "rb") as f:
                text = f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            text = ""
        return Result(text, timed_out, self.workdir)

    def _wait(self, proc):
        end = time.monotonic() + self.timeout
        while proc.poll() is None:
            if time.monotonic() > end:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
                return True
            time.sleep(0.2)
        return False


class BochsMachine(Bochs):
    """A running Bochs with hvtest.Machine's interface: wait_for, serial, read_phys, kill.

    Bochs' debugger reads its commands from a pipe: SIGINT stops the simulation at its
    prompt, `xp` reads physical memory, `c` lets it run on.
    """

    PROMPT = "<bochs:"

    def __init__(self, workdir, **kw):
        super().__init__(workdir, **kw)
        self.proc = None
        self.serial_path = os.path.join(workdir, "serial.log")
        self.out_path = os.path.join(workdir, "bochs.stdout")
        self.deadline = None
        self.stopped = False
        self.resumed = 0.0

    def start(self):
        self._prepare("c\n")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen([BOCHS, "-q", "-f", "bochsrc", "-rc", "dbg.rc"],
                                     cwd=self.workdir, stdin=subprocess.PIPE, stdout=self.out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.deadline = time.monotonic() + self.timeout
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def serial(self):
        try:
            with open(self.serial_path, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def bochs_log(self):
        with open(os.path.join(self.workdir, "bochs.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _end(self, timeout):
        end = time.monotonic() + timeout if timeout else self.deadline
        return min(end, self.deadline)

    def wait_for(self, pattern, timeout=None):
        """Wait until the serial log matches `pattern`; returns the match or raises."""
        rx = re.compile(pattern, re.M)
        end = self._end(timeout)
        while True:
            m = rx.search(self.serial())
            if m:
                return m
            if self.proc.poll() is not None or time.monotonic() > end:
                m = rx.search(self.serial())
                if m:
                    return m
                raise AssertionError("serial never matched %r (Bochs %s); serial log:\n%s" % (
                    pattern, "ended" if self.proc.poll() is not None else "timed out",
                    self.serial()[-4000:]))
            time.sleep(0.1)

    def wait_exit(self, timeout=None):
        """Wait for Bochs to end by itself (its status says nothing: read the serial log)."""
        end = self._end(timeout)
        while self.proc.poll() is None:
            if time.monotonic() > end:
                self.kill()
                raise AssertionError("Bochs did not end in time; serial log:\n" +
                                     self.serial()[-4000:])
            time.sleep(0.1)
        return self.proc.returncode

    def _prompts(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace").count(self.PROMPT)

    def _command(self, line, timeout=10):
        """Send one debugger command; return its output (up to the next prompt)."""
        with open(self.out_path, "rb") as f:
            start = len(f.read())
        n = self._prompts()
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        self._wait_prompts(n + 1, timeout)
        with open(self.out_path, "rb") as f:
            return f.read()[start:].decode("utf-8", "replace")

    def _wait_prompts(self, n, timeout):
        end = time.monotonic() + timeout
        while self._prompts() < n:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise AssertionError("Bochs' debugger did not answer")
            time.sleep(0.02)

    def _stop(self):
        """Bring the simulation to the debugger's prompt with SIGINT. A SIGINT that arrives
        while the debugger is still taking the last `c` is lost: wait a moment after each
        `c`, and retry."""
        n = self._prompts()
        time.sleep(max(0.0, self.resumed + 0.3 - time.monotonic()))
        for _ in range(60):
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self._wait_prompts(n + 1, 0.5)
                return
            except AssertionError:
                if self.proc.poll() is not None:
                    raise
        raise AssertionError("Bochs' debugger did not stop the machine")

    def _resume(self):
        self.proc.stdin.write(b"c\n")
        self.proc.stdin.flush()
        self.resumed = time.monotonic()

    @contextlib.contextmanager
    def paused(self):
        """Hold the machine at the debugger's prompt: reads inside need no stop of their own."""
        if self.stopped:
            yield self
            return
        self._stop()
        self.stopped = True
        try:
            yield self
        finally:
            self.stopped = False
            self._resume()

    def cpu_states(self):
        """{cpu: (physical address, CS:RIP text, instruction)} of each CPU's next instruction,
        as the debugger lists them when it stops the machine."""
        with open(self.out_path, "rb") as f:
            start = len(f.read())
        with self.paused():
            with open(self.out_path, "rb") as f:
                text = f.read()[start:].decode("utf-8", "replace")
        out = {}
        for m in re.finditer(r"^\((\d+)\)\.?\s*\[0x([0-9a-f]+)\] ([0-9a-f]{4}:[0-9a-f]+) "
                             r"\([^)]*\): (.*?)\s*;", text, re.M):
            out[int(m.group(1))] = (int(m.group(2), 16), m.group(3), m.group(4))
        return out

    def read_phys(self, addr, length):
        """Bytes of physical memory, read by Bochs' debugger while the machine stands still."""
        with self.paused():
            text = self._command("xp /%dbx 0x%x" % (length, addr))
        out = bytearray()
        for line in text.splitlines():
            if re.match(r"^0x[0-9a-f]+ <", line):
                out += bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})\b",
                                                            line.split(":", 1)[1]))
        assert len(out) >= length, "xp returned %d of %d bytes:\n%s" % (len(out), length, text)
        return bytes(out[:length])
