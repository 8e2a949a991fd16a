/* The tp_dealloc, tp_traverse and tp_clear of HPy types.
 *
 * - Traverse and destroy implementations take the struct and no context;
 *   they are called directly, never through their trampolines.
 * - tp_traverse calls the HPy_tp_traverse of the type (its own or the one
 *   it inherited, as CPython inherits tp_traverse), then the tp_traverse of
 *   the first base that is not an HPy type, and visits the type (heap types'
 *   instances own a reference to it).
 * - tp_clear and tp_dealloc clear the HPyFields: they run every distinct
 *   traverse implementation of the HPy types of the class chain with a
 *   visitor that clears the field it is given (clearing twice is harmless;
 *   visiting twice during a collection would not be, hence the difference).
 * - tp_dealloc then calls HPy_tp_destroy of every HPy type of the chain,
 *   most derived first, with no context, and lets the first non-HPy base
 *   (object, int, list, a legacy type with its own dealloc...) free the
 *   object.
 * Python classes met in the chain below an HPy type (an HPy type may
 * inherit from one) have their __slots__ and __dict__ handled here, since
 * their own subtype_* functions start from Py_TYPE(self) and would call
 * back into us. */
#include "hpy.h"
#include "structmember.h"
#include "hpy/runtime/ctx_type.h"
#include "ctx_type_spec.h"

#define HEAP_MEMBERS(t) ((PyMemberDef *)((char *)(t) + Py_TYPE(t)->tp_basicsize))

static destructor py_subtype_dealloc;
static traverseproc py_subtype_traverse;
static inquiry py_subtype_clear;
static int gc_ready;

/* The functions CPython gives classes defined in Python. */
_HPy_HIDDEN void _HPyType_GCInit(void)
{
    if (!gc_ready)
        gc_ready = _HPyType_PythonClassSlots(&py_subtype_dealloc, &py_subtype_traverse,
                                             &py_subtype_clear) == 0;
}

/* The data of `t` if `t` is an HPy type or a Python subclass of one. */
static _HPyTypeData *own_data(PyTypeObject *t)
{
    _HPyTypeData *d = _HPyType_GetData(t);
    if (d == NULL || d == _HPyType_Data(t))
        return d;
    return NULL; /* inherited from an ancestor: `t` itself is not one */
}

static int is_defined(const _HPyTypeData *d)
{
    return d != NULL && (d->flags & _HPY_TYPE_F_DEFINED);
}

/* ------------------------------------------------------------------------
 * Calling traverse implementations
 * ------------------------------------------------------------------------ */

static void call_clear(HPyFunc_traverseproc impl, void *st)
{
    impl(st, _HPyType_ClearField, NULL);
}

_HPy_HIDDEN int _HPy_CallTraverse(HPyFunc_traverseproc impl, PyObject *self, visitproc visit,
                                  void *arg)
{
    void *st = _HPy_StructOfObject(self);
    if (st == NULL)
        return 0;
    return _HPyType_TraverseStruct(impl, st, visit, arg);
}

_HPy_HIDDEN void _HPy_CallDestroy(HPyFunc_destroyfunc impl, PyObject *self)
{
    void *st = _HPy_StructOfObject(self);
    if (st != NULL)
        impl(st);
}

/* For _HPyType_ClearEachTraverse: the traverse of an HPy type of the
 * chain, and the struct of `self` for it. */
static int own_traverse(PyObject *self, PyTypeObject *t, HPyFunc_traverseproc *f, void **st)
{
    _HPyTypeData *d = own_data(t);
    if (!is_defined(d) || d->traverse == NULL)
        return 0;
    *f = d->traverse;
    *st = _HPyType_StructFor(self, d);
    return 1;
}

static PyTypeObject *tp_base_of(PyTypeObject *t)
{
    return t->tp_base;
}

_HPy_HIDDEN void _HPyType_ClearFields(PyObject *self)
{
    _HPyType_ClearEachTraverse(self, own_traverse, tp_base_of);
}

/* ------------------------------------------------------------------------
 * The class chain
 * ------------------------------------------------------------------------ */

enum { FOR_TRAVERSE, FOR_CLEAR, FOR_DEALLOC };

/* Walks the chain of tp_base from Py_TYPE(self): `*owner` gets the first
 * HPy type made by HPyType_FromSpec, the result is the first base the work
 * must be handed to (NULL if none). Python classes below the owner are
 * reported through `py_class` (may be NULL) as they are met. */
