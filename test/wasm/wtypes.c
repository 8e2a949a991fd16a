/* HPy types in the WebAssembly host: an extension with one type per
 * feature (members, get-sets, slots, GC, destroy, the call protocol, the
 * buffer protocol, every builtin shape, bases and metaclass params), checked
 * by wtypes_check.py in Pyodide and natively. */
#include "hpy.h"
#include <string.h>

static long n_destroyed;

/* --- Object shape: members, get-set, methods, slots, HPyType_GenericNew --- */

typedef struct {
    long a;
    double d;
    HPyField obj;
    HPy_ssize_t n;
    char flag;
} PlainObject;
HPyType_HELPERS(PlainObject)

HPyDef_SLOT_IMPL(Plain_new, HPyType_GenericNew, HPy_tp_new)

HPyDef_SLOT(Plain_init, HPy_tp_init)
static int Plain_init_impl(HPyContext *ctx, HPy self, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    PlainObject *p = PlainObject_AsStruct(ctx, self);
    (void)kw;
    if (nargs > 0) {
        p->a = HPyLong_AsLong(ctx, args[0]);
        if (p->a == -1 && HPyErr_Occurred(ctx))
            return -1;
    }
    return 0;
}

HPyDef_MEMBER(Plain_a, "a", HPyMember_LONG, offsetof(PlainObject, a), .doc = "a long")
HPyDef_MEMBER(Plain_d, "d", HPyMember_DOUBLE, offsetof(PlainObject, d))
HPyDef_MEMBER(Plain_obj, "obj", HPyMember_OBJECT, offsetof(PlainObject, obj))
HPyDef_MEMBER(Plain_n, "n", HPyMember_HPYSSIZET, offsetof(PlainObject, n), .readonly = 1)
HPyDef_MEMBER(Plain_flag, "flag", HPyMember_BOOL, offsetof(PlainObject, flag))

HPyDef_GETSET(Plain_twice, "twice", .doc = "2 * a")
static HPy Plain_twice_get(HPyContext *ctx, HPy self, void *closure)
{
    (void)closure;
    return HPyLong_FromLong(ctx, 2 * PlainObject_AsStruct(ctx, self)->a);
}
static int Plain_twice_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    long v = HPyLong_AsLong(ctx, value);
    (void)closure;
    if (v == -1 && HPyErr_Occurred(ctx))
        return -1;
    PlainObject_AsStruct(ctx, self)->a = v / 2;
    return 0;
}

HPyDef_METH(Plain_bump, "bump", HPyFunc_O, .doc = "adds to a")
static HPy Plain_bump_impl(HPyContext *ctx, HPy self, HPy arg)
{
    PlainObject *p = PlainObject_AsStruct(ctx, self);
    p->a += HPyLong_AsLong(ctx, arg);
    p->n++;
    return HPyLong_FromLong(ctx, p->a);
}

HPyDef_SLOT(Plain_repr, HPy_tp_repr)
static HPy Plain_repr_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromFormat(ctx, "Plain(%ld)", PlainObject_AsStruct(ctx, self)->a);
}

HPyDef_SLOT(Plain_len, HPy_mp_length)
static HPy_ssize_t Plain_len_impl(HPyContext *ctx, HPy self)
{
    return PlainObject_AsStruct(ctx, self)->a;
}

HPyDef_SLOT(Plain_richcmp, HPy_tp_richcompare)
static HPy Plain_richcmp_impl(HPyContext *ctx, HPy a, HPy b, HPy_RichCmpOp op)
{
    HPy t = HPy_Type(ctx, a);
    int same = HPy_TypeCheck(ctx, b, t);
    HPy_Close(ctx, t);
    if (!same || (op != HPy_EQ && op != HPy_NE))
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    int eq = PlainObject_AsStruct(ctx, a)->a == PlainObject_AsStruct(ctx, b)->a;
    return HPyBool_FromLong(ctx, op == HPy_EQ ? eq : !eq);
}

