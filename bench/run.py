#!/usr/bin/env python3
"""Microbenchmarks of HPy against the plain CPython C API.

Builds the same extension twice -- bench/cpyext_bench.c with the C API and
bench/hpy_bench.c with HPy (in the cpython ABI and the universal ABI) -- and
times every benchmark in every mode in ONE process, interleaved and repeated:

    for rep in range(reps):
        for mode in modes (rotated by one each repetition):
            for bench in benches:
                time `ops` operations

Modes: `capi` (the reference), `cpython` (HPy, cpython ABI), `universal`,
`debug` and `trace` (the universal binary loaded in those modes; skipped with
a note while unavailable).

One operation is one iteration of a Python loop running the benchmark's
statement (`f()`, `o.x = 5`, `len(o)`, ...). Times are raw nanoseconds per
operation *including* the loop; nothing is subtracted. The ratio mode/C API
therefore carries the same loop overhead in numerator and denominator, which
pulls it towards 1.0: it understates relative differences of the C-level
cost, while the difference (mode - C API) in ns is free of the loop. The cost
of an empty loop iteration is measured and reported for reference. Min and
median over the repetitions are reported; the targets and the chart use the
min ratios (the timing least disturbed by other processes). The clock is
time.perf_counter_ns; --clock thread_time counts only this thread's CPU time,
which is much steadier on a busy machine.

Before timing, each benchmark's value is computed in every mode and must equal
the C API's. Everything that can crash while HPy is being written (loading a
module, the first call of each benchmark) is first tried in a subprocess; what
fails to build, load, or run is skipped and listed. When the HPy module fails
to build or load with its type (type support unfinished), it is rebuilt with
-DBENCH_NO_TYPES so that the other benchmarks still run.

Writes <output>/latest.json, and (via `npx tsx tools/bench-report.ts` when
node is available, else by itself) <output>/latest.md and latest.svg.

    python bench/run.py                 # the full run (make bench)
    python bench/run.py --quick         # a smoke run: tiny N, one repetition
    python bench/run.py --filter 'call_|slot_' --modes universal --reps 20
    python bench/run.py --loop call_noargs universal 2000000   # for perf/callgrind

Instructions per operation of one benchmark in one mode (the loop runs inside
sys.call_tracing, called nowhere else):

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing \
        python bench/run.py --loop slot_len universal 100000
"""
from __future__ import annotations

import argparse
import datetime
import decimal
import gc
import hashlib
import importlib
import importlib.machinery
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypedDict

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
DEFAULT_OUTPUT = BENCH_DIR / "results"
DEFAULT_BUILD = REPO / "build" / "bench"
REPORT_TOOL = REPO / "tools" / "bench-report.ts"

# The benchmark tree's own hpy package, also without an installed one.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SCHEMA_VERSION = 2  # 2: benchmarks[].ctx_calls, ctx_calls_by_member
CTX_CALLS_TEXT = (
    "Context calls the HPy extension makes per operation (trace mode's counts; the trampoline's "
    "ctx_CallRealFunctionFromTrampoline, which the universal ABI skips, is left out). In the universal "
    "ABI each is an indirect call into hpy.universal, where the C API often has a macro or a direct "
    "call. \"ns per call\" divides the whole difference between universal and the C API by the calls: "
    "an upper bound of what one call costs (the difference also holds the entry point's jump)."
)
REFERENCE = "capi"
CAPI_MODULE = "cpyext_bench"
HPY_MODULE = "hpy_bench"
QUICK_OPS = 20
DEFAULT_REPS = 20
DEFAULT_TARGET_MS = 5.0

Namespace = Dict[str, object]
CLOCKS: Dict[str, Callable[[], int]] = {"perf_counter": time.perf_counter_ns, "thread_time": time.thread_time_ns}


# --------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------


def _identity(value: object) -> object:
    return value


def _instance_key(obj: object) -> object:
    return (type(obj).__qualname__, getattr(obj, "x"), getattr(obj, "y"), len(obj))  # type: ignore[arg-type]


def _type_key(tp: object) -> object:
    assert isinstance(tp, type)
    return (tp.__qualname__, tp.__module__, getattr(tp(), "x"))


@dataclass(frozen=True)
class Bench:
    """One benchmark: `stmt` is timed in a loop with the names of `setup`."""

    name: str
    group: str
    description: str
    stmt: str
    setup: Callable[[types.ModuleType], Namespace]
    check: str = ""  # expression compared across modes; default: stmt
    normalize: Callable[[object], object] = _identity
    needs_types: bool = False

    @property
    def check_expr(self) -> str:
        return self.check or self.stmt


def _fn(attr: str, **extra: object) -> Callable[[types.ModuleType], Namespace]:
    def setup(mod: types.ModuleType) -> Namespace:
        ns: Namespace = {"f": getattr(mod, attr)}
        ns.update(extra)
        return ns

    return setup


def _obj(**extra: object) -> Callable[[types.ModuleType], Namespace]:
    def setup(mod: types.ModuleType) -> Namespace:
        ns: Namespace = {"o": getattr(mod, "Obj")()}
        ns.update(extra)
        return ns

    return setup


def _cls(mod: types.ModuleType) -> Namespace:
    return {"T": getattr(mod, "Obj")}


