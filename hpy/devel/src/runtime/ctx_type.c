/* Types: HPyType_FromSpec and the functions that work on HPy types and their
 * instances (HPy_New, _HPy_AsStruct_*, HPy_SetCallFunction, ...). Shared by
 * the cpython ABI and the universal host; the layout decisions and where
 * the per-type data lives are described in hpy/runtime/ctx_type.h. The
 * tp_dealloc/tp_traverse/tp_clear of HPy types are in ctx_type_gc.c, the
 * conversion of members in ctx_type_members.c. */
#include "hpy.h"
#include "structmember.h"
#include "hpy/runtime/ctx_type.h"
#include "ctx_type_spec.h"
#include "autogen_tables.h"
#include "utf8_cut.h"

#include <string.h>

#define ERR_PREFIX _HPY_SPEC_ERR_PREFIX
#define FPTR _HPY_FPTR
#define ENTRY _HPY_SPEC_ENTRY

/* ------------------------------------------------------------------------
 * Per-type data
 * ------------------------------------------------------------------------ */

/* Gives `tp`, a Python subclass of the HPy type whose data is `found`, a
 * copy of that data in a tp_cache of its own (once: the fast paths then
 * find it). The copy describes the layout only: `tp` did not come from
 * HPyType_FromSpec and its slots are CPython's. Returns the copy, or
 * `found` if `tp` cannot get one (its tp_cache is taken, an exception is
 * pending, or no memory). */
static _HPyTypeData *copy_data_to_subclass(PyTypeObject *tp, _HPyTypeData *found)
{
    PyObject *blob;
    _HPyTypeData *d;
    if (tp->tp_cache != NULL || PyErr_Occurred())
        return found;
    blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(_HPyTypeData));
    if (blob == NULL) {
        PyErr_Clear();
        return found;
    }
    d = (_HPyTypeData *)(void *)PyBytes_AS_STRING(blob);
    if (((uintptr_t)d & 7) != 0 || tp->tp_cache != NULL) {
        Py_DECREF(blob);
        return found;
    }
    *d = *found;
    d->flags &= ~(uint32_t)(_HPY_TYPE_F_DEFINED | _HPY_TYPE_F_OWN_DEALLOC | _HPY_TYPE_F_SIMPLE |
                            _HPY_TYPE_F_GC_SLOTS | _HPY_TYPE_F_PLAIN | _HPY_TYPE_F_ALLOC_FIXED);
    d->destroy = NULL;
    tp->tp_cache = blob;
    return d;
}

_HPy_HIDDEN _HPyTypeData *_HPyType_GetData(PyTypeObject *tp)
{
    PyTypeObject *t;
    _HPyTypeData *found = NULL;
    for (t = tp; t != NULL; t = t->tp_base) {
        if ((found = _HPyType_Data(t)) != NULL)
            break;
    }
    if (found == NULL || t == tp)
        return found;
    return copy_data_to_subclass(tp, found);
}

/* Out of line, so that the fast path below needs no stack frame and ends
 * in a jump here when it does not apply. */
static _HPy_NOINLINE void *struct_of_slow(PyObject *obj)
{
    _HPyTypeData *d = _HPyType_GetData(Py_TYPE(obj));
    return d == NULL ? NULL : _HPyType_StructFor(obj, d);
}

static inline void *struct_of(PyObject *obj)
{
    void *data = _HPyType_MarkedStruct(obj);
    if (data != NULL)
        return data;
    data = _HPyType_FixedStruct(obj);
    return data != NULL ? data : struct_of_slow(obj);
}

_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj)
{
    return struct_of(obj);
}

