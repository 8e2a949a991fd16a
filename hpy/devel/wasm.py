"""Building HPy extensions for WebAssembly (Pyodide) with setuptools.

``setup.py --hpy-abi=universal --hpy-target=wasm32 build_ext`` (or
``bdist_wheel``) compiles each ``hpy_ext_modules`` entry with Debian's clang
into a wasm32 side module ``NAME.hpy0.wasm``, which the HPy host for Pyodide
(``wasm/`` in the HPy repository; ``npx hpy-wasm``) imports. The flags and
the compiler candidates are those of ``wasm32/toolchain.json``, shared with
the TypeScript tools; the C library headers are in ``wasm32/include``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from distutils.errors import CompileError, DistutilsExecError, LinkError

WASM32_DIR = Path(__file__).resolve().parent / "wasm32"
TARGETS = ("native", "wasm32")

Macro = Tuple[str, Optional[str]]

_clang_cache: Dict[str, str] = {}


def toolchain() -> dict:
    """The shared description of the wasm32 toolchain."""
    return json.loads((WASM32_DIR / "toolchain.json").read_text(encoding="utf-8"))


def libc_include_dir() -> str:
    return str(WASM32_DIR / "include")


def _targets_wasm32(clang: str) -> bool:
    try:
        proc = subprocess.run([clang, "--target=wasm32-unknown-emscripten", "-print-targets"],
                              capture_output=True, text=True)
    except OSError:
        return False
    return proc.returncode == 0 and "wasm32" in proc.stdout


def find_clang() -> str:
    """The clang that builds wasm32 side modules ($HPY_WASM_CC first)."""
    env = os.environ.get("HPY_WASM_CC")
    candidates = [env] if env else toolchain()["clang"]
    key = ",".join(candidates)
    if key not in _clang_cache:
        found = next((c for c in candidates if _targets_wasm32(c)), None)
        if found is None:
            raise DistutilsExecError(
                f"--hpy-target=wasm32: no clang with the wasm32 target (tried {', '.join(candidates)}); "
                "install clang-19 and lld-19 (Debian: apt-get install clang-19 lld-19) or set HPY_WASM_CC"
            )
        _clang_cache[key] = found
    return _clang_cache[key]


def _macro_flags(macros: Sequence[Macro]) -> List[str]:
    return [f"-D{name}" if value is None else f"-D{name}={value}" for name, value in macros]


def build_module(sources: Sequence[str], output: str, include_dirs: Sequence[str],
                 macros: Sequence[Macro], extra_args: Sequence[str] = (),
                 verbose: bool = False) -> None:
    """Compiles ``sources`` and links them into the side module ``output``."""
    clang = find_clang()
    desc = toolchain()
    compile_flags = list(desc["compile"]) + ["-I", libc_include_dir()]
    compile_flags += [f"-I{d}" for d in include_dirs] + _macro_flags(macros) + list(extra_args)
    with tempfile.TemporaryDirectory(prefix="hpy-wasm-") as tmp:
        objects = []
        for i, src in enumerate(sources):
            obj = os.path.join(tmp, f"{i}-{Path(src).stem}.o")
            cmd = [clang] + compile_flags + ["-c", src, "-o", obj]
            if verbose:
                print(" ".join(cmd))
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                hint = ""
                if "Python.h" in proc.stderr:
                    hint = ("\nhybrid and legacy code include Python.h, which WebAssembly HPy modules "
                            "cannot use: the universal ABI is the only one on WebAssembly")
                raise CompileError(f"{src}:\n{proc.stderr}{hint}")
            objects.append(obj)
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        cmd = [clang] + list(desc["link"]) + objects + ["-o", output]
        if verbose:
            print(" ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise LinkError(f"linking {output}:\n{proc.stderr}")


def extension_suffix() -> str:
    return toolchain()["suffix"]
