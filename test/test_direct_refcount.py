"""Inline reference counts of a binary with the inline fast paths
(hpy/universal/hpy_universal.h, _HPyInitDirectRefcount_<name> in load.c):
in universal mode HPy_Dup, HPy_Close and HPy_Type change the count in the
extension by the host's model of the running interpreter, without calling
the context; the counts must come out exactly as CPython's own
Py_IncRef/Py_DecRef leave them (immortal objects included), an object must be
freed by the Close that drops its last reference, and in debug mode every
call still goes to the context (which reports leaks and double closes).

As in test_direct_inline.py, the probes swap the context's functions for
counting ones that forward to the originals."""
import gc
import struct
import sys
import weakref

import pytest

from direct_snippets import (context_module, counting, extend, universal, universal_only, with_switch_off,
                             without_handshake)
from support import WASM

SRC = counting(
    ("Dup", "HPy", ("HPy",)),
    ("Close", "void", ("HPy",)),
    ("Type", "HPy", ("HPy",)),
) + """
    /* ops(obj, op, n): n times HPy_Dup (op 0) or HPy_Type (op 2) of obj,
     * the new handles kept, or HPy_Close (op 1) of the n last kept;
     * returns how many calls entered the context */
    static HPy stash[1000];
    static long stashed;
    HPyDef_METH(ops, "ops", HPyFunc_VARARGS)
    static HPy ops_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long op = HPyLong_AsLong(ctx, args[1]), n = HPyLong_AsLong(ctx, args[2]), i;
        HPy obj = args[0];
        if (op == 1 ? n > stashed : stashed + n > 1000) {
            HPyErr_SetString(ctx, ctx->h_ValueError, "stash");
            return HPy_NULL;
        }
        count_begin(ctx);
        for (i = 0; i < n; i++) {
            if (op == 0)
                stash[stashed++] = HPy_Dup(ctx, obj);
            else if (op == 1)
                HPy_Close(ctx, stash[--stashed]);
            else
                stash[stashed++] = HPy_Type(ctx, obj);
        }
        count_end(ctx);
        return HPyLong_FromLong(ctx, calls);
    }

    /* balanced(obj): Dup, Type and Close of both, as an extension uses
     * them; returns (type(obj), calls into the context) */
    HPyDef_METH(balanced, "balanced", HPyFunc_O)
    static HPy balanced_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        HPy h, t, r;
        count_begin(ctx);
        h = HPy_Dup(ctx, obj);
        t = HPy_Type(ctx, h);
        HPy_Close(ctx, h);
        count_end(ctx);
        r = HPy_BuildValue(ctx, "Oi", t, calls);
        HPy_Close(ctx, t);
        return r;
    }

    /* null_ops(): Dup and Close of HPy_NULL (no-ops), then HPy_Type of it
     * (SystemError), all through the context */
    HPyDef_METH(null_ops, "null_ops", HPyFunc_NOARGS)
    static HPy null_ops_impl(HPyContext *ctx, HPy self)
    {
        HPy d, t;
        count_begin(ctx);
        d = HPy_Dup(ctx, HPy_NULL);
        HPy_Close(ctx, HPy_NULL);
        t = HPy_Type(ctx, HPy_NULL);
        count_end(ctx);
        if (!HPy_IsNull(d) || !HPy_IsNull(t))
            return HPyLong_FromLong(ctx, -1);
        HPyErr_Clear(ctx);
        return HPyLong_FromLong(ctx, calls);
    }

    /* keep(obj) stores a new handle to obj; drop() closes it (in universal
     * mode a handle is the reference, so it may outlive the call) */
    static HPy kept;
    HPyDef_METH(keep, "keep", HPyFunc_O)
    static HPy keep_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        kept = HPy_Dup(ctx, obj);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(drop, "drop", HPyFunc_NOARGS)
    static HPy drop_impl(HPyContext *ctx, HPy self)
    {
        count_begin(ctx);
        HPy_Close(ctx, kept);
        count_end(ctx);
        kept = HPy_NULL;
        return HPyLong_FromLong(ctx, calls);
    }

    @EXPORT(ops)
    @EXPORT(balanced)
    @EXPORT(null_ops)
    @EXPORT(keep)
    @EXPORT(drop)
    @INIT
"""

DUP, CLOSE, TYPE = 0, 1, 2
N = 1000


@pytest.fixture
def mod(hpy):
    return context_module(hpy, SRC)


