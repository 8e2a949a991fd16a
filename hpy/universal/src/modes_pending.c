/* The debug and trace contexts. Until they land, loading in those modes
 * reports that they are not available. */
#include "hpy.h"
#include "hpy_host.h"

HPyContext *
hpy_host_debug_ctx(void)
{
    PyErr_SetString(PyExc_NotImplementedError, "HPy debug mode is not available yet");
    return NULL;
}

HPyContext *
hpy_host_trace_ctx(void)
{
    PyErr_SetString(PyExc_NotImplementedError, "HPy trace mode is not available yet");
    return NULL;
}

int
hpy_host_add_submodules(PyObject *module)
{
    (void)module;
    return 0;
}
