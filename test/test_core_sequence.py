"""Iteration (HPy_GetIter, HPyIter_Next, HPyIter_Check), sequence slices
(HPy_GetSlice/SetSlice/DelSlice) and slice objects (HPySlice_New, Unpack,
and the inline HPySlice_AdjustIndices)."""
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


ITER = src("""
    /* Collects every item into a list with GetIter/Iter_Next */
    HPyDef_METH(collect, "collect", HPyFunc_O)
    static HPy collect_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy it, item, lst;
        it = HPy_GetIter(ctx, arg);
        if (HPy_IsNull(it))
            return HPy_NULL;
        lst = HPyList_New(ctx, 0);
        if (HPy_IsNull(lst)) {
            HPy_Close(ctx, it);
            return HPy_NULL;
        }
        while (!HPy_IsNull(item = HPyIter_Next(ctx, it))) {
            int r = HPyList_Append(ctx, lst, item);
            HPy_Close(ctx, item);
            if (r < 0)
                goto error;
        }
        if (HPyErr_Occurred(ctx))
            goto error;
        /* exhausted: calling again still returns HPy_NULL, no error */
        item = HPyIter_Next(ctx, it);
        if (!HPy_IsNull(item) || HPyErr_Occurred(ctx)) {
            HPy_Close(ctx, item);
            HPyErr_SetString(ctx, ctx->h_AssertionError, "not exhausted");
            goto error;
        }
        HPy_Close(ctx, it);
        return lst;
    error:
        HPy_Close(ctx, it);
        HPy_Close(ctx, lst);
        return HPy_NULL;
    }

    HPyDef_METH(iter_check, "iter_check", HPyFunc_O)
    static HPy iter_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyIter_Check(ctx, arg));
    }

    HPyDef_METH(next_, "next_", HPyFunc_O)
    static HPy next__impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy item = HPyIter_Next(ctx, arg);
        if (HPy_IsNull(item) && !HPyErr_Occurred(ctx))
            return HPyUnicode_FromString(ctx, "<exhausted>");
        return item;
    }
    @EXPORT(collect)
    @EXPORT(iter_check)
    @EXPORT(next_)
    @INIT
""")


def test_iteration(hpy):
    mod = hpy.make_module(ITER)
    assert mod.collect([1, 2, 3]) == [1, 2, 3]
    assert mod.collect("ab") == ["a", "b"]
    assert mod.collect({"k": 1}) == ["k"]
    assert mod.collect(x * 2 for x in range(3)) == [0, 2, 4]
    assert mod.collect(()) == []
    with pytest.raises(TypeError, match="not iterable"):
        mod.collect(42)

    def gen():
        yield 1
        raise ValueError("mid-iteration")
    with pytest.raises(ValueError, match="mid-iteration"):
        mod.collect(gen())

    def stops():
        yield 1
        return "ignored"
    assert mod.collect(stops()) == [1]


def test_iter_next_and_check(hpy):
    mod = hpy.make_module(ITER)
    it = iter([1])
    assert mod.iter_check(it) == 1
    assert mod.iter_check([1]) == 0
    assert mod.iter_check(42) == 0
    assert mod.next_(it) == 1
    assert mod.next_(it) == "<exhausted>"
    assert mod.next_(it) == "<exhausted>"

    class It:
        def __iter__(self):
            return self

        def __next__(self):
            raise StopIteration("value")
    assert mod.iter_check(It()) == 1
    assert mod.next_(It()) == "<exhausted>"


def test_iteration_no_leaks(hpy):
    mod = hpy.make_module(ITER)
    o = object()
    data = [o] * 10
    before = sys.getrefcount(o)
    for _ in range(50):
        mod.collect(data)
    assert sys.getrefcount(o) == before


