/* The submodules hpy.universal._debug and hpy.universal._trace (the Python
 * side of the debug and trace modes), added to hpy.universal and to
 * sys.modules so that `import hpy.universal._debug` works. */
#include "hpy.h"
#include "hpy_host.h"

_HPy_HIDDEN PyObject *hpy_debug_module_create(void);
_HPy_HIDDEN PyObject *hpy_trace_module_create(void);
#ifdef HPY_WASM_HOST
/* The WebAssembly host's introspection functions (wasm/host/src). */
int wt_add_introspection(PyObject *module);
#endif

static int add_submodule(PyObject *module, const char *attr, const char *fullname,
                         PyObject *(*create)(void))
{
    PyObject *sub = create();
    if (sub == NULL)
        return -1;
    PyObject *modules = PyImport_GetModuleDict();
    if (PyDict_SetItemString(modules, fullname, sub) < 0 ||
        PyModule_AddObject(module, attr, sub) < 0) {
        Py_DECREF(sub);
        return -1;
    }
    return 0;
}

int hpy_host_add_submodules(PyObject *module)
{
    if (add_submodule(module, "_debug", "hpy.universal._debug", hpy_debug_module_create) < 0 ||
        add_submodule(module, "_trace", "hpy.universal._trace", hpy_trace_module_create) < 0)
        return -1;
#ifdef HPY_WASM_HOST
    return wt_add_introspection(module);
#else
    return 0;
#endif
}
