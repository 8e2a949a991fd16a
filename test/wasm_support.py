"""What the WebAssembly tests share: the hpy-wasm command line, and a check
that it can build (Node.js, the npm packages, clang with the wasm32 target)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from support import REPO

HPY_WASM = [shutil.which("node") or "node", str(REPO / "wasm" / "bin" / "hpy-wasm.mjs")]


def require_wasm_tools() -> None:
    """Skips without Node.js and the npm packages; fails without clang's wasm32
    target (make setup installs it, so its absence is a broken setup)."""
    if shutil.which("node") is None or not (REPO / "node_modules" / "pyodide").is_dir():
        pytest.skip("Node.js and the npm packages (npm ci) are needed")
    proc = subprocess.run(HPY_WASM + ["host"], cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"the WebAssembly host does not build (is clang-19 installed? make setup):\n{proc.stderr}")
