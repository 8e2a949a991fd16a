/* What the WebAssembly host adds to the CPython host's sources, which it
 * compiles as they are (hpy/universal/src, hpy/devel/src/runtime) against
 * the stable ABI: the parts of the CPython host that need more than the
 * stable ABI are replaced here. */
#include "hpy.h"
#include "hpy_host.h"
#include "ctx_type_wasm.h"

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
    return wt_add_introspection(module);
}

/* HPy types are in ctx_type_wasm*.c. */
