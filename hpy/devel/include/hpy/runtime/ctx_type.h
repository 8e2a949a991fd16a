/* Types created by HPyType_FromSpec (runtime/ctx_type*.c): what the
 * runtime keeps per type, and the hidden entry points the universal host
 * calls. Shared by the cpython ABI and the host; not part of the public API.
 *
 * Where the per-type data lives
 * -----------------------------
 * HPy types are ordinary types: their metatype is `type` (or whatever
 * metaclass the spec or the bases ask for), and no tp_flags bit is used.
 * The data below sits at the start of a `bytes` object that the type holds
 * in tp_cache, a field CPython 3.8-3.13 neither reads nor writes (NULL in
 * every type it makes) but releases in type_dealloc, also when the type dies
 * in a cycle. The same bytes object carries, after the data, the method,
 * member and getset tables CPython keeps pointers to, so they live exactly as
 * long as the type (every descriptor made from them holds a reference to
 * the type). Finding the data is a load, a NULL test, a type test and the
 * magic: _HPyType_Data.
 *
 * A Python subclass of an HPy type (whatever its metaclass) starts with a
 * NULL tp_cache and gets a copy of its nearest HPy base's data, in a bytes
 * object of its own, the first time the data is needed.
 *
 * Every runtime copy (each cpython-ABI extension has one, the host has one)
 * reads the data of types made by the others, so the layout of _HPyTypeData
 * is an ABI between runtime copies: change it only together with
 * _HPY_TYPEDATA_MAGIC (a copy then treats the other's types as foreign,
 * never misreads them). Types that another extension gave a tp_cache of its
 * own are not HPy types for us (the type test and the magic fail).
 *
 * Where the struct of an instance lives
 * -------------------------------------
 * - Legacy shape: it is the object (it starts with PyObject_HEAD).
 * - Other shapes, fixed-size base: at a fixed offset, right after the data of
 *   the first non-HPy base (aligned); an HPy subtype of a pure HPy type
 *   extends its base's struct in place (same offset).
 * - Long and Tuple shapes (the base keeps its items inline): after the
 *   items, at round_up(base_basicsize + n * itemsize, _HPy_STRUCT_ALIGN).
 */
#ifndef HPY_RUNTIME_CTX_TYPE_H
#define HPY_RUNTIME_CTX_TYPE_H

/* PyMemberDef: in Python.h from 3.12 on, in structmember.h before. */
#if PY_VERSION_HEX < 0x030C0000
#    include <structmember.h>
#endif

/* _HPyTypeData.magic: "HPy" and the layout version of _HPyTypeData (0x10),
 * plus 1 for the FIXED placement, so that the fast paths of AsStruct and
 * HPy_New need a single compare. */
#define _HPY_TYPEDATA_MAGIC 0x48507910u
#define _HPY_TYPEDATA_MAGIC_FIXED (_HPY_TYPEDATA_MAGIC | 1u)

/* _HPyTypeData.flags */
#define _HPY_TYPE_F_DEFINED 0x01u     /* created by HPyType_FromSpec (not a Python subclass) */
#define _HPY_TYPE_F_OWN_DEALLOC 0x02u /* tp_dealloc is the runtime's (not a legacy Py_tp_dealloc) */
#define _HPY_TYPE_F_GC_SLOTS 0x04u    /* tp_traverse/tp_clear are the runtime's */
#define _HPY_TYPE_F_LEGACY 0x08u      /* builtin shape Legacy */
#define _HPY_TYPE_F_SIMPLE \
    0x10u /* DEFINED, OWN_DEALLOC, and its tp_base is neither an
                                       HPy type nor a Python class, and has the same dict:
                                       tp_dealloc/traverse/clear need not walk the chain */
#define _HPY_TYPE_F_FAST_NEW \
    0x20u /* FIXED placement and no per-instance call function:
                                       HPy_New is tp_alloc plus struct_offset. Layout only,
                                       so Python subclasses keep it in their copy */
#define _HPY_TYPE_F_PLAIN \
    0x40u /* SIMPLE, its base is `object`, not GC, no weak
                                       references, no traverse nor destroy: its tp_dealloc
                                       is _HPyType_DeallocPlain (tp_free and the type's
                                       decref, unless tp_finalize).
                                       Trusted only together with DEFINED (runtime copies
                                       that do not know this bit clear DEFINED in the
                                       copies they make for Python subclasses) */
