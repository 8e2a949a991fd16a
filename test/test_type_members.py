"""Methods, members (every HPyMember_FieldType) and get-set descriptors of
HPy types (ctx_type.c, ctx_type_members.c)."""
import gc
import struct
import sys

import pytest


def test_methods(hpy):
    mod = hpy.make_module("""
        typedef struct { long base; } MObject;
        HPyType_HELPERS(MObject)

        HPyDef_METH(m_noargs, "noargs", HPyFunc_NOARGS, .doc = "no arguments")
        static HPy m_noargs_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, MObject_AsStruct(ctx, self)->base);
        }
        HPyDef_METH(m_o, "o", HPyFunc_O)
        static HPy m_o_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPy_BuildValue(ctx, "(OO)", self, arg);
        }
        HPyDef_METH(m_varargs, "varargs", HPyFunc_VARARGS)
        static HPy m_varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            long sum = MObject_AsStruct(ctx, self)->base;
            for (size_t i = 0; i < nargs; i++)
                sum += HPyLong_AsLong(ctx, args[i]);
            return HPyLong_FromLong(ctx, sum);
        }
        HPyDef_METH(m_keywords, "keywords", HPyFunc_KEYWORDS)
        static HPy m_keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                                   HPy kwnames)
        {
            static const char *kwlist[] = { "a", "b", NULL };
            long a = 0, b = 0;
            HPyTracker ht;
            if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "l|l", kwlist, &a, &b))
                return HPy_NULL;
            HPyTracker_Close(ctx, ht);
            return HPy_BuildValue(ctx, "(ll)", a, b);
        }
        HPyDef_METH(m_set, "set", HPyFunc_O)
        static HPy m_set_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            MObject_AsStruct(ctx, self)->base = HPyLong_AsLong(ctx, arg);
            return HPy_Dup(ctx, ctx->h_None);
        }
        static HPyDef *M_defines[] = { &m_noargs, &m_o, &m_varargs, &m_keywords, &m_set, NULL };
        static HPyType_Spec M_spec = {
            .name = "mytest.M", .basicsize = sizeof(MObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = M_defines };
        @EXPORT_TYPE("M", M_spec)
        @INIT
    """)
    M = mod.M
    m = M()
    m.set(10)
    assert m.noargs() == 10
    assert M.noargs.__doc__ == "no arguments"
    assert m.o(5) == (m, 5)
    assert m.varargs() == 10
    assert m.varargs(1, 2, 3) == 16
    assert m.keywords(1) == (1, 0)
    assert m.keywords(1, b=2) == (1, 2)
    assert m.keywords(b=3, a=4) == (4, 3)
    with pytest.raises(TypeError):
        m.keywords()
    with pytest.raises(TypeError):
        m.noargs(1)
    with pytest.raises(TypeError):
        m.o()
    assert M.varargs(m, 1) == 11  # unbound
    bound = m.varargs
    del m
    gc.collect()
    assert bound(1) == 11

    class Sub(M):
        def noargs(self):
            return super().noargs() * 2
    s = Sub()
    s.set(4)
    assert s.noargs() == 8 and s.varargs(1) == 5