HPyDef_SLOT(Plain_hash, HPy_tp_hash)
static HPy_hash_t Plain_hash_impl(HPyContext *ctx, HPy self)
{
    return (HPy_hash_t)PlainObject_AsStruct(ctx, self)->a;
}

static HPyDef *Plain_defines[] = {
    &Plain_new, &Plain_init, &Plain_a, &Plain_d, &Plain_obj, &Plain_n, &Plain_flag,
    &Plain_twice, &Plain_bump, &Plain_repr, &Plain_len, &Plain_richcmp, &Plain_hash, NULL,
};
static HPyType_Spec Plain_spec = {
    .name = "wtypes.Plain",
    .doc = "Plain(a=0)",
    .basicsize = sizeof(PlainObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    .builtin_shape = SHAPE(PlainObject),
    .defines = Plain_defines,
};

/* --- GC: HPyFields visited and cleared, destroy, finalize --------------- */

typedef struct {
    long magic;
    HPyField a;
} NodeObject;
HPyType_HELPERS(NodeObject)

HPyDef_SLOT(Node_new, HPy_tp_new)
static HPy Node_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    NodeObject *n;
    HPy h = HPy_New(ctx, cls, &n);
    (void)kw;
    if (HPy_IsNull(h))
        return HPy_NULL;
    n->magic = 0x1234;
    if (nargs > 0)
        HPyField_Store(ctx, h, &n->a, args[0]);
    return h;
}

HPyDef_SLOT(Node_traverse, HPy_tp_traverse)
static int Node_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
{
    NodeObject *n = (NodeObject *)self;
    HPy_VISIT(&n->a);
    return 0;
}

HPyDef_SLOT(Node_destroy, HPy_tp_destroy)
static void Node_destroy_impl(void *self)
{
    NodeObject *n = (NodeObject *)self;
    if (n->magic == 0x1234)
        n_destroyed++;
    n->magic = 0;
}

HPyDef_GETSET(Node_a, "a")
static HPy Node_a_get(HPyContext *ctx, HPy self, void *closure)
{
    NodeObject *n = NodeObject_AsStruct(ctx, self);
    HPy h = HPyField_Load(ctx, self, n->a);
    (void)closure;
    return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
}
static int Node_a_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    NodeObject *n = NodeObject_AsStruct(ctx, self);
    (void)closure;
    HPyField_Store(ctx, self, &n->a, value);
    return 0;
}

static HPyDef *Node_defines[] = { &Node_new, &Node_traverse, &Node_destroy, &Node_a, NULL };
static HPyType_Spec Node_spec = {
    .name = "wtypes.Node",
    .basicsize = sizeof(NodeObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(NodeObject),
    .defines = Node_defines,
};

/* An HPy subtype of Node (HPyType_SpecParam_Base) that extends its struct. */
typedef struct {
    NodeObject base;
    long extra;
} SubNodeObject;
HPyType_HELPERS(SubNodeObject)

HPyDef_MEMBER(SubNode_extra, "extra", HPyMember_LONG, offsetof(SubNodeObject, extra))
HPyDef_MEMBER(SubNode_magic, "magic", HPyMember_LONG, offsetof(SubNodeObject, base.magic))
static HPyDef *SubNode_defines[] = { &SubNode_extra, &SubNode_magic, NULL };
static HPyType_Spec SubNode_spec = {
    .name = "wtypes.SubNode",
    .basicsize = sizeof(SubNodeObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE, /* GC through the base's traverse */
    .builtin_shape = SHAPE(SubNodeObject),
    .defines = SubNode_defines,
};

/* A finalizer that may resurrect its object (by appending it to the list
 * the object was made with): it runs once all the same. */
typedef struct {
    HPyField keep;
} FinObject;
HPyType_HELPERS(FinObject)
static long n_finalized;

HPyDef_SLOT(Fin_new, HPy_tp_new)
static HPy Fin_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    FinObject *f;
    HPy h = HPy_New(ctx, cls, &f);
    (void)kw;
    if (!HPy_IsNull(h) && nargs > 0)
        HPyField_Store(ctx, h, &f->keep, args[0]);
    return h;
}

HPyDef_SLOT(Fin_traverse, HPy_tp_traverse)
static int Fin_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((FinObject *)self)->keep);
    return 0;
}

