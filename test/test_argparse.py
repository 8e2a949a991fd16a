"""HPyArg_Parse, HPyArg_ParseKeywords and HPyArg_ParseKeywordsDict
(hpy/devel/src/runtime/argparse.c), in every ABI.

Most tests go through one generic C harness: the format string and the
keyword list come from Python, every unit writes into its own slot of a
union array (the pointer matching the unit's C type), and the parsed values
are returned as a tuple. Untouched optional slots keep their defaults (42,
42.0, "default", None for O)."""
import ctypes
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


HARNESS = src("""
    #define NSLOTS 20

    typedef union {
        unsigned char b; unsigned char B; short h; unsigned short H;
        int i; unsigned int I; long l; unsigned long k; long long L;
        unsigned long long K; HPy_ssize_t n; float f; double d;
        const char *s; HPy O; int p;
    } slot;

    /* The pointer for a unit, after filling the slot with its default. */
    static void *slot_ptr(slot *sl, char unit)
    {
        switch (unit) {
        case 'b': sl->b = 42; return &sl->b;
        case 'B': sl->B = 42; return &sl->B;
        case 'h': sl->h = 42; return &sl->h;
        case 'H': sl->H = 42; return &sl->H;
        case 'i': sl->i = 42; return &sl->i;
        case 'I': sl->I = 42; return &sl->I;
        case 'l': sl->l = 42; return &sl->l;
        case 'k': sl->k = 42; return &sl->k;
        case 'L': sl->L = 42; return &sl->L;
        case 'K': sl->K = 42; return &sl->K;
        case 'n': sl->n = 42; return &sl->n;
        case 'f': sl->f = 42.0f; return &sl->f;
        case 'd': sl->d = 42.0; return &sl->d;
        case 's': sl->s = "default"; return &sl->s;
        case 'O': sl->O = HPy_NULL; return &sl->O;
        case 'p': sl->p = 42; return &sl->p;
        default: return sl;   /* an invalid unit: the parser must not write */
        }
    }

    static HPy slot_value(HPyContext *ctx, slot *sl, char unit)
    {
        switch (unit) {
        case 'b': return HPyLong_FromLong(ctx, sl->b);
        case 'B': return HPyLong_FromLong(ctx, sl->B);
        case 'h': return HPyLong_FromLong(ctx, sl->h);
        case 'H': return HPyLong_FromLong(ctx, sl->H);
        case 'i': return HPyLong_FromLong(ctx, sl->i);
        case 'I': return HPyLong_FromUnsignedLong(ctx, sl->I);
        case 'l': return HPyLong_FromLong(ctx, sl->l);
        case 'k': return HPyLong_FromUnsignedLong(ctx, sl->k);
        case 'L': return HPyLong_FromLongLong(ctx, sl->L);
        case 'K': return HPyLong_FromUnsignedLongLong(ctx, sl->K);
        case 'n': return HPyLong_FromSsize_t(ctx, sl->n);
        case 'f': return HPyFloat_FromDouble(ctx, sl->f);
        case 'd': return HPyFloat_FromDouble(ctx, sl->d);
        case 's': return HPyUnicode_FromString(ctx, sl->s);
        case 'O': return HPy_Dup(ctx, HPy_IsNull(sl->O) ? ctx->h_None : sl->O);
        case 'p': return HPyLong_FromLong(ctx, sl->p);
        default: return HPy_Dup(ctx, ctx->h_None);
        }
    }

    /* The units of a format: its characters up to ':' or ';', without '|'
     * and '$'. */
    static int units_of(const char *fmt, char *units)
    {
        int n = 0;
        for (; *fmt && *fmt != ':' && *fmt != ';' && n < NSLOTS; fmt++) {
            if (*fmt != '|' && *fmt != '$')
                units[n++] = *fmt;
        }
        units[n] = '\\0';
        return n;
    }

    static HPy result_tuple(HPyContext *ctx, slot *sl, const char *units, int n)
    {
        HPy items[NSLOTS];
        HPy res;
        int i, j;
        for (i = 0; i < n; i++) {
            items[i] = slot_value(ctx, &sl[i], units[i]);
            if (HPy_IsNull(items[i])) {
                for (j = 0; j < i; j++) HPy_Close(ctx, items[j]);
                return HPy_NULL;
            }
        }
        res = HPyTuple_FromArray(ctx, items, n);
        for (i = 0; i < n; i++) HPy_Close(ctx, items[i]);
        return res;
    }

    #define SLOT_ARGS(P) P[0], P[1], P[2], P[3], P[4], P[5], P[6], P[7], P[8], P[9], \\
        P[10], P[11], P[12], P[13], P[14], P[15], P[16], P[17], P[18], P[19]

    /* keywords: None -> NULL list; a tuple of str -> a NULL-terminated list */
    static int get_keywords(HPyContext *ctx, HPy t, const char **kw, HPy *hold, int *nhold)
    {
        HPy_ssize_t n, i;
        *nhold = 0;
        if (HPy_Is(ctx, t, ctx->h_None))
            return 0;
        n = HPy_Length(ctx, t);
        if (n < 0 || n > NSLOTS)
            return -1;
        for (i = 0; i < n; i++) {
            hold[i] = HPy_GetItem_i(ctx, t, i);
            *nhold = (int)i + 1;
            kw[i] = HPyUnicode_AsUTF8AndSize(ctx, hold[i], NULL);
            if (kw[i] == NULL) return -1;
        }
        kw[n] = NULL;
        return 1;
    }

    static void close_all(HPyContext *ctx, HPy *h, int n)
    {
        int i;
        for (i = 0; i < n; i++) HPy_Close(ctx, h[i]);
    }

    /* parse(use_tracker, fmt, *args) -> HPyArg_Parse */
    HPyDef_METH(parse, "parse", HPyFunc_VARARGS)
    static HPy parse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        slot sl[NSLOTS];
        void *ptr[NSLOTS];
        char units[NSLOTS + 1];
        HPyTracker ht;
        int use_tracker = HPy_IsTrue(ctx, args[0]);
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        int i, n;
        HPy res;
        if (fmt == NULL) return HPy_NULL;
        n = units_of(fmt, units);
        for (i = 0; i < NSLOTS; i++)
            ptr[i] = slot_ptr(&sl[i], i < n ? units[i] : '?');
        if (!HPyArg_Parse(ctx, use_tracker ? &ht : NULL, args + 2, nargs - 2, fmt,
                          SLOT_ARGS(ptr)))
            return HPy_NULL;
        res = result_tuple(ctx, sl, units, n);
        if (use_tracker)
            HPyTracker_Close(ctx, ht);
        return res;
    }

    /* kwparse(use_tracker, fmt, keywords, *args, **kwargs) -> HPyArg_ParseKeywords */
    HPyDef_METH(kwparse, "kwparse", HPyFunc_KEYWORDS)
    static HPy kwparse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                            HPy kwnames)
    {
        slot sl[NSLOTS];
        void *ptr[NSLOTS];
        char units[NSLOTS + 1];
        const char *kw[NSLOTS + 1];
        HPy hold[NSLOTS];
        HPyTracker ht;
        int use_tracker = HPy_IsTrue(ctx, args[0]);
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        int i, n, nhold, haskw;
        HPy res;
        if (fmt == NULL) return HPy_NULL;
        haskw = get_keywords(ctx, args[2], kw, hold, &nhold);
        if (haskw < 0) { close_all(ctx, hold, nhold); return HPy_NULL; }
        n = units_of(fmt, units);
        for (i = 0; i < NSLOTS; i++)
            ptr[i] = slot_ptr(&sl[i], i < n ? units[i] : '?');
        if (!HPyArg_ParseKeywords(ctx, use_tracker ? &ht : NULL, args + 3, nargs - 3, kwnames,
                                  fmt, haskw ? kw : NULL, SLOT_ARGS(ptr))) {
            close_all(ctx, hold, nhold);
            return HPy_NULL;
        }
        res = result_tuple(ctx, sl, units, n);
        if (use_tracker)
            HPyTracker_Close(ctx, ht);
        close_all(ctx, hold, nhold);
        return res;
    }

    /* dictparse(use_tracker, fmt, keywords, args_tuple, kw_dict_or_None)
     * -> HPyArg_ParseKeywordsDict */
    HPyDef_METH(dictparse, "dictparse", HPyFunc_VARARGS)
    static HPy dictparse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        slot sl[NSLOTS];
        void *ptr[NSLOTS];
        char units[NSLOTS + 1];
        const char *kw[NSLOTS + 1];
        HPy hold[NSLOTS], pos[NSLOTS];
        HPyTracker ht;
        int use_tracker = HPy_IsTrue(ctx, args[0]);
        const char *fmt = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        int i, n, nhold, haskw, ok;
        HPy_ssize_t npos = HPy_Length(ctx, args[3]);
        HPy kwd = HPy_Is(ctx, args[4], ctx->h_None) ? HPy_NULL : args[4];
        HPy res = HPy_NULL;
        if (fmt == NULL || npos < 0 || npos > NSLOTS) return HPy_NULL;
        haskw = get_keywords(ctx, args[2], kw, hold, &nhold);
        if (haskw < 0) { close_all(ctx, hold, nhold); return HPy_NULL; }
        for (i = 0; i < npos; i++)
            pos[i] = HPy_GetItem_i(ctx, args[3], i);
        n = units_of(fmt, units);
        for (i = 0; i < NSLOTS; i++)
            ptr[i] = slot_ptr(&sl[i], i < n ? units[i] : '?');
        ok = HPyArg_ParseKeywordsDict(ctx, use_tracker ? &ht : NULL, pos, npos, kwd, fmt,
                                      haskw ? kw : NULL, SLOT_ARGS(ptr));
        if (ok) {
            res = result_tuple(ctx, sl, units, n);
            if (use_tracker)
                HPyTracker_Close(ctx, ht);
        }
        close_all(ctx, pos, (int)npos);
        close_all(ctx, hold, nhold);
        return res;
    }

    /* The tracker is null after a failure. */
    HPyDef_METH(tracker_after_failure, "tracker_after_failure", HPyFunc_NOARGS)
    static HPy tracker_after_failure_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht;
        int x;
        const char *kwlist[] = { "a", NULL };
        ht._i = 12345;
        if (HPyArg_ParseKeywordsDict(ctx, &ht, NULL, 0, HPy_NULL, "O", kwlist, &x))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "should fail");
        HPyErr_Clear(ctx);
        return HPyBool_FromBool(ctx, ht._i == 0);
    }

    /* a typical function: add(a, b=0) with "O|O" */
    HPyDef_METH(add, "add", HPyFunc_KEYWORDS)
    static HPy add_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy a, b = HPy_NULL;
        if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "O|O:add", kwlist, &a, &b))
            return HPy_NULL;
        if (HPy_IsNull(b))
            return HPy_Dup(ctx, a);
        return HPy_Add(ctx, a, b);
    }

    /* the same through a dict */
    HPyDef_METH(add_dict, "add_dict", HPyFunc_KEYWORDS)
    static HPy add_dict_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                             HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy a, b = HPy_NULL, t, kw, res;
        HPyTracker ht;
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &t, &kw))
            return HPy_NULL;
        HPy_Close(ctx, t);
        if (!HPyArg_ParseKeywordsDict(ctx, &ht, args, (HPy_ssize_t)nargs, kw, "O|O:add", kwlist,
                                      &a, &b)) {
            if (!HPy_IsNull(kw)) HPy_Close(ctx, kw);
            return HPy_NULL;
        }
        /* the handles stay valid after the dict is gone: the tracker has them */
        if (!HPy_IsNull(kw)) HPy_Close(ctx, kw);
        res = HPy_IsNull(b) ? HPy_Dup(ctx, a) : HPy_Add(ctx, a, b);
        HPyTracker_Close(ctx, ht);
        return res;
    }

    @EXPORT(parse)
    @EXPORT(kwparse)
    @EXPORT(dictparse)
    @EXPORT(tracker_after_failure)
    @EXPORT(add)
    @EXPORT(add_dict)
    @INIT
""")

