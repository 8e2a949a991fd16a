"""HPy_tp_call, HPy_SetCallFunction and the __vectorcalloffset__ member
(ctx_type.c)."""
import gc
import sys

import pytest


CALL = """
    typedef struct { long factor; } CObject;
    HPyType_HELPERS(CObject)

    static HPy describe(HPyContext *ctx, const char *who, HPy self, const HPy *args,
                        size_t nargs, HPy kwnames)
    {
        HPy a = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        if (HPy_IsNull(a))
            return HPy_NULL;
        HPy kw = HPyDict_New(ctx);
        if (!HPy_IsNull(kwnames)) {
            HPy_ssize_t n = HPy_Length(ctx, kwnames);
            for (HPy_ssize_t i = 0; i < n; i++) {
                HPy k = HPy_GetItem_i(ctx, kwnames, i);
                HPy_SetItem(ctx, kw, k, args[nargs + i]);
                HPy_Close(ctx, k);
            }
        }
        HPy r = HPy_BuildValue(ctx, "(slOO)", who, CObject_AsStruct(ctx, self)->factor, a, kw);
        HPy_Close(ctx, a);
        HPy_Close(ctx, kw);
        return r;
    }

    HPyDef_SLOT(C_call, HPy_tp_call)
    static HPy C_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return describe(ctx, "default", self, args, nargs, kwnames);
    }

    HPyDef_CALL_FUNCTION(other_call)
    static HPy other_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
    {
        return describe(ctx, "other", self, args, nargs, kwnames);
    }

    HPyDef_SLOT(C_new, HPy_tp_new)
    static HPy C_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        CObject *c;
        HPy h = HPy_New(ctx, cls, &c);
        if (HPy_IsNull(h))
            return HPy_NULL;
        c->factor = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 1;
        return h;
    }

    HPyDef_METH(set_other, "set_other", HPyFunc_O)
    static HPy set_other_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        if (HPy_SetCallFunction(ctx, obj, &other_call) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(generic_new, "generic_new", HPyFunc_O)
    static HPy generic_new_impl(HPyContext *ctx, HPy self, HPy cls)
    {
        return HPyType_GenericNew(ctx, cls, NULL, 0, HPy_NULL);
    }
"""


def call_module(hpy, extra_defines="", extra="", basicsize="sizeof(CObject)", exports=()):
    exp = "".join("        @EXPORT(%s)\n" % e for e in exports)
    return hpy.make_module(CALL + extra + """
        static HPyDef *C_defines[] = { &C_call, &C_new %s, NULL };
        static HPyType_Spec C_spec = {
            .name = "mytest.C", .basicsize = %s,
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = C_defines };
        static HPyDef *Plain_defines[] = { &C_new, NULL };
        static HPyType_Spec Plain_spec = {
            .name = "mytest.Plain", .basicsize = sizeof(CObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Plain_defines };
        @EXPORT(set_other)
        @EXPORT(generic_new)
%s        @EXPORT_TYPE("C", C_spec)
        @EXPORT_TYPE("Plain", Plain_spec)
        @INIT
    """ % (extra_defines, basicsize, exp))


def test_tp_call(hpy):
    mod = call_module(hpy)
    c = mod.C(3)
    assert c() == ("default", 3, (), {})
    assert c(1, 2) == ("default", 3, (1, 2), {})
    assert c(1, b=2, a=1) == ("default", 3, (1,), {"b": 2, "a": 1})
    assert c(*range(10), **{"x%d" % i: i for i in range(5)}) == \
        ("default", 3, tuple(range(10)), {"x%d" % i: i for i in range(5)})
    assert callable(c)
    assert not callable(mod.Plain())
    # instances not made by HPy_New get the default call function too
    g = mod.generic_new(mod.C)
    assert g(1) == ("default", 0, (1,), {})

    class NoNew(mod.C):
        def __new__(cls):
            return mod.generic_new(cls)
    assert NoNew()(x=1) == ("default", 0, (), {"x": 1})
    assert type(c).__call__(c, 5) == ("default", 3, (5,), {})


def test_set_call_function(hpy):
    mod = call_module(hpy)
    c1, c2 = mod.C(1), mod.C(2)
    mod.set_other(c1)
    assert c1(7) == ("other", 1, (7,), {})
    assert c2(7) == ("default", 2, (7,), {})
    assert c1(a=1) == ("other", 1, (), {"a": 1})
    with pytest.raises(TypeError):
        mod.set_other(mod.Plain())
    with pytest.raises(TypeError):
        mod.set_other(42)