HPyDef_SLOT(Fin_finalize, HPy_tp_finalize)
static void Fin_finalize_impl(HPyContext *ctx, HPy self)
{
    FinObject *f = FinObject_AsStruct(ctx, self);
    HPy keep = HPyField_Load(ctx, self, f->keep);
    if (!HPy_IsNull(keep)) {
        HPy append = HPy_GetAttr_s(ctx, keep, "append");
        if (!HPy_IsNull(append)) {
            HPy res = HPy_Call(ctx, append, &self, 1, HPy_NULL);
            HPy_Close(ctx, res);
            HPy_Close(ctx, append);
        }
        HPy_Close(ctx, keep);
    }
    HPyErr_Clear(ctx);
    n_finalized++;
}
static HPyDef *Fin_defines[] = { &Fin_new, &Fin_traverse, &Fin_finalize, NULL };
static HPyType_Spec Fin_spec = {
    .name = "wtypes.Fin",
    .basicsize = sizeof(FinObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(FinObject),
    .defines = Fin_defines,
};

/* --- The call protocol ---------------------------------------------------- */

typedef struct {
    long factor;
} CallObject;
HPyType_HELPERS(CallObject)

static HPy describe(HPyContext *ctx, const char *who, HPy self, size_t nargs, HPy kwnames)
{
    HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
    return HPy_BuildValue(ctx, "(slnn)", who, CallObject_AsStruct(ctx, self)->factor,
                          (HPy_ssize_t)nargs, nkw);
}

HPyDef_SLOT(Call_call, HPy_tp_call)
static HPy Call_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    (void)args;
    return describe(ctx, "default", self, nargs, kwnames);
}

HPyDef_CALL_FUNCTION(other_call)
static HPy other_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    (void)args;
    return describe(ctx, "other", self, nargs, kwnames);
}

HPyDef_SLOT(Call_new, HPy_tp_new)
static HPy Call_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    CallObject *c;
    HPy h = HPy_New(ctx, cls, &c);
    (void)kw;
    if (HPy_IsNull(h))
        return HPy_NULL;
    c->factor = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 1;
    return h;
}