_modules = {}


@pytest.fixture
def mod(hpy):
    if hpy.abi not in _modules:
        _modules[hpy.abi] = hpy.make_module(HARNESS, name=f"argparse_{hpy.abi}")
    return _modules[hpy.abi]


def sizeof(ctype):
    return ctypes.sizeof(ctype)


def srange(ctype):
    bits = 8 * sizeof(ctype)
    return -2**(bits - 1), 2**(bits - 1) - 1


def umax(ctype):
    return 2**(8 * sizeof(ctype)) - 1


class Index:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


# ---- one unit at a time, through all three entry points ----

MODES = ["parse", "kwparse", "dictparse", "kwparse-by-name", "dictparse-by-name"]


def one(mod, mode, unit, value):
    """Parses `value` with the single-unit format `unit`."""
    if mode == "parse":
        return mod.parse(False, unit, value)[0]
    if mode == "kwparse":
        return mod.kwparse(False, unit, ("x",), value)[0]
    if mode == "kwparse-by-name":
        return mod.kwparse(False, unit, ("x",), x=value)[0]
    tracker = unit in ("O", "s")   # 's' of a keyword value: see the file comment
    if mode == "dictparse":
        return mod.dictparse(tracker, unit, ("x",), (value,), None)[0]
    return mod.dictparse(tracker, unit, ("x",), (), {"x": value})[0]


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


