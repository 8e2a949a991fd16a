"""Context calls per operation: how many calls into the context the HPy
extension makes per operation of a benchmark, counted by trace mode. Without
the host's inline fast paths each is an indirect call into hpy.universal;
in universal mode with them, the common cases of many make no call at all."""
from __future__ import annotations

import importlib
from typing import Dict, Sequence

from .benches import Bench
from .modes import Mode
from .timing import make_job

CTX_COUNT_OPS = 1000
# The extension's trampolines call this member; the universal ABI's host entry
# points do not, so it is not one of the calls an operation costs there.
TRAMPOLINE_MEMBER = "ctx_CallRealFunctionFromTrampoline"


def count_ctx_calls(modes: Sequence[Mode], benches: Sequence[Bench]) -> Dict[str, Dict[str, float]]:
    """Per benchmark, the context calls per operation by member (empty if
    trace mode is not among the loaded modes)."""
    trace = next((m for m in modes if m.spec.name == "trace" and m.available), None)
    if trace is None:
        return {}
    counts = importlib.import_module("hpy.trace").get_call_counts
    out: Dict[str, Dict[str, float]] = {}
    for b in benches:
        if b.name not in trace.values:
            continue
        job = make_job(b, trace)
        job.run(100)  # the first calls may create what later ones reuse
        before = dict(counts())
        job.run(CTX_COUNT_OPS)
        after = counts()
        out[b.name] = {name: (n - before.get(name, 0)) / CTX_COUNT_OPS
                       for name, n in sorted(after.items())
                       if n != before.get(name, 0) and name != TRAMPOLINE_MEMBER}
    return out
