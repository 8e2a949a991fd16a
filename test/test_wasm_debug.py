"""The debug mode in the WebAssembly host, driven from outside with
`hpy-wasm run --mode debug` (docs/wasm.md, Debug mode and Faults):

- every call from CPython into the extension goes through the entry guard
  (in trace mode too):
  a trap, an endless recursion or a JavaScript exception in an extension
  raises a Python exception naming what happened, and the same Pyodide
  goes on importing and running code;
- raw data (HPyBytes_AsString & co) is a copy, poisoned when its handle is
  closed and checked later (WebAssembly has no memory protection);
- a planted leak is reported as natively (the debug part of `make demo`).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import REPO
from wasm_support import HPY_WASM, require_wasm_tools

FAULTS_C = r"""
#include "hpy.h"

HPyDef_METH(ok, "ok", HPyFunc_O)
static HPy ok_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPyLong_FromLong(ctx, 42);
}

HPyDef_METH(trap, "trap", HPyFunc_O)
static HPy trap_impl(HPyContext *ctx, HPy self, HPy arg)
{
    __builtin_trap();
}

/* called through a volatile pointer: the compiler cannot make it a loop */
static int recurse(int n);
static int (*volatile recurse_ptr)(int) = recurse;
static int recurse(int n)
{
    return recurse_ptr(n + 1) + n;
}

HPyDef_METH(endless, "endless", HPyFunc_NOARGS)
static HPy endless_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, recurse(0));
}

/* A JavaScript function called from the extension (Emscripten's, from
 * Pyodide's runtime) that throws. */
void emscripten_run_script(const char *script);
HPyDef_METH(js_throws, "js_throws", HPyFunc_NOARGS)
static HPy js_throws_impl(HPyContext *ctx, HPy self)
{
    emscripten_run_script("throw new TypeError('thrown by JavaScript')");
    return HPy_Dup(ctx, ctx->h_None);
}

/* Calls back into Python: the fault happens in a nested call. */
HPyDef_METH(call, "call", HPyFunc_VARARGS)
static HPy call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy t = HPyTuple_FromArray(ctx, (HPy *)args + 1, (HPy_ssize_t)nargs - 1);
    HPy r = HPy_CallTupleDict(ctx, args[0], t, HPy_NULL);
    HPy_Close(ctx, t);
    return r;
}

/* A slot that traps: its error value is an int. */
HPyDef_SLOT(Thing_len, HPy_mp_length)
static HPy_ssize_t Thing_len_impl(HPyContext *ctx, HPy self)
{
    __builtin_trap();
}
static HPyDef *Thing_defines[] = { &Thing_len, NULL };
static HPyType_Spec Thing_spec = { .name = "faults.Thing", .defines = Thing_defines };

static int exec_module(HPyContext *ctx, HPy m)
{
    return HPyHelpers_AddType(ctx, m, "Thing", &Thing_spec, NULL) ? 0 : -1;
}
HPyDef_SLOT(exec, HPy_mod_exec)
static int exec_impl(HPyContext *ctx, HPy m)
{
    return exec_module(ctx, m);
}

static HPyDef *defines[] = { &ok, &trap, &endless, &js_throws, &call, &exec, NULL };
static HPyModuleDef def = { .defines = defines };
HPy_MODINIT(faults, def)
"""

FAULTS_SCRIPT = r"""
import faults
from pyodide.code import run_js

def attempt(label, f, *args):
    try:
        f(*args)
    except BaseException as e:
        print(f"{label}: {type(e).__name__}: {e}", flush=True)
    else:
        print(f"{label}: no exception", flush=True)
    print(f"{label} then ok: {faults.ok(None)}", flush=True)

attempt("trap", faults.trap, "arg")
attempt("endless", faults.endless)
attempt("js", faults.js_throws)
attempt("nested trap", faults.call, faults.trap, "arg")
attempt("len", len, faults.Thing())
thrower = run_js("() => { throw new Error('from a JavaScript callback') }")
attempt("js callback", faults.call, thrower)

# No handle of the abandoned calls is left open.
from hpy.debug import LeakDetector
with LeakDetector():
    attempt("trap in detector", faults.trap, "arg")

