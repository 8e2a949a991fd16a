"""Detection of HPy handles left open, on top of ``hpy.universal._debug``.

Only extensions loaded in debug mode (``HPY=debug`` or
``hpy.universal.load(..., debug=True)``) create debug handles.
"""

from __future__ import annotations

from typing import Optional, Sequence


class HPyDebugError(Exception):
    """An error found by the HPy debug mode."""


class UnfinishedBuilder:
    """An ``HPyListBuilder``/``HPyTupleBuilder`` that was neither built nor
    cancelled (its items and memory are never released)."""

    def __init__(self, kind: str, address: int, size: int) -> None:
        self.kind = kind
        self.address = address
        self.size = size

    def __repr__(self) -> str:
        return (f"<{self.kind} 0x{self.address:x} of size {self.size}: "
                f"neither built nor cancelled>")


class HPyLeakError(HPyDebugError):
    """Handles that were opened while a ``LeakDetector`` ran were not closed,
    or builders created meanwhile were neither built nor cancelled."""

    def __init__(self, leaks: Sequence[object]) -> None:
        super().__init__(leaks)
        self.leaks = leaks

    def __str__(self) -> str:
        handles = [leak for leak in self.leaks if not isinstance(leak, UnfinishedBuilder)]
        builders = [leak for leak in self.leaks if isinstance(leak, UnfinishedBuilder)]
        lines = []
        if handles or not builders:
            count = len(handles)
            lines.append(f"{count} unclosed handle{'' if count == 1 else 's'}:")
            for handle in handles:
                lines.append(f"    {handle!r}")
                lines.extend(f"    {line}" for line in _creation_stack(handle))
        if builders:
            count = len(builders)
            lines.append(f"{count} unfinished builder{'' if count == 1 else 's'}:")
            lines.extend(f"    {builder!r}" for builder in builders)
        return "\n".join(lines)


def _creation_stack(handle: object) -> Sequence[str]:
    """The lines of the C stack where the handle was created, if recorded
    (see hpy.debug.set_handle_stack_trace_limit)."""
    description = getattr(handle, "description", None)
    if not isinstance(description, str):
        return []
    marker = "Allocation stacktrace:"
    at = description.find(marker)
    if at < 0:
        return []
    return [line.rstrip() for line in description[at:].splitlines()]


class LeakDetector:
    """Reports debug handles opened after ``start()`` and still open at
    ``stop()``, and builders created meanwhile and neither built nor
    cancelled.

    Use ``start()``/``stop()`` or the detector as a context manager::

        with LeakDetector():
            call_the_extension()
    """

    def __init__(self) -> None:
        self.generation: Optional[int] = None

    def start(self) -> None:
        if self.generation is not None:
            raise ValueError("LeakDetector.start: the detector is already running")
        from hpy.universal import _debug

        self.generation = _debug.new_generation()

    def stop(self) -> None:
        """Stop the detector; raise ``HPyLeakError`` if handles or builders
        were leaked."""
        if self.generation is None:
            raise ValueError("LeakDetector.stop: the detector was not started")
        from hpy.universal import _debug

        leaks = list(_debug.get_open_handles(self.generation))
        leaks.extend(UnfinishedBuilder(*b) for b in _debug.get_open_builders(self.generation))
        self.generation = None
        if leaks:
            raise HPyLeakError(leaks)
        # WebAssembly has no memory protection: the poisoned copies of
        # closed raw data are checked instead (HPyDebugError if written to).
        check_raw_data = getattr(_debug, "check_raw_data", None)
        if check_raw_data is not None:
            check_raw_data()

    def __enter__(self) -> "LeakDetector":
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.stop()
