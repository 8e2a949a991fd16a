"""The debug mode's handle tracking and its Python interface:
hpy.universal._debug (generations, open and closed handles, DebugHandle
objects, the settings), hpy.debug (LeakDetector, HPyLeakError, stack-trace
limits) and the hpy_debug pytest fixture; and how extensions get loaded in
debug mode."""
import gc
import subprocess
import sys
import textwrap

import pytest

from debug_support import Loaded, make_builder, run_debug_subprocess, snippet
from support import REPO, sanitizer_env

SOURCE = snippet("""
    HPyDef_METH(leak, "leak", HPyFunc_O)
    static HPy leak_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Dup(ctx, arg);   /* never closed */
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(no_leak, "no_leak", HPyFunc_O)
    static HPy no_leak_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy a = HPy_Dup(ctx, arg);
        HPy b = HPy_Repr(ctx, a);
        HPy_Close(ctx, a);
        return b;
    }

    HPyDef_METH(close_twice_later, "dup_and_close", HPyFunc_O)
    static HPy close_twice_later_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* Keeps the handle and raw data of HPyBytes_AsString open until
     * release_raw() */
    static HPy raw_holder;
    static const char *raw_ptr;
    HPyDef_METH(hold_raw, "hold_raw", HPyFunc_O)
    static HPy hold_raw_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        raw_holder = HPy_Dup(ctx, arg);
        raw_ptr = HPyBytes_AsString(ctx, raw_holder);
        if (raw_ptr == NULL)
            return HPy_NULL;
        return HPyBytes_FromString(ctx, raw_ptr);
    }

    HPyDef_METH(read_raw, "read_raw", HPyFunc_NOARGS)
    static HPy read_raw_impl(HPyContext *ctx, HPy self)
    {
        return HPyBytes_FromString(ctx, raw_ptr);
    }

    HPyDef_METH(write_raw, "write_raw", HPyFunc_NOARGS)
    static HPy write_raw_impl(HPyContext *ctx, HPy self)
    {
        ((volatile char *)raw_ptr)[0] = 'X';
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(release_raw, "release_raw", HPyFunc_NOARGS)
    static HPy release_raw_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, raw_holder);
        return HPy_Dup(ctx, ctx->h_None);
    }

    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>

    /* raw_burst(list of str): the UTF-8 of all of them held at once, then
     * closed; 1 if each was right */
    HPyDef_METH(raw_burst, "raw_burst", HPyFunc_O)
    static HPy raw_burst_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPy_Length(ctx, arg), i;
        HPy *hs = (HPy *)malloc((size_t)n * sizeof(HPy));
        const char **ps = (const char **)malloc((size_t)n * sizeof(char *));
        long ok = 1;
        char buf[32];
        for (i = 0; i < n; i++) {
            hs[i] = HPy_GetItem_i(ctx, arg, i);
            ps[i] = HPyUnicode_AsUTF8AndSize(ctx, hs[i], NULL);
        }
        for (i = 0; i < n; i++) {
            snprintf(buf, sizeof(buf), "%ld", (long)i);
            ok = ok && strcmp(ps[i], buf) == 0 && (i == 0 || ps[i] != ps[i - 1]);
            HPy_Close(ctx, hs[i]);
        }
        free(hs);
        free(ps);
        return HPyLong_FromLong(ctx, ok);
    }

    /* keep_raw_in_call(bytes): the data of a handle opened and closed in
     * this call, kept in raw_ptr (for read_raw); its first 3 bytes as read
     * after the close */
    HPyDef_METH(keep_raw_in_call, "keep_raw_in_call", HPyFunc_O)
    static HPy keep_raw_in_call_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        raw_ptr = HPyBytes_AsString(ctx, h);
        HPy_Close(ctx, h);
        return HPyBytes_FromStringAndSize(ctx, raw_ptr, 3);
    }

    HPyDef_METH(utf8, "utf8", HPyFunc_O)
    static HPy utf8_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t size;
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (s == NULL)
            return HPy_NULL;
        return HPyBytes_FromStringAndSize(ctx, s, size);
    }

    HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
    static HPy ctx_name_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, ctx->name);
    }

    HPyDef_METH(same_ctx, "same_ctx", HPyFunc_O)
    static HPy same_ctx_impl(HPyContext *ctx, HPy self, HPy callback)
    {
        /* a nested call gets a context of its own */
        HPyContext *before = ctx;
        HPy r = HPy_CallTupleDict(ctx, callback, HPy_NULL, HPy_NULL);
        if (HPy_IsNull(r))
            return HPy_NULL;
        HPy_Close(ctx, r);
        return HPyBool_FromBool(ctx, before == ctx);
    }

    /* across_chunks(n): n handles held at once (more than a chunk of
     * records for n > 4096), used in an order that jumps between chunks
     * (the fast paths only know the chunk of the last lookup), then closed
     * in that order; the sum of their values if each was right, else -1 */
    HPyDef_METH(across_chunks, "across_chunks", HPyFunc_O)
    static HPy across_chunks_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        int64_t n = HPyLong_AsInt64_t(ctx, arg), i, total = 0;
        HPy *hs = (HPy *)malloc((size_t)n * sizeof(HPy));
        for (i = 0; i < n; i++)
            hs[i] = HPyLong_FromInt64_t(ctx, i);
        for (i = 0; i < n; i++) {
            /* first, last, second, last but one... */
            int64_t k = i % 2 == 0 ? i / 2 : n - 1 - i / 2;
            HPy d = HPy_Dup(ctx, hs[k]);
            if (HPyLong_AsInt64_t(ctx, d) != k || !HPy_TypeCheck(ctx, d, ctx->h_LongType))
                total = -1;
            else if (total >= 0)
                total += k;
            HPy_Close(ctx, d);
            HPy_Close(ctx, hs[k]);
        }
        free(hs);
        return HPyLong_FromInt64_t(ctx, total);
    }

    @EXPORT(across_chunks)
    @EXPORT(leak)
    @EXPORT(no_leak)
    @EXPORT(close_twice_later)
    @EXPORT(hold_raw)
    @EXPORT(read_raw)
    @EXPORT(write_raw)
    @EXPORT(release_raw)
    @EXPORT(raw_burst)
    @EXPORT(keep_raw_in_call)
    @EXPORT(utf8)
    @EXPORT(ctx_name)
    @EXPORT(same_ctx)
    @INIT
""")