SIGNED = [
    ("h", ctypes.c_short, "signed short integer"),
    ("i", ctypes.c_int, "signed integer"),
]


def test_b(mod, mode):
    assert one(mod, mode, "b", 0) == 0
    assert one(mod, mode, "b", 255) == 255
    assert one(mod, mode, "b", Index(7)) == 7
    with pytest.raises(OverflowError) as e:
        one(mod, mode, "b", -1)
    assert str(e.value) == "function unsigned byte integer is less than minimum"
    with pytest.raises(OverflowError) as e:
        one(mod, mode, "b", 256)
    assert str(e.value) == "function unsigned byte integer is greater than maximum"
    # the context's conversion error, unchanged
    with pytest.raises(TypeError) as e:
        one(mod, mode, "b", "1")
    assert str(e.value) == "'str' object cannot be interpreted as an integer"
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        one(mod, mode, "b", 1.0)


@pytest.mark.parametrize("unit, ctype", [("B", ctypes.c_ubyte), ("H", ctypes.c_ushort),
                                         ("I", ctypes.c_uint), ("k", ctypes.c_ulong),
                                         ("K", ctypes.c_ulonglong)])
def test_masked(mod, mode, unit, ctype):
    top = umax(ctype)
    assert one(mod, mode, unit, 0) == 0
    assert one(mod, mode, unit, top) == top
    assert one(mod, mode, unit, top + 1) == 0
    assert one(mod, mode, unit, -1) == top
    assert one(mod, mode, unit, top + 6) == 5
    assert one(mod, mode, unit, 2**100 + 3) == 3
    assert one(mod, mode, unit, -2**100 - 2) == top - 1
    # HPyLong_AsUnsigned*Mask takes __index__, as upstream
    assert one(mod, mode, unit, Index(-2)) == top - 1
    with pytest.raises(TypeError) as e:
        one(mod, mode, unit, "1")
    assert str(e.value) == "'str' object cannot be interpreted as an integer"
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        one(mod, mode, unit, 1.0)


