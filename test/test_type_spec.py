"""HPyType_FromSpec: the fields of HPyType_Spec, HPyType_SpecParam, builtin
shapes, metaclasses, errors, and the type queries (ctx_type.c)."""
import gc
import sys
import weakref

import pytest


POINT = """
    typedef struct { long x, y; } PointObject;
    HPyType_HELPERS(PointObject)

    HPyDef_SLOT(Point_new, HPy_tp_new)
    static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
    {
        long x = 0, y = 0;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, "|ll", &x, &y))
            return HPy_NULL;
        PointObject *p;
        HPy h = HPy_New(ctx, cls, &p);
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
        return HPyLong_FromLong(ctx, p->x + p->y);
    }

    HPyDef_MEMBER(Point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
    HPyDef_MEMBER(Point_y, "y", HPyMember_LONG, offsetof(PointObject, y))
    static HPyDef *Point_defines[] = { &Point_new, &Point_sum, &Point_x, &Point_y, NULL };
"""


def test_name_module_doc(hpy):
    mod = hpy.make_module(POINT + """
        static HPyType_Spec Point_spec = {
            .name = "mytest.sub.Point",
            .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT,
            .defines = Point_defines,
            .doc = "A point.",
        };
        static HPyDef *Nodoc_defines[] = { NULL };
        static HPyType_Spec Nodoc_spec = { .name = "mytest.Nodoc", .defines = Nodoc_defines };
        @EXPORT_TYPE("Point", Point_spec)
        @EXPORT_TYPE("Nodoc", Nodoc_spec)
        @INIT
    """)
    P = mod.Point
    assert P.__name__ == "Point"
    assert P.__qualname__ == "Point"
    assert P.__module__ == "mytest.sub"
    assert P.__doc__ == "A point."
    assert repr(P) == "<class 'mytest.sub.Point'>"
    assert isinstance(P, type)
    assert mod.Nodoc.__doc__ is None
    assert mod.Nodoc.__module__ == "mytest"
    assert isinstance(mod.Nodoc(), mod.Nodoc)
    p = P(3, 4)
    assert (p.x, p.y, p.sum()) == (3, 4, 7)
    p.x = 10
    assert p.sum() == 14
    assert "mytest.sub.Point object" in repr(p)


def test_basicsize_and_zeroed_struct(hpy):
    mod = hpy.make_module("""
        typedef struct { unsigned char bytes[40]; } BlobObject;
        HPyType_HELPERS(BlobObject)

        HPyDef_METH(make, "make", HPyFunc_O)
        static HPy make_impl(HPyContext *ctx, HPy self, HPy cls)
        {
            BlobObject *b;
            HPy h = HPy_New(ctx, cls, &b);
            if (HPy_IsNull(h))
                return HPy_NULL;
            if ((void *)b != (void *)BlobObject_AsStruct(ctx, h)) {
                HPy_Close(ctx, h);
                HPyErr_SetString(ctx, ctx->h_AssertionError, "HPy_New and AsStruct disagree");
                return HPy_NULL;
            }
            for (int i = 0; i < 40; i++) {
                if (b->bytes[i] != 0) {
                    HPy_Close(ctx, h);
                    HPyErr_SetString(ctx, ctx->h_AssertionError, "not zeroed");
                    return HPy_NULL;
                }
            }
            memset(b->bytes, 0xAB, sizeof(b->bytes));
            return h;
        }

        HPyDef_METH(check, "check", HPyFunc_O)
        static HPy check_impl(HPyContext *ctx, HPy self, HPy obj)
        {
            BlobObject *b = BlobObject_AsStruct(ctx, obj);
            for (int i = 0; i < 40; i++)
                if (b->bytes[i] != 0xAB)
                    return HPy_Dup(ctx, ctx->h_False);
            if (((uintptr_t)b) % 8 != 0)
                return HPy_Dup(ctx, ctx->h_False);
            return HPy_Dup(ctx, ctx->h_True);
        }

        static HPyDef *Blob_defines[] = { NULL };
        static HPyType_Spec Blob_spec = {
            .name = "mytest.Blob",
            .basicsize = sizeof(BlobObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .defines = Blob_defines,
        };
        @EXPORT(make)
        @EXPORT(check)
        @EXPORT_TYPE("Blob", Blob_spec)
        @INIT
    """)
    B = mod.Blob
    assert B.__basicsize__ >= object.__basicsize__ + 40
    objs = [mod.make(B) for _ in range(50)]
    assert all(mod.check(o) for o in objs)

    class Sub(B):
        pass
    s = mod.make(Sub)
    assert type(s) is Sub
    assert mod.check(s)
    s.attr = 1  # Python subclasses get a __dict__
    assert s.attr == 1
    assert mod.check(s)
    with pytest.raises(TypeError):
        mod.make(int)
    with pytest.raises(TypeError):
        mod.make(42)


