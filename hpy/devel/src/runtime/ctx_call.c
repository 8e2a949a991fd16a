/* Calling objects: HPy_CallTupleDict (PyObject_Call style), HPy_Call
 * (vectorcall style) and HPy_CallMethod (vectorcall style on a method name,
 * args[0] being the receiver).
 *
 * The vectorcall members copy the handles into a PyObject* array with one
 * spare slot in front, so that PY_VECTORCALL_ARGUMENTS_OFFSET can be passed
 * and bound methods are called without building a new argument array.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"
#include "utf8_cut.h"

#if PY_VERSION_HEX < 0x03090000
#    define PyObject_Vectorcall _PyObject_Vectorcall
#endif

/* Arguments that fit here need no allocation (spare slot included). */
#define SMALL_ARGV 16

typedef struct {
    PyObject *small[SMALL_ARGV];
    PyObject **buf;
} argv_buffer;

/* Fills `ab` with the n objects of `args` after one spare slot; returns a
 * pointer to the first object, or NULL with an exception set. */
static PyObject **argv_fill(argv_buffer *ab, const HPy *args, size_t n, const char *func)
{
    size_t i;
    if (n > 0 && args == NULL) {
        PyErr_Format(PyExc_SystemError, "%s: args is NULL but %zu arguments were announced", func,
                     n);
        return NULL;
    }
    if (n < SMALL_ARGV) {
        ab->buf = ab->small;
    }
    else {
        if (n >= (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *)) {
            PyErr_Format(PyExc_SystemError, "%s: too many arguments", func);
            return NULL;
        }
        ab->buf = (PyObject **)PyMem_Malloc((n + 1) * sizeof(PyObject *));
        if (ab->buf == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    ab->buf[0] = NULL;
    for (i = 0; i < n; i++) {
        if (HPy_IsNull(args[i])) {
            PyErr_Format(PyExc_SystemError, "%s: argument %zu is HPy_NULL", func, i);
            if (ab->buf != ab->small)
                PyMem_Free(ab->buf);
            return NULL;
        }
        ab->buf[i + 1] = _h2py(args[i]);
    }
    return ab->buf + 1;
}

static void argv_release(argv_buffer *ab)
{
    if (ab->buf != ab->small)
        PyMem_Free(ab->buf);
}

/* Checks kwnames (NULL or a tuple of str) and nargs; returns the number of
 * keyword arguments, or -1 with an exception set. */
static Py_ssize_t check_call_args(PyObject *kwnames, size_t nargs, const char *func)
{
    Py_ssize_t i, nkw = 0;
    if (nargs > (size_t)PY_SSIZE_T_MAX / 2) {
        PyErr_Format(PyExc_SystemError, "%s: invalid nargs (%zu)", func, nargs);
        return -1;
    }
    if (kwnames == NULL)
        return 0;
    if (!PyTuple_Check(kwnames)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "%s: kwnames must be a tuple or HPy_NULL, not '%s'", func,
                     _HPy_Utf8Cut(tn, Py_TYPE(kwnames)->tp_name, 200));
        return -1;
    }
    nkw = PyTuple_GET_SIZE(kwnames);
    for (i = 0; i < nkw; i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(kwnames, i))) {
            PyErr_Format(PyExc_TypeError, "%s: keywords must be strings", func);
            return -1;
        }
    }
    return nkw;
}

HPy ctx_CallTupleDict(HPyContext *ctx, HPy callable, HPy args, HPy kw)
{
    PyObject *c = _h2py(callable), *a = _h2py(args), *k = _h2py(kw), *res;
    (void)ctx;
    if (c == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_CallTupleDict: callable is HPy_NULL");
        return HPy_NULL;
    }
    if (a != NULL && !PyTuple_Check(a)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError,
                     "HPy_CallTupleDict: args must be a tuple or HPy_NULL, not '%s'",
                     _HPy_Utf8Cut(tn, Py_TYPE(a)->tp_name, 200));
        return HPy_NULL;
    }
    if (k != NULL && !PyDict_Check(k)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "HPy_CallTupleDict: kw must be a dict or HPy_NULL, not '%s'",
                     _HPy_Utf8Cut(tn, Py_TYPE(k)->tp_name, 200));
        return HPy_NULL;
    }
    if (a != NULL)
        return _py2h(PyObject_Call(c, a, k));
    a = PyTuple_New(0);
    if (a == NULL)
        return HPy_NULL;
    res = PyObject_Call(c, a, k);
    Py_DECREF(a);
    return _py2h(res);
}

HPy ctx_Call(HPyContext *ctx, HPy callable, const HPy *args, size_t nargs, HPy kwnames)
{
    PyObject *c = _h2py(callable), *kwn = _h2py(kwnames), **argv, *res;
    argv_buffer ab;
    Py_ssize_t nkw;
    (void)ctx;
    if (c == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_Call: callable is HPy_NULL");
        return HPy_NULL;
    }
    nkw = check_call_args(kwn, nargs, "HPy_Call");
    if (nkw < 0)
        return HPy_NULL;
    argv = argv_fill(&ab, args, nargs + (size_t)nkw, "HPy_Call");
    if (argv == NULL)
        return HPy_NULL;
    res =
        PyObject_Vectorcall(c, argv, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, nkw > 0 ? kwn : NULL);
    argv_release(&ab);
    return _py2h(res);
}

HPy ctx_CallMethod(HPyContext *ctx, HPy name, const HPy *args, size_t nargs, HPy kwnames)
{
    PyObject *n = _h2py(name), *kwn = _h2py(kwnames), **argv, *res;
    argv_buffer ab;
    Py_ssize_t nkw;
    (void)ctx;
    if (n == NULL || !PyUnicode_Check(n)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "HPy_CallMethod: method name must be a str, not '%s'",
                     _HPy_Utf8Cut(tn, n == NULL ? "HPy_NULL" : Py_TYPE(n)->tp_name, 200));
        return HPy_NULL;
    }
    if (nargs < 1) {
        PyErr_SetString(PyExc_SystemError,
                        "HPy_CallMethod: nargs must be at least 1 (args[0] is the receiver)");
        return HPy_NULL;
    }
    nkw = check_call_args(kwn, nargs, "HPy_CallMethod");
    if (nkw < 0)
        return HPy_NULL;
    argv = argv_fill(&ab, args, nargs + (size_t)nkw, "HPy_CallMethod");
    if (argv == NULL)
        return HPy_NULL;
#if PY_VERSION_HEX >= 0x03090000
    res = PyObject_VectorcallMethod(n, argv, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                    nkw > 0 ? kwn : NULL);
#else
    {
        PyObject *meth = PyObject_GetAttr(argv[0], n);
        if (meth == NULL) {
            res = NULL;
        }
        else {
            res = PyObject_Vectorcall(meth, argv + 1, (nargs - 1) | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                      nkw > 0 ? kwn : NULL);
            Py_DECREF(meth);
        }
    }
#endif
    argv_release(&ab);
    return _py2h(res);
}