static PyTypeObject *walk(PyObject *self, int what, PyTypeObject **owner,
                          int (*py_class)(PyTypeObject *, PyObject *, void *), void *arg, int *err)
{
    PyTypeObject *t;
    *owner = NULL;
    for (t = Py_TYPE(self); t != NULL; t = t->tp_base) {
        _HPyTypeData *d = own_data(t);
        if (is_defined(d)) {
            if (*owner == NULL)
                *owner = t;
            switch (what) {
            case FOR_DEALLOC:
                if (!(d->flags & _HPY_TYPE_F_OWN_DEALLOC))
                    return t;
                break;
            case FOR_TRAVERSE:
                if (!(d->flags & _HPY_TYPE_F_GC_SLOTS) && t->tp_traverse != NULL &&
                    (t->tp_base == NULL || t->tp_traverse != t->tp_base->tp_traverse))
                    return t; /* a legacy Py_tp_traverse */
                break;
            default:
                if (!(d->flags & _HPY_TYPE_F_GC_SLOTS) && t->tp_clear != NULL &&
                    (t->tp_base == NULL || t->tp_clear != t->tp_base->tp_clear))
                    return t;
                break;
            }
            continue;
        }
        if ((t->tp_flags & Py_TPFLAGS_HEAPTYPE) && gc_ready &&
            ((what == FOR_DEALLOC && t->tp_dealloc == py_subtype_dealloc) ||
             (what == FOR_TRAVERSE && t->tp_traverse == py_subtype_traverse) ||
             (what == FOR_CLEAR && t->tp_clear == py_subtype_clear))) {
            /* a Python class: above the owner it is handled by CPython
             * (it is what called us), below it by us */
            if (*owner != NULL && py_class != NULL && Py_SIZE(t) > 0) {
                int r = py_class(t, self, arg);
                if (r) {
                    *err = r;
                    return NULL;
                }
            }
            continue;
        }
        if (d != NULL)
            continue; /* a Python subclass of an HPy type, without subtype_* */
        return t;
    }
    return NULL;
}

static int has_dict(PyTypeObject *t)
{
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT)
        return 1;
#endif
    return t->tp_dictoffset != 0;
}

/* The dict of `self`, if it belongs to the HPy part of the chain (between
 * the owner and the base the work is handed to). */
static int dict_is_ours(PyTypeObject *owner, PyTypeObject *stop)
{
    return owner != NULL && has_dict(owner) && (stop == NULL || !has_dict(stop));
}

static int visit_dict(PyObject *self, PyTypeObject *owner, visitproc visit, void *arg)
{
    PyObject **p;
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (owner->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
#    if PY_VERSION_HEX >= 0x030D0000
        return PyObject_VisitManagedDict(self, visit, arg);
#    elif PY_VERSION_HEX >= 0x030C0000
        return _PyObject_VisitManagedDict(self, visit, arg);
#    else
        return 0;
#    endif
    }
#endif
    (void)owner;
    p = _PyObject_GetDictPtr(self);
    if (p != NULL && *p != NULL)
        return visit(*p, arg);
    return 0;
}

static void clear_dict(PyObject *self, PyTypeObject *owner)
{
    PyObject **p;
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (owner->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
#    if PY_VERSION_HEX >= 0x030D0000
        PyObject_ClearManagedDict(self);
#    elif PY_VERSION_HEX >= 0x030C0000
        _PyObject_ClearManagedDict(self);
#    endif
        return;
    }
#endif
    (void)owner;
    p = _PyObject_GetDictPtr(self);
    if (p != NULL)
        Py_CLEAR(*p);
}

