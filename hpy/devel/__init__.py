"""Build support for HPy extensions.

``HPyDevel`` knows where the HPy headers, the runtime helper sources and the
optional prebuilt helper libraries are, and how to add them to an
``Extension`` for a given HPy ABI (``cpython``, ``universal`` or ``hybrid``).

setuptools integration: installing ``hpy`` registers the ``setup()`` keyword
``hpy_ext_modules`` (entry point group ``distutils.setup_keywords``), handled
by ``handle_hpy_ext_modules``. It also adds the global options
``--hpy-abi=cpython|universal|hybrid`` and ``--hpy-use-static-libs``.
"""

from __future__ import annotations

# setuptools must be imported before distutils: on Python >= 3.12 distutils
# only exists as setuptools' copy, and on older versions setuptools decides
# which distutils is used.
import setuptools  # noqa: F401  (imported for its side effect on distutils)

import copy
import os
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

from distutils.errors import DistutilsSetupError
from distutils.extension import Extension

from hpy.devel._commands import DEFAULT_HPY_ABI, get_hpy_abi, install_hpy_commands
from hpy.devel.abitag import HPY_ABIS

__all__ = ["HPyDevel", "handle_hpy_ext_modules", "get_hpy_abi", "DEFAULT_HPY_ABI"]

_ABI_MACROS = {
    "cpython": "HPY_ABI_CPYTHON",
    "universal": "HPY_ABI_UNIVERSAL",
    "hybrid": "HPY_ABI_HYBRID",
}

HPY_GLOBAL_OPTIONS = [
    (
        "hpy-abi=",
        None,
        f"HPy ABI to build extensions for: {', '.join(HPY_ABIS)} (default: {DEFAULT_HPY_ABI})",
    ),
    (
        "hpy-use-static-libs",
        None,
        "link HPy's prebuilt helper library instead of compiling the helper sources",
    ),
    (
        "hpy-target=",
        None,
        "platform to build HPy extensions for: native (default) or wasm32 (Pyodide; universal ABI)",
    ),
]

Macro = Tuple[str, Optional[str]]


def _check_abi(hpy_abi: str, where: str) -> None:
    if hpy_abi not in HPY_ABIS:
        raise ValueError(f"{where}: unknown hpy_abi {hpy_abi!r}; expected one of {', '.join(HPY_ABIS)}")


