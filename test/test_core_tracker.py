"""HPyTracker (ctx_tracker.c)."""
import sys
import textwrap

import pytest


def src(body):
    """A snippet body; support.expand_markers strips an 8-space indent."""
    return textwrap.indent(textwrap.dedent(body), " " * 8)


TRACKER = src("""
    /* track(size, n, obj): n new handles to obj added to a tracker made with
     * the size hint `size`, then closed by HPyTracker_Close */
    HPyDef_METH(track, "track", HPyFunc_VARARGS)
    static HPy track_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy_ssize_t size = HPyLong_AsSsize_t(ctx, args[0]);
        HPy_ssize_t n = HPyLong_AsSsize_t(ctx, args[1]), i;
        HPyTracker ht = HPyTracker_New(ctx, size);
        if (ht._i == 0)
            return HPy_NULL;
        for (i = 0; i < n; i++) {
            HPy h = HPy_Dup(ctx, args[2]);
            if (HPyTracker_Add(ctx, ht, h) < 0) {
                HPy_Close(ctx, h);
                HPyTracker_Close(ctx, ht);
                return HPy_NULL;
            }
        }
        HPyTracker_Close(ctx, ht);
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* forget(obj): the handles are kept by the caller after ForgetAll */
    HPyDef_METH(forget, "forget", HPyFunc_O)
    static HPy forget_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht = HPyTracker_New(ctx, 0);
        HPy h1, h2, h3;
        if (ht._i == 0)
            return HPy_NULL;
        h1 = HPy_Dup(ctx, arg);
        h2 = HPy_Dup(ctx, arg);
        if (HPyTracker_Add(ctx, ht, h1) < 0 || HPyTracker_Add(ctx, ht, h2) < 0)
            return HPy_NULL;
        HPyTracker_ForgetAll(ctx, ht);
        h3 = HPy_Dup(ctx, arg);
        if (HPyTracker_Add(ctx, ht, h3) < 0)   /* usable after ForgetAll */
            return HPy_NULL;
        HPyTracker_Close(ctx, ht);              /* closes h3 only */
        HPy_Close(ctx, h1);
        return h2;
    }

    /* nulls(obj): a tracker may hold HPy_NULL between real handles; Close
     * skips the NULLs and still closes the rest. Returns how many Adds
     * succeeded. */
    HPyDef_METH(nulls, "nulls", HPyFunc_O)
    static HPy nulls_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht = HPyTracker_New(ctx, 1);
        long added = 0;
        int i;
        if (ht._i == 0)
            return HPy_NULL;
        for (i = 0; i < 6; i++) {
            HPy h = (i % 2 == 0) ? HPy_NULL : HPy_Dup(ctx, arg);
            if (HPyTracker_Add(ctx, ht, h) < 0) {
                HPy_Close(ctx, h);
                HPyTracker_Close(ctx, ht);
                return HPy_NULL;
            }
            added++;
        }
        HPyTracker_Close(ctx, ht);
        return HPyLong_FromLong(ctx, added);
    }

    HPyDef_METH(negative, "negative", HPyFunc_NOARGS)
    static HPy negative_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht = HPyTracker_New(ctx, -1);
        if (ht._i == 0)
            return HPy_NULL;
        HPyTracker_Close(ctx, ht);
        return HPy_Dup(ctx, ctx->h_None);
    }
    @EXPORT(track)
    @EXPORT(forget)
    @EXPORT(nulls)
    @EXPORT(negative)
    @INIT
""")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(TRACKER)


@pytest.mark.parametrize("size, n", [(0, 0), (0, 1), (0, 100), (1, 1), (1, 2), (5, 3), (2, 1000), (100, 100)])
def test_close_closes_everything(mod, size, n):
    o = object()
    before = sys.getrefcount(o)
    mod.track(size, n, o)
    assert sys.getrefcount(o) == before


def test_forget_all(mod):
    o = object()
    before = sys.getrefcount(o)
    for _ in range(20):
        assert mod.forget(o) is o
    assert sys.getrefcount(o) == before


def test_null_handles(mod):
    o = object()
    before = sys.getrefcount(o)
    assert mod.nulls(o) == 6
    assert sys.getrefcount(o) == before


def test_negative_size(mod):
    with pytest.raises(SystemError, match="HPyTracker_New: negative size"):
        mod.negative()
