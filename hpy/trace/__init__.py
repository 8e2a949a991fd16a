"""Python side of the HPy trace mode (extensions loaded with ``HPY=trace``).

``get_call_counts()`` and ``get_durations()`` map context member names such as
``"ctx_Add"`` to call counts and to total durations in nanoseconds;
``set_trace_functions(on_enter=None, on_exit=None)`` installs callbacks that get
the member name (a callback not given stays as it was, ``None`` removes it);
``get_frequency()`` is the resolution of the clock used.
"""

from hpy.universal import _trace

get_call_counts = _trace.get_call_counts
get_durations = _trace.get_durations
set_trace_functions = _trace.set_trace_functions
get_frequency = _trace.get_frequency

__all__ = ["get_call_counts", "get_durations", "set_trace_functions", "get_frequency"]
