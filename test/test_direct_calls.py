"""The inline calls of a binary with the inline fast paths
(hpy/universal/direct_calls.h, _HPyInitDirectCalls_<name> in load.c): in
universal mode HPy_Length and HPy_GetItem_i of an exact tuple,
HPyUnicode_AsUTF8AndSize of an exact compact ASCII str and
HPyLong_FromInt64_t/HPyLong_FromSsize_t of a cached small int are answered
in the extension; everything else calls the context, with the same results
and errors, and in debug and trace mode every call does.

As in test_direct_inline.py, the probes swap the context's function for one
that counts its calls and forwards to the original."""
import sys

import pytest

from direct_snippets import (
    context_module,
    counting,
    universal,
    universal_only,
    with_switch_off,
    without_handshake,
)

SRC = counting(
    ("Length", "HPy_ssize_t", ("HPy",)),
    ("GetItem_i", "HPy", ("HPy", "HPy_ssize_t")),
    ("Unicode_AsUTF8AndSize", "const char *", ("HPy", "HPy_ssize_t *")),
    ("Long_FromInt64_t", "HPy", ("int64_t",)),
    ("Long_FromSsize_t", "HPy", ("HPy_ssize_t",)),
    ("Long_AsInt32_t", "int32_t", ("HPy",)),
    ("Long_AsInt64_t", "int64_t", ("HPy",)),
    ("Long_AsSsize_t", "HPy_ssize_t", ("HPy",)),
) + """
    /* last_calls(): how many calls the last probe made into the context */
    HPyDef_METH(last_calls, "last_calls", HPyFunc_NOARGS)
    static HPy last_calls_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, calls);
    }

    /* length(obj): HPy_Length(obj) */
    HPyDef_METH(length, "length", HPyFunc_O)
    static HPy length_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        HPy_ssize_t n;
        count_begin(ctx);
        n = HPy_Length(ctx, obj);
        count_end(ctx);
        if (n < 0)
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, n);
    }

    /* getitem(obj, i): HPy_GetItem_i(obj, i) */
    HPyDef_METH(getitem, "getitem", HPyFunc_VARARGS)
    static HPy getitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        HPy r;
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        count_begin(ctx);
        r = HPy_GetItem_i(ctx, args[0], i);
        count_end(ctx);
        return r;
    }

    /* utf8(obj, want_size): (the UTF-8 as bytes, its size or -2) */
    HPyDef_METH(utf8, "utf8", HPyFunc_VARARGS)
    static HPy utf8_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t size = -2;
        const char *s;
        HPy b, r;
        int want_size = HPy_IsTrue(ctx, args[1]);
        count_begin(ctx);
        s = HPyUnicode_AsUTF8AndSize(ctx, args[0], want_size ? &size : NULL);
        count_end(ctx);
        if (s == NULL)
            return HPy_NULL;
        b = HPyBytes_FromStringAndSize(ctx, s, (HPy_ssize_t)strlen(s));
        if (HPy_IsNull(b))
            return HPy_NULL;
        r = HPy_BuildValue(ctx, "On", b, size);
        HPy_Close(ctx, b);
        return r;
    }

    /* from_int64(v, ssize): HPyLong_FromInt64_t(v), or HPyLong_FromSsize_t */
    HPyDef_METH(from_int, "from_int", HPyFunc_VARARGS)
    static HPy from_int_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int64_t v = HPyLong_AsInt64_t(ctx, args[0]);
        int ssize = HPy_IsTrue(ctx, args[1]);
        HPy r;
        if (v == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        count_begin(ctx);
        r = ssize ? HPyLong_FromSsize_t(ctx, (HPy_ssize_t)v) : HPyLong_FromInt64_t(ctx, v);
        count_end(ctx);
        return r;
    }

    /* as_int(obj, which): HPyLong_AsInt32_t (0), AsInt64_t (1), AsSsize_t
     * (2) or HPyLong_AsLong (3) of obj */
    HPyDef_METH(as_int, "as_int", HPyFunc_VARARGS)
    static HPy as_int_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long which = HPyLong_AsLong(ctx, args[1]);
        int64_t v;
        if (which == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        count_begin(ctx);
        if (which == 0)
            v = HPyLong_AsInt32_t(ctx, args[0]);
        else if (which == 1)
            v = HPyLong_AsInt64_t(ctx, args[0]);
        else if (which == 2)
            v = HPyLong_AsSsize_t(ctx, args[0]);
        else
            v = HPyLong_AsLong(ctx, args[0]);
        count_end(ctx);
        if (v == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromInt64_t(ctx, v);
    }

    /* has_long(): whether the host offered this binary the int layout */
    HPyDef_METH(has_long, "has_long", HPyFunc_NOARGS)
    static HPy has_long_impl(HPyContext *ctx, HPy self)
    {
        return HPyBool_FromLong(ctx, _hpy_direct_calls.long_type_size != 0 ||
                                         _hpy_direct_calls.long_type_tag != 0);
    }

    /* fake_handle(): the inline functions given a handle that is no
     * pointer (upstream's host hands out indices into its table) and
     * context functions that only recognise it: a binary whose inline
     * paths are off must pass it on without reading through it */
    static HPy_ssize_t fake_length(HPyContext *ctx, HPy h) { return h._i == 12 ? 1 : -1; }
    static HPy fake_getitem_i(HPyContext *ctx, HPy h, HPy_ssize_t i)
    {
        return h._i == 12 ? HPyLong_FromLong(ctx, 2) : HPy_NULL;
    }
    static const char *fake_as_utf8(HPyContext *ctx, HPy h, HPy_ssize_t *size)
    {
        return h._i == 12 ? "3" : NULL;
    }
    static int64_t fake_as_int64(HPyContext *ctx, HPy h) { return h._i == 12 ? 4 : -1; }
    static HPy fake_dup(HPyContext *ctx, HPy h) { calls += h._i == 12; return h; }
    static void fake_close(HPyContext *ctx, HPy h) { calls += h._i == 12; }

    HPyDef_METH(fake_handle, "fake_handle", HPyFunc_NOARGS)
    static HPy fake_handle_impl(HPyContext *ctx, HPy self)
    {
        HPyContext saved = *ctx;
        HPy fake, item, dup, r;
        HPy_ssize_t n;
        const char *s;
        int64_t v;
        fake._i = 12;
        ctx->ctx_Length = fake_length;
        ctx->ctx_GetItem_i = fake_getitem_i;
        ctx->ctx_Unicode_AsUTF8AndSize = fake_as_utf8;
        ctx->ctx_Long_AsInt64_t = fake_as_int64;
        ctx->ctx_Dup = fake_dup;
        ctx->ctx_Close = fake_close;
        calls = 0;
        n = HPy_Length(ctx, fake);
        item = HPy_GetItem_i(ctx, fake, 0);
        s = HPyUnicode_AsUTF8AndSize(ctx, fake, NULL);
        v = HPyLong_AsInt64_t(ctx, fake);
        dup = HPy_Dup(ctx, fake);
        HPy_Close(ctx, dup);
        *ctx = saved;
        r = HPy_BuildValue(ctx, "nOsLi", n, item, s, (long long)v, calls);
        HPy_Close(ctx, item);
        return r;
    }

    /* has_model(): whether the host gave this binary its reference-count
     * model (without it, no new references are made in the binary) */
    HPyDef_METH(has_model, "has_model", HPyFunc_NOARGS)
    static HPy has_model_impl(HPyContext *ctx, HPy self)
    {
        return HPyBool_FromLong(ctx, _hpy_direct_trampolines.refcnt_zero != NULL);
    }

    @EXPORT(has_model)
    @EXPORT(last_calls)
    @EXPORT(length)
    @EXPORT(getitem)
    @EXPORT(utf8)
    @EXPORT(from_int)
    @EXPORT(as_int)
    @EXPORT(has_long)
    @EXPORT(fake_handle)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return context_module(hpy, SRC)


@pytest.fixture
def mod_off(hpy):
    """The same source with the host's switch off: every call goes to it."""
    universal_only(hpy)
    return with_switch_off(hpy, "calls", SRC, "mytest_calls_off")


