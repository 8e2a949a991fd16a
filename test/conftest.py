"""pytest configuration: the `hpy` fixture runs a test once per ABI."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Dict

import pytest

from support import ABIS, Builder

if sys.platform == "emscripten":
    # Inside Pyodide (wasm/src/pytest.ts): what does not apply there skips.
    sys.path.insert(0, str(Path(__file__).parent / "wasm"))
    from pyodide_skips import pytest_collection_modifyitems, pytest_pycollect_makemodule  # noqa: F401

_counter = itertools.count()


@pytest.fixture(scope="session")
def _runtime_cache() -> Dict[str, Path]:
    return {}


@pytest.fixture(params=ABIS)
def hpy(request, tmp_path_factory, _runtime_cache) -> Builder:
    """A Builder for one ABI; tests using it run in every ABI."""
    workdir = tmp_path_factory.mktemp(f"{request.param}-{next(_counter)}")
    return Builder(request.param, workdir, _runtime_cache)


@pytest.fixture
def hpy_abi(hpy: Builder) -> str:
    return hpy.abi
