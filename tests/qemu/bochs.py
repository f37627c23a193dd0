# SPDX-License-Identifier: MIT
"""bochs: boot the hypervisor ISO under Bochs (its VMX test bed), headless, and return the serial log.

Bochs ends when the hypervisor writes "Shutdown" to port 0x8900 (hv_exit does, so boot with
exit_when_done=1). Its exit status is 1 whatever happened: judge a run by its serial log.
Every run has a timeout and is killed by its process group.

    run = bochs.Bochs(str(tmp_path), cmdline="exit_when_done=1", cpus=2).run()
    assert "cpu: 2 of 2 CPUs online" in run.serial
"""
import os
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

    def run(self):
        """Boot, wait for Bochs to end (or the timeout), return a Result."""
        iso = hvtest.make_iso(self.workdir, self.cmdline, self.modules, self.files)
        link = os.path.join(self.workdir, "hv.iso")  # the config takes short relative paths
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(iso, link)
        with open(os.path.join(self.workdir, "bochsrc"), "w") as f:
            f.write(BOCHSRC.format(model=self.model, cpus=self.cpus, ips=self.ips, mem=self.mem))
        with open(os.path.join(self.workdir, "dbg.rc"), "w") as f:
            f.write("c\nq\n")  # continue, then quit: Debian's build stops at its debugger prompt
        serial = os.path.join(self.workdir, "serial.log")
        if os.path.exists(serial):
            os.unlink(serial)
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
