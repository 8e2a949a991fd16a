/* Types: HPyType_FromSpec and the functions that work on HPy types and their
 * instances (HPy_New, _HPy_AsStruct_*, HPy_SetCallFunction, ...). Shared by
 * the cpython ABI and the universal host; the layout decisions and where
 * the per-type data lives are described in hpy/runtime/ctx_type.h. The
 * tp_dealloc/tp_traverse/tp_clear of HPy types are in ctx_type_gc.c, the
 * conversion of members in ctx_type_members.c. */
#include "hpy.h"
#include "structmember.h"
#include "hpy/runtime/ctx_type.h"
#include "autogen_tables.h"
#ifdef HPY_HOST
#    include "entry_points.h" /* hpy/universal/src: the host only */
#endif
#include "utf8_cut.h"

#include <string.h>

#if PY_VERSION_HEX < 0x03090000
#    define _HPy_TPFLAGS_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#else
#    define _HPy_TPFLAGS_VECTORCALL Py_TPFLAGS_HAVE_VECTORCALL
#endif

#define ERR_PREFIX "HPyType_FromSpec: "

/* Function pointers change type through void (*)(void). */
#define FPTR(T, f) ((T)(void (*)(void))(f))

/* What CPython gets for an implementation: the extension's trampoline, or
 * in the universal host its own entry point when `ctx` (the caller's
 * context) allows it (hpy/universal/src/entry_points.h). */
#ifdef HPY_HOST
#    define ENTRY _HPy_HOST_ENTRY
#    define SLOT_ENTRY _HPy_HOST_SLOT_ENTRY
#else
#    define ENTRY(ctx, sig, impl, trampoline) ((void)(ctx), (void *)(trampoline))
#    define SLOT_ENTRY(ctx, def) ((void)(ctx), (void *)(def)->slot.cpy_trampoline)
#endif

static Py_ssize_t round_up(Py_ssize_t n, Py_ssize_t align)
{
    return (n + align - 1) & ~(align - 1);
}

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
                            _HPY_TYPE_F_GC_SLOTS | _HPY_TYPE_F_PLAIN);
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
    void *data = _HPyType_FixedStruct(obj);
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

static _HPy_NOINLINE HPy new_slow(PyTypeObject *tp, void **data)
{
    _HPyTypeData *d;
    char tn[_HPy_UTF8_CUT_SIZE(200)];
    if (!PyType_Check((PyObject *)tp)) {
        PyErr_Format(PyExc_TypeError,
                     "HPy_New arg 1 must be a type (got an instance "
                     "of '%s')",
                     _HPy_Utf8Cut(tn, Py_TYPE(tp)->tp_name, 200));
        return HPy_NULL;
    }
    d = _HPyType_GetData(tp);
    if (d == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "HPy_New: '%s' is not a type created by HPyType_FromSpec "
                     "(nor a subclass of one)",
                     _HPy_Utf8Cut(tn, tp->tp_name, 200));
        return HPy_NULL;
    }
    return _py2h(new_instance(tp, d, data));
}

