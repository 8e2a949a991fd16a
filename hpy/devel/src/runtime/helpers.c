/* Small helpers: HPyHelpers_AddType, HPyHelpers_PackArgsAndKeywords and
 * HPyTuple_Pack.
 *
 * Compiled into every extension, in every ABI: only the public HPy API is
 * used here, never the C API.
 */
#include "hpy.h"

#include <stdlib.h>

/* Creates a type from `hpyspec` and `params` (may be NULL) and stores it as
 * attribute `name` of `obj` (usually a module). Returns 1 on success, 0 with
 * an exception set on failure (a C truth value, so that the usual call is
 * `if (!HPyHelpers_AddType(...)) return -1;`). */
HPyAPI_HELPER int HPyHelpers_AddType(HPyContext *ctx, HPy obj, const char *name,
                                     HPyType_Spec *hpyspec, HPyType_SpecParam *params)
{
    HPy type;
    int res;
    if (name == NULL || hpyspec == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError,
                         "HPyHelpers_AddType: the name and the spec must not be NULL");
        return 0;
    }
    type = HPyType_FromSpec(ctx, hpyspec, params);
    if (HPy_IsNull(type))
        return 0;
    res = HPy_SetAttr_s(ctx, obj, name, type);
    HPy_Close(ctx, type);
    return res == 0;
}

/* Turns vectorcall arguments (positional values, then the values of the
 * keywords named in the tuple `kwnames`) into a tuple and a dict, like a
 * call through tp_call receives them. As upstream HPy, *out_pos_args is
 * HPy_NULL when there are no positional arguments and *out_kwd is HPy_NULL
 * when there are no keywords. Returns 1 on success; 0 with an exception set
 * on failure, with both outputs set to HPy_NULL. */
HPyAPI_HELPER int HPyHelpers_PackArgsAndKeywords(HPyContext *ctx, const HPy *args, size_t nargs,
                                                 HPy kwnames, HPy *out_pos_args, HPy *out_kwd)
{
    HPy tuple = HPy_NULL, dict = HPy_NULL;
    HPy_ssize_t nkw = 0, i;

    if (out_pos_args == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "argument 'out_pos_args' must not be NULL");
        return 0;
    }
    if (out_kwd == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "argument 'out_kwd' must not be NULL");
        return 0;
    }
    *out_pos_args = HPy_NULL;
    *out_kwd = HPy_NULL;
    if (nargs > (size_t)HPY_SSIZE_T_MAX) {
        HPyErr_SetString(ctx, ctx->h_SystemError,
                         "HPyHelpers_PackArgsAndKeywords: too many arguments");
        return 0;
    }
    if (!HPy_IsNull(kwnames)) {
        nkw = HPy_Length(ctx, kwnames);
        if (nkw < 0)
            return 0;
    }
    if (nargs > 0) {
        tuple = HPyTuple_FromArray(ctx, args, (HPy_ssize_t)nargs);
        if (HPy_IsNull(tuple))
            return 0;
    }
    if (nkw > 0) {
        dict = HPyDict_New(ctx);
        if (HPy_IsNull(dict))
            goto error;
        for (i = 0; i < nkw; i++) {
            int res;
            HPy key = HPy_GetItem_i(ctx, kwnames, i);
            if (HPy_IsNull(key))
                goto error;
            res = HPy_SetItem(ctx, dict, key, args[nargs + (size_t)i]);
            HPy_Close(ctx, key);
            if (res < 0)
                goto error;
        }
    }
    *out_pos_args = tuple;
    *out_kwd = dict;
    return 1;

error:
    if (!HPy_IsNull(tuple))
        HPy_Close(ctx, tuple);
    if (!HPy_IsNull(dict))
        HPy_Close(ctx, dict);
    return 0;
}

/* A tuple of the n HPy arguments that follow (the caller keeps its
 * handles), like PyTuple_Pack; HPy_NULL with an exception set on error. */
HPyAPI_HELPER HPy HPyTuple_Pack(HPyContext *ctx, HPy_ssize_t n, ...)
{
    HPy stack_items[16];
    HPy *items = stack_items;
    HPy result;
    HPy_ssize_t i;
    va_list va;

    if (n < 0) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "HPyTuple_Pack: negative size");
        return HPy_NULL;
    }
    if (n > 16) {
        if ((size_t)n > (size_t)-1 / sizeof(HPy)) {
            HPyErr_NoMemory(ctx);
            return HPy_NULL;
        }
        items = (HPy *)malloc(sizeof(HPy) * (size_t)n);
        if (items == NULL) {
            HPyErr_NoMemory(ctx);
            return HPy_NULL;
        }
    }
    va_start(va, n);
    for (i = 0; i < n; i++)
        items[i] = va_arg(va, HPy);
    va_end(va);
    for (i = 0; i < n; i++) {
        if (HPy_IsNull(items[i])) {
            if (!HPyErr_Occurred(ctx))
                HPyErr_SetString(ctx, ctx->h_SystemError, "HPyTuple_Pack: an item is HPy_NULL");
            result = HPy_NULL;
            goto done;
        }
    }
    result = HPyTuple_FromArray(ctx, items, n);
done:
    if (items != stack_items)
        free(items);
    return result;
}
