/* HPyBytes_FromStringAndSize: a bytes object copied from a C buffer.
 *
 * Unlike PyBytes_FromStringAndSize, a NULL buffer is refused (ValueError,
 * as upstream HPy, even for size 0): HPy objects are immutable once handed
 * out, so there is no way to fill uninitialised bytes afterwards.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

HPy ctx_Bytes_FromStringAndSize(HPyContext *ctx, const char *bytes, HPy_ssize_t len)
{
    (void)ctx;
    if (bytes == NULL) {
        PyErr_SetString(PyExc_ValueError, "NULL char * passed to HPyBytes_FromStringAndSize");
        return HPy_NULL;
    }
    /* a negative size: CPython's SystemError, as upstream */
    return _py2h(PyBytes_FromStringAndSize(bytes, (Py_ssize_t)len));
}
