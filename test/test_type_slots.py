"""Every HPy type slot of api/slots.ts, installed with CPython semantics;
slot inheritance and overriding from Python subclasses (ctx_type.c)."""
import gc
import operator

import pytest


def type_module(hpy, defines_src, slot_names, extra="", flags="HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE",
                basicsize="0", name="T", exports=()):
    defines = ", ".join("&%s" % s for s in slot_names)
    exp = "\n".join("        @EXPORT(%s)" % e for e in exports)
    return hpy.make_module("""
        %(src)s
        %(extra)s
        static HPyDef *T_defines[] = { %(defines)s, NULL };
        static HPyType_Spec T_spec = {
            .name = "mytest.%(name)s", .basicsize = %(basicsize)s, .flags = %(flags)s,
            .defines = T_defines };
%(exp)s
        @EXPORT_TYPE("%(name)s", T_spec)
        @INIT
    """ % {"src": defines_src, "extra": extra, "defines": defines, "flags": flags,
           "basicsize": basicsize, "name": name, "exp": exp})


BINARY = ["nb_add", "nb_subtract", "nb_multiply", "nb_remainder", "nb_divmod",
          "nb_floor_divide", "nb_true_divide", "nb_lshift", "nb_rshift", "nb_and",
          "nb_xor", "nb_or", "nb_matrix_multiply"]
INPLACE = ["nb_inplace_add", "nb_inplace_subtract", "nb_inplace_multiply",
           "nb_inplace_remainder", "nb_inplace_floor_divide", "nb_inplace_true_divide",
           "nb_inplace_lshift", "nb_inplace_rshift", "nb_inplace_and", "nb_inplace_xor",
           "nb_inplace_or", "nb_inplace_matrix_multiply"]
OPS = {
    "nb_add": operator.add, "nb_subtract": operator.sub, "nb_multiply": operator.mul,
    "nb_remainder": operator.mod, "nb_divmod": divmod, "nb_floor_divide": operator.floordiv,
    "nb_true_divide": operator.truediv, "nb_lshift": operator.lshift,
    "nb_rshift": operator.rshift, "nb_and": operator.and_, "nb_xor": operator.xor,
    "nb_or": operator.or_, "nb_matrix_multiply": operator.matmul,
    "nb_inplace_add": operator.iadd, "nb_inplace_subtract": operator.isub,
    "nb_inplace_multiply": operator.imul, "nb_inplace_remainder": operator.imod,
    "nb_inplace_floor_divide": operator.ifloordiv, "nb_inplace_true_divide": operator.itruediv,
    "nb_inplace_lshift": operator.ilshift, "nb_inplace_rshift": operator.irshift,
    "nb_inplace_and": operator.iand, "nb_inplace_xor": operator.ixor,
    "nb_inplace_or": operator.ior, "nb_inplace_matrix_multiply": operator.imatmul,
}


def binary_slot(s):
    return """
        HPyDef_SLOT(%(s)s, HPy_%(s)s)
        static HPy %(s)s_impl(HPyContext *ctx, HPy a, HPy b)
        {
            return HPy_BuildValue(ctx, "(sOO)", "%(s)s", a, b);
        }
    """ % {"s": s}


def test_binary_number_slots(hpy):
    names = BINARY + INPLACE
    mod = type_module(hpy, "".join(binary_slot(s) for s in names), names)
    t = mod.T()
    for s in BINARY:
        assert OPS[s](t, 1) == (s, t, 1), s
        assert OPS[s](2, t) == (s, 2, t), s  # the reflected operation
    for s in INPLACE:
        x = t
        assert OPS[s](x, 5) == (s, t, 5), s


UNARY = {
    "nb_negative": operator.neg, "nb_positive": operator.pos, "nb_absolute": abs,
    "nb_invert": operator.invert,
}


