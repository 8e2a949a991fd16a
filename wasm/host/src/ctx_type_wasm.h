/* HPy types in the WebAssembly host: what the ctx_type_wasm*.c files share.
 *
 * The CPython host keeps its per-type data in tp_cache, which the stable ABI
 * does not offer. Here the data lives in a block of C memory that starts
 * with the data and continues with the method, member and get-set tables
 * given to CPython. The type itself leads to the block: its tp_methods (read
 * with PyType_GetSlot, a stable function) is the method table inside the
 * block, which CPython never copies and never lets subclasses inherit. A
 * block is recognised by two magic words and by naming the type it belongs
 * to, so the method table of any other type (whose memory before the table
 * is read too) is never mistaken for one. A Python subclass of an HPy type
 * has no block: its lookups walk tp_base (PyType_GetSlot) to the nearest HPy
 * type, whose struct layout it shares.
 *
 * Nothing has to be removed when a type dies (a new type at the same
 * address has a method table of its own), but the block must be freed only
 * once no instance or descriptor can reach it. A weak reference to the type
 * with a callback does that: when the type dies by its reference count (the
 * callback sees a count of 0) every instance is gone and the block is freed.
 * When the type dies in a garbage collection, the callback runs before the
 * instances in the same garbage are deallocated (they still need the
 * block): it then takes a new weak reference to the type, whose callback
 * runs when the type is finally freed (count 0). If CPython clears that
 * second weak reference without calling it, the block (a few hundred bytes)
 * is leaked, never freed early.
 *
 * Where the struct of an instance lives is decided as in the CPython host
 * (hpy/runtime/ctx_type.h): Legacy shape at offset 0, other shapes right
 * after the first non-HPy base (16-aligned), Long and Tuple shapes after the
 * items. The item count of an int is read from its lv_tag, the one field
 * outside the stable ABI the host reads (same place in CPython 3.12-3.14).
 *
 * Where the stable ABI makes the host differ from the CPython host:
 * - Bases and metaclass params work as there (PyType_FromMetaclass), but
 *   the __dict__ and weak-reference offsets CPython copies from a secondary
 *   base cannot be reset: the type reserves slots of its own for them, so
 *   its instances have a __dict__ and weak references (the CPython host's
 *   have neither).
 * - A Python class below an HPy type in the chain of bases (an HPy type
 *   made with a Python class as its base) keeps its __slots__ and __dict__
 *   when an instance dies (their layout is not in the stable ABI): they are
 *   neither visited nor cleared, which leaks what they hold.
 * - HPy_tp_finalize and __del__ run once per object also for objects of
 *   types without GC (CPython runs them again for a resurrected non-GC
 *   object). */
#ifndef HPY_WASM_CTX_TYPE_WASM_H
#define HPY_WASM_CTX_TYPE_WASM_H

#include "hpy.h"
#include "structmember.h"
#include "entry_points.h"

#define WT_MAGIC1 0x48507957u /* "HPyW" */
#define WT_MAGIC2 0x54797065u /* "Type" */

/* wt_data.placement */
#define WT_PLACE_FIXED 0
#define WT_PLACE_VAR_TUPLE 1
#define WT_PLACE_VAR_LONG 2

/* wt_data.flags */
#define WT_F_OWN_DEALLOC 0x01u /* tp_dealloc is wt_dealloc (not a legacy one) */
#define WT_F_GC_SLOTS 0x02u    /* tp_traverse/tp_clear are wt_traverse/wt_clear */
#define WT_F_LEGACY 0x04u      /* builtin shape Legacy */
#define WT_F_WEAKLIST 0x08u    /* instances can be weakly referenced */

#define WT_STRUCT_ALIGN ((Py_ssize_t)16)

/* How many traverse/destroy/__dict__ entries a plan holds; a chain of
 * bases with more uses the general path. */
#define WT_PLAN_MAX 4

/* What tp_dealloc, tp_traverse and tp_clear do for an instance whose type
 * is exactly the one owning the block: the walks over the chain of bases
 * (which only depend on the type, and the bases and their slots do not
 * change once the type exists) done once, when the type is made
 * (wt_plan_gc in ctx_type_wasm_gc.c). */
struct wt_data;

typedef struct {
    int ready;          /* 0: use the general path */
    int untrack;        /* the type has GC: untrack before clearing */
    int clear_weakrefs; /* PyObject_ClearWeakRefs in dealloc */
    int ntraverse, ndestroy, ndict;
    const struct wt_data *traverse[WT_PLAN_MAX]; /* the wt_data whose traverse clears fields */
    const struct wt_data *destroy[WT_PLAN_MAX];  /* the wt_data whose destroy runs, in order */
    Py_ssize_t dict[WT_PLAN_MAX];                /* __dict__ slots to visit or clear */
    destructor base_dealloc;                     /* the dealloc handed to, or NULL: tp_free */
    int base_dealloc_gc;                         /* its type has GC: re-track first */
    int base_dealloc_heap;                       /* its type is a heap type (drops the type) */
    freefunc free;                               /* tp_free of the type (no base_dealloc) */
    traverseproc base_traverse;                  /* the traverse handed to, or NULL */
    int traverse_visits_type;                    /* whether wt_traverse visits the type */
    inquiry base_clear;                          /* the clear handed to, or NULL */
} wt_gc_plan;

