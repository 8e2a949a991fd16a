"""HPy types are ordinary Python types (ctx_type.c, ctx_type.h): their
metatype is `type` unless a metaclass is asked for, Python classes combine
them with any metaclass, and metaclasses written in C (static, or heap types
sized from PyHeapTypeObject with fields of their own) work with
HPyType_SpecParam_Metaclass."""
from __future__ import annotations

import abc
import gc
import importlib.machinery
import importlib.util
import sys
import sysconfig
import tracemalloc
import weakref

import pytest

from support import CFLAGS, _cc, _run

# A point with a struct, a member, a method reading the struct through
# HPy_AsStruct, an HPyField (GC) and a destroy counter; `new_of(cls)` makes an
# instance of `cls` with HPy_New and fills the struct.
POINT = """
    typedef struct { long x; long y; HPyField ref; } PointObject;
    HPyType_HELPERS(PointObject)
    static long n_destroy;

    HPyDef_SLOT(Point_new, HPy_tp_new)
    static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args,
                              HPy_ssize_t nargs, HPy kw)
    {
        long x = 0, y = 0;
        PointObject *p;
        HPy h;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, "|ll", &x, &y))
            return HPy_NULL;
        h = HPy_New(ctx, cls, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        p->x = x;
        p->y = y;
        return h;
    }
    HPyDef_METH(Point_sum, "sum", HPyFunc_NOARGS)
    static HPy Point_sum_impl(HPyContext *ctx, HPy self)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        return HPyLong_FromLong(ctx, p->x * 100 + p->y);
    }
    HPyDef_METH(Point_set_ref, "set_ref", HPyFunc_O)
    static HPy Point_set_ref_impl(HPyContext *ctx, HPy self, HPy o)
    {
        HPyField_Store(ctx, self, &PointObject_AsStruct(ctx, self)->ref, o);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(Point_get_ref, "get_ref", HPyFunc_NOARGS)
    static HPy Point_get_ref_impl(HPyContext *ctx, HPy self)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        if (HPyField_IsNull(p->ref))
            return HPy_Dup(ctx, ctx->h_None);
        return HPyField_Load(ctx, self, p->ref);
    }
    HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
    HPyDef_SLOT(Point_traverse, HPy_tp_traverse)
    static int Point_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((PointObject *)self)->ref);
        return 0;
    }
    HPyDef_SLOT(Point_destroy, HPy_tp_destroy)
    static void Point_destroy_impl(void *self) { n_destroy++; }
    static HPyDef *Point_defines[] = {
        &Point_new, &Point_sum, &Point_set_ref, &Point_get_ref, &Point_x,
        &Point_traverse, &Point_destroy, NULL };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point", .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
        .defines = Point_defines };

    HPyDef_METH(new_of, "new_of", HPyFunc_O)
    static HPy new_of_impl(HPyContext *ctx, HPy self, HPy cls)
    {
        PointObject *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        p->x = 7;
        p->y = 8;
        return h;
    }
    HPyDef_METH(n_destroyed, "n_destroyed", HPyFunc_NOARGS)
    static HPy n_destroyed_impl(HPyContext *ctx, HPy self) { return HPyLong_FromLong(ctx, n_destroy); }

    HPyDef_METH(make_point, "make_point", HPyFunc_O)
    static HPy make_point_impl(HPyContext *ctx, HPy self, HPy meta)
    {
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Metaclass, meta },
            { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &Point_spec, HPy_Is(ctx, meta, ctx->h_None) ? NULL : params);
    }
"""

POINT_EXPORTS = """
    @EXPORT(new_of)
    @EXPORT(n_destroyed)
    @EXPORT(make_point)
    @EXPORT_TYPE("Point", Point_spec)
"""


def point_module(hpy, extra: str = "", exports: str = ""):
    return hpy.make_module(POINT + extra + POINT_EXPORTS + exports + "\n    @INIT\n")