/* The cpython ABI inlines the fast path (hpy_cpython.h: _HPy_New). */
_HPy_HIDDEN HPy ctx_New(HPyContext *ctx, HPy h_type, void **data)
{
    PyTypeObject *tp = (PyTypeObject *)_h2py(h_type);
    const _HPyTypeData *d = _HPyType_FastNewData(tp);
    (void)ctx;
    if (d != NULL) {
        Py_ssize_t off = d->struct_offset;
        PyObject *obj = tp->tp_alloc(tp, 0);
        if (obj != NULL && data != NULL)
            *data = (char *)obj + off;
        return _py2h(obj);
    }
    return new_slow(tp, data);
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
    if (!PyType_Check((PyObject *)tp)) {
        char tn[_HPy_UTF8_CUT_SIZE(200)];
        PyErr_Format(PyExc_TypeError,
                     "HPy_Type_GenericNew arg 1 must be a type (got an "
                     "instance of '%s')",
                     _HPy_Utf8Cut(tn, Py_TYPE(tp)->tp_name, 200));
        return HPy_NULL;
    }
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
    if (d == NULL || d->vectorcall_offset <= 0) {
        char tn[_HPy_UTF8_CUT_SIZE(50)];
        PyErr_Format(PyExc_TypeError,
                     "type '%s does not implement the HPy call protocol (HPy_SetCallFunction "
                     "needs a type with HPy_tp_call or a member __vectorcalloffset__)",
                     _HPy_Utf8Cut(tn, Py_TYPE(obj)->tp_name, 50));
        return -1;
    }
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

/* Everything gathered from the spec before the CPython type is made. */
typedef struct {
    HPyContext *ctx; /* the caller's context */
    HPyType_Spec *hspec;
    _HPyTypeData d; /* the data the new type will get */
    Py_ssize_t basicsize;
    Py_ssize_t base_struct_size; /* struct size of a pure HPy base, else 0 */
    PyTypeObject *primary;       /* the base whose layout we extend (borrowed) */
    _HPyTypeData *bd;            /* _HPyType_GetData(primary) */
    int has_pure_base;
    /* from the defines and the legacy slots */
    Py_ssize_t n_meth, n_memb, n_getset, n_var_memb, n_slot;
    HPyDef *call_def, *traverse_def, *destroy_def, *getbuffer_def, *releasebuffer_def;
    Py_ssize_t explicit_vc_offset; /* struct offset of __vectorcalloffset__, or -1 */
    PyMethodDef *legacy_methods;
    PyMemberDef *legacy_members;
    PyGetSetDef *legacy_getsets;
    void *legacy_dealloc, *legacy_traverse, *legacy_clear;
    const char *legacy_doc;
    Py_ssize_t n_legacy_slots;
} Builder;

_HPy_HIDDEN const char *_HPyType_ShapeName(int shape)
{
    return _HPy_BuiltinShapeName(shape);
}

static int is_vectorcalloffset(const char *name)
{
    return name[0] == '_' && strcmp(name, "__vectorcalloffset__") == 0;
}

static int valid_member_type(int t)
{
    return (t >= HPyMember_SHORT && t <= HPyMember_NONE && t != 15);
}

/* The checks of the params that come before anything else, in the order
 * other HPy implementations make them (their texts first, detail after). */
static int check_params(const char *name, HPyType_SpecParam *params)
{
    HPyType_SpecParam *p;
    int n_base = 0, n_tuple = 0;
    if (params == NULL)
        return 0;
    for (p = params; p->kind != 0; p++) {
        switch (p->kind) {
        case HPyType_SpecParam_Base: n_base++; break;
        case HPyType_SpecParam_BasesTuple: n_tuple++; break;
        case HPyType_SpecParam_Metaclass: break;
        default:
            PyErr_Format(PyExc_TypeError,
                         "unknown HPyType_SpecParam specification for '%s' "
                         "(kind %d)",
                         name, (int)p->kind);
            return -1;
        }
    }
    if (n_tuple > 1) {
        PyErr_Format(PyExc_TypeError,
                     "multiple specifications of HPyType_SpecParam_BasesTuple "
                     "(type '%s')",
                     name);
        return -1;
    }
    if (n_base > 0 && n_tuple > 0) {
        PyErr_Format(PyExc_TypeError,
                     "cannot specify both HPyType_SpecParam_Base and "
                     "HPytype_SpecParam_BasesTuple (type '%s')",
                     name);
        return -1;
    }
    return 0;
}

/* Reads the params (checked by check_params): the bases as a new tuple
 * (NULL if none were given) and the metaclass (borrowed, NULL if none). */
static int read_params(const char *name, HPyType_SpecParam *params, PyObject **out_bases,
                       PyTypeObject **out_meta)
{
    PyObject *list = NULL, *tuple = NULL;
    HPyType_SpecParam *p;
    *out_bases = NULL;
    *out_meta = NULL;
    if (params == NULL)
        return 0;
    for (p = params; p->kind != 0; p++) {
        PyObject *o = _h2py(p->object);
        switch (p->kind) {
        case HPyType_SpecParam_Base:
            if (o == NULL || !PyType_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s': HPyType_SpecParam_Base must be "
                                        "a type",
                             name);
                goto error;
            }
            if (list == NULL && (list = PyList_New(0)) == NULL)
                goto error;
            if (PyList_Append(list, o) < 0)
                goto error;
            break;
        case HPyType_SpecParam_BasesTuple: {
            Py_ssize_t i;
            if (o == NULL || !PyTuple_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s': HPyType_SpecParam_BasesTuple "
                                        "must be a tuple",
                             name);
                goto error;
            }
            for (i = 0; i < PyTuple_GET_SIZE(o); i++) {
                if (!PyType_Check(PyTuple_GET_ITEM(o, i))) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX "'%s': the bases tuple must "
                                            "contain only types",
                                 name);
                    goto error;
                }
            }
            tuple = o;
            break;
        }
        default: /* HPyType_SpecParam_Metaclass */
            if (*out_meta != NULL) {
                PyErr_Format(PyExc_ValueError,
                             "metaclass was specified multiple times "
                             "(type '%s')",
                             name);
                goto error;
            }
            if (o == NULL || !PyType_Check(o) ||
                !PyType_IsSubtype((PyTypeObject *)o, &PyType_Type)) {
                PyErr_Format(PyExc_TypeError, "Metaclass '%R' is not a subclass of 'type'.",
                             o != NULL ? o : Py_None);
                goto error;
            }
            /* CPython's own PyType_FromMetaclass refuses them too: their
             * tp_new would not run for the new type. */
            if (((PyTypeObject *)o)->tp_new != PyType_Type.tp_new) {
                PyErr_Format(PyExc_TypeError,
                             "Metaclasses with custom tp_new are not "
                             "supported. (metaclass of '%s')",
                             name);
                goto error;
            }
            *out_meta = (PyTypeObject *)o;
            break;
        }
    }
    if (list != NULL) {
        *out_bases = PyList_AsTuple(list);
        Py_DECREF(list);
        return *out_bases == NULL ? -1 : 0;
    }
    if (tuple != NULL && PyTuple_GET_SIZE(tuple) > 0) {
        Py_INCREF(tuple);
        *out_bases = tuple;
    }
    return 0;
error:
    Py_XDECREF(list);
    *out_meta = NULL;
    return -1;
}

/* The metatype of the new type: the most derived of the explicit metaclass
 * and the metaclasses of the bases (a new reference). */
static PyTypeObject *choose_metatype(PyTypeObject *explicit_meta, PyObject *bases)
{
    PyTypeObject *winner = explicit_meta != NULL ? explicit_meta : &PyType_Type;
    Py_ssize_t i;
    for (i = 0; i < PyTuple_GET_SIZE(bases); i++) {
        PyTypeObject *t = Py_TYPE(PyTuple_GET_ITEM(bases, i));
        if (PyType_IsSubtype(winner, t))
            continue;
        if (PyType_IsSubtype(t, winner)) {
            winner = t;
            continue;
        }
        /* CPython's text (PyType_FromMetaclass and class statements) */
        PyErr_SetString(PyExc_TypeError,
                        "metaclass conflict: the metaclass of a derived class "
                        "must be a (non-strict) subclass of the metaclasses of all its bases");
        return NULL;
    }
    Py_INCREF(winner);
    return winner;
}

/* The base whose layout the new type extends: the one with the largest
 * instances (CPython picks the same one or one with the same layout; this
 * is checked after the type is made). */
static PyTypeObject *pick_primary(PyObject *bases)
{
    PyTypeObject *best = NULL;
    Py_ssize_t i;
    for (i = 0; i < PyTuple_GET_SIZE(bases); i++) {
        PyTypeObject *b = (PyTypeObject *)PyTuple_GET_ITEM(bases, i);
        if (best == NULL || b->tp_basicsize > best->tp_basicsize)
            best = b;
    }
    return best;
}