#define _HPY_TYPE_F_ALLOC_FIXED \
    0x80u /* tp_alloc is the _HPyType_AllocFixed of the runtime copy
                                       that made the type (see there). Never in the copies
                                       made for Python subclasses (CPython gives those
                                       PyType_GenericAlloc) */

/* _HPyTypeData.placement */
#define _HPY_PLACE_FIXED 0
#define _HPY_PLACE_VAR_TUPLE 1
#define _HPY_PLACE_VAR_LONG 2

typedef struct {
    uint32_t magic;                /* _HPY_TYPEDATA_MAGIC(_FIXED) once filled in */
    uint32_t flags;                /* _HPY_TYPE_F_* */
    int32_t shape;                 /* HPyType_BuiltinShape */
    int32_t placement;             /* _HPY_PLACE_* */
    Py_ssize_t struct_offset;      /* FIXED: offset of the struct in the object;
                                    VAR_*: basicsize of the builtin base */
    Py_ssize_t struct_size;        /* size of the struct (0 if none) */
    Py_ssize_t var_itemsize;       /* VAR_*: itemsize of the builtin base */
    Py_ssize_t vectorcall_offset;  /* where an instance keeps its call function, or 0 */
    vectorcallfunc default_call;   /* what a new instance gets there (HPy_tp_call) */
    HPyFunc_destroyfunc destroy;   /* this type's own HPy_tp_destroy, or NULL */
    HPyFunc_traverseproc traverse; /* HPy_tp_traverse, own or inherited, or NULL */
    PyTypeObject *hpy_type;        /* nearest type created by HPyType_FromSpec (borrowed) */
} _HPyTypeData;

/* Right after the data, in the bytes object of a type made by
 * HPyType_FromSpec: the function that clears the HPyFields of an instance's
 * struct with the visitor inlined, or NULL (see _HPy_CLEAR_FIELDS below).
 * Private to the runtime copy that made the type (another copy's types may
 * not have it, and a Python subclass' copy of the data never has it): only
 * the tp_dealloc that this copy installed in its own types reads it. */
static inline traverseproc *_HPyType_ClearFieldsSlot(_HPyTypeData *d)
{
    return (traverseproc *)(void *)(d + 1);
}

/* Where the tables start in the bytes object of a type made by
 * HPyType_FromSpec: after the data and the slot above, aligned for any of
 * them. */
#define _HPY_TYPEDATA_TABLES \
    (((Py_ssize_t)(sizeof(_HPyTypeData) + sizeof(traverseproc)) + 15) & ~(Py_ssize_t)15)

/* A cpython-ABI traverse trampoline (hpy/cpython/hpyfunc_trampolines.h)
 * called with this visitor and the struct of an instance as its argument
 * clears the HPyFields of that struct: the implementation is then inlined
 * with _HPy_ClearFieldVisit, with no indirect call per field. Called with
 * this visitor, no object and a `destructor *` as its argument, it stores
 * there a tp_dealloc with the same clearing inlined, for instances with the
 * struct at _HPY_ALLOC_FIXED_OFFSET (HPyType_FromSpec asks for it once per
 * type). CPython never calls a tp_traverse with a NULL visitor. */
#define _HPy_CLEAR_FIELDS ((visitproc)NULL)

static inline int _HPy_ClearFieldVisit(HPyField *f, void *arg)
{
    PyObject *o = _hf2py(*f);
    (void)arg;
    *f = HPyField_NULL;
    Py_XDECREF(o);
    return 0;
}

/* The payload of the bytes object in tp_cache of `tp`, or NULL: our data
 * only if its magic says so. It is 8-aligned (checked when it is made) and
 * always has room for the magic: a bytes object is at least 33 bytes, which
 * pymalloc rounds up to 48. */
static inline _HPyTypeData *_HPyType_Payload(PyTypeObject *tp)
{
    PyObject *c = tp->tp_cache;
    if (c != NULL && Py_TYPE(c) == &PyBytes_Type)
        return (_HPyTypeData *)(void *)((PyBytesObject *)c)->ob_sval;
    return NULL;
}