def check_point_class(mod, cls):
    """Instances of `cls` (Point or a subclass of it) keep their struct."""
    before = mod.n_destroyed()
    p = cls(3, 4)
    assert p.sum() == 304 and p.x == 3
    p.x = 5
    assert p.sum() == 504
    q = mod.new_of(cls)
    assert type(q) is cls and q.sum() == 708
    # a cycle through the HPyField: collected, the struct destroyed
    p.set_ref(p)
    assert p.get_ref() is p
    wr = weakref.ref(p) if cls.__weakrefoffset__ else None
    del p, q
    gc.collect()
    if wr is not None:
        assert wr() is None
    assert mod.n_destroyed() == before + 2


def test_type_of_hpy_types_is_type(hpy):
    mod = point_module(hpy, """
    typedef struct { double v; } FloatObject;
    HPyType_HELPERS(FloatObject, HPyType_BuiltinShape_Float)
    static HPyType_Spec F_spec = {
        .name = "mytest.F", .basicsize = sizeof(FloatObject),
        .builtin_shape = HPyType_BuiltinShape_Float };
    typedef struct { long n; } TupleObject;
    HPyType_HELPERS(TupleObject, HPyType_BuiltinShape_Tuple)
    static HPyType_Spec Tu_spec = {
        .name = "mytest.Tu", .basicsize = sizeof(TupleObject),
        .builtin_shape = HPyType_BuiltinShape_Tuple };
    static HPyType_Spec L_spec = {
        .name = "mytest.L", .builtin_shape = HPyType_BuiltinShape_Legacy };
    typedef struct { long n; } MetaObject;
    HPyType_HELPERS(MetaObject, HPyType_BuiltinShape_Type)
    static HPyType_Spec M_spec = {
        .name = "mytest.M", .basicsize = sizeof(MetaObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = HPyType_BuiltinShape_Type };
    """, """
    @EXPORT_TYPE("F", F_spec)
    @EXPORT_TYPE("Tu", Tu_spec)
    @EXPORT_TYPE("L", L_spec)
    @EXPORT_TYPE("M", M_spec)
    """)
    for T in (mod.Point, mod.F, mod.Tu, mod.L, mod.M):
        assert type(T) is type, T
    assert mod.M.__base__ is type
    P2 = mod.make_point(None)
    assert type(P2) is type and P2 is not mod.Point
    # an HPy metaclass makes HPy types whose type is that metaclass
    P3 = mod.make_point(mod.M)
    assert type(P3) is mod.M
    check_point_class(mod, P3)


def test_python_subclasses_with_abc_and_metaclasses(hpy):
    mod = point_module(hpy)
    P = mod.Point

    class Plain(P):
        pass

    class WithABC(P, abc.ABC):
        pass

    class PyMeta(type):
        def __new__(mcls, name, bases, ns):
            ns["tag"] = "made by PyMeta"
            return super().__new__(mcls, name, bases, ns)

    class WithMeta(P, metaclass=PyMeta):
        __slots__ = ("extra",)

    class Mixin:
        pass

    class Deeper(Mixin, WithABC):
        pass

    assert type(WithABC) is abc.ABCMeta and type(WithMeta) is PyMeta
    assert WithMeta.tag == "made by PyMeta"
    for cls in (P, Plain, WithABC, WithMeta, Deeper):
        check_point_class(mod, cls)
    w = WithMeta(1, 2)
    w.extra = "slot after the struct"
    assert w.sum() == 102 and w.extra == "slot after the struct"

    # abc machinery works with an HPy base
    class Iface(abc.ABC):
        @abc.abstractmethod
        def f(self):
            ...

    class Impl(P, Iface):
        def f(self):
            return self.sum()

    assert Impl(2, 3).f() == 203 and isinstance(Impl(), Iface)
    Iface.register(P)
    assert isinstance(P(), Iface)