# The same Pyodide imports and runs further code.
import importlib, json
importlib.reload(faults)
print("after:", json.dumps({"ok": faults.ok(1)}), flush=True)
"""


def build(tmp_path: Path, name: str, source: str) -> Path:
    require_wasm_tools()
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    proc = subprocess.run(HPY_WASM + ["build", "-o", str(tmp_path), str(src)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def run_in_mode(mode: str, tmp_path: Path, script: str, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "script.py"
    path.write_text(script)
    return subprocess.run(HPY_WASM + ["run", "--mode", mode, *extra, str(path)], cwd=REPO,
                          capture_output=True, text=True)


def run_debug(tmp_path: Path, script: str, *extra: str) -> subprocess.CompletedProcess:
    return run_in_mode("debug", tmp_path, script, *extra)


def lines_of(out: str) -> dict:
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def assert_faults_reported(got: dict, mode: str) -> None:
    """The lines of the faults of FAULTS_SCRIPT (up to its debug-only part)
    in `mode`: each raised its exception, and the module works after each."""
    stopped = "was stopped by a fault in WebAssembly: "
    assert got["trap"].startswith(f"RuntimeError: HPy {mode} mode: the HPyFunc_O function at "), got["trap"]
    assert stopped + "unreachable (faults.hpy0.wasm.trap_impl); the call was abandoned (" in got["trap"]
    assert got["endless"].startswith(f"RecursionError: HPy {mode} mode: the HPyFunc_NOARGS function")
    assert stopped + "Maximum call stack size exceeded (faults.hpy0.wasm.recurse)" in got["endless"]
    assert got["js"].startswith(f"RuntimeError: HPy {mode} mode: the HPyFunc_NOARGS function")
    assert (stopped + "a JavaScript exception, TypeError: thrown by JavaScript "
            "(faults.hpy0.wasm.js_throws_impl)") in got["js"]
    assert got["nested trap"] == got["trap"]
    assert got["len"].startswith(f"RuntimeError: HPy {mode} mode: the HPyFunc_LENFUNC function")
    # A JavaScript function called from Python raises a Python exception
    # (Pyodide's own conversion): nothing unwinds through the extension.
    assert got["js callback"] == "JsException: Error: from a JavaScript callback"
    for label in ("trap", "endless", "js", "nested trap", "len", "js callback"):
        assert got[f"{label} then ok"] == "42"
    assert got["after"] == '{"ok": 42}'


def test_faults_leave_pyodide_usable_in_debug_mode(tmp_path: Path) -> None:
    build(tmp_path, "faults", FAULTS_C)
    proc = run_debug(tmp_path, FAULTS_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = lines_of(proc.stdout)
    assert_faults_reported(got, "debug")
    assert got["trap"].endswith("(its argument handles are closed, what it allocated is lost)")
    assert got["trap in detector"].startswith("RuntimeError: ")
    assert got["trap in detector then ok"] == "42"


# A module whose init function traps: HPy_MODINIT's functions written out,
# with a faulting HPyInit_initfault.
INIT_FAULT_C = r"""
#include "hpy.h"

_HPY_CTX_FOR_TRAMPOLINES_DEFINITION
_HPy_EXPORT uint32_t get_required_hpy_major_version_initfault(void);
_HPy_EXPORT uint32_t get_required_hpy_minor_version_initfault(void);
_HPy_EXPORT void HPyInitGlobalContext_initfault(HPyContext *ctx);
_HPy_EXPORT HPyModuleDef *HPyInit_initfault(void);

_HPy_EXPORT uint32_t get_required_hpy_major_version_initfault(void)
{
    return HPY_ABI_VERSION;
}
_HPy_EXPORT uint32_t get_required_hpy_minor_version_initfault(void)
{
    return HPY_ABI_VERSION_MINOR;
}
_HPy_EXPORT void HPyInitGlobalContext_initfault(HPyContext *ctx)
{
    _ctx_for_trampolines = ctx;
}
_HPy_EXPORT HPyModuleDef *HPyInit_initfault(void)
{
    __builtin_trap();
}
"""

# The same with an init function that recurses without end: the stack
# overflow becomes a RecursionError.
INIT_RECURSE_C = INIT_FAULT_C.replace("initfault", "initrecurse").replace(
    "{\n    __builtin_trap();\n}",
    """{
    return (HPyModuleDef *)(uintptr_t)init_recurse_ptr(0);
}""").replace(
    "_HPY_CTX_FOR_TRAMPOLINES_DEFINITION",
    """_HPY_CTX_FOR_TRAMPOLINES_DEFINITION