@pytest.fixture(scope="module")
def mod(tmp_path_factory, _runtime_cache):
    return Loaded(make_builder("debug", tmp_path_factory, _runtime_cache), "dbgmod", SOURCE)


@pytest.fixture
def _debug():
    from hpy.universal import _debug

    return _debug


def test_import_paths():
    import hpy.universal
    import hpy.universal._debug
    import hpy.universal._trace

    assert hpy.universal._debug is sys.modules["hpy.universal._debug"]
    assert hpy.universal._trace is sys.modules["hpy.universal._trace"]
    assert hpy.universal.MODE_DEBUG == 1


def test_context_name(mod):
    assert "Debug" in mod.ctx_name()


def test_generations_and_open_handles(mod, _debug):
    gen1 = _debug.new_generation()
    mod.leak("a")
    gen2 = _debug.new_generation()
    assert gen2 > gen1
    mod.leak("b")
    mod.no_leak("c")
    in1 = _debug.get_open_handles(gen1)
    in2 = _debug.get_open_handles(gen2)
    assert [h.obj for h in in1] == ["a", "b"]
    assert [h.obj for h in in2] == ["b"]
    for h in in1:
        assert not h.is_closed
        assert h.raw_data_size == -1
        h._force_close()
        assert h.is_closed
        assert h.obj is None
    assert _debug.get_open_handles(gen1) == []


def test_debug_handle_objects(mod, _debug):
    gen = _debug.new_generation()
    mod.leak("hello")
    [h] = _debug.get_open_handles(gen)
    [same] = _debug.get_open_handles(gen)
    assert h == same and not (h != same) and hash(h) == hash(same)
    assert h.obj == "hello"
    assert isinstance(h.id, int) and h.id != 0
    assert repr(h) == f"<DebugHandle 0x{h.id:x} for 'hello'>"
    assert "created by HPy_Dup" in h.description
    h._force_close()
    h._force_close()   # closing twice from Python is harmless
    assert repr(h) == f"<DebugHandle 0x{h.id:x} CLOSED>"
    assert h in _debug.get_closed_handles(gen)
    assert h == same and same.is_closed


