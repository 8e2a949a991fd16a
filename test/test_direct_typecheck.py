"""HPy_TypeCheck by CPython's fast-subclass flags (hpy/universal/hpy_universal.h,
_HPyInitDirectTypeFlags_<name> in load.c, hpy_host_direct_typeflags in
entry_points.c): in universal mode a binary answers "no" for int, list,
tuple, bytes, str, dict, BaseException and type from the flags of the
object's type, without walking its MRO; every other answer is the exact type
or the MRO walk, as before. The answers must be PyType_IsSubtype's in every
mode, with the step on or off, and the flags are trusted only on those eight
types themselves."""
import pytest

from support import build_abi

SRC = """
    typedef struct { long x; } ObjObject;
    HPyType_HELPERS(ObjObject)
    static HPyType_Spec Obj_spec = {
        .name = "mytest.Obj", .basicsize = sizeof(ObjObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    };

    /* an HPy type on top of int: a heap type from HPyType_FromSpec */
    typedef struct { long v; } NumObject;
    HPyType_HELPERS(NumObject, HPyType_BuiltinShape_Long)
    static HPyType_Spec Num_spec = {
        .name = "mytest.Num", .basicsize = sizeof(NumObject),
        .builtin_shape = HPyType_BuiltinShape_Long,
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    };

    static int calls;
    static int (*real_type_check)(HPyContext *, HPy, HPy);
    static int counting_type_check(HPyContext *ctx, HPy obj, HPy type)
    {
        calls++;
        return real_type_check(ctx, obj, type);
    }

    /* type_check(obj, type): (HPy_TypeCheck, calls into the context) */
    HPyDef_METH(type_check, "type_check", HPyFunc_VARARGS)
    static HPy type_check_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int r;
        calls = 0;
        real_type_check = ctx->ctx_TypeCheck;
        ctx->ctx_TypeCheck = counting_type_check;
        r = HPy_TypeCheck(ctx, args[0], args[1]);
        ctx->ctx_TypeCheck = real_type_check;
        return HPy_BuildValue(ctx, "ii", r, calls);
    }

    /* check_builtins(obj): HPy_TypeCheck against the context's handles of
     * the eight types with a flag, and of bool and object, as a tuple */
    HPyDef_METH(check_builtins, "check_builtins", HPyFunc_O)
    static HPy check_builtins_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        return HPy_BuildValue(ctx, "(iiiiiiiiii)",
            HPy_TypeCheck(ctx, obj, ctx->h_LongType), HPy_TypeCheck(ctx, obj, ctx->h_ListType),
            HPy_TypeCheck(ctx, obj, ctx->h_TupleType), HPy_TypeCheck(ctx, obj, ctx->h_BytesType),
            HPy_TypeCheck(ctx, obj, ctx->h_UnicodeType), HPy_TypeCheck(ctx, obj, ctx->h_DictType),
            HPy_TypeCheck(ctx, obj, ctx->h_BaseException), HPy_TypeCheck(ctx, obj, ctx->h_TypeType),
            HPy_TypeCheck(ctx, obj, ctx->h_BoolType), HPy_TypeCheck(ctx, obj, ctx->h_BaseObjectType));
    }

    @EXPORT(type_check)
    @EXPORT(check_builtins)
    @EXPORT_TYPE("Obj", Obj_spec)
    @EXPORT_TYPE("Num", Num_spec)
    @INIT
"""