def _inline(hpy):
    """Whether the binary counts itself: universal mode, and a host model
    (the native host has one for every CPython it supports, the WebAssembly
    host for CPython 3.13 and 3.14: Pyodide 0.29 and 314)."""
    if WASM and sys.version_info[:2] not in ((3, 13), (3, 14)):
        return False
    return universal(hpy)


def _cpython_delta(obj, n):
    """How much n of CPython's own Py_IncRef change sys.getrefcount(obj):
    0 for an immortal object, else n. (Pyodide has no ctypes.pythonapi:
    there, n references that CPython itself adds, by repeating a list.)"""
    if WASM:
        before = sys.getrefcount(obj)
        refs = [obj] * n
        delta = sys.getrefcount(obj) - before
        del refs
        return n if delta >= n // 2 else 0
    import ctypes

    incref, decref = ctypes.pythonapi.Py_IncRef, ctypes.pythonapi.Py_DecRef
    incref.argtypes = decref.argtypes = [ctypes.py_object]
    before = sys.getrefcount(obj)
    for _ in range(n):
        incref(obj)
    delta = sys.getrefcount(obj) - before
    for _ in range(n):
        decref(obj)
    return n if delta >= n // 2 else 0


def _assert_count(count, expected, exact):
    """A count from sys.getrefcount is `expected`: exactly for an object
    only the test refers to; a shared mortal one (a type, None before 3.12)
    may gain or lose a few references elsewhere meanwhile, far fewer than N."""
    if exact:
        assert count == expected
    else:
        assert abs(count - expected) < N // 10


class Fresh:
    pass


OBJECTS = [  # the first two only the test refers to
    pytest.param(lambda: Fresh(), id="fresh"),
    pytest.param(lambda: [1, 2], id="list"),
    pytest.param(lambda: None, id="None"),
    pytest.param(lambda: 7, id="small-int"),
    pytest.param(lambda: Fresh, id="heap-type"),
    pytest.param(lambda: int, id="static-type"),
]


@pytest.mark.parametrize("make", OBJECTS)
def test_dup_close_counts(hpy, mod, make):
    """n Dups add what n Py_IncRef add, n Closes take it away again; no
    call into the host in universal mode, every one in debug mode."""
    obj = make()
    expected = _cpython_delta(obj, N)
    before = sys.getrefcount(obj)
    calls = 0 if _inline(hpy) else N
    assert mod.ops(obj, DUP, N) == calls
    exact = isinstance(obj, (Fresh, list))
    _assert_count(sys.getrefcount(obj), before + expected, exact)
    assert mod.ops(None, CLOSE, N) == calls
    _assert_count(sys.getrefcount(obj), before, exact)


@pytest.mark.parametrize("make", OBJECTS)
def test_type_counts(hpy, mod, make):
    """HPy_Type gives a new reference to the type, counted as Py_INCREF
    counts it (heap types are mortal, static ones immortal from 3.12)."""
    obj = make()
    tp = type(obj)
    expected = _cpython_delta(tp, N)
    before = sys.getrefcount(tp)
    calls = 0 if _inline(hpy) else N
    assert mod.ops(obj, TYPE, N) == calls
    exact = tp is Fresh
    _assert_count(sys.getrefcount(tp), before + expected, exact)
    assert mod.ops(None, CLOSE, N) == calls
    _assert_count(sys.getrefcount(tp), before, exact)


def test_balanced(hpy, mod):
    obj = Fresh()
    before = sys.getrefcount(obj), sys.getrefcount(Fresh)
    assert mod.balanced(obj) == (Fresh, 0 if _inline(hpy) else 3)
    assert mod.balanced(None) == (type(None), 0 if _inline(hpy) else 3)
    assert (sys.getrefcount(obj), sys.getrefcount(Fresh)) == before


def test_null(hpy, mod):
    """HPy_NULL takes the context call: what the host does with it."""
    assert mod.null_ops() == 3


def test_last_close_frees(hpy, mod):
    """The Close that drops the last reference frees the object: its
    __del__ and the weakref callback run, inside the call (in debug mode
    too: a handle stays open until closed)."""
    events = []

    class D:
        def __del__(self):
            events.append("del")

    d = D()
    w = weakref.ref(d, lambda _: events.append("weakref"))
    mod.keep(d)
    del d
    gc.collect()
    assert events == [] and w() is not None
    assert mod.drop() == (0 if _inline(hpy) else 1)
    assert events == ["del", "weakref"]
    assert w() is None