HPyDef_METH(Call_set_other, "set_other", HPyFunc_NOARGS)
static HPy Call_set_other_impl(HPyContext *ctx, HPy self)
{
    if (HPy_SetCallFunction(ctx, self, &other_call) < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(set_call, "set_call", HPyFunc_O)
static HPy set_call_impl(HPyContext *ctx, HPy self, HPy obj)
{
    (void)self;
    if (HPy_SetCallFunction(ctx, obj, &other_call) < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

static HPyDef *Call_defines[] = { &Call_call, &Call_new, &Call_set_other, NULL };
static HPyType_Spec Call_spec = {
    .name = "wtypes.Call",
    .basicsize = sizeof(CallObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    .builtin_shape = SHAPE(CallObject),
    .defines = Call_defines,
};

/* --- The buffer protocol -------------------------------------------------- */

typedef struct {
    char data[8];
    long exports;
} BufObject;
HPyType_HELPERS(BufObject)

HPyDef_SLOT(Buf_new, HPy_tp_new)
static HPy Buf_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    BufObject *b;
    HPy h = HPy_New(ctx, cls, &b);
    (void)args;
    (void)nargs;
    (void)kw;
    if (!HPy_IsNull(h))
        memcpy(b->data, "abcdefgh", 8);
    return h;
}

HPyDef_SLOT(Buf_getbuffer, HPy_bf_getbuffer)
static int Buf_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
{
    BufObject *b = BufObject_AsStruct(ctx, self);
    (void)flags;
    memset(view, 0, sizeof(*view));
    view->buf = b->data;
    view->obj = HPy_Dup(ctx, self);
    view->len = 8;
    view->itemsize = 1;
    view->readonly = 1;
    view->ndim = 1;
    b->exports++;
    return 0;
}

HPyDef_SLOT(Buf_releasebuffer, HPy_bf_releasebuffer)
static void Buf_releasebuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view)
{
    (void)view;
    BufObject_AsStruct(ctx, self)->exports--;
}

HPyDef_MEMBER(Buf_exports, "exports", HPyMember_LONG, offsetof(BufObject, exports))
static HPyDef *Buf_defines[] = { &Buf_new, &Buf_getbuffer, &Buf_releasebuffer, &Buf_exports, NULL };
static HPyType_Spec Buf_spec = {
    .name = "wtypes.Buf",
    .basicsize = sizeof(BufObject),
    .builtin_shape = SHAPE(BufObject),
    .defines = Buf_defines,
};

/* --- Builtin shapes: a struct with one long after the builtin's data ----- */

typedef struct {
    long extra;
} ExtraObject;

#define SHAPED(NAME, SHAPE_VALUE)                                                        \
    HPyDef_MEMBER(NAME##_extra, "extra", HPyMember_LONG, offsetof(ExtraObject, extra))   \
    HPyDef_METH(NAME##_get_extra, "get_extra", HPyFunc_NOARGS)                           \
    static HPy NAME##_get_extra_impl(HPyContext *ctx, HPy self)                          \
    {                                                                                    \
        ExtraObject *e = (ExtraObject *)SHAPE_VALUE##_AsStruct(ctx, self);               \
        return HPyLong_FromLong(ctx, e->extra);                                          \
    }                                                                                    \
    static HPyDef *NAME##_defines[] = { &NAME##_extra, &NAME##_get_extra, NULL };        \
    static HPyType_Spec NAME##_spec = {                                                  \
        .name = "wtypes." #NAME,                                                         \
        .basicsize = sizeof(ExtraObject),                                                \
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,                             \
        .builtin_shape = SHAPE_VALUE,                                                    \
        .defines = NAME##_defines,                                                       \
    };

SHAPED(LongS, HPyType_BuiltinShape_Long)
SHAPED(FloatS, HPyType_BuiltinShape_Float)
SHAPED(UnicodeS, HPyType_BuiltinShape_Unicode)
SHAPED(TupleS, HPyType_BuiltinShape_Tuple)
SHAPED(ListS, HPyType_BuiltinShape_List)
SHAPED(DictS, HPyType_BuiltinShape_Dict)
SHAPED(TypeS, HPyType_BuiltinShape_Type)

/* --- A chain of six HPy types, each with a destroy and a traverse ---------
 * Every level's destroy runs, most derived first, and every level's fields
 * are released; more levels than the host keeps precomputed per type go
 * through its general path. */

#define CHAIN_LEVELS 6
typedef struct {
    long log; /* the levels whose destroy ran, one decimal digit each */
    HPyField f[CHAIN_LEVELS];
} ChainObject;
HPyType_HELPERS(ChainObject)
static long chain_log;

HPyDef_SLOT(Chain_new, HPy_tp_new)
static HPy Chain_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    ChainObject *c;
    HPy h = HPy_New(ctx, cls, &c);
    HPy_ssize_t i;
    (void)kw;
    if (HPy_IsNull(h))
        return HPy_NULL;
    for (i = 0; i < nargs && i < CHAIN_LEVELS; i++)
        HPyField_Store(ctx, h, &c->f[i], args[i]);
    return h;
}

HPyDef_METH(chain_log_get, "chain_log", HPyFunc_NOARGS)
static HPy chain_log_get_impl(HPyContext *ctx, HPy self)
{
    long v = chain_log;
    (void)self;
    chain_log = 0;
    return HPyLong_FromLong(ctx, v);
}

#define CHAIN_LEVEL(K)                                                                             \
    HPyDef_SLOT(Chain##K##_traverse, HPy_tp_traverse)                                              \
    static int Chain##K##_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)            \
    {                                                                                              \
        ChainObject *c = (ChainObject *)self;                                                      \
        int i;                                                                                     \
        for (i = 0; i < K; i++)                                                                    \
            HPy_VISIT(&c->f[i]);                                                                   \
        return 0;                                                                                  \
    }                                                                                              \
    HPyDef_SLOT(Chain##K##_destroy, HPy_tp_destroy)                                                \
    static void Chain##K##_destroy_impl(void *self)                                                \
    {                                                                                              \
        (void)self;                                                                                \
        chain_log = chain_log * 10 + K;                                                            \
    }                                                                                              \
    static HPyDef *Chain##K##_defines[] = { &Chain_new, &Chain##K##_traverse, &Chain##K##_destroy, \
                                            NULL };                                                \
    static HPyType_Spec Chain##K##_spec = {                                                        \
        .name = "wtypes.Chain" #K,                                                                 \
        .basicsize = sizeof(ChainObject),                                                          \
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,                 \
        .builtin_shape = SHAPE(ChainObject),                                                       \
        .defines = Chain##K##_defines,                                                             \
    };

CHAIN_LEVEL(1)
CHAIN_LEVEL(2)
CHAIN_LEVEL(3)
CHAIN_LEVEL(4)
CHAIN_LEVEL(5)
CHAIN_LEVEL(6)

/* Chain1 ... Chain6, each on the one before. */
static int add_chain(HPyContext *ctx, HPy m)
{
    HPyType_Spec *specs[CHAIN_LEVELS] = { &Chain1_spec, &Chain2_spec, &Chain3_spec,
                                          &Chain4_spec, &Chain5_spec, &Chain6_spec };
    HPy base = HPy_NULL;
    int i;
    for (i = 0; i < CHAIN_LEVELS; i++) {
        HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, base }, { 0, HPy_NULL } };
        HPy t = HPyType_FromSpec(ctx, specs[i], i == 0 ? NULL : params);
        int r;
        HPy_Close(ctx, base);
        if (HPy_IsNull(t))
            return -1;
        r = HPy_SetAttr_s(ctx, m, specs[i]->name + sizeof("wtypes.") - 1, t);
        base = t;
        if (r < 0) {
            HPy_Close(ctx, base);
            return -1;
        }
    }
    HPy_Close(ctx, base);
    return 0;
}

/* --- Module functions ------------------------------------------------------ */

HPyDef_METH(counts, "counts", HPyFunc_NOARGS)
static HPy counts_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPy_BuildValue(ctx, "(ll)", n_destroyed, n_finalized);
}

