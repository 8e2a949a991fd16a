"""Calls: HPy_CallTupleDict, HPy_Call (vectorcall), HPy_CallMethod and the
inline HPy_CallMethodTupleDict(_s); HPyCallable_Check is in test_core_object."""
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


CALLS = src("""
    static HPy none_to_null(HPyContext *ctx, HPy h)
    {
        return HPy_Is(ctx, h, ctx->h_None) ? HPy_NULL : h;
    }

    /* call_td(f, args or None, kw or None) */
    HPyDef_METH(call_td, "call_td", HPyFunc_VARARGS)
    static HPy call_td_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_CallTupleDict(ctx, args[0], none_to_null(ctx, args[1]),
                                 none_to_null(ctx, args[2]));
    }

    /* call(f, *args, **kw) through HPy_Call, forwarding the vectorcall args */
    HPyDef_METH(call, "call", HPyFunc_KEYWORDS)
    static HPy call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return HPy_Call(ctx, args[0], args + 1, nargs - 1, kwnames);
    }

    /* callmethod(name, receiver, *args, **kw) through HPy_CallMethod */
    HPyDef_METH(callmethod, "callmethod", HPyFunc_KEYWORDS)
    static HPy callmethod_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                               HPy kwnames)
    {
        return HPy_CallMethod(ctx, args[0], args + 1, nargs - 1, kwnames);
    }

    /* call_kwnames(f, kwnames, *values): kwnames passed as is (any object) */
    HPyDef_METH(call_kwnames, "call_kwnames", HPyFunc_VARARGS)
    static HPy call_kwnames_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t nkw = 0;
        HPy kwnames = none_to_null(ctx, args[1]);
        if (!HPy_IsNull(kwnames) && HPyTuple_Check(ctx, kwnames))
            nkw = HPy_Length(ctx, kwnames);
        return HPy_Call(ctx, args[0], args + 2, nargs - 2 - (size_t)nkw, kwnames);
    }

    HPyDef_METH(callmethod_kwnames, "callmethod_kwnames", HPyFunc_VARARGS)
    static HPy callmethod_kwnames_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        /* callmethod_kwnames(name, kwnames, receiver, *values) */
        HPy_ssize_t nkw = 0;
        HPy kwnames = none_to_null(ctx, args[1]);
        if (!HPy_IsNull(kwnames) && HPyTuple_Check(ctx, kwnames))
            nkw = HPy_Length(ctx, kwnames);
        return HPy_CallMethod(ctx, args[0], args + 2, nargs - 2 - (size_t)nkw, kwnames);
    }

    HPyDef_METH(bad_calls, "bad_calls", HPyFunc_VARARGS)
    static HPy bad_calls_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        /* bad_calls(which, f) */
        HPy a[2];
        long which = HPyLong_AsLong(ctx, args[0]);
        a[0] = args[1];
        a[1] = HPy_NULL;
        switch (which) {
        case 0: return HPy_Call(ctx, HPy_NULL, NULL, 0, HPy_NULL);
        case 1: return HPy_Call(ctx, args[1], NULL, 2, HPy_NULL);
        case 2: return HPy_Call(ctx, args[1], a + 1, 1, HPy_NULL);
        case 3: return HPy_CallMethod(ctx, args[1], a, 0, HPy_NULL);
        case 4: return HPy_CallTupleDict(ctx, HPy_NULL, HPy_NULL, HPy_NULL);
        case 5: return HPy_CallMethod(ctx, HPy_NULL, a, 1, HPy_NULL);
        default: return HPy_Call(ctx, args[1], a, (size_t)-1, HPy_NULL);
        }
    }

    /* The inline helpers HPy_CallMethodTupleDict(_s) take (name, receiver, args, kw);
       the Python-level functions here take (receiver, name, args, kw). */
    HPyDef_METH(cmtd, "cmtd", HPyFunc_VARARGS)
    static HPy cmtd_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_CallMethodTupleDict(ctx, args[1], args[0], none_to_null(ctx, args[2]),
                                       none_to_null(ctx, args[3]));
    }

    HPyDef_METH(cmtd_s, "cmtd_s", HPyFunc_VARARGS)
    static HPy cmtd_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        return HPy_CallMethodTupleDict_s(ctx, name, args[0], none_to_null(ctx, args[2]),
                                         none_to_null(ctx, args[3]));
    }
    @EXPORT(call_td)
    @EXPORT(call)
    @EXPORT(callmethod)
    @EXPORT(call_kwnames)
    @EXPORT(callmethod_kwnames)
    @EXPORT(bad_calls)
    @EXPORT(cmtd)
    @EXPORT(cmtd_s)
    @INIT
""")