def test_call_subclasses(hpy):
    mod = call_module(hpy, extra="""
        typedef struct { CObject base; long more[4]; } BigObject;
        static HPyDef *Big_defines[] = { NULL };
        static HPyType_Spec Big_spec = {
            .name = "mytest.Big", .basicsize = sizeof(BigObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Big_defines };
        HPyDef_MEMBER(Big_m3, "m3", HPyMember_LONG, offsetof(BigObject, more[3]))
        static HPyDef *Big2_defines[] = { &Big_m3, NULL };
        static HPyType_Spec Big2_spec = {
            .name = "mytest.Big2", .basicsize = sizeof(BigObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Big2_defines };
        HPyDef_METH(make_big, "make_big", HPyFunc_VARARGS)
        static HPy make_big_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, args[1] },
                                           { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, HPyLong_AsLong(ctx, args[0]) ? &Big2_spec : &Big_spec,
                                    params);
        }
    """, exports=["make_big"])
    C = mod.C

    class PySub(C):
        pass
    p = PySub(4)
    assert p(1) == ("default", 4, (1,), {})
    mod.set_other(p)
    assert p(1) == ("other", 4, (1,), {})

    class PyOverride(C):
        def __call__(self, *args):
            return "python", args
    assert PyOverride(1)(2) == ("python", (2,))

    # an HPy subtype that grows the struct keeps its own call function slot
    Big = mod.make_big(0, C)
    b = Big(5)
    assert b(1) == ("default", 5, (1,), {})
    mod.set_other(b)
    assert b(2) == ("other", 5, (2,), {})
    Big2 = mod.make_big(1, Big)
    b2 = Big2(6)
    b2.m3 = 123456
    assert b2() == ("default", 6, (), {})
    assert b2.m3 == 123456
    mod.set_other(b2)
    assert b2.m3 == 123456
    assert b2() == ("other", 6, (), {})


def test_vectorcalloffset_member(hpy):
    mod = hpy.make_module("""
        typedef struct { void *vectorcall; long tag; } VObject;
        HPyType_HELPERS(VObject)

        HPyDef_CALL_FUNCTION(first)
        static HPy first_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
        {
            return HPy_BuildValue(ctx, "(sln)", "first", VObject_AsStruct(ctx, self)->tag, (HPy_ssize_t)nargs);
        }
        HPyDef_CALL_FUNCTION(second)
        static HPy second_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
        {
            return HPy_BuildValue(ctx, "(sln)", "second", VObject_AsStruct(ctx, self)->tag, (HPy_ssize_t)nargs);
        }
        HPyDef_MEMBER(V_vcall, "__vectorcalloffset__", HPyMember_HPYSSIZET,
                      offsetof(VObject, vectorcall), .readonly = 1)
        HPyDef_SLOT(V_new, HPy_tp_new)
        static HPy V_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            VObject *v;
            HPy h = HPy_New(ctx, cls, &v);
            if (HPy_IsNull(h))
                return HPy_NULL;
            v->tag = HPyLong_AsLong(ctx, args[0]);
            if (HPy_SetCallFunction(ctx, h, v->tag % 2 ? &first : &second) < 0) {
                HPy_Close(ctx, h);
                return HPy_NULL;
            }
            return h;
        }
        HPyDef_METH(has_func, "has_func", HPyFunc_NOARGS)
        static HPy has_func_impl(HPyContext *ctx, HPy self)
        {
            return HPyBool_FromLong(ctx, VObject_AsStruct(ctx, self)->vectorcall != NULL);
        }
        HPyDef_METH(blank, "blank", HPyFunc_O)
        static HPy blank_impl(HPyContext *ctx, HPy self, HPy cls)
        {
            return HPyType_GenericNew(ctx, cls, NULL, 0, HPy_NULL);
        }
        static HPyDef *V_defines[] = { &V_vcall, &V_new, &has_func, NULL };
        static HPyType_Spec V_spec = {
            .name = "mytest.V", .basicsize = sizeof(VObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = V_defines };
        @EXPORT(blank)
        @EXPORT_TYPE("V", V_spec)
        @INIT
    """)
    v1, v2 = mod.V(1), mod.V(2)
    assert v1.has_func() and v2.has_func()
    assert v1(1, 2) == ("first", 1, 2)
    assert v2() == ("second", 2, 0)
    o = mod.blank(mod.V)
    assert not o.has_func()
    with pytest.raises(TypeError):
        o()


def test_call_no_leaks(hpy):
    mod = call_module(hpy)
    c = mod.C(1)
    arg = object()
    rc = sys.getrefcount(arg)
    for _ in range(1000):
        c(arg, k=arg)
        c(arg)
    gc.collect()
    assert sys.getrefcount(arg) == rc
