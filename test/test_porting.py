"""The porting guide's example (examples/porting, docs/porting-guide.md):
the same module at each step of a port from the C API to universal HPy,
built and checked to behave the same."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from support import REPO, Builder

STEPS = REPO / "examples" / "porting"

# step file -> ABIs it is meant to build in
PLAN = [
    ("step0_capi.c", ["cpython"]),
    ("step1_hybrid.c", ["cpython", "hybrid"]),
    ("step2_universal.c", ["cpython", "universal", "hybrid"]),
]


def check_vecmath(m) -> None:
    assert m.norm(3, 4) == 5.0
    assert math.isclose(m.norm(1.5, 2), 2.5)
    with pytest.raises(TypeError):
        m.norm("x", 1)
    with pytest.raises(TypeError):
        m.norm(1)
    assert m.scale([1, 2, 3], 2) == [2, 4, 6]
    assert m.scale(["a"], 3) == ["aaa"]
    assert m.scale([], 3) == []
    with pytest.raises(TypeError, match="expects a list"):
        m.scale((1, 2), 2)
    with pytest.raises(TypeError):
        m.scale([1, None], 2)
    assert "length" in m.norm.__doc__


@pytest.mark.parametrize(
    "step,abi",
    [(step, abi) for step, abis in PLAN for abi in abis],
    ids=lambda v: str(v).replace(".c", ""),
)
def test_porting_step(step: str, abi: str, tmp_path: Path, _runtime_cache) -> None:
    builder = Builder(abi, tmp_path / "build", _runtime_cache)
    (tmp_path / "build").mkdir()
    path = builder.compile("vecmath", (STEPS / step).read_text())
    check_vecmath(builder.load("vecmath", path))


def test_step1_is_rejected_by_the_universal_abi(tmp_path: Path) -> None:
    """Legacy code cannot sneak into a universal binary."""
    from support import CompileError

    builder = Builder("universal", tmp_path, {})
    with pytest.raises(CompileError, match="Python.h is forbidden"):
        builder.compile("vecmath", (STEPS / "step1_hybrid.c").read_text())