@pytest.mark.parametrize("unit, ctype, what", SIGNED)
def test_signed_checked(mod, mode, unit, ctype, what):
    lo, hi = srange(ctype)
    assert one(mod, mode, unit, lo) == lo
    assert one(mod, mode, unit, hi) == hi
    assert one(mod, mode, unit, 0) == 0
    assert one(mod, mode, unit, Index(-3)) == -3
    # Where the C type is as wide as long (int on wasm32, as on Windows),
    # HPyLong_AsLong's own OverflowError comes before the range check.
    checked = ctypes.sizeof(ctype) < ctypes.sizeof(ctypes.c_long)
    with pytest.raises(OverflowError) as e:
        one(mod, mode, unit, lo - 1)
    assert (str(e.value) == f"function {what} is less than minimum") == checked
    with pytest.raises(OverflowError) as e:
        one(mod, mode, unit, hi + 1)
    assert (str(e.value) == f"function {what} is greater than maximum") == checked
    # beyond long: HPyLong_AsLong's own OverflowError, unchanged
    with pytest.raises(OverflowError) as e:
        one(mod, mode, unit, 2**200)
    assert not str(e.value).startswith("function")
    with pytest.raises(TypeError, match="^'str' object cannot be interpreted as an integer$"):
        one(mod, mode, unit, "1")
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        one(mod, mode, unit, 1.5)


@pytest.mark.parametrize("unit, ctype", [("l", ctypes.c_long), ("L", ctypes.c_longlong)])
def test_signed_native(mod, mode, unit, ctype):
    lo, hi = srange(ctype)
    assert one(mod, mode, unit, lo) == lo
    assert one(mod, mode, unit, hi) == hi
    assert one(mod, mode, unit, -5) == -5
    assert one(mod, mode, unit, Index(9)) == 9
    assert one(mod, mode, unit, True) == 1
    with pytest.raises(OverflowError):
        one(mod, mode, unit, lo - 1)
    with pytest.raises(OverflowError):
        one(mod, mode, unit, hi + 1)
    with pytest.raises(TypeError, match="^'str' object cannot be interpreted as an integer$"):
        one(mod, mode, unit, "1")
    with pytest.raises(TypeError, match="'NoneType' object cannot be interpreted as an integer"):
        one(mod, mode, unit, None)


def test_n(mod, mode):
    lo, hi = srange(ctypes.c_ssize_t)
    assert one(mod, mode, "n", lo) == lo
    assert one(mod, mode, "n", hi) == hi
    assert one(mod, mode, "n", True) == 1
    with pytest.raises(OverflowError):
        one(mod, mode, "n", hi + 1)
    # HPyLong_AsSsize_t wants an int (PyLong_AsSsize_t), as upstream
    for bad in (Index(9), "1", None):
        with pytest.raises(TypeError) as e:
            one(mod, mode, "n", bad)
        assert not str(e.value).startswith("function")


def test_float_units(mod, mode):
    assert one(mod, mode, "d", 1.5) == 1.5
    assert one(mod, mode, "d", 3) == 3.0
    assert one(mod, mode, "d", 1e300) == 1e300
    assert one(mod, mode, "d", float("inf")) == float("inf")
    assert one(mod, mode, "f", 1.5) == 1.5
    assert one(mod, mode, "f", 0.1) == ctypes.c_float(0.1).value
    assert one(mod, mode, "f", -2) == -2.0
    for unit in "fd":
        with pytest.raises(TypeError, match="^must be real number, not str$"):
            one(mod, mode, unit, "1.0")
        with pytest.raises(OverflowError):
            one(mod, mode, unit, 2**2000)


def test_s(mod, mode):
    assert one(mod, mode, "s", "hello") == "hello"
    assert one(mod, mode, "s", "") == ""
    assert one(mod, mode, "s", "h\xe9llo \u20ac \U0001f600") == "h\xe9llo \u20ac \U0001f600"
    with pytest.raises(ValueError) as e:
        one(mod, mode, "s", "a\0b")
    assert str(e.value) == "function embedded null character"
    for bad in (b"abc", 1, None):
        with pytest.raises(TypeError) as e:
            one(mod, mode, "s", bad)
        assert str(e.value) == "function a str is required"
    with pytest.raises(SystemError) as e:
        one(mod, mode, "s", "\ud800")
    assert str(e.value) == "function unicode conversion error"


def test_s_message_framing(mod):
    with pytest.raises(TypeError) as e:
        mod.parse(False, "is:g", 1, None)
    assert str(e.value) == "g() a str is required"
    with pytest.raises(TypeError) as e:
        mod.parse(False, "is;need a name", 1, None)
    assert str(e.value) == "need a name"
    with pytest.raises(ValueError) as e:
        mod.kwparse(False, "s:g", ("a",), a="x\0")
    assert str(e.value) == "g() embedded null character"


def test_O(mod, mode):
    obj = object()
    assert one(mod, mode, "O", obj) is obj
    assert one(mod, mode, "O", None) is None


def test_p(mod, mode):
    assert one(mod, mode, "p", True) == 1
    assert one(mod, mode, "p", False) == 0
    assert one(mod, mode, "p", 0) == 0
    assert one(mod, mode, "p", 17) == 1
    assert one(mod, mode, "p", []) == 0
    assert one(mod, mode, "p", [0]) == 1
    assert one(mod, mode, "p", None) == 0

    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("nope")

    with pytest.raises(ZeroDivisionError, match="^nope$"):
        one(mod, mode, "p", Bad())


def test_all_units_at_once(mod):
    obj = object()
    args = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1.5, 2.5, "s", obj, [1])
    fmt = "bBhHiIlkLKnfdsOp"
    assert mod.parse(False, fmt, *args) == args[:-1] + (1,)
    kw = tuple("abcdefghijklmnop")
    assert mod.kwparse(False, fmt, kw, **dict(zip(kw, args, strict=True))) == args[:-1] + (1,)
    assert mod.dictparse(True, fmt, kw, (), dict(zip(kw, args, strict=True))) == args[:-1] + (1,)