static int init_recurse(int n);
static int (*volatile init_recurse_ptr)(int) = init_recurse;
static int init_recurse(int n)
{
    return init_recurse_ptr(n + 1) + n;
}""")

# A module whose HPy_mod_exec slot traps.
EXEC_FAULT_C = r"""
#include "hpy.h"

HPyDef_SLOT(exec, HPy_mod_exec)
static int exec_impl(HPyContext *ctx, HPy m)
{
    __builtin_trap();
}
static HPyDef *defines[] = { &exec, NULL };
static HPyModuleDef def = { .defines = defines };
HPy_MODINIT(execfault, def)
"""

INIT_FAULT_SCRIPT = r"""
import sys

def attempt(label, name):
    try:
        __import__(name)
    except BaseException as e:
        print(f"{label}: {type(e).__name__}: {e}", flush=True)
    else:
        print(f"{label}: no exception", flush=True)

attempt("init", "initfault")
attempt("recurse", "initrecurse")
attempt("exec", "execfault")
print("loaded:", "initfault" in sys.modules, "initrecurse" in sys.modules,
      "execfault" in sys.modules, flush=True)
# The same Pyodide imports another module and runs it.
import faults
print("after:", faults.ok(None), sum(range(10)), flush=True)
"""


def assert_init_faults_reported(got: dict, mode: str) -> None:
    """The lines of INIT_FAULT_SCRIPT in `mode`: no faulting module was
    loaded, and another one is after them."""
    assert got["init"] == (
        f"RuntimeError: HPy {mode} mode: the module's init function HPyInit_initfault was "
        "stopped by a fault in WebAssembly: unreachable "
        "(initfault.hpy0.wasm.HPyInit_initfault); the module is not loaded"), got["init"]
    assert got["recurse"].startswith(
        f"RecursionError: HPy {mode} mode: the module's init function HPyInit_initrecurse was "
        "stopped by a fault in WebAssembly: Maximum call stack size exceeded"), got["recurse"]
    assert got["recurse"].endswith("the module is not loaded"), got["recurse"]
    assert got["exec"].startswith(f"RuntimeError: HPy {mode} mode: the HPyFunc_INQUIRY function at "), \
        got["exec"]
    assert ("was stopped by a fault in WebAssembly: unreachable "
            "(execfault.hpy0.wasm.exec_impl)") in got["exec"]
    assert got["loaded"] == "False False False"
    assert got["after"] == "42 45"


def build_init_faults(tmp_path: Path) -> None:
    build(tmp_path, "initfault", INIT_FAULT_C)
    build(tmp_path, "initrecurse", INIT_RECURSE_C)
    build(tmp_path, "execfault", EXEC_FAULT_C)
    build(tmp_path, "faults", FAULTS_C)


def test_faulting_init_leaves_pyodide_usable_in_debug_mode(tmp_path: Path) -> None:
    build_init_faults(tmp_path)
    proc = run_debug(tmp_path, INIT_FAULT_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_init_faults_reported(lines_of(proc.stdout), "debug")

    # Universal mode has no guard: the trap ends that Pyodide.
    script = tmp_path / "universal.py"
    script.write_text("import initfault\nprint('survived')\n")
    proc = subprocess.run(HPY_WASM + ["run", "--mode", "universal", str(script)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 134, proc.stdout + proc.stderr
    assert "survived" not in proc.stdout


# Trace mode has the same guard: the faults of FAULTS_SCRIPT (up to its
# debug-only part), then the trace mode still counts the calls.
TRACE_FAULTS_SCRIPT = FAULTS_SCRIPT.split("# No handle of the abandoned")[0] + r"""
from hpy.trace import get_call_counts
before = get_call_counts()
for i in range(5):
    faults.ok(None)