BENCHES: Tuple[Bench, ...] = (
    Bench("call_noargs", "module calls", "f(): HPyFunc_NOARGS / METH_NOARGS", "f()", _fn("noargs")),
    Bench("call_o", "module calls", "f(a): HPyFunc_O / METH_O", "f(a)", _fn("onearg", a="spam")),
    Bench("call_varargs", "module calls", "f(1, 2, 3): HPyFunc_VARARGS / METH_FASTCALL",
          "f(1, 2, 3)", _fn("varargs")),
    Bench("call_keywords", "module calls",
          "f(1, b=2): HPyFunc_KEYWORDS / METH_FASTCALL|METH_KEYWORDS, keywords matched by hand",
          "f(1, b=2)", _fn("keywords")),
    Bench("parse_keywords", "module calls",
          "f(1, 2, c=3): HPyArg_ParseKeywords vs PyArg_ParseTupleAndKeywords (METH_VARARGS|METH_KEYWORDS)",
          "f(1, 2, c=3)", _fn("parse_kw")),
    Bench("meth_noargs", "type", "o.get_x(): method, HPyFunc_NOARGS", "o.get_x()", _obj(), needs_types=True),
    Bench("meth_o", "type", "o.echo(a): method, HPyFunc_O", "o.echo(a)", _obj(a="spam"), needs_types=True),
    Bench("slot_len", "type", "len(o): HPy_sq_length", "len(o)", _obj(), needs_types=True),
    Bench("slot_getitem", "type", "o[3]: HPy_sq_item", "o[3]", _obj(), needs_types=True),
    Bench("slot_add", "type", "o + 1: HPy_nb_add", "o + 1", _obj(), needs_types=True),
    Bench("member_get", "type", "o.x: HPyMember_LONG", "o.x", _obj(), needs_types=True),
    Bench("member_set", "type", "o.x = 5: HPyMember_LONG", "o.x = 5", _obj(),
          check="setattr(o, 'x', 5) or o.x", needs_types=True),
    Bench("getset_get", "type", "o.y: HPyDef_GETSET getter", "o.y", _obj(), needs_types=True),
    Bench("getset_set", "type", "o.y = 5: HPyDef_GETSET setter", "o.y = 5", _obj(),
          check="setattr(o, 'y', 5) or o.y", needs_types=True),
    Bench("alloc_instance", "allocation", "T(): HPy_tp_new + HPy_New, then deallocation", "T()", _cls,
          normalize=_instance_key, needs_types=True),
    Bench("alloc_int_tuple", "allocation", "f(1000): three new ints and a 3-tuple",
          "f(n)", _fn("int_tuple", n=1000)),
    Bench("type_from_spec", "type creation", "f(): HPyType_FromSpec vs PyType_FromSpec",
          "f()", _fn("make_type"), normalize=_type_key, needs_types=True),
)

BENCH_BY_NAME: Dict[str, Bench] = {b.name: b for b in BENCHES}


def select_benches(pattern: Optional[str]) -> List[Bench]:
    if not pattern:
        return list(BENCHES)
    rx = re.compile(pattern)
    return [b for b in BENCHES if rx.search(b.name)]


# --------------------------------------------------------------------------
# modes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeSpec:
    name: str
    label: str
    abi: str  # "capi", "cpython" or "universal": which binary it loads


MODES: Tuple[ModeSpec, ...] = (
    ModeSpec("capi", "C API", "capi"),
    ModeSpec("cpython", "HPy cpython ABI", "cpython"),
    ModeSpec("universal", "HPy universal", "universal"),
    ModeSpec("debug", "HPy debug", "universal"),
    ModeSpec("trace", "HPy trace", "universal"),
)
MODE_BY_NAME: Dict[str, ModeSpec] = {m.name: m for m in MODES}


def load_module(mode: str, path: Path) -> types.ModuleType:
    """Imports the binary at `path` in `mode` (without touching sys.modules)."""
    spec_mode = MODE_BY_NAME[mode]
    name = CAPI_MODULE if spec_mode.abi == "capi" else HPY_MODULE
    if spec_mode.abi in ("capi", "cpython"):
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        assert spec is not None
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        return mod
    hu = importlib.import_module("hpy.universal")
    hmode = getattr(hu, f"MODE_{mode.upper()}")
    spec = importlib.util.spec_from_file_location(name, str(path))
    mod = getattr(hu, "load")(name, str(path), spec, mode=hmode)
    assert isinstance(mod, types.ModuleType)
    return mod


def check_value(bench: Bench, mod: types.ModuleType) -> str:
    """The benchmark's value in this module, as a comparable string."""
    ns = bench.setup(mod)
    value = eval(bench.check_expr, {"setattr": setattr}, ns)  # noqa: S307 - our own expressions
    return repr(bench.normalize(value))


# --------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------


class BuildError(Exception):
    pass


def _first_lines(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower()]
    return "\n".join((errors or lines)[:n])


@dataclass(frozen=True)
class Toolchain:
    """The compiler and flags CPython's own build uses for extensions."""

    cc: List[str]
    cflags: List[str]
    ldshared: List[str]

    @staticmethod
    def from_sysconfig() -> "Toolchain":
        cv = sysconfig.get_config_var
        cc = shlex.split(os.environ.get("CC") or str(cv("CC") or "cc"))
        cflags = shlex.split(str(cv("CFLAGS") or "")) + shlex.split(str(cv("CCSHARED") or ""))
        ldshared = shlex.split(str(cv("LDSHARED") or "cc -shared"))
        if os.environ.get("CC"):
            ldshared = cc + [f for f in ldshared[1:]]
        return Toolchain(cc, cflags, ldshared)

    def version(self) -> str:
        try:
            out = subprocess.run(self.cc + ["--version"], capture_output=True, text=True, check=False).stdout
        except OSError:
            return "unknown"
        return out.splitlines()[0] if out else "unknown"

    def run(self, cmd: Sequence[str]) -> None:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BuildError(f"{' '.join(cmd[:1])} failed:\n{_first_lines(proc.stdout + proc.stderr)}")


def _import_devel(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise BuildError(f"{name} cannot be imported ({type(e).__name__}: {e})") from e


def _hpy_devel() -> object:
    return getattr(_import_devel("hpy.devel"), "HPyDevel")()


def _hpy_suffix(abi: str) -> str:
    if abi == "cpython":
        return str(sysconfig.get_config_var("EXT_SUFFIX"))
    return str(getattr(_import_devel("hpy.devel.abitag"), "get_hpy_ext_suffix")(abi))


def _hpy_flags(abi: str) -> List[str]:
    dev = _hpy_devel()
    flags: List[str] = []
    for name, value in getattr(dev, "get_define_macros")(abi):
        flags.append(f"-D{name}" if value is None else f"-D{name}={value}")
    for inc in getattr(dev, "get_extra_include_dirs")(abi):
        flags.append(f"-I{inc}")
    if abi != "universal":
        flags.append(f"-I{sysconfig.get_paths()['include']}")
    return flags


def _digest(paths: Iterable[Path], extra: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p).encode())
        h.update(p.read_bytes())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()