/* The data `tp` itself holds (not an inherited one), or NULL. */
static inline _HPyTypeData *_HPyType_Data(PyTypeObject *tp)
{
    _HPyTypeData *d = _HPyType_Payload(tp);
    if (d != NULL && (d->magic | 1u) == _HPY_TYPEDATA_MAGIC_FIXED)
        return d;
    return NULL;
}

/* The struct of an instance of an HPy type (or of a Python subclass of
 * one); NULL if `obj` is not such an instance. A few instructions. Called
 * by the host for HPyFunc_TRAVERSEPROC and HPyFunc_DESTROYFUNC. */
_HPy_HIDDEN void *_HPy_StructOfObject(PyObject *obj);

/* The type data of `tp` (filled in if `tp` is a Python subclass of an HPy
 * type seen for the first time), or NULL if `tp` is not an HPy type nor a
 * subclass of one. Sets no exception. */
_HPy_HIDDEN _HPyTypeData *_HPyType_GetData(PyTypeObject *tp);

/* Calls a traverse implementation on `self` the way CPython's tp_traverse
 * would: each non-NULL HPyField reaches `visit` as its PyObject*. For the
 * host's HPyFunc_TRAVERSEPROC (types made by HPyType_FromSpec never need it:
 * their tp_traverse calls the implementation directly). */
_HPy_HIDDEN int _HPy_CallTraverse(HPyFunc_traverseproc impl, PyObject *self, visitproc visit,
                                  void *arg);

/* Calls a destroy implementation on the struct of `self`. For the host's
 * HPyFunc_DESTROYFUNC (tp_dealloc of HPy types already does this). */
_HPy_HIDDEN void _HPy_CallDestroy(HPyFunc_destroyfunc impl, PyObject *self);


/* --- between the ctx_type*.c files ------------------------------------- */

/* Alignment of the struct of a non-legacy instance. */
#define _HPy_STRUCT_ALIGN ((Py_ssize_t)(sizeof(void *) > 8 ? sizeof(void *) : 16))

/* Where the struct of an instance of an HPy type on top of `object` (or of
 * any base as large as `object`) lives. */
#define _HPY_ALLOC_FIXED_OFFSET \
    (((Py_ssize_t)sizeof(PyObject) + _HPy_STRUCT_ALIGN - 1) & ~(_HPy_STRUCT_ALIGN - 1))

/* The tp_alloc that HPyType_FromSpec gives the types whose instances have
 * the struct at _HPY_ALLOC_FIXED_OFFSET with a FIXED placement and that
 * need nothing but tp_alloc from HPy_New (_HPY_TYPE_F_FAST_NEW): it is
 * PyType_GenericAlloc, at an address of this runtime copy's own. Seeing it
 * in a type is then proof of that layout without reading the type data:
 * the fast paths of HPy_New and AsStruct are one compare. Subtypes made
 * from specs inherit it (a runtime copy resets it in those that do not
 * qualify, _HPY_TYPE_F_ALLOC_FIXED tells it which inherited tp_alloc it
 * may reset), classes made in Python get PyType_GenericAlloc from CPython.
 * A subtype made by another copy keeps its base's layout, so the struct is
 * where the marker says; if that subtype has a default call function, an
 * instance made through the fast path gets it on its first call
 * (_HPyType_Call). */
_HPy_HIDDEN PyObject *_HPyType_AllocFixed(PyTypeObject *tp, Py_ssize_t nitems);

/* The struct of `obj` if its type carries this copy's marker, else NULL. */
static inline void *_HPyType_MarkedStruct(PyObject *obj)
{
    if (Py_TYPE(obj)->tp_alloc == _HPyType_AllocFixed)
        return (char *)obj + _HPY_ALLOC_FIXED_OFFSET;
    return NULL;
}

/* HPy_New for a type that carries this copy's marker: 1 and the new object
 * (or NULL with an exception) in `*obj`; 0 for any other object `tp`. */