static int defines_slot(HPyType_Spec *hs, HPySlot_Slot slot)
{
    HPyDef **dp;
    if (hs->defines != NULL)
        for (dp = hs->defines; *dp != NULL; dp++)
            if ((*dp)->kind == HPyDef_Kind_Slot && (*dp)->slot.slot == slot)
                return 1;
    return 0;
}

/* Legacy slots need the Legacy shape (the struct starts with PyObject_HEAD),
 * and a legacy tp_dealloc would skip what HPy_tp_traverse and HPy_tp_destroy
 * need done when an instance dies. */
static int check_legacy_slots(HPyType_Spec *hs)
{
    PyType_Slot *ls;
    if (hs->legacy_slots == NULL)
        return 0;
    if (hs->builtin_shape != HPyType_BuiltinShape_Legacy) {
        PyErr_Format(PyExc_TypeError,
                     "cannot specify .legacy_slots without setting "
                     ".builtin_shape=HPyType_BuiltinShape_Legacy (type '%s')",
                     hs->name);
        return -1;
    }
    if (!defines_slot(hs, HPy_tp_traverse) && !defines_slot(hs, HPy_tp_destroy))
        return 0;
    for (ls = (PyType_Slot *)hs->legacy_slots; ls->slot != 0; ls++) {
        if (ls->slot == Py_tp_dealloc) {
            PyErr_Format(PyExc_TypeError,
                         "legacy tp_dealloc is incompatible with "
                         "HPy_tp_traverse or HPy_tp_destroy. (type '%s')",
                         hs->name);
            return -1;
        }
    }
    return 0;
}

/* HPy_tp_call and the members: what other HPy implementations reject, with
 * their texts and in their order. The call function lives in a hidden field
 * after the struct, which var objects (their items come after the struct)
 * and legacy types that inherit their struct (its size is unknown) do not
 * have room for. */
static int check_call_and_members(Builder *b, Py_ssize_t n_all_members, int has_legacy_vc_offset)
{
    HPyType_Spec *hs = b->hspec;
    if (b->call_def != NULL && hs->itemsize != 0) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with var objects "
                     "(type '%s' has itemsize %d)",
                     hs->name, hs->itemsize);
        return -1;
    }
    if (b->call_def != NULL && hs->builtin_shape == HPyType_BuiltinShape_Legacy &&
        hs->basicsize == 0) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with legacy types that "
                     "inherit the struct. Either set the basicsize to anon-zero value or use "
                     "legacy slot 'Py_tp_call'. (type '%s')",
                     hs->name);
        return -1;
    }
    /* With HPy_tp_call the hidden field makes the instances bigger than the
     * base's: the type has a layout of its own. */
    if (hs->basicsize == 0 && b->call_def == NULL && n_all_members > 0) {
        PyErr_Format(PyExc_TypeError,
                     "Type claims to have basicsize==0 but defines members "
                     "(type '%s')",
                     hs->name);
        return -1;
    }
    if (b->call_def != NULL && (b->explicit_vc_offset >= 0 || has_legacy_vc_offset)) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot have HPy_tp_call and explicit "
                     "member'__vectorcalloffset__'. Specify just one of them. (type '%s')",
                     hs->name);
        return -1;
    }
    return 0;
}