# What a test binary can see of its own handshake (universal mode only).
FIELDS = """
    _HPy_EXTERN_C int _HPyInitDirectTypeFlags_@NAME(HPy_ssize_t, const void *const *,
                                                     const uint32_t *, size_t);

    /* tflags(): (types in the hash, tp_flags_at, layout kind) */
    HPyDef_METH(tflags, "tflags", HPyFunc_NOARGS)
    static HPy tflags_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        int i, n = 0;
        for (i = 0; i < _HPY_TFLAGS_SLOTS; i++)
            n += d->tflags_types[i] != NULL;
        return HPy_BuildValue(ctx, "inI", n, d->tp_flags_at, (unsigned int)d->layout_kind);
    }

    /* flags_only(obj, type): the binary's check without the MRO (0 for the
     * offset of tp_mro): 1 exact, 0 answered by the flags, -1 the host's */
    HPyDef_METH(flags_only, "flags_only", HPyFunc_VARARGS)
    static HPy flags_only_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const _HPyDirectTrampolines *d = &_hpy_direct_trampolines;
        return HPyLong_FromLong(ctx, _HPy_DirectTypeCheckBy(
            d, args[0]._i, args[1]._i, d->ob_type_at, 0, d->tuple_size_at, d->tuple_items_at,
            d->tp_flags_at));
    }

    /* offer(at, [(type, flag)...]): the binary's setter called again with
     * this offer; returns what it returned */
    HPyDef_METH(offer, "offer", HPyFunc_VARARGS)
    static HPy offer_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const void *types[20];
        uint32_t flags[20];
        HPy_ssize_t i, n = HPy_Length(ctx, args[1]);
        if (n > 20)
            n = 20;
        for (i = 0; i < n; i++) {
            HPy pair = HPy_GetItem_i(ctx, args[1], i);
            HPy t = HPy_GetItem_i(ctx, pair, 0), f = HPy_GetItem_i(ctx, pair, 1);
            types[i] = (const void *)t._i;
            flags[i] = (uint32_t)HPyLong_AsUInt32_t(ctx, f);
            HPy_Close(ctx, f);
            HPy_Close(ctx, t);   /* the types are kept alive by the caller */
            HPy_Close(ctx, pair);
        }
        return HPyLong_FromLong(ctx, _HPyInitDirectTypeFlags_@NAME(
            HPyLong_AsSsize_t(ctx, args[0]), types, flags, (size_t)n));
    }

    /* null_after_refusal(obj, type, flag): HPy_TypeCheck(obj, HPy_NULL)
     * after the setter refused an offer made when `type` with `flag` held
     * slot 0, the one a handle 0 finds */
    HPyDef_METH(null_after_refusal, "null_after_refusal", HPyFunc_VARARGS)
    static HPy null_after_refusal_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        _hpy_direct_trampolines.tflags_types[0] = (const void *)args[1]._i;
        _hpy_direct_trampolines.tflags_flag[0] = HPyLong_AsUInt32_t(ctx, args[2]);
        if (_HPyInitDirectTypeFlags_@NAME(0, NULL, NULL, 0) != 0)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, HPy_TypeCheck(ctx, args[0], HPy_NULL));
    }

    /* set_flags(type, or_bits, and_not_bits): changes the word of tp_flags
     * the binary reads (a type made to look like one of the eight) */
    HPyDef_METH(set_flags, "set_flags", HPyFunc_VARARGS)
    static HPy set_flags_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        uint32_t *w = (uint32_t *)(void *)((char *)args[0]._i +
                                           _hpy_direct_trampolines.tp_flags_at);
        *w = (*w | HPyLong_AsUInt32_t(ctx, args[1])) & ~HPyLong_AsUInt32_t(ctx, args[2]);
        return HPy_Dup(ctx, ctx->h_None);
    }
"""

LONG, LIST, TUPLE, BYTES, STR, DICT, EXC, TYPE = (1 << b for b in range(24, 32))
HOST_OFFER = [(int, LONG), (list, LIST), (tuple, TUPLE), (bytes, BYTES), (str, STR),
              (dict, DICT), (BaseException, EXC), (type, TYPE)]


def _universal(hpy):
    return hpy.abi in ("universal", "hybrid")


@pytest.fixture
def mod(hpy):
    if build_abi(hpy.abi) == "cpython":
        pytest.skip("no context to call in the cpython ABI")
    return hpy.make_module(SRC)


def _fields_module(hpy, name):
    src = FIELDS.replace("@NAME", name) + SRC.replace(
        "@INIT", "@EXPORT(tflags)\n    @EXPORT(flags_only)\n    @EXPORT(offer)\n"
        "    @EXPORT(set_flags)\n    @EXPORT(null_after_refusal)\n    @INIT")
    return hpy.make_module(src, name=name)


class IntSub(int):
    pass


class StrSub(str):
    pass


class TupleSub(tuple):
    pass


