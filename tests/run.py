#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py: run every test suite and end with one closing line "N passed, N failed".

Suites: host unit tests (cmocka, TAP), the fuzz smoke run when built, and the
QEMU/Bochs system tests (pytest). Exits non-zero if anything failed.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build")


def run_unit():
    passed = failed = 0
    for binary in sorted(glob.glob(os.path.join(BUILD, "unit", "test_*"))):
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
        p = subprocess.run([binary], capture_output=True, text=True, env=env, timeout=300)
        name = os.path.basename(binary)
        ok = len(re.findall(r"^ok \d+", p.stdout, re.M))
        bad = len(re.findall(r"^not ok \d+", p.stdout, re.M))
        if p.returncode != 0 and bad == 0:
            bad = 1  # crashed (sanitizer report) before or after its tests
        passed += ok
        failed += bad
        status = "ok" if bad == 0 else "FAILED"
        print("unit: %-28s %3d passed, %d failed  %s" % (name, ok, bad, status))
        if bad:
            sys.stdout.write(p.stdout + p.stderr)
    return passed, failed


def run_fuzz():
    """The fuzz smoke: each harness replays its seeds (crash regressions included), then
    fuzzes; one test per harness. The whole smoke stays within FUZZ_SMOKE_BUDGET seconds
    (40, two harnesses at a time, up to two seconds of each spent starting and replaying),
    unless FUZZ_SMOKE_SECONDS fixes each harness's time."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import run_fuzz
    names = run_fuzz.harnesses()
    if not names:
        print("fuzz: no harness built (make fuzz-bins): FAILED")
        return 0, 1
    jobs = 2
    rounds = (len(names) + jobs - 1) // jobs
    budget = int(os.environ.get("FUZZ_SMOKE_BUDGET", "40"))
    seconds = int(os.environ.get("FUZZ_SMOKE_SECONDS", max(1, min(3, budget // rounds - 2))))
    start = time.monotonic()
    results = run_fuzz.run_all(seconds, jobs=jobs, smoke=True)
    bad = sum(not r.ok for r in results)
    print("fuzz: smoke of %d harnesses (%d s each) took %.0f s, %d not clean" % (
        len(results), seconds, time.monotonic() - start, bad))
    return len(results) - bad, bad


def run_lint():
    """`make lint` (cppcheck + clang-format check) counts as one test."""
    p = subprocess.run(["make", "-s", "lint"], cwd=ROOT, capture_output=True, text=True)
    ok = p.returncode == 0
    print("lint: make lint %s" % ("ok" if ok else "FAILED"))
    if not ok:
        sys.stdout.write(p.stdout[-6000:] + p.stderr[-6000:])
    return (1, 0) if ok else (0, 1)


def run_pytest(args):
    junit = os.path.join(BUILD, "pytest.xml")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rfE",
           "--junitxml=" + junit, os.path.join(ROOT, "tests", "qemu")]
    try:
        import xdist  # noqa: F401
        # loadgroup: tests marked xdist_group(name) share one worker, in file order (the
        # SR-IOV tests share one boot); the others are spread as usual.
        cmd += ["-n", os.environ.get("TEST_JOBS", "2"), "--dist", "loadgroup"]
    except ImportError:
        pass
    cmd += args
    print("system: " + " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, cwd=ROOT)
    if not os.path.exists(junit):
        return 0, 1
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    if skipped:
        print("system: %d skipped (counted as neither passed nor failed)" % skipped)
    return total - bad - skipped, bad


def main():
    start = time.monotonic()
    args = sys.argv[1:]
    up, uf = run_unit()
    fp, ff = run_fuzz()
    lp, lf = run_lint()
    sp, sf = run_pytest(args)
    passed, failed = up + fp + lp + sp, uf + ff + lf + sf
    wall = time.monotonic() - start
    print("make test: %.0f s wall time" % wall)
    print("%d passed, %d failed" % (passed, failed))
    # For `make bench`, which reports the last run's wall time (tests/bench/README.md).
    with open(os.path.join(BUILD, "test-walltime.json"), "w") as f:
        json.dump({"seconds": round(wall, 1), "passed": passed, "failed": failed,
                   "args": args, "finished": time.strftime("%Y-%m-%d %H:%M:%S")}, f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