def test_flags_basetype(hpy):
    mod = hpy.make_module(POINT + """
        static HPyType_Spec Final_spec = {
            .name = "mytest.Final", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT, .defines = Point_defines };
        static HPyType_Spec Base_spec = {
            .name = "mytest.Base", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines };
        @EXPORT_TYPE("Final", Final_spec)
        @EXPORT_TYPE("Base", Base_spec)
        @INIT
    """)
    with pytest.raises(TypeError):
        class A(mod.Final):
            pass

    class B(mod.Base):
        def sum(self):
            return super().sum() * 10
    b = B(1, 2)
    assert b.sum() == 30
    assert isinstance(b, mod.Base)
    assert not gc.is_tracked(mod.Final(1, 2))


SPEC_ERRORS = """
    static HPy dummy_unary(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, self); }

    HPyDef_SLOT(mod_exec_in_type, HPy_mod_exec)
    static int mod_exec_in_type_impl(HPyContext *ctx, HPy m) { return 0; }

    HPyDef_SLOT(repr1, HPy_tp_repr)
    static HPy repr1_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, self); }
    HPyDef_SLOT(repr2, HPy_tp_repr)
    static HPy repr2_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, self); }

    static HPyDef bad_slot = { .kind = HPyDef_Kind_Slot,
        .slot = { .slot = (HPySlot_Slot)999, .impl = (HPyCFunction)(void (*)(void))dummy_unary } };
    static HPyDef bad_kind = { .kind = (HPyDef_Kind)42 };
    HPyDef_MEMBER(bad_member, "m", (HPyMember_FieldType)15, 0)
    HPyDef_MEMBER(far_member, "m", HPyMember_INT, 1000)
    HPyDef_METH(bad_meth, "m", HPyFunc_UNARYFUNC)
    static HPy bad_meth_impl(HPyContext *ctx, HPy self) { return HPy_Dup(ctx, self); }

    static HPyDef *d_mod_exec[] = { &mod_exec_in_type, NULL };
    static HPyDef *d_twice[] = { &repr1, &repr2, NULL };
    static HPyDef *d_bad_slot[] = { &bad_slot, NULL };
    static HPyDef *d_bad_kind[] = { &bad_kind, NULL };
    static HPyDef *d_bad_member[] = { &bad_member, NULL };
    static HPyDef *d_far_member[] = { &far_member, NULL };
    static HPyDef *d_bad_meth[] = { &bad_meth, NULL };
    static HPyDef *d_empty[] = { NULL };
    static long fake_slots[4] = { 0 };

    static HPyType_Spec specs[] = {
        /* 0 */ { .name = "mytest.A", .flags = 1UL << 20, .defines = d_empty },
        /* 1 */ { .name = "mytest.A", .builtin_shape = (HPyType_BuiltinShape)99, .defines = d_empty },
        /* 2 */ { .name = "mytest.A", .basicsize = -1, .defines = d_empty },
        /* 3 */ { .name = "mytest.A", .legacy_slots = fake_slots, .defines = d_empty },
        /* 4 */ { .name = "mytest.A", .defines = d_mod_exec },
        /* 5 */ { .name = "mytest.A", .defines = d_twice },
        /* 6 */ { .name = "mytest.A", .defines = d_bad_slot },
        /* 7 */ { .name = "mytest.A", .defines = d_bad_kind },
        /* 8 */ { .name = "mytest.A", .basicsize = 16, .defines = d_bad_member },
        /* 9 */ { .name = "mytest.A", .basicsize = 16, .defines = d_far_member },
        /* 10 */ { .name = "mytest.A", .defines = d_bad_meth },
        /* 11 */ { .name = "mytest.A", .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC, .defines = d_empty },
        /* 12 */ { .name = "mytest.A", .builtin_shape = HPyType_BuiltinShape_Long, .defines = d_empty },
        /* 13 */ { .name = NULL, .defines = d_empty },
    };

    HPyDef_METH(make, "make", HPyFunc_VARARGS)
    static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long i = HPyLong_AsLong(ctx, args[0]);
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Base, nargs > 1 ? args[1] : HPy_NULL },
            { (HPyType_SpecParam_Kind)0, HPy_NULL } };
        return HPyType_FromSpec(ctx, &specs[i], nargs > 1 ? params : NULL);
    }

"""


