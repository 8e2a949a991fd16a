"""The README's quick start works as written: its C source, its setup.py and
its shell commands are taken from the README itself and run, in each ABI."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

README = (REPO / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def quickstart_blocks() -> tuple[str, str, list[str]]:
    c_source = next(b for b in blocks("c") if "HPy_MODINIT(quickstart" in b)
    setup_py = next(b for b in blocks("python") if "hpy_ext_modules" in b and "quickstart" in b)
    commands = next(b for b in blocks("sh") if "build_ext --inplace" in b)
    return c_source, setup_py, [c for c in commands.splitlines() if c.strip()]


def test_readme_commands_are_the_make_targets():
    first = blocks("sh")[0]
    assert "make demo" in first and "make test" in first
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


@pytest.mark.slow
@pytest.mark.parametrize("abi", ["cpython", "universal", "hybrid"])
def test_readme_quickstart(abi: str, tmp_path: Path) -> None:
    c_source, setup_py, commands = quickstart_blocks()
    (tmp_path / "quickstart.c").write_text(c_source)
    (tmp_path / "setup.py").write_text(setup_py)
    outputs = []
    for line in commands:
        argv = shlex.split(line.split("#")[0])
        assert argv[0] == ".venv/bin/python", line
        argv[0] = sys.executable
        argv = [re.sub(r"^--hpy-abi=\w+$", f"--hpy-abi={abi}", a) for a in argv]
        proc = subprocess.run(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.returncode == 0, f"{line}\n{proc.stdout}"
        outputs.append(proc.stdout)
    assert outputs[-1].strip().endswith("Hello, HPy")