class Builder:
    """Builds the benchmark binaries into `build_dir` (skipping up-to-date ones)."""

    def __init__(self, build_dir: Path, tc: Toolchain) -> None:
        self.build_dir = build_dir
        self.tc = tc
        self._runtime: Dict[str, Path] = {}

    def _up_to_date(self, out: Path, digest: str) -> bool:
        stamp = out.with_name(out.name + ".digest")
        return out.exists() and stamp.exists() and stamp.read_text() == digest

    def _stamp(self, out: Path, digest: str) -> None:
        out.with_name(out.name + ".digest").write_text(digest)

    def capi(self) -> Path:
        src = BENCH_DIR / "cpyext_bench.c"
        outdir = self.build_dir / "capi"
        outdir.mkdir(parents=True, exist_ok=True)
        out = outdir / (CAPI_MODULE + str(sysconfig.get_config_var("EXT_SUFFIX")))
        flags = self.tc.cflags + [f"-I{sysconfig.get_paths()['include']}"]
        digest = _digest([src], self.tc.cc + flags + self.tc.ldshared)
        if not self._up_to_date(out, digest):
            obj = outdir / "cpyext_bench.o"
            self.tc.run(self.tc.cc + flags + ["-c", str(src), "-o", str(obj)])
            self.tc.run(self.tc.ldshared + [str(obj), "-o", str(out)])
            self._stamp(out, digest)
        return out

    def _runtime_lib(self, abi: str) -> Path:
        """The runtime helper sources of `abi` as a static library: the
        extension pulls in only the objects it uses."""
        if abi in self._runtime:
            return self._runtime[abi]
        dev = _hpy_devel()
        srcs = [Path(s) for s in getattr(dev, "get_extra_sources")(abi)]
        headers = list((REPO / "hpy" / "devel" / "include").rglob("*.h"))
        outdir = self.build_dir / f"runtime-{abi}"
        outdir.mkdir(parents=True, exist_ok=True)
        lib = outdir / "libhpybenchruntime.a"
        flags = self.tc.cflags + _hpy_flags(abi)
        digest = _digest(srcs + headers, self.tc.cc + flags)
        if not self._up_to_date(lib, digest):
            objs = [outdir / (s.stem + ".o") for s in srcs]
            cmds = [self.tc.cc + flags + ["-c", str(s), "-o", str(o)] for s, o in zip(srcs, objs)]
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                list(pool.map(self.tc.run, cmds))
            lib.unlink(missing_ok=True)
            self.tc.run(["ar", "rcs", str(lib)] + [str(o) for o in objs])
            self._stamp(lib, digest)
        self._runtime[abi] = lib
        return lib

    def hpy(self, abi: str, with_types: bool) -> Path:
        src = BENCH_DIR / "hpy_bench.c"
        lib = self._runtime_lib(abi)
        outdir = self.build_dir / (abi if with_types else f"{abi}-notypes")
        outdir.mkdir(parents=True, exist_ok=True)
        out = outdir / (HPY_MODULE + _hpy_suffix(abi))
        flags = self.tc.cflags + _hpy_flags(abi) + ([] if with_types else ["-DBENCH_NO_TYPES"])
        headers = list((REPO / "hpy" / "devel" / "include").rglob("*.h"))
        digest = _digest([src, lib] + headers, self.tc.cc + flags + self.tc.ldshared)
        if not self._up_to_date(out, digest):
            obj = outdir / "hpy_bench.o"
            out.unlink(missing_ok=True)
            self.tc.run(self.tc.cc + flags + ["-c", str(src), "-o", str(obj)])
            self.tc.run(self.tc.ldshared + [str(obj), str(lib), "-o", str(out)])
            self._stamp(out, digest)
        return out

    def mode_copy(self, mode: str, binary: Path) -> Path:
        """A private copy of a universal binary for one mode: every loaded
        copy gets its own globals (the context its trampolines use)."""
        outdir = self.build_dir / f"load-{mode}"
        outdir.mkdir(parents=True, exist_ok=True)
        out = outdir / binary.name
        shutil.copyfile(binary, out)
        return out


# --------------------------------------------------------------------------
# probing in a subprocess
# --------------------------------------------------------------------------


@dataclass
class Probe:
    loaded: bool = False
    load_error: str = ""
    values: Dict[str, str] = field(default_factory=dict)
    errors: Dict[str, str] = field(default_factory=dict)


def probe_main(mode: str, path: str, names: Sequence[str]) -> int:
    """Child side: load, then compute each benchmark's value once."""

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        mod = load_module(mode, Path(path))
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        say("LOADERROR " + json.dumps(f"{type(e).__name__}: {e}"))
        return 0
    say("LOADED")
    for name in names:
        say("START " + name)
        try:
            say("OK " + name + " " + json.dumps(check_value(BENCH_BY_NAME[name], mod)))
        except BaseException as e:  # noqa: BLE001
            say("ERR " + name + " " + json.dumps(f"{type(e).__name__}: {e}"))
    say("DONE")
    return 0


def _crash_reason(rc: int, stderr: str) -> str:
    what = f"exit status {rc}"
    if rc < 0:
        try:
            what = signal.Signals(-rc).name
        except ValueError:
            what = f"signal {-rc}"
    fatal = [ln for ln in stderr.splitlines() if "Fatal Python error" in ln or "error" in ln.lower()]
    return f"crashed ({what})" + (f": {fatal[0].strip()}" if fatal else "")


