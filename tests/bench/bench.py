#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py: `make bench`: the network paths, measured in one run.

    tests/bench/bench.py [--count N] [--warmup N] [--paths native,vf,pv,vfirq] [--readme]

Four boots of the same QEMU machine (q35, TCG with -icount shift=0, so one TSC
tick is one guest instruction and every figure is in virtual time; CPU model
qemu64,+svm,+npt without x2apic, because QEMU aborts on x2APIC timer reads
under icount; 3 CPUs; intel-iommu with interrupt remapping; an igb NIC):

  native  build/hypervisor-bench.elf, selftest=bench_native: the hypervisor runs
          the guests' igbvf driver and netbench generator/sink itself on VF0 (CPU 1)
          and VF1 (CPU 2), no virtualisation in between (tests/bench/native.c)
  vf      build/hypervisor.elf, partitions "gen" (vf=0, CPU 1) and "sink" (vf=1,
          CPU 2) running guests/bench.elf: VF-direct
  pv      the same partitions with net=pv: software-switched by the hypervisor's
          fast path on CPU 0 (kernel/pvnet.c)
  vfirq   as vf, the sink with irq=msix: it sleeps in HLT until its VF's MSI-X
          receive interrupt, then takes every frame pending (guests/bench.c)

The generator sends COUNT frames of each size (64, 512, 1500 bytes, without FCS)
to the sink in batches of 32 it acknowledges (guests/lib/netbench.h); frames go
VF to VF through the NIC's internal switch, or ring to CPU 0 to the PF's queue
and back. Every figure comes from a counter named in its record's "source" and
in tests/bench/README.md. Output: a table on the terminal, build/bench/results.csv
and results.json (one record per measurement: path, size, metric, value, unit,
source), build/bench/pps.png, and each boot's serial log. --readme rewrites the
table in README.md between its bench markers.
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import hvtest  # noqa: E402

CPU = "qemu64,+svm,+npt"
SIZES = (64, 512, 1500)
GEN_MAC, SINK_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
BENCH_ELF = os.path.join(BUILD, "guests", "bench.elf")
PATHS = ("native", "vf", "pv", "vfirq")
TITLES = {"native": "native (hypervisor on a VF)", "vf": "VF-direct (partitions)",
          "pv": "software-switched (pv, CPU 0)", "vfirq": "VF-direct, sink on MSI-X"}
CORE_DIRS = ("boot", "kernel", "pci", "iommu", "drivers")
NA_IRQ = "n/a: this path polls (interrupts are measured on path vfirq)"
TARGETS = {"vf_native_pps": 0.99, "vf_exits_per_1000": 0, "pv_vf_cost": 3.0,
           "core_lines": 10000, "exits_per_batch": 1.0}


def machine(workdir, elf, cmdline, modules=(), files=(), timeout=900):
    hvtest.ELF = elf  # make_iso puts this image on the ISO
    return hvtest.Machine(workdir, cmdline=cmdline, modules=modules, files=files, smp=3,
                          mem="512M", iommu=True, iommu_opts="intremap=on,caching-mode=on",
                          cpu=CPU, icount=0, timeout=timeout,
                          devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0"],
                          extra=["-netdev", "user,id=n0,restrict=on"])


def boot_spec(path, count, warmup):
    """(hypervisor ELF, its command line, modules, ISO files) of one path."""
    if path == "native":
        return (os.path.join(BUILD, "hypervisor-bench.elf"),
                "exit_when_done=1 selftest=bench_native sriov=01:00.0:2", [], [])
    nic = ("net=pv", "net=pv") if path == "pv" else ("vf=0", "vf=1")
    sink_irq = " irq=msix" if path == "vfirq" else ""
    traffic = "count=%d warmup=%d sizes=%s" % (count, warmup, ",".join(map(str, SIZES)))
    mods = [("/guests/bench.elf", "name=gen cpus=@1 mem=32M %s mac=%s -- mode=gen peer=%s %s"
             % (nic[0], GEN_MAC, SINK_MAC, traffic)),
            ("/guests/bench.elf", "name=sink cpus=@2 mem=32M %s mac=%s -- mode=sink %s%s"
             % (nic[1], SINK_MAC, traffic, sink_irq))]
    return (os.path.join(BUILD, "hypervisor.elf"), "exit_when_done=1", mods,
            [(BENCH_ELF, "/guests/bench.elf")])


