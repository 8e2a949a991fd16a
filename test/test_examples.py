"""The examples build with their own setup.py in every ABI and run: this is
`make demo`, checked."""
from __future__ import annotations

import importlib.util
import shutil
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
    wasm = next(line for line in out.splitlines() if line.strip().startswith(("wasm32 ", "skipped:")))
    if "skipped:" in wasm:
        assert "clang" in wasm or "Node.js" in wasm, wasm
    else:
        assert wasm.split("->")[1].strip() == "universal | Hello, HPy | 42 | quickstart.hpy0.wasm", wasm
        assert "npx hpy-wasm demo" in out
        # the planted leak, caught natively and in Pyodide's debug mode
        assert "leaky in debug mode in Pyodide" in out
        assert out.count("debug mode caught it: 1 unclosed handle:") == 2, out


def load_demo():
    spec = importlib.util.spec_from_file_location("hpy_examples_demo", REPO / "examples" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


def test_demo_says_why_the_wasm_part_is_skipped_without_clang(tmp_path, monkeypatch, capsys):
    if shutil.which("npx") is None or not (REPO / "node_modules" / "pyodide").is_dir():
        pytest.skip("Node.js or the npm packages (make setup) are not installed")
    monkeypatch.setenv("HPY_WASM_CC", str(tmp_path / "no-such-clang"))
    load_demo().demo_wasm(tmp_path)
    out = capsys.readouterr().out
    assert f"skipped: no clang with the wasm32 target found (tried {tmp_path / 'no-such-clang'})" in out, out
    assert not list(tmp_path.glob("quickstart-wasm*")), "the wasm part built something without clang"