def test_spec_errors(hpy):
    mod = hpy.make_module(SPEC_ERRORS + """
        @EXPORT(make)
        @INIT
    """)

    def err(i, *args):
        with pytest.raises(Exception) as e:
            mod.make(i, *args)
        return e.value

    def ours(i, *args):
        e = err(i, *args)
        assert "HPyType_FromSpec" in str(e), str(e)
        return e

    def upstream(i, cls, text):
        # the class and the start of the text other HPy implementations raise
        e = err(i)
        assert type(e) is cls and str(e).startswith(text), repr(e)

    assert isinstance(ours(0), SystemError)      # unknown flag
    upstream(1, ValueError, "invalid shape: 99")
    assert isinstance(ours(2), SystemError)      # negative basicsize
    upstream(3, TypeError, "cannot specify .legacy_slots without setting "
                           ".builtin_shape=HPyType_BuiltinShape_Legacy")
    assert isinstance(ours(4), SystemError)      # module slot in a type
    assert isinstance(ours(5), SystemError)      # slot defined twice
    assert isinstance(ours(6), SystemError)      # unknown slot
    assert isinstance(ours(7), SystemError)      # unknown HPyDef kind
    assert isinstance(ours(8), SystemError)      # invalid member type
    assert isinstance(ours(9), SystemError)      # member outside the struct
    upstream(10, ValueError, "Unsupported HPyMeth signature")
    upstream(11, ValueError, "You must provide an HPy_tp_traverse slot if you specify "
                             "HPy_TPFLAGS_HAVE_GC")
    assert isinstance(ours(12, float), TypeError)  # Long shape, float base
    assert isinstance(ours(12, 42), TypeError)   # base is not a type
    assert isinstance(ours(13), SystemError)     # no name
    # the same spec with a fitting base works
    t = mod.make(12, int)
    assert issubclass(t, int)