def test_closed_handles(mod, _debug):
    gen = _debug.new_generation()
    mod.no_leak("x")        # HPy_Dup + HPy_Repr, the argument, the result
    closed = _debug.get_closed_handles(gen)
    assert len(closed) == 4
    assert all(h.is_closed for h in closed)
    assert len(_debug.get_closed_handles()) >= 4
    with pytest.raises(TypeError, match="^get_closed_handles expects no arguments or exactly one "
                                        "argument"):
        _debug.get_closed_handles(1, 2)


def test_closed_handles_queue_max_size(mod, _debug):
    old = _debug.get_closed_handles_queue_max_size()
    try:
        _debug.set_closed_handles_queue_max_size(3)
        assert _debug.get_closed_handles_queue_max_size() == 3
        gen = _debug.new_generation()
        for i in range(10):
            mod.dup_and_close(i)
        assert len(_debug.get_closed_handles()) == 3
        assert len(_debug.get_closed_handles(gen)) == 3
        with pytest.raises(ValueError):
            _debug.set_closed_handles_queue_max_size(-1)
    finally:
        _debug.set_closed_handles_queue_max_size(old)


def test_recycled_handles_stay_closed(mod, _debug):
    old = _debug.get_closed_handles_queue_max_size()
    try:
        gen = _debug.new_generation()
        mod.leak("old")
        [h] = _debug.get_open_handles(gen)
        _debug.set_closed_handles_queue_max_size(0)
        h._force_close()
        for i in range(5):
            mod.leak(i)          # may reuse the record of h
        assert h.is_closed and h.obj is None
        assert h not in _debug.get_open_handles(gen)
        for other in _debug.get_open_handles(gen):
            other._force_close()
    finally:
        _debug.set_closed_handles_queue_max_size(old)


def test_protected_raw_data(mod, _debug):
    gen = _debug.new_generation()
    assert mod.hold_raw(b"some bytes") == b"some bytes"
    [h] = _debug.get_open_handles(gen)
    assert h.raw_data_size == len(b"some bytes") + 1     # NUL included
    assert mod.read_raw() == b"some bytes"               # readable while open
    mod.release_raw()
    assert h.is_closed
    assert mod.utf8("h\xe9llo") == "h\xe9llo".encode()


def test_protected_raw_data_max_size(mod, _debug):
    old = _debug.get_protected_raw_data_max_size()
    try:
        _debug.set_protected_raw_data_max_size(1000)
        assert _debug.get_protected_raw_data_max_size() == 1000
        # once closed, the raw data of these handles is released (beyond the limit)
        for _ in range(10):
            assert mod.utf8("x" * 5000) == b"x" * 5000
        with pytest.raises(ValueError):
            _debug.set_protected_raw_data_max_size(-1)
    finally:
        _debug.set_protected_raw_data_max_size(old)


def test_protected_raw_data_max_size_counts_bytes(mod, _debug):
    """The limit is in bytes of data (NUL included), not in pages."""
    old = _debug.get_protected_raw_data_max_size()
    try:
        _debug.set_protected_raw_data_max_size(100)
        assert _debug.get_protected_raw_data_max_size() == 100
        gen = _debug.new_generation()
        held = []
        for i in range(4):
            assert mod.hold_raw(b"%d" % i * 29) == b"%d" % i * 29     # 30 bytes with the NUL
            [h] = _debug.get_open_handles(gen)
            mod.release_raw()
            held.append(h)
            gen = _debug.new_generation()
        assert all(h.is_closed for h in held)
        # 3 * 30 bytes fit in 100 (3 pages would not): the 4th pushes out the oldest
        assert [h.raw_data_size for h in held] == [-1, 30, 30, 30]
    finally:
        _debug.set_protected_raw_data_max_size(old)


def test_raw_data_use_after_close_aborts(mod):
    proc = run_debug_subprocess(mod, "mod.hold_raw(b'abc'); mod.release_raw(); mod.read_raw()")
    assert proc.returncode < 0 and "the handle is closed" in proc.stderr, proc.stderr
    # with no room for closed raw data, the copy is simply freed
    proc = run_debug_subprocess(mod, """
        from hpy.universal import _debug
        _debug.set_protected_raw_data_max_size(0)
        mod.hold_raw(b'abc'); mod.release_raw()
        """)
    assert proc.returncode == 0, proc.stderr


