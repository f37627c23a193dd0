# SPDX-License-Identifier: MIT
"""elfsyms: the hypervisor ELF's symbols, read with nm, so tests need not trust its own log."""
import functools
import subprocess

import hvtest


@functools.lru_cache(maxsize=None)
def symbols(elf=hvtest.ELF):
    """[(address, type, name)] sorted by address."""
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms.append((int(parts[0], 16), parts[1], parts[2]))
    return syms


def addr(name, elf=hvtest.ELF):
    """Address of the symbol `name` (KeyError if absent)."""
    for a, _, n in symbols(elf):
        if n == name:
            return a
    raise KeyError(name)


def function_at(address, elf=hvtest.ELF):
    """Name of the code symbol containing address, or None outside .text."""
    if not addr("__text_start", elf) <= address < addr("__text_end", elf):
        return None
    best = None
    for a, t, n in symbols(elf):
        if a > address:
            break
        if t in "tTwW" and not n.startswith("__"):
            best = n
    return best
