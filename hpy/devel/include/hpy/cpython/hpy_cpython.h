/* The cpython ABI: HPy compiled straight to the CPython C API. A handle is
 * the PyObject* itself, the context is a struct private to the extension
 * holding only the handle constants, and the module's entry point is an
 * ordinary PyInit_<name>. */
#ifndef HPY_CPYTHON_HPY_CPYTHON_H
#define HPY_CPYTHON_HPY_CPYTHON_H

#include "hpy/runtime/pyobject_handles.h"
#include "hpy/cpython/autogen_ctx.h"

/* The one context of this extension binary (runtime/ctx_cpython.c). */
extern _HPy_HIDDEN struct _HPyContext_s _hpy_cpython_ctx;

static inline HPyContext *_HPyGetContext(void)
{
    return &_hpy_cpython_ctx;
}

/* The libpython functions of the hot inline paths (allocation, the dealloc
 * made for GC types, releasing a reference, tuples, type checks) are
 * called through the GOT rather than through a PLT stub that jumps through
 * it: one indirect jump less per call, as the host gets from -fno-plt.
 * gcc on ELF only (clang has no such attribute). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) && defined(__PIC__)
#    define _HPy_NO_PLT(f) extern __typeof__(f) f __attribute__((noplt))
_HPy_NO_PLT(PyType_GenericAlloc);
_HPy_NO_PLT(PyObject_GC_UnTrack);
_HPy_NO_PLT(_Py_Dealloc);
_HPy_NO_PLT(PyTuple_New);
_HPy_NO_PLT(PyType_IsSubtype);
_HPy_NO_PLT(PyErr_Occurred);
#    undef _HPy_NO_PLT
#endif

#include "hpy/runtime/autogen_ctx_decl.h"
#include "hpy/runtime/ctx_type.h"
#include "hpy/cpython/api_inline.h"
#include "hpy/cpython/autogen_api.h"

_HPy_NO_RETURN HPyAPI_FUNC void HPy_FatalError(HPyContext *ctx, const char *message)
{
    (void)ctx;
    Py_FatalError(message);
}

/* The fast path of ctx_New (runtime/ctx_type.c) inline: a type made by
 * this extension on top of `object` needs only PyType_GenericAlloc and the
 * constant offset of the struct (hpy/runtime/ctx_type.h). */
HPyAPI_FUNC HPy _HPy_New(HPyContext *ctx, HPy h_type, void **data)
{
    PyObject *obj;
    void *st;
    HPy h;
    if (_HPyType_MarkedNew((PyTypeObject *)_h2py(h_type), &obj, data))
        return _py2h(obj);
    /* through a local, so that the caller's pointer does not escape and
     * stays in a register */
    h = ctx_New(ctx, h_type, data != NULL ? &st : NULL);
    if (!HPy_IsNull(h) && data != NULL)
        *data = st;
    return h;
}

#include "hpy/cpython/autogen_trampolines.h"
#include "hpy/cpython/hpyfunc_trampolines.h"

/* Builds the PyModuleDef of an HPyModuleDef (runtime/ctx_module.c). */
_HPy_HIDDEN PyObject *_HPyModuleDef_CPythonInit(HPyModuleDef *hpydef);

#define HPy_MODINIT(ext_name, mod_def)              \
    PyMODINIT_FUNC PyInit_##ext_name(void);         \
    PyMODINIT_FUNC PyInit_##ext_name(void)          \
    {                                               \
        return _HPyModuleDef_CPythonInit(&mod_def); \
    }

#endif /* HPY_CPYTHON_HPY_CPYTHON_H */
