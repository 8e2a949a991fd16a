/* Instances of HPy types and the queries on types, in the WebAssembly host:
 * HPy_New, HPyType_GenericNew, _HPy_AsStruct_*, HPy_SetCallFunction, the
 * tp_call of types with HPy_tp_call, _HPyType_GetBuiltinShape,
 * HPyType_GetName and HPyType_IsSubtype. Same behaviour and messages as the
 * CPython host (runtime/ctx_type.c); the type data is found as described in
 * ctx_type_wasm.h. */
#include "ctx_type_wasm.h"
#include "ctx_type_spec.h"
#include "hpy_host.h"
#include "utf8_cut.h"

static void *struct_of(PyObject *obj)
{
    wt_data *d;
    if (obj == NULL)
        return NULL;
    d = wt_find_data(Py_TYPE(obj));
    return d == NULL ? NULL : wt_struct_for(obj, d);
}

void *_HPy_StructOfObject(PyObject *obj)
{
    return struct_of(obj);
}

void *ctx_AsStruct_Object(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Legacy(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return _h2py(h);
}
void *ctx_AsStruct_Type(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Long(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Float(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Unicode(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Tuple(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_List(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
void *ctx_AsStruct_Dict(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}

PyObject *_HPyWasm_AllocFixed(PyTypeObject *tp, Py_ssize_t nitems)
{
    return PyType_GenericAlloc(tp, nitems);
}

static PyObject *alloc(PyTypeObject *tp)
{
    allocfunc a = (allocfunc)PyType_GetSlot(tp, Py_tp_alloc);
    if (a == NULL)
        a = PyType_GenericAlloc;
    return a(tp, 0);
}

static PyObject *new_instance(PyTypeObject *tp, wt_data *d, void **data)
{
    PyObject *obj = alloc(tp);
    if (obj == NULL)
        return NULL;
    if (d->placement == WT_PLACE_VAR_LONG) /* the int 0 (lv_tag, see wt_struct_for) */
        *(uintptr_t *)(void *)((char *)obj + sizeof(PyObject)) = 1;
    if (d->vectorcall_offset > 0 && d->default_call != NULL)
        *(vectorcallfunc *)(void *)((char *)obj + d->vectorcall_offset) = d->default_call;
    if (data != NULL)
        *data = wt_struct_for(obj, d);
    return obj;
}

HPy ctx_New(HPyContext *ctx, HPy h_type, void **data)
{
    PyTypeObject *tp = (PyTypeObject *)_h2py(h_type);
    wt_data *d;
    (void)ctx;
    if (!PyType_Check((PyObject *)tp))
        return _HPyType_ErrNotAType("HPy_New", (PyObject *)tp);
    d = wt_find_data(tp);
    if (d == NULL)
        return _HPyType_ErrNotHPyType(tp);
    return _py2h(new_instance(tp, d, data));
}

HPy ctx_Type_GenericNew(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    PyTypeObject *tp = (PyTypeObject *)_h2py(type);
    wt_data *d;
    (void)ctx;
    (void)args;
    (void)nargs;
    (void)kw;
    if (!PyType_Check((PyObject *)tp))
        return _HPyType_ErrNotAType("HPy_Type_GenericNew", (PyObject *)tp);
    d = wt_find_data(tp);
    if (d == NULL) /* not an HPy type: like PyType_GenericNew */
        return _py2h(alloc(tp));
    return _py2h(new_instance(tp, d, NULL));
}

int ctx_SetCallFunction(HPyContext *ctx, HPy h, HPyCallFunction *func)
{
    PyObject *obj = _h2py(h);
    wt_data *d = wt_find_data(Py_TYPE(obj));
    (void)ctx;
    if (d == NULL || d->vectorcall_offset <= 0)
        return _HPyType_ErrNoCallProtocol(obj);
    if (func == NULL || func->cpy_trampoline == NULL) {
        PyErr_SetString(PyExc_TypeError, "HPy_SetCallFunction: no call function given");
        return -1;
    }
    *(vectorcallfunc *)(void *)((char *)obj + d->vectorcall_offset) =
        (vectorcallfunc)(void (*)(void))_HPy_HOST_ENTRY(ctx, HPyFunc_KEYWORDS, func->impl,
                                                        func->cpy_trampoline);
    return 0;
}

/* tp_call of HPy types with a call function: instances created without
 * HPy_New get the type's default call function on their first call; the
 * call then goes through the vectorcall function. */
PyObject *wt_call(PyObject *self, PyObject *args, PyObject *kw)
{
    wt_data *d = wt_find_data(Py_TYPE(self));
    vectorcallfunc *slot, func;
    PyObject **stack, *kwnames = NULL, *res, *key, *value;
    Py_ssize_t nargs, nkw, i, pos;
    char tn[_HPy_UTF8_CUT_SIZE(200)];

    if (d == NULL || d->vectorcall_offset <= 0) {
        PyErr_Format(PyExc_TypeError, "'%s' object is not callable",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return NULL;
    }
    slot = (vectorcallfunc *)(void *)((char *)self + d->vectorcall_offset);
    if (*slot == NULL)
        *slot = d->default_call;
    func = *slot;
    if (func == NULL) {
        PyErr_Format(PyExc_TypeError, "'%s' object is not callable (no call function set)",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return NULL;
    }
    nargs = PyTuple_Size(args);
    nkw = kw == NULL ? 0 : PyDict_Size(kw);
    stack = (PyObject **)PyMem_Malloc((size_t)(nargs + nkw + 1) * sizeof(PyObject *));
    if (stack == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < nargs; i++)
        stack[i] = PyTuple_GetItem(args, i); /* borrowed from args */
    if (nkw > 0) {
        kwnames = PyTuple_New(nkw);
        if (kwnames == NULL) {
            PyMem_Free(stack);
            return NULL;
        }
        pos = 0;
        i = 0;
        while (i < nkw && PyDict_Next(kw, &pos, &key, &value)) {
            Py_INCREF(key);
            PyTuple_SetItem(kwnames, i, key);
            stack[nargs + i] = value; /* borrowed from kw, which outlives the call */
            i++;
        }
    }
    res = func(self, stack, (size_t)nargs, kwnames);
    Py_XDECREF(kwnames);
    PyMem_Free(stack);
    return res;
}

HPyType_BuiltinShape ctx_Type_GetBuiltinShape(HPyContext *ctx, HPy h_type)
{
    PyObject *o = _h2py(h_type);
    wt_data *d;
    (void)ctx;
    if (!PyType_Check(o)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError,
                     "arg must be a type (HPyType_GetBuiltinShape got an "
                     "instance of '%s')",
                     _HPy_Utf8Cut(tn, Py_TYPE(o)->tp_name, 200));
        return (HPyType_BuiltinShape)(HPyType_BuiltinShape_Legacy - 1);
    }
    d = wt_find_data((PyTypeObject *)o);
    /* Types made with the C API are legacy types. */
    return d == NULL ? HPyType_BuiltinShape_Legacy : (HPyType_BuiltinShape)d->shape;
}

const char *ctx_Type_GetName(HPyContext *ctx, HPy type)
{
    PyObject *o = _h2py(type);
    PyTypeObject *tp;
    const char *s;
    (void)ctx;
    if (!PyType_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "HPyType_GetName: expected a type");
        return NULL;
    }
    tp = (PyTypeObject *)o;
    if (PyType_GetFlags(tp) & Py_TPFLAGS_HEAPTYPE) {
        /* __name__ of a heap type is a str the type holds (ht_name): its
         * UTF-8 form lives as long as the type */
        PyObject *name = PyType_GetName(tp);
        if (name == NULL)
            return NULL;
        s = PyUnicode_AsUTF8AndSize(name, NULL);
        Py_DECREF(name);
        return s;
    }
    s = strrchr(tp->tp_name, '.');
    return s == NULL ? tp->tp_name : s + 1;
}

int ctx_Type_IsSubtype(HPyContext *ctx, HPy sub, HPy type)
{
    PyObject *a = _h2py(sub), *b = _h2py(type);
    (void)ctx;
    if (!PyType_Check(a) || !PyType_Check(b))
        return 0;
    return PyType_IsSubtype((PyTypeObject *)a, (PyTypeObject *)b);
}
