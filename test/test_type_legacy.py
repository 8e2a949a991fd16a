"""Legacy types (struct starting with PyObject_HEAD, legacy_slots) and pure
HPy types inheriting from them; cpython and hybrid ABIs only."""
import gc
import sys
import weakref

import pytest

from support import build_abi


@pytest.fixture
def hpy_legacy(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("legacy types need the C API (cpython and hybrid ABIs)")
    return hpy


LEGACY = """
    #include "structmember.h"

    typedef struct {
        PyObject_HEAD
        long x;
        PyObject *obj;
    } LegacyObject;
    HPyType_LEGACY_HELPERS(LegacyObject)

    static long n_dealloc;

    static PyObject *leg_double(PyObject *self, PyObject *args)
    {
        long k = 2;
        if (!PyArg_ParseTuple(args, "|l", &k))
            return NULL;
        return PyLong_FromLong(((LegacyObject *)self)->x * k);
    }
    static PyMethodDef leg_methods[] = {
        {"double", leg_double, METH_VARARGS, "x times k"},
        {NULL, NULL, 0, NULL}
    };
    static PyMemberDef leg_members[] = {
        {"x", T_LONG, offsetof(LegacyObject, x), 0, NULL},
        {"obj", T_OBJECT, offsetof(LegacyObject, obj), 0, NULL},
        {NULL, 0, 0, 0, NULL}
    };
    static PyObject *leg_get_neg(PyObject *self, void *closure)
    {
        return PyLong_FromLong(-((LegacyObject *)self)->x);
    }
    static PyGetSetDef leg_getsets[] = {
        {"neg", leg_get_neg, NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL}
    };
    static void leg_dealloc(PyObject *self)
    {
        PyTypeObject *tp = Py_TYPE(self);
        Py_CLEAR(((LegacyObject *)self)->obj);
        n_dealloc++;
        tp->tp_free(self);
        Py_DECREF(tp);
    }
    static PyObject *leg_repr(PyObject *self)
    {
        return PyUnicode_FromFormat("<Legacy %ld>", ((LegacyObject *)self)->x);
    }
    static PyType_Slot leg_slots[] = {
        {Py_tp_methods, leg_methods},
        {Py_tp_members, leg_members},
        {Py_tp_getset, leg_getsets},
        {Py_tp_dealloc, (void *)leg_dealloc},
        {Py_tp_repr, (void *)leg_repr},
        {0, NULL}
    };

    HPyDef_SLOT(Leg_new, HPy_tp_new)
    static HPy Leg_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        void *data;
        HPy h = HPy_New(ctx, cls, &data);
        if (HPy_IsNull(h))
            return HPy_NULL;
        /* `data` is the struct of `cls`, which is not a LegacyObject if `cls`
         * is a pure subtype: ask for the legacy struct explicitly */
        LegacyObject *o = LegacyObject_AsStruct(ctx, h);
        o->x = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        return h;
    }
    HPyDef_METH(Leg_get_x, "get_x", HPyFunc_NOARGS)
    static HPy Leg_get_x_impl(HPyContext *ctx, HPy self)
    {
        LegacyObject *o = LegacyObject_AsStruct(ctx, self);
        if ((void *)o != (void *)HPy_AsPyObject(ctx, self))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "struct != object");
        Py_DECREF((PyObject *)o);
        return HPyLong_FromLong(ctx, o->x);
    }
    HPyDef_MEMBER(Leg_hx, "hx", HPyMember_LONG, offsetof(LegacyObject, x))
    static HPyDef *Leg_defines[] = { &Leg_new, &Leg_get_x, &Leg_hx, NULL };
    static HPyType_Spec Leg_spec = {
        .name = "mytest.Legacy", .basicsize = sizeof(LegacyObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = HPyType_BuiltinShape_Legacy,
        .legacy_slots = leg_slots, .defines = Leg_defines };

    /* a pure HPy type inheriting from it */
    typedef struct { long y; HPyField f; } PureObject;
    HPyType_HELPERS(PureObject)
    static long n_pure_destroy;
    HPyDef_METH(Pure_get_y, "get_y", HPyFunc_NOARGS)
    static HPy Pure_get_y_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, PureObject_AsStruct(ctx, self)->y);
    }
    HPyDef_METH(Pure_set, "set", HPyFunc_VARARGS)
    static HPy Pure_set_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        PureObject *p = PureObject_AsStruct(ctx, self);
        p->y = HPyLong_AsLong(ctx, args[0]);
        if (nargs > 1)
            HPyField_Store(ctx, self, &p->f, args[1]);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(Pure_struct_offset, "struct_offset", HPyFunc_NOARGS)
    static HPy Pure_struct_offset_impl(HPyContext *ctx, HPy self)
    {
        char *st = (char *)PureObject_AsStruct(ctx, self);
        char *leg = (char *)LegacyObject_AsStruct(ctx, self);
        return HPyLong_FromLong(ctx, (long)(st - leg));
    }
    HPyDef_SLOT(Pure_traverse, HPy_tp_traverse)
    static int Pure_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((PureObject *)self)->f);
        return 0;
    }
    HPyDef_SLOT(Pure_destroy, HPy_tp_destroy)
    static void Pure_destroy_impl(void *self)
    {
        n_pure_destroy++;
    }
    HPyDef_MEMBER(Pure_y, "y", HPyMember_LONG, offsetof(PureObject, y))
    static HPyDef *Pure_defines[] = { &Pure_get_y, &Pure_set, &Pure_struct_offset,
                                      &Pure_traverse, &Pure_destroy, &Pure_y, NULL };
    static HPyType_Spec Pure_spec = {
        .name = "mytest.Pure", .basicsize = sizeof(PureObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
        .defines = Pure_defines };

    HPyDef_METH(make_pure, "make_pure", HPyFunc_O)
    static HPy make_pure_impl(HPyContext *ctx, HPy self, HPy base)
    {
        HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base },
                                       { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &Pure_spec, params);
    }
    HPyDef_METH(counts, "counts", HPyFunc_NOARGS)
    static HPy counts_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, "(ll)", n_dealloc, n_pure_destroy);
    }
"""


def test_legacy_type(hpy_legacy):
    mod = hpy_legacy.make_module(LEGACY + """
        @EXPORT(counts)
        @EXPORT_TYPE("Legacy", Leg_spec)
        @INIT
    """)
    L = mod.Legacy
    o = L(21)
    assert o.x == 21 and o.hx == 21 and o.get_x() == 21
    assert o.double() == 42 and o.double(3) == 63
    assert L.double.__doc__ == "x times k"
    assert o.neg == -21
    assert repr(o) == "<Legacy 21>"
    o.x = 5
    assert o.get_x() == 5
    sentinel = object()
    rc = sys.getrefcount(sentinel)
    o.obj = sentinel
    assert o.obj is sentinel
    del o
    assert mod.counts() == (1, 0)
    assert sys.getrefcount(sentinel) == rc

    class Sub(L):
        pass
    s = Sub(3)
    s.attr = 1
    assert s.double() == 6 and s.get_x() == 3
    del s
    assert mod.counts() == (2, 0)


def test_pure_type_inheriting_from_legacy(hpy_legacy):
    mod = hpy_legacy.make_module(LEGACY + """
        @EXPORT(counts)
        @EXPORT(make_pure)
        @EXPORT_TYPE("Legacy", Leg_spec)
        @INIT
    """)
    L = mod.Legacy
    P = mod.make_pure(L)
    assert P.__base__ is L
    p = P(7)  # tp_new inherited from the legacy type
    assert p.struct_offset() >= L.__basicsize__
    assert P.__basicsize__ >= L.__basicsize__ + 16
    p.set(8)
    assert (p.x, p.get_x(), p.double(), p.y, p.get_y()) == (7, 7, 14, 8, 8)
    p.x = 1
    p.y = 2
    assert (p.get_x(), p.get_y()) == (1, 2)
    sentinel = object()
    rc = sys.getrefcount(sentinel)
    p.set(3, sentinel)
    p.obj = sentinel
    assert sys.getrefcount(sentinel) == rc + 2
    del p
    assert mod.counts() == (1, 1)  # the pure destroy, then the legacy dealloc
    assert sys.getrefcount(sentinel) == rc

    class Sub(P):
        pass
    s = Sub(4)
    s.set(5, s)
    assert (s.get_x(), s.get_y()) == (4, 5)
    del s
    gc.collect()
    assert mod.counts() == (2, 2)


def test_legacy_gc_and_weakrefs(hpy_legacy):
    mod = hpy_legacy.make_module("""
        #include "structmember.h"
        typedef struct {
            PyObject_HEAD
            PyObject *obj;
            PyObject *weakreflist;
            HPyField field;
        } GcObject;
        HPyType_LEGACY_HELPERS(GcObject)
        static long n_destroy;

        static int gc_traverse(PyObject *self, visitproc visit, void *arg)
        {
            Py_VISIT(((GcObject *)self)->obj);
    #if PY_VERSION_HEX >= 0x03090000
            Py_VISIT(Py_TYPE(self));
    #endif
            return 0;
        }
        static int gc_clear(PyObject *self)
        {
            Py_CLEAR(((GcObject *)self)->obj);
            return 0;
        }
        static PyMemberDef gc_members[] = {
            {"obj", T_OBJECT, offsetof(GcObject, obj), 0, NULL},
            {"__weaklistoffset__", T_PYSSIZET, offsetof(GcObject, weakreflist), READONLY, NULL},
            {NULL, 0, 0, 0, NULL}
        };
        static PyType_Slot gc_slots[] = {
            {Py_tp_traverse, (void *)gc_traverse},
            {Py_tp_clear, (void *)gc_clear},
            {Py_tp_members, gc_members},
            {0, NULL}
        };
        HPyDef_SLOT(Gc_destroy, HPy_tp_destroy)
        static void Gc_destroy_impl(void *self)
        {
            n_destroy++;
        }
        HPyDef_METH(count, "count", HPyFunc_NOARGS)
        static HPy count_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, n_destroy);
        }
        HPyDef_METH(Gc_store, "store", HPyFunc_O)
        static HPy Gc_store_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            GcObject *g = GcObject_AsStruct(ctx, self);
            HPyField_Store(ctx, self, &g->field, arg);
            return HPy_Dup(ctx, ctx->h_None);
        }
        static HPyDef *Gc_defines[] = { &Gc_destroy, NULL };

        /* HPyFields in a legacy struct, visited by an HPy traverse */
        HPyDef_SLOT(F_traverse, HPy_tp_traverse)
        static int F_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
        {
            HPy_VISIT(&((GcObject *)self)->field);
            return 0;
        }
        static HPyDef *F_defines[] = { &F_traverse, &Gc_store, &Gc_destroy, NULL };
        static HPyType_Spec F_spec = {
            .name = "mytest.F", .basicsize = sizeof(GcObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
            .builtin_shape = HPyType_BuiltinShape_Legacy, .defines = F_defines };
        /* HPy_TPFLAGS_HAVE_GC asks for an HPy_tp_traverse: a legacy
         * Py_tp_traverse alone makes the type a GC type */
        static HPyType_Spec Gc_spec = {
            .name = "mytest.Gc", .basicsize = sizeof(GcObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .builtin_shape = HPyType_BuiltinShape_Legacy,
            .legacy_slots = gc_slots, .defines = Gc_defines };
        @EXPORT(count)
        @EXPORT_TYPE("Gc", Gc_spec)
        @EXPORT_TYPE("F", F_spec)
        @INIT
    """)
    G = mod.Gc
    g = G()
    assert gc.is_tracked(g)
    wr = weakref.ref(g)
    g.obj = g
    del g
    gc.collect()
    assert wr() is None
    assert mod.count() == 1
    o = object()
    rc = sys.getrefcount(o)
    f = mod.F()
    f.store(o)  # an HPyField in a legacy struct is released too
    assert sys.getrefcount(o) == rc + 1
    del f
    assert sys.getrefcount(o) == rc
    assert mod.count() == 2
    f = mod.F()
    f.store(f)
    del f
    gc.collect()
    assert mod.count() == 3


def test_legacy_errors(hpy):
    if build_abi(hpy.abi) == "universal":
        pytest.skip("legacy types need the C API")
    mod = hpy.make_module(LEGACY + """
        HPyDef_METH(make_legacy_on_pure, "make_legacy_on_pure", HPyFunc_O)
        static HPy make_legacy_on_pure_impl(HPyContext *ctx, HPy self, HPy base)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base },
                                           { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &Leg_spec, params);
        }
        static PyType_Slot dealloc_slots[] = { {Py_tp_dealloc, (void *)leg_dealloc}, {0, NULL} };
        HPyDef_SLOT(D_destroy, HPy_tp_destroy)
        static void D_destroy_impl(void *self) { }
        static HPyDef *D_defines[] = { &D_destroy, NULL };
        static HPyType_Spec D_spec = {
            .name = "mytest.D", .basicsize = sizeof(LegacyObject),
            .builtin_shape = HPyType_BuiltinShape_Legacy,
            .legacy_slots = dealloc_slots, .defines = D_defines };
        static HPyType_Spec NotLegacy_spec = {
            .name = "mytest.NL", .basicsize = sizeof(LegacyObject),
            .legacy_slots = leg_slots, .defines = Leg_defines };
        HPyDef_METH(make_bad, "make_bad", HPyFunc_O)
        static HPy make_bad_impl(HPyContext *ctx, HPy self, HPy which)
        {
            return HPyType_FromSpec(ctx, HPyLong_AsLong(ctx, which) ? &D_spec : &NotLegacy_spec, NULL);
        }
        @EXPORT(make_legacy_on_pure)
        @EXPORT(make_bad)
        @EXPORT(make_pure)
        @EXPORT_TYPE("Legacy", Leg_spec)
        @INIT
    """)
    P = mod.make_pure(mod.Legacy)
    with pytest.raises(TypeError, match="^A legacy type should not inherit its memory layout "
                                        "from a pure type"):
        mod.make_legacy_on_pure(P)
    with pytest.raises(TypeError, match=r"^cannot specify \.legacy_slots without setting "
                                        r"\.builtin_shape=HPyType_BuiltinShape_Legacy"):
        mod.make_bad(0)
    with pytest.raises(TypeError, match=r"^legacy tp_dealloc is incompatible with "
                                        r"HPy_tp_traverse or HPy_tp_destroy\."):
        mod.make_bad(1)


def test_legacy_gc_fields_without_destroy(hpy_legacy):
    """A legacy-shaped GC type with HPyFields and no destroy takes the short
    dealloc of GC types on top of object: its struct is the object itself
    (offset 0), and every field its traverse visits is released, the ones it
    skips are left alone."""
    mod = hpy_legacy.make_module("""
        typedef struct {
            PyObject_HEAD
            HPyField a;
            long skip_b; /* the traverse does not visit b */
            HPyField b;
        } LPairObject;
        HPyType_LEGACY_HELPERS(LPairObject)
        static PyObject *kept;

        HPyDef_SLOT(LPair_new, HPy_tp_new)
        static HPy LPair_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs,
                                  HPy kw)
        {
            LPairObject *p;
            HPy h = HPy_New(ctx, cls, &p);
            if (HPy_IsNull(h))
                return HPy_NULL;
            if (nargs > 0)
                HPyField_Store(ctx, h, &p->a, args[0]);
            if (nargs > 1) {
                /* a field the traverse skips: the type keeps its own
                 * reference to release (the runtime must not touch it) */
                p->skip_b = 1;
                HPyField_Store(ctx, h, &p->b, args[1]);
                kept = HPy_AsPyObject(ctx, args[1]);
            }
            return h;
        }
        HPyDef_SLOT(LPair_traverse, HPy_tp_traverse)
        static int LPair_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
        {
            LPairObject *p = (LPairObject *)self;
            HPy_VISIT(&p->a);
            if (!p->skip_b)
                HPy_VISIT(&p->b);
            return 0;
        }
        HPyDef_METH(release, "release", HPyFunc_NOARGS)
        static HPy release_impl(HPyContext *ctx, HPy self)
        {
            /* drops both the module's reference and the one of the dead
             * instance's skipped field */
            Py_XDECREF(kept);
            Py_XDECREF(kept);
            kept = NULL;
            return HPy_Dup(ctx, ctx->h_None);
        }
        static HPyDef *LPair_defines[] = { &LPair_new, &LPair_traverse, NULL };
        static HPyType_Spec LPair_spec = {
            .name = "mytest.LPair", .basicsize = sizeof(LPairObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
            .builtin_shape = HPyType_BuiltinShape_Legacy, .defines = LPair_defines };
        @EXPORT(release)
        @EXPORT_TYPE("LPair", LPair_spec)
        @INIT
    """)
    o, q = object(), object()
    mod.LPair(o)  # the first instance may create what later ones reuse
    rc_o, rc_q, rc_type = sys.getrefcount(o), sys.getrefcount(q), sys.getrefcount(mod.LPair)
    for _ in range(50):
        p = mod.LPair(o)
        assert gc.is_tracked(p)
    del p
    assert (sys.getrefcount(o), sys.getrefcount(mod.LPair)) == (rc_o, rc_type)
    p = mod.LPair(o, q)
    assert sys.getrefcount(q) == rc_q + 2  # the field and the module's copy
    del p
    assert sys.getrefcount(o) == rc_o
    assert sys.getrefcount(q) == rc_q + 2  # not visited, not released
    mod.release()
    assert sys.getrefcount(q) == rc_q
