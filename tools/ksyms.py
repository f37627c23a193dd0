#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# ksyms.py: turn `nm -n` output of the first link into the .ksyms blob
# (format in kernel/ksyms.c) that the second link includes.
import struct
import sys

MAGIC = 0x4d59534b


def main(nm_out, blob_out):
    syms = []
    for line in open(nm_out):
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "tTwW":
            continue
        syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    names = b""
    entries = b""
    for addr, name in syms:
        entries += struct.pack("<QII", addr, len(names), 0)
        names += name.encode() + b"\0"
    with open(blob_out, "wb") as f:
        f.write(struct.pack("<II", MAGIC, len(syms)) + entries + names)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