/* First pass over the spec: checks it and counts what the tables need. */
static int scan_spec(Builder *b)
{
    HPyType_Spec *hs = b->hspec;
    const char *name = hs->name;
    HPyDef **dp;
    PyType_Slot *ls;
    uint64_t seen[2] = { 0, 0 }; /* the slots below 128 given so far */
#define SEEN(s) ((s) >= 0 && (s) < 128 && (seen[(s) >> 6] >> ((s)&63)) & 1u)
#define SET_SEEN(s) (seen[(s) >> 6] |= (uint64_t)1 << ((s)&63))

    Py_ssize_t n_all_members = 0; /* HPy and legacy, __vectorcalloffset__ too */
    int has_legacy_vc_offset = 0;

    b->explicit_vc_offset = -1;
    if (hs->defines != NULL) {
        for (dp = hs->defines; *dp != NULL; dp++) {
            HPyDef *def = *dp;
            switch (def->kind) {
            case HPyDef_Kind_Slot: {
                int s = (int)def->slot.slot;
                int cs = _HPy_CPythonTypeSlot(def->slot.slot);
                if (cs < 0) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d is not a type "
                                            "slot",
                                 name, s);
                    return -1;
                }
                if (SEEN(s)) {
                    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': slot %d is defined twice",
                                 name, s);
                    return -1;
                }
                if (s < 128)
                    SET_SEEN(s);
                if (def->slot.impl == NULL) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d has no "
                                            "implementation",
                                 name, s);
                    return -1;
                }
                b->n_slot++;
                switch (def->slot.slot) {
                case HPy_tp_call: b->call_def = def; break;
                case HPy_tp_traverse: b->traverse_def = def; break;
                case HPy_tp_destroy:
                    if (b->destroy_def != NULL) {
                        PyErr_Format(PyExc_SystemError,
                                     ERR_PREFIX "'%s': HPy_tp_destroy is "
                                                "defined twice",
                                     name);
                        return -1;
                    }
                    b->destroy_def = def;
                    break;
                case HPy_bf_getbuffer: b->getbuffer_def = def; break;
                case HPy_bf_releasebuffer: b->releasebuffer_def = def; break;
                default: break;
                }
                break;
            }
            case HPyDef_Kind_Meth:
                if (def->meth.name == NULL) {
                    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': a method has no name", name);
                    return -1;
                }
                if (_HPy_MethodFlags(def->meth.signature) < 0) {
                    PyErr_Format(PyExc_ValueError,
                                 "Unsupported HPyMeth signature (type '%s', "
                                 "method '%s': signature %d)",
                                 name, def->meth.name, (int)def->meth.signature);
                    return -1;
                }
                b->n_meth++;
                break;
            case HPyDef_Kind_Member:
                if (def->member.name == NULL || !valid_member_type((int)def->member.type)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': member '%s' has invalid "
                                            "type %d",
                                 name, def->member.name ? def->member.name : "(null)",
                                 (int)def->member.type);
                    return -1;
                }
                if (def->member.offset < 0) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': member '%s' has a negative "
                                            "offset",
                                 name, def->member.name);
                    return -1;
                }
                n_all_members++;
                if (is_vectorcalloffset(def->member.name)) {
                    if (def->member.type != HPyMember_HPYSSIZET) {
                        PyErr_Format(PyExc_SystemError,
                                     ERR_PREFIX
                                     "'%s': member "
                                     "__vectorcalloffset__ must have type HPyMember_HPYSSIZET",
                                     name);
                        return -1;
                    }
                    b->explicit_vc_offset = def->member.offset;
                    break;
                }
                b->n_memb++;
                break;
            case HPyDef_Kind_GetSet:
                if (def->getset.name == NULL || (def->getset.getter_cpy_trampoline == NULL &&
                                                 def->getset.setter_cpy_trampoline == NULL)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': get-set descriptor '%s' "
                                            "has neither getter nor setter",
                                 name, def->getset.name ? def->getset.name : "(null)");
                    return -1;
                }
                b->n_getset++;
                break;
            default:
                PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': invalid HPyDef kind %d", name,
                             (int)def->kind);
                return -1;
            }
        }
    }

    if (hs->legacy_slots != NULL) {
        for (ls = (PyType_Slot *)hs->legacy_slots; ls->slot != 0; ls++) {
            switch (ls->slot) {
            case Py_tp_methods: {
                PyMethodDef *m;
                if (b->legacy_methods != NULL)
                    goto twice;
                b->legacy_methods = (PyMethodDef *)ls->pfunc;
                for (m = b->legacy_methods; m != NULL && m->ml_name != NULL; m++)
                    b->n_meth++;
                break;
            }
            case Py_tp_members: {
                PyMemberDef *m;
                if (b->legacy_members != NULL)
                    goto twice;
                b->legacy_members = (PyMemberDef *)ls->pfunc;
                for (m = b->legacy_members; m != NULL && m->name != NULL; m++) {
                    b->n_memb++;
                    n_all_members++;
                    if (is_vectorcalloffset(m->name))
                        has_legacy_vc_offset = 1;
                }
                break;
            }
            case Py_tp_getset: {
                PyGetSetDef *g;
                if (b->legacy_getsets != NULL)
                    goto twice;
                b->legacy_getsets = (PyGetSetDef *)ls->pfunc;
                for (g = b->legacy_getsets; g != NULL && g->name != NULL; g++)
                    b->n_getset++;
                break;
            }
            case Py_tp_dealloc: /* without HPy_tp_destroy/traverse: check_legacy_slots */
                b->legacy_dealloc = ls->pfunc;
                break;
            case Py_tp_traverse:
                if (b->traverse_def != NULL) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX "'%s': cannot have both "
                                            "HPy_tp_traverse and a legacy Py_tp_traverse",
                                 name);
                    return -1;
                }
                b->legacy_traverse = ls->pfunc;
                break;
            case Py_tp_clear: b->legacy_clear = ls->pfunc; break;
            case Py_tp_doc: b->legacy_doc = (const char *)ls->pfunc; break;
            case Py_tp_base:
            case Py_tp_bases:
                PyErr_Format(PyExc_SystemError,
                             ERR_PREFIX "'%s': give bases with "
                                        "HPyType_SpecParam_Base(sTuple), not in legacy_slots",
                             name);
                return -1;
            default:
                if (SEEN(ls->slot)) {
                    PyErr_Format(PyExc_SystemError,
                                 ERR_PREFIX "'%s': slot %d is defined both "
                                            "as an HPy slot and as a legacy slot",
                                 name, ls->slot);
                    return -1;
                }
                b->n_legacy_slots++;
                break;
            }
        }
    }
    return check_call_and_members(b, n_all_members, has_legacy_vc_offset);
twice:
    PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': a legacy slot is given twice", name);
    return -1;
}
#undef SEEN
#undef SET_SEEN