_HPy_HIDDEN void *ctx_AsStruct_Object(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Legacy(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return _h2py(h);
}
_HPy_HIDDEN void *ctx_AsStruct_Type(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Long(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Float(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Unicode(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Tuple(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_List(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}
_HPy_HIDDEN void *ctx_AsStruct_Dict(HPyContext *ctx, HPy h)
{
    (void)ctx;
    return struct_of(_h2py(h));
}

/* ------------------------------------------------------------------------
 * Instances
 * ------------------------------------------------------------------------ */

_HPy_HIDDEN PyObject *_HPyType_AllocFixed(PyTypeObject *tp, Py_ssize_t nitems)
{
    return PyType_GenericAlloc(tp, nitems);
}

static PyObject *new_instance(PyTypeObject *tp, _HPyTypeData *d, void **data)
{
    PyObject *obj = tp->tp_alloc(tp, 0);
    if (obj == NULL)
        return NULL;
#if PY_VERSION_HEX >= 0x030C0000
    if (d->placement == _HPY_PLACE_VAR_LONG)
        ((PyLongObject *)obj)->long_value.lv_tag = 1; /* the int 0 */
#endif
    if (d->vectorcall_offset > 0 && d->default_call != NULL)
        *(vectorcallfunc *)((char *)obj + d->vectorcall_offset) = d->default_call;
    if (data != NULL)
        *data = _HPyType_StructFor(obj, d);
    return obj;
}

/* Every type but those with this copy's marker: the type data of another
 * copy's types and of Python subclasses, or the general path. Out of line,
 * so that ctx_New's fast path needs one saved register only. */
static _HPy_NOINLINE HPy new_other(PyTypeObject *tp, void **data)
{
    const _HPyTypeData *fd = _HPyType_FastNewData(tp);
    _HPyTypeData *d;
    if (fd != NULL) {
        Py_ssize_t off = fd->struct_offset;
        PyObject *obj = tp->tp_alloc(tp, 0);
        if (obj != NULL && data != NULL)
            *data = (char *)obj + off;
        return _py2h(obj);
    }
    if (!PyType_Check((PyObject *)tp))
        return _HPyType_ErrNotAType("HPy_New", (PyObject *)tp);
    d = _HPyType_GetData(tp);
    if (d == NULL)
        return _HPyType_ErrNotHPyType(tp);
    return _py2h(new_instance(tp, d, data));
}

/* The cpython ABI inlines the fast path (hpy_cpython.h: _HPy_New). */
_HPy_HIDDEN HPy ctx_New(HPyContext *ctx, HPy h_type, void **data)
{
    PyObject *res;
    (void)ctx;
    if (_HPyType_MarkedNew((PyTypeObject *)_h2py(h_type), &res, data))
        return _py2h(res);
    return new_other((PyTypeObject *)_h2py(h_type), data);
}

_HPy_HIDDEN HPy ctx_Type_GenericNew(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                                    HPy kw)
{
    PyTypeObject *tp = (PyTypeObject *)_h2py(type);
    _HPyTypeData *d;
    (void)ctx;
    (void)args;
    (void)nargs;
    (void)kw;
    if (!PyType_Check((PyObject *)tp))
        return _HPyType_ErrNotAType("HPy_Type_GenericNew", (PyObject *)tp);
    d = _HPyType_GetData(tp);
    if (d == NULL) /* not an HPy type: like PyType_GenericNew */
        return _py2h(tp->tp_alloc(tp, 0));
    return _py2h(new_instance(tp, d, NULL));
}

_HPy_HIDDEN int ctx_SetCallFunction(HPyContext *ctx, HPy h, HPyCallFunction *func)
{
    PyObject *obj = _h2py(h);
    _HPyTypeData *d = _HPyType_GetData(Py_TYPE(obj));
    (void)ctx;
    if (d == NULL || d->vectorcall_offset <= 0)
        return _HPyType_ErrNoCallProtocol(obj);
    if (func == NULL || func->cpy_trampoline == NULL) {
        PyErr_SetString(PyExc_TypeError, "HPy_SetCallFunction: no call function given");
        return -1;
    }
    *(vectorcallfunc *)((char *)obj + d->vectorcall_offset) =
        FPTR(vectorcallfunc, ENTRY(ctx, HPyFunc_KEYWORDS, func->impl, func->cpy_trampoline));
    return 0;
}

/* tp_call of HPy types with HPy_tp_call: instances created without HPy_New
 * (e.g. by object.__new__) get the type's default call function on their
 * first call; then the call goes through the vectorcall function. */
_HPy_HIDDEN PyObject *_HPyType_Call(PyObject *self, PyObject *args, PyObject *kw)
{
    _HPyTypeData *d = _HPyType_GetData(Py_TYPE(self));
    vectorcallfunc *slot, func;
    PyObject *const *argv;
    PyObject **stack, *kwnames, *res, *key, *value;
    Py_ssize_t nargs, nkw, i, pos;

    if (d == NULL || d->vectorcall_offset <= 0) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "'%s' object is not callable",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return NULL;
    }
    slot = (vectorcallfunc *)((char *)self + d->vectorcall_offset);
    if (*slot == NULL)
        *slot = d->default_call;
    func = *slot;
    if (func == NULL) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError, "'%s' object is not callable (no call function set)",
                     _HPy_Utf8Cut(tn, Py_TYPE(self)->tp_name, 200));
        return NULL;
    }
    nargs = PyTuple_GET_SIZE(args);
    argv = ((PyTupleObject *)args)->ob_item;
    nkw = (kw == NULL) ? 0 : PyDict_GET_SIZE(kw);
    if (nkw == 0)
        return func(self, argv, (size_t)nargs, NULL);

    stack = (PyObject **)PyMem_Malloc((size_t)(nargs + nkw) * sizeof(PyObject *));
    if (stack == NULL)
        return PyErr_NoMemory();
    kwnames = PyTuple_New(nkw);
    if (kwnames == NULL) {
        PyMem_Free(stack);
        return NULL;
    }
    for (i = 0; i < nargs; i++)
        stack[i] = argv[i];
    pos = 0;
    i = 0;
    while (PyDict_Next(kw, &pos, &key, &value) && i < nkw) {
        Py_INCREF(key);
        PyTuple_SET_ITEM(kwnames, i, key);
        stack[nargs + i] = value; /* borrowed from kw, which outlives the call */
        i++;
    }
    res = func(self, stack, (size_t)nargs, kwnames);
    Py_DECREF(kwnames);
    PyMem_Free(stack);
    return res;
}

/* ------------------------------------------------------------------------
 * Type queries
 * ------------------------------------------------------------------------ */

_HPy_HIDDEN HPyType_BuiltinShape ctx_Type_GetBuiltinShape(HPyContext *ctx, HPy h_type)
{
    PyObject *o = _h2py(h_type);
    _HPyTypeData *d;
    (void)ctx;
    if (!PyType_Check(o)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError,
                     "arg must be a type (HPyType_GetBuiltinShape got an "
                     "instance of '%s')",
                     _HPy_Utf8Cut(tn, Py_TYPE(o)->tp_name, 200));
        return (HPyType_BuiltinShape)(HPyType_BuiltinShape_Legacy - 1);
    }
    d = _HPyType_GetData((PyTypeObject *)o);
    /* Types made with the C API are legacy types. */
    return d == NULL ? HPyType_BuiltinShape_Legacy : (HPyType_BuiltinShape)d->shape;
}

_HPy_HIDDEN const char *ctx_Type_GetName(HPyContext *ctx, HPy type)
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
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) /* __name__ is ht_name */
        return PyUnicode_AsUTF8(((PyHeapTypeObject *)tp)->ht_name);
    s = strrchr(tp->tp_name, '.');
    return s == NULL ? tp->tp_name : s + 1;
}

