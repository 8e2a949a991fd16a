"""Compile C snippets against the HPy headers in a given ABI and import them.

The test-suite's workhorse: a test writes a few HPy definitions, marks the
ones to export, and gets back an imported module built in the ABI the
`hpy` fixture is parametrised with. Builds call the C compiler directly
(faster than setuptools) with warnings as errors; the runtime sources are
compiled once per ABI and session into a static library, and a snippet
built once per process for every ABI that loads the same binary (see
Builder.compile).

Markers understood in a snippet:
    @EXPORT(sym)             add HPyDef `sym` to the module's defines
    @EXPORT_TYPE("Name", s)  create a type from HPyType_Spec `s` at exec time
                             and store it as attribute `Name` of the module
    @INIT                    the HPyModuleDef and HPy_MODINIT (required, last)
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import types
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
INCLUDE = REPO / "hpy" / "devel" / "include"
RUNTIME = REPO / "hpy" / "devel" / "src" / "runtime"

ABIS: Tuple[str, ...] = ("cpython", "universal", "hybrid", "debug")
# HPY_TEST_CFLAGS (e.g. the sanitizer flags of `make test-sanitize`) is added
# to every compile and link of the runtime and the snippets.
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O0", "-g", "-fPIC"] + os.environ.get(
    "HPY_TEST_CFLAGS", ""
).split()
# Test snippets routinely ignore `self` and friends.
SNIPPET_CFLAGS = CFLAGS + ["-Wno-unused-parameter"]

_ABI_MACRO = {
    "cpython": "HPY_ABI_CPYTHON",
    "universal": "HPY_ABI_UNIVERSAL",
    "hybrid": "HPY_ABI_HYBRID",
    "debug": "HPY_ABI_UNIVERSAL",
    "trace": "HPY_ABI_UNIVERSAL",
}


class CompileError(Exception):
    pass


# Inside Pyodide (wasm/src/pytest.ts runs the suite there) modules are built
# for wasm32 by the WebAssembly host's toolchain, called in Node; only the
# universal binary exists, loaded in the modes that host offers.
WASM = sys.platform == "emscripten"


def _wasm_abis() -> Tuple[str, ...]:
    import hpy.universal

    # The debug context comes with its Python API (hpy.universal._debug).
    return ("universal", "debug") if hasattr(hpy.universal, "_debug") else ("universal",)


if WASM:
    ABIS = _wasm_abis()


def wasm_compile(src: Path, out: Path, extra_cflags: Sequence[str] = (), raw: bool = False) -> Path:
    """Builds `src` for wasm32 into `out` (any name: Pyodide's loader reads
    the content). raw: the source speaks the loading protocol by hand, so
    no runtime helpers and every symbol exported."""
    import json

    from _hpy_wasm_build import build  # registered by wasm/src/pytest.ts

    std = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
    request = {
        "name": "hpy_wasm_unit",
        "sources": [str(src)],
        "outDir": str(src.parent),
        # A raw source is compiled as natively, without warnings.
        "flags": (["-fvisibility=default"] if raw else std + ["-Wno-unused-parameter"]) + list(extra_cflags),
        "helperFlags": None if raw else std,
    }
    result = json.loads(build(json.dumps(request)))
    if "error" in result:
        raise CompileError(result["error"])
    os.replace(result["path"], out)
    return out


def sanitizer_env() -> Dict[str, str]:
    """What a subprocess with a hand-made environment must keep under
    `make test-sanitize` (the preloaded ASan runtime and its options)."""
    keep = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "PYTHONMALLOC")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _cc() -> List[str]:
    return os.environ.get("CC", "gcc").split()


def _run(cmd: Sequence[str]) -> None:
    proc = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise CompileError(f"command failed: {' '.join(cmd)}\n{proc.stdout}")


def build_abi(abi: str) -> str:
    """The ABI the C code is compiled for (debug/trace are universal binaries)."""
    return "universal" if abi in ("debug", "trace") else abi


def include_flags(abi: str) -> List[str]:
    abi = build_abi(abi)
    flags = [f"-D{_ABI_MACRO[abi]}", "-DHPY"]
    if abi == "universal":
        flags.append(f"-I{INCLUDE / 'hpy' / 'forbid_python_h'}")
    else:
        flags.append(f"-I{sysconfig.get_paths()['include']}")
    flags.append(f"-I{INCLUDE}")
    return flags


def runtime_sources(abi: str) -> List[Path]:
    """Helper sources compiled into an extension of this ABI."""
    srcs = sorted(RUNTIME.glob("*.c"))
    if build_abi(abi) != "cpython":
        srcs = [s for s in srcs if not s.name.startswith("ctx_")]
    return srcs


def ext_suffix(abi: str) -> str:
    abi = build_abi(abi)
    if abi == "cpython":
        return sysconfig.get_config_var("EXT_SUFFIX")
    if abi == "universal":
        return ".hpy0.so"
    soabi = sysconfig.get_config_var("SOABI")  # e.g. cpython-311-x86_64-linux-gnu
    tag = "cp" + soabi.split("-")[1]
    return f".hpy0-{tag}.so"


class Builder:
    """Builds and imports extension modules for one ABI into `workdir`."""

    def __init__(self, abi: str, workdir: Path, runtime_cache: Dict[str, Path]):
        self.abi = abi
        self.workdir = workdir
        self._runtime_cache = runtime_cache

    def _runtime_lib(self) -> Optional[Path]:
        abi = build_abi(self.abi)
        if abi in self._runtime_cache:
            return self._runtime_cache[abi]
        srcs = runtime_sources(abi)
        if not srcs:
            return None
        outdir = self.workdir.parent / f"runtime-{abi}"
        outdir.mkdir(parents=True, exist_ok=True)
        objs = []
        for src in srcs:
            obj = outdir / (src.stem + ".o")
            _run(_cc() + CFLAGS + include_flags(abi) + ["-c", str(src), "-o", str(obj)])
            objs.append(str(obj))
        lib = outdir / f"libhpyruntime-{abi}.a"
        _run(["ar", "rcs", str(lib)] + objs)
        self._runtime_cache[abi] = lib
        return lib

    def compile(self, name: str, source: str, extra_cflags: Sequence[str] = ()) -> Path:
        src = self.workdir / f"{name}.c"
        src.write_text(source)
        out = self.workdir / f"{name}{ext_suffix(self.abi)}"
        if WASM:
            key: Tuple[str, ...] = ("wasm32", name, source, *extra_cflags)
            return _built(key, out, lambda: wasm_compile(src, out, extra_cflags))
        lib = self._runtime_lib()
        flags = _cc() + SNIPPET_CFLAGS + list(extra_cflags) + include_flags(self.abi)
        key = (name, source, *flags, str(lib))

        def build() -> Path:
            cmd = flags + [str(src), "-shared", "-o", str(out)]
            if lib is not None:
                cmd.append(str(lib))
            _run(cmd)
            return out

        return _built(key, out, build)

    def load(self, name: str, path: Path) -> types.ModuleType:
        if build_abi(self.abi) == "cpython":
            loader = importlib.machinery.ExtensionFileLoader(name, str(path))
            spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
            assert spec is not None
            mod = importlib.util.module_from_spec(spec)
            loader.exec_module(mod)
            return mod
        import hpy.universal

        spec = importlib.util.spec_from_file_location(name, str(path))
        mode = {"debug": hpy.universal.MODE_DEBUG, "trace": hpy.universal.MODE_TRACE}.get(
            self.abi, hpy.universal.MODE_UNIVERSAL
        )
        return hpy.universal.load(name, str(path), spec, mode=mode)

    def make_module(self, body: str, name: str = "mytest", extra_cflags: Sequence[str] = ()) -> types.ModuleType:
        source = expand_markers(body, name)
        path = self.compile(name, source, extra_cflags)
        return self.load(name, path)


# The binaries this process built, by everything that went into them (module
# name, source, compiler and flags, runtime library). The debug and trace
# modes load the universal binary, so a test that runs a snippet in every ABI
# compiles it three times, not four.
_BUILT: Dict[Tuple[str, ...], Path] = {}


def _built(key: Tuple[str, ...], out: Path, build: Callable[[], Path]) -> Path:
    """`out`, built by `build` or copied from an earlier build of `key`. A
    copy, not a link: the dynamic loader maps a file it has not seen anew,
    so each test's module has its own static variables (the context, the
    module state) even when an earlier copy is still loaded."""
    done = _BUILT.get(key)
    if done is not None and done.exists():
        # into place in one step: never write into a file that is loaded
        tmp = out.with_name(out.name + ".tmp")
        shutil.copyfile(done, tmp)
        os.replace(tmp, out)
        return out
    _BUILT[key] = build()
    return out


_EXPORT = re.compile(r"^\s*@EXPORT\((\w+)\)\s*$", re.M)
_EXPORT_TYPE = re.compile(r'^\s*@EXPORT_TYPE\(("[^"]+"),\s*(\w+)\)\s*$', re.M)
_INIT = re.compile(r"^\s*@INIT\s*$", re.M)


def copy_hpy_source(dest: Path) -> Path:
    """A copy of the files that make up the hpy package, for pip to build
    from: keeps the work tree clean, and lets builds run at the same time
    (a build in the tree writes build/bdist.* and hpy.egg-info, shared by
    every interpreter)."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.o", "*.pyd", "build")
    shutil.copytree(REPO / "hpy", dest / "hpy", ignore=ignore)
    return dest


