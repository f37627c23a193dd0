# SPDX-License-Identifier: MIT
"""hvtest: boot the hypervisor in QEMU (or Bochs) from a test and look at it from outside.

Every run has a timeout and is ended by its PID. A test reads QEMU's side of
the machine (monitor, traces, memory) rather than trusting the hypervisor's log.
"""
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "hypervisor.elf")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
DEFAULT_CPU = "qemu64,+svm,+npt,+x2apic"

# QEMU's isa-debug-exit status for the hypervisor's exit codes (kernel/panic.h).
EXIT_OK = 1        # hv_exit(0)
EXIT_FAILURE = 3   # hv_exit(1)
EXIT_PANIC = 255   # hv_exit(0x7f)


def grub_cfg(cmdline, modules=()):
    """A grub.cfg that boots the hypervisor with `cmdline` and (iso_path, args) modules."""
    lines = [
        "set timeout=0", "set default=0",
        "serial --unit=0 --speed=115200",
        "terminal_input serial console", "terminal_output serial console",
        'menuentry "hypervisor" {',
        "\tmultiboot2 /boot/hypervisor.elf " + cmdline,
    ]
    for path, args in modules:
        lines.append("\tmodule2 %s %s" % (path, args))
    lines += ["\tboot", "}"]
    return "\n".join(lines) + "\n"


def make_iso(workdir, cmdline, modules=(), files=()):
    """Build (or reuse) an ISO for this command line; files are (host_path, iso_path)."""
    cfg = grub_cfg(cmdline, modules)
    h = hashlib.sha1(cfg.encode())
    for src, dst in [(ELF, "hv")] + list(files):
        h.update(dst.encode())
        with open(src, "rb") as f:
            h.update(f.read())
    cache = os.path.join(BUILD, "test-isos")
    os.makedirs(cache, exist_ok=True)
    iso = os.path.join(cache, h.hexdigest()[:16] + ".iso")
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers may want the same ISO
        if not os.path.exists(iso):
            cfg_path = os.path.join(workdir, "grub.cfg")
            with open(cfg_path, "w") as f:
                f.write(cfg)
            args = ["bash", os.path.join(ROOT, "tools", "mkiso"), iso, cfg_path, ELF]
            args += ["%s=%s" % (src, dst) for src, dst in files]
            subprocess.run(args, check=True, cwd=ROOT, timeout=120)
    return iso


def make_grub_iso(workdir, cfg, files):
    """(Or reuse) an ISO of GRUB with `cfg` as grub.cfg and files = [(host_path, iso_path)]:
    for kernels other than the hypervisor (the multiboot test kernels' reference runs)."""
    h = hashlib.sha1(cfg.encode())
    for src, dst in files:
        h.update(dst.encode())
        with open(src, "rb") as f:
            h.update(f.read())
    cache = os.path.join(BUILD, "test-isos")
    os.makedirs(cache, exist_ok=True)
    iso = os.path.join(cache, "grub-" + h.hexdigest()[:16] + ".iso")
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(iso):
            root = os.path.join(workdir, "isoroot")
            shutil.rmtree(root, ignore_errors=True)
            os.makedirs(os.path.join(root, "boot", "grub"))
            with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
                f.write(cfg)
            for src, dst in files:
                os.makedirs(os.path.dirname(os.path.join(root, dst.lstrip("/"))), exist_ok=True)
                shutil.copy(src, os.path.join(root, dst.lstrip("/")))
            subprocess.run(["grub-mkrescue", "-o", iso + ".tmp", root, "--fonts=", "--locales=",
                            "--themes="], check=True, capture_output=True, timeout=120)
            os.rename(iso + ".tmp", iso)
            shutil.rmtree(root, ignore_errors=True)
    return iso