def fields(text):
    return {k: (int(v) if v.lstrip("-").isdigit() else v)
            for k, v in re.findall(r"(\w+)=(\S+)", text)}


def parse(log):
    """The bench lines of a serial log: up, result (per role and phase) and done lines."""
    r = {"up": {}, "result": {}, "done": {}, "resident": None}
    for line in log.splitlines():
        m = re.match(r"^(?:\[\w+\] )?bench: (up|result|counters|done) (.*)$", line)
        if m:
            f = fields(m.group(2))
            if m.group(1) in ("result", "counters"):  # one record per role and phase
                r["result"].setdefault(f["role"], {}).setdefault(f["phase"], {}).update(f)
            else:
                r[m.group(1)][f["role"]] = f
        m = re.match(r"^hv: resident: image (\d+) KiB, allocated (\d+) KiB", line)
        if m:
            r["resident"] = (int(m.group(1)), int(m.group(2)))
    return r


def run_path(path, count, warmup):
    elf, cmdline, mods, files = boot_spec(path, count, warmup)
    workdir = os.path.join(OUT, "run-" + path)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    m = machine(workdir, elf, cmdline, mods, files)
    print("bench: %s: booting %s" % (path, os.path.relpath(elf, ROOT)), flush=True)
    start = time.monotonic()
    up_wall = None
    with m:
        while m.proc.poll() is None and time.monotonic() - start < m.timeout:
            if up_wall is None and len(re.findall(r"bench: up ", m.serial())) >= 2:
                up_wall = time.monotonic() - start
            time.sleep(0.05)
        if m.proc.poll() is None:
            raise SystemExit("bench: %s: QEMU did not finish in %d s; see %s" % (
                path, m.timeout, m.serial_path))
    wall = time.monotonic() - start
    log = m.serial()
    shutil.copy(m.serial_path, os.path.join(OUT, path + "-serial.log"))
    r = parse(log)
    for role in ("gen", "sink"):
        d = r["done"].get(role)
        if not d or d["status"] != 0 or len(r["result"].get(role, {})) != len(SIZES):
            raise SystemExit("bench: %s: the %s did not finish (see %s):\n%s" % (
                path, role, os.path.join(OUT, path + "-serial.log"), log[-3000:]))
    r["wall"], r["up_wall"] = wall, up_wall
    print("bench: %s: done in %.0f s wall" % (path, wall), flush=True)
    return r


def exit_names():
    names = {}
    with open(os.path.join(ROOT, "kernel", "hvabi.h")) as f:
        for m in re.finditer(r"^#define HV_EXIT_(\w+)\s+(\d+)", f.read(), re.M):
            if m.group(1) != "REASONS":
                names[int(m.group(2))] = m.group(1).lower()
    return names


class Records:
    def __init__(self):
        self.rows = []

    def add(self, path, size, metric, value, unit, source):
        self.rows.append({"path": path, "size": size, "metric": metric, "value": value,
                          "unit": unit, "source": source})

    def get(self, path, size, metric):
        for r in self.rows:
            if (r["path"], r["size"], r["metric"]) == (path, size, metric):
                return r["value"]
        return None


