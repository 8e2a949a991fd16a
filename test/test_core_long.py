"""HPyLong: the fixed-width conversions (hand-written in ctx_long.c), the
directly mapped size_t/ssize_t/void*/double ones, and the C-type families of
inline_helpers.h."""
import ctypes
import sys
import textwrap

import pytest

INT32_MIN, INT32_MAX, UINT32_MAX = -2**31, 2**31 - 1, 2**32 - 1
INT64_MIN, INT64_MAX, UINT64_MAX = -2**63, 2**63 - 1, 2**64 - 1

# Round trip `x -> C type -> Python int`, one method per conversion.
# (support.expand_markers strips an 8-space indent: keep one.)
CONVERSIONS = textwrap.indent("""
#define ROUNDTRIP(NAME, CTYPE, AS, FROM)                                    \\
    HPyDef_METH(NAME, #NAME, HPyFunc_O)                                     \\
    static HPy NAME##_impl(HPyContext *ctx, HPy self, HPy arg)              \\
    {                                                                       \\
        CTYPE v = AS(ctx, arg);                                             \\
        if (v == (CTYPE)-1 && HPyErr_Occurred(ctx))                         \\
            return HPy_NULL;                                                \\
        return FROM(ctx, v);                                                \\
    }
ROUNDTRIP(i32, int32_t, HPyLong_AsInt32_t, HPyLong_FromInt32_t)
ROUNDTRIP(u32, uint32_t, HPyLong_AsUInt32_t, HPyLong_FromUInt32_t)
ROUNDTRIP(u32mask, uint32_t, HPyLong_AsUInt32_tMask, HPyLong_FromUInt32_t)
ROUNDTRIP(i64, int64_t, HPyLong_AsInt64_t, HPyLong_FromInt64_t)
ROUNDTRIP(u64, uint64_t, HPyLong_AsUInt64_t, HPyLong_FromUInt64_t)
ROUNDTRIP(u64mask, uint64_t, HPyLong_AsUInt64_tMask, HPyLong_FromUInt64_t)
ROUNDTRIP(size, size_t, HPyLong_AsSize_t, HPyLong_FromSize_t)
ROUNDTRIP(ssize, HPy_ssize_t, HPyLong_AsSsize_t, HPyLong_FromSsize_t)
ROUNDTRIP(clong, long, HPyLong_AsLong, HPyLong_FromLong)
ROUNDTRIP(culong, unsigned long, HPyLong_AsUnsignedLong, HPyLong_FromUnsignedLong)
ROUNDTRIP(culongmask, unsigned long, HPyLong_AsUnsignedLongMask, HPyLong_FromUnsignedLong)
ROUNDTRIP(clonglong, long long, HPyLong_AsLongLong, HPyLong_FromLongLong)
ROUNDTRIP(culonglong, unsigned long long, HPyLong_AsUnsignedLongLong, HPyLong_FromUnsignedLongLong)
ROUNDTRIP(culonglongmask, unsigned long long, HPyLong_AsUnsignedLongLongMask, HPyLong_FromUnsignedLongLong)

HPyDef_METH(as_double, "as_double", HPyFunc_O)
static HPy as_double_impl(HPyContext *ctx, HPy self, HPy arg)
{
    double d = HPyLong_AsDouble(ctx, arg);
    if (d == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyFloat_FromDouble(ctx, d);
}

HPyDef_METH(voidptr, "voidptr", HPyFunc_O)
static HPy voidptr_impl(HPyContext *ctx, HPy self, HPy arg)
{
    void *p = HPyLong_AsVoidPtr(ctx, arg);
    if (p == NULL && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromSize_t(ctx, (size_t)p);
}

/* The From* side on fixed C values (independent of the As* side). */
HPyDef_METH(constants, "constants", HPyFunc_NOARGS)
static HPy constants_impl(HPyContext *ctx, HPy self)
{
    HPy items[12];
    HPy res;
    int i;
    items[0] = HPyLong_FromInt32_t(ctx, INT32_MIN);
    items[1] = HPyLong_FromInt32_t(ctx, INT32_MAX);
    items[2] = HPyLong_FromUInt32_t(ctx, UINT32_MAX);
    items[3] = HPyLong_FromInt64_t(ctx, INT64_MIN);
    items[4] = HPyLong_FromInt64_t(ctx, INT64_MAX);
    items[5] = HPyLong_FromUInt64_t(ctx, UINT64_MAX);
    items[6] = HPyLong_FromSize_t(ctx, (size_t)-1);
    items[7] = HPyLong_FromSsize_t(ctx, HPY_SSIZE_T_MIN);
    items[8] = HPyLong_FromLong(ctx, -42L);
    items[9] = HPyLong_FromUnsignedLong(ctx, 42UL);
    items[10] = HPyLong_FromLongLong(ctx, -1LL);
    items[11] = HPyLong_FromUnsignedLongLong(ctx, 0ULL);
    for (i = 0; i < 12; i++)
        if (HPy_IsNull(items[i]))
            return HPy_NULL;
    res = HPyTuple_FromArray(ctx, items, 12);
    for (i = 0; i < 12; i++)
        HPy_Close(ctx, items[i]);
    return res;
}

@EXPORT(i32)
@EXPORT(u32)
@EXPORT(u32mask)
@EXPORT(i64)
@EXPORT(u64)
@EXPORT(u64mask)
@EXPORT(size)
@EXPORT(ssize)
@EXPORT(clong)
@EXPORT(culong)
@EXPORT(culongmask)
@EXPORT(clonglong)
@EXPORT(culonglong)
@EXPORT(culonglongmask)
@EXPORT(as_double)
@EXPORT(voidptr)
@EXPORT(constants)
@INIT
""", " " * 8)


