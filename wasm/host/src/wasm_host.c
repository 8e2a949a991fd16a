/* What the WebAssembly host adds to the CPython host's sources, which it
 * compiles as they are (hpy/universal/src, hpy/devel/src/runtime) against
 * the stable ABI: the parts of the CPython host that need more than the
 * stable ABI are replaced here. */
#include "hpy.h"
#include "hpy_host.h"

/* Debug and trace mode are not part of the WebAssembly host yet. */
HPyContext *hpy_host_debug_ctx(void)
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "HPy debug mode is not available in the WebAssembly host yet");
    return NULL;
}

HPyContext *hpy_host_trace_ctx(void)
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "HPy trace mode is not available in the WebAssembly host yet");
    return NULL;
}

int hpy_host_add_submodules(PyObject *module)
{
    (void)module;
    return 0;
}

/* The host's own entry points (entry_points.c) are not used: the
 * extension's trampolines are. */
HPyCFunction _HPy_HostEntryPoint(HPyContext *ctx, HPyFunc_Signature sig, HPyCFunction impl)
{
    (void)ctx;
    (void)sig;
    (void)impl;
    return NULL;
}

PyObject *hpy_host_entry_points_in_use(void)
{
    return PyDict_New();
}

int hpy_host_set_entry_points_enabled(int enabled)
{
    (void)enabled;
    return 0;
}

/* HPy types (runtime/ctx_type*.c reads CPython's type objects beyond the
 * stable ABI) are the next part of the WebAssembly host; until then every
 * type function fails cleanly with a Python exception. */
static void types_unavailable(const char *function)
{
    PyErr_Format(PyExc_NotImplementedError,
                 "%s: HPy types are not available in the WebAssembly host yet", function);
}

HPy ctx_Type_FromSpec(HPyContext *ctx, HPyType_Spec *spec, HPyType_SpecParam *params)
{
    (void)ctx;
    (void)spec;
    (void)params;
    types_unavailable("HPyType_FromSpec");
    return HPy_NULL;
}

HPy ctx_Type_GenericNew(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    (void)ctx;
    (void)type;
    (void)args;
    (void)nargs;
    (void)kw;
    types_unavailable("HPyType_GenericNew");
    return HPy_NULL;
}

HPy ctx_New(HPyContext *ctx, HPy h_type, void **data)
{
    (void)ctx;
    (void)h_type;
    *data = NULL;
    types_unavailable("HPy_New");
    return HPy_NULL;
}

int ctx_SetCallFunction(HPyContext *ctx, HPy h, HPyCallFunction *func)
{
    (void)ctx;
    (void)h;
    (void)func;
    types_unavailable("HPy_SetCallFunction");
    return -1;
}

HPyType_BuiltinShape ctx_Type_GetBuiltinShape(HPyContext *ctx, HPy h_type)
{
    (void)ctx;
    (void)h_type;
    types_unavailable("_HPyType_GetBuiltinShape");
    return (HPyType_BuiltinShape)-2;
}

const char *ctx_Type_GetName(HPyContext *ctx, HPy type)
{
    PyObject *t = _h2py(type);
    (void)ctx;
    if (t == NULL || !PyType_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "HPyType_GetName: expected a type");
        return NULL;
    }
    return ((PyTypeObject *)t)->tp_name;
}

int ctx_Type_IsSubtype(HPyContext *ctx, HPy sub, HPy type)
{
    (void)ctx;
    return PyType_IsSubtype((PyTypeObject *)_h2py(sub), (PyTypeObject *)_h2py(type));
}

#define AS_STRUCT_UNAVAILABLE(NAME)                                                       \
    void *ctx_AsStruct_##NAME(HPyContext *ctx, HPy h)                                     \
    {                                                                                     \
        (void)ctx;                                                                        \
        (void)h;                                                                          \
        types_unavailable("_HPy_AsStruct_" #NAME);                                        \
        return NULL;                                                                      \
    }
AS_STRUCT_UNAVAILABLE(Object)
AS_STRUCT_UNAVAILABLE(Legacy)
AS_STRUCT_UNAVAILABLE(Type)
AS_STRUCT_UNAVAILABLE(Long)
AS_STRUCT_UNAVAILABLE(Float)
AS_STRUCT_UNAVAILABLE(Unicode)
AS_STRUCT_UNAVAILABLE(Tuple)
AS_STRUCT_UNAVAILABLE(List)
AS_STRUCT_UNAVAILABLE(Dict)

void *_HPy_StructOfObject(PyObject *obj)
{
    (void)obj;
    return NULL;
}
