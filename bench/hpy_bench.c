/* The microbenchmark extension written with HPy.
 *
 * The twin of bench/cpyext_bench.c (the C API version): every function,
 * method, slot and attribute computes the same result with the same checks,
 * so bench/run.py can time both and compare. One source, built for the
 * cpython ABI and the universal ABI (the universal binary is also loaded in
 * debug and trace modes).
 */
#include "hpy.h"
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* module-level functions                                              */
/* ------------------------------------------------------------------ */

/* noargs() -> None */
HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
static HPy noargs_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPy_Dup(ctx, ctx->h_None);
}

/* onearg(x) -> x */
HPyDef_METH(onearg, "onearg", HPyFunc_O)
static HPy onearg_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
    return HPy_Dup(ctx, arg);
}

/* varargs(*args) -> the last argument, or None */
HPyDef_METH(varargs, "varargs", HPyFunc_VARARGS)
static HPy varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    if (nargs == 0)
        return HPy_Dup(ctx, ctx->h_None);
    return HPy_Dup(ctx, args[nargs - 1]);
}

/* keywords(a, b=None) -> b; the keywords are matched by hand */
HPyDef_METH(keywords, "keywords", HPyFunc_KEYWORDS)
static HPy keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    HPy_ssize_t nkw = 0, i;
    HPy b = nargs > 1 ? args[1] : HPy_NULL;
    (void)self;
    if (nargs < 1 || nargs > 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "keywords() takes 1 or 2 positional arguments");
        return HPy_NULL;
    }
    if (!HPy_IsNull(kwnames)) {
        nkw = HPy_Length(ctx, kwnames);
        if (nkw < 0)
            return HPy_NULL;
    }
    for (i = 0; i < nkw; i++) {
        HPy h_name = HPy_GetItem_i(ctx, kwnames, i);
        const char *name;
        int bad;
        if (HPy_IsNull(h_name))
            return HPy_NULL;
        /* the UTF-8 data is valid only as long as its handle */
        name = HPyUnicode_AsUTF8AndSize(ctx, h_name, NULL);
        bad = name == NULL ? -1 : (strcmp(name, "b") != 0 || !HPy_IsNull(b));
        HPy_Close(ctx, h_name);
        if (bad < 0)
            return HPy_NULL;
        if (bad) {
            HPyErr_SetString(ctx, ctx->h_TypeError, "keywords(): bad keyword argument");
            return HPy_NULL;
        }
        b = args[nargs + (size_t)i];
    }
    if (HPy_IsNull(b))
        return HPy_Dup(ctx, ctx->h_None);
    return HPy_Dup(ctx, b);
}

/* parse_kw(a, b=0, c=0) -> a + b + c, three C longs */
HPyDef_METH(parse_kw, "parse_kw", HPyFunc_KEYWORDS)
static HPy parse_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    static const char *kwlist[] = { "a", "b", "c", NULL };
    long a, b = 0, c = 0;
    (void)self;
    if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "l|ll:parse_kw", kwlist, &a, &b, &c))
        return HPy_NULL;
    return HPyLong_FromLong(ctx, a + b + c);
}

/* int_tuple(n) -> (n + 1000, n + 2000, n + 3000): three new ints and a tuple */
HPyDef_METH(int_tuple, "int_tuple", HPyFunc_O)
static HPy int_tuple_impl(HPyContext *ctx, HPy self, HPy arg)
{
    long n = HPyLong_AsLong(ctx, arg);
    HPy items[3];
    HPy t;
    int i, j;
    (void)self;
    if (n == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    for (i = 0; i < 3; i++) {
        items[i] = HPyLong_FromLong(ctx, n + 1000 * (i + 1));
        if (HPy_IsNull(items[i])) {
            for (j = 0; j < i; j++)
                HPy_Close(ctx, items[j]);
            return HPy_NULL;
        }
    }
    t = HPyTuple_FromArray(ctx, items, 3);
    for (i = 0; i < 3; i++)
        HPy_Close(ctx, items[i]);
    return t;
}

/* pair(a, b) -> (a, b): a small tuple of existing objects */
HPyDef_METH(pair, "pair", HPyFunc_VARARGS)
static HPy pair_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "pair() takes 2 arguments");
        return HPy_NULL;
    }
    return HPyTuple_FromArray(ctx, args, 2);
}

/* ------------------------------------------------------------------ */
/* the type bench.Obj                                                  */
/* ------------------------------------------------------------------ */

typedef struct {
    long x;        /* a member */
    long y;        /* behind a getset */
    HPy_ssize_t n; /* its length */
} ObjObject;

HPyType_HELPERS(ObjObject)

HPyDef_SLOT(Obj_new, HPy_tp_new)
static HPy Obj_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    ObjObject *self;
    HPy h;
    (void)args;
    (void)nargs;
    (void)kw;
    h = HPy_New(ctx, cls, &self);
    if (HPy_IsNull(h))
        return HPy_NULL;
    self->x = 7;
    self->y = 0;
    self->n = 10;
    return h;
}

/* o.get_x() -> o.x */
HPyDef_METH(Obj_get_x, "get_x", HPyFunc_NOARGS)
static HPy Obj_get_x_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, ObjObject_AsStruct(ctx, self)->x);
}

/* o.echo(v) -> v */
HPyDef_METH(Obj_echo, "echo", HPyFunc_O)
static HPy Obj_echo_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
    return HPy_Dup(ctx, arg);
}

HPyDef_SLOT(Obj_length, HPy_sq_length)
static HPy_ssize_t Obj_length_impl(HPyContext *ctx, HPy self)
{
    return ObjObject_AsStruct(ctx, self)->n;
}