def _new_refs(hpy, mod):
    """New references (tuple items, small ints) need the host's model too."""
    return universal(hpy) and mod.has_model()


def _small_ints(hpy, mod):
    """Small ints need CPython's process-wide cache (3.11 on) and the model."""
    return _new_refs(hpy, mod) and sys.version_info >= (3, 11)


class Sub(tuple):
    pass


class Text(str):
    pass


def test_length(hpy, mod):
    calls = 0 if universal(hpy) else 1
    assert mod.length(()) == 0 and mod.last_calls() == calls
    assert mod.length((1, 2, 3)) == 3 and mod.last_calls() == calls
    # not exact tuples: the host
    assert mod.length([1, 2]) == 2 and mod.last_calls() == 1
    assert mod.length(Sub((1, 2, 3, 4))) == 4 and mod.last_calls() == 1
    assert mod.length("abc") == 3 and mod.last_calls() == 1
    with pytest.raises(TypeError):
        mod.length(42)
    assert mod.last_calls() == 1


def test_getitem(hpy, mod):
    calls = 0 if _new_refs(hpy, mod) else 1
    t = ("a", "b", object())
    for i in range(3):
        assert mod.getitem(t, i) is t[i]
        assert mod.last_calls() == calls
    assert mod.getitem(Sub((5, 6)), 1) == 6 and mod.last_calls() == 1
    assert mod.getitem([7, 8], 0) == 7 and mod.last_calls() == 1
    # a negative index counts from the end (the host's PyObject_GetItem)
    assert mod.getitem(t, -1) is t[-1] and mod.last_calls() == 1
    for i in (3, -4, sys.maxsize):
        with pytest.raises(IndexError, match="^tuple index out of range$"):
            mod.getitem(t, i)
        assert mod.last_calls() == 1


