"""Smoke run of the microbenchmarks (bench/run.py --quick): not a timed test.

Checks that the runner builds and loads both extensions in every mode, runs
every benchmark in every mode with the C API's result, and writes its
reports (through bench/report/bench-report.ts).
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"

MODES = ["capi", "cpython", "universal", "debug", "trace"]
BENCHES = [
    "call_noargs", "call_o", "call_varargs", "call_keywords", "parse_keywords",
    "meth_noargs", "meth_o", "slot_len", "slot_getitem", "slot_add", "slot_add_new", "member_get", "member_set",
    "getset_get", "getset_set", "alloc_instance", "alloc_gc_instance", "alloc_int_tuple", "alloc_tuple",
    "type_from_spec",
]


@dataclass
class Smoke:
    doc: Dict[str, Any]
    out: Path
    stdout: str


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


def test_every_benchmark_runs_in_every_mode(smoke: Smoke) -> None:
    assert [b["name"] for b in smoke.doc["benchmarks"]] == BENCHES
    assert [m["name"] for m in smoke.doc["modes"]] == MODES
    unavailable = {m["name"]: m["note"] for m in smoke.doc["modes"] if not m["available"]}
    assert unavailable == {}
    assert smoke.doc["skipped"] == []
    for bench in BENCHES:
        assert sorted(smoke.doc["results"][bench]) == sorted(MODES), bench


def test_hpy_results_equal_the_c_api_results(smoke: Smoke) -> None:
    assert smoke.doc["mismatches"] == []
    for bench, row in smoke.doc["results"].items():
        expected = row["capi"]["value"]
        assert expected, f"{bench}: empty C API value"
        for mode, cell in row.items():
            assert cell["value"] == expected, f"{bench} in {mode}: {cell['value']} != {expected}"
            assert cell["min_ns"] > 0 and cell["median_ns"] >= cell["min_ns"]
            assert cell["ratio_min"] > 0 and cell["ratio_median"] > 0
    assert smoke.doc["results"]["slot_add_new"]["capi"]["value"] == "('Obj', 14, 0, 20)"
    assert smoke.doc["results"]["alloc_gc_instance"]["capi"]["value"] == "('GcObj', 3)"


def test_geomeans_targets_and_context(smoke: Smoke) -> None:
    geo = smoke.doc["geomean"]
    for mode in MODES:
        assert geo[mode]["ratio_min"] > 0 and geo[mode]["ratio_median"] > 0
    assert geo["capi"]["ratio_min"] == 1.0
    names = [t["name"] for t in smoke.doc["targets"]]
    assert "geomean, cpython ABI" in names and "geomean, universal" in names and "geomean, debug" in names
    for bench in ("alloc_instance", "alloc_gc_instance", "slot_add_new", "alloc_tuple", "alloc_int_tuple"):
        assert f"{bench}, cpython ABI" in names
    for t in smoke.doc["targets"]:
        assert t["status"] in ("pass", "fail", "n/a", "info")
    for key in ("date", "python", "machine", "settings"):
        assert smoke.doc[key]
    assert smoke.doc["python"]["version"] == ".".join(map(str, sys.version_info[:3]))


def test_reports_are_written(smoke: Smoke) -> None:
    md = (smoke.out / "latest.md").read_text()
    assert md.startswith("# HPy microbenchmarks against the C API")
    for bench in BENCHES:
        assert f"| `{bench}` |" in md
    assert md in smoke.stdout
    svg = (smoke.out / "latest.svg").read_text()
    assert svg.startswith("<svg") and svg.count('class="bar"') == (len(BENCHES) + 1) * (len(MODES) - 1)


def test_context_calls_are_counted_in_trace_mode(smoke: Smoke) -> None:
    benches = {b["name"]: b for b in smoke.doc["benchmarks"]}
    # what the extension's code does per call (bench/hpy_bench.c)
    assert benches["call_o"]["ctx_calls_by_member"] == {"ctx_Dup": 1.0}
    assert benches["call_o"]["ctx_calls"] == 1.0
    assert benches["alloc_int_tuple"]["ctx_calls_by_member"] == {
        "ctx_Close": 3.0, "ctx_Long_AsInt64_t": 1.0, "ctx_Long_FromInt64_t": 3.0, "ctx_Tuple_FromArray": 1.0}
    assert benches["member_get"]["ctx_calls"] == 0.0  # CPython reads the member itself
    md = (smoke.out / "latest.md").read_text()
    assert "## Context calls per operation" in md and "| `call_o` | 1 | Dup ×1 |" in md


@pytest.mark.slow
def test_wasm_section_runs_every_benchmark_in_pyodide(tmp_path: Path) -> None:
    """bench/wasm/run.ts --quick: the C API side module, the HPy module in
    universal mode and the Python module give every benchmark the same value
    in Pyodide, and the report writer makes wasm.{json,md,svg}."""
    from wasm_support import require_wasm_tools

    require_wasm_tools()
    proc = subprocess.run(["npx", "tsx", "bench/wasm/run.ts", "--quick", "--output", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tmp_path / "wasm.json").read_text())
    assert [m["name"] for m in doc["modes"]] == ["capi", "universal", "python"]
    assert doc["mismatches"] == [] and doc["skipped"] == []
    assert sorted(doc["results"]) == sorted(BENCHES)
    for bench, row in doc["results"].items():
        assert sorted(row) == ["capi", "python", "universal"], bench
        assert len({cell["value"] for cell in row.values()}) == 1, (bench, row)
    assert [t["name"] for t in doc["targets"]] == ["geomean, universal (wasm32)",
                                                    "every benchmark, universal (wasm32)"]
    assert (tmp_path / "wasm.md").read_text().startswith("# HPy microbenchmarks")
    assert (tmp_path / "wasm.svg").is_file()