class HPyDevel:
    """Paths and build settings of the HPy development files.

    ``base_dir`` is the directory holding ``include/``, ``src/runtime/`` and
    (optionally) ``lib/<abi>/``; by default the directory of this package.
    """

    def __init__(self, base_dir: Union[str, os.PathLike, None] = None) -> None:
        base = Path(__file__).parent if base_dir is None else Path(base_dir)
        self._base = base.resolve()

    @property
    def base_dir(self) -> str:
        return str(self._base)

    @property
    def include_dir(self) -> str:
        return str(self._base / "include")

    @property
    def forbid_python_h_dir(self) -> str:
        """Directory whose ``Python.h`` stops the compilation (universal ABI)."""
        return str(self._base / "include" / "hpy" / "forbid_python_h")

    @property
    def src_dir(self) -> str:
        return str(self._base / "src")

    @property
    def lib_dir(self) -> str:
        return str(self._base / "lib")

    def _runtime_sources(self) -> List[Path]:
        runtime = self._base / "src" / "runtime"
        return sorted(runtime.glob("*.c")) if runtime.is_dir() else []

    def get_ctx_sources(self) -> List[str]:
        """Runtime sources implementing context members (cpython ABI only)."""
        return [str(p) for p in self._runtime_sources() if p.name.startswith("ctx_")]

    def get_extra_sources(self, hpy_abi: str) -> List[str]:
        """Runtime helper sources compiled into every extension of ``hpy_abi``."""
        _check_abi(hpy_abi, "HPyDevel.get_extra_sources")
        return [
            str(p)
            for p in self._runtime_sources()
            if hpy_abi == "cpython" or not p.name.startswith("ctx_")
        ]

    def get_extra_include_dirs(self, hpy_abi: str) -> List[str]:
        _check_abi(hpy_abi, "HPyDevel.get_extra_include_dirs")
        if hpy_abi == "universal":
            return [self.forbid_python_h_dir, self.include_dir]
        return [self.include_dir]

    def get_define_macros(self, hpy_abi: str) -> List[Macro]:
        _check_abi(hpy_abi, "HPyDevel.get_define_macros")
        return [("HPY", None), (_ABI_MACROS[hpy_abi], None)]

    def get_static_libs(self, hpy_abi: str) -> List[str]:
        """The prebuilt helper library for ``hpy_abi`` (``lib/<abi>/``), as a
        list of zero or one path."""
        _check_abi(hpy_abi, "HPyDevel.get_static_libs")
        lib_dir = self._base / "lib" / hpy_abi
        libs = (
            sorted(p for p in lib_dir.iterdir() if p.is_file() and not p.name.startswith("."))
            if lib_dir.is_dir()
            else []
        )
        if len(libs) > 1:
            names = ", ".join(p.name for p in libs)
            raise RuntimeError(
                f"HPyDevel.get_static_libs: expected at most one library in {lib_dir}, found {names}"
            )
        return [str(p) for p in libs]

    def fix_extension(
        self, ext: Extension, hpy_abi: str, static_libs: Sequence[str] = ()
    ) -> Extension:
        """Return a copy of ``ext`` set up for ``hpy_abi``: HPy include dirs
        first, the ABI macros, and either the runtime helper sources or the
        given ``static_libs``. ``ext`` itself is left untouched."""
        fixed = copy.copy(ext)
        fixed.include_dirs = self.get_extra_include_dirs(hpy_abi) + list(ext.include_dirs or [])
        fixed.define_macros = list(ext.define_macros or []) + self.get_define_macros(hpy_abi)
        if static_libs:
            fixed.extra_objects = list(ext.extra_objects or []) + list(static_libs)
        else:
            fixed.sources = list(ext.sources) + self.get_extra_sources(hpy_abi)
        return fixed

    def fix_distribution(self, dist) -> None:
        """Prepare ``dist`` (a setuptools or distutils ``Distribution``) to build
        its ``hpy_ext_modules``: register the HPy global options, fill in
        ``hpy_abi``/``hpy_use_static_libs`` defaults, add the HPy extensions to
        ``ext_modules`` and install HPy-aware ``build``, ``build_ext``,
        ``install_lib`` and ``bdist_egg`` commands (subclasses of the ones
        ``dist`` would otherwise use)."""
        known = {opt[0] for opt in dist.global_options}
        dist.global_options = list(dist.global_options) + [
            opt for opt in HPY_GLOBAL_OPTIONS if opt[0] not in known
        ]
        if getattr(dist, "hpy_abi", None) is None:
            dist.hpy_abi = DEFAULT_HPY_ABI
        get_hpy_abi(dist)  # reject a bad value set by the caller now
        if getattr(dist, "hpy_use_static_libs", None) is None:
            dist.hpy_use_static_libs = False
        if getattr(dist, "hpy_target", None) is None:
            dist.hpy_target = "native"

        hpy_exts = list(getattr(dist, "hpy_ext_modules", None) or [])
        dist.hpy_ext_modules = hpy_exts
        ext_modules = list(dist.ext_modules or [])
        new = [ext for ext in hpy_exts if not any(ext is old for old in ext_modules)]
        if new:
            dist.ext_modules = ext_modules + new
        install_hpy_commands(dist, self)


_HPY_VALUE_OPTIONS = ("--hpy-abi", "--hpy-target")
_HPY_FLAG_OPTIONS = ("--hpy-use-static-libs",)


def _hoist_hpy_options(args: List[str]) -> List[str]:
    """Move HPy global options that follow a command name to the front.

    setuptools < 69 places ``--config-settings=--global-option=...`` values
    after the command (``bdist_wheel --hpy-abi=universal``), where distutils
    would reject them; this also makes ``setup.py build --hpy-abi=...`` work.
    """
    front: List[str] = []
    rest: List[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _HPY_FLAG_OPTIONS or arg.startswith(tuple(o + "=" for o in _HPY_VALUE_OPTIONS)):
            front.append(arg)
        elif arg in _HPY_VALUE_OPTIONS:
            front.extend(args[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def handle_hpy_ext_modules(dist, attr: str, value) -> None:
    """setuptools hook for the ``hpy_ext_modules`` keyword of ``setup()``."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(e, Extension) for e in value):
        raise DistutilsSetupError(
            f"handle_hpy_ext_modules: {attr!r} must be a list of Extension objects, got {value!r}"
        )
    dist.hpy_ext_modules = list(value)
    if dist.script_args:
        dist.script_args = _hoist_hpy_options(list(dist.script_args))
    HPyDevel().fix_distribution(dist)