def test_spec_params(hpy):
    mod = hpy.make_module(POINT + """
        static HPyType_Spec Point_spec = {
            .name = "mytest.Point", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines };

        typedef struct { PointObject base; long z; } Point3DObject;
        HPyType_HELPERS(Point3DObject)

        HPyDef_METH(P3_sum, "sum", HPyFunc_NOARGS)
        static HPy P3_sum_impl(HPyContext *ctx, HPy self)
        {
            Point3DObject *p = Point3DObject_AsStruct(ctx, self);
            return HPyLong_FromLong(ctx, p->base.x + p->base.y + p->z);
        }
        HPyDef_MEMBER(P3_z, "z", HPyMember_LONG, offsetof(Point3DObject, z))
        static HPyDef *P3_defines[] = { &P3_sum, &P3_z, NULL };
        static HPyType_Spec P3_spec = {
            .name = "mytest.Point3D", .basicsize = sizeof(Point3DObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = P3_defines };

        static HPyDef *Empty_defines[] = { NULL };
        static HPyType_Spec Empty_spec = {
            .name = "mytest.Empty", .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .defines = Empty_defines };

        /* make(kind, obj[, kind2, obj2]): a Point3D (or Empty) with these params */
        HPyDef_METH(make, "make", HPyFunc_VARARGS)
        static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            HPyType_SpecParam params[3];
            size_t n = 0, i;
            for (i = 1; i + 1 < nargs; i += 2) {
                params[n].kind = (HPyType_SpecParam_Kind)HPyLong_AsLong(ctx, args[i]);
                params[n].object = args[i + 1];
                n++;
            }
            params[n].kind = (HPyType_SpecParam_Kind)0;
            params[n].object = HPy_NULL;
            return HPyType_FromSpec(ctx, HPy_IsTrue(ctx, args[0]) ? &P3_spec : &Empty_spec, params);
        }
        @EXPORT(make)
        @EXPORT_TYPE("Point", Point_spec)
        @INIT
    """)
    BASE, BASES, META = 1, 2, 3
    P = mod.Point
    P3 = mod.make(True, BASE, P)
    assert P3.__bases__ == (P,)
    p = P3(1, 2)  # tp_new inherited from Point
    assert isinstance(p, P)
    p.z = 100
    assert (p.x, p.y, p.z) == (1, 2, 100)
    assert p.sum() == 103
    assert P.sum(p) == 3  # the base's method sees the same struct

    class Mixin:
        def hello(self):
            return "hello"
    P3b = mod.make(True, BASES, (P, Mixin))
    assert P3b.__bases__ == (P, Mixin)
    q = P3b(5, 6)
    q.z = 1
    assert q.sum() == 12 and q.hello() == "hello"

    # several Base params make a tuple of bases
    E = mod.make(False, BASE, Mixin, BASE, P)
    assert E.__bases__ == (Mixin, P)

    with pytest.raises(TypeError, match="^cannot specify both HPyType_SpecParam_Base and "
                                        "HPytype_SpecParam_BasesTuple"):
        mod.make(False, BASE, P, BASES, (Mixin,))
    with pytest.raises(TypeError, match="^unknown HPyType_SpecParam specification for "
                                        "'mytest.Empty'"):
        mod.make(False, 7, P)
    with pytest.raises(TypeError, match="^multiple specifications of "
                                        "HPyType_SpecParam_BasesTuple"):
        mod.make(False, BASES, (P,), BASES, (Mixin,))
    with pytest.raises(TypeError):
        mod.make(False, BASES, (P, 3))
    with pytest.raises(TypeError, match=r"^Metaclass '<class 'int'>' is not a subclass of "
                                        r"'type'\."):
        mod.make(False, META, int)

    class Meta(type):
        def meta_method(cls):
            return "meta " + cls.__name__

    class NewMeta(type):
        def __new__(mcls, *args):
            return super().__new__(mcls, *args)
    with pytest.raises(ValueError, match="^metaclass was specified multiple times"):
        mod.make(False, META, Meta, META, Meta)
    with pytest.raises(TypeError, match=r"^Metaclasses with custom tp_new are not supported\."):
        mod.make(False, META, NewMeta)
    M = mod.make(False, META, Meta)
    assert isinstance(M, Meta)
    assert M.meta_method() == "meta Empty"
    assert isinstance(M(), M)
    # a Python metaclass given through a base
    class WithMeta(metaclass=Meta):
        pass
    M2 = mod.make(False, BASE, WithMeta)
    assert isinstance(M2, Meta)
    assert issubclass(M2, WithMeta)


