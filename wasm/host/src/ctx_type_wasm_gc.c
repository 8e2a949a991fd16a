/* The tp_dealloc, tp_traverse and tp_clear of HPy types in the WebAssembly
 * host, with the behaviour of the CPython host's (runtime/ctx_type_gc.c):
 *
 * - tp_traverse calls the type's HPy_tp_traverse (own or inherited) with a
 *   visitor that hands each non-NULL HPyField to CPython's visitproc, then
 *   the tp_traverse of the first base that is neither an HPy type nor a
 *   Python class, and visits the type (instances own a reference to it).
 * - tp_clear and tp_dealloc clear the HPyFields (every distinct traverse
 *   implementation of the chain, with a visitor that clears the field).
 * - tp_dealloc then calls HPy_tp_destroy of every HPy type of the chain,
 *   most derived first, and lets the first base that is not an HPy type
 *   (object, int, list, a legacy type with its own dealloc...) free the
 *   object.
 * For an instance of exactly an HPy type (not a subclass) the walks over
 * the chain of bases are done once per type (wt_plan_gc, when the type is
 * made) and dealloc, traverse and clear follow that plan.
 * Only stable functions are used: the slots of a type are read with
 * PyType_GetSlot. A Python class below an HPy type in the chain is skipped
 * (its __slots__ are not cleared: their layout is not in the stable ABI). */
#include "ctx_type_wasm.h"
#include "ctx_type_spec.h"

static destructor py_subtype_dealloc;
static traverseproc py_subtype_traverse;
static inquiry py_subtype_clear;
static int gc_ready;

/* The slot functions CPython gives classes defined in Python. */
void wt_gc_init(void)
{
    if (!gc_ready)
        gc_ready = _HPyType_PythonClassSlots(&py_subtype_dealloc, &py_subtype_traverse,
                                             &py_subtype_clear) == 0;
}

static int is_gc(PyTypeObject *t)
{
    return (PyType_GetFlags(t) & Py_TPFLAGS_HAVE_GC) != 0;
}

int wt_is_python_class(PyTypeObject *t)
{
    return gc_ready && (PyType_GetFlags(t) & Py_TPFLAGS_HEAPTYPE) &&
           (destructor)PyType_GetSlot(t, Py_tp_dealloc) == py_subtype_dealloc;
}


/* ------------------------------------------------------------------------
 * Calling traverse implementations
 * ------------------------------------------------------------------------ */

/* For _HPyType_ClearEachTraverse: the traverse of an HPy type of the
 * chain, and the struct of `self` for it. */
static int own_traverse(PyObject *self, PyTypeObject *t, HPyFunc_traverseproc *f, void **st)
{
    wt_data *d = wt_own_data(t);
    if (d == NULL || d->traverse == NULL)
        return 0;
    *f = d->traverse;
    *st = wt_struct_for(self, d);
    return 1;
}

static void clear_fields(PyObject *self)
{
    _HPyType_ClearEachTraverse(self, own_traverse, wt_base);
}

/* The __dict__ slots the HPy types of the chain reserved themselves
 * (ctx_type_wasm.c: reserve_secondary_slots): visited or cleared. */