def probe(mode: str, path: Path, benches: Sequence[Bench]) -> Probe:
    """Parent side: runs probe_main in subprocesses until every benchmark
    has a value, an error, or is known to crash the process."""
    result = Probe()
    pending = [b.name for b in benches]
    while True:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--probe", mode, str(path), ",".join(pending)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=str(REPO))
        started: Optional[str] = None
        done = False
        for line in proc.stdout.splitlines():
            tag, _, rest = line.partition(" ")
            if tag == "LOADED":
                result.loaded = True
            elif tag == "LOADERROR":
                result.load_error = json.loads(rest)
                return result
            elif tag == "START":
                started = rest
            elif tag in ("OK", "ERR"):
                name, _, payload = rest.partition(" ")
                (result.values if tag == "OK" else result.errors)[name] = json.loads(payload)
                started = None
            elif tag == "DONE":
                done = True
        if done:
            return result
        reason = _crash_reason(proc.returncode, proc.stderr)
        if not result.loaded:
            result.load_error = "loading " + reason
            return result
        if started is None:  # crashed outside a benchmark: give up on the rest
            for name in pending:
                if name not in result.values and name not in result.errors:
                    result.errors[name] = reason
            return result
        result.errors[started] = reason
        pending = [n for n in pending if n not in result.values and n not in result.errors]
        if not pending:
            return result


# --------------------------------------------------------------------------
# preparing the modes
# --------------------------------------------------------------------------


@dataclass
class Mode:
    spec: ModeSpec
    available: bool = False
    note: str = ""
    variant: str = ""  # "full" or "no types" (HPy modes)
    path: Optional[Path] = None
    module: Optional[types.ModuleType] = None
    values: Dict[str, str] = field(default_factory=dict)  # bench -> checked value
    skipped: Dict[str, str] = field(default_factory=dict)  # bench -> reason


def _universal_host_error() -> str:
    try:
        importlib.import_module("hpy.universal")
    except Exception as e:  # noqa: BLE001
        return f"hpy.universal cannot be imported ({type(e).__name__}: {e})"
    return ""


def _attach(mode: Mode, variant: str, path: Path, pr: Probe, benches: Sequence[Bench], types_note: str) -> None:
    mode.available = True
    mode.variant = variant
    mode.path = path
    for b in benches:
        if variant == "no types" and b.needs_types:
            mode.skipped[b.name] = types_note
        elif b.name in pr.errors:
            mode.skipped[b.name] = pr.errors[b.name]
        elif b.name in pr.values:
            mode.values[b.name] = pr.values[b.name]


def prepare_hpy_mode(mode: Mode, builder: Builder, benches: Sequence[Bench], log: Callable[[str], None]) -> None:
    """Finds a binary that loads in this mode: the full module, else the
    module without its type (with the type benchmarks skipped)."""
    abi = mode.spec.abi
    if abi == "universal":
        host_error = _universal_host_error()
        if host_error:
            mode.note = host_error
            return
    try:
        full: Optional[Path] = builder.hpy(abi, with_types=True)
        types_note = ""
    except BuildError as e:
        full, types_note = None, f"the HPy module does not build with its type: {e}"
    if full is not None:
        path = builder.mode_copy(mode.spec.name, full) if abi == "universal" else full
        pr = probe(mode.spec.name, path, benches)
        if pr.loaded:
            _attach(mode, "full", path, pr, benches, "")
            return
        types_note = f"loading the HPy module with its type fails: {pr.load_error}"
    log(f"  {mode.spec.name}: the full module is unusable ({types_note.splitlines()[0]}); trying without the type")
    try:
        bare = builder.hpy(abi, with_types=False)
    except BuildError as e:
        mode.note = f"the HPy module does not build: {e}"
        return
    path = builder.mode_copy(mode.spec.name, bare) if abi == "universal" else bare
    pr = probe(mode.spec.name, path, benches)
    if not pr.loaded:
        mode.note = f"not available: {pr.load_error}"
        return
    _attach(mode, "no types", path, pr, benches, types_note)


def prepare_modes(
    names: Sequence[str], builder: Builder, benches: Sequence[Bench], log: Callable[[str], None]
) -> List[Mode]:
    modes: List[Mode] = []
    for name in names:
        mode = Mode(MODE_BY_NAME[name])
        log(f"preparing {name}")
        if name == REFERENCE:
            try:
                path = builder.capi()
            except BuildError as e:
                raise SystemExit(f"the C API extension does not build: {e}")
            pr = probe(name, path, benches)
            if not pr.loaded:
                raise SystemExit(f"the C API extension does not load: {pr.load_error}")
            _attach(mode, "", path, pr, benches, "")
        else:
            prepare_hpy_mode(mode, builder, benches, log)
        if not mode.available:
            log(f"  {name}: skipped: {mode.note}")
        modes.append(mode)
    return modes


def load_in_process(modes: Sequence[Mode], benches: Sequence[Bench]) -> List[str]:
    """Loads every available mode here, recomputes each benchmark's value and
    compares it with the C API's. Returns the mismatches."""
    ref = next(m for m in modes if m.spec.name == REFERENCE)
    mismatches: List[str] = []
    for mode in modes:
        if not mode.available or mode.path is None:
            continue
        try:
            mode.module = load_module(mode.spec.name, mode.path)
        except Exception as e:  # noqa: BLE001
            mode.available, mode.note = False, f"loading failed in the benchmark process: {e}"
            continue
        for b in benches:
            if b.name in mode.skipped:
                continue
            try:
                value = check_value(b, mode.module)
            except Exception as e:  # noqa: BLE001
                mode.skipped[b.name] = f"{type(e).__name__}: {e}"
                mode.values.pop(b.name, None)
                continue
            mode.values[b.name] = value
            expected = ref.values.get(b.name)
            if mode is not ref and expected is not None and value != expected:
                msg = f"result differs from the C API: {value} != {expected}"
                mode.skipped[b.name] = msg
                mismatches.append(f"{b.name} [{mode.spec.name}]: {msg}")
    for b in benches:  # no reference, nothing to compare with
        if b.name in ref.skipped:
            for mode in modes:
                if mode is not ref and mode.available and b.name not in mode.skipped:
                    mode.skipped[b.name] = "no C API result to compare with"
    return mismatches


