"""Helpers of the debug-mode and trace-mode tests (test_debug_*.py,
test_trace.py): building a snippet once per module in the 'debug' or
'trace' ABI, running code in a subprocess (to observe an abort), and
switching the raise mode on for one test."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Optional

import pytest

from support import REPO, Builder


def make_builder(abi: str, tmp_path_factory, cache) -> Builder:
    return Builder(abi, tmp_path_factory.mktemp(f"{abi}-mod"), cache)


def snippet(body: str) -> str:
    """A C snippet for Builder.make_module (which strips an 8-space indent)."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


class Loaded:
    """A module built in some ABI, with the path of its binary so that a
    subprocess can load it again."""

    def __init__(self, builder: Builder, name: str, source: str):
        from support import expand_markers

        self.name = name
        self.path = builder.compile(name, expand_markers(source, name))
        self.module = builder.load(name, self.path)

    def __getattr__(self, attr):
        return getattr(self.module, attr)


def run_debug_subprocess(loaded: Loaded, code: str, env: Optional[dict] = None,
                         mode: str = "debug") -> subprocess.CompletedProcess:
    """Loads `loaded`'s binary in a fresh interpreter in `mode`, as `mod`,
    and runs `code` there."""
    script = textwrap.dedent(f"""\
        import importlib.util, sys
        import hpy.universal
        name, path = {loaded.name!r}, {str(loaded.path)!r}
        spec = importlib.util.spec_from_file_location(name, path)
        mod = hpy.universal.load(name, path, spec, mode=hpy.universal.MODE_{mode.upper()})
        """) + textwrap.dedent(code) + "\nprint('SUBPROCESS DONE', flush=True)\n"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HPY")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", script], cwd=str(REPO), env=full_env,
                          capture_output=True, text=True, timeout=120)


def assert_aborted(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    """The process was killed by SIGABRT after printing the debug mode's
    fatal-error message containing every fragment."""
    details = f"returncode {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == -signal.SIGABRT, details
    assert "SUBPROCESS DONE" not in proc.stdout, details
    assert "HPy debug mode: fatal error:" in proc.stderr, details
    for fragment in fragments:
        assert fragment in proc.stderr, f"missing {fragment!r}\n{details}"


@pytest.fixture
def raise_mode():
    """Violations raise HPyDebugError (instead of aborting) during the test."""
    from hpy.universal import _debug

    old = _debug.get_raise_on_violation()
    _debug.set_raise_on_violation(True)
    yield
    _debug.set_raise_on_violation(old)
