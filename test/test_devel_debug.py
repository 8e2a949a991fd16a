"""The Python side of hpy.debug and hpy.trace, on top of fake host modules
(``hpy.universal._debug`` / ``_trace``), so it runs without the C host."""

import importlib
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from hpy.debug import (
    HPyDebugError,
    HPyLeakError,
    LeakDetector,
    disable_handle_stack_traces,
    set_handle_stack_trace_limit,
)
from hpy.debug.leakdetector import UnfinishedBuilder
from support import sanitizer_env

REPO = Path(__file__).resolve().parents[1]


class FakeHandle:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<DebugHandle 0x1 for {self.name!r}>"


class FakeDebug(types.ModuleType):
    """Hands out generations; ``open`` holds (generation, handle) pairs."""

    def __init__(self):
        super().__init__("hpy.universal._debug")
        self.generation = 0
        self.open = []
        self.stack_trace_limit = "unset"

    def new_generation(self):
        self.generation += 1
        return self.generation

    def get_open_handles(self, gen):
        return [h for g, h in self.open if g >= gen]

    def get_open_builders(self, gen):
        return []

    def set_handle_stack_trace_limit(self, limit):
        self.stack_trace_limit = limit


@pytest.fixture
def fake_debug(monkeypatch):
    debug = FakeDebug()
    host = types.ModuleType("hpy.universal")
    host._debug = debug
    monkeypatch.setitem(sys.modules, "hpy.universal", host)
    return debug


def test_leak_error_message():
    one = HPyLeakError([FakeHandle("a")])
    assert str(one) == "1 unclosed handle:\n    <DebugHandle 0x1 for 'a'>"
    two = HPyLeakError([FakeHandle("a"), FakeHandle("b")])
    assert str(two).splitlines() == [
        "2 unclosed handles:",
        "    <DebugHandle 0x1 for 'a'>",
        "    <DebugHandle 0x1 for 'b'>",
    ]
    assert two.leaks[1].name == "b"
    assert isinstance(two, HPyDebugError) and isinstance(two, Exception)
    builder = UnfinishedBuilder("HPyListBuilder", 0x10, 3)
    assert str(HPyLeakError([builder])).splitlines() == [
        "1 unfinished builder:",
        "    <HPyListBuilder 0x10 of size 3: neither built nor cancelled>",
    ]
    assert str(HPyLeakError([FakeHandle("a"), builder, builder])).splitlines() == [
        "1 unclosed handle:",
        "    <DebugHandle 0x1 for 'a'>",
        "2 unfinished builders:",
        "    <HPyListBuilder 0x10 of size 3: neither built nor cancelled>",
        "    <HPyListBuilder 0x10 of size 3: neither built nor cancelled>",
    ]


def test_leak_detector_without_leaks(fake_debug):
    fake_debug.open.append((0, FakeHandle("older")))  # opened before start()
    with LeakDetector() as detector:
        assert detector.generation == 1
    assert detector.generation is None


def test_leak_detector_reports_leaks(fake_debug):
    with pytest.raises(HPyLeakError) as info:
        with LeakDetector():
            fake_debug.open.append((fake_debug.generation, FakeHandle("leaked")))
    assert [h.name for h in info.value.leaks] == ["leaked"]
    assert str(info.value).startswith("1 unclosed handle:")


def test_leak_detector_start_stop_misuse(fake_debug):
    detector = LeakDetector()
    with pytest.raises(ValueError, match="LeakDetector.stop"):
        detector.stop()
    detector.start()
    with pytest.raises(ValueError, match="LeakDetector.start"):
        detector.start()
    detector.stop()
    detector.start()  # reusable after stop()
    detector.stop()


def test_stack_trace_limit(fake_debug):
    set_handle_stack_trace_limit(16)
    assert fake_debug.stack_trace_limit == 16
    disable_handle_stack_traces()
    assert fake_debug.stack_trace_limit is None


def test_leakdetector_module_path():
    from hpy.debug import leakdetector

    assert leakdetector.LeakDetector is LeakDetector


def test_trace_reexports(monkeypatch):
    trace = types.ModuleType("hpy.universal._trace")
    names = ["get_call_counts", "get_durations", "set_trace_functions", "get_frequency"]
    for name in names:
        setattr(trace, name, lambda name=name: name)
    host = types.ModuleType("hpy.universal")
    host._trace = trace
    monkeypatch.setitem(sys.modules, "hpy.universal", host)
    monkeypatch.delitem(sys.modules, "hpy.trace", raising=False)
    module = importlib.import_module("hpy.trace")
    monkeypatch.delitem(sys.modules, "hpy.trace")
    assert sorted(module.__all__) == sorted(names)
    assert all(getattr(module, name)() == name for name in names)


def test_pytest_fixture_fails_leaking_tests(tmp_path):
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """\
            import sys, types
            opened = []
            debug = types.SimpleNamespace(
                new_generation=lambda: len(opened),
                get_open_handles=lambda gen: opened[gen:],
                get_open_builders=lambda gen: [],
            )
            sys.modules["hpy.universal"] = types.SimpleNamespace(_debug=debug)
            pytest_plugins = ["hpy.debug.pytest"]
            """
        )
    )
    (tmp_path / "test_leaks.py").write_text(
        textwrap.dedent(
            """\
            from conftest import opened

            def test_clean(hpy_debug):
                pass

            def test_leaky(hpy_debug):
                opened.append("<DebugHandle 0x2a for 'leaked'>")
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=str(tmp_path),
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **sanitizer_env()},
        capture_output=True,
        text=True,
    )
    # the leak is reported when the fixture is torn down: an error of that test
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ERROR test_leaks.py::test_leaky" in proc.stdout
    assert "test_clean" not in proc.stdout.split("short test summary info")[1]
    assert "1 unclosed handle:" in proc.stdout