# ---- HPyArg_Parse: counts, '|', ':', ';' ----

def parse_error(mod, fmt, *args, exc=TypeError):
    with pytest.raises(exc) as e:
        mod.parse(False, fmt, *args)
    return str(e.value)


def test_parse_counts(mod):
    assert mod.parse(False, "") == ()
    assert mod.parse(False, "ii", 1, 2) == (1, 2)
    assert parse_error(mod, "ii", 1) == "function required positional argument missing"
    assert parse_error(mod, "ii", 1, 2, 3) == "function mismatched args (too many arguments for fmt)"
    assert parse_error(mod, "", 1) == "function mismatched args (too many arguments for fmt)"


def test_parse_optional(mod):
    assert mod.parse(False, "i|id", 1) == (1, 42, 42.0)
    assert mod.parse(False, "i|id", 1, 2) == (1, 2, 42.0)
    assert mod.parse(False, "i|id", 1, 2, 3) == (1, 2, 3.0)
    assert mod.parse(False, "|sO") == ("default", None)
    assert mod.parse(False, "i||i", 1) == (1, 42)
    assert parse_error(mod, "i|i", 1, 2, 3) == "function mismatched args (too many arguments for fmt)"
    assert parse_error(mod, "ii|i", 1) == "function required positional argument missing"
    assert parse_error(mod, "i|i") == "function required positional argument missing"


def test_parse_name(mod):
    assert parse_error(mod, "ii:my_func", 1) == "my_func() required positional argument missing"
    assert parse_error(mod, "i:my_func", 1, 2) == \
        "my_func() mismatched args (too many arguments for fmt)"
    assert parse_error(mod, "b:my_func", 300, exc=OverflowError) == \
        "my_func() unsigned byte integer is greater than maximum"
    assert mod.parse(False, "i:my_func", 3) == (3,)


def test_parse_custom_message(mod):
    assert mod.parse(False, "i;need one int", 3) == (3,)
    for args in [(), (1, 2)]:
        assert parse_error(mod, "i;need one int", *args) == "need one int"
    assert parse_error(mod, "s;give me a string", 3) == "give me a string"
    # every message of the parser is replaced, the class is kept ...
    assert parse_error(mod, "h;msg", 2**20, exc=OverflowError) == "msg"
    assert parse_error(mod, "x;msg", 1, exc=SystemError) == "msg"
    # ... but the conversions' own errors are not the parser's
    assert parse_error(mod, "h;msg", "x") == "'str' object cannot be interpreted as an integer"


def test_units_left_to_right(mod):
    # the first unit's conversion error comes before a count error found later
    assert parse_error(mod, "i", "x", 2) == "'str' object cannot be interpreted as an integer"
    assert parse_error(mod, "ibi", 1, 300, exc=OverflowError) == \
        "function unsigned byte integer is greater than maximum"
    assert parse_error(mod, "ii", "x") == "'str' object cannot be interpreted as an integer"


@pytest.mark.parametrize("fmt", ["x", "i#", "i(i)", "i$i", "i*", "es"])
def test_parse_unknown_unit(mod, fmt):
    assert parse_error(mod, fmt, 1, 2, exc=SystemError) == "function unknown arg format code"
    named = parse_error(mod, fmt + ":fn", 1, 2, exc=SystemError)
    assert named == "fn() unknown arg format code"


def test_parse_unknown_unit_reached_only(mod):
    # as upstream, a unit is only looked at when the parser gets to it
    assert parse_error(mod, "ii#", 1, 2) == "function required positional argument missing"
    assert parse_error(mod, "i|#", 1, 2, exc=SystemError) == "function unknown arg format code"


# ---- HPyArg_ParseKeywords ----

AB = ("a", "b")


def test_kw_basic(mod):
    for call in (mod.kwparse, lambda t, f, k, *a, **kw: mod.dictparse(t, f, k, a, kw)):
        assert call(False, "i|i:f", AB, 1) == (1, 42)
        assert call(False, "i|i:f", AB, 1, 2) == (1, 2)
        assert call(False, "i|i:f", AB, a=1) == (1, 42)
        assert call(False, "i|i:f", AB, 1, b=2) == (1, 2)
        assert call(False, "i|i:f", AB, b=2, a=1) == (1, 2)
        assert call(False, "|ii:f", AB, b=2) == (42, 2)
        assert call(False, "", ()) == ()


def kw_both(mod, fmt, kwlist, *args, **kwargs):
    """Runs the vectorcall and the dict variants; returns both exceptions."""
    errors = []
    for call in (lambda: mod.kwparse(False, fmt, kwlist, *args, **kwargs),
                 lambda: mod.dictparse(True, fmt, kwlist, args, kwargs or None)):
        with pytest.raises(Exception) as e:
            call()
        errors.append(e.value)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]) == str(errors[1])
    return errors[0]


def test_kw_missing(mod):
    e = kw_both(mod, "ii:f", AB, 1)
    assert type(e) is TypeError
    assert str(e) == "f() no value for required argument"
    e = kw_both(mod, "ii", AB, b=1)
    assert str(e) == "function no value for required argument"
    e = kw_both(mod, "i|i:f", AB)
    assert str(e) == "f() no value for required argument"