class Machine:
    """One QEMU run of the hypervisor ISO.

    cmdline: hypervisor command line (exit_on_panic=1 is always added)
    firmware: "seabios" or "ovmf"; iommu: add intel-iommu (opts in iommu_opts)
    devices: extra -device strings; extra: any other QEMU arguments
    """

    def __init__(self, workdir, cmdline="", modules=(), files=(), smp=2, mem="512M",
                 firmware="seabios", iommu=False,
                 iommu_opts="intremap=on,eim=on,caching-mode=on", devices=(), extra=(),
                 cpu=DEFAULT_CPU, trace=None, icount=None, timeout=90):
        self.workdir = workdir
        self.cmdline = ("exit_on_panic=1 " + cmdline).strip()
        self.modules, self.files = modules, files
        self.smp, self.mem, self.firmware = smp, mem, firmware
        self.iommu, self.iommu_opts = iommu, iommu_opts
        self.devices, self.extra, self.cpu = list(devices), list(extra), cpu
        self.trace, self.icount, self.timeout = trace, icount, timeout
        self.serial_path = os.path.join(workdir, "serial.log")
        self.mon_path = os.path.join(workdir, "mon.sock")
        self.trace_path = os.path.join(workdir, "trace.log")
        self.proc = None
        self.deadline = None
        self.mon = None

    def qemu_args(self, iso):
        a = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", self.cpu,
             "-smp", str(self.smp), "-m", str(self.mem), "-display", "none",
             "-serial", "file:" + self.serial_path,
             "-monitor", "unix:%s,server,nowait" % self.mon_path,
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
             "-no-reboot", "-cdrom", iso]
        if self.firmware == "ovmf":
            vars_copy = os.path.join(self.workdir, "ovmf_vars.fd")
            shutil.copy(OVMF_VARS, vars_copy)
            a += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                  "-drive", "if=pflash,format=raw,file=" + vars_copy]
        if self.iommu:
            a += ["-device", "intel-iommu," + self.iommu_opts]
        for d in self.devices:
            a += ["-device", d]
        if self.trace:
            for t in self.trace:
                a += ["-trace", t]
            a += ["-D", self.trace_path]
        if self.icount is not None:
            a += ["-icount", "shift=%d" % self.icount]
        return a + self.extra

    def start(self):
        if self.proc is not None:
            return self  # already running: `with machine(...)` must not start a second QEMU
        iso = make_iso(self.workdir, self.cmdline, self.modules, self.files)
        args = self.qemu_args(iso)
        with open(os.path.join(self.workdir, "qemu.cmd"), "w") as f:
            f.write(" ".join(args) + "\n")
        self.qemu_log = open(os.path.join(self.workdir, "qemu.stderr"), "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.qemu_log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.deadline = time.monotonic() + self.timeout
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    def kill(self):
        if self.mon:
            self.mon.close()
            self.mon = None
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def serial(self):
        try:
            with open(self.serial_path, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def _left(self, timeout):
        end = time.monotonic() + timeout if timeout else self.deadline
        return min(end, self.deadline)

    def wait_for(self, pattern, timeout=None):
        """Wait until the serial log matches `pattern`; returns the match or raises."""
        rx = re.compile(pattern, re.M)
        end = self._left(timeout)
        while True:
            m = rx.search(self.serial())
            if m:
                return m
            if self.proc.poll() is not None or time.monotonic() > end:
                m = rx.search(self.serial())
                if m:
                    return m
                raise AssertionError("serial never matched %r (QEMU %s); serial log:\n%s" % (
                    pattern, "exited %s" % self.proc.returncode
                    if self.proc.poll() is not None else "timed out", self.serial()[-4000:]))
            time.sleep(0.1)

    def wait_exit(self, timeout=None):
        """Wait for QEMU to end by itself; returns its exit status or raises on timeout."""
        end = self._left(timeout)
        while self.proc.poll() is None:
            if time.monotonic() > end:
                self.kill()
                raise AssertionError("QEMU did not exit in time; serial log:\n" +
                                     self.serial()[-4000:])
            time.sleep(0.1)
        return self.proc.returncode

    def hmp(self, command, timeout=20):
        """Run a human monitor command and return its output."""
        if self.mon is None:
            end = time.monotonic() + 10
            while True:
                try:
                    self.mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.mon.connect(self.mon_path)
                    break
                except OSError:
                    self.mon.close()
                    self.mon = None
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.1)
            self.mon.settimeout(timeout)
            self._read_prompt()
        self.mon.sendall((command + "\n").encode())
        out = self._read_prompt()
        # Drop the echoed command line (with its terminal escapes).
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "")
        lines = out.split("\n")
        return "\n".join(lines[1:]) if lines and command in lines[0] else out

    def _read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.mon.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf[:-len(b"(qemu) ")].decode("utf-8", "replace")

    def read_phys(self, addr, length):
        """Bytes of guest-physical (= host-physical for the hypervisor) memory via `xp`."""
        out = bytearray()
        words = (length + 3) // 4
        text = self.hmp("xp /%dwx 0x%x" % (words, addr))
        for line in text.splitlines():
            if ":" not in line:
                continue
            for w in line.split(":", 1)[1].split():
                out += int(w, 16).to_bytes(4, "little")
        return bytes(out[:length])


def ktap_results(text):
    """Parse KTAP lines into {name: (ok, directive)}; also returns the planned count."""
    results, planned = {}, None
    for line in text.splitlines():
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            planned = int(m.group(1))
        m = re.match(r"^(not ok|ok) \d+ (\S+)(?: # (.*))?$", line)
        if m:
            results[m.group(2)] = (m.group(1) == "ok", m.group(3) or "")
    return results, planned


def selftest_names():
    """Names of the self-tests compiled into the ELF (symbols selftest_<name>)."""
    out = subprocess.run(["nm", ELF], capture_output=True, text=True, check=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("selftest_") and parts[1] in "rRdD":
            names.append(parts[2][len("selftest_"):])
    return sorted(names)