def expand_markers(body: str, name: str) -> str:
    body = "\n".join(line[8:] if line.startswith(" " * 8) else line for line in body.splitlines())
    exports = _EXPORT.findall(body)
    type_exports: List[Tuple[str, str]] = _EXPORT_TYPE.findall(body)
    body = _EXPORT.sub("", body)
    body = _EXPORT_TYPE.sub("", body)
    if not _INIT.search(body):
        raise ValueError("snippet has no @INIT marker")
    init: List[str] = []
    if type_exports:
        init.append("HPyDef_SLOT(_hpytest_add_types, HPy_mod_exec)")
        init.append("static int _hpytest_add_types_impl(HPyContext *ctx, HPy m)")
        init.append("{")
        for tname, spec in type_exports:
            init.append("    {")
            init.append(f"        HPy t = HPyType_FromSpec(ctx, &{spec}, NULL);")
            init.append("        if (HPy_IsNull(t)) return -1;")
            init.append(f"        if (HPy_SetAttr_s(ctx, m, {tname}, t) < 0) {{ HPy_Close(ctx, t); return -1; }}")
            init.append("        HPy_Close(ctx, t);")
            init.append("    }")
        init.append("    return 0;")
        init.append("}")
        exports.append("_hpytest_add_types")
    defines = ", ".join(f"&{e}" for e in exports)
    init.append(f"static HPyDef *_hpytest_defines[] = {{ {defines}{', ' if defines else ''}NULL }};")
    init.append("static HPyModuleDef _hpytest_moduledef = { .doc = \"a test module\", .defines = _hpytest_defines };")
    init.append(f"HPy_MODINIT({name}, _hpytest_moduledef)")
    body = _INIT.sub("\n".join(init), body)
    return '#include "hpy.h"\n#include <string.h>\n' + body + "\n"