static inline int _HPyType_MarkedNew(PyTypeObject *tp, PyObject **obj, void **data)
{
    /* `tp` comes from the caller of HPy_New: it may be any object */
    if (!PyType_Check((PyObject *)tp) || tp->tp_alloc != _HPyType_AllocFixed)
        return 0;
    *obj = PyType_GenericAlloc(tp, 0);
    if (*obj != NULL && data != NULL) /* folds away for HPy_New(ctx, t, &p) */
        *data = (char *)*obj + _HPY_ALLOC_FIXED_OFFSET;
    return 1;
}

/* The struct of `obj` if its type is a filled-in HPy type with a FIXED
 * placement, else NULL: the fast path of AsStruct for types made by
 * another runtime copy and Python subclasses, shared by the cpython ABI's
 * inline API and the runtime. */
static inline void *_HPyType_FixedStruct(PyObject *obj)
{
    const _HPyTypeData *d = _HPyType_Payload(Py_TYPE(obj));
    if (d != NULL && d->magic == _HPY_TYPEDATA_MAGIC_FIXED)
        return (char *)obj + d->struct_offset;
    return NULL;
}

/* The data of `tp` if it is a type with _HPY_TYPE_F_FAST_NEW (an HPy type
 * or a Python subclass of one already seen), else NULL: the fast path of
 * HPy_New. */
static inline const _HPyTypeData *_HPyType_FastNewData(PyTypeObject *tp)
{
    /* `tp` comes from the caller of HPy_New: it may be any object */
    if (PyType_Check((PyObject *)tp)) {
        const _HPyTypeData *d = _HPyType_Payload(tp);
        if (d != NULL && d->magic == _HPY_TYPEDATA_MAGIC_FIXED && (d->flags & _HPY_TYPE_F_FAST_NEW))
            return d;
    }
    return NULL;
}

/* The struct of `obj` for the layout described by `d`. */
static inline void *_HPyType_StructFor(PyObject *obj, const _HPyTypeData *d)
{
    Py_ssize_t n, off;
    if (d->placement == _HPY_PLACE_FIXED)
        return (char *)obj + d->struct_offset;
    if (d->placement == _HPY_PLACE_VAR_TUPLE) {
        n = Py_SIZE(obj);
    }
    else {
#if PY_VERSION_HEX >= 0x030C0000
        n = (Py_ssize_t)(((PyLongObject *)obj)->long_value.lv_tag >> _PyLong_NON_SIZE_BITS);
        if (n < 1)
            n = 1;
#else
        n = Py_SIZE(obj);
        if (n < 0)
            n = -n;
#endif
    }
    off = d->struct_offset + n * d->var_itemsize;
    off = (off + _HPy_STRUCT_ALIGN - 1) & ~(_HPy_STRUCT_ALIGN - 1);
    return (char *)obj + off;
}

/* ctx_type_gc.c: the tp_dealloc/tp_traverse/tp_clear of HPy types.
 * _HPyType_GCInit must have run (HPyType_FromSpec calls it) before any of
 * them is installed in a type. */
_HPy_HIDDEN void _HPyType_GCInit(void);
/* Whether the chain of `tp` (a new HPy type) is _HPY_TYPE_F_SIMPLE. */
_HPy_HIDDEN int _HPyType_IsSimple(PyTypeObject *tp);
_HPy_HIDDEN void _HPyType_Dealloc(PyObject *self);
/* tp_dealloc of _HPY_TYPE_F_PLAIN types (HPyType_FromSpec installs it once
 * the type is known to be plain) */
_HPy_HIDDEN void _HPyType_DeallocPlain(PyObject *self);
/* tp_dealloc of the GC types that would be plain but for the GC and their
 * traverse (HPyType_FromSpec installs it) */
_HPy_HIDDEN void _HPyType_DeallocPlainGC(PyObject *self);
_HPy_HIDDEN int _HPyType_Traverse(PyObject *self, visitproc visit, void *arg);
_HPy_HIDDEN int _HPyType_Clear(PyObject *self);
/* Clears the HPyFields of `self` (every distinct traverse implementation of
 * the HPy types of its class chain). */
_HPy_HIDDEN void _HPyType_ClearFields(PyObject *self);

/* ctx_type.c: tp_call of HPy types with HPy_tp_call. */
_HPy_HIDDEN PyObject *_HPyType_Call(PyObject *self, PyObject *args, PyObject *kw);

#endif /* HPY_RUNTIME_CTX_TYPE_H */
