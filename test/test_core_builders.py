"""HPyListBuilder and HPyTupleBuilder (ctx_builder.c)."""
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


BUILDERS = src("""
    /* build_list(n, *items): a builder of size n, item i set at index i */
    HPyDef_METH(build_list, "build_list", HPyFunc_VARARGS)
    static HPy build_list_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[0]);
        HPyListBuilder b;
        size_t i;
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        b = HPyListBuilder_New(ctx, n);
        for (i = 1; i < nargs; i++)
            HPyListBuilder_Set(ctx, b, (HPy_ssize_t)i - 1, args[i]);
        return HPyListBuilder_Build(ctx, b);
    }

    HPyDef_METH(build_tuple, "build_tuple", HPyFunc_VARARGS)
    static HPy build_tuple_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[0]);
        HPyTupleBuilder b;
        size_t i;
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        b = HPyTupleBuilder_New(ctx, n);
        for (i = 1; i < nargs; i++)
            HPyTupleBuilder_Set(ctx, b, (HPy_ssize_t)i - 1, args[i]);
        return HPyTupleBuilder_Build(ctx, b);
    }

    /* Items created by the function and closed right after Set (Set must
     * not steal), some indices set twice (the first item is released). */
    HPyDef_METH(fresh_items, "fresh_items", HPyFunc_O)
    static HPy fresh_items_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyListBuilder lb = HPyListBuilder_New(ctx, 3);
        HPyTupleBuilder tb = HPyTupleBuilder_New(ctx, 3);
        HPy_ssize_t i;
        HPy lst, tup, items[2], res;
        for (i = 0; i < 3; i++) {
            HPy v = HPyLong_FromSsize_t(ctx, i * 10);
            HPyListBuilder_Set(ctx, lb, i, v);
            HPyTupleBuilder_Set(ctx, tb, i, v);
            HPy_Close(ctx, v);
        }
        HPyListBuilder_Set(ctx, lb, 1, arg);
        HPyTupleBuilder_Set(ctx, tb, 2, arg);
        HPyListBuilder_Set(ctx, lb, 1, arg);
        lst = HPyListBuilder_Build(ctx, lb);
        tup = HPyTupleBuilder_Build(ctx, tb);
        if (HPy_IsNull(lst) || HPy_IsNull(tup)) {
            HPy_Close(ctx, lst);
            HPy_Close(ctx, tup);
            return HPy_NULL;
        }
        items[0] = lst;
        items[1] = tup;
        res = HPyTuple_FromArray(ctx, items, 2);
        HPy_Close(ctx, lst);
        HPy_Close(ctx, tup);
        return res;
    }

    /* cancel(n, *items): fill then cancel both kinds */
    HPyDef_METH(cancel, "cancel", HPyFunc_VARARGS)
    static HPy cancel_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[0]);
        HPyListBuilder lb = HPyListBuilder_New(ctx, n);
        HPyTupleBuilder tb = HPyTupleBuilder_New(ctx, n);
        size_t i;
        for (i = 1; i < nargs; i++) {
            HPyListBuilder_Set(ctx, lb, (HPy_ssize_t)i - 1, args[i]);
            HPyTupleBuilder_Set(ctx, tb, (HPy_ssize_t)i - 1, args[i]);
        }
        HPyListBuilder_Cancel(ctx, lb);
        HPyTupleBuilder_Cancel(ctx, tb);
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* A builder too large to allocate: New cannot fail, Build reports it;
     * Set and Cancel on it are harmless. */
    HPyDef_METH(huge, "huge", HPyFunc_O)
    static HPy huge_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPY_SSIZE_T_MAX / 2;
        if (HPy_IsTrue(ctx, arg)) {
            HPyTupleBuilder b = HPyTupleBuilder_New(ctx, n);
            if (HPyErr_Occurred(ctx))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "New left an error set");
            HPyTupleBuilder_Set(ctx, b, 0, ctx->h_None);
            HPyTupleBuilder_Cancel(ctx, HPyTupleBuilder_New(ctx, n));
            return HPyTupleBuilder_Build(ctx, b);
        }
        else {
            HPyListBuilder b = HPyListBuilder_New(ctx, n);
            if (HPyErr_Occurred(ctx))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "New left an error set");
            HPyListBuilder_Set(ctx, b, 0, ctx->h_None);
            HPyListBuilder_Cancel(ctx, HPyListBuilder_New(ctx, n));
            return HPyListBuilder_Build(ctx, b);
        }
    }

    /* Negative sizes: reported by Build, Set/Cancel harmless */
    HPyDef_METH(negative, "negative", HPyFunc_O)
    static HPy negative_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        if (HPy_IsTrue(ctx, arg)) {
            HPyTupleBuilder b = HPyTupleBuilder_New(ctx, -3);
            if (HPyErr_Occurred(ctx))
                return HPy_NULL;
            HPyTupleBuilder_Set(ctx, b, 0, ctx->h_None);
            HPyTupleBuilder_Cancel(ctx, HPyTupleBuilder_New(ctx, -1));
            return HPyTupleBuilder_Build(ctx, b);
        }
        else {
            HPyListBuilder b = HPyListBuilder_New(ctx, -3);
            if (HPyErr_Occurred(ctx))
                return HPy_NULL;
            HPyListBuilder_Set(ctx, b, 0, ctx->h_None);
            HPyListBuilder_Cancel(ctx, HPyListBuilder_New(ctx, -1));
            return HPyListBuilder_Build(ctx, b);
        }
    }

    /* set_out_of_range(is_tuple, index): IndexError is left pending by Set */
    HPyDef_METH(set_out_of_range, "set_out_of_range", HPyFunc_VARARGS)
    static HPy set_out_of_range_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t i = HPyLong_AsSsize_t(ctx, args[1]);
        if (HPy_IsTrue(ctx, args[0])) {
            HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 2);
            HPyTupleBuilder_Set(ctx, b, i, ctx->h_True);
            if (!HPyErr_Occurred(ctx))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "no error");
            HPyTupleBuilder_Cancel(ctx, b);
        }
        else {
            HPyListBuilder b = HPyListBuilder_New(ctx, 2);
            HPyListBuilder_Set(ctx, b, i, ctx->h_True);
            if (!HPyErr_Occurred(ctx))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "no error");
            HPyListBuilder_Cancel(ctx, b);
        }
        return HPy_NULL;
    }
    @EXPORT(build_list)
    @EXPORT(build_tuple)
    @EXPORT(fresh_items)
    @EXPORT(cancel)
    @EXPORT(huge)
    @EXPORT(negative)
    @EXPORT(set_out_of_range)
    @INIT
""")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(BUILDERS)