def test_kw_list_length(mod):
    e = kw_both(mod, "ii:f", ("a",), 1, 2)
    assert type(e) is TypeError
    assert str(e) == "f() mismatched args (too few keywords for fmt)"
    e = kw_both(mod, "i", AB, 1)
    assert type(e) is TypeError
    assert str(e) == "function mismatched args (too many keywords for fmt)"
    assert str(kw_both(mod, "ii;wrong", ("a",), 1, 2)) == "wrong"
    assert str(kw_both(mod, "i;wrong", AB, 1)) == "wrong"
    # found when the parser gets there: a conversion error comes first
    e = kw_both(mod, "ii", ("a",), "x")
    assert str(e) == "'str' object cannot be interpreted as an integer"


def test_kw_empty_name(mod):
    for kwlist in (("a", ""), ("", "b", "")):
        e = kw_both(mod, "ii", kwlist, 1, 2)
        assert type(e) is SystemError
        assert str(e) == "function empty keyword parameter name"
    assert str(kw_both(mod, "ii:f", ("a", ""), 1, 2)) == "f() empty keyword parameter name"


def test_kw_keyword_only(mod):
    kw = ("a", "b", "c")
    for call in (mod.kwparse, lambda t, f, k, *a, **kw: mod.dictparse(t, f, k, a, kw)):
        assert call(False, "i|i$i:f", kw, 1) == (1, 42, 42)
        assert call(False, "i|i$i:f", kw, 1, 2, c=3) == (1, 2, 3)
        assert call(False, "i|$ii:f", kw, 1, c=3) == (1, 42, 3)
        # as upstream, keyword-only parameters are optional
        assert call(False, "i$i:f", AB, 1) == (1, 42)
        assert call(False, "i$|i:f", AB, 1, b=2) == (1, 2)
    e = kw_both(mod, "i|$ii:f", kw, 1, 2)
    assert type(e) is TypeError
    assert str(e) == "f() keyword only argument passed as positional argument"
    e = kw_both(mod, "i$i", AB, 1, 2)
    assert str(e) == "function keyword only argument passed as positional argument"


def test_kw_positional_only(mod):
    kw = ("", "b")
    for call in (mod.kwparse, lambda t, f, k, *a, **kw: mod.dictparse(t, f, k, a, kw)):
        assert call(False, "ii:f", kw, 1, 2) == (1, 2)
        assert call(False, "ii:f", kw, 1, b=2) == (1, 2)
        assert call(False, "|ii:f", kw) == (42, 42)
    e = kw_both(mod, "ii:f", kw, b=2)
    assert str(e) == "f() no value for required argument"
    e = kw_both(mod, "ii:f", ("", ""), 1)
    assert str(e) == "f() no value for required argument"


def test_kw_beyond_upstream(mod):
    """Wrong calls upstream lets through silently raise TypeError here, in
    the same framing."""
    e = kw_both(mod, "i|i:f", AB, 1, 2, 3)
    assert type(e) is TypeError
    assert str(e) == "f() mismatched args (too many arguments for fmt)"
    e = kw_both(mod, "i|i:f", AB, 1, c=3)
    assert str(e) == "f() got an unexpected keyword argument 'c'"
    e = kw_both(mod, "|i", ("a",), A=1)
    assert str(e) == "function got an unexpected keyword argument 'A'"
    e = kw_both(mod, "|ii:f", ("", "b"), a=2)
    assert str(e) == "f() got an unexpected keyword argument 'a'"
    e = kw_both(mod, "i|i:f", AB, 1, a=2)
    assert str(e) == "f() got multiple values for argument 'a'"
    assert str(kw_both(mod, "i|i;bad", AB, 1, c=3)) == "bad"


def test_kw_embedded_nul(mod):
    """A keyword name with an embedded NUL names no parameter (CPython
    rejects it too); its prefix up to the NUL must not alias one."""
    assert mod.kwparse(False, "|ii:f", AB, b=5) == (42, 5)
    e = kw_both(mod, "|ii:f", AB, **{"b\0junk": 5})
    assert type(e) is TypeError
    assert str(e) == "f() got an unexpected keyword argument 'b\\x00junk'"
    e = kw_both(mod, "i|i:f", AB, 1, **{"b\0": 2})
    assert str(e) == "f() got an unexpected keyword argument 'b\\x00'"
    # a NUL at the start, with the real name given too
    e = kw_both(mod, "i|i:f", AB, 1, b=2, **{"\0b": 3})
    assert str(e) == "f() got an unexpected keyword argument '\\x00b'"


# "x" then 2-byte characters: a cut after an even number of bytes splits one
LONG = "x" + "\u00e9" * 400


def test_names_cut_at_a_character_boundary(mod):
    """Names of arbitrary length are cut at a character boundary: cutting
    at a byte count would split a UTF-8 sequence, and the message would
    become a UnicodeDecodeError."""
    assert parse_error(mod, "i:" + LONG, 1, 2) == \
        LONG[:100] + "() mismatched args (too many arguments for fmt)"
    # a ';' message is kept up to 511 bytes
    assert parse_error(mod, "i;" + LONG, 1, 2) == LONG[:256]
    e = kw_both(mod, "|i:f", ("a",), **{LONG: 1})
    assert type(e) is TypeError
    assert str(e) == "f() got an unexpected keyword argument '" + LONG[:100] + "'"
    e = kw_both(mod, "|i:f", ("a",), **{"\0" * 49 + LONG: 1})
    assert str(e) == "f() got an unexpected keyword argument '" + "\\x00" * 49 + LONG[:2] + "'"


