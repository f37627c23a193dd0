#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run_fuzz.py: run the libFuzzer harnesses (build/fuzz/fuzz_<name>) for a bounded time.

    run_fuzz.py [--seconds N] [--jobs J] [--only a,b] [--smoke]

Each harness first replays its committed seeds (tests/fuzz/corpus/<name>/,
including the crash-* regression inputs), then fuzzes for N seconds. A long
run (`make fuzz`) keeps what it finds in build/fuzz/corpus/<name>/ and starts
from there the next time; --smoke (the `make test` suite) fuzzes from the
seeds alone into a throw-away directory. Crashes are written to
build/fuzz/crashes/<name>-crash-<sha1>: copy one into tests/fuzz/corpus/<name>/
(named crash-<what>) once it is fixed, so that every later run replays it.
Prints one line per harness (executions, coverage, "clean" or what ended it)
and returns non-zero if any did not end clean. A long run also writes those
lines and the totals to build/fuzz/summary.txt (--summary to choose).
"""
import argparse
import concurrent.futures
import datetime
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build", "fuzz")
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus")

# What ended a run that was not clean, from libFuzzer's and the sanitizers' reports.
CAUSES = [("property violated", "FUZZ_CHECK failed"), ("ERROR: libFuzzer: timeout", "timeout"),
          ("ERROR: libFuzzer: out-of-memory", "out of memory"),
          ("ERROR: LeakSanitizer", "leak"), ("ERROR: AddressSanitizer", "ASan"),
          ("runtime error:", "UBSan"), ("ERROR: libFuzzer: deadly signal", "crash"),
          ("run_fuzz: timed out", "hung")]
STAT = re.compile(r"^#(\d+)\s+(?:DONE|INITED|NEW|REDUCE|pulse)\s+cov: (\d+) ft: (\d+)", re.M)


def harnesses(only=None):
    names = sorted(os.path.basename(p)[len("fuzz_"):]
                   for p in glob.glob(os.path.join(BUILD, "fuzz_*")) if os.access(p, os.X_OK))
    return [n for n in names if not only or n in only]


class Result:
    def __init__(self, name, ok, runs, cov, ft, seconds, log):
        self.name, self.ok, self.runs, self.cov, self.ft = name, ok, runs, cov, ft
        self.seconds, self.log = seconds, log
        self.cause = None if ok else next((c for m, c in CAUSES if m in log), "exit status")
        art = re.search(r"Test unit written to (\S+)", log)
        self.artifact = art.group(1) if art else None

    def line(self):
        end = "clean" if self.ok else "NOT CLEAN: %s%s" % (
            self.cause, ", input " + os.path.relpath(self.artifact, ROOT) if self.artifact else "")
        return "fuzz: %-14s %4d s %11d execs %7d/s  cov %4d  ft %5d  %s" % (
            self.name, self.seconds, self.runs, self.runs / max(self.seconds, 1), self.cov,
            self.ft, end)


def run_one(name, seconds, smoke, nice):
    binary = os.path.join(BUILD, "fuzz_" + name)
    seeds = os.path.join(SEEDS, name)
    crashes = os.path.join(BUILD, "crashes")
    os.makedirs(crashes, exist_ok=True)
    work = tempfile.mkdtemp(prefix="fuzz-%s-" % name) if smoke else \
        os.path.join(BUILD, "corpus", name)
    os.makedirs(work, exist_ok=True)
    cmd = [binary, work] + ([seeds] if os.path.isdir(seeds) else []) + [
        "-max_total_time=%d" % seconds, "-timeout=10", "-rss_limit_mb=2048",
        "-print_final_stats=1", "-artifact_prefix=%s/%s-" % (crashes, name)]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    pre = (lambda: os.nice(nice)) if nice else None
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                           preexec_fn=pre, timeout=seconds + 300)
        log, rc = p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        log, rc = (e.stderr or b"").decode(errors="replace") + "\nrun_fuzz: timed out\n", -1
    finally:
        if smoke:
            shutil.rmtree(work, ignore_errors=True)
    stats = STAT.findall(log)
    runs = re.search(r"stat::number_of_executed_units: (\d+)", log)
    runs = int(runs.group(1)) if runs else (int(stats[-1][0]) if stats else 0)
    cov, ft = (int(stats[-1][1]), int(stats[-1][2])) if stats else (0, 0)
    return Result(name, rc == 0, runs, cov, ft, time.monotonic() - start, log)


def run_all(seconds, jobs, only=None, smoke=False, nice=0, out=sys.stdout):
    names = harnesses(only)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_one, n, seconds, smoke, nice) for n in names]
        for f in futures:
            r = f.result()
            results.append(r)
            print(r.line(), file=out, flush=True)
            if not r.ok:
                out.write(r.log[-8000:])
    return results


def summary(results, seconds, path):
    """The lines a long run printed and the totals, for the record (the issue's notes)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    bad = [r.name for r in results if not r.ok]
    with open(path, "w") as f:
        f.write("# make fuzz FUZZ_SECONDS=%d at %s, commit %s, %s\n" % (
            seconds, datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), head or "?",
            os.uname().nodename))
        for r in results:
            f.write(r.line() + "\n")
        f.write("fuzz: %d harnesses, %d executions in total, %s\n" % (
            len(results), sum(r.runs for r in results),
            "all clean" if not bad else "NOT CLEAN: " + ", ".join(bad)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated harness names")
    ap.add_argument("--smoke", action="store_true", help="from the seeds only, keep nothing")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--summary", default=os.path.join(BUILD, "summary.txt"),
                    help="where a long run writes its summary")
    a = ap.parse_args()
    only = [n for n in a.only.split(",") if n]
    if not harnesses(only):
        print("run_fuzz: no harness built (make fuzz-bins)", file=sys.stderr)
        return 1
    results = run_all(a.seconds, a.jobs, only, a.smoke, a.nice)
    bad = sum(not r.ok for r in results)
    print("fuzz: %d harnesses, %d executions in total, %d not clean" % (
        len(results), sum(r.runs for r in results), bad))
    if not a.smoke:
        summary(results, a.seconds, a.summary)
        print("fuzz: summary in %s" % os.path.relpath(a.summary, ROOT))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
