/* Conveniences built on the context functions, the same in every ABI: the
 * C-type families of integer conversions mapped onto the fixed-width
 * members, capsule accessors, and small compositions; and HPyModule_Create,
 * which exists in the cpython ABI only. */
#ifndef HPY_INLINE_HELPERS_H
#define HPY_INLINE_HELPERS_H

#include <limits.h>

HPyAPI_FUNC HPy HPyErr_SetFromErrno(HPyContext *ctx, HPy h_type)
{
    return HPyErr_SetFromErrnoWithFilenameObjects(ctx, h_type, HPy_NULL, HPy_NULL);
}

HPyAPI_FUNC HPy HPyErr_SetFromErrnoWithFilenameObject(HPyContext *ctx, HPy h_type, HPy filename)
{
    return HPyErr_SetFromErrnoWithFilenameObjects(ctx, h_type, filename, HPy_NULL);
}

HPyAPI_FUNC int HPy_DelAttr(HPyContext *ctx, HPy obj, HPy name)
{
    return HPy_SetAttr(ctx, obj, name, HPy_NULL);
}

HPyAPI_FUNC int HPy_DelAttr_s(HPyContext *ctx, HPy obj, const char *utf8_name)
{
    return HPy_SetAttr_s(ctx, obj, utf8_name, HPy_NULL);
}

HPyAPI_FUNC HPy HPyBool_FromLong(HPyContext *ctx, long v)
{
    return HPyBool_FromBool(ctx, v != 0);
}

/* ---- integers: C types mapped onto the fixed-width members ---- */

HPyAPI_FUNC HPy HPyLong_FromLong(HPyContext *ctx, long l)
{
#if LONG_MAX == INT32_MAX
    return HPyLong_FromInt32_t(ctx, (int32_t)l);
#else
    return HPyLong_FromInt64_t(ctx, (int64_t)l);
#endif
}

HPyAPI_FUNC HPy HPyLong_FromUnsignedLong(HPyContext *ctx, unsigned long l)
{
#if ULONG_MAX == UINT32_MAX
    return HPyLong_FromUInt32_t(ctx, (uint32_t)l);
#else
    return HPyLong_FromUInt64_t(ctx, (uint64_t)l);
#endif
}

HPyAPI_FUNC HPy HPyLong_FromLongLong(HPyContext *ctx, long long l)
{
    return HPyLong_FromInt64_t(ctx, (int64_t)l);
}

HPyAPI_FUNC HPy HPyLong_FromUnsignedLongLong(HPyContext *ctx, unsigned long long l)
{
    return HPyLong_FromUInt64_t(ctx, (uint64_t)l);
}

HPyAPI_FUNC long HPyLong_AsLong(HPyContext *ctx, HPy h)
{
#if LONG_MAX == INT32_MAX
    return (long)HPyLong_AsInt32_t(ctx, h);
#else
    return (long)HPyLong_AsInt64_t(ctx, h);
#endif
}

HPyAPI_FUNC unsigned long HPyLong_AsUnsignedLong(HPyContext *ctx, HPy h)
{
#if ULONG_MAX == UINT32_MAX
    return (unsigned long)HPyLong_AsUInt32_t(ctx, h);
#else
    return (unsigned long)HPyLong_AsUInt64_t(ctx, h);
#endif
}

HPyAPI_FUNC unsigned long HPyLong_AsUnsignedLongMask(HPyContext *ctx, HPy h)
{
#if ULONG_MAX == UINT32_MAX
    return (unsigned long)HPyLong_AsUInt32_tMask(ctx, h);
#else
    return (unsigned long)HPyLong_AsUInt64_tMask(ctx, h);
#endif
}

HPyAPI_FUNC long long HPyLong_AsLongLong(HPyContext *ctx, HPy h)
{
    return (long long)HPyLong_AsInt64_t(ctx, h);
}

HPyAPI_FUNC unsigned long long HPyLong_AsUnsignedLongLong(HPyContext *ctx, HPy h)
{
    return (unsigned long long)HPyLong_AsUInt64_t(ctx, h);
}

HPyAPI_FUNC unsigned long long HPyLong_AsUnsignedLongLongMask(HPyContext *ctx, HPy h)
{
    return (unsigned long long)HPyLong_AsUInt64_tMask(ctx, h);
}

/* A process id (pid_t) to and from a Python int: pid_t is an int on the
 * platforms HPy supports, unless Python.h says otherwise. */
#if defined(SIZEOF_PID_T) && defined(SIZEOF_LONG) && SIZEOF_PID_T > SIZEOF_LONG
#    define HPyLong_FromPid HPyLong_FromLongLong
#    define HPyLong_AsPid HPyLong_AsLongLong
#else
#    define HPyLong_FromPid HPyLong_FromLong
#    define HPyLong_AsPid HPyLong_AsLong
#endif

/* ---- slices ---- */

/* Clips start/stop of a slice to a sequence of `length` items, as Python
 * does for s[start:stop:step]; returns the number of selected items. */