class Index:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


class IntSub(int):
    pass


@pytest.fixture
def mod(hpy):
    return hpy.make_module(CONVERSIONS)


def test_from_fixed_width(mod):
    assert mod.constants() == (
        INT32_MIN, INT32_MAX, UINT32_MAX, INT64_MIN, INT64_MAX, UINT64_MAX,
        2 * sys.maxsize + 1, -sys.maxsize - 1, -42, 42, -1, 0)


# Each conversion behaves as the C API function upstream HPy maps it to (on
# LP64: HPyLong_AsLong is HPyLong_AsInt64_t, HPyLong_AsUnsignedLong is
# HPyLong_AsUInt64_t), plus a range check for the 32-bit ones.
REFERENCE = {
    "i32": ("PyLong_AsLong", ctypes.c_long, "int32_t", INT32_MIN, INT32_MAX),
    "u32": ("PyLong_AsUnsignedLong", ctypes.c_ulong, "uint32_t", 0, UINT32_MAX),
    "u32mask": ("PyLong_AsUnsignedLongMask", ctypes.c_ulong, None, 0, UINT32_MAX),
    "i64": ("PyLong_AsLongLong", ctypes.c_longlong, None, INT64_MIN, INT64_MAX),
    "u64": ("PyLong_AsUnsignedLongLong", ctypes.c_ulonglong, None, 0, UINT64_MAX),
    "u64mask": ("PyLong_AsUnsignedLongLongMask", ctypes.c_ulonglong, None, 0, UINT64_MAX),
    "clonglong": ("PyLong_AsLongLong", ctypes.c_longlong, None, INT64_MIN, INT64_MAX),
    "culonglong": ("PyLong_AsUnsignedLongLong", ctypes.c_ulonglong, None, 0, UINT64_MAX),
    "culonglongmask": ("PyLong_AsUnsignedLongLongMask", ctypes.c_ulonglong, None, 0,
                       UINT64_MAX),
    "ssize": ("PyLong_AsSsize_t", ctypes.c_ssize_t, None, None, None),
    "size": ("PyLong_AsSize_t", ctypes.c_size_t, None, None, None),
}


