#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""netpeer: the Linux peer's tools, run inside a test's network namespace (netns.py).

    netpeer.py udp-echo DST COUNT [--min 1] [--max 1472] [--port 7] [--seed N]
    netpeer.py ctl DST COMMAND...        (one datagram to UDP port 7001, prints the reply)
    netpeer.py capture IFACE SECONDS     (frames the NIC sent to the tap, JSON lines)
    netpeer.py send IFACE DST_MAC SRC_IP DST_IP COUNT [--port 7]  (raw UDP frames)
    netpeer.py udp DST PORT HEX [--count 1] [--gap 0.05]  (datagrams with this payload)

Every result goes to stdout as one JSON object per line. Only 192.0.2.0/24 hosts
the test created are ever addressed.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def udp_echo(a):
    """COUNT datagrams of sizes spread over [min, max], each with a random payload,
    each waiting for its echo (up to 3 tries of 1 s); the payload must come back intact."""
    rng = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    res = {"sent": 0, "ok": 0, "bad": 0, "lost": 0, "retries": 0, "late": 0,
           "sizes": [a.max, 0], "first_bad": None}
    earlier = set()  # payloads sent before this one
    start = time.monotonic()
    for i in range(a.count):
        size = a.min + (i * (a.max - a.min)) // max(1, a.count - 1)
        size = max(a.min, min(a.max, size))
        data = bytes(rng.getrandbits(8) for _ in range(size))
        res["sizes"] = [min(res["sizes"][0], size), max(res["sizes"][1], size)]
        for attempt in range(3):
            s.sendto(data, (a.dst, a.port))
            res["sent"] += 1
            try:
                got, src = s.recvfrom(65536)
                # Ignore what is not from the echo server, and a late echo of an earlier
                # datagram (under load a retried one can be answered twice): it is not
                # this datagram's reply, and taking it would shift every later one.
                while src != (a.dst, a.port) or (got != data and got in earlier):
                    res["late"] += src == (a.dst, a.port)
                    got, src = s.recvfrom(65536)
            except socket.timeout:
                res["retries"] += 1
                continue
            if got == data:
                res["ok"] += 1
            else:
                res["bad"] += 1
                if res["first_bad"] is None:
                    res["first_bad"] = {"size": size, "got": len(got)}
            break
        else:
            res["lost"] += 1
        earlier.add(data)
    res["seconds"] = round(time.monotonic() - start, 2)
    print(json.dumps(res))
    return 0


def ctl(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    cmd = " ".join(a.command).encode()
    for attempt in range(a.tries):
        s.sendto(cmd, (a.dst, 7001))
        try:
            got, _ = s.recvfrom(65536)
            print(json.dumps({"reply": got.decode("ascii", "replace"), "tries": attempt + 1}))
            return 0
        except socket.timeout:
            continue
    print(json.dumps({"reply": None, "tries": a.tries}))
    return 1


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def capture(a):
    """Frames arriving from the NIC (not our own transmissions) for SECONDS seconds."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((a.iface, 0))
    s.settimeout(0.2)
    print(json.dumps({"ready": True}), flush=True)
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        try:
            frame, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING or len(frame) < 14:
            continue
        print(json.dumps({"dst": mac_text(frame[0:6]), "src": mac_text(frame[6:12]),
                          "type": struct.unpack("!H", frame[12:14])[0],
                          "len": len(frame), "data": frame[14:200].hex()}), flush=True)
    return 0


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def send(a):
    """COUNT UDP frames to DST_MAC with IP destination DST_IP, from this tap's MAC and SRC_IP."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4][:6]
    dst_mac = bytes(int(x, 16) for x in a.dst_mac.split(":"))
    src_ip, dst_ip = socket.inet_aton(a.src_ip), socket.inet_aton(a.dst_ip)
    for i in range(a.count):
        payload = b"isolation probe %d" % i
        udp = struct.pack("!HHHH", 40000 + i % 1000, a.port, 8 + len(payload), 0) + payload
        pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, len(udp))
        c = checksum(pseudo + udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         src_ip, dst_ip)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        s.send(dst_mac + src_mac + b"\x08\x00" + ip + udp)
        time.sleep(a.gap)
    print(json.dumps({"sent": a.count, "src_mac": mac_text(src_mac)}))
    return 0


def udp(a):
    """COUNT datagrams carrying exactly the payload HEX (no answer expected)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data = bytes.fromhex(a.hex)
    for _ in range(a.count):
        s.sendto(data, (a.dst, a.port))
        time.sleep(a.gap)
    print(json.dumps({"sent": a.count, "len": len(data)}))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("udp-echo")
    e.add_argument("dst")
    e.add_argument("count", type=int)
    e.add_argument("--min", type=int, default=1)
    e.add_argument("--max", type=int, default=1472)
    e.add_argument("--port", type=int, default=7)
    e.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("ctl")
    c.add_argument("dst")
    c.add_argument("command", nargs="+")
    c.add_argument("--timeout", type=float, default=5.0)
    c.add_argument("--tries", type=int, default=1)
    k = sub.add_parser("capture")
    k.add_argument("iface")
    k.add_argument("seconds", type=float)
    s = sub.add_parser("send")
    s.add_argument("iface")
    s.add_argument("dst_mac")
    s.add_argument("src_ip")
    s.add_argument("dst_ip")
    s.add_argument("count", type=int)
    s.add_argument("--port", type=int, default=7)
    s.add_argument("--gap", type=float, default=0.005)
    u = sub.add_parser("udp")
    u.add_argument("dst")
    u.add_argument("port", type=int)
    u.add_argument("hex")
    u.add_argument("--count", type=int, default=1)
    u.add_argument("--gap", type=float, default=0.05)
    a = p.parse_args()
    for ip in [getattr(a, "dst", None), getattr(a, "dst_ip", None)]:
        if ip and not ip.startswith("192.0.2."):
            sys.exit("netpeer: only 192.0.2.0/24 (the test's own network) is addressed")
    return {"udp-echo": udp_echo, "ctl": ctl, "capture": capture, "send": send,
            "udp": udp}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