/* Decides where the struct goes; fills b->d, b->basicsize. */
static int compute_layout(Builder *b)
{
    HPyType_Spec *hs = b->hspec;
    const char *name = hs->name;
    PyTypeObject *primary = b->primary;
    _HPyTypeData *bd = b->bd;
    int shape = (int)hs->builtin_shape;
    _HPyTypeData *d = &b->d;

    d->shape = shape;
    b->has_pure_base = bd != NULL && !(bd->flags & _HPY_TYPE_F_LEGACY);
    if (shape == HPyType_BuiltinShape_Legacy) {
        if (b->has_pure_base) {
            PyErr_Format(PyExc_TypeError,
                         "A legacy type should not inherit its memory layout "
                         "from a pure type ('%s' inherits from '%s')",
                         name, primary->tp_name);
            return -1;
        }
        b->basicsize = hs->basicsize > 0 ? hs->basicsize : primary->tp_basicsize;
        if (b->basicsize < primary->tp_basicsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': basicsize %d is smaller than the "
                                    "instances of the base '%s' (%zd)",
                         name, hs->basicsize, primary->tp_name, primary->tp_basicsize);
            return -1;
        }
        d->placement = _HPY_PLACE_FIXED;
        d->struct_offset = 0;
        d->struct_size = b->basicsize;
        d->flags |= _HPY_TYPE_F_LEGACY;
        return 0;
    }

    if (b->has_pure_base) {
        Py_ssize_t base_end;
        if (bd->shape != shape) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s but its base "
                                    "'%s' has builtin shape %s",
                         name, _HPyType_ShapeName(shape), primary->tp_name,
                         _HPyType_ShapeName(bd->shape));
            return -1;
        }
        d->placement = bd->placement;
        d->struct_offset = bd->struct_offset;
        d->var_itemsize = bd->var_itemsize;
        b->base_struct_size = bd->struct_size;
        d->struct_size = hs->basicsize > bd->struct_size ? hs->basicsize : bd->struct_size;
        if (d->placement == _HPY_PLACE_FIXED) {
            base_end = d->struct_offset + bd->struct_size;
            /* A Python subclass of an HPy type put its own data right after
             * the struct: the struct cannot grow in place. */
            if (!(bd->flags & _HPY_TYPE_F_DEFINED) && d->struct_size > bd->struct_size) {
                Py_ssize_t hidden_end = bd->vectorcall_offset >= base_end
                                            ? bd->vectorcall_offset + (Py_ssize_t)sizeof(void *)
                                            : base_end;
                if (primary->tp_basicsize > hidden_end) {
                    PyErr_Format(PyExc_TypeError,
                                 ERR_PREFIX
                                 "'%s' cannot extend the struct of "
                                 "'%s': that class adds its own data after it (e.g. __dict__ "
                                 "or __slots__)",
                                 name, primary->tp_name);
                    return -1;
                }
            }
            b->basicsize = d->struct_offset + d->struct_size;
            if (b->basicsize < primary->tp_basicsize && d->struct_size == bd->struct_size)
                b->basicsize = primary->tp_basicsize;
        }
        else {
            d->struct_size = round_up(d->struct_size, _HPy_STRUCT_ALIGN);
            if (!(bd->flags & _HPY_TYPE_F_DEFINED) && d->struct_size > bd->struct_size) {
                PyErr_Format(PyExc_TypeError,
                             ERR_PREFIX "'%s' cannot extend the struct of "
                                        "'%s', a Python subclass",
                             name, primary->tp_name);
                return -1;
            }
            b->basicsize = d->struct_offset + d->struct_size + _HPy_STRUCT_ALIGN;
            if (b->basicsize < primary->tp_basicsize)
                b->basicsize = primary->tp_basicsize;
        }
        return 0;
    }

    /* A new struct on top of a type that has none (or a legacy one). */
    if (_HPy_BuiltinShapeBase(shape) != NULL) {
        if (!PyType_IsSubtype(primary, _HPy_BuiltinShapeBase(shape))) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s' has builtin shape %s, so its base "
                                    "must be '%s' or a subclass of it (got '%s')",
                         name, _HPyType_ShapeName(shape), _HPy_BuiltinShapeBase(shape)->tp_name,
                         primary->tp_name);
            return -1;
        }
    }
    if (shape == HPyType_BuiltinShape_Long || shape == HPyType_BuiltinShape_Tuple) {
        /* The items are inline: the struct goes after them. */
        PyTypeObject *builtin = _HPy_BuiltinShapeBase(shape);
        if (primary->tp_basicsize != builtin->tp_basicsize ||
            primary->tp_itemsize != builtin->tp_itemsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': a %s-shaped HPy type must extend "
                                    "'%s' or a subclass of it that adds no data ('%s' does)",
                         name, _HPyType_ShapeName(shape), builtin->tp_name, primary->tp_name);
            return -1;
        }
        d->placement =
            shape == HPyType_BuiltinShape_Long ? _HPY_PLACE_VAR_LONG : _HPY_PLACE_VAR_TUPLE;
        d->struct_offset = primary->tp_basicsize;
        d->var_itemsize = primary->tp_itemsize;
        d->struct_size = round_up(hs->basicsize, _HPy_STRUCT_ALIGN);
        b->basicsize = d->struct_offset + d->struct_size + _HPy_STRUCT_ALIGN;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type && hs->basicsize == 0) {
        /* no struct: nothing to place after the variable-size part */
        d->placement = _HPY_PLACE_FIXED;
        d->struct_offset = primary->tp_basicsize;
        d->struct_size = 0;
        b->basicsize = primary->tp_basicsize;
        return 0;
    }
    if (primary->tp_itemsize != 0 && shape != HPyType_BuiltinShape_Type) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': the base '%s' has variable-size "
                                "instances, which builtin shape %s cannot extend",
                     name, primary->tp_name, _HPyType_ShapeName(shape));
        return -1;
    }
    d->placement = _HPY_PLACE_FIXED;
    d->struct_offset = round_up(primary->tp_basicsize, _HPy_STRUCT_ALIGN);
    d->struct_size = hs->basicsize;
    b->basicsize = d->struct_offset + d->struct_size;
    return 0;
}

/* Where instances keep their call function (fills d->vectorcall_offset,
 * d->default_call; may grow b->basicsize). */
static int compute_vectorcall(Builder *b)
{
    _HPyTypeData *d = &b->d;
    _HPyTypeData *bd = b->bd;
    Py_ssize_t inherited = bd != NULL ? bd->vectorcall_offset : 0;
    Py_ssize_t ptr = (Py_ssize_t)sizeof(void *);
    Py_ssize_t end;

    if (b->call_def != NULL)
        d->default_call = FPTR(vectorcallfunc, SLOT_ENTRY(b->ctx, b->call_def));
    else if (bd != NULL)
        d->default_call = bd->default_call;
    if (b->explicit_vc_offset < 0 && b->call_def == NULL && inherited <= 0)
        return 0;
    if (d->placement != _HPY_PLACE_FIXED) {
        PyErr_Format(PyExc_TypeError,
                     "Cannot use HPy call protocol with var objects (type "
                     "'%s': the instances of builtin shape %s have their items inline)",
                     b->hspec->name, _HPyType_ShapeName(d->shape));
        return -1;
    }
    if (b->explicit_vc_offset >= 0) {
        d->vectorcall_offset = d->struct_offset + b->explicit_vc_offset;
        return 0;
    }
    end = d->struct_offset + d->struct_size;
    if (inherited > 0) {
        /* before our struct, inside the base's struct, or a hidden slot
         * after the base's struct that our struct does not grow over */
        if (inherited + ptr <= d->struct_offset ||
            inherited + ptr <= d->struct_offset + b->base_struct_size ||
            d->struct_size == b->base_struct_size) {
            d->vectorcall_offset = inherited;
            return 0;
        }
    }
    /* a hidden slot right after the struct */
    d->vectorcall_offset = round_up(end, ptr);
    if (b->basicsize < d->vectorcall_offset + ptr)
        b->basicsize = d->vectorcall_offset + ptr;
    return 0;
}