def test_getitem_reference(hpy, mod):
    """The item comes back as a new reference, as from the host."""
    item = object()
    t = (item,)
    before = sys.getrefcount(item)
    results = [mod.getitem(t, 0) for _ in range(100)]
    assert sys.getrefcount(item) == before + 100
    del results
    assert sys.getrefcount(item) == before


def test_utf8(hpy, mod):
    calls = 0 if universal(hpy) else 1
    assert mod.utf8("spam", True) == (b"spam", 4) and mod.last_calls() == calls
    assert mod.utf8("spam", False) == (b"spam", -2) and mod.last_calls() == calls
    assert mod.utf8("", True) == (b"", 0) and mod.last_calls() == calls
    # not compact ASCII, not exact: the host
    assert mod.utf8("sp\u00e4m", True) == ("sp\u00e4m".encode(), 5) and mod.last_calls() == 1
    assert mod.utf8("\u20ac", False) == ("\u20ac".encode(), -2) and mod.last_calls() == 1
    assert mod.utf8(Text("eggs"), True) == (b"eggs", 4) and mod.last_calls() == 1


@pytest.mark.parametrize("ssize", [False, True])
def test_from_int(hpy, mod, ssize):
    small = 0 if _small_ints(hpy, mod) else 1
    for v in (0, 1, -1, -5, 7, 100, 256):
        r = mod.from_int(v, ssize)
        assert r == v and type(r) is int
        assert r is v  # CPython's cached object
        assert mod.last_calls() == small
    for v in (-6, 257, 10**6, 2**62, -2**63, sys.maxsize, -sys.maxsize - 1):
        if ssize and not -sys.maxsize - 1 <= v <= sys.maxsize:
            continue  # HPy_ssize_t is 32 bits in WebAssembly
        assert mod.from_int(v, ssize) == v
        assert mod.last_calls() == 1


def test_from_int_reference(hpy, mod):
    """A cached int comes back as a new reference (3.11: counted)."""
    v = 200
    before = sys.getrefcount(v)
    results = [mod.from_int(v, False) for _ in range(100)]
    if sys.version_info < (3, 12):
        assert sys.getrefcount(v) == before + 100
    del results
    assert sys.getrefcount(v) == before


def test_same_answers_as_the_host(hpy, mod, mod_off):
    """With the switch off every call goes to the host; results and errors
    are the same."""
    def outcome(f, *args):
        try:
            return ("ok", f(*args))
        except Exception as e:
            return (type(e), str(e))

    t = (1, "x")
    cases = [
        ("length", ((),)), ("length", (t,)), ("length", (None,)),
        ("getitem", (t, 1)), ("getitem", (t, 2)), ("getitem", (t, -1)), ("getitem", (None, 0)),
        ("utf8", ("ab", True)), ("utf8", (b"ab", True)), ("utf8", (None, False)),
        ("utf8", ("\ud800", True)),
        ("from_int", (5, False)), ("from_int", (-5, True)), ("from_int", (2**40, False)),
    ]
    for name, args in cases:
        assert outcome(getattr(mod, name), *args) == outcome(getattr(mod_off, name), *args), name
        assert mod_off.last_calls() == 1


