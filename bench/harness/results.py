"""The results document: min and median per benchmark and mode, the ratios
to the C API, their geometric means and the issue's targets, written as
<output>/latest.json.

The document's format is declared once, by parseReport() in
bench/report/bench-report.ts, which reads it back to write latest.md and
latest.svg (so every run checks the JSON against it). Ratios are to the C
API: ratio_min = min / C API min, ratio_median = median / C API median. The
targets and the chart use ratio_min: the minimum is the sample least
disturbed by other processes (timeit's rationale); the medians are reported
alongside.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .benches import Bench
from .build import REPO, Toolchain, first_lines
from .modes import REFERENCE, Mode
from .timing import Samples

SCHEMA_VERSION = 3  # 3: no variant per mode (the HPy extension always has its types)
REPORT_TOOL = REPO / "bench" / "report" / "bench-report.ts"

Json = Dict[str, Any]


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def rounded(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cell(s: Sequence[float], ref: Optional[Sequence[float]], value: str) -> Json:
    cell: Json = {"min_ns": rounded(min(s)), "median_ns": rounded(statistics.median(s)), "samples": len(s),
                  "value": value}
    if ref:
        cell["ratio_min"] = rounded(min(s) / min(ref))
        cell["ratio_median"] = rounded(statistics.median(s) / statistics.median(ref))
        cell["delta_min_ns"] = rounded(min(s) - min(ref))  # free of the loop overhead
    return cell


def _geomeans(modes: Sequence[Mode], results: Dict[str, Dict[str, Json]]) -> Dict[str, Json]:
    geo: Dict[str, Json] = {}
    for mode in modes:
        cells = [row[mode.spec.name] for row in results.values() if mode.spec.name in row]
        mins = [c["ratio_min"] for c in cells if "ratio_min" in c]
        meds = [c["ratio_median"] for c in cells if "ratio_median" in c]
        if mins:
            geo[mode.spec.name] = {"ratio_min": rounded(geomean(mins)), "ratio_median": rounded(geomean(meds)),
                                   "count": len(mins)}
    return geo


def build_results(
    modes: Sequence[Mode], benches: Sequence[Bench], ops: Dict[str, int], samples: Samples,
    settings: Json, tc: Toolchain, problems: List[str], ctx_calls: Dict[str, Dict[str, float]],
) -> Json:
    results: Dict[str, Dict[str, Json]] = {}
    for b in benches:
        ref = samples.get((b.name, REFERENCE))
        row: Dict[str, Json] = {}
        for mode in modes:
            s = samples.get((b.name, mode.spec.name))
            if s:
                row[mode.spec.name] = _cell(s, ref, mode.values.get(b.name, ""))
        results[b.name] = row
    doc: Json = {
        "schema": SCHEMA_VERSION,
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": " ".join(platform.python_build()),
            "compiler": platform.python_compiler(),
        },
        "machine": {
            "platform": platform.platform(),
            "arch": platform.machine(),
            "cpu": _cpu_model(),
            "cpus": os.cpu_count() or 0,
            "cc": tc.version(),
            "cflags": " ".join(tc.cflags),
        },
        "settings": settings,
        "reference": REFERENCE,
        "modes": [{"name": m.spec.name, "label": m.spec.label, "available": m.available, "note": m.note}
                  for m in modes],
        "benchmarks": [{"name": b.name, "group": b.group, "description": b.description, "stmt": b.stmt,
                        "ops": ops.get(b.name, 0),
                        "ctx_calls": rounded(sum(ctx_calls[b.name].values())) if b.name in ctx_calls else None,
                        "ctx_calls_by_member": {k: rounded(v) for k, v in ctx_calls.get(b.name, {}).items()}}
                       for b in benches],
        "results": results,
        "geomean": _geomeans(modes, results),
        "skipped": [{"benchmark": b.name, "mode": m.spec.name, "reason": m.skipped[b.name]}
                    for m in modes for b in benches if m.available and b.name in m.skipped],
        "targets": [],
        "mismatches": problems,
    }
    doc["targets"] = evaluate_targets(doc)
    return doc


# The benchmarks that allocate, which the cpython ABI must run at C-API speed.
ALLOCATING = ("alloc_instance", "alloc_gc_instance", "slot_add_new", "alloc_tuple", "alloc_int_tuple")


def make_target(name: str, mode: str, limit: float, value: Optional[float], value_median: Optional[float],
            detail: str = "") -> Json:
    status = "n/a" if value is None else ("pass" if value <= limit else "fail")
    return {"name": name, "mode": mode, "limit": limit, "value": value, "value_median": value_median,
            "status": status, "detail": detail}


def evaluate_targets(doc: Json) -> List[Json]:
    """The issue's targets (on ratio_min; ratio_median alongside)."""
    results, geo = doc["results"], doc["geomean"]

    def cell(bench: str, mode: str) -> Optional[Json]:
        c = results.get(bench, {}).get(mode)
        return c if c is not None and "ratio_min" in c else None

    def geo_target(name: str, mode: str, limit: float) -> Json:
        g = geo.get(mode)
        if g is None:
            return make_target(name, mode, limit, None, None)
        return make_target(name, mode, limit, g["ratio_min"], g["ratio_median"])

    targets = [geo_target("geomean, cpython ABI", "cpython", 1.00)]
    for bench in ALLOCATING:
        c = cell(bench, "cpython")
        if bench in results:
            targets.append(make_target(f"{bench}, cpython ABI", "cpython", 1.00, None if c is None else c["ratio_min"],
                                   None if c is None else c["ratio_median"]))
    targets.append(geo_target("geomean, universal", "universal", 1.05))
    uni = {b: c for b in results if (c := cell(b, "universal")) is not None}
    if uni:
        worst = max(uni, key=lambda b: uni[b]["ratio_min"])
        over = sorted(b for b, c in uni.items() if c["ratio_min"] > 1.10)
        detail = f"worst: {worst}" + (f"; above: {', '.join(over)}" if over else "")
        targets.append(make_target("every benchmark, universal", "universal", 1.10, uni[worst]["ratio_min"],
                               uni[worst]["ratio_median"], detail))
    else:
        targets.append(make_target("every benchmark, universal", "universal", 1.10, None, None))
    targets.append(geo_target("geomean, debug", "debug", 2.00))
    info = _debug_without_raw_data(doc)
    if info is not None:
        targets.append(info)
    return targets


