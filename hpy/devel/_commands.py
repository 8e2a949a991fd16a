"""HPy-aware versions of the ``build``, ``build_ext``, ``install_lib`` and
``bdist_egg`` commands.

``install_hpy_commands`` derives each one from the command class the
distribution would otherwise use (setuptools', distutils' or the project's own
``cmdclass`` entry), so custom commands keep working.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Set

from distutils.errors import DistutilsModuleError, DistutilsOptionError

from hpy.devel import wasm
from hpy.devel.abitag import HPY_ABIS, get_hpy_ext_suffix
from hpy.devel.stub import make_stub

if TYPE_CHECKING:
    # The classes below are mixins placed before a command class of
    # setuptools or distutils (install_hpy_commands); for the type checker
    # they derive from the untyped command base, whose attributes they use.
    from setuptools import Command as _CommandMixin

    from hpy.devel import HPyDevel
else:
    _CommandMixin = object

DEFAULT_HPY_ABI = "cpython" if sys.implementation.name == "cpython" else "universal"


def get_hpy_abi(dist) -> str:
    """The HPy ABI selected for ``dist`` (``--hpy-abi`` or ``dist.hpy_abi``)."""
    hpy_abi = getattr(dist, "hpy_abi", None) or DEFAULT_HPY_ABI
    if hpy_abi not in HPY_ABIS:
        raise DistutilsOptionError(
            f"--hpy-abi: invalid value {hpy_abi!r}; expected one of {', '.join(HPY_ABIS)}"
        )
    return hpy_abi


def get_hpy_target(dist) -> str:
    """The platform the HPy extensions of ``dist`` are built for (``--hpy-target``)."""
    target = getattr(dist, "hpy_target", None) or "native"
    if target not in wasm.TARGETS:
        raise DistutilsOptionError(
            f"--hpy-target: invalid value {target!r}; expected one of {', '.join(wasm.TARGETS)}"
        )
    if target == "wasm32" and get_hpy_abi(dist) != "universal":
        raise DistutilsOptionError(
            f"--hpy-target=wasm32 builds universal binaries, not {get_hpy_abi(dist)!r} ones "
            "(cpython and hybrid code uses Python.h): use --hpy-abi=universal"
        )
    return target


def _stub_binary_suffix(dist) -> Optional[str]:
    """File suffix of binaries that need a loader stub (None for the cpython ABI)."""
    hpy_abi = get_hpy_abi(dist)
    return None if hpy_abi == "cpython" else get_hpy_ext_suffix(hpy_abi)


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class _HPyBuild(_CommandMixin):
    """``build`` that uses separate directories per HPy ABI: unless given
    explicitly, ``build_lib``, ``build_platlib`` and ``build_temp`` get the
    suffix ``-hpy-<abi>`` for the universal and hybrid ABIs."""

    def finalize_options(self) -> None:
        defaulted = [
            name for name in ("build_lib", "build_platlib", "build_temp") if getattr(self, name) is None
        ]
        super().finalize_options()
        hpy_abi = get_hpy_abi(self.distribution)
        if hpy_abi != "cpython":
            for name in defaulted:
                setattr(self, name, f"{getattr(self, name)}-hpy-{hpy_abi}")


class _HPyBuildExt(_CommandMixin):
    """``build_ext`` that builds the distribution's ``hpy_ext_modules`` for the
    selected HPy ABI and writes a loader stub next to universal/hybrid binaries."""

    hpydevel: Optional[HPyDevel] = None  # set by install_hpy_commands

    def _hpy_ext_fullnames(self) -> Set[str]:
        hpy_exts = getattr(self.distribution, "hpy_ext_modules", None) or []
        return {self.get_ext_fullname(ext.name) for ext in hpy_exts}

    def _is_hpy_extension(self, ext) -> bool:
        return self.get_ext_fullname(ext.name) in self._hpy_ext_fullnames()

    def _stub_for(self, binary_path: str) -> Optional[str]:
        """Path of the loader stub belonging to ``binary_path``, if it needs one."""
        suffix = _stub_binary_suffix(self.distribution)
        if suffix is None or not binary_path.endswith(suffix):
            return None
        return binary_path[: -len(suffix)] + ".py"

    def _write_stub(self, stub_path: str) -> None:
        module_name = os.path.basename(stub_path)[: -len(".py")]
        ext_filename = module_name + get_hpy_ext_suffix(get_hpy_abi(self.distribution))
        self.execute(
            _write_text,
            (stub_path, make_stub(module_name, ext_filename)),
            f"writing HPy loader stub {stub_path}",
        )

    def _hpy_suffix_for(self, fullname: str) -> Optional[str]:
        """The HPy file suffix if ``fullname`` is a universal/hybrid HPy extension."""
        hpy_abi = get_hpy_abi(self.distribution)
        if hpy_abi == "cpython" or fullname not in self._hpy_ext_fullnames():
            return None
        if get_hpy_target(self.distribution) == "wasm32":
            return wasm.extension_suffix()
        return get_hpy_ext_suffix(hpy_abi)

    def get_ext_filename(self, fullname: str) -> str:
        suffix = self._hpy_suffix_for(fullname)
        if suffix is None:
            return super().get_ext_filename(fullname)
        return os.path.join(*fullname.split(".")) + suffix

    def get_ext_fullpath(self, ext_name: str) -> str:
        # the base class asks get_ext_filename() about the last name component
        # only, which is ambiguous: keep its directory, replace the file name
        path = super().get_ext_fullpath(ext_name)
        fullname = self.get_ext_fullname(ext_name)
        suffix = self._hpy_suffix_for(fullname)
        if suffix is None:
            return path
        return os.path.join(os.path.dirname(path), fullname.rpartition(".")[2] + suffix)

    def get_export_symbols(self, ext) -> List[str]:
        # universal/hybrid binaries have no PyInit_<name>; HPy_MODINIT marks
        # the symbols that the host looks up as exported by itself.
        if get_hpy_abi(self.distribution) != "cpython" and self._is_hpy_extension(ext):
            return list(ext.export_symbols or [])
        return super().get_export_symbols(ext)

    def build_extension(self, ext) -> None:
        if not self._is_hpy_extension(ext):
            super().build_extension(ext)
            return
        hpy_abi = get_hpy_abi(self.distribution)
        if get_hpy_target(self.distribution) == "wasm32":
            self._build_wasm32(ext)
            return
        devel = self.hpydevel
        assert devel is not None, "install_hpy_commands sets hpydevel"
        static_libs: List[str] = []
        if getattr(self.distribution, "hpy_use_static_libs", False):
            static_libs = devel.get_static_libs(hpy_abi)
            if not static_libs:
                self.warn(
                    f"--hpy-use-static-libs: no prebuilt helper library in "
                    f"{os.path.join(devel.lib_dir, hpy_abi)}; "
                    "compiling the helper sources instead"
                )
        super().build_extension(devel.fix_extension(ext, hpy_abi, static_libs))
        stub = self._stub_for(self.get_ext_fullpath(ext.name))
        if stub is not None:
            self._write_stub(stub)

    def _build_wasm32(self, ext) -> None:
        # No stub: in Pyodide the import hook of the HPy host finds NAME.hpy0.wasm.
        devel = self.hpydevel
        assert devel is not None, "install_hpy_commands sets hpydevel"
        fixed = devel.fix_extension(ext, "universal")
        output = self.get_ext_fullpath(ext.name)
        self.announce(f"building '{ext.name}' for wasm32 -> {output}", level=2)
        wasm.build_module(
            list(fixed.sources),
            output,
            list(fixed.include_dirs or []),
            list(fixed.define_macros or []),
            list(ext.extra_compile_args or []),
            verbose=self.verbose > 1,
        )

    def copy_extensions_to_source(self) -> None:
        # setuptools' --inplace: binaries are built in build_lib, then copied.
        super().copy_extensions_to_source()
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            if not self._is_hpy_extension(ext):
                continue
            fullname = self.get_ext_fullname(ext.name)
            package_dir = build_py.get_package_dir(fullname.rpartition(".")[0])
            binary = os.path.join(package_dir, os.path.basename(self.get_ext_filename(fullname)))
            stub = self._stub_for(binary)
            if stub is not None:
                self._write_stub(stub)

    def get_outputs(self) -> List[str]:
        outputs = list(super().get_outputs())
        for path in list(outputs):
            stub = self._stub_for(path)
            if stub is not None and stub not in outputs:
                outputs.append(stub)
        return outputs

    def get_output_mapping(self) -> Dict[str, str]:
        # setuptools >= 64 (editable installs): build_lib file -> in-place file
        mapping = dict(super().get_output_mapping())
        for regular, inplace in list(mapping.items()):
            stub = self._stub_for(regular)
            if stub is not None:
                mapping[stub] = self._stub_for(inplace) or inplace
        return mapping


class _HPyInstallLib(_CommandMixin):
    """``install_lib`` that also reports the byte-code of installed loader stubs
    (which the base class compiles but does not list)."""

    def get_outputs(self) -> List[str]:
        outputs = list(super().get_outputs())
        if not self.compile:  # same rule as the base class uses for modules
            return outputs
        ext_outputs = self._mutate_outputs(
            self.distribution.has_ext_modules(), "build_ext", "build_lib", self.install_dir
        )
        stubs = [path for path in ext_outputs if path.endswith(".py")]
        return outputs + [f for f in self._bytecode_filenames(stubs) if f not in outputs]


class _HPyBdistEgg(_CommandMixin):
    """``bdist_egg`` that does not write its own CPython loader stub over the
    HPy one for universal/hybrid binaries."""

    def get_ext_outputs(self):
        all_outputs, ext_outputs = super().get_ext_outputs()
        suffix = _stub_binary_suffix(self.distribution)
        if suffix is not None:
            ext_outputs = [path for path in ext_outputs if not path.endswith(suffix)]
        return all_outputs, ext_outputs


class _HPyBdistWheel:
    """``bdist_wheel`` whose wheel of wasm32 binaries is tagged ``py3-none-any``:
    a ``.hpy0.wasm`` binary depends on the HPy ABI only, not on a CPython or
    Pyodide version, and the HPy host for Pyodide installs it."""

    def get_tag(self):
        if get_hpy_target(self.distribution) == "wasm32":
            return ("py3", "none", "any")
        return super().get_tag()


_MIXINS = {
    "build": _HPyBuild,
    "build_ext": _HPyBuildExt,
    "install_lib": _HPyInstallLib,
    "bdist_egg": _HPyBdistEgg,
    "bdist_wheel": _HPyBdistWheel,
}


def install_hpy_commands(dist, hpydevel) -> None:
    """Put HPy-aware subclasses of ``dist``'s commands into ``dist.cmdclass``."""
    for name, mixin in _MIXINS.items():
        try:
            base = dist.get_command_class(name)
        except DistutilsModuleError:  # e.g. plain distutils has no bdist_egg
            continue
        bases = (base,) if issubclass(base, mixin) else (mixin, base)
        # the class name is the command name: distutils looks options up by it
        dist.cmdclass[name] = type(name, bases, {"hpydevel": hpydevel, "__module__": __name__})