def test_handles_that_are_no_pointers(hpy, mod):
    """Without the host's handshake no inline path reads through a handle:
    it may be an index (upstream's host, whose loading the build without
    the handshake's exports stands for here), or a debug handle."""
    if universal(hpy):
        mod = without_handshake(hpy, SRC, "mytest_calls_fake")
    assert mod.fake_handle() == (1, 2, "3", 4, 2)


def test_binary_without_the_handshake(hpy):
    """Built as HPy's own headers build it: every call goes to the host."""
    universal_only(hpy)
    mod = without_handshake(hpy, SRC, "mytest_calls_none")
    assert mod.length((1, 2)) == 2 and mod.last_calls() == 1
    assert mod.getitem((1, 2), 0) == 1 and mod.last_calls() == 1
    assert mod.utf8("ab", True) == (b"ab", 2) and mod.last_calls() == 1
    assert mod.from_int(3, False) == 3 and mod.last_calls() == 1


def test_new_references_need_the_model(hpy):
    """Without the host's reference-count model the binary answers only the
    calls that return no new reference (HPy_Length, the UTF-8)."""
    universal_only(hpy)
    mod = with_switch_off(hpy, "refcount", SRC, "mytest_calls_no_model")
    calls = 0 if universal(hpy) else 1
    assert mod.length((1, 2)) == 2 and mod.last_calls() == calls
    assert mod.utf8("ab", True) == (b"ab", 2) and mod.last_calls() == calls
    assert mod.getitem((1, 2), 0) == 1 and mod.last_calls() == 1
    assert mod.from_int(3, False) == 3 and mod.last_calls() == 1


class Int(int):
    pass


class Index:
    def __index__(self):
        return 7


# the range of each of as_int's functions (HPyLong_AsLong is 32 bits in
# WebAssembly)
_BITS = [32, 64, sys.maxsize.bit_length() + 1, 64 if sys.maxsize > 2**32 else 32]


def _as_int_cases():
    return [0, 1, -1, 2, -2, 5, 255, -256, 1000, 2**29, -(2**29), 2**30 - 1, -(2**30 - 1)]


@pytest.mark.parametrize("which", range(4))
def test_as_int(hpy, mod, which):
    """A compact exact int (at most one 30-bit digit) is read in the
    binary; anything else goes to the host, with its errors."""
    inline = universal(hpy) and mod.has_long()
    for v in _as_int_cases():
        r = mod.as_int(v, which)
        assert r == v and type(r) is int
        assert mod.last_calls() == (0 if inline else 1), v
    bits = _BITS[which]
    for v in (2**30, -(2**30), 2**31 - 1, -(2**31), 2**40, True, False, Int(5), Int(-2**35),
              Index()):
        if isinstance(v, int) and not -(2 ** (bits - 1)) <= v < 2 ** (bits - 1):
            continue
        if isinstance(v, Index) and which == 2:
            continue  # PyLong_AsSsize_t takes no __index__
        assert mod.as_int(v, which) == int(v.__index__() if isinstance(v, Index) else v)
        assert mod.last_calls() == 1
    for v in (2 ** (bits - 1), -(2 ** (bits - 1)) - 1, 2**100):
        with pytest.raises(OverflowError):
            mod.as_int(v, which)
        assert mod.last_calls() == 1
    with pytest.raises(TypeError):
        mod.as_int("5", which)
    assert mod.last_calls() == 1
    with pytest.raises(TypeError):
        mod.as_int(1.5, which)
    assert mod.last_calls() == 1


def test_has_long(hpy, mod):
    """Both hosts offer the int layout of every CPython with 30-bit digits
    (the binary reads one digit as a uint32_t)."""
    if not universal(hpy):
        assert not mod.has_long()
    else:
        assert mod.has_long() == (sys.int_info.bits_per_digit == 30)


