"""HPy_BuildValue (hpy/devel/src/runtime/buildvalue.c), in every ABI.

A C harness calls HPy_BuildValue with a format from Python and up to ten
arguments of one C type (int, long, double, const char *, HPy, ...); the
format decides how many of them are read."""
import ctypes
import math
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


HARNESS = src("""
    #include <limits.h>
    #define A10(a) a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]

    /* Reads up to 10 arguments after the format with CONV into CTYPE vals[]
     * (missing ones are zero) and returns HPy_BuildValue(fmt, vals...). */
    #define TYPED(NAME, CTYPE, CONV)                                         \\
        HPyDef_METH(NAME, #NAME, HPyFunc_VARARGS)                            \\
        static HPy NAME##_impl(HPyContext *ctx, HPy self, const HPy *args,   \\
                               size_t nargs)                                 \\
        {                                                                    \\
            CTYPE vals[10];                                                  \\
            size_t i;                                                        \\
            const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);  \\
            if (fmt == NULL) return HPy_NULL;                                \\
            for (i = 0; i < 10; i++) {                                       \\
                vals[i] = 0;                                                 \\
                if (i + 1 < nargs) {                                         \\
                    vals[i] = (CTYPE)CONV(ctx, args[i + 1]);                 \\
                    if (HPyErr_Occurred(ctx)) return HPy_NULL;               \\
                }                                                            \\
            }                                                                \\
            return HPy_BuildValue(ctx, fmt, A10(vals));                      \\
        }

    TYPED(bv_int, int, HPyLong_AsLong)
    TYPED(bv_uint, unsigned int, HPyLong_AsUnsignedLongMask)
    TYPED(bv_long, long, HPyLong_AsLong)
    TYPED(bv_ulong, unsigned long, HPyLong_AsUnsignedLongMask)
    TYPED(bv_ll, long long, HPyLong_AsLongLong)
    TYPED(bv_ull, unsigned long long, HPyLong_AsUnsignedLongLongMask)
    TYPED(bv_ssize, HPy_ssize_t, HPyLong_AsSsize_t)
    TYPED(bv_double, double, HPyFloat_AsDouble)

    static const char *as_cstr(HPyContext *ctx, HPy h)
    {
        if (HPy_Is(ctx, h, ctx->h_None)) return NULL;
        if (HPyBytes_Check(ctx, h)) return HPyBytes_AsString(ctx, h);
        return HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
    }
    TYPED(bv_str, const char *, as_cstr)

    /* bv_obj(fmt, *objs): HPy arguments, the caller's handles (HPy_NULL for
     * None when the first argument is True: bv_obj(fmt, null_none, *objs)) */
    HPyDef_METH(bv_obj, "bv_obj", HPyFunc_VARARGS)
    static HPy bv_obj_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy vals[10];
        size_t i;
        int null_none = HPy_IsTrue(ctx, args[1]);
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (fmt == NULL) return HPy_NULL;
        for (i = 0; i < 10; i++) {
            vals[i] = HPy_NULL;
            if (i + 2 < nargs && !(null_none && HPy_Is(ctx, args[i + 2], ctx->h_None)))
                vals[i] = args[i + 2];
        }
        return HPy_BuildValue(ctx, fmt, A10(vals));
    }

    /* bv_new(fmt, *objs): every argument is a NEW handle, closed after the
     * call (an 'N' unit is refused, so it never owns them) */
    HPyDef_METH(bv_new, "bv_new", HPyFunc_VARARGS)
    static HPy bv_new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy vals[10], res;
        size_t i;
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (fmt == NULL) return HPy_NULL;
        for (i = 0; i < 10; i++)
            vals[i] = i + 1 < nargs ? HPy_Dup(ctx, args[i + 1]) : HPy_NULL;
        res = HPy_BuildValue(ctx, fmt, A10(vals));
        for (i = 0; i < 10; i++)
            HPy_Close(ctx, vals[i]);
        return res;
    }

    /* Formats mixing C types. */
    HPyDef_METH(limits, "limits", HPyFunc_NOARGS)
    static HPy limits_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, "(ii)(bB)(hH)(I)(ll)(k)(LL)(K)(nn)",
                              INT_MIN, INT_MAX, (signed char)-128, (unsigned char)255,
                              (short)SHRT_MIN, (unsigned short)USHRT_MAX, UINT_MAX,
                              LONG_MIN, LONG_MAX, ULONG_MAX, LLONG_MIN, LLONG_MAX,
                              ULLONG_MAX, (HPy_ssize_t)HPY_SSIZE_T_MIN,
                              (HPy_ssize_t)HPY_SSIZE_T_MAX);
    }

    HPyDef_METH(mixed, "mixed", HPyFunc_O)
    static HPy mixed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPy_BuildValue(ctx, "{s:i, s:[d, f, (s, O)], s:{}, s:y}", "a", 1, "b", 2.5,
                              (float)0.5, "x\\xc3\\xa9", arg, "c", "d", "bytes");
    }

    /* Errors after some items were built: those are closed. */
    HPyDef_METH(after_error, "after_error", HPyFunc_VARARGS)
    static HPy after_error_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long which = HPyLong_AsLong(ctx, args[0]);
        HPy obj = args[1];
        switch (which) {
        case 0: return HPy_BuildValue(ctx, "(OiO)", obj, 1, HPy_NULL);
        case 1: return HPy_BuildValue(ctx, "(O[iO]O)", obj, 1, HPy_NULL, obj);
        case 2: return HPy_BuildValue(ctx, "{O:O,O:O}", obj, obj, HPy_NULL, obj);
        case 3: return HPy_BuildValue(ctx, "O(O)[O]O", obj, obj, obj, HPy_NULL);
        default: /* unhashable key: the dict fails after its items were built */
            return HPy_BuildValue(ctx, "(O{O:O}O)", obj, args[2], obj, obj);
        }
    }

    /* An O argument that is HPy_NULL while an exception is set: propagated. */
    HPyDef_METH(null_with_error, "null_with_error", HPyFunc_NOARGS)
    static HPy null_with_error_impl(HPyContext *ctx, HPy self)
    {
        HPyErr_SetString(ctx, ctx->h_KeyError, "the earlier error");
        return HPy_BuildValue(ctx, "(iO)", 1, HPy_NULL);
    }

    HPyDef_METH(null_format, "null_format", HPyFunc_NOARGS)
    static HPy null_format_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, NULL);
    }

    @EXPORT(bv_int)
    @EXPORT(bv_uint)
    @EXPORT(bv_long)
    @EXPORT(bv_ulong)
    @EXPORT(bv_ll)
    @EXPORT(bv_ull)
    @EXPORT(bv_ssize)
    @EXPORT(bv_double)
    @EXPORT(bv_str)
    @EXPORT(bv_obj)
    @EXPORT(bv_new)
    @EXPORT(limits)
    @EXPORT(mixed)
    @EXPORT(after_error)
    @EXPORT(null_with_error)
    @EXPORT(null_format)
    @INIT
""")