def path_records(rec, path, r, names):
    tsc_hz = r["up"]["sink"]["tsc_khz"] * 1000
    for i, size in enumerate(SIZES, 1):
        g, s = r["result"]["gen"][i], r["result"]["sink"][i]
        n = s["frames"]
        ticks = s["t_last"] - s["t_first"]
        src = "sink 'bench: result' line, phase %d" % i
        rec.add(path, size, "pps", round(n * tsc_hz / ticks), "packets/virtual s",
                src + ": frames / ((t_last - t_first) / TSC Hz)")
        rec.add(path, size, "ticks_per_packet", round(ticks / n, 1), "TSC ticks",
                src + ": (t_last - t_first) / frames (every CPU's instructions, icount)")
        rec.add(path, size, "rx_ticks_per_packet", round(s["busy"] / n, 1), "TSC ticks",
                src + ": busy / frames (the receiving side's bursts)")
        rec.add(path, size, "tx_ticks_per_packet", round(g["busy"] / n, 1), "TSC ticks",
                "gen 'bench: result' line: busy / frames")
        hv = (g["hv_ticks"] + s["hv_ticks"]) / n
        rec.add(path, size, "hv_ticks_per_packet", round(hv, 1), "TSC ticks",
                "hv_ticks of both lines: the hypervisor's own count of CPU 0's ticks on their "
                "frames (hv_pvnet_stats.hv_ticks); 0 without a pv NIC, where exits say the rest")
        rec.add(path, size, "guest_hv_ticks_per_packet",
                round((g["busy"] + s["busy"]) / n + hv, 1), "TSC ticks",
                "tx + rx + hv ticks per packet")
        exits = g["exits"] + s["exits"]
        rec.add(path, size, "exits_per_1000", round(exits * 1000 / n, 3), "VM exits",
                "exits of both lines: the hypervisor's per-vCPU counters (HV_HC_PART_INFO "
                "before and after the phase, the call itself taken out); 0 natively")
        for code, name in sorted(names.items()):  # every reason, zeros included
            k = "exit%d" % code
            v = g.get(k, 0) + s.get(k, 0)
            rec.add(path, size, "exits_per_1000:" + name, round(v * 1000 / n, 3), "VM exits",
                    "exit%d= of both 'bench: counters' lines (hv_part_info.exit_reasons)" % code
                    if path != "native" else "none: no virtualisation on the native path")
        if path == "vfirq":
            irq_records(rec, size, s, n)
        else:
            rec.add(path, size, "irqs_per_1000_msix", None, "interrupts", NA_IRQ)
        rec.add(path, size, "lost", g["lost"] + s["lost"], "frames", "lost= of both lines")
    up = max(r["up"][role]["tsc"] for role in ("gen", "sink"))
    what = "drivers up" if path == "native" else "all partitions up"
    rec.add(path, None, "boot_virtual_s", round(up / tsc_hz, 3), "virtual s",
            "largest tsc= of the 'bench: up' lines (TSC from reset): " + what)
    rec.add(path, None, "boot_wall_s", round(r["up_wall"], 1), "s",
            "bench.py: QEMU start to the second 'bench: up' line on the serial log")
    rec.add(path, None, "run_wall_s", round(r["wall"], 1), "s", "bench.py: the whole boot")
    if r["resident"]:
        rec.add(path, None, "resident_image_kib", r["resident"][0], "KiB",
                "'hv: resident:' line: the image with .bss (mm_image_size)")
        rec.add(path, None, "resident_alloc_kib", r["resident"][1], "KiB",
                "'hv: resident:' line: frames allocated, partitions' RAM left out "
                "(mm_allocated - part_ram_total)")


def irq_records(rec, size, s, n):
    """The sink's interrupts in MSI-X mode (path vfirq): its 'bench: counters' line."""
    src = "sink 'bench: counters' line, %d B phase: " % size
    for metric, key, what in (
            ("irqs_per_1000_msix", "injected", "injected= (the hypervisor's count of "
             "interrupts injected into the sink's vCPU, vcpu_irq_stats.injected via "
             "hv_part_info.irq_injected)"),
            ("irqs_per_1000_msix:msi", "msi", "msi= (the hypervisor's count of MSI-X messages "
             "raised on the sink's vCPU, vcpu_irq_stats.msi)"),
            ("irqs_per_1000_msix:guest", "irqs", "irqs= (the sink's own count of receive "
             "interrupts its handler took)"),
            ("irqs_per_1000_msix:timer", "timer", "timer= (the hypervisor's count of the sink's "
             "APIC timer expiries: its 100 ms watchdog tick)")):
        rec.add("vfirq", size, metric, round(s[key] * 1000 / n, 3), "interrupts",
                src + what + " * 1000 / frames")
    rec.add("vfirq", size, "irq_counts_agree", int(s["irqs"] == s["injected"] == s["msi"]),
            "bool", src + "1 when irqs= (guest), injected= and msi= (hypervisor) are equal "
            "(irqs=%d injected=%d msi=%d)" % (s["irqs"], s["injected"], s["msi"]))
    rec.add("vfirq", size, "frames_per_irq", round(n / s["irqs"], 2) if s["irqs"] else None,
            "frames", src + "frames / irqs= (the batch one receive interrupt took)")
    rec.add("vfirq", size, "exits_per_irq_batch",
            round(s["exits"] / s["irqs"], 3) if s["irqs"] else None, "VM exits",
            src + "the sink's exits= / irqs= (every exit of the receiving vCPU, the "
            "watchdog tick's included, per receive interrupt; the generator polls)")
    for code, name in sorted(exit_names().items()):
        v = s.get("exit%d" % code, 0)
        if v:
            rec.add("vfirq", size, "exits_per_irq_batch:" + name,
                    round(v / s["irqs"], 3) if s["irqs"] else None, "VM exits",
                    src + "exit%d= / irqs= (hv_part_info.exit_reasons)" % code)


