/* The object protocol members implemented by hand: handle duplication and
 * release, identity and type queries, item access with C-integer and C-string
 * keys, the debugging dump, and the legacy PyObject* bridge.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md):
 * only the C API and the handle conversions are used. */
#include "hpy.h"
#include <stdio.h>

HPy ctx_Dup(HPyContext *ctx, HPy h)
{
    (void)ctx;
    Py_XINCREF(_h2py(h));
    return h;
}

void ctx_Close(HPyContext *ctx, HPy h)
{
    (void)ctx;
    Py_XDECREF(_h2py(h));
}

int ctx_Is(HPyContext *ctx, HPy obj, HPy other)
{
    (void)ctx;
    return _h2py(obj) == _h2py(other);
}

HPy ctx_Type(HPyContext *ctx, HPy obj)
{
    PyObject *o = _h2py(obj);
    (void)ctx;
    if (o == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_Type: called with HPy_NULL");
        return HPy_NULL;
    }
    Py_INCREF((PyObject *)Py_TYPE(o));
    return _py2h((PyObject *)Py_TYPE(o));
}

int ctx_TypeCheck(HPyContext *ctx, HPy obj, HPy type)
{
    PyObject *o = _h2py(obj), *t = _h2py(type);
    int r;
    (void)ctx;
    /* A predicate cannot report errors: anything that is not an object and
     * a type simply does not match. */
    if (o == NULL)
        return 0;
    /* The exact type first: `t` is then surely a type (and not NULL). */
    if ((PyObject *)Py_TYPE(o) == t)
        return 1;
    if (t == NULL || !PyType_Check(t))
        return 0;
    if (_HPy_FastTypeCheck(o, (PyTypeObject *)t, &r))
        return r;
    return PyType_IsSubtype(Py_TYPE(o), (PyTypeObject *)t);
}

HPy_ssize_t ctx_Length(HPyContext *ctx, HPy h)
{
    HPy_ssize_t n;
    (void)ctx;
    /* the size of an exact tuple or list without the two calls of
     * PyObject_Length */
    if (_HPy_FastLength(_h2py(h), &n))
        return n;
    return PyObject_Length(_h2py(h));
}

/* ---- items with C keys: the key becomes an int or a str object ---- */

/* obj[idx] through the mapping protocol: out of line, so that the fast path
 * of ctx_GetItem_i needs no stack frame. */
static _HPy_NOINLINE PyObject *getitem_i_general(PyObject *o, HPy_ssize_t idx)
{
    PyObject *res, *key = PyLong_FromSsize_t((Py_ssize_t)idx);
    if (key == NULL)
        return NULL;
    res = PyObject_GetItem(o, key);
    Py_DECREF(key);
    return res;
}

HPy ctx_GetItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
    PyObject *item;
    (void)ctx;
    if (_HPy_FastGetItem(_h2py(obj), idx, &item))
        return _py2h(item);
    return _py2h(getitem_i_general(_h2py(obj), idx));
}

HPy ctx_GetItem_s(HPyContext *ctx, HPy obj, const char *utf8_key)
{
    PyObject *key, *res;
    (void)ctx;
    if (utf8_key == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_GetItem_s: key is a NULL pointer");
        return HPy_NULL;
    }
    key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return HPy_NULL;
    res = PyObject_GetItem(_h2py(obj), key);
    Py_DECREF(key);
    return _py2h(res);
}