after = get_call_counts()
print("counted:", sorted(k for k in after if after[k] - before[k] == 5), flush=True)
import importlib, json
importlib.reload(faults)
print("after:", json.dumps({"ok": faults.ok(1)}), flush=True)
"""


def test_faults_leave_pyodide_usable_in_trace_mode(tmp_path: Path) -> None:
    build(tmp_path, "faults", FAULTS_C)
    proc = run_in_mode("trace", tmp_path, TRACE_FAULTS_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = lines_of(proc.stdout)
    assert_faults_reported(got, "trace")
    # (the handles are universal ones: nothing to close)
    assert got["trap"].endswith("the call was abandoned (what it allocated is lost)"), got["trap"]
    # the calls of ok() go on being counted (its HPyLong_From... call)
    assert "ctx_Long_From" in got["counted"], got["counted"]


def test_faulting_init_leaves_pyodide_usable_in_trace_mode(tmp_path: Path) -> None:
    build_init_faults(tmp_path)
    proc = run_in_mode("trace", tmp_path, INIT_FAULT_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_init_faults_reported(lines_of(proc.stdout), "trace")


RAW_C = r"""
#include "hpy.h"

/* The raw data of a handle kept between calls, as an extension that
 * keeps a char* too long would. */
static HPy kept_h;
static const char *kept;

HPyDef_METH(hold, "hold", HPyFunc_O)
static HPy hold_impl(HPyContext *ctx, HPy self, HPy arg)
{
    kept_h = HPy_Dup(ctx, arg);
    kept = HPyBytes_AsString(ctx, kept_h);
    return HPyBytes_FromString(ctx, kept);
}