HPyDef_METH(shape_of, "shape_of", HPyFunc_O)
static HPy shape_of_impl(HPyContext *ctx, HPy self, HPy type)
{
    HPyType_BuiltinShape s = _HPyType_GetBuiltinShape(ctx, type);
    (void)self;
    if ((int)s < (int)HPyType_BuiltinShape_Legacy)
        return HPy_NULL;
    return HPyLong_FromLong(ctx, (long)s);
}

HPyDef_METH(name_of, "name_of", HPyFunc_O)
static HPy name_of_impl(HPyContext *ctx, HPy self, HPy type)
{
    const char *s = HPyType_GetName(ctx, type);
    (void)self;
    return s == NULL ? HPy_NULL : HPyUnicode_FromString(ctx, s);
}

HPyDef_METH(is_subtype, "is_subtype", HPyFunc_VARARGS)
static HPy is_subtype_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    (void)nargs;
    return HPyBool_FromLong(ctx, HPyType_IsSubtype(ctx, args[0], args[1]));
}

HPyDef_METH(new_of, "new_of", HPyFunc_O)
static HPy new_of_impl(HPyContext *ctx, HPy self, HPy type)
{
    void *data;
    (void)self;
    return HPy_New(ctx, type, &data);
}

static HPyType_Spec Made_spec = {
    .name = "wtypes.Made",
    .basicsize = sizeof(NodeObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(NodeObject),
    .defines = Node_defines,
};

/* A new type at each call (the block of a dead type must be freed). */
HPyDef_METH(make_type, "make_type", HPyFunc_NOARGS)
static HPy make_type_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPyType_FromSpec(ctx, &Made_spec, NULL);
}

