"""The object protocol: attributes, items (with _i and _s keys), Contains,
Length, Repr/Str/ASCII/Bytes, Hash, comparisons, IsTrue, Type/TypeCheck/Is,
Dup/Close, _HPy_Dump and the legacy PyObject* bridge."""
import sys
import textwrap

import pytest

from support import build_abi


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


class Obj:
    pass


ATTRS = src("""
    HPyDef_METH(getattr_, "getattr_", HPyFunc_VARARGS)
    static HPy getattr__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_GetAttr(ctx, args[0], args[1]);
    }

    HPyDef_METH(getattr_s, "getattr_s", HPyFunc_VARARGS)
    static HPy getattr_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        return HPy_GetAttr_s(ctx, args[0], name);
    }

    HPyDef_METH(hasattr_, "hasattr_", HPyFunc_VARARGS)
    static HPy hasattr__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromLong(ctx, HPy_HasAttr(ctx, args[0], args[1]));
    }

    HPyDef_METH(hasattr_s, "hasattr_s", HPyFunc_VARARGS)
    static HPy hasattr_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, HPy_HasAttr_s(ctx, args[0], name));
    }

    HPyDef_METH(setattr_, "setattr_", HPyFunc_VARARGS)
    static HPy setattr__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (HPy_SetAttr(ctx, args[0], args[1], args[2]) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(setattr_s, "setattr_s", HPyFunc_VARARGS)
    static HPy setattr_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        if (HPy_SetAttr_s(ctx, args[0], name, args[2]) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(delattr_, "delattr_", HPyFunc_VARARGS)
    static HPy delattr__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (HPy_DelAttr(ctx, args[0], args[1]) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(delattr_s, "delattr_s", HPyFunc_VARARGS)
    static HPy delattr_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        if (HPy_DelAttr_s(ctx, args[0], name) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }
    @EXPORT(getattr_)
    @EXPORT(getattr_s)
    @EXPORT(hasattr_)
    @EXPORT(hasattr_s)
    @EXPORT(setattr_)
    @EXPORT(setattr_s)
    @EXPORT(delattr_)
    @EXPORT(delattr_s)
    @INIT
""")


# 3.13's PyObject_HasAttr(String) reports the swallowed error as unraisable
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_attributes(hpy):
    mod = hpy.make_module(ATTRS)
    o = Obj()
    o.x = 1
    for get in (mod.getattr_, mod.getattr_s):
        assert get(o, "x") == 1
        assert get(o, "__class__") is Obj
        with pytest.raises(AttributeError, match="nope"):
            get(o, "nope")
    with pytest.raises(TypeError):
        mod.getattr_(o, 42)
    for has in (mod.hasattr_, mod.hasattr_s):
        assert has(o, "x") == 1
        assert has(o, "nope") == 0

    class Raising:
        @property
        def boom(self):
            raise ValueError("swallowed")
    assert mod.hasattr_(Raising(), "boom") == 0
    assert mod.hasattr_s(Raising(), "boom") == 0

    mod.setattr_(o, "y", 2)
    mod.setattr_s(o, "z", 3)
    assert (o.y, o.z) == (2, 3)
    with pytest.raises(AttributeError):
        mod.setattr_(1, "real", 2)
    with pytest.raises(AttributeError):
        mod.setattr_s(object(), "a", 2)
    mod.delattr_(o, "y")
    mod.delattr_s(o, "z")
    assert not hasattr(o, "y") and not hasattr(o, "z")
    with pytest.raises(AttributeError):
        mod.delattr_(o, "y")
    with pytest.raises(AttributeError):
        mod.delattr_s(o, "z")
    # non-ASCII names go through UTF-8
    mod.setattr_s(o, "\u00e9t\u00e9", 5)
    assert mod.getattr_s(o, "\u00e9t\u00e9") == 5
    assert o.été == 5


