/* HPyType_FromSpec in the WebAssembly host: the checks, layout decisions
 * and tables of every host (runtime/ctx_type_spec.c), with the type made by
 * PyType_FromMetaclass from the stable ABI and its data kept in a block of
 * its own (ctx_type_wasm.h). What the stable ABI does not allow: a type made
 * from a spec with several bases keeps the __dict__ and weak-reference
 * offsets CPython copies from a secondary base (the CPython host resets
 * them). */
#include "ctx_type_wasm.h"
#include "ctx_type_spec.h"
#include "hpy_host.h"

#define ERR_PREFIX _HPY_SPEC_ERR_PREFIX

/* The block keeps the layout with the numbers of the shared code. */
typedef char wt_placements_agree[(WT_PLACE_FIXED == _HPY_LAYOUT_FIXED &&
                                  WT_PLACE_VAR_TUPLE == _HPY_LAYOUT_VAR_TUPLE &&
                                  WT_PLACE_VAR_LONG == _HPY_LAYOUT_VAR_LONG &&
                                  WT_STRUCT_ALIGN == _HPY_LAYOUT_ALIGN)
                                     ? 1
                                     : -1];

static Py_ssize_t round_up(Py_ssize_t n, Py_ssize_t align)
{
    return (n + align - 1) & ~(align - 1);
}

int _HPyTypeHost_BaseLayout(PyTypeObject *tp, _HPyTypeLayout *out)
{
    wt_data *d = wt_find_data(tp);
    if (d == NULL)
        return 0;
    out->flags = ((d->flags & WT_F_LEGACY) ? _HPY_LAYOUT_F_LEGACY : 0u) |
                 (d == wt_own_data(tp) ? _HPY_LAYOUT_F_DEFINED : 0u);
    out->shape = d->shape;
    out->placement = d->placement;
    out->struct_offset = d->struct_offset;
    out->struct_size = d->struct_size;
    out->var_itemsize = d->var_itemsize;
    out->vectorcall_offset = d->vectorcall_offset;
    out->default_call = d->default_call;
    out->destroy = d->destroy;
    out->traverse = d->traverse;
    return 1;
}

typedef char wt_alloc_fixed_offset_agrees[(_HPyWasm_ALLOC_FIXED_OFFSET ==
                                           (((Py_ssize_t)sizeof(PyObject) + WT_STRUCT_ALIGN - 1) &
                                            ~(WT_STRUCT_ALIGN - 1)))
                                              ? 1
                                              : -1];

/* The tp_alloc the new type gets from the host (b->alloc): the marker of
 * the layout (_HPyWasm_AllocFixed) if its instances have their struct at
 * _HPyWasm_ALLOC_FIXED_OFFSET; PyType_GenericAlloc, which the marker
 * stands for, where it would inherit the marker without that layout; else
 * none. A tp_alloc of the spec's or of a base's own is kept. */
static void choose_alloc(_HPyTypeBuilder *b)
{
    void *base_alloc = PyType_GetSlot(b->primary, Py_tp_alloc);
    const PyType_Slot *ls;
    if (b->hspec->legacy_slots != NULL)
        for (ls = (const PyType_Slot *)b->hspec->legacy_slots; ls->slot != 0; ls++)
            if (ls->slot == Py_tp_alloc)
                return;
    if (base_alloc != (void *)PyType_GenericAlloc && base_alloc != (void *)_HPyWasm_AllocFixed)
        return;
    /* marked types need nothing from HPy_New but tp_alloc (direct_alloc.h):
     * not those whose instances get a call function */
    if (b->d.placement == _HPY_LAYOUT_FIXED && b->d.struct_offset == _HPyWasm_ALLOC_FIXED_OFFSET &&
        !(b->d.vectorcall_offset > 0 && b->d.default_call != NULL))
        b->alloc = (void *)_HPyWasm_AllocFixed;
    else if (base_alloc == (void *)_HPyWasm_AllocFixed)
        b->alloc = (void *)PyType_GenericAlloc;
}