_modules = {}


@pytest.fixture
def mod(hpy):
    if hpy.abi not in _modules:
        _modules[hpy.abi] = hpy.make_module(HARNESS, name=f"buildvalue_{hpy.abi}")
    return _modules[hpy.abi]


def bits(ctype):
    return 8 * ctypes.sizeof(ctype)


def test_int_units(mod):
    assert mod.bv_int("i", 42) == 42
    assert mod.bv_int("i", -7) == -7
    assert mod.bv_int("b", -3) == -3      # promoted to int
    assert mod.bv_int("B", 200) == 200
    assert mod.bv_int("h", -300) == -300
    assert mod.bv_int("H", 60000) == 60000
    assert mod.bv_uint("I", 2**32 - 1) == 2**32 - 1
    assert mod.bv_uint("I", -1) == 2**bits(ctypes.c_uint) - 1
    assert mod.bv_long("l", -2**31) == -2**31
    assert mod.bv_ulong("k", 2**bits(ctypes.c_ulong) - 1) == 2**bits(ctypes.c_ulong) - 1
    assert mod.bv_ll("L", -2**63) == -2**63
    assert mod.bv_ll("L", 2**63 - 1) == 2**63 - 1
    assert mod.bv_ull("K", 2**64 - 1) == 2**64 - 1
    nmin = -2**(bits(ctypes.c_ssize_t) - 1)   # beyond int where ssize_t is wider
    assert mod.bv_ssize("n", nmin) == nmin
    assert mod.bv_ssize("n", sys.maxsize) == sys.maxsize