def strip_comments(text, asm):
    """C and assembly source without comments (strings kept)."""
    if asm:
        return re.sub(r";[^\n]*", "", text)
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def count_lines():
    """{dir: (raw, code)} for the hypervisor's C and assembly sources."""
    res = {}
    for d in CORE_DIRS:
        raw = code = 0
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for name in sorted(names):
                if not name.endswith((".c", ".h", ".asm", ".S")):
                    continue
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    text = f.read()
                raw += text.count("\n")
                code += sum(1 for line in strip_comments(text, name.endswith(".asm"))
                            .splitlines() if line.strip())
        res[d] = (raw, code)
    return res


def global_records(rec):
    lines = count_lines()
    rule = ("C (.c, .h) and assembly (.asm, .S) under %s; not guests/, tests/, tools/"
            % ", ".join(d + "/" for d in CORE_DIRS))
    rec.add("core", None, "lines_code", sum(c for _, c in lines.values()), "lines",
            rule + "; lines with something besides blanks and comments")
    rec.add("core", None, "lines_raw", sum(r for r, _ in lines.values()), "lines",
            rule + "; every line")
    for d, (raw, code) in lines.items():
        rec.add("core", None, "lines_code:" + d, code, "lines", "as lines_code, " + d + "/")
    wt = os.path.join(BUILD, "test-walltime.json")
    if os.path.exists(wt):
        with open(wt) as f:
            t = json.load(f)
        rec.add("make_test", None, "wall_s", t["seconds"], "s",
                "build/test-walltime.json from the last tests/run.py (%s, %d passed, %d failed%s)"
                % (t["finished"], t["passed"], t["failed"],
                   ", args " + " ".join(t["args"]) if t["args"] else ""))
    else:
        rec.add("make_test", None, "wall_s", None, "s",
                "no build/test-walltime.json: run make test first")


def checks(rec):
    """The issue's targets, checked (a bench, not a test: a miss is reported, not fatal)."""
    out = []
    for size in SIZES:
        vf, nat = rec.get("vf", size, "pps"), rec.get("native", size, "pps")
        if vf and nat:
            out.append(("VF-direct / native pps, %d B" % size, vf / nat, ">= 0.99",
                        vf / nat >= TARGETS["vf_native_pps"]))
        e = rec.get("vf", size, "exits_per_1000")
        if e is not None:
            out.append(("VM exits per 1000 packets, VF path, %d B" % size, e, "= 0",
                        e == TARGETS["vf_exits_per_1000"]))
        pv, vfc = (rec.get("pv", size, "guest_hv_ticks_per_packet"),
                   rec.get("vf", size, "guest_hv_ticks_per_packet"))
        if pv and vfc:
            out.append(("pv / VF hypervisor+guest ticks per packet, %d B" % size, pv / vfc,
                        ">= 3", pv / vfc >= TARGETS["pv_vf_cost"]))
        b = rec.get("vfirq", size, "exits_per_irq_batch")
        if b is not None:
            out.append(("exits per interrupt batch, MSI-X mode (vfirq), %d B" % size, b,
                        "<= 1", b <= TARGETS["exits_per_batch"]))
    lines = rec.get("core", None, "lines_code")
    out.append(("hypervisor core lines (code)", lines, "<= 10000",
                lines <= TARGETS["core_lines"]))
    for name, value, target, met in out:
        rec.add("check", None, name, None if value is None else round(value, 5), "",
                "target %s: %s" % (target, "met" if met else "missed"))
    return out