def test_metaclass_with_custom_tp_new_is_rejected(hpy):
    mod = point_module(hpy, """
    HPyDef_METH(make_on, "make_on", HPyFunc_O)
    static HPy make_on_impl(HPyContext *ctx, HPy self, HPy base)
    {
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Base, base },
            { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &Point_spec, params);
    }
    """, """
    @EXPORT(make_on)
    """)

    class NewMeta(type):
        def __new__(mcls, *args):
            return super().__new__(mcls, *args)

    with pytest.raises(TypeError) as exc:
        mod.make_point(NewMeta)
    assert str(exc.value).startswith("Metaclasses with custom tp_new are not supported.")

    # also when the metaclass comes from a base
    class WithNewMeta(metaclass=NewMeta):
        pass
    with pytest.raises(TypeError) as exc:
        mod.make_on(WithNewMeta)
    assert str(exc.value).startswith("Metaclasses with custom tp_new are not supported.")


def test_metaclass_conflict(hpy):
    mod = hpy.make_module("""
        static HPyType_Spec T_spec = { .name = "mytest.T" };
        HPyDef_METH(make, "make", HPyFunc_VARARGS)
        static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            HPyType_SpecParam params[] = {
                { HPyType_SpecParam_Metaclass, args[0] },
                { HPyType_SpecParam_Base, args[1] },
                { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &T_spec, params);
        }
        @EXPORT(make)
        @INIT
    """)

    class M1(type):
        pass

    class M2(type):
        pass

    class Sub1(M1):
        pass

    class B(metaclass=M1):
        pass
    with pytest.raises(TypeError) as exc:
        mod.make(M2, B)
    assert str(exc.value) == ("metaclass conflict: the metaclass of a derived class must be a "
                              "(non-strict) subclass of the metaclasses of all its bases")
    # the most derived one wins, whichever names it
    assert type(mod.make(type, B)) is M1
    assert type(mod.make(Sub1, B)) is Sub1