def test_kw_custom_message(mod):
    for args, kwargs in [((), {}), ((1, 2, 3), {}), ((1,), {"a": 1}), ((1,), {"z": 1}),
                         ((1, 2), {})]:
        e = kw_both(mod, "i|s;bad call", AB, *args, **kwargs)
        assert type(e) is TypeError
        assert str(e) == "bad call"


def test_kw_non_str_keyword(mod):
    with pytest.raises(TypeError, match="keywords must be strings"):
        mod.dictparse(False, "|i", ("a",), (), {1: 2})


def test_kw_null_list(mod):
    for call in (lambda: mod.kwparse(False, "i:f", None, 1),
                 lambda: mod.dictparse(False, "i:f", None, (1,), None)):
        with pytest.raises(SystemError) as e:
            call()
        assert str(e.value) == "f() keywords list is NULL"


def test_kw_unknown_unit(mod):
    for call in (lambda: mod.kwparse(False, "iq", AB, 1, 2),
                 lambda: mod.dictparse(False, "iq", AB, (1,), {"b": 2})):
        with pytest.raises(SystemError) as e:
            call()
        assert str(e.value) == "function unknown arg format code"


def test_dict_bad_kw(mod):
    with pytest.raises(SystemError, match="keywords argument is not a dict"):
        mod.dictparse(False, "|i", ("a",), (), [("a", 1)])


# ---- trackers ----

def test_tracker_roundtrip(mod):
    obj = object()
    assert mod.parse(True, "O", obj) == (obj,)
    assert mod.kwparse(True, "O|O", AB, obj, b=obj) == (obj, obj)
    assert mod.dictparse(True, "O|O", AB, (obj,), {"b": obj}) == (obj, obj)
    assert mod.dictparse(True, "s|s", AB, ("x",), {"b": "y"}) == ("x", "y")


NEED_TRACKER = ("HPyArg_ParseKeywords cannot use the format character 'O' unless an "
                "HPyTracker is provided. Please supply an HPyTracker.")


def test_tracker_required_for_O_from_dict(mod):
    for args, kw in (((), {"a": 1}), ((1,), None), ((), None)):
        with pytest.raises(SystemError) as e:
            mod.dictparse(False, "|O", ("a",), args, kw)
        assert str(e.value) == "function " + NEED_TRACKER
    with pytest.raises(SystemError) as e:
        mod.dictparse(False, "i|O:f", AB, (1,), None)
    assert str(e.value) == "f() " + NEED_TRACKER
    # 's' needs none, as upstream (the pointer of a keyword value is then
    # only valid while the dict holds the value, so not checked in debug mode)
    assert mod.dictparse(False, "s", AB[:1], ("x",), None) == ("x",)
    # HPyArg_Parse and HPyArg_ParseKeywords hand out the caller's handles
    assert mod.kwparse(False, "O", ("a",), a=1) == (1,)


def test_tracker_after_failure(mod):
    assert mod.tracker_after_failure() is True


def test_typical_functions(mod):
    for f in (mod.add, mod.add_dict):
        assert f(1) == 1
        assert f(1, 2) == 3
        assert f(a=1, b=2) == 3
        assert f("x", b="y") == "xy"
        with pytest.raises(TypeError, match=r"^add\(\) no value for required argument$"):
            f(b=2)
        with pytest.raises(TypeError, match=r"^add\(\) got an unexpected keyword argument 'c'$"):
            f(1, c=2)


OWNED = src("""
    /* Upstream's contract: every 'O' value of HPyArg_ParseKeywordsDict is a
     * new handle in the tracker, positional ones included; after
     * HPyTracker_ForgetAll the caller owns (and closes) them. */
    HPyDef_METH(owned, "owned", HPyFunc_KEYWORDS)
    static HPy owned_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                          HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy a, b = HPy_NULL, t, kw, res;
        HPyTracker ht;
        int ok;
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &t, &kw))
            return HPy_NULL;
        HPy_Close(ctx, t);
        ok = HPyArg_ParseKeywordsDict(ctx, &ht, args, (HPy_ssize_t)nargs, kw, "O|O", kwlist,
                                      &a, &b);
        HPy_Close(ctx, kw);
        if (!ok)
            return HPy_NULL;
        HPyTracker_ForgetAll(ctx, ht);
        HPyTracker_Close(ctx, ht);
        res = HPyTuple_Pack(ctx, 2, a, HPy_IsNull(b) ? ctx->h_None : b);
        HPy_Close(ctx, a);
        HPy_Close(ctx, b);
        return res;
    }
    @EXPORT(owned)
    @INIT
""")


def test_dict_O_values_are_new_handles(hpy):
    mod = hpy.make_module(OWNED, name=f"argparse_owned_{hpy.abi}")
    obj, other = object(), object()
    for _ in range(3):
        assert mod.owned(obj) == (obj, None)
        assert mod.owned(obj, other) == (obj, other)
        assert mod.owned(obj, b=other) == (obj, other)
        assert mod.owned(a=obj, b=other) == (obj, other)
    if hasattr(sys, "getrefcount"):
        before = sys.getrefcount(obj), sys.getrefcount(other)
        for _ in range(100):
            mod.owned(obj, other)
            mod.owned(obj, b=other)
        assert (sys.getrefcount(obj), sys.getrefcount(other)) == before


