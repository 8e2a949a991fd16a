"""Allocation in the extension (hpy/universal/direct_alloc.h,
_HPyInitDirectAlloc_<name> in load.c): in universal mode HPy_New of a type
with the host's tp_alloc marker calls the host's allocator itself, and, with
the host's reference-count model, HPyTuple_FromArray, HPyField_Store and
HPyField_Load count references themselves; every other case (a Python
subclass, a legacy type, another builtin shape, a type with a call function,
something that is not a type, a NULL item) goes to the context, and in debug
mode every call does.

As in test_direct_inline.py, the probes swap the context's functions for
counting ones that forward to the originals."""
import gc
import sys
import weakref

import pytest

from direct_snippets import (TYPE_EXPORTS, TYPES, context_module, counting, extend, universal,
                             universal_only, with_switch_off, without_handshake)
from support import WASM

SRC = TYPES + counting(
    ("New", "HPy", ("HPy", "void **")),
    ("Tuple_FromArray", "HPy", ("const HPy *", "HPy_ssize_t")),
    ("Field_Store", "void", ("HPy", "HPyField *", "HPy")),
    ("Field_Load", "HPy", ("HPy", "HPyField")),
) + """
    /* (h, calls into the context), h closed; HPy_NULL (an error) as it is */
    static HPy with_calls(HPyContext *ctx, HPy h)
    {
        HPy r;
        if (HPy_IsNull(h))
            return HPy_NULL;
        r = HPy_BuildValue(ctx, "Oi", h, calls);
        HPy_Close(ctx, h);
        return r;
    }

    typedef struct { HPyField ref; } GcObject;
    HPyType_HELPERS(GcObject)

    /* a GC type whose field is set with HPyField_Store */
    HPyDef_SLOT(Gc_new, HPy_tp_new)
    static HPy Gc_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        GcObject *g;
        HPy h = HPy_New(ctx, cls, &g);
        if (!HPy_IsNull(h) && nargs > 0)
            HPyField_Store(ctx, h, &g->ref, args[0]);
        return h;
    }
    HPyDef_SLOT(Gc_traverse, HPy_tp_traverse)
    static int Gc_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((GcObject *)self)->ref);
        return 0;
    }
    /* g.store(v): HPyField_Store of v (None stores HPy_NULL); returns the
     * calls into the context */
    HPyDef_METH(Gc_store, "store", HPyFunc_O)
    static HPy Gc_store_impl(HPyContext *ctx, HPy self, HPy v)
    {
        GcObject *g = GcObject_AsStruct(ctx, self);
        count_begin(ctx);
        HPyField_Store(ctx, self, &g->ref, HPy_Is(ctx, v, ctx->h_None) ? HPy_NULL : v);
        count_end(ctx);
        return HPyLong_FromLong(ctx, calls);
    }
    /* g.load(): (the field or None if empty, calls into the context) */
    HPyDef_METH(Gc_load, "load", HPyFunc_NOARGS)
    static HPy Gc_load_impl(HPyContext *ctx, HPy self)
    {
        GcObject *g = GcObject_AsStruct(ctx, self);
        HPy v;
        count_begin(ctx);
        v = HPyField_Load(ctx, self, g->ref);
        count_end(ctx);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return with_calls(ctx, HPy_IsNull(v) ? HPy_Dup(ctx, ctx->h_None) : v);
    }
    static HPyDef *Gc_defines[] = { &Gc_new, &Gc_traverse, &Gc_store, &Gc_load, NULL };
    static HPyType_Spec Gc_spec = {
        .name = "mytest.Gc", .basicsize = sizeof(GcObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE,
        .defines = Gc_defines,
    };

    /* new(type): (an instance made by HPy_New, whose struct is checked
     * zeroed, or the exception; calls into the context) */
    HPyDef_METH(new_of, "new", HPyFunc_O)
    static HPy new_of_impl(HPyContext *ctx, HPy self, HPy type)
    {
        PointObject *p = NULL;
        HPy h;
        count_begin(ctx);
        h = HPy_New(ctx, type, &p);
        count_end(ctx);
        if (HPy_IsNull(h))
            return HPy_NULL;
        if (p == NULL || p->x != 0 || p->y != 0) {
            HPy_Close(ctx, h);
            HPyErr_SetString(ctx, ctx->h_AssertionError, "struct not zeroed");
            return HPy_NULL;
        }
        p->x = 5;
        return with_calls(ctx, h);
    }

    /* tuple(seq, null_at): (HPyTuple_FromArray of the items, HPy_NULL at
     * index null_at unless it is -1, or the exception; calls) */
    HPyDef_METH(tuple, "tuple", HPyFunc_VARARGS)
    static HPy tuple_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy items[8], t;
        HPy_ssize_t n = HPy_Length(ctx, args[0]), i;
        long null_at = HPyLong_AsLong(ctx, args[1]);
        if (n < 0 || n > 8)
            return HPy_NULL;
        for (i = 0; i < n; i++)
            items[i] = HPy_GetItem_i(ctx, args[0], i);
        if (null_at >= 0) {
            HPy_Close(ctx, items[null_at]);
            items[null_at] = HPy_NULL;
        }
        count_begin(ctx);
        t = HPyTuple_FromArray(ctx, items, n);
        count_end(ctx);
        for (i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
        return with_calls(ctx, t);
    }

    /* bad_tuple(n): HPyTuple_FromArray(NULL, n) (the host raises) */
    HPyDef_METH(bad_tuple, "bad_tuple", HPyFunc_O)
    static HPy bad_tuple_impl(HPyContext *ctx, HPy self, HPy n)
    {
        HPy t;
        count_begin(ctx);
        t = HPyTuple_FromArray(ctx, NULL, HPyLong_AsSsize_t(ctx, n));
        count_end(ctx);
        if (!HPy_IsNull(t))
            return t;
        return HPy_NULL;
    }

    HPyDef_METH(bad_calls, "bad_calls", HPyFunc_NOARGS)
    static HPy bad_calls_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, calls);
    }

    /* state(): what the binary got from the host (alloc_new, tuple_new,
     * refcnt_zero set) */
    HPyDef_METH(state, "state", HPyFunc_NOARGS)
    static HPy state_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        return HPy_BuildValue(ctx, "iii", d->alloc_new != NULL, d->tuple_new != NULL,
                              d->refcnt_zero != NULL);
    }

    @EXPORT(new_of)
    @EXPORT(tuple)
    @EXPORT(bad_tuple)
    @EXPORT(bad_calls)
    @EXPORT(state)
    @EXPORT_TYPE("Gc", Gc_spec)
""" + TYPE_EXPORTS + """
    @INIT
"""