/* o[i] -> i + o.x for 0 <= i < len(o) */
HPyDef_SLOT(Obj_item, HPy_sq_item)
static HPy Obj_item_impl(HPyContext *ctx, HPy self, HPy_ssize_t i)
{
    ObjObject *o = ObjObject_AsStruct(ctx, self);
    if (i < 0 || i >= o->n) {
        HPyErr_SetString(ctx, ctx->h_IndexError, "Obj index out of range");
        return HPy_NULL;
    }
    return HPyLong_FromSsize_t(ctx, i + o->x);
}

/* o + int -> o.x + int; o + o -> a new Obj whose x, y and len are the sums.
 * CPython calls this slot only when one operand is an Obj; if `b` is an int
 * or an Obj then `a` is the Obj. */
static HPy Obj_add_obj(HPyContext *ctx, HPy a, HPy b)
{
    HPy cls = HPy_Type(ctx, a);
    HPy h = HPy_NULL;
    ObjObject *r;
    if (HPy_TypeCheck(ctx, b, cls)) {
        const ObjObject *x = ObjObject_AsStruct(ctx, a), *y = ObjObject_AsStruct(ctx, b);
        h = HPy_New(ctx, cls, &r);
        if (!HPy_IsNull(h)) {
            r->x = x->x + y->x;
            r->y = x->y + y->y;
            r->n = x->n + y->n;
        }
    }
    else {
        h = HPy_Dup(ctx, ctx->h_NotImplemented);
    }
    HPy_Close(ctx, cls);
    return h;
}

HPyDef_SLOT(Obj_add, HPy_nb_add)
static HPy Obj_add_impl(HPyContext *ctx, HPy a, HPy b)
{
    long v;
    if (!HPy_TypeCheck(ctx, b, ctx->h_LongType))
        return Obj_add_obj(ctx, a, b);
    v = HPyLong_AsLong(ctx, b);
    if (v == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromLong(ctx, ObjObject_AsStruct(ctx, a)->x + v);
}

HPyDef_MEMBER(Obj_x, "x", HPyMember_LONG, offsetof(ObjObject, x))

HPyDef_GETSET(Obj_y, "y")
static HPy Obj_y_get(HPyContext *ctx, HPy self, void *closure)
{
    (void)closure;
    return HPyLong_FromLong(ctx, ObjObject_AsStruct(ctx, self)->y);
}

static int Obj_y_set(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    long v;
    (void)closure;
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_AttributeError, "cannot delete y");
        return -1;
    }
    v = HPyLong_AsLong(ctx, value);
    if (v == -1 && HPyErr_Occurred(ctx))
        return -1;
    ObjObject_AsStruct(ctx, self)->y = v;
    return 0;
}

static HPyDef *Obj_defines[] = {
    &Obj_new, &Obj_get_x, &Obj_echo, &Obj_length, &Obj_item, &Obj_add, &Obj_x, &Obj_y, NULL,
};

static HPyType_Spec Obj_spec = {
    .name = "bench.Obj",
    .basicsize = sizeof(ObjObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(ObjObject),
    .defines = Obj_defines,
};

/* The same type under another name, created anew by make_type(). */
static HPyType_Spec Dyn_spec = {
    .name = "bench.Dyn",
    .basicsize = sizeof(ObjObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(ObjObject),
    .defines = Obj_defines,
};

/* make_type() -> a new type made from a spec (and dropped by the caller) */
HPyDef_METH(make_type, "make_type", HPyFunc_NOARGS)
static HPy make_type_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPyType_FromSpec(ctx, &Dyn_spec, NULL);
}

/* ------------------------------------------------------------------ */
/* the GC type bench.GcObj                                             */
/* ------------------------------------------------------------------ */

typedef struct {
    HPyField ref; /* None after tp_new */
    long n;
} GcObjObject;

HPyType_HELPERS(GcObjObject)

HPyDef_SLOT(GcObj_new, HPy_tp_new)
static HPy GcObj_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    GcObjObject *self;
    HPy h;
    (void)args;
    (void)nargs;
    (void)kw;
    h = HPy_New(ctx, cls, &self);
    if (HPy_IsNull(h))
        return HPy_NULL;
    HPyField_Store(ctx, h, &self->ref, ctx->h_None);
    self->n = 3;
    return h;
}

HPyDef_SLOT(GcObj_traverse, HPy_tp_traverse)
static int GcObj_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((GcObjObject *)self)->ref);
    return 0;
}

HPyDef_MEMBER(GcObj_n, "n", HPyMember_LONG, offsetof(GcObjObject, n))

static HPyDef *GcObj_defines[] = { &GcObj_new, &GcObj_traverse, &GcObj_n, NULL };

static HPyType_Spec GcObj_spec = {
    .name = "bench.GcObj",
    .basicsize = sizeof(GcObjObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(GcObjObject),
    .defines = GcObj_defines,
};

HPyDef_SLOT(module_exec, HPy_mod_exec)
static int module_exec_impl(HPyContext *ctx, HPy m)
{
    if (!HPyHelpers_AddType(ctx, m, "Obj", &Obj_spec, NULL))
        return -1;
    return HPyHelpers_AddType(ctx, m, "GcObj", &GcObj_spec, NULL) ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* the module                                                          */
/* ------------------------------------------------------------------ */

static HPyDef *module_defines[] = {
    &noargs,    &onearg, &varargs,   &keywords,    &parse_kw,
    &int_tuple, &pair,   &make_type, &module_exec, NULL,
};

static HPyModuleDef moduledef = {
    .doc = "microbenchmarks, HPy version",
    .defines = module_defines,
};

HPy_MODINIT(hpy_bench, moduledef)