class ListSub(list):
    pass


class DictSub(dict):
    pass


class BytesSub(bytes):
    pass


class ExcSub(ValueError):
    pass


class Meta(type):
    pass


class Plain:
    pass


class Mixed(Plain, IntSub):
    """Multiple inheritance: int's layout comes through the second base."""


class ExcMixed(Plain, KeyError):
    pass


class Added:
    pass


class CustomMro(type):
    """A metaclass whose mro() lists a class that is not a base."""

    def mro(cls):
        return [cls, Added, object]


class WithAdded(metaclass=CustomMro):
    pass


class DropsInt(type):
    """mro() may leave out int for a subclass of int (the layout allows
    it): the flag stays, but the type is no subtype of int for
    PyType_IsSubtype, which is what HPy_TypeCheck answers."""

    def mro(cls):
        return [cls, object]


class IntWithoutInt(int, metaclass=DropsInt):
    pass


def _objects(mod):
    return [42, True, IntSub(3), Mixed(4), IntWithoutInt(5), mod.Obj(), mod.Num(6), "s", StrSub("t"), (1,),
            TupleSub(), [], ListSub(), {}, DictSub(), b"b", BytesSub(b"c"), ValueError(),
            ExcSub(), ExcMixed(), KeyboardInterrupt(), int, Meta("M", (), {}), Meta, object(),
            None, 1.5, WithAdded(), Plain(), bytearray(), frozenset()]


TYPES = [int, bool, IntSub, Mixed, list, ListSub, tuple, TupleSub, bytes, BytesSub, str, StrSub,
         dict, DictSub, BaseException, Exception, ValueError, ExcSub, KeyError, ExcMixed, type,
         Meta, object, Plain, Added, WithAdded, float]


def _mro_expected(obj, t):
    """PyType_IsSubtype: the exact type or the MRO, what a binary without the
    step answers inline (it differs from the host only for IntWithoutInt)."""
    return int(type(obj) is t or t in type(obj).__mro__)


def _expected(obj, t):
    """The host's answer: the exact type; for the eight types, their flag
    (as PyLong_Check and friends); else the type's MRO, as PyType_IsSubtype
    (no __instancecheck__, no __subclasscheck__)."""
    if type(obj) is t:
        return 1
    flag = dict(HOST_OFFER).get(t)
    if flag is not None:
        return int(bool(type(obj).__flags__ & flag))
    return int(t in type(obj).__mro__)


def test_the_premises_in_python():
    """What the shortcut relies on, as the interpreter shows it: a custom
    mro() cannot add one of the eight without its layout; one that leaves
    int out keeps int's flag (PyLong_Check and isinstance disagree there)."""
    with pytest.raises(TypeError, match="unsuitable layout"):
        class Bad(type):
            def mro(cls):
                return [cls, int, object]

        class Uses(metaclass=Bad):
            pass
    with pytest.raises(TypeError):
        class Conflict(int, ValueError):
            pass
    assert int not in IntWithoutInt.__mro__
    assert IntWithoutInt.__flags__ & LONG
    assert Added in WithAdded.__mro__
    assert all(t.__flags__ & f for t, f in HOST_OFFER)
    assert Mixed.__flags__ & LONG and ExcMixed.__flags__ & EXC
    assert not Plain.__flags__ & (LONG | LIST | TUPLE | BYTES | STR | DICT | EXC | TYPE)


def test_matrix(hpy, mod):
    """Every object against every type: PyType_IsSubtype's answer, without
    a context call in universal mode and with one per check in debug mode."""
    calls = 0 if _universal(hpy) else 1
    for obj in _objects(mod):
        for t in TYPES + [mod.Obj, mod.Num]:
            assert mod.type_check(obj, t) == (_expected(obj, t), calls), (obj, t)


def test_context_handles(hpy, mod):
    """The idiom for PyLong_Check and friends: HPy_TypeCheck against the
    context's handles."""
    ts = (int, list, tuple, bytes, str, dict, BaseException, type, bool, object)
    for obj in _objects(mod):
        assert mod.check_builtins(obj) == tuple(_expected(obj, t) for t in ts), obj