typedef struct wt_data {
    uint32_t magic1, magic2;
    PyTypeObject *type;       /* the type the block belongs to (borrowed) */
    uint32_t flags;           /* WT_F_* */
    int32_t shape;            /* HPyType_BuiltinShape */
    int32_t placement;        /* WT_PLACE_* */
    Py_ssize_t struct_offset; /* FIXED: offset of the struct; VAR: basicsize of the builtin */
    Py_ssize_t struct_size;
    Py_ssize_t var_itemsize;       /* VAR: itemsize of the builtin */
    Py_ssize_t vectorcall_offset;  /* where an instance keeps its call function, or 0 */
    vectorcallfunc default_call;   /* what a new instance gets there (HPy_tp_call) */
    HPyFunc_destroyfunc destroy;   /* this type's own HPy_tp_destroy, or NULL */
    HPyFunc_traverseproc traverse; /* HPy_tp_traverse, own or inherited, or NULL */
    destructor finalize;           /* the trampoline of HPy_tp_finalize, own or inherited */
    Py_ssize_t dict_offset;        /* __dict__ slot of the HPy type's own, or 0 (see
                                  reserve_secondary_slots in ctx_type_wasm.c) */
    Py_ssize_t weaklist_offset;    /* its weak-reference list slot, or 0 */
    PyObject *weakref;             /* to `type`, whose callback frees the block */
    wt_gc_plan plan;               /* for instances of exactly `type` */
} wt_data;

/* Where the tables start in a block. */
#define WT_TABLES (((Py_ssize_t)sizeof(wt_data) + 15) & ~(Py_ssize_t)15)

/* The block of `tp` itself (not inherited), or NULL. Inline: AsStruct,
 * HPy_New and the GC slots of every instance start with it. */
static inline wt_data *wt_own_data(PyTypeObject *tp)
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

/* ctx_type_wasm_data.c */
/* The block of the nearest HPy base of `tp` (not `tp` itself), or NULL. */
wt_data *wt_find_inherited(PyTypeObject *tp);
/* The block of `tp` or of its nearest HPy base, or NULL. Sets no exception. */
static inline wt_data *wt_find_data(PyTypeObject *tp)
{
    wt_data *d = wt_own_data(tp);
    return d != NULL ? d : wt_find_inherited(tp);
}
/* A zeroed block with room for `tables` bytes of tables, or NULL (MemoryError). */
wt_data *wt_alloc_data(size_t tables);
/* Frees a block no type or instance can reach any more. */
void wt_free_data(wt_data *d);
/* How many blocks are allocated (for the tests of their lifetime). */
Py_ssize_t wt_live_blocks(void);
/* Adds hpy.universal._wasm_type_blocks() (wt_live_blocks) to `module`. */
int wt_add_introspection(PyObject *module);
/* Ties the block's lifetime to `tp` (its method table is in the block);
 * afterwards the block is the type's. Returns 0, or -1 with an exception
 * (the block is then still the caller's). */
int wt_attach_data(wt_data *d, PyTypeObject *tp);
/* The first base of `tp` (tp_base), or NULL. */
PyTypeObject *wt_base(PyTypeObject *tp);
/* The struct of `obj` for a variable-size layout `d` (wt_struct_for). */
void *wt_struct_for_var(PyObject *obj, const wt_data *d);
/* The struct of `obj` for the layout `d`. */
static inline void *wt_struct_for(PyObject *obj, const wt_data *d)
{
    if (d->placement == WT_PLACE_FIXED)
        return (char *)obj + d->struct_offset;
    return wt_struct_for_var(obj, d);
}

/* ctx_type_wasm_gc.c */
void wt_gc_init(void);
void wt_dealloc(PyObject *self);
void wt_finalize(PyObject *self);
int wt_traverse(PyObject *self, visitproc visit, void *arg);
int wt_clear(PyObject *self);
int wt_is_python_class(PyTypeObject *t);
/* Fills d->plan for the type `tp` that owns `d`, once it is complete. */
void wt_plan_gc(wt_data *d, PyTypeObject *tp);

/* ctx_type_wasm_instances.c */
PyObject *wt_call(PyObject *self, PyObject *args, PyObject *kw);

#endif /* HPY_WASM_CTX_TYPE_WASM_H */