def test_metaclass(hpy):
    mod = hpy.make_module("""
        typedef struct { long counter; } MetaObject;
        HPyType_HELPERS(MetaObject, HPyType_BuiltinShape_Type)

        HPyDef_METH(Meta_bump, "bump", HPyFunc_NOARGS)
        static HPy Meta_bump_impl(HPyContext *ctx, HPy cls)
        {
            MetaObject *m = MetaObject_AsStruct(ctx, cls);
            m->counter++;
            return HPyLong_FromLong(ctx, m->counter);
        }
        static HPyDef *Meta_defines[] = { &Meta_bump, NULL };
        static HPyType_Spec Meta_spec = {
            .name = "mytest.Meta", .basicsize = sizeof(MetaObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .builtin_shape = SHAPE(MetaObject), .defines = Meta_defines };

        typedef struct { double value; } ThingObject;
        HPyType_HELPERS(ThingObject)
        HPyDef_MEMBER(Thing_value, "value", HPyMember_DOUBLE, offsetof(ThingObject, value))
        static HPyDef *Thing_defines[] = { &Thing_value, NULL };
        static HPyType_Spec Thing_spec = {
            .name = "mytest.Thing", .basicsize = sizeof(ThingObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Thing_defines };

        HPyDef_METH(make_thing, "make_thing", HPyFunc_O)
        static HPy make_thing_impl(HPyContext *ctx, HPy self, HPy meta)
        {
            HPyType_SpecParam params[] = {
                { HPyType_SpecParam_Metaclass, meta },
                { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &Thing_spec, params);
        }

        HPyDef_METH(shape, "shape", HPyFunc_O)
        static HPy shape_impl(HPyContext *ctx, HPy self, HPy t)
        {
            return HPyLong_FromLong(ctx, (long)_HPyType_GetBuiltinShape(ctx, t));
        }
        @EXPORT(make_thing)
        @EXPORT(shape)
        @EXPORT_TYPE("Meta", Meta_spec)
        @INIT
    """)
    Meta = mod.Meta
    assert issubclass(Meta, type)
    assert mod.shape(Meta) == 1  # HPyType_BuiltinShape_Type
    T = mod.make_thing(Meta)
    assert type(T) is Meta
    assert mod.shape(T) == 0
    assert T.bump() == 1 and T.bump() == 2
    t = T()
    t.value = 2.5
    assert t.value == 2.5
    T2 = mod.make_thing(Meta)
    assert T2.bump() == 1  # its own struct

    # classes made from Python with the HPy metaclass
    class C(metaclass=Meta):
        pass
    assert type(C) is Meta
    assert C.bump() == 1

    class SubMeta(Meta):
        pass
    T3 = mod.make_thing(SubMeta)
    assert type(T3) is SubMeta and T3.bump() == 1

    wr = weakref.ref(T2)
    del T2
    gc.collect()
    assert wr() is None


SHAPES = [
    # shape, base, constructor args, check of the base's value
    ("Object", "object", (), None),
    ("Long", "int", (2 ** 300,), lambda o: int(o) == 2 ** 300),
    ("Float", "float", (1.25,), lambda o: float(o) == 1.25),
    ("Unicode", "str", ("hello" * 20,), lambda o: str(o) == "hello" * 20),
    ("Tuple", "tuple", (tuple(range(100)),), lambda o: tuple(o) == tuple(range(100))),
    ("List", "list", ([1, 2, 3],), lambda o: list(o) == [1, 2, 3]),
    ("Dict", "dict", ({"a": 1},), lambda o: dict(o) == {"a": 1}),
]