def test_closed_handles_queue_grows_and_keeps_its_order(mod, _debug):
    old = _debug.get_closed_handles_queue_max_size()
    try:
        _debug.set_closed_handles_queue_max_size(5000)   # beyond the initial ring
        gen = _debug.new_generation()
        values = [f"v{i}" for i in range(1200)]
        for v in values:
            mod.no_leak(v)
        closed = _debug.get_closed_handles(gen)
        assert len(closed) == 4 * len(values)
        assert all(h.is_closed for h in closed)
        assert closed[0].generation == gen
        _debug.set_closed_handles_queue_max_size(10)   # the oldest go first
        assert _debug.get_closed_handles(gen) == closed[-10:]
    finally:
        _debug.set_closed_handles_queue_max_size(old)


def test_closed_handle_keeps_the_name_of_its_heap_type(mod, _debug):
    class SomeHeapType:
        def __repr__(self):
            return "x"

    gen = _debug.new_generation()
    mod.no_leak(SomeHeapType())
    closed = _debug.get_closed_handles(gen)
    # the argument, the HPy_Dup of it
    assert sum("SomeHeapType" in h.description for h in closed) == 2
    import weakref
    type_ref = weakref.ref(SomeHeapType)
    del SomeHeapType
    gc.collect()
    assert type_ref() is None        # the name was copied, the type is gone
    assert sum("was an object of type 'SomeHeapType'" in h.description for h in closed) == 2


def test_closed_handle_keeps_the_name_its_heap_type_had(mod, _debug):
    # the name is copied once per type and shared by the closed handles:
    # a new __name__ (twice: the second string may take the address of the
    # first) and the death of the type must not change what they report
    class Renamed:
        def __repr__(self):
            return "x"

    gen = _debug.new_generation()
    mod.no_leak(Renamed())
    Renamed.__qualname__ = Renamed.__name__ = "FirstName"
    mod.no_leak(Renamed())
    Renamed.__name__ = "SecondName"
    Renamed.__name__ = "ThirdName"
    mod.no_leak(Renamed())
    names = ["Renamed", "FirstName", "ThirdName"]

    def described(closed):
        return [n for h in closed for n in names + ["SecondName"]
                if f"was an object of type '{n}'" in h.description]

    closed = _debug.get_closed_handles(gen)
    assert described(closed) == [n for n in names for _ in range(2)]
    import weakref
    type_ref = weakref.ref(Renamed)
    del Renamed
    gc.collect()
    assert type_ref() is None        # the debug mode does not keep it alive
    assert described(closed) == [n for n in names for _ in range(2)]


def test_closed_handles_of_many_heap_types(mod, _debug):
    # more types than the table has buckets, half of them dying
    types = [type(f"ManyType{i}", (), {"__repr__": lambda self: "x"}) for i in range(300)]
    old = _debug.get_closed_handles_queue_max_size()
    try:
        _debug.set_closed_handles_queue_max_size(5000)
        gen = _debug.new_generation()
        for t in types:
            mod.no_leak(t())
        for t in types:
            mod.no_leak(t())
        closed = _debug.get_closed_handles(gen)

        def described():
            return [h.description.split("type '")[1].split("'")[0]
                    for h in closed if "ManyType" in h.description]

        expected = [f"ManyType{i}" for _ in range(2) for i in range(300) for _ in range(2)]
        assert described() == expected
        del types[::2]
        gc.collect()
        assert described() == expected
    finally:
        _debug.set_closed_handles_queue_max_size(old)


def test_raw_data_pool_reuse(mod, _debug):
    """Raw data up to a page is copied to recycled pages of a pool: the data
    handed out is always the right one, also once pages come back."""
    for i in range(5000):
        s = f"{i}-" + "y" * (i % 300)
        assert mod.utf8(s) == s.encode()
    gen = _debug.new_generation()
    assert mod.hold_raw(b"after many") == b"after many"
    [h] = _debug.get_open_handles(gen)
    assert h.raw_data_size == len(b"after many") + 1
    assert mod.read_raw() == b"after many"
    mod.release_raw()
    big = "z" * 20000                              # more than a page: a mapping of its own
    assert mod.utf8(big) == big.encode()


def test_raw_data_burst(mod):
    """Many raw data at once: the pool grows, then gives the memory of what
    it does not need back to the system (the pages stay usable)."""
    strings = [str(i) for i in range(6000)]
    assert mod.raw_burst(strings) == 1
    assert mod.raw_burst(strings) == 1
    for i in range(3000):
        assert mod.utf8(f"after {i}") == f"after {i}".encode()