static int visit_dicts(PyObject *self, visitproc visit, void *arg)
{
    PyTypeObject *t;
    for (t = Py_TYPE(self); t != NULL; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL && d->dict_offset > 0) {
            PyObject *dict = *(PyObject **)(void *)((char *)self + d->dict_offset);
            if (dict != NULL) {
                int r = visit(dict, arg);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

static void clear_dicts(PyObject *self)
{
    PyTypeObject *t;
    for (t = Py_TYPE(self); t != NULL; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL && d->dict_offset > 0)
            Py_CLEAR(*(PyObject **)(void *)((char *)self + d->dict_offset));
    }
}

/* The first type of the chain of `tp` that is neither an HPy type using
 * our slot `ours` for `slot` nor a Python class: the one the work of an
 * instance of `tp` is handed to. */
static PyTypeObject *first_foreign(PyTypeObject *tp, int slot, void *ours)
{
    PyTypeObject *t;
    for (t = tp; t != NULL; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL) {
            if (PyType_GetSlot(t, slot) == ours)
                continue;
            /* a legacy slot of its own, or an inherited one */
            if (slot == Py_tp_dealloc && !(d->flags & WT_F_OWN_DEALLOC))
                return t;
            if (slot != Py_tp_dealloc && !(d->flags & WT_F_GC_SLOTS)) {
                PyTypeObject *b = wt_base(t);
                void *f = PyType_GetSlot(t, slot);
                if (f != NULL && (b == NULL || PyType_GetSlot(b, slot) != f))
                    return t;
            }
            continue;
        }
        if (wt_is_python_class(t))
            continue;
        if (wt_find_data(t) != NULL)
            continue; /* a Python subclass without CPython's own slots */
        return t;
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * The plan of a type (ctx_type_wasm.h: wt_gc_plan)
 * ------------------------------------------------------------------------ */

/* The same walks as clear_fields, visit_dicts/clear_dicts, first_foreign
 * and the loops of wt_dealloc, for an instance of exactly `tp`. */
void wt_plan_gc(wt_data *d, PyTypeObject *tp)
{
    wt_gc_plan p;
    PyTypeObject *t, *stop;
    HPyFunc_destroyfunc last = NULL;
    int i;
    memset(&p, 0, sizeof(p));
    d->plan.ready = 0;
    for (t = tp; t != NULL; t = wt_base(t)) {
        wt_data *td = wt_own_data(t);
        int seen = 0;
        if (td == NULL)
            continue;
        if (td->dict_offset > 0) {
            if (p.ndict == WT_PLAN_MAX)
                return;
            p.dict[p.ndict++] = td->dict_offset;
        }
        if (td->traverse == NULL)
            continue;
        for (i = 0; i < p.ntraverse; i++)
            if (p.traverse[i]->traverse == td->traverse)
                seen = 1;
        if (seen)
            continue;
        if (p.ntraverse == WT_PLAN_MAX)
            return;
        p.traverse[p.ntraverse++] = td;
    }

    stop = first_foreign(tp, Py_tp_dealloc, (void *)wt_dealloc);
    p.untrack = is_gc(tp);
    p.clear_weakrefs = stop != tp && (d->flags & WT_F_WEAKLIST) != 0;
    for (t = tp; t != NULL && t != stop; t = wt_base(t)) {
        wt_data *td = wt_own_data(t);
        if (td != NULL && td->destroy != NULL && td->destroy != last) {
            if (p.ndestroy == WT_PLAN_MAX)
                return;
            last = td->destroy;
            p.destroy[p.ndestroy++] = td;
        }
    }
    if (stop != NULL) {
        p.base_dealloc = (destructor)PyType_GetSlot(stop, Py_tp_dealloc);
        p.base_dealloc_gc = is_gc(stop);
        p.base_dealloc_heap = (PyType_GetFlags(stop) & Py_TPFLAGS_HEAPTYPE) != 0;
    }
    p.free = (freefunc)PyType_GetSlot(tp, Py_tp_free);

    stop = first_foreign(tp, Py_tp_traverse, (void *)wt_traverse);
    if (stop != NULL)
        p.base_traverse = (traverseproc)PyType_GetSlot(stop, Py_tp_traverse);
    p.traverse_visits_type =
        p.base_traverse == NULL || !(PyType_GetFlags(stop) & Py_TPFLAGS_HEAPTYPE);
    stop = first_foreign(tp, Py_tp_clear, (void *)wt_clear);
    if (stop != NULL)
        p.base_clear = (inquiry)PyType_GetSlot(stop, Py_tp_clear);
    p.ready = 1;
    d->plan = p;
}

static void planned_clear_fields(PyObject *self, const wt_gc_plan *p)
{
    int i;
    for (i = 0; i < p->ntraverse; i++) {
        const wt_data *d = p->traverse[i];
        d->traverse(wt_struct_for(self, d), _HPyType_ClearField, NULL);
    }
}

static void planned_clear_dicts(PyObject *self, const wt_gc_plan *p)
{
    int i;
    for (i = 0; i < p->ndict; i++)
        Py_CLEAR(*(PyObject **)(void *)((char *)self + p->dict[i]));
}

static int planned_traverse(PyObject *self, const wt_data *d, visitproc visit, void *arg)
{
    const wt_gc_plan *p = &d->plan;
    int i, r;
    if (d->traverse != NULL &&
        (r = _HPyType_TraverseStruct(d->traverse, wt_struct_for(self, d), visit, arg)) != 0)
        return r;
    for (i = 0; i < p->ndict; i++) {
        PyObject *dict = *(PyObject **)(void *)((char *)self + p->dict[i]);
        if (dict != NULL && (r = visit(dict, arg)) != 0)
            return r;
    }
    if (p->base_traverse != NULL && (r = p->base_traverse(self, visit, arg)) != 0)
        return r;
    return p->traverse_visits_type ? visit((PyObject *)Py_TYPE(self), arg) : 0;
}

static int planned_clear(PyObject *self, const wt_gc_plan *p)
{
    planned_clear_fields(self, p);
    planned_clear_dicts(self, p);
    return p->base_clear != NULL ? p->base_clear(self) : 0;
}

static int finalize_from_dealloc(PyObject *self, destructor fin);
static void forget_finalized(PyObject *self);

static void planned_dealloc(PyObject *self, const wt_gc_plan *p)
{
    PyTypeObject *tp = Py_TYPE(self);
    destructor fin = (destructor)PyType_GetSlot(tp, Py_tp_finalize);
    int i;
    if (fin != NULL && finalize_from_dealloc(self, fin) < 0)
        return;
    forget_finalized(self);
    if (p->untrack)
        PyObject_GC_UnTrack(self);
    if (p->clear_weakrefs)
        PyObject_ClearWeakRefs(self);
    /* the fields first: destroy may free memory the traverse reads */
    planned_clear_fields(self, p);
    for (i = 0; i < p->ndestroy; i++) {
        const wt_data *d = p->destroy[i];
        d->destroy(wt_struct_for(self, d));
    }
    planned_clear_dicts(self, p);
    if (p->base_dealloc != NULL) {
        if (p->base_dealloc_gc)
            PyObject_GC_Track(self);
        p->base_dealloc(self);
        if (!p->base_dealloc_heap)
            Py_DECREF(tp);
    }
    else {
        p->free(self);
        Py_DECREF(tp);
    }
}

/* ------------------------------------------------------------------------
 * The slots
 * ------------------------------------------------------------------------ */

int wt_traverse(PyObject *self, visitproc visit, void *arg)
{
    PyTypeObject *tp = Py_TYPE(self), *stop;
    wt_data *d = wt_own_data(tp);
    traverseproc base_traverse = NULL;
    int r;
    if (d != NULL && d->plan.ready)
        return planned_traverse(self, d, visit, arg);
    d = wt_find_data(tp);
    if (d != NULL && d->traverse != NULL &&
        (r = _HPyType_TraverseStruct(d->traverse, wt_struct_for(self, d), visit, arg)) != 0)
        return r;
    r = visit_dicts(self, visit, arg);
    if (r)
        return r;
    stop = first_foreign(Py_TYPE(self), Py_tp_traverse, (void *)wt_traverse);
    if (stop != NULL)
        base_traverse = (traverseproc)PyType_GetSlot(stop, Py_tp_traverse);
    if (base_traverse != NULL) {
        r = base_traverse(self, visit, arg);
        if (r)
            return r;
    }
    /* whoever traverses the first heap-type level visits the type */
    if (base_traverse == NULL || !(PyType_GetFlags(stop) & Py_TPFLAGS_HEAPTYPE))
        return visit((PyObject *)tp, arg);
    return 0;
}

int wt_clear(PyObject *self)
{
    PyTypeObject *stop;
    inquiry base_clear = NULL;
    wt_data *own = wt_own_data(Py_TYPE(self));
    if (own != NULL && own->plan.ready)
        return planned_clear(self, &own->plan);
    clear_fields(self);
    clear_dicts(self);
    stop = first_foreign(Py_TYPE(self), Py_tp_clear, (void *)wt_clear);
    if (stop != NULL)
        base_clear = (inquiry)PyType_GetSlot(stop, Py_tp_clear);
    return base_clear != NULL ? base_clear(self) : 0;
}

/* ------------------------------------------------------------------------
 * HPy_tp_finalize
 * ------------------------------------------------------------------------ */

/* A finalizer runs once per object, also if the object is resurrected and
 * dies again. CPython remembers that in a bit of the GC header, which only
 * PyObject_CallFinalizer(FromDealloc) set and neither is in the stable ABI:
 * the host remembers the objects whose HPy finalizer ran (their addresses,
 * until they are deallocated) in a set of its own. */
static PyObject *finalized;

/* 1 if `self` is newly marked, 0 if it was already, -1 on error. */
static int mark_finalized(PyObject *self)
{
    PyObject *key;
    int r;
    if (finalized == NULL && (finalized = PySet_New(NULL)) == NULL)
        return -1;
    if ((key = PyLong_FromVoidPtr(self)) == NULL)
        return -1;
    r = PySet_Contains(finalized, key);
    if (r == 0)
        r = PySet_Add(finalized, key) < 0 ? -1 : 1;
    else if (r == 1)
        r = 0;
    Py_DECREF(key);
    return r;
}

static void forget_finalized(PyObject *self)
{
    PyObject *exc, *key;
    if (finalized == NULL || PySet_Size(finalized) == 0)
        return;
    exc = PyErr_GetRaisedException();
    key = PyLong_FromVoidPtr(self);
    if (key != NULL) {
        (void)PySet_Discard(finalized, key);
        Py_DECREF(key);
    }
    PyErr_Clear();
    PyErr_SetRaisedException(exc);
}

static void call_hpy_finalize(PyObject *self)
{
    wt_data *d = wt_find_data(Py_TYPE(self));
    if (d != NULL && d->finalize != NULL)
        d->finalize(self);
}

/* Runs `fin` on `self` unless it already ran through here. */
static void finalize_once(PyObject *self, destructor fin)
{
    PyObject *exc = PyErr_GetRaisedException();
    int r = mark_finalized(self);
    if (r < 0)
        PyErr_WriteUnraisable(self);
    if (r != 0) {
        fin(self);
        if (PyErr_Occurred())
            PyErr_WriteUnraisable(self);
    }
    PyErr_SetRaisedException(exc);
}

/* The tp_finalize of HPy types with HPy_tp_finalize (own or inherited). An
 * object whose dealloc is a legacy one is not remembered: that dealloc
 * would not forget it. */
void wt_finalize(PyObject *self)
{
    wt_data *d = wt_find_data(Py_TYPE(self));
    if (d != NULL && !(d->flags & WT_F_OWN_DEALLOC)) {
        PyObject *exc = PyErr_GetRaisedException();
        call_hpy_finalize(self);
        if (PyErr_Occurred())
            PyErr_WriteUnraisable(self);
        PyErr_SetRaisedException(exc);
        return;
    }
    finalize_once(self, call_hpy_finalize);
}

/* PyObject_CallFinalizerFromDealloc: the object is revived for the call;
 * returns -1 if the finalizer resurrected it. The garbage collector marks
 * the GC objects it finalized (before calling tp_finalize, which for ours
 * is wt_finalize) with a bit PyObject_GC_IsFinalized reads. */
static int finalize_from_dealloc(PyObject *self, destructor fin)
{
    if (is_gc(Py_TYPE(self)) && PyObject_GC_IsFinalized(self))
        return 0;
    self->ob_refcnt = 1;
    finalize_once(self, fin == wt_finalize ? call_hpy_finalize : fin);
    if (--self->ob_refcnt != 0)
        return -1;
    return 0;
}

void wt_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self), *stop, *t;
    wt_data *own = wt_own_data(tp), *first = NULL;
    HPyFunc_destroyfunc last = NULL;
    destructor base_dealloc = NULL;

    if (own != NULL && own->plan.ready) {
        planned_dealloc(self, &own->plan);
        return;
    }
    if (own != NULL) {
        /* (a Python subclass' subtype_dealloc already ran the finalizer) */
        destructor fin = (destructor)PyType_GetSlot(tp, Py_tp_finalize);
        if (fin != NULL && finalize_from_dealloc(self, fin) < 0)
            return;
    }
    forget_finalized(self);
    if (is_gc(tp))
        PyObject_GC_UnTrack(self);
    stop = first_foreign(Py_TYPE(self), Py_tp_dealloc, (void *)wt_dealloc);
    for (t = tp; t != NULL && t != stop; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL && first == NULL)
            first = d;
    }
    if (first != NULL && (first->flags & WT_F_WEAKLIST))
        PyObject_ClearWeakRefs(self);

    /* the fields first: destroy may free memory the traverse reads */
    clear_fields(self);
    for (t = tp; t != NULL && t != stop; t = wt_base(t)) {
        wt_data *d = wt_own_data(t);
        if (d != NULL && d->destroy != NULL && d->destroy != last) {
            last = d->destroy;
            d->destroy(wt_struct_for(self, d));
        }
    }
    clear_dicts(self);

    if (stop != NULL)
        base_dealloc = (destructor)PyType_GetSlot(stop, Py_tp_dealloc);
    if (base_dealloc != NULL) {
        int heap = (PyType_GetFlags(stop) & Py_TPFLAGS_HEAPTYPE) != 0;
        if (is_gc(stop))
            PyObject_GC_Track(self);
        base_dealloc(self);
        /* a heap type's dealloc drops the reference to the type itself */
        if (!heap)
            Py_DECREF(tp);
    }
    else {
        freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
        f(self);
        Py_DECREF(tp);
    }
}