@pytest.mark.parametrize("shape, base, args, check", SHAPES, ids=[s[0] for s in SHAPES])
def test_builtin_shape(hpy, shape, base, args, check):
    mod = hpy.make_module("""
        typedef struct { long magic; double d; long tail[3]; } XObject;
        HPyType_HELPERS(XObject, HPyType_BuiltinShape_%(shape)s)

        HPyDef_METH(X_set, "set", HPyFunc_O)
        static HPy X_set_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            XObject *x = XObject_AsStruct(ctx, self);
            x->magic = HPyLong_AsLong(ctx, arg);
            x->d = 0.5;
            x->tail[0] = x->tail[1] = x->tail[2] = -1;
            return HPy_Dup(ctx, ctx->h_None);
        }
        HPyDef_METH(X_get, "get", HPyFunc_NOARGS)
        static HPy X_get_impl(HPyContext *ctx, HPy self)
        {
            XObject *x = XObject_AsStruct(ctx, self);
            if (x->d != 0.5 || x->tail[2] != -1)
                return HPyLong_FromLong(ctx, -1);
            return HPyLong_FromLong(ctx, x->magic);
        }
        HPyDef_METH(X_raw, "raw", HPyFunc_NOARGS)
        static HPy X_raw_impl(HPyContext *ctx, HPy self)
        {
            XObject *x = XObject_AsStruct(ctx, self);
            return HPyLong_FromLong(ctx, x->magic);
        }
        HPyDef_MEMBER(X_magic, "magic", HPyMember_LONG, offsetof(XObject, magic))
        HPyDef_METH(shape, "shape", HPyFunc_O)
        static HPy shape_impl(HPyContext *ctx, HPy self, HPy t)
        {
            return HPyLong_FromLong(ctx, (long)_HPyType_GetBuiltinShape(ctx, t));
        }
        static HPyDef *X_defines[] = { &X_set, &X_get, &X_raw, &X_magic, NULL };
        static HPyType_Spec X_spec = {
            .name = "mytest.X", .basicsize = sizeof(XObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .builtin_shape = SHAPE(XObject), .defines = X_defines };
        @EXPORT(shape)
        @EXPORT_TYPE("X", X_spec)
        @INIT
    """ % {"shape": shape})
    X = mod.X
    assert X.__base__ is eval(base)
    assert mod.shape(X) == ["Object", "Type", "Long", "Float", "Unicode",
                            "Tuple", "List", "Dict"].index(shape)
    objs = [X(*args) for _ in range(20)]
    for i, o in enumerate(objs):
        assert o.raw() == 0
        o.set(1000 + i)
    for i, o in enumerate(objs):
        assert o.get() == 1000 + i
        assert o.magic == 1000 + i
        if check is not None:
            assert check(o)
    o = objs[0]
    o.magic = 7
    assert o.get() == 7

    class Sub(X):
        pass
    s = Sub(*args)
    s.set(99)
    assert s.get() == 99 and s.magic == 99
    if check is not None:
        assert check(s)
    assert mod.shape(Sub) == mod.shape(X)


def test_long_shape_small_and_negative(hpy):
    mod = hpy.make_module("""
        typedef struct { long a, b; } LObject;
        HPyType_HELPERS(LObject, HPyType_BuiltinShape_Long)
        HPyDef_MEMBER(L_a, "a", HPyMember_LONG, offsetof(LObject, a))
        HPyDef_MEMBER(L_b, "b", HPyMember_LONG, offsetof(LObject, b))
        HPyDef_METH(new0, "new0", HPyFunc_O)
        static HPy new0_impl(HPyContext *ctx, HPy self, HPy cls)
        {
            LObject *l;
            HPy h = HPy_New(ctx, cls, &l);
            if (!HPy_IsNull(h))
                l->a = 17;
            return h;
        }
        static HPyDef *L_defines[] = { &L_a, &L_b, NULL };
        static HPyType_Spec L_spec = {
            .name = "mytest.L", .basicsize = sizeof(LObject), .flags = HPy_TPFLAGS_DEFAULT,
            .builtin_shape = HPyType_BuiltinShape_Long, .defines = L_defines };
        @EXPORT(new0)
        @EXPORT_TYPE("L", L_spec)
        @INIT
    """)
    values = [0, 1, -1, 2 ** 30, -(2 ** 62), 2 ** 1000, -(2 ** 999)]
    objs = [mod.L(v) for v in values]
    for i, o in enumerate(objs):
        o.a, o.b = i, -i
    for i, (o, v) in enumerate(zip(objs, values, strict=True)):
        assert int(o) == v and o == v
        assert (o.a, o.b) == (i, -i)
        assert o + 1 == v + 1
    z = mod.new0(mod.L)
    assert z.a == 17 and z.b == 0
    assert int(z) == 0


