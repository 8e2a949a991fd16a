"""Building the two benchmark extensions with CPython's own compiler and
flags: bench/cpyext_bench.c (C API) once, bench/hpy_bench.c per HPy ABI,
each binary rebuilt only when its sources, headers or flags change."""
from __future__ import annotations

import hashlib
import importlib
import os
import shlex
import shutil
import subprocess
import sysconfig
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

REPO = Path(__file__).resolve().parent.parent.parent
BENCH_DIR = REPO / "bench"
CAPI_MODULE = "cpyext_bench"
HPY_MODULE = "hpy_bench"


class BuildError(Exception):
    pass


def first_lines(text: str, n: int = 6) -> str:
    """The first error lines of a compiler's output (else its first lines)."""
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
            ldshared = cc + ldshared[1:]
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
            raise BuildError(f"{' '.join(cmd[:1])} failed:\n{first_lines(proc.stdout + proc.stderr)}")


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


def _headers() -> List[Path]:
    return list((REPO / "hpy" / "devel" / "include").rglob("*.h"))


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
        srcs = [Path(s) for s in getattr(_hpy_devel(), "get_extra_sources")(abi)]
        outdir = self.build_dir / f"runtime-{abi}"
        outdir.mkdir(parents=True, exist_ok=True)
        lib = outdir / "libhpybenchruntime.a"
        flags = self.tc.cflags + _hpy_flags(abi)
        digest = _digest(srcs + _headers(), self.tc.cc + flags)
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

    def hpy(self, abi: str) -> Path:
        src = BENCH_DIR / "hpy_bench.c"
        lib = self._runtime_lib(abi)
        outdir = self.build_dir / abi
        outdir.mkdir(parents=True, exist_ok=True)
        out = outdir / (HPY_MODULE + _hpy_suffix(abi))
        flags = self.tc.cflags + _hpy_flags(abi)
        digest = _digest([src, lib] + _headers(), self.tc.cc + flags + self.tc.ldshared)
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