def fmt(v, scale=1.0, digits=0):
    if v is None:
        return "-"
    return "{:,.{}f}".format(v / scale, digits)


def table(rec, paths):
    cols = ["path", "size", "Mpps", "ticks/pkt", "rx/pkt", "tx/pkt", "hv/pkt", "hv+guest/pkt",
            "exits/1000", "irqs/1000 (MSI-X)", "exits/irq"]
    rows = []
    for size in SIZES:
        for p in paths:
            g = lambda m: rec.get(p, size, m)  # noqa: E731
            rows.append([TITLES[p], "%d" % size, fmt(g("pps"), 1e6, 3),
                         fmt(g("ticks_per_packet")), fmt(g("rx_ticks_per_packet")),
                         fmt(g("tx_ticks_per_packet")), fmt(g("hv_ticks_per_packet")),
                         fmt(g("guest_hv_ticks_per_packet")), fmt(g("exits_per_1000"), 1, 1),
                         "n/a (polls)" if p != "vfirq" else fmt(g("irqs_per_1000_msix"), 1, 2),
                         "-" if p != "vfirq" else fmt(g("exits_per_irq_batch"), 1, 2)])
    return cols, rows


def render_text(cols, rows):
    w = [max(len(str(x)) for x in [c] + [r[i] for r in rows]) for i, c in enumerate(cols)]
    line = lambda r: "  ".join(str(x).rjust(w[i]) if i > 1 else str(x).ljust(w[i])  # noqa
                               for i, x in enumerate(r))
    return "\n".join([line(cols), line(["-" * x for x in w])] + [line(r) for r in rows])


def render_md(cols, rows):
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows])


def summary_lines(rec, paths, chk):
    out = []
    for p in paths:
        b = rec.get(p, None, "boot_virtual_s")
        if b is not None:
            out.append("boot to %s (%s): %s s virtual, %s s wall" % (
                "drivers up" if p == "native" else "all partitions up", p, b,
                rec.get(p, None, "boot_wall_s")))
    for p in paths:
        if p == "native":
            continue
        by = []
        for size in SIZES:
            rs = ["%s %s" % (r["metric"].split(":")[1], r["value"]) for r in rec.rows
                  if r["path"] == p and r["size"] == size and r["value"]
                  and r["metric"].startswith("exits_per_1000:")]
            if rs:
                by.append("%d B: %s" % (size, ", ".join(rs)))
        out.append("VM exits per 1000 packets by reason (%s): %s" % (
            p, "; ".join(by) if by else "0 for every reason and size"))
    if "vfirq" in paths:
        out += irq_summary(rec)
    res = [p for p in paths if rec.get(p, None, "resident_image_kib") is not None]
    for p in res[-1:]:
        out.append("hypervisor resident memory (%s boot): image %s KiB + %s KiB allocated" % (
            p, rec.get(p, None, "resident_image_kib"), rec.get(p, None, "resident_alloc_kib")))
    out.append("hypervisor core: %s lines of code (%s raw lines), rule in tests/bench/README.md"
               % (fmt(rec.get("core", None, "lines_code")),
                  fmt(rec.get("core", None, "lines_raw"))))
    t = [r for r in rec.rows if r["path"] == "make_test" and r["metric"] == "wall_s"][0]
    out.append("make test wall time (last run): %s" % (
        "%s s (%s)" % (t["value"], t["source"].split(" (", 1)[1].rstrip(")"))
        if t["value"] else "not measured here: make test writes build/test-walltime.json"))
    for name, value, target, met in chk:
        out.append("target: %s: %s (%s): %s" % (
            name, "-" if value is None else "%.5f" % value if isinstance(value, float)
            else value, target,
            "met" if met else "MISSED"))
    return out


