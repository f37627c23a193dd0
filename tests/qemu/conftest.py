# SPDX-License-Identifier: MIT
"""pytest fixtures for booting the hypervisor; see hvtest.py."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import hvtest  # noqa: E402


@pytest.fixture
def machine(tmp_path):
    """Factory: machine(cmdline=..., smp=..., ...) returns a started Machine, killed afterwards."""
    started = []

    def make(**kw):
        m = hvtest.Machine(str(tmp_path), **kw).start()
        started.append(m)
        return m

    yield make
    for m in started:
        m.kill()
