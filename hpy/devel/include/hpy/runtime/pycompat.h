/* C-API functions newer than the oldest supported CPython (3.8), for the
 * code that sees the C API (the cpython ABI's runtime and the host). */
#ifndef HPY_RUNTIME_PYCOMPAT_H
#define HPY_RUNTIME_PYCOMPAT_H

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *_HPy_Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
static inline PyObject *_HPy_Py_XNewRef(PyObject *o) { Py_XINCREF(o); return o; }
#  define Py_NewRef(o) _HPy_Py_NewRef((PyObject *)(o))
#  define Py_XNewRef(o) _HPy_Py_XNewRef((PyObject *)(o))
#endif

#if PY_VERSION_HEX < 0x03090000
static inline PyObject *_HPy_PyObject_CallNoArgs(PyObject *f)
{
    return PyObject_CallFunctionObjArgs(f, NULL);
}
static inline PyObject *_HPy_PyObject_CallOneArg(PyObject *f, PyObject *arg)
{
    return PyObject_CallFunctionObjArgs(f, arg, NULL);
}
#  define PyObject_CallNoArgs(f) _HPy_PyObject_CallNoArgs(f)
#  define PyObject_CallOneArg(f, a) _HPy_PyObject_CallOneArg((f), (a))
#endif

/* The value of an int (exact or subclass) of at most one digit, read in
 * place: 1 if it was, 0 if the caller must take the general path (larger
 * values, or a CPython before 3.11, where the layout is not in Python.h).
 * One digit is at most 30 bits: it fits every C integer type we convert to,
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

#endif /* HPY_RUNTIME_PYCOMPAT_H */