_HPy_HIDDEN int ctx_Type_IsSubtype(HPyContext *ctx, HPy sub, HPy type)
{
    PyObject *a = _h2py(sub), *b = _h2py(type);
    (void)ctx;
    if (!PyType_Check(a) || !PyType_Check(b))
        return 0;
    return PyType_IsSubtype((PyTypeObject *)a, (PyTypeObject *)b);
}

/* ------------------------------------------------------------------------
 * HPyType_FromSpec
 * ------------------------------------------------------------------------ */

/* The numbers are one ABI between the runtime copies (ctx_type.h). */
typedef char _hpy_layout_placements_agree[(_HPY_LAYOUT_FIXED == _HPY_PLACE_FIXED &&
                                           _HPY_LAYOUT_VAR_TUPLE == _HPY_PLACE_VAR_TUPLE &&
                                           _HPY_LAYOUT_VAR_LONG == _HPY_PLACE_VAR_LONG &&
                                           _HPY_LAYOUT_ALIGN == _HPy_STRUCT_ALIGN)
                                              ? 1
                                              : -1];

static void layout_from_data(_HPyTypeLayout *l, const _HPyTypeData *d)
{
    l->flags = ((d->flags & _HPY_TYPE_F_LEGACY) ? _HPY_LAYOUT_F_LEGACY : 0u) |
               ((d->flags & _HPY_TYPE_F_DEFINED) ? _HPY_LAYOUT_F_DEFINED : 0u);
    l->shape = d->shape;
    l->placement = d->placement;
    l->struct_offset = d->struct_offset;
    l->struct_size = d->struct_size;
    l->var_itemsize = d->var_itemsize;
    l->vectorcall_offset = d->vectorcall_offset;
    l->default_call = d->default_call;
    l->destroy = d->destroy;
    l->traverse = d->traverse;
}