ITEMS = src("""
    static HPy ok(HPyContext *ctx, int r)
    {
        if (r < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    static const char *utf8(HPyContext *ctx, HPy h)
    {
        return HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
    }

    HPyDef_METH(getitem, "getitem", HPyFunc_VARARGS)
    static HPy getitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_GetItem(ctx, args[0], args[1]);
    }

    HPyDef_METH(getitem_i, "getitem_i", HPyFunc_VARARGS)
    static HPy getitem_i_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPy_GetItem_i(ctx, args[0], i);
    }

    HPyDef_METH(getitem_s, "getitem_s", HPyFunc_VARARGS)
    static HPy getitem_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *k = utf8(ctx, args[1]);
        if (k == NULL)
            return HPy_NULL;
        return HPy_GetItem_s(ctx, args[0], k);
    }

    HPyDef_METH(setitem, "setitem", HPyFunc_VARARGS)
    static HPy setitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return ok(ctx, HPy_SetItem(ctx, args[0], args[1], args[2]));
    }

    HPyDef_METH(setitem_i, "setitem_i", HPyFunc_VARARGS)
    static HPy setitem_i_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return ok(ctx, HPy_SetItem_i(ctx, args[0], i, args[2]));
    }

    HPyDef_METH(setitem_s, "setitem_s", HPyFunc_VARARGS)
    static HPy setitem_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *k = utf8(ctx, args[1]);
        if (k == NULL)
            return HPy_NULL;
        return ok(ctx, HPy_SetItem_s(ctx, args[0], k, args[2]));
    }

    HPyDef_METH(delitem, "delitem", HPyFunc_VARARGS)
    static HPy delitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return ok(ctx, HPy_DelItem(ctx, args[0], args[1]));
    }

    HPyDef_METH(delitem_i, "delitem_i", HPyFunc_VARARGS)
    static HPy delitem_i_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        if (i == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return ok(ctx, HPy_DelItem_i(ctx, args[0], i));
    }

    HPyDef_METH(delitem_s, "delitem_s", HPyFunc_VARARGS)
    static HPy delitem_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *k = utf8(ctx, args[1]);
        if (k == NULL)
            return HPy_NULL;
        return ok(ctx, HPy_DelItem_s(ctx, args[0], k));
    }

    /* Bad input that must raise rather than crash. */
    HPyDef_METH(null_items, "null_items", HPyFunc_O)
    static HPy null_items_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t which = HPyLong_AsSsize_t(ctx, arg);
        switch (which) {
        case 0: return ok(ctx, HPy_SetItem_i(ctx, ctx->h_None, 0, HPy_NULL));
        case 1: return ok(ctx, HPy_SetItem_s(ctx, ctx->h_None, "k", HPy_NULL));
        case 2: return HPy_GetItem_s(ctx, ctx->h_None, NULL);
        case 3: return ok(ctx, HPy_DelItem_s(ctx, ctx->h_None, NULL));
        case 4: return HPy_GetItem_i(ctx, HPy_NULL, 0);
        default: return ok(ctx, HPy_SetItem_s(ctx, ctx->h_None, NULL, ctx->h_None));
        }
    }

    HPyDef_METH(contains, "contains", HPyFunc_VARARGS)
    static HPy contains_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int r = HPy_Contains(ctx, args[0], args[1]);
        if (r < 0)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, r);
    }

    HPyDef_METH(length, "length", HPyFunc_O)
    static HPy length_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPy_Length(ctx, arg);
        if (n < 0)
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, n);
    }
    @EXPORT(getitem)
    @EXPORT(getitem_i)
    @EXPORT(getitem_s)
    @EXPORT(setitem)
    @EXPORT(setitem_i)
    @EXPORT(setitem_s)
    @EXPORT(delitem)
    @EXPORT(delitem_i)
    @EXPORT(delitem_s)
    @EXPORT(null_items)
    @EXPORT(contains)
    @EXPORT(length)
    @INIT
""")


