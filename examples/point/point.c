/* A type written with HPy: Point(x, y, label=None) with members, a property,
 * slots (new, repr, +, ==) and an object field kept alive by the GC. */
#include "hpy.h"
#include <math.h>

typedef struct {
    double x, y;
    HPyField label; /* a Python object stored in the struct */
} PointObject;

HPyType_HELPERS(PointObject)

HPyDef_SLOT(Point_new, HPy_tp_new)
static HPy Point_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    static const char *kwlist[] = { "x", "y", "label", NULL };
    double x = 0, y = 0;
    HPy label = HPy_NULL;
    HPyTracker ht;
    if (!HPyArg_ParseKeywordsDict(ctx, &ht, args, nargs, kw, "|ddO:Point", kwlist, &x, &y, &label))
        return HPy_NULL;
    PointObject *p;
    HPy h = HPy_New(ctx, cls, &p);
    if (!HPy_IsNull(h)) {
        p->x = x;
        p->y = y;
        HPyField_Store(ctx, h, &p->label, HPy_IsNull(label) ? ctx->h_None : label);
    }
    HPyTracker_Close(ctx, ht);
    return h;
}

HPyDef_SLOT(Point_traverse, HPy_tp_traverse)
static int Point_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
{
    PointObject *p = (PointObject *)self;
    HPy_VISIT(&p->label);
    return 0;
}

HPyDef_MEMBER(Point_x, "x", HPyMember_DOUBLE, offsetof(PointObject, x), .doc = "x coordinate")
HPyDef_MEMBER(Point_y, "y", HPyMember_DOUBLE, offsetof(PointObject, y), .doc = "y coordinate")
HPyDef_MEMBER(Point_label, "label", HPyMember_OBJECT, offsetof(PointObject, label))

HPyDef_GET(Point_norm, "norm", .doc = "distance from the origin")
static HPy Point_norm_get(HPyContext *ctx, HPy self, void *closure)
{
    (void)closure;
    PointObject *p = PointObject_AsStruct(ctx, self);
    return HPyFloat_FromDouble(ctx, sqrt(p->x * p->x + p->y * p->y));
}

HPyDef_SLOT(Point_repr, HPy_tp_repr)
static HPy Point_repr_impl(HPyContext *ctx, HPy self)
{
    PointObject *p = PointObject_AsStruct(ctx, self);
    HPy label = HPyField_Load(ctx, self, p->label);
    HPy res = HPyUnicode_FromFormat(ctx, "Point(%d, %d, label=%R)", (int)p->x, (int)p->y, label);
    HPy_Close(ctx, label);
    return res;
}

HPyDef_SLOT(Point_add, HPy_nb_add)
static HPy Point_add_impl(HPyContext *ctx, HPy a, HPy b)
{
    HPy cls = HPy_Type(ctx, a);
    if (!HPy_TypeCheck(ctx, b, cls)) {
        HPy_Close(ctx, cls);
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    }
    PointObject *pa = PointObject_AsStruct(ctx, a), *pb = PointObject_AsStruct(ctx, b), *r;
    HPy h = HPy_New(ctx, cls, &r);
    HPy_Close(ctx, cls);
    if (HPy_IsNull(h))
        return HPy_NULL;
    r->x = pa->x + pb->x;
    r->y = pa->y + pb->y;
    HPyField_Store(ctx, h, &r->label, ctx->h_None);
    return h;
}

static HPyDef *Point_defines[] = {
    &Point_new,  &Point_traverse, &Point_x,   &Point_y, &Point_label,
    &Point_norm, &Point_repr,     &Point_add, NULL,
};

static HPyType_Spec Point_spec = {
    .name = "point.Point",
    .doc = "Point(x=0, y=0, label=None): a point in the plane",
    .basicsize = sizeof(PointObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(PointObject),
    .defines = Point_defines,
};

HPyDef_SLOT(point_exec, HPy_mod_exec)
static int point_exec_impl(HPyContext *ctx, HPy m)
{
    return HPyHelpers_AddType(ctx, m, "Point", &Point_spec, NULL) ? 0 : -1;
}

static HPyDef *module_defines[] = { &point_exec, NULL };
static HPyModuleDef moduledef = { .doc = "a type written with HPy", .defines = module_defines };

HPy_MODINIT(point, moduledef)