CHURN = """
for i in range(5000):
    assert mod.utf8(str(i)) == str(i).encode()
"""


@pytest.mark.parametrize("code,fragment", [
    ("mod.hold_raw(b'abc'); mod.release_raw(); mod.read_raw()", "the handle is closed"),
    ("mod.hold_raw(b'abc'); mod.write_raw()", "the data is read-only"),
    ("mod.hold_raw(b'x' * 10000); mod.release_raw(); mod.read_raw()", "the handle is closed"),
])
def test_raw_data_checks_after_pool_reuse(mod, code, fragment):
    proc = run_debug_subprocess(mod, CHURN + code)
    assert proc.returncode < 0 and fragment in proc.stderr, proc.stderr


def test_raw_data_batch_setting(mod, _debug):
    old = _debug.get_protected_raw_data_batch()
    assert old == 128
    try:
        _debug.set_protected_raw_data_batch(7)
        assert _debug.get_protected_raw_data_batch() == 7
        for bad, exc in [(0, ValueError), (-1, ValueError), ("x", TypeError)]:
            with pytest.raises(exc):
                _debug.set_protected_raw_data_batch(bad)
        assert _debug.get_protected_raw_data_batch() == 7
    finally:
        _debug.set_protected_raw_data_batch(old)


def test_raw_data_closed_in_its_call_reads_as_poison(mod, _debug):
    """The page of raw data whose handle is closed in the call that opened
    it joins a batch; until the batch is protected the stale data reads as
    0xDB bytes."""
    _debug.protect_closed_raw_data()
    assert mod.keep_raw_in_call(b"abc") == b"\xdb\xdb\xdb"
    assert mod.keep_raw_in_call(b"abc" * 200) == b"\xdb\xdb\xdb"
    # a handle kept across calls is protected at once (test_raw_data_checks_after_pool_reuse)


@pytest.mark.parametrize("data,then", [
    ("b'abc'", "_debug.protect_closed_raw_data()"),
    # the window of short data (a slot of a shared page): until the page is
    # full (it has 256 slots of 16 bytes)
    ("b'abc'", "for i in range(256): mod.utf8(str(i))"),
    # the window of longer data (a page each): the batch is protected after
    # `batch` such closes in all
    ("b'abc' * 200", "_debug.protect_closed_raw_data()"),
    ("b'abc' * 200", "for i in range(_debug.get_protected_raw_data_batch() - 1): mod.utf8('y' * 300)"),
])
def test_raw_data_closed_in_its_call_faults_once_protected(mod, data, then):
    proc = run_debug_subprocess(mod, CHURN + f"""
from hpy.universal import _debug
_debug.protect_closed_raw_data()
assert mod.keep_raw_in_call({data}) == b'\\xdb\\xdb\\xdb'
assert mod.read_raw() == b'\\xdb' * len({data})
{then}
mod.read_raw()
""")
    assert proc.returncode < 0 and "the handle is closed" in proc.stderr, proc.stderr


def test_raw_data_at_once_from_environment(mod):
    """HPY_DEBUG_RAW_DATA_BATCH=1: each page is protected as its handle is
    closed."""
    proc = run_debug_subprocess(mod, """
from hpy.universal import _debug
assert _debug.get_protected_raw_data_batch() == 1
mod.keep_raw_in_call(b'abc')
""", env={"HPY_DEBUG_RAW_DATA_BATCH": "1"})
    assert proc.returncode < 0 and "the handle is closed" in proc.stderr, proc.stderr


def test_raw_data_across_fork(mod):
    """Parent and child never share a page of raw data: the child copies the
    pages it inherited and starts a pool of its own."""
    if not hasattr(__import__("os"), "fork"):
        pytest.skip("no fork()")
    proc = run_debug_subprocess(mod, CHURN + """
import os, signal
assert mod.hold_raw(b'held by the parent') == b'held by the parent'
pid = os.fork()
if pid == 0:
    ok = mod.read_raw() == b'held by the parent'
    for i in range(3000):
        ok = ok and mod.utf8('child %d' % i) == ('child %d' % i).encode()
    ok = ok and mod.read_raw() == b'held by the parent'
    if not ok:
        os._exit(3)
    mod.release_raw()
    mod.read_raw()          # use after close: aborts the child
    os._exit(4)
for i in range(3000):
    assert mod.utf8('parent %d' % i) == ('parent %d' % i).encode()
_, status = os.waitpid(pid, 0)
assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT, status
assert mod.read_raw() == b'held by the parent'
mod.release_raw()
""")
    assert proc.returncode == 0, proc.stderr
    assert "the handle is closed" in proc.stderr, proc.stderr


