"""The trace mode: call counts and durations of every context function
(hpy.universal._trace, re-exported by hpy.trace), and the on-enter/on-exit
trace functions."""
import sys
import time

import pytest

from debug_support import Loaded, make_builder, run_debug_subprocess, snippet

SOURCE = snippet("""
    /* f(a, b) = (a + b) + b: two HPy_Add, one HPy_Close */
    HPyDef_METH(f, "f", HPyFunc_VARARGS)
    static HPy f_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy a = HPy_Add(ctx, args[0], args[1]);
        if (HPy_IsNull(a))
            return HPy_NULL;
        HPy b = HPy_Add(ctx, a, args[1]);
        HPy_Close(ctx, a);
        return b;
    }

    HPyDef_METH(call, "call", HPyFunc_O)
    static HPy call_impl(HPyContext *ctx, HPy self, HPy callable)
    {
        return HPy_CallTupleDict(ctx, callable, HPy_NULL, HPy_NULL);
    }

    HPyDef_METH(fail, "fail", HPyFunc_NOARGS)
    static HPy fail_impl(HPyContext *ctx, HPy self)
    {
        HPyErr_SetString(ctx, ctx->h_ValueError, "failed on purpose");
        if (!HPyErr_Occurred(ctx))
            return HPy_Dup(ctx, ctx->h_None);
        return HPy_NULL;
    }

    HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
    static HPy ctx_name_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, ctx->name);
    }

    HPyDef_METH(nogil, "nogil", HPyFunc_NOARGS)
    static HPy nogil_impl(HPyContext *ctx, HPy self)
    {
        HPyThreadState s = HPy_LeavePythonExecution(ctx);
        HPy_ReenterPythonExecution(ctx, s);
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(f)
    @EXPORT(call)
    @EXPORT(fail)
    @EXPORT(ctx_name)
    @EXPORT(nogil)
    @INIT
""")


@pytest.fixture(scope="module")
def mod(tmp_path_factory, _runtime_cache):
    return Loaded(make_builder("trace", tmp_path_factory, _runtime_cache), "tracemod", SOURCE)


def real_hpy_trace():
    """hpy.trace, re-imported if another test left a module built on a fake
    hpy.universal._trace in sys.modules."""
    import importlib

    import hpy.trace
    from hpy.universal import _trace

    if hpy.trace.get_call_counts is not _trace.get_call_counts:
        hpy.trace = importlib.reload(hpy.trace)
    return hpy.trace


@pytest.fixture
def trace():
    trace = real_hpy_trace()
    yield trace
    trace.set_trace_functions(on_enter=None, on_exit=None)


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_reexports():
    from hpy.universal import _trace

    trace = real_hpy_trace()
    for name in ("get_call_counts", "get_durations", "set_trace_functions", "get_frequency"):
        assert getattr(trace, name) is getattr(_trace, name)


def test_context_name(mod):
    assert mod.ctx_name() == "HPy Trace Mode ABI"


def test_exact_call_counts(mod, trace):
    before = trace.get_call_counts()
    assert "ctx_Add" in before and "ctx_Close" in before
    assert all(isinstance(v, int) for v in before.values())
    assert mod.f(1, 2) == 5
    # the calls into the extension are not counted, as upstream
    assert delta(before, trace.get_call_counts()) == {
        "ctx_Add": 2,
        "ctx_Close": 1,
    }
    before = trace.get_call_counts()
    for i in range(10):
        mod.f(i, i)
    assert delta(before, trace.get_call_counts()) == {
        "ctx_Add": 20,
        "ctx_Close": 10,
    }


def test_durations(mod, trace):
    before = trace.get_durations()
    assert set(before) == set(trace.get_call_counts())
    assert mod.call(lambda: time.sleep(0.02)) is None
    d = delta(before, trace.get_durations())
    # nanoseconds, measured around the call into the universal context
    assert d["ctx_CallTupleDict"] >= 20_000_000
    assert "ctx_CallRealFunctionFromTrampoline" not in d
    assert all(v >= 0 for v in trace.get_durations().values())


def test_frequency(trace):
    freq = trace.get_frequency()
    assert isinstance(freq, int) and freq > 0


def test_trace_functions(mod, trace):
    entered, exited = [], []
    trace.set_trace_functions(on_enter=entered.append, on_exit=exited.append)
    mod.f(1, 2)
    trace.set_trace_functions(on_enter=None, on_exit=None)
    assert entered == ["ctx_Add", "ctx_Add", "ctx_Close"]
    assert exited == ["ctx_Add", "ctx_Add", "ctx_Close"]
    mod.f(1, 2)
    assert len(entered) == 3    # removed


