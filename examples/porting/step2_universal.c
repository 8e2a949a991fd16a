/* Porting, step 2: pure HPy. One binary for every CPython version. */
#include "hpy.h"
#include <math.h>

HPyDef_METH(norm, "norm", HPyFunc_VARARGS, .doc = "norm(x, y): the length of the vector (x, y)")
static HPy norm_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    double x, y;
    (void)self;
    if (!HPyArg_Parse(ctx, NULL, args, nargs, "dd:norm", &x, &y))
        return HPy_NULL;
    return HPyFloat_FromDouble(ctx, sqrt(x * x + y * y));
}

HPyDef_METH(scale, "scale", HPyFunc_VARARGS,
            .doc = "scale(items, factor): items multiplied by factor")
static HPy scale_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy items, factor;
    (void)self;
    if (!HPyArg_Parse(ctx, NULL, args, nargs, "OO:scale", &items, &factor))
        return HPy_NULL;
    if (!HPyList_Check(ctx, items)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "scale() expects a list");
        return HPy_NULL;
    }
    HPy_ssize_t n = HPy_Length(ctx, items);
    /* A builder replaces PyList_New + PyList_SET_ITEM: HPy has no
     * half-initialised lists and nothing steals a reference. */
    HPyListBuilder builder = HPyListBuilder_New(ctx, n);
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, items, i);
        if (HPy_IsNull(item)) {
            HPyListBuilder_Cancel(ctx, builder);
            return HPy_NULL;
        }
        HPy v = HPy_Multiply(ctx, item, factor);
        HPy_Close(ctx, item);
        if (HPy_IsNull(v)) {
            HPyListBuilder_Cancel(ctx, builder);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, builder, i, v);
        HPy_Close(ctx, v);
    }
    return HPyListBuilder_Build(ctx, builder);
}

static HPyDef *module_defines[] = { &norm, &scale, NULL };

static HPyModuleDef moduledef = {
    .doc = "vector helpers",
    .defines = module_defines,
};

HPy_MODINIT(vecmath, moduledef)