def test_unary_number_slots(hpy):
    src = "".join("""
        HPyDef_SLOT(%(s)s, HPy_%(s)s)
        static HPy %(s)s_impl(HPyContext *ctx, HPy a)
        {
            return HPy_BuildValue(ctx, "(sO)", "%(s)s", a);
        }
    """ % {"s": s} for s in UNARY)
    src += """
        HPyDef_SLOT(nb_int, HPy_nb_int)
        static HPy nb_int_impl(HPyContext *ctx, HPy a) { return HPyLong_FromLong(ctx, 42); }
        HPyDef_SLOT(nb_float, HPy_nb_float)
        static HPy nb_float_impl(HPyContext *ctx, HPy a) { return HPyFloat_FromDouble(ctx, 4.5); }
        HPyDef_SLOT(nb_index, HPy_nb_index)
        static HPy nb_index_impl(HPyContext *ctx, HPy a) { return HPyLong_FromLong(ctx, 3); }
        HPyDef_SLOT(nb_bool, HPy_nb_bool)
        static int nb_bool_impl(HPyContext *ctx, HPy a) { return 0; }
        HPyDef_SLOT(nb_power, HPy_nb_power)
        static HPy nb_power_impl(HPyContext *ctx, HPy a, HPy b, HPy c)
        {
            return HPy_BuildValue(ctx, "(sOOO)", "nb_power", a, b, c);
        }
        HPyDef_SLOT(nb_inplace_power, HPy_nb_inplace_power)
        static HPy nb_inplace_power_impl(HPyContext *ctx, HPy a, HPy b, HPy c)
        {
            return HPy_BuildValue(ctx, "(sOOO)", "nb_inplace_power", a, b, c);
        }
    """
    names = list(UNARY) + ["nb_int", "nb_float", "nb_index", "nb_bool", "nb_power",
                           "nb_inplace_power"]
    mod = type_module(hpy, src, names)
    t = mod.T()
    for s, op in UNARY.items():
        assert op(t) == (s, t)
    assert int(t) == 42
    assert float(t) == 4.5
    assert operator.index(t) == 3
    assert [10, 11, 12, 13, 14][t] == 13
    assert bool(t) is False
    assert not t
    assert pow(t, 2) == ("nb_power", t, 2, None)
    assert pow(t, 2, 5) == ("nb_power", t, 2, 5)
    assert t ** 3 == ("nb_power", t, 3, None)
    assert 3 ** t == ("nb_power", 3, t, None)
    x = t
    x **= 4
    assert x == ("nb_inplace_power", t, 4, None)


def test_sequence_slots(hpy):
    mod = type_module(hpy, """
        typedef struct { long items[8]; long ndeleted; } SeqObject;
        HPyType_HELPERS(SeqObject)

        HPyDef_SLOT(sq_length, HPy_sq_length)
        static HPy_ssize_t sq_length_impl(HPyContext *ctx, HPy self) { return 8; }

        HPyDef_SLOT(sq_item, HPy_sq_item)
        static HPy sq_item_impl(HPyContext *ctx, HPy self, HPy_ssize_t i)
        {
            if (i < 0 || i >= 8) {
                HPyErr_SetString(ctx, ctx->h_IndexError, "out of range");
                return HPy_NULL;
            }
            return HPyLong_FromLong(ctx, SeqObject_AsStruct(ctx, self)->items[i]);
        }

        HPyDef_SLOT(sq_ass_item, HPy_sq_ass_item)
        static int sq_ass_item_impl(HPyContext *ctx, HPy self, HPy_ssize_t i, HPy value)
        {
            SeqObject *s = SeqObject_AsStruct(ctx, self);
            if (i < 0 || i >= 8) {
                HPyErr_SetString(ctx, ctx->h_IndexError, "out of range");
                return -1;
            }
            if (HPy_IsNull(value)) {  /* del */
                s->items[i] = 0;
                s->ndeleted++;
                return 0;
            }
            s->items[i] = HPyLong_AsLong(ctx, value);
            return HPyErr_Occurred(ctx) ? -1 : 0;
        }

        HPyDef_SLOT(sq_concat, HPy_sq_concat)
        static HPy sq_concat_impl(HPyContext *ctx, HPy a, HPy b)
        {
            return HPy_BuildValue(ctx, "(sOO)", "concat", a, b);
        }
        HPyDef_SLOT(sq_inplace_concat, HPy_sq_inplace_concat)
        static HPy sq_inplace_concat_impl(HPyContext *ctx, HPy a, HPy b)
        {
            return HPy_BuildValue(ctx, "(sOO)", "iconcat", a, b);
        }
        HPyDef_SLOT(sq_repeat, HPy_sq_repeat)
        static HPy sq_repeat_impl(HPyContext *ctx, HPy a, HPy_ssize_t n)
        {
            return HPy_BuildValue(ctx, "(sOn)", "repeat", a, n);
        }
        HPyDef_SLOT(sq_inplace_repeat, HPy_sq_inplace_repeat)
        static HPy sq_inplace_repeat_impl(HPyContext *ctx, HPy a, HPy_ssize_t n)
        {
            return HPy_BuildValue(ctx, "(sOn)", "irepeat", a, n);
        }
        HPyDef_SLOT(sq_contains, HPy_sq_contains)
        static int sq_contains_impl(HPyContext *ctx, HPy self, HPy item)
        {
            long v = HPyLong_AsLong(ctx, item);
            if (v == -1 && HPyErr_Occurred(ctx))
                return -1;
            return v == 42;
        }
        HPyDef_MEMBER(ndeleted, "ndeleted", HPyMember_LONG, offsetof(SeqObject, ndeleted))
    """, ["sq_length", "sq_item", "sq_ass_item", "sq_concat", "sq_inplace_concat", "sq_repeat",
          "sq_inplace_repeat", "sq_contains", "ndeleted"], basicsize="sizeof(SeqObject)")
    s = mod.T()
    assert len(s) == 8
    assert list(s) == [0] * 8
    s[3] = 30
    s[-1] = 70  # negative indices go through sq_length
    assert s[3] == 30 and s[7] == 70 and s[-1] == 70
    del s[3]
    assert s[3] == 0 and s.ndeleted == 1
    with pytest.raises(IndexError):
        s[8]
    with pytest.raises(TypeError):
        s[1] = "x"
    assert s + [1] == ("concat", s, [1])
    assert s * 3 == ("repeat", s, 3)
    assert 3 * s == ("repeat", s, 3)
    x = s
    x += (1,)
    assert x == ("iconcat", s, (1,))
    x = s
    x *= 5
    assert x == ("irepeat", s, 5)
    assert 42 in s and 41 not in s
    with pytest.raises(TypeError):
        _ = "x" in s


