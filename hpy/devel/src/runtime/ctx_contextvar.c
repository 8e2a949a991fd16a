/* HPyContextVar_Get: reading a context variable (PyContextVar_Get), with the
 * result returned through a pointer so that "no value" (HPy_NULL, no
 * exception) and failure (-1) can be told apart.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

int32_t ctx_ContextVar_Get(HPyContext *ctx, HPy context_var, HPy default_value, HPy *result)
{
    PyObject *value = NULL;
    (void)ctx;
    if (result == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPyContextVar_Get: result is a NULL pointer");
        return -1;
    }
    if (HPy_IsNull(context_var)) {
        *result = HPy_NULL;
        PyErr_SetString(PyExc_SystemError, "HPyContextVar_Get: context_var is HPy_NULL");
        return -1;
    }
    if (PyContextVar_Get(_h2py(context_var), _h2py(default_value), &value) < 0) {
        *result = HPy_NULL;
        return -1;
    }
    *result = _py2h(value);
    return 0;
}
