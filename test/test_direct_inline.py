"""The inline fast paths of a binary with direct trampolines
(hpy/universal/hpy_universal.h, _HPyInitDirectInline_<name> in load.c): in
universal mode _HPy_AsStruct_Object on an instance of a type with the host's
tp_alloc marker, and HPy_TypeCheck of an object whose type has its MRO, are
answered in the extension without calling the context; everything else still
calls it, and in debug and trace mode every call does.

The probes swap the context's function for one that counts its calls (and
forwards to the original), so a call that enters the host shows."""
import pytest

from direct_snippets import (DIRECT_MASK, TYPE_EXPORTS, TYPES, context_module, counting, extend, universal,
                             universal_only, with_switch_off, without_handshake)

SRC = TYPES + counting(
    ("AsStruct_Object", "void *", ("HPy",)),
    ("TypeCheck", "int", ("HPy", "HPy")),
) + """
    /* on top of a Python class with slots: the struct comes after them */
    static HPyDef *Ext_defines[] = { &new_first, NULL };
    static HPyType_Spec Ext_spec = {
        .name = "mytest.Ext", .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT, .defines = Ext_defines,
    };
    HPyDef_METH(make_ext, "make_ext", HPyFunc_O)
    static HPy make_ext_impl(HPyContext *ctx, HPy self, HPy base)
    {
        HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base },
                                       { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &Ext_spec, params);
    }

    /* struct_x(obj): (the x of its struct, read as a Point, and how many
     * calls entered the context) */
    HPyDef_METH(struct_x, "struct_x", HPyFunc_O)
    static HPy struct_x_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        PointObject *p;
        count_begin(ctx);
        p = PointObject_AsStruct(ctx, obj);
        count_end(ctx);
        return HPy_BuildValue(ctx, "li", p->x, calls);
    }

    /* num_v(obj): the same through _HPy_AsStruct_Object for a Long-shape
     * instance (the host finds its struct) */
    HPyDef_METH(num_v, "num_v", HPyFunc_O)
    static HPy num_v_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        NumObject *n;
        count_begin(ctx);
        n = (NumObject *)_HPy_AsStruct_Object(ctx, obj);
        count_end(ctx);
        return HPy_BuildValue(ctx, "li", n->v, calls);
    }

    /* type_check(obj, type): (HPy_TypeCheck, calls into the context) */
    HPyDef_METH(type_check, "type_check", HPyFunc_VARARGS)
    static HPy type_check_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int r;
        count_begin(ctx);
        r = HPy_TypeCheck(ctx, args[0], args[1]);
        count_end(ctx);
        return HPy_BuildValue(ctx, "ii", r, calls);
    }

    @EXPORT(struct_x)
    @EXPORT(num_v)
    @EXPORT(type_check)
    @EXPORT(make_ext)
""" + TYPE_EXPORTS + """
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return context_module(hpy, SRC)


def test_as_struct_of_own_type(hpy, mod):
    x, calls = mod.struct_x(mod.Point(7))
    assert x == 7
    assert calls == (0 if universal(hpy) else 1)


def test_as_struct_falls_back(hpy, mod):
    class Sub(mod.Point):
        pass

    class Slotted:
        __slots__ = ("a", "b", "c", "d")

    # a Python subclass (CPython's tp_alloc), a type whose struct is
    # elsewhere
    assert mod.struct_x(Sub(8)) == (8, 1)
    assert mod.struct_x(mod.make_ext(Slotted)(11)) == (11, 1)
    # HPy_New sets the call function: no marker (in both hosts the marker
    # also lets HPy_New take a shortcut)
    assert mod.struct_x(mod.Callable(9)) == (9, 1)
    if hpy.abi != "debug":  # which reports the wrong shape
        # another builtin shape: the struct is after the int's digits
        assert mod.num_v(mod.Num(10)) == (10, 1)


def test_type_check(hpy, mod):
    """Answered inline from the type and its MRO, as PyType_IsSubtype."""
    class Sub(mod.Point):
        pass

    p = mod.Point(1)
    calls = 0 if universal(hpy) else 1
    assert mod.type_check(p, mod.Point) == (1, calls)
    assert mod.type_check(Sub(2), mod.Point) == (1, calls)
    assert mod.type_check(p, Sub) == (0, calls)
    assert mod.type_check(p, mod.Callable) == (0, calls)
    assert mod.type_check(p, object) == (1, calls)
    assert mod.type_check(42, int) == (1, calls)
    assert mod.type_check(True, int) == (1, calls)
    assert mod.type_check(42, bool) == (0, calls)
    assert mod.type_check(mod.Point, type) == (1, calls)
    if hpy.abi != "debug":  # which reports a type that is not one
        assert mod.type_check(42, 42) == (0, calls)
        assert mod.type_check(p, p) == (0, calls)


def test_type_check_after_bases_change(hpy, mod):
    """The MRO read is the one CPython keeps up to date."""
    class A:
        pass

    class B:
        pass

    class C(A):
        pass

    c = C()
    assert mod.type_check(c, A)[0] == 1
    assert mod.type_check(c, B)[0] == 0
    C.__bases__ = (B,)
    assert mod.type_check(c, A)[0] == 0
    assert mod.type_check(c, B)[0] == 1


def test_switched_off_by_the_host(hpy):
    universal_only(hpy)
    mod = with_switch_off(hpy, "trampolines", SRC, "mytest_inline_off")
    assert mod.struct_x(mod.Point(3)) == (3, 1)
    assert mod.type_check(mod.Point(3), mod.Point) == (1, 1)


def test_binary_without_the_handshake(hpy):
    """Built as HPy's own headers build it: every call goes to the host."""
    universal_only(hpy)
    mod = without_handshake(hpy, SRC, "mytest_inline_none")
    assert mod.struct_x(mod.Point(4)) == (4, 1)
    assert mod.type_check(mod.Point(4), mod.Point) == (1, 1)