def test_taken_by_the_binary(hpy):
    if not _universal(hpy):
        pytest.skip("universal mode only")
    import struct

    from support import WASM

    mod = _fields_module(hpy, "mytest_tflags_fields")
    n, at, kind = mod.tflags()
    assert n == 8
    if not WASM and struct.calcsize("P") == 8:
        # the constant layout of 64-bit CPython: tp_flags at 168
        assert (at, kind) == (168, 1)
    else:
        assert at > 0


def test_answered_by_the_flags(hpy):
    """Without the MRO (offset 0) the binary still answers for the eight
    types by the flag of the object's type, and leaves every other type to
    the MRO (-1)."""
    if not _universal(hpy):
        pytest.skip("universal mode only")
    mod = _fields_module(hpy, "mytest_tflags_only")
    assert mod.flags_only(mod.Obj(), int) == 0
    assert mod.flags_only("s", int) == 0
    assert mod.flags_only(42, str) == 0
    assert mod.flags_only(ValueError(), dict) == 0
    assert mod.flags_only(int, BaseException) == 0
    assert mod.flags_only(42, type) == 0
    assert mod.flags_only(Plain(), tuple) == 0
    assert mod.flags_only(42, int) == 1
    for obj, t in [(True, int), (IntSub(1), int), (Mixed(2), int), (IntWithoutInt(3), int),
                   (mod.Num(4), int),
                   (ExcSub(), BaseException), (ExcMixed(), BaseException), (Meta, type),
                   (StrSub(), str), (TupleSub(), tuple), (ListSub(), list), (DictSub(), dict),
                   (BytesSub(), bytes)]:
        assert mod.flags_only(obj, t) == 1, (obj, t)
    for obj, t in [(mod.Obj(), Plain), (42, bool), (42, IntSub), (ValueError(), Exception),
                   (42, object), (42, 42), (42, None)]:
        assert mod.flags_only(obj, t) == -1, (obj, t)


def test_offers_refused(hpy):
    """The binary's setter takes only an offer it can use, and forgets the
    previous one whatever it is given."""
    if not _universal(hpy):
        pytest.skip("universal mode only")
    mod = _fields_module(hpy, "mytest_tflags_offers")
    n, at, kind = mod.tflags()
    assert n == 8
    try:
        bad = [
            (0, HOST_OFFER),                   # no offset
            (at, []),                          # no type
            (at, [(int, LONG | LIST)]),        # two flags
            (at, [(int, 0)]),                  # no flag
            (at, [(int, LONG), (int, LONG)]),  # a type twice
            (at, [(int, LONG)] * 17),          # more than the hash holds
        ]
        if kind == 1:
            # the constant layout takes only its own offset
            bad += [(at + 8, HOST_OFFER)]
        for offer in bad:
            assert mod.offer(*offer) == 0, offer
            assert mod.tflags()[0] == 0
            assert mod.type_check(mod.Obj(), int) == (0, 0)
            assert mod.flags_only(mod.Obj(), int) == -1
        # a refusal leaves no flag behind for a handle 0 to find
        assert mod.null_after_refusal(42, int, LONG) == 0
        assert mod.type_check(42, int) == (1, 0)
        # a shorter offer is fine: only those types answer by their flags
        assert mod.offer(at, [(str, STR)]) == 1
        assert mod.flags_only(mod.Obj(), str) == 0
        assert mod.flags_only(mod.Obj(), int) == -1
    finally:
        assert mod.offer(at, HOST_OFFER) == 1
    assert mod.tflags()[0] == 8
    assert mod.flags_only(mod.Obj(), int) == 0


def test_flag_on_another_type_is_not_trusted(hpy):
    """A type given one of the flags without the base (as a C extension
    may) does not pass it on: its subclasses are still its subtypes."""
    if not _universal(hpy):
        pytest.skip("universal mode only")
    mod = _fields_module(hpy, "mytest_tflags_forged")

    class Forged:
        pass

    mod.set_flags(Forged, LONG, 0)
    try:
        class Child(Forged):
            pass

        assert Forged.__flags__ & LONG and not Child.__flags__ & LONG
        assert mod.type_check(Child(), Forged) == (1, 0)
        assert mod.flags_only(Child(), Forged) == -1
        assert mod.type_check(Child(), int) == (0, 0)
        # an object whose type has the flag is an int to HPy_TypeCheck as to
        # PyLong_Check (and the host)
        assert mod.type_check(Forged(), int) == (1, 0)
        assert mod.flags_only(Forged(), int) == 1
    finally:
        mod.set_flags(Forged, 0, LONG)
    assert not Forged.__flags__ & LONG