def test_type_queries(hpy):
    mod = hpy.make_module(POINT + """
        static HPyType_Spec Point_spec = {
            .name = "mytest.Point", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines };

        HPyDef_METH(get_name, "get_name", HPyFunc_O)
        static HPy get_name_impl(HPyContext *ctx, HPy self, HPy t)
        {
            const char *name = HPyType_GetName(ctx, t);
            if (name == NULL)
                return HPy_NULL;
            return HPyUnicode_FromString(ctx, name);
        }
        HPyDef_METH(is_subtype, "is_subtype", HPyFunc_VARARGS)
        static HPy is_subtype_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            return HPyBool_FromLong(ctx, HPyType_IsSubtype(ctx, args[0], args[1]));
        }
        HPyDef_METH(shape, "shape", HPyFunc_O)
        static HPy shape_impl(HPyContext *ctx, HPy self, HPy t)
        {
            HPyType_BuiltinShape s = _HPyType_GetBuiltinShape(ctx, t);
            if (s < HPyType_BuiltinShape_Legacy)
                return HPy_NULL;
            return HPyLong_FromLong(ctx, (long)s);
        }
        @EXPORT(get_name)
        @EXPORT(is_subtype)
        @EXPORT(shape)
        @EXPORT_TYPE("Point", Point_spec)
        @INIT
    """)
    P = mod.Point
    assert mod.get_name(P) == "Point"
    assert mod.get_name(int) == "int"
    assert mod.get_name(weakref.ref) == weakref.ref.__name__

    class Sub(P):
        pass
    assert mod.get_name(Sub) == "Sub"
    Sub.__name__ = "Renamed"
    assert mod.get_name(Sub) == "Renamed"
    if hpy.abi != "debug":  # debug mode reports a non-type as a fatal API misuse
        with pytest.raises(TypeError):
            mod.get_name(42)
    assert mod.is_subtype(Sub, P)
    assert mod.is_subtype(P, P)
    assert mod.is_subtype(P, object)
    assert not mod.is_subtype(P, Sub)
    assert not mod.is_subtype(int, P)
    assert mod.shape(P) == 0
    assert mod.shape(Sub) == 0
    assert mod.shape(int) == -1  # types made with the C API are legacy types
    assert mod.shape(object) == -1
    if hpy.abi != "debug":
        with pytest.raises(TypeError):
            mod.shape(42)


def test_generic_new(hpy):
    mod = hpy.make_module("""
        typedef struct { long a; } GObject;
        HPyType_HELPERS(GObject)
        HPyDef_SLOT_IMPL(G_new, HPyType_GenericNew, HPy_tp_new)
        HPyDef_MEMBER(G_a, "a", HPyMember_LONG, offsetof(GObject, a))
        static HPyDef *G_defines[] = { &G_new, &G_a, NULL };
        static HPyType_Spec G_spec = {
            .name = "mytest.G", .basicsize = sizeof(GObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = G_defines };
        @EXPORT_TYPE("G", G_spec)
        @INIT
    """)
    g = mod.G()
    assert g.a == 0
    g = mod.G(1, 2, x=3)  # the arguments are ignored
    assert g.a == 0

    class Sub(mod.G):
        pass
    assert type(Sub()) is Sub


