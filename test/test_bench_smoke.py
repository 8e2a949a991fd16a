"""Smoke run of the microbenchmarks (bench/run.py --quick): not a timed test.

Checks that the runner builds and loads both extensions, runs every
benchmark in every available mode (or says why not), that the HPy results
equal the C API results, and that it writes its reports.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"

MODES = ["capi", "cpython", "universal", "debug", "trace"]
FUNCTION_BENCHES = ["call_noargs", "call_o", "call_varargs", "call_keywords", "parse_keywords", "alloc_int_tuple"]
TYPE_BENCHES = [
    "meth_noargs", "meth_o", "slot_len", "slot_getitem", "slot_add", "member_get", "member_set",
    "getset_get", "getset_set", "alloc_instance", "type_from_spec",
]


@dataclass
class Smoke:
    doc: Dict[str, Any]
    out: Path
    stdout: str

    def available(self) -> List[str]:
        return [m["name"] for m in self.doc["modes"] if m["available"]]


def _host_importable() -> bool:
    proc = subprocess.run([sys.executable, "-c", "import hpy.universal"], cwd=str(REPO),
                          capture_output=True, check=False)
    return proc.returncode == 0


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Smoke:
    out = tmp_path_factory.mktemp("bench-out")
    build = tmp_path_factory.mktemp("bench-build")
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--output", str(out), "--build-dir", str(build)],
        cwd=str(REPO), capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"bench/run.py --quick failed:\n{proc.stderr[-4000:]}"
    return Smoke(json.loads((out / "latest.json").read_text()), out, proc.stdout)


def test_every_benchmark_and_mode_is_listed(smoke: Smoke) -> None:
    names = [b["name"] for b in smoke.doc["benchmarks"]]
    assert sorted(names) == sorted(FUNCTION_BENCHES + TYPE_BENCHES)
    assert [m["name"] for m in smoke.doc["modes"]] == MODES
    for m in smoke.doc["modes"]:
        assert m["available"] or m["note"], f"mode {m['name']} unavailable without a reason"
    assert "capi" in smoke.available() and "cpython" in smoke.available()
    if _host_importable():
        assert "universal" in smoke.available()


def test_every_available_mode_has_every_benchmark_or_a_reason(smoke: Smoke) -> None:
    results: Dict[str, Dict[str, Any]] = smoke.doc["results"]
    skipped = {(s["benchmark"], s["mode"]): s["reason"] for s in smoke.doc["skipped"]}
    for bench in FUNCTION_BENCHES + TYPE_BENCHES:  # the reference runs everything
        assert "capi" in results[bench], f"{bench}: no C API result"
    for mode in smoke.available():
        for bench in FUNCTION_BENCHES + TYPE_BENCHES:
            if mode in results[bench]:
                continue
            reason = skipped.get((bench, mode))
            assert reason, f"{bench} in {mode}: neither a result nor a reason"
            # only type support and the debug/trace modes may still be missing
            assert bench in TYPE_BENCHES or mode in ("debug", "trace"), f"{bench} did not run in {mode}: {reason}"


def test_hpy_results_equal_the_c_api_results(smoke: Smoke) -> None:
    assert smoke.doc["mismatches"] == []
    compared = 0
    for bench, row in smoke.doc["results"].items():
        expected = row["capi"]["value"]
        assert expected, f"{bench}: empty C API value"
        for mode, cell in row.items():
            assert cell["value"] == expected, f"{bench} in {mode}: {cell['value']} != {expected}"
            assert cell["min_ns"] > 0 and cell["median_ns"] >= cell["min_ns"]
            assert cell["ratio_min"] > 0 and cell["ratio_median"] > 0
            compared += mode != "capi"
    assert compared >= len(FUNCTION_BENCHES)


def test_geomeans_targets_and_context(smoke: Smoke) -> None:
    geo = smoke.doc["geomean"]
    for mode in smoke.available():
        assert geo[mode]["ratio_min"] > 0 and geo[mode]["ratio_median"] > 0
    assert geo["capi"]["ratio_min"] == 1.0
    names = [t["name"] for t in smoke.doc["targets"]]
    assert "geomean, cpython ABI" in names and "geomean, universal" in names and "geomean, debug" in names
    for t in smoke.doc["targets"]:
        assert t["status"] in ("pass", "fail", "n/a", "info")
    for key in ("date", "python", "machine", "settings"):
        assert smoke.doc[key]
    assert smoke.doc["python"]["version"] == ".".join(map(str, sys.version_info[:3]))


def test_reports_are_written(smoke: Smoke) -> None:
    md = (smoke.out / "latest.md").read_text()
    assert md.startswith("# HPy microbenchmarks against the C API")
    for bench in smoke.doc["results"]:
        assert f"`{bench}`" in md
    assert md in smoke.stdout
    if shutil.which("npx") and (REPO / "node_modules" / ".bin" / "tsx").exists():
        svg = (smoke.out / "latest.svg").read_text()
        assert svg.startswith("<svg") and 'class="bar"' in svg
        # the Markdown came from tools/bench-report.ts: run.py's fallback must say the same
        assert _load_runner().markdown_fallback(smoke.doc) == md


def _load_runner() -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_fallback_rounds_like_the_typescript_report() -> None:
    """Ties round up, as JavaScript's toFixed does (Python's format would round
    1.125 to 1.12), so both Markdown writers agree."""
    run = _load_runner()
    assert [run._fixed(x, 2) for x in (1.125, 0.875, 0.9833, 1.0)] == ["1.13", "0.88", "0.98", "1.00"]
    assert [run._fmt_ns(x) for x in (20.25, 999.94, 1234.5, 21000.0)] == ["20.3", "999.9", "1,235", "21,000"]


def test_context_calls_are_counted_in_trace_mode(smoke: Smoke) -> None:
    benches = {b["name"]: b for b in smoke.doc["benchmarks"]}
    if "trace" not in smoke.available():
        assert all(b["ctx_calls"] is None for b in benches.values())
        return
    # what the extension's code does per call (bench/hpy_bench.c)
    assert benches["call_o"]["ctx_calls_by_member"] == {"ctx_Dup": 1.0}
    assert benches["call_o"]["ctx_calls"] == 1.0
    assert benches["alloc_int_tuple"]["ctx_calls_by_member"] == {
        "ctx_Close": 3.0, "ctx_Long_AsInt64_t": 1.0, "ctx_Long_FromInt64_t": 3.0, "ctx_Tuple_FromArray": 1.0}
    if "trace" in smoke.doc["results"]["member_get"]:
        assert benches["member_get"]["ctx_calls"] == 0.0  # CPython reads the member itself
    md = (smoke.out / "latest.md").read_text()
    assert "## Context calls per operation" in md and "| `call_o` | 1 | Dup ×1 |" in md