# Members that hand out a char* into an object: in debug mode, closing their
# handle costs a system call (the copy's page is protected, see
# docs/debug-and-trace.md).
RAW_DATA_MEMBERS = frozenset({"ctx_Unicode_AsUTF8AndSize", "ctx_Bytes_AsString", "ctx_Bytes_AS_STRING"})


def _debug_without_raw_data(doc: Json) -> Optional[Json]:
    """For information (status "info"): the debug geomean over the
    benchmarks that do not hand out raw data, known from trace mode's counts."""
    raw = sorted(b["name"] for b in doc["benchmarks"] if RAW_DATA_MEMBERS & set(b["ctx_calls_by_member"]))
    counted = any(b["ctx_calls"] is not None for b in doc["benchmarks"])
    cells = [c for name, row in doc["results"].items() if name not in raw
             for c in [row.get("debug")] if c is not None and "ratio_min" in c]
    if not counted or not raw or not cells:
        return None
    t = make_target("geomean, debug, without the benchmarks that hand out raw data", "debug", 2.00,
                rounded(geomean([c["ratio_min"] for c in cells])), rounded(geomean([c["ratio_median"] for c in cells])),
                f"for information; left out: {', '.join(raw)}")
    t["status"] = "info"
    return t


def write_results(doc: Json, outdir: Path) -> str:
    """Writes latest.json, then latest.md and latest.svg with the report
    writer (node is required); returns the Markdown."""
    outdir.mkdir(parents=True, exist_ok=True)
    json_path = outdir / "latest.json"
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    try:
        proc = subprocess.run(["node", "--import", "tsx", str(REPORT_TOOL), str(json_path), "--quiet"],
                              cwd=str(REPO), capture_output=True, text=True, check=False)
    except OSError as e:
        raise SystemExit(f"the report writer needs node (make setup): {e}") from e
    if proc.returncode != 0:
        raise SystemExit(f"{REPORT_TOOL.relative_to(REPO)} failed ({proc.returncode}):\n"
                         f"{first_lines(proc.stderr + proc.stdout)}")
    return (outdir / "latest.md").read_text()
