#!/usr/bin/env python3
"""Microbenchmarks of HPy against the plain CPython C API.

Builds bench/cpyext_bench.c (C API) and bench/hpy_bench.c (HPy, in the
cpython and the universal ABI; the universal binary is also loaded in debug
and trace modes), checks that every benchmark gives the C API's value in
every mode, times them all in this one process, interleaved and repeated,
and writes <output>/latest.json; bench/report/bench-report.ts turns it into
latest.md and latest.svg. The parts live in bench/harness/ (see its
__init__.py); bench/README.md describes the method.

    python bench/run.py                 # the full run (make bench)
    python bench/run.py --quick         # a smoke run: tiny N, one repetition
    python bench/run.py --filter 'call_|slot_' --modes universal --reps 20
    python bench/run.py --loop call_noargs universal 2000000   # for perf/callgrind
    python bench/run.py --list          # the benchmarks and modes, as JSON

Instructions per operation of one benchmark in one mode (the loop runs inside
sys.call_tracing, called nowhere else):

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing \\
        python bench/run.py --loop slot_len universal 100000

(bench/report/instructions.ts does that for every benchmark and mode.)
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import Any, Dict, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# The harness next to this script, and the tree's own hpy package, also
# without an installed one.
for _p in (str(REPO), str(BENCH_DIR)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from harness.benches import BENCH_BY_NAME, BENCHES, select_benches  # noqa: E402
from harness.build import Builder, Toolchain  # noqa: E402
from harness.ctx_calls import count_ctx_calls  # noqa: E402
from harness.modes import MODES, REFERENCE, check_values, mode_names, prepare_modes  # noqa: E402
from harness.results import build_results, rounded, write_results  # noqa: E402
from harness.timing import CLOCKS, QUICK_OPS, loop_overhead_ns, make_job, time_all  # noqa: E402

DEFAULT_OUTPUT = BENCH_DIR / "results"
DEFAULT_BUILD = REPO / "build" / "bench"
DEFAULT_REPS = 20
DEFAULT_TARGET_MS = 5.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help=f"{QUICK_OPS} operations per timing, 1 repetition")
    p.add_argument("--reps", type=int, default=None, help=f"repetitions (default {DEFAULT_REPS}; 1 with --quick)")
    p.add_argument("--filter", default=None, help="regular expression on benchmark names: " +
                   ", ".join(b.name for b in BENCHES))
    p.add_argument("--modes", default=None,
                   help="comma-separated HPy modes to run (capi is always run): " +
                   ",".join(m.name for m in MODES[1:]))
    p.add_argument("--target-ms", type=float, default=DEFAULT_TARGET_MS, help="duration of one timing")
    p.add_argument("--clock", choices=sorted(CLOCKS), default="perf_counter",
                   help="perf_counter (wall time, the default) or thread_time (CPU time of this thread: "
                   "time spent descheduled does not count, for busy shared machines)")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="directory for latest.{json,md,svg}")
    p.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD)
    p.add_argument("--loop", nargs=3, metavar=("BENCH", "MODE", "OPS"),
                   help="only run BENCH in MODE for OPS operations (for perf/callgrind); no reports")
    p.add_argument("--list", action="store_true",
                   help='print the benchmarks and the modes as JSON: {"benchmarks": [name...], '
                   '"modes": [{"name", "label"}...], "reference": name}')
    return p.parse_args(list(argv))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_loop(args: argparse.Namespace) -> int:
    bench_name, mode_name, ops_s = args.loop
    if bench_name not in BENCH_BY_NAME:
        raise SystemExit(f"unknown benchmark {bench_name!r}")
    bench = BENCH_BY_NAME[bench_name]
    modes = prepare_modes(mode_names(mode_name), Builder(args.build_dir, Toolchain.from_sysconfig()), log)
    problems = check_values(modes, [bench])
    mode = next(m for m in modes if m.spec.name == mode_name)
    if problems or not mode.available:
        log(f"{bench.name} cannot run in {mode_name}: {mode.note or '; '.join(problems)}")
        return 1
    job = make_job(bench, mode)
    job.run(1000)  # warm up: the interpreter specialises the loop's instructions
    gc.collect()
    ops = int(ops_s)
    # The only call of sys.call_tracing in the process, so that a profiler can
    # restrict itself to the loop:
    #   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing ...
    elapsed = sys.call_tracing(job.timer, (ops, CLOCKS[args.clock], *job.env.values()))
    log(f"{bench.name} [{mode_name}]: {elapsed / ops:.1f} ns/op")
    return 0


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.list:
        print(json.dumps({"benchmarks": [b.name for b in BENCHES],
                          "modes": [{"name": m.name, "label": m.label} for m in MODES],
                          "reference": REFERENCE}))
        return 0
    if args.loop:
        return run_loop(args)
    benches = select_benches(args.filter)
    if not benches:
        raise SystemExit(f"no benchmark matches {args.filter!r}")
    reps = args.reps if args.reps is not None else (1 if args.quick else DEFAULT_REPS)
    tc = Toolchain.from_sysconfig()
    modes = prepare_modes(mode_names(args.modes), Builder(args.build_dir, tc), log)
    problems = check_values(modes, benches)
    for p in problems:
        log("MISMATCH " + p)
    target_ns = args.target_ms * 1e6
    clock = CLOCKS[args.clock]
    overhead = loop_overhead_ns(target_ns, clock)
    ops, samples = time_all(modes, benches, reps, args.quick, target_ns, clock, log)
    settings: Dict[str, Any] = {
        "reps": reps, "quick": bool(args.quick), "target_ms": args.target_ms,
        "loop_overhead_ns": rounded(overhead), "filter": args.filter or "",
        "timer": f"time.{args.clock}_ns", "gc": "enabled; gc.collect() before each timing",
        "statistic": "ratio_min",
    }
    ctx_calls = count_ctx_calls(modes, benches)
    doc = build_results(modes, benches, ops, samples, settings, tc, problems, ctx_calls)
    print(write_results(doc, args.output))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