static int visit_py_slots(PyTypeObject *t, PyObject *self, void *arg)
{
    _HPyVisitArgs *c = (_HPyVisitArgs *)arg;
    PyMemberDef *mp = HEAP_MEMBERS(t);
    Py_ssize_t i;
    for (i = 0; i < Py_SIZE(t); i++, mp++) {
        if (mp->type == T_OBJECT_EX) {
            PyObject *o = *(PyObject **)((char *)self + mp->offset);
            if (o != NULL) {
                int r = c->visit(o, c->arg);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

static int clear_py_slots(PyTypeObject *t, PyObject *self, void *arg)
{
    PyMemberDef *mp = HEAP_MEMBERS(t);
    Py_ssize_t i;
    (void)arg;
    for (i = 0; i < Py_SIZE(t); i++, mp++) {
        if (mp->type == T_OBJECT_EX && !(mp->flags & READONLY)) {
            PyObject **p = (PyObject **)((char *)self + mp->offset);
            Py_CLEAR(*p);
        }
    }
    return 0;
}

_HPy_HIDDEN int _HPyType_IsSimple(PyTypeObject *tp)
{
    PyTypeObject *base = tp->tp_base;
    if (base == NULL || _HPyType_GetData(base) != NULL || !gc_ready)
        return 0;
    if ((base->tp_flags & Py_TPFLAGS_HEAPTYPE) &&
        (base->tp_dealloc == py_subtype_dealloc || base->tp_traverse == py_subtype_traverse ||
         base->tp_clear == py_subtype_clear))
        return 0;
    return has_dict(tp) == has_dict(base);
}

/* The data of Py_TYPE(self) if it is a simple HPy type. */
static inline _HPyTypeData *simple_data(PyTypeObject *tp)
{
    _HPyTypeData *d = _HPyType_Data(tp);
    if (d != NULL && (d->flags & _HPY_TYPE_F_SIMPLE))
        return d;
    return NULL;
}

/* ------------------------------------------------------------------------
 * The slots
 * ------------------------------------------------------------------------ */

_HPy_HIDDEN int _HPyType_Traverse(PyObject *self, visitproc visit, void *arg)
{
    PyTypeObject *tp = Py_TYPE(self), *owner, *stop;
    _HPyTypeData *d = simple_data(tp);
    _HPyVisitArgs c;
    int r = 0;

    if (d != NULL) {
        PyTypeObject *base = tp->tp_base;
        if (d->traverse != NULL) {
            r = _HPyType_TraverseStruct(d->traverse, _HPyType_StructFor(self, d), visit, arg);
            if (r)
                return r;
        }
        if (base->tp_traverse != NULL) {
            r = base->tp_traverse(self, visit, arg);
            if (r || (base->tp_flags & Py_TPFLAGS_HEAPTYPE))
                return r;
        }
        Py_VISIT(tp);
        return 0;
    }
    d = _HPyType_GetData(tp);
    if (d != NULL && d->traverse != NULL) {
        r = _HPyType_TraverseStruct(d->traverse, _HPyType_StructFor(self, d), visit, arg);
        if (r)
            return r;
    }
    c.visit = visit;
    c.arg = arg;
    stop = walk(self, FOR_TRAVERSE, &owner, visit_py_slots, &c, &r);
    if (r)
        return r;
    if (dict_is_ours(owner, stop)) {
        r = visit_dict(self, owner, visit, arg);
        if (r)
            return r;
    }
    if (stop != NULL && stop->tp_traverse != NULL) {
        r = stop->tp_traverse(self, visit, arg);
        if (r)
            return r;
    }
    /* Instances of heap types own a reference to their type. Whoever
     * traverses the first heap-type level visits it: we do unless the base
     * we handed over to is a heap type (which then does it). Before 3.9 a
     * Python subclass' subtype_traverse always visited it itself. */
    if (stop == NULL || stop->tp_traverse == NULL || !(stop->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
#if PY_VERSION_HEX < 0x03090000
        if (owner != tp)
            return 0;
#endif
        Py_VISIT(tp);
    }
    return 0;
}

_HPy_HIDDEN int _HPyType_Clear(PyObject *self)
{
    PyTypeObject *owner, *stop;
    _HPyTypeData *d = simple_data(Py_TYPE(self));
    int r = 0;
    if (d != NULL) {
        if (d->traverse != NULL)
            call_clear(d->traverse, _HPyType_StructFor(self, d));
        stop = Py_TYPE(self)->tp_base;
        return stop->tp_clear != NULL ? stop->tp_clear(self) : 0;
    }
    _HPyType_ClearFields(self);
    stop = walk(self, FOR_CLEAR, &owner, clear_py_slots, NULL, &r);
    if (dict_is_ours(owner, stop))
        clear_dict(self, owner);
    if (stop != NULL && stop->tp_clear != NULL)
        return stop->tp_clear(self);
    return 0;
}

/* The tp_dealloc of _HPY_TYPE_F_PLAIN types, chosen when the type is made,
 * so that the common case needs no type data: an instance of the type
 * itself (not of a subclass, whose tp_dealloc is CPython's and calls this
 * one) without a finalizer (Python code may give the type __del__ later)
 * only has its memory to free. */
_HPy_HIDDEN void _HPyType_DeallocPlain(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (tp->tp_dealloc == _HPyType_DeallocPlain && tp->tp_finalize == NULL) {
        tp->tp_free(self);
        /* a static type that inherited this function holds no reference */
        if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
            Py_DECREF(tp);
        return;
    }
    _HPyType_Dealloc(self);
}

/* The tp_dealloc of GC types that are plain but for the GC and their
 * HPyFields (SIMPLE, base `object`, FIXED placement, no weak references, no
 * dict, no destroy), chosen when the type is made: what a C API GC type's
 * dealloc does, with the fields cleared through the type's traverse. The
 * same conditions as _HPyType_DeallocPlain send anything else (a subclass'
 * instance, a finalizer added later) to the general dealloc. */
_HPy_HIDDEN void _HPyType_DeallocPlainGC(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    _HPyTypeData *d;
    traverseproc clear;
    void *st;
    if (tp->tp_dealloc != _HPyType_DeallocPlainGC || tp->tp_finalize != NULL ||
        tp->tp_cache == NULL) {
        _HPyType_Dealloc(self);
        return;
    }
    /* Only HPyType_FromSpec of this runtime copy installs this function,
     * and it is not inherited (HPy subtypes get _HPyType_Dealloc, Python
     * subclasses subtype_dealloc): tp_cache is the bytes object it made, no
     * need to check its type and magic. */
    d = (_HPyTypeData *)(void *)PyBytes_AS_STRING(tp->tp_cache);
    PyObject_GC_UnTrack(self);
    st = (char *)self + d->struct_offset;
#ifdef HPY_ABI_CPYTHON
    clear = *_HPyType_ClearFieldsSlot(d); /* the type is ours: see ctx_type.h */
#else
    clear = NULL; /* only the cpython ABI fills the slot in */
#endif
    if (clear != NULL)
        clear(self, _HPy_CLEAR_FIELDS, st);
    else if (d->traverse != NULL)
        call_clear(d->traverse, st);
    tp->tp_free(self);
    Py_DECREF(tp);
}

_HPy_HIDDEN void _HPyType_Dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self), *owner, *stop, *t;
    _HPyTypeData *td = simple_data(tp);
    HPyFunc_destroyfunc last = NULL;
    int r = 0;

    if (td != NULL) {
        /* the common case: an HPy type right on top of a non-HPy type */
        void *st;
        if (tp->tp_finalize != NULL && PyObject_CallFinalizerFromDealloc(self) < 0)
            return; /* resurrected */
        if (PyType_IS_GC(tp))
            PyObject_GC_UnTrack(self);
        if (tp->tp_weaklistoffset != 0)
            PyObject_ClearWeakRefs(self);
        st = _HPyType_StructFor(self, td);
        if (td->traverse != NULL)
            call_clear(td->traverse, st);
        if (td->destroy != NULL)
            td->destroy(st);
        stop = tp->tp_base;
        if (stop == &PyBaseObject_Type) {
            /* what object_dealloc would do, without the indirect call */
            tp->tp_free(self);
            Py_DECREF(tp);
            return;
        }
        goto base_dealloc;
    }
    td = own_data(tp);

    /* A Python subclass' subtype_dealloc already ran the finalizer. */
    if (is_defined(td) && tp->tp_finalize != NULL) {
        if (PyObject_CallFinalizerFromDealloc(self) < 0)
            return; /* resurrected */
    }
    if (PyType_IS_GC(tp))
        PyObject_GC_UnTrack(self);

    stop = walk(self, FOR_DEALLOC, &owner, NULL, NULL, &r);
    if (owner != NULL && owner->tp_weaklistoffset != 0)
        PyObject_ClearWeakRefs(self);

    /* the fields first: destroy may free memory the traverse reads */
    _HPyType_ClearFields(self);
    for (t = tp; t != NULL && t != stop; t = t->tp_base) {
        _HPyTypeData *d = own_data(t);
        if (is_defined(d)) {
            if (d->destroy != NULL && d->destroy != last) {
                last = d->destroy;
                d->destroy(_HPyType_StructFor(self, d));
            }
        }
        else if (owner != NULL && (t->tp_flags & Py_TPFLAGS_HEAPTYPE) && gc_ready &&
                 t->tp_dealloc == py_subtype_dealloc && Py_SIZE(t) > 0) {
            clear_py_slots(t, self, NULL);
        }
    }
    if (dict_is_ours(owner, stop))
        clear_dict(self, owner);

base_dealloc:
    if (stop != NULL && stop->tp_dealloc != NULL) {
        if (PyType_IS_GC(stop))
            PyObject_GC_Track(self);
        stop->tp_dealloc(self);
        /* a heap type's dealloc drops the reference to the type itself */
        if (!(stop->tp_flags & Py_TPFLAGS_HEAPTYPE))
            Py_DECREF(tp);
    }
    else {
        tp->tp_free(self);
        Py_DECREF(tp);
    }
}
