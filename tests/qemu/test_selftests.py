# SPDX-License-Identifier: MIT
"""Every in-hypervisor self-test (SELFTEST in the sources) becomes one pytest case.

One boot of a fully equipped machine runs `selftest=all`; its KTAP report is
cached (keyed by the ELF's hash) so parallel workers share the one boot.
Names come from the ELF's symbols, so a self-test that never reports fails.
"""
import fcntl
import hashlib
import json
import os
import tempfile

import pytest

import hvtest

# The machine every self-test may use: IOMMU with interrupt remapping, an SR-IOV NIC,
# two edu DMA devices (the first able to address 0xfee00000) and 4 CPUs. A self-test
# needing something absent must SKIP.
SELFTEST_MACHINE = dict(
    smp=4, mem="1G", iommu=True,
    devices=["pcie-root-port,id=rp0,slot=1", "igb,bus=rp0,netdev=n0",
             "edu,dma_mask=0xffffffffffffffff", "edu"],
    extra=["-netdev", "user,id=n0"],
    timeout=240,
)


def _elf_hash():
    with open(hvtest.ELF, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:16]


def _run_selftests():
    cache = os.path.join(hvtest.BUILD, "selftest-%s.json" % _elf_hash())
    with open(os.path.join(hvtest.BUILD, ".selftest.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(cache):
            with open(cache) as f:
                return json.load(f)
        workdir = tempfile.mkdtemp(prefix="selftest-", dir=hvtest.BUILD)
        m = hvtest.Machine(workdir, cmdline="selftest=all exit_when_done=1",
                           **SELFTEST_MACHINE)
        with m:
            try:
                status = m.wait_exit()
            except AssertionError as e:
                status = "timeout: %s" % e
        results, planned = hvtest.ktap_results(m.serial())
        data = {"status": status, "planned": planned, "results": results,
                "log": m.serial()[-20000:]}
        with open(cache, "w") as f:
            json.dump(data, f)
        return data


@pytest.fixture(scope="session")
def selftest_report():
    return _run_selftests()


@pytest.mark.parametrize("name", hvtest.selftest_names())
def test_selftest(selftest_report, name):
    res = selftest_report["results"].get(name)
    assert res is not None, "self-test %s never reported (exit %s); log tail:\n%s" % (
        name, selftest_report["status"], selftest_report["log"][-3000:])
    ok, directive = res
    if ok and directive.upper().startswith("SKIP"):
        pytest.skip(directive)
    assert ok, "self-test %s failed; log tail:\n%s" % (name, selftest_report["log"][-3000:])


def test_selftest_run_completed(selftest_report):
    """The self-test boot ended by itself with the right status and reported every test."""
    r = selftest_report
    names = hvtest.selftest_names()
    assert r["planned"] == len(names), "KTAP plan %s != %d compiled-in self-tests" % (
        r["planned"], len(names))
    failed = [n for n, (ok, _) in r["results"].items() if not ok]
    want = hvtest.EXIT_FAILURE if failed else hvtest.EXIT_OK
    assert r["status"] == want, "exit status %s, expected %s; log tail:\n%s" % (
        r["status"], want, r["log"][-3000:])