def test_build(mod):
    assert mod.build_list(0) == []
    assert mod.build_tuple(0) == ()
    assert mod.build_list(3, "a", 2, None) == ["a", 2, None]
    assert mod.build_tuple(3, "a", 2, None) == ("a", 2, None)
    assert type(mod.build_list(1, 1)) is list
    assert type(mod.build_tuple(1, 1)) is tuple
    # the built list is an ordinary, mutable list
    lst = mod.build_list(2, 1, 2)
    lst.append(3)
    assert lst == [1, 2, 3]


def test_unset_slots_are_none(mod):
    assert mod.build_list(4, "x") == ["x", None, None, None]
    assert mod.build_tuple(3) == (None, None, None)
    t = mod.build_tuple(2, 1)
    assert repr(t) == "(1, None)" and hash(t) == hash((1, None))


def test_set_does_not_steal_and_replaces(mod):
    o = object()
    before = sys.getrefcount(o)
    for _ in range(20):
        lst, tup = mod.fresh_items(o)
        assert lst == [0, o, 20]
        assert tup == (0, 10, o)
    del lst, tup
    assert sys.getrefcount(o) == before


def test_cancel(mod):
    o = object()
    before = sys.getrefcount(o)
    for _ in range(20):
        mod.cancel(3, o, o)        # one slot never set
        mod.cancel(2, o, o)
        mod.cancel(0)
    assert sys.getrefcount(o) == before


def test_no_leaks(mod):
    o = object()
    before = sys.getrefcount(o)
    for _ in range(50):
        mod.build_list(3, o, o, o)
        mod.build_tuple(3, o, o, o)
    assert sys.getrefcount(o) == before


@pytest.mark.parametrize("is_tuple", [False, True])
def test_allocation_failure_reported_by_build(mod, is_tuple):
    with pytest.raises(MemoryError):
        mod.huge(is_tuple)


@pytest.mark.parametrize("is_tuple", [False, True])
def test_negative_size_reported_by_build(mod, is_tuple):
    kind = "Tuple" if is_tuple else "List"
    with pytest.raises(SystemError, match=f"HPy{kind}Builder_Build: .*negative size"):
        mod.negative(is_tuple)


@pytest.mark.parametrize("is_tuple", [False, True])
@pytest.mark.parametrize("index", [2, -1, 1000])
def test_set_out_of_range(mod, is_tuple, index):
    kind = "Tuple" if is_tuple else "List"
    with pytest.raises(IndexError, match=f"HPy{kind}Builder_Set: index {index} out of range"):
        mod.set_out_of_range(is_tuple, index)