HPyDef_METH(release, "release", HPyFunc_NOARGS)
static HPy release_impl(HPyContext *ctx, HPy self)
{
    HPy_Close(ctx, kept_h);
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(read, "read", HPyFunc_NOARGS)
static HPy read_impl(HPyContext *ctx, HPy self)
{
    return HPyBytes_FromStringAndSize(ctx, kept, 3);
}

HPyDef_METH(write, "write", HPyFunc_NOARGS)
static HPy write_impl(HPyContext *ctx, HPy self)
{
    ((char *)kept)[1] = 'X';
    return HPy_Dup(ctx, ctx->h_None);
}

/* Opens and closes n handles in one call. */
HPyDef_METH(churn, "churn", HPyFunc_O)
static HPy churn_impl(HPyContext *ctx, HPy self, HPy arg)
{
    long n = HPyLong_AsLong(ctx, arg);
    for (long i = 0; i < n; i++)
        HPy_Close(ctx, HPyLong_FromLong(ctx, i));
    return HPy_Dup(ctx, ctx->h_None);
}

static HPyDef *defines[] = { &hold, &release, &read, &write, &churn, NULL };
static HPyModuleDef def = { .defines = defines };
HPy_MODINIT(rawdata, def)
"""

RAW_SCRIPT = r"""
import rawdata
from hpy.debug import HPyDebugError, LeakDetector, set_raise_on_violation
from hpy.universal import _debug

def attempt(label, f):
    try:
        f()
    except HPyDebugError as e:
        print(f"{label}: HPyDebugError: {e}", flush=True)
    else:
        print(f"{label}: fine", flush=True)

# The copy is handed out; once its handle is closed it reads as poison.
print("hold:", rawdata.hold(b"abc"))
rawdata.release()
print("read after close:", rawdata.read())

# A write through a stale pointer is found when the copies are checked.
rawdata.write()
attempt("check", _debug.check_raw_data)
attempt("check again", _debug.check_raw_data)
attempt("protect", _debug.protect_closed_raw_data)

# ... and by LeakDetector.stop().
def in_detector():
    with LeakDetector():
        rawdata.hold(b"def")
        rawdata.release()
        rawdata.write()
attempt("detector", in_detector)

set_raise_on_violation(True)
# A write while the handle is open is found when it is closed.
rawdata.hold(b"ghi")
rawdata.write()
attempt("close after write", rawdata.release)

# A write after close is found when the copy leaves the quarantine (the
# closed queue, here of 16 handles): in the call whose closes push it out.
_debug.set_closed_handles_queue_max_size(16)
rawdata.hold(b"jkl")
rawdata.release()
rawdata.write()
attempt("quarantine", lambda: rawdata.churn(100))
print("done:", rawdata.hold(b"pqr"), flush=True)
"""


def test_raw_data_without_memory_protection(tmp_path: Path) -> None:
    build(tmp_path, "rawdata", RAW_C)
    proc = run_debug(tmp_path, RAW_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = lines_of(proc.stdout)
    assert got["hold"] == "b'abc'"
    assert got["read after close"] == repr(b"\xdb\xdb\xdb")
    stale = ("HPyDebugError: HPy debug mode: invalid write to the raw data returned by "
             "HPyBytes_AsString (byte 1 of 4 changed after its handle was closed by HPy_Close; "
             "found when ")
    assert got["check"].startswith(stale + "the closed raw data was checked)"), got["check"]
    assert "the data must not be used after the handle it came from is closed" in got["check"]
    assert got["check again"] == "fine"
    assert got["protect"] == "fine"
    assert got["detector"].startswith(stale + "the closed raw data was checked)"), got["detector"]
    assert got["close after write"].startswith(
        "HPyDebugError: HPy debug mode: invalid write to the raw data returned by "
        "HPyBytes_AsString (found when its handle was closed by HPy_Close): the data is "
        "read-only and must not be written to"), got["close after write"]
    assert got["quarantine"].startswith(stale + "its copy left the quarantine)"), got["quarantine"]
    assert got["done"] == "b'pqr'"


def test_planted_leak_is_reported_as_natively(tmp_path: Path) -> None:
    """The debug part of `make demo` (examples/demo.py), in Pyodide."""
    sys.path.insert(0, str(REPO / "examples"))
    try:
        from demo import LEAK_SCRIPT
    finally:
        sys.path.remove(str(REPO / "examples"))
    build(tmp_path, "leaky", (REPO / "examples" / "leaky" / "leaky.c").read_text())
    proc = run_debug(tmp_path, LEAK_SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "leaky.count_items([1, 2, 3]) = 3" in proc.stdout
    assert "debug mode caught it: 1 unclosed handle:" in proc.stdout, proc.stdout
    assert "<DebugHandle 0x" in proc.stdout


PLUGIN_C = r"""
#include "hpy.h"
HPyDef_METH(leak, "leak", HPyFunc_O)
static HPy leak_impl(HPyContext *ctx, HPy self, HPy arg)
{
    HPy_Dup(ctx, arg);
    return HPy_Dup(ctx, ctx->h_None);
}
HPyDef_METH(no_leak, "no_leak", HPyFunc_O)
static HPy no_leak_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPy_Dup(ctx, ctx->h_None);
}
static HPyDef *defines[] = { &leak, &no_leak, NULL };
static HPyModuleDef def = { .defines = defines };
HPy_MODINIT(plugmod, def)
"""

PLUGIN_TEST = """
import plugmod

pytest_plugins = ["hpy.debug.pytest"]

def test_clean(hpy_debug):
    plugmod.no_leak("x")

def test_leaky(hpy_debug):
    plugmod.leak("leaked by the test")
"""


def test_hpy_debug_pytest_fixture(tmp_path: Path) -> None:
    """hpy.debug.pytest's fixture reports a leak in Pyodide as natively."""
    wheels = sorted((REPO / "build" / "wasm" / "wheels").glob("*.whl"))
    if not wheels:
        import pytest

        pytest.skip("pytest's wheels for Pyodide are not fetched (make wasm-wheels)")
    build(tmp_path, "plugmod", PLUGIN_C)
    (tmp_path / "test_plugin.py").write_text(PLUGIN_TEST)
    script = ("import sys, pytest\n"
              f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {str(tmp_path / 'test_plugin.py')!r}]))\n")
    proc = run_debug(tmp_path, script, *[a for w in wheels for a in ("--wheel", str(w))])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ERROR" in proc.stdout and "test_plugin.py::test_leaky" in proc.stdout, proc.stdout
    assert "1 unclosed handle:" in proc.stdout and "leaked by the test" in proc.stdout
    assert "2 passed, 1 error" in proc.stdout   # test_leaky fails in its teardown