# a legacy type (PyObject_HEAD: the C API, so the hybrid ABI only)
LEG = """
    typedef struct { PyObject_HEAD long x; } LegObject;
    HPyType_LEGACY_HELPERS(LegObject)
    HPyDef_SLOT(Leg_new, HPy_tp_new)
    static HPy Leg_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        LegObject *l;
        HPy h = HPy_New(ctx, cls, &l);
        if (!HPy_IsNull(h))
            l->x = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        return h;
    }
    HPyDef_MEMBER(Leg_x, "x", HPyMember_LONG, offsetof(LegObject, x))
    static HPyDef *Leg_defines[] = { &Leg_new, &Leg_x, NULL };
    static HPyType_Spec Leg_spec = {
        .name = "mytest.Leg", .basicsize = sizeof(LegObject),
        .builtin_shape = HPyType_BuiltinShape_Legacy,
        .flags = HPy_TPFLAGS_DEFAULT, .defines = Leg_defines,
    };

    /* new_leg(type): (a legacy instance made by HPy_New with x = 5, calls) */
    HPyDef_METH(new_leg, "new_leg", HPyFunc_O)
    static HPy new_leg_impl(HPyContext *ctx, HPy self, HPy type)
    {
        LegObject *l;
        HPy h;
        count_begin(ctx);
        h = HPy_New(ctx, type, &l);
        count_end(ctx);
        if (!HPy_IsNull(h))
            l->x = 5;
        return with_calls(ctx, h);
    }
    @EXPORT_TYPE("Leg", Leg_spec)
"""


@pytest.fixture
def mod(hpy):
    return context_module(hpy, SRC)


def _rc_calls(hpy, mod):
    """Tuple and field calls: inline with the host's reference-count model."""
    return 0 if mod.state()[2] else 1


def test_state(hpy, mod):
    """Natively the host offers everything in universal mode; the debug
    mode gets nothing (it must see every call)."""
    alloc, tuple_new, rc = mod.state()
    if not universal(hpy):
        assert (alloc, tuple_new, rc) == (0, 0, 0)
    elif not WASM:
        assert (alloc, tuple_new, rc) == (1, 1, 1)
    else:
        assert alloc == 1


def test_new_of_marked_type(hpy, mod):
    p, calls = mod.new(mod.Point)
    assert type(p) is mod.Point and (p.x, p.y) == (5, 0)
    assert calls == (0 if universal(hpy) else 1)
    before = sys.getrefcount(mod.Point)
    for _ in range(100):
        mod.new(mod.Point)
    assert abs(sys.getrefcount(mod.Point) - before) < 5  # the instances took theirs back
    assert mod.Point(7).x == 7