def test_limits(mod):
    imin, imax = -2**(bits(ctypes.c_int) - 1), 2**(bits(ctypes.c_int) - 1) - 1
    lmin, lmax = -2**(bits(ctypes.c_long) - 1), 2**(bits(ctypes.c_long) - 1) - 1
    assert mod.limits() == (
        (imin, imax), (-128, 255), (-2**15, 2**16 - 1), (2**bits(ctypes.c_uint) - 1,),
        (lmin, lmax), (2**bits(ctypes.c_ulong) - 1,), (-2**63, 2**63 - 1), (2**64 - 1,),
        (-sys.maxsize - 1, sys.maxsize))


def test_float_units(mod):
    assert mod.bv_double("d", 1.25) == 1.25
    assert mod.bv_double("f", 1.25) == 1.25
    assert mod.bv_double("(dd)", float("inf"), -0.0) == (float("inf"), -0.0)
    r = mod.bv_double("d", float("nan"))
    assert type(r) is float and math.isnan(r)


def test_string_units(mod):
    assert mod.bv_str("s", "hello") == "hello"
    assert mod.bv_str("s", "") == ""
    assert mod.bv_str("s", "h\xe9 \u20ac \U0001f600") == "h\xe9 \u20ac \U0001f600"
    assert mod.bv_str("s", None) is None
    assert mod.bv_str("z", "x") == "x"
    assert mod.bv_str("z", None) is None
    assert mod.bv_str("y", b"ab\xff") == b"ab\xff"
    assert mod.bv_str("y", None) is None
    assert mod.bv_str("(ss)", "a", None) == ("a", None)
    with pytest.raises(UnicodeDecodeError):
        mod.bv_str("s", b"\xff")


def test_object_units(mod):
    obj = object()
    assert mod.bv_obj("O", False, obj) is obj
    assert mod.bv_obj("S", False, obj) is obj
    assert mod.bv_obj("(OS)", False, obj, 5) == (obj, 5)
    assert mod.bv_new("O", obj) is obj
    assert mod.bv_new("(OO)", obj, 3) == (obj, 3)


def test_null_object(mod):
    for fmt in ("O", "S", "(iO)", "[O]", "{O:O}"):
        with pytest.raises(SystemError) as e:
            mod.bv_obj(fmt, True, None, None)
        assert str(e.value) == "HPy_NULL object passed to HPy_BuildValue"
    with pytest.raises(KeyError, match="the earlier error"):
        mod.null_with_error()


@pytest.mark.parametrize("fmt, expected", [
    ("", None),
    ("O", 1),
    ("OO", (1, 2)),
    ("O O", (1, 2)),
    ("O,O", (1, 2)),
    (" O ,\tO\n", (1, 2)),
    ("(O)", (1,)),
    ("()", ()),
    ("[]", []),
    ("{}", {}),
    ("[O]", [1]),
    ("[O,O,O]", [1, 2, 3]),
    ("(OO)", (1, 2)),
    ("{O:O}", {1: 2}),
    ("{O:O, O:O}", {1: 2, 3: 4}),
    ("{O:O,}", {1: 2}),
    ("{ O : O , O:O }", {1: 2, 3: 4}),
    ("((O)[O]{O:O})", ((1,), [2], {3: 4})),
    ("O()[]{}", (1, (), [], {})),
    ("[(O,[O,{O:(O,O)}])]", [(1, [2, {3: (4, 5)}])]),
    ("OOOOOOOOOO", tuple(range(1, 11))),
    ("[OOOOOOOOOO]", list(range(1, 11))),
    ("((((((((((O))))))))))", ((((((((((1,),),),),),),),),),)),
])
def test_structure(mod, fmt, expected):
    assert mod.bv_obj(fmt, False, *range(1, 11)) == expected