def test_mapping_slots(hpy):
    mod = type_module(hpy, """
        HPyDef_SLOT(mp_length, HPy_mp_length)
        static HPy_ssize_t mp_length_impl(HPyContext *ctx, HPy self) { return 1234; }
        HPyDef_SLOT(mp_subscript, HPy_mp_subscript)
        static HPy mp_subscript_impl(HPyContext *ctx, HPy self, HPy key)
        {
            return HPy_BuildValue(ctx, "(sO)", "get", key);
        }
        HPyDef_SLOT(mp_ass_subscript, HPy_mp_ass_subscript)
        static int mp_ass_subscript_impl(HPyContext *ctx, HPy self, HPy key, HPy value)
        {
            if (HPy_IsNull(value))
                return HPy_SetAttr_s(ctx, self, "last", key);
            HPy t = HPy_BuildValue(ctx, "(OO)", key, value);
            if (HPy_IsNull(t))
                return -1;
            int r = HPy_SetAttr_s(ctx, self, "last", t);
            HPy_Close(ctx, t);
            return r;
        }
    """, ["mp_length", "mp_subscript", "mp_ass_subscript"])

    class M(mod.T):
        pass
    m = M()
    assert len(m) == 1234
    assert m["a"] == ("get", "a")
    assert m[1:2] == ("get", slice(1, 2))
    m["k"] = "v"
    assert m.last == ("k", "v")
    del m["z"]
    assert m.last == "z"


