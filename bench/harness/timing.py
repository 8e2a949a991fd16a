"""Timing: one Python loop per benchmark and mode, calibrated on the C API,
repeated and interleaved across the modes:

    for rep in range(reps):
        for mode in modes (rotated by one each repetition):
            for bench in benches:
                time `ops` operations
"""
from __future__ import annotations

import gc
import itertools
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

from .benches import Bench, Namespace
from .modes import REFERENCE, Mode

Timer = Callable[..., int]
Clock = Callable[[], int]
CLOCKS: Dict[str, Clock] = {"perf_counter": time.perf_counter_ns}
if hasattr(time, "thread_time_ns"):  # not in Pyodide (bench/wasm)
    CLOCKS["thread_time"] = time.thread_time_ns
QUICK_OPS = 20


def make_timer(stmt: str, names: Sequence[str], label: str) -> Timer:
    """A function running `stmt` `_n` times with `names` as fast locals and
    returning the elapsed time in ns. Like timeit, the loop iterates over
    itertools.repeat, which allocates nothing per iteration."""
    params = "".join(f", {n}" for n in names)
    src = (
        f"def _timer(_n, _clock{params}):\n"
        f"    _it = _repeat(None, _n)\n"
        f"    _t0 = _clock()\n"
        f"    for _ in _it:\n"
        f"        {stmt}\n"
        f"    return _clock() - _t0\n"
    )
    ns: Dict[str, object] = {"_repeat": itertools.repeat}
    exec(compile(src, f"<bench {label}>", "exec"), ns)  # noqa: S102 - our own statements
    timer = ns["_timer"]
    assert callable(timer)
    return timer


@dataclass
class Job:
    bench: Bench
    mode: Mode
    timer: Timer
    env: Namespace

    def run(self, ops: int, clock: Clock = time.perf_counter_ns) -> float:
        """ns per operation of one timing of `ops` operations."""
        gc.collect()
        elapsed = self.timer(ops, clock, **self.env)
        return elapsed / ops


def make_job(bench: Bench, mode: Mode) -> Job:
    assert mode.module is not None
    env = bench.setup(mode.module)
    return Job(bench, mode, make_timer(bench.stmt, list(env), bench.name), env)


def calibrate(job: Job, target_ns: float, clock: Clock) -> int:
    """Operations per timing so that one timing takes about target_ns."""
    ops = 1
    while True:
        per_op = job.run(ops, clock)
        total = per_op * ops
        if total >= target_ns / 5 or ops >= 1 << 30:
            return max(1, int(target_ns / max(per_op, 1e-3)))
        ops *= 10 if total < target_ns / 100 else 4


def loop_overhead_ns(target_ns: float, clock: Clock) -> float:
    """ns per iteration of an empty timing loop (reported, not subtracted)."""
    timer = make_timer("pass", [], "empty loop")
    ops = max(1000, int(target_ns / 10))
    return min(timer(ops, clock) / ops for _ in range(5))


Samples = Dict[Tuple[str, str], List[float]]  # (bench, mode) -> ns per operation of each timing


def time_all(
    modes: Sequence[Mode], benches: Sequence[Bench], reps: int, quick: bool, target_ns: float,
    clock: Clock, log: Callable[[str], None],
) -> Tuple[Dict[str, int], Samples]:
    """Operations per timing of each benchmark, and the samples."""
    live = [m for m in modes if m.available]
    jobs: Dict[Tuple[str, str], Job] = {}
    for mode in live:
        for b in benches:
            if b.name in mode.values:
                jobs[(b.name, mode.spec.name)] = make_job(b, mode)
    ops: Dict[str, int] = {}
    for b in benches:
        ref_job = jobs.get((b.name, REFERENCE))
        if ref_job is not None:
            ops[b.name] = QUICK_OPS if quick else calibrate(ref_job, target_ns, clock)
    samples: Samples = {k: [] for k in jobs if k[0] in ops}
    for rep in range(reps):
        log(f"repetition {rep + 1}/{reps}")
        k = rep % len(live)
        for mode in live[k:] + live[:k]:
            for b in benches:
                job = jobs.get((b.name, mode.spec.name))
                if job is not None and b.name in ops:
                    samples[(b.name, mode.spec.name)].append(job.run(ops[b.name], clock))
    return ops, samples