def test_items(hpy):
    mod = hpy.make_module(ITEMS)
    lst = [10, 20, 30]
    assert mod.getitem(lst, 1) == 20
    assert mod.getitem_i(lst, 2) == 30
    assert mod.getitem_i(lst, -1) == 30
    with pytest.raises(IndexError):
        mod.getitem_i(lst, 3)
    with pytest.raises(TypeError):
        mod.getitem_s(lst, "a")
    d = {"a": 1, 5: "five", "\u20ac": "euro"}
    assert mod.getitem(d, "a") == 1
    assert mod.getitem_i(d, 5) == "five"
    assert mod.getitem_s(d, "a") == 1
    assert mod.getitem_s(d, "\u20ac") == "euro"
    with pytest.raises(KeyError):
        mod.getitem_s(d, "zz")
    with pytest.raises(KeyError):
        mod.getitem_i(d, 6)
    with pytest.raises(TypeError):
        mod.getitem(42, 0)

    mod.setitem(lst, 0, "x")
    mod.setitem_i(lst, -1, "z")
    assert lst == ["x", 20, "z"]
    with pytest.raises(IndexError):
        mod.setitem_i(lst, 5, 0)
    mod.setitem_s(d, "b", 2)
    mod.setitem_i(d, 7, "seven")
    mod.setitem(d, (1, 2), "tuple")
    assert d["b"] == 2 and d[7] == "seven" and d[(1, 2)] == "tuple"
    with pytest.raises(TypeError):
        mod.setitem((1, 2), 0, 0)
    with pytest.raises(TypeError):
        mod.setitem_s((1, 2), "k", 0)

    mod.delitem_i(lst, 0)
    assert lst == [20, "z"]
    mod.delitem(lst, -1)
    assert lst == [20]
    with pytest.raises(IndexError):
        mod.delitem_i(lst, 4)
    mod.delitem_s(d, "b")
    mod.delitem_i(d, 7)
    mod.delitem(d, (1, 2))
    assert "b" not in d and 7 not in d and (1, 2) not in d
    with pytest.raises(KeyError):
        mod.delitem_s(d, "b")
    with pytest.raises(TypeError):
        mod.delitem_i("abc", 0)


def test_items_bad_input(hpy):
    mod = hpy.make_module(ITEMS)
    for i in range(6):
        with pytest.raises(SystemError):
            mod.null_items(i)


def test_items_no_leaks(hpy):
    mod = hpy.make_module(ITEMS)
    key = "some-key-" + str(id(hpy))
    val = object()
    d = {}
    before = sys.getrefcount(key), sys.getrefcount(val)
    for _ in range(100):
        mod.setitem_s(d, key, val)
        mod.getitem_s(d, key)
        mod.delitem_s(d, key)
        mod.setitem_i(d, 3, val)
        mod.getitem_i(d, 3)
        mod.delitem_i(d, 3)
    assert (sys.getrefcount(key), sys.getrefcount(val)) == before


def test_contains_and_length(hpy):
    mod = hpy.make_module(ITEMS)
    assert mod.contains([1, 2], 2) == 1
    assert mod.contains([1, 2], 3) == 0
    assert mod.contains({"a": 1}, "a") == 1
    assert mod.contains("hello", "ell") == 1
    with pytest.raises(TypeError):
        mod.contains(42, 1)
    with pytest.raises(TypeError):
        mod.contains({}, [])
    assert mod.length([1, 2, 3]) == 3
    assert mod.length("") == 0
    assert mod.length({"a": 1}) == 1
    # exact tuples and lists are read in place; subclasses keep their __len__
    assert mod.length((1, 2)) == 2
    assert mod.length(()) == 0
    assert mod.length([]) == 0

    class Tuple(tuple):
        def __len__(self):
            return 99

    class List(list):
        def __len__(self):
            return 77
    assert mod.length(Tuple((1, 2))) == 99
    assert mod.length(List([1])) == 77
    with pytest.raises(TypeError):
        mod.length(42)

    class Bad:
        def __len__(self):
            raise RuntimeError("len failed")
    with pytest.raises(RuntimeError, match="len failed"):
        mod.length(Bad())