# --------------------------------------------------------------------------
# context calls per operation (trace mode)
# --------------------------------------------------------------------------

CTX_COUNT_OPS = 1000
# The extension's trampolines call this member; the universal ABI's host entry
# points do not, so it is not one of the calls an operation costs there.
TRAMPOLINE_MEMBER = "ctx_CallRealFunctionFromTrampoline"


def count_ctx_calls(modes: Sequence[Mode], benches: Sequence[Bench]) -> Dict[str, Dict[str, float]]:
    """Per benchmark, the context calls the HPy extension makes per
    operation, by member, from the counts of trace mode (empty if trace mode
    is not among the loaded modes)."""
    trace = next((m for m in modes if m.spec.name == "trace" and m.available and m.module is not None), None)
    if trace is None:
        return {}
    counts = importlib.import_module("hpy.trace").get_call_counts
    out: Dict[str, Dict[str, float]] = {}
    for b in benches:
        if b.name in trace.skipped:
            continue
        job = make_job(b, trace)
        job.run(100)  # the first calls may create what later ones reuse
        before = dict(counts())
        job.run(CTX_COUNT_OPS)
        after = counts()
        out[b.name] = {name: (n - before.get(name, 0)) / CTX_COUNT_OPS
                       for name, n in sorted(after.items())
                       if n != before.get(name, 0) and name != TRAMPOLINE_MEMBER}
    return out


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

Timer = Callable[..., int]


def make_timer(stmt: str, names: Sequence[str], label: str) -> Timer:
    """A function running `stmt` `_n` times with `names` as fast locals and
    returning the elapsed time in ns. Like timeit, the loop iterates over
    itertools.repeat, which allocates nothing per iteration."""
    params = "".join(f", {n}" for n in names)
    src = (
        f"def _timer(_n, _clock{params}):\n"
        f"    _it = _repeat(None, _n)\n"
        f"    _t0 = _clock()\n"
        f"    for _ in _it:\n"
        f"        {stmt}\n"
        f"    return _clock() - _t0\n"
    )
    ns: Dict[str, object] = {"_repeat": itertools.repeat}
    exec(compile(src, f"<bench {label}>", "exec"), ns)  # noqa: S102 - our own statements
    timer = ns["_timer"]
    assert callable(timer)
    return timer


@dataclass
class Job:
    bench: Bench
    mode: Mode
    timer: Timer
    env: Namespace

    def run(self, ops: int, clock: Callable[[], int] = time.perf_counter_ns) -> float:
        gc.collect()
        elapsed = self.timer(ops, clock, **self.env)
        return elapsed / ops


def make_job(bench: Bench, mode: Mode) -> Job:
    assert mode.module is not None
    env = bench.setup(mode.module)
    return Job(bench, mode, make_timer(bench.stmt, list(env), bench.name), env)


def calibrate(job: Job, target_ns: float, clock: Callable[[], int]) -> int:
    """Operations per timing so that one timing takes about target_ns."""
    ops = 1
    while True:
        per_op = job.run(ops, clock)
        total = per_op * ops
        if total >= target_ns / 5 or ops >= 1 << 30:
            return max(1, int(target_ns / max(per_op, 1e-3)))
        ops *= 10 if total < target_ns / 100 else 4


def loop_overhead_ns(target_ns: float, clock: Callable[[], int]) -> float:
    """ns per iteration of an empty timing loop (reported, not subtracted)."""
    timer = make_timer("pass", [], "empty loop")
    ops = max(1000, int(target_ns / 10))
    return min(timer(ops, clock) / ops for _ in range(5))


def time_all(
    modes: Sequence[Mode], benches: Sequence[Bench], reps: int, quick: bool, target_ns: float,
    clock: Callable[[], int], log: Callable[[str], None],
) -> Tuple[Dict[str, int], Dict[Tuple[str, str], List[float]]]:
    live = [m for m in modes if m.available and m.module is not None]
    jobs: Dict[Tuple[str, str], Job] = {}
    for mode in live:
        for b in benches:
            if b.name in mode.values and b.name not in mode.skipped:
                jobs[(b.name, mode.spec.name)] = make_job(b, mode)
    ops: Dict[str, int] = {}
    for b in benches:
        ref_job = jobs.get((b.name, REFERENCE)) or next(
            (j for (n, _), j in jobs.items() if n == b.name), None
        )
        if ref_job is not None:
            ops[b.name] = QUICK_OPS if quick else calibrate(ref_job, target_ns, clock)
    samples: Dict[Tuple[str, str], List[float]] = {k: [] for k in jobs}
    for rep in range(reps):
        log(f"repetition {rep + 1}/{reps}")
        k = rep % len(live)
        for mode in live[k:] + live[:k]:
            for b in benches:
                job = jobs.get((b.name, mode.spec.name))
                if job is not None:
                    samples[(b.name, mode.spec.name)].append(job.run(ops[b.name], clock))
    return ops, samples


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------
#
# The JSON written to latest.json (read by tools/bench-report.ts). Ratios are
# to the C API: ratio_min = min / C API min, ratio_median = median / C API
# median. The targets and the chart use ratio_min: the minimum is the sample
# least disturbed by other processes (timeit's rationale), and this runner is
# meant to work on shared machines too; the medians are reported alongside.


class _CellBase(TypedDict):
    min_ns: float
    median_ns: float
    samples: int
    value: str


class Cell(_CellBase, total=False):
    ratio_min: float
    ratio_median: float
    delta_min_ns: float  # mode - C API: free of the loop overhead


class Geo(TypedDict):
    ratio_min: float
    ratio_median: float
    count: int


class ModeJson(TypedDict):
    name: str
    label: str
    available: bool
    note: str
    variant: str


class BenchJson(TypedDict):
    name: str
    group: str
    description: str
    stmt: str
    ops: int
    # context calls the HPy extension makes per operation (trace mode's
    # counts), total and by member; None when trace mode did not run
    ctx_calls: Optional[float]
    ctx_calls_by_member: Dict[str, float]