MEMBERS_SRC = """
    #include <limits.h>
    typedef struct {
        short s; int i; long l; float f; double d; const char *str; HPyField obj;
        char c; signed char b; unsigned char ub; unsigned short us; unsigned int ui;
        unsigned long ul; char inplace[8]; char flag; HPyField objex;
        long long ll; unsigned long long ull; HPy_ssize_t ssize; long none_dummy;
        long ro;
    } MemObject;
    HPyType_HELPERS(MemObject, HPyType_BuiltinShape_%(shape)s)

    HPyDef_MEMBER(m_short, "short", HPyMember_SHORT, offsetof(MemObject, s))
    HPyDef_MEMBER(m_int, "int", HPyMember_INT, offsetof(MemObject, i))
    HPyDef_MEMBER(m_long, "long", HPyMember_LONG, offsetof(MemObject, l))
    HPyDef_MEMBER(m_float, "float", HPyMember_FLOAT, offsetof(MemObject, f))
    HPyDef_MEMBER(m_double, "double", HPyMember_DOUBLE, offsetof(MemObject, d))
    HPyDef_MEMBER(m_string, "string", HPyMember_STRING, offsetof(MemObject, str))
    HPyDef_MEMBER(m_object, "object", HPyMember_OBJECT, offsetof(MemObject, obj))
    HPyDef_MEMBER(m_char, "char", HPyMember_CHAR, offsetof(MemObject, c))
    HPyDef_MEMBER(m_byte, "byte", HPyMember_BYTE, offsetof(MemObject, b))
    HPyDef_MEMBER(m_ubyte, "ubyte", HPyMember_UBYTE, offsetof(MemObject, ub))
    HPyDef_MEMBER(m_ushort, "ushort", HPyMember_USHORT, offsetof(MemObject, us))
    HPyDef_MEMBER(m_uint, "uint", HPyMember_UINT, offsetof(MemObject, ui))
    HPyDef_MEMBER(m_ulong, "ulong", HPyMember_ULONG, offsetof(MemObject, ul))
    HPyDef_MEMBER(m_inplace, "inplace", HPyMember_STRING_INPLACE, offsetof(MemObject, inplace))
    HPyDef_MEMBER(m_bool, "bool", HPyMember_BOOL, offsetof(MemObject, flag))
    HPyDef_MEMBER(m_objex, "objex", HPyMember_OBJECT_EX, offsetof(MemObject, objex))
    HPyDef_MEMBER(m_longlong, "longlong", HPyMember_LONGLONG, offsetof(MemObject, ll))
    HPyDef_MEMBER(m_ulonglong, "ulonglong", HPyMember_ULONGLONG, offsetof(MemObject, ull))
    HPyDef_MEMBER(m_ssize, "ssize", HPyMember_HPYSSIZET, offsetof(MemObject, ssize))
    HPyDef_MEMBER(m_none, "none", HPyMember_NONE, offsetof(MemObject, none_dummy))
    HPyDef_MEMBER(m_ro, "ro", HPyMember_LONG, offsetof(MemObject, ro), .readonly = 1,
                  .doc = "read only")

    HPyDef_METH(fill, "fill", HPyFunc_NOARGS)
    static HPy fill_impl(HPyContext *ctx, HPy self)
    {
        MemObject *m = MemObject_AsStruct(ctx, self);
        m->str = "hello";
        strcpy(m->inplace, "inpl");
        m->ro = 99;
        HPyField_Store(ctx, self, &m->obj, ctx->h_Ellipsis);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(check, "check", HPyFunc_NOARGS)
    static HPy check_impl(HPyContext *ctx, HPy self)
    {
        MemObject *m = MemObject_AsStruct(ctx, self);
        return HPy_BuildValue(ctx, "(hilfdbBHIkLKn)", m->s, m->i, m->l, (double)m->f, m->d,
                              (int)m->b, (int)m->ub, (int)m->us, m->ui, m->ul,
                              m->ll, m->ull, m->ssize);
    }
    HPyDef_METH(load_objex, "load_objex", HPyFunc_NOARGS)
    static HPy load_objex_impl(HPyContext *ctx, HPy self)
    {
        MemObject *m = MemObject_AsStruct(ctx, self);
        HPy h = HPyField_Load(ctx, self, m->objex);
        if (HPy_IsNull(h))
            return HPyUnicode_FromString(ctx, "<null>");
        return h;
    }
    HPyDef_SLOT(Mem_traverse, HPy_tp_traverse)
    static int Mem_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        MemObject *m = (MemObject *)self;
        HPy_VISIT(&m->obj);
        HPy_VISIT(&m->objex);
        return 0;
    }
    static HPyDef *Mem_defines[] = {
        &m_short, &m_int, &m_long, &m_float, &m_double, &m_string, &m_object, &m_char,
        &m_byte, &m_ubyte, &m_ushort, &m_uint, &m_ulong, &m_inplace, &m_bool, &m_objex,
        &m_longlong, &m_ulonglong, &m_ssize, &m_none, &m_ro, &fill, &check, &load_objex,
        &Mem_traverse, NULL };
    static HPyType_Spec Mem_spec = {
        .name = "mytest.Mem", .basicsize = sizeof(MemObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
        .builtin_shape = SHAPE(MemObject), .defines = Mem_defines };
    @EXPORT_TYPE("Mem", Mem_spec)
    @INIT
"""


# The widths of C long and Py_ssize_t (32 bits on wasm32).
BIG_ULONG = 2 ** (struct.calcsize("l") * 8 - 1)
BIG_SSIZE = -(2 ** (struct.calcsize("n") * 8 - 24))


@pytest.mark.parametrize("shape, args", [("Object", ()), ("Long", (2 ** 200,)), ("Tuple", ((1, 2, 3),))],
                         ids=["Object", "Long", "Tuple"])