/* b->host is the new type's wt_data. */
void *_HPyTypeHost_SlotFunc(_HPyTypeBuilder *b, HPyDef *def, int cslot)
{
    if (cslot == Py_tp_finalize) {
        /* called once per object: see wt_finalize */
        ((wt_data *)b->host)->finalize = _HPY_FPTR(destructor, def->slot.cpy_trampoline);
        return (void *)wt_finalize;
    }
    return _HPY_SPEC_SLOT_ENTRY(b->ctx, def);
}

#define MANAGED_DICT (1UL << 4)
#define MANAGED_WEAKREF (1UL << 3)

/* A type attribute that is a Py_ssize_t (__dictoffset__...), 0 if absent. */
static Py_ssize_t type_ssize(PyTypeObject *tp, const char *name)
{
    PyObject *o = PyObject_GetAttrString((PyObject *)tp, name);
    Py_ssize_t v;
    if (o == NULL) {
        PyErr_Clear();
        return 0;
    }
    v = PyLong_AsSsize_t(o);
    Py_DECREF(o);
    if (v == -1 && PyErr_Occurred())
        PyErr_Clear();
    return v;
}

static int has_dict(PyTypeObject *tp)
{
    return (PyType_GetFlags(tp) & MANAGED_DICT) || type_ssize(tp, "__dictoffset__") != 0;
}

static int has_weakrefs(PyTypeObject *tp)
{
    return (PyType_GetFlags(tp) & MANAGED_WEAKREF) || type_ssize(tp, "__weakrefoffset__") != 0;
}

/* CPython gives a type made from a spec the __dict__ and weak-reference
 * offsets of a secondary base when its primary base has none, although
 * they mean nothing in the primary base's layout (they would point into our
 * struct, or before the object's end for the "managed" offset -1). The
 * CPython host resets them; the stable ABI cannot, so the new type gets
 * slots of its own for them, after everything else (fills
 * wd->dict_offset and wd->weaklist_offset, grows b->basicsize). */
static int reserve_secondary_slots(_HPyTypeBuilder *b, wt_data *wd)
{
    int dict = 0, weak = 0;
    Py_ssize_t i, ptr = (Py_ssize_t)sizeof(void *);
    for (i = 0; i < PyTuple_Size(b->bases); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GetItem(b->bases, i);
        if (t == b->primary)
            continue;
        dict |= has_dict(t);
        weak |= has_weakrefs(t);
    }
    dict = dict && !has_dict(b->primary) && !_HPyTypeSpec_SetsOffset(b, "__dictoffset__");
    weak = weak && !has_weakrefs(b->primary) && !_HPyTypeSpec_SetsOffset(b, "__weaklistoffset__");
    if (!dict && !weak)
        return 0;
    if (b->d.placement != _HPY_LAYOUT_FIXED || b->hspec->itemsize != 0) {
        PyErr_Format(PyExc_TypeError,
                     ERR_PREFIX "'%s': a secondary base with a __dict__ or "
                                "weak references needs a fixed-size layout",
                     b->hspec->name);
        return -1;
    }
    b->basicsize = round_up(b->basicsize, ptr);
    if (dict) {
        wd->dict_offset = b->basicsize;
        b->basicsize += ptr;
    }
    if (weak) {
        wd->weaklist_offset = b->basicsize;
        b->basicsize += ptr;
    }
    return 0;
}

/* Whether instances of `tp` can be weakly referenced (__weakrefoffset__,
 * negative for the weak references CPython manages itself). */
static int has_weaklist(PyTypeObject *tp)
{
    PyObject *o = PyObject_GetAttrString((PyObject *)tp, "__weakrefoffset__");
    Py_ssize_t off;
    if (o == NULL) {
        PyErr_Clear();
        return 0;
    }
    off = PyLong_AsSsize_t(o);
    Py_DECREF(o);
    if (off == -1 && PyErr_Occurred())
        PyErr_Clear();
    return off != 0;
}

