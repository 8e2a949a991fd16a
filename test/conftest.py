"""pytest configuration: the `hpy` fixture runs a test once per ABI."""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Dict

import pytest

from support import ABIS, Builder

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
