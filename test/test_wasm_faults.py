"""Faults in the WebAssembly host, universal mode: nothing stands between
CPython and the extension (no per-call guard, docs/wasm.md), so a trap in an
extension ends that Pyodide as a segmentation fault ends CPython; `hpy-wasm
run` says so, names the extension's frames and exits with status 134."""
from __future__ import annotations

import subprocess
from pathlib import Path

from support import REPO
from wasm_support import HPY_WASM, require_wasm_tools

TRAP_C = r"""
#include "hpy.h"
HPyDef_METH(boom, "boom", HPyFunc_NOARGS)
static HPy boom_impl(HPyContext *ctx, HPy self)
{
    __builtin_trap();
}
HPyDef_METH(ok, "ok", HPyFunc_NOARGS)
static HPy ok_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, 42);
}
static HPyDef *defines[] = { &boom, &ok, NULL };
static HPyModuleDef def = { .defines = defines };
HPy_MODINIT(trap, def)
"""


def test_a_trap_in_universal_mode_ends_pyodide_with_a_clear_report(tmp_path: Path) -> None:
    require_wasm_tools()
    wasm_build = tmp_path
    source = wasm_build / "trap.c"
    source.write_text(TRAP_C)
    proc = subprocess.run(HPY_WASM + ["build", "-o", str(wasm_build), str(source)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    script = wasm_build / "trap_script.py"
    script.write_text("import trap\nprint(trap.ok(), flush=True)\ntrap.boom()\nprint('not reached')\n")
    proc = subprocess.run(HPY_WASM + ["run", str(script)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 134, proc.stderr
    # Python's fault handler may add the Python stack after what the script printed.
    assert proc.stdout.startswith("42\n") and "not reached" not in proc.stdout
    assert "hpy-wasm: the WebAssembly code died (unreachable) in an HPy extension" in proc.stderr
    # the implementation's frame, or its trampoline's when the compiler inlined the one
    # into the other (direct trampolines, docs/internals.md)
    assert "trap.hpy0.wasm.boom_impl" in proc.stderr or "trap.hpy0.wasm.boom_trampoline" in proc.stderr
