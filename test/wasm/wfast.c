/* The context functions that have fast paths in the WebAssembly host
 * (wasm/host/include/hpy_wasm_fast_paths.h), one module function each,
 * for test/wasm/wfast_check.py. */
#include "hpy.h"

HPyDef_METH(length, "length", HPyFunc_O)
static HPy length_impl(HPyContext *ctx, HPy self, HPy o)
{
    HPy_ssize_t n = HPy_Length(ctx, o);
    (void)self;
    return n < 0 ? HPy_NULL : HPyLong_FromSsize_t(ctx, n);
}

HPyDef_METH(item, "item", HPyFunc_VARARGS)
static HPy item_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy_ssize_t i;
    (void)self;
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "item(o, i)");
        return HPy_NULL;
    }
    i = HPyLong_AsSsize_t(ctx, args[1]);
    if (i == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPy_GetItem_i(ctx, args[0], i);
}

/* the UTF-8 of a str as bytes */
HPyDef_METH(utf8, "utf8", HPyFunc_O)
static HPy utf8_impl(HPyContext *ctx, HPy self, HPy o)
{
    HPy_ssize_t n;
    const char *s = HPyUnicode_AsUTF8AndSize(ctx, o, &n);
    (void)self;
    return s == NULL ? HPy_NULL : HPyBytes_FromStringAndSize(ctx, s, n);
}

HPyDef_METH(int64, "int64", HPyFunc_O)
static HPy int64_impl(HPyContext *ctx, HPy self, HPy o)
{
    int64_t v = HPyLong_AsInt64_t(ctx, o);
    (void)self;
    if (v == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromInt64_t(ctx, v);
}

HPyDef_METH(int32, "int32", HPyFunc_O)
static HPy int32_impl(HPyContext *ctx, HPy self, HPy o)
{
    int32_t v = HPyLong_AsInt32_t(ctx, o);
    (void)self;
    if (v == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return HPyLong_FromInt32_t(ctx, v);
}

HPyDef_METH(type_check, "type_check", HPyFunc_VARARGS)
static HPy type_check_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "type_check(o, t)");
        return HPy_NULL;
    }
    return HPyBool_FromLong(ctx, HPy_TypeCheck(ctx, args[0], args[1]));
}

/* n Dups, then n Closes: the count must end where it started */
HPyDef_METH(dup_close, "dup_close", HPyFunc_VARARGS)
static HPy dup_close_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long n, i;
    HPy h[64];
    (void)self;
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "dup_close(o, n)");
        return HPy_NULL;
    }
    n = HPyLong_AsLong(ctx, args[1]);
    if (n < 0 || n > 64) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "0 <= n <= 64");
        return HPy_NULL;
    }
    for (i = 0; i < n; i++)
        h[i] = HPy_Dup(ctx, args[0]);
    for (i = 0; i < n; i++)
        HPy_Close(ctx, h[i]);
    return HPy_Dup(ctx, ctx->h_None);
}

/* a new reference the caller drops: the last one frees the object */
HPyDef_METH(type_of, "type_of", HPyFunc_O)
static HPy type_of_impl(HPyContext *ctx, HPy self, HPy o)
{
    (void)self;
    return HPy_Type(ctx, o);
}

static HPyDef *module_defines[] = { &length,     &item,      &utf8,    &int64, &int32,
                                    &type_check, &dup_close, &type_of, NULL };
static HPyModuleDef moduledef = {
    .doc = "fast paths of the WebAssembly host",
    .defines = module_defines,
};
HPy_MODINIT(wfast, moduledef)