@pytest.mark.parametrize("which", range(4))
def test_as_int_same_answers_as_the_host(hpy, mod, mod_off, which):
    def outcome(f, *args):
        try:
            return ("ok", f(*args))
        except Exception as e:
            return (type(e), str(e))

    cases = _as_int_cases() + [2**30, -(2**30), 2**31, -(2**31) - 1, 2**63, -(2**63) - 1,
                               2**64, True, Int(3), Index(), None, "x", 2.0]
    for v in cases:
        assert outcome(mod.as_int, v, which) == outcome(mod_off.as_int, v, which), v
        assert mod_off.last_calls() == 1


FIRST_VERSION = """
    #include <stddef.h>
    _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectCalls_mytest_calls_v1(const _HPyDirectCalls *,
                                                                      size_t);

    /* what the binary answers for, as a string */
    HPyDef_METH(state, "state", HPyFunc_NOARGS)
    static HPy state_impl(HPyContext *ctx, HPy self)
    {
        const _HPyDirectCalls *c = &_hpy_direct_calls;
        return HPy_BuildValue(ctx, "(iiii)", c->tuple_type != 0,
                              c->str_type != 0,
                              c->long_type_size != 0 ||
                                  c->long_type_tag != 0,
                              (int)(_HPY_DIRECT_CALLS_SIZE_1 == offsetof(_HPyDirectCalls, long_type)));
    }

    /* offer_first(): takes the binary's own offer again, as a host of the
     * struct's first version would pass it; then a longer one */
    HPyDef_METH(offer_first, "offer_first", HPyFunc_NOARGS)
    static HPy offer_first_impl(HPyContext *ctx, HPy self)
    {
        _HPyDirectCalls offer = _hpy_direct_calls;
        int first, longer;
        offer.long_type = 12345; /* beyond the first version: must not be read */
        offer.long_kind = _HPY_LONG_KIND_SIZE;
        first = _HPyInitDirectCalls_mytest_calls_v1(&offer, _HPY_DIRECT_CALLS_SIZE_1);
        longer = _HPyInitDirectCalls_mytest_calls_v1(&offer, sizeof(offer) + 8);
        return HPy_BuildValue(ctx, "ii", first, longer);
    }

    @EXPORT(state)
    @EXPORT(offer_first)
    @INIT
"""


def test_first_version_of_the_offer(hpy):
    """A binary takes the first version of the struct (no int layout) and
    refuses a longer one; what it took stays usable."""
    universal_only(hpy)
    mod = hpy.make_module(FIRST_VERSION, name="mytest_calls_v1")
    tuple_, str_, long_, size_ok = mod.state()
    assert size_ok
    assert mod.offer_first() == (1, 0)
    assert mod.state()[:3] == (tuple_, str_, 0)


OLD_BINARY = """
    /* The calls step of a binary of the struct's first version: it takes
     * only that size (its setter below wraps the headers' one, renamed) */
    #define _HPyInitDirectCalls_mytest_calls_old full_calls_setter_mytest_calls_old
    static int refused, accepted;

    /* old_state(): (offers refused, taken, tuple read inline, int read inline) */
    HPyDef_METH(old_state, "old_state", HPyFunc_NOARGS)
    static HPy old_state_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, "iiii", refused, accepted, _hpy_direct_calls.tuple_type != 0,
                              _hpy_direct_calls.long_type != 0);
    }

    @EXPORT(old_state)
    @INIT

    #undef _HPyInitDirectCalls_mytest_calls_old
    _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectCalls_mytest_calls_old(const _HPyDirectCalls *offer,
                                                                      size_t offer_size);
    _HPy_EXTERN_C _HPy_EXPORT int _HPyInitDirectCalls_mytest_calls_old(const _HPyDirectCalls *offer,
                                                                      size_t offer_size)
    {
        if (offer_size != _HPY_DIRECT_CALLS_SIZE_1) {
            refused++;
            return 0;
        }
        accepted++;
        return full_calls_setter_mytest_calls_old(offer, offer_size);
    }
"""


def test_host_offers_the_first_version_to_an_older_binary(hpy):
    """A binary that takes only the first version's size refuses the
    host's full struct and gets the first version next."""
    universal_only(hpy)
    mod = hpy.make_module(OLD_BINARY, name="mytest_calls_old")
    assert mod.old_state() == (1, 1, 1, 0)