def test_model_offered(hpy, mod):
    """Natively the host has a model for every interpreter it supports
    (checked by its start-up probe); the fields are what the build's
    Py_INCREF/Py_DECREF do."""
    if not _inline(hpy):
        pytest.skip("universal mode, native host only")
    if hasattr(sys, "gettotalrefcount") or getattr(sys, "_is_gil_enabled", lambda: True)() is False:
        pytest.skip("debug and free-threaded builds get no model")
    m = hpy.make_module(extend("@INIT", MODEL, "model"), name="mytest_rc_model")
    flags, inc_stop, dec_stop, has_zero = m.model()
    assert has_zero == 1
    if WASM:
        # 32-bit: the count is the whole word; 3.13 immortal at exactly
        # _Py_IMMORTAL_REFCNT (EQ), 3.14 from _Py_IMMORTAL_MINIMUM_REFCNT
        # on while not negative (INT32)
        if sys.version_info < (3, 14):
            assert (flags, inc_stop, dec_stop) == (1 | 2 | 4 | 8, 0x3FFFFFFF, 0x3FFFFFFF)
        else:
            assert (flags, inc_stop, dec_stop) == (1 | 2 | 4 | 16, 0x40000000, 0x40000000)
    elif sys.version_info < (3, 12):
        assert flags == 0
    elif sys.version_info < (3, 14):
        assert (flags, inc_stop, dec_stop) == (1 | 4, 0xFFFFFFFF, 0x80000000)
    else:
        assert (flags, inc_stop, dec_stop) == (1 | 2 | 4, 0x80000000, 0x80000000)


KIND = """
    static void kind_zero(void *op) { (void)op; }

    /* kind(): the kind of the model this binary took; kind(at, low_at,
     * flags, has_zero): the kind a binary gives such a model */
    HPyDef_METH(kind, "kind", HPyFunc_VARARGS)
    static HPy kind_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        uint32_t k;
        if (nargs == 0)
            return HPyLong_FromLong(ctx, (long)_hpy_direct_trampolines.refcnt_kind);
        k = _HPy_DirectRefcntKind(HPyLong_AsSsize_t(ctx, args[0]), HPyLong_AsSsize_t(ctx, args[1]),
                                  (uint32_t)HPyLong_AsUnsignedLong(ctx, args[2]),
                                  HPyLong_AsLong(ctx, args[3]) ? kind_zero : NULL);
        return HPyLong_FromLong(ctx, (long)k);
    }
"""


def test_model_kind(hpy):
    """A 64-bit binary runs the model of the running interpreter with
    constants (its kind: 1 up to 3.11, 2 for 3.12 and 3.13, 3 for 3.14);
    any other model, one without a zero function, and every model of a
    32-bit binary keep kind 0 (read from the fields, which
    test_binary_of_older_headers runs natively)."""
    if not _inline(hpy):
        pytest.skip("universal mode with a host model only")
    if hasattr(sys, "gettotalrefcount") or getattr(sys, "_is_gil_enabled", lambda: True)() is False:
        pytest.skip("debug and free-threaded builds get no model")
    m = hpy.make_module(extend("@INIT", KIND, "kind"), name="mytest_rc_kind")
    bits32 = WASM or struct.calcsize("P") == 4
    if bits32:
        expected = 0
    elif sys.version_info < (3, 12):
        expected = 1
    elif sys.version_info < (3, 14):
        expected = 2
    else:
        expected = 3
    assert m.kind() == expected
    word, split, low = (0, 0, 0) if bits32 else (1, 2, 3)
    assert m.kind(0, 0, 0, 1) == word
    assert m.kind(0, 0, 1 | 4, 1) == split
    assert m.kind(0, 0, 1 | 2 | 4, 1) == low
    assert m.kind(0, 0, 0, 0) == 0
    assert m.kind(8, 8, 0, 1) == 0
    assert m.kind(0, 4, 1 | 4, 1) == 0
    assert m.kind(0, 0, 4, 1) == 0
    assert m.kind(0, 0, 1, 1) == 0


MODEL = """
    HPyDef_METH(model, "model", HPyFunc_NOARGS)
    static HPy model_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        return HPy_BuildValue(ctx, "IIIi", (unsigned int)d->refcnt_flags,
                              (unsigned int)d->incref_stop, (unsigned int)d->decref_stop,
                              d->refcnt_zero != NULL);
    }
"""


def test_switched_off_by_the_host(hpy):
    universal_only(hpy)
    m = with_switch_off(hpy, "refcount", extend(SRC, MODEL, "model"), "mytest_rc_off")
    assert m.model()[3] == 0
    obj = Fresh()
    assert m.ops(obj, DUP, 5) == 5
    assert m.ops(None, CLOSE, 5) == 5


