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


# Point (above) and subtypes made from specs on a base given at run time,
# with a larger struct, one with a call function (which HPy_New must give a
# new instance); getx/getz read the structs with AsStruct.
SUBTYPES = PLAIN.replace("@EXPORT(new)", """
    typedef struct { PointObject base; long z; } SubObject;
    HPyType_HELPERS(SubObject)

    HPyDef_SLOT(Sub_new, HPy_tp_new)
    static HPy Sub_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        SubObject *s;
        HPy h = HPy_New(ctx, cls, &s);
        if (HPy_IsNull(h))
            return HPy_NULL;
        s->base.x = 5;
        s->z = 99;
        return h;
    }
    HPyDef_SLOT(Sub_call, HPy_tp_call)
    static HPy Sub_call_impl(HPyContext *ctx, HPy callable, const HPy *args, size_t nargs,
                             HPy kwnames)
    {
        return HPyLong_FromLong(ctx, SubObject_AsStruct(ctx, callable)->z);
    }
    HPyDef_MEMBER(Sub_z, "z", HPyMember_LONG, offsetof(SubObject, z))
    static HPyDef *Sub_defines[] = { &Sub_new, &Sub_z, NULL };
    static HPyDef *SubCall_defines[] = { &Sub_new, &Sub_z, &Sub_call, NULL };
    static HPyType_Spec Sub_spec = {
        .name = "mytest.Sub", .basicsize = sizeof(SubObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Sub_defines };
    static HPyType_Spec SubCall_spec = {
        .name = "mytest.SubCall", .basicsize = sizeof(SubObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = SubCall_defines };

    /* make_sub(base, with_call) */
    HPyDef_METH(make_sub, "make_sub", HPyFunc_VARARGS)
    static HPy make_sub_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, args[0] },
                                       { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, HPy_IsTrue(ctx, args[1]) ? &SubCall_spec : &Sub_spec,
                                params);
    }
    HPyDef_METH(getx, "getx", HPyFunc_O)
    static HPy getx_impl(HPyContext *ctx, HPy self, HPy o)
    {
        return HPyLong_FromLong(ctx, PointObject_AsStruct(ctx, o)->x);
    }
    HPyDef_METH(getz, "getz", HPyFunc_O)
    static HPy getz_impl(HPyContext *ctx, HPy self, HPy o)
    {
        return HPyLong_FromLong(ctx, SubObject_AsStruct(ctx, o)->z);
    }

    @EXPORT(make_sub)
    @EXPORT(getx)
    @EXPORT(getz)
    @EXPORT(new)""")


def test_subtypes_from_specs(hpy):
    """HPy_New and AsStruct take a shorter path for the types an extension
    made on top of object; subtypes made from specs, by the same extension
    or by another one (in the cpython ABI another runtime copy), with and
    without a call function, and Python subclasses get the same structs and
    a new instance its call function."""
    a = hpy.make_module(SUBTYPES, name="fast_a")
    b = hpy.make_module(SUBTYPES, name="fast_b")
    for maker in (a, b):
        for with_call in (False, True):
            Sub = maker.make_sub(a.Point, with_call)

            class PySub(Sub):
                pass

            for T in (Sub, PySub):
                s = T()
                assert (s.x, s.y, s.z) == (5, 0, 99)
                for m in (a, b):
                    assert (m.getx(s), m.getz(s)) == (5, 99)
                    n = m.new(T)
                    assert (n.x, n.z, m.getx(n)) == (-1, 0, -1)
                    if with_call:
                        assert s() == 99
                        assert n() == 0
                    else:
                        assert not callable(n)
            # a subtype of the subtype, made by the other extension
            other = b if maker is a else a
            Sub2 = other.make_sub(Sub, not with_call)
            s2 = Sub2()
            assert (a.getx(s2), b.getz(s2), s2.z) == (5, 99, 99)
            assert other.new(Sub2).x == -1
            if not with_call:
                assert s2() == 99 and a.new(Sub2)() == 0
    p = a.Point(3)
    assert (a.getx(p), b.getx(p), b.new(a.Point).x) == (3, 3, -1)