def test_object_slots(hpy):
    mod = type_module(hpy, """
        typedef struct { long initialized; long nargs; } TObject;
        HPyType_HELPERS(TObject)

        HPyDef_SLOT(tp_repr, HPy_tp_repr)
        static HPy tp_repr_impl(HPyContext *ctx, HPy self) { return HPyUnicode_FromString(ctx, "<repr>"); }
        HPyDef_SLOT(tp_str, HPy_tp_str)
        static HPy tp_str_impl(HPyContext *ctx, HPy self) { return HPyUnicode_FromString(ctx, "<str>"); }
        HPyDef_SLOT(tp_hash, HPy_tp_hash)
        static HPy_hash_t tp_hash_impl(HPyContext *ctx, HPy self) { return 1234567; }
        HPyDef_SLOT(tp_richcompare, HPy_tp_richcompare)
        static HPy tp_richcompare_impl(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op)
        {
            return HPy_BuildValue(ctx, "(sOi)", "cmp", other, (int)op);
        }
        HPyDef_SLOT(tp_new, HPy_tp_new)
        static HPy tp_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            TObject *t;
            HPy h = HPy_New(ctx, cls, &t);
            if (HPy_IsNull(h))
                return HPy_NULL;
            t->nargs = (long)nargs + (HPy_IsNull(kw) ? 0 : 1000 * (long)HPy_Length(ctx, kw));
            return h;
        }
        HPyDef_SLOT(tp_init, HPy_tp_init)
        static int tp_init_impl(HPyContext *ctx, HPy self, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            TObject *t = TObject_AsStruct(ctx, self);
            if (nargs > 0 && HPy_Is(ctx, args[0], ctx->h_False)) {
                HPyErr_SetString(ctx, ctx->h_ValueError, "init failed");
                return -1;
            }
            t->initialized++;
            return 0;
        }
        HPyDef_MEMBER(initialized, "initialized", HPyMember_LONG, offsetof(TObject, initialized))
        HPyDef_MEMBER(nargs, "nargs", HPyMember_LONG, offsetof(TObject, nargs))
    """, ["tp_repr", "tp_str", "tp_hash", "tp_richcompare", "tp_new", "tp_init", "initialized",
          "nargs"], basicsize="sizeof(TObject)")
    t = mod.T()
    assert repr(t) == "<repr>"
    assert str(t) == "<str>"
    assert "%s" % (t,) == "<str>"
    assert hash(t) == 1234567
    assert (t < 1) == ("cmp", 1, 0)
    assert (t <= 1) == ("cmp", 1, 1)
    assert (t == 1) == ("cmp", 1, 2)
    assert (t != 1) == ("cmp", 1, 3)
    assert (t > 1) == ("cmp", 1, 4)
    assert (t >= 1) == ("cmp", 1, 5)
    assert (1 < t) == ("cmp", 1, 4)  # reflected
    assert t.initialized == 1 and t.nargs == 0
    t = mod.T(1, 2, a=3, b=4)
    assert t.initialized == 1 and t.nargs == 2002
    with pytest.raises(ValueError):
        mod.T(False)
    t.__init__()
    assert t.initialized == 2

    class Sub(mod.T):
        def __init__(self, x):
            super().__init__()
            self.x = x

        def __repr__(self):
            return "sub " + super().__repr__()
    s = Sub(5)
    assert (s.x, s.initialized, s.nargs) == (5, 1, 1)
    assert repr(s) == "sub <repr>" and str(s) == "<str>" and hash(s) == 1234567


def test_hash_minus_one_and_errors(hpy):
    mod = type_module(hpy, """
        HPyDef_SLOT(tp_hash, HPy_tp_hash)
        static HPy_hash_t tp_hash_impl(HPyContext *ctx, HPy self)
        {
            HPyErr_SetString(ctx, ctx->h_KeyError, "no hash");
            return -1;
        }
        HPyDef_SLOT(tp_repr, HPy_tp_repr)
        static HPy tp_repr_impl(HPyContext *ctx, HPy self)
        {
            return HPyErr_SetString(ctx, ctx->h_RuntimeError, "no repr");
        }
    """, ["tp_hash", "tp_repr"])
    with pytest.raises(KeyError):
        hash(mod.T())
    with pytest.raises(RuntimeError):
        repr(mod.T())


def test_descr_get(hpy):
    mod = type_module(hpy, """
        HPyDef_SLOT(tp_descr_get, HPy_tp_descr_get)
        static HPy tp_descr_get_impl(HPyContext *ctx, HPy self, HPy obj, HPy type)
        {
            return HPy_BuildValue(ctx, "(sOO)", "get",
                                  HPy_IsNull(obj) ? ctx->h_None : obj,
                                  HPy_IsNull(type) ? ctx->h_None : type);
        }
    """, ["tp_descr_get"])

    class C:
        d = mod.T()
    c = C()
    assert c.d == ("get", c, C)
    assert C.d == ("get", None, C)
    c.d = 5  # no __set__: a non-data descriptor
    assert c.d == 5