HPyAPI_FUNC HPy_ssize_t HPySlice_AdjustIndices(HPyContext *ctx, HPy_ssize_t length,
                                               HPy_ssize_t *start, HPy_ssize_t *stop,
                                               HPy_ssize_t step)
{
    (void)ctx;
    if (*start < 0) {
        *start += length;
        if (*start < 0)
            *start = (step < 0) ? -1 : 0;
    }
    else if (*start >= length) {
        *start = (step < 0) ? length - 1 : length;
    }
    if (*stop < 0) {
        *stop += length;
        if (*stop < 0)
            *stop = (step < 0) ? -1 : 0;
    }
    else if (*stop >= length) {
        *stop = (step < 0) ? length - 1 : length;
    }
    if (step < 0) {
        if (*stop < *start)
            return (*start - *stop - 1) / (-step) + 1;
    }
    else if (*start < *stop) {
        return (*stop - *start - 1) / step + 1;
    }
    return 0;
}

/* ---- calls ---- */

/* Calls method `name` of `receiver` with a tuple of positional arguments
 * and an optional dict of keyword arguments (HPy_NULL for none). */
HPyAPI_FUNC HPy HPy_CallMethodTupleDict(HPyContext *ctx, HPy name, HPy receiver, HPy args, HPy kw)
{
    HPy result, method = HPy_GetAttr(ctx, receiver, name);
    if (HPy_IsNull(method))
        return HPy_NULL;
    result = HPy_CallTupleDict(ctx, method, args, kw);
    HPy_Close(ctx, method);
    return result;
}

HPyAPI_FUNC HPy HPy_CallMethodTupleDict_s(HPyContext *ctx, const char *utf8_name, HPy receiver,
                                          HPy args, HPy kw)
{
    HPy result, method = HPy_GetAttr_s(ctx, receiver, utf8_name);
    if (HPy_IsNull(method))
        return HPy_NULL;
    result = HPy_CallTupleDict(ctx, method, args, kw);
    HPy_Close(ctx, method);
    return result;
}

/* ---- capsules: one context function per direction, keyed ---- */

HPyAPI_FUNC void *HPyCapsule_GetPointer(HPyContext *ctx, HPy capsule, const char *utf8_name)
{
    return HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Pointer, utf8_name);
}

HPyAPI_FUNC const char *HPyCapsule_GetName(HPyContext *ctx, HPy capsule)
{
    return (const char *)HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Name, NULL);
}

HPyAPI_FUNC void *HPyCapsule_GetContext(HPyContext *ctx, HPy capsule)
{
    return HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Context, NULL);
}

HPyAPI_FUNC int HPyCapsule_SetPointer(HPyContext *ctx, HPy capsule, void *pointer)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Pointer, pointer);
}

HPyAPI_FUNC int HPyCapsule_SetName(HPyContext *ctx, HPy capsule, const char *utf8_name)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Name, (void *)utf8_name);
}

HPyAPI_FUNC int HPyCapsule_SetContext(HPyContext *ctx, HPy capsule, void *context)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Context, context);
}

HPyAPI_FUNC int HPyCapsule_SetDestructor(HPyContext *ctx, HPy capsule,
                                         HPyCapsule_Destructor *destructor)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Destructor, (void *)destructor);
}

#ifdef HPY_ABI_CPYTHON
#    include "hpy/runtime/ctx_module.h"

/* In the cpython ABI only: a new module object made from `def` outside of
 * any import (its methods, doc and HPy_mod_exec slots). HPyModuleDef has no
 * name, so the module is called "<HPy module>". A def with HPy_mod_create
 * needs an import spec and is rejected. */
HPyAPI_FUNC HPy HPyModule_Create(HPyContext *ctx, HPyModuleDef *def)
{
    PyModuleDef *pydef;
    PyObject *m;
    if (def->defines != NULL) {
        for (HPyDef **d = def->defines; *d != NULL; d++) {
            if ((*d)->kind == HPyDef_Kind_Slot && (*d)->slot.slot == HPy_mod_create) {
                PyErr_SetString(PyExc_SystemError,
                                "HPyModule_Create: a module with "
                                "HPy_mod_create can only be created by an import");
                return HPy_NULL;
            }
        }
    }
    pydef = _HPyModuleDef_AsPyModuleDef(ctx, def, "<HPy module>");
    if (pydef == NULL)
        return HPy_NULL;
    m = PyModule_New(pydef->m_name);
    if (m == NULL)
        return HPy_NULL;
    if (PyModule_AddFunctions(m, pydef->m_methods) < 0 ||
        (pydef->m_doc != NULL && PyModule_SetDocString(m, pydef->m_doc) < 0) ||
        PyModule_ExecDef(m, pydef) < 0) {
        Py_DECREF(m);
        return HPy_NULL;
    }
    return _py2h(m);
}
#endif

#endif /* HPY_INLINE_HELPERS_H */