def test_new_falls_back(hpy, mod):
    """Everything but the host's marked types goes to the host."""
    class Sub(mod.Point):
        pass

    s, calls = mod.new(Sub)
    assert type(s) is Sub and s.x == 5 and calls == 1
    s.attr = 1  # a Python subclass has a dict
    # a call function to install
    c, calls = mod.new(mod.Callable)
    assert calls == 1 and c() == 6
    assert mod.Callable(41)() == 42
    # another builtin shape: the struct is after the int
    n = mod.Num(12)
    assert n.v() == 12 and isinstance(n, int)


def test_new_of_a_legacy_type(hpy):
    if hpy.abi != "hybrid":
        pytest.skip("legacy types need the C API: the hybrid ABI")
    m = hpy.make_module(extend(SRC, LEG, "new_leg"), name="mytest_alloc_leg")
    leg, calls = m.new_leg(m.Leg)
    assert type(leg) is m.Leg and leg.x == 5 and calls == 1
    assert m.Leg(4).x == 4


def test_new_of_not_a_type(hpy, mod):
    if hpy.abi == "debug":
        pytest.skip("the debug mode reports it first")
    with pytest.raises(TypeError):
        mod.new(42)
    assert mod.bad_calls() == 1
    with pytest.raises(TypeError):
        mod.new(int)  # not an HPy type
    assert mod.bad_calls() == 1


def test_gc_instance_tracked_and_collected(hpy, mod):
    """The allocator tracks the GC instance; its field is a referent; a
    cycle through the field is collected."""
    payload = [1]
    g = mod.Gc(payload)
    assert gc.is_tracked(g)
    assert any(r is payload for r in gc.get_referents(g))

    class Box:
        pass

    box = Box()
    g = mod.Gc(box)
    box.g = g  # a cycle: g -> box -> g
    w = weakref.ref(box)
    del g, box
    gc.collect()
    assert w() is None


def test_field_store_and_load(hpy, mod):
    calls = _rc_calls(hpy, mod)
    g = mod.Gc()

    class D:
        pass

    events = []

    class Del:
        def __del__(self):
            events.append("del")

    obj = D()
    before = sys.getrefcount(obj)
    assert g.load() == (None, calls)  # empty: HPy_NULL, no exception
    assert g.store(obj) == calls
    assert sys.getrefcount(obj) == before + 1
    assert g.load() == (obj, calls)
    assert sys.getrefcount(obj) == before + 1
    assert g.store(obj) == calls  # the same object again
    assert sys.getrefcount(obj) == before + 1
    d = Del()
    assert g.store(d) == calls  # the old value is released
    assert sys.getrefcount(obj) == before
    del d
    assert events == []
    assert g.store(None) == calls  # HPy_NULL: the last reference goes, inside the call
    assert events == ["del"]
    assert g.load() == (None, calls)


def test_tuple_from_array(hpy, mod):
    calls = _rc_calls(hpy, mod)
    obj = object()
    before = sys.getrefcount(obj)
    t, c = mod.tuple([obj, 2, "x"], -1)
    assert t == (obj, 2, "x") and type(t) is tuple and c == calls
    assert sys.getrefcount(obj) == before + 1
    del t
    assert sys.getrefcount(obj) == before
    assert mod.tuple([], -1) == ((), calls)
    t, _ = mod.tuple(list(range(8)), -1)
    assert t == tuple(range(8))


def test_tuple_null_item(hpy, mod):
    """A NULL item: the host raises; the items stored are released."""
    if hpy.abi == "debug":
        pytest.skip("the debug mode reports it first")
    obj = object()
    before = sys.getrefcount(obj)
    with pytest.raises(SystemError, match="HPyTuple_FromArray: item 1 is HPy_NULL"):
        mod.tuple([obj, 2, 3], 1)
    assert mod.bad_calls() == 1
    assert sys.getrefcount(obj) == before
    with pytest.raises(SystemError, match="negative size"):
        mod.bad_tuple(-1)
    assert mod.bad_calls() == 1
    with pytest.raises(SystemError, match="NULL array"):
        mod.bad_tuple(2)
    assert mod.bad_tuple(0) == ()


def test_switched_off_by_the_host(hpy):
    universal_only(hpy)
    m = with_switch_off(hpy, "alloc", SRC, "mytest_alloc_off")
    assert m.state()[:2] == (0, 0)
    assert m.new(m.Point)[1] == 1
    assert m.tuple([1, 2], -1) == ((1, 2), 1)


def test_binary_without_the_handshake(hpy):
    """Built as HPy's own headers build it: every call goes to the host."""
    universal_only(hpy)
    m = without_handshake(hpy, SRC, "mytest_alloc_none")
    assert m.state() == (0, 0, 0)
    assert m.new(m.Point)[1] == 1
    assert m.tuple([1, 2], -1) == ((1, 2), 1)
    g = m.Gc()
    assert g.store(3) == 1 and g.load() == (3, 1)
