"""The fast paths of HPy_New and tp_dealloc for the most common types (pure
HPy, Object shape, no GC, no destroy; ctx_type.c, ctx_type_gc.c) behave like
the general paths, also for what may change after the type was made."""
import gc
import sys

import pytest

PLAIN = """
    typedef struct { long x; long y; } PointObject;
    HPyType_HELPERS(PointObject)

    HPyDef_SLOT(Point_new, HPy_tp_new)
    static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        PointObject *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        p->x = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 7;
        p->y = 42;
        return h;
    }
    HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
    HPyDef_MEMBER(Point_y, "y", HPyMember_LONG, offsetof(PointObject, y))

    static HPyDef *Point_defines[] = { &Point_new, &Point_x, &Point_y, NULL };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(PointObject),
        .defines = Point_defines,
    };

    /* new(t): HPy_New(t) as is, without tp_new */
    HPyDef_METH(new, "new", HPyFunc_O)
    static HPy new_impl(HPyContext *ctx, HPy self, HPy t)
    {
        PointObject *p = NULL;
        HPy h = HPy_New(ctx, t, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        if (p == NULL) {
            HPy_Close(ctx, h);
            HPyErr_SetString(ctx, ctx->h_SystemError, "HPy_New gave no struct");
            return HPy_NULL;
        }
        p->x = -1;
        return h;
    }

    @EXPORT(new)
    @EXPORT_TYPE("Point", Point_spec)
    @INIT
"""


def test_plain_type_instances(hpy):
    mod = hpy.make_module(PLAIN)
    P = mod.Point
    before = sys.getrefcount(P)
    for i in range(1000):
        p = P(i)
        assert (p.x, p.y) == (i, 42)
    del p
    assert sys.getrefcount(P) == before
    q = mod.new(P)
    assert q.x == -1
    del q
    assert sys.getrefcount(P) == before


def test_new_errors(hpy):
    mod = hpy.make_module(PLAIN)
    with pytest.raises(TypeError):
        mod.new(42)
    with pytest.raises(TypeError):
        mod.new(int)


def test_del_added_after_creation(hpy):
    mod = hpy.make_module(PLAIN)
    P = mod.Point
    seen = []
    P.__del__ = lambda self: seen.append(self.x)
    p = P(5)
    del p
    assert seen == [5]
    del P.__del__
    p = P(6)
    del p
    assert seen == [5]


def test_python_subclass(hpy):
    mod = hpy.make_module(PLAIN)
    seen = []

    class Sub(mod.Point):
        def __del__(self):
            seen.append(self.x)

    class Slots(mod.Point):
        __slots__ = ("a", "__weakref__")

    before = sys.getrefcount(Sub), sys.getrefcount(Slots)
    for i in range(100):
        s = Sub(i)
        s.attr = [s]  # a cycle through the dict
        assert (s.x, s.y) == (i, 42)
        del s
        t = Slots(i)
        t.a = t
        assert (t.x, t.a.y) == (i, 42)
        del t
        u = mod.new(Sub)
        assert u.x == -1
        del u
    gc.collect()
    assert sorted(seen) == sorted(list(range(100)) + [-1] * 100)  # once each
    assert (sys.getrefcount(Sub), sys.getrefcount(Slots)) == before