SAME_KW = src("""
    /* Two parameters with the same keyword name take the same dict value:
     * each 'O' must be a handle of its own in the tracker, and an 's' next
     * to an 'O' must not hand the value's handle to the tracker twice
     * (found by the fuzzer: the tracker closed it twice). */
    HPyDef_METH(same_kw, "same_kw", HPyFunc_KEYWORDS)
    static HPy same_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                            HPy kwnames)
    {
        static const char *kwlist[] = { "a", "a", "a", NULL };
        HPy x = HPy_NULL, y = HPy_NULL, t, kw, res;
        const char *s = NULL;
        HPyTracker ht;
        int ok;
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &t, &kw))
            return HPy_NULL;
        HPy_Close(ctx, t);
        ok = HPyArg_ParseKeywordsDict(ctx, &ht, args, (HPy_ssize_t)nargs, kw, "|OsO", kwlist,
                                      &x, &s, &y);
        HPy_Close(ctx, kw);
        if (!ok)
            return HPy_NULL;
        res = HPy_BuildValue(ctx, "OsO", x, s, y);
        HPyTracker_Close(ctx, ht);
        return res;
    }
    @EXPORT(same_kw)
    @INIT
""")


def test_dict_same_keyword_twice(hpy):
    mod = hpy.make_module(SAME_KW, name=f"argparse_same_kw_{hpy.abi}")
    value = "v" + str(id(hpy))
    before = sys.getrefcount(value) if hasattr(sys, "getrefcount") else None
    for _ in range(50):
        assert mod.same_kw(a=value) == (value, value, value)
    if before is not None:
        assert sys.getrefcount(value) == before


# ---- reference counts ----

@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_no_leaks(mod):
    obj = object()
    s = "some string " + str(id(obj))
    big = 2**40 + 12345
    flt = 1.0 + id(obj)

    def calls():
        mod.parse(False, "OsLd", obj, s, big, flt)
        mod.parse(True, "O|O", obj, obj)
        mod.kwparse(False, "OsLd", ("a", "b", "c", "d"), obj, s, c=big, d=flt)
        mod.kwparse(True, "O|O", AB, obj, b=obj)
        mod.dictparse(True, "OsLd", ("a", "b", "c", "d"), (obj,), {"b": s, "c": big, "d": flt})
        mod.dictparse(True, "|sLd", ("b", "c", "d"), (), {"b": s, "c": big, "d": flt})
        mod.add_dict(big, b=big)
        for bad in [lambda: mod.kwparse(True, "O|O", AB, obj, c=obj),
                    lambda: mod.dictparse(True, "O|O", AB, (obj,), {"a": obj}),
                    lambda: mod.dictparse(True, "OO", AB, (obj,), {"b": obj, "z": obj}),
                    lambda: mod.dictparse(True, "Oi", AB, (obj,), {"b": obj}),
                    lambda: mod.dictparse(True, "OOi", ("a", "b", "c"), (obj, obj, s), None),
                    lambda: mod.dictparse(True, "OO", AB, (obj, obj, obj), None),
                    lambda: mod.parse(True, "Oi", obj, s)]:
            try:
                bad()
            except TypeError:
                pass
            else:
                raise AssertionError("should fail")

    calls()
    before = [sys.getrefcount(x) for x in (obj, s, big, flt)]
    for _ in range(200):
        calls()
    after = [sys.getrefcount(x) for x in (obj, s, big, flt)]
    assert after == before


DICT_S = src("""
    /* 's' of HPyArg_ParseKeywordsDict without a tracker (allowed, as
     * upstream): the pointer is read while the dict still holds the value */
    HPyDef_METH(dict_s, "dict_s", HPyFunc_KEYWORDS)
    static HPy dict_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        const char *a = "?", *b = "-";
        HPy t, kw, res;
        if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &t, &kw))
            return HPy_NULL;
        HPy_Close(ctx, t);
        if (!HPyArg_ParseKeywordsDict(ctx, NULL, args, (HPy_ssize_t)nargs, kw, "s|s", kwlist,
                                      &a, &b)) {
            HPy_Close(ctx, kw);
            return HPy_NULL;
        }
        res = HPy_BuildValue(ctx, "(ss)", a, b);
        HPy_Close(ctx, kw);
        return res;
    }
    @EXPORT(dict_s)
    @INIT
""")


def test_dict_s_without_tracker(hpy):
    if hpy.abi == "debug":
        pytest.skip("debug mode invalidates the buffer of the closed value handle")
    mod = hpy.make_module(DICT_S, name=f"argparse_dict_s_{hpy.abi}")
    assert mod.dict_s("x") == ("x", "-")
    assert mod.dict_s("x", "y") == ("x", "y")
    assert mod.dict_s("x", b="y\xe9") == ("x", "y\xe9")
    assert mod.dict_s(a="x", b="y") == ("x", "y")
    if hasattr(sys, "getrefcount"):
        s = "value " + str(id(mod))
        before = sys.getrefcount(s)
        for _ in range(100):
            mod.dict_s(a=s, b=s)
        assert sys.getrefcount(s) == before