class BadIndex:
    def __index__(self):
        raise ZeroDivisionError("boom")


def reference(name, value):
    """(result, None) or (None, exception) of the C API function."""
    cname, restype, ctype, lo, hi = REFERENCE[name]
    f = getattr(ctypes.pythonapi, cname)
    f.argtypes = [ctypes.py_object]
    f.restype = restype
    try:
        v = f(value)
    except Exception as e:  # ctypes.pythonapi raises the error the call set
        return None, e
    if name.endswith("mask") and hi == UINT32_MAX:
        v &= UINT32_MAX
    elif ctype is not None and not lo <= v <= hi:
        return None, OverflowError(f"Python int too large to convert to C {ctype}")
    return v, None


VALUES = [0, 5, -1, 2**31, -2**31 - 1, 2**32, 2**63, -2**63 - 1, 2**64, 2**200, -2**200,
          True, "IntSub", "Index(7)", "Index(-1)", "Index(2**40)", "BadIndex", 1.5, "'12'",
          None, "[1]"]


@pytest.mark.skipif(not hasattr(ctypes, "pythonapi"), reason="needs the C API via ctypes")
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_same_as_the_c_api(mod, name):
    for raw in VALUES:
        value = eval(raw) if isinstance(raw, str) else raw
        if raw == "IntSub":
            value = IntSub(9)
        expected, error = reference(name, value)
        if error is None:
            got = getattr(mod, name)(value)
            assert (got, type(got)) == (expected, int), (name, raw)
        else:
            with pytest.raises(type(error)) as e:
                getattr(mod, name)(value)
            assert str(e.value) == str(error), (name, raw)


@pytest.mark.parametrize("name, lo, hi", [
    ("i32", INT32_MIN, INT32_MAX),
    ("u32", 0, UINT32_MAX),
    ("i64", INT64_MIN, INT64_MAX),
    ("u64", 0, UINT64_MAX),
    ("clonglong", INT64_MIN, INT64_MAX),
    ("culonglong", 0, UINT64_MAX),
])
def test_checked_ranges(mod, name, lo, hi):
    f = getattr(mod, name)
    for v in (lo, lo + 1, 0, 1, 12345, hi - 1, hi):
        assert f(v) == v
        assert type(f(v)) is int
    with pytest.raises(OverflowError, match="too large to convert|too big to convert|negative"):
        f(hi + 1)
    with pytest.raises(OverflowError):
        f(2**200)
    with pytest.raises(OverflowError):
        f(-2**200)
    if lo == 0:
        # CPython's texts: "... negative int to unsigned" or "... negative value ..."
        with pytest.raises(OverflowError, match="can't convert negative"):
            f(-1)
    else:
        with pytest.raises(OverflowError, match="too large to convert|too big to convert"):
            f(lo - 1)


def test_upstream_messages(mod):
    # Where long has 32 bits (wasm32, Windows) PyLong_As(Unsigned)Long's own error comes first.
    i32 = "int32_t" if ctypes.sizeof(ctypes.c_long) > 4 else "long"
    with pytest.raises(OverflowError, match=rf"^Python int too large to convert to C {i32}$"):
        mod.i32(2**31)
    with pytest.raises(OverflowError, match=rf"^Python int too large to convert to C {i32}$"):
        mod.i32(Index(-2**31 - 1))
    with pytest.raises(OverflowError, match=r"^can't convert negative int to unsigned$"):
        mod.u64(-5)
    u32 = "uint32_t" if ctypes.sizeof(ctypes.c_ulong) > 4 else "unsigned long"
    with pytest.raises(OverflowError, match=rf"^Python int too large to convert to C {u32}$"):
        mod.u32(2**40)