def test_leak_detector(mod):
    from hpy.debug import HPyLeakError, LeakDetector

    with LeakDetector():
        mod.no_leak("fine")
    with pytest.raises(HPyLeakError) as info:
        with LeakDetector():
            mod.leak("leaked")
            mod.leak(42)
    msg = str(info.value)
    assert msg.startswith("2 unclosed handles:")
    assert "<DebugHandle 0x" in msg and "for 'leaked'>" in msg and "for 42>" in msg
    assert [h.obj for h in info.value.leaks] == ["leaked", 42]
    for h in info.value.leaks:
        h._force_close()
    with pytest.raises(HPyLeakError, match="^1 unclosed handle:"):
        with LeakDetector():
            mod.leak("one")
    detector = LeakDetector()
    with pytest.raises(ValueError):
        detector.stop()


def test_leak_report_with_stack_traces(mod, _debug):
    from hpy.debug import HPyLeakError, LeakDetector, disable_handle_stack_traces, set_handle_stack_trace_limit

    set_handle_stack_trace_limit(10)
    assert _debug.get_handle_stack_trace_limit() == 10
    try:
        with pytest.raises(HPyLeakError) as info:
            with LeakDetector():
                mod.leak("traced")
    finally:
        disable_handle_stack_traces()
    assert _debug.get_handle_stack_trace_limit() is None
    assert "Allocation stacktrace:" in info.value.leaks[0].description
    assert "Allocation stacktrace:" in str(info.value)
    if sys.platform == "emscripten":
        # the frames of the extension, from a JavaScript stack (no backtrace())
        stack = str(info.value).split("Allocation stacktrace:")[1]
        # (the module name is the one of the wasm binary's name section)
        frames = [line.strip() for line in stack.strip().splitlines()]
        assert frames[0].startswith("leak_impl ("), stack
        assert ".hpy0.wasm wasm-function[" in frames[0], stack
        assert 1 <= len(frames) <= 10
        # cut to the limit
        set_handle_stack_trace_limit(1)
        try:
            with pytest.raises(HPyLeakError) as info1:
                with LeakDetector():
                    mod.leak("traced once")
        finally:
            disable_handle_stack_traces()
        stack1 = str(info1.value).split("Allocation stacktrace:")[1].strip().splitlines()
        assert [line.strip() for line in stack1] == frames[:1]
        info1.value.leaks[0]._force_close()
    else:
        assert "dbgmod.hpy0.so" in str(info.value)
    info.value.leaks[0]._force_close()
    with pytest.raises(ValueError):
        _debug.set_handle_stack_trace_limit(-1)


def test_handles_across_chunks(mod, _debug):
    # more open handles than a chunk holds, used and closed in an order that
    # leaves the chunk of the last lookup at nearly every step
    gen = _debug.new_generation()
    n = 3 * 4096 + 7
    assert mod.across_chunks(n) == n * (n - 1) // 2
    assert _debug.get_open_handles(gen) == []


def test_each_call_has_its_own_context(mod):
    assert mod.same_ctx(lambda: mod.ctx_name()) is True
    gc.collect()


def test_callbacks_reject_non_callables(_debug):
    with pytest.raises(TypeError):
        _debug.set_on_invalid_builder_handle("nope")


PYTEST_PLUGIN_TEST = """
import importlib.util
import pytest
import hpy.universal

pytest_plugins = ["hpy.debug.pytest"]

def load():
    spec = importlib.util.spec_from_file_location(NAME, PATH)
    return hpy.universal.load(NAME, PATH, spec, debug=True)

mod = load()

def test_clean(hpy_debug):
    mod.no_leak("x")

def test_leaky(hpy_debug):
    mod.leak("leaked by the test")
"""


def test_pytest_fixture(mod, tmp_path):
    (tmp_path / "test_plugin.py").write_text(
        f"NAME = {mod.name!r}\nPATH = {str(mod.path)!r}\n" + PYTEST_PLUGIN_TEST)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plugin.py"],
        cwd=str(tmp_path), env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **sanitizer_env()},
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ERROR test_plugin.py::test_leaky" in proc.stdout
    assert "1 unclosed handle:" in proc.stdout and "leaked by the test" in proc.stdout
    assert "2 passed, 1 error" in proc.stdout   # test_leaky fails in its teardown