def irq_summary(rec):
    out = []
    for size in SIZES:
        g = lambda m: rec.get("vfirq", size, m)  # noqa: E731
        by = ["%s %s" % (r["metric"].split(":")[1], r["value"]) for r in rec.rows
              if r["path"] == "vfirq" and r["size"] == size
              and r["metric"].startswith("exits_per_irq_batch:")]
        out.append("MSI-X mode (vfirq), %d B: per 1000 packets %s interrupts injected, %s "
                   "MSI-X messages, %s taken by the guest (%s), %s watchdog ticks; %s frames "
                   "per interrupt; VM exits per interrupt batch %s: %s" % (
                       size, g("irqs_per_1000_msix"), g("irqs_per_1000_msix:msi"),
                       g("irqs_per_1000_msix:guest"),
                       "counts agree" if g("irq_counts_agree") else "counts DIFFER",
                       g("irqs_per_1000_msix:timer"), g("frames_per_irq"),
                       g("exits_per_irq_batch"), ", ".join(by) or "none"))
    return out


def plot(rec, paths):
    dat = os.path.join(OUT, "pps.dat")
    with open(dat, "w") as f:
        f.write("# size " + " ".join(paths) + "\n")
        for size in SIZES:
            f.write("%d %s\n" % (size, " ".join("%.6f" % ((rec.get(p, size, "pps") or 0) / 1e6)
                                                for p in paths)))
    if not shutil.which("gnuplot"):
        print("bench: gnuplot missing (tools/setup installs gnuplot-nox): no pps.png")
        return
    script = ["set terminal pngcairo size 960,540 font 'sans,11'",
              "set output '%s'" % os.path.join(OUT, "pps.png"),
              "set title 'Packets per virtual second (QEMU -icount shift=0), by path and frame size'",
              "set style data histograms", "set style histogram clustered gap 1",
              "set style fill solid 0.85 border -1", "set key top right",
              "set ylabel 'million packets per virtual second'",
              "set xlabel 'frame size (bytes, without FCS)'", "set yrange [0:*]",
              "set grid ytics"]
    plots = ["'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, TITLES[p])
             for i, p in enumerate(paths)]
    script.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, check=True)


def update_readme(md, lines):
    readme = os.path.join(ROOT, "README.md")
    with open(readme) as f:
        text = f.read()
    block = "<!-- bench:begin -->\n%s\n\n%s\n<!-- bench:end -->" % (
        md, "\n".join("- " + line for line in lines))
    new, n = re.subn(r"<!-- bench:begin -->.*?<!-- bench:end -->", lambda _: block, text,
                     flags=re.S)
    if n != 1:
        raise SystemExit("bench: README.md has no bench markers")
    with open(readme, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--readme", action="store_true")
    a = ap.parse_args()
    paths = [p for p in a.paths.split(",") if p]
    if any(p not in PATHS for p in paths):
        raise SystemExit("bench: paths are %s" % ", ".join(PATHS))
    os.makedirs(OUT, exist_ok=True)
    start = time.monotonic()
    names = exit_names()
    rec = Records()
    for p in paths:
        path_records(rec, p, run_path(p, a.count, a.warmup), names)
    global_records(rec)
    chk = checks(rec)
    rec.add("bench", None, "wall_s", round(time.monotonic() - start, 1), "s",
            "bench.py: from its start to the last boot's end")
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(rec.rows, f, indent=1)
    with open(os.path.join(OUT, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "size", "metric", "value", "unit", "source"])
        w.writeheader()
        w.writerows(rec.rows)
    plot(rec, paths)
    cols, rows = table(rec, paths)
    lines = summary_lines(rec, paths, chk)
    print()
    print(render_text(cols, rows))
    print()
    print("\n".join(lines))
    with open(os.path.join(OUT, "table.md"), "w") as f:
        f.write(render_md(cols, rows) + "\n\n" + "\n".join("- " + x for x in lines) + "\n")
    print("\nbench: build/bench/results.csv, results.json, pps.png, table.md (%d frames per size)"
          % a.count)
    if a.readme:
        update_readme(render_md(cols, rows), lines)
        print("bench: README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