class SkipJson(TypedDict):
    benchmark: str
    mode: str
    reason: str


class TargetJson(TypedDict):
    name: str
    mode: str
    limit: float
    value: Optional[float]  # on ratio_min
    value_median: Optional[float]
    status: str  # "pass", "fail" or "n/a" (on value); "info" for a figure that is no target
    detail: str


class Settings(TypedDict):
    reps: int
    quick: bool
    target_ms: float
    loop_overhead_ns: float  # one empty loop iteration; reported, not subtracted
    filter: str
    timer: str
    gc: str
    statistic: str  # the ratio the targets and the chart use


class Doc(TypedDict):
    schema: int
    date: str
    python: Dict[str, str]
    machine: Dict[str, object]
    settings: Settings
    reference: str
    modes: List[ModeJson]
    benchmarks: List[BenchJson]
    results: Dict[str, Dict[str, Cell]]
    geomean: Dict[str, Geo]
    skipped: List[SkipJson]
    targets: List[TargetJson]
    mismatches: List[str]


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _round(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def make_cell(s: Sequence[float], ref: Optional[Sequence[float]], value: str) -> Cell:
    cell: Cell = {"min_ns": _round(min(s)), "median_ns": _round(statistics.median(s)), "samples": len(s),
                  "value": value}
    if ref:
        cell["ratio_min"] = _round(min(s) / min(ref))
        cell["ratio_median"] = _round(statistics.median(s) / statistics.median(ref))
        cell["delta_min_ns"] = _round(min(s) - min(ref))
    return cell


def make_geomeans(modes: Sequence[Mode], results: Dict[str, Dict[str, Cell]]) -> Dict[str, Geo]:
    geo: Dict[str, Geo] = {}
    for mode in modes:
        cells = [row[mode.spec.name] for row in results.values() if mode.spec.name in row]
        mins = [c["ratio_min"] for c in cells if "ratio_min" in c]
        meds = [c["ratio_median"] for c in cells if "ratio_median" in c]
        if mins:
            geo[mode.spec.name] = {"ratio_min": _round(geomean(mins)), "ratio_median": _round(geomean(meds)),
                                   "count": len(mins)}
    return geo


def build_results(
    modes: Sequence[Mode], benches: Sequence[Bench], ops: Dict[str, int],
    samples: Dict[Tuple[str, str], List[float]], settings: Settings, tc: Toolchain,
    mismatches: List[str], ctx_calls: Dict[str, Dict[str, float]],
) -> Doc:
    results: Dict[str, Dict[str, Cell]] = {}
    for b in benches:
        ref = samples.get((b.name, REFERENCE))
        row: Dict[str, Cell] = {}
        for mode in modes:
            s = samples.get((b.name, mode.spec.name))
            if s:
                row[mode.spec.name] = make_cell(s, ref, mode.values.get(b.name, ""))
        results[b.name] = row
    doc: Doc = {
        "schema": SCHEMA_VERSION,
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": " ".join(platform.python_build()),
            "compiler": platform.python_compiler(),
        },
        "machine": {
            "platform": platform.platform(),
            "arch": platform.machine(),
            "cpu": _cpu_model(),
            "cpus": os.cpu_count() or 0,
            "cc": tc.version(),
            "cflags": " ".join(tc.cflags),
        },
        "settings": settings,
        "reference": REFERENCE,
        "modes": [{"name": m.spec.name, "label": m.spec.label, "available": m.available, "note": m.note,
                   "variant": m.variant} for m in modes],
        "benchmarks": [{"name": b.name, "group": b.group, "description": b.description, "stmt": b.stmt,
                        "ops": ops.get(b.name, 0),
                        "ctx_calls": _round(sum(ctx_calls[b.name].values())) if b.name in ctx_calls else None,
                        "ctx_calls_by_member": {k: _round(v) for k, v in ctx_calls.get(b.name, {}).items()}}
                       for b in benches],
        "results": results,
        "geomean": make_geomeans(modes, results),
        "skipped": [{"benchmark": b.name, "mode": m.spec.name, "reason": m.skipped[b.name]}
                    for m in modes for b in benches if m.available and b.name in m.skipped],
        "targets": [],
        "mismatches": mismatches,
    }
    doc["targets"] = evaluate_targets(doc)
    return doc


def _target(name: str, mode: str, limit: float, value: Optional[float], value_median: Optional[float],
            detail: str = "") -> TargetJson:
    status = "n/a" if value is None else ("pass" if value <= limit else "fail")
    return {"name": name, "mode": mode, "limit": limit, "value": value, "value_median": value_median,
            "status": status, "detail": detail}


def evaluate_targets(doc: Doc) -> List[TargetJson]:
    """The issue's targets (on ratio_min; ratio_median alongside)."""
    results, geo = doc["results"], doc["geomean"]

    def cell(bench: str, mode: str) -> Optional[Cell]:
        c = results.get(bench, {}).get(mode)
        return c if c is not None and "ratio_min" in c else None

    def geo_target(name: str, mode: str, limit: float) -> TargetJson:
        g = geo.get(mode)
        if g is None:
            return _target(name, mode, limit, None, None)
        return _target(name, mode, limit, g["ratio_min"], g["ratio_median"])

    targets = [geo_target("geomean, cpython ABI", "cpython", 1.00),
               geo_target("geomean, universal", "universal", 1.05)]
    uni = {b: c for b in results if (c := cell(b, "universal")) is not None}
    if uni:
        worst = max(uni, key=lambda b: uni[b]["ratio_min"])
        over = sorted(b for b, c in uni.items() if c["ratio_min"] > 1.10)
        detail = f"worst: {worst}" + (f"; above: {', '.join(over)}" if over else "")
        targets.append(_target("every benchmark, universal", "universal", 1.10, uni[worst]["ratio_min"],
                               uni[worst]["ratio_median"], detail))
    else:
        targets.append(_target("every benchmark, universal", "universal", 1.10, None, None))
    for mode in ("cpython", "universal"):
        c = cell("alloc_instance", mode)
        targets.append(_target(f"alloc_instance, {mode}", mode, 1.05, None if c is None else c["ratio_min"],
                               None if c is None else c["ratio_median"]))
    targets.append(geo_target("geomean, debug", "debug", 2.00))
    info = debug_without_raw_data(doc)
    if info is not None:
        targets.append(info)
    return targets