def test_members_all_types(hpy, shape, args):
    mod = hpy.make_module(MEMBERS_SRC % {"shape": shape})
    m = mod.Mem(*args)
    # zero-initialized
    assert (m.short, m.int, m.long, m.float, m.double) == (0, 0, 0, 0.0, 0.0)
    assert m.string is None and m.object is None and m.none is None
    assert m.char == "\x00" and m.bool is False and m.inplace == ""
    with pytest.raises(AttributeError, match=r"^'mytest\.Mem' object has no attribute 'objex'$"):
        _ = m.objex
    m.fill()
    assert m.string == "hello" and m.inplace == "inpl" and m.object is Ellipsis and m.ro == 99
    m.short, m.int, m.long = -2, -3, -4
    m.float, m.double = 1.5, 2.25
    m.byte, m.ubyte, m.ushort, m.uint, m.ulong = -5, 250, 65000, 4000000000, BIG_ULONG
    m.longlong, m.ulonglong, m.ssize = -(2 ** 62), 2 ** 64 - 1, BIG_SSIZE
    m.char = "z"
    m.bool = True
    assert m.char == "z" and m.bool is True
    assert m.check() == (-2, -3, -4, 1.5, 2.25, -5, 250, 65000, 4000000000, BIG_ULONG,
                         -(2 ** 62), 2 ** 64 - 1, BIG_SSIZE)
    assert (m.byte, m.ubyte, m.ushort, m.uint, m.ulong) == (-5, 250, 65000, 4000000000, BIG_ULONG)
    assert (m.longlong, m.ulonglong, m.ssize) == (-(2 ** 62), 2 ** 64 - 1, BIG_SSIZE)
    with pytest.raises(TypeError):
        m.int = "x"
    with pytest.raises(TypeError):
        m.bool = 1
    with pytest.raises(TypeError):
        m.string = "x"  # HPyMember_STRING is read-only
    with pytest.raises((TypeError, AttributeError)):
        m.inplace = "x"
    with pytest.raises(AttributeError):
        m.ro = 1
    assert type(m).ro.__doc__ == "read only"
    # OBJECT and OBJECT_EX members are HPyFields
    o = object()
    rc = sys.getrefcount(o)
    m.object = o
    m.objex = o
    assert m.object is o and m.objex is o and m.load_objex() is o
    assert sys.getrefcount(o) == rc + 2
    del m.objex
    assert m.load_objex() == "<null>"
    with pytest.raises(AttributeError):
        _ = m.objex
    m.object = None
    assert m.object is None
    m.objex = o
    del m
    gc.collect()
    assert sys.getrefcount(o) == rc
    if args:
        m = mod.Mem(*args)
        assert type(m).__base__(m) == args[0]


def test_getset(hpy):
    mod = hpy.make_module("""
        typedef struct { long x, y; } GObject;
        HPyType_HELPERS(GObject)

        HPyDef_GETSET(g_x, "x", .closure = (void *)0, .doc = "the x")
        HPyDef_GETSET(g_y, "y", .closure = (void *)1)
        static HPy g_x_get(HPyContext *ctx, HPy self, void *closure)
        {
            GObject *g = GObject_AsStruct(ctx, self);
            return HPyLong_FromLong(ctx, closure ? g->y : g->x);
        }
        static int g_x_set(HPyContext *ctx, HPy self, HPy value, void *closure)
        {
            GObject *g = GObject_AsStruct(ctx, self);
            if (HPy_IsNull(value)) {
                HPyErr_SetString(ctx, ctx->h_TypeError, "cannot delete");
                return -1;
            }
            long v = HPyLong_AsLong(ctx, value);
            if (v == -1 && HPyErr_Occurred(ctx))
                return -1;
            if (closure) g->y = v; else g->x = v;
            return 0;
        }
        static HPy g_y_get(HPyContext *ctx, HPy self, void *closure)
        {
            return g_x_get(ctx, self, closure);
        }
        static int g_y_set(HPyContext *ctx, HPy self, HPy value, void *closure)
        {
            return g_x_set(ctx, self, value, closure);
        }

        HPyDef_GET(g_sum, "sum", .doc = "x + y")
        static HPy g_sum_get(HPyContext *ctx, HPy self, void *closure)
        {
            GObject *g = GObject_AsStruct(ctx, self);
            return HPyLong_FromLong(ctx, g->x + g->y);
        }
        HPyDef_SET(g_both, "both")
        static int g_both_set(HPyContext *ctx, HPy self, HPy value, void *closure)
        {
            GObject *g = GObject_AsStruct(ctx, self);
            g->x = g->y = HPyLong_AsLong(ctx, value);
            return HPyErr_Occurred(ctx) ? -1 : 0;
        }
        static HPyDef *G_defines[] = { &g_x, &g_y, &g_sum, &g_both, NULL };
        static HPyType_Spec G_spec = {
            .name = "mytest.G", .basicsize = sizeof(GObject),
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, .defines = G_defines };
        @EXPORT_TYPE("G", G_spec)
        @INIT
    """)
    g = mod.G()
    assert (g.x, g.y, g.sum) == (0, 0, 0)
    g.x = 3
    g.y = 4
    assert (g.x, g.y, g.sum) == (3, 4, 7)
    assert mod.G.x.__doc__ == "the x"
    assert mod.G.sum.__doc__ == "x + y"
    with pytest.raises(TypeError):
        del g.x
    with pytest.raises(TypeError):
        g.x = "a"
    with pytest.raises(AttributeError):
        g.sum = 1
    g.both = 5
    assert (g.x, g.y, g.sum) == (5, 5, 10)
    with pytest.raises(AttributeError):
        _ = g.both

    class Sub(mod.G):
        @property
        def sum(self):
            return -1
    s = Sub()
    s.x = 1
    assert s.x == 1 and s.sum == -1
