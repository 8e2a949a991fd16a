"""HPy types in the WebAssembly host (wasm/host/src/ctx_type_wasm*.c):
test/wasm/wtypes.c, a type per feature, built with `hpy-wasm build` and
checked by test/wasm/wtypes_check.py with `hpy-wasm run` in Pyodide prints
exactly what the same checks print natively (universal ABI), where every
check passes and the messages are the CPython host's; the types' data
blocks are freed when the types die (test/wasm/wtypes_lifetime.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

HPY_WASM = [shutil.which("node") or "node", str(REPO / "wasm" / "bin" / "hpy-wasm.mjs")]
SOURCE = REPO / "test" / "wasm" / "wtypes.c"
CHECK = REPO / "test" / "wasm" / "wtypes_check.py"
LIFETIME = REPO / "test" / "wasm" / "wtypes_lifetime.py"

NATIVE_RUN = """\
import importlib.machinery, os, runpy, sys, hpy.universal
path = os.path.abspath("wtypes.hpy0.so")
sys.modules["wtypes"] = hpy.universal.load("wtypes", path,
                                           importlib.machinery.ModuleSpec("wtypes", None, origin=path))
runpy.run_path(sys.argv[1], run_name="__main__")
"""


@pytest.fixture(scope="module")
def wasm_build(tmp_path_factory) -> Path:
    if shutil.which("node") is None or not (REPO / "node_modules" / "pyodide").is_dir():
        pytest.skip("Node.js and the npm packages (npm ci) are needed")
    out = tmp_path_factory.mktemp("wasm-types")
    proc = subprocess.run(HPY_WASM + ["build", "-o", str(out), str(SOURCE)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def native_output(tmp_path: Path) -> str:
    from support import Builder  # the test suite's own native builder
    build = tmp_path / "native"
    build.mkdir()
    Builder("universal", build, {}).compile("wtypes", SOURCE.read_text())
    proc = subprocess.run([sys.executable, "-c", NATIVE_RUN, str(CHECK)], cwd=build,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_types_behave_in_pyodide_as_natively(wasm_build: Path, tmp_path: Path) -> None:
    proc = subprocess.run(HPY_WASM + ["run", "--path", str(wasm_build), str(CHECK)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "all ok"
    assert len(lines) > 50
    assert proc.stdout == native_output(tmp_path)


def test_type_data_lives_as_long_as_the_type(wasm_build: Path) -> None:
    proc = subprocess.run(HPY_WASM + ["run", "--path", str(wasm_build), str(LIFETIME)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "all ok"