def f(*args, **kw):
    return args, kw


class Recv:
    def meth(self, *args, **kw):
        return self, args, kw

    @staticmethod
    def static(*args):
        return args


@pytest.fixture
def mod(hpy):
    return hpy.make_module(CALLS)


def test_type_name_cut_at_a_character_boundary(mod):
    """A long type name is cut to 200 bytes at a character boundary, not
    inside the UTF-8 sequence of a character."""
    name = "x" + "\u00e9" * 150
    with pytest.raises(TypeError) as e:
        mod.call_td(f, type(name, (), {})(), None)
    assert str(e.value) == \
        "HPy_CallTupleDict: args must be a tuple or HPy_NULL, not '" + name[:100] + "'"


def test_call_tuple_dict(mod):
    assert mod.call_td(f, None, None) == ((), {})
    assert mod.call_td(f, (1, 2), None) == ((1, 2), {})
    assert mod.call_td(f, None, {"a": 1}) == ((), {"a": 1})
    assert mod.call_td(f, (1,), {"a": 1, "b": 2}) == ((1,), {"a": 1, "b": 2})
    assert mod.call_td(f, (), {}) == ((), {})
    assert mod.call_td(len, ("abc",), None) == 3
    assert mod.call_td(dict, None, {"x": 1}) == {"x": 1}
    with pytest.raises(TypeError, match="HPy_CallTupleDict: args must be a tuple"):
        mod.call_td(f, [1, 2], None)
    with pytest.raises(TypeError, match="HPy_CallTupleDict: kw must be a dict"):
        mod.call_td(f, (), [("a", 1)])
    with pytest.raises(TypeError, match="not callable"):
        mod.call_td(42, None, None)
    with pytest.raises(TypeError):
        mod.call_td(len, None, None)

    def raises():
        raise KeyError("from callee")
    with pytest.raises(KeyError, match="from callee"):
        mod.call_td(raises, None, None)


def test_call(mod):
    assert mod.call(f) == ((), {})
    assert mod.call(f, 1, 2) == ((1, 2), {})
    assert mod.call(f, 1, a=2, b=3) == ((1,), {"a": 2, "b": 3})
    assert mod.call(f, a=2) == ((), {"a": 2})
    assert mod.call(len, [1, 2]) == 2
    assert mod.call(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]
    r = Recv()
    assert mod.call(r.meth, 1, k=2) == (r, (1,), {"k": 2})
    assert type(mod.call(Recv)) is Recv
    many = tuple(range(40))
    assert mod.call(f, *many) == (many, {})
    kw = {f"k{i}": i for i in range(30)}
    assert mod.call(f, *many, **kw) == (many, kw)
    with pytest.raises(TypeError, match="not callable"):
        mod.call(42)
    with pytest.raises(TypeError, match="keyword argument"):
        mod.call(len, [], foo=1)