CHECK_ONLY = """
    HPyDef_METH(type_check, "type_check", HPyFunc_VARARGS)
    static HPy type_check_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromLong(ctx, HPy_TypeCheck(ctx, args[0], args[1]));
    }
    @EXPORT(type_check)
    @INIT
"""


def _forge_flags(cls, or_bits, and_not_bits):
    """Changes tp_flags of the class `cls` in place (21 pointers into the
    type object in CPython 3.8 to 3.14, 64- and 32-bit)."""
    ctypes = pytest.importorskip("ctypes")
    word = ctypes.c_ulong.from_address(id(cls) + 21 * ctypes.sizeof(ctypes.c_void_p))
    if word.value != cls.__flags__:
        pytest.skip("tp_flags is not where this test looks for it")
    word.value = (word.value | or_bits) & ~and_not_bits


def test_forged_flag_in_every_mode(hpy):
    """The hosts' check (and the cpython ABI's) trusts a fast-subclass flag
    only on the eight types themselves, as the binary's inline check does:
    the subclasses of a type that has such a flag without the base are its
    subtypes, and the answer for them is PyType_IsSubtype's."""
    mod = hpy.make_module(CHECK_ONLY, name="mytest_tflags_forged_all")

    class Forged:
        pass

    _forge_flags(Forged, LONG, 0)
    try:
        class Child(Forged):
            pass

        assert Forged.__flags__ & LONG and not Child.__flags__ & LONG
        assert mod.type_check(Child(), Forged) == 1
        assert mod.type_check(Forged(), Forged) == 1
        assert mod.type_check(42, Forged) == 0
        assert mod.type_check(Child(), int) == 0
        # an object whose type has the flag is an int, as for PyLong_Check
        assert mod.type_check(Forged(), int) == 1
    finally:
        _forge_flags(Forged, 0, LONG)
    assert not Forged.__flags__ & LONG


@pytest.mark.parametrize("switch", ["_set_direct_typeflags_enabled", "_set_direct_inline_enabled"])
def test_same_answers_switched_off(hpy, switch):
    """With the step (or all the inline paths) off the binary walks the MRO
    or calls the host: the same answers."""
    if not _universal(hpy):
        pytest.skip("universal mode only")
    import hpy.universal as host

    on = hpy.make_module(SRC, name="mytest_tflags_on")
    old = getattr(host, switch)(False)
    try:
        off = hpy.make_module(SRC, name="mytest_tflags_off" + switch[12:15])
    finally:
        assert getattr(host, switch)(old) is False
    step_off = switch == "_set_direct_typeflags_enabled"
    for obj in _objects(on):
        for t in TYPES:
            r = on.type_check(obj, t)
            assert r == (_expected(obj, t), 0)
            if step_off:
                assert off.type_check(obj, t) == (_mro_expected(obj, t), 0), (obj, t)
            else:
                assert off.type_check(obj, t) == (r[0], 1), (obj, t)
    # the one difference: the MRO of IntWithoutInt has no int, its flag has
    assert on.type_check(IntWithoutInt(1), int) == (1, 0)
    assert off.type_check(IntWithoutInt(1), int) == ((0, 0) if step_off else (1, 1))


def test_binary_without_the_handshake(hpy):
    """Built as HPy's own headers build it: every check calls the host."""
    if not _universal(hpy):
        pytest.skip("universal mode only")
    mod = hpy.make_module(SRC, name="mytest_tflags_none",
                          extra_cflags=["-D_HPY_NO_DIRECT_TRAMPOLINES"])
    for obj in _objects(mod):
        for t in (int, str, BaseException, type, Plain):
            assert mod.type_check(obj, t) == (_expected(obj, t), 1)
