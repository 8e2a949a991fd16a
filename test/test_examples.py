"""The examples build with their own setup.py in every ABI and run: this is
`make demo`, checked."""
from __future__ import annotations

import subprocess
import sys

import pytest

from support import REPO


@pytest.mark.slow
def test_demo_runs_every_example_and_catches_the_leak():
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "demo.py")], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    for abi, suffix in [("cpython", ".cpython-"), ("universal", ".hpy0.so"), ("hybrid", ".hpy0-cp")]:
        line = next(li for li in out.splitlines() if li.strip().startswith(abi + " "))
        assert "Hello, HPy | 42" in line and suffix in line, line
    points = [li for li in out.splitlines() if "Point(3, 4, label='p') | 5.0 | 3.0" in li]
    assert len(points) == 3, out
    assert "debug mode caught it: 1 unclosed handle:" in out
    assert "<DebugHandle" in out