STRINGS = src("""
    HPyDef_METH(repr_, "repr_", HPyFunc_O)
    static HPy repr__impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_Repr(ctx, arg); }
    HPyDef_METH(str_, "str_", HPyFunc_O)
    static HPy str__impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_Str(ctx, arg); }
    HPyDef_METH(ascii_, "ascii_", HPyFunc_O)
    static HPy ascii__impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_ASCII(ctx, arg); }
    HPyDef_METH(bytes_, "bytes_", HPyFunc_O)
    static HPy bytes__impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_Bytes(ctx, arg); }
    HPyDef_METH(hash_, "hash_", HPyFunc_O)
    static HPy hash__impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_hash_t h = HPy_Hash(ctx, arg);
        if (h == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, h);
    }
    HPyDef_METH(istrue, "istrue", HPyFunc_O)
    static HPy istrue_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        int r = HPy_IsTrue(ctx, arg);
        if (r < 0)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, r);
    }
    HPyDef_METH(richcompare, "richcompare", HPyFunc_VARARGS)
    static HPy richcompare_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int op = (int)HPyLong_AsLong(ctx, args[2]);
        return HPy_RichCompare(ctx, args[0], args[1], op);
    }
    HPyDef_METH(richcomparebool, "richcomparebool", HPyFunc_VARARGS)
    static HPy richcomparebool_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int op = (int)HPyLong_AsLong(ctx, args[2]);
        int r = HPy_RichCompareBool(ctx, args[0], args[1], op);
        if (r < 0)
            return HPy_NULL;
        return HPyLong_FromLong(ctx, r);
    }
    HPyDef_METH(ops, "ops", HPyFunc_NOARGS)
    static HPy ops_impl(HPyContext *ctx, HPy self)
    {
        HPy items[6];
        HPy res;
        int i;
        items[0] = HPyLong_FromLong(ctx, HPy_LT);
        items[1] = HPyLong_FromLong(ctx, HPy_LE);
        items[2] = HPyLong_FromLong(ctx, HPy_EQ);
        items[3] = HPyLong_FromLong(ctx, HPy_NE);
        items[4] = HPyLong_FromLong(ctx, HPy_GT);
        items[5] = HPyLong_FromLong(ctx, HPy_GE);
        res = HPyTuple_FromArray(ctx, items, 6);
        for (i = 0; i < 6; i++)
            HPy_Close(ctx, items[i]);
        return res;
    }
    @EXPORT(repr_)
    @EXPORT(str_)
    @EXPORT(ascii_)
    @EXPORT(bytes_)
    @EXPORT(hash_)
    @EXPORT(istrue)
    @EXPORT(richcompare)
    @EXPORT(richcomparebool)
    @EXPORT(ops)
    @INIT
""")


def test_repr_str_ascii_bytes(hpy):
    mod = hpy.make_module(STRINGS)
    assert mod.repr_("a\u00e9") == repr("a\u00e9")
    assert mod.repr_([1, "x"]) == "[1, 'x']"
    assert mod.str_(42) == "42"
    assert mod.str_("s") == "s"
    assert mod.ascii_("a\u00e9") == "'a\\xe9'"
    assert mod.bytes_([65, 66]) == b"AB"
    assert mod.bytes_(b"xy") == b"xy"
    assert mod.bytes_(bytearray(b"z")) == b"z"
    with pytest.raises(TypeError):
        mod.bytes_("str needs an encoding")

    class Bad:
        def __repr__(self):
            raise ValueError("no repr")

        def __str__(self):
            raise KeyError("no str")
    with pytest.raises(ValueError, match="no repr"):
        mod.repr_(Bad())
    with pytest.raises(ValueError, match="no repr"):
        mod.ascii_(Bad())
    with pytest.raises(KeyError, match="no str"):
        mod.str_(Bad())


def test_hash_and_istrue(hpy):
    mod = hpy.make_module(STRINGS)
    for v in (0, 1, -1, 2**70, "abc", (1, 2), 1.5, None):
        assert mod.hash_(v) == hash(v)
    with pytest.raises(TypeError, match="unhashable"):
        mod.hash_([])
    for v in (0, 1, "", "x", [], [0], None, 0.0, object()):
        assert mod.istrue(v) == int(bool(v))

    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("bool failed")
    with pytest.raises(ZeroDivisionError):
        mod.istrue(Bad())


def test_richcompare(hpy):
    import operator
    mod = hpy.make_module(STRINGS)
    ops = mod.ops()
    assert ops == (0, 1, 2, 3, 4, 5)
    pyops = (operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge)
    for a, b in [(1, 2), (2, 2), (3, 2), ("a", "b"), ((1, 2), (1, 3))]:
        for op, pyop in zip(ops, pyops, strict=True):
            assert mod.richcompare(a, b, op) is pyop(a, b)
            assert mod.richcomparebool(a, b, op) == int(pyop(a, b))
    with pytest.raises(TypeError):
        mod.richcompare(1, "x", ops[0])
    with pytest.raises(TypeError):
        mod.richcomparebool(1, "x", ops[4])

    class Weird:
        def __eq__(self, other):
            return "not a bool"
    assert mod.richcompare(Weird(), 1, ops[2]) == "not a bool"
    assert mod.richcomparebool(Weird(), 1, ops[2]) == 1
    # identity implies equality for RichCompareBool
    nan = float("nan")
    assert mod.richcomparebool(nan, nan, ops[2]) == 1
    assert mod.richcompare(nan, nan, ops[2]) is False


