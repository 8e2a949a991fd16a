/* The fast paths of the hot context functions, written once for their two
 * users: the cpython ABI's inline API (hpy/cpython/api_inline.h), which
 * falls back to the runtime's ctx_* function, and that ctx_* function
 * itself (runtime/ctx_*.c, also the universal host's), which falls back to
 * the C API. Each returns whether it applied; when it did not, nothing was
 * done. */
#ifndef HPY_RUNTIME_FAST_PATHS_H
#define HPY_RUNTIME_FAST_PATHS_H

/* The value of an int (exact or subclass) of at most one digit, read in
 * place (CPython 3.11 on; before that the layout is not in Python.h). One
 * digit is at most 30 bits: it fits every C integer type we convert to,
 * except that it may be negative. */
static inline int _HPyLong_SmallValue(PyObject *o, long long *v)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (_PyLong_IsCompact((PyLongObject *)o)) {
        *v = (long long)_PyLong_CompactValue((PyLongObject *)o);
        return 1;
    }
#elif PY_VERSION_HEX >= 0x030B0000
    Py_ssize_t size = Py_SIZE(o);
    if (size >= -1 && size <= 1) {
        *v = (long long)size * (long long)((PyLongObject *)o)->ob_digit[0];
        return 1;
    }
#else
    (void)o;
    (void)v;
#endif
    return 0;
}

/* The size of an exact tuple or list (`o` may be NULL). */
static inline int _HPy_FastLength(PyObject *o, HPy_ssize_t *n)
{
    if (o == NULL)
        return 0;
    if (PyTuple_CheckExact(o)) {
        *n = PyTuple_GET_SIZE(o);
        return 1;
    }
    if (PyList_CheckExact(o)) {
        *n = PyList_GET_SIZE(o);
        return 1;
    }
    return 0;
}

/* A new reference to item `idx` of an exact tuple or list, for an index in
 * range (`o` may be NULL). */
static inline int _HPy_FastGetItem(PyObject *o, HPy_ssize_t idx, PyObject **item)
{
    if (o == NULL || idx < 0)
        return 0;
    if (PyTuple_CheckExact(o) && idx < PyTuple_GET_SIZE(o))
        *item = PyTuple_GET_ITEM(o, idx);
    else if (PyList_CheckExact(o) && idx < PyList_GET_SIZE(o))
        *item = PyList_GET_ITEM(o, idx);
    else
        return 0;
    Py_INCREF(*item);
    return 1;
}

/* The UTF-8 of an exact compact ASCII str, which is its own data, right
 * after the object header (`o` may be NULL). */
static inline int _HPy_FastUTF8(PyObject *o, const char **data, HPy_ssize_t *size)
{
    if (o == NULL || !PyUnicode_CheckExact(o) || !PyUnicode_IS_COMPACT_ASCII(o))
        return 0;
    if (size != NULL)
        *size = (HPy_ssize_t)PyUnicode_GET_LENGTH(o);
    *data = (const char *)PyUnicode_DATA(o);
    return 1;
}

#include "hpy/runtime/fast_type_check.h"

#endif /* HPY_RUNTIME_FAST_PATHS_H */
