"""Python side of the HPy debug mode.

Extensions loaded in debug mode (``HPY=debug``, ``HPY=mod:debug``, or
``hpy.universal.load(..., debug=True)``) get a context that checks every use
of the HPy API. A violation (use of a closed handle, double close, closing an
argument or a context constant, a context used after its call, misuse of a
builder, a wrong argument type...) is reported with a message naming the API
function and the handle:

- by default, the message is printed on stderr and the process aborts;
- in *raise mode* (``set_raise_on_violation(True)``, the ``raise_on_violation()``
  context manager, or ``HPY_DEBUG_RAISE=1`` in the environment), the
  offending operation is skipped and ``HPyDebugError`` is raised when the HPy
  function returns to Python, so that a test suite can report it and go on.
  Faults on protected raw data (the ``char *`` of ``HPyBytes_AsString`` &
  co.) and violations outside any call from Python still abort.

Leaked handles, and builders neither built nor cancelled, are found with
``LeakDetector`` (or the ``hpy_debug`` pytest fixture of ``hpy.debug.pytest``).
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

from hpy.debug.leakdetector import HPyDebugError, HPyLeakError, LeakDetector

__all__ = [
    "HPyDebugError",
    "HPyLeakError",
    "LeakDetector",
    "set_handle_stack_trace_limit",
    "disable_handle_stack_traces",
    "set_raise_on_violation",
    "get_raise_on_violation",
    "raise_on_violation",
]


def set_handle_stack_trace_limit(limit: Optional[int]) -> None:
    """Record at most ``limit`` stack frames where each debug handle is
    created (``None`` records none)."""
    from hpy.universal import _debug

    _debug.set_handle_stack_trace_limit(limit)


def disable_handle_stack_traces() -> None:
    """Stop recording where debug handles are created."""
    set_handle_stack_trace_limit(None)


def set_raise_on_violation(enabled: bool = True) -> None:
    """Raise ``HPyDebugError`` for recoverable violations instead of
    aborting the process (the default; ``HPY_DEBUG_RAISE=1`` also enables it)."""
    from hpy.universal import _debug

    _debug.set_raise_on_violation(bool(enabled))


def get_raise_on_violation() -> bool:
    """Whether recoverable violations raise ``HPyDebugError``."""
    from hpy.universal import _debug

    return bool(_debug.get_raise_on_violation())


@contextlib.contextmanager
def raise_on_violation(enabled: bool = True) -> Iterator[None]:
    """Context manager: the raise mode is ``enabled`` inside the block."""
    old = get_raise_on_violation()
    set_raise_on_violation(enabled)
    try:
        yield
    finally:
        set_raise_on_violation(old)
