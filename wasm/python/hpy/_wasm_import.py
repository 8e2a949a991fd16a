"""The import hook for HPy modules built for WebAssembly.

``npx hpy-wasm build`` writes ``NAME.hpy0.wasm``. On CPython a universal
binary comes with a ``NAME.py`` stub that loads it; in Pyodide this finder
plays that part, so the same folder can hold a native build (``NAME.hpy0.so``
and ``NAME.py``) and a WebAssembly one: the finder runs before the path
finder and only answers for ``.hpy0.wasm`` files.
"""

import importlib.abc
import importlib.machinery
import os
import sys

SUFFIX = ".hpy0.wasm"


class HPyWasmLoader(importlib.abc.Loader):
    def __init__(self, fullname, path):
        self.fullname = fullname
        self.path = path

    def create_module(self, spec):
        from hpy.universal import _load_bootstrap

        short = spec.name.rpartition(".")[2]
        return _load_bootstrap(
            short, spec.name, spec.parent, self.path, self, spec, os.environ
        )

    def exec_module(self, module):
        # _load_bootstrap created and initialised the module.
        pass


class HPyWasmFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        short = fullname.rpartition(".")[2]
        for entry in sys.path if path is None else path:
            candidate = os.path.join(entry or ".", short + SUFFIX)
            if os.path.isfile(candidate):
                loader = HPyWasmLoader(fullname, candidate)
                return importlib.machinery.ModuleSpec(fullname, loader, origin=candidate)
        return None


_finder = HPyWasmFinder()


def install():
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
