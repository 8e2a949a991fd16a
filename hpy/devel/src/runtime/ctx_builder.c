/* HPyListBuilder and HPyTupleBuilder: filling a list or tuple of known size
 * item by item, then handing it out (Build) or dropping it (Cancel).
 *
 * The builder word (`_lst` / `_tup`) is the PyObject* of the list or tuple
 * being filled, which the builder owns. Two other values are possible:
 *   - 0: the allocation in New failed. New cannot report errors, so the
 *     MemoryError is raised by Build; Set and Cancel do nothing.
 *   - the address of `negative_size`: New was given a negative size; Build
 *     raises SystemError; Set and Cancel do nothing.
 * Set does not steal the item: it takes a new reference, replacing (and
 * releasing) whatever was stored at that index before. An index out of
 * range raises IndexError, which stays pending (Set cannot return an
 * error); the builder is left unchanged. Slots never set hold None in the
 * built object.
 *
 * Shared by the cpython ABI and the universal host (see docs/internals.md). */
#include "hpy.h"

static const char negative_size = 0;
#define NEGATIVE_SIZE ((intptr_t)(void *)&negative_size)

/* ---- shared between the two ---- */

static intptr_t builder_new(PyObject *(*make)(Py_ssize_t), HPy_ssize_t size)
{
    PyObject *obj;
    if (size < 0)
        return NEGATIVE_SIZE;
    obj = make((Py_ssize_t)size);
    if (obj == NULL) {
        /* Reported by Build: New has no way to return an error. */
        PyErr_Clear();
        return 0;
    }
    return (intptr_t)obj;
}

/* The object being built, or NULL for the two special values. */
static PyObject *builder_object(intptr_t b)
{
    if (b == 0 || b == NEGATIVE_SIZE)
        return NULL;
    return (PyObject *)b;
}

static int builder_check_index(PyObject *obj, HPy_ssize_t index, const char *func)
{
    Py_ssize_t size = Py_SIZE(obj);
    if (index < 0 || index >= size) {
        PyErr_Format(PyExc_IndexError, "%s: index %zd out of range for a builder of size %zd", func,
                     (Py_ssize_t)index, size);
        return -1;
    }
    return 0;
}

static PyObject *builder_build(intptr_t b, const char *func)
{
    if (b == 0) {
        PyErr_NoMemory();
        return NULL;
    }
    if (b == NEGATIVE_SIZE) {
        PyErr_Format(PyExc_SystemError, "%s: the builder was created with a negative size", func);
        return NULL;
    }
    return (PyObject *)b;
}

/* ---- lists ---- */

HPyListBuilder ctx_ListBuilder_New(HPyContext *ctx, HPy_ssize_t size)
{
    HPyListBuilder b;
    (void)ctx;
    b._lst = builder_new(PyList_New, size);
    return b;
}

void ctx_ListBuilder_Set(HPyContext *ctx, HPyListBuilder builder, HPy_ssize_t index, HPy h_item)
{
    PyObject *lst = builder_object(builder._lst), *item = _h2py(h_item), *old;
    (void)ctx;
    if (lst == NULL || builder_check_index(lst, index, "HPyListBuilder_Set") < 0)
        return;
    Py_XINCREF(item);
    old = PyList_GET_ITEM(lst, index);
    PyList_SET_ITEM(lst, index, item);
    Py_XDECREF(old);
}

HPy ctx_ListBuilder_Build(HPyContext *ctx, HPyListBuilder builder)
{
    PyObject *lst = builder_build(builder._lst, "HPyListBuilder_Build");
    Py_ssize_t i, n;
    (void)ctx;
    if (lst == NULL)
        return HPy_NULL;
    n = PyList_GET_SIZE(lst);
    for (i = 0; i < n; i++) {
        if (PyList_GET_ITEM(lst, i) == NULL) {
            Py_INCREF(Py_None);
            PyList_SET_ITEM(lst, i, Py_None);
        }
    }
    return _py2h(lst);
}

void ctx_ListBuilder_Cancel(HPyContext *ctx, HPyListBuilder builder)
{
    (void)ctx;
    /* list dealloc copes with the NULL slots never set */
    Py_XDECREF(builder_object(builder._lst));
}

/* ---- tuples ---- */

HPyTupleBuilder ctx_TupleBuilder_New(HPyContext *ctx, HPy_ssize_t size)
{
    HPyTupleBuilder b;
    (void)ctx;
    b._tup = builder_new(PyTuple_New, size);
    return b;
}

void ctx_TupleBuilder_Set(HPyContext *ctx, HPyTupleBuilder builder, HPy_ssize_t index, HPy h_item)
{
    PyObject *tup = builder_object(builder._tup), *item = _h2py(h_item), *old;
    (void)ctx;
    if (tup == NULL || builder_check_index(tup, index, "HPyTupleBuilder_Set") < 0)
        return;
    Py_XINCREF(item);
    old = PyTuple_GET_ITEM(tup, index);
    PyTuple_SET_ITEM(tup, index, item);
    Py_XDECREF(old);
}

HPy ctx_TupleBuilder_Build(HPyContext *ctx, HPyTupleBuilder builder)
{
    PyObject *tup = builder_build(builder._tup, "HPyTupleBuilder_Build");
    Py_ssize_t i, n;
    (void)ctx;
    if (tup == NULL)
        return HPy_NULL;
    n = PyTuple_GET_SIZE(tup);
    for (i = 0; i < n; i++) {
        if (PyTuple_GET_ITEM(tup, i) == NULL) {
            Py_INCREF(Py_None);
            PyTuple_SET_ITEM(tup, i, Py_None);
        }
    }
    return _py2h(tup);
}

void ctx_TupleBuilder_Cancel(HPyContext *ctx, HPyTupleBuilder builder)
{
    (void)ctx;
    /* tuple dealloc copes with the NULL slots never set */
    Py_XDECREF(builder_object(builder._tup));
}