IDENTITY = src("""
    HPyDef_METH(type_, "type_", HPyFunc_O)
    static HPy type__impl(HPyContext *ctx, HPy self, HPy arg) { return HPy_Type(ctx, arg); }

    HPyDef_METH(typecheck, "typecheck", HPyFunc_VARARGS)
    static HPy typecheck_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromLong(ctx, HPy_TypeCheck(ctx, args[0], args[1]));
    }

    HPyDef_METH(is_, "is_", HPyFunc_VARARGS)
    static HPy is__impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromLong(ctx, HPy_Is(ctx, args[0], args[1]));
    }

    HPyDef_METH(is_dup, "is_dup", HPyFunc_O)
    static HPy is_dup_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy d = HPy_Dup(ctx, arg);
        int r = HPy_Is(ctx, arg, d) && !HPy_Is(ctx, arg, ctx->h_None) == !(HPy_Is(ctx, d, ctx->h_None));
        HPy_Close(ctx, d);
        return HPyLong_FromLong(ctx, r);
    }

    /* n Dups then n Closes: the reference count must be unchanged. */
    HPyDef_METH(dup_close, "dup_close", HPyFunc_VARARGS)
    static HPy dup_close_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy hs[50];
        long n = HPyLong_AsLong(ctx, args[1]), i;
        if (n < 0 || n > 50)
            return HPyErr_SetString(ctx, ctx->h_ValueError, "bad n");
        for (i = 0; i < n; i++)
            hs[i] = HPy_Dup(ctx, args[0]);
        for (i = 0; i < n; i++)
            HPy_Close(ctx, hs[i]);
        HPy_Close(ctx, HPy_NULL);   /* allowed: closing HPy_NULL does nothing */
        return HPy_Dup(ctx, args[0]);
    }

    HPyDef_METH(callable_check, "callable_check", HPyFunc_O)
    static HPy callable_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyCallable_Check(ctx, arg));
    }

    HPyDef_METH(dump, "dump", HPyFunc_O)
    static HPy dump_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        _HPy_Dump(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(dump_keeps_error, "dump_keeps_error", HPyFunc_O)
    static HPy dump_keeps_error_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyErr_SetString(ctx, ctx->h_KeyError, "kept");
        _HPy_Dump(ctx, arg);
        _HPy_Dump(ctx, HPy_NULL);
        return HPy_NULL;
    }
    @EXPORT(type_)
    @EXPORT(typecheck)
    @EXPORT(is_)
    @EXPORT(is_dup)
    @EXPORT(dup_close)
    @EXPORT(callable_check)
    @EXPORT(dump)
    @EXPORT(dump_keeps_error)
    @INIT
""")


def test_type_typecheck_is(hpy):
    mod = hpy.make_module(IDENTITY)

    class Sub(Obj):
        pass
    assert mod.type_(1) is int
    assert mod.type_(Sub()) is Sub
    assert mod.type_(int) is type
    assert mod.typecheck(Sub(), Obj) == 1
    assert mod.typecheck(Obj(), Sub) == 0
    assert mod.typecheck(True, int) == 1
    assert mod.typecheck(1, object) == 1
    assert mod.typecheck(1, str) == 0
    o = object()
    assert mod.is_(o, o) == 1
    assert mod.is_(o, object()) == 0
    assert mod.is_(None, None) == 1
    assert mod.is_dup(o) == 1
    assert mod.is_dup(None) == 1