# ---- how modules get loaded in debug mode ----

STUB = textwrap.dedent("""\
    import importlib.util, os, sys
    import hpy.universal
    path = sys.argv[1]
    name = os.path.basename(path).split('.')[0]
    spec = importlib.util.spec_from_file_location(name, path)
    m = hpy.universal._load_bootstrap(name, name, None, path, None, spec, os.environ)
    print(m.ctx_name())
""")


@pytest.fixture(scope="module")
def two_modules(tmp_path_factory, _runtime_cache):
    body = snippet("""
        HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
        static HPy ctx_name_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, ctx->name);
        }
        @EXPORT(ctx_name)
        @INIT
    """)
    b = make_builder("universal", tmp_path_factory, _runtime_cache)
    from support import expand_markers

    return [b.compile(n, expand_markers(body, n)) for n in ("moda", "modb")]


def _load_with_env(path, hpy_env):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HPY")}
    env["PYTHONPATH"] = str(REPO)
    if hpy_env is not None:
        env["HPY"] = hpy_env
    proc = subprocess.run([sys.executable, "-c", STUB, str(path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_hpy_environment_variable(two_modules):
    moda, modb = two_modules
    assert "Universal ABI" in _load_with_env(moda, None)
    assert "Debug" in _load_with_env(moda, "debug")
    assert "Trace" in _load_with_env(moda, "trace")
    assert "Debug" in _load_with_env(moda, "moda:debug,modb:trace")
    assert "Trace" in _load_with_env(modb, "moda:debug,modb:trace")
    assert "Debug" not in _load_with_env(modb, "moda:debug,modb:universal")


LOAD = textwrap.dedent("""\
    import importlib.util, sys
    import hpy.universal as u
    path, kwargs = sys.argv[1], eval(sys.argv[2], vars(u))
    spec = importlib.util.spec_from_file_location('moda', path)
    print(u.load('moda', path, spec, **kwargs).ctx_name())
""")


@pytest.mark.parametrize("kwargs,expected", [
    ("{}", "Universal ABI"),
    ("{'debug': False}", "Universal ABI"),
    ("{'debug': True}", "Debug"),
    ("{'mode': MODE_DEBUG}", "Debug"),
    ("{'mode': MODE_TRACE}", "Trace"),
    ("{'debug': True, 'mode': MODE_TRACE}", "Trace"),
    ("{'mode': MODE_UNIVERSAL}", "Universal ABI"),
])
def test_load_arguments(two_modules, kwargs, expected):
    moda, _ = two_modules
    # one process per load: a binary holds a single context
    proc = subprocess.run([sys.executable, "-c", LOAD, str(moda), kwargs],
                          env={"PYTHONPATH": str(REPO), **sanitizer_env()}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    if expected == "Universal ABI":
        assert "Debug" not in proc.stdout and "Trace" not in proc.stdout


def test_hybrid_binary_in_debug_mode(tmp_path_factory, _runtime_cache):
    """A hybrid binary can be loaded in debug mode too; the legacy bridge
    goes through debug handles."""
    import importlib.util

    import hpy.universal
    from hpy.debug import LeakDetector
    from support import expand_markers

    body = snippet("""
        HPyDef_METH(roundtrip, "roundtrip", HPyFunc_O)
        static HPy roundtrip_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            PyObject *o = HPy_AsPyObject(ctx, arg);
            HPy h = HPy_FromPyObject(ctx, o);
            Py_DECREF(o);
            return h;
        }
        HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
        static HPy ctx_name_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, ctx->name);
        }
        @EXPORT(roundtrip)
        @EXPORT(ctx_name)
        @INIT
    """)
    b = make_builder("hybrid", tmp_path_factory, _runtime_cache)
    path = b.compile("hybmod", expand_markers(body, "hybmod"))
    spec = importlib.util.spec_from_file_location("hybmod", str(path))
    m = hpy.universal.load("hybmod", str(path), spec, debug=True)
    assert "Debug" in m.ctx_name()
    o = object()
    rc = sys.getrefcount(o)
    with LeakDetector():
        for _ in range(10):
            assert m.roundtrip(o) is o
    assert sys.getrefcount(o) == rc