HPy ctx_Type_FromSpec(HPyContext *ctx, HPyType_Spec *hspec, HPyType_SpecParam *params)
{
    static const _HPyTypeHostSlots funcs = { (void *)wt_dealloc, (void *)wt_traverse,
                                             (void *)wt_clear, (void *)wt_call };
    _HPyTypeBuilder b;
    _HPyTypeTables t;
    wt_data nd, *bd, *block = NULL;
    PyObject *res = NULL;
    if (_HPyTypeSpec_Check(&b, ctx, hspec, params) < 0)
        return HPy_NULL;
    memset(&nd, 0, sizeof(nd));
    b.host = &nd;
    wt_gc_init();
    if (_HPyTypeSpec_Layout(&b, params) < 0 || reserve_secondary_slots(&b, &nd) < 0 ||
        _HPyTypeSpec_Prepare(&b) < 0)
        goto error;

    bd = wt_find_data(b.primary);
    if (bd != NULL)
        nd.finalize = bd->finalize; /* replaced by an own HPy_tp_finalize */
    /* __vectorcalloffset__, __dictoffset__, __weaklistoffset__ (see
     * reserve_secondary_slots) */
    block = wt_alloc_data(_HPyTypeSpec_TablesSize(&b, 2));
    if (block == NULL)
        goto error;
    choose_alloc(&b);
    if (_HPyTypeSpec_FillTables(&b, (char *)block + WT_TABLES, 2, &t) < 0 ||
        _HPyTypeSpec_MakeSlots(&b, &t, &funcs) < 0)
        goto error;
    if (nd.dict_offset > 0)
        _HPyTypeSpec_AddOffsetMember(&t, "__dictoffset__", nd.dict_offset);
    if (nd.weaklist_offset > 0)
        _HPyTypeSpec_AddOffsetMember(&t, "__weaklistoffset__", nd.weaklist_offset);

    nd.shape = b.d.shape;
    nd.placement = b.d.placement;
    nd.struct_offset = b.d.struct_offset;
    nd.struct_size = b.d.struct_size;
    nd.var_itemsize = b.d.var_itemsize;
    nd.vectorcall_offset = b.d.vectorcall_offset;
    nd.default_call = b.d.default_call;
    nd.destroy = b.d.destroy;
    nd.traverse = b.d.traverse;
    if (b.d.flags & _HPY_LAYOUT_F_LEGACY)
        nd.flags |= WT_F_LEGACY;
    if (b.legacy_dealloc == NULL)
        nd.flags |= WT_F_OWN_DEALLOC;
    if (b.legacy_traverse == NULL && b.gc_slots)
        nd.flags |= WT_F_GC_SLOTS;

    /* The block must be complete before any instance exists, and
     * PyType_FromMetaclass creates none. */
    *block = nd;
    res = PyType_FromMetaclass(b.meta, NULL, &b.spec, b.bases);
    _HPyTypeSpec_FreeSlots(&b);
    if (res == NULL)
        goto error;
    {
        PyTypeObject *tp = (PyTypeObject *)res;
        /* The tables are the type's from now on, also if a check below
         * fails: its descriptors point into them. */
        if (wt_attach_data(block, tp) < 0) {
            block = NULL; /* leaked: the type's descriptors point into it */
            goto error;
        }
        block = NULL;
        if (_HPyTypeSpec_CheckBase(&b, wt_base(tp)) < 0)
            goto error;
        if (has_weaklist(tp))
            wt_own_data(tp)->flags |= WT_F_WEAKLIST;
        wt_plan_gc(wt_own_data(tp), tp);
    }
    _HPyTypeSpec_Release(&b);
    return _py2h(res);

error:
    Py_XDECREF(res);
    if (block != NULL)
        wt_free_data(block);
    _HPyTypeSpec_Release(&b);
    return HPy_NULL;
}