SLICES = src("""
    static int ssize_arg(HPyContext *ctx, HPy h, HPy_ssize_t *out)
    {
        *out = HPyLong_AsSsize_t(ctx, h);
        return (*out == -1 && HPyErr_Occurred(ctx)) ? -1 : 0;
    }

    HPyDef_METH(getslice, "getslice", HPyFunc_VARARGS)
    static HPy getslice_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t a, b;
        if (ssize_arg(ctx, args[1], &a) < 0 || ssize_arg(ctx, args[2], &b) < 0)
            return HPy_NULL;
        return HPy_GetSlice(ctx, args[0], a, b);
    }

    HPyDef_METH(setslice, "setslice", HPyFunc_VARARGS)
    static HPy setslice_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t a, b;
        if (ssize_arg(ctx, args[1], &a) < 0 || ssize_arg(ctx, args[2], &b) < 0)
            return HPy_NULL;
        if (HPy_SetSlice(ctx, args[0], a, b, args[3]) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(delslice, "delslice", HPyFunc_VARARGS)
    static HPy delslice_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t a, b;
        if (ssize_arg(ctx, args[1], &a) < 0 || ssize_arg(ctx, args[2], &b) < 0)
            return HPy_NULL;
        if (HPy_DelSlice(ctx, args[0], a, b) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* slice_new(start, stop, step): None stands for HPy_NULL */
    HPyDef_METH(slice_new, "slice_new", HPyFunc_VARARGS)
    static HPy slice_new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy a[3];
        size_t i;
        for (i = 0; i < 3; i++)
            a[i] = HPy_Is(ctx, args[i], ctx->h_None) ? HPy_NULL : args[i];
        return HPySlice_New(ctx, a[0], a[1], a[2]);
    }

    /* (start, stop, step) of Unpack, plus (start, stop, count) of AdjustIndices(len) */
    HPyDef_METH(unpack, "unpack", HPyFunc_VARARGS)
    static HPy unpack_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t start, stop, step, len, n;
        HPy items[6], res;
        int i;
        if (HPySlice_Unpack(ctx, args[0], &start, &stop, &step) < 0)
            return HPy_NULL;
        items[0] = HPyLong_FromSsize_t(ctx, start);
        items[1] = HPyLong_FromSsize_t(ctx, stop);
        items[2] = HPyLong_FromSsize_t(ctx, step);
        if (ssize_arg(ctx, args[1], &len) < 0)
            return HPy_NULL;
        n = HPySlice_AdjustIndices(ctx, len, &start, &stop, step);
        items[3] = HPyLong_FromSsize_t(ctx, start);
        items[4] = HPyLong_FromSsize_t(ctx, stop);
        items[5] = HPyLong_FromSsize_t(ctx, n);
        res = HPyTuple_FromArray(ctx, items, 6);
        for (i = 0; i < 6; i++)
            HPy_Close(ctx, items[i]);
        return res;
    }
    @EXPORT(getslice)
    @EXPORT(setslice)
    @EXPORT(delslice)
    @EXPORT(slice_new)
    @EXPORT(unpack)
    @INIT
""")


def test_sequence_slices(hpy):
    mod = hpy.make_module(SLICES)
    lst = list(range(6))
    assert mod.getslice(lst, 1, 3) == [1, 2]
    assert mod.getslice(lst, -2, 100) == [4, 5]
    assert mod.getslice("hello", 1, 4) == "ell"
    assert mod.getslice((1, 2, 3), 0, sys.maxsize) == (1, 2, 3)
    with pytest.raises(TypeError):
        mod.getslice(42, 0, 1)
    with pytest.raises(TypeError):
        mod.getslice(object(), 0, 1)
    mod.setslice(lst, 1, 3, ["a", "b", "c"])
    assert lst == [0, "a", "b", "c", 3, 4, 5]
    mod.delslice(lst, 0, 4)
    assert lst == [3, 4, 5]
    mod.delslice(lst, -1, sys.maxsize)
    assert lst == [3, 4]
    with pytest.raises(TypeError):
        mod.setslice((1, 2), 0, 1, [9])
    with pytest.raises(TypeError):
        mod.setslice(lst, 0, 1, 42)
    with pytest.raises(TypeError):
        mod.delslice("abc", 0, 1)


def test_slice_objects(hpy):
    mod = hpy.make_module(SLICES)
    assert mod.slice_new(1, 5, 2) == slice(1, 5, 2)
    assert mod.slice_new(None, None, None) == slice(None)
    assert mod.slice_new("a", [], None) == slice("a", [], None)
    assert mod.unpack(slice(1, 5, 2), 10) == (1, 5, 2, 1, 5, 2)
    assert mod.unpack(slice(None), 4) == (0, sys.maxsize, 1, 0, 4, 4)
    assert mod.unpack(slice(None, None, -1), 4)[3:] == (3, -1, 4)
    assert mod.unpack(slice(-3, None), 10)[3:] == (7, 10, 3)
    assert mod.unpack(slice(-100, 100), 10)[3:] == (0, 10, 10)
    assert mod.unpack(slice(2**100, -2**100, -3), 10)[:2] == (sys.maxsize, -sys.maxsize - 1)
    for s in (slice(1, 8, 3), slice(-2, 1, -1), slice(None, None, 5), slice(9, 2)):
        start, stop, step, astart, astop, n = mod.unpack(s, 10)
        assert (astart, astop, step) == s.indices(10)
        assert n == len(range(10)[s])
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        mod.unpack(slice(1, 2, 0), 10)
    with pytest.raises(TypeError):
        mod.unpack(slice("a", 1), 10)