# Members that hand out a char* into an object: in debug mode, closing their
# handle costs a system call (the copy's page is protected, see
# docs/debug-and-trace.md).
RAW_DATA_MEMBERS = frozenset({"ctx_Unicode_AsUTF8AndSize", "ctx_Bytes_AsString", "ctx_Bytes_AS_STRING"})


def debug_without_raw_data(doc: Doc) -> Optional[TargetJson]:
    """For information (status "info"): the debug geomean over the
    benchmarks that do not hand out raw data, known from trace mode's counts."""
    raw = sorted(b["name"] for b in doc["benchmarks"] if RAW_DATA_MEMBERS & set(b["ctx_calls_by_member"]))
    counted = any(b["ctx_calls"] is not None for b in doc["benchmarks"])
    cells = [c for name, row in doc["results"].items() if name not in raw
             for c in [row.get("debug")] if c is not None and "ratio_min" in c]
    if not counted or not raw or not cells:
        return None
    t = _target("geomean, debug, without the benchmarks that hand out raw data", "debug", 2.00,
                _round(geomean([c["ratio_min"] for c in cells])), _round(geomean([c["ratio_median"] for c in cells])),
                f"for information; left out: {', '.join(raw)}")
    t["status"] = "info"
    return t


# --------------------------------------------------------------------------
# reports
# --------------------------------------------------------------------------


def _fixed(x: float, digits: int) -> str:
    """x with `digits` decimals, ties rounded up like JavaScript's toFixed
    (Python's format rounds ties to even), so that both reports agree."""
    return str(decimal.Decimal(x).quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP))


def _fmt_ns(x: float) -> str:
    return _fixed(x, 1) if x < 1000 else f"{int(_fixed(x, 0)):,}"


def _fmt_ratio(x: Optional[float]) -> str:
    return "—" if x is None else _fixed(x, 2)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_header(doc: Doc) -> List[str]:
    py, mach, st = doc["python"], doc["machine"], doc["settings"]
    return [
        "# HPy microbenchmarks against the C API",
        "",
        f"{py['implementation']} {py['version']} · {mach['cpu']} · {mach['cpus']} CPUs · "
        f"{doc['date']} · {st['reps']} repetitions",
        "",
        "ns per operation: min (median) over the repetitions, including the Python loop "
        f"(an empty iteration costs {_fixed(st['loop_overhead_ns'], 1)} ns; not subtracted, so "
        "ratios lean towards 1.0). × = ratio to the C API: min / C API min (median / C API median). "
        "Targets and chart use the min ratios.",
        "",
    ]


def _md_table(doc: Doc) -> List[str]:
    modes = [m for m in doc["modes"] if m["available"]]
    modes = [m for m in modes if m["name"] == REFERENCE] + [m for m in modes if m["name"] != REFERENCE]
    head = ["benchmark", "C API ns"]
    for m in modes[1:]:
        head += [f"{m['label']} ns", f"{m['label']} ×"]
    out = [_row(head), "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for b in doc["benchmarks"]:
        row = doc["results"].get(b["name"], {})
        cells = [f"`{b['name']}`"]
        for i, m in enumerate(modes):
            c = row.get(m["name"])
            cells.append("—" if c is None else f"{_fmt_ns(c['min_ns'])} ({_fmt_ns(c['median_ns'])})")
            if i > 0:
                ok = c is not None and "ratio_min" in c
                cells.append(f"{_fixed(c['ratio_min'], 2)} ({_fixed(c['ratio_median'], 2)})"
                             if c is not None and ok else "—")
        out.append(_row(cells))
    g = ["**geomean**", ""]
    for m in modes[1:]:
        gm = doc["geomean"].get(m["name"])
        g += ["", "—" if gm is None else f"**{_fixed(gm['ratio_min'], 2)}** ({_fixed(gm['ratio_median'], 2)})"]
    out.append(_row(g))
    return out


def _md_targets(doc: Doc) -> List[str]:
    out = ["## Targets", "", "| target | limit | min ratio | median ratio | status |", "|---|---:|---:|---:|---|"]
    for t in doc["targets"]:
        detail = f" ({t['detail']})" if t["detail"] else ""
        out.append(_row([f"{t['name']}{detail}", f"≤ {_fixed(t['limit'], 2)}", _fmt_ratio(t["value"]),
                         _fmt_ratio(t["value_median"]), t["status"]]))
    return out


def _fmt_count(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _member_label(name: str) -> str:
    return name[len("ctx_"):] if name.startswith("ctx_") else name


def _md_ctx_calls(doc: Doc) -> List[str]:
    if all(b["ctx_calls"] is None for b in doc["benchmarks"]):
        return []
    out = ["", "## Context calls per operation", "", CTX_CALLS_TEXT, "",
           "| benchmark | calls | members | universal − C API ns | ns per call |", "|---|---:|---|---:|---:|"]
    for b in doc["benchmarks"]:
        if b["ctx_calls"] is None:
            continue
        members = ", ".join(f"{_member_label(k)} ×{_fmt_count(v)}" for k, v in b["ctx_calls_by_member"].items())
        row = doc["results"].get(b["name"], {})
        uni, ref = row.get("universal"), row.get(REFERENCE)
        delta = None if uni is None or ref is None else uni["min_ns"] - ref["min_ns"]
        per_call = None if delta is None or delta <= 0 or b["ctx_calls"] == 0 else delta / b["ctx_calls"]
        out.append(_row([f"`{b['name']}`", _fmt_count(b["ctx_calls"]), members or "—",
                         "—" if delta is None else _fixed(delta, 1),
                         "—" if per_call is None else _fixed(per_call, 2)]))
    return out


def _md_not_measured(doc: Doc) -> List[str]:
    notes = [f"- mode `{m['name']}`: {m['note']}" for m in doc["modes"] if not m["available"]]
    notes += [f"- `{s['benchmark']}` in `{s['mode']}`: {s['reason'].splitlines()[0]}" for s in doc["skipped"]]
    return ["", "## Not measured", ""] + notes if notes else []


def markdown_fallback(doc: Doc) -> str:
    """The Markdown report, for machines without node (tools/bench-report.ts
    writes the same text, and the SVG chart)."""
    lines = _md_header(doc) + _md_table(doc) + [""] + _md_targets(doc) + _md_ctx_calls(doc) + _md_not_measured(doc)
    return "\n".join(lines) + "\n"


def write_reports(doc: Doc, outdir: Path, use_node: bool, log: Callable[[str], None]) -> str:
    outdir.mkdir(parents=True, exist_ok=True)
    json_path = outdir / "latest.json"
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    md_path = outdir / "latest.md"
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    if use_node and shutil.which("npx") and tsx.exists():
        proc = subprocess.run(
            ["npx", "--no-install", "tsx", str(REPORT_TOOL), str(json_path), "--quiet"],
            cwd=str(REPO), capture_output=True, text=True, check=False,
        )
        if proc.returncode == 0 and md_path.exists():
            return md_path.read_text()
        log(f"tools/bench-report.ts failed ({proc.returncode}); writing the Markdown without it:\n"
            f"{_first_lines(proc.stderr + proc.stdout)}")
    elif use_node:
        log("node/tsx not available: writing the Markdown without tools/bench-report.ts (no SVG)")
    text = markdown_fallback(doc)
    md_path.write_text(text)
    return text


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help=f"{QUICK_OPS} operations per timing, 1 repetition")
    p.add_argument("--reps", type=int, default=None, help=f"repetitions (default {DEFAULT_REPS}; 1 with --quick)")
    p.add_argument("--filter", default=None, help="regular expression on benchmark names")
    p.add_argument("--modes", default=None,
                   help="comma-separated HPy modes to run (capi is always run): " +
                   ",".join(m.name for m in MODES[1:]))
    p.add_argument("--target-ms", type=float, default=DEFAULT_TARGET_MS, help="duration of one timing")
    p.add_argument("--clock", choices=sorted(CLOCKS), default="perf_counter",
                   help="perf_counter (wall time, the default) or thread_time (CPU time of this thread: "
                   "time spent descheduled does not count, for busy shared machines)")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="directory for latest.{json,md,svg}")
    p.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD)
    p.add_argument("--no-node", action="store_true", help="write the Markdown without tools/bench-report.ts")
    p.add_argument("--loop", nargs=3, metavar=("BENCH", "MODE", "OPS"),
                   help="only run BENCH in MODE for OPS operations (for perf/callgrind); no reports")
    p.add_argument("--probe", nargs=3, help=argparse.SUPPRESS)
    return p.parse_args(list(argv))