def test_buffer_slots(hpy):
    mod = type_module(hpy, """
        typedef struct {
            char data[16];
            HPy_ssize_t shape[1];
            long exports, releases;
        } BufObject;
        HPyType_HELPERS(BufObject)

        HPyDef_SLOT(bf_getbuffer, HPy_bf_getbuffer)
        static int bf_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
        {
            BufObject *b = BufObject_AsStruct(ctx, self);
            if (b->exports < 0) {
                HPyErr_SetString(ctx, ctx->h_BufferError, "refused");
                return -1;
            }
            b->exports++;
            b->shape[0] = 16;
            view->buf = b->data;
            view->obj = HPy_Dup(ctx, self);
            view->len = 16;
            view->itemsize = 1;
            view->readonly = 0;
            view->ndim = 1;
            view->format = "B";
            view->shape = b->shape;
            view->strides = NULL;
            view->suboffsets = NULL;
            view->internal = NULL;
            return 0;
        }
        HPyDef_SLOT(bf_releasebuffer, HPy_bf_releasebuffer)
        static void bf_releasebuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view)
        {
            BufObject *b = BufObject_AsStruct(ctx, self);
            if (view->buf == b->data && HPy_Is(ctx, view->obj, self))
                b->releases++;
        }
        HPyDef_SLOT(tp_new, HPy_tp_new)
        static HPy tp_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            BufObject *b;
            HPy h = HPy_New(ctx, cls, &b);
            if (!HPy_IsNull(h))
                memcpy(b->data, "0123456789abcdef", 16);
            return h;
        }
        HPyDef_MEMBER(exports, "exports", HPyMember_LONG, offsetof(BufObject, exports))
        HPyDef_MEMBER(releases, "releases", HPyMember_LONG, offsetof(BufObject, releases))
    """, ["bf_getbuffer", "bf_releasebuffer", "tp_new", "exports", "releases"],
        basicsize="sizeof(BufObject)")
    b = mod.T()
    assert bytes(b) == b"0123456789abcdef"
    with memoryview(b) as m:
        assert m.nbytes == 16 and m.format == "B" and m.shape == (16,)
        assert m.obj is b
        m[0] = ord("X")
    assert b.exports == 2 and b.releases == 2
    assert bytes(b)[:2] == b"X1"
    b.exports = -1
    with pytest.raises(BufferError):
        memoryview(b)

    class Sub(mod.T):
        pass
    assert bytes(Sub()) == b"0123456789abcdef"


def test_slot_inheritance_and_override(hpy):
    names = ["nb_add", "nb_multiply"]
    src = "".join(binary_slot(s) for s in names) + """
        HPyDef_SLOT(tp_repr, HPy_tp_repr)
        static HPy tp_repr_impl(HPyContext *ctx, HPy self) { return HPyUnicode_FromString(ctx, "T!"); }
        HPyDef_SLOT(sq_length, HPy_sq_length)
        static HPy_ssize_t sq_length_impl(HPyContext *ctx, HPy self) { return 3; }

        /* an HPy subtype overriding one slot */
        HPyDef_SLOT(sub_repr, HPy_tp_repr)
        static HPy sub_repr_impl(HPyContext *ctx, HPy self) { return HPyUnicode_FromString(ctx, "S!"); }
        static HPyDef *S_defines[] = { &sub_repr, NULL };
        static HPyType_Spec S_spec = { .name = "mytest.S", .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
                                       .defines = S_defines };
        HPyDef_METH(make_sub, "make_sub", HPyFunc_O)
        static HPy make_sub_impl(HPyContext *ctx, HPy self, HPy base)
        {
            HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base }, { (HPyType_SpecParam_Kind)0, HPy_NULL } };
            return HPyType_FromSpec(ctx, &S_spec, params);
        }
    """
    mod = type_module(hpy, src, names + ["tp_repr", "sq_length"], exports=["make_sub"])
    T = mod.T
    S = mod.make_sub(T)
    s = S()
    assert repr(s) == "S!"
    assert s + 1 == ("nb_add", s, 1)
    assert len(s) == 3

    class P(S):
        def __add__(self, other):
            return "python add"

        def __len__(self):
            return 10
    p = P()
    assert p + 1 == "python add"
    assert 1 + p == ("nb_add", 1, p)  # __radd__ still comes from nb_add
    assert p * 2 == ("nb_multiply", p, 2)
    assert len(p) == 10
    assert repr(p) == "S!"
    assert T.__add__(p, 7) == ("nb_add", p, 7)
    assert "__repr__" in T.__dict__ and "__add__" in T.__dict__ and "__radd__" in T.__dict__


def test_new_from_python_subclass(hpy):
    mod = type_module(hpy, """
        typedef struct { long tag; } TObject;
        HPyType_HELPERS(TObject)
        HPyDef_SLOT(tp_new, HPy_tp_new)
        static HPy tp_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
        {
            TObject *t;
            HPy h = HPy_New(ctx, cls, &t);
            if (!HPy_IsNull(h))
                t->tag = 77;
            return h;
        }
        HPyDef_MEMBER(tag, "tag", HPyMember_LONG, offsetof(TObject, tag))
    """, ["tp_new", "tag"], basicsize="sizeof(TObject)")

    class Sub(mod.T):
        __slots__ = ("a", "b")

        def __new__(cls, a):
            self = super().__new__(cls)
            self.a = a
            return self
    s = Sub(1)
    assert type(s) is Sub and s.tag == 77 and s.a == 1
    s.b = [s]
    del s
    gc.collect()
