/* C-API functions newer than the oldest supported CPython (3.8), for the
 * code that sees the C API (the cpython ABI's runtime and the host). */
#ifndef HPY_RUNTIME_PYCOMPAT_H
#define HPY_RUNTIME_PYCOMPAT_H

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *_HPy_Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
static inline PyObject *_HPy_Py_XNewRef(PyObject *o)
{
    Py_XINCREF(o);
    return o;
}
#    define Py_NewRef(o) _HPy_Py_NewRef((PyObject *)(o))
#    define Py_XNewRef(o) _HPy_Py_XNewRef((PyObject *)(o))
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
#    define PyObject_CallNoArgs(f) _HPy_PyObject_CallNoArgs(f)
#    define PyObject_CallOneArg(f, a) _HPy_PyObject_CallOneArg((f), (a))
#endif

#endif /* HPY_RUNTIME_PYCOMPAT_H */