def test_many_types_no_leak(hpy):
    mod = hpy.make_module(POINT + """
        static HPyType_Spec Point_spec = {
            .name = "mytest.Point", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines,
            .doc = "doc" };
        HPyDef_METH(make, "make", HPyFunc_NOARGS)
        static HPy make_impl(HPyContext *ctx, HPy self)
        {
            return HPyType_FromSpec(ctx, &Point_spec, NULL);
        }
        @EXPORT(make)
        @INIT
    """)

    def churn(n):
        refs = []
        for i in range(n):
            T = mod.make()
            p = T(i, 1)
            assert p.sum() == i + 1

            class Sub(T):
                pass
            assert Sub(1, 1).sum() == 2
            refs.append(weakref.ref(T))
            del T, p, Sub
        gc.collect()
        return sum(r() is not None for r in refs)

    churn(20)
    gc.collect()
    meta = type(mod.make())
    gc.collect()
    meta_rc = sys.getrefcount(meta)
    n_objects = len(gc.get_objects())
    alive = churn(200)
    gc.collect()
    assert alive == 0
    assert sys.getrefcount(meta) == meta_rc
    assert len(gc.get_objects()) < n_objects + 50


def test_types_across_extensions(hpy, tmp_path):
    """An HPy type made by one extension (its own runtime: cpython ABI) is
    the base of an HPy type made by another one, in any ABI."""
    from support import Builder
    workdir = tmp_path / "a"
    workdir.mkdir()
    other = Builder("cpython", workdir, {})
    mod_a = other.make_module(POINT + """
        static HPyType_Spec Point_spec = {
            .name = "mytest_a.Point", .basicsize = sizeof(PointObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = Point_defines };
        @EXPORT_TYPE("Point", Point_spec)
        @INIT
    """, name="mytest_a")
    mod_b = hpy.make_module("""
        typedef struct { long x, y; HPyField label; } LabeledObject;
        HPyType_HELPERS(LabeledObject)
        static long n_destroy;
        HPyDef_METH(L_set, "set_label", HPyFunc_O)
        static HPy L_set_impl(HPyContext *ctx, HPy self, HPy label)
        {
            LabeledObject *l = LabeledObject_AsStruct(ctx, self);
            HPyField_Store(ctx, self, &l->label, label);
            return HPyLong_FromLong(ctx, l->x * 100 + l->y);
        }
        HPyDef_SLOT(L_traverse, HPy_tp_traverse)
        static int L_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
        {
            HPy_VISIT(&((LabeledObject *)self)->label);
            return 0;
        }
        HPyDef_SLOT(L_destroy, HPy_tp_destroy)
        static void L_destroy_impl(void *self) { n_destroy++; }
        HPyDef_METH(count, "count", HPyFunc_NOARGS)
        static HPy count_impl(HPyContext *ctx, HPy self) { return HPyLong_FromLong(ctx, n_destroy); }
        static HPyDef *L_defines[] = { &L_set, &L_traverse, &L_destroy, NULL };
        static HPyType_Spec L_spec = {
            .name = "mytest_b.Labeled", .basicsize = sizeof(LabeledObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
            .defines = L_defines };
        HPyDef_METH(make, "make", HPyFunc_O)
        static HPy make_impl(HPyContext *ctx, HPy self, HPy base)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base },
                                           { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &L_spec, params);
        }
        @EXPORT(make)
        @EXPORT(count)
        @INIT
    """, name="mytest_b")
    P = mod_a.Point
    L = mod_b.make(P)
    assert type(L) is type(P) is type  # ordinary types, whichever runtime copy made them
    assert L.__base__ is P
    lab = L(3, 4)  # Point's tp_new, from the other extension
    assert lab.sum() == 7
    assert lab.set_label(lab) == 304
    lab.x = 9
    assert lab.sum() == 13

    class Sub(L):
        pass
    s = Sub(1, 2)
    assert s.sum() == 3 and s.set_label("x") == 102
    del lab, s
    gc.collect()
    assert mod_b.count() == 2