static void data_from_layout(_HPyTypeData *d, const _HPyTypeLayout *l)
{
    if (l->flags & _HPY_LAYOUT_F_LEGACY)
        d->flags |= _HPY_TYPE_F_LEGACY;
    d->shape = l->shape;
    d->placement = l->placement;
    d->struct_offset = l->struct_offset;
    d->struct_size = l->struct_size;
    d->var_itemsize = l->var_itemsize;
    d->vectorcall_offset = l->vectorcall_offset;
    d->default_call = l->default_call;
    d->destroy = l->destroy;
    d->traverse = l->traverse;
}

_HPy_HIDDEN int _HPyTypeHost_BaseLayout(PyTypeObject *tp, _HPyTypeLayout *out)
{
    _HPyTypeData *d = _HPyType_GetData(tp);
    if (d == NULL)
        return 0;
    layout_from_data(out, d);
    return 1;
}

_HPy_HIDDEN void *_HPyTypeHost_SlotFunc(_HPyTypeBuilder *b, HPyDef *def, int cslot)
{
    /* 3.8 knows no buffer slots in specs: they are set on the type */
#ifdef Py_bf_getbuffer
    if (cslot == Py_bf_getbuffer || cslot == Py_bf_releasebuffer)
        return (void *)def->slot.cpy_trampoline;
#else
    if (def->slot.slot == HPy_bf_getbuffer || def->slot.slot == HPy_bf_releasebuffer)
        return NULL;
#endif
    (void)cslot;
    return _HPY_SPEC_SLOT_ENTRY(b->ctx, def);
}

/* PyType_FromSpecWithBases with a metatype: `type`, a static type or a
 * heap type (made in Python or in C, as large as PyHeapTypeObject or
 * larger). */
static PyObject *type_from_spec(PyTypeObject *meta, PyType_Spec *spec, PyObject *bases)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyType_FromMetaclass(meta, NULL, spec, bases);
#else
    Py_ssize_t saved;
    PyObject *res;
#    if PY_VERSION_HEX >= 0x030A0000
    int gc_was_enabled;
#    endif
    if (meta == &PyType_Type)
        return PyType_FromSpecWithBases(spec, bases);
    /* As PyType_FromMetaclass of 3.12 does: such a tp_new would never run. */
    if (meta->tp_new != NULL && meta->tp_new != PyType_Type.tp_new) {
        PyErr_SetString(PyExc_TypeError, "Metaclasses with custom tp_new are not supported.");
        return NULL;
    }
    /* Before 3.12 CPython always allocates the type with `type` as its
     * metatype. Make that allocation as large as `meta` wants for a moment
     * (the members CPython copies into the type then land where `meta`
     * expects them), then make `meta` the type of the new type. The garbage
     * collector is kept from running arbitrary code meanwhile. */
    saved = PyType_Type.tp_basicsize;
#    if PY_VERSION_HEX >= 0x030A0000
    gc_was_enabled = PyGC_Disable();
#    endif
    PyType_Type.tp_basicsize = meta->tp_basicsize;
    res = PyType_FromSpecWithBases(spec, bases);
    PyType_Type.tp_basicsize = saved;
#    if PY_VERSION_HEX >= 0x030A0000
    if (gc_was_enabled)
        PyGC_Enable();
#    endif
    if (res == NULL)
        return NULL;
    Py_INCREF(meta);
    ((PyObject *)res)->ob_type = meta;
    return res;
#endif
}

static int type_has_managed_dict(PyTypeObject *tp)
{
#ifdef Py_TPFLAGS_MANAGED_DICT
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) != 0;
#else
    (void)tp;
    return 0;
#endif
}

static int type_has_managed_weakref(PyTypeObject *tp)
{
#ifdef Py_TPFLAGS_MANAGED_WEAKREF
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_WEAKREF) != 0;
#else
    (void)tp;
    return 0;
#endif
}

static int primary_lacks_dict(PyTypeObject *primary)
{
    return primary->tp_dictoffset == 0 && !type_has_managed_dict(primary);
}

