/* Where the WebAssembly host keeps the data of HPy types, and how long:
 * see ctx_type_wasm.h. */
#include "ctx_type_wasm.h"

PyTypeObject *wt_base(PyTypeObject *tp)
{
    return (PyTypeObject *)PyType_GetSlot(tp, Py_tp_base);
}

wt_data *wt_find_inherited(PyTypeObject *tp)
{
    PyTypeObject *t;
    for (t = wt_base(tp); t != NULL; t = wt_base(t)) {
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

void *wt_struct_for_var(PyObject *obj, const wt_data *d)
{
    Py_ssize_t n, off;
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

/* ------------------------------------------------------------------------
 * The start-up check of the host's fast paths (Python.h: _HPyWasm_fast)
 * ------------------------------------------------------------------------ */

unsigned int _HPyWasm_fast;
Py_ssize_t _HPyWasm_tuple_items;

static void probe_dealloc(PyObject *o)
{
    (void)o;
}
static int probe_traverse(PyObject *o, visitproc visit, void *arg)
{
    (void)o;
    (void)visit;
    (void)arg;
    return 0;
}
static int probe_clear(PyObject *o)
{
    (void)o;
    return 0;
}
static PyObject *probe_alloc(PyTypeObject *t, Py_ssize_t n)
{
    (void)t;
    (void)n;
    return NULL;
}
static PyObject *probe_new(PyTypeObject *t, PyObject *a, PyObject *k)
{
    (void)t;
    (void)a;
    (void)k;
    return NULL;
}
static void probe_free(void *p)
{
    (void)p;
}
static void probe_finalize(PyObject *o)
{
    (void)o;
}
static PyObject *probe_meth(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return NULL;
}
static PyMethodDef probe_methods[] = { { "m", probe_meth, METH_NOARGS, NULL },
                                       { NULL, NULL, 0, NULL } };

static const int probe_slots[] = {
    Py_tp_dealloc, Py_tp_traverse, Py_tp_clear, Py_tp_methods,  Py_tp_base,
    Py_tp_alloc,   Py_tp_new,      Py_tp_free,  Py_tp_finalize,
};

/* Whether the in-place reads of _HPyWasm_GetSlot/_HPyWasm_GetFlags give
 * what CPython's functions give for `t`. */
static int same_fields(PyTypeObject *t)
{
    size_t i;
    if ((PyType_GetFlags)(t) != _HPyWasm_TYPE(t)->tp_flags)
        return 0;
    for (i = 0; i < sizeof(probe_slots) / sizeof(probe_slots[0]); i++) {
        int known;
        void *v = _HPyWasm_ReadSlot(t, probe_slots[i], &known);
        if (!known || v != (PyType_GetSlot)(t, probe_slots[i]))
            return 0;
    }
    return 1;
}

/* Whether tp_mro is where _HPyWasm_TypeLayout says (hpy_host_direct_inline
 * offers it to binaries): for `probe`, a direct subclass of object, the
 * tuple (probe, object). */
int _HPyWasm_mro_in_place;

static int mro_ok(PyObject *probe)
{
    PyObject *mro = _HPyWasm_TYPE(probe)->tp_mro;
    return mro != NULL && PyTuple_CheckExact(mro) && PyTuple_Size(mro) == 2 &&
           PyTuple_GetItem(mro, 0) == probe &&
           PyTuple_GetItem(mro, 1) == (PyObject *)&PyBaseObject_Type;
}

/* A heap type with a distinct value in every slot read in place, plus
 * builtin types: a layout that differs anywhere up to tp_finalize shows. */
static int type_layout_ok(void)
{
    PyType_Slot slots[] = {
        { Py_tp_dealloc, (void *)probe_dealloc },
        { Py_tp_traverse, (void *)probe_traverse },
        { Py_tp_clear, (void *)probe_clear },
        { Py_tp_methods, (void *)probe_methods },
        { Py_tp_alloc, (void *)probe_alloc },
        { Py_tp_new, (void *)probe_new },
        { Py_tp_free, (void *)probe_free },
        { Py_tp_finalize, (void *)probe_finalize },
        { 0, NULL },
    };
    PyType_Spec spec = { "hpy.universal._layout_probe", (int)sizeof(PyObject) + 16, 0,
                         Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, slots };
    PyTypeObject *builtins[] = { &PyType_Type,  &PyBaseObject_Type, &PyLong_Type,
                                 &PyTuple_Type, &PyDict_Type,       &PyUnicode_Type };
    PyObject *probe = PyType_FromSpecWithBases(&spec, NULL);
    int ok;
    size_t i;
    if (probe == NULL) {
        PyErr_Clear();
        return 0;
    }
    ok = same_fields((PyTypeObject *)probe) &&
         _HPyWasm_TYPE(probe)->tp_finalize == (void *)probe_finalize &&
         _HPyWasm_TYPE(probe)->tp_base == &PyBaseObject_Type;
    _HPyWasm_mro_in_place = ok && mro_ok(probe);
    for (i = 0; ok && i < sizeof(builtins) / sizeof(builtins[0]); i++)
        ok = same_fields(builtins[i]);
    Py_DecRef(probe);
    return ok;
}

/* Immortal objects must be at or above _HPyWasm_IMMORTAL_MIN (checked on
 * the static immortal objects); a mortal object's count is below it. */
static int refcnt_ok(void)
{
    PyObject *o = PyLong_FromLong(123456789);
    int ok;
    if (o == NULL) {
        PyErr_Clear();
        return 0;
    }
    ok = Py_REFCNT(o) == 1 && Py_REFCNT(Py_None) >= _HPyWasm_IMMORTAL_MIN &&
         Py_REFCNT(Py_True) >= _HPyWasm_IMMORTAL_MIN &&
         Py_REFCNT(&PyLong_Type) >= _HPyWasm_IMMORTAL_MIN;
    Py_DecRef(o);
    return ok;
}

/* One-digit ints decode as PyLong_AsLong decodes them, and the first
 * value of two digits is not taken for one. */
static int long_ok(void)
{
    static const long values[] = { 0, 1, -1, 7, -300, 123456789, -1073741823, 1073741823 };
    size_t i;
    int ok = 1;
    for (i = 0; ok && i < sizeof(values) / sizeof(values[0]) + 1; i++) {
        long want = i < sizeof(values) / sizeof(values[0]) ? values[i] : 1073741824L;
        PyObject *o = PyLong_FromLong(want);
        long long got;
        int small;
        if (o == NULL) {
            PyErr_Clear();
            return 0;
        }
        _HPyWasm_fast |= _HPyWasm_FAST_LONG;
        small = _HPyLong_SmallValue(o, &got);
        _HPyWasm_fast &= ~_HPyWasm_FAST_LONG;
        ok = i < sizeof(values) / sizeof(values[0]) ? small && got == want : !small;
        Py_DecRef(o);
    }
    return ok;
}

/* Where the items of a tuple (a, b) are: right after PyVarObject (3.13) or
 * after the cached hash (3.14); 0 if at neither. */
static Py_ssize_t tuple_items_at(void)
{
    static const Py_ssize_t candidates[] = { (Py_ssize_t)sizeof(PyVarObject),
                                             (Py_ssize_t)sizeof(PyVarObject) +
                                                 (Py_ssize_t)sizeof(Py_hash_t) };
    PyObject *t = PyTuple_New(2), *a = Py_None, *b = Py_True;
    Py_ssize_t at = 0;
    size_t i;
    if (t == NULL) {
        PyErr_Clear();
        return 0;
    }
    Py_INCREF(a);
    Py_INCREF(b);
    PyTuple_SetItem(t, 0, a);
    PyTuple_SetItem(t, 1, b);
    for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        PyObject **items = (PyObject **)(void *)((char *)t + candidates[i]);
        if (items[0] == a && items[1] == b && Py_SIZE(t) == 2)
            at = candidates[i];
    }
    Py_DecRef(t);
    return at;
}

static int list_ok(void)
{
    PyObject *l = PyList_New(0);
    int ok;
    if (l == NULL) {
        PyErr_Clear();
        return 0;
    }
    ok = PyList_Append(l, Py_None) == 0 && PyList_Append(l, Py_True) == 0 && Py_SIZE(l) == 2 &&
         ((_HPyWasm_List *)(void *)l)->ob_item[0] == Py_None &&
         ((_HPyWasm_List *)(void *)l)->ob_item[1] == Py_True;
    PyErr_Clear();
    Py_DecRef(l);
    return ok;
}

/* ASCII strs are compact ASCII with their characters in place (as
 * PyUnicode_AsUTF8AndSize returns them); other strs are not ASCII. */
static int str_ok(void)
{
    static const char *const texts[] = { "", "a", "HPy on WebAssembly", "caf\xc3\xa9",
                                         "\xe2\x82\xac" };
    size_t i;
    int ok = 1;
    for (i = 0; ok && i < sizeof(texts) / sizeof(texts[0]); i++) {
        PyObject *o = PyUnicode_FromString(texts[i]);
        const char *data = NULL, *want;
        HPy_ssize_t size = -1;
        Py_ssize_t want_size;
        int fast;
        if (o == NULL) {
            PyErr_Clear();
            return 0;
        }
        want = PyUnicode_AsUTF8AndSize(o, &want_size);
        _HPyWasm_fast |= _HPyWasm_FAST_STR;
        fast = _HPy_FastUTF8(o, &data, &size);
        _HPyWasm_fast &= ~_HPyWasm_FAST_STR;
        if (i < 3)
            ok = fast && want != NULL && data == want && size == want_size;
        else
            ok = !fast;
        PyErr_Clear();
        Py_DecRef(o);
    }
    return ok;
}

PyObject *_HPyWasm_small_ints[_HPyWasm_SMALL_INT_MAX - _HPyWasm_SMALL_INT_MIN + 1];

/* Each small int is one immortal object: CPython gives the same one twice. */
static int small_ints_ok(void)
{
    long v;
    for (v = _HPyWasm_SMALL_INT_MIN; v <= _HPyWasm_SMALL_INT_MAX; v++) {
        PyObject *a = (PyLong_FromLong)(v), *b = (PyLong_FromLongLong)(v);
        int ok = a != NULL && a == b && Py_REFCNT(a) >= _HPyWasm_IMMORTAL_MIN;
        Py_DecRef(a);
        Py_DecRef(b);
        if (!ok) {
            PyErr_Clear();
            return 0;
        }
        _HPyWasm_small_ints[v - _HPyWasm_SMALL_INT_MIN] = a;
    }
    return 1;
}

static void enable_fast_paths(void)
{
    unsigned int fast = 0;
    if (refcnt_ok())
        fast |= _HPyWasm_FAST_REFCNT;
    if (type_layout_ok())
        fast |= _HPyWasm_FAST_TYPE;
    if (long_ok())
        fast |= _HPyWasm_FAST_LONG;
    _HPyWasm_tuple_items = tuple_items_at();
    if (_HPyWasm_tuple_items != 0)
        fast |= _HPyWasm_FAST_TUPLE;
    if (list_ok())
        fast |= _HPyWasm_FAST_LIST;
    if (str_ok())
        fast |= _HPyWasm_FAST_STR;
    if (small_ints_ok())
        fast |= _HPyWasm_FAST_SMALL_INT;
    _HPyWasm_fast = fast;
}

static PyObject *fast_paths(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong((long)_HPyWasm_fast);
}

static PyMethodDef fast_paths_def = {
    "_wasm_fast_paths", fast_paths, METH_NOARGS,
    "Which fast paths the host uses, as the bits of _HPyWasm_fast (private, for tests)."
};

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

static int add_function(PyObject *module, PyMethodDef *def)
{
    PyObject *f = PyCFunction_NewEx(def, NULL, NULL);
    if (f == NULL)
        return -1;
    if (PyModule_AddObjectRef(module, def->ml_name, f) < 0) {
        Py_DECREF(f);
        return -1;
    }
    Py_DECREF(f);
    return 0;
}

int wt_add_introspection(PyObject *module)
{
    if (_HPyWasm_fast == 0)
        enable_fast_paths();
    if (add_function(module, &type_blocks_def) < 0 || add_function(module, &fast_paths_def) < 0)
        return -1;
    return 0;
}