/* A type with a metaclass param. */
HPyDef_METH(make_with_meta, "make_with_meta", HPyFunc_O)
static HPy make_with_meta_impl(HPyContext *ctx, HPy self, HPy meta)
{
    HPyType_SpecParam params[] = { { HPyType_SpecParam_Metaclass, meta }, { 0, HPy_NULL } };
    (void)self;
    return HPyType_FromSpec(ctx, &Made_spec, params);
}

/* A type with a bases tuple param. */
HPyDef_METH(make_with_bases, "make_with_bases", HPyFunc_O)
static HPy make_with_bases_impl(HPyContext *ctx, HPy self, HPy bases)
{
    HPyType_SpecParam params[] = { { HPyType_SpecParam_BasesTuple, bases }, { 0, HPy_NULL } };
    (void)self;
    return HPyType_FromSpec(ctx, &Made_spec, params);
}

static HPyDef *Bad_defines_no_traverse[] = { &Node_new, NULL };
static HPyType_Spec Bad_gc_spec = {
    .name = "wtypes.BadGC",
    .basicsize = sizeof(NodeObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .defines = Bad_defines_no_traverse,
};
static HPyType_Spec Bad_shape_spec = {
    .name = "wtypes.BadShape",
    .basicsize = sizeof(NodeObject),
    .builtin_shape = (HPyType_BuiltinShape)42,
};
static HPyType_Spec Bad_call_spec = {
    .name = "wtypes.BadCall",
    .basicsize = sizeof(CallObject),
    .itemsize = 8,
    .builtin_shape = SHAPE(CallObject),
    .defines = Call_defines,
};

HPyDef_METH(make_bad, "make_bad", HPyFunc_O)
static HPy make_bad_impl(HPyContext *ctx, HPy self, HPy which)
{
    long w = HPyLong_AsLong(ctx, which);
    HPyType_Spec *specs[] = { &Bad_gc_spec, &Bad_shape_spec, &Bad_call_spec };
    (void)self;
    if (w < 0 || w > 2)
        return HPy_Dup(ctx, ctx->h_None);
    return HPyType_FromSpec(ctx, specs[w], NULL);
}

HPyDef_SLOT(wtypes_exec, HPy_mod_exec)
static int wtypes_exec_impl(HPyContext *ctx, HPy m)
{
    struct { const char *name; HPyType_Spec *spec; } types[] = {
        { "Plain", &Plain_spec }, { "Node", &Node_spec }, { "Fin", &Fin_spec },
        { "Call", &Call_spec }, { "Buf", &Buf_spec }, { "LongS", &LongS_spec },
        { "FloatS", &FloatS_spec }, { "UnicodeS", &UnicodeS_spec }, { "TupleS", &TupleS_spec },
        { "ListS", &ListS_spec }, { "DictS", &DictS_spec }, { "TypeS", &TypeS_spec },
    };
    size_t i;
    HPy node;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!HPyHelpers_AddType(ctx, m, types[i].name, types[i].spec, NULL))
            return -1;
    node = HPy_GetAttr_s(ctx, m, "Node");
    if (HPy_IsNull(node))
        return -1;
    {
        HPyType_SpecParam params[] = { { HPyType_SpecParam_Base, node }, { 0, HPy_NULL } };
        int ok = HPyHelpers_AddType(ctx, m, "SubNode", &SubNode_spec, params);
        HPy_Close(ctx, node);
        if (!ok)
            return -1;
    }
    return add_chain(ctx, m);
}

static HPyDef *module_defines[] = {
    &wtypes_exec, &counts, &shape_of, &name_of, &is_subtype, &new_of, &make_type,
    &make_with_meta, &make_with_bases, &make_bad, &set_call, &chain_log_get, NULL,
};
static HPyModuleDef moduledef = { .doc = "HPy types in the WebAssembly host", .defines = module_defines };

HPy_MODINIT(wtypes, moduledef)
