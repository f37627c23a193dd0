# SPDX-License-Identifier: MIT
"""netns: a network namespace per test run holding a tap device and a real Linux peer.

    with NetNS() as ns:                  # hvt-<pid>-<n>, tap "hvtap0" with 192.0.2.1/24
        m = NetMachine(ns, workdir, ...)  # QEMU runs inside it: -netdev tap on hvtap0
        ns.ping("192.0.2.11", 100)
        ns.peer("udp-echo", "192.0.2.11", "1000")

QEMU is started with `ip netns exec` so that the tap and the peer's stack live in
the same namespace and nothing touches the host's own networking. Everything is
deleted afterwards, even when the test fails; namespaces left by killed runs (their
creator's PID is gone) are deleted when the next one is made. Only addresses in
192.0.2.0/24 (documentation range, RFC 5737) that the test's guests own are used.
"""
import itertools
import json
import os
import re
import subprocess
import sys

import hvtest

PREFIX = "hvt-"
TAP = "hvtap0"
PEER_ADDR = "192.0.2.1/24"
NETPEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netpeer.py")
_serial = itertools.count()


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=20,
                          check=check)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale():
    """Delete namespaces named hvt-<pid>-<n> whose creating process no longer exists."""
    out = _ip("netns", "list", check=False).stdout
    for line in out.splitlines():
        m = re.match(r"^(%s(\d+)-\d+)\b" % re.escape(PREFIX), line)
        if m and not _alive(int(m.group(2))):
            _ip("netns", "del", m.group(1), check=False)


def available():
    """None if this machine can make namespaces and taps, else the reason."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, tap devices)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


class NetNS:
    """One namespace with loopback up and a tap `hvtap0` carrying 192.0.2.1/24."""

    def __init__(self, addr=PEER_ADDR):
        self.name = "%s%d-%d" % (PREFIX, os.getpid(), next(_serial))
        self.tap, self.addr = TAP, addr
        self.made = False

    def create(self):
        clean_stale()
        _ip("netns", "add", self.name)
        self.made = True
        try:
            _ip("-n", self.name, "link", "set", "lo", "up")
            _ip("-n", self.name, "tuntap", "add", "dev", self.tap, "mode", "tap")
            _ip("-n", self.name, "addr", "add", self.addr, "dev", self.tap)
            _ip("-n", self.name, "link", "set", self.tap, "up")
            # No IPv6 chatter (router solicitations, MLD) on the guests' wire.
            self.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.tap])
        except subprocess.CalledProcessError as e:
            self.delete()
            raise RuntimeError("netns set-up failed: %s %s" % (e.cmd, e.stderr))
        return self

    def delete(self):
        if self.made:
            _ip("netns", "del", self.name, check=False)
            self.made = False

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.delete()

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def run(self, args, timeout=120, check=False):
        return subprocess.run(self.prefix() + list(args), capture_output=True, text=True,
                              timeout=timeout, check=check, stdin=subprocess.DEVNULL)

    def popen(self, args):
        return subprocess.Popen(self.prefix() + list(args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                start_new_session=True)

    def ping(self, dst, count, interval=0.05, wait=2, timeout=None):
        """Run ping in the namespace; returns (sent, received, output).

        A reply counts if it comes within `wait` seconds after the last request: -w makes
        ping wait for every answer (without it, ping stops waiting two round trips after
        its last request, and a reply delayed by a busy TCG host would count as lost).
        With -c and -w ping stops at the count-th reply, and requests sent after the one
        it answered are still in flight, neither answered nor lost. So `sent` counts the
        requests whose fate is known: those up to the highest answered icmp_seq (every
        one transmitted when none was answered). received == sent means nothing was lost.
        """
        assert dst.startswith("192.0.2.")
        deadline = int(count * interval + wait) + 1
        p = self.run(["ping", "-n", "-c", str(count), "-i", str(interval), "-W", str(wait),
                      "-w", str(deadline), dst], timeout=timeout or deadline + 30)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", p.stdout)
        if not m:
            return 0, 0, p.stdout + p.stderr
        transmitted = int(m.group(1))
        answered = {int(s) for s in re.findall(r"icmp_seq=(\d+) ", p.stdout)}
        if not answered:
            return transmitted, 0, p.stdout
        return min(transmitted, max(answered)), len(answered), p.stdout

    def peer(self, *args, timeout=300):
        """Run netpeer.py in the namespace; returns its JSON lines as a list of dicts."""
        p = self.run([sys.executable, NETPEER] + [str(a) for a in args], timeout=timeout)
        out = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        if not out:
            raise AssertionError("netpeer %s failed (%d): %s" % (args, p.returncode,
                                                                 p.stdout + p.stderr))
        return out

    def neigh(self):
        """The peer's neighbour table for the tap: {ip: mac}."""
        out = self.run(["ip", "neigh", "show", "dev", self.tap]).stdout
        return {m.group(1): m.group(2).lower() for m in
                re.finditer(r"^(\S+) lladdr ([0-9a-fA-F:]+)", out, re.M)}


class NetMachine(hvtest.Machine):
    """A Machine whose QEMU runs inside `ns`, its igb's wire on the namespace's tap."""

    def __init__(self, ns, workdir, **kw):
        self.ns = ns
        super().__init__(workdir, **kw)

    def qemu_args(self, iso):
        tap = ["-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % self.ns.tap]
        return self.ns.prefix() + super().qemu_args(iso) + tap
