"""Python side of the HPy debug mode."""

from __future__ import annotations

from typing import Optional

from hpy.debug.leakdetector import HPyDebugError, HPyLeakError, LeakDetector

__all__ = [
    "HPyDebugError",
    "HPyLeakError",
    "LeakDetector",
    "set_handle_stack_trace_limit",
    "disable_handle_stack_traces",
]


def set_handle_stack_trace_limit(limit: Optional[int]) -> None:
    """Record at most ``limit`` stack frames where each debug handle is
    created (``None`` records none)."""
    from hpy.universal import _debug

    _debug.set_handle_stack_trace_limit(limit)


def disable_handle_stack_traces() -> None:
    """Stop recording where debug handles are created."""
    set_handle_stack_trace_limit(None)