def test_mixed(mod):
    obj = object()
    assert mod.mixed(obj) == {"a": 1, "b": [2.5, 0.5, ("x\xe9", obj)], "c": {}, "d": b"bytes"}


def passed(what):
    return f"{what} in the format string passed to HPy_BuildValue"


NO_N = ("HPy_BuildValue does not support the 'N' formatting unit. Instead, use the 'O' "
        "formatting unit and manually close the handle in the caller if necessary. HPy API "
        "functions never 'steal' handles and always make a duplicate handle if needed, the "
        "'ownership' of the original handle is never 'transferred'. ")


@pytest.mark.parametrize("fmt, message", [
    ("q", passed("bad format char 'q'")),
    ("Oq", passed("bad format char 'q'")),
    ("(q)", passed("bad format char 'q'")),
    ("(O#)", passed("bad format char '#'")),
    ("s#", passed("bad format char '#'")),
    ("O&", passed("bad format char '&'")),
    ("(O", passed("unmatched '('")),
    ("[O", passed("unmatched '['")),
    ("{O:O", passed("unmatched '{'")),
    ("([(O)O", passed("unmatched '('")),
    ("(O]", passed("unmatched '('")),
    ("[O)", passed("unmatched '['")),
    ("O)", passed("unmatched ')'")),
    ("((O)", passed("unmatched '('")),
    ("{O}", passed("missing ':'")),
    ("{OO}", passed("missing ':'")),
    ("{O:O,O}", passed("missing ':'")),
    ("{O:O,,}", passed("unexpected ','")),
    ("{,O:O}", passed("unexpected ','")),
    ("{O:OO,}", passed("missing ','")),
    ("N", NO_N),
    ("(ON)", NO_N),
    ("(" * 1000 + ")" * 1000, passed("too deeply nested brackets")),
])
def test_bad_format(mod, fmt, message):
    with pytest.raises(SystemError) as e:
        mod.bv_obj(fmt, False, 1, 2, 3)
    assert str(e.value) == message


def test_null_format(mod):
    with pytest.raises(SystemError, match="NULL format string passed to HPy_BuildValue"):
        mod.null_format()


def test_unhashable_key(mod):
    with pytest.raises(TypeError, match="unhashable"):
        mod.bv_obj("{O:O}", False, [], 1)


# ---- reference counts ----

needs_refcount = pytest.mark.skipif(not hasattr(sys, "getrefcount"),
                                    reason="needs sys.getrefcount")


@needs_refcount
def test_N_refused_without_taking_the_handle(mod):
    obj = object()
    base = sys.getrefcount(obj)
    for _ in range(10):
        with pytest.raises(SystemError, match="does not support the 'N' formatting unit"):
            mod.bv_new("(ON)", obj, obj)
    assert sys.getrefcount(obj) == base


@needs_refcount
@pytest.mark.parametrize("which, exc", [(0, SystemError), (1, SystemError), (2, SystemError),
                                        (3, SystemError), (4, TypeError)])
def test_built_items_closed_on_error(mod, which, exc):
    obj = object()
    base = sys.getrefcount(obj)
    for _ in range(10):
        with pytest.raises(exc):
            mod.after_error(which, obj, [])
    assert sys.getrefcount(obj) == base


@needs_refcount
def test_no_leaks(mod):
    obj = object()
    s = "text " + str(id(obj))
    big = 2**62 + 17

    def calls():
        mod.bv_obj("(O[O]{O:O})", False, obj, obj, s, obj)
        mod.bv_obj("O", False, obj)
        mod.bv_ll("(L[L])", big, big)
        mod.bv_new("{O:O}", s, obj)
        mod.mixed(obj)
        for bad in (lambda: mod.bv_obj("(O[O]q", False, obj, obj),
                    lambda: mod.bv_obj("(O[O]O)", True, obj, obj, None),
                    lambda: mod.bv_obj("{O:O}", False, [], obj),
                    lambda: mod.after_error(1, obj, None)):
            with pytest.raises((SystemError, TypeError)):
                bad()

    calls()
    before = [sys.getrefcount(x) for x in (obj, s, big)]
    for _ in range(100):
        calls()
    assert [sys.getrefcount(x) for x in (obj, s, big)] == before
