/* Where the WebAssembly host keeps the data of HPy types, and how long:
 * see ctx_type_wasm.h. */
#include "ctx_type_wasm.h"

PyTypeObject *wt_base(PyTypeObject *tp)
{
    return (PyTypeObject *)PyType_GetSlot(tp, Py_tp_base);
}

wt_data *wt_own_data(PyTypeObject *tp)
{
    char *methods = (char *)PyType_GetSlot(tp, Py_tp_methods);
    wt_data *d;
    /* the method table of a type that is not ours may start anywhere;
     * below the first page there is no block in front of it */
    if (methods == NULL || (uintptr_t)methods < (uintptr_t)WT_TABLES + 4096)
        return NULL;
    d = (wt_data *)(void *)(methods - WT_TABLES);
    if (d->magic1 == WT_MAGIC1 && d->magic2 == WT_MAGIC2 && d->type == tp)
        return d;
    return NULL;
}

wt_data *wt_find_data(PyTypeObject *tp)
{
    PyTypeObject *t;
    for (t = tp; t != NULL; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL)
            return d;
    }
    return NULL;
}

/* Blocks allocated and not freed: hpy.universal._wasm_type_blocks() */
static Py_ssize_t live_blocks;

Py_ssize_t wt_live_blocks(void)
{
    return live_blocks;
}

wt_data *wt_alloc_data(size_t tables)
{
    wt_data *d = (wt_data *)PyMem_RawCalloc(1, (size_t)WT_TABLES + tables);
    if (d == NULL)
        return (wt_data *)PyErr_NoMemory();
    live_blocks++;
    return d;
}

void wt_free_data(wt_data *d)
{
    d->magic1 = d->magic2 = 0;
    PyMem_RawFree(d);
    live_blocks--;
}

static PyObject *type_died(PyObject *self, PyObject *wr);
static PyMethodDef type_died_def = { "_hpy_type_died", type_died, METH_O, NULL };

/* A weak reference to `tp` whose callback knows the block `d`. */
static PyObject *watch(wt_data *d, PyTypeObject *tp)
{
    PyObject *key, *cb, *wr;
    key = PyLong_FromVoidPtr(d);
    if (key == NULL)
        return NULL;
    cb = PyCFunction_New(&type_died_def, key);
    Py_DECREF(key);
    if (cb == NULL)
        return NULL;
    wr = PyWeakref_NewRef((PyObject *)tp, cb);
    Py_DECREF(cb);
    return wr;
}

static PyObject *type_died(PyObject *self, PyObject *wr)
{
    wt_data *d = (wt_data *)PyLong_AsVoidPtr(self);
    PyTypeObject *tp;
    if (d == NULL || d->weakref != wr)
        Py_RETURN_NONE;
    tp = d->type;
    d->weakref = NULL;
    Py_DECREF(wr);
    if (Py_REFCNT(tp) == 0) {
        /* type_dealloc: no instance and no descriptor is left */
        wt_free_data(d);
        Py_RETURN_NONE;
    }
    /* A garbage collection found the type unreachable; instances in the
     * same garbage are deallocated later and still need the block. Watch
     * for the type's actual end. */
    d->weakref = watch(d, tp);
    if (d->weakref == NULL)
        PyErr_Clear(); /* the block is leaked, which is safe */
    Py_RETURN_NONE;
}

int wt_attach_data(wt_data *d, PyTypeObject *tp)
{
    d->magic1 = WT_MAGIC1;
    d->magic2 = WT_MAGIC2;
    d->type = tp;
    d->weakref = watch(d, tp);
    if (d->weakref == NULL) {
        d->magic1 = d->magic2 = 0;
        return -1;
    }
    return 0;
}

void *wt_struct_for(PyObject *obj, const wt_data *d)
{
    Py_ssize_t n, off;
    if (d->placement == WT_PLACE_FIXED)
        return (char *)obj + d->struct_offset;
    if (d->placement == WT_PLACE_VAR_TUPLE) {
        n = Py_SIZE(obj);
    }
    else {
        /* PyLongObject of CPython 3.12-3.14: ob_base, then lv_tag, whose
         * bits from the fourth on count the digits (0 has one digit) */
        uintptr_t tag = *(uintptr_t *)(void *)((char *)obj + sizeof(PyObject));
        n = (Py_ssize_t)(tag >> 3);
        if (n < 1)
            n = 1;
    }
    off = d->struct_offset + n * d->var_itemsize;
    off = (off + WT_STRUCT_ALIGN - 1) & ~(WT_STRUCT_ALIGN - 1);
    return (char *)obj + off;
}

static PyObject *type_blocks(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromSsize_t(live_blocks);
}

static PyMethodDef type_blocks_def = {
    "_wasm_type_blocks", type_blocks, METH_NOARGS,
    "How many HPy types' data blocks are allocated (private, for tests)."
};

int wt_add_introspection(PyObject *module)
{
    PyObject *f = PyCFunction_NewEx(&type_blocks_def, NULL, NULL);
    if (f == NULL)
        return -1;
    if (PyModule_AddObjectRef(module, "_wasm_type_blocks", f) < 0) {
        Py_DECREF(f);
        return -1;
    }
    Py_DECREF(f);
    return 0;
}