/* Whether the tp_alloc of `tp` (a new type) behaves as PyType_GenericAlloc,
 * either itself or a marker inherited from an HPy base: the type may then
 * get the marker or lose it (see _HPyType_AllocFixed). A tp_alloc of the
 * spec's or of a legacy base is left alone. */
static int alloc_is_generic(PyTypeObject *tp)
{
    allocfunc a = tp->tp_alloc;
    PyTypeObject *base = tp->tp_base;
    const _HPyTypeData *bd;
    if (a == PyType_GenericAlloc || a == _HPyType_AllocFixed)
        return 1;
    if (base == NULL || a != base->tp_alloc)
        return 0;
    bd = _HPyType_Data(base);
    return bd != NULL && (bd->flags & _HPY_TYPE_F_ALLOC_FIXED) != 0;
}

_HPy_HIDDEN HPy ctx_Type_FromSpec(HPyContext *ctx, HPyType_Spec *hspec, HPyType_SpecParam *params)
{
    static const _HPyTypeHostSlots funcs = { (void *)_HPyType_Dealloc, (void *)_HPyType_Traverse,
                                             (void *)_HPyType_Clear, (void *)_HPyType_Call };
    _HPyTypeBuilder b;
    _HPyTypeTables t;
    _HPyTypeData nd;
    PyObject *blob = NULL, *res = NULL;
    const char *name;
    size_t size;
    if (_HPyTypeSpec_Check(&b, ctx, hspec, params) < 0)
        return HPy_NULL;
    name = hspec->name;
    _HPyType_GCInit();
    if (_HPyTypeSpec_Layout(&b, params) < 0 || _HPyTypeSpec_Prepare(&b) < 0)
        goto error;

    /* the tables, after the data in the bytes object the type will hold in
     * tp_cache (see ctx_type.h) */
    size = _HPyTypeSpec_TablesSize(&b, 0);
    blob = PyBytes_FromStringAndSize(NULL, _HPY_TYPEDATA_TABLES + (Py_ssize_t)size);
    if (blob == NULL)
        goto error;
    if (((uintptr_t)PyBytes_AS_STRING(blob) & 7) != 0) {
        PyErr_SetString(PyExc_SystemError, ERR_PREFIX "misaligned bytes payload");
        goto error;
    }
    memset(PyBytes_AS_STRING(blob), 0, _HPY_TYPEDATA_TABLES + size);
    if (_HPyTypeSpec_FillTables(&b, PyBytes_AS_STRING(blob) + _HPY_TYPEDATA_TABLES, 0, &t) < 0 ||
        _HPyTypeSpec_MakeSlots(&b, &t, &funcs) < 0)
        goto error;

    memset(&nd, 0, sizeof(nd));
    data_from_layout(&nd, &b.d);
    if (b.legacy_dealloc == NULL)
        nd.flags |= _HPY_TYPE_F_OWN_DEALLOC;
    if (b.legacy_traverse == NULL && b.gc_slots)
        nd.flags |= _HPY_TYPE_F_GC_SLOTS;

    res = type_from_spec(b.meta, &b.spec, b.bases);
    _HPyTypeSpec_FreeSlots(&b);
    if (res == NULL)
        goto error;
    {
        PyTypeObject *tp = (PyTypeObject *)res;
        _HPyTypeData *d;
        /* The tables are the type's from now on, also if a check below
         * fails: its descriptors point into them. */
        if (tp->tp_cache != NULL) {
            PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': tp_cache is already set", name);
            goto error;
        }
        tp->tp_cache = blob;
        blob = NULL;
        d = (_HPyTypeData *)(void *)PyBytes_AS_STRING(tp->tp_cache);
        if (_HPyTypeSpec_CheckBase(&b, tp->tp_base) < 0)
            goto error;
        /* CPython copies the dict and weaklist offsets of a secondary base
         * into a type made from a spec, although they are meaningless in
         * the layout of the primary base (they would point into our
         * struct). Such a type gets neither. */
        if (!_HPyTypeSpec_SetsOffset(&b, "__dictoffset__") && primary_lacks_dict(b.primary) &&
            !type_has_managed_dict(tp))
            tp->tp_dictoffset = 0;
        if (!_HPyTypeSpec_SetsOffset(&b, "__weaklistoffset__") &&
            b.primary->tp_weaklistoffset == 0 && !type_has_managed_weakref(tp))
            tp->tp_weaklistoffset = 0;
#if PY_VERSION_HEX < 0x03090000
        /* 3.8 knows neither the buffer slots in specs nor these members. */
        if (b.getbuffer_def != NULL)
            tp->tp_as_buffer->bf_getbuffer =
                FPTR(getbufferproc, b.getbuffer_def->slot.cpy_trampoline);
        if (b.releasebuffer_def != NULL)
            tp->tp_as_buffer->bf_releasebuffer =
                FPTR(releasebufferproc, b.releasebuffer_def->slot.cpy_trampoline);
        if (nd.vectorcall_offset > 0)
            tp->tp_vectorcall_offset = nd.vectorcall_offset;
        if (b.legacy_members != NULL) {
            PyMemberDef *m;
            for (m = b.legacy_members; m->name != NULL; m++) {
                if (strcmp(m->name, "__dictoffset__") == 0)
                    tp->tp_dictoffset = m->offset;
                else if (strcmp(m->name, "__weaklistoffset__") == 0)
                    tp->tp_weaklistoffset = m->offset;
                else if (strcmp(m->name, "__vectorcalloffset__") == 0)
                    tp->tp_vectorcall_offset = m->offset;
            }
        }
#endif
        nd.flags |= _HPY_TYPE_F_DEFINED;
        if ((nd.flags & _HPY_TYPE_F_OWN_DEALLOC) && _HPyType_IsSimple(tp))
            nd.flags |= _HPY_TYPE_F_SIMPLE;
        if (nd.placement == _HPY_PLACE_FIXED &&
            !(nd.vectorcall_offset > 0 && nd.default_call != NULL))
            nd.flags |= _HPY_TYPE_F_FAST_NEW;
        if (alloc_is_generic(tp)) {
            if (nd.placement == _HPY_PLACE_FIXED && (nd.flags & _HPY_TYPE_F_FAST_NEW) &&
                nd.struct_offset == _HPY_ALLOC_FIXED_OFFSET) {
                tp->tp_alloc = _HPyType_AllocFixed; /* no instance exists yet */
                nd.flags |= _HPY_TYPE_F_ALLOC_FIXED;
            }
            else {
                tp->tp_alloc = PyType_GenericAlloc;
            }
        }
        if ((nd.flags & _HPY_TYPE_F_SIMPLE) && tp->tp_base == &PyBaseObject_Type &&
            !PyType_IS_GC(tp) && tp->tp_weaklistoffset == 0 && tp->tp_dictoffset == 0 &&
            nd.traverse == NULL && nd.destroy == NULL) {
            nd.flags |= _HPY_TYPE_F_PLAIN;
            tp->tp_dealloc = _HPyType_DeallocPlain; /* no instance exists yet */
        }
        else if ((nd.flags & _HPY_TYPE_F_SIMPLE) && tp->tp_base == &PyBaseObject_Type &&
                 PyType_IS_GC(tp) && nd.placement == _HPY_PLACE_FIXED &&
                 tp->tp_weaklistoffset == 0 && tp->tp_dictoffset == 0 && nd.destroy == NULL) {
            tp->tp_dealloc = _HPyType_DeallocPlainGC;
#ifdef HPY_ABI_CPYTHON
            /* the traverse trampoline of this binary, which can clear, and
             * hand out a dealloc for the struct at the usual offset */
            if (b.traverse_def != NULL) {
                traverseproc tr = FPTR(traverseproc, b.traverse_def->slot.cpy_trampoline);
                destructor own = NULL;
                *_HPyType_ClearFieldsSlot(d) = tr;
                if (nd.struct_offset == _HPY_ALLOC_FIXED_OFFSET &&
                    tr(NULL, _HPy_CLEAR_FIELDS, &own) == 0 && own != NULL)
                    tp->tp_dealloc = own;
            }
#endif
        }
        nd.hpy_type = tp;
        *d = nd;
        d->magic =
            nd.placement == _HPY_PLACE_FIXED ? _HPY_TYPEDATA_MAGIC_FIXED : _HPY_TYPEDATA_MAGIC;
    }
    _HPyTypeSpec_Release(&b);
    return _py2h(res);

error:
    Py_XDECREF(res);
    Py_XDECREF(blob);
    _HPyTypeSpec_Release(&b);
    return HPy_NULL;
}