/* The tables CPython keeps pointers to, after the data in the bytes object
 * the type will hold in tp_cache (see ctx_type.h). */
typedef struct {
    PyObject *blob;
    PyMethodDef *methods;
    PyMemberDef *members;
    PyGetSetDef *getsets;
    PyMemberDef *var_members; /* closures of the members of VAR placements */
} Tables;

static int build_tables(Builder *b, Tables *t)
{
    HPyType_Spec *hs = b->hspec;
    _HPyTypeData *d = &b->d;
    Py_ssize_t im = 0, ib = 0, ig = 0, iv = 0;
    int var = d->placement != _HPY_PLACE_FIXED;
    Py_ssize_t n_var = var ? b->n_memb : 0;
    Py_ssize_t n_getset_total = b->n_getset + n_var;
    size_t size = (size_t)(b->n_meth + 1) * sizeof(PyMethodDef) +
                  (size_t)(b->n_memb + 2) * sizeof(PyMemberDef) +
                  (size_t)(n_getset_total + 1) * sizeof(PyGetSetDef) +
                  (size_t)(n_var + 1) * sizeof(PyMemberDef);
    HPyDef **dp;
    char *mem;
    t->blob = PyBytes_FromStringAndSize(NULL, _HPY_TYPEDATA_TABLES + (Py_ssize_t)size);
    if (t->blob == NULL)
        return -1;
    if (((uintptr_t)PyBytes_AS_STRING(t->blob) & 7) != 0) {
        PyErr_SetString(PyExc_SystemError, ERR_PREFIX "misaligned bytes payload");
        return -1;
    }
    memset(PyBytes_AS_STRING(t->blob), 0, _HPY_TYPEDATA_TABLES + size);
    mem = PyBytes_AS_STRING(t->blob) + _HPY_TYPEDATA_TABLES;
    t->methods = (PyMethodDef *)mem;
    t->members = (PyMemberDef *)(t->methods + b->n_meth + 1);
    t->getsets = (PyGetSetDef *)(t->members + b->n_memb + 2);
    t->var_members = (PyMemberDef *)(t->getsets + n_getset_total + 1);

    if (hs->defines != NULL) {
        for (dp = hs->defines; *dp != NULL; dp++) {
            HPyDef *def = *dp;
            if (def->kind == HPyDef_Kind_Meth) {
                PyMethodDef *m = &t->methods[im++];
                m->ml_name = def->meth.name;
                m->ml_meth = FPTR(PyCFunction, ENTRY(b->ctx, def->meth.signature, def->meth.impl,
                                                     def->meth.cpy_trampoline));
                m->ml_flags = _HPy_MethodFlags(def->meth.signature);
                m->ml_doc = def->meth.doc;
            }
            else if (def->kind == HPyDef_Kind_Member && !is_vectorcalloffset(def->member.name)) {
                if (var) {
                    if (_HPyType_MemberToPy(hs->name, &def->member, d, NULL, &t->getsets[ig++],
                                            &t->var_members[iv++]) < 0)
                        return -1;
                }
                else if (_HPyType_MemberToPy(hs->name, &def->member, d, &t->members[ib++], NULL,
                                             NULL) < 0) {
                    return -1;
                }
            }
            else if (def->kind == HPyDef_Kind_GetSet) {
                PyGetSetDef *g = &t->getsets[ig++];
                g->name = def->getset.name;
                if (def->getset.getter_cpy_trampoline != NULL)
                    g->get = FPTR(getter, ENTRY(b->ctx, HPyFunc_GETTER, def->getset.getter_impl,
                                                def->getset.getter_cpy_trampoline));
                if (def->getset.setter_cpy_trampoline != NULL)
                    g->set = FPTR(setter, ENTRY(b->ctx, HPyFunc_SETTER, def->getset.setter_impl,
                                                def->getset.setter_cpy_trampoline));
                g->doc = def->getset.doc;
                g->closure = def->getset.closure;
            }
        }
    }
    if (b->legacy_methods != NULL) {
        PyMethodDef *m;
        for (m = b->legacy_methods; m->ml_name != NULL; m++)
            t->methods[im++] = *m;
    }
    if (b->legacy_members != NULL) {
        PyMemberDef *m;
        for (m = b->legacy_members; m->name != NULL; m++)
            t->members[ib++] = *m;
    }
    if (b->legacy_getsets != NULL) {
        PyGetSetDef *g;
        for (g = b->legacy_getsets; g->name != NULL; g++)
            t->getsets[ig++] = *g;
    }
#if PY_VERSION_HEX >= 0x03090000
    if (d->vectorcall_offset > 0) {
        PyMemberDef *m = &t->members[ib++];
        m->name = "__vectorcalloffset__";
        m->type = T_PYSSIZET;
        m->offset = d->vectorcall_offset;
        m->flags = READONLY;
    }
#endif
    (void)ib;
    return 0;
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

static int spec_sets_offset(Builder *b, const char *name)
{
    PyMemberDef *m;
    if (b->legacy_members == NULL)
        return 0;
    for (m = b->legacy_members; m->name != NULL; m++)
        if (strcmp(m->name, name) == 0)
            return 1;
    return 0;
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

_HPy_HIDDEN HPy ctx_Type_FromSpec(HPyContext *ctx, HPyType_Spec *hspec, HPyType_SpecParam *params)
{
    Builder b;
    Tables t;
    PyTypeObject *explicit_meta, *meta = NULL;
    PyObject *bases = NULL, *res = NULL;
    PyType_Slot *slots = NULL, slots_buf[64];
    PyType_Spec spec;
    const char *name;
    unsigned long allowed, flags;
    Py_ssize_t ns = 0, nslots;
    PyType_Slot *ls;
    HPyDef **dp;
    _HPyTypeData *bd;
    int gc_slots;
    memset(&b, 0, sizeof(b));
    memset(&t, 0, sizeof(t));
    b.ctx = ctx;
    if (hspec == NULL || hspec->name == NULL) {
        PyErr_SetString(PyExc_SystemError, ERR_PREFIX "the spec has no name");
        return HPy_NULL;
    }
    name = hspec->name;
    b.hspec = hspec;
    if (check_params(name, params) < 0 || check_legacy_slots(hspec) < 0)
        return HPy_NULL;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) && !defines_slot(hspec, HPy_tp_traverse)) {
        PyErr_Format(PyExc_ValueError,
                     "You must provide an HPy_tp_traverse slot if you specify "
                     "HPy_TPFLAGS_HAVE_GC (type '%s')",
                     name);
        return HPy_NULL;
    }
    if (_HPyType_ShapeName((int)hspec->builtin_shape) == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid shape: %d (type '%s')", (int)hspec->builtin_shape,
                     name);
        return HPy_NULL;
    }
    if (hspec->basicsize < 0 || hspec->itemsize < 0) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': negative basicsize or itemsize", name);
        return HPy_NULL;
    }
    allowed = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE | HPy_TPFLAGS_HAVE_GC |
              HPy_TPFLAGS_HAVE_VECTORCALL;
    if (hspec->flags & ~allowed) {
        PyErr_Format(PyExc_SystemError, ERR_PREFIX "'%s': unsupported flags 0x%lx", name,
                     hspec->flags & ~allowed);
        return HPy_NULL;
    }
    if (scan_spec(&b) < 0)
        return HPy_NULL;

    _HPyType_GCInit();
    if (read_params(name, params, &bases, &explicit_meta) < 0)
        goto error;
    if (bases == NULL) {
        /* The default base: a static built-in type, whose metatype is
         * `type`. */
        PyTypeObject *def_base = _HPy_BuiltinShapeBase((int)hspec->builtin_shape);
        if (def_base == NULL)
            def_base = &PyBaseObject_Type;
        if ((bases = PyTuple_Pack(1, (PyObject *)def_base)) == NULL)
            goto error;
        b.primary = def_base;
    }
    else {
        b.primary = pick_primary(bases);
    }
    b.bd = _HPyType_GetData(b.primary);
    if (compute_layout(&b) < 0 || compute_vectorcall(&b) < 0)
        goto error;
    if (b.basicsize > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, ERR_PREFIX "'%s': basicsize too large", name);
        goto error;
    }
    if ((meta = choose_metatype(explicit_meta, bases)) == NULL)
        goto error;

    /* the traverse and destroy implementations */
    bd = b.bd;
    if (b.traverse_def != NULL)
        b.d.traverse = FPTR(HPyFunc_traverseproc, b.traverse_def->slot.impl);
    else if (bd != NULL)
        b.d.traverse = bd->traverse;
    if (b.destroy_def != NULL)
        b.d.destroy = FPTR(HPyFunc_destroyfunc, b.destroy_def->slot.impl);
    /* A traverse implementation without HPy_TPFLAGS_HAVE_GC only serves to
     * release the fields when the object dies (unless the base is a GC type
     * anyway). */
    gc_slots = b.legacy_traverse == NULL && ((hspec->flags & HPy_TPFLAGS_HAVE_GC) ||
                                             (b.d.traverse != NULL && PyType_IS_GC(b.primary)));

    if (build_tables(&b, &t) < 0)
        goto error;

    /* the CPython slots */
    nslots = 16 + b.n_legacy_slots + b.n_slot;
    if (nslots <= (Py_ssize_t)(sizeof(slots_buf) / sizeof(slots_buf[0]))) {
        slots = slots_buf;
    }
    else if ((slots = (PyType_Slot *)PyMem_Calloc((size_t)nslots, sizeof(PyType_Slot))) == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (hspec->defines != NULL) {
        for (dp = hspec->defines; *dp != NULL; dp++) {
            int cs;
            if ((*dp)->kind != HPyDef_Kind_Slot)
                continue;
            cs = _HPy_CPythonTypeSlot((*dp)->slot.slot);
            if (cs > 0) {
                slots[ns].slot = cs;
                slots[ns].pfunc = SLOT_ENTRY(ctx, *dp);
                ns++;
            }
#ifdef Py_bf_getbuffer
            else if ((*dp)->slot.slot == HPy_bf_getbuffer) {
                slots[ns].slot = Py_bf_getbuffer;
                slots[ns].pfunc = (void *)(*dp)->slot.cpy_trampoline;
                ns++;
            }
            else if ((*dp)->slot.slot == HPy_bf_releasebuffer) {
                slots[ns].slot = Py_bf_releasebuffer;
                slots[ns].pfunc = (void *)(*dp)->slot.cpy_trampoline;
                ns++;
            }
#endif
        }
    }
    if (hspec->legacy_slots != NULL) {
        for (ls = (PyType_Slot *)hspec->legacy_slots; ls->slot != 0; ls++) {
            switch (ls->slot) {
            case Py_tp_methods:
            case Py_tp_members:
            case Py_tp_getset:
            case Py_tp_dealloc:
            case Py_tp_traverse:
            case Py_tp_clear:
            case Py_tp_doc: break;
            default: slots[ns++] = *ls;
            }
        }
    }
    slots[ns].slot = Py_tp_methods;
    slots[ns++].pfunc = t.methods;
    slots[ns].slot = Py_tp_members;
    slots[ns++].pfunc = t.members;
    slots[ns].slot = Py_tp_getset;
    slots[ns++].pfunc = t.getsets;
    if (hspec->doc != NULL || b.legacy_doc != NULL) {
        slots[ns].slot = Py_tp_doc;
        slots[ns++].pfunc = (void *)(hspec->doc != NULL ? hspec->doc : b.legacy_doc);
    }
    slots[ns].slot = Py_tp_dealloc;
    if (b.legacy_dealloc != NULL) {
        slots[ns++].pfunc = b.legacy_dealloc;
    }
    else {
        slots[ns++].pfunc = (void *)_HPyType_Dealloc;
        b.d.flags |= _HPY_TYPE_F_OWN_DEALLOC;
    }
    if (b.legacy_traverse != NULL) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = b.legacy_traverse;
    }
    else if (gc_slots) {
        slots[ns].slot = Py_tp_traverse;
        slots[ns++].pfunc = (void *)_HPyType_Traverse;
        b.d.flags |= _HPY_TYPE_F_GC_SLOTS;
    }
    if (b.legacy_clear != NULL) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = b.legacy_clear;
    }
    else if (gc_slots || (b.legacy_traverse != NULL && b.d.traverse != NULL)) {
        slots[ns].slot = Py_tp_clear;
        slots[ns++].pfunc = (void *)_HPyType_Clear;
    }
    if (b.d.vectorcall_offset > 0) {
        slots[ns].slot = Py_tp_call;
        slots[ns++].pfunc = (void *)_HPyType_Call;
    }
    slots[ns].slot = 0;
    slots[ns].pfunc = NULL;

    flags = Py_TPFLAGS_DEFAULT;
    if (hspec->flags & HPy_TPFLAGS_BASETYPE)
        flags |= Py_TPFLAGS_BASETYPE;
    if ((hspec->flags & HPy_TPFLAGS_HAVE_GC) || gc_slots || b.legacy_traverse != NULL)
        flags |= Py_TPFLAGS_HAVE_GC;
    if (b.d.vectorcall_offset > 0)
        flags |= _HPy_TPFLAGS_VECTORCALL;
    spec.name = name;
    spec.basicsize = (int)b.basicsize;
    spec.itemsize = hspec->itemsize;
    spec.flags = (unsigned int)flags;
    spec.slots = slots;

    res = type_from_spec(meta, &spec, bases);
    if (slots != slots_buf)
        PyMem_Free(slots);
    slots = NULL;
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
        tp->tp_cache = t.blob;
        t.blob = NULL;
        d = (_HPyTypeData *)(void *)PyBytes_AS_STRING(tp->tp_cache);
        if (tp->tp_base == NULL || tp->tp_base->tp_basicsize != b.primary->tp_basicsize ||
            tp->tp_base->tp_itemsize != b.primary->tp_itemsize) {
            PyErr_Format(PyExc_TypeError,
                         ERR_PREFIX "'%s': CPython chose '%s' as the layout "
                                    "base instead of '%s'; reorder the bases",
                         name, tp->tp_base ? tp->tp_base->tp_name : "?", b.primary->tp_name);
            goto error;
        }
        /* CPython copies the dict and weaklist offsets of a secondary base
         * into a type made from a spec, although they are meaningless in
         * the layout of the primary base (they would point into our
         * struct). Such a type gets neither. */
        if (!spec_sets_offset(&b, "__dictoffset__") && primary_lacks_dict(b.primary) &&
            !type_has_managed_dict(tp))
            tp->tp_dictoffset = 0;
        if (!spec_sets_offset(&b, "__weaklistoffset__") && b.primary->tp_weaklistoffset == 0 &&
            !type_has_managed_weakref(tp))
            tp->tp_weaklistoffset = 0;
