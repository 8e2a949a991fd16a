/* HPyTuple_FromArray: a tuple holding the objects of a C array of handles
 * (each gets a new reference; the caller keeps its handles).
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

/* The errors, out of line and reached by a jump: the fast path then needs
 * no stack frame beyond what the call of PyTuple_New needs. */
static _HPy_NOINLINE HPy tuple_bad_args(HPy_ssize_t n)
{
    if (n < 0)
        PyErr_SetString(PyExc_SystemError, "HPyTuple_FromArray: negative size passed");
    else
        PyErr_SetString(PyExc_SystemError,
                        "HPyTuple_FromArray: NULL array passed with a non-zero size");
    return HPy_NULL;
}

/* Item `i` is HPy_NULL: the items stored so far are released with the
 * tuple (its other slots are still NULL). */
static _HPy_NOINLINE HPy tuple_null_item(PyObject *tup, HPy_ssize_t i)
{
    Py_DECREF(tup);
    PyErr_Format(PyExc_SystemError, "HPyTuple_FromArray: item %zd is HPy_NULL", (Py_ssize_t)i);
    return HPy_NULL;
}

HPy ctx_Tuple_FromArray(HPyContext *ctx, const HPy *items, HPy_ssize_t n)
{
    PyObject *tup;
    HPy_ssize_t i;
    (void)ctx;
    if (n < 0 || (items == NULL && n > 0))
        return tuple_bad_args(n);
    tup = PyTuple_New((Py_ssize_t)n);
    if (tup == NULL)
        return HPy_NULL;
    /* One pass: a NULL item is found while filling. */
    for (i = 0; i < n; i++) {
        PyObject *item = _h2py(items[i]);
        if (item == NULL)
            return tuple_null_item(tup, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(tup, (Py_ssize_t)i, item);
    }
    return _py2h(tup);
}