def test_object_shape_without_struct_on_int(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(twice, "twice", HPyFunc_NOARGS)
        static HPy twice_impl(HPyContext *ctx, HPy self)
        {
            long v = HPyLong_AsLong(ctx, self);
            if (v == -1 && HPyErr_Occurred(ctx))
                return HPy_NULL;
            return HPyLong_FromLong(ctx, 2 * v);
        }
        static HPyDef *I_defines[] = { &twice, NULL };
        static HPyType_Spec I_spec = {
            .name = "mytest.I", .basicsize = 0,
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .builtin_shape = HPyType_BuiltinShape_Object, .defines = I_defines };
        HPyDef_METH(make, "make", HPyFunc_NOARGS)
        static HPy make_impl(HPyContext *ctx, HPy self)
        {
            HPyType_SpecParam params[] = {
                { HPyType_SpecParam_Base, ctx->h_LongType },
                { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &I_spec, params);
        }
        @EXPORT(make)
        @INIT
    """)
    IntT = mod.make()
    assert type(IntT) is type and IntT.__base__ is int
    big = IntT(10**30)
    assert big == 10**30 and isinstance(big, int)
    assert IntT(21).twice() == 42 and IntT(-4) + 1 == -3

    class Sub(IntT):
        pass
    assert Sub(5).twice() == 10


# Metaclasses written in C: a static type and a heap type with a field of its
# own after the PyHeapTypeObject, without Py_TPFLAGS_BASETYPE.
C_METACLASSES = r"""
#include <Python.h>
#include <structmember.h>

typedef struct { PyHeapTypeObject ht; long extra; } LegacyMetaObject;

static PyObject *
extra_of(PyObject *self, PyObject *t)
{
    (void)self;
    if (!PyType_Check(t) ||
            Py_TYPE(t)->tp_basicsize < (Py_ssize_t)sizeof(LegacyMetaObject)) {
        PyErr_SetString(PyExc_TypeError, "not a LegacyMeta instance");
        return NULL;
    }
    return PyLong_FromLong(((LegacyMetaObject *)t)->extra);
}

static PyMemberDef legacy_members[] = {
    {"extra", T_LONG, offsetof(LegacyMetaObject, extra), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};
static PyType_Slot legacy_slots[] = {
    {Py_tp_members, legacy_members},
    {0, NULL},
};
static PyType_Spec legacy_spec = {
    "cmeta.LegacyMeta", sizeof(LegacyMetaObject), 0, Py_TPFLAGS_DEFAULT, legacy_slots,
};
static PyType_Spec legacy_base_spec = {
    "cmeta.LegacyBaseMeta", sizeof(LegacyMetaObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, legacy_slots,
};

static PyTypeObject StaticMeta; /* filled in by PyInit */

static PyMethodDef methods[] = {
    {"extra_of", extra_of, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "NAME", NULL, -1, methods,
                                       NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit_NAME(void)
{
    PyObject *m, *legacy, *legacy_base, *bases;
    ((PyObject *)&StaticMeta)->ob_refcnt = 1; /* what PyVarObject_HEAD_INIT gives */
    StaticMeta.tp_name = "cmeta.StaticMeta";
    StaticMeta.tp_base = &PyType_Type;
    StaticMeta.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
    if (PyType_Ready(&StaticMeta) < 0)
        return NULL;
    if ((bases = PyTuple_Pack(1, (PyObject *)&PyType_Type)) == NULL)
        return NULL;
    legacy = PyType_FromSpecWithBases(&legacy_spec, bases);
    legacy_base = PyType_FromSpecWithBases(&legacy_base_spec, bases);
    Py_DECREF(bases);
    if (legacy == NULL || legacy_base == NULL || (m = PyModule_Create(&moduledef)) == NULL)
        return NULL;
    Py_INCREF(&StaticMeta);
    if (PyModule_AddObject(m, "StaticMeta", (PyObject *)&StaticMeta) < 0 ||
            PyModule_AddObject(m, "LegacyMeta", legacy) < 0 ||
            PyModule_AddObject(m, "LegacyBaseMeta", legacy_base) < 0)
        return NULL;
    return m;
}
"""


def load_c_metaclasses(tmp_path, name: str):
    src = tmp_path / f"{name}.c"
    src.write_text(C_METACLASSES.replace("NAME", name))
    out = tmp_path / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    _run(_cc() + CFLAGS + ["-I", sysconfig.get_paths()["include"], str(src), "-shared",
                           "-o", str(out)])
    loader = importlib.machinery.ExtensionFileLoader(name, str(out))
    spec = importlib.util.spec_from_file_location(name, str(out), loader=loader)
    m = importlib.util.module_from_spec(spec)
    loader.exec_module(m)
    return m


def test_c_metaclasses(hpy, tmp_path):
    cmeta = load_c_metaclasses(tmp_path, f"cmeta_{hpy.abi}")
    assert not (cmeta.LegacyMeta.__flags__ & (1 << 10))  # no Py_TPFLAGS_BASETYPE
    # an HPy metaclass on top of a C one: its struct goes after the C fields
    mod = point_module(hpy, """
    typedef struct { long counter; } MetaObject;
    HPyType_HELPERS(MetaObject, HPyType_BuiltinShape_Type)
    HPyDef_METH(Meta_bump, "bump", HPyFunc_NOARGS)
    static HPy Meta_bump_impl(HPyContext *ctx, HPy cls)
    {
        return HPyLong_FromLong(ctx, ++MetaObject_AsStruct(ctx, cls)->counter);
    }
    static HPyDef *Meta_defines[] = { &Meta_bump, NULL };
    static HPyType_Spec Meta_spec = {
        .name = "mytest.Meta", .basicsize = sizeof(MetaObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = HPyType_BuiltinShape_Type, .defines = Meta_defines };
    HPyDef_METH(make_meta, "make_meta", HPyFunc_O)
    static HPy make_meta_impl(HPyContext *ctx, HPy self, HPy base)
    {
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Base, base },
            { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &Meta_spec, params);
    }
    """, """
    @EXPORT(make_meta)
    """)
    for cbase in (cmeta.StaticMeta, cmeta.LegacyBaseMeta):
        HMeta = mod.make_meta(cbase)
        assert HMeta.__base__ is cbase and type(HMeta) is type
        T = mod.make_point(HMeta)
        assert type(T) is HMeta and T.bump() == 1 and T.bump() == 2
        check_point_class(mod, T)
    T.extra = 99  # the C field and the HPy struct do not overlap
    assert cmeta.extra_of(T) == 99 and T.bump() == 3
    # the C class LegacyMeta has no BASETYPE: CPython refuses it as a base
    with pytest.raises(TypeError):
        mod.make_meta(cmeta.LegacyMeta)
    for meta in (cmeta.StaticMeta, cmeta.LegacyMeta):
        T = mod.make_point(meta)
        assert type(T) is meta
        check_point_class(mod, T)

        class Sub(T):
            pass
        assert type(Sub) is meta
        check_point_class(mod, Sub)
    T = mod.make_point(cmeta.LegacyMeta)
    # the metaclass' own field is in its place, distinct per type
    assert T.extra == 0 and cmeta.extra_of(T) == 0
    T.extra = 41
    assert cmeta.extra_of(T) == 41 and mod.make_point(cmeta.LegacyMeta).extra == 0
    wr = weakref.ref(T)
    del T, Sub
    gc.collect()
    assert wr() is None


def test_dead_types_release_their_data(hpy):
    """The data and tables of a type go with it (a type is always in a
    cycle: it is in its own __mro__)."""
    mod = point_module(hpy)

    def churn(n):
        for _ in range(n):
            T = mod.make_point(None)
            check_point_class(mod, T)

            class Sub(T, abc.ABC):
                pass
            Sub(1, 2).sum()
        gc.collect()

    churn(20)  # warm up caches
    tracemalloc.start()
    try:
        churn(1)
        # A table of the interpreter's that grows once during the churn (how
        # much depends on what earlier tests left) looks like a leak the first
        # time only; a leak grows every time.
        for _ in range(2):
            first = tracemalloc.get_traced_memory()[0]
            churn(200)
            grown = tracemalloc.get_traced_memory()[0] - first
            if grown < 40_000:
                break
    finally:
        tracemalloc.stop()
    # one leaked data block per type would be more than 200 * 300 bytes
    assert grown < 40_000, grown


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython layout")
def test_data_is_in_tp_cache_of_each_type(hpy):
    """Not an interface: documents where the data lives (ctx_type.h), so a
    change of CPython that starts using tp_cache is caught here first."""
    import ctypes
    mod = point_module(hpy)
    P = mod.Point

    class Sub(P):
        pass
    Sub(1, 2).sum()  # gets its copy on first use
    # tp_cache is the field after tp_mro in PyTypeObject
    for T in (P, Sub):
        ptrs = (ctypes.c_void_p * (type.__basicsize__ // 8)).from_address(id(T))
        mro_index = list(ptrs).index(id(T.__mro__))
        cache = ctypes.cast(ptrs[mro_index + 1], ctypes.py_object).value
        # _HPY_TYPEDATA_MAGIC_FIXED: "HPy", layout version, FIXED placement
        assert type(cache) is bytes and cache[:4] == (0x48507911).to_bytes(4, sys.byteorder)
    for T in (int, object, type, dict, abc.ABC, type("X", (), {})):
        ptrs = (ctypes.c_void_p * (type.__basicsize__ // 8)).from_address(id(T))
        mro_index = list(ptrs).index(id(T.__mro__))
        assert ptrs[mro_index + 1] is None