def test_call_kwnames_validation(hpy, mod):
    assert mod.call_kwnames(f, ("a", "b"), 1, 2, 3) == ((1,), {"a": 2, "b": 3})
    assert mod.call_kwnames(f, None, 1, 2) == ((1, 2), {})
    assert mod.call_kwnames(f, (), 1) == ((1,), {})
    if hpy.abi != "debug":      # a violation there, as upstream (test_debug_checks)
        with pytest.raises(TypeError, match="HPy_Call: kwnames must be a tuple"):
            mod.call_kwnames(f, ["a"], 1)
    with pytest.raises(TypeError, match="HPy_Call: keywords must be strings"):
        mod.call_kwnames(f, (1,), 1)
    if hpy.abi != "debug":
        with pytest.raises(TypeError, match="HPy_CallMethod: kwnames must be a tuple"):
            mod.callmethod_kwnames("meth", {"a": 1}, Recv(), 1)
    r = Recv()
    assert mod.callmethod_kwnames("meth", ("z",), r, 1, 2) == (r, (1,), {"z": 2})


def test_call_method(mod):
    r = Recv()
    assert mod.callmethod("meth", r) == (r, (), {})
    assert mod.callmethod("meth", r, 1, 2, x=3) == (r, (1, 2), {"x": 3})
    assert mod.callmethod("static", r, 5) == (5,)
    assert mod.callmethod("upper", "abc") == "ABC"
    assert mod.callmethod("split", "a,b", ",") == ["a", "b"]
    assert mod.callmethod("get", {"a": 1}, "b", 7) == 7
    many = tuple(range(33))
    assert mod.callmethod("meth", r, *many) == (r, many, {})
    with pytest.raises(AttributeError, match="nope"):
        mod.callmethod("nope", r)
    with pytest.raises(TypeError, match="HPy_CallMethod: method name must be a str"):
        mod.callmethod(42, r)

    class Inst:
        pass
    i = Inst()
    i.fn = lambda *a: a          # instance attribute: no self passed
    assert mod.callmethod("fn", i, 1) == (1,)


def test_bad_calls(mod):
    with pytest.raises(SystemError, match="HPy_Call: callable is HPy_NULL"):
        mod.bad_calls(0, f)
    with pytest.raises(SystemError, match="HPy_Call: args is NULL"):
        mod.bad_calls(1, f)
    with pytest.raises(SystemError, match="HPy_Call: argument 0 is HPy_NULL"):
        mod.bad_calls(2, f)
    with pytest.raises(SystemError, match="HPy_CallMethod: nargs must be at least 1"):
        mod.bad_calls(3, "meth")
    with pytest.raises(SystemError, match="HPy_CallTupleDict: callable is HPy_NULL"):
        mod.bad_calls(4, f)
    with pytest.raises(TypeError, match="HPy_CallMethod: method name must be a str"):
        mod.bad_calls(5, f)
    with pytest.raises(SystemError, match="HPy_Call: invalid nargs"):
        mod.bad_calls(6, f)


def test_call_method_tuple_dict(mod):
    r = Recv()
    assert mod.cmtd(r, "meth", (1,), {"a": 2}) == (r, (1,), {"a": 2})
    assert mod.cmtd(r, "meth", None, None) == (r, (), {})
    assert mod.cmtd_s(r, "meth", (1, 2), None) == (r, (1, 2), {})
    assert mod.cmtd_s("a-b", "split", ("-",), None) == ["a", "b"]
    with pytest.raises(AttributeError):
        mod.cmtd(r, "missing", None, None)
    with pytest.raises(AttributeError):
        mod.cmtd_s(r, "missing", None, None)
    with pytest.raises(TypeError):
        mod.cmtd(r, "meth", [1], None)


def test_calls_no_leaks(mod):
    o = object()
    r = Recv()
    name = "meth"

    def run():
        mod.call(f, o, k=o)
        mod.call_td(f, (o,), {"k": o})
        mod.callmethod(name, r, o, k=o)
        mod.call(f, *([o] * 20))
        mod.cmtd(r, name, (o,), None)
        with pytest.raises(TypeError):
            mod.call_td(f, [o], None)
    run()     # warm up CPython's caches (3.8's method cache keeps the name)
    before = sys.getrefcount(o), sys.getrefcount(r), sys.getrefcount(name)
    for _ in range(100):
        run()
    assert (sys.getrefcount(o), sys.getrefcount(r), sys.getrefcount(name)) == before