def test_typecheck_of_the_builtins_with_subclass_flags(hpy):
    """int, str, tuple, list, dict, bytes, type and BaseException are decided
    from tp_flags: the builtin itself, subclasses on either side, and objects
    of another family must all give isinstance's answer."""
    mod = hpy.make_module(IDENTITY)

    class MyInt(int):
        pass

    class MyStr(str):
        pass

    class MyTuple(tuple):
        pass

    class MyList(list):
        pass

    class MyDict(dict):
        pass

    class MyBytes(bytes):
        pass

    class MyMeta(type):
        pass

    class MyError(ValueError):
        pass

    builtins = [int, bool, MyInt, str, MyStr, tuple, MyTuple, list, MyList, dict, MyDict, bytes, MyBytes,
                type, MyMeta, BaseException, Exception, ValueError, MyError, object, Obj]
    objects = [0, True, MyInt(3), "s", MyStr("t"), (), MyTuple(), [], MyList(), {}, MyDict(), b"", MyBytes(),
               int, MyMeta("M", (), {}), BaseException(), ValueError(), MyError(), KeyError(), Obj(), None]
    for o in objects:
        for t in builtins:
            assert mod.typecheck(o, t) == int(isinstance(o, t)), (o, t)


def test_typecheck_uses_no_instancecheck(hpy):
    mod = hpy.make_module(IDENTITY)

    class Meta(type):
        def __instancecheck__(cls, inst):
            return True

    class Anything(metaclass=Meta):
        pass
    assert isinstance(1, Anything)
    assert mod.typecheck(1, Anything) == 0


def test_dup_close_refcount(hpy):
    mod = hpy.make_module(IDENTITY)
    o = object()
    before = sys.getrefcount(o)
    for _ in range(20):
        assert mod.dup_close(o, 50) is o
    assert sys.getrefcount(o) == before
    t = int
    before = sys.getrefcount(t)
    for _ in range(100):
        mod.type_(3)
    assert sys.getrefcount(t) == before


def test_callable_check(hpy):
    mod = hpy.make_module(IDENTITY)
    for v in (len, Obj, lambda: 0, Obj.__init__, mod.dump):
        assert mod.callable_check(v) == 1
    for v in (1, "x", None, Obj()):
        assert mod.callable_check(v) == 0


def test_dump(hpy, capfd):
    mod = hpy.make_module(IDENTITY)
    mod.dump([1, "dumped"])
    out, err = capfd.readouterr()
    assert "list" in err
    assert "[1, 'dumped']" in err

    class BadRepr:
        def __repr__(self):
            raise ValueError

    mod.dump(BadRepr())
    out, err = capfd.readouterr()
    assert "BadRepr" in err
    with pytest.raises(KeyError, match="kept"):
        mod.dump_keeps_error(42)
    out, err = capfd.readouterr()
    assert "42" in err


LEGACY = src("""
    #ifndef HPY_ABI_UNIVERSAL
    HPyDef_METH(roundtrip, "roundtrip", HPyFunc_O)
    static HPy roundtrip_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        PyObject *o = HPy_AsPyObject(ctx, arg);   /* new reference */
        HPy h;
        if (o == NULL)
            return HPy_NULL;
        h = HPy_FromPyObject(ctx, o);             /* does not steal */
        Py_DECREF(o);
        return h;
    }

    HPyDef_METH(nulls, "nulls", HPyFunc_NOARGS)
    static HPy nulls_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPy_FromPyObject(ctx, NULL);
        PyObject *o = HPy_AsPyObject(ctx, HPy_NULL);
        return HPyBool_FromBool(ctx, HPy_IsNull(h) && o == NULL);
    }

    HPyDef_METH(refcnt, "refcnt", HPyFunc_O)
    static HPy refcnt_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        PyObject *o = HPy_AsPyObject(ctx, arg);
        Py_ssize_t r1 = Py_REFCNT(o), r2;
        HPy h = HPy_FromPyObject(ctx, o);
        r2 = Py_REFCNT(o);
        HPy_Close(ctx, h);
        Py_DECREF(o);
        return HPyLong_FromSsize_t(ctx, r2 - r1);
    }
    @EXPORT(roundtrip)
    @EXPORT(nulls)
    @EXPORT(refcnt)
    #endif
    @INIT
""")


def test_legacy_bridge(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("HPy_FromPyObject/HPy_AsPyObject are not available in the universal ABI")
    mod = hpy.make_module(LEGACY)
    o = object()
    before = sys.getrefcount(o)
    for _ in range(50):
        assert mod.roundtrip(o) is o
    assert sys.getrefcount(o) == before
    assert mod.nulls() is True
    # HPy_FromPyObject adds one reference (in the cpython ABI and the CPython host)
    assert mod.refcnt(o) >= 1
    assert sys.getrefcount(o) == before