@pytest.mark.parametrize("name, bits", [
    ("u32mask", 32), ("u64mask", 64), ("culonglongmask", 64),
])
def test_mask(mod, name, bits):
    f = getattr(mod, name)
    m = 2**bits
    for v in (0, 1, m - 1, m, m + 5, -1, -m, -m - 1, 2**200 + 7, -(2**200) - 7, 12345):
        assert f(v) == v % m


def test_c_long_family(mod):
    long_bits = 64 if sys.maxsize > 2**32 and sys.platform != "win32" else 32
    lmax = 2**(long_bits - 1) - 1
    assert mod.clong(lmax) == lmax
    assert mod.clong(-lmax - 1) == -lmax - 1
    with pytest.raises(OverflowError):
        mod.clong(lmax + 1)
    assert mod.culong(2**long_bits - 1) == 2**long_bits - 1
    with pytest.raises(OverflowError):
        mod.culong(-1)
    assert mod.culongmask(-1) == 2**long_bits - 1


def test_size_t_and_ssize_t(mod):
    assert mod.size(2 * sys.maxsize + 1) == 2 * sys.maxsize + 1
    with pytest.raises(OverflowError):
        mod.size(-1)
    assert mod.ssize(-sys.maxsize - 1) == -sys.maxsize - 1
    with pytest.raises(OverflowError):
        mod.ssize(sys.maxsize + 1)
    with pytest.raises(TypeError):
        mod.size(1.0)


@pytest.mark.parametrize("name", ["i32", "u32", "u32mask", "i64", "u64", "u64mask", "clong",
                                  "culong", "culonglongmask"])
def test_subclasses(mod, name):
    f = getattr(mod, name)
    assert f(True) == 1
    assert f(IntSub(9)) == 9
    assert type(f(IntSub(9))) is int


@pytest.mark.parametrize("name", ["i32", "u32mask", "i64", "u64mask", "clong", "culongmask",
                                  "clonglong", "culonglongmask"])
def test_index_accepted(mod, name):
    assert getattr(mod, name)(Index(7)) == 7


@pytest.mark.parametrize("name", ["u32", "u64", "culong", "culonglong", "ssize", "size"])
def test_index_refused(mod, name):
    # as upstream: these map to C API functions that want an int
    with pytest.raises(TypeError):
        getattr(mod, name)(Index(7))


@pytest.mark.parametrize("name", ["i32", "u32", "u32mask", "i64", "u64", "u64mask"])
@pytest.mark.parametrize("bad", [1.5, "12", None, b"1", [1]])
def test_type_errors(mod, name, bad):
    with pytest.raises(TypeError):
        getattr(mod, name)(bad)


def test_index_errors_propagate(mod):
    class Bad:
        def __index__(self):
            raise ZeroDivisionError("boom")

    class NotInt:
        def __index__(self):
            return "nope"

    for f in (mod.i32, mod.u32mask, mod.i64, mod.u64mask):
        with pytest.raises(ZeroDivisionError, match="boom"):
            f(Bad())
        with pytest.raises(TypeError):
            f(NotInt())
    # __index__ results are range-checked too
    with pytest.raises(OverflowError):
        mod.i32(Index(2**31))
    assert mod.u32mask(Index(-1)) == UINT32_MAX


def test_as_double_and_voidptr(mod):
    assert mod.as_double(2**53) == float(2**53)
    assert mod.as_double(-3) == -3.0
    with pytest.raises(OverflowError):
        mod.as_double(2**2000)
    with pytest.raises(TypeError):
        mod.as_double("x")
    assert mod.voidptr(0x1234) == 0x1234
    with pytest.raises(TypeError):
        mod.voidptr("x")


def test_no_leaks(mod):
    big = 2**70
    idx = Index(3)
    before = (sys.getrefcount(big), sys.getrefcount(idx))
    for _ in range(200):
        mod.u64mask(big)
        mod.i32(idx)
        with pytest.raises(OverflowError):
            mod.i64(big)
    assert (sys.getrefcount(big), sys.getrefcount(idx)) == before