def test_inline_switched_off_alone(hpy):
    """The host's switch for the inline paths alone (for benchmarks): the
    trampolines stay direct, the two functions call the host."""
    universal_only(hpy)
    mod = with_switch_off(hpy, "inline", extend(SRC, DIRECT_MASK, "direct_mask"), "mytest_inline_alone_off")
    assert mod.direct_mask() != 0
    assert mod.struct_x(mod.Point(5)) == (5, 1)
    assert mod.type_check(mod.Point(5), mod.Point) == (1, 1)


LAYOUT = """
    _HPy_EXTERN_C uint64_t _HPyInitDirectTrampolines_mytest_layout(uint64_t, HPy_ssize_t,
                                                                   HPy_ssize_t);
    _HPy_EXTERN_C int _HPyInitDirectInline_mytest_layout(HPy_ssize_t, HPy_ssize_t, HPy_ssize_t,
                                                         _HPyDirectMarker, HPy_ssize_t);

    /* layout(): (the layout kind this binary took, its six offsets) */
    HPyDef_METH(layout, "layout", HPyFunc_NOARGS)
    static HPy layout_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        return HPy_BuildValue(ctx, "I(nnnnnn)", (unsigned int)d->layout_kind, d->ob_type_at,
                              d->tuple_size_at, d->tuple_items_at, d->tp_alloc_at, d->tp_mro_at,
                              d->struct_at);
    }

    /* kind_of(six offsets): the kind a binary gives them */
    HPyDef_METH(kind_of, "kind_of", HPyFunc_VARARGS)
    static HPy kind_of_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        _HPyDirectTrampolines d;
        memset(&d, 0, sizeof d);
        d.ob_type_at = HPyLong_AsSsize_t(ctx, args[0]);
        d.tuple_size_at = HPyLong_AsSsize_t(ctx, args[1]);
        d.tuple_items_at = HPyLong_AsSsize_t(ctx, args[2]);
        d.tp_alloc_at = HPyLong_AsSsize_t(ctx, args[3]);
        d.tp_mro_at = HPyLong_AsSsize_t(ctx, args[4]);
        d.struct_at = HPyLong_AsSsize_t(ctx, args[5]);
        return HPyLong_FromLong(ctx, (long)_HPy_DirectLayoutKind(&d));
    }

    /* offer(tp_mro_at): the binary's inline setter called again with the
     * host's offsets but this tp_mro_at (0: no MRO, a valid offer);
     * returns the kind it took */
    HPyDef_METH(offer, "offer", HPyFunc_O)
    static HPy offer_impl(HPyContext *ctx, HPy self, HPy tp_mro_at)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        _HPyInitDirectInline_mytest_layout(d->ob_type_at, HPyLong_AsSsize_t(ctx, tp_mro_at),
                                           d->tp_alloc_at, d->alloc_marker, d->struct_at);
        return HPyLong_FromLong(ctx, (long)d->layout_kind);
    }

    /* retrampoline(): the trampoline setter called again with what it has */
    HPyDef_METH(retrampoline, "retrampoline", HPyFunc_NOARGS)
    static HPy retrampoline_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        _HPyInitDirectTrampolines_mytest_layout(d->signatures, d->tuple_size_at, d->tuple_items_at);
        return HPyLong_FromLong(ctx, (long)d->layout_kind);
    }
"""


def test_layout_kind(hpy):
    """A 64-bit native binary takes the host's offsets as the constants of
    64-bit CPython (kind 1); any other offer, and every 32-bit binary
    (WebAssembly), keeps kind 0 and reads the fields, with the same answers."""
    universal_only(hpy)
    import struct

    from support import WASM

    mod = hpy.make_module(extend(SRC, LAYOUT, "layout", "kind_of", "offer", "retrampoline"),
                          name="mytest_layout")
    cpy64 = (8, 16, 24, 304, 344, 16)
    bits64 = not WASM and struct.calcsize("P") == 8
    kind, offsets = mod.layout()
    if bits64:
        # the host's values are the constants: the fast case is taken
        assert (kind, offsets) == (1, cpy64)
    else:
        assert kind == 0
    assert mod.kind_of(*cpy64) == (1 if bits64 else 0)
    for i in range(6):
        other = list(cpy64)
        other[i] += 8
        assert mod.kind_of(*other) == 0
    assert mod.kind_of(4, 8, 12, 152, 172, 16) == 0
    assert mod.kind_of(0, 0, 0, 0, 0, 0) == 0

    class Sub(mod.Point):
        pass

    def check(mro_calls):
        p = mod.Point(7)
        assert mod.struct_x(p) == (7, 0)
        assert mod.type_check(p, mod.Point) == (1, 0)
        assert mod.type_check(Sub(2), mod.Point) == (1, mro_calls)
        assert mod.type_check(p, Sub) == (0, mro_calls)

    check(0)
    try:
        # no MRO offset: a valid offer that is not 64-bit CPython's; the
        # fields are read, and the MRO is the host's to walk
        assert mod.offer(0) == 0
        check(1)
        # the trampoline setter forgets the kind until the inline setter runs
        assert mod.offer(offsets[4]) == kind
        assert mod.retrampoline() == 0
        check(0)
    finally:
        assert mod.offer(offsets[4]) == kind
    check(0)