#if PY_VERSION_HEX < 0x03090000
        /* 3.8 knows neither the buffer slots in specs nor these members. */
        if (b.getbuffer_def != NULL)
            tp->tp_as_buffer->bf_getbuffer =
                FPTR(getbufferproc, b.getbuffer_def->slot.cpy_trampoline);
        if (b.releasebuffer_def != NULL)
            tp->tp_as_buffer->bf_releasebuffer =
                FPTR(releasebufferproc, b.releasebuffer_def->slot.cpy_trampoline);
        if (b.d.vectorcall_offset > 0)
            tp->tp_vectorcall_offset = b.d.vectorcall_offset;
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
        b.d.flags |= _HPY_TYPE_F_DEFINED;
        if ((b.d.flags & _HPY_TYPE_F_OWN_DEALLOC) && _HPyType_IsSimple(tp))
            b.d.flags |= _HPY_TYPE_F_SIMPLE;
        if (b.d.placement == _HPY_PLACE_FIXED &&
            !(b.d.vectorcall_offset > 0 && b.d.default_call != NULL))
            b.d.flags |= _HPY_TYPE_F_FAST_NEW;
        if ((b.d.flags & _HPY_TYPE_F_SIMPLE) && tp->tp_base == &PyBaseObject_Type &&
            !PyType_IS_GC(tp) && tp->tp_weaklistoffset == 0 && tp->tp_dictoffset == 0 &&
            b.d.traverse == NULL && b.d.destroy == NULL) {
            b.d.flags |= _HPY_TYPE_F_PLAIN;
            tp->tp_dealloc = _HPyType_DeallocPlain; /* no instance exists yet */
        }
        else if ((b.d.flags & _HPY_TYPE_F_SIMPLE) && tp->tp_base == &PyBaseObject_Type &&
                 PyType_IS_GC(tp) && b.d.placement == _HPY_PLACE_FIXED &&
                 tp->tp_weaklistoffset == 0 && tp->tp_dictoffset == 0 && b.d.destroy == NULL) {
            tp->tp_dealloc = _HPyType_DeallocPlainGC;
#ifdef HPY_ABI_CPYTHON
            /* the traverse trampoline of this binary, which can clear */
            if (b.traverse_def != NULL)
                *_HPyType_ClearFieldsSlot(d) =
                    FPTR(traverseproc, b.traverse_def->slot.cpy_trampoline);
#endif
        }
        b.d.hpy_type = tp;
        *d = b.d;
        d->magic =
            b.d.placement == _HPY_PLACE_FIXED ? _HPY_TYPEDATA_MAGIC_FIXED : _HPY_TYPEDATA_MAGIC;
    }
    Py_DECREF(bases);
    Py_DECREF(meta);
    return _py2h(res);

error:
    if (res != NULL) {
        Py_DECREF(res);
    }
    if (slots != slots_buf)
        PyMem_Free(slots);
    Py_XDECREF(t.blob);
    Py_XDECREF(bases);
    Py_XDECREF(meta);
    return HPy_NULL;
}