def test_binary_without_the_handshake(hpy):
    """Built as HPy's own headers build it: every call goes to the host."""
    universal_only(hpy)
    m = without_handshake(hpy, SRC, "mytest_rc_none")
    obj = Fresh()
    assert m.ops(obj, DUP, 5) == 5
    assert m.ops(obj, TYPE, 5) == 5
    assert m.ops(None, CLOSE, 10) == 10


EDGES = """
    #include <string.h>
    /* CPython's own functions, which the model must agree with (a side
     * module resolves them against Pyodide's exports, a native extension
     * against the interpreter's) */
    extern void Py_IncRef(void *);
    extern void Py_DecRef(void *);

    static HPy_ssize_t word(HPy h)
    {
        HPy_ssize_t w;
        memcpy(&w, (void *)h._i, sizeof w);
        return w;
    }
    static void set_word(HPy h, HPy_ssize_t w) { memcpy((void *)h._i, &w, sizeof w); }

    /* edges(obj, words): from each count word, whether HPy_Dup leaves it
     * as Py_IncRef does and HPy_Close as Py_DecRef does (not from 1 or 0:
     * that would free obj); returns (the words where they disagree, calls
     * into the context). obj's own count is restored. */
    HPyDef_METH(edges, "edges", HPyFunc_VARARGS)
    static HPy edges_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy obj = args[0], words = args[1], bad = HPyList_New(ctx, 0), r;
        HPy_ssize_t i, n = HPy_Length(ctx, words), saved = word(obj);
        long total = 0;
        for (i = 0; i < n; i++) {
            HPy item = HPy_GetItem_i(ctx, words, i);
            HPy_ssize_t w = HPyLong_AsSsize_t(ctx, item), theirs, ours;
            int agree = 1;
            set_word(obj, w);
            Py_IncRef((void *)obj._i);
            theirs = word(obj);
            set_word(obj, w);
            count_begin(ctx);
            (void)HPy_Dup(ctx, obj);
            count_end(ctx);
            total += calls;
            ours = word(obj);
            agree &= theirs == ours;
            if (w > 1 || w < 0) {
                set_word(obj, w);
                Py_DecRef((void *)obj._i);
                theirs = word(obj);
                set_word(obj, w);
                count_begin(ctx);
                HPy_Close(ctx, obj);
                count_end(ctx);
                total += calls;
                ours = word(obj);
                agree &= theirs == ours;
            }
            set_word(obj, saved);
            if (!agree)
                HPyList_Append(ctx, bad, item);
            HPy_Close(ctx, item);
        }
        r = HPy_BuildValue(ctx, "Ol", bad, total);
        HPy_Close(ctx, bad);
        return r;
    }
"""

# The edges of every rule (3.11: none; 3.12, 3.13: the low 32 bits at
# 0xFFFFFFFF, negative as an int32, or exactly 0x3FFFFFFF in 32-bit builds;
# 3.14: 1 << 31, or 1 << 30 in 32-bit builds, where a negative count is
# mortal again), as the word holds them (32-bit: the low bits, signed).
EDGE_COUNTS = [2, 3, 1000, 0x3FFFFFFE, 0x3FFFFFFF, 0x40000000, 0x40000001, 0x7FFFFFFE,
               0x7FFFFFFF, 0x80000000, 0x80000001, 0xBFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF,
               0x100000000, 0x100000001, 0x17FFFFFFF]


def _as_word(count):
    bits = 8 * struct.calcsize("P")
    w = count & ((1 << bits) - 1)
    return w - (1 << bits) if w >> (bits - 1) else w


def test_edges_agree_with_cpython(hpy):
    """From every count at the edges of the rules, the binary's inline
    HPy_Dup and HPy_Close change a fresh object's count exactly as
    CPython's Py_IncRef and Py_DecRef in the same process, without a call
    into the host: in the WebAssembly host too (both Pyodides)."""
    if hpy.abi != "universal":
        pytest.skip("universal mode: the handle is the object")
    if not _inline(hpy):
        pytest.skip("no model for this interpreter")
    m = hpy.make_module(extend(SRC, EDGES, "edges"), name="mytest_rc_edges")
    obj = Fresh()
    before = sys.getrefcount(obj)
    words = sorted({_as_word(c) for c in EDGE_COUNTS})
    assert m.edges(obj, words) == ([], 0)
    assert sys.getrefcount(obj) == before