def test_trace_functions_one_side(mod, trace):
    entered, exited = [], []
    trace.set_trace_functions(on_enter=entered.append)
    # on_enter stays as it was when only on_exit is given, and vice versa
    trace.set_trace_functions(on_exit=exited.append)
    mod.f(1, 2)
    assert entered == exited == ["ctx_Add", "ctx_Add", "ctx_Close"]
    trace.set_trace_functions(on_enter=None)
    mod.f(1, 2)
    assert len(entered) == 3 and len(exited) == 6
    trace.set_trace_functions()     # no argument: nothing changes
    mod.f(1, 2)
    assert len(entered) == 3 and len(exited) == 9
    trace.set_trace_functions(entered.append, None)
    mod.f(1, 2)
    assert len(entered) == 6 and len(exited) == 9


def test_trace_functions_must_be_callable(mod, trace):
    exited = []
    trace.set_trace_functions(on_exit=exited.append)
    with pytest.raises(TypeError, match=r"^Expected a callable object or None \(.*on_enter.*'int'"):
        trace.set_trace_functions(on_enter=42)
    with pytest.raises(TypeError, match="^Expected a callable object or None"):
        trace.set_trace_functions(None, "nope")
    # a long type name is cut at a character boundary (100 bytes at most)
    name = "x" + "\u00e9" * 150
    with pytest.raises(TypeError) as e:
        trace.set_trace_functions(on_enter=type(name, (), {})())
    assert str(e.value) == ("Expected a callable object or None (set_trace_functions: on_enter "
                            "is '" + name[:50] + "')")
    # a refused call changes nothing
    mod.f(1, 2)
    assert exited == ["ctx_Add", "ctx_Add", "ctx_Close"]


def test_trace_functions_keep_the_pending_exception(mod, trace):
    names = []
    trace.set_trace_functions(on_enter=names.append, on_exit=names.append)
    with pytest.raises(ValueError, match="failed on purpose"):
        mod.fail()
    trace.set_trace_functions(on_enter=None, on_exit=None)
    assert "ctx_Err_Occurred" in names


def test_failing_trace_function_is_unraisable(mod, trace):
    seen = []

    def bad(name):
        raise RuntimeError("in a trace function")

    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        trace.set_trace_functions(on_enter=bad)
        assert mod.f(1, 2) == 5
    finally:
        trace.set_trace_functions(on_enter=None, on_exit=None)
        sys.unraisablehook = old_hook
    assert len(seen) == 3 and all(isinstance(e, RuntimeError) for e in seen)


def test_no_trace_function_without_the_gil(mod, trace):
    names = []
    trace.set_trace_functions(on_enter=names.append, on_exit=names.append)
    mod.nogil()
    trace.set_trace_functions(on_enter=None, on_exit=None)
    # HPy_ReenterPythonExecution starts without the GIL and HPy_LeavePythonExecution
    # ends without it: those callbacks are skipped, the counts are not
    assert names.count("ctx_LeavePythonExecution") == 1
    assert names.count("ctx_ReenterPythonExecution") == 1


@pytest.mark.parametrize("clock", ["default", "monotonic"])
def test_durations_with_either_clock(mod, clock):
    """With the TSC (where the kernel keeps time with it) or with
    HPY_TRACE_CLOCK=monotonic, durations are nanoseconds."""
    env = {"HPY_TRACE_CLOCK": "monotonic"} if clock == "monotonic" else {}
    proc = run_debug_subprocess(mod, """
        import time
        from hpy.universal import _trace
        before = _trace.get_durations()
        t0 = time.perf_counter_ns()
        mod.call(lambda: time.sleep(0.05))
        elapsed = time.perf_counter_ns() - t0
        d = _trace.get_durations()["ctx_CallTupleDict"] - before["ctx_CallTupleDict"]
        assert 50_000_000 <= d <= elapsed, (d, elapsed)
        print("FREQUENCY", _trace.get_frequency())
        """, env=env, mode="trace")
    assert proc.returncode == 0, proc.stderr
    freq = int(proc.stdout.split("FREQUENCY")[1].split()[0])
    assert freq > 0
    if clock == "monotonic":
        assert freq == 1_000_000_000
