"""The examples built once for WebAssembly print in Pyodide (Node.js) what
their universal builds print on CPython: examples/quickstart,
examples/point and the last step of examples/porting, through
`hpy-wasm build` and `hpy-wasm run`."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO
from wasm_support import HPY_WASM, require_wasm_tools

EXAMPLES = {
    "quickstart": REPO / "examples" / "quickstart" / "quickstart.c",
    "point": REPO / "examples" / "point" / "point.c",
    "vecmath": REPO / "examples" / "porting" / "step2_universal.c",
}

# How the script gets its modules: natively from the universal binaries the
# test suite builds (no stub), in Pyodide through the import hook.
NATIVE_PRELUDE = """\
import importlib.machinery, os, hpy.universal
def load(name):
    path = os.path.abspath(name + ".hpy0.so")
    return hpy.universal.load(name, path, importlib.machinery.ModuleSpec(name, None, origin=path))
"""
WASM_PRELUDE = "load = __import__\n"

SCRIPT = """\
quickstart, point, vecmath = load("quickstart"), load("point"), load("vecmath")
print(quickstart.say_hello("HPy"), quickstart.add_ints(2, 40))
p = point.Point(3, 4, label="p")
print(repr(p), p.norm, point.Point(1, 2).x + point.Point(1, 2).y)
print(vecmath.norm(3, 4), vecmath.scale([1, 2, 3], 2), vecmath.scale(["a"], 3))
for call in (lambda: vecmath.norm("x", 1), lambda: vecmath.scale((1, 2), 2)):
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)
print("done")
"""


@pytest.fixture(scope="module")
def wasm_build(tmp_path_factory) -> Path:
    require_wasm_tools()
    out = tmp_path_factory.mktemp("wasm")
    for name, source in EXAMPLES.items():
        proc = subprocess.run(HPY_WASM + ["build", "-o", str(out), "--name", name, str(source)],
                              cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert (out / f"{name}.hpy0.wasm").is_file()
    return out


def native_output(tmp_path: Path) -> str:
    from support import Builder  # the test suite's own native builder
    build = tmp_path / "native"
    build.mkdir()
    builder = Builder("universal", build, {})
    for name, source in EXAMPLES.items():
        builder.compile(name, source.read_text())
    script = tmp_path / "native.py"
    script.write_text(NATIVE_PRELUDE + SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], cwd=build, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_examples_print_the_same_in_pyodide(wasm_build: Path, tmp_path: Path) -> None:
    script = wasm_build / "examples.py"
    script.write_text(WASM_PRELUDE + SCRIPT)
    proc = subprocess.run(HPY_WASM + ["run", str(script)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.endswith("done\n")
    assert proc.stdout == native_output(tmp_path)


def test_run_exits_with_the_script_status(wasm_build: Path) -> None:
    script = wasm_build / "fail.py"
    script.write_text("import quickstart\nprint(quickstart.say_hello('x'))\nraise SystemExit(7)\n")
    proc = subprocess.run(HPY_WASM + ["run", str(script)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == "Hello, x\n"


def test_python_h_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    source = tmp_path / "legacy.c"
    source.write_text('#include <Python.h>\n#include "hpy.h"\n')
    proc = subprocess.run(HPY_WASM + ["build", "-o", str(tmp_path), str(source)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "the universal ABI is the only one on WebAssembly" in proc.stderr


def test_setuptools_builds_a_wasm32_wheel_that_the_host_installs(wasm_build: Path, tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", project)
    proc = subprocess.run([sys.executable, "setup.py", "-q", "--hpy-abi=universal", "--hpy-target=wasm32",
                           "bdist_wheel"], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list((project / "dist").glob("*.whl"))
    assert [w.name.endswith("-py3-none-any.whl") for w in wheels] == [True], wheels
    script = tmp_path / "use_wheel.py"
    script.write_text("import quickstart\nprint(quickstart.say_hello('wheel'), quickstart.__file__)\n")
    proc = subprocess.run(HPY_WASM + ["run", "--wheel", str(wheels[0]), str(script)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Hello, wheel /lib/python3")
    assert proc.stdout.rstrip().endswith("/site-packages/quickstart.hpy0.wasm")


@pytest.mark.parametrize("abi", ["cpython", "hybrid"])
def test_wasm32_target_needs_the_universal_abi(abi: str, tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", project)
    proc = subprocess.run([sys.executable, "setup.py", f"--hpy-abi={abi}", "--hpy-target=wasm32",
                           "build_ext"], cwd=project, capture_output=True, text=True)
    assert proc.returncode != 0
    assert (f"--hpy-target=wasm32 builds universal binaries, not '{abi}' ones (cpython and hybrid "
            "code uses Python.h): use --hpy-abi=universal") in proc.stderr