int ctx_SetItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx, HPy value)
{
    PyObject *key;
    int res;
    (void)ctx;
    if (HPy_IsNull(value)) {
        PyErr_SetString(PyExc_SystemError, "HPy_SetItem_i: value is HPy_NULL (use HPy_DelItem_i)");
        return -1;
    }
    /* Exact lists in range: PyList_SetItem, which also fills the empty
     * slots of a list made by HPyList_New(n) (PyObject_SetItem would
     * release the NULL item there and crash). */
    if (PyList_CheckExact(_h2py(obj)) && idx >= 0 && idx < PyList_GET_SIZE(_h2py(obj))) {
        Py_INCREF(_h2py(value));
        return PyList_SetItem(_h2py(obj), (Py_ssize_t)idx, _h2py(value));
    }
    key = PyLong_FromSsize_t((Py_ssize_t)idx);
    if (key == NULL)
        return -1;
    res = PyObject_SetItem(_h2py(obj), key, _h2py(value));
    Py_DECREF(key);
    return res;
}

int ctx_SetItem_s(HPyContext *ctx, HPy obj, const char *utf8_key, HPy value)
{
    PyObject *key;
    int res;
    (void)ctx;
    if (utf8_key == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_SetItem_s: key is a NULL pointer");
        return -1;
    }
    if (HPy_IsNull(value)) {
        PyErr_SetString(PyExc_SystemError, "HPy_SetItem_s: value is HPy_NULL (use HPy_DelItem_s)");
        return -1;
    }
    key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return -1;
    res = PyObject_SetItem(_h2py(obj), key, _h2py(value));
    Py_DECREF(key);
    return res;
}

int ctx_DelItem_i(HPyContext *ctx, HPy obj, HPy_ssize_t idx)
{
    PyObject *key;
    int res;
    (void)ctx;
    key = PyLong_FromSsize_t((Py_ssize_t)idx);
    if (key == NULL)
        return -1;
    res = PyObject_DelItem(_h2py(obj), key);
    Py_DECREF(key);
    return res;
}

int ctx_DelItem_s(HPyContext *ctx, HPy obj, const char *utf8_key)
{
    PyObject *key;
    int res;
    (void)ctx;
    if (utf8_key == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_DelItem_s: key is a NULL pointer");
        return -1;
    }
    key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return -1;
    res = PyObject_DelItem(_h2py(obj), key);
    Py_DECREF(key);
    return res;
}

/* ---- debugging ---- */

/* Prints what is known about the object to stderr. Any exception pending
 * on entry is kept; one raised by repr() is reported in the output and
 * discarded. */
void ctx_Dump(HPyContext *ctx, HPy h)
{
    PyObject *obj = _h2py(h);
    (void)ctx;
    fflush(stdout);
    fprintf(stderr, "_HPy_Dump: object at %p\n", (void *)obj);
    if (obj == NULL) {
        fprintf(stderr, "  (HPy_NULL)\n");
        fflush(stderr);
        return;
    }
    fprintf(stderr, "  type    : %s\n", Py_TYPE(obj)->tp_name);
    fprintf(stderr, "  refcount: %zd\n", (Py_ssize_t)Py_REFCNT(obj));
    fprintf(stderr, "  repr    : ");
    fflush(stderr);
    {
#if PY_VERSION_HEX >= 0x030C0000
        PyObject *saved = PyErr_GetRaisedException();
#else
        PyObject *saved_type, *saved_value, *saved_tb;
        PyErr_Fetch(&saved_type, &saved_value, &saved_tb);
#endif
        if (PyObject_Print(obj, stderr, 0) < 0) {
            PyErr_Clear();
            fprintf(stderr, "<repr() raised an exception>");
        }
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(saved);
#else
        PyErr_Restore(saved_type, saved_value, saved_tb);
#endif
    }
    fprintf(stderr, "\n");
    fflush(stderr);
}

/* ---- legacy bridge (cpython and hybrid ABIs) ---- */

HPy ctx_FromPyObject(HPyContext *ctx, cpy_PyObject *obj)
{
    (void)ctx;
    Py_XINCREF(obj);
    return _py2h(obj);
}

cpy_PyObject *ctx_AsPyObject(HPyContext *ctx, HPy h)
{
    PyObject *obj = _h2py(h);
    (void)ctx;
    Py_XINCREF(obj);
    return obj;
}
