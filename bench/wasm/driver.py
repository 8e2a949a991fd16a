"""The microbenchmarks inside Pyodide: the same benchmarks and timing loops
as bench/run.py (bench/harness), in three modes: the C API extension
(bench/cpyext_bench.c built as a side module), the HPy extension
(bench/hpy_bench.c built with `hpy-wasm build`, universal mode) and the same
module written in Python (pure_bench.py). bench/wasm/run.ts builds the
binaries, starts Pyodide and calls main(); it writes the results document
(the format of bench/harness/results.py) as JSON."""
from __future__ import annotations

import importlib
import json
import sys
from typing import Any, Dict, List, Sequence

from harness.benches import select_benches
from harness.modes import Mode, ModeSpec, check_values
from harness.results import build_results, make_target
from harness.timing import CLOCKS, loop_overhead_ns, time_all

MODES = (
    ModeSpec("capi", "C API", "capi"),
    ModeSpec("universal", "HPy universal", "universal"),
    ModeSpec("python", "pure Python", "python"),
)
MODULES = {"capi": "cpyext_bench", "universal": "hpy_bench", "python": "pure_bench"}

# The targets of the WebAssembly host (issue 13), on ratio_min as the native ones.
GEOMEAN_LIMIT = 1.10
EVERY_LIMIT = 1.25


class WasmToolchain:
    """What the results document records about the compiler."""

    def __init__(self, version: str, cflags: Sequence[str]) -> None:
        self._version = version
        self.cflags = list(cflags)

    def version(self) -> str:
        return self._version


def _target(name: str, limit: float, value: Any, median: Any, detail: str = "") -> Dict[str, Any]:
    return make_target(name, "universal", limit, value, median, detail)


def wasm_targets(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    geo = doc["geomean"].get("universal")
    targets = [_target("geomean, universal (wasm32)", GEOMEAN_LIMIT,
                       None if geo is None else geo["ratio_min"], None if geo is None else geo["ratio_median"])]
    cells = {b: row["universal"] for b, row in doc["results"].items()
             if "universal" in row and "ratio_min" in row["universal"]}
    if cells:
        worst = max(cells, key=lambda b: cells[b]["ratio_min"])
        over = sorted(b for b, c in cells.items() if c["ratio_min"] > EVERY_LIMIT)
        detail = f"worst: {worst}" + (f"; above: {', '.join(over)}" if over else "")
        targets.append(_target("every benchmark, universal (wasm32)", EVERY_LIMIT, cells[worst]["ratio_min"],
                               cells[worst]["ratio_median"], detail))
    return targets


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(out_path: str, reps: int, quick: bool, target_ms: float, cc_version: str, cflags: List[str],
         pattern: str = "") -> int:
    benches = select_benches(pattern or None)
    modes = []
    for spec in MODES:
        mode = Mode(spec)
        mode.module = importlib.import_module(MODULES[spec.name])
        mode.available = True
        modes.append(mode)
    problems = check_values(modes, benches)
    for p in problems:
        log("MISMATCH " + p)
    clock = CLOCKS["perf_counter"]
    target_ns = target_ms * 1e6
    overhead = loop_overhead_ns(target_ns, clock)
    ops, samples = time_all(modes, benches, reps, quick, target_ns, clock, log)
    settings = {
        "reps": reps, "quick": quick, "target_ms": target_ms, "loop_overhead_ns": round(overhead, 4),
        "filter": pattern, "timer": "time.perf_counter_ns", "gc": "enabled; gc.collect() before each timing",
        "statistic": "ratio_min", "host": "Pyodide (wasm32), HPy WebAssembly host, universal mode",
    }
    doc = build_results(modes, benches, ops, samples, settings, WasmToolchain(cc_version, cflags), problems, {})
    doc["targets"] = wasm_targets(doc)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 1 if problems else 0