REFUSE = """
    _HPy_EXPORT int _HPyInitDirectRefcount_mytest_rc_refuse(HPy_ssize_t, HPy_ssize_t, uint32_t,
                                                            uint32_t, uint32_t, void (*)(void *));
    static void no_zero(void *op) { (void)op; }

    /* offer_unknown(): offers this binary a model with a flag no header
     * knows; returns what its setter answered */
    HPyDef_METH(offer_unknown, "offer_unknown", HPyFunc_NOARGS)
    static HPy offer_unknown_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, _HPyInitDirectRefcount_mytest_rc_refuse(
                                         0, 0, _HPY_RC_IMMORTAL | (1u << 20), 1, 1, no_zero));
    }
"""


def test_unknown_flags_refused(hpy):
    """A binary refuses a model with flags it does not follow and keeps
    the one it has (a 64-bit binary does not follow the 32-bit rules)."""
    universal_only(hpy)
    m = hpy.make_module(extend(SRC, MODEL + REFUSE, "model", "offer_unknown"), name="mytest_rc_refuse")
    before = m.model()
    assert m.offer_unknown() == 0
    assert m.model() == before
    assert m.ops(Fresh(), DUP, 5) == (0 if _inline(hpy) else 5)
    assert m.ops(None, CLOSE, 5) == (0 if _inline(hpy) else 5)


OLD_HEADERS = """
    /* the handshake as the headers before the 32-bit rules answer it: the
     * refcount setter takes any flags and returns 1 */
    _HPy_EXPORT uint64_t _HPyInitDirectTrampolines_mytest_rc_old(uint64_t wanted,
                                                                 HPy_ssize_t size_at,
                                                                 HPy_ssize_t items_at)
    {
        _hpy_direct_trampolines.tuple_size_at = size_at;
        _hpy_direct_trampolines.tuple_items_at = items_at;
        _hpy_direct_trampolines.signatures = wanted & _HPY_DIRECT_TRAMPOLINE_SIGNATURES;
        return _hpy_direct_trampolines.signatures;
    }
    _HPy_EXPORT int _HPyInitDirectInline_mytest_rc_old(HPy_ssize_t ob_type_at,
                                                       HPy_ssize_t tp_mro_at,
                                                       HPy_ssize_t tp_alloc_at,
                                                       _HPyDirectMarker alloc_marker,
                                                       HPy_ssize_t struct_at)
    {
        _hpy_direct_trampolines.ob_type_at = ob_type_at;
        _hpy_direct_trampolines.tp_mro_at = tp_mro_at;
        _hpy_direct_trampolines.tp_alloc_at = tp_alloc_at;
        _hpy_direct_trampolines.alloc_marker = alloc_marker;
        _hpy_direct_trampolines.struct_at = struct_at;
        return 1;
    }
    _HPy_EXPORT int _HPyInitDirectRefcount_mytest_rc_old(HPy_ssize_t refcnt_at,
                                                         HPy_ssize_t refcnt_low_at,
                                                         uint32_t flags, uint32_t incref_stop,
                                                         uint32_t decref_stop,
                                                         void (*refcnt_zero)(void *))
    {
        _hpy_direct_trampolines.refcnt_at = refcnt_at;
        _hpy_direct_trampolines.refcnt_low_at = refcnt_low_at;
        _hpy_direct_trampolines.refcnt_flags = flags;
        _hpy_direct_trampolines.incref_stop = incref_stop;
        _hpy_direct_trampolines.decref_stop = decref_stop;
        _hpy_direct_trampolines.refcnt_zero = refcnt_zero;
        return 1;
    }
"""


def test_binary_of_older_headers(hpy):
    """A binary whose setter ignores flags it does not know (the headers
    before the 32-bit rules) keeps a model of the first three flags (the
    native host's) but gets none with the 32-bit rules (the WebAssembly
    host's): every Dup and Close goes to the host there."""
    if hpy.abi != "universal":
        pytest.skip("universal mode only")
    m = without_handshake(hpy, extend(SRC, MODEL + OLD_HEADERS, "model"), "mytest_rc_old")
    flags, _, _, has_zero = m.model()
    old_rules = not WASM
    assert has_zero == (1 if old_rules else 0)
    if not old_rules:
        assert flags == 0
    obj = Fresh()
    before = sys.getrefcount(obj)
    calls = 0 if old_rules else 5
    assert m.ops(obj, DUP, 5) == calls
    assert sys.getrefcount(obj) == before + 5
    assert m.ops(None, CLOSE, 5) == calls
    assert sys.getrefcount(obj) == before