def _mode_names(arg: Optional[str]) -> List[str]:
    if not arg:
        return [m.name for m in MODES]
    wanted = [s.strip() for s in arg.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in MODE_BY_NAME]
    if unknown:
        raise SystemExit(f"unknown mode(s): {', '.join(unknown)}")
    return [REFERENCE] + [m.name for m in MODES if m.name in wanted and m.name != REFERENCE]


def run_loop(args: argparse.Namespace, log: Callable[[str], None]) -> int:
    bench_name, mode_name, ops_s = args.loop
    bench = BENCH_BY_NAME[bench_name]
    builder = Builder(args.build_dir, Toolchain.from_sysconfig())
    modes = prepare_modes(_mode_names(mode_name), builder, [bench], log)
    mode = next(m for m in modes if m.spec.name == mode_name)
    if not mode.available or bench.name in mode.skipped:
        log(f"{bench.name} is not available in {mode_name}: {mode.note or mode.skipped.get(bench.name)}")
        return 1
    assert mode.path is not None
    mode.module = load_module(mode_name, mode.path)
    job = make_job(bench, mode)
    job.run(1000)  # warm up: the interpreter specialises the loop's instructions
    gc.collect()
    ops = int(ops_s)
    # The only call of sys.call_tracing in the process, so that a profiler can
    # restrict itself to the loop:
    #   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing ...
    elapsed = sys.call_tracing(job.timer, (ops, CLOCKS[args.clock], *job.env.values()))
    log(f"{bench.name} [{mode_name}]: {elapsed / ops:.1f} ns/op")
    return 0


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.probe:
        mode, path, names = args.probe
        return probe_main(mode, path, [n for n in names.split(",") if n])

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if args.loop:
        return run_loop(args, log)
    benches = select_benches(args.filter)
    if not benches:
        raise SystemExit(f"no benchmark matches {args.filter!r}")
    reps = args.reps if args.reps is not None else (1 if args.quick else DEFAULT_REPS)
    tc = Toolchain.from_sysconfig()
    builder = Builder(args.build_dir, tc)
    modes = prepare_modes(_mode_names(args.modes), builder, benches, log)
    mismatches = load_in_process(modes, benches)
    for m in mismatches:
        log("MISMATCH " + m)
    target_ns = args.target_ms * 1e6
    clock = CLOCKS[args.clock]
    overhead = loop_overhead_ns(target_ns, clock)
    ops, samples = time_all(modes, benches, reps, args.quick, target_ns, clock, log)
    settings: Settings = {
        "reps": reps, "quick": bool(args.quick), "target_ms": args.target_ms,
        "loop_overhead_ns": _round(overhead), "filter": args.filter or "",
        "timer": f"time.{args.clock}_ns", "gc": "enabled; gc.collect() before each timing",
        "statistic": "ratio_min",
    }
    ctx_calls = count_ctx_calls(modes, benches)
    doc = build_results(modes, benches, ops, samples, settings, tc, mismatches, ctx_calls)
    text = write_reports(doc, args.output, not args.no_node, log)
    print(text)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
